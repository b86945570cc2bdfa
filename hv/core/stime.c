/*
 * stime.c - system-time arithmetic for the timer hypercalls: Xen's
 * limits, and no arithmetic that can wrap.
 *
 * Runs in: hypervisor (core/time.c, core/vcpu_op.c, core/sched.c) and the
 * host unit tests (tests/unit/test_stime.c). Pure: no clock is read here,
 * callers pass "now".
 * Trusts: nothing; every value may come from a guest.
 *
 * Why a file of its own: a guest's timer values are 64-bit numbers it
 * chooses freely, and one wrap is enough to turn "far in the future" into
 * "already due", every time. pvisor once accepted a periodic timer of
 * ~2^64 ns: its next deadline wrapped into the past, the catch-up wrapped
 * again, and the APIC was re-armed for one tick on every interrupt, which
 * cost a sleeping guest's neighbour 3-5x of its throughput. So every sum
 * of a time and an interval goes through stime_add(), which saturates at
 * STIME_MAX, and every guest value is judged as Xen judges it:
 *
 *  - VCPUOP_set_periodic_timer: period in [1 ms, STIME_DELTA_MAX], else
 *    -EINVAL (Xen's common/domain.c);
 *  - VCPUOP_set_singleshot_timer and SCHEDOP_poll's timeout: a deadline
 *    at or before now, or with bit 63 set (a negative s_time_t, which
 *    Xen's timer heap runs at once), is due now; any other is kept;
 *  - set_timer_op: 0 stops the timer; a negative value, or one 2^50 ns or
 *    more ahead, fires in 100 ms instead (Xen's guard against Linux's old
 *    jiffies wrap); any other is a deadline as above.
 *
 * Deadlines kept are therefore at most STIME_MAX, and adding an interval
 * of at most STIME_DELTA_MAX to a time (or to "now", which is years away
 * from 2^62 ns) cannot wrap; stime_add saturates anyway.
 */
#include "hv.h"
#include "core/stime.h"
#include "pvabi/errno.h"

/* t + delta, or STIME_MAX ("never") if that is later or wraps. */
u64 stime_add(u64 t, u64 delta)
{
	if (t >= STIME_MAX || delta >= STIME_MAX - t)
		return STIME_MAX;
	return t + delta;
}

/* Is a guest's absolute deadline due at `now`? (0 counts as due.) */
bool stime_due(u64 deadline, u64 now)
{
	return deadline <= now || deadline > STIME_MAX;
}

/* VCPUOP_set_periodic_timer's period: 0, or -EINVAL as Xen. */
int stime_check_period(u64 period_ns)
{
	if (period_ns < PERIODIC_MIN_NS || period_ns > STIME_DELTA_MAX)
		return -XEN_EINVAL;
	return 0;
}

/*
 * set_timer_op(timeout) at `now`: the deadline to arm, 0 to stop the
 * timer. A deadline it returns may be due already (stime_due).
 */
u64 stime_timer_op_deadline(u64 timeout, u64 now)
{
	if (timeout == 0)
		return 0;
	/*
	 * Xen tests "negative, or 2^50 ns or more ahead"; a negative s_time_t
	 * (bit 63 set) is always 2^50 ns or more ahead of a now below 2^62.
	 */
	if (timeout > now && timeout - now >= TIMER_OP_FAR_NS)
		return stime_add(now, TIMER_OP_FALLBACK_NS);
	return timeout;
}
