/*
 * pgtype.c - page types and reference counts: the rules that keep every
 * guest inside its own memory.
 *
 * Runs in: hypervisor (hypercalls, the writable page-table assist, domain
 * teardown; one CPU, interrupts off, so no locks) and host unit tests.
 * Trusts: page_info (ours), never the contents of a guest frame until it
 * has validated them. Includes only hv.h, pvabi/ and mm/ headers; frame
 * contents are reached through mfn_to_virt() (pgtype.h, "environment").
 *
 * A PV guest writes its own page tables, and the CPU walks them for real.
 * What keeps it from mapping memory that is not its own is Xen's page
 * type system (xen-pv-mechanics.md 2), reproduced here:
 *
 *  - Every frame has a general reference count, an owner and one type at
 *    a time: none, writable, L1-L4 page table, or segment descriptor page,
 *    with its own type count. A guest owning a frame holds one general
 *    reference (PGF_allocated); every mapping of it holds another.
 *  - A frame mapped writable by the guest is of type "writable", one type
 *    reference per writable mapping. A page table or descriptor page can
 *    therefore never be mapped writable: the frame cannot be both types.
 *  - The type changes only while the type count is 0. The first reference
 *    under a new page-table type validates the whole frame: every present
 *    entry must point at a frame the owner owns, of the type the level
 *    below needs (validating it in turn), with allowed flags. The last
 *    reference undoes it: every entry's references are dropped, so a whole
 *    tree comes and goes with its root. Levels strictly decrease, so there
 *    are no cycles and no linear (recursive) page tables.
 *  - Every type reference has a general reference under it; an entry gets
 *    its new references before it is written and drops the old ones after,
 *    so no count ever touches 0 in between.
 *  - A frame may still sit in some TLB after its last mapping went. Before
 *    its type changes, the TLBs are flushed unless that already happened
 *    since its type count fell to 0 (the TLB clock below).
 *
 * Roots of the trees (a vCPU's CR3, a pin, a GDT slot) hold one general and
 * one type reference each; the callers take them with the functions here.
 */
#include "hv.h"
#include "mm/page_info.h"
#include "mm/pgtype.h"
#include "mm/segdesc.h"
#include "pvabi/errno.h"
#include "pvabi/xen.h"

#define COUNT_MAX	0xfffffff0u	/* refuse references before a count wraps */

/*
 * Flags a guest entry may not carry. At L1: cache attributes (PWT, PCD,
 * PAT), as Xen for a domain without I/O rights. Above: superpages (PSE),
 * cache attributes and G. Everything else is either meaningful and checked
 * (P, RW, the address) or the guest's own (A, D, US, NX, software bits).
 */
#define L1_DISALLOW	(PTE_PWT | PTE_PCD | PTE_PSE)
#define LN_DISALLOW	(PTE_PWT | PTE_PCD | PTE_PSE | PTE_G)

/*
 * Bits a guest may change in a present entry without revalidating it
 * (Xen's FASTPATH_FLAG_WHITELIST): same frame, same rights.
 */
#define FASTPATH_WHITELIST (PTE_NX | PTE_AVAIL_HIGH | PTE_AVAIL | PTE_G | \
			    PTE_D | PTE_A | PTE_US)

/* The mfn of an all-ones address field: Xen answers -EINVAL, not -EPERM. */
#define MFN_ALL_ONES	(PTE_ADDR >> 12)

static u32 tlb_clock = 1;

static int validate(mfn_t mfn, struct page_info *pg);
static void devalidate(mfn_t mfn, struct page_info *pg);

/* ---- General references ------------------------------------------------ */

/* Take a general reference on a frame dom owns (the frame is in use). */
bool get_page(mfn_t mfn, u16 dom)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (!pg || pg->count == 0 || pg->owner != dom || pg->count >= COUNT_MAX)
		return false;
	pg->count++;
	return true;
}

void put_page(mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	BUG_ON(!pg || pg->count == 0);
	if (--pg->count == 0) {
		BUG_ON(pg->type_count != 0);
		pgt_env_frame_free(mfn);
	}
}

/* ---- Types ---------------------------------------------------------------- */

void pgt_tlb_flushed(void)
{
	tlb_clock++;
}

u32 pgt_tlb_clock(void)
{
	return tlb_clock;
}

/*
 * Take a type reference. At type count 0 the type may change (after a TLB
 * flush if the frame was mapped since the last one) and a page-table or
 * descriptor type validates the contents. Otherwise the type must match.
 * Returns 0, -EINVAL (wrong type), or the error validation found.
 */
/*H:600 The page type system
 * The security boundary of a PV hypervisor. A frame has one type at a
 * time: writable memory, a page table of one level, or a descriptor page,
 * with a count of the uses under that type. A frame can become a page
 * table only when nothing maps it writable, and its contents are checked
 * (validated) when it does; it can become writable again only when no
 * table uses it. docs/isolation.md states the invariants.
 */
int get_page_type(mfn_t mfn, enum page_type type)
{
	struct page_info *pg = mfn_to_page(mfn);
	int rc;

	BUG_ON(!pg || pg->count == 0);
	if (pg->type_count == 0) {
		if (pg->type != type) {
			if (pg->tlbflush_stamp == tlb_clock) {
				pgt_env_flush_tlbs();
				pgt_tlb_flushed();
			}
			pg->type = (u8)type;
			pg->flags &= ~PGF_validated;
		}
		pg->type_count = 1;
		if (!(pg->flags & PGF_validated)) {
			rc = validate(mfn, pg);
			if (rc) {
				pg->type_count = 0;
				pg->type = PGT_none;
				return rc;
			}
			pg->flags |= PGF_validated;
		}
		return 0;
	}
	/* Not validated with a count: it is being validated, up the stack. */
	if (pg->type != type || !(pg->flags & PGF_validated) ||
	    pg->type_count >= COUNT_MAX)
		return -XEN_EINVAL;
	pg->type_count++;
	return 0;
}

void put_page_type(mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	BUG_ON(!pg || pg->type_count == 0);
	if (pg->type_count == 1) {
		BUG_ON(pg->flags & PGF_pinned);
		if (pgt_level(pg->type) && (pg->flags & PGF_validated)) {
			/* Getters now fail until the entries' references are gone. */
			pg->flags &= ~PGF_validated;
			devalidate(mfn, pg);
		}
		pg->tlbflush_stamp = tlb_clock;
	}
	pg->type_count--;
}

int get_page_and_type(mfn_t mfn, u16 dom, enum page_type type)
{
	int rc;

	if (!get_page(mfn, dom))
		return -XEN_EINVAL;
	rc = get_page_type(mfn, type);
	if (rc)
		put_page(mfn);
	return rc;
}

void put_page_and_type(mfn_t mfn)
{
	put_page_type(mfn);
	put_page(mfn);
}

/* ---- Entries ---------------------------------------------------------------- */

/* An L1 entry's references: the frame, and a writable type if RW. */
static int get_l1e(u64 e, u16 dom)
{
	mfn_t mfn = pte_mfn(e);

	if (e & L1_DISALLOW)
		return -XEN_EINVAL;
	if (!mfn_to_page(mfn))		/* not RAM: MMIO, and we give none */
		return mfn == MFN_ALL_ONES ? -XEN_EINVAL : -XEN_EPERM;
	if (!get_page(mfn, dom))	/* free, the hypervisor's, another domain's */
		return -XEN_EBUSY;
	if ((e & PTE_RW) && get_page_type(mfn, PGT_writable)) {
		put_page(mfn);		/* a page table or descriptor page */
		return -XEN_EBUSY;
	}
	return 0;
}

/* An L2-L4 entry's references: the next table, validated as level - 1. */
static int get_lne(int level, u64 e, u16 dom)
{
	mfn_t mfn = pte_mfn(e);
	int rc;

	if (e & LN_DISALLOW)
		return -XEN_EINVAL;
	if (!get_page(mfn, dom))
		return -XEN_EINVAL;
	rc = get_page_type(mfn, (enum page_type)(PGT_l1 + level - 2));
	if (rc)
		put_page(mfn);
	return rc;
}

/* The references a present entry at this level needs; 0 for a non-present one. */
int pgt_get_entry(int level, u64 e, u16 dom)
{
	if (!(e & PTE_P))
		return 0;
	return level == 1 ? get_l1e(e, dom) : get_lne(level, e, dom);
}

void pgt_put_entry(int level, u64 e)
{
	if (!(e & PTE_P))
		return;
	if (level > 1 || (e & PTE_RW))
		put_page_type(pte_mfn(e));
	put_page(pte_mfn(e));
}

/*
 * The flags the hypervisor forces on a guest entry. The guest kernel runs
 * in ring 3, so everything it maps must be user-accessible at every level;
 * kernel and user are kept apart only by having two L4s. Global is cleared
 * at L1: a global mapping survives CR3 writes, and so would outlive both
 * the kernel/user switch and a switch to another domain. (Xen sets G on
 * user mappings instead and flushes globals; under QEMU's TLB it would
 * gain nothing, DESIGN.md 9.)
 */
u64 pgt_adjust_entry(int level, u64 e)
{
	if (!(e & PTE_P))
		return e;
	e |= PTE_US;
	if (level == 1)
		e &= ~PTE_G;
	return e;
}

/* ---- Validating and devalidating a whole frame ------------------------------ */

static bool guest_slot(int level, unsigned idx)
{
	return level != 4 || !pgt_hv_l4_slot(idx);
}

/* Validate every guest entry; on an error undo the ones before it. */
static int promote_table(mfn_t mfn, int level, u16 dom)
{
	u64 *t = mfn_to_virt(mfn);
	unsigned i;
	int rc;

	for (i = 0; i < PAGE_SIZE / 8; i++) {
		if (!guest_slot(level, i))
			continue;
		rc = pgt_get_entry(level, t[i], dom);
		if (rc)
			goto undo;
		t[i] = pgt_adjust_entry(level, t[i]);
	}
	if (level == 4)
		pgt_env_install_hv_l4_slots(t);
	return 0;
undo:
	while (i-- > 0) {
		if (guest_slot(level, i))
			pgt_put_entry(level, t[i]);
	}
	return rc;
}

static int validate(mfn_t mfn, struct page_info *pg)
{
	int level = pgt_level(pg->type);

	if (level)
		return promote_table(mfn, level, pg->owner);
	if (pg->type == PGT_seg_desc)
		return validate_segdesc_page(mfn_to_virt(mfn)) ? -XEN_EINVAL : 0;
	return 0;	/* writable: any contents will do */
}

static void devalidate(mfn_t mfn, struct page_info *pg)
{
	int level = pgt_level(pg->type);
	u64 *t = mfn_to_virt(mfn);

	for (unsigned i = 0; i < PAGE_SIZE / 8; i++) {
		if (guest_slot(level, i))
			pgt_put_entry(level, t[i]);
	}
}

/* ---- Updating one entry ----------------------------------------------------- */

/* One aligned 8-byte store: the CPU never sees half an entry. */
static void write_entry(u64 *p, u64 val, bool preserve_ad)
{
	if (preserve_ad)
		val |= *p & (PTE_A | PTE_D);
	__atomic_store_n(p, val, __ATOMIC_RELAXED);
}

/*
 * Xen's mod_lN_entry: write entry idx of a validated page table (the
 * caller checked the type and holds a reference). New references first,
 * the write, then the old entry's references. An entry that keeps its
 * frame and rights skips the reference dance. Returns 0, -EINVAL (bad
 * flags, a hypervisor slot, a child that is not a valid table), -EBUSY
 * (a frame not the owner's, or a writable mapping of a page table or
 * descriptor page) or -EPERM (not RAM); nothing changes on an error.
 */
int pgt_mod_entry(mfn_t table, unsigned idx, u64 val, bool preserve_ad)
{
	struct page_info *pg = mfn_to_page(table);
	int level = pgt_level(pg->type);
	u64 *t = mfn_to_virt(table);
	u64 old = t[idx];
	u64 disallow = level == 1 ? L1_DISALLOW : LN_DISALLOW;
	int rc;

	BUG_ON(!level || !(pg->flags & PGF_validated) || idx >= PAGE_SIZE / 8);
	if (!guest_slot(level, idx))
		return -XEN_EINVAL;
	if (val & PTE_P) {
		if (val & disallow)
			return -XEN_EINVAL;
		if ((old & PTE_P) && !((old ^ val) & ~FASTPATH_WHITELIST)) {
			write_entry(&t[idx], pgt_adjust_entry(level, val), preserve_ad);
			return 0;
		}
		rc = pgt_get_entry(level, val, pg->owner);
		if (rc)
			return rc;
		val = pgt_adjust_entry(level, val);
	}
	write_entry(&t[idx], val, preserve_ad);
	pgt_put_entry(level, old);
	return 0;
}

/*
 * MMU_NORMAL_PT_UPDATE / MMU_PT_UPDATE_PRESERVE_AD at machine address ptr
 * (8-aligned) of a frame dom owns, as Xen's do_mmu_update: into a
 * validated page table, a validated entry (pgt_mod_entry); into any frame
 * that can be typed writable, a plain checked store. A descriptor page in
 * use, or a frame dom does not own, is refused with -EINVAL.
 */
int pgt_mmu_normal_update(u64 ptr, u64 val, bool preserve_ad, u16 dom)
{
	mfn_t mfn = ptr >> PAGE_SHIFT;
	unsigned idx = (ptr & (PAGE_SIZE - 1)) >> 3;
	struct page_info *pg;
	int rc = 0;

	if (!get_page(mfn, dom))
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	if (pg->type_count && (pg->flags & PGF_validated)) {	/* in use */
		if (pgt_level(pg->type))
			rc = pgt_mod_entry(mfn, idx, val, preserve_ad);
		else if (pg->type == PGT_writable)
			write_entry((u64 *)mfn_to_virt(mfn) + idx, val, false);
		else
			rc = -XEN_EINVAL;
	} else if (get_page_type(mfn, PGT_writable) == 0) {
		write_entry((u64 *)mfn_to_virt(mfn) + idx, val, false);
		put_page_type(mfn);
	} else {
		rc = -XEN_EINVAL;
	}
	put_page(mfn);
	return rc;
}

/* ---- Pins --------------------------------------------------------------------- */

/*
 * MMUEXT_PIN_Ln_TABLE: keep a validated table alive with no other user.
 * Returns 0; -EINVAL if dom does not own it, it is already pinned or of
 * another type in use; or the error validating it found.
 */
int pgt_pin(mfn_t mfn, enum page_type type, u16 dom)
{
	struct page_info *pg = mfn_to_page(mfn);
	int rc = get_page_and_type(mfn, dom, type);

	if (rc)
		return rc;
	if (pg->flags & PGF_pinned) {
		put_page_and_type(mfn);
		return -XEN_EINVAL;
	}
	pg->flags |= PGF_pinned;
	return 0;
}

/* MMUEXT_UNPIN_TABLE: -EINVAL unless dom owns it and it is pinned. */
int pgt_unpin(mfn_t mfn, u16 dom)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (!get_page(mfn, dom))
		return -XEN_EINVAL;
	if (!(pg->flags & PGF_pinned)) {
		put_page(mfn);
		return -XEN_EINVAL;
	}
	pg->flags &= ~PGF_pinned;
	put_page_and_type(mfn);		/* the pin's references */
	put_page(mfn);			/* ours */
	return 0;
}

/* ---- Walking a guest's tables ------------------------------------------------ */

/* A canonical address outside the hypervisor's L4 slots. */
bool pgt_guest_va_ok(u64 va)
{
	u64 top = va >> 47;

	if (top != 0 && top != 0x1ffff)
		return false;
	return va < HYPERVISOR_VIRT_START || va >= HYPERVISOR_VIRT_END;
}

/*
 * The L1 table that maps va in the validated tree under l4, as Xen's
 * map_guest_l1e: every level present, no superpage. -EINVAL otherwise.
 */
int pgt_find_l1(mfn_t l4, u64 va, mfn_t *l1)
{
	mfn_t mfn = l4;

	if (!pgt_guest_va_ok(va))
		return -XEN_EINVAL;
	for (int level = 4; level >= 2; level--) {
		u64 e = ((u64 *)mfn_to_virt(mfn))[(va >> (12 + 9 * (level - 1))) & 511];

		if (!(e & PTE_P) || (e & PTE_PSE))
			return -XEN_EINVAL;
		mfn = pte_mfn(e);
	}
	*l1 = mfn;
	return 0;
}
