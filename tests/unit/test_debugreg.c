/*
 * test_debugreg.c - hv/pv/debugreg.c: what a guest may put in its debug
 * registers, what it reads back, and how a #DB's DR6 reaches it.
 *
 * Each expectation is Xen 4.17's (arch/x86/pv/misc-hypercalls.c
 * set_debugreg(), x86emul_read_dr(), do_debug()).
 */
#include "hv.h"
#include "harness.h"
#include "pv/debugreg.h"
#include "pvabi/errno.h"

#define L0	(1ULL << 0)
#define G1	(1ULL << 3)
#define L3	(1ULL << 6)
#define RW(n, v)	((u64)(v) << (16 + 4 * (n)))	/* 0 exec, 1 write, 2 I/O, 3 rw */
#define LEN(n, v)	((u64)(v) << (18 + 4 * (n)))	/* 0: 1, 1: 2, 2: 8, 3: 4 bytes */

static struct debugregs d;

static void setup(void)
{
	memset(&d, 0x5a, sizeof(d));
	dbg_init(&d);
}

static u64 get(u64 reg, bool de)
{
	u64 v = 0x1111;

	ck_assert_int_eq(dbg_get(&d, reg, de, &v), 0);
	return v;
}

START_TEST(test_reset_values)
{
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(get((u64)i, false), 0);
	ck_assert_uint_eq(get(6, false), 0xffff0ff0);
	ck_assert_uint_eq(get(7, false), 0x400);
	ck_assert(!dbg_active(&d));
}
END_TEST

/* The hypervisor's range and the non-canonical hole: never a breakpoint. */
START_TEST(test_addresses)
{
	static const struct { u64 a; bool ok; } cases[] = {
		{ 0, true },
		{ 0x00007ffffffffff8ULL, true },
		{ 0x00007fffffffffffULL, true },
		{ 0x0000800000000000ULL, false },	/* non-canonical */
		{ 0xffff7fffffffffffULL, false },	/* non-canonical */
		{ 0xffff800000000000ULL, false },	/* HYPERVISOR_VIRT_START */
		{ 0xffff830000100000ULL, false },	/* the image */
		{ 0xffff87fffffffff8ULL, false },
		{ 0xffff87ffffffffffULL, false },
		{ 0xffff880000000000ULL, true },	/* HYPERVISOR_VIRT_END */
		{ 0xffffffff80000000ULL, true },
		{ ~0ULL, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc = dbg_set(&d, 2, cases[i].a, false);

		ck_assert_msg(dbg_addr_ok(cases[i].a) == cases[i].ok, "%#llx",
			      (unsigned long long)cases[i].a);
		ck_assert_int_eq(rc, cases[i].ok ? 0 : -XEN_EPERM);
		ck_assert_uint_eq(get(2, false), cases[i].ok ? cases[i].a : 0);
		dbg_set(&d, 2, 0, false);
	}
}
END_TEST

START_TEST(test_dr6)
{
	ck_assert_int_eq(dbg_set(&d, 6, 1ULL << 32, false), -XEN_EINVAL);
	ck_assert_uint_eq(get(6, false), 0xffff0ff0);
	/* Bit 12 reads 0, bits 4-11 and 16-31 read 1, the rest as written. */
	ck_assert_int_eq(dbg_set(&d, 6, 0x1000 | 0x4001, false), 0);
	ck_assert_uint_eq(get(6, false), 0xffff4ff1);
	ck_assert_int_eq(dbg_set(&d, 6, 0, false), 0);
	ck_assert_uint_eq(get(6, false), 0xffff0ff0);
}
END_TEST

START_TEST(test_dr7)
{
	ck_assert_int_eq(dbg_set(&d, 7, 1ULL << 32, false), -XEN_EINVAL);
	ck_assert_int_eq(dbg_set(&d, 7, DR7_GD | L0, false), -XEN_EPERM);
	ck_assert_int_eq(dbg_set(&d, 7, DR7_GD, false), -XEN_EPERM);
	ck_assert_uint_eq(get(7, false), 0x400);
	/* Reserved: bits 11, 12, 14, 15 read 0, bit 10 reads 1. */
	ck_assert_int_eq(dbg_set(&d, 7, 0xd800 | L3 | RW(3, 1) | LEN(3, 2), false), 0);
	ck_assert_uint_eq(get(7, false), 0x400 | L3 | RW(3, 1) | LEN(3, 2));
	ck_assert(dbg_active(&d));
	ck_assert_int_eq(dbg_set(&d, 7, 0, false), 0);
	ck_assert(!dbg_active(&d));
	ck_assert_uint_eq(get(7, false), 0x400);
}
END_TEST

/* I/O breakpoints only with CR4.DE, and never in the CPU's DR7. */
START_TEST(test_io_breakpoints)
{
	u64 io0 = L0 | RW(0, 2) | LEN(0, 3);

	ck_assert_int_eq(dbg_set(&d, 7, L3 | RW(3, 1), false), 0);
	ck_assert_int_eq(dbg_set(&d, 7, io0, false), -XEN_EPERM);
	ck_assert_uint_eq(get(7, false), 0x400 | L3 | RW(3, 1));	/* unchanged */
	/* Inactive (no enable bit at all): the type is not looked at. */
	ck_assert_int_eq(dbg_set(&d, 7, RW(1, 2), false), 0);
	/* With DE: the enables are kept aside and read back. */
	ck_assert_int_eq(dbg_set(&d, 7, io0 | G1 | RW(1, 3), true), 0);
	ck_assert_uint_eq(d.dr7, 0x400 | RW(0, 2) | LEN(0, 3) | G1 | RW(1, 3));
	ck_assert_uint_eq(d.dr7_emul, L0);
	ck_assert_uint_eq(get(7, true), 0x400 | io0 | G1 | RW(1, 3));
	/* Only I/O enables: nothing for the CPU to arm. */
	ck_assert_int_eq(dbg_set(&d, 7, io0, true), 0);
	ck_assert(!dbg_active(&d));
	ck_assert_uint_eq(get(7, true), 0x400 | io0);
	/* An inactive DR7 drops them. */
	ck_assert_int_eq(dbg_set(&d, 7, 0, true), 0);
	ck_assert_uint_eq(d.dr7_emul, 0);
}
END_TEST

START_TEST(test_io_match)
{
	/* DR0: ports 0x80-0x83 (4 bytes); DR2: port 0x3f8 (1 byte), inactive first. */
	ck_assert_int_eq(dbg_set(&d, 0, 0x80, true), 0);
	ck_assert_int_eq(dbg_set(&d, 2, 0x3f8, true), 0);
	ck_assert_int_eq(dbg_set(&d, 7, L0 | RW(0, 2) | LEN(0, 3) | RW(2, 2), true), 0);
	ck_assert_uint_eq(dbg_io_match(&d, true, 0x80, 1), 1);
	ck_assert_uint_eq(dbg_io_match(&d, true, 0x83, 1), 1);
	ck_assert_uint_eq(dbg_io_match(&d, true, 0x7f, 2), 1);	/* overlaps 0x80 */
	ck_assert_uint_eq(dbg_io_match(&d, true, 0x7c, 4), 0);
	ck_assert_uint_eq(dbg_io_match(&d, true, 0x84, 4), 0);
	ck_assert_uint_eq(dbg_io_match(&d, true, 0x3f8, 1), 0);	/* not enabled */
	ck_assert_uint_eq(dbg_io_match(&d, false, 0x80, 1), 0);	/* DE clear */
	ck_assert_int_eq(dbg_set(&d, 7, L0 | RW(0, 2) | LEN(0, 3) |
				 (1ULL << 4) | RW(2, 2) | LEN(2, 0), true), 0);
	ck_assert_uint_eq(dbg_io_match(&d, true, 0x3f8, 1), 4);
	ck_assert_uint_eq(dbg_io_match(&d, true, 0x3f9, 1), 0);
	ck_assert_uint_eq(dbg_io_match(&d, true, 0x3f6, 4), 4);
}
END_TEST

/* DR4 and DR5 are DR6 and DR7 without CR4.DE, absent with it; DR8+ never exist. */
START_TEST(test_dr4_dr5_and_beyond)
{
	u64 v;

	ck_assert_int_eq(dbg_set(&d, 4, 0xffff0ff2, false), 0);
	ck_assert_uint_eq(get(6, false), 0xffff0ff2);
	ck_assert_uint_eq(get(4, false), 0xffff0ff2);
	ck_assert_int_eq(dbg_set(&d, 5, L0, false), 0);
	ck_assert_uint_eq(get(7, false), 0x401);
	ck_assert_uint_eq(get(5, false), 0x401);
	ck_assert_int_eq(dbg_set(&d, 4, 0, true), -XEN_ENODEV);
	ck_assert_int_eq(dbg_set(&d, 5, 0, true), -XEN_ENODEV);
	ck_assert_int_eq(dbg_get(&d, 4, true, &v), -XEN_ENODEV);
	ck_assert_int_eq(dbg_get(&d, 5, true, &v), -XEN_ENODEV);
	ck_assert_int_eq(dbg_set(&d, 8, 0, false), -XEN_ENODEV);
	ck_assert_int_eq(dbg_get(&d, 8, false, &v), -XEN_ENODEV);
	ck_assert_int_eq(dbg_get(&d, ~0ULL, false, &v), -XEN_ENODEV);
	ck_assert_uint_eq(get(7, false), 0x401);
}
END_TEST

/* Bits the CPU moved off their reset value move in the guest's copy. */
START_TEST(test_merge_dr6)
{
	const u64 def = 0xffff0ff0;

	ck_assert_uint_eq(dbg_merge_dr6(def, def | 1), def | 1);		/* B0 */
	ck_assert_uint_eq(dbg_merge_dr6(def | 2, def | 1), def | 3);	/* sticky B1 */
	ck_assert_uint_eq(dbg_merge_dr6(def, def | DR6_BS), def | DR6_BS);
	ck_assert_uint_eq(dbg_merge_dr6(def | 1, def), def | 1);		/* nothing new */
	/* RTM (bit 16) is reported by clearing it. */
	ck_assert_uint_eq(dbg_merge_dr6(def, def & ~(1ULL << 16)), def & ~(1ULL << 16));
}
END_TEST

Suite *debugreg_suite(void)
{
	Suite *s = suite_create("debugreg");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_reset_values);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_dr6);
	tcase_add_test(tc, test_dr7);
	tcase_add_test(tc, test_io_breakpoints);
	tcase_add_test(tc, test_io_match);
	tcase_add_test(tc, test_dr4_dr5_and_beyond);
	tcase_add_test(tc, test_merge_dr6);
	suite_add_tcase(s, tc);
	return s;
}
