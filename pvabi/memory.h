/*
 * pvabi/memory.h - memory reservations and queries: HYPERVISOR_memory_op.
 *
 * A PV domain owns a set of machine frames; its P2M (start_info.mfn_list)
 * maps its pseudo-physical frame numbers (pfns) to them, and the M2P maps
 * back. memory_op grows or shrinks that set (ballooning), and answers
 * questions about it: the pseudo-physical memory map (e820), where the
 * read-only M2P is mapped, and how many pages the domain has.
 *
 * HYPERVISOR_memory_op(cmd, arg): cmd is XENMEM_*, arg the guest address
 * of the matching structure (or 0). Reservation ops return the number of
 * extents done; queries return a value or 0; failures return -XEN_E*.
 * For a PV guest a "gmfn" or "gpfn" in these structures is a machine
 * frame number or a pfn respectively; Linux's P2M tracks the link.
 */
#ifndef PVABI_MEMORY_H
#define PVABI_MEMORY_H

#include "xen.h"

#define XENMEM_increase_reservation	0  /* add extents, return their mfns */
#define XENMEM_decrease_reservation	1  /* give extents back */
#define XENMEM_maximum_ram_page		2  /* highest mfn of machine RAM */
#define XENMEM_current_reservation	3  /* pages the domain owns now */
#define XENMEM_maximum_reservation	4  /* pages it may own at most */
#define XENMEM_machphys_mfn_list	5  /* mfns backing the M2P, 2 MiB each */
#define XENMEM_populate_physmap		6  /* back given pfns with new frames */
#define XENMEM_add_to_physmap		7  /* translated guests only */
/* 8 was XENMEM_translate_gpfn_list, removed */
#define XENMEM_memory_map		9  /* the domain's e820 map */
#define XENMEM_machine_memory_map	10 /* the host's e820 map (dom0) */
#define XENMEM_exchange			11 /* swap extents for new ones */
#define XENMEM_machphys_mapping		12 /* where the RO M2P is mapped */
#define XENMEM_set_memory_map		13 /* set a domain's e820 (tools) */
#define XENMEM_maximum_gpfn		14 /* highest pfn in use */
#define XENMEM_remove_from_physmap	15 /* translated guests only */
#define XENMEM_set_pod_target		16 /* populate-on-demand (HVM) */
#define XENMEM_get_pod_target		17
#define XENMEM_get_sharing_freed_pages	18 /* tools only */
#define XENMEM_get_sharing_shared_pages	19 /* tools only */
#define XENMEM_paging_op		20 /* tools only */
#define XENMEM_access_op		21 /* tools only */
#define XENMEM_sharing_op		22 /* tools only */
#define XENMEM_add_to_physmap_batch	23 /* translated guests only */
#define XENMEM_claim_pages		24 /* tools only */
#define XENMEM_machphys_compat_mfn_list	25 /* M2P of 32-bit guests */
#define XENMEM_get_vnumainfo		26 /* virtual NUMA layout */
#define XENMEM_reserved_device_memory_map 27 /* tools only */
#define XENMEM_acquire_resource		28 /* map another domain's pages */

/* xen_memory_reservation.mem_flags */
#define XENMEMF_address_bits(x)		(x)	/* frames below 2^x only */
#define XENMEMF_get_address_bits(x)	((x) & 0xff)
#define XENMEMF_node(x)			(((x) + 1) << 8)
#define XENMEMF_get_node(x)		((((x) >> 8) - 1) & 0xff)
#define XENMEMF_populate_on_demand	(1 << 16)
#define XENMEMF_exact_node_request	(1 << 17)
#define XENMEMF_exact_node(n)		(XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode			(1 << 18)

/* e820entry.type */
#define E820_RAM		1
#define E820_RESERVED		2
#define E820_ACPI		3
#define E820_NVS		4
#define E820_UNUSABLE		5

#ifndef __ASSEMBLER__

/*
 * XENMEM_increase_reservation, XENMEM_decrease_reservation,
 * XENMEM_populate_physmap. Written by the guest; the hypervisor writes
 * results into the extent_start array. An extent is 2^extent_order
 * contiguous frames.
 *  increase: extent_start OUT = mfn of each new extent.
 *  decrease: extent_start IN = mfn of each extent to free.
 *  populate: extent_start IN = pfn to back, OUT = mfn that now backs it
 *	(the hypervisor also updates the M2P).
 */
struct xen_memory_reservation {
	uint64_t extent_start;	/* IN: guest VA of xen_pfn_t[nr_extents] */
	xen_ulong_t nr_extents;	/* IN */
	uint32_t extent_order;	/* IN */
	uint32_t mem_flags;	/* IN: XENMEMF_* */
	domid_t domid;		/* IN: DOMID_SELF unless privileged */
	uint16_t pad0[3];
}; /* 32 bytes */
PVABI_CHECK_SIZE(struct xen_memory_reservation, 32);
PVABI_CHECK_OFFSET(struct xen_memory_reservation, extent_start, 0);
PVABI_CHECK_OFFSET(struct xen_memory_reservation, nr_extents, 8);
PVABI_CHECK_OFFSET(struct xen_memory_reservation, extent_order, 16);
PVABI_CHECK_OFFSET(struct xen_memory_reservation, mem_flags, 20);
PVABI_CHECK_OFFSET(struct xen_memory_reservation, domid, 24);

/*
 * XENMEM_exchange: free the extents of in and allocate those of out
 * (same total size) in one step. The caller zeroes nr_exchanged.
 */
struct xen_memory_exchange {
	struct xen_memory_reservation in;	/* IN: extents to give up */
	struct xen_memory_reservation out;	/* IN/OUT: pfns in, mfns out */
	xen_ulong_t nr_exchanged;		/* OUT: input extents done */
}; /* 72 bytes */
PVABI_CHECK_SIZE(struct xen_memory_exchange, 72);
PVABI_CHECK_OFFSET(struct xen_memory_exchange, in, 0);
PVABI_CHECK_OFFSET(struct xen_memory_exchange, out, 32);
PVABI_CHECK_OFFSET(struct xen_memory_exchange, nr_exchanged, 64);

/*
 * XENMEM_current_reservation, XENMEM_maximum_reservation,
 * XENMEM_maximum_gpfn: the argument names the domain asked about.
 */
struct xen_memory_domain {
	domid_t domid;		/* IN: DOMID_SELF allowed */
}; /* 2 bytes */
PVABI_CHECK_SIZE(struct xen_memory_domain, 2);
PVABI_CHECK_OFFSET(struct xen_memory_domain, domid, 0);

/* XENMEM_machphys_mfn_list: the frames that hold the M2P, one per 2 MiB. */
struct xen_machphys_mfn_list {
	uint32_t max_extents;	/* IN: room in extent_start[] */
	uint32_t pad0;
	uint64_t extent_start;	/* IN: guest VA of xen_pfn_t[max_extents] */
	uint32_t nr_extents;	/* OUT: entries written */
	uint32_t pad1;
}; /* 24 bytes */
PVABI_CHECK_SIZE(struct xen_machphys_mfn_list, 24);
PVABI_CHECK_OFFSET(struct xen_machphys_mfn_list, max_extents, 0);
PVABI_CHECK_OFFSET(struct xen_machphys_mfn_list, extent_start, 8);
PVABI_CHECK_OFFSET(struct xen_machphys_mfn_list, nr_extents, 16);

/*
 * XENMEM_machphys_mapping: where the read-only M2P is mapped in the
 * guest's address space. Written by the hypervisor.
 */
struct xen_machphys_mapping {
	xen_ulong_t v_start;	/* OUT: first virtual address */
	xen_ulong_t v_end;	/* OUT: end of the mapping (exclusive) */
	xen_ulong_t max_mfn;	/* OUT: largest mfn with an entry */
}; /* 24 bytes */
PVABI_CHECK_SIZE(struct xen_machphys_mapping, 24);
PVABI_CHECK_OFFSET(struct xen_machphys_mapping, v_start, 0);
PVABI_CHECK_OFFSET(struct xen_machphys_mapping, v_end, 8);
PVABI_CHECK_OFFSET(struct xen_machphys_mapping, max_mfn, 16);

/*
 * struct e820entry - one entry of a memory map, in the BIOS INT 15h E820
 * format: 20 bytes, no padding between entries.
 */
struct e820entry {
	uint64_t addr;		/* start (pseudo-physical for XENMEM_memory_map) */
	uint64_t size;		/* length in bytes */
	uint32_t type;		/* E820_* */
} __attribute__((packed)); /* 20 bytes */
PVABI_CHECK_SIZE(struct e820entry, 20);
PVABI_CHECK_OFFSET(struct e820entry, addr, 0);
PVABI_CHECK_OFFSET(struct e820entry, size, 8);
PVABI_CHECK_OFFSET(struct e820entry, type, 16);

/*
 * XENMEM_memory_map, XENMEM_machine_memory_map: copy a memory map into
 * buffer. Written by the guest, nr_entries updated by the hypervisor.
 */
struct xen_memory_map {
	uint32_t nr_entries;	/* IN: room in buffer; OUT: entries written */
	uint32_t pad0;
	uint64_t buffer;	/* IN: guest VA of struct e820entry[] */
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct xen_memory_map, 16);
PVABI_CHECK_OFFSET(struct xen_memory_map, nr_entries, 0);
PVABI_CHECK_OFFSET(struct xen_memory_map, buffer, 8);

/* XENMEM_set_memory_map: set domid's map (tools). */
struct xen_foreign_memory_map {
	domid_t domid;		/* IN */
	uint16_t pad0[3];
	struct xen_memory_map map;	/* IN */
}; /* 24 bytes */
PVABI_CHECK_SIZE(struct xen_foreign_memory_map, 24);
PVABI_CHECK_OFFSET(struct xen_foreign_memory_map, domid, 0);
PVABI_CHECK_OFFSET(struct xen_foreign_memory_map, map, 8);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_MEMORY_H */
