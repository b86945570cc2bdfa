/*
 * umip.c - what sgdt, sidt, sldt, str and smsw give a guest when the
 * CPU's UMIP makes them fault.
 *
 * Runs in: hypervisor (pv/emulate.c, on a #GP(0) from guest kernel or
 * guest user mode) and host unit tests (tests/unit/test_umip.c). Pure:
 * a decoded instruction and the values the guest may see in, the bytes
 * or the register value out; the caller stores them.
 * Trusts: the decoder (pv/insn.c) for the instruction's form; nothing
 * here depends on guest data but the choice of operand.
 *
 * With CR4.UMIP (set where the CPU has it, x86/cpu_setup.c) these five
 * raise #GP(0) at CPL 3, where guest kernels and their processes run, so
 * that ring 3 no longer learns where the hypervisor keeps its GDT, IDT
 * and TSS. Software still uses them (XTF's xsa-212 takes sidt's base in
 * its kernel; Wine and DOSEMU do in user space), so the hypervisor does
 * as an operating system with UMIP does for its processes (Linux:
 * arch/x86/kernel/umip.c) and emulates them with values that tell
 * nothing:
 *
 *	sgdt m    the GDT's real limit (0xe07f, the ABI's layout) and the
 *	          base UMIP_GDT_BASE, near the top of the hypervisor's range
 *	          where nothing is mapped
 *	sidt m    limit 0xfff (256 gates), base UMIP_IDT_BASE
 *	sldt      the LDT selector the hypervisor loads for a guest LDT, or 0
 *	str       the TSS selector, 0xe040
 *	smsw      the guest's virtual CR0 (the real one, with its own TS)
 *
 * Only the bases differ from what the CPU shows without UMIP. Linux
 * gives limit 0 and bases at the top of its kernel range; Xen does not
 * turn UMIP on for PV guests, which see its real tables
 * (pvabi/README.md). A register destination takes the operand size (16
 * bits merged, 32 zero-extended, 64 with REX.W); a memory destination
 * always 2 bytes, or 10 for sgdt and sidt. The register forms of sgdt and
 * sidt are other instructions (VMX, MONITOR, CLAC...): not emulated. In
 * compatibility mode only register destinations are: a memory operand
 * there needs the guest segment's base and limit.
 */
#include "hv.h"
#include "pv/umip.h"

/* 0F 01 /0 and /1, memory only: limit, then the 8-byte base. */
static bool descriptor_table(const struct insn *in, const struct umip_view *view,
			     struct umip_result *res)
{
	bool gdt = (in->reg & 7) == 0;
	u16 limit = gdt ? view->gdt_limit : view->idt_limit;
	u64 base = gdt ? UMIP_GDT_BASE : UMIP_IDT_BASE;

	if (in->mod == 3 || in->mode != INSN_MODE_64)
		return false;
	res->size = 10;
	memcpy(res->bytes, &limit, 2);
	memcpy(res->bytes + 2, &base, 8);
	return true;
}

/*
 * Emulate in (0F 00 /0 /1 or 0F 01 /0 /1 /4) with the values in view:
 * true with *res filled in, false for anything else (the guest then gets
 * the #GP(0) the CPU raised).
 */
bool umip_emulate(const struct insn *in, const struct umip_view *view,
		  struct umip_result *res)
{
	u8 ext = in->reg & 7;
	u64 value;

	memset(res, 0, sizeof(*res));
	if (in->op == INSN_OP_0F(0x01) && ext <= 1)
		return descriptor_table(in, view, res);
	if (in->op == INSN_OP_0F(0x01) && ext == 4)
		value = view->cr0;			/* smsw */
	else if (in->op == INSN_OP_0F(0x00) && ext == 0)
		value = view->ldtr;			/* sldt */
	else if (in->op == INSN_OP_0F(0x00) && ext == 1)
		value = view->tr;			/* str */
	else
		return false;
	if (in->mod == 3) {
		res->to_reg = true;
		res->reg = in->rm;
		res->size = in->opsize;
		res->value = value;
		return true;
	}
	if (in->mode != INSN_MODE_64)
		return false;
	res->size = 2;
	memcpy(res->bytes, &value, 2);		/* the low 16 bits (little-endian) */
	return true;
}
