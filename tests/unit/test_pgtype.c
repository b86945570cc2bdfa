/*
 * test_pgtype.c - hv/mm/pgtype.c: page types, reference counts and
 * validated page-table entries, the rules that keep a guest in its memory.
 *
 * Each case states what a hostile or buggy guest would try. The frames live
 * in tests/unit/fake_mm.c; fake_audit() recomputes every count from scratch
 * so a test can say "the counts are exactly right", not just "no crash".
 */
#include <signal.h>
#include <stdio.h>
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
	/*
	 * The same flags on an entry already present with the same frame: a
	 * change of whitelisted bits only (G among them) takes the fast path,
	 * which must apply the flag rules too (G is refused above L1).
	 */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int level = cases[i].level;
		mfn_t t = level == 1 ? 150 : TABLE(level - 1);
		u64 before;
		int rc;

		setup();
		ck_assert_int_eq(pgt_mod_entry(TABLE(level), 7, fake_pte(t, PTE_P), false), 0);
		before = fake_table(TABLE(level))[7];
		rc = pgt_mod_entry(TABLE(level), 7, fake_pte(t, PTE_P | cases[i].flags), false);
		ck_assert_msg(rc == cases[i].rc, "case %zu over a present entry: rc %d", i, rc);
		ck_assert_uint_eq(fake_table(TABLE(level))[7],
				  rc ? before : fake_pte(t, PTE_P | PTE_US | cases[i].stored));
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

/*
 * Fast mode's owner (a ring-1 kernel): U/S stays as the guest wrote it at
 * every level, where compat mode's (test_tree_lifecycle) is forced on. A
 * ring-1 kernel's pages are kept from its processes by being supervisor.
 */
START_TEST(test_fast_owner_keeps_supervisor)
{
	setup();
	fake_fast_dom = DOM_A;
	build_tree(60, 61, 62, 63, 64);
	fake_table(63)[6] = fake_pte(64, PTE_P | PTE_US);	/* a user page */
	ck_assert_int_eq(pgt_pin(60, PGT_l4, DOM_A, NULL), 0);
	ck_assert(!(fake_table(60)[1] & PTE_US));
	ck_assert(!(fake_table(62)[3] & PTE_US));
	ck_assert(!(fake_table(63)[4] & PTE_US));	/* the kernel's: supervisor */
	ck_assert(fake_table(63)[6] & PTE_US);		/* the process's: user */
	ck_assert_int_eq(pgt_mod_entry(63, 4, fake_pte(64, PTE_P | PTE_RW), false), 0);
	ck_assert(!(fake_table(63)[4] & PTE_US));
	fake_fast_dom = 0xffff;
	ck_assert_int_eq(pgt_unpin(60, DOM_A, NULL), 0);
	audit_ok();
}
END_TEST

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
	ck_assert(guest_va_ok(0xffff880000000000ULL));
	ck_assert(guest_va_ok(0x00007fffffffffffULL));
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

/* ---- Preemption: tables left part (de)validated --------------------------- */

/*
 * A tree for the preemption cases, under L4 `l4` (entry 1): the L3 121,
 * TREE_NL2 L2s (122-125), TREE_L1_PER L1s under each (126-189), every L1
 * mapping some of the data frames 190-199 (every third entry writable)
 * and its L2 read-only. Every entry spread out, so the tables have
 * entries on both sides of where a preemption stops them.
 */
#define TREE_L3		121
#define TREE_NL2	4
#define TREE_L1_PER	16
#define TREE_L2(j)	(122 + (j))
#define TREE_L1(i)	(126 + (i))
#define TREE_DATA(i)	(190 + (i) % 10)
#define TREE_FIRST	119
#define TREE_LAST	199

static void build_big_tree(mfn_t l4)
{
	fake_table(l4)[1] = fake_pte(TREE_L3, PTE_P | PTE_RW);
	for (int j = 0; j < TREE_NL2; j++) {
		fake_table(TREE_L3)[j * 3] = fake_pte(TREE_L2(j), PTE_P | PTE_RW);
		for (int k = 0; k < TREE_L1_PER; k++) {
			mfn_t l1 = TREE_L1(j * TREE_L1_PER + k);

			fake_table(TREE_L2(j))[k * 5] = fake_pte(l1, PTE_P | PTE_RW);
			for (int e = 0; e < 8; e++)
				fake_table(l1)[e * 7] = fake_pte(TREE_DATA(j + k + e),
								 PTE_P | (e % 3 ? 0 : PTE_RW));
			fake_table(l1)[100] = fake_pte(TREE_L2(j), PTE_P);
		}
	}
}

/* The vCPU's side: the table whose devalidation it owes, its kernel L4. */
static mfn_t owed, cr3;

/* A page-table request, as pv_mm.c's batch items make them. */
enum req_op { R_PIN, R_UNPIN, R_UPDATE, R_BASEPTR };

struct req {
	enum req_op op;
	mfn_t mfn;		/* R_PIN, R_UNPIN, R_BASEPTR */
	int type;		/* R_PIN */
	u64 ptr, val;		/* R_UPDATE */
	bool ad;
};

static void set_cr3_root(void)
{
	nr_roots = cr3 ? 1 : 0;
	roots[0].mfn = cr3;
	roots[0].type = PGT_l4;
}

/*
 * One call: preemptible (pre), what the vCPU owes first, as pv_mm.c does;
 * -ERESTART: preempted, nothing done, to be made again.
 */
static int call(const struct req *r, bool pre)
{
	mfn_t *d = pre ? &owed : NULL;
	int rc;

	if (pre && pgt_finish_deferred(&owed, DOM_A))
		return -XEN_ERESTART;
	switch (r->op) {
	case R_PIN:
		return pgt_pin(r->mfn, (enum page_type)r->type, DOM_A, d);
	case R_UNPIN:
		return pgt_unpin(r->mfn, DOM_A, d);
	case R_UPDATE:
		return pgt_mmu_normal_update(r->ptr, r->val, r->ad, DOM_A, d);
	case R_BASEPTR:
		if (r->mfn == cr3)
			return 0;
		rc = pre ? get_page_and_type_preemptible(r->mfn, DOM_A, PGT_l4, d)
			 : get_page_and_type(r->mfn, DOM_A, PGT_l4);
		if (rc)
			return rc;
		if (cr3 && pre)
			put_page_and_type_preemptible(cr3, d);
		else if (cr3)
			put_page_and_type(cr3);
		cr3 = r->mfn;
		set_cr3_root();
		return 0;
	}
	return -XEN_ENOSYS;
}

/* What the vCPU owes, finished as its next calls would, auditing each piece. */
static int pay_owed(void)
{
	int n = 0;

	while (owed) {
		pgt_finish_deferred(&owed, DOM_A);
		audit_ok();
		ck_assert_msg(++n < 100000, "owed work never ends");
	}
	return n;
}

/*
 * The whole request, as a guest's continuations make it: again while it
 * answers -ERESTART, every state in between audited, then the work it
 * left owed (the null continuation). *pieces: how many calls it took.
 */
static int as_guest(const struct req *r, int *pieces)
{
	int rc, n = 0;

	do {
		rc = call(r, true);
		audit_ok();
		ck_assert_msg(++n < 100000, "no progress");
	} while (rc == -XEN_ERESTART);
	n += pay_owed();
	if (pieces)
		*pieces = n;
	return rc;
}

/* Every frame of the tree as its owner alone holds it. */
static void tree_released(void)
{
	for (mfn_t m = TREE_FIRST; m <= TREE_LAST; m++) {
		struct page_info *pg = &frame_table[m];

		ck_assert_msg(pg->count == 1 && pg->type_count == 0 && !(pg->flags & PGF_partial),
			      "mfn %llu: count %u tc %u flags %#x", (unsigned long long)m,
			      pg->count, pg->type_count, pg->flags);
	}
}

/* What one go leaves in every frame: counts, type, flags, contents. */
struct snap {
	u32 count, tc;
	u8 type, flags;
	u64 sum;
};

static void snapshot(struct snap *s)
{
	for (int m = 0; m < FAKE_FRAMES; m++) {
		const u64 *t = fake_table(m);

		/* A type at type count 0 only decides a TLB flush: not compared. */
		s[m] = (struct snap){ frame_table[m].count, frame_table[m].type_count,
				      frame_table[m].type_count ? frame_table[m].type : 0,
				      frame_table[m].flags, 0 };
		for (int i = 0; i < 512; i++)
			s[m].sum = s[m].sum * 31 + t[i];
	}
}

static void same_as(const struct snap *want)
{
	static struct snap got[FAKE_FRAMES];

	snapshot(got);
	for (int m = 0; m < FAKE_FRAMES; m++)
		ck_assert_msg(!memcmp(&got[m], &want[m], sizeof(got[m])),
			      "mfn %d: count %u tc %u type %d flags %#x, in one go %u %u %d %#x%s",
			      m, got[m].count, got[m].tc, got[m].type, got[m].flags,
			      want[m].count, want[m].tc, want[m].type, want[m].flags,
			      got[m].sum != want[m].sum ? " (contents differ)" : "");
}

/* Make the request again, preempted at every chance, until frame m is partial. */
static void stop_when_partial(const struct req *r, mfn_t m)
{
	enum fake_preempt mode = fake_preempt_mode;

	fake_preempt_mode = FAKE_PREEMPT_ALWAYS;
	for (int n = 0; !(frame_table[m].flags & PGF_partial); n++) {
		ck_assert_int_eq(call(r, true), -XEN_ERESTART);
		audit_ok();
		ck_assert_msg(n < 100000, "mfn %llu never left partial", (unsigned long long)m);
	}
	fake_preempt_mode = mode;
}

static void preempt_setup(enum fake_preempt mode)
{
	setup();
	owed = cr3 = 0;
	build_big_tree(120);
	pgt_check_every = 1;
	fake_preempt_mode = mode;
}

/*
 * A pin preempted at every chance, made again until done: each call makes
 * progress, every state between two calls passes the audit (a partial
 * table is used by nothing but itself, its entries [0, nr_validated) hold
 * exactly their references), the L4 is never validated before the end,
 * and the result is exactly that of one go: every count, type, flag and
 * entry. The same for the unpin that takes it all down again.
 */
START_TEST(test_partial_pin_resumes)
{
	static struct snap one_go[FAKE_FRAMES], after[FAKE_FRAMES];
	struct req pin = { .op = R_PIN, .mfn = 120, .type = PGT_l4 };
	struct req unpin = { .op = R_UNPIN, .mfn = 120 };
	int rc, pieces = 0, entries = 0;
	u16 last_n = 0;

	preempt_setup(FAKE_PREEMPT_NEVER);
	ck_assert_int_eq(pgt_pin(120, PGT_l4, DOM_A, &owed), 0);
	snapshot(one_go);
	ck_assert_int_eq(pgt_unpin(120, DOM_A, &owed), 0);
	ck_assert_uint_eq(owed, 0);
	snapshot(after);	/* entries keep their forced flags, L4 the hypervisor's slots */

	preempt_setup(FAKE_PREEMPT_ALWAYS);
	do {
		rc = call(&pin, true);
		audit_ok();
		pieces++;
		if (rc == -XEN_ERESTART) {
			struct page_info *pg = &frame_table[120];

			ck_assert(pg->flags & PGF_partial);
			ck_assert(!(pg->flags & PGF_validated));
			ck_assert_uint_eq(pg->type_count, 1);
			ck_assert_uint_ge(pg->nr_validated, last_n);	/* never back */
			last_n = pg->nr_validated;
		}
	} while (rc == -XEN_ERESTART && pieces < 10000);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(owed, 0);
	entries = (2 + TREE_NL2) * 512 - 16;	/* of the L2-L4 tables */
	printf("pgtype: a pin over %d upper-level entries preempted at every chance: %d calls\n",
	       entries, pieces);
	ck_assert_int_gt(pieces, TREE_NL2 * TREE_L1_PER);	/* it did stop, often */
	ck_assert_int_le(pieces, entries);		/* each call made progress */
	same_as(one_go);
	ck_assert_int_eq(as_guest(&unpin, &pieces), 0);
	ck_assert_int_gt(pieces, 1);
	same_as(after);
	tree_released();
}
END_TEST

/*
 * Stopped in the middle: the partial tables are no use to anyone but a
 * getter of their own type, who takes them over and finishes them.
 */
START_TEST(test_partial_unusable)
{
	struct req pin = { .op = R_PIN, .mfn = 120, .type = PGT_l4 };
	u64 *l4, before;

	preempt_setup(FAKE_PREEMPT_NEVER);
	l4 = fake_table(120);
	stop_when_partial(&pin, TREE_L2(1));		/* inside the second L2 */
	ck_assert(frame_table[120].flags & PGF_partial);
	ck_assert(frame_table[TREE_L3].flags & PGF_partial);
	ck_assert(frame_table[TREE_L2(1)].flags & PGF_partial);
	ck_assert(frame_table[TREE_L2(0)].flags & PGF_validated);
	fake_preempt_mode = FAKE_PREEMPT_NEVER;
	/* Another type, writable or otherwise: refused. */
	ck_assert_int_eq(get_page_and_type(120, DOM_A, PGT_l3), -XEN_EINVAL);
	ck_assert_int_eq(get_page_and_type(TREE_L3, DOM_A, PGT_writable), -XEN_EINVAL);
	ck_assert_int_eq(get_page_and_type(TREE_L2(1), DOM_A, PGT_seg_desc), -XEN_EINVAL);
	ck_assert_int_eq(pgt_pin(TREE_L2(1), PGT_l1, DOM_A, NULL), -XEN_EINVAL);
	/* A writable mapping of one: refused; read-only, as any table, allowed. */
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 0, fake_pte(TREE_L3, PTE_P | PTE_RW), false),
			 -XEN_EBUSY);
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 0, fake_pte(TREE_L3, PTE_P), false), 0);
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 0, 0, false), 0);
	/* mmu_update into one: refused, nothing written. */
	before = l4[300];
	ck_assert_int_eq(pgt_mmu_normal_update((120 << 12) | (300 * 8), fake_pte(150, PTE_P),
					       false, DOM_A, &owed), -XEN_EINVAL);
	ck_assert_uint_eq(l4[300], before);
	ck_assert_int_eq(pgt_mmu_normal_update(((u64)TREE_L2(1) << 12), 0, false, DOM_A, NULL),
			 -XEN_EINVAL);
	/* Not pinned, so not unpinned either. */
	ck_assert_int_eq(pgt_unpin(120, DOM_A, &owed), -XEN_EINVAL);
	ck_assert_uint_eq(owed, 0);
	audit_ok();
	/* An L4 entry to the partial L3 takes it over and finishes it ... */
	ck_assert_int_eq(pgt_mod_entry(TABLE(4), 7, fake_pte(TREE_L3, PTE_P), false), 0);
	ck_assert(frame_table[TREE_L3].flags & PGF_validated);
	ck_assert(!(frame_table[TREE_L2(1)].flags & PGF_partial));
	audit_ok();
	/* ... and the pin goes on from where it stopped, with the L3 as it is now. */
	ck_assert_int_eq(as_guest(&pin, NULL), 0);
	ck_assert_uint_eq(frame_table[TREE_L3].type_count, 2);
	ck_assert(l4[300] == before);
	ck_assert_uint_eq(l4[256], HV_SLOT_MARK | 256);	/* installed at the end */
	ck_assert_int_eq(pgt_mod_entry(TABLE(4), 7, 0, false), 0);
	ck_assert_int_eq(pgt_unpin(120, DOM_A, NULL), 0);
	tree_released();
}
END_TEST

/* The hypervisor's L4 slots are written only when an L4 is validated whole. */
START_TEST(test_partial_l4_no_hv_slots)
{
	struct req pin = { .op = R_PIN, .mfn = 120, .type = PGT_l4 };

	preempt_setup(FAKE_PREEMPT_NEVER);
	fake_table(120)[256] = fake_pte(250, PTE_P | PTE_RW);	/* the guest's junk */
	stop_when_partial(&pin, TREE_L2(0));
	ck_assert_uint_eq(fake_table(120)[256], fake_pte(250, PTE_P | PTE_RW));
	fake_preempt_mode = FAKE_PREEMPT_ALWAYS;
	ck_assert_int_eq(as_guest(&pin, NULL), 0);
	ck_assert_uint_eq(fake_table(120)[256], HV_SLOT_MARK | 256);
	ck_assert_uint_eq(frame_table[250].count, 1);	/* never referenced */
	audit_ok();
}
END_TEST

/*
 * The guest changes its mind: a frame of a tree whose pin it left half
 * done is taken over, finished, released and made writable meanwhile.
 * Made again, the pin finds it and fails as it would in one go, and
 * leaves nothing behind; once the frame is a table again, it succeeds.
 */
START_TEST(test_partial_resume_after_type_change)
{
	struct req pin = { .op = R_PIN, .mfn = 120, .type = PGT_l4 };
	struct req pin_l2 = { .op = R_PIN, .mfn = TREE_L2(2), .type = PGT_l2 };
	struct req unpin_l2 = { .op = R_UNPIN, .mfn = TREE_L2(2) };

	preempt_setup(FAKE_PREEMPT_NEVER);
	stop_when_partial(&pin, TREE_L2(2));		/* in the third L2 */
	fake_preempt_mode = FAKE_PREEMPT_ALWAYS;
	ck_assert_int_eq(as_guest(&pin_l2, NULL), 0);	/* taken over */
	ck_assert_int_eq(as_guest(&unpin_l2, NULL), 0);	/* and let go: untyped */
	ck_assert_uint_eq(frame_table[TREE_L2(2)].type_count, 0);
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 9, fake_pte(TREE_L2(2), PTE_P | PTE_RW),
				       false), 0);
	ck_assert_uint_eq(frame_table[TREE_L2(2)].type, PGT_writable);
	audit_ok();
	ck_assert_int_eq(as_guest(&pin, NULL), -XEN_EINVAL);
	for (mfn_t m = TREE_FIRST; m <= TREE_LAST; m++) {
		ck_assert_msg(frame_table[m].count == (m == TREE_L2(2) ? 2u : 1u) &&
			      frame_table[m].type_count == (m == TREE_L2(2) ? 1u : 0u),
			      "mfn %llu: count %u tc %u", (unsigned long long)m,
			      frame_table[m].count, frame_table[m].type_count);
	}
	ck_assert_int_eq(pgt_mod_entry(TABLE(1), 9, 0, false), 0);
	ck_assert_int_eq(as_guest(&pin, NULL), 0);
	audit_ok();
	ck_assert_int_eq(as_guest(&(struct req){ .op = R_UNPIN, .mfn = 120 }, NULL), 0);
	tree_released();
}
END_TEST

/*
 * Two validations half done at once, over one shared L3: each goes on
 * where it stopped, whichever gets to the shared tables first finishes
 * them, and the other finds them validated. In the end the L3 has one
 * type reference from each L4, and letting both go frees everything.
 */
START_TEST(test_two_partial_validations)
{
	struct req pin_a = { .op = R_PIN, .mfn = 120, .type = PGT_l4 };
	struct req pin_b = { .op = R_PIN, .mfn = TREE_FIRST, .type = PGT_l4 };
	int rc_a = -XEN_ERESTART, rc_b = -XEN_ERESTART, turns = 0;

	preempt_setup(FAKE_PREEMPT_RANDOM);
	fake_preempt_rng = 0x1234567;
	fake_preempt_one_in = 2;
	fake_table(TREE_FIRST)[5] = fake_pte(TREE_L3, PTE_P);
	while ((rc_a == -XEN_ERESTART || rc_b == -XEN_ERESTART) && turns++ < 10000) {
		if (rc_a == -XEN_ERESTART && (turns % 3 || rc_b != -XEN_ERESTART))
			rc_a = call(&pin_a, true);
		else
			rc_b = call(&pin_b, true);
		audit_ok();
	}
	ck_assert_int_eq(rc_a, 0);
	ck_assert_int_eq(rc_b, 0);
	ck_assert_uint_eq(frame_table[TREE_L3].type_count, 2);
	ck_assert(frame_table[TREE_L3].flags & PGF_validated);
	ck_assert_int_eq(as_guest(&(struct req){ .op = R_UNPIN, .mfn = 120 }, NULL), 0);
	ck_assert_uint_eq(frame_table[TREE_L3].type_count, 1);
	ck_assert_int_eq(as_guest(&(struct req){ .op = R_UNPIN, .mfn = TREE_FIRST }, NULL), 0);
	tree_released();
}
END_TEST

/*
 * A guest that never comes back: a pin left half done, an unpin whose
 * devalidation is owed, a partial frame it gave back. When the domain
 * ends (pgt_finish_partials, then its roots), everything it owns is
 * back to its allocation reference alone, the frame given back is freed,
 * and nothing of the other domain changed.
 */
START_TEST(test_partial_abandoned_teardown)
{
	struct req pin = { .op = R_PIN, .mfn = 120, .type = PGT_l4 };

	preempt_setup(FAKE_PREEMPT_NEVER);
	/* A second tree, pinned whole, then unpinned with the rest owed. */
	fake_table(110)[0] = fake_pte(111, PTE_P);
	fake_table(111)[0] = fake_pte(112, PTE_P);
	for (int i = 0; i < 4; i++) {
		fake_table(112)[i * 9] = fake_pte(113 + i, PTE_P);
		fake_table(113 + i)[0] = fake_pte(150, PTE_P | PTE_RW);
	}
	ck_assert_int_eq(pgt_pin(110, PGT_l4, DOM_A, NULL), 0);
	fake_preempt_mode = FAKE_PREEMPT_ALWAYS;
	ck_assert_int_eq(pgt_unpin(110, DOM_A, &owed), 0);
	ck_assert_uint_eq(owed, 110);
	while (!(frame_table[112].flags & PGF_partial))
		ck_assert_int_eq(pgt_finish_deferred(&owed, DOM_A), -XEN_ERESTART);
	audit_ok();
	/* The first tree's pin, stopped and abandoned. */
	owed = 0;		/* the vCPU dies: what it owed is a hint, nothing more */
	fake_preempt_mode = FAKE_PREEMPT_NEVER;
	stop_when_partial(&pin, TREE_L2(1));
	/* It gives a partial frame back: not freed, something still holds it. */
	frame_table[TREE_L3].flags &= ~PGF_allocated;
	put_page(TREE_L3);
	ck_assert_uint_eq(frame_table[TREE_L3].owner, DOM_A);
	audit_ok();
	/* The end of the domain. */
	pgt_finish_partials(DOM_A);
	audit_ok();
	for (int level = 1; level <= 4; level++)
		ck_assert_int_eq(pgt_unpin(TABLE(level), DOM_A, NULL), 0);
	audit_ok();
	ck_assert_uint_eq(frame_table[TREE_L3].count, 0);
	ck_assert_uint_eq(frame_table[TREE_L3].owner, OWNER_NONE);
	for (mfn_t m = 1; m < 300; m++) {
		if (m == TREE_L3)
			continue;
		ck_assert_msg(frame_table[m].count == 1 && frame_table[m].type_count == 0 &&
			      !(frame_table[m].flags & (PGF_partial | PGF_pinned)),
			      "mfn %llu: count %u tc %u flags %#x", (unsigned long long)m,
			      frame_table[m].count, frame_table[m].type_count,
			      frame_table[m].flags);
	}
}
END_TEST

/*
 * An unpin whose devalidation is cut short is done; the vCPU owes the
 * rest, a chain of partial tables (PTF_child), all of it finished by the
 * owed work. A getter that takes the dying L4 over meanwhile validates it
 * again from where the devalidation had got to, and the owed work then
 * finds nothing to do.
 */
START_TEST(test_deferred_devalidation)
{
	int pieces;

	preempt_setup(FAKE_PREEMPT_NEVER);
	ck_assert_int_eq(pgt_pin(120, PGT_l4, DOM_A, NULL), 0);
	fake_preempt_mode = FAKE_PREEMPT_ALWAYS;
	ck_assert_int_eq(pgt_unpin(120, DOM_A, &owed), 0);
	ck_assert_uint_eq(owed, 120);
	ck_assert(!(frame_table[120].flags & PGF_pinned));
	ck_assert(frame_table[120].flags & PGF_partial);
	audit_ok();
	/* Down to a chain of three: L4 -> L3 -> L2, each cut short under the other. */
	for (pieces = 0; !(frame_table[TREE_L2(3)].flags & PGF_partial); pieces++) {
		ck_assert_int_eq(pgt_finish_deferred(&owed, DOM_A), -XEN_ERESTART);
		audit_ok();
		ck_assert(pieces < 100000);
	}
	ck_assert(frame_table[120].flags & PGF_partial);
	ck_assert(frame_table[TREE_L3].flags & PGF_partial);
	ck_assert_uint_eq(owed, 120);
	pieces = pay_owed();
	ck_assert_int_gt(pieces, 1);
	tree_released();

	/* Again, and this time the dying L4 is taken over. */
	ck_assert_int_eq(pgt_pin(120, PGT_l4, DOM_A, NULL), 0);
	ck_assert_int_eq(pgt_unpin(120, DOM_A, &owed), 0);
	ck_assert_int_eq(pgt_finish_deferred(&owed, DOM_A), -XEN_ERESTART);
	ck_assert_int_eq(pgt_finish_deferred(&owed, DOM_A), -XEN_ERESTART);
	audit_ok();
	fake_preempt_mode = FAKE_PREEMPT_NEVER;
	hold_root(120, PGT_l4);
	ck_assert(frame_table[120].flags & PGF_validated);
	ck_assert_int_eq(pgt_finish_deferred(&owed, DOM_A), 0);
	ck_assert_uint_eq(owed, 0);
	ck_assert(frame_table[120].flags & PGF_validated);
	audit_ok();
	drop_roots();
	tree_released();
}
END_TEST

/*
 * A bad entry deep in the tree, found after many preemptions: the pin
 * fails with the error one go gives, its undo (cut short as well) is
 * owed, and once it is paid every frame is exactly as before the pin.
 * The same for an mmu_update of an L4 entry, which writes nothing.
 */
START_TEST(test_failure_after_preemption)
{
	static struct snap before[FAKE_FRAMES];
	struct req pin = { .op = R_PIN, .mfn = 120, .type = PGT_l4 };
	struct req upd = { .op = R_UPDATE, .ptr = ((u64)TABLE(4) << 12) | 16,
			   .val = fake_pte(TREE_L3, PTE_P | PTE_RW) };
	mfn_t last = TREE_L1(TREE_NL2 * TREE_L1_PER - 1);
	int pieces, rc;

	preempt_setup(FAKE_PREEMPT_NEVER);
	fake_table(last)[400] = fake_pte(250, PTE_P);	/* dom B's frame */
	snapshot(before);
	ck_assert_int_eq(pgt_pin(120, PGT_l4, DOM_A, NULL), -XEN_EBUSY);	/* one go */
	for (mfn_t m = TREE_FIRST; m <= TREE_LAST; m++)	/* counts as before */
		ck_assert(frame_table[m].count == before[m].count && !frame_table[m].type_count);
	snapshot(before);	/* and the entries it went through have their forced flags */
	fake_preempt_mode = FAKE_PREEMPT_ALWAYS;
	rc = call(&pin, true);
	for (pieces = 1; rc == -XEN_ERESTART; pieces++) {
		audit_ok();
		rc = call(&pin, true);
	}
	ck_assert_int_eq(rc, -XEN_EBUSY);
	ck_assert_int_gt(pieces, 10);
	ck_assert_uint_eq(owed, 120);		/* the undo is owed */
	audit_ok();
	ck_assert_int_gt(pay_owed(), 1);
	same_as(before);
	/* The same tree under an mmu_update of an L4 entry. */
	rc = call(&upd, true);
	for (pieces = 1; rc == -XEN_ERESTART; pieces++) {
		ck_assert_uint_eq(fake_table(TABLE(4))[2], 0);	/* not written yet */
		audit_ok();
		rc = call(&upd, true);
	}
	ck_assert_int_eq(rc, -XEN_EBUSY);
	ck_assert_uint_eq(owed, TREE_L3);
	pay_owed();
	ck_assert_uint_eq(fake_table(TABLE(4))[2], 0);
	same_as(before);
	/* Fixed: the update succeeds, and the entry's removal leaves its devalidation owed. */
	fake_table(last)[400] = 0;
	snapshot(before);
	ck_assert_int_eq(as_guest(&upd, &pieces), 0);
	ck_assert_uint_eq(fake_table(TABLE(4))[2], fake_pte(TREE_L3, PTE_P | PTE_RW | PTE_US));
	upd.val = 0;
	ck_assert_int_eq(call(&upd, true), 0);
	ck_assert_uint_eq(owed, TREE_L3);
	pay_owed();
	tree_released();
}
END_TEST

/*
 * Frame mfn, freed, becomes dom B's and an L2 of B's left half validated
 * by a preempted request of B's vCPU (entries to B's L1s 201-204).
 * Returns that vCPU's owed table (none: a validation owes nothing).
 */
static mfn_t make_b_partial_l2(mfn_t mfn)
{
	mfn_t owed_b = 0;
	enum fake_preempt mode = fake_preempt_mode;

	ck_assert_uint_eq(frame_table[mfn].count, 0);
	fake_alloc(mfn, DOM_B);
	memset(fake_table(mfn), 0, PAGE_SIZE);
	for (int i = 0; i < 4; i++) {
		fake_table(mfn)[i * 100] = fake_pte(201 + i, PTE_P | PTE_RW);
		fake_table(201 + i)[0] = fake_pte(250, PTE_P);
	}
	fake_preempt_mode = FAKE_PREEMPT_ALWAYS;
	ck_assert_int_eq(get_page_and_type_preemptible(mfn, DOM_B, PGT_l2, &owed_b),
			 -XEN_ERESTART);
	fake_preempt_mode = mode;
	ck_assert(frame_table[mfn].flags & PGF_partial);
	ck_assert_uint_eq(owed_b, 0);
	return owed_b;
}

/* B's half-validated L2 as make_b_partial_l2 left it: untouched. */
static void b_partial_untouched(mfn_t mfn, u16 nr_validated)
{
	const struct page_info *pg = &frame_table[mfn];

	ck_assert_msg(pg->owner == DOM_B && (pg->flags & PGF_partial) && pg->count == 2 &&
		      pg->type_count == 1 && pg->type == PGT_l2 &&
		      pg->nr_validated == nr_validated,
		      "dom B's partial L2 %llu was touched: owner %u flags %#x count %u tc %u "
		      "type %u nr_validated %u (was %u)", (unsigned long long)mfn, pg->owner,
		      pg->flags, pg->count, pg->type_count, pg->type, pg->nr_validated,
		      nr_validated);
}

/*
 * What a vCPU owes, and the child a partial table names (PTF_child),
 * hold no reference: meanwhile (another vCPU of the domain) the frame may
 * be taken over, let go, given back, and become another domain's table,
 * half validated there. Finishing the owed work then leaves it alone:
 * dom A's vCPU never devalidates dom B's table.
 */
START_TEST(test_owed_frame_reused)
{
	u16 nr;

	/* The child of a chain of partial tables. */
	preempt_setup(FAKE_PREEMPT_NEVER);
	ck_assert_int_eq(pgt_pin(120, PGT_l4, DOM_A, NULL), 0);
	fake_preempt_mode = FAKE_PREEMPT_ALWAYS;
	ck_assert_int_eq(pgt_unpin(120, DOM_A, &owed), 0);
	while (!(frame_table[TREE_L2(3)].flags & PGF_partial))
		ck_assert_int_eq(pgt_finish_deferred(&owed, DOM_A), -XEN_ERESTART);
	ck_assert(frame_table[TREE_L3].flags & PGF_partial);
	fake_preempt_mode = FAKE_PREEMPT_NEVER;
	ck_assert_int_eq(pgt_pin(TREE_L2(3), PGT_l2, DOM_A, NULL), 0);	/* taken over */
	ck_assert_int_eq(pgt_unpin(TREE_L2(3), DOM_A, NULL), 0);
	frame_table[TREE_L2(3)].flags &= ~PGF_allocated;		/* given back */
	put_page(TREE_L2(3));
	make_b_partial_l2(TREE_L2(3));
	nr = frame_table[TREE_L2(3)].nr_validated;
	audit_ok();
	pay_owed();
	b_partial_untouched(TREE_L2(3), nr);
	audit_ok();
	pgt_finish_partials(DOM_B);
	audit_ok();

	/* The owed table itself. */
	preempt_setup(FAKE_PREEMPT_NEVER);
	ck_assert_int_eq(pgt_pin(120, PGT_l4, DOM_A, NULL), 0);
	fake_preempt_mode = FAKE_PREEMPT_ALWAYS;
	ck_assert_int_eq(pgt_unpin(120, DOM_A, &owed), 0);
	ck_assert_uint_eq(owed, 120);
	fake_preempt_mode = FAKE_PREEMPT_NEVER;
	ck_assert_int_eq(get_page_and_type(120, DOM_A, PGT_l4), 0);	/* taken over */
	put_page_and_type(120);
	frame_table[120].flags &= ~PGF_allocated;
	put_page(120);
	make_b_partial_l2(120);
	nr = frame_table[120].nr_validated;
	ck_assert_int_eq(pgt_finish_deferred(&owed, DOM_A), 0);
	ck_assert_uint_eq(owed, 0);
	b_partial_untouched(120, nr);
	audit_ok();
	pgt_finish_partials(DOM_B);
	audit_ok();
}
END_TEST

/*
 * Nothing but a partial table itself holds a type reference of it, so
 * dropping one is a hypervisor bug: it must stop, not devalidate the
 * table a second time.
 */
START_TEST(test_put_type_of_partial_panics)
{
	struct req pin = { .op = R_PIN, .mfn = 120, .type = PGT_l4 };

	preempt_setup(FAKE_PREEMPT_NEVER);
	stop_when_partial(&pin, TREE_L2(1));
	put_page_type(TREE_L2(1));
}
END_TEST

/*
 * How often a validation asks: about once per PGT_CHECK_EVERY entries of
 * work, never inside an L1 (done whole), never when not preemptible.
 */
START_TEST(test_preempt_check_rate)
{
	u64 entries = (2 + TREE_NL2 + TREE_NL2 * TREE_L1_PER) * 512 - 16;

	setup();
	owed = 0;
	build_big_tree(120);
	ck_assert_uint_eq(pgt_check_every, PGT_CHECK_EVERY);
	ck_assert_int_eq(pgt_pin(TREE_L1(0), PGT_l1, DOM_A, &owed), 0);
	ck_assert_uint_eq(fake_preempt_asked, 0);		/* an L1: whole */
	ck_assert_int_eq(pgt_unpin(TREE_L1(0), DOM_A, &owed), 0);
	ck_assert_int_eq(pgt_pin(120, PGT_l4, DOM_A, NULL), 0);
	ck_assert_int_eq(pgt_unpin(120, DOM_A, NULL), 0);
	ck_assert_uint_eq(fake_preempt_asked, 0);		/* not preemptible */
	ck_assert_int_eq(pgt_pin(120, PGT_l4, DOM_A, &owed), 0);
	printf("pgtype: a pin over %llu entries asked %llu times (every %u)\n",
	       (unsigned long long)entries, (unsigned long long)fake_preempt_asked,
	       PGT_CHECK_EVERY);
	/* (One more: work left over from before this test may count.) */
	ck_assert_uint_le((fake_preempt_asked - 1) * PGT_CHECK_EVERY, entries);
	ck_assert_uint_ge(fake_preempt_asked * PGT_CHECK_EVERY * 3, entries);
	fake_preempt_asked = 0;
	ck_assert_int_eq(pgt_unpin(120, DOM_A, &owed), 0);
	ck_assert_uint_le((fake_preempt_asked - 1) * PGT_CHECK_EVERY, entries);
	ck_assert_uint_ge(fake_preempt_asked * PGT_CHECK_EVERY * 3, entries);
	ck_assert_uint_eq(owed, 0);
	tree_released();
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
 * not in use, base-pointer changes and frames given back over a small
 * pool, so tables point at each other in every possible way. After every
 * step the counts must be exactly what the auditor computes; at the end,
 * dropping every pin and root must bring every frame back to its
 * allocation reference alone (or freed, if it was given back).
 *
 * With preempt, the page-table requests are preemptible and stopped at
 * random entries (pgt_check_every 1 to 4): a stopped request is made
 * again at once (the guest's continuation), or abandoned (the guest does
 * something else; the same request may come again later, or never), and
 * what the vCPU owes is finished before its next request, as pv_mm.c
 * does; every state in between is audited. The end is either orderly
 * (everything made whole and let go, preemptibly) or the domain's
 * teardown with whatever is left half done.
 */
static void random_run(u64 seed, int steps, bool preempt)
{
	rng_state = seed;
	setup();
	owed = cr3 = 0;
	if (preempt) {
		fake_preempt_mode = FAKE_PREEMPT_RANDOM;
		fake_preempt_rng = seed | 1;
		fake_preempt_one_in = 2 + (u32)(rnd() % 6);
		pgt_check_every = 1 + (u32)(rnd() % 4);
	}
	for (int s = 0; s < steps; s++) {
		mfn_t f = POOL_FIRST + (rnd() % POOL_N);
		struct page_info *pg = &frame_table[f];
		int op = (int)(rnd() % 10), rc = 0;
		struct req r = { .mfn = f };

		switch (op) {
		case 0:		/* the guest writes its own (unused) memory */
			if (pg->type_count == 0 || pg->type == PGT_writable)
				fake_table(f)[rnd() % 8] = random_entry();
			break;
		case 1:
			r.op = R_PIN;
			r.type = PGT_l1 + (int)(rnd() % 4);
			break;
		case 2:
			r.op = R_UNPIN;
			break;
		case 3: case 4: case 5: {
			unsigned idx = (rnd() % 5 == 0) ? 256 + (unsigned)(rnd() % 16)
							 : (unsigned)(rnd() % 8);

			r.op = R_UPDATE;
			r.ptr = (f << 12) | (idx * 8);
			r.val = random_entry();
			r.ad = rnd() & 1;
			break;
		}
		case 6:
			r.op = R_BASEPTR;
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
		case 8:		/* decrease_reservation, now and then */
			if (rnd() % 8 == 0 && (pg->flags & PGF_allocated)) {
				pg->flags &= ~PGF_allocated;
				put_page(f);
			}
			break;
		case 9:		/* the vCPU's next request finds what it owes */
			if (preempt)
				pgt_finish_deferred(&owed, DOM_A);
			break;
		}
		if (op >= 1 && op <= 6) {
			rc = call(&r, preempt);
			while (rc == -XEN_ERESTART && (rnd() & 1)) {
				const char *why = fake_audit(roots, nr_roots);

				ck_assert_msg(!why, "seed %llu step %d op %d, stopped: %s",
					      (unsigned long long)seed, s, op, why);
				rc = call(&r, preempt);
			}
		}
		const char *why = fake_audit(roots, nr_roots);

		ck_assert_msg(!why, "seed %llu step %d op %d rc %d: %s",
			      (unsigned long long)seed, s, op, rc, why);
	}
	if (!preempt || (rnd() & 1)) {
		/* Orderly: what is owed, then every pin and the root, let go. */
		pay_owed();
		for (mfn_t m = 1; m < 200; m++) {
			if (frame_table[m].flags & PGF_pinned)
				ck_assert_int_eq(as_guest(&(struct req){ .op = R_UNPIN, .mfn = m },
							  NULL), 0);
		}
		if (cr3) {
			mfn_t last = cr3;

			cr3 = 0;
			set_cr3_root();
			put_page_and_type_preemptible(last, &owed);
			pay_owed();
		}
	} else {
		/* The domain ends with work half done: its teardown. */
		owed = 0;
		for (mfn_t m = 1; m < 200; m++) {
			if (frame_table[m].flags & PGF_pinned)
				ck_assert_int_eq(pgt_unpin(m, DOM_A, NULL), 0);
		}
		if (cr3)
			put_page_and_type(cr3);
	}
	cr3 = 0;
	nr_roots = 0;
	pgt_finish_partials(DOM_A);	/* abandoned ones, in either case */
	audit_ok();
	for (mfn_t m = 1; m < 300; m++) {
		const struct page_info *pg = &frame_table[m];
		bool given_back = m < 200 && !(pg->flags & PGF_allocated);

		ck_assert_msg((given_back ? pg->count == 0 && pg->owner == OWNER_NONE
					  : pg->count == 1) && pg->type_count == 0 &&
			      !(pg->flags & PGF_partial),
			      "seed %llu: mfn %llu count %u tc %u flags %#x",
			      (unsigned long long)seed, (unsigned long long)m, pg->count,
			      pg->type_count, pg->flags);
	}
}

START_TEST(test_random_sequences)
{
	for (u64 seed = 1; seed <= 12; seed++)
		random_run(seed * 0x9e3779b97f4a7c15ULL, 3000, false);
}
END_TEST

START_TEST(test_random_preempted)
{
	for (u64 seed = 1; seed <= 24; seed++)
		random_run(seed * 0xd1b54a32d192ed03ULL, 3000, true);
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
	tcase_add_test(tc, test_fast_owner_keeps_supervisor);
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
	tcase_add_test(tc, test_partial_pin_resumes);
	tcase_add_test(tc, test_partial_unusable);
	tcase_add_test(tc, test_partial_l4_no_hv_slots);
	tcase_add_test(tc, test_partial_resume_after_type_change);
	tcase_add_test(tc, test_two_partial_validations);
	tcase_add_test(tc, test_partial_abandoned_teardown);
	tcase_add_test(tc, test_deferred_devalidation);
	tcase_add_test(tc, test_failure_after_preemption);
	tcase_add_test(tc, test_owed_frame_reused);
	tcase_add_test_raise_signal(tc, test_put_type_of_partial_panics, SIGABRT);
	tcase_add_test(tc, test_preempt_check_rate);
	tcase_add_test(tc, test_random_sequences);
	tcase_add_test(tc, test_random_preempted);
	suite_add_tcase(s, tc);
	return s;
}
