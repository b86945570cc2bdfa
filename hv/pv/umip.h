/*
 * umip.h - what sgdt, sidt, sldt, str and smsw show a guest (pv/umip.c).
 */
#ifndef HV_PV_UMIP_H
#define HV_PV_UMIP_H

#include "hv.h"
#include "layout.h"
#include "pv/insn.h"

/*
 * The table bases sgdt and sidt report: fixed addresses near the top of
 * the hypervisor's range, where nothing is mapped (layout.h: slots
 * 263-271 are unused), the same for every vCPU and every boot.
 */
#define UMIP_GDT_BASE	(HV_VIRT_END - 0x20000)		/* 0xffff87fffffe0000 */
#define UMIP_IDT_BASE	(HV_VIRT_END - 0x10000)		/* 0xffff87ffffff0000 */

/* The values behind the five, as the guest may know them. */
struct umip_view {
	u64 cr0;		/* the guest's virtual CR0 (its own TS) */
	u16 gdt_limit;		/* the GDT's limit (the ABI's layout) */
	u16 idt_limit;		/* the IDT's: 256 16-byte gates */
	u16 ldtr;		/* the LDT selector, 0 without a guest LDT */
	u16 tr;			/* the TSS selector */
};

/* What the instruction does: a register written or bytes stored. */
struct umip_result {
	bool to_reg;		/* a register operand, else memory */
	u8 reg;			/* ... that register (encoding number) */
	u8 size;		/* bytes written: 2, 4 or 8 to a register, 2 or 10 to memory */
	u64 value;		/* the register's new low size bytes */
	u8 bytes[10];		/* what memory gets */
};

bool umip_emulate(const struct insn *in, const struct umip_view *view,
		  struct umip_result *res);

#endif /* HV_PV_UMIP_H */
