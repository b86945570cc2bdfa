/*
 * grant_table.h - a domain's grant table (hv/core/grant_table.c).
 */
#ifndef HV_CORE_GRANT_TABLE_H
#define HV_CORE_GRANT_TABLE_H

#include "hv.h"

struct domain;

/* The most frames a table may grow to (Xen's default max_grant_frames). */
#define GNTTAB_MAX_FRAMES	64

/* Entries in one frame of a version 1 table (and active entries a frame). */
#define GNTTAB_PER_FRAME	512

/* Version 2: 256 entries a frame, their 2-byte status entries 2048 a frame. */
#define GNTTAB_V2_PER_FRAME	256
#define GNTTAB_STATUS_PER_FRAME	2048
#define GNTTAB_MAX_STATUS_FRAMES \
	((GNTTAB_MAX_FRAMES * GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) / \
	 GNTTAB_STATUS_PER_FRAME)

/* The mappings one domain may hold at a time (grant_map.c). */
#define MAPTRACK_FRAMES		8	/* 256 handles a frame: 2048 */

struct gnt_entry;
struct gnt_active;

int gnttab_init(struct domain *d);
void gnttab_destroy(struct domain *d);

/* For core/grant_map.c. */
bool gnttab_entry(struct domain *d, u32 ref, struct gnt_entry *g);
struct gnt_active *gnttab_active(struct domain *d, u32 ref);
struct domain *gnttab_granter(struct domain *ld, u16 dom, bool self_ok);
long gnttab_batch(struct domain *d, u32 cmd, u64 uop, u32 count, u32 size,
		  long (*one)(struct domain *d, u64 addr));

/* core/grant_map.c */
long gnttab_map_req(struct domain *d, u64 addr);
long gnttab_unmap(struct domain *d, u32 cmd, u64 uop, u32 count);
long gnttab_replace_req(struct domain *d, u64 addr);
void gnttab_release_mappings(struct domain *d);

#endif /* HV_CORE_GRANT_TABLE_H */
