/*
 * pv_layout.c - the initial virtual address space of a PV guest.
 *
 * Runs in: hypervisor at domain build, and host tests. Pure arithmetic.
 *
 * A Xen PV kernel starts with one contiguous mapping at VIRT_BASE in which
 * pseudo-physical page n sits at VIRT_BASE + n pages. The convention, which
 * Linux's arch/x86/xen code relies on, is the order of what follows the
 * kernel (the comment above struct start_info in Xen's public xen.h):
 *
 *	kernel | ramdisk | P2M list | start_info | xenstore page | console page
 *	| bootstrap page tables (L4, L3s, L2s, L1s) | boot stack | padding
 *
 * The padding leaves at least 512 KiB mapped past the stack and rounds the
 * end to 4 MiB, as Xen's builders do. The page tables map everything up to
 * the end, themselves included, so their number depends on the end, which
 * depends on their number: count, lay out, recount until it is stable.
 */
#include "hv.h"
#include "vaddr.h"
#include "core/pv_layout.h"


/* How many aligned blocks of 1 << shift bytes [s, e) touches. */
static u64 spans(u64 s, u64 e, unsigned shift)
{
	return ((e - 1) >> shift) - (s >> shift) + 1;
}

/* Lay out everything after the kernel for a given page-table count. */
static void place(const struct pv_layout_in *in, struct pv_layout *l, u64 nr_pt)
{
	u64 v = l->kend, after_stack;

	l->ramdisk = v;
	l->ramdisk_len = in->ramdisk_len;
	v += ALIGN_UP(in->ramdisk_len, PAGE_SIZE);
	l->p2m = v;
	l->p2m_len = ALIGN_UP(in->nr_pages * 8, PAGE_SIZE);
	v += l->p2m_len;
	l->start_info = v;
	l->store = v + PAGE_SIZE;
	l->console = v + 2 * PAGE_SIZE;
	l->pt_start = v + 3 * PAGE_SIZE;
	l->stack = l->pt_start + nr_pt * PAGE_SIZE;
	after_stack = l->stack + PAGE_SIZE;
	l->v_end = ALIGN_UP(after_stack, MiB(4));
	if (l->v_end - after_stack < KiB(512))
		l->v_end += MiB(4);
}

/*H:320 The initial mapping
 * Xen's convention, which Linux relies on: one contiguous mapping from
 * VIRT_BASE, pseudo-physical page n at VIRT_BASE + n pages, holding the
 * kernel and, after it, the ramdisk, the P2M list, start_info, the
 * xenstore and console pages, the bootstrap page tables, a boot stack
 * and padding to a 4 MiB boundary. The page tables must map themselves,
 * so their number depends on the end, which depends on their number:
 * pv_layout_compute() lays out, counts, and repeats until it is stable.
 * Pure arithmetic on bounded inputs, unit-tested on the host.
 */
int pv_layout_compute(const struct pv_layout_in *in, struct pv_layout *l,
		      char *err, size_t errlen)
{
	u64 nr_pt = 4, need;

	memset(l, 0, sizeof(*l));
	if (!IS_ALIGNED(in->virt_base | in->kstart | in->kend, PAGE_SIZE) ||
	    in->kstart < in->virt_base || in->kend <= in->kstart)
		return errorf(err, errlen, "bad kernel range 0x%llx-0x%llx (base 0x%llx)",
			    (unsigned long long)in->kstart,
			    (unsigned long long)in->kend,
			    (unsigned long long)in->virt_base);
	/*
	 * Bound the inputs so the arithmetic below cannot wrap: 32 MiB covers
	 * the page tables for up to 3 GiB of mapping plus the padding.
	 */
	if (in->kend - in->virt_base > GiB(1) || in->ramdisk_len > GiB(1) ||
	    in->nr_pages > (GiB(64) >> PAGE_SHIFT) ||
	    in->virt_base > ~0ULL - (in->kend - in->virt_base) -
			    in->ramdisk_len - in->nr_pages * 8 - MiB(32))
		return errorf(err, errlen, "image, ramdisk or memory too large");
	l->v_start = in->virt_base;
	l->kstart = in->kstart;
	l->kend = in->kend;
	for (;;) {
		place(in, l, nr_pt);
		l->nr_l3 = spans(l->v_start, l->v_end, 39);
		l->nr_l2 = spans(l->v_start, l->v_end, 30);
		l->nr_l1 = spans(l->v_start, l->v_end, 21);
		if (pv_layout_nr_pt(l) <= nr_pt)
			break;
		nr_pt = pv_layout_nr_pt(l);
	}
	/* Any spare table frames become more mapped slack, which is harmless. */
	/*
	 * The image may end just below 2^47 and the padding carry the
	 * mapping past it: the page tables would then map non-canonical
	 * addresses, whose L4 index wraps to 256, a slot of the hypervisor.
	 */
	if (l->v_start < CANON_LOW_END && l->v_end > CANON_LOW_END)
		return errorf(err, errlen, "initial mapping 0x%llx-0x%llx is not canonical (it crosses 0x%llx)",
			    (unsigned long long)l->v_start, (unsigned long long)l->v_end,
			    CANON_LOW_END);
	if (hv_hole_overlaps(l->v_start, l->v_end))
		return errorf(err, errlen, "initial mapping 0x%llx-0x%llx overlaps the hypervisor",
			    (unsigned long long)l->v_start, (unsigned long long)l->v_end);
	need = (l->v_end - l->v_start) >> PAGE_SHIFT;
	if (need > in->nr_pages)
		return errorf(err, errlen, "memory too small: the initial mapping needs %llu KiB, the domain has %llu KiB",
			    (unsigned long long)(need * 4),
			    (unsigned long long)(in->nr_pages * 4));
	return 0;
}
