/*
 * page_info.h - what the hypervisor knows about every machine frame.
 *
 * One entry per frame of RAM, in frame_table[] (docs/design.md §6). The
 * owner and the two reference counts are the heart of PV memory safety:
 * a frame may be mapped writable by a guest only while its type is
 * PGT_writable, page tables change only through validated updates, and a
 * frame goes back to the allocator only when nothing references it.
 *
 * The counts are plain integers, not Xen's compare-and-swapped words:
 * every reference is taken and dropped in the hypervisor proper, under
 * the one hypervisor lock (core/hvlock.c), and nothing that runs without
 * it touches a page_info. docs/smp.md ("Locking") says what must change
 * here before that lock is split.
 */
#ifndef HV_MM_PAGE_INFO_H
#define HV_MM_PAGE_INFO_H

#include "hv.h"

enum page_type {
	PGT_none = 0,
	PGT_writable,
	PGT_l1,
	PGT_l2,
	PGT_l3,
	PGT_l4,
	PGT_seg_desc,
};

#define PGF_validated	0x01	/* contents checked for the current type */
#define PGF_pinned	0x02	/* the guest pinned it (holds one type ref) */
#define PGF_allocated	0x04	/* owned by a domain (holds one general ref) */
#define PGF_hv_owned	0x08	/* allocated by the hypervisor for the domain
				 * (shared info): never given back, no pfn */
#define PGF_partial	0x10	/* a page table part validated or part
				 * devalidated by a preempted hypercall:
				 * entries [0, nr_validated) hold their
				 * references, and the frame holds one type
				 * and one general reference of its own
				 * (mm/pgtype.c, "Preemption") */
#define PGF_granted	0x20	/* another domain mapped it by grant
				 * (core/grant_map.c): at its owner's end
				 * it may outlive the owner, freed with the
				 * last mapping (mm/pv_mm.c) */

#define OWNER_NONE	0xffff	/* free, or the hypervisor's */

/*H:230 What the hypervisor knows about a frame
 * Sixteen bytes per frame of RAM, in frame_table[]: its owner, a general
 * reference count (the owner's hold, and one per mapping of it), and a
 * type with its own count: writable, a page table of one level, or a
 * descriptor page. The page tables chapter is about the rules these
 * counts obey; here it is enough that a frame goes back to the allocator
 * only when its general count falls to 0.
 */
struct page_info {
	u32 count;		/* general references */
	u32 type_count;		/* references under the current type */
	u16 owner;		/* domain id, or OWNER_NONE */
	u8 type;		/* enum page_type */
	u8 flags;		/* PGF_* */
	union {
		/*
		 * type_count 0: the TLB clock when it last fell to 0
		 * (mm/pgtype.c): decides whether a type change must flush
		 * stale mappings first.
		 */
		u32 tlbflush_stamp;
		/*
		 * A page table being validated or devalidated, or left
		 * PGF_partial (its type count is then 1): entries
		 * [0, nr_validated) hold their references; partial_flags
		 * are mm/pgtype.c's PTF_*.
		 */
		struct {
			u16 nr_validated;
			u16 partial_flags;
		};
	};
};
_Static_assert(sizeof(struct page_info) == 16, "page_info is 16 bytes");

extern struct page_info *frame_table;
extern u64 frame_table_size;	/* entries: highest RAM frame + 1 */

static inline struct page_info *mfn_to_page(mfn_t mfn)
{
	return mfn < frame_table_size ? &frame_table[mfn] : NULL;
}

#endif /* HV_MM_PAGE_INFO_H */
