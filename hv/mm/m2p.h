/*
 * m2p.h - the machine-to-physical table.
 */
#ifndef HV_MM_M2P_H
#define HV_MM_M2P_H

#include "hv.h"

#define INVALID_M2P_ENTRY	(~0UL)

void m2p_init(u64 nr_frames);
void m2p_set(mfn_t mfn, u64 pfn);
u64 m2p_get(mfn_t mfn);
u64 m2p_l4_entry(void);

#endif /* HV_MM_M2P_H */
