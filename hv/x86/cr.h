/*
 * cr.h - the bits of CR0, CR4 and EFER the hypervisor names, once (Intel
 * SDM vol. 3, 2.5 and 2.2.1), and the MSR number of EFER.
 *
 * Runs in: hypervisor (C and assembly) and the host unit tests: constants
 * only, so boot/head.S and the mechanism x86/cpu_setup.c include it
 * directly; everything else gets it through x86/cpu.h.
 */
#ifndef HV_X86_CR_H
#define HV_X86_CR_H

#ifdef __ASSEMBLER__
#define X86_CR_BIT(n)	(1 << (n))
#else
#define X86_CR_BIT(n)	(1ULL << (n))
#endif

#define X86_CR0_PE		X86_CR_BIT(0)	/* protected mode */
#define X86_CR0_MP		X86_CR_BIT(1)	/* WAIT honours TS */
#define X86_CR0_TS		X86_CR_BIT(3)	/* task switched: FPU use traps (#NM) */
#define X86_CR0_ET		X86_CR_BIT(4)	/* reads as 1 */
#define X86_CR0_NE		X86_CR_BIT(5)	/* x87 errors as #MF */
#define X86_CR0_WP		X86_CR_BIT(16)	/* ring 0 honours read-only pages */
#define X86_CR0_AM		X86_CR_BIT(18)	/* alignment checks in ring 3 */
#define X86_CR0_PG		X86_CR_BIT(31)	/* paging */

#define X86_CR4_DE		X86_CR_BIT(3)	/* debug extensions: DR4/5 fault, I/O breakpoints */
#define X86_CR4_PAE		X86_CR_BIT(5)
#define X86_CR4_PGE		X86_CR_BIT(7)	/* global pages */
#define X86_CR4_OSFXSR		X86_CR_BIT(9)
#define X86_CR4_OSXMMEXCPT	X86_CR_BIT(10)
#define X86_CR4_UMIP		X86_CR_BIT(11)	/* sgdt & co. fault in ring 3 */
#define X86_CR4_SMEP		X86_CR_BIT(20)	/* ring 0 never executes user pages */
#define X86_CR4_SMAP		X86_CR_BIT(21)	/* ring 0 never touches them, but with stac */

#define MSR_EFER		0xc0000080
#define X86_EFER_SCE		X86_CR_BIT(0)	/* SYSCALL */
#define X86_EFER_LME		X86_CR_BIT(8)	/* long mode enable */
#define X86_EFER_LMA		X86_CR_BIT(10)	/* long mode active */
#define X86_EFER_NXE		X86_CR_BIT(11)	/* no-execute bit in page tables */

#endif
