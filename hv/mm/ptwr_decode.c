/*
 * ptwr_decode.c - recognise and run the few instructions Linux uses to
 * write its page tables directly.
 *
 * Runs in: hypervisor (mm/ptwr.c, on a write fault in a guest page table)
 * and host unit tests (tests/unit/test_ptwr.c). Pure: bytes and register
 * values in, the value to store and the new registers out; the caller
 * fetches the instruction, reads the old entry, validates and stores.
 * Trusts: nothing; the hypervisor's decoder (pv/insn.c) reads the bytes,
 * and any form this file does not expect makes it give up (-1): the fault
 * goes to the guest as an ordinary page fault.
 *
 * Xen runs its full x86 emulator here. A PV Linux only ever writes a
 * read-only L1 with these (docs/linux-pv.md), so the assist accepts
 * exactly them, and is small enough to test completely:
 *
 *	88/89        mov r -> m               C6/C7 /0   mov imm -> m
 *	86/87        xchg r, m                0F B0/B1   [lock] cmpxchg r, m
 *	20/21 08/09  [lock] and/or r -> m     80/81/83 /4 /1  [lock] and/or imm -> m
 *	0F BA /5 /6  [lock] bts/btr imm, m
 *
 * with the prefixes 66 (16-bit operand), F0 (lock), REX, and the null
 * segment overrides of 64-bit mode (CS, DS, ES, SS). FS/GS overrides,
 * address-size and REP prefixes, register destinations, the bit-string
 * forms of bt* with a register offset (which may address outside the
 * operand) and code that is not 64-bit are refused.
 */
#include "hv.h"
#include "mm/ptwr_decode.h"

static u64 size_mask(unsigned size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* A register source: AH-BH when a byte register is named with no REX. */
static void set_src_reg(struct ptwr_insn *in)
{
	u8 reg = in->x.reg;

	in->src_reg = (s8)reg;
	if (in->size == 1 && !in->x.rex && reg >= 4 && reg <= 7) {
		in->src_high8 = true;
		in->src_reg = (s8)(reg - 4);
	}
}

static void set_imm(struct ptwr_insn *in)
{
	in->src_is_imm = true;
	in->imm = in->x.imm & size_mask(in->size);
}

/* The assist's operation for a decoded instruction: 0, or -1 if not one. */
static int classify(struct ptwr_insn *in)
{
	u16 op = in->x.op;
	u8 ext = in->x.reg & 7;

	in->size = (op & 1) || op == INSN_OP_0F(0xba) ? in->x.opsize : 1;
	switch (op) {
	case 0x88: case 0x89: case 0x86: case 0x87:
	case 0x20: case 0x21: case 0x08: case 0x09:
		in->op = op >= 0x88 ? PTWR_MOV : op >= 0x86 ? PTWR_XCHG :
			 op >= 0x20 ? PTWR_AND : PTWR_OR;
		set_src_reg(in);
		return 0;
	case INSN_OP_0F(0xb0): case INSN_OP_0F(0xb1):
		in->op = PTWR_CMPXCHG;
		set_src_reg(in);
		return 0;
	case 0xc6: case 0xc7:			/* /0 only (pv/insn.c) */
		in->op = PTWR_MOV;
		set_imm(in);
		return 0;
	case 0x80: case 0x81: case 0x83:	/* /1 or /4 (pv/insn.c) */
		in->size = op == 0x80 ? 1 : in->x.opsize;
		in->op = ext == 4 ? PTWR_AND : PTWR_OR;
		set_imm(in);
		return 0;
	case INSN_OP_0F(0xba):			/* /5 or /6 (pv/insn.c) */
		in->op = ext == 5 ? PTWR_BTS : PTWR_BTR;
		in->src_is_imm = true;
		in->imm = in->x.imm & (8 * in->size - 1);
		return 0;
	default:
		return -1;
	}
}

/*
 * Decode one instruction of 64-bit code from avail bytes: 0, or -1 if it
 * is not one the assist emulates, in a form it emulates.
 */
int ptwr_decode(const u8 *code, unsigned avail, struct ptwr_insn *in)
{
	struct insn *x = &in->x;

	memset(in, 0, sizeof(*in));
	if (insn_decode(code, avail, INSN_MODE_64, x))
		return -1;
	if (x->seg == INSN_SEG_FS || x->seg == INSN_SEG_GS ||
	    x->addrsize_prefix || x->rep || x->repne || !x->has_modrm ||
	    x->mod == 3)
		return -1;	/* segment bases, 32-bit addresses, hints, registers */
	if (classify(in))
		return -1;
	in->lock = x->lock || in->op == PTWR_XCHG;
	return 0;
}

static u64 read_src(const struct ptwr_insn *in, const u64 gpr[16])
{
	if (in->src_is_imm)
		return in->imm;
	if (in->src_high8)
		return (gpr[in->src_reg] >> 8) & 0xff;
	return gpr[in->src_reg] & size_mask(in->size);
}

/* A register written with a result: 32-bit writes clear the top half. */
static void write_reg(u64 gpr[16], int reg, bool high8, unsigned size, u64 v)
{
	if (high8)
		gpr[reg] = (gpr[reg] & ~0xff00ULL) | ((v & 0xff) << 8);
	else if (size >= 4)
		gpr[reg] = v & size_mask(size);
	else
		gpr[reg] = (gpr[reg] & ~size_mask(size)) | (v & size_mask(size));
}

static u64 sign_bit(unsigned size)
{
	return 1ULL << (8 * size - 1);
}

/* PF, ZF and SF of a result. */
static u64 szp_flags(u64 r, unsigned size)
{
	u64 f = 0;

	r &= size_mask(size);
	if (!(__builtin_popcount((unsigned)(r & 0xff)) & 1))
		f |= X86_EFLAGS_PF;
	if (r == 0)
		f |= X86_EFLAGS_ZF;
	if (r & sign_bit(size))
		f |= X86_EFLAGS_SF;
	return f;
}

/* The flags of cmp a, b (a - b). */
static u64 sub_flags(u64 a, u64 b, unsigned size)
{
	u64 m = size_mask(size), r = (a - b) & m, f;

	a &= m;
	b &= m;
	f = szp_flags(r, size);
	if (a < b)
		f |= X86_EFLAGS_CF;
	if ((a ^ b) & (a ^ r) & sign_bit(size))
		f |= X86_EFLAGS_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= X86_EFLAGS_AF;
	return f;
}

/*
 * Run the instruction with old = the memory operand's current value. It
 * returns the new value and sets *store, or clears *store when memory is
 * left alone (a cmpxchg that did not match); registers and the arithmetic
 * flags are updated as the CPU would.
 */
u64 ptwr_execute(const struct ptwr_insn *in, u64 gpr[16], u64 *rflags,
		 u64 old, bool *store)
{
	u64 m = size_mask(in->size), src = read_src(in, gpr), v;

	old &= m;
	*store = true;
	switch (in->op) {
	case PTWR_MOV:
		return src;
	case PTWR_XCHG:
		write_reg(gpr, in->src_reg, in->src_high8, in->size, old);
		return src;
	case PTWR_CMPXCHG:
		*rflags = (*rflags & ~X86_EFLAGS_ARITH) | sub_flags(gpr[0], old, in->size);
		if ((gpr[0] & m) == old)
			return src;
		write_reg(gpr, 0, false, in->size, old);
		*store = false;
		return old;
	case PTWR_AND:
	case PTWR_OR:
		v = in->op == PTWR_AND ? old & src : old | src;
		*rflags = (*rflags & ~X86_EFLAGS_ARITH) | szp_flags(v, in->size);
		return v;
	default:	/* PTWR_BTR, PTWR_BTS */
		*rflags &= ~X86_EFLAGS_CF;
		if (old & (1ULL << src))
			*rflags |= X86_EFLAGS_CF;
		return in->op == PTWR_BTR ? old & ~(1ULL << src) : old | (1ULL << src);
	}
}
