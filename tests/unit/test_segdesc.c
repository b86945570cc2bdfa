/*
 * test_segdesc.c - hv/mm/segdesc.c: which descriptors a guest GDT may hold.
 *
 * Every case is one descriptor a guest could hand to set_gdt or
 * update_descriptor, with what Xen's check_descriptor() makes of it.
 */
#include "hv.h"
#include "harness.h"
#include "mm/segdesc.h"

static const struct {
	const char *what;
	u64 in;
	bool ok;
	u64 out;	/* the descriptor as stored, when ok */
} cases[] = {
	{ "null", 0, true, 0 },
	{ "not present, any garbage", 0x1234567812345678ULL & ~(1ULL << 47), true,
	  0x1234567812345678ULL & ~(1ULL << 47) },
	{ "64-bit code DPL 0 (Linux __KERNEL_CS): DPL raised to 3",
	  0x00af9b000000ffffULL, true, 0x00affb000000ffffULL },
	{ "data DPL 0 (__KERNEL_DS): raised", 0x00cf93000000ffffULL, true,
	  0x00cff3000000ffffULL },
	{ "32-bit code DPL 1: raised", 0x00cfbb000000ffffULL, true,
	  0x00cffb000000ffffULL },
	{ "64-bit user code DPL 3: unchanged", 0x00affb000000ffffULL, true,
	  0x00affb000000ffffULL },
	{ "data with a base: no base or limit checks", 0x12cff3456789ffffULL, true,
	  0x12cff3456789ffffULL },
	{ "available 64-bit TSS: refused", 0x00008900a0000067ULL, false, 0 },
	{ "busy TSS: refused", 0x00008b00a0000067ULL, false, 0 },
	{ "LDT: refused", 0x00008200a0000fffULL, false, 0 },
	{ "interrupt gate: refused", 0x00008e000010a000ULL, false, 0 },
	{ "trap gate: refused", 0x0000ef000010a000ULL, false, 0 },
	{ "task gate (type 5): refused", 0x0000e50000100000ULL, false, 0 },
	{ "16-bit call gate (type 4): refused", 0x0000e40000100000ULL, false, 0 },
	{ "system type 0 (upper half of a gate): kept as is", 0x0000800012345678ULL,
	  true, 0x0000800012345678ULL },
	{ "call gate to a guest selector 0x10, DPL 3: DPL forced to 0, RPL keeps 3",
	  0x0000ec000010a000ULL, true, 0x00008c000013a000ULL },
	{ "call gate to FLAT_KERNEL_CS", 0x0000ec00e033a000ULL, true,
	  0x00008c00e033a000ULL },
	{ "call gate to an LDT selector", 0x0000ec000014a000ULL, true,
	  0x00008c000017a000ULL },
	{ "call gate to the hypervisor's CS 0xe008: refused", 0x0000ec00e008a000ULL,
	  false, 0 },
	{ "call gate to hypervisor entry 0x1c05 (0xe02b): refused",
	  0x0000ec00e02ba000ULL, false, 0 },
	{ "call gate with a parameter count: reserved bits", 0x0000ec030010a000ULL,
	  false, 0 },
};

START_TEST(test_descriptors)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 d = cases[i].in;
		bool ok = check_descriptor(&d, &segdesc_ring3);

		ck_assert_msg(ok == cases[i].ok, "%s: %s", cases[i].what,
			      ok ? "accepted" : "refused");
		if (ok)
			ck_assert_msg(d == cases[i].out, "%s: stored %#llx, want %#llx",
				      cases[i].what, (unsigned long long)d,
				      (unsigned long long)cases[i].out);
		else
			ck_assert_msg(d == cases[i].in, "%s: changed on refusal",
				      cases[i].what);
	}
}
END_TEST

/* A frame is checked whole: one bad descriptor anywhere refuses it. */
START_TEST(test_page)
{
	static u64 page[512];

	page[0] = 0x00af9b000000ffffULL;
	ck_assert_int_eq(validate_segdesc_page(page, &segdesc_ring3), 0);
	ck_assert_uint_eq(page[0], 0x00affb000000ffffULL);
	page[511] = 0x00008900a0000067ULL;	/* a TSS in the last slot */
	ck_assert_int_eq(validate_segdesc_page(page, &segdesc_ring3), -1);
}
END_TEST

/*
 * The rules are the PV mode's (pv/mode.h): with a ring-1 kernel's, DPL 0
 * is raised to 1 only, DPL 1 and 2 are kept, and a call gate may target
 * that mode's kernel CS but no longer compat mode's FLAT_KERNEL_CS.
 */
START_TEST(test_rules_are_the_modes)
{
	const struct segdesc_rules ring1 = { .kernel_dpl = 1, .kernel_cs = 0xe019 };
	u64 d;

	d = 0x00af9b000000ffffULL;			/* 64-bit code, DPL 0 */
	ck_assert(check_descriptor(&d, &ring1));
	ck_assert_uint_eq(d, 0x00afbb000000ffffULL);	/* DPL 1 */
	d = 0x00cfd3000000ffffULL;			/* data, DPL 2 */
	ck_assert(check_descriptor(&d, &ring1));
	ck_assert_uint_eq(d, 0x00cfd3000000ffffULL);
	d = 0x0000ec00e019a000ULL;			/* call gate to 0xe019 */
	ck_assert(check_descriptor(&d, &ring1));
	ck_assert_uint_eq(d, 0x00008c00e01ba000ULL);	/* DPL 0, RPL 3 */
	d = 0x0000ec00e019a000ULL;
	ck_assert(!check_descriptor(&d, &segdesc_ring3));
	d = 0x0000ec00e033a000ULL;			/* call gate to 0xe033 */
	ck_assert(!check_descriptor(&d, &ring1));
}
END_TEST

/* The 16-bit stack rule, on access rights as LAR gives them. */
START_TEST(test_stack16)
{
	const u32 data16 = AR_P | AR_S | AR_TYPE_WRITE | (3U << 13);
	const u32 code32 = AR_P | AR_S | AR_TYPE_CODE | AR_DB | (3U << 13);
	const u32 code64 = AR_P | AR_S | AR_TYPE_CODE | AR_L | (3U << 13);

	ck_assert(segdesc_stack_is_16bit(data16));
	ck_assert(segdesc_stack_is_16bit(data16 | (1U << 8)));	/* accessed */
	ck_assert(segdesc_stack_is_16bit(data16 | (1U << 10)));	/* expand-down */
	ck_assert(!segdesc_stack_is_16bit(data16 | AR_DB));	/* 32-bit stack */
	ck_assert(!segdesc_stack_is_16bit(data16 & ~AR_TYPE_WRITE));	/* read-only */
	ck_assert(!segdesc_stack_is_16bit(data16 & ~AR_P));
	ck_assert(!segdesc_stack_is_16bit(data16 & ~AR_S));		/* system */
	ck_assert(!segdesc_stack_is_16bit(code32 & ~AR_DB));		/* code */
	ck_assert(segdesc_code_is_64bit(code64));
	ck_assert(!segdesc_code_is_64bit(code32));
	ck_assert(!segdesc_code_is_64bit(code32 & ~AR_DB));		/* 16-bit code */
	ck_assert(!segdesc_code_is_64bit(data16 | AR_L));		/* data: no L */
}
END_TEST

Suite *segdesc_suite(void)
{
	Suite *s = suite_create("segdesc");
	TCase *tc = tcase_create("check_descriptor");

	tcase_add_test(tc, test_descriptors);
	tcase_add_test(tc, test_page);
	tcase_add_test(tc, test_rules_are_the_modes);
	tcase_add_test(tc, test_stack16);
	suite_add_tcase(s, tc);
	return s;
}
