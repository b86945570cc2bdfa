/*
 * cpu_hogs: domains that never yield all make progress: the hypervisor
 * preempts each at the end of its 10 ms time slice when another waits,
 * and never keeps one waiting while a CPU it may run on is free.
 *
 * A guest that spins (a busy loop, a kernel bug, a hostile kernel) must
 * not keep the CPU: the APIC timer ends its slice and the scheduler runs
 * the next runnable vCPU (hv/core/sched.c, docs/pv-mechanisms.md §23).
 * The domains of a list (side=A, side=B, ...) run this busy loop for
 * HOG_NS of system time each, making no hypercall but an occasional
 * console line. Neither can see the other's memory, so each checks what
 * it can see of itself, with its own clock, against the share of a CPU
 * it must get:
 *
 *	share = min(1, usable / hogs)
 *
 * with hogs= (the list) the number of hogs in the boot, and usable the
 * CPUs it may run on: cpus= (QEMU's CPUs: the runner writes the boot's
 * count for @CPUS@ in the list). A vCPU of either mode runs on any CPU
 * (a fast-mode one behind that CPU's switcher slice, docs/smp.md). So two
 * hogs on one CPU share it half and half, two on two CPUs have one each,
 * and three on two have two thirds each: the placement a scheduler that
 * leaves no CPU idle while a vCPU waits reaches. (fast= on the mixed
 * list says how many hogs are in fast mode; it no longer changes the
 * share.)
 *
 * A shared CPU (share < 1):
 *	- it was descheduled: the loop saw its own system time jump, by gaps
 *	  (> 2 ms between two consecutive reads) at least MIN_GAPS times, and
 *	  never more than MAX_GAP_NS: another hog got the CPU regularly,
 *	  and gave it back. A slice is 10 ms, but the tolerance is 250 ms:
 *	  system time is the host's time, and a busy host stops the whole of
 *	  QEMU now and then (seen: 250 ms of such stalls in 1.5 s, single
 *	  stalls of 50 ms);
 *	- VCPUOP_get_runstate_info agrees: time running is at least 2/5 of
 *	  its share of the loop and time runnable (preempted, waiting) at
 *	  least 2/5 of the rest (with share 1/2: each at least a fifth of
 *	  the loop, about half when the CPU is shared fairly).
 * A CPU of its own (share 1):
 *	- runnable (kept waiting while it could run) at most a tenth of the
 *	  loop: a scheduler that put two hogs on one CPU and left another
 *	  CPU idle fails here with about half; gaps are not counted (a busy
 *	  host's stalls, and waits for the hypervisor lock, are gaps but
 *	  not preemptions), but none may exceed MAX_GAP_NS.
 * Always:
 *	- running and runnable together cover the loop;
 *	- it kept counting: iterations in every 100 ms window.
 *
 * Each prints "cpu_hogs SIDE progress N" lines as it goes;
 * tests/guests/run checks that the lines of every side interleave.
 */
#include "guest.h"
#include "events.h"

const char test_title[] = "CPU-bound domains share the CPUs";

#define HOG_NS		(1500 * NSEC_PER_MSEC)
#define GAP_NS		(2 * NSEC_PER_MSEC)
#define MAX_GAP_NS	(250 * NSEC_PER_MSEC)
#define MIN_GAPS	20
#define WINDOW_NS	(100 * NSEC_PER_MSEC)
#define PROGRESS_NS	(250 * NSEC_PER_MSEC)

/* The share of a CPU this hog must get, in thousandths (the comment above). */
static u64 expected_share(void)
{
	u64 cpus = cmdline_u64("cpus", 1), hogs = cmdline_u64("hogs", 2);
	u64 fast = cmdline_u64("fast", guest_fast_mode() ? hogs : 0);

	if (cpus == 0 || hogs == 0 || fast > hogs || (guest_fast_mode() && !fast))
		test_error("cpus=%lu hogs=%lu fast=%lu: not a boot this can be", cpus, hogs, fast);
	return cpus >= hogs ? 1000 : cpus * 1000 / hogs;
}

void test_main(const struct start_info *si)
{
	struct vcpu_runstate_info rs0, rs1;
	u64 start, prev, now, next_print, window_end, iters = 0, window_iters = 0;
	u64 gaps = 0, gap_total = 0, max_gap = 0, empty_windows = 0, progress = 0;
	u64 running, runnable, share;
	char side[2];
	long rc;

	(void)si;
	if (!cmdline_get("side", side, sizeof(side)) || !side[0])
		test_error("no side= on the command line");
	share = expected_share();
	rc = vcpu_info_register();
	if (rc)
		test_error("VCPUOP_register_vcpu_info returned %ld", rc);
	ASSERT_EQ(runstate_get(&rs0), 0);
	start = prev = system_time();
	next_print = start;
	window_end = start + WINDOW_NS;
	while ((now = system_time()) < start + HOG_NS) {
		if (now - prev > GAP_NS) {
			gaps++;
			gap_total += now - prev;
			max_gap = MAX(max_gap, now - prev);
		}
		if (now >= window_end) {
			if (window_iters == 0)
				empty_windows++;
			window_iters = 0;
			window_end += WINDOW_NS;
		}
		if (now >= next_print) {
			printk("cpu_hogs %c progress %lu at %lu ms: %lu iterations\n",
			       side[0], progress++, (now - start) / NSEC_PER_MSEC, iters);
			next_print += PROGRESS_NS;
			now = system_time();	/* the print is not a gap */
		}
		prev = now;
		iters++;
		window_iters++;
	}
	ASSERT_EQ(runstate_get(&rs1), 0);
	running = rs1.time[RUNSTATE_running] - rs0.time[RUNSTATE_running];
	runnable = rs1.time[RUNSTATE_runnable] - rs0.time[RUNSTATE_runnable];
	printk("cpu_hogs %c: %lu iterations, %lu gaps (%lu ms, longest %lu us), runstate: running %lu ms, runnable %lu ms\n",
	       side[0], iters, gaps, gap_total / NSEC_PER_MSEC, max_gap / 1000,
	       running / NSEC_PER_MSEC, runnable / NSEC_PER_MSEC);
	printk("cpu_hogs %c: share of a CPU expected %lu/1000 (cpus=%lu hogs=%lu, %s mode)\n",
	       side[0], share, cmdline_u64("cpus", 1), cmdline_u64("hogs", 2),
	       guest_fast_mode() ? "fast" : "compat");
	if (share < 1000 && gaps < MIN_GAPS)
		test_fail("only %lu gaps in %lu ms of spinning: was this domain ever preempted?",
			  gaps, HOG_NS / NSEC_PER_MSEC);
	if (max_gap > MAX_GAP_NS)
		test_fail("descheduled for %lu ms at once (tolerance %lu ms)",
			  max_gap / NSEC_PER_MSEC, MAX_GAP_NS / NSEC_PER_MSEC);
	if (empty_windows)
		test_fail("%lu windows of 100 ms without a single iteration", empty_windows);
	if (share < 1000 &&
	    (running < HOG_NS * share / 1000 * 2 / 5 ||
	     runnable < HOG_NS * (1000 - share) / 1000 * 2 / 5))
		test_fail("runstate: running %lu ms and runnable %lu ms of %lu: not shared (share %lu/1000)",
			  running / NSEC_PER_MSEC, runnable / NSEC_PER_MSEC,
			  HOG_NS / NSEC_PER_MSEC, share);
	if (share == 1000 && runnable > HOG_NS / 10)
		test_fail("runstate: runnable %lu ms of %lu with a CPU of its own: kept waiting while a CPU was free",
			  runnable / NSEC_PER_MSEC, HOG_NS / NSEC_PER_MSEC);
	if (running + runnable < HOG_NS * 9 / 10)
		test_fail("runstate: running %lu + runnable %lu ms do not cover the %lu ms loop",
			  running / NSEC_PER_MSEC, runnable / NSEC_PER_MSEC,
			  HOG_NS / NSEC_PER_MSEC);
}
