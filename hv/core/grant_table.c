/*
 * grant_table.c - a domain's grant table: its frames, their size and
 * format, the active entries behind them, and GNTTABOP_copy. Mapping
 * through a grant is core/grant_map.c; the flag protocol and the
 * maptrack, pure logic, are core/gnttab_pin.c.
 *
 * Runs in: hypervisor, on the calling vCPU, interrupts off, under the big
 * lock; at domain build and teardown. Trusts: nothing in the requests
 * (counts, domain ids, references, offsets and guest addresses are
 * checked before use) nor in the grant entries, which their domain may
 * rewrite at any moment from another CPU (core/gnttab_pin.c says how they
 * are read).
 *
 * A grant table is the array of entries through which a domain lets other
 * domains map or copy its pages: entry N (grant reference N) says "domain
 * D may use my frame F", and D presents N as its capability. The entries
 * live in frames of the hypervisor's that the domain maps writable, like
 * shared info (Xen's share_xen_page_with_guest: owned by the domain, of
 * type writable for good, no pfn, freed when the domain ends). The table
 * grows on request up to GNTTAB_MAX_FRAMES frames. It is version 1
 * (struct grant_entry_v1, 512 a frame) until the domain asks for version
 * 2 (union grant_entry_v2, 256 a frame), whose GTF_reading/GTF_writing
 * bits live in status frames (2048 two-byte entries each), lent the same
 * way and given back when the domain returns to version 1 - only if
 * nothing maps them any more (XSA-255). Transfer, transitive grants and
 * the rest are refused (pvabi/README.md). As in Xen, the first frame
 * exists from the start. Beside each frame of entries the hypervisor
 * keeps 512 active entries (struct gnt_active: who pins the entry, how,
 * and the frame it named then), in two frames of its own, freed when the
 * domain ends.
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

/*
 * Xen keeps a continuation's progress in the high bits of cmd: a guest
 * setting them on anything but cache_flush is refused (-EINVAL).
 */
#define GNTTABOP_CMD_MASK	0xfffU

/* A frame of entries has 512 of them and 2 frames of active entries. */
#define ACTIVE_FRAMES	(GNTTAB_PER_FRAME * sizeof(struct gnt_active) / PAGE_SIZE)

/* Entries a frame of d's table holds in its current format. */
static u32 per_frame(const struct domain *d)
{
	return d->gnttab_version == 1 ? GNTTAB_PER_FRAME : GNTTAB_V2_PER_FRAME;
}

/* The status frames a version 2 table of nr frames needs. */
static u32 status_frames_for(u32 nr)
{
	return (nr * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) / GNTTAB_STATUS_PER_FRAME;
}

/*
 * Give d status frames up to nr: frames of the hypervisor's lent like the
 * table's (writable to the guest, as Xen's SHARE_rw: the guest only hurts
 * itself writing there, the hypervisor trusts nothing in them). 0, or
 * -ENOMEM (what was added stays).
 */
static int status_grow(struct domain *d, u32 nr)
{
	while (d->gnttab_nr_status < nr) {
		mfn_t mfn = frame_alloc();

		if (mfn == INVALID_MFN)
			return -XEN_ENOMEM;
		mm_share_hv_frame(d, mfn);
		d->gnttab_status[d->gnttab_nr_status++] = mfn;
	}
	return 0;
}

/*
 * Take d's status frames back (the switch to version 1), all or none: a
 * frame with any reference beyond its allocation and its permanent
 * writable type (the guest maps it, or holds it some other way, or
 * another domain maps it by grant) makes it -EBUSY, and nothing changes
 * (XSA-255: freeing a frame still mapped gives the guest a mapping of
 * whatever the frame becomes next). 0 once they are freed.
 */
static int status_free(struct domain *d)
{
	for (u32 i = 0; i < d->gnttab_nr_status; i++) {
		const struct page_info *pg = mfn_to_page(d->gnttab_status[i]);

		if (pg->count != 1 || pg->type_count != 1)
			return -XEN_EBUSY;
	}
	while (d->gnttab_nr_status > 0) {
		mfn_t mfn = d->gnttab_status[--d->gnttab_nr_status];

		put_page_type(mfn);		/* the permanent writable type */
		mfn_to_page(mfn)->flags &= (u8)~PGF_allocated;
		put_page(mfn);			/* the last reference: freed */
	}
	return 0;
}

/*
 * Grow d's table to nr frames; 0, or -ENOMEM (what was added stays). In
 * version 2 the status frames grow first, so every entry always has its
 * status entry.
 */
static int grow(struct domain *d, u32 nr)
{
	while (d->gnttab_nr_frames < nr) {
		mfn_t act, mfn;

		if (d->gnttab_version == 2 &&
		    status_grow(d, status_frames_for(d->gnttab_nr_frames + 1)))
			return -XEN_ENOMEM;
		act = frame_alloc_contig(ACTIVE_FRAMES, 1);
		mfn = frame_alloc();
		if (mfn == INVALID_MFN || act == INVALID_MFN) {
			if (mfn != INVALID_MFN)
				frame_free(mfn);
			if (act != INVALID_MFN)
				frame_free_contig(act, ACTIVE_FRAMES);
			return -XEN_ENOMEM;
		}
		memset(__va(act << PAGE_SHIFT), 0, ACTIVE_FRAMES * PAGE_SIZE);
		mm_share_hv_frame(d, mfn);
		d->gnttab_active[d->gnttab_nr_frames] = __va(act << PAGE_SHIFT);
		d->gnttab_frames[d->gnttab_nr_frames++] = mfn;
	}
	return 0;
}

/*
 * Entry ref of d's table (the guest's, shared) in its current format:
 * where it is and where its GTF_reading/GTF_writing are. false beyond the
 * table's end (512 entries a frame in version 1, 256 in version 2).
 */
bool gnttab_entry(struct domain *d, u32 ref, struct gnt_entry *g)
{
	u32 per = per_frame(d);
	void *frame;

	if (ref >= d->gnttab_nr_frames * per)
		return false;
	frame = mfn_to_virt(d->gnttab_frames[ref / per]);
	g->version = (u8)d->gnttab_version;
	if (d->gnttab_version == 1) {
		struct grant_entry_v1 *e = (struct grant_entry_v1 *)frame + ref % per;

		g->e = e;
		g->status = &e->flags;
	} else {
		g->e = (union grant_entry_v2 *)frame + ref % per;
		g->status = (grant_status_t *)mfn_to_virt(d->gnttab_status[ref / GNTTAB_STATUS_PER_FRAME]) +
			    ref % GNTTAB_STATUS_PER_FRAME;
	}
	return true;
}

/*
 * Its active entry (ref checked by gnttab_entry() first). Active entries
 * are kept 512 to a frame of the table whatever its format, so a version
 * 2 table (256 entries a frame) uses half of them.
 */
struct gnt_active *gnttab_active(struct domain *d, u32 ref)
{
	return &d->gnttab_active[ref / GNTTAB_PER_FRAME][ref % GNTTAB_PER_FRAME];
}

/* At build: the first frame, as Xen's grant_table_init. 0 or -ENOMEM. */
int gnttab_init(struct domain *d)
{
	d->gnttab_nr_frames = 0;
	d->gnttab_nr_status = 0;
	d->gnttab_version = 1;
	return grow(d, 1);
}

/*
 * When the domain ends: first the mappings it made of others' grants go
 * (grant_map.c: their pins and references; domain_destroy() has already
 * flushed every CPU's TLB). Then its table: the active entries are freed
 * (whoever still maps one of its grants finds it dead and has nothing to
 * unpin), and each frame's permanent writable type is dropped (status
 * frames' too); the teardown (mm/pv_mm.c) then frees the frames with the
 * domain's other frames, once the domain's own mappings of them are gone, and reports
 * any reference left behind as a leak. Frames of its own that others
 * still map stay allocated until their last mapping goes (pv_mm.c).
 */
void gnttab_destroy(struct domain *d)
{
	gnttab_release_mappings(d);
	while (d->gnttab_nr_status > 0)		/* status frames: as the table's */
		put_page_type(d->gnttab_status[--d->gnttab_nr_status]);
	while (d->gnttab_nr_frames > 0) {
		u32 i = --d->gnttab_nr_frames;

		frame_free_contig(__pa(d->gnttab_active[i]) >> PAGE_SHIFT, ACTIVE_FRAMES);
		d->gnttab_active[i] = NULL;
		put_page_type(d->gnttab_frames[i]);
	}
}

/*
 * The domain whose table a request names (map, copy): a running domain by
 * id, or the caller for DOMID_SELF if self_ok (copy; Xen's map takes no
 * DOMID_SELF). NULL: GNTST_bad_domain.
 */
struct domain *gnttab_granter(struct domain *ld, domid_t dom, bool self_ok)
{
	if (dom == DOMID_SELF)
		return self_ok ? ld : NULL;
	return domain_by_id(dom);
}

/*
 * Run a batch of count requests of size bytes each from uop, one(d, addr)
 * each, in order; stop at the first that answers an error (a request it
 * could not read or whose status it could not write: -EFAULT). Between
 * two requests, if something is due, the rest becomes a continuation of
 * the same cmd with uop and count moved on (Xen's way for map, unmap and
 * copy; cmd's high bits stay 0).
 */
long gnttab_batch(struct domain *d, u32 cmd, u64 uop, u32 count, u32 size,
		  long (*one)(struct domain *d, u64 addr))
{
	for (u32 i = 0; i < count; i++) {
		u64 addr = uop + (u64)i * size;
		long rc;

		if (i && hypercall_preempt_check())
			return hypercall_create_continuation(__HYPERVISOR_grant_table_op,
							     3, cmd, addr, count - i, 0, 0);
		rc = one(d, addr);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- GNTTABOP_copy ----------------------------------------------------------- */

/* One side of a copy while it is held: the frame, and what holds it. */
struct copy_side {
	struct domain *rd;		/* a granter whose entry is pinned, or NULL */
	struct gnt_entry e;
	struct gnt_active *act;
	u32 pin;			/* the pin taken */
	mfn_t mfn;
	bool typed;			/* holds a writable type reference */
};

/*
 * Hold one side: a grant reference of p->domid's table (gref: the entry
 * pinned for reading, or writing if write: GTF_reading/GTF_writing set
 * while the copy runs), or a frame of the caller's (domid DOMID_SELF). The
 * frame is held by a general reference, and a writable type one for a
 * destination, so it cannot be freed, nor be a page table or a descriptor
 * page, while we write into it. len bytes at p->offset are copied: a
 * version 2 sub-page grant must cover them. GNTST_okay, or:
 * permission_denied (a frame with another domid), bad_domain, bad_gntref
 * (beyond the table), general_error (the entry does not grant it, or not
 * those bytes, or its frame is not the granter's or cannot be written),
 * bad_page (a frame of ours that is not, or cannot be written).
 */
static int side_hold(struct domain *ld, const struct gnttab_copy_ptr *p, u16 len,
		     bool gref, bool write, struct copy_side *s)
{
	u16 owner = ld->id;
	int bad = GNTST_bad_page;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!gref) {
		if (p->domid != DOMID_SELF)
			return GNTST_permission_denied;
		s->mfn = p->u.gmfn;
	} else {
		s->rd = gnttab_granter(ld, p->domid, true);
		if (!s->rd)
			return GNTST_bad_domain;
		if (!gnttab_entry(s->rd, p->u.ref, &s->e))
			return GNTST_bad_gntref;
		s->act = gnttab_active(s->rd, p->u.ref);
		s->pin = write ? GNTPIN_hstw_inc : GNTPIN_hstr_inc;
		rc = gnt_pin(&s->e, s->act, ld->id, s->pin, GNT_USE_COPY);
		if (rc)
			return rc;
		s->mfn = s->act->frame;
		owner = s->rd->id;
		bad = GNTST_general_error;
		if (p->offset < s->act->start ||
		    (u32)p->offset + len > (u32)s->act->start + s->act->length)
			goto unpin;
	}
	if (!get_page(s->mfn, owner))
		goto unpin;
	if (write) {
		if (get_page_type(s->mfn, PGT_writable)) {
			put_page(s->mfn);
			goto unpin;
		}
		s->typed = true;
	}
	return GNTST_okay;
unpin:
	if (s->act)
		gnt_unpin(&s->e, s->act, s->pin);
	s->act = NULL;
	return bad;
}

/* Let go of a side held by side_hold(), in the reverse order. */
static void side_release(struct copy_side *s)
{
	if (s->typed)
		put_page_type(s->mfn);
	put_page(s->mfn);
	if (s->act)
		gnt_unpin(&s->e, s->act, s->pin);
}

/* One copy request: its status (GNTST_*). */
static int copy_one(struct domain *ld, const struct gnttab_copy *op)
{
	struct copy_side src, dst;
	int rc;

	if (op->source.offset + op->len > PAGE_SIZE ||
	    op->dest.offset + op->len > PAGE_SIZE)
		return GNTST_bad_copy_arg;
	rc = side_hold(ld, &op->source, op->len, op->flags & GNTCOPY_source_gref, false, &src);
	if (rc)
		return rc;
	rc = side_hold(ld, &op->dest, op->len, op->flags & GNTCOPY_dest_gref, true, &dst);
	if (rc) {
		side_release(&src);
		return rc;
	}
	/* The same frame on both sides may overlap: memmove. */
	memmove((u8 *)mfn_to_virt(dst.mfn) + op->dest.offset,
		(const u8 *)mfn_to_virt(src.mfn) + op->source.offset, op->len);
	side_release(&dst);
	side_release(&src);
	ld->stats.gnt_copies++;
	ld->stats.gnt_copy_bytes += op->len;
	return GNTST_okay;
}

/*
 * GNTTABOP_copy - copy bytes between frames named by grant references or
 * by the caller's own frame numbers, without mapping them (Linux's
 * netback: all of receive and the head of each packet sent).
 *   IN  count struct gnttab_copy {source, dest: {u.ref or u.gmfn, domid,
 *       offset}, len, flags GNTCOPY_source_gref/dest_gref}
 *   OUT status of each, in order
 * A grant side needs an entry of domid's table (DOMID_SELF: the caller's)
 * with GTF_permit_access for the caller, and not GTF_readonly for a
 * destination; GTF_reading (GTF_writing for a destination) is set in it
 * while the copy runs. Statuses: GNTST_okay; bad_copy_arg (offset + len
 * beyond the page, either side); permission_denied (a frame side whose
 * domid is not DOMID_SELF); bad_domain; bad_gntref (beyond the table);
 * general_error (the entry does not grant it: type, domid, readonly, a
 * version 2 sub-page grant not covering the bytes, a transitive grant,
 * or a frame not the granter's or not writable); bad_page (a frame side that is
 * not the caller's, or a destination that is a page table or descriptor
 * page). Returns 0; -EFAULT for a request that cannot be read or a status
 * that cannot be written (the batch stops there). Does not block; a
 * long batch is preempted between requests (a continuation of the rest).
 */
static long copy_req(struct domain *d, u64 addr)
{
	struct gnttab_copy op;

	if (copy_from_guest(&op, addr, sizeof(op)))
		return -XEN_EFAULT;
	op.status = (int16_t)copy_one(d, &op);
	if (copy_to_guest(addr + offsetof(struct gnttab_copy, status), &op.status,
			  sizeof(op.status)))
		return -XEN_EFAULT;
	return 0;
}

/*
 * The domain a request names: the caller for DOMID_SELF or its own id.
 * Another domain's table is not the caller's to see or grow (Xen's XSM
 * check: only a privileged domain may): GNTST_permission_denied, or
 * GNTST_bad_domain if there is no such domain.
 */
static int16_t target_status(const struct domain *d, domid_t dom)
{
	if (dom == DOMID_SELF || dom == d->id)
		return GNTST_okay;
	return domain_by_id(dom) ? GNTST_permission_denied : GNTST_bad_domain;
}

/*
 * GNTTABOP_setup_table - grow the caller's table to nr_frames and tell it
 * the frames.
 *   IN  struct gnttab_setup_table {dom, nr_frames, frame_list}, count 1
 *   OUT status; frame_list[0..nr_frames) = the frames' mfns (a PV guest
 *       maps them by mfn, writable)
 * Returns 0 with status GNTST_okay; GNTST_bad_domain/permission_denied
 * (dom), GNTST_general_error (more than GNTTAB_MAX_FRAMES frames, or no
 * memory: the frames added so far stay until the domain ends, where Xen
 * frees them), GNTST_bad_virt_addr (a frame
 * could not be written to frame_list). -EINVAL for count != 1, -EFAULT if
 * the request cannot be read, frame_list is not a guest range, or the
 * status cannot be written. Never blocks; nr_frames is at most 64, so no
 * continuation is needed.
 */
static long setup_table(struct domain *d, u64 uop, u32 count)
{
	struct gnttab_setup_table op;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (!guest_range_ok(op.frame_list, (u64)op.nr_frames * sizeof(u64)))
		return -XEN_EFAULT;
	op.status = target_status(d, op.dom);
	if (op.status == GNTST_okay &&
	    (op.nr_frames > GNTTAB_MAX_FRAMES || grow(d, op.nr_frames)))
		op.status = GNTST_general_error;
	for (u32 i = 0; op.status == GNTST_okay && i < op.nr_frames; i++) {
		u64 mfn = d->gnttab_frames[i];

		if (copy_to_guest(op.frame_list + i * sizeof(u64), &mfn, sizeof(mfn)))
			op.status = GNTST_bad_virt_addr;
	}
	if (copy_to_guest(uop + offsetof(struct gnttab_setup_table, status),
			  &op.status, sizeof(op.status)))
		return -XEN_EFAULT;
	return 0;
}

/*
 * GNTTABOP_query_size - how big the table is and may become.
 *   IN  struct gnttab_query_size {dom}, count 1
 *   OUT nr_frames, max_nr_frames (GNTTAB_MAX_FRAMES), status
 * Returns 0 with status GNTST_okay, or GNTST_bad_domain/permission_denied
 * (dom); -EINVAL for count != 1, -EFAULT. Never blocks.
 */
static long query_size(struct domain *d, u64 uop, u32 count)
{
	struct gnttab_query_size op;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	op.status = target_status(d, op.dom);
	if (op.status == GNTST_okay) {
		op.nr_frames = d->gnttab_nr_frames;
		op.max_nr_frames = GNTTAB_MAX_FRAMES;
	}
	if (copy_to_guest(uop, &op, sizeof(op)))
		return -XEN_EFAULT;
	return 0;
}

/*
 * Is any entry of d's table in use (pinned by a mapping or a copy) beyond
 * the reserved 8? Xen lets those 8 stay mapped across a switch: its
 * toolstack's console and xenstore grants. All 512 active entries of each
 * frame are looked at, which covers the table in either format.
 */
static bool table_busy(struct domain *d)
{
	for (u32 ref = GNTTAB_NR_RESERVED_ENTRIES;
	     ref < d->gnttab_nr_frames * GNTTAB_PER_FRAME; ref++)
		if (gnttab_active(d, ref)->pin)
			return true;
	return false;
}

/* The reserved entries of d's table, as version 1 entries. */
static void save_reserved(struct domain *d, struct grant_entry_v1 *saved)
{
	for (u32 ref = 0; ref < GNTTAB_NR_RESERVED_ENTRIES; ref++) {
		struct gnt_entry g;

		gnttab_entry(d, ref, &g);
		if (g.version == 1)
			saved[ref] = *(struct grant_entry_v1 *)g.e;
		else
			gnt_entry_v2_to_v1(g.e, *g.status, &saved[ref]);
	}
}

/* Write the saved reserved entries back in d's (new) format. */
static void restore_reserved(struct domain *d, const struct grant_entry_v1 *saved)
{
	for (u32 ref = 0; ref < GNTTAB_NR_RESERVED_ENTRIES; ref++) {
		struct gnt_entry g;

		gnttab_entry(d, ref, &g);
		if (g.version == 1)
			*(struct grant_entry_v1 *)g.e = saved[ref];
		else
			gnt_entry_v1_to_v2(&saved[ref], g.e, g.status);
	}
}

/*
 * Switch d's table to version v (the other one), as Xen: the reserved
 * entries are carried over in the new format, every other entry is
 * cleared (the frames are zeroed); version 2 gets its status frames,
 * version 1 gives them back. 0; -ENOMEM (no status frames: still the old
 * version), -EBUSY (a status frame is still referenced: nothing changed).
 */
static long switch_version(struct domain *d, u32 v)
{
	struct grant_entry_v1 saved[GNTTAB_NR_RESERVED_ENTRIES];
	long rc;

	save_reserved(d, saved);
	if (v == 2) {
		rc = status_grow(d, status_frames_for(d->gnttab_nr_frames));
		if (rc) {
			long undone = status_free(d);	/* never mapped: they are new */

			BUG_ON(undone);
			return rc;
		}
	} else {
		rc = status_free(d);
		if (rc)
			return rc;
	}
	for (u32 i = 0; i < d->gnttab_nr_frames; i++)
		memset(mfn_to_virt(d->gnttab_frames[i]), 0, PAGE_SIZE);
	d->gnttab_version = v;
	restore_reserved(d, saved);
	return 0;
}

/*
 * GNTTABOP_set_version - choose the entry format of the caller's table.
 *   IN  struct gnttab_set_version {version}: 1 (struct grant_entry_v1,
 *       512 a frame) or 2 (union grant_entry_v2, 256 a frame, with
 *       GTF_reading/GTF_writing in status frames: get_status_frames)
 *   OUT version: the format in force afterwards, whatever the result
 * Returns 0 (the same version: nothing changes; the other one: entries
 * 0-7 converted, the others cleared, status frames allocated or freed);
 * -EINVAL for any other version; -EBUSY if an entry beyond 0-7 is in use
 * (mapped, or pinned by a copy), or, going back to 1, a status frame is
 * still mapped (by the guest or anyone: XSA-255); -ENOMEM; -EFAULT.
 * Nothing changes on an error. count is not looked at (nor is it by Xen).
 * Never blocks: the busy check reads at most 32768 active entries.
 */
static long set_version(struct domain *d, u64 uop)
{
	struct gnttab_set_version op;
	long rc;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (op.version != 1 && op.version != 2)
		rc = -XEN_EINVAL;
	else if (op.version == d->gnttab_version)
		rc = 0;
	else if (table_busy(d))
		rc = -XEN_EBUSY;
	else
		rc = switch_version(d, op.version);
	op.version = d->gnttab_version;
	if (copy_to_guest(uop, &op, sizeof(op)))
		return -XEN_EFAULT;
	return rc;
}

/*
 * GNTTABOP_get_version - the entry format of a domain's table.
 *   IN  struct gnttab_get_version {dom}: DOMID_SELF or the caller's id
 *   OUT version: 1 or 2
 * Returns 0; -ESRCH (no such running domain), -EPERM (another domain's:
 * Xen's XSM answer for an unprivileged caller), -EFAULT. count is not
 * looked at (nor is it by Xen). Never blocks.
 */
static long get_version(struct domain *d, u64 uop)
{
	struct gnttab_get_version op;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (op.dom != DOMID_SELF && op.dom != d->id)
		return domain_by_id(op.dom) ? -XEN_EPERM : -XEN_ESRCH;
	op.version = d->gnttab_version;
	if (copy_to_guest(uop, &op, sizeof(op)))
		return -XEN_EFAULT;
	return 0;
}

/*
 * GNTTABOP_get_status_frames - the status frames of a version 2 table.
 *   IN  struct gnttab_get_status_frames {nr_frames, dom, frame_list}, count 1
 *   OUT status; frame_list[0..nr_frames) = the first nr_frames status
 *       frames' mfns (the guest maps them by mfn; writable, as in Xen, but
 *       read is all a guest needs)
 * A table of n frames has ceil(n / 8) status frames (2048 entries of 2
 * bytes each), none in version 1. Returns 0 with status GNTST_okay;
 * GNTST_bad_domain/permission_denied (dom, as setup_table);
 * GNTST_general_error (nr_frames beyond the status frames there are: any
 * in version 1); GNTST_bad_virt_addr (frame_list cannot be written).
 * -EINVAL for count != 1; -EFAULT if the request cannot be read or the
 * status written. Never blocks (at most 8 frames).
 */
static long get_status_frames(struct domain *d, u64 uop, u32 count)
{
	struct gnttab_get_status_frames op;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	op.status = target_status(d, op.dom);
	if (op.status == GNTST_okay && op.nr_frames > d->gnttab_nr_status)
		op.status = GNTST_general_error;
	for (u32 i = 0; op.status == GNTST_okay && i < op.nr_frames; i++) {
		u64 mfn = d->gnttab_status[i];

		if (copy_to_guest(op.frame_list + i * sizeof(u64), &mfn, sizeof(mfn)))
			op.status = GNTST_bad_virt_addr;
	}
	if (copy_to_guest(uop + offsetof(struct gnttab_get_status_frames, status),
			  &op.status, sizeof(op.status)))
		return -XEN_EFAULT;
	return 0;
}

/*
 * do_grant_table_op - operations on grant tables (pvabi/grant_table.h).
 *   IN cmd: GNTTABOP_*; uop: guest address of count structures of its type
 *   setup_table, query_size, set_version, get_version,
 *   get_status_frames, copy: above; map_grant_ref, unmap_grant_ref,
 *   unmap_and_replace: core/grant_map.c. Every other operation (transfer,
 *   dump_table, swap_grant_ref, cache_flush) answers -ENOSYS.
 * Returns 0 (per-entry status in the structures) or -XEN_E*: -EINVAL for a
 * count that is negative as an int, or continuation bits set in cmd.
 */
long do_grant_table_op(u64 cmd, u64 uop, u64 count, u64 a4, u64 a5)
{
	struct domain *d = current->domain;
	u32 c = (u32)cmd, n = (u32)count;

	(void)a4, (void)a5;
	if ((int)n < 0)
		return -XEN_EINVAL;
	if ((c & ~GNTTABOP_CMD_MASK) && (c & GNTTABOP_CMD_MASK) != GNTTABOP_cache_flush)
		return -XEN_EINVAL;
	switch (c) {
	case GNTTABOP_setup_table:
		return setup_table(d, uop, n);
	case GNTTABOP_query_size:
		return query_size(d, uop, n);
	case GNTTABOP_set_version:
		return set_version(d, uop);
	case GNTTABOP_get_version:
		return get_version(d, uop);
	case GNTTABOP_get_status_frames:
		return get_status_frames(d, uop, n);
	case GNTTABOP_copy:
		return gnttab_batch(d, c, uop, n, sizeof(struct gnttab_copy), copy_req);
	case GNTTABOP_map_grant_ref:
		return gnttab_batch(d, c, uop, n, sizeof(struct gnttab_map_grant_ref),
				    gnttab_map_req);
	case GNTTABOP_unmap_grant_ref:
		return gnttab_unmap(d, c, uop, n);
	case GNTTABOP_unmap_and_replace:
		return gnttab_batch(d, c, uop, n, sizeof(struct gnttab_unmap_and_replace),
				    gnttab_replace_req);
	default:
		return -XEN_ENOSYS;
	}
}
