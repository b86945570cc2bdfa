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
 *   slot 271  0xFFFF878000000000  the switcher: what a fast-mode guest's
 *                                 address space holds of the hypervisor
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

/*
 * The switcher (pv/switcher.c): a slice of 2 MiB (one L1) per physical
 * CPU, at SW_PAGE_VA(cpu, page), the only part of the hypervisor a
 * fast-mode guest's page tables map: a CPU's guest view maps its own
 * slice alone, the hypervisor's view all of them (the first GiB of slot
 * 271, one L2). Its pages, by number within a slice:
 */
#define SWITCHER_VIRT_START	_UL(0xFFFF878000000000)
#define SWITCHER_L4_SLOT	271
#define SWITCHER_SLICE_SIZE	_UL(0x200000)
#define SW_TEXT_PAGE		0	/* 2 pages: entry and exit code, read-only */
#define SW_TEXT_PAGES		2
#define SW_CONF_PAGE		2	/* where to go: read-only to the guest */
#define SW_DATA_PAGE		3	/* scratch: writable, the guest's to see */
#define SW_IDT_PAGE		4	/* fast mode's IDT, read-only */
#define SW_TSS_PAGE		5	/* the TSS, read-only */
#define SW_VINFO_PAGE		6	/* the vCPU's vcpu_info page: the guest's own */
#define SW_DESC_PAGE		8	/* 16 GDT + 16 LDT pages: the vCPU's, read-only */
#define SW_DESC_PAGES		32
#define SW_STACK_PAGE		48	/* 2 pages: the entry stack (TSS rsp0) */
#define SW_STACK_PAGES		2
#define SW_IST_PAGE		64	/* 4 x 4 pages: the IST stacks */
#define SW_IST_STACK_PAGES	4
#define SW_NR_SLICES		32	/* = NR_CPUS (x86/percpu.h): 64 MiB, one L2 */
#define SW_PAGE_VA(cpu, page)	(SWITCHER_VIRT_START + (cpu) * SWITCHER_SLICE_SIZE + \
				 (page) * 0x1000)
/* Offsets in the conf page (switcher_entry.S reads them, switcher.c writes them). */
#define SWC_HV_CR3		0	/* the hypervisor's view: the vCPU's own L4 */
#define SWC_GUEST_CR3		8	/* the guest's view: the CPU's copy of it */
#define SWC_HV_STACK		16	/* the top of the hypervisor stack */
#define SWC_EXCEPTION		24	/* x86/entry.S: exception_common */
#define SWC_SYSCALL		32	/* pv/fast_entry.S: fast_syscall_entry */
#define SWC_SYSCALL32		40	/* pv/compat_entry.S: compat_syscall32_entry */
/* The fast paths' parameters, set for the vCPU on every exit (0: take the slow path). */
#define SWC_FAST_HYPERCALLS	48	/* iret, stack_switch, set_segment_base served here */
#define SWC_SYSCALL_CB		56	/* the syscall callback (it masks events) */
#define SWC_VCPU_INFO		64	/* the vcpu_info, at its alias in the slice */
#define SWC_PF_CB		72	/* the #PF handler */
#define SWC_PF_MASK		80	/* ... and whether it masks events */
/* Counters in the data page (writable by the guest: its own claims). */
#define SWD_GUEST_RSP		0
#define SWD_SYSCALLS		8
#define SWD_IRETS		16
#define SWD_PFS			24
#define SWD_KERNEL_SP		32	/* stack_switch's stack: the switcher serves it */
#define SWD_SEGBASES		40
#define SWD_STACK_SWITCHES	48

/* Where GRUB loads the image (physical), and so where it is linked. */
#define HV_LOAD_PHYS		_UL(0x100000)

/* The early boot tables map this much physical memory, with 2 MiB pages. */
#define EARLY_MAP_SIZE		_UL(0x100000000)	/* 4 GiB */

#define HV_STACK_SIZE		_UL(0x4000)	/* 16 KiB per CPU stack */
/*
 * The top PCPU_AREA bytes of each CPU's hypervisor stack hold its struct
 * pcpu (x86/percpu.h); the stack proper (hv_stack_top, TSS rsp0) starts
 * below it. A multiple of 64: the stack stays 16-byte aligned.
 */
#define PCPU_AREA		384

#ifndef __ASSEMBLER__
/*
 * Each CPU runs the switcher's code at its own slice (pv/switcher.c), but
 * the exception table names slice 0's alias of an instruction: the
 * address to look up for a fault at rip, which is rip itself outside the
 * slices' code pages.
 */
static inline unsigned long switcher_ex_rip(unsigned long rip)
{
	unsigned long off = rip - SWITCHER_VIRT_START;

	if (rip < SWITCHER_VIRT_START || off >= SW_NR_SLICES * SWITCHER_SLICE_SIZE ||
	    (off & (SWITCHER_SLICE_SIZE - 1)) >= SW_TEXT_PAGES * 0x1000)
		return rip;
	return SWITCHER_VIRT_START + (off & (SWITCHER_SLICE_SIZE - 1));
}

#define __va(pa)	((void *)((unsigned long)(pa) + DIRECTMAP_BASE))
#define __pa(va)	((unsigned long)(va) - DIRECTMAP_BASE)
#endif

#endif /* HV_LAYOUT_H */
