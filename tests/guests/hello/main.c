/*
 * hello: console output through HYPERVISOR_console_io arrives intact.
 *
 * Every other test reports through this path, so it is tested first and
 * exactly: tests/guests/run compares each line this domain prints with
 * what it should be. Covered: a formatted line; one line written by three
 * console_io calls; three lines and an empty one in a single call; one
 * 3000-byte call, far more than the hypervisor copies at a time, whose
 * every 6-byte block says where it belongs; and the errors: a zero count
 * writes nothing and succeeds, a buffer that is not mapped or lies in the
 * hypervisor's range answers -EFAULT, an unknown command -ENOSYS.
 */
#include "guest.h"

const char test_title[] = "console output through console_io";

#define LONG_WRITE	3000
#define LONG_BLOCKS	((LONG_WRITE - 6) / 6)	/* "long:" ... "\n" */

static char long_buf[LONG_WRITE + 1];

static void write_checked(const char *s, size_t len)
{
	EXPECT_EQ(HYPERVISOR_console_io(CONSOLEIO_write, len, s), 0);
}

/* "long:" then blocks "00000,", "00001,", ... then "\n": 3000 bytes. */
static void long_write(void)
{
	size_t n = 0;

	memcpy(long_buf, "long:", 5);
	n = 5;
	for (int i = 0; i < LONG_BLOCKS; i++)
		n += hv_snprintf(long_buf + n, sizeof(long_buf) - n, "%05d,", i);
	long_buf[n++] = '\n';
	ASSERT_EQ(n, LONG_WRITE);
	write_checked(long_buf, n);
}

static void bad_writes(void)
{
	static const char never[] = "this text must never appear\n";

	EXPECT_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 0, never), 0);
	EXPECT_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 10, (void *)0x1000),
		  -XEN_EFAULT);
	EXPECT_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 10,
					(void *)0xffff830000000000UL),
		  -XEN_EFAULT);
	EXPECT_EQ(HYPERVISOR_console_io(77, sizeof(never) - 1, never),
		  -XEN_ENOSYS);
}

void test_main(const struct start_info *si)
{
	static const char multi[] = "multi 1\nmulti 2\n\nmulti 4\n";

	(void)si;
	printk("printf: %d %u %s %#x %c %5s|%-5s| %lx\n", -7, 42U, "str", 42,
	       'c', "ab", "cd", 0xffffffff80000000UL);
	write_checked("pieces: ", 8);
	write_checked("one line ", 9);
	write_checked("from three writes\n", 18);
	write_checked(multi, sizeof(multi) - 1);
	long_write();
	bad_writes();
}
