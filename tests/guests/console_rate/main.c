/*
 * console_rate: a domain's console output is limited to its allowance
 * (hv/core/console.c: conrate= bytes a second after a 64 KiB burst), and
 * the limit costs only that domain.
 *
 * Why: under QEMU the UART has no speed of its own, and a domain printing
 * as fast as it could kept QEMU's global mutex so busy that a neighbour on
 * another CPU kept 3-9% of its throughput (tests/guests/avail,
 * avail-console@smp2). The hypervisor makes a domain past its allowance
 * wait, on its own time: its console_io write stops and is made again
 * (a continuation), its ring is left unread and its kick made again.
 *
 * The list sets conrate=2048. Domain flood writes the 64 KiB burst with
 * console_io (512 lines of 128 bytes), then 4 KiB more with console_io and
 * 2 KiB through its console ring: the last 6 KiB must take at least about
 * 6 KiB / 2048 B/s = 3 s from the start (a flood with no limit takes well
 * under one): the console_io part at least 4 KiB / 2048 B/s from the start,
 * the ring's 2 KiB alone about a second. Domain quiet, which
 * has printed nothing, writes 2 KiB in one console_io call two seconds in,
 * while flood is held: it must go through in well under the second a
 * limit shared by all domains would cost it. tests/guests/run checks that
 * every line of both came out whole and in order (nothing dropped).
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "pvabi/console.h"

const char test_title[] = "a domain's console output is limited, at its own cost";

#define RATE		2048u	/* the list's conrate= */
#define BURST		(64u << 10)
#define LINE		128u	/* bytes a line, its newline included */

/* n lines "console_rate: WHAT NNN xxx..." of LINE bytes, in one console_io call. */
static void write_lines(const char *what, int first, int n)
{
	static char buf[4096];
	u32 len = 0;

	ASSERT(n * LINE <= sizeof(buf));
	for (int i = first; i < first + n; i++) {
		u32 k = (u32)hv_snprintf(buf + len, LINE, "console_rate: %s %03d ", what, i);

		while (k < LINE - 1)
			buf[len + k++] = (char)('a' + i % 26);
		buf[len + k++] = '\n';
		len += k;
	}
	ASSERT_EQ(HYPERVISOR_console_io(CONSOLEIO_write, len, buf), 0);
}

/* n lines into the console ring (at most its size), kicked once, waited for. */
static void ring_lines(const struct start_info *si, int n)
{
	volatile struct xencons_interface *r;
	u64 pfn = mfn_to_pfn(si->console.domU.mfn), deadline;
	u32 prod;

	ASSERT(si->console.domU.mfn && pfn < si->nr_pages);
	r = pfn_to_virt(pfn);
	prod = r->out_prod;
	ASSERT(n * LINE <= sizeof(r->out) && r->out_cons == prod);
	for (int i = 0; i < n; i++) {
		char line[LINE + 1];
		u32 k = (u32)hv_snprintf(line, sizeof(line), "console_rate: ring %03d ", i);

		while (k < LINE - 1)
			line[k++] = 'r';
		line[k++] = '\n';
		for (u32 j = 0; j < k; j++)
			r->out[MASK_XENCONS_IDX(prod++, r->out)] = line[j];
	}
	__atomic_store_n(&r->out_prod, prod, __ATOMIC_RELEASE);
	EXPECT_EQ(evtchn_send(si->console.domU.evtchn), 0);
	deadline = system_time() + 20 * NSEC_PER_SEC;
	while (r->out_cons != prod) {
		if (system_time() > deadline)
			test_error("the ring was not read in 20 s: out_cons %u, out_prod %u",
				   r->out_cons, prod);
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

static u64 ms_since(u64 t)
{
	return (system_time() - t) / 1000000;
}

static void role_flood(const struct start_info *si)
{
	u64 t0 = system_time(), t1, t2, t3;
	u64 want_ms = 1000ull * (4096 + 2048 - 2 * LINE) / RATE;

	for (int i = 0; i < (int)(BURST / LINE); i += 32)
		write_lines("burst", i, 32);
	t1 = system_time();
	write_lines("more", 0, 32);
	t2 = system_time();
	ring_lines(si, 16);
	t3 = system_time();
	printk("console_rate: the burst took %lu ms, 4 KiB more %lu ms, the ring's 2 KiB %lu ms; "
	       "6 KiB past the burst at %u B/s: at least %lu ms\n",
	       (t1 - t0) / 1000000, (t2 - t1) / 1000000, (t3 - t2) / 1000000, RATE, want_ms);
	/*
	 * The limit holds, on each path: the console_io write past the burst
	 * waited for what the burst's own time did not refill, and the ring
	 * for its 2 KiB (each may have gone one line into debt).
	 */
	EXPECT((t3 - t0) / 1000000 >= want_ms * 9 / 10);
	EXPECT((t2 - t0) / 1000000 >= 1000ull * (4096 - LINE) / RATE * 9 / 10);
	EXPECT((t3 - t2) / 1000000 >= 1000ull * (2048 - 2 * LINE) / RATE * 9 / 10);
	/* ... and the burst itself did not (it is not a rate of its own). */
	EXPECT((t1 - t0) / 1000000 < 1000ull * BURST / RATE / 2);
	/* Nor is the wait much longer than the rate says (a slow host: +15 s). */
	EXPECT(ms_since(t0) < want_ms + 15000);
}

static void role_quiet(const struct start_info *si __attribute__((unused)))
{
	u64 start = system_time(), t;

	while (system_time() < start + 2 * NSEC_PER_SEC)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	t = system_time();
	write_lines("quiet", 0, 16);
	t = ms_since(t);
	printk("console_rate: quiet wrote 2 KiB in %lu ms beside a held flood\n", t);
	EXPECT(t < 1000ull * 2048 / RATE / 2);
}

void test_main(const struct start_info *si)
{
	char role[16];

	if (!shared_info_map())
		test_skip("shared_info cannot be mapped");
	if (!cmdline_get("role", role, sizeof(role)))
		test_error("no role= on the command line");
	if (!strcmp(role, "flood"))
		role_flood(si);
	else if (!strcmp(role, "quiet"))
		role_quiet(si);
	else
		test_error("unknown role %s", role);
}
