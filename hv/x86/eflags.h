/*
 * eflags.h - the bits of RFLAGS, named once (Intel SDM vol. 1, 3.4.3).
 *
 * Runs in: hypervisor (C and assembly) and the host unit tests: constants
 * only, so mechanism files (mm/ptwr_decode.c) and compat_entry.S include
 * it directly; everything else gets it through x86/cpu.h.
 */
#ifndef HV_X86_EFLAGS_H
#define HV_X86_EFLAGS_H

#ifdef __ASSEMBLER__
#define X86_EFLAGS_BIT(n)	(1 << (n))
#else
#define X86_EFLAGS_BIT(n)	(1ULL << (n))
#endif

#define X86_EFLAGS_CF		X86_EFLAGS_BIT(0)	/* carry */
#define X86_EFLAGS_FIXED	X86_EFLAGS_BIT(1)	/* reads as 1 */
#define X86_EFLAGS_PF		X86_EFLAGS_BIT(2)	/* parity */
#define X86_EFLAGS_AF		X86_EFLAGS_BIT(4)	/* auxiliary carry */
#define X86_EFLAGS_ZF		X86_EFLAGS_BIT(6)	/* zero */
#define X86_EFLAGS_SF		X86_EFLAGS_BIT(7)	/* sign */
#define X86_EFLAGS_TF		X86_EFLAGS_BIT(8)	/* trap (single-step) */
#define X86_EFLAGS_IF		X86_EFLAGS_BIT(9)	/* interrupts enabled */
#define X86_EFLAGS_DF		X86_EFLAGS_BIT(10)	/* direction */
#define X86_EFLAGS_OF		X86_EFLAGS_BIT(11)	/* overflow */
#define X86_EFLAGS_IOPL		(3 * X86_EFLAGS_BIT(12))	/* I/O privilege level, 2 bits */
#define X86_EFLAGS_IOPL_SHIFT	12
#define X86_EFLAGS_NT		X86_EFLAGS_BIT(14)	/* nested task */
#define X86_EFLAGS_RF		X86_EFLAGS_BIT(16)	/* resume */
#define X86_EFLAGS_VM		X86_EFLAGS_BIT(17)	/* virtual-8086 mode */
#define X86_EFLAGS_AC		X86_EFLAGS_BIT(18)	/* alignment check / SMAP override */
#define X86_EFLAGS_VIF		X86_EFLAGS_BIT(19)
#define X86_EFLAGS_VIP		X86_EFLAGS_BIT(20)
#define X86_EFLAGS_ID		X86_EFLAGS_BIT(21)

/* The six status flags arithmetic sets. */
#define X86_EFLAGS_ARITH	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

/* Every bit the architecture defines that software may set: 0x3f7fd5. */
#define X86_EFLAGS_ARCH		(X86_EFLAGS_ARITH | X86_EFLAGS_TF | X86_EFLAGS_IF | \
				 X86_EFLAGS_DF | X86_EFLAGS_IOPL | X86_EFLAGS_NT | \
				 X86_EFLAGS_RF | X86_EFLAGS_VM | X86_EFLAGS_AC | \
				 X86_EFLAGS_VIF | X86_EFLAGS_VIP | X86_EFLAGS_ID)

#endif /* HV_X86_EFLAGS_H */
