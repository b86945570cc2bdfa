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
extern u16 fake_fast_dom;		/* this domain id has fast mode's page rules */
extern mfn_t fake_last_freed;

/*
 * pgt_env_preempt(), the hypervisor's "is something else due?": how the
 * tests choose where a preemptible validation stops. fake_mm_reset() sets
 * FAKE_PREEMPT_NEVER and pgt_check_every back to PGT_CHECK_EVERY.
 */
enum fake_preempt {
	FAKE_PREEMPT_NEVER,
	FAKE_PREEMPT_ALWAYS,
	FAKE_PREEMPT_RANDOM,	/* yes one time in fake_preempt_one_in */
	FAKE_PREEMPT_AT,	/* yes at the fake_preempt_at-th question only */
};
extern enum fake_preempt fake_preempt_mode;
extern u32 fake_preempt_one_in;
extern u64 fake_preempt_at;
extern u64 fake_preempt_asked;		/* pgt_env_preempt() calls */
extern u64 fake_preempt_rng;		/* FAKE_PREEMPT_RANDOM's state */

void fake_mm_reset(void);
/* Give frame mfn to dom, as the builder or populate_physmap would. */
void fake_alloc(mfn_t mfn, u16 dom);
u64 *fake_table(mfn_t mfn);
u64 fake_pte(mfn_t target, u64 flags);

/*
 * Recompute what every count must be from the allocation, the pins, the
 * entries of every validated table, the entries [0, nr_validated) of every
 * partial one and its own references, and the caller's extra roots (mfn,
 * type), and compare with page_info; check that every entry that holds
 * references points at a validated table (never a partial one) and that
 * a partial frame is used by nothing but itself. NULL if all agree, else
 * a message.
 */
struct fake_root {
	mfn_t mfn;
	int type;
};
const char *fake_audit(const struct fake_root *roots, int nr_roots);

#endif
