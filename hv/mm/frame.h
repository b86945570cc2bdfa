/*
 * frame.h - the machine frame allocator.
 *
 * Runs in: hypervisor, and host tests.
 */
#ifndef HV_MM_FRAME_H
#define HV_MM_FRAME_H

#include "hv.h"

#define INVALID_MFN	(~(mfn_t)0)

/* Bytes of bitmap storage frame_init() needs for nr_frames frames. */
static inline u64 frame_bitmap_bytes(u64 nr_frames)
{
	return DIV_ROUND_UP(nr_frames, 64) * 8;
}

void frame_init(u64 *bitmap, u64 nr_frames);
void frame_add_free(mfn_t first, u64 count);
mfn_t frame_alloc(void);
mfn_t frame_alloc_contig(u64 count, u64 align);
void frame_free(mfn_t mfn);
void frame_free_contig(mfn_t first, u64 count);
bool frame_is_free(mfn_t mfn);
u64 frame_nr_free(void);
u64 frame_nr_total(void);

#endif /* HV_MM_FRAME_H */
