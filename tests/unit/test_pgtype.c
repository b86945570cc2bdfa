/*
 * test_pgtype.c - hv/mm/pgtype.c: page types, reference counts and
 * validated page-table entries, the rules that keep a guest in its memory.
 *
 * Each case states what a hostile or buggy guest would try. The frames live
 * in tests/unit/fake_mm.c; fake_audit() recomputes every count from scratch
 * so a test can say "the counts are exactly right", not just "no crash".
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "hv.h"
#include "harness.h"
#include "fake_mm.h"
#include "mm/pgtype.h"
#include "pvabi/errno.h"

/* The kinds of frame an entry may point at (the matrix's columns). */
enum kind {
	K_NONE,		/* own frame, never typed: plain memory */
	K_WRITABLE,	/* own frame mapped writable somewhere */
	K_L1, K_L2, K_L3, K_L4,	/* own frame pinned as that table */
	K_SEGDESC,	/* own frame in use as a GDT page */
	K_FOREIGN,	/* another domain's frame */
	K_FREE,		/* a free frame (or the hypervisor's) */
	K_NONRAM,	/* beyond RAM: MMIO */
	K_ONES,		/* an all-ones address field */
	NR_KINDS
};

static const char *const kind_name[NR_KINDS] = {
	"none", "writable", "L1", "L2", "L3", "L4", "segdesc",
	"foreign", "free", "non-RAM", "all-ones",
};

#define TARGET		100	/* the target frame of the matrix */
#define TABLE(level)	(10 + (level))	/* a pinned table of each level */

static struct fake_root roots[8];
static int nr_roots;

static void audit_ok(void)
{
	const char *why = fake_audit(roots, nr_roots);

	ck_assert_msg(!why, "audit: %s", why);
}

static void hold_root(mfn_t mfn, int type)
{
	ck_assert_int_eq(get_page_and_type(mfn, DOM_A, type), 0);
	roots[nr_roots].mfn = mfn;
	roots[nr_roots++].type = type;
}

static void drop_roots(void)
{
	while (nr_roots > 0)
		put_page_and_type(roots[--nr_roots].mfn);
}

/* Dom A owns 1-199, dom B 200-299; the rest is free. */
static void setup(void)
{
	fake_mm_reset();
	nr_roots = 0;
	for (mfn_t m = 1; m < 200; m++)
		fake_alloc(m, DOM_A);
	for (mfn_t m = 200; m < 300; m++)
		fake_alloc(m, DOM_B);
	for (int level = 1; level <= 4; level++)
		ck_assert_int_eq(pgt_pin(TABLE(level), PGT_l1 + level - 1, DOM_A, NULL), 0);
	audit_ok();
}

static mfn_t make_target(enum kind k)
{
	switch (k) {
	case K_WRITABLE:
		hold_root(TARGET, PGT_writable);
		return TARGET;
	case K_L1: case K_L2: case K_L3: case K_L4:
		ck_assert_int_eq(pgt_pin(TARGET, PGT_l1 + (k - K_L1), DOM_A, NULL), 0);
		return TARGET;
	case K_SEGDESC:
		hold_root(TARGET, PGT_seg_desc);
		return TARGET;
	case K_FOREIGN:
		return 250;
	case K_FREE:
		return 400;
	case K_NONRAM:
		return 0x100000;
	case K_ONES:
		return PTE_ADDR >> 12;
	default:
		return TARGET;
	}
}

/* What Xen answers for a present entry at this level pointing at kind k. */
static int expected(int level, enum kind k, bool rw)
{
	switch (k) {
	case K_NONRAM:
		return level == 1 ? -XEN_EPERM : -XEN_EINVAL;
	case K_ONES:
		return -XEN_EINVAL;
	case K_FOREIGN:
	case K_FREE:
		return level == 1 ? -XEN_EBUSY : -XEN_EINVAL;
	default:
		break;
	}
	if (level == 1) {
		if (!rw || k == K_NONE || k == K_WRITABLE)
			return 0;
		return -XEN_EBUSY;	/* a writable mapping of a table or GDT page */
	}
	if (k == K_NONE)
		return 0;		/* becomes (and validates as) L(level-1) */
	if (k >= K_L1 && k <= K_L4 && (int)(k - K_L1) == level - 2)
		return 0;
	return -XEN_EINVAL;		/* not the table the level below needs */
}

/*
 * The matrix: every level, against every kind of frame, read-only and
 * writable. A refused entry changes no count; an accepted one holds
 * exactly its references and gives them all back when cleared.
 */
/*
 * get_page() takes a reference only on a frame in use: count 0 means
 * free, whatever the owner field still says (the allocator resets it, but
 * get_page must not rely on that: a free frame is reused by anyone).
 */
START_TEST(test_get_page_needs_a_reference)
{
	struct page_info *pg;

	setup();
	pg = mfn_to_page(400);			/* free in this fixture */
	ck_assert_uint_eq(pg->count, 0);
	pg->owner = DOM_A;
	ck_assert(!get_page(400, DOM_A));
	ck_assert_uint_eq(pg->count, 0);
	pg->owner = OWNER_NONE;
	ck_assert(!get_page(250, DOM_A));	/* in use, but B's */
	ck_assert(get_page(150, DOM_A));	/* A's own */
	put_page(150);
	audit_ok();
}
END_TEST

START_TEST(test_entry_matrix)
{
	for (int level = 1; level <= 4; level++) {
		for (int k = 0; k < NR_KINDS; k++) {
			for (int rw = 0; rw <= 1; rw++) {
				u64 e;
				int want, rc;
				mfn_t t;

				setup();
				t = make_target((enum kind)k);
				e = fake_pte(t, PTE_P | PTE_A | (rw ? PTE_RW : 0));
				want = expected(level, (enum kind)k, rw);
				rc = pgt_mod_entry(TABLE(level), 5, e, false);
				ck_assert_msg(rc == want, "L%d -> %s %s: got %d, want %d",
					      level, kind_name[k], rw ? "rw" : "ro", rc, want);
				audit_ok();
				if (rc) {
					ck_assert_uint_eq(fake_table(TABLE(level))[5], 0);
					continue;
				}
				ck_assert_uint_eq(fake_table(TABLE(level))[5], e | PTE_US);
				ck_assert_int_eq(pgt_mod_entry(TABLE(level), 5, 0, false), 0);
				audit_ok();
				ck_assert_uint_eq(frame_table[t].count,
						  k == K_NONE ? 1 : 2);
			}
		}
	}
}
END_TEST

/* Flags: cache attributes, superpages and G at the upper levels are refused. */
START_TEST(test_entry_flags)
{
	static const struct {
		int level;
		u64 flags;
		int rc;
		u64 stored;	/* extra flags expected back, beyond P|US */
	} cases[] = {
		{ 1, PTE_PWT, -XEN_EINVAL, 0 },		/* write-through: no I/O rights */
		{ 1, PTE_PCD, -XEN_EINVAL, 0 },		/* uncached */
		{ 1, PTE_PSE, -XEN_EINVAL, 0 },		/* the PAT bit at L1 */
		{ 1, PTE_G, 0, 0 },			/* accepted, G dropped */
		{ 1, PTE_NX | PTE_A | PTE_D, 0, PTE_NX | PTE_A | PTE_D },
		{ 1, PTE_AVAIL | PTE_AVAIL_HIGH, 0, PTE_AVAIL | PTE_AVAIL_HIGH },
		{ 2, PTE_PSE, -XEN_EINVAL, 0 },		/* a 2 MiB superpage */
		{ 3, PTE_PSE, -XEN_EINVAL, 0 },		/* a 1 GiB superpage */
		{ 4, PTE_PSE, -XEN_EINVAL, 0 },
		{ 2, PTE_G, -XEN_EINVAL, 0 },
		{ 3, PTE_PWT, -XEN_EINVAL, 0 },
		{ 4, PTE_PCD, -XEN_EINVAL, 0 },
		{ 2, PTE_NX | PTE_AVAIL, 0, PTE_NX | PTE_AVAIL },
		{ 4, PTE_RW | PTE_A, 0, PTE_RW | PTE_A },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int level = cases[i].level;
		mfn_t t = level == 1 ? 150 : TABLE(level - 1);
		int rc;

		setup();
		rc = pgt_mod_entry(TABLE(level), 7, fake_pte(t, PTE_P | cases[i].flags), false);
		ck_assert_msg(rc == cases[i].rc, "case %zu: rc %d", i, rc);
		if (!rc)
			ck_assert_uint_eq(fake_table(TABLE(level))[7],
					  fake_pte(t, PTE_P | PTE_US | cases[i].stored));
		audit_ok();
	}
	/* The same entries met when a whole table is validated (a pin). */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int level = cases[i].level;
		mfn_t t = level == 1 ? 150 : TABLE(level - 1), fresh = 120;
		int rc;

		setup();
		fake_table(fresh)[7] = fake_pte(t, PTE_P | cases[i].flags);
		rc = pgt_pin(fresh, PGT_l1 + level - 1, DOM_A, NULL);
		ck_assert_msg(rc == cases[i].rc, "case %zu validated: rc %d", i, rc);
		if (!rc) {
			ck_assert_uint_eq(fake_table(fresh)[7],
					  fake_pte(t, PTE_P | PTE_US | cases[i].stored));
			ck_assert_int_eq(pgt_unpin(fresh, DOM_A, NULL), 0);
		}
		audit_ok();
	}
}
END_TEST

/* Validating an L4 ignores and overwrites the hypervisor's slots 256-271. */
START_TEST(test_l4_hv_slots)
{
	u64 *l4;

	setup();
	l4 = fake_table(50);
	l4[256] = fake_pte(250, PTE_P | PTE_RW);	/* another domain's frame */
	l4[271] = fake_pte(51, PTE_P | PTE_RW);	/* a frame of ours */
	l4[0] = fake_pte(52, PTE_P);		/* an empty L3 */
	ck_assert_int_eq(pgt_pin(50, PGT_l4, DOM_A, NULL), 0);
	ck_assert_uint_eq(l4[256], HV_SLOT_MARK | 256);
	ck_assert_uint_eq(l4[271], HV_SLOT_MARK | 271);
	ck_assert_uint_eq(frame_table[51].count, 1);	/* not referenced */
	ck_assert_uint_eq(frame_table[52].type, PGT_l3);
	audit_ok();
	/* A guest may not write those slots, whatever the value. */
	ck_assert_int_eq(pgt_mod_entry(50, 260, fake_pte(52, PTE_P), false), -XEN_EINVAL);
	ck_assert_int_eq(pgt_mod_entry(50, 256, 0, false), -XEN_EINVAL);
	ck_assert_uint_eq(l4[260], HV_SLOT_MARK | 260);
	/* ... nor through a plain checked store while the L4 is in use. */
	ck_assert_int_eq(pgt_mmu_normal_update((50 << 12) | (260 * 8), 0, false, DOM_A, NULL),
			 -XEN_EINVAL);
	ck_assert_int_eq(pgt_unpin(50, DOM_A, NULL), 0);
	audit_ok();
	ck_assert_uint_eq(frame_table[52].count, 1);
	ck_assert_uint_eq(frame_table[52].type_count, 0);
}
END_TEST

/* Build L4 -> L3 -> L2 -> L1 -> data, pin the root, and tear it down again. */
static void build_tree(mfn_t l4, mfn_t l3, mfn_t l2, mfn_t l1, mfn_t data)
{
	fake_table(l4)[1] = fake_pte(l3, PTE_P | PTE_RW);
	fake_table(l3)[2] = fake_pte(l2, PTE_P | PTE_RW);
	fake_table(l2)[3] = fake_pte(l1, PTE_P | PTE_RW);
	fake_table(l1)[4] = fake_pte(data, PTE_P | PTE_RW);
	fake_table(l1)[5] = fake_pte(l1, PTE_P);	/* the L1 maps itself read-only */
}

START_TEST(test_tree_lifecycle)
{
	setup();
	build_tree(60, 61, 62, 63, 64);
	ck_assert_int_eq(pgt_pin(60, PGT_l4, DOM_A, NULL), 0);
	audit_ok();
	ck_assert_uint_eq(frame_table[61].type, PGT_l3);
	ck_assert_uint_eq(frame_table[62].type, PGT_l2);
	ck_assert_uint_eq(frame_table[63].type, PGT_l1);
	ck_assert_uint_eq(frame_table[63].count, 3);	/* alloc, L2 entry, own RO map */
	ck_assert_uint_eq(frame_table[64].type, PGT_writable);
	ck_assert_uint_eq(frame_table[64].type_count, 1);
	ck_assert(fake_table(63)[4] & PTE_US);		/* forced */
	/* A second root on the same tree: no revalidation, one more ref. */
	hold_root(60, PGT_l4);
	ck_assert_uint_eq(frame_table[60].type_count, 2);
	/* Unpinning a table in use (Xen allows it): still valid via the root. */
	ck_assert_int_eq(pgt_unpin(60, DOM_A, NULL), 0);
	ck_assert(frame_table[63].flags & PGF_validated);
	audit_ok();
	drop_roots();
	audit_ok();
	for (mfn_t m = 60; m <= 64; m++) {
		ck_assert_uint_eq(frame_table[m].count, 1);
		ck_assert_uint_eq(frame_table[m].type_count, 0);
		ck_assert(!(frame_table[m].flags & PGF_validated) ||
			  frame_table[m].type == PGT_writable);
	}
}
END_TEST

/* One bad entry deep in a tree refuses the whole pin and leaves no count behind. */
START_TEST(test_tree_bad_leaf)
{
	setup();
	build_tree(60, 61, 62, 63, 64);
	fake_table(63)[300] = fake_pte(250, PTE_P);	/* dom B's frame */
	ck_assert_int_eq(pgt_pin(60, PGT_l4, DOM_A, NULL), -XEN_EBUSY);
	audit_ok();
	for (mfn_t m = 60; m <= 64; m++) {
		ck_assert_uint_eq(frame_table[m].count, 1);
		ck_assert_uint_eq(frame_table[m].type_count, 0);
	}
	ck_assert(!(frame_table[60].flags & PGF_pinned));
	/* A writable mapping of a table in the same tree: refused too. */
	fake_table(63)[300] = fake_pte(62, PTE_P | PTE_RW);
	ck_assert_int_eq(pgt_pin(60, PGT_l4, DOM_A, NULL), -XEN_EBUSY);
	audit_ok();
	/* Read-only, it is fine. */
	fake_table(63)[300] = fake_pte(62, PTE_P);
	ck_assert_int_eq(pgt_pin(60, PGT_l4, DOM_A, NULL), 0);
	audit_ok();
}
END_TEST

/* Linear (recursive) page tables are refused at every level. */
START_TEST(test_linear_refused)
{
	setup();
	fake_table(70)[9] = fake_pte(70, PTE_P);	/* L2 -> itself */
	ck_assert_int_eq(pgt_pin(70, PGT_l2, DOM_A, NULL), -XEN_EINVAL);
	fake_table(71)[9] = fake_pte(71, PTE_P);	/* L4 -> itself */
	ck_assert_int_eq(pgt_pin(71, PGT_l4, DOM_A, NULL), -XEN_EINVAL);
	/* An L3 entry to the L3 above... */
	ck_assert_int_eq(pgt_mod_entry(TABLE(3), 1, fake_pte(TABLE(3), PTE_P), false),
			 -XEN_EINVAL);
	/* ... an L2 entry to a validated L3 or L4, an L4 entry to an L4. */
	ck_assert_int_eq(pgt_mod_entry(TABLE(2), 1, fake_pte(TABLE(3), PTE_P), false),
			 -XEN_EINVAL);
	ck_assert_int_eq(pgt_mod_entry(TABLE(4), 1, fake_pte(TABLE(4), PTE_P), false),
			 -XEN_EINVAL);
	audit_ok();
	/* A cycle through two levels: L4 A -> L3 B, where B's entry -> A. */
	fake_table(72)[0] = fake_pte(73, PTE_P);
	fake_table(73)[0] = fake_pte(72, PTE_P);
	ck_assert_int_eq(pgt_pin(72, PGT_l4, DOM_A, NULL), -XEN_EINVAL);
	audit_ok();
}
END_TEST

/* A pinned table cannot be mapped writable, pinned twice, or unpinned by others. */
START_TEST(test_pin_rules)
{
	setup();
	ck_assert_int_eq(pgt_pin(TABLE(1), PGT_l1, DOM_A, NULL), -XEN_EINVAL);	/* twice */
	ck_assert_int_eq(pgt_pin(TABLE(1), PGT_l2, DOM_A, NULL), -XEN_EINVAL);	/* other type */
	ck_assert_int_eq(pgt_pin(250, PGT_l1, DOM_A, NULL), -XEN_EINVAL);	/* dom B's */
	ck_assert_int_eq(pgt_pin(400, PGT_l1, DOM_A, NULL), -XEN_EINVAL);	/* free */
	ck_assert_int_eq(pgt_pin(0x100000, PGT_l1, DOM_A, NULL), -XEN_EINVAL);	/* not RAM */
	ck_assert_int_eq(pgt_unpin(TABLE(1), DOM_B, NULL), -XEN_EINVAL);	/* not B's */
	ck_assert_int_eq(pgt_unpin(150, DOM_A, NULL), -XEN_EINVAL);	/* not pinned */
	audit_ok();
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 0, fake_pte(TABLE(1), PTE_P | PTE_RW), false),
			 -XEN_EBUSY);
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 0, fake_pte(TABLE(4), PTE_P | PTE_RW), false),
			 -XEN_EBUSY);
	ck_assert_int_eq(pgt_unpin(TABLE(1), DOM_A, NULL), 0);
	ck_assert_int_eq(pgt_unpin(TABLE(1), DOM_A, NULL), -XEN_EINVAL);
	audit_ok();
	/* Unpinned and unused, it is plain memory again and may be mapped writable. */
	ck_assert_int_eq(pgt_pin(150, PGT_l1, DOM_A, NULL), 0);
	ck_assert_int_eq(pgt_mod_entry(150, 0, fake_pte(TABLE(1), PTE_P | PTE_RW), false), 0);
	ck_assert_uint_eq(frame_table[TABLE(1)].type, PGT_writable);
	audit_ok();
}
END_TEST

/* An entry that changes only A/D/NX/software bits takes no new reference. */
START_TEST(test_fast_path_and_preserve_ad)
{
	u64 e = fake_pte(150, PTE_P | PTE_RW | PTE_US);

	setup();
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, e, false), 0);
	fake_table(TABLE(1))[1] |= PTE_A | PTE_D;	/* the CPU sets them */
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, e | PTE_NX, true), 0);
	ck_assert_uint_eq(fake_table(TABLE(1))[1], e | PTE_NX | PTE_A | PTE_D);
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, e, false), 0);
	ck_assert_uint_eq(fake_table(TABLE(1))[1], e);
	audit_ok();
	/* Dropping RW is a real change: the writable reference goes. */
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, e & ~PTE_RW, false), 0);
	ck_assert_uint_eq(frame_table[150].type_count, 0);
	audit_ok();
	/* Rewriting an entry to the same frame never lets its count reach 0. */
	ck_assert_int_eq(pgt_mod_entry(TABLE(2), 1, fake_pte(151, PTE_P), false), 0);
	ck_assert_int_eq(pgt_mod_entry(TABLE(2), 1, fake_pte(151, PTE_P | PTE_PSE), false),
			 -XEN_EINVAL);
	ck_assert_int_eq(pgt_mod_entry(TABLE(2), 1, fake_pte(151, PTE_P | PTE_RW), false), 0);
	ck_assert_uint_eq(frame_table[151].type, PGT_l1);
	ck_assert(frame_table[151].flags & PGF_validated);
	audit_ok();
}
END_TEST

/*
 * A frame whose last mapping just went may still be in a TLB: before its
 * type changes the TLBs are flushed, unless they already were since.
 */
START_TEST(test_tlb_flush_on_type_change)
{
	setup();
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, fake_pte(150, PTE_P | PTE_RW), false), 0);
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, 0, false), 0);
	fake_flushes = 0;
	ck_assert_int_eq(pgt_pin(150, PGT_l1, DOM_A, NULL), 0);	/* writable -> L1 */
	ck_assert_int_eq(fake_flushes, 1);
	ck_assert_int_eq(pgt_unpin(150, DOM_A, NULL), 0);
	ck_assert_int_eq(pgt_pin(150, PGT_l1, DOM_A, NULL), 0);	/* same type: none */
	ck_assert_int_eq(fake_flushes, 1);
	ck_assert_int_eq(pgt_unpin(150, DOM_A, NULL), 0);
	pgt_tlb_flushed();					/* a flush happened */
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, fake_pte(150, PTE_P | PTE_RW), false), 0);
	ck_assert_int_eq(fake_flushes, 1);			/* L1 -> writable, already flushed */
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, 0, false), 0);
	ck_assert_int_eq(pgt_pin(150, PGT_l2, DOM_A, NULL), 0);	/* writable -> L2 */
	ck_assert_int_eq(fake_flushes, 2);
	/* A fresh frame never mapped needs none. */
	ck_assert_int_eq(pgt_pin(151, PGT_l2, DOM_A, NULL), 0);
	ck_assert_int_eq(fake_flushes, 2);
}
END_TEST

/* mmu_update's normal request on every kind of frame. */
START_TEST(test_mmu_normal_update)
{
	setup();
	/* Ordinary memory: a checked store. */
	ck_assert_int_eq(pgt_mmu_normal_update((150 << 12) | 0x18, 0x1234, false, DOM_A, NULL), 0);
	ck_assert_uint_eq(fake_table(150)[3], 0x1234);
	ck_assert_uint_eq(frame_table[150].type_count, 0);
	/* ... also while it is mapped writable somewhere. */
	hold_root(150, PGT_writable);
	ck_assert_int_eq(pgt_mmu_normal_update((150 << 12) | 0x20, 0x5678, false, DOM_A, NULL), 0);
	ck_assert_uint_eq(fake_table(150)[4], 0x5678);
	ck_assert_uint_eq(frame_table[150].type_count, 1);
	/* Another domain's frame, a free one, beyond RAM. */
	ck_assert_int_eq(pgt_mmu_normal_update(250ULL << 12, 1, false, DOM_A, NULL), -XEN_EINVAL);
	ck_assert_int_eq(pgt_mmu_normal_update(400ULL << 12, 1, false, DOM_A, NULL), -XEN_EINVAL);
	ck_assert_int_eq(pgt_mmu_normal_update(0x100000ULL << 12, 1, false, DOM_A, NULL), -XEN_EINVAL);
	/* A descriptor page in use: refused. */
	hold_root(160, PGT_seg_desc);
	ck_assert_int_eq(pgt_mmu_normal_update(160ULL << 12, 1, false, DOM_A, NULL), -XEN_EINVAL);
	ck_assert_uint_eq(fake_table(160)[0], 0);
	/* A validated table: a validated entry. */
	ck_assert_int_eq(pgt_mmu_normal_update((TABLE(1) << 12) | 16,
					       fake_pte(150, PTE_P | PTE_RW), false, DOM_A, NULL), 0);
	ck_assert_uint_eq(frame_table[150].type, PGT_writable);
	ck_assert_int_eq(pgt_mmu_normal_update((TABLE(1) << 12) | 24,
					       fake_pte(TABLE(2), PTE_P | PTE_RW), false, DOM_A, NULL),
			 -XEN_EBUSY);
	audit_ok();
	/* Dom B may not touch dom A's tables. */
	ck_assert_int_eq(pgt_mmu_normal_update((TABLE(1) << 12) | 16, 0, false, DOM_B, NULL),
			 -XEN_EINVAL);
	audit_ok();
}
END_TEST

/* The walk update_va_mapping uses: L4 -> L3 -> L2 -> the L1 for an address. */
START_TEST(test_find_l1)
{
	mfn_t l1 = 0;
	u64 va = (1ULL << 39) | (2ULL << 30) | (3ULL << 21) | (4ULL << 12);

	setup();
	build_tree(60, 61, 62, 63, 64);
	ck_assert_int_eq(pgt_pin(60, PGT_l4, DOM_A, NULL), 0);
	ck_assert_int_eq(pgt_find_l1(60, va, &l1), 0);
	ck_assert_uint_eq(l1, 63);
	ck_assert_int_eq(pgt_find_l1(60, va + (1ULL << 21), &l1), -XEN_EINVAL);
	ck_assert_int_eq(pgt_find_l1(60, 0xffff800000001000ULL, &l1), -XEN_EINVAL); /* the hv's */
	ck_assert_int_eq(pgt_find_l1(60, 0xffff87ffffffffffULL, &l1), -XEN_EINVAL);
	ck_assert_int_eq(pgt_find_l1(60, 0x0000800000000000ULL, &l1), -XEN_EINVAL); /* non-canonical */
	ck_assert(pgt_guest_va_ok(0xffff880000000000ULL));
	ck_assert(pgt_guest_va_ok(0x00007fffffffffffULL));
}
END_TEST

/* A descriptor page is validated whole, and its DPLs raised. */
START_TEST(test_segdesc_type)
{
	u64 *d;

	setup();
	d = fake_table(170);
	d[2] = 0x00af9a000000ffffULL;			/* DPL 0 64-bit code */
	ck_assert_int_eq(get_page_and_type(170, DOM_A, PGT_seg_desc), 0);
	ck_assert_uint_eq(d[2], 0x00affa000000ffffULL);	/* now DPL 3 */
	put_page_and_type(170);
	fake_table(171)[500] = 0x0000890000000067ULL;	/* a TSS */
	ck_assert_int_eq(get_page_and_type(171, DOM_A, PGT_seg_desc), -XEN_EINVAL);
	ck_assert_uint_eq(frame_table[171].type_count, 0);
	/*
	 * 170 is no longer in use: the guest maps it writable (the type
	 * changes), plants a TSS descriptor, unmaps it. Using it as a GDT page
	 * again must check it again.
	 */
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 0, fake_pte(170, PTE_P | PTE_RW), false), 0);
	d[3] = 0x0000890000000067ULL;
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 0, 0, false), 0);
	ck_assert_int_eq(get_page_and_type(170, DOM_A, PGT_seg_desc), -XEN_EINVAL);
	audit_ok();
}
END_TEST

/* The last reference to a frame given back frees it, not before. */
START_TEST(test_free_on_last_put)
{
	setup();
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, fake_pte(150, PTE_P | PTE_RW), false), 0);
	frame_table[150].flags &= ~PGF_allocated;	/* the guest gave it back */
	put_page(150);
	ck_assert_int_eq(fake_frees, 0);		/* still mapped */
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, 0, false), 0);
	ck_assert_int_eq(fake_frees, 1);
	ck_assert_uint_eq(fake_last_freed, 150);
	ck_assert_uint_eq(frame_table[150].owner, OWNER_NONE);
	/* It is nobody's now: mapping it again is refused. */
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 1, fake_pte(150, PTE_P), false), -XEN_EBUSY);
}
END_TEST

/* A put with no reference left is a hypervisor bug: it must stop. */
START_TEST(test_put_underflow_panics)
{
	setup();
	put_page_type(150);
}
END_TEST

/* ---- Random sequences ----------------------------------------------------- */

static u64 rng_state;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

#define POOL_FIRST	20
#define POOL_N		24

static u64 random_entry(void)
{
	static const u64 flag_choices[] = {
		PTE_RW, PTE_RW, PTE_A | PTE_D, PTE_NX, PTE_G, PTE_PSE, PTE_PWT,
		PTE_AVAIL, 0, 0,
	};
	mfn_t target;
	u64 r = rnd();

	switch (r % 16) {
	case 0:
		return 0;
	case 1:
		target = 250;		/* foreign */
		break;
	case 2:
		target = 600;		/* not RAM */
		break;
	default:
		target = POOL_FIRST + (rnd() % POOL_N);
		break;
	}
	return fake_pte(target, PTE_P | flag_choices[rnd() % ARRAY_SIZE(flag_choices)]);
}

/*
 * Thousands of random pins, unpins, entry updates, raw writes into frames
 * not in use and base-pointer changes over a small pool, so tables point at
 * each other in every possible way. After every step the counts must be
 * exactly what the auditor computes; at the end, dropping every pin and
 * root must bring every frame back to its allocation reference alone.
 */
static void random_run(u64 seed, int steps)
{
	mfn_t cr3 = 0;

	rng_state = seed;
	setup();
	for (int s = 0; s < steps; s++) {
		mfn_t f = POOL_FIRST + (rnd() % POOL_N);
		struct page_info *pg = &frame_table[f];
		int op = (int)(rnd() % 8);

		switch (op) {
		case 0:		/* the guest writes its own (unused) memory */
			if (pg->type_count == 0 || pg->type == PGT_writable)
				fake_table(f)[rnd() % 8] = random_entry();
			break;
		case 1:
			pgt_pin(f, PGT_l1 + (rnd() % 4), DOM_A, NULL);
			break;
		case 2:
			pgt_unpin(f, DOM_A, NULL);
			break;
		case 3: case 4: case 5: {
			unsigned idx = (rnd() % 5 == 0) ? 256 + (unsigned)(rnd() % 16)
							 : (unsigned)(rnd() % 8);
			pgt_mmu_normal_update((f << 12) | (idx * 8), random_entry(),
					      rnd() & 1, DOM_A, NULL);
			break;
		}
		case 6:		/* NEW_BASEPTR */
			if (get_page_and_type(f, DOM_A, PGT_l4) == 0) {
				if (cr3)
					put_page_and_type(cr3);
				cr3 = f;
				roots[0].mfn = f;
				roots[0].type = PGT_l4;
				nr_roots = 1;
			}
			break;
		case 7:		/* update_va_mapping through the current root */
			if (cr3) {
				mfn_t l1;
				u64 va = (rnd() % 8) << 39 | (rnd() % 8) << 30 |
					 (rnd() % 8) << 21 | (rnd() % 8) << 12;

				if (pgt_find_l1(cr3, va, &l1) == 0 &&
				    frame_table[l1].type == PGT_l1)
					pgt_mod_entry(l1, (va >> 12) & 511, random_entry(), false);
			}
			break;
		}
		const char *why = fake_audit(roots, nr_roots);

		ck_assert_msg(!why, "seed %llu step %d op %d: %s",
			      (unsigned long long)seed, s, op, why);
	}
	for (mfn_t m = 1; m < 200; m++) {
		if (frame_table[m].flags & PGF_pinned)
			ck_assert_int_eq(pgt_unpin(m, DOM_A, NULL), 0);
	}
	if (cr3)
		put_page_and_type(cr3);
	nr_roots = 0;
	audit_ok();
	for (mfn_t m = 1; m < 300; m++) {
		ck_assert_msg(frame_table[m].count == 1 && frame_table[m].type_count == 0,
			      "seed %llu: mfn %llu count %u tc %u", (unsigned long long)seed,
			      (unsigned long long)m, frame_table[m].count,
			      frame_table[m].type_count);
	}
}

START_TEST(test_random_sequences)
{
	for (u64 seed = 1; seed <= 12; seed++)
		random_run(seed * 0x9e3779b97f4a7c15ULL, 3000);
}
END_TEST

Suite *pgtype_suite(void)
{
	Suite *s = suite_create("pgtype");
	TCase *tc = tcase_create("rules");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_get_page_needs_a_reference);
	tcase_add_test(tc, test_entry_matrix);
	tcase_add_test(tc, test_entry_flags);
	tcase_add_test(tc, test_l4_hv_slots);
	tcase_add_test(tc, test_tree_lifecycle);
	tcase_add_test(tc, test_tree_bad_leaf);
	tcase_add_test(tc, test_linear_refused);
	tcase_add_test(tc, test_pin_rules);
	tcase_add_test(tc, test_fast_path_and_preserve_ad);
	tcase_add_test(tc, test_tlb_flush_on_type_change);
	tcase_add_test(tc, test_mmu_normal_update);
	tcase_add_test(tc, test_find_l1);
	tcase_add_test(tc, test_segdesc_type);
	tcase_add_test(tc, test_free_on_last_put);
	tcase_add_test_raise_signal(tc, test_put_underflow_panics, SIGABRT);
	tcase_add_test(tc, test_random_sequences);
	suite_add_tcase(s, tc);
	return s;
}
