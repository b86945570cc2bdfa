/*
 * test_timer_heap.c - hv/core/timer_heap.c: the least key is always on top,
 * through every kind of change, checked against a plain scan.
 */
#include <stdlib.h>

#include "hv.h"
#include "harness.h"
#include "core/timer_heap.h"

#define N	200

static struct theap h;
static struct theap_node *slots[N];
static struct theap_node nodes[N];

static void setup(void)
{
	theap_init(&h, slots, N);
	for (int i = 0; i < N; i++)
		theap_node_init(&nodes[i]);
}

/* The heap's top against the least key among the nodes; its shape too. */
static void check(void)
{
	u64 least = THEAP_NONE;
	u32 in = 0;

	for (int i = 0; i < N; i++) {
		if (nodes[i].key != THEAP_NONE) {
			in++;
			least = nodes[i].key < least ? nodes[i].key : least;
			ck_assert_ptr_eq(h.slot[nodes[i].idx], &nodes[i]);
		}
	}
	ck_assert_uint_eq(h.n, in);
	for (u32 i = 1; i < h.n; i++)
		ck_assert_uint_le(h.slot[(i - 1) / 2]->key, h.slot[i]->key);
	if (in == 0)
		ck_assert_ptr_null(theap_top(&h));
	else
		ck_assert_uint_eq(theap_top(&h)->key, least);
}

START_TEST(test_basic)
{
	setup();
	check();
	theap_set(&h, &nodes[0], 50);
	theap_set(&h, &nodes[1], 20);
	theap_set(&h, &nodes[2], 30);
	check();
	ck_assert_ptr_eq(theap_top(&h), &nodes[1]);
	theap_set(&h, &nodes[1], 60);		/* later: no longer first */
	ck_assert_ptr_eq(theap_top(&h), &nodes[2]);
	theap_set(&h, &nodes[0], 10);		/* earlier: first */
	ck_assert_ptr_eq(theap_top(&h), &nodes[0]);
	theap_set(&h, &nodes[0], THEAP_NONE);	/* gone */
	ck_assert_ptr_eq(theap_top(&h), &nodes[2]);
	theap_set(&h, &nodes[0], THEAP_NONE);	/* gone twice: nothing */
	check();
	theap_set(&h, &nodes[2], THEAP_NONE);
	theap_set(&h, &nodes[1], THEAP_NONE);
	ck_assert_ptr_null(theap_top(&h));
	check();
}
END_TEST

/* Random inserts, moves both ways, removals and pops, against a scan. */
START_TEST(test_random)
{
	srand(14);
	setup();
	for (int step = 0; step < 20000; step++) {
		int i = rand() % N, what = rand() % 10;

		if (what < 6)
			theap_set(&h, &nodes[i], (u64)(rand() % 1000));	/* ties too */
		else if (what < 8)
			theap_set(&h, &nodes[i], THEAP_NONE);
		else if (theap_top(&h))		/* the timer interrupt: pop the first */
			theap_set(&h, theap_top(&h), THEAP_NONE);
		check();
	}
	/* Drained in key order. */
	for (u64 last = 0; theap_top(&h);) {
		ck_assert_uint_ge(theap_top(&h)->key, last);
		last = theap_top(&h)->key;
		theap_set(&h, theap_top(&h), THEAP_NONE);
	}
	check();
}
END_TEST

Suite *timer_heap_suite(void)
{
	Suite *s = suite_create("timer_heap");
	TCase *tc = tcase_create("heap");

	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);
	return s;
}
