/*
 * two_domains: two domains write to the console at once, yielding to each
 * other after every line, and every line arrives whole, under its own
 * domain's name.
 *
 * The serial log is how every test is judged, so output from different
 * domains must never be mixed into one line or carry the wrong name. Two
 * domains (domains.list) run this image, told apart by "side=L" or
 * "side=R" on their command lines. Each writes `lines` numbered lines,
 * one console_io call per line, every tenth one longer than the
 * hypervisor's 256-byte copy chunk, and calls SCHEDOP_yield after each so
 * that the scheduler interleaves them. tests/guests/run then checks that
 * each domain's lines are all there, in order, intact, and interleaved
 * with the other's; the guest checks what it can see: every call
 * returned 0.
 */
#include "guest.h"

const char test_title[] = "two domains writing and yielding";

#define LONG_LINE	300

/* "two_domains L 017 LLLL...\n": the payload says whose line it is. */
static size_t format_line(char *buf, size_t size, char side, u64 i)
{
	size_t n = (size_t)hv_snprintf(buf, size, "two_domains %c %03lu ", side, i);
	size_t len = i % 10 == 9 ? LONG_LINE : 60;

	while (n < len && n < size - 2)
		buf[n++] = side;
	buf[n++] = '\n';
	return n;
}

void test_main(const struct start_info *si)
{
	char side[2], line[LONG_LINE + 8];
	u64 lines = cmdline_u64("lines", 200);
	long rc;

	(void)si;
	if (!cmdline_get("side", side, sizeof(side)) || !side[0])
		test_error("no side= on the command line");
	for (u64 i = 0; i < lines; i++) {
		size_t n = format_line(line, sizeof(line), side[0], i);

		rc = HYPERVISOR_console_io(CONSOLEIO_write, n, line);
		if (rc)
			test_fail("line %lu: console_io returned %ld", i, rc);
		rc = HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		if (rc)
			test_fail("line %lu: SCHEDOP_yield returned %ld", i, rc);
		if (test_failed())
			return;
	}
}
