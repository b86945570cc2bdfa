/*
 * layout.h - the hypervisor's virtual address space (docs/design.md §4).
 *
 * Included by C and by assembly. The hypervisor owns L4 slots 256-271
 * (0xFFFF800000000000-0xFFFF87FFFFFFFFFF) in its own page tables and in every
 * guest L4 it validates; guests may map nothing there. One 512 GiB L4 slot
 * per area keeps the copy into guest L4s a matter of whole slots:
 *
 *   slot 256  0xFFFF800000000000  M2P, read-only, readable by guests
 *   slot 257  0xFFFF808000000000  M2P, read-write alias for the hypervisor
 *   slot 260  0xFFFF820000000000  per-vCPU areas (GDT/LDT frames)
 *   slot 262  0xFFFF830000000000  direct map of machine memory; the
 *                                 hypervisor image is linked inside it
 *
 * Linking the image inside the direct map means one translation serves both:
 * virt = phys + DIRECTMAP_BASE for code, data and every RAM frame alike.
 * The cost is that the image is also reachable (supervisor-only) through
 * ordinary data mappings; guests can never reach either.
 */
#ifndef HV_LAYOUT_H
#define HV_LAYOUT_H

#include "pvabi/xen.h"

#ifdef __ASSEMBLER__
#define _UL(x)	x
#else
#define _UL(x)	x##UL
#endif

/*H:200 Where everything lives
 * The hypervisor owns L4 slots 256-271 of every address space, guests'
 * included: that is what makes a hypercall cheap in compat mode (no CR3
 * switch to enter the hypervisor). Slot 256 holds the M2P, readable by
 * guests; slot 262 the direct map of RAM, with the image linked inside,
 * so that a machine address becomes a pointer by adding DIRECTMAP_BASE
 * (__va) and back (__pa). Guests may use everything else: the lower half,
 * and the upper half above slot 271.
 */
#define HV_VIRT_START		HYPERVISOR_VIRT_START	/* the hole is ABI: pvabi/xen.h */
#define HV_VIRT_END		HYPERVISOR_VIRT_END
#define HV_FIRST_L4_SLOT	256
#define HV_LAST_L4_SLOT		271

#define RO_MPT_VIRT_START	MACH2PHYS_VIRT_START	/* 256 GiB, as Xen */
#define RO_MPT_VIRT_END		MACH2PHYS_VIRT_END
#define RDWR_MPT_VIRT_START	_UL(0xFFFF808000000000)
#define PERVCPU_VIRT_START	_UL(0xFFFF820000000000)
#define DIRECTMAP_BASE		_UL(0xFFFF830000000000)
#define DIRECTMAP_SIZE		_UL(0x0000008000000000)	/* 512 GiB, one slot */

/* Where GRUB loads the image (physical), and so where it is linked. */
#define HV_LOAD_PHYS		_UL(0x100000)

/* The early boot tables map this much physical memory, with 2 MiB pages. */
#define EARLY_MAP_SIZE		_UL(0x100000000)	/* 4 GiB */

#define HV_STACK_SIZE		_UL(0x4000)	/* 16 KiB per CPU stack */

#ifndef __ASSEMBLER__
#define __va(pa)	((void *)((unsigned long)(pa) + DIRECTMAP_BASE))
#define __pa(va)	((unsigned long)(va) - DIRECTMAP_BASE)
#endif

#endif /* HV_LAYOUT_H */
