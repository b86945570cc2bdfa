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
 * type system (docs/pv-mechanisms.md §12), reproduced here:
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
 *
 * Preemption. Validating or devalidating a tree visits every entry of
 * every table in it: ~40 us per L1 validated and ~25 us per L1
 * devalidated under QEMU, so a tree of thousands of L1s would keep the
 * CPU for hundreds of ms with interrupts off. So, as Xen does, a
 * page-table hypercall may stop in the middle of one (PGT_partial):
 *
 *  - Every pgt_check_every entries of work, at an entry of an L2-L4 table
 *    (an L1, 512 entries, is done whole), and only after that table has
 *    done at least one entry in this call, pgt_env_preempt() is asked.
 *    When it says so, the table stops at that entry and is left
 *    PGF_partial: entries [0, nr_validated) hold their references, the
 *    others none, and the frame holds one type reference and one general
 *    reference of its own. So every call makes progress.
 *  - A partial frame is no use to anyone: its type count is 1, so it
 *    cannot be mapped writable or typed otherwise, and it is not
 *    validated, so no mmu_update writes into it, no entry can point at it
 *    and no CR3 can hold it. Anyone who takes a type reference of its
 *    type takes over its own (PGF_partial goes, its general reference
 *    too) and goes on validating from nr_validated, as the same request
 *    made again does (a continuation). Nothing else holds it or needs to.
 *  - Devalidation goes from the top entry down, so a table devalidated
 *    part of the way is in the same state: entries [0, nr_validated)
 *    hold theirs. Whoever dropped the last reference is done as far as
 *    its caller is concerned; the rest is owed (`deferred`, one per
 *    vCPU) and finished, preemptibly, before that vCPU's next page-table
 *    request. A table cut short while dropping one of its entries (that
 *    child was left partial) says so with PTF_child: the child is
 *    finished first, so the owed work is the whole subtree.
 *  - A validation that fails undoes what it did, which is a devalidation:
 *    if that is cut short too, the frame is owed the same way and the
 *    error is reported only once it is finished (pv_mm.c's "null
 *    continuation"), so the guest never sees half of a refused request.
 *  - PTF_child and `deferred` hold no reference: a frame is finished only
 *    if it is still partial and still the domain's. A partial frame can
 *    never be freed (it holds a general reference), and when the domain
 *    dies every partial frame it owns is finished (pgt_finish_partials),
 *    so nothing leaks and nothing stays half typed.
 */
#include "hv.h"
#include "mm/page_info.h"
#include "mm/pgtype.h"
#include "mm/segdesc.h"
#include "pvabi/errno.h"
#include "pvabi/xen.h"

#define COUNT_MAX	0xfffffff0u	/* refuse references before a count wraps */
#define PT_ENTRIES	(PAGE_SIZE / 8)

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

/* partial_flags: the entry at nr_validated points at a table this one left partial. */
#define PTF_child	0x1

static u32 tlb_clock = 1;

static int get_type(mfn_t mfn, enum page_type type, bool pre, bool *cut);
static int put_type(mfn_t mfn, bool pre);

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

/* ---- Preemption --------------------------------------------------------- */

/*H:550 Stopping in the middle of a tree
 * Validating a tree of thousands of L1s takes hundreds of ms under QEMU,
 * with interrupts off: too long. So validation and devalidation count
 * the entries they visit, and every 512 (one L1's worth, ~40 us) ask
 * pgt_env_preempt() (a TSC read and a few loads) whether something is
 * due. If so, the table stops at that entry and is left PGF_partial,
 * useless to anyone until the same request is made again and goes on
 * from there (the top of this file says how that stays safe). The checks
 * cost under 1% of a validation, and the piece of work done after
 * something became due is about one L1 plus 512 entries, ~0.1 ms.
 */
u32 pgt_check_every = PGT_CHECK_EVERY;
static u32 work;	/* entries visited since the last check */

static bool time_to_stop(bool pre)
{
	if (!pre || work < pgt_check_every)
		return false;
	work = 0;
	return pgt_env_preempt();
}

bool pgt_preempt_due(void)
{
	return time_to_stop(true);
}

/* A frame stops part of the way: it keeps its type reference and takes a general one. */
static void leave_partial(struct page_info *pg)
{
	pg->flags |= PGF_partial;
	pg->count++;		/* never 0 while partial, whoever lets go */
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

static int validate(mfn_t mfn, struct page_info *pg, bool pre, bool *cut);
static int demote(mfn_t mfn, struct page_info *pg, int level, bool pre);

/*H:500 The page type system
 * The security boundary of a PV hypervisor: the guest writes page tables
 * the CPU walks for real. A frame has one type at a time (writable
 * memory, a page table of one level, or a descriptor page) with a count
 * of the uses under that type, and get_type() takes one. At type count 0
 * the type may change (after a TLB flush if the frame was mapped since
 * the last one), and a page-table or descriptor type validates the
 * contents. So a frame becomes a page table only when nothing maps it
 * writable, and writable again only when no table uses it. A partial
 * frame of this type is taken over and its validation goes on; otherwise
 * the type must match. Returns 0, -EINVAL (wrong type), the error
 * validation found (*cut: its undo was cut short, the frame is partial
 * and owed), or -ERESTART (pre only: stopped part of the way, the frame
 * is partial). docs/isolation.md states the invariants.
 */
static int get_type(mfn_t mfn, enum page_type type, bool pre, bool *cut)
{
	struct page_info *pg = mfn_to_page(mfn);
	int rc;

	BUG_ON(!pg || pg->count == 0);
	*cut = false;
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
		if (pg->flags & PGF_validated)
			return 0;
		pg->nr_validated = 0;
		pg->partial_flags = 0;
	} else if (pg->flags & PGF_partial) {
		if (pg->type != type)
			return -XEN_EINVAL;
		/* Its type reference is ours now; the caller holds a general one. */
		pg->flags &= ~PGF_partial;
		pg->partial_flags = 0;
		put_page(mfn);
	} else {
		/* Not validated with a count: it is being validated, up the stack. */
		if (pg->type != type || !(pg->flags & PGF_validated) ||
		    pg->type_count >= COUNT_MAX)
			return -XEN_EINVAL;
		pg->type_count++;
		return 0;
	}
	rc = validate(mfn, pg, pre, cut);
	if (rc == 0) {
		pg->flags |= PGF_validated;
	} else if (rc == -XEN_ERESTART || *cut) {
		leave_partial(pg);
	} else {
		pg->type_count = 0;
		pg->type = PGT_none;
		pg->tlbflush_stamp = tlb_clock;	/* the stamp was overwritten */
	}
	return rc;
}

/*
 * Drop a type reference. The last one of a validated page table drops its
 * entries' references (devalidates it); preemptibly, that may stop part of
 * the way: the frame is left partial, still holding the reference, and
 * -ERESTART says the rest is owed.
 */
static int put_type(mfn_t mfn, bool pre)
{
	struct page_info *pg = mfn_to_page(mfn);
	int level;

	BUG_ON(!pg || pg->type_count == 0 || (pg->flags & PGF_partial));
	if (pg->type_count == 1) {
		BUG_ON(pg->flags & PGF_pinned);
		level = pgt_level(pg->type);
		if (level && (pg->flags & PGF_validated)) {
			/* Getters now fail until the entries' references are gone. */
			pg->flags &= ~PGF_validated;
			pg->nr_validated = PT_ENTRIES;
			pg->partial_flags = 0;
			if (demote(mfn, pg, level, pre)) {
				leave_partial(pg);
				return -XEN_ERESTART;
			}
		}
		pg->tlbflush_stamp = tlb_clock;
	}
	pg->type_count--;
	return 0;
}

/*
 * Is mfn in use as a validated table of this type now (pinned, or
 * referenced by a CR3 or a table)? Then one more type reference is a count.
 */
bool pgt_is_validated(mfn_t mfn, enum page_type type)
{
	const struct page_info *pg = mfn_to_page(mfn);

	return pg && pg->type == type && pg->type_count &&
	       (pg->flags & PGF_validated) && !(pg->flags & PGF_partial);
}

int get_page_type(mfn_t mfn, enum page_type type)
{
	bool cut;

	return get_type(mfn, type, false, &cut);
}

void put_page_type(mfn_t mfn)
{
	put_type(mfn, false);
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

/*
 * The same, preemptible when deferred is given (pgtype.h): a vCPU owes at
 * most one table at a time, finished before it asks for more.
 */
static int get_ref(mfn_t mfn, u16 dom, enum page_type type, mfn_t *deferred)
{
	bool cut;
	int rc;

	BUG_ON(deferred && *deferred);
	if (!get_page(mfn, dom))
		return -XEN_EINVAL;
	rc = get_type(mfn, type, deferred != NULL, &cut);
	if (rc) {
		if (cut)
			*deferred = mfn;
		put_page(mfn);
	}
	return rc;
}

static void put_ref(mfn_t mfn, mfn_t *deferred)
{
	BUG_ON(deferred && *deferred);
	if (put_type(mfn, deferred != NULL))
		*deferred = mfn;
	put_page(mfn);
}

int get_page_and_type_preemptible(mfn_t mfn, u16 dom, enum page_type type,
				  mfn_t *deferred)
{
	BUG_ON(!deferred);
	return get_ref(mfn, dom, type, deferred);
}

void put_page_and_type_preemptible(mfn_t mfn, mfn_t *deferred)
{
	BUG_ON(!deferred);
	put_ref(mfn, deferred);
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

/*
 * An L2-L4 entry's references: the next table, validated as level - 1
 * (preemptibly if pre: -ERESTART, or an error with *cut as get_type).
 */
static int get_lne(int level, u64 e, u16 dom, bool pre, bool *cut)
{
	mfn_t mfn = pte_mfn(e);
	int rc;

	*cut = false;
	if (e & LN_DISALLOW)
		return -XEN_EINVAL;
	if (!get_page(mfn, dom))
		return -XEN_EINVAL;
	rc = get_type(mfn, (enum page_type)(PGT_l1 + level - 2), pre, cut);
	if (rc)
		put_page(mfn);
	return rc;
}

/* The references a present entry needs (non-present: none); see get_lne. */
static int get_entry(int level, u64 e, u16 dom, bool pre, bool *cut)
{
	*cut = false;
	if (!(e & PTE_P))
		return 0;
	return level == 1 ? get_l1e(e, dom) : get_lne(level, e, dom, pre, cut);
}

/*
 * Drop a present entry's references. -ERESTART (pre only): the table it
 * pointed at was the last use of it and is left partially devalidated.
 */
static int put_entry(int level, u64 e, bool pre)
{
	int rc = 0;

	if (!(e & PTE_P))
		return 0;
	if (level > 1 || (e & PTE_RW))
		rc = put_type(pte_mfn(e), pre && level > 1);
	put_page(pte_mfn(e));
	return rc;
}

int pgt_get_entry(int level, u64 e, u16 dom)
{
	bool cut;

	return get_entry(level, e, dom, false, &cut);
}

void pgt_put_entry(int level, u64 e)
{
	put_entry(level, e, false);
}

/*
 * The flags the hypervisor forces on a guest entry. A guest kernel in
 * ring 3 (compat mode: user_pages) can reach only user-accessible pages,
 * so everything it maps must be user-accessible at every level; kernel
 * and user are kept apart only by having two L4s. A kernel in ring 1
 * (fast mode) maps its own pages supervisor-only, as on bare metal, and
 * that is what keeps its processes out: U/S stays as it wrote it. Global is cleared
 * at L1: a global mapping survives CR3 writes, and so would outlive both
 * the kernel/user switch and a switch to another domain. (Xen sets G on
 * user mappings instead and flushes globals; under QEMU's TLB it would
 * gain nothing, docs/design.md §9.3.)
 */
u64 pgt_adjust_entry(int level, u64 e, bool user_pages)
{
	if (!(e & PTE_P))
		return e;
	if (user_pages)
		e |= PTE_US;
	if (level == 1)
		e &= ~PTE_G;
	return e;
}

/* ---- Validating and devalidating a whole frame ------------------------------ */

/*
 * The slots of a table that are the hypervisor's, not the guest's: in an
 * L4 the mode's range, asked once per table (a loop over 512 entries
 * would otherwise ask 512 times); at every other level none (first >
 * last).
 */
struct hv_slots {
	unsigned first, last;
	bool user_pages;	/* pgt_adjust_entry(): force U/S on */
};

static struct hv_slots hv_slots_of(int level, u16 dom)
{
	struct hv_slots s = { 1, 0, pgt_env_user_pages(dom) };

	if (level == 4)
		pgt_env_hv_l4_slots(dom, &s.first, &s.last);
	return s;
}

static bool guest_slot(const struct hv_slots *s, unsigned idx)
{
	return idx < s->first || idx > s->last;
}

/*H:520 Validating a whole table
 * The first type reference of a page-table type checks every present
 * entry of the frame (the hypervisor's own L4 slots are skipped: they are
 * ours) and takes its references; the first refused entry undoes the
 * ones before it. So a whole tree is validated with its root, and
 * devalidated (demote below) when the root's last reference goes. This
 * does the entries from nr_validated on. Returns 0 (all of them hold
 * their references now) or -ERESTART or an error at entry nr_validated;
 * entries [0, nr_validated) hold theirs. *child_cut: that entry's table
 * failed and was left partial, owed (get_type).
 */
static int promote(mfn_t mfn, struct page_info *pg, int level, bool pre,
		   bool *child_cut)
{
	u64 *t = mfn_to_virt(mfn);
	unsigned i = pg->nr_validated;
	struct hv_slots hv = hv_slots_of(level, pg->owner);
	bool progressed = false;
	int rc = 0;

	*child_cut = false;
	for (; i < PT_ENTRIES; i++) {
		if (!guest_slot(&hv, i))
			continue;
		if (level > 1 && progressed && time_to_stop(pre)) {
			rc = -XEN_ERESTART;
			break;
		}
		work++;
		rc = get_entry(level, t[i], pg->owner, pre, child_cut);
		if (rc)
			break;
		t[i] = pgt_adjust_entry(level, t[i], hv.user_pages);
		progressed = true;
	}
	pg->nr_validated = (u16)i;
	if (!rc && level == 4)
		pgt_env_install_hv_l4_slots(pg->owner, t);
	return rc;
}

/*
 * Drop the references of entries [0, nr_validated), from the top down,
 * after finishing the table PTF_child names. Returns 0, or -ERESTART:
 * stopped, entries [0, nr_validated) still hold theirs (PTF_child: the
 * table the entry at nr_validated points at was left partial by it).
 */
static int finish_child(u64 e, u16 dom, bool pre);

static int demote(mfn_t mfn, struct page_info *pg, int level, bool pre)
{
	u64 *t = mfn_to_virt(mfn);
	struct hv_slots hv = hv_slots_of(level, pg->owner);
	bool progressed = false;
	unsigned i;

	if (pg->partial_flags & PTF_child) {
		if (finish_child(t[pg->nr_validated], pg->owner, pre))
			return -XEN_ERESTART;
		pg->partial_flags = 0;
	}
	while (pg->nr_validated > 0) {
		i = pg->nr_validated - 1u;
		if (level > 1 && progressed && time_to_stop(pre))
			return -XEN_ERESTART;
		work++;
		if (guest_slot(&hv, i) && put_entry(level, t[i], pre)) {
			pg->nr_validated = (u16)i;
			pg->partial_flags = PTF_child;
			return -XEN_ERESTART;
		}
		pg->nr_validated = (u16)i;
		progressed = true;
	}
	return 0;
}

/*
 * Devalidate a partial table to the end: its entries' references, then
 * its own type and general reference go. -ERESTART: stopped again, still
 * partial.
 */
static int finish(mfn_t mfn, struct page_info *pg, bool pre)
{
	BUG_ON(pg->type_count != 1 || !pgt_level(pg->type));
	pg->flags &= ~PGF_partial;	/* its references are ours meanwhile */
	if (demote(mfn, pg, pgt_level(pg->type), pre)) {
		pg->flags |= PGF_partial;
		return -XEN_ERESTART;
	}
	pg->tlbflush_stamp = tlb_clock;
	pg->type_count = 0;
	put_page(mfn);
	return 0;
}

/* The table entry e points at, if it is still a partial table of dom's. */
static int finish_child(u64 e, u16 dom, bool pre)
{
	mfn_t mfn = pte_mfn(e);
	struct page_info *pg = mfn_to_page(mfn);

	if (!pg || pg->owner != dom || !(pg->flags & PGF_partial))
		return 0;	/* taken over, or finished, meanwhile */
	return finish(mfn, pg, pre);
}

/*
 * The contents for the frame's type, from nr_validated on. Returns 0,
 * -ERESTART, or an error: then the entries done are undone, and *cut says
 * whether that was cut short (the frame is to be left partial, owed).
 */
static int validate(mfn_t mfn, struct page_info *pg, bool pre, bool *cut)
{
	int level = pgt_level(pg->type);
	bool child_cut;
	int rc;

	*cut = false;
	if (!level) {
		if (pg->type == PGT_seg_desc && validate_segdesc_page(mfn_to_virt(mfn),
							  pgt_env_segdesc_rules(pg->owner)))
			return -XEN_EINVAL;
		return 0;	/* writable: any contents will do */
	}
	rc = promote(mfn, pg, level, pre, &child_cut);
	if (rc == 0 || rc == -XEN_ERESTART)
		return rc;
	/* Failed at entry nr_validated: undo [0, nr_validated), and a cut child first. */
	pg->partial_flags = child_cut ? PTF_child : 0;
	*cut = child_cut || demote(mfn, pg, level, pre);
	return rc;
}

/* The domain ends: every table it left partial is finished, all at once. */
void pgt_finish_partials(u16 dom)
{
	for (mfn_t mfn = 0; mfn < frame_table_size; mfn++) {
		struct page_info *pg = &frame_table[mfn];

		if (pg->owner == dom && (pg->flags & PGF_partial))
			finish(mfn, pg, false);
	}
}

/*
 * Finish what a vCPU owes (pgtype.h): the table in *deferred, if it is
 * still a partial table of dom's, with the chain of PTF_child under it.
 */
int pgt_finish_deferred(mfn_t *deferred, u16 dom)
{
	struct page_info *pg = mfn_to_page(*deferred);

	if (!*deferred)
		return 0;
	if (pg && pg->owner == dom && (pg->flags & PGF_partial) &&
	    finish(*deferred, pg, true))
		return -XEN_ERESTART;
	*deferred = 0;
	return 0;
}

/* ---- Updating one entry ----------------------------------------------------- */

/* One aligned 8-byte store: the CPU never sees half an entry. */
static void write_entry(u64 *p, u64 val, bool preserve_ad)
{
	if (preserve_ad)
		val |= *p & (PTE_A | PTE_D);
	__atomic_store_n(p, val, __ATOMIC_RELAXED);
}

/*H:530 Changing one entry
 * Xen's mod_lN_entry: write entry idx of a validated page table (the
 * caller checked the type and holds a reference). New references first,
 * the write, then the old entry's references. An entry that keeps its
 * frame and rights skips the reference dance. Returns 0, -EINVAL (bad
 * flags, a hypervisor slot, a child that is not a valid table), -EBUSY
 * (a frame not the owner's, or a writable mapping of a page table or
 * descriptor page) or -EPERM (not RAM); nothing changes on an error.
 * Preemptible with deferred (pgtype.h): -ERESTART, nothing written yet;
 * a child whose validation failed, or the old one, may be left owed.
 */
static int mod_entry(mfn_t table, unsigned idx, u64 val, bool preserve_ad,
		     mfn_t *deferred)
{
	struct page_info *pg = mfn_to_page(table);
	int level = pgt_level(pg->type);
	u64 *t = mfn_to_virt(table);
	u64 old = t[idx];
	u64 disallow = level == 1 ? L1_DISALLOW : LN_DISALLOW;
	bool pre = deferred != NULL, cut;
	struct hv_slots hv;
	int rc;

	BUG_ON(!level || !(pg->flags & PGF_validated) || idx >= PT_ENTRIES);
	BUG_ON(pre && *deferred);
	hv = hv_slots_of(level, pg->owner);
	if (!guest_slot(&hv, idx))
		return -XEN_EINVAL;
	if (val & PTE_P) {
		if (val & disallow)
			return -XEN_EINVAL;
		if ((old & PTE_P) && !((old ^ val) & ~FASTPATH_WHITELIST)) {
			write_entry(&t[idx], pgt_adjust_entry(level, val, hv.user_pages), preserve_ad);
			if (level == 4)
				pgt_env_l4_changed(table, idx);
			return 0;
		}
		rc = get_entry(level, val, pg->owner, pre, &cut);
		if (rc) {
			if (cut)
				*deferred = pte_mfn(val);
			return rc;
		}
		val = pgt_adjust_entry(level, val, hv.user_pages);
	}
	write_entry(&t[idx], val, preserve_ad);
	if (level == 4)
		pgt_env_l4_changed(table, idx);
	if (put_entry(level, old, pre))
		*deferred = pte_mfn(old);
	return 0;
}

int pgt_mod_entry(mfn_t table, unsigned idx, u64 val, bool preserve_ad)
{
	return mod_entry(table, idx, val, preserve_ad, NULL);
}

/*
 * A grant mapping's entry (core/grant_map.c): write entry idx of the
 * validated L1 table with val, a present entry for a frame that
 * frame_owner (the granting domain, usually not the table's owner) owns.
 * It takes the references any L1 entry holds (a general one, and a
 * writable type one if RW: a page table or descriptor page is refused
 * -EBUSY), so from then on it is an entry like the others: whoever
 * removes it (unmap_grant_ref, an mmu_update over it, the table's
 * devalidation) drops them, and no path can leave it pointing at a freed
 * or retyped frame. The old entry's references are dropped after the
 * write. Returns 0, -EINVAL (disallowed flags), -EBUSY, -EPERM (not RAM).
 */
int pgt_set_foreign_l1e(mfn_t table, unsigned idx, u64 val, u16 frame_owner)
{
	struct page_info *pg = mfn_to_page(table);
	u64 *t = mfn_to_virt(table);
	u64 old = t[idx];
	int rc;

	BUG_ON(pgt_level(pg->type) != 1 || !(pg->flags & PGF_validated) ||
	       idx >= PT_ENTRIES || !(val & PTE_P));
	rc = get_l1e(val, frame_owner);
	if (rc)
		return rc;
	write_entry(&t[idx], pgt_adjust_entry(1, val, pgt_env_user_pages(pg->owner)), false);
	put_entry(1, old, false);
	return 0;
}

/*
 * unmap_and_replace's move (core/grant_map.c): entry sidx of the
 * validated L1 src goes to entry didx of the validated L1 dst with its
 * references, and src's is cleared; the old dst entry's references are
 * dropped. Both tables are the same domain's, so the moved entry is as
 * valid in one as in the other.
 */
void pgt_move_l1e(mfn_t dst, unsigned didx, mfn_t src, unsigned sidx)
{
	u64 *d = mfn_to_virt(dst), *s = mfn_to_virt(src);
	u64 old = d[didx], val = s[sidx];

	BUG_ON(pgt_level(mfn_to_page(dst)->type) != 1 ||
	       pgt_level(mfn_to_page(src)->type) != 1 ||
	       mfn_to_page(dst)->owner != mfn_to_page(src)->owner ||
	       didx >= PT_ENTRIES || sidx >= PT_ENTRIES);
	if (dst == src && didx == sidx)
		return;
	write_entry(&s[sidx], 0, false);
	write_entry(&d[didx], val, false);
	put_entry(1, old, false);
}

/*
 * MMU_NORMAL_PT_UPDATE / MMU_PT_UPDATE_PRESERVE_AD at machine address ptr
 * (8-aligned) of a frame dom owns, as Xen's do_mmu_update: into a
 * validated page table, a validated entry (mod_entry, preemptible with
 * deferred); into any frame that can be typed writable, a plain checked
 * store. A descriptor page in use, a partial table, or a frame dom does
 * not own, is refused with -EINVAL.
 */
int pgt_mmu_normal_update(u64 ptr, u64 val, bool preserve_ad, u16 dom,
			  mfn_t *deferred)
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
			rc = mod_entry(mfn, idx, val, preserve_ad, deferred);
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
 * another type in use; or the error validating it found; preemptible
 * with deferred (-ERESTART: not pinned yet, pin it again).
 */
int pgt_pin(mfn_t mfn, enum page_type type, u16 dom, mfn_t *deferred)
{
	struct page_info *pg = mfn_to_page(mfn);
	int rc = get_ref(mfn, dom, type, deferred);

	if (rc)
		return rc;
	if (pg->flags & PGF_pinned) {
		put_page_and_type(mfn);		/* not the last: the pin's is there */
		return -XEN_EINVAL;
	}
	pg->flags |= PGF_pinned;
	return 0;
}

/*
 * MMUEXT_UNPIN_TABLE: -EINVAL unless dom owns it and it is pinned. Done
 * when it returns 0; with deferred, the end of a long devalidation may be
 * owed.
 */
int pgt_unpin(mfn_t mfn, u16 dom, mfn_t *deferred)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (!get_page(mfn, dom))
		return -XEN_EINVAL;
	if (!(pg->flags & PGF_pinned)) {
		put_page(mfn);
		return -XEN_EINVAL;
	}
	pg->flags &= ~PGF_pinned;
	put_ref(mfn, deferred);		/* the pin's references */
	put_page(mfn);			/* ours */
	return 0;
}

/* ---- Walking a guest's tables ------------------------------------------------ */

/*
 * The L1 table that maps va in the validated tree under l4, as Xen's
 * map_guest_l1e: every level present, no superpage. -EINVAL otherwise.
 */
int pgt_find_l1(mfn_t l4, u64 va, mfn_t *l1)
{
	mfn_t mfn = l4;

	if (!guest_va_ok(va))
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
