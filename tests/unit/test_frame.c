/*
 * test_frame.c - hv/mm/frame.c: the machine frame allocator.
 */
#include <signal.h>
#include <stdlib.h>

#include "hv.h"
#include "harness.h"
#include "mm/frame.h"

#define NFRAMES 1000
static u64 bitmap[DIV_ROUND_UP(NFRAMES, 64)];

/* RAM at frames 10-99 and 500-599 only: 190 frames. */
static void setup(void)
{
	frame_init(bitmap, NFRAMES);
	frame_add_free(10, 90);
	frame_add_free(500, 100);
}

START_TEST(test_alloc_all_distinct)
{
	static bool seen[NFRAMES];
	mfn_t m;
	int n = 0;

	setup();
	ck_assert_uint_eq(frame_nr_free(), 190);
	while ((m = frame_alloc()) != INVALID_MFN) {
		ck_assert(m < NFRAMES);
		ck_assert_msg(!seen[m], "mfn %llu handed out twice", (unsigned long long)m);
		ck_assert((m >= 10 && m < 100) || (m >= 500 && m < 600)); /* only RAM */
		seen[m] = true;
		n++;
	}
	ck_assert_int_eq(n, 190);
	ck_assert_uint_eq(frame_nr_free(), 0);
	frame_free(42);
	ck_assert_uint_eq(frame_alloc(), 42);	/* freed frames come back */
	ck_assert_uint_eq(frame_alloc(), INVALID_MFN);
}
END_TEST

START_TEST(test_contig)
{
	mfn_t m;

	setup();
	m = frame_alloc_contig(64, 64);		/* 64-aligned run: 512-575 */
	ck_assert_uint_eq(m, 512);
	for (int i = 0; i < 64; i++)
		ck_assert(!frame_is_free(512 + i));
	ck_assert_uint_eq(frame_nr_free(), 190 - 64);
	ck_assert_uint_eq(frame_alloc_contig(91, 1), INVALID_MFN); /* no run that long */
	m = frame_alloc_contig(90, 1);		/* exactly the low range */
	ck_assert_uint_eq(m, 10);
	frame_free_contig(512, 64);
	ck_assert_uint_eq(frame_nr_free(), 190 - 90);
	ck_assert_uint_eq(frame_alloc_contig(0, 1), INVALID_MFN);
}
END_TEST

START_TEST(test_double_free_panics)
{
	setup();
	frame_free(frame_alloc());
	frame_free(10);		/* already free: a hypervisor bug, must stop */
}
END_TEST

START_TEST(test_free_beyond_ram_panics)
{
	setup();
	frame_free(NFRAMES + 5);
}
END_TEST

START_TEST(test_add_twice_panics)
{
	setup();
	frame_add_free(50, 1);	/* already handed over */
}
END_TEST

Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("alloc");

	tcase_add_test(tc, test_alloc_all_distinct);
	tcase_add_test(tc, test_contig);
	tcase_add_test_raise_signal(tc, test_double_free_panics, SIGABRT);
	tcase_add_test_raise_signal(tc, test_free_beyond_ram_panics, SIGABRT);
	tcase_add_test_raise_signal(tc, test_add_twice_panics, SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}
