/*
 * test_pv_layout.c - hv/core/pv_layout.c: a new guest's initial mapping.
 */
#include <string.h>

#include "hv.h"
#include "harness.h"
#include "core/pv_layout.h"

static struct pv_layout l;
static char err[160];

/* The order Linux relies on, with no gaps and no overlaps. */
static void check_order(const struct pv_layout *x)
{
	ck_assert_uint_eq(x->ramdisk, x->kend);
	ck_assert_uint_eq(x->p2m, x->ramdisk + ALIGN_UP(x->ramdisk_len, PAGE_SIZE));
	ck_assert_uint_eq(x->start_info, x->p2m + x->p2m_len);
	ck_assert_uint_eq(x->store, x->start_info + PAGE_SIZE);
	ck_assert_uint_eq(x->console, x->store + PAGE_SIZE);
	ck_assert_uint_eq(x->pt_start, x->console + PAGE_SIZE);
	ck_assert_uint_eq(x->stack, x->pt_start + pv_layout_nr_pt(x) * PAGE_SIZE);
	ck_assert(IS_ALIGNED(x->v_end, MiB(4)));
	ck_assert_uint_ge(x->v_end - (x->stack + PAGE_SIZE), KiB(512));
}

/* The tables must cover [v_start, v_end): recount independently. */
static void check_tables(const struct pv_layout *x)
{
	u64 l1 = 0, l2 = 0;

	for (u64 va = ALIGN_DOWN(x->v_start, MiB(2)); va < x->v_end; va += MiB(2))
		l1++;
	for (u64 va = ALIGN_DOWN(x->v_start, GiB(1)); va < x->v_end; va += GiB(1))
		l2++;
	ck_assert_uint_eq(x->nr_l1, l1);
	ck_assert_uint_eq(x->nr_l2, l2);
	ck_assert_uint_eq(x->nr_l3, 1);
}

START_TEST(test_linux_like)
{
	/* Linux 6.1: base 0xffffffff80000000, image at +16 MiB, ~10 MiB. */
	struct pv_layout_in in = {
		.virt_base = 0xffffffff80000000ULL,
		.kstart = 0xffffffff81000000ULL,
		.kend = 0xffffffff81a16000ULL,
		.ramdisk_len = 1234567,
		.nr_pages = 32768,	/* 128 MiB */
	};

	ck_assert_int_eq(pv_layout_compute(&in, &l, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.v_start, in.virt_base);
	ck_assert_uint_eq(l.p2m_len, 32768 * 8);
	check_order(&l);
	check_tables(&l);
	ck_assert_uint_le(l.v_end - l.v_start, GiB(1));	/* Linux's first-GiB rule */
}
END_TEST

START_TEST(test_small_no_ramdisk)
{
	struct pv_layout_in in = {
		.virt_base = 0xffffffff80000000ULL,
		.kstart = 0xffffffff80000000ULL,
		.kend = 0xffffffff80003000ULL,
		.nr_pages = 1024,	/* 4 MiB */
	};

	/* 3 kernel + 2 p2m + 3 + tables + stack fit in 4 MiB, padding does not: */
	ck_assert_int_eq(pv_layout_compute(&in, &l, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.ramdisk_len, 0);
	ck_assert_uint_eq(l.v_end - l.v_start, MiB(4));
	check_order(&l);
	check_tables(&l);
}
END_TEST

START_TEST(test_crossing_1g)
{
	/* A mapping that crosses a 1 GiB boundary needs two L2 tables. */
	struct pv_layout_in in = {
		.virt_base = 0x3fe00000ULL,
		.kstart = 0x3fe00000ULL,
		.kend = 0x40400000ULL,
		.nr_pages = 8192,
	};

	ck_assert_int_eq(pv_layout_compute(&in, &l, err, sizeof(err)), 0);
	ck_assert_uint_eq(l.nr_l2, 2);
	check_order(&l);
	check_tables(&l);
}
END_TEST

START_TEST(test_memory_too_small)
{
	struct pv_layout_in in = {
		.virt_base = 0xffffffff80000000ULL,
		.kstart = 0xffffffff81000000ULL,
		.kend = 0xffffffff81a16000ULL,
		.nr_pages = 4096,	/* 16 MiB: the kernel alone starts at 16 MiB */
	};

	ck_assert_int_eq(pv_layout_compute(&in, &l, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "memory too small"), "%s", err);
}
END_TEST

START_TEST(test_bad_inputs)
{
	struct pv_layout_in in = {
		.virt_base = 0xffffffff80000000ULL,
		.kstart = 0xffffffff80000000ULL,
		.kend = 0xffffffff80001000ULL,
		.nr_pages = 1024,
	};

	in.ramdisk_len = 0xffffffffffff0000ULL;	/* would wrap the address space */
	ck_assert_int_eq(pv_layout_compute(&in, &l, err, sizeof(err)), -1);
	in.ramdisk_len = 0;
	in.kend = in.kstart;			/* empty kernel */
	ck_assert_int_eq(pv_layout_compute(&in, &l, err, sizeof(err)), -1);
	in.kend = in.kstart + 0x800;		/* not page aligned */
	ck_assert_int_eq(pv_layout_compute(&in, &l, err, sizeof(err)), -1);
	in.virt_base = 0xffff87fffff00000ULL;	/* mapping runs into the hv hole's end */
	in.kstart = in.virt_base;
	in.kend = in.kstart + PAGE_SIZE;
	ck_assert_int_eq(pv_layout_compute(&in, &l, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "overlaps the hypervisor"), "%s", err);
}
END_TEST

/*
 * An image that ends just below 2^47, so that the padding after its boot
 * stack carries the mapping past it: the builder would otherwise make
 * page tables for non-canonical addresses (L4 index 256, a hypervisor
 * slot) and lose them when the hypervisor's slots are installed.
 */
START_TEST(test_crosses_canonical_end)
{
	struct pv_layout_in in = {
		.virt_base = 0x800000000000ULL - 0x80000,	/* 2^47 - 512 KiB */
		.kstart = 0x800000000000ULL - 0x80000,
		.kend = 0x800000000000ULL - 0x80000 + 0x20000,
		.nr_pages = 16384,
	};

	ck_assert_int_eq(pv_layout_compute(&in, &l, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not canonical"), "%s", err);
	/* 4 MiB lower, the same image fits below 2^47 with its padding. */
	in.virt_base -= MiB(4);
	in.kstart -= MiB(4);
	in.kend -= MiB(4);
	ck_assert_int_eq(pv_layout_compute(&in, &l, err, sizeof(err)), 0);
	ck_assert_uint_le(l.v_end, 0x800000000000ULL);
}
END_TEST

Suite *pv_layout_suite(void)
{
	Suite *s = suite_create("pv_layout");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, test_linux_like);
	tcase_add_test(tc, test_small_no_ramdisk);
	tcase_add_test(tc, test_crossing_1g);
	tcase_add_test(tc, test_memory_too_small);
	tcase_add_test(tc, test_bad_inputs);
	tcase_add_test(tc, test_crosses_canonical_end);
	suite_add_tcase(s, tc);
	return s;
}
