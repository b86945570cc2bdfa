/*
 * paging.h - x86-64 page-table entry bits and the hypervisor's own tables.
 */
#ifndef HV_MM_PAGING_H
#define HV_MM_PAGING_H

#include "hv.h"

#define _PAGE_PRESENT	0x001ULL
#define _PAGE_RW	0x002ULL
#define _PAGE_USER	0x004ULL
#define _PAGE_PWT	0x008ULL
#define _PAGE_PCD	0x010ULL
#define _PAGE_ACCESSED	0x020ULL
#define _PAGE_DIRTY	0x040ULL
#define _PAGE_PSE	0x080ULL
#define _PAGE_GLOBAL	0x100ULL
#define _PAGE_NX	(1ULL << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

#define L1_SHIFT	12
#define L2_SHIFT	21
#define L3_SHIFT	30
#define L4_SHIFT	39
#define PT_ENTRIES	512
#define pt_index(va, shift)	(((va) >> (shift)) & 511)

struct boot_info;

void paging_init(u64 ram_end);
u64 *hv_l4(void);
void paging_map_mmio(u64 pa, u64 size);
void *paging_map_user_page(u64 va);

#endif /* HV_MM_PAGING_H */
