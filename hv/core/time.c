/*
 * time.c - system time, the time info guests read, and vCPU timers.
 *
 * Runs in: hypervisor, interrupts off.
 *
 * System time is nanoseconds since boot, a pure function of the TSC:
 * NOW() = (rdtsc() - tsc_at_boot) scaled by tsc_to_system_mul/shift. Guests
 * compute exactly the same thing from their vcpu_time_info (Xen's pvclock
 * formula), so guest and hypervisor never disagree about the time, and a
 * guest reads the clock without a hypercall. The wall clock at system time
 * 0 comes from the CMOS RTC and goes into shared_info.
 *
 * Timers: each vCPU has a single-shot deadline (set_timer_op,
 * VCPUOP_set_singleshot_timer) and a periodic timer (100 Hz at start, as
 * Xen gives PV vCPUs, until the guest stops it). Both raise VIRQ_TIMER.
 * As on Xen, the periodic timer runs only while its vCPU runs: it is due
 * a period after it last fired, checked when the vCPU is scheduled in and
 * by the APIC while it runs, so a vCPU that sleeps or waits costs nobody
 * an interrupt for it (a blocked guest wakes by its single-shot timer).
 * One local APIC one-shot interrupt serves them all: it is always
 * programmed for the earliest deadline, the end of the running vCPU's time
 * slice, or the next serial-input poll, whichever comes first. The
 * vCPUs' own deadlines (single-shot timer, poll timeout) are kept in a
 * min-heap (core/timer_heap.c), so finding the earliest and running what
 * is due cost O(log n) per vCPU concerned, not a walk over every vCPU on
 * every interrupt; the periodic timer is only ever the running vCPU's.
 * Guest
 * values are judged, and every sum of a time and an interval made, by
 * core/stime.c: nothing here can wrap.
 */
#include "hv.h"
#include "core/console.h"
#include "core/domain.h"
#include "core/evtchn.h"
#include "core/guest_access.h"
#include "core/sched.h"
#include "core/stime.h"
#include "core/time.h"
#include "core/timer_heap.h"
#include "mm/frame.h"
#include "layout.h"
#include "x86/apic.h"
#include "x86/cpu.h"
#include "pvabi/xen.h"

static u64 tsc_at_boot;
static u32 tsc_mul;		/* tsc_to_system_mul */
static s8 tsc_shift;
static u64 wallclock_at_boot;	/* seconds since 1970 at system time 0 */
static struct theap timer_heap;	/* vCPUs by their earliest own deadline */

/* Xen's set_time_scale: bring the rate into (1e9, 2e9], then a 32.32 fraction. */
static void set_time_scale(u64 hz)
{
	u64 f = hz;
	int shift = 0;

	while (f > 2000000000ULL) {
		f >>= 1;
		shift--;
	}
	while (f <= 1000000000ULL) {
		f <<= 1;
		shift++;
	}
	tsc_mul = (u32)((1000000000ULL << 32) / f);
	tsc_shift = (s8)shift;
}

/*
 * The pvclock scaling, in 128 bits so that no TSC delta can overflow it
 * (with a TSC below 1 GHz the shift is positive); for every delta where
 * the guests' 64-bit version does not overflow, the result is the same.
 */
static u64 scale_delta(u64 delta)
{
	unsigned __int128 d = delta;

	if (tsc_shift < 0)
		d >>= -tsc_shift;
	else
		d <<= tsc_shift;
	return (u64)((d * tsc_mul) >> 32);
}

/*H:800 Time without a hypercall
 * System time is nanoseconds since boot: the TSC, scaled by a 32.32
 * fraction and a shift measured once at boot against the PIT. The guest
 * reads the same scale factors from its vcpu_time_info and computes the
 * same function, so it reads the clock with rdtsc and arithmetic, never
 * a hypercall. Timers are deadlines on that clock, served by one APIC
 * one-shot interrupt.
 */
u64 NOW(void)
{
	return scale_delta(rdtsc() - tsc_at_boot);
}

void time_init(void)
{
	u64 hz = tsc_calibrate();

	set_time_scale(hz);
	tsc_at_boot = rdtsc();
	rtc_read(&wallclock_at_boot);
	apic_init();
	printk("time: tsc_to_system_mul %u shift %d, wall clock %llu s since 1970\n",
	       tsc_mul, tsc_shift, (unsigned long long)wallclock_at_boot);
}

/* The wall clock in shared_info: version odd while it changes. */
void time_init_domain(struct domain *d)
{
	struct shared_info *s = d->shared_info;

	s->wc_version++;
	asm volatile("" ::: "memory");
	s->wc_sec = (u32)wallclock_at_boot;
	s->wc_sec_hi = (u32)(wallclock_at_boot >> 32);
	s->wc_nsec = 0;
	asm volatile("" ::: "memory");
	s->wc_version++;
	for (int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpus[i];

		v->periodic_period = 10000000ULL;	/* 100 Hz, as Xen */
		v->periodic_last = 0;			/* as Xen: due when first run */
		time_update_vcpu(v);
	}
}

/* Refresh a vCPU's vcpu_time_info (pvclock protocol: odd version while writing). */
void time_update_vcpu(struct vcpu *v)
{
	struct vcpu_time_info *t = &v->vcpu_info->time;
	u64 tsc = rdtsc();

	t->version++;
	asm volatile("" ::: "memory");
	t->tsc_timestamp = tsc;
	t->system_time = scale_delta(tsc - tsc_at_boot);
	t->tsc_to_system_mul = tsc_mul;
	t->tsc_shift = tsc_shift;
	t->flags = 0;	/* no TSC_STABLE: Linux then skips the vsyscall time area */
	asm volatile("" ::: "memory");
	t->version++;
}

/* The periodic timer's next deadline: a period after it last fired. */
static u64 periodic_due_at(const struct vcpu *v)
{
	return stime_add(v->periodic_last, v->periodic_period);
}

/*
 * Xen's vcpu_periodic_timer_work: if a period has passed since the
 * periodic timer last fired, fire it and count the next period from now
 * (a vCPU that was away does not get the ticks it missed).
 */
static void periodic_work(struct vcpu *v, u64 now)
{
	if (v->periodic_period && periodic_due_at(v) <= now) {
		v->periodic_last = now;
		evtchn_send_virq(v, VIRQ_TIMER);
	}
}

/* VCPUOP_set_periodic_timer (period checked by the caller) and stop (0). */
void time_set_periodic(struct vcpu *v, u64 period_ns)
{
	v->periodic_period = period_ns;
	periodic_work(v, NOW());
	timers_reprogram();
}

/* Does v's periodic timer tick now? Only while v runs (Xen's rule). */
static bool periodic_ticking(const struct vcpu *v)
{
	return v == current && v->runnable && v->periodic_period;
}

/* Move a vCPU's runstate accounting to a new RUNSTATE_* and publish it. */
void runstate_change(struct vcpu *v, int state)
{
	struct vcpu_runstate_info *rs = &v->runstate;
	bool scheduled_in = state == RUNSTATE_running && rs->state != RUNSTATE_running;
	u64 now = NOW();

	if (rs->state >= 0 && rs->state < 4)
		rs->time[rs->state] += now - rs->state_entry_time;
	rs->state = state;
	rs->state_entry_time = now;
	/* Written under the vCPU's own page tables, so only when it is current. */
	if (v->runstate_area && v == current)
		copy_to_guest(v->runstate_area, rs, sizeof(*rs));
	if (scheduled_in)
		periodic_work(v, now);	/* its periodic timer resumes */
}

/*
 * The heap's room: every vCPU the boot describes (domains_create, before
 * the first domain), so that a vCPU never fails to enter it.
 */
void timers_init(u32 nr_vcpus)
{
	u64 frames = DIV_ROUND_UP((u64)nr_vcpus * sizeof(struct theap_node *), PAGE_SIZE);
	mfn_t m = frame_alloc_contig(frames ? frames : 1, 1);

	if (m == INVALID_MFN)
		panic("no memory for a timer heap of %u vCPUs", nr_vcpus);
	theap_init(&timer_heap, __va(m << PAGE_SHIFT), nr_vcpus);
}

/* v's own earliest deadline: its single-shot timer or its poll's timeout. */
static u64 own_deadline(const struct vcpu *v)
{
	u64 next = THEAP_NONE;

	if (v->singleshot_deadline)
		next = v->singleshot_deadline;
	if (v->polling && v->poll_deadline)
		next = MIN(next, v->poll_deadline);
	return next;
}

/*
 * v's single-shot deadline or poll changed: its place in the heap follows.
 * Every writer of those fields calls this (vcpu_op.c, sched.c, below).
 */
void time_vcpu_changed(struct vcpu *v)
{
	theap_set(&timer_heap, &v->tnode, own_deadline(v));
}

/* v's domain ended: it leaves the heap, whatever it had armed. */
void time_vcpu_forget(struct vcpu *v)
{
	theap_set(&timer_heap, &v->tnode, THEAP_NONE);
}

static void vcpu_timers(struct vcpu *v, u64 now)
{
	if (v->singleshot_deadline && v->singleshot_deadline <= now) {
		v->singleshot_deadline = 0;
		evtchn_send_virq(v, VIRQ_TIMER);
	}
	if (periodic_ticking(v))
		periodic_work(v, now);
	if (v->polling && v->poll_deadline && v->poll_deadline <= now)
		vcpu_kick(v);
	time_vcpu_changed(v);
}

/*
 * The boot CPU's timer serves every vCPU's deadlines and the console
 * poll; another CPU's only its own vCPU's slice and periodic tick, so an
 * idle AP sleeps until it is kicked (a vCPU became runnable) instead of
 * waking, and taking the hypervisor lock, for every timer in the system.
 */
static u64 earliest_deadline(u64 now)
{
	u64 next = THEAP_NONE;
	const struct theap_node *top = theap_top(&timer_heap);

	if (this_cpu()->id == 0) {
		next = stime_add(now, CONSOLE_POLL_NS);
		if (top)
			next = MIN(next, top->key);
	}
	if (current && periodic_ticking(current))
		next = MIN(next, periodic_due_at(current));
	if (current && current->runnable)
		next = MIN(next, current->slice_end);
	return next;
}

/*H:840 One APIC timer for everything
 * Every vCPU's timers, the end of the running vCPU's time slice and the
 * console poll are deadlines on system time; the APIC timer is aimed, one
 * shot, at the earliest of them, and timer_interrupt() below runs what is
 * due and aims it again. The same deadline is what a long hypercall
 * checks to know that it should stop (chapter 4).
 */
void timers_reprogram(void)
{
	u64 now = NOW(), next = earliest_deadline(now);

	this_cpu()->timer_deadline = next;	/* this CPU's APIC timer */
	if (next == THEAP_NONE)
		apic_timer_stop();	/* an AP with nothing due */
	else
		apic_timer_oneshot(next > now ? next - now : 1);
}

/*
 * Is the APIC timer's deadline behind us? Then its interrupt is waiting
 * (interrupts are off in the hypervisor), and something is due: a timer,
 * the end of a time slice, a console poll. A long hypercall asks this
 * between two pieces of work (core/hypercall.c): it costs a TSC read.
 */
bool time_deadline_passed(void)
{
	return NOW() >= this_cpu()->timer_deadline;
}

/* When that is (system time): for the `stats` option's measure of lateness. */
u64 time_deadline(void)
{
	return this_cpu()->timer_deadline;
}

/* The APIC timer fired: run what is due, then aim the timer again. */
void timer_interrupt(void)
{
	u64 now = NOW();
	struct theap_node *top;

	apic_eoi();
	console_poll_input();
	/* Each due vCPU once: vcpu_timers() moves it past now or out. */
	for (u32 n = timer_heap.n; n && (top = theap_top(&timer_heap)) &&
	     top->key <= now; n--)
		vcpu_timers(container_of(top, struct vcpu, tnode), now);
	if (current && current->domain->state == DOM_RUNNING)
		vcpu_timers(current, now);	/* its periodic timer */
	if (current && current->runnable && now >= current->slice_end)
		sched_need_resched();
	timers_reprogram();
}
