/*
 * stime.h - system-time arithmetic for the timer hypercalls: Xen's
 * limits, and no arithmetic that can wrap.
 */
#ifndef HV_CORE_STIME_H
#define HV_CORE_STIME_H

#include "hv.h"

/*
 * Xen's system time is an s_time_t (signed 64-bit ns): STIME_MAX is the
 * latest time there is, and STIME_DELTA_MAX the longest interval Xen
 * accepts for a period (its public limit on VCPUOP_set_periodic_timer).
 * A deadline with bit 63 set is a negative s_time_t to Xen: in the past.
 */
#define STIME_MAX		((u64)INT64_MAX)
#define STIME_DELTA_MAX		(STIME_MAX >> 1)
#define PERIODIC_MIN_NS		1000000ULL	/* 1 ms */
#define TIMER_OP_FAR_NS		(1ULL << 50)	/* set_timer_op: "about 13 days" */
#define TIMER_OP_FALLBACK_NS	100000000ULL	/* ... then it fires in 100 ms */

u64 stime_add(u64 t, u64 delta);
bool stime_due(u64 deadline, u64 now);
int stime_check_period(u64 period_ns);
u64 stime_timer_op_deadline(u64 timeout, u64 now);

#endif
