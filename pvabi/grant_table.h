/*
 * pvabi/grant_table.h - grant tables: HYPERVISOR_grant_table_op.
 *
 * A grant table is an array of entries, in frames shared between a domain
 * and the hypervisor, through which the domain lets another domain map or
 * copy one of its pages: the entry's index (a grant reference) is the
 * capability the other domain presents. Split drivers (block, net,
 * console over xenstore) are built on it.
 *
 * A table is version 1 (struct grant_entry_v1) until its domain asks for
 * version 2 (union grant_entry_v2, with the GTF_reading/GTF_writing bits
 * moved out to status frames: get_status_frames). A domain sizes its
 * table (setup_table, query_size, set_version), and others copy through
 * it (copy) and map its pages (map_grant_ref, unmap_grant_ref); transfer,
 * transitive grants and the rest answer -XEN_ENOSYS or are refused
 * (pvabi/README.md). Only the operations and structures pvisor
 * implements are declared in full.
 *
 * HYPERVISOR_grant_table_op(cmd, args, count): cmd is GNTTABOP_*, args the
 * guest address of an array of count structures of the matching type.
 * Returns 0 if the array was processed (each entry then carries its own
 * GNTST_* status) or -XEN_E* if the call itself failed.
 */
#ifndef PVABI_GRANT_TABLE_H
#define PVABI_GRANT_TABLE_H

#include "xen.h"

#define GNTTABOP_map_grant_ref		0  /* map a foreign grant */
#define GNTTABOP_unmap_grant_ref	1  /* undo a map */
#define GNTTABOP_setup_table		2  /* get the frames of our table */
#define GNTTABOP_dump_table		3  /* print a table (debug) */
#define GNTTABOP_transfer		4  /* give a page to another domain */
#define GNTTABOP_copy			5  /* hypervisor-side copy via grants */
#define GNTTABOP_query_size		6  /* current and maximum table frames */
#define GNTTABOP_unmap_and_replace	7  /* unmap, put another page there */
#define GNTTABOP_set_version		8  /* choose entry format 1 or 2 */
#define GNTTABOP_get_status_frames	9  /* v2 status frames */
#define GNTTABOP_get_version		10 /* format in use */
#define GNTTABOP_swap_grant_ref		11 /* swap two entries */
#define GNTTABOP_cache_flush		12 /* cache maintenance (Arm) */

/* Status codes written into the structures' status fields. */
#define GNTST_okay			0
#define GNTST_general_error		(-1)
#define GNTST_bad_domain		(-2)
#define GNTST_bad_gntref		(-3)
#define GNTST_bad_handle		(-4)
#define GNTST_bad_virt_addr		(-5)
#define GNTST_bad_dev_addr		(-6)
#define GNTST_no_device_space		(-7)
#define GNTST_permission_denied		(-8)
#define GNTST_bad_page			(-9)
#define GNTST_bad_copy_arg		(-10)
#define GNTST_address_too_big		(-11)
#define GNTST_eagain			(-12)
#define GNTST_no_space			(-13)

/* Entries 0-7 are reserved for the toolstack's own use. */
#define GNTTAB_NR_RESERVED_ENTRIES	8
#define GNTTAB_RESERVED_CONSOLE		0
#define GNTTAB_RESERVED_XENSTORE	1

/* grant_entry_v1.flags: the type in bits 0-1 ... */
#define GTF_invalid			(0 << 0)
#define GTF_permit_access		(1 << 0)
#define GTF_accept_transfer		(2 << 0)
#define GTF_transitive			(3 << 0)
#define GTF_type_mask			(3 << 0)
/* ... and flags above it. */
#define _GTF_readonly			2
#define GTF_readonly			(1 << _GTF_readonly)  /* guest */
#define _GTF_reading			3
#define GTF_reading			(1 << _GTF_reading)   /* hypervisor */
#define _GTF_writing			4
#define GTF_writing			(1 << _GTF_writing)   /* hypervisor */
/* Version 2, GTF_permit_access: only [page_off, page_off + length) (copy). */
#define _GTF_sub_page			8
#define GTF_sub_page			(1 << _GTF_sub_page)
#define _GTF_transfer_committed		2
#define GTF_transfer_committed		(1 << _GTF_transfer_committed)
#define _GTF_transfer_completed		3
#define GTF_transfer_completed		(1 << _GTF_transfer_completed)

#ifndef __ASSEMBLER__

/* An index into a domain's grant table. */
typedef uint32_t grant_ref_t;

/* The hypervisor's handle for one mapping made with map_grant_ref. */
typedef uint32_t grant_handle_t;

/* map_grant_ref flags. */
#define GNTMAP_device_map		(1 << 0)  /* a bus address (dev_bus_addr) */
#define GNTMAP_host_map			(1 << 1)  /* a mapping at host_addr */
#define GNTMAP_readonly			(1 << 2)  /* read-only, either kind */
#define GNTMAP_application_map		(1 << 3)  /* host_map: user-accessible */
#define GNTMAP_contains_pte		(1 << 4)  /* host_addr is a PTE's address */
#define _GNTMAP_guest_avail0		16	  /* bits 16+: the PTE's AVAIL bits */
#define GNTMAP_guest_avail_mask		((uint32_t)~0 << _GNTMAP_guest_avail0)

/* copy flags: which side is named by a grant reference (else a gmfn). */
#define GNTCOPY_source_gref		(1 << 0)
#define GNTCOPY_dest_gref		(1 << 1)

/*
 * struct grant_entry_v1 - one entry of a version 1 grant table. The guest
 * writes domid and frame, then (after a write barrier) flags; the
 * hypervisor sets and clears the GTF_reading/GTF_writing bits.
 */
struct grant_entry_v1 {
	uint16_t flags;		/* GTF_* */
	domid_t domid;		/* guest: domain allowed to use the entry */
	uint32_t frame;		/* guest: frame granted */
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct grant_entry_v1, 8);
PVABI_CHECK_OFFSET(struct grant_entry_v1, flags, 0);
PVABI_CHECK_OFFSET(struct grant_entry_v1, domid, 2);
PVABI_CHECK_OFFSET(struct grant_entry_v1, frame, 4);

/*
 * Version 2. Every entry starts with the same header as a version 1 entry
 * (flags and domid: the guest writes domid and the rest, then flags); the
 * hypervisor's GTF_reading/GTF_writing live in a separate status array
 * (grant_status_t, one per entry, in the status frames), which the guest
 * reads to know whether a grant is in use.
 */
struct grant_entry_header {
	uint16_t flags;		/* GTF_*, without GTF_reading/GTF_writing */
	domid_t domid;
}; /* 4 bytes */
PVABI_CHECK_SIZE(struct grant_entry_header, 4);

struct grant_entry_v2_full_page {	/* GTF_permit_access (no GTF_sub_page) */
	struct grant_entry_header hdr;
	uint32_t pad0;
	uint64_t frame;
}; /* 16 bytes */

struct grant_entry_v2_sub_page {	/* GTF_permit_access | GTF_sub_page */
	struct grant_entry_header hdr;
	uint16_t page_off;
	uint16_t length;
	uint64_t frame;
}; /* 16 bytes */

struct grant_entry_v2_transitive {	/* GTF_transitive: pvisor refuses them */
	struct grant_entry_header hdr;
	domid_t trans_domid;
	uint16_t pad0;
	grant_ref_t gref;
}; /* 12 bytes */

union grant_entry_v2 {
	struct grant_entry_header hdr;
	struct grant_entry_v2_full_page full_page;
	struct grant_entry_v2_sub_page sub_page;
	struct grant_entry_v2_transitive transitive;
	uint32_t spacer[4];
}; /* 16 bytes: 256 a page */
PVABI_CHECK_SIZE(union grant_entry_v2, 16);
PVABI_CHECK_OFFSET(union grant_entry_v2, full_page.frame, 8);
PVABI_CHECK_OFFSET(union grant_entry_v2, sub_page.page_off, 4);
PVABI_CHECK_OFFSET(union grant_entry_v2, sub_page.length, 6);
PVABI_CHECK_OFFSET(union grant_entry_v2, transitive.trans_domid, 4);
PVABI_CHECK_OFFSET(union grant_entry_v2, transitive.gref, 8);

/* One entry of the status array: GTF_reading | GTF_writing. */
typedef uint16_t grant_status_t;

/*
 * GNTTABOP_setup_table: size dom's table to at least nr_frames frames and
 * write their machine frame numbers to frame_list.
 */
struct gnttab_setup_table {
	/* IN */
	domid_t dom;		/* DOMID_SELF unless privileged */
	uint16_t pad0;
	uint32_t nr_frames;
	/* OUT */
	int16_t status;		/* GNTST_* */
	uint16_t pad1[3];
	/* IN: guest VA of xen_pfn_t[nr_frames], filled in (OUT) */
	uint64_t frame_list;
}; /* 24 bytes */
PVABI_CHECK_SIZE(struct gnttab_setup_table, 24);
PVABI_CHECK_OFFSET(struct gnttab_setup_table, dom, 0);
PVABI_CHECK_OFFSET(struct gnttab_setup_table, nr_frames, 4);
PVABI_CHECK_OFFSET(struct gnttab_setup_table, status, 8);
PVABI_CHECK_OFFSET(struct gnttab_setup_table, frame_list, 16);

/* GNTTABOP_query_size: how many frames dom's table has and may have. */
struct gnttab_query_size {
	/* IN */
	domid_t dom;
	uint16_t pad0;
	/* OUT */
	uint32_t nr_frames;
	uint32_t max_nr_frames;
	int16_t status;		/* GNTST_* */
	uint16_t pad1;
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct gnttab_query_size, 16);
PVABI_CHECK_OFFSET(struct gnttab_query_size, dom, 0);
PVABI_CHECK_OFFSET(struct gnttab_query_size, nr_frames, 4);
PVABI_CHECK_OFFSET(struct gnttab_query_size, max_nr_frames, 8);
PVABI_CHECK_OFFSET(struct gnttab_query_size, status, 12);

/*
 * GNTTABOP_set_version: ask for entry format 1 or 2 (only while no grant
 * is active). The version in effect afterwards is written back.
 */
struct gnttab_set_version {
	uint32_t version;	/* IN/OUT */
}; /* 4 bytes */
PVABI_CHECK_SIZE(struct gnttab_set_version, 4);
PVABI_CHECK_OFFSET(struct gnttab_set_version, version, 0);

/* GNTTABOP_get_version: the format dom's table uses. */
struct gnttab_get_version {
	/* IN */
	domid_t dom;
	uint16_t pad;
	/* OUT */
	uint32_t version;
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct gnttab_get_version, 8);
PVABI_CHECK_OFFSET(struct gnttab_get_version, dom, 0);
PVABI_CHECK_OFFSET(struct gnttab_get_version, version, 4);

/*
 * GNTTABOP_get_status_frames: the machine frame numbers of the first
 * nr_frames status frames of dom's version 2 table (the guest maps them
 * by mfn).
 */
struct gnttab_get_status_frames {
	/* IN */
	uint32_t nr_frames;
	domid_t dom;
	/* OUT */
	int16_t status;		/* GNTST_* */
	/* IN: guest VA of uint64_t[nr_frames], filled in (OUT) */
	uint64_t frame_list;
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct gnttab_get_status_frames, 16);
PVABI_CHECK_OFFSET(struct gnttab_get_status_frames, nr_frames, 0);
PVABI_CHECK_OFFSET(struct gnttab_get_status_frames, dom, 4);
PVABI_CHECK_OFFSET(struct gnttab_get_status_frames, status, 6);
PVABI_CHECK_OFFSET(struct gnttab_get_status_frames, frame_list, 8);

/*
 * GNTTABOP_map_grant_ref: map entry ref of dom's table: at host_addr (a
 * virtual address in the caller's current page tables) and/or as a bus
 * address. handle names the mapping for unmap_grant_ref.
 */
struct gnttab_map_grant_ref {
	/* IN */
	uint64_t host_addr;
	uint32_t flags;		/* GNTMAP_* */
	grant_ref_t ref;
	domid_t dom;
	/* OUT */
	int16_t status;		/* GNTST_* */
	grant_handle_t handle;
	uint64_t dev_bus_addr;
}; /* 32 bytes */
PVABI_CHECK_SIZE(struct gnttab_map_grant_ref, 32);
PVABI_CHECK_OFFSET(struct gnttab_map_grant_ref, flags, 8);
PVABI_CHECK_OFFSET(struct gnttab_map_grant_ref, ref, 12);
PVABI_CHECK_OFFSET(struct gnttab_map_grant_ref, dom, 16);
PVABI_CHECK_OFFSET(struct gnttab_map_grant_ref, status, 18);
PVABI_CHECK_OFFSET(struct gnttab_map_grant_ref, handle, 20);
PVABI_CHECK_OFFSET(struct gnttab_map_grant_ref, dev_bus_addr, 24);

/*
 * GNTTABOP_unmap_grant_ref: undo the host mapping at host_addr (0: none)
 * and/or the device mapping at dev_bus_addr (0: none) of handle.
 */
struct gnttab_unmap_grant_ref {
	/* IN */
	uint64_t host_addr;
	uint64_t dev_bus_addr;
	grant_handle_t handle;
	/* OUT */
	int16_t status;		/* GNTST_* */
	uint16_t pad0;
}; /* 24 bytes */
PVABI_CHECK_SIZE(struct gnttab_unmap_grant_ref, 24);
PVABI_CHECK_OFFSET(struct gnttab_unmap_grant_ref, dev_bus_addr, 8);
PVABI_CHECK_OFFSET(struct gnttab_unmap_grant_ref, handle, 16);
PVABI_CHECK_OFFSET(struct gnttab_unmap_grant_ref, status, 20);

/*
 * GNTTABOP_copy: copy len bytes from source to dest. Each side is a
 * grant reference of domid's table (GNTCOPY_*_gref) or a frame of the
 * caller's (gmfn; domid DOMID_SELF), at offset; neither may cross its page.
 */
struct gnttab_copy_ptr {
	union {
		grant_ref_t ref;
		uint64_t gmfn;
	} u;
	domid_t domid;
	uint16_t offset;
	uint32_t pad0;
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct gnttab_copy_ptr, 16);
PVABI_CHECK_OFFSET(struct gnttab_copy_ptr, domid, 8);
PVABI_CHECK_OFFSET(struct gnttab_copy_ptr, offset, 10);

struct gnttab_copy {
	/* IN */
	struct gnttab_copy_ptr source, dest;
	uint16_t len;
	uint16_t flags;		/* GNTCOPY_* */
	/* OUT */
	int16_t status;		/* GNTST_* */
	uint16_t pad0;
}; /* 40 bytes */
PVABI_CHECK_SIZE(struct gnttab_copy, 40);
PVABI_CHECK_OFFSET(struct gnttab_copy, dest, 16);
PVABI_CHECK_OFFSET(struct gnttab_copy, len, 32);
PVABI_CHECK_OFFSET(struct gnttab_copy, flags, 34);
PVABI_CHECK_OFFSET(struct gnttab_copy, status, 36);

/*
 * GNTTABOP_unmap_and_replace: unmap handle's host mapping at host_addr,
 * putting there the mapping found at new_addr, which is cleared.
 */
struct gnttab_unmap_and_replace {
	/* IN */
	uint64_t host_addr;
	uint64_t new_addr;
	grant_handle_t handle;
	/* OUT */
	int16_t status;		/* GNTST_* */
	uint16_t pad0;
}; /* 24 bytes */
PVABI_CHECK_SIZE(struct gnttab_unmap_and_replace, 24);
PVABI_CHECK_OFFSET(struct gnttab_unmap_and_replace, new_addr, 8);
PVABI_CHECK_OFFSET(struct gnttab_unmap_and_replace, handle, 16);
PVABI_CHECK_OFFSET(struct gnttab_unmap_and_replace, status, 20);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_GRANT_TABLE_H */
