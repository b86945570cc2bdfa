/*
 * test_memmap.c - hv/mm/memmap.c: range sets used to build the free pool.
 */
#include "hv.h"
#include "harness.h"
#include "mm/memmap.h"

static void expect(const struct memmap *m, int n, const u64 *pairs)
{
	ck_assert_int_eq(m->n, n);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(m->r[i].start, pairs[2 * i]);
		ck_assert_uint_eq(m->r[i].end, pairs[2 * i + 1]);
	}
}

START_TEST(test_add_merges)
{
	struct memmap m;

	memmap_init(&m);
	memmap_add(&m, 100, 200);
	memmap_add(&m, 300, 400);
	memmap_add(&m, 0, 50);			/* sorted insert at the front */
	expect(&m, 3, (u64[]){ 0, 50, 100, 200, 300, 400 });
	memmap_add(&m, 150, 350);		/* bridges two ranges */
	expect(&m, 2, (u64[]){ 0, 50, 100, 400 });
	memmap_add(&m, 50, 100);		/* adjacent on both sides */
	expect(&m, 1, (u64[]){ 0, 400 });
	memmap_add(&m, 10, 10);			/* empty: no change */
	expect(&m, 1, (u64[]){ 0, 400 });
	ck_assert_uint_eq(memmap_total(&m), 400);
}
END_TEST

START_TEST(test_remove_splits)
{
	struct memmap m;

	memmap_init(&m);
	memmap_add(&m, 0, 1000);
	memmap_remove(&m, 100, 200);		/* hole in the middle */
	expect(&m, 2, (u64[]){ 0, 100, 200, 1000 });
	memmap_remove(&m, 50, 250);		/* spans the hole */
	expect(&m, 2, (u64[]){ 0, 50, 250, 1000 });
	memmap_remove(&m, 0, 50);		/* a whole range */
	expect(&m, 1, (u64[]){ 250, 1000 });
	memmap_remove(&m, 900, 5000);		/* past the end */
	expect(&m, 1, (u64[]){ 250, 900 });
	ck_assert(memmap_contains(&m, 250, 900));
	ck_assert(!memmap_contains(&m, 240, 300));
	ck_assert(memmap_overlaps(&m, 0, 251));
	ck_assert(!memmap_overlaps(&m, 0, 250));
}
END_TEST

START_TEST(test_full_map)
{
	struct memmap m;

	memmap_init(&m);
	for (int i = 0; i < MEMMAP_MAX; i++)
		ck_assert_int_eq(memmap_add(&m, i * 10, i * 10 + 5), 0);
	/* One more disjoint range, or a split, does not fit: reported, not overrun. */
	ck_assert_int_eq(memmap_add(&m, 100000, 100001), -1);
	ck_assert_int_eq(memmap_remove(&m, 1, 2), -1);
	ck_assert_int_eq(m.n, MEMMAP_MAX);
}
END_TEST

START_TEST(test_trim)
{
	struct memmap m;

	memmap_init(&m);
	memmap_add(&m, 0x100, 0x1800);		/* no whole page once aligned */
	memmap_add(&m, 0x3010, 0x9000);		/* start rounds up */
	memmap_add(&m, 0xa000, 0xbfff);		/* end rounds down */
	memmap_trim_to_pages(&m);
	expect(&m, 2, (u64[]){ 0x4000, 0x9000, 0xa000, 0xb000 });
}
END_TEST

START_TEST(test_carve)
{
	struct memmap m;
	u64 at;

	memmap_init(&m);
	memmap_add(&m, 0x1000, 0x3000);
	memmap_add(&m, 0x5000, 0x20000);
	ck_assert(memmap_carve(&m, 0x2000, 0x1000, ~0ULL, &at));
	ck_assert_uint_eq(at, 0x1000);			/* lowest fit */
	ck_assert(memmap_carve(&m, 0x1000, 0x10000, ~0ULL, &at));
	ck_assert_uint_eq(at, 0x10000);			/* alignment honoured */
	ck_assert(!memmap_carve(&m, 0x1000, 0x1000, 0x5800, &at)); /* limit */
	ck_assert(!memmap_carve(&m, 0x100000, 0x1000, ~0ULL, &at)); /* too big */
	expect(&m, 2, (u64[]){ 0x5000, 0x10000, 0x11000, 0x20000 });
}
END_TEST

Suite *memmap_suite(void)
{
	Suite *s = suite_create("memmap");
	TCase *tc = tcase_create("ranges");

	tcase_add_test(tc, test_add_merges);
	tcase_add_test(tc, test_remove_splits);
	tcase_add_test(tc, test_full_map);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_carve);
	suite_add_tcase(s, tc);
	return s;
}
