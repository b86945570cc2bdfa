/*
 * fake_mm.h - a small machine for hv/mm/pgtype.c on the host: frames in an
 * array, their page_info, the environment pgtype.c calls, and an auditor
 * that recomputes every reference count from scratch.
 */
#ifndef TESTS_UNIT_FAKE_MM_H
#define TESTS_UNIT_FAKE_MM_H

#include "hv.h"
#include "mm/page_info.h"

/*
 * Frames 0-511 are "RAM"; 512 and up are not (MMIO to pgtype.c).
 * fake_mm_reset() leaves every frame free (count 0, no owner).
 */
#define FAKE_FRAMES	512
#define DOM_A		1
#define DOM_B		2
#define HV_SLOT_MARK	0x5a5a000000000000ULL	/* what "the hypervisor" writes in slots 256-271 */

extern u8 (*fake_mem)[PAGE_SIZE];
extern int fake_flushes;		/* pgt_env_flush_tlbs() calls */
extern int fake_frees;			/* pgt_env_frame_free() calls */
extern mfn_t fake_last_freed;

void fake_mm_reset(void);
/* Give frame mfn to dom, as the builder or populate_physmap would. */
void fake_alloc(mfn_t mfn, u16 dom);
u64 *fake_table(mfn_t mfn);
u64 fake_pte(mfn_t target, u64 flags);

/*
 * Recompute what every count must be from the allocation, the pins, the
 * entries of every validated table and the caller's extra roots (mfn,
 * type) and compare with page_info; NULL if all agree, else a message.
 */
struct fake_root {
	mfn_t mfn;
	int type;
};
const char *fake_audit(const struct fake_root *roots, int nr_roots);

#endif
