/*
 * hypercall_page: an image with XEN_ELFNOTE_HYPERCALL_PAGE gets the page
 * filled with stubs, and hypercalls through them work.
 *
 * Older Linux kernels, Mini-OS and XTF call `hypercall_page + 32 * nr`
 * instead of issuing `syscall`, and never look at what the stub does, so
 * the page must be exactly right before the first instruction runs. This
 * image is built with HYPERCALL_PAGE (test.mk): head.S adds the note and
 * an int3-filled page, and every wrapper, including the framework's
 * console and shutdown, goes through the page, so even the RESULT line
 * depends on it. Checked: every one of the 128 stubs byte for byte against
 * pvabi/README.md (the iret stub differs: it pushes rax and does not
 * return), the same calls as the other tests through the page, and that a
 * stub keeps rcx and r11 as well as everything the ABI keeps.
 */
#include "guest.h"
#include "probe.h"

const char test_title[] = "hypercalls through the hypercall page";

#define NR_STUBS	(GUEST_PAGE_SIZE / PVABI_HYPERCALL_STUB_SIZE)

/* The expected 32 bytes of stub nr; unused bytes are int3. */
static void expected_stub(u32 nr, u8 *s)
{
	static const u8 call[] = {
		0x51,				/* push %rcx */
		0x41, 0x53,			/* push %r11 */
		0xb8, 0, 0, 0, 0,		/* mov $nr, %eax */
		0x0f, 0x05,			/* syscall */
		0x41, 0x5b,			/* pop %r11 */
		0x59,				/* pop %rcx */
		0xc3,				/* ret */
	};
	static const u8 iret[] = {
		0x51,				/* push %rcx */
		0x41, 0x53,			/* push %r11 */
		0x50,				/* push %rax */
		0xb8, 0, 0, 0, 0,		/* mov $23, %eax */
		0x0f, 0x05,			/* syscall */
	};

	memset(s, 0xcc, PVABI_HYPERCALL_STUB_SIZE);
	if (nr == __HYPERVISOR_iret) {
		memcpy(s, iret, sizeof(iret));
		memcpy(s + 5, &nr, 4);
	} else {
		memcpy(s, call, sizeof(call));
		memcpy(s + 4, &nr, 4);
	}
}

static void check_stubs(void)
{
	u8 want[PVABI_HYPERCALL_STUB_SIZE];
	int bad = 0;

	ASSERT_EQ((u64)hypercall_page & (GUEST_PAGE_SIZE - 1), 0);
	for (u32 nr = 0; nr < NR_STUBS; nr++) {
		const u8 *got = hypercall_page + nr * PVABI_HYPERCALL_STUB_SIZE;

		expected_stub(nr, want);
		for (int i = 0; i < PVABI_HYPERCALL_STUB_SIZE; i++) {
			if (got[i] == want[i])
				continue;
			if (bad++ < 4)
				test_fail("stub %u byte %d is %#x, expected %#x",
					  nr, i, got[i], want[i]);
			break;
		}
	}
	if (bad > 4)
		test_fail("%d of %d stubs differ from pvabi/README.md", bad,
			  NR_STUBS);
}

static u64 stub(u64 nr)
{
	return (u64)hypercall_page + nr * PVABI_HYPERCALL_STUB_SIZE;
}

static void calls_through_page(void)
{
	static const char line[] = "hypercall_page: console_io through stub 18\n";
	struct xen_feature_info fi = { .submap_idx = 0, .submap = 0xdeadbeef };
	struct multicall_entry mc[2] = {
		{ .op = __HYPERVISOR_xen_version, .args = { XENVER_pagesize } },
		{ .op = 42 },
	};

	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_version, NULL), (4 << 16) | 17);
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_get_features, &fi), 0);
	EXPECT(fi.submap != 0xdeadbeef);	/* answered; which bits is xen_version's test */
	EXPECT_EQ(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(line) - 1, line), 0);
	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, 7), -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
	EXPECT_EQ(HYPERVISOR_multicall(mc, 2), 0);
	EXPECT_EQ(mc[0].result, 4096);
	EXPECT_EQ(mc[1].result, (u64)-XEN_ENOSYS);
}

/* A stub keeps rcx and r11 too; probe_hypercall checks them when stub != 0. */
static void registers_through_page(void)
{
	EXPECT_EQ(probe_hypercall("stub 17", 0, stub(__HYPERVISOR_xen_version),
				  XENVER_version, 0), (4 << 16) | 17);
	EXPECT_EQ(probe_hypercall("stub 42", 0, stub(42), 0, 0), -XEN_ENOSYS);
	EXPECT_EQ(probe_hypercall("stub 127", 0, stub(127), 0, 0), -XEN_ENOSYS);
}

void test_main(const struct start_info *si)
{
	(void)si;
	check_stubs();
	calls_through_page();
	registers_through_page();
}
