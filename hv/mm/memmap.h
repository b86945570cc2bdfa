/*
 * memmap.h - sets of physical address ranges (usable RAM, reserved areas).
 *
 * Runs in: hypervisor at boot, and host tests.
 */
#ifndef HV_MM_MEMMAP_H
#define HV_MM_MEMMAP_H

#include "hv.h"

#define MEMMAP_MAX	128

struct mem_range {
	u64 start;	/* inclusive */
	u64 end;	/* exclusive */
};

/* Sorted by start, non-overlapping, non-adjacent (adjacent ranges merge). */
struct memmap {
	int n;
	struct mem_range r[MEMMAP_MAX];
};

void memmap_init(struct memmap *m);
int memmap_add(struct memmap *m, u64 start, u64 end);
int memmap_remove(struct memmap *m, u64 start, u64 end);
void memmap_trim_to_pages(struct memmap *m);
u64 memmap_total(const struct memmap *m);
u64 memmap_end(const struct memmap *m);
bool memmap_contains(const struct memmap *m, u64 start, u64 end);
bool memmap_overlaps(const struct memmap *m, u64 start, u64 end);
bool memmap_carve(struct memmap *m, u64 size, u64 align, u64 limit,
		  u64 *out);

#endif /* HV_MM_MEMMAP_H */
