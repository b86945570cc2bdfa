/*
 * pte.h - the bits of an x86-64 page-table entry, named once.
 *
 * Runs in: hypervisor (C and assembly: boot/head.S) and the host unit
 * tests: constants only, so mechanism files (mm/pgtype.c) and the
 * hypervisor's own tables (mm/paging.c) share them.
 */
#ifndef HV_MM_PTE_H
#define HV_MM_PTE_H

#ifdef __ASSEMBLER__
#define PTE_C(x)	x
#else
#define PTE_C(x)	x##ULL
#endif

#define PTE_P		PTE_C(0x001)	/* present */
#define PTE_RW		PTE_C(0x002)	/* writable */
#define PTE_US		PTE_C(0x004)	/* user-accessible */
#define PTE_PWT		PTE_C(0x008)	/* write-through */
#define PTE_PCD		PTE_C(0x010)	/* cache disabled */
#define PTE_A		PTE_C(0x020)	/* accessed */
#define PTE_D		PTE_C(0x040)	/* dirty */
#define PTE_PSE		PTE_C(0x080)	/* L2/L3: superpage; L1: PAT */
#define PTE_G		PTE_C(0x100)	/* global */
#define PTE_AVAIL	PTE_C(0xe00)	/* bits 9-11: software */
#define PTE_AVAIL_HIGH	PTE_C(0x7ff0000000000000)	/* bits 52-62: software */
#define PTE_NX		PTE_C(0x8000000000000000)	/* no-execute */
#define PTE_ADDR	PTE_C(0x000ffffffffff000)	/* the frame's address */

#endif /* HV_MM_PTE_H */
