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

/*
 * The image as guest user mode sees it. In compat mode user code runs
 * where the image is linked: a user L4 copied from the kernel's maps it,
 * and the kernel runs in ring 3 anyway. In fast mode ring 3 never reaches
 * the upper half, so user_alias_map() maps the whole image a second time
 * at USER_ALIAS_BASE (L4 slot 2, U set, writable, executable) and user
 * code runs there. Such code must not hold absolute addresses of the
 * image: compile it position-independent (test.mk: TEST_CFLAGS := -fpie
 * -mcmodel=small), and give user mode user_va() of any address the
 * kernel computed. A TRAP_EXPECT in user mode resumes in the alias
 * (traps.c). user_alias_map() takes spare frames first..first+2 (mmu.h's
 * spare_mfn numbering) and ends the test with an error if it cannot.
 */
#define USER_ALIAS_BASE		0x0000010000000000UL

static inline u64 user_va(const void *p)
{
	return guest_fast_mode() ? (u64)p - GUEST_VIRT_BASE + USER_ALIAS_BASE : (u64)p;
}

void user_alias_map(unsigned first);

#endif /* GUEST_MEMORY_H */
