/*
 * grant_table.h - a domain's grant table (hv/core/grant_table.c).
 */
#ifndef HV_CORE_GRANT_TABLE_H
#define HV_CORE_GRANT_TABLE_H

#include "hv.h"

struct domain;

/* The most frames a table may grow to (Xen's default max_grant_frames). */
#define GNTTAB_MAX_FRAMES	64

int gnttab_init(struct domain *d);
void gnttab_destroy(struct domain *d);

#endif /* HV_CORE_GRANT_TABLE_H */
