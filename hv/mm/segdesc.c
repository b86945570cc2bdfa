/*
 * segdesc.c - which segment descriptors a guest may put in its GDT.
 *
 * Runs in: hypervisor (set_gdt, update_descriptor, validating a frame as a
 * descriptor page) and host unit tests (tests/unit/test_segdesc.c).
 * Trusts: nothing in the descriptor.
 *
 * The guest's GDT frames are mapped into the hypervisor's per-vCPU area and
 * loaded with lgdt (pv/descriptor_tables.c), so the CPU uses them for real:
 * a descriptor the guest wrote must never give it more privilege than
 * ring 3 or reach the hypervisor's segments. Xen's check_descriptor() for
 * 64-bit PV guests (docs/pv-mechanisms.md §17.4), rule by rule:
 *
 *  - not present: harmless, it can only fault; kept as it is.
 *  - DPL below 3 is raised to 3. The guest kernel runs in ring 3, so
 *    Linux's DPL-0 __KERNEL_CS/__KERNEL_DS work, and nothing the guest
 *    loads can be more privileged than ring 3. (That is compat mode's
 *    rule, segdesc_ring3: the DPL is the PV mode's kernel ring, and a
 *    ring-1 kernel's descriptors would be raised to 1.)
 *  - code and data (S = 1): fine; base and limit do not matter in long
 *    mode, and a ring-3 segment is a ring-3 segment.
 *  - system type 0: harmless (the upper half of a 16-byte call gate).
 *  - a call gate (type 0xc): its target selector must be a guest GDT
 *    entry, an LDT entry or FLAT_KERNEL_CS, never a hypervisor segment.
 *    The gate's DPL is forced to 0, so any use faults (#GP) and nothing
 *    can enter ring 0 through it; the original DPL is kept in the target's
 *    RPL. The reserved bits must be zero.
 *  - every other system descriptor (TSS, LDT, interrupt and trap gates):
 *    refused. A TSS or LDT descriptor would let the guest point the CPU
 *    at memory it chooses; gates belong in the IDT, which is ours.
 *
 * The check rewrites the descriptor (DPL, gate selector) in place, as Xen
 * does: what the CPU later sees is the checked value.
 *
 * 16-bit data segments are accepted, as on Xen; what pvisor refuses is a
 * return to 32-bit code with one as the stack (segdesc_stack_is_16bit(),
 * below).
 */
#include "hv.h"
#include "mm/segdesc.h"
#include "pvabi/xen.h"

/* Bits of the descriptor's high 32-bit word. */
#define SEG_TYPE	(15U << 8)
#define SEG_S		(1U << 12)	/* code or data (not system) */
#define SEG_DPL		(3U << 13)
#define SEG_P		(1U << 15)

#define SYS_CALL_GATE	(0xcU << 8)

/* Compat mode's rules: a ring-3 kernel, FLAT_KERNEL_CS. */
const struct segdesc_rules segdesc_ring3 = {
	.kernel_dpl = 3,
	.kernel_cs = FLAT_KERNEL_CS,
};

/* Fast mode's rules: a ring-1 kernel, FLAT_RING1_CS64. */
const struct segdesc_rules segdesc_ring1 = {
	.kernel_dpl = 1,
	.kernel_cs = FLAT_RING1_CS64,
};

/* May a call gate in a guest GDT jump to this selector? */
static bool gate_selector_ok(u32 sel, const struct segdesc_rules *rules)
{
	return (sel >> 3) < FIRST_RESERVED_GDT_ENTRY ||	/* the guest's own GDT */
	       sel == rules->kernel_cs ||			/* the flat kernel code */
	       (sel & 4);					/* the guest's LDT */
}

/* True if *desc may be loaded; rewrites its DPL (and gate selector). */
bool check_descriptor(u64 *desc, const struct segdesc_rules *rules)
{
	u32 a = (u32)*desc, b = (u32)(*desc >> 32);
	u32 dpl, cs;

	if (!(b & SEG_P))
		return true;
	dpl = (b >> 13) & 3;
	if (dpl < rules->kernel_dpl)
		dpl = rules->kernel_dpl;
	b = (b & ~SEG_DPL) | (dpl << 13);
	if (b & SEG_S)
		goto good;
	if ((b & SEG_TYPE) == 0)
		return true;
	if ((b & SEG_TYPE) != SYS_CALL_GATE)
		return false;
	cs = a >> 16;
	if (!gate_selector_ok(cs, rules))
		return false;
	b &= ~SEG_DPL;			/* any use faults */
	cs = (cs & ~3U) | dpl;		/* remember the DPL in the RPL */
	a = (a & 0xffffU) | (cs << 16);
	if (b & 0xff)			/* reserved in a 64-bit call gate */
		return false;
good:
	*desc = ((u64)b << 32) | a;
	return true;
}

/* A whole frame about to become a descriptor page: all 512 entries. */
int validate_segdesc_page(u64 *descs, const struct segdesc_rules *rules)
{
	for (int i = 0; i < 512; i++) {
		if (!check_descriptor(&descs[i], rules))
			return -1;
	}
	return 0;
}

/*
 * The 16-bit stack rule (pv/iret.c: pv_refuse_16bit_stack), on access
 * rights as LAR gives them. iretq to compatibility mode on a stack
 * segment that is a writable data segment with B = 0 loads only SP and
 * keeps the rest of RSP from the hypervisor's stack; 64-bit code loads all
 * of RSP, so there nothing leaks.
 */
bool segdesc_stack_is_16bit(u32 ss_ar)
{
	const u32 mask = AR_P | AR_S | AR_TYPE_CODE | AR_TYPE_WRITE | AR_DB;

	return (ss_ar & mask) == (AR_P | AR_S | AR_TYPE_WRITE);
}

bool segdesc_code_is_64bit(u32 cs_ar)
{
	return (cs_ar & AR_TYPE_CODE) && (cs_ar & AR_L);
}
