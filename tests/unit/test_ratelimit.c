/*
 * test_ratelimit.c - hv/core/ratelimit.c: the token bucket that limits a
 * domain's console output (core/console.c).
 */
#include "hv.h"
#include "harness.h"
#include "core/ratelimit.h"

#define S	1000000000ull
#define RATE	16384u
#define BURST	65536u

/* A sender that sends `piece` units whenever it may, asked every `step` ns. */
static u64 sent_in(u64 span, u64 step, u32 piece)
{
	struct ratelimit r;
	u64 sent = 0;

	ratelimit_init(&r, 1000, BURST);
	for (u64 t = 1000; t < 1000 + span; t += step)
		if (ratelimit_may(&r, t, RATE, BURST)) {
			ratelimit_take(&r, piece);
			sent += piece;
		}
	return sent;
}

START_TEST(test_burst_then_rate)
{
	struct ratelimit r;

	ratelimit_init(&r, 0, BURST);
	/* The burst goes at once; then nothing until time passes. */
	ck_assert(ratelimit_may(&r, 0, RATE, BURST));
	ratelimit_take(&r, BURST);
	ck_assert(!ratelimit_may(&r, 0, RATE, BURST));
	ck_assert(!ratelimit_may(&r, S / RATE - 1, RATE, BURST));
	ck_assert(ratelimit_may(&r, S / RATE + 1, RATE, BURST));
	ck_assert_int_eq(ratelimit_allowance(&r), 1);
	/* An overdraft is paid back before the next piece. */
	ratelimit_take(&r, 128);
	ck_assert(!ratelimit_may(&r, S / RATE + 1 + 100 * S / RATE, RATE, BURST));
	ck_assert(ratelimit_may(&r, S / RATE + 1 + 129 * S / RATE, RATE, BURST));
}
END_TEST

START_TEST(test_sustained_rate)
{
	/* Ten seconds of a flood, asked every 10 us or every 1 ms, 128 or 1 at a time:
	 * the burst plus ten seconds' worth, within one piece. */
	u64 want = BURST + 10 * RATE;
	u64 got;

	got = sent_in(10 * S, 10000, 128);
	ck_assert_uint_ge(got, want - 128);
	ck_assert_uint_le(got, want + 128);
	got = sent_in(10 * S, 1000000, 128);
	ck_assert_uint_ge(got, want - 128);
	ck_assert_uint_le(got, want + 128);
	/* Asked more often than one unit's time: fractions are not lost. */
	got = sent_in(10 * S, 7919, 1);
	ck_assert_uint_ge(got, want - 1);
	ck_assert_uint_le(got, want + 1);
}
END_TEST

START_TEST(test_quiet_saves_only_the_burst)
{
	struct ratelimit r;

	ratelimit_init(&r, 0, BURST);
	ratelimit_take(&r, BURST + 1000);
	/* An hour, a year, the end of time: a full bucket, no more, no overflow. */
	ck_assert(ratelimit_may(&r, 3600 * S, RATE, BURST));
	ck_assert_int_eq(ratelimit_allowance(&r), BURST);
	ck_assert(ratelimit_may(&r, ~0ull, RATE, BURST));
	ck_assert_int_eq(ratelimit_allowance(&r), BURST);
	ck_assert(ratelimit_may(&r, ~0ull, ~0u, ~0u));
	/* Time that goes backwards (another CPU's clock) adds nothing. */
	ratelimit_init(&r, 5 * S, BURST);
	ratelimit_take(&r, BURST);
	ck_assert(!ratelimit_may(&r, 4 * S, RATE, BURST));
	ck_assert_int_eq(ratelimit_allowance(&r), 0);
	/* A fraction of a unit is kept, but not enough to send. */
	ck_assert(!ratelimit_may(&r, 5 * S + S / RATE / 2, RATE, BURST));
	ck_assert(ratelimit_may(&r, 5 * S + S / RATE + 1, RATE, BURST));
	/* Rate 0 is no limit. */
	ck_assert(ratelimit_may(&r, 4 * S, 0, BURST));
}
END_TEST

Suite *ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("bucket");

	tcase_add_test(tc, test_burst_then_rate);
	tcase_add_test(tc, test_sustained_rate);
	tcase_add_test(tc, test_quiet_saves_only_the_burst);
	suite_add_tcase(s, tc);
	return s;
}
