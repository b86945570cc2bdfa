/*
 * pv_layout.h - where the domain builder puts things in a new PV guest.
 */
#ifndef HV_CORE_PV_LAYOUT_H
#define HV_CORE_PV_LAYOUT_H

#include "hv.h"

struct pv_layout_in {
	u64 virt_base;		/* ELF VIRT_BASE: pseudo-physical 0 maps here */
	u64 kstart, kend;	/* the kernel image, guest virtual, page aligned */
	u64 ramdisk_len;	/* bytes, 0 = none */
	u64 nr_pages;		/* the domain's memory */
};

/*
 * All addresses guest virtual, page aligned; [v_start, v_end) is mapped
 * with pfn n at v_start + n * 4 KiB.
 */
struct pv_layout {
	u64 v_start, v_end;
	u64 kstart, kend;
	u64 ramdisk, ramdisk_len;	/* ramdisk_len 0: none */
	u64 p2m, p2m_len;		/* nr_pages * 8 bytes, page rounded */
	u64 start_info;
	u64 store;			/* xenstore ring page (unused: no xenstore) */
	u64 console;			/* PV console ring page */
	u64 pt_start;			/* bootstrap tables: L4, L3s, L2s, L1s */
	u64 nr_l3, nr_l2, nr_l1;
	u64 stack;			/* boot stack page: rsp = stack + 4 KiB */
};

static inline u64 pv_layout_nr_pt(const struct pv_layout *l)
{
	return 1 + l->nr_l3 + l->nr_l2 + l->nr_l1;
}

int pv_layout_compute(const struct pv_layout_in *in, struct pv_layout *l,
		      char *err, size_t errlen);

#endif /* HV_CORE_PV_LAYOUT_H */
