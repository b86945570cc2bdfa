/*
 * time: the system time a guest computes from vcpu_time_info never goes
 * backwards, agrees with the TSC, and the wall clock in shared_info is a
 * plausible date.
 *
 * A PV guest reads the time without a hypercall: it scales its own rdtsc
 * with the (tsc_timestamp, system_time, mul, shift) the hypervisor keeps
 * in vcpu_info, under the version protocol (docs/pv-mechanisms.md §19.2), and
 * adds the wall clock at system time 0 from shared_info (§19.3). Linux's
 * clocksource, its sched_clock and gettimeofday all rest on it. Checked:
 *
 *	- the version is even when read, mul is non-zero, and the TSC rate
 *	  mul/shift imply is between 100 MHz and 20 GHz;
 *	- 200000 consecutive reads, and reads around yields and around a
 *	  hypercall that refreshes the time info (register_vcpu_info), never
 *	  decrease;
 *	- the pvclock formula applied to an old snapshot and to the fresh one
 *	  the hypervisor wrote later gives the same time for the same TSC, to
 *	  within a microsecond: system time is one function of the TSC, so
 *	  the hypervisor's updates do not make it jump;
 *	- a 100 ms busy wait measured in system time is 100 ms of TSC ticks at
 *	  the rate mul/shift state (to 0.1%), and the wall clock advances by
 *	  the same 100 ms (to 1 ms);
 *	- wc_version even, wc_nsec < 10^9, and the wall clock after
 *	  2020-01-01 and before 2100 (the CMOS RTC of the machine).
 */
#include "guest.h"
#include "events.h"
#include "memory.h"

const char test_title[] = "pvclock system time and the wall clock";

#define READS		200000
#define Y2020		1577836800UL
#define Y2100		4102444800UL

/* TSC ticks per second, from mul and shift: 2^32 * 1e9 / mul, shifted back. */
static u64 tsc_hz(const struct vcpu_time_info *t)
{
	u64 hz = (NSEC_PER_SEC << 32) / t->tsc_to_system_mul;	/* < 2^63 */

	return t->tsc_shift >= 0 ? hz >> t->tsc_shift : hz << -t->tsc_shift;
}

static void time_info(void)
{
	struct vcpu_time_info t;
	u64 hz;

	time_info_snapshot(&t);
	EXPECT_EQ(t.version & 1, 0);
	EXPECT(t.tsc_to_system_mul != 0);
	hz = tsc_hz(&t);
	printk("time: version %u, mul %u shift %d: TSC %lu kHz, system time %lu ms\n",
	       t.version, t.tsc_to_system_mul, t.tsc_shift, hz / 1000,
	       t.system_time / NSEC_PER_MSEC);
	if (hz < 100000000UL || hz > 20000000000UL)
		test_fail("mul %u shift %d mean a TSC of %lu Hz", t.tsc_to_system_mul,
			  t.tsc_shift, hz);
	EXPECT(system_time() >= t.system_time);
}

static void monotonic(void)
{
	u64 prev = system_time(), now;

	for (int i = 0; i < READS; i++) {
		now = system_time();
		if (now < prev) {
			test_fail("read %d: system time went back %lu ns (%lu -> %lu)",
				  i, prev - now, prev, now);
			return;
		}
		prev = now;
		if (i % 20000 == 0)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

/* The old snapshot's formula and the new one's agree on the same TSC. */
static void one_function_of_tsc(void)
{
	struct vcpu_time_info old, fresh;
	u64 tsc, a, b, before, after;

	time_info_snapshot(&old);
	spin_until(system_time() + 20 * NSEC_PER_MSEC);
	before = system_time();
	/* Moving vcpu_info makes the hypervisor write the time info afresh. */
	EXPECT_EQ(vcpu_info_register(), 0);
	after = system_time();
	EXPECT(after >= before);
	time_info_snapshot(&fresh);
	if (fresh.tsc_timestamp == old.tsc_timestamp)
		test_fail("the time info was not rewritten (tsc_timestamp %lu)",
			  fresh.tsc_timestamp);
	tsc = rdtsc();
	a = pvclock_scale(&old, tsc);
	b = pvclock_scale(&fresh, tsc);
	printk("time: old and fresh time info differ by %ld ns at the same TSC\n",
	       (long)(b - a));
	if ((a > b ? a - b : b - a) > 1000)
		test_fail("old time info says %lu ns, fresh %lu ns for the same TSC",
			  a, b);
}

static void rate_and_wallclock(void)
{
	struct vcpu_time_info t;
	u64 t0, t1, tsc0, tsc1, w0, w1, ns, expect_ns;
	u32 n0, n1;

	time_info_snapshot(&t);
	w0 = wallclock_now(&n0);
	t0 = system_time_and_tsc(&tsc0);	/* one rdtsc for both: QEMU's TSC */
	spin_until(t0 + 100 * NSEC_PER_MSEC);	/* follows the host's clock, which */
	t1 = system_time_and_tsc(&tsc1);	/* runs on while QEMU is descheduled */
	w1 = wallclock_now(&n1);
	ns = t1 - t0;
	expect_ns = (tsc1 - tsc0) * 1000 / (tsc_hz(&t) / 1000000);	/* 100 ms: no overflow */
	if ((ns > expect_ns ? ns - expect_ns : expect_ns - ns) > expect_ns / 1000 + 1000)
		test_fail("%lu ns of system time is %lu ns of TSC ticks", ns, expect_ns);
	{
		s64 wall_ns = (s64)(w1 - w0) * (s64)NSEC_PER_SEC + ((s64)n1 - (s64)n0);

		if (wall_ns < (s64)(ns - NSEC_PER_MSEC) || wall_ns > (s64)(ns + NSEC_PER_MSEC))
			test_fail("the wall clock advanced %ld ns while system time advanced %lu",
				  wall_ns, ns);
	}
}

static void wallclock(void)
{
	const volatile struct shared_info *s = shinfo;
	u32 nsec;
	u64 sec;

	EXPECT_EQ(s->wc_version & 1, 0);
	EXPECT(s->wc_version != 0);
	EXPECT(s->wc_nsec < NSEC_PER_SEC);
	sec = wallclock_now(&nsec);
	printk("time: wall clock %lu.%09u s since 1970 (wc_version %u)\n", sec,
	       nsec, s->wc_version);
	if (sec < Y2020 || sec > Y2100)
		test_fail("wall clock %lu s since 1970: not between 2020 and 2100", sec);
}

void test_main(const struct start_info *si)
{
	(void)si;
	if (!shared_info_map())
		test_skip("shared_info cannot be mapped");
	time_info();
	monotonic();
	one_function_of_tsc();
	monotonic();
	rate_and_wallclock();
	wallclock();
}
