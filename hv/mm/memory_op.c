/*
 * memory_op.c - HYPERVISOR_memory_op: a domain's memory map and size, and
 * giving frames back and taking new ones (ballooning).
 *
 * Runs in: hypervisor, on the calling vCPU, interrupts off.
 * Trusts: nothing in the request; every frame named must be the caller's.
 *
 * A PV guest names machine frames itself: its P2M (start_info.mfn_list)
 * maps its pfns to them and the M2P maps back. The hypervisor keeps the
 * M2P exact for every frame a domain owns: the builder writes it, a frame
 * given back (decrease_reservation) loses its entry, a new one
 * (populate_physmap) gets the pfn the guest asked for, and
 * MMU_MACHPHYS_UPDATE lets the guest move an entry of a frame of its own.
 * d->p2m, the hypervisor's copy of the P2M, follows the first three.
 *
 * Reservation operations report how many extents they completed, as Xen
 * does: an error (including an unreadable request) ends the batch early
 * rather than returning a negative value. Extents of up to 2^9 frames, as
 * Xen allows an unprivileged domain. A batch is preemptible between two
 * extents, as on Xen: it goes on later as memory_op(op | done <<
 * MEMOP_EXTENT_SHIFT, arg) (core/continuation.c), which is also how a
 * guest asks to start at extent `done`; so a batch has at most
 * MEMOP_MAX_EXTENTS (2^26 - 1) extents.
 */
#include "hv.h"
#include "layout.h"
#include "core/continuation.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "mm/frame.h"
#include "mm/m2p.h"
#include "mm/page_info.h"
#include "mm/pgtype.h"
#include "mm/pv_mm.h"
#include "pvabi/errno.h"
#include "pvabi/memory.h"

#define MAX_EXTENT_ORDER	9	/* Xen's limit for a domU: 2 MiB */

/* The domain a request names: only the caller (DOMID_SELF or its own id). */
static int self_domain(const struct domain *d, domid_t id)
{
	if (id == DOMID_SELF || id == d->id)
		return 0;
	return domain_by_id(id) ? -XEN_EPERM : -XEN_ESRCH;
}

/* ---- Giving frames back --------------------------------------------------------- */

/* One frame of an extent given back; extent_releasable() said it may be. */
static void release_frame(struct domain *d, mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);
	u64 pfn = m2p_get(mfn);

	if (pfn < d->nr_pages && d->p2m[pfn] == mfn)
		d->p2m[pfn] = INVALID_MFN;
	m2p_set(mfn, INVALID_M2P_ENTRY);
	pg->flags &= ~PGF_allocated;
	/* Freed now, or when the last mapping of it goes (as on Xen). */
	put_page(mfn);
}

/* Every frame of the extent is the domain's own, allocated, not lent to it. */
static bool extent_releasable(struct domain *d, mfn_t first, u64 n)
{
	for (u64 j = 0; j < n; j++) {
		struct page_info *pg = mfn_to_page(first + j);

		if (!pg || pg->owner != d->id || !(pg->flags & PGF_allocated) ||
		    (pg->flags & PGF_hv_owned))
			return false;
	}
	return true;
}

/* ---- Taking new frames -------------------------------------------------------------- */

/*
 * Zeroing an extent of 2^9 frames takes 2-8 ms under QEMU, too long to do
 * with every other domain waiting. So an extent is zeroed 16 frames at a
 * time with a preemption check in between; stopped, it is kept in the
 * vCPU that asked (one per vCPU: two vCPUs of a domain filling their own
 * batches side by side must not throw each other's work away) and the
 * batch is continued at the same extent, which finishes zeroing it. Until
 * it is whole the extent's frames are nobody's (count 0): no guest can
 * reach them, so none reads what their last owner left. A vCPU that makes
 * another request instead, or a domain that ends, gives the extent back
 * to the allocator.
 */
#define ZERO_CHECK_EVERY	16

static void partial_drop(struct vcpu *v)
{
	struct memop_partial *p = &v->memop_partial;

	if (!p->frames)
		return;
	frame_free_contig(p->first, p->frames);
	v->domain->tot_pages -= p->frames;
	p->frames = 0;
}

/* The domain ends: an extent it was being given goes back. */
void memory_op_teardown(struct domain *d)
{
	for (int i = 0; i < d->nr_vcpus; i++)
		partial_drop(&d->vcpus[i]);
}

/*
 * A new, zeroed extent of 2^order frames for d, for extent `index` of
 * batch `op`: its first mfn; INVALID_MFN if there is none; -ERESTART in
 * *rc (and INVALID_MFN) if preempted while zeroing it.
 */
static mfn_t alloc_extent(struct domain *d, u32 order, u64 op, u64 index, int *rc)
{
	struct memop_partial *p = &current->memop_partial;
	u64 n = 1ULL << order;
	mfn_t first;

	*rc = 0;
	if (p->frames && (p->op != op || p->index != index || p->frames != n))
		partial_drop(current);	/* the guest went on with something else */
	if (!p->frames) {
		if (d->tot_pages + n > d->max_pages)
			return INVALID_MFN;
		mm_flush_deferred();	/* no stale translation of a freed frame survives */
		first = order ? frame_alloc_contig(n, n) : frame_alloc();
		if (first == INVALID_MFN)
			return INVALID_MFN;
		d->tot_pages += n;
		*p = (struct memop_partial){ .first = first, .frames = n, .zeroed = 0,
					     .op = op, .index = index };
	}
	for (u64 j = p->zeroed; j < n; j++) {
		if (j > p->zeroed && j % ZERO_CHECK_EVERY == 0 && hypercall_preempt_check()) {
			p->zeroed = j;
			*rc = -XEN_ERESTART;
			return INVALID_MFN;
		}
		memset(mfn_to_virt(p->first + j), 0, PAGE_SIZE);	/* no leftovers */
	}
	first = p->first;
	p->frames = 0;
	for (u64 j = 0; j < n; j++) {
		struct page_info *pg = mfn_to_page(first + j);

		memset(pg, 0, sizeof(*pg));
		pg->owner = d->id;
		pg->count = 1;
		pg->flags = PGF_allocated;
		m2p_set(first + j, INVALID_M2P_ENTRY);
	}
	return first;
}

/* Give a frame just allocated back, before the guest learned of it. */
static void free_extent(mfn_t first, u32 order)
{
	for (u64 j = 0; j < (1ULL << order); j++) {
		mfn_to_page(first + j)->flags &= ~PGF_allocated;
		put_page(first + j);
	}
}

/*
 * populate_physmap: the pfns gpfn..+2^order, not backed now, get frames
 * (extent `index` of the batch; -ERESTART: preempted, go on later).
 */
static int populate_one(struct domain *d, u64 gpfn, u32 order, u64 index, mfn_t *out)
{
	u64 n = 1ULL << order;
	mfn_t first;
	int rc;

	if (gpfn >= d->nr_pages || n > d->nr_pages - gpfn)
		return -XEN_EINVAL;
	for (u64 j = 0; j < n; j++) {
		if (d->p2m[gpfn + j] != INVALID_MFN)
			return -XEN_EBUSY;	/* still backed: give it back first */
	}
	first = alloc_extent(d, order, XENMEM_populate_physmap, index, &rc);
	if (rc)
		return rc;
	if (first == INVALID_MFN)
		return -XEN_ENOMEM;
	for (u64 j = 0; j < n; j++) {
		m2p_set(first + j, gpfn + j);
		d->p2m[gpfn + j] = first + j;
	}
	*out = first;
	return 0;
}

/* A reservation batch, for batch_run(). */
struct resv {
	struct domain *d;
	u64 op;
	u64 start;		/* the first extent of this call */
	struct xen_memory_reservation r;
};

/*
 * Extent start + i: 0 done, 1 to end the batch there (Xen: no error),
 * -ERESTART to go on with it later (preempted while zeroing it).
 */
static long reservation_item(void *ctx, u32 i)
{
	struct resv *b = ctx;
	struct domain *d = b->d;
	const struct xen_memory_reservation *r = &b->r;
	u64 index = b->start + i, at = r->extent_start + index * sizeof(xen_pfn_t);
	xen_pfn_t x;
	mfn_t mfn;
	int rc;

	if (b->op != XENMEM_increase_reservation && copy_from_guest(&x, at, sizeof(x)))
		return 1;
	if (b->op == XENMEM_decrease_reservation) {
		if (!extent_releasable(d, x, 1ULL << r->extent_order))
			return 1;
		for (u64 j = 0; j < (1ULL << r->extent_order); j++)
			release_frame(d, x + j);
		return 0;
	}
	if (b->op == XENMEM_populate_physmap) {
		rc = populate_one(d, x, r->extent_order, index, &mfn);
		if (rc)
			return rc == -XEN_ERESTART ? rc : 1;
	} else {
		/* No pfn: the M2P entries stay invalid. */
		mfn = alloc_extent(d, r->extent_order, b->op, index, &rc);
		if (rc)
			return rc;
		if (mfn == INVALID_MFN)
			return 1;
	}
	x = mfn;
	if (r->extent_start && copy_to_guest(at, &x, sizeof(x))) {
		if (b->op == XENMEM_populate_physmap) {
			u64 pfn = m2p_get(mfn);

			for (u64 j = 0; j < (1ULL << r->extent_order); j++)
				d->p2m[pfn + j] = INVALID_MFN;
		}
		free_extent(mfn, r->extent_order);
		return 1;
	}
	return 0;
}

static bool reservation_preempt(void *ctx)
{
	(void)ctx;
	return hypercall_preempt_check();
}

/*
 * XENMEM_increase_reservation, decrease_reservation, populate_physmap:
 * extent i of the array extent_start, from start on. Returns extents done,
 * or makes a continuation from the extent reached (Xen's checks, in
 * Xen's order: a request it cannot read, more extents than the
 * continuation can encode, a start at or past the end: nothing done).
 */
static long reservation(struct domain *d, u64 op, u64 start, u64 arg)
{
	struct resv b = { .d = d, .op = op, .start = start };
	u32 done = 0;
	long rc;
	bool preempted;

	if (copy_from_guest(&b.r, arg, sizeof(b.r)))
		return (long)start;	/* Xen's answer to an unreadable request */
	if (b.r.nr_extents > MEMOP_MAX_EXTENTS || start >= b.r.nr_extents)
		return (long)start;
	if (self_domain(d, b.r.domid))	/* another domain: -EPERM; none: nothing done */
		return self_domain(d, b.r.domid) == -XEN_EPERM ? -XEN_EPERM : (long)start;
	if (b.r.extent_order > MAX_EXTENT_ORDER)
		return (long)start;
	/* An extent can be 512 frames to zero: ask before every one. */
	preempted = batch_run((u32)(b.r.nr_extents - start), 1, reservation_item,
			      reservation_preempt, &b, &done, &rc);
	mm_flush_deferred();
	if (preempted)
		return hypercall_create_continuation(__HYPERVISOR_memory_op, 2,
						     memop_cmd(op, start + done), arg,
						     0, 0, 0);
	return (long)(start + done);
}

/* ---- Queries ------------------------------------------------------------------------ */

/* XENMEM_memory_map: one RAM range, pseudo-physical 0 to nr_pages. */
static long memory_map(const struct domain *d, u64 arg)
{
	struct xen_memory_map map;
	struct e820entry e = { .addr = 0, .size = d->nr_pages << PAGE_SHIFT,
			       .type = E820_RAM };

	if (copy_from_guest(&map, arg, sizeof(map)))
		return -XEN_EFAULT;
	map.nr_entries = MIN(map.nr_entries, 1u);
	if ((map.nr_entries && copy_to_guest(map.buffer, &e, sizeof(e))) ||
	    copy_to_guest(arg, &map, sizeof(map)))
		return -XEN_EFAULT;
	return 0;
}

static long machphys_mapping(u64 arg)
{
	struct xen_machphys_mapping m = {
		.v_start = MACH2PHYS_VIRT_START,
		.v_end = MACH2PHYS_VIRT_END,
		.max_mfn = frame_table_size - 1,
	};

	return copy_to_guest(arg, &m, sizeof(m)) ? -XEN_EFAULT : 0;
}

/* current_reservation, maximum_reservation, maximum_gpfn: a domid names whose. */
static long domain_query(const struct domain *d, u64 op, u64 arg)
{
	domid_t id;
	int rc;

	if (copy_from_guest(&id, arg, sizeof(id)))
		return -XEN_EFAULT;
	rc = self_domain(d, id);
	if (rc)
		return rc;
	if (op == XENMEM_current_reservation)
		return (long)d->tot_pages;
	if (op == XENMEM_maximum_reservation)
		return (long)d->max_pages;
	return (long)(d->nr_pages ? d->nr_pages - 1 : 0);	/* maximum_gpfn */
}

/*
 * do_memory_op - the domain's memory.
 *   XENMEM_increase_reservation, XENMEM_decrease_reservation,
 *   XENMEM_populate_physmap: IN/OUT struct xen_memory_reservation; returns
 *       the extents done (decrease: mfns given back, each the caller's;
 *       populate: pfns below nr_pages not backed now get new zeroed frames,
 *       mfns written back, M2P set; increase: frames with no pfn). Within
 *       the domain's maximum reservation (its boot size).
 *   XENMEM_maximum_ram_page: the highest machine frame + 1
 *   XENMEM_current_reservation, maximum_reservation, maximum_gpfn: IN domid
 *   XENMEM_memory_map: IN/OUT struct xen_memory_map: one E820_RAM entry
 *       of nr_pages pages
 *   XENMEM_machphys_mapping: OUT where the read-only M2P is, and its last mfn
 * Errors: -EFAULT, -EPERM/-ESRCH for another domain, -EINVAL for a resume
 * index on a query, -ENOSYS for the rest. Never blocks. The reservation
 * operations are preemptible between two extents: continued as
 * memory_op(op | extents done << MEMOP_EXTENT_SHIFT, arg).
 */
long do_memory_op(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5)
{
	struct domain *d = current->domain;
	u64 op = cmd & MEMOP_CMD_MASK, start = cmd >> MEMOP_EXTENT_SHIFT;

	(void)a3, (void)a4, (void)a5;
	switch (op) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation(d, op, start, arg);
	default:
		break;
	}
	if (start)
		return -XEN_EINVAL;
	switch (op) {
	case XENMEM_maximum_ram_page:
		return (long)frame_table_size;
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_maximum_gpfn:
		return domain_query(d, op, arg);
	case XENMEM_memory_map:
		return memory_map(d, arg);
	case XENMEM_machphys_mapping:
		return machphys_mapping(arg);
	default:
		return -XEN_ENOSYS;
	}
}
