/*
 * memory.h - frames and mappings for test guests: pfn <-> mfn, the M2P,
 * and the few mapping changes the PV CPU tests need (shared_info, a page
 * made read-only, a user-mode L4).
 *
 * Runs in: test guests, guest kernel mode.
 *
 * The builder maps pseudo-physical frame n at GUEST_VIRT_BASE + n * 4 KiB
 * (the initial mapping), so anything in the image, the start_info page,
 * the console ring and the boot stack has pfn = (va - VIRT_BASE) >> 12;
 * start_info.mfn_list (the P2M) gives its machine frame, and the M2P the
 * hypervisor maps read-only at MACH2PHYS_VIRT_START gives the way back.
 * Changing a mapping needs the MMU hypercalls (update_va_mapping,
 * mmuext_op), which answer -ENOSYS until the hypervisor has them.
 */
#ifndef GUEST_MEMORY_H
#define GUEST_MEMORY_H

#include "guest.h"

/* Page-table entry bits. */
#define PTE_P		(1UL << 0)
#define PTE_RW		(1UL << 1)
#define PTE_US		(1UL << 2)
#define PTE_A		(1UL << 5)
#define PTE_D		(1UL << 6)
#define PTE_NX		(1UL << 63)
#define PTE_MFN_MASK	0x000ffffffffff000UL

u64 virt_to_pfn(const void *va);
u64 pfn_to_mfn(u64 pfn);
u64 virt_to_mfn(const void *va);
u64 mfn_to_pfn(u64 mfn);		/* through the M2P */
void *pfn_to_virt(u64 pfn);		/* in the initial mapping */

/* The L1 entry that maps va now, read through the page tables (0: none). */
u64 pte_of(const void *va);

/*
 * Make the page at va map machine frame mfn with flags (PTE_*), through
 * update_va_mapping with an INVLPG. Returns the hypercall's result.
 */
long remap_page(void *va, u64 mfn, u64 flags);

/* Map the shared_info frame (once); NULL if the hypervisor refuses. */
struct shared_info *shared_info_map(void);

#endif /* GUEST_MEMORY_H */
