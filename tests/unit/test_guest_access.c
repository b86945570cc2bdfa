/*
 * test_guest_access.c - the one gate to guest memory, hv/core/guest_access.c.
 *
 * Runs in: host (build/unit/run-unit). The real guest_access.c is compiled
 * unchanged; the instruction that really touches guest memory (raw_copy,
 * hv/lib/copy.S) is replaced here by a fake with two mapped guest pages,
 * which counts its calls. The range check must refuse every address a
 * guest may not name before anything is copied: the hypervisor's hole
 * (which is mapped right there in every guest address space), the
 * non-canonical gap, and ranges that wrap; a fault in the middle of an
 * accepted range must come back as -EFAULT, and the two variants that
 * say how far they got (the instruction fetch's and the emulation's)
 * must say it exactly.
 */
#include <string.h>

#include "hv.h"
#include "layout.h"
#include "harness.h"
#include "core/guest_access.h"
#include "pv/insn.h"
#include "pvabi/errno.h"

#define LOW_PAGE	0x0000200000000000ULL	/* a mapped guest page, lower half */
#define HIGH_PAGE	(HV_VIRT_END + 0x1000)	/* one just above the hole */
#define LOW_END		0x0000800000000000ULL	/* 2^47 */

static u8 low_page[PAGE_SIZE], high_page[PAGE_SIZE];
static int raw_copies;
static u64 raw_len;	/* the length of the last raw_copy */

/* Host memory behind a guest address, or NULL if "unmapped". */
static u8 *fake_guest(u64 va)
{
	if (va >= LOW_PAGE && va < LOW_PAGE + PAGE_SIZE)
		return low_page + (va - LOW_PAGE);
	if (va >= HIGH_PAGE && va < HIGH_PAGE + PAGE_SIZE)
		return high_page + (va - HIGH_PAGE);
	return NULL;
}

static bool is_guest(const void *p)
{
	u64 a = (u64)p;

	return (a >= LOW_PAGE && a < LOW_PAGE + 2 * PAGE_SIZE) || a >= HV_VIRT_START;
}

/*
 * The fake of copy.S: byte by byte, as far as the guest side is mapped;
 * returns the bytes not copied, as the real one does after a fault.
 */
u64 raw_copy(void *dst, const void *src, u64 len);
u64 raw_copy(void *dst, const void *src, u64 len)
{
	bool to_guest = is_guest(dst);
	u64 done;

	raw_copies++;
	raw_len = len;
	for (done = 0; done < len; done++) {
		u64 gva = (to_guest ? (u64)dst : (u64)src) + done;
		u8 *g = fake_guest(gva);

		if (!g)
			break;
		if (to_guest)
			*g = ((const u8 *)src)[done];
		else
			((u8 *)dst)[done] = *g;
	}
	return len - done;
}

/* A small exception table, as hv.lds.S gathers the real one. */
struct ex_entry {
	u64 insn, fixup;
};
const struct ex_entry __ex_table_start[2] = {
	{ 0xffff830000101000ULL, 0xffff830000101010ULL },
	{ 0xffff830000102000ULL, 0xffff830000102040ULL },
};
/* __ex_table_end: the address right after those two entries. */
asm(".globl __ex_table_end\n\t.set __ex_table_end, __ex_table_start + 32");

START_TEST(test_ranges)
{
	static const struct {
		u64 va, len;
		bool ok;
		const char *what;
	} cases[] = {
		{ 0, 1, true, "the first guest byte" },
		{ LOW_END - 8, 8, true, "the last 8 bytes below 2^47" },
		{ LOW_END - 8, 9, false, "8 bytes below 2^47 and one past" },
		{ LOW_END, 1, false, "the first non-canonical byte" },
		{ 0x0000900000000000ULL, 8, false, "the middle of the gap" },
		{ HV_VIRT_START - 1, 1, false, "the last non-canonical byte" },
		{ HV_VIRT_START, 8, false, "the hypervisor's first byte (the M2P)" },
		{ DIRECTMAP_BASE + 0x100000, 8, false, "the hypervisor image" },
		{ HV_VIRT_END - 8, 8, false, "the hypervisor's last bytes" },
		{ HV_VIRT_END - 1, 2, false, "a range straddling the hole's end" },
		{ HV_VIRT_END, 8, true, "the first byte above the hole" },
		{ 0xffffffff80000000ULL, 4096, true, "a kernel address" },
		{ 0xfffffffffffff000ULL, 4096, true, "the last page" },
		{ 0xfffffffffffff000ULL, 4097, false, "a range that wraps past 2^64" },
		{ 0x1000, ~0ULL, false, "a length that wraps" },
		{ 0x0000700000000000ULL, 0x0000200000000000ULL, false,
		  "a low range running into the gap" },
		{ 0, LOW_END, true, "the whole lower half" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		ck_assert_msg(guest_range_ok(cases[i].va, cases[i].len) == cases[i].ok,
			      "%s: %#llx + %#llx should be %s", cases[i].what,
			      (unsigned long long)cases[i].va,
			      (unsigned long long)cases[i].len,
			      cases[i].ok ? "accepted" : "refused");
}
END_TEST

/* A refused range is refused before anything is copied, both ways. */
START_TEST(test_refused_before_copying)
{
	u8 buf[16];
	const u64 bad[] = {
		HV_VIRT_START, DIRECTMAP_BASE, LOW_END, HV_VIRT_END - 4, ~0ULL - 3,
	};

	raw_copies = 0;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_int_eq(copy_from_guest(buf, bad[i], 8), -XEN_EFAULT);
		ck_assert_int_eq(copy_to_guest(bad[i], buf, 8), -XEN_EFAULT);
	}
	ck_assert_int_eq(raw_copies, 0);
}
END_TEST

/* Accepted ranges are copied; the data arrives; unmapped parts fault. */
START_TEST(test_copies)
{
	u8 out[32], in[32] = { 0 };

	for (int i = 0; i < 32; i++)
		out[i] = (u8)(i * 7 + 1);
	ck_assert_int_eq(copy_to_guest(LOW_PAGE + 100, out, sizeof(out)), 0);
	ck_assert_int_eq(copy_from_guest(in, LOW_PAGE + 100, sizeof(in)), 0);
	ck_assert_mem_eq(in, out, sizeof(in));
	ck_assert_mem_eq(low_page + 100, out, sizeof(out));
	ck_assert_int_eq(copy_to_guest(HIGH_PAGE, out, 8), 0);
	ck_assert_mem_eq(high_page, out, 8);
	/* The page after LOW_PAGE is not mapped: a copy across faults. */
	raw_copies = 0;
	ck_assert_int_eq(copy_from_guest(in, LOW_PAGE + PAGE_SIZE - 8, 16), -XEN_EFAULT);
	ck_assert_int_eq(copy_to_guest(LOW_PAGE + PAGE_SIZE - 8, out, 16), -XEN_EFAULT);
	ck_assert_int_eq(raw_copies, 2);
	/* An empty copy touches nothing and succeeds, even at the last byte. */
	ck_assert_int_eq(copy_from_guest(in, LOW_END, 0), 0);
}
END_TEST

/*
 * The readable beginning of a range: as far as the mapping goes, clamped
 * to the guest's half first (nothing past 2^47 or past 2^64 is asked for),
 * nothing at all outside the guest's ranges.
 */
START_TEST(test_copy_upto)
{
	u8 buf[32];

	for (int i = 0; i < 32; i++)
		low_page[PAGE_SIZE - 32 + i] = (u8)(0xc0 + i);
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(copy_from_guest_upto(buf, LOW_PAGE + PAGE_SIZE - 5, 15), 5);
	ck_assert_mem_eq(buf, low_page + PAGE_SIZE - 5, 5);
	ck_assert_uint_eq(copy_from_guest_upto(buf, LOW_PAGE, 15), 15);
	ck_assert_uint_eq(copy_from_guest_upto(buf, LOW_PAGE + PAGE_SIZE, 15), 0);
	ck_assert_uint_eq(copy_from_guest_upto(buf, LOW_PAGE, 0), 0);
	raw_copies = 0;
	ck_assert_uint_eq(copy_from_guest_upto(buf, HV_VIRT_START, 15), 0);
	ck_assert_uint_eq(copy_from_guest_upto(buf, DIRECTMAP_BASE + 0x100000, 15), 0);
	ck_assert_uint_eq(copy_from_guest_upto(buf, LOW_END, 15), 0);
	ck_assert_int_eq(raw_copies, 0);
	/* Clamped before copying: 5 bytes below 2^47, 6 below 2^64. */
	copy_from_guest_upto(buf, LOW_END - 5, 15);
	ck_assert_int_eq(raw_copies, 1);
	ck_assert_uint_eq(raw_len, 5);
	copy_from_guest_upto(buf, 0ULL - 6, 15);
	ck_assert_uint_eq(raw_len, 6);
}
END_TEST

/* copy_to_guest_fault names the first byte it could not write. */
START_TEST(test_copy_fault_address)
{
	u8 out[16];
	u64 at = 0;

	memset(out, 0x5a, sizeof(out));
	ck_assert_int_eq(copy_to_guest_fault(LOW_PAGE + 8, out, 10, &at), 0);
	ck_assert_mem_eq(low_page + 8, out, 10);
	memset(low_page + PAGE_SIZE - 4, 0, 4);
	ck_assert_int_eq(copy_to_guest_fault(LOW_PAGE + PAGE_SIZE - 4, out, 10, &at),
			 -XEN_EFAULT);
	ck_assert_uint_eq(at, LOW_PAGE + PAGE_SIZE);
	ck_assert_mem_eq(low_page + PAGE_SIZE - 4, out, 4);	/* the bytes before stay */
	ck_assert_int_eq(copy_to_guest_fault(LOW_PAGE + PAGE_SIZE, out, 2, &at), -XEN_EFAULT);
	ck_assert_uint_eq(at, LOW_PAGE + PAGE_SIZE);
	raw_copies = 0;
	ck_assert_int_eq(copy_to_guest_fault(HV_VIRT_END - 2, out, 10, &at), -XEN_EFAULT);
	ck_assert_uint_eq(at, HV_VIRT_END - 2);
	ck_assert_int_eq(copy_to_guest_fault(HV_VIRT_START, out, 2, &at), -XEN_EFAULT);
	ck_assert_uint_eq(at, HV_VIRT_START);
	ck_assert_int_eq(raw_copies, 0);
}
END_TEST

/* The one instruction fetch (pv/insn.c): 15 bytes, fewer at a mapping's end. */
START_TEST(test_insn_fetch)
{
	u8 code[INSN_MAX_LEN];

	ck_assert_uint_eq(insn_fetch(LOW_PAGE + 100, code), 15);
	ck_assert_mem_eq(code, low_page + 100, 15);
	ck_assert_uint_eq(insn_fetch(LOW_PAGE + PAGE_SIZE - 3, code), 3);
	ck_assert_uint_eq(insn_fetch(HIGH_PAGE + PAGE_SIZE - 1, code), 1);
	ck_assert_uint_eq(insn_fetch(HIGH_PAGE + PAGE_SIZE, code), 0);
	ck_assert_uint_eq(insn_fetch(HV_VIRT_END - 1, code), 0);
}
END_TEST

/* Only a listed instruction is fixed up, and it resumes at its own fixup. */
START_TEST(test_fixup_table)
{
	u64 rip = 0xffff830000102000ULL;

	ck_assert(fixup_exception(&rip));
	ck_assert_uint_eq(rip, 0xffff830000102040ULL);
	rip = 0xffff830000101000ULL;
	ck_assert(fixup_exception(&rip));
	ck_assert_uint_eq(rip, 0xffff830000101010ULL);
	rip = 0xffff830000101001ULL;	/* next to a listed one: not listed */
	ck_assert(!fixup_exception(&rip));
	ck_assert_uint_eq(rip, 0xffff830000101001ULL);
}
END_TEST

Suite *guest_access_suite(void)
{
	Suite *s = suite_create("guest_access");
	TCase *tc = tcase_create("gate");

	tcase_add_test(tc, test_ranges);
	tcase_add_test(tc, test_refused_before_copying);
	tcase_add_test(tc, test_copies);
	tcase_add_test(tc, test_copy_upto);
	tcase_add_test(tc, test_copy_fault_address);
	tcase_add_test(tc, test_insn_fetch);
	tcase_add_test(tc, test_fixup_table);
	suite_add_tcase(s, tc);
	return s;
}
