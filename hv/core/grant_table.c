/*
 * grant_table.c - a domain's grant table: its frames, their size and format.
 *
 * Runs in: hypervisor, on the calling vCPU, interrupts off; at domain build
 * and teardown. Trusts: nothing in the requests (counts, domain ids and
 * guest addresses are checked before use).
 *
 * A grant table is the array of entries through which a domain lets other
 * domains map or copy its pages: entry N (grant reference N) says "domain
 * D may use my frame F", and D presents N as its capability. The entries
 * live in frames of the hypervisor's that the domain maps writable, like
 * shared info (Xen's share_xen_page_with_guest: owned by the domain, of
 * type writable for good, no pfn, freed when the domain ends). This is the
 * start of real grant tables (issue 13): the table exists, grows on request
 * up to GNTTAB_MAX_FRAMES frames and is version 1 (struct grant_entry_v1),
 * which is what a guest needs to set itself up (Linux at boot, XTF's
 * selftest). Nothing reads the entries yet: every operation that would
 * (map_grant_ref, copy, transfer, ...) answers -ENOSYS, and so do the
 * version 2 ones. As in Xen, the first frame exists from the start.
 */
#include "hv.h"
#include "core/domain.h"
#include "core/grant_table.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "mm/frame.h"
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

/* Grow d's table to nr frames; 0, or -ENOMEM (what was added stays). */
static int grow(struct domain *d, u32 nr)
{
	while (d->gnttab_nr_frames < nr) {
		mfn_t mfn = frame_alloc();

		if (mfn == INVALID_MFN)
			return -XEN_ENOMEM;
		mm_share_hv_frame(d, mfn);
		d->gnttab_frames[d->gnttab_nr_frames++] = mfn;
	}
	return 0;
}

/* At build: the first frame, as Xen's grant_table_init. 0 or -ENOMEM. */
int gnttab_init(struct domain *d)
{
	d->gnttab_nr_frames = 0;
	return grow(d, 1);
}

/*
 * When the domain ends: drop each frame's permanent writable type; the
 * teardown (mm/pv_mm.c) then frees them with the domain's other frames,
 * once the domain's own mappings of them are gone, and reports any
 * reference left behind as a leak.
 */
void gnttab_destroy(struct domain *d)
{
	while (d->gnttab_nr_frames > 0)
		put_page_type(d->gnttab_frames[--d->gnttab_nr_frames]);
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
 * GNTTABOP_set_version - choose the entry format.
 *   IN  struct gnttab_set_version {version}
 *   OUT version: the format in force afterwards (always 1)
 * Returns 0 for version 1; -ENOSYS for version 2, which is Xen's answer
 * when grant tables are limited to version 1 ("as before set_version
 * existed": guests then stay with version 1); -EINVAL for any other
 * version; -EFAULT. count is not looked at (nor is it by Xen). Never
 * blocks.
 */
static long set_version(u64 uop)
{
	struct gnttab_set_version op;
	long rc;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (op.version == 1)
		rc = 0;
	else if (op.version == 2)
		rc = -XEN_ENOSYS;
	else
		rc = -XEN_EINVAL;
	op.version = 1;
	if (copy_to_guest(uop, &op, sizeof(op)))
		return -XEN_EFAULT;
	return rc;
}

/*
 * do_grant_table_op - operations on grant tables (pvabi/grant_table.h).
 *   IN cmd: GNTTABOP_*; uop: guest address of count structures of its type
 *   setup_table, query_size, set_version: above. Every other operation
 *   answers -ENOSYS: nothing maps, copies or transfers through grants yet.
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
		return set_version(uop);
	default:
		return -XEN_ENOSYS;
	}
}
