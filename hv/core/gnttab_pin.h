/*
 * gnttab_pin.h - the pure logic of grant tables: how a grant entry is
 * pinned (its GTF_reading/GTF_writing flags and the hypervisor's active
 * entry), and the maptrack (a mapping domain's handles). See
 * hv/core/gnttab_pin.c.
 *
 * Runs in: hypervisor, and host unit tests (tests/unit/test_gnttab_pin.c).
 */
#ifndef HV_CORE_GNTTAB_PIN_H
#define HV_CORE_GNTTAB_PIN_H

#include "hv.h"
#include "pvabi/grant_table.h"

/*
 * Pin counts, one byte each, in an active entry's pin (Xen's layout):
 * host writable, host read-only, device writable, device read-only. A
 * copy holds a host pin for as long as it copies.
 */
#define GNTPIN_hstw_inc		0x00000001u
#define GNTPIN_hstr_inc		0x00000100u
#define GNTPIN_devw_inc		0x00010000u
#define GNTPIN_devr_inc		0x01000000u
#define GNTPIN_write_mask	0x00ff00ffu	/* the writable counts */
#define GNTPIN_overflow		0x80808080u	/* a count at 128: refuse more */

/*
 * What the hypervisor keeps about one entry of a granting domain's table
 * while anyone uses it: the pins, the domain holding them, and the frame
 * read from the entry at the first pin (later changes of the entry's
 * frame do not move a grant in use).
 */
struct gnt_active {
	u32 pin;
	u32 frame;	/* mfn (GNT_BAD_FRAME: one no frame table has) */
	u16 domid;
	u16 start;	/* the bytes it grants: [start, start + length) */
	u16 length;	/* (PAGE_SIZE but for a version 2 GTF_sub_page grant) */
	u16 sub_page;	/* 1: a GTF_sub_page grant, which cannot be mapped */
};
_Static_assert(sizeof(struct gnt_active) == 16, "gnt_active is 16 bytes");

/* A version 2 frame number beyond 32 bits: no such frame. */
#define GNT_BAD_FRAME	0xffffffffu

/*
 * Where one grant entry is, in either format (core/grant_table.c:
 * gnttab_entry()). Both formats start with the word {flags, domid}; the
 * hypervisor's GTF_reading/GTF_writing are in the flags in version 1 and
 * in a separate status array in version 2.
 */
struct gnt_entry {
	void *e;		/* struct grant_entry_v1 or union grant_entry_v2 */
	u16 *status;		/* v1: &e->flags; v2: the entry's grant_status_t */
	u8 version;		/* 1 or 2 */
};

/* How an entry is used: a mapping refuses GTF_sub_page grants, a copy not. */
#define GNT_USE_MAP	1
#define GNT_USE_COPY	0

int gnt_pin(const struct gnt_entry *g, struct gnt_active *a, u16 domid, u32 inc, int use);
void gnt_unpin(const struct gnt_entry *g, struct gnt_active *a, u32 inc);

/*
 * Switching a table's version (GNTTABOP_set_version): the entries that
 * survive it (the reserved ones, 0-7) in the other format. Xen's rules:
 * v1 -> v2 moves GTF_reading/GTF_writing to the status entry; v2 -> v1
 * keeps a GTF_permit_access entry (its status bits back in its flags, its
 * frame cut to 32 bits) and clears any other kind.
 */
void gnt_entry_v1_to_v2(const struct grant_entry_v1 *in, union grant_entry_v2 *out,
			grant_status_t *status);
void gnt_entry_v2_to_v1(const union grant_entry_v2 *in, grant_status_t status,
			struct grant_entry_v1 *out);

/*
 * One mapping made by map_grant_ref: handle -> the granting domain, the
 * reference, the frame, and what is mapped (GNTMAP_host_map and/or
 * GNTMAP_device_map, GNTMAP_readonly). flags 0: free (then next is the
 * next free handle).
 */
struct gnt_map {
	u32 ref;
	u32 frame;	/* mfn */
	u16 dom;
	u16 flags;	/* GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly | GNTMAP_contains_pte */
	u32 next;	/* free: the next free handle, or nr (none) */
};
_Static_assert(sizeof(struct gnt_map) == 16, "gnt_map is 16 bytes");

#define GNT_MAP_KINDS	(GNTMAP_host_map | GNTMAP_device_map)

struct gnt_maptrack {
	struct gnt_map *ents;	/* nr entries; NULL until the first map */
	u32 nr;
	u32 free;		/* the first free handle, nr if none */
	u32 used;
};

void gnt_maptrack_init(struct gnt_maptrack *mt, struct gnt_map *ents, u32 nr);
struct gnt_map *gnt_maptrack_alloc(struct gnt_maptrack *mt, u32 *handle);
struct gnt_map *gnt_maptrack_find(struct gnt_maptrack *mt, u32 handle);
void gnt_maptrack_free(struct gnt_maptrack *mt, u32 handle);

#endif /* HV_CORE_GNTTAB_PIN_H */
