/*
 * avail: a hostile domain cannot take the CPU from its neighbour.
 *
 * Each boot (one list per attacker, avail/NAME.list) runs a victim beside
 * a neighbour that alternates, phase by phase of system time (avail.h),
 * between behaving well and attacking: huge timer values, giant
 * mmu_update / mmuext_op batches over one frame mapped a million times,
 * giant multicalls, console floods, memory_op storms (attack.c says what
 * each does). The victim spins in a loop that reads its pvclock and does a
 * fixed piece of work, and measures, in every phase:
 *
 *	- its largest gap off the CPU: the longest time between two
 *	  consecutive clock reads (while it is descheduled, its clock runs on
 *	  but it reads nothing);
 *	- its throughput: loop iterations per ms of its own system time.
 *
 * A phase's window starts SETTLE_NS after the phase does (the neighbour
 * changes behaviour then) and lasts to its end; it is cut into sub-windows
 * of SUB_NS. The verdict compares the attack phases with the benign ones
 * of the same boot:
 *
 *	- gap: the largest gap in the best 50 ms sub-window of the attack
 *	  phases is at most GAP_LIMIT_NS, two 10 ms time slices. Beside a
 *	  spinning neighbour it is one slice; a hypercall that holds the CPU
 *	  longer shows in every sub-window, because every attacker repeats its
 *	  attack back to back (a gap is counted in each sub-window it
 *	  overlaps). An attacker that held the CPU long only now and then
 *	  would pass this one; the next catches one that does it in most
 *	  phases;
 *	- throughput: for each pair of adjacent phases (benign, then
 *	  attack), the attack phase's throughput over the benign one's; the
 *	  median of these ratios is at least TP_MIN_PERCENT. The benign
 *	  neighbour has the attacker's runnable behaviour: it spins if the
 *	  attacker is always runnable (then the victim has half the CPU in
 *	  both), it sleeps if the attacker sleeps (the victim has all of it);
 *	  attack.c's table says which.
 *
 * This machine is shared, and a busy host slows down or stops the whole of
 * QEMU now and then (tens of ms), which the victim sees as gaps and as
 * lost throughput, 25% from one window to the next. Hence "best" for the
 * gap: a host stall never helps an attacker, so the best sub-window is
 * the one least disturbed by the host, while an attack that works
 * disturbs every one. And pairs for the throughput: the two phases of a
 * pair are 400 ms apart, so a slow spell of the host mostly falls on
 * both, and the median ignores the pairs it did not (a best-of-N
 * comparison of the two kinds failed a spinner beside a spinner here,
 * because one benign window had the host to itself). A round of `pairs`
 * pairs that fails is measured again, up to MAX_ROUNDS rounds in all,
 * every window so far counting (avail.h); the victim then tells the
 * neighbour it is done over an event channel.
 *
 * Several CPUs (cpus= on the victim's line: the runner's @CPUS@). With
 * two or more CPUs the victim and its neighbour each have a CPU of their
 * own, in either mode (fast-mode vCPUs too run on every CPU, each behind
 * its CPU's switcher slice). Then the neighbour
 * takes nothing from the victim by running: what it can take is the
 * hypervisor, which runs on one CPU at a time (core/hvlock.c). Every
 * entry of the victim's (its CPU's timer, a kick, a TLB sync) waits for
 * the lock while the attacker holds it, and a long call gives it up only
 * at its next preemption point. So the two verdicts still say what they
 * say on one CPU, against a benign neighbour that now costs the victim
 * nothing: gap (a long hold of the lock is a long wait of the victim's)
 * and throughput (waits for the lock, or kicks, in the attack phases
 * cost throughput that the benign ones do not).
 *
 * What the throughput comparison cannot tell from an attack on a busy
 * host: QEMU runs each CPU as a host thread, and a host that deschedules
 * the thread of the CPU holding the lock makes the other CPU spin for as
 * long (lock-holder preemption). On this project's shared 2-core
 * machines (load 9 to 13) a CPU waited 17 to 55 ms per wait on average,
 * for critical sections of microseconds, beside a spinning neighbour as
 * much as beside an attacker, and a neighbour that spins in every phase
 * (avail-spinner, the control) gave medians of 79% and 101% in two runs
 * (docs/smp.md). Such a run judges the host, and the control says so;
 * the verdicts are not relaxed for it. On a quiet moment (load 3.3) the
 * control passed and six of the attacks still failed (44 to 66%): every
 * entry of the victim's waits while the attacker holds the lock, and
 * the attacker's QEMU thread holds it descheduled; that is what one
 * lock costs on two busy host cores, and the verdict says it. Excusing a failing throughput
 * verdict when the victim was off its CPU much of the benign phases was
 * tried and rejected: with batches that are never preempted (mutant
 * batch-preempt-mmu) the attack's calls run on into the benign phases
 * (1.6 s calls) and the victim was off its CPU 65% of them, so the
 * excuse let the mutant through. The victim prints its time off the
 * CPU in each kind of phase, for whoever reads a failure. On that host
 * the same mutant also passed the gap verdict at -p 2 (its calls shrink
 * as each attack phase ends, and on a slow host the spin that follows
 * leaves a clean 50 ms sub-window): only the throughput verdict caught
 * it (18% of benign).
 */
#include "avail.h"

const char test_title[] = "a hostile neighbour cannot take the CPU";

u64 phase_ns;
u64 pairs;

#define SUB_NS		(50 * NSEC_PER_MSEC)	/* gap sub-window */
#define OFF_CPU_NS	NSEC_PER_MSEC		/* a gap longer than this: descheduled */
#define MAX_SUBS	32
#define MAX_PHASES	32
#define MAX_PAIRS	(MAX_PHASES / 2 * MAX_ROUNDS)
#define SLICE_NS	(10 * NSEC_PER_MSEC)	/* the hypervisor's time slice */
#define GAP_LIMIT_NS	(2 * SLICE_NS)
#define TP_MIN_PERCENT	90

struct window {
	u64 phase;
	u64 iters;		/* loop iterations counted ... */
	u64 ns;			/* ... in this much of the window */
	u64 max_gap;		/* the largest gap in the whole window */
	u64 best_sub_gap;	/* the smallest of the sub-windows' largest gaps */
	u64 off_ns;		/* the gaps of more than OFF_CPU_NS, in all */
};

static struct window windows[MAX_PHASES];	/* of one round */

/* A fixed piece of work; the result goes where the compiler cannot drop it. */
static volatile u64 sink;

static inline u64 work(u64 x)
{
	for (int i = 0; i < 16; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

/*
 * Spin from ws to we (system time): count loop iterations, and attribute
 * each gap between two clock reads to every sub-window it overlaps.
 *
 * Throughput is counted from the end of the first gap off the CPU to the
 * end of the last one (when there are such gaps, and they span at least
 * half the window): beside a runnable neighbour the window then holds
 * whole turns of "victim runs, neighbour runs", and the result does not
 * depend on where the window's edges cut a time slice (a 300 ms window
 * holds 15 +- 1 slices of the victim's: +-7% otherwise).
 */
static void measure(u64 ws, u64 we, struct window *w)
{
	u64 sub_max[MAX_SUBS] = { 0 };
	u64 nsub = (we - ws) / SUB_NS, cur = 0, cur_end = ws + SUB_NS;
	u64 prev = ws, now, gap, iters = 0, x = 0x9e3779b97f4a7c15UL;
	u64 first_t = 0, first_i = 0, last_t = 0, last_i = 0, off = 0;

	while (system_time() < ws)
		;
	for (;;) {
		now = system_time();
		gap = now - prev;
		if (gap > sub_max[cur])
			sub_max[cur] = gap;
		while (now >= cur_end && cur + 1 < nsub) {
			cur++;
			cur_end += SUB_NS;
			if (gap > sub_max[cur])
				sub_max[cur] = gap;
		}
		if (now >= we)
			break;
		if (gap > OFF_CPU_NS) {
			off += MIN(now, we) - prev;
			if (!first_t) {
				first_t = now;
				first_i = iters;
			}
			last_t = now;
			last_i = iters;
		}
		prev = now;
		x = work(x);
		iters++;
	}
	sink = x;
	w->off_ns = off;
	if (first_t && last_t - first_t >= (we - ws) / 2) {
		w->iters = last_i - first_i;
		w->ns = last_t - first_t;
	} else {
		w->iters = iters;
		w->ns = we - ws;
	}
	w->max_gap = 0;
	w->best_sub_gap = ~0UL;
	for (u64 k = 0; k < nsub; k++) {
		w->max_gap = MAX(w->max_gap, sub_max[k]);
		w->best_sub_gap = MIN(w->best_sub_gap, sub_max[k]);
	}
}

/* Iterations per ms, in hundredths. */
static u64 rate(const struct window *w)
{
	return w->iters * 100 * NSEC_PER_MSEC / w->ns;
}

struct verdict {
	u64 ratio[MAX_PAIRS];	/* each pair's attack/benign throughput, % */
	u64 nratio;
	u64 best_tp[2];		/* [attack]: the best window's throughput */
	u64 best_gap[2];	/* the best sub-window's largest gap */
	u64 worst_gap[2];	/* the largest gap of all */
	u64 off_ns[2], ns[2];	/* time off the CPU, of time measured */
};

/* Measure one round of 2 * pairs phases from phase `first` (even). */
static void round_measure(u64 first, u64 len, struct verdict *v)
{
	for (u64 i = 0; i < 2 * pairs; i++) {
		struct window *w = &windows[i];
		u64 ws = phase_start(first + i) + SETTLE_NS;
		bool attack = phase_is_attack(first + i);

		w->phase = first + i;
		measure(ws, ws + len, w);
		printk("avail: phase %lu %s: %lu.%02lu iterations/ms, largest gap %lu us, best %lu ms sub-window %lu us\n",
		       w->phase, attack ? "attack" : "benign", rate(w) / 100, rate(w) % 100,
		       w->max_gap / NSEC_PER_USEC, SUB_NS / NSEC_PER_MSEC,
		       w->best_sub_gap / NSEC_PER_USEC);
		v->best_tp[attack] = MAX(v->best_tp[attack], rate(w));
		v->best_gap[attack] = MIN(v->best_gap[attack], w->best_sub_gap);
		v->worst_gap[attack] = MAX(v->worst_gap[attack], w->max_gap);
		v->off_ns[attack] += w->off_ns;
		v->ns[attack] += len;
		if (attack && rate(&w[-1]) && v->nratio < MAX_PAIRS)
			v->ratio[v->nratio++] = rate(w) * 100 / rate(&w[-1]);
	}
}

/* The median of the pair ratios so far (the lower middle one). */
static u64 median_ratio(const struct verdict *v)
{
	u64 r[MAX_PAIRS], n = v->nratio;

	memcpy(r, v->ratio, n * sizeof(r[0]));
	for (u64 i = 1; i < n; i++) {		/* insertion sort: a few dozen */
		for (u64 j = i; j > 0 && r[j - 1] > r[j]; j--) {
			u64 t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	}
	return n ? r[(n - 1) / 2] : 0;
}

static bool verdict_ok(const struct verdict *v)
{
	return v->best_gap[1] <= GAP_LIMIT_NS && median_ratio(v) >= TP_MIN_PERCENT;
}

/*
 * The neighbour offers the victim an event channel (peer= on the command
 * line is the neighbour's domain id, peer2= a second neighbour's, if
 * any): when the victim has measured all it wants, it says so there, and
 * the neighbour stops.
 */
static long bind_done_port(domid_t peer)
{
	u64 until = system_time() + 2 * NSEC_PER_SEC;
	long port;

	do {
		for (evtchn_port_t p = 1; p < 64; p++) {
			port = evtchn_bind_interdomain(peer, p);
			if (port >= 0)
				return port;
		}
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	} while (system_time() < until);
	test_error("no port of domain %u to bind: %ld", peer, port);
}

/* Percent of the measured time of one kind of phase the victim was off its CPU. */
static u64 off_percent(const struct verdict *v, bool attack)
{
	return v->ns[attack] ? v->off_ns[attack] * 100 / v->ns[attack] : 0;
}

static void victim(void)
{
	char beside[32] = "?";
	bool own_cpu = cmdline_u64("cpus", 1) >= 2;
	struct verdict v = { .best_gap = { ~0UL, ~0UL } };
	u64 start, first, len;
	int round;
	long rc, done_port, done_port2;

	cmdline_get("beside", beside, sizeof(beside));
	rc = vcpu_info_register();
	if (rc)
		test_error("VCPUOP_register_vcpu_info returned %ld", rc);
	done_port = bind_done_port((domid_t)cmdline_u64("peer", 2));
	done_port2 = cmdline_u64("peer2", 0) ? bind_done_port((domid_t)cmdline_u64("peer2", 0)) : -1;
	start = system_time();
	first = first_phase_after(start, 50 * NSEC_PER_MSEC);
	if (phase_is_attack(first))
		first++;
	len = (phase_ns - SETTLE_NS) / SUB_NS * SUB_NS;
	if (len < SUB_NS || len / SUB_NS > MAX_SUBS)
		test_error("phase_ms=%lu leaves no room for whole sub-windows",
			   phase_ns / NSEC_PER_MSEC);
	printk("avail: victim beside %s: phases of %lu ms from %lu, windows of %lu ms; %s\n",
	       beside, phase_ns / NSEC_PER_MSEC, first, len / NSEC_PER_MSEC,
	       own_cpu ? "a CPU of its own" : "sharing a CPU with it");
	for (round = 1; ; round++) {
		round_measure(first, len, &v);
		if (!v.best_tp[0])
			test_error("no iterations at all in the benign phases");
		printk("avail: beside %s, round %d: gap %lu us (benign %lu us), throughput %lu%% of benign (median of %lu pairs; best windows %lu.%02lu vs %lu.%02lu /ms); largest gaps seen %lu us (benign %lu us)\n",
		       beside, round, v.best_gap[1] / NSEC_PER_USEC,
		       v.best_gap[0] / NSEC_PER_USEC, median_ratio(&v), v.nratio,
		       v.best_tp[1] / 100, v.best_tp[1] % 100, v.best_tp[0] / 100,
		       v.best_tp[0] % 100, v.worst_gap[1] / NSEC_PER_USEC,
		       v.worst_gap[0] / NSEC_PER_USEC);
		printk("avail: beside %s, round %d: off the CPU %lu%% of the benign phases, %lu%% of the attack ones\n",
		       beside, round, off_percent(&v, false), off_percent(&v, true));
		if (verdict_ok(&v) || round == MAX_ROUNDS)
			break;
		first += 2 * pairs;
	}
	evtchn_send((evtchn_port_t)done_port);
	if (done_port2 >= 0)
		evtchn_send((evtchn_port_t)done_port2);
	if (v.best_gap[1] > GAP_LIMIT_NS)
		test_fail("beside %s the victim was off the CPU for %lu us at once in every %lu ms (limit %lu us)",
			  beside, v.best_gap[1] / NSEC_PER_USEC, SUB_NS / NSEC_PER_MSEC,
			  GAP_LIMIT_NS / NSEC_PER_USEC);
	if (median_ratio(&v) < TP_MIN_PERCENT)
		test_fail("beside %s the victim's throughput was %lu%% of its throughput beside the benign neighbour (median of %lu pairs; at least %u%%)",
			  beside, median_ratio(&v), v.nratio, TP_MIN_PERCENT);
}

void test_main(const struct start_info *si)
{
	char role[32];

	(void)si;
	phase_ns = cmdline_u64("phase_ms", 400) * NSEC_PER_MSEC;
	pairs = cmdline_u64("pairs", 6);
	if (pairs == 0 || 2 * pairs > MAX_PHASES)
		test_error("pairs=%lu: 1 to %d", pairs, MAX_PHASES / 2);
	if (!cmdline_get("role", role, sizeof(role)))
		test_error("no role= on the command line");
	if (!strcmp(role, "victim"))
		victim();
	else
		neighbour_main(role);
}
