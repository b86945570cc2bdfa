/*
 * paging.h - the hypervisor's own page tables (entry bits: mm/pte.h).
 */
#ifndef HV_MM_PAGING_H
#define HV_MM_PAGING_H

#include "hv.h"

#include "mm/pte.h"

#define L1_SHIFT	12
#define L2_SHIFT	21
#define L3_SHIFT	30
#define L4_SHIFT	39
#define PT_ENTRIES	512
#define pt_index(va, shift)	(((va) >> (shift)) & 511)

struct boot_info;

void paging_init(u64 ram_end);
u64 paging_directmap_end(void);
void paging_make_readonly(u64 va);
u64 *hv_l4(void);
void *paging_zeroed_page(void);
u64 *paging_l1_of(u64 va);
void paging_map_mmio(u64 pa, u64 size);
void *paging_map_user_page(u64 va);

#endif /* HV_MM_PAGING_H */
