/*
 * test_stime.c - hv/core/stime.c: the timer hypercalls' arithmetic.
 *
 * Every guest value that reaches a timer is a free 64-bit number; these
 * cases are the ones that once wrapped (a period of ~2^64 made a deadline
 * in the past, for ever) and Xen's limits at and around their edges.
 */
#include "hv.h"
#include "harness.h"
#include "core/stime.h"
#include "pvabi/errno.h"

START_TEST(test_add_saturates)
{
	ck_assert_uint_eq(stime_add(5, 7), 12);
	ck_assert_uint_eq(stime_add(0, STIME_MAX), STIME_MAX);
	ck_assert_uint_eq(stime_add(STIME_MAX - 1, 1), STIME_MAX);
	/* The sums that once wrapped into the past: never again. */
	ck_assert_uint_eq(stime_add(1000, ~0ULL), STIME_MAX);
	ck_assert_uint_eq(stime_add(1000, ~0ULL - 999), STIME_MAX);
	ck_assert_uint_eq(stime_add(~0ULL, 1), STIME_MAX);
	ck_assert_uint_eq(stime_add(1ULL << 62, STIME_DELTA_MAX), STIME_MAX);
	ck_assert_uint_eq(stime_add(1ULL << 62, STIME_DELTA_MAX - 1), STIME_MAX - 1);
	/* Whatever goes in, the result is never below the time. */
	for (u64 t = 1; t < (1ULL << 63); t = t * 3 + 1) {
		for (u64 d = 1; d; d <<= 1)
			ck_assert_uint_ge(stime_add(t, d), t);
	}
}
END_TEST

START_TEST(test_due)
{
	u64 now = 5000000000ULL;

	ck_assert(stime_due(0, now));
	ck_assert(stime_due(now - 1, now));
	ck_assert(stime_due(now, now));
	ck_assert(!stime_due(now + 1, now));
	ck_assert(!stime_due(STIME_MAX, now));
	/* Bit 63: a negative s_time_t, which Xen's timers run at once. */
	ck_assert(stime_due(STIME_MAX + 1, now));
	ck_assert(stime_due(~0ULL, now));
}
END_TEST

START_TEST(test_period)
{
	ck_assert_int_eq(stime_check_period(0), -XEN_EINVAL);
	ck_assert_int_eq(stime_check_period(PERIODIC_MIN_NS - 1), -XEN_EINVAL);
	ck_assert_int_eq(stime_check_period(PERIODIC_MIN_NS), 0);
	ck_assert_int_eq(stime_check_period(10000000), 0);
	ck_assert_int_eq(stime_check_period(STIME_DELTA_MAX), 0);
	ck_assert_uint_eq(STIME_DELTA_MAX, (1ULL << 62) - 1);
	ck_assert_int_eq(stime_check_period(STIME_DELTA_MAX + 1), -XEN_EINVAL);
	ck_assert_int_eq(stime_check_period(1ULL << 63), -XEN_EINVAL);
	ck_assert_int_eq(stime_check_period(~0ULL), -XEN_EINVAL);
	ck_assert_int_eq(stime_check_period(~0ULL - 1000000), -XEN_EINVAL);
}
END_TEST

START_TEST(test_timer_op)
{
	u64 now = 7000000000ULL, fallback = now + TIMER_OP_FALLBACK_NS;

	ck_assert_uint_eq(stime_timer_op_deadline(0, now), 0);		/* stop */
	ck_assert_uint_eq(stime_timer_op_deadline(now + 10, now), now + 10);
	ck_assert_uint_eq(stime_timer_op_deadline(now - 10, now), now - 10);	/* due */
	ck_assert_uint_eq(stime_timer_op_deadline(1, now), 1);
	/* Negative as an s_time_t: 100 ms. */
	ck_assert_uint_eq(stime_timer_op_deadline(1ULL << 63, now), fallback);
	ck_assert_uint_eq(stime_timer_op_deadline(~0ULL, now), fallback);
	/* 2^50 ns or more ahead (Xen: offset >> 50 != 0): 100 ms. */
	ck_assert_uint_eq(stime_timer_op_deadline(now + TIMER_OP_FAR_NS - 1, now),
			  now + TIMER_OP_FAR_NS - 1);
	ck_assert_uint_eq(stime_timer_op_deadline(now + TIMER_OP_FAR_NS, now), fallback);
	ck_assert_uint_eq(stime_timer_op_deadline(STIME_MAX, now), fallback);
	/* Early in the boot, "ahead" is measured from now, not from 0. */
	ck_assert_uint_eq(stime_timer_op_deadline(TIMER_OP_FAR_NS - 1, 0),
			  TIMER_OP_FAR_NS - 1);
}
END_TEST

Suite *stime_suite(void)
{
	Suite *s = suite_create("stime");
	TCase *tc = tcase_create("limits");

	tcase_add_test(tc, test_add_saturates);
	tcase_add_test(tc, test_due);
	tcase_add_test(tc, test_period);
	tcase_add_test(tc, test_timer_op);
	suite_add_tcase(s, tc);
	return s;
}
