/*
 * grant_map.c - mapping a page another domain granted: GNTTABOP_map_grant_ref,
 * unmap_grant_ref and unmap_and_replace, and what becomes of the mappings
 * when either side ends.
 *
 * Runs in: hypervisor, on the calling vCPU under the big lock; and at
 * domain teardown. Trusts: nothing in the requests (handles, references,
 * domain ids, addresses are checked) nor in the grant entries (the
 * granter may rewrite them at any moment: core/gnttab_pin.c).
 *
 * A mapping (one handle of the mapper's maptrack) is a host mapping (a PTE
 * at host_addr, a virtual address in the caller's current page tables, as
 * Linux's gnttab_map_refs gives in PV), a device mapping (no PTE: the
 * frame's machine address is returned as dev_bus_addr, which is what a
 * PV domain without an IOMMU would hand a device), or both; read-only or
 * not. What holds what:
 *
 *  - The granter's entry is pinned (its active entry counts host and
 *    device pins, read-only and writable: GTF_reading/GTF_writing stay
 *    set in the entry while any is held).
 *  - Each kind held holds the frame: a general reference, and a writable
 *    type reference unless read-only. So a frame mapped writable anywhere
 *    by grant can never become a page table or a descriptor page (the
 *    invariant XSA-224/234 probe), and no frame is freed while mapped.
 *  - The PTE holds its own references too, the ones any L1 entry holds
 *    (mm/pgtype.c: pgt_set_foreign_l1e): it is an ordinary validated entry
 *    from then on. Whichever path removes it drops exactly those:
 *    unmap_grant_ref, an mmu_update or update_va_mapping that clears it
 *    (allowed: the grant stays held, and unmap_grant_ref then answers
 *    GNTST_general_error as the PTE no longer matches; the mapper's end
 *    releases it), or its L1's devalidation (an unpin, the mapper's end).
 *    Nothing can change it into anything else: it maps a frame the table's
 *    owner does not own, so any new value other than the same frame with
 *    the same rights (A/D, and the guest's own bits) is refused -EBUSY. So
 *    no path leaves a PTE to a freed or retyped frame, and pvisor needs
 *    none of Xen's special cases for a grant PTE met elsewhere (Xen
 *    crashes a domain that drops one implicitly; pvisor does not have to).
 *
 * Unmapping removes the PTE, then flushes every CPU's TLB (the mapper may
 * run on any), and only then unpins the entry (the granter may take the
 * frame back once GTF_writing/GTF_reading are clear) and drops the
 * references (the frame may then be freed or retyped).
 *
 * The mapper ends: every mapping it holds is released (domain_destroy()
 * flushed the TLBs already; its PTEs go with its page tables). The
 * granter ends: its active entries go; a mapper unmapping later has
 * nothing to unpin. Its frames still mapped by others (PGF_granted) are
 * not leaks: the teardown (mm/pv_mm.c) leaves them allocated, and they
 * are freed by their last reference's put_page.
 */
#include "hv.h"
#include "core/domain.h"
#include "core/gnttab_pin.h"
#include "core/grant_table.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "mm/frame.h"
#include "mm/page_info.h"
#include "mm/pgtype.h"
#include "mm/pv_mm.h"
#include "pvabi/errno.h"
#include "pvabi/grant_table.h"
#include "pvabi/xen.h"

#define MAPTRACK_NR	((u32)(MAPTRACK_FRAMES * PAGE_SIZE / sizeof(struct gnt_map)))

/* The PTE bits the guest may choose (XENFEAT_gnttab_map_avail_bits): 9-11. */
#define GNT_AVAIL_SHIFT	9
#define GNT_AVAIL_BITS	7ULL

/* d's maptrack, allocated at its first mapping: false if out of memory. */
static bool maptrack_ready(struct domain *d)
{
	mfn_t m;

	if (d->maptrack.ents)
		return true;
	m = frame_alloc_contig(MAPTRACK_FRAMES, 1);
	if (m == INVALID_MFN)
		return false;
	d->maptrack_first = m;
	gnt_maptrack_init(&d->maptrack, mfn_to_virt(m), MAPTRACK_NR);
	return true;
}

/* The pins a mapping of these kinds takes. */
static u32 pins_of(u16 kinds, bool ro)
{
	u32 pin = 0;

	if (kinds & GNTMAP_host_map)
		pin += ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
	if (kinds & GNTMAP_device_map)
		pin += ro ? GNTPIN_devr_inc : GNTPIN_devw_inc;
	return pin;
}

/* The references one kind of mapping holds on its frame. */
static bool hold_frame(mfn_t mfn, u16 owner, bool ro)
{
	if (!get_page(mfn, owner))
		return false;
	if (!ro && get_page_type(mfn, PGT_writable)) {
		put_page(mfn);		/* a page table or descriptor page */
		return false;
	}
	return true;
}

static void drop_frame(mfn_t mfn, bool ro)
{
	if (!ro)
		put_page_type(mfn);
	put_page(mfn);
}

/* The L1 entry that maps va in v's current page tables; false if none. */
static bool find_pte(struct vcpu *v, u64 va, mfn_t *l1, unsigned *idx)
{
	if (pgt_find_l1(v->cr3_kernel, va, l1))
		return false;
	*idx = (va >> PAGE_SHIFT) & 511;
	return true;
}

/*
 * GNTMAP_contains_pte: host_addr is the machine address of the entry
 * itself (Linux's xenbus_map_ring_valloc gives it in a PV backend, for
 * the frontend's rings: netback, blkback). As Xen: the entry must be in
 * an L1 table of ld's that is in use (validated); else false.
 */
static bool find_pte_maddr(const struct domain *ld, u64 maddr, mfn_t *l1, unsigned *idx)
{
	mfn_t mfn = maddr >> PAGE_SHIFT;
	bool ok;

	if ((maddr & 7) || !get_page(mfn, ld->id))
		return false;
	ok = pgt_is_validated(mfn, PGT_l1);
	put_page(mfn);
	*l1 = mfn;
	*idx = (maddr & (PAGE_SIZE - 1)) >> 3;
	return ok;
}

/* The entry a host mapping's address names: by virtual or machine address. */
static bool locate_pte(const struct domain *ld, u64 addr, u16 flags, mfn_t *l1, unsigned *idx)
{
	if (flags & GNTMAP_contains_pte)
		return find_pte_maddr(ld, addr, l1, idx);
	return find_pte(current, addr, l1, idx);
}

static u64 pte_at(mfn_t l1, unsigned idx)
{
	return __atomic_load_n((u64 *)mfn_to_virt(l1) + idx, __ATOMIC_RELAXED);
}

/* Is the entry at l1[idx] the host mapping m made: its frame, its rights? */
static bool pte_matches(mfn_t l1, unsigned idx, const struct gnt_map *m)
{
	u64 e = pte_at(l1, idx);
	bool ro = m->flags & GNTMAP_readonly;

	return (e & PTE_P) && pte_mfn(e) == m->frame && !(e & PTE_RW) == ro;
}

/*
 * What undoing (part of) a mapping leaves to do once the TLBs are flushed:
 * the mapping as it was, the kinds undone, and whether the handle goes.
 */
struct unmap_pending {
	struct gnt_map m;
	u32 handle;
	u16 kinds;
	bool last;
};

/*
 * Take the kinds off mapping m (handle of ld's) at once, so that no later
 * request sees them, and note what they hold for finish_release().
 */
static void detach(u32 handle, struct gnt_map *m, u16 kinds, struct unmap_pending *p)
{
	p->m = *m;
	p->handle = handle;
	p->kinds = kinds;
	m->flags &= (u16)~kinds;
	p->last = !(m->flags & GNT_MAP_KINDS);
}

/*
 * Let go of what a detached mapping held: the references first, then the
 * pins in the granter's entry if it still runs (the caller flushed the
 * TLBs: no CPU may write through a stale translation once GTF_writing is
 * clear). The handle goes when nothing is left.
 */
static void finish_release(struct domain *ld, const struct unmap_pending *p)
{
	bool ro = p->m.flags & GNTMAP_readonly;
	struct domain *rd = domain_by_id(p->m.dom);

	if (p->kinds & GNTMAP_host_map)
		drop_frame(p->m.frame, ro);
	if (p->kinds & GNTMAP_device_map)
		drop_frame(p->m.frame, ro);
	if (rd) {
		struct gnt_entry e;
		bool in_table = gnttab_entry(rd, p->m.ref, &e);

		/*
		 * The pin kept the entry in the table: a table cannot change
		 * format while entries beyond the reserved 8 are pinned, and
		 * those are in the table in either format.
		 */
		BUG_ON(!in_table);
		gnt_unpin(&e, gnttab_active(rd, p->m.ref), pins_of(p->kinds, ro));
	}
	if (p->last)
		gnt_maptrack_free(&ld->maptrack, p->handle);
	ld->stats.gnt_unmaps++;
}

/* Both at once, for a caller that flushed already. */
static void release(struct domain *ld, u32 handle, struct gnt_map *m, u16 kinds)
{
	struct unmap_pending p;

	detach(handle, m, kinds, &p);
	finish_release(ld, &p);
}

/* The PTE of a host mapping: the bits Xen gives it, and the guest's. */
static u64 grant_pte(mfn_t mfn, u32 flags)
{
	u64 e = (mfn << PAGE_SHIFT) | PTE_P | PTE_A | PTE_D | PTE_NX;

	if (!(flags & GNTMAP_readonly))
		e |= PTE_RW;
	if (flags & GNTMAP_application_map)
		e |= PTE_US;
	return e | (((u64)flags >> _GNTMAP_guest_avail0) & GNT_AVAIL_BITS) << GNT_AVAIL_SHIFT;
}

/* Take n (1 or 2) holds of the frame; all or none. */
static bool hold_kinds(mfn_t mfn, u16 owner, bool ro, int n)
{
	if (!hold_frame(mfn, owner, ro))
		return false;
	if (n == 2 && !hold_frame(mfn, owner, ro)) {
		drop_frame(mfn, ro);
		return false;
	}
	return true;
}

/* Put the host mapping's PTE at l1[idx]; false if the frame cannot be mapped so. */
static bool install_pte(mfn_t l1, unsigned idx, mfn_t mfn, u32 flags, u16 owner)
{
	bool was_present = pte_at(l1, idx) & PTE_P;

	if (pgt_set_foreign_l1e(l1, idx, grant_pte(mfn, flags), owner))
		return false;
	if (was_present)	/* the old translation may be cached anywhere */
		mm_flush_local();
	return true;
}

/* One map request: its status; op->handle, dev_bus_addr set on success. */
static int map_one(struct domain *ld, struct gnttab_map_grant_ref *op)
{
	u16 kinds = op->flags & GNT_MAP_KINDS;
	bool ro = op->flags & GNTMAP_readonly;
	int nholds = (kinds & GNTMAP_host_map ? 1 : 0) + (kinds & GNTMAP_device_map ? 1 : 0);
	struct gnt_entry e;
	struct gnt_active *act;
	struct domain *rd;
	struct gnt_map *m;
	mfn_t l1 = 0;
	unsigned idx = 0;
	u32 handle;
	int rc;

	if (!kinds)
		return GNTST_bad_gntref;
	rd = gnttab_granter(ld, op->dom, false);
	if (!rd)
		return GNTST_bad_domain;
	if (!gnttab_entry(rd, op->ref, &e))
		return GNTST_bad_gntref;
	if ((kinds & GNTMAP_host_map) &&
	    !locate_pte(ld, op->host_addr, (u16)op->flags, &l1, &idx))
		return GNTST_general_error;
	if (!maptrack_ready(ld) || !(m = gnt_maptrack_alloc(&ld->maptrack, &handle)))
		return GNTST_no_space;
	act = gnttab_active(rd, op->ref);
	rc = gnt_pin(&e, act, ld->id, pins_of(kinds, ro), GNT_USE_MAP);
	if (rc)
		goto free_handle;
	rc = GNTST_general_error;
	if (!hold_kinds(act->frame, rd->id, ro, nholds))
		goto unpin;
	if ((kinds & GNTMAP_host_map) &&
	    !install_pte(l1, idx, act->frame, op->flags, rd->id))
		goto drop;
	m->ref = op->ref;
	m->frame = act->frame;
	m->dom = rd->id;
	m->flags = kinds | (ro ? GNTMAP_readonly : 0) |
		   (op->flags & GNTMAP_host_map ? op->flags & GNTMAP_contains_pte : 0);
	if (rd != ld)
		mfn_to_page(act->frame)->flags |= PGF_granted;
	op->handle = handle;
	op->dev_bus_addr = kinds & GNTMAP_device_map ? (u64)act->frame << PAGE_SHIFT : 0;
	ld->stats.gnt_maps++;
	return GNTST_okay;
drop:
	while (nholds--)
		drop_frame(act->frame, ro);
unpin:
	gnt_unpin(&e, act, pins_of(kinds, ro));
free_handle:
	gnt_maptrack_free(&ld->maptrack, handle);
	return rc;
}

/*
 * GNTTABOP_map_grant_ref - map a page another domain (or the caller)
 * granted.
 *   IN  count struct gnttab_map_grant_ref {host_addr, flags, ref, dom}:
 *       flags GNTMAP_host_map (a PTE at host_addr, a virtual address in
 *       the caller's current page tables whose L1 exists, or with
 *       GNTMAP_contains_pte the machine address of the PTE itself, in an
 *       L1 table of the caller's in use; the PTE is
 *       present, accessed, dirty, NX, writable unless GNTMAP_readonly,
 *       user if GNTMAP_application_map, bits 9-11 from flags' bits 16-18)
 *       and/or GNTMAP_device_map (dev_bus_addr: the frame's machine
 *       address; no IOMMU)
 *   OUT status; handle and dev_bus_addr on success
 * The entry must have GTF_permit_access for the caller (and not
 * GTF_readonly unless GNTMAP_readonly); GTF_reading, and GTF_writing for
 * a writable mapping, are set in it until the mapping goes. Statuses:
 * GNTST_okay; bad_gntref (no kind asked, or ref beyond the table);
 * bad_domain (dom not a running domain: DOMID_SELF too, as Xen);
 * general_error (no L1 maps host_addr; with GNTMAP_contains_pte,
 * host_addr is not 8-byte aligned or not in an L1 of the caller's in use;
 * the entry does not grant it; the entry is pinned by
 * another domain or 127 times; its frame is not the granter's, or is a
 * page table or descriptor page for a writable mapping); no_space (2048
 * mappings held). An existing PTE at host_addr is replaced (its
 * references dropped, TLBs flushed). Returns 0; -EFAULT (request
 * unreadable, result unwritable: a mapping made stays, released at the
 * caller's end). Does not block; batches are preempted between requests.
 */
long gnttab_map_req(struct domain *d, u64 addr)
{
	struct gnttab_map_grant_ref op;

	if (copy_from_guest(&op, addr, sizeof(op)))
		return -XEN_EFAULT;
	op.status = (int16_t)map_one(d, &op);
	if (op.status == GNTST_okay &&
	    copy_to_guest(addr + offsetof(struct gnttab_map_grant_ref, handle), &op.handle,
			  sizeof(op.handle) + sizeof(op.dev_bus_addr)))
		return -XEN_EFAULT;
	if (copy_to_guest(addr + offsetof(struct gnttab_map_grant_ref, status), &op.status,
			  sizeof(op.status)))
		return -XEN_EFAULT;
	return 0;
}

/*
 * Clear the host mapping of m at addr (a virtual address, or the entry's
 * machine address if it was made so) if it is there; false if it is not.
 */
static bool clear_host(const struct domain *ld, u64 addr, const struct gnt_map *m)
{
	mfn_t l1;
	unsigned idx;

	if (!(m->flags & GNTMAP_host_map) || !locate_pte(ld, addr, m->flags, &l1, &idx) ||
	    !pte_matches(l1, idx, m))
		return false;
	BUG_ON(pgt_mod_entry(l1, idx, 0, false));	/* drops the PTE's references */
	return true;
}

/*
 * One unmap request: its status. What it undoes is detached into *p
 * (*np counts them) for after the flush; *flush: a PTE was cleared.
 */
static int unmap_one(struct domain *ld, const struct gnttab_unmap_grant_ref *op,
		     struct unmap_pending *p, int *np, bool *flush)
{
	struct gnt_map *m = gnt_maptrack_find(&ld->maptrack, op->handle);
	u16 kinds = 0;

	if (!m)
		return GNTST_bad_handle;
	if (op->dev_bus_addr) {
		if (!(m->flags & GNTMAP_device_map) ||
		    op->dev_bus_addr != (u64)m->frame << PAGE_SHIFT)
			return GNTST_general_error;
		kinds |= GNTMAP_device_map;
	}
	if (op->host_addr) {
		if (!clear_host(ld, op->host_addr, m))
			return GNTST_general_error;
		kinds |= GNTMAP_host_map;
		*flush = true;
	}
	if (kinds)
		detach(op->handle, m, kinds, &p[(*np)++]);
	return GNTST_okay;
}

/*
 * Up to UNMAP_CHUNK requests share one flush of every CPU's TLB (an IPI
 * round: ~0.2 ms on 2 CPUs under QEMU, and much more on a loaded host),
 * which Linux's netback, unmapping a batch per packet ring pass, would
 * otherwise pay per page.
 */
#define UNMAP_CHUNK	16

static long unmap_chunk(struct domain *d, u64 uop, u32 n, u32 *done)
{
	struct unmap_pending pend[UNMAP_CHUNK];
	int16_t status[UNMAP_CHUNK];
	bool flush = false;
	long rc = 0;
	int np = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		struct gnttab_unmap_grant_ref op;

		if (copy_from_guest(&op, uop + (u64)i * sizeof(op), sizeof(op))) {
			rc = -XEN_EFAULT;
			break;
		}
		status[i] = (int16_t)unmap_one(d, &op, pend, &np, &flush);
	}
	if (flush)
		mm_flush_local();	/* before the frames can be taken back */
	for (int k = 0; k < np; k++)
		finish_release(d, &pend[k]);
	*done = i;
	for (u32 k = 0; k < i; k++)
		if (copy_to_guest(uop + (u64)k * sizeof(struct gnttab_unmap_grant_ref) +
				  offsetof(struct gnttab_unmap_grant_ref, status),
				  &status[k], sizeof(status[k])))
			return -XEN_EFAULT;
	return rc;
}

/*
 * GNTTABOP_unmap_grant_ref - undo (part of) a mapping.
 *   IN  count struct gnttab_unmap_grant_ref {host_addr, dev_bus_addr, handle}:
 *       host_addr != 0 undoes the host mapping there (the PTE's machine
 *       address if the mapping was made with GNTMAP_contains_pte, as
 *       Xen remembers it), dev_bus_addr != 0
 *       the device mapping (it must be the one map gave); each alone or
 *       both
 *   OUT status
 * A host mapping is undone only if the PTE at host_addr in the current
 * page tables is still the one map made (its frame, its rights); it is
 * cleared, every CPU's TLB flushed, and only then is the grant unpinned
 * (GTF_writing/GTF_reading cleared when the last such pin goes) and the
 * frame's references dropped. The handle is freed when no kind is left.
 * Statuses: GNTST_okay; bad_handle (not a mapping of the caller's: never
 * made, already undone, forged); general_error (no host mapping, or no
 * longer the PTE at host_addr; no device mapping, or a different
 * dev_bus_addr): nothing changes then. Returns 0 or -EFAULT. Does not
 * block. Requests are taken 16 at a time, with one TLB flush for them
 * (unmap_chunk): each request still sees the ones before it done; a batch
 * is preempted between chunks.
 */
long gnttab_unmap(struct domain *d, u32 cmd, u64 uop, u32 count)
{
	const u32 size = sizeof(struct gnttab_unmap_grant_ref);

	for (u32 i = 0; i < count; ) {
		u32 n = count - i < UNMAP_CHUNK ? count - i : UNMAP_CHUNK, done;
		long rc;

		if (i && hypercall_preempt_check())
			return hypercall_create_continuation(__HYPERVISOR_grant_table_op,
							     3, cmd, uop + (u64)i * size,
							     count - i, 0, 0);
		rc = unmap_chunk(d, uop + (u64)i * size, n, &done);
		if (rc)
			return rc;
		i += done;
	}
	return 0;
}

/* One unmap_and_replace request: its status. */
static int replace_one(struct domain *ld, const struct gnttab_unmap_and_replace *op)
{
	struct gnt_map *m = gnt_maptrack_find(&ld->maptrack, op->handle);
	mfn_t l1, nl1;
	unsigned idx, nidx;

	if (!m)
		return GNTST_bad_handle;
	if ((m->flags & GNTMAP_contains_pte) || !(m->flags & GNTMAP_host_map) ||
	    !find_pte(current, op->host_addr, &l1, &idx) || !pte_matches(l1, idx, m))
		return GNTST_general_error;
	if (op->new_addr) {
		if (!find_pte(current, op->new_addr, &nl1, &nidx))
			return GNTST_general_error;
		pgt_move_l1e(l1, idx, nl1, nidx);
	} else {
		BUG_ON(pgt_mod_entry(l1, idx, 0, false));
	}
	mm_flush_local();
	release(ld, op->handle, m, GNTMAP_host_map);
	return GNTST_okay;
}

/*
 * GNTTABOP_unmap_and_replace - undo a host mapping, putting another
 * mapping of the caller's in its place.
 *   IN  count struct gnttab_unmap_and_replace {host_addr, new_addr, handle}
 *   OUT status
 * The PTE at host_addr must be handle's host mapping (as unmap_grant_ref);
 * the PTE at new_addr (0: none) moves there with its references, and
 * new_addr's is cleared; then as unmap_grant_ref (flush, unpin, drop).
 * Moving a PTE changes no reference count, so a writable grant PTE moved
 * this way still holds its frame writable (XSA-234). Statuses: GNTST_okay,
 * bad_handle, general_error (not the host mapping at host_addr, or no L1
 * maps new_addr; a mapping made with GNTMAP_contains_pte, which Linux
 * never replaces: pvisor refuses it). Returns 0 or -EFAULT. Does not block.
 */
long gnttab_replace_req(struct domain *d, u64 addr)
{
	struct gnttab_unmap_and_replace op;

	if (copy_from_guest(&op, addr, sizeof(op)))
		return -XEN_EFAULT;
	op.status = (int16_t)replace_one(d, &op);
	if (copy_to_guest(addr + offsetof(struct gnttab_unmap_and_replace, status), &op.status,
			  sizeof(op.status)))
		return -XEN_EFAULT;
	return 0;
}

/*
 * The domain ends (core/grant_table.c: gnttab_destroy): every mapping it
 * holds is released, then its maptrack freed. Its PTEs are left to its
 * page tables' teardown, which drops their references.
 */
void gnttab_release_mappings(struct domain *d)
{
	if (!d->maptrack.ents)
		return;
	for (u32 h = 0; h < d->maptrack.nr; h++) {
		struct gnt_map *m = gnt_maptrack_find(&d->maptrack, h);

		if (m)
			release(d, h, m, m->flags & GNT_MAP_KINDS);
	}
	frame_free_contig(d->maptrack_first, MAPTRACK_FRAMES);
	d->maptrack.ents = NULL;
}
