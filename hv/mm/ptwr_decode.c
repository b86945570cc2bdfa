/*
 * ptwr_decode.c - decode and run the few instructions Linux uses to write
 * its page tables directly.
 *
 * Runs in: hypervisor (mm/ptwr.c, on a write fault in a guest page table)
 * and host unit tests (tests/unit/test_ptwr.c). Pure: bytes and register
 * values in, the value to store and the new registers out; the caller
 * fetches the instruction, reads the old entry, validates and stores.
 * Trusts: nothing; any byte it does not expect makes it give up (-1) and
 * the fault goes to the guest as an ordinary page fault.
 *
 * Xen runs its full x86 emulator here. A PV Linux only ever writes a
 * read-only L1 with these (linux-pv-guest.md 4), so this decoder accepts
 * exactly them, and is small enough to test completely:
 *
 *	88/89        mov r -> m               C6/C7 /0   mov imm -> m
 *	86/87        xchg r, m                0F B0/B1   [lock] cmpxchg r, m
 *	20/21 08/09  [lock] and/or r -> m     80/81/83 /4 /1  [lock] and/or imm -> m
 *	0F BA /5 /6  [lock] bts/btr imm, m
 *
 * with the prefixes 66 (16-bit operand), F0 (lock), REX, and the null
 * segment overrides of 64-bit mode (CS, DS, ES, SS). FS/GS overrides,
 * address-size and REP prefixes, register destinations and the bit-string
 * forms of bt* with a register offset (which may address outside the
 * operand) are refused.
 */
#include "hv.h"
#include "mm/ptwr_decode.h"

#define MAX_INSN_LEN	15

struct cursor {
	const u8 *p;
	unsigned n, avail;
	bool bad;
};

static u8 next_byte(struct cursor *c)
{
	if (c->n >= c->avail || c->n >= MAX_INSN_LEN) {
		c->bad = true;
		return 0;
	}
	return c->p[c->n++];
}

static s64 next_signed(struct cursor *c, unsigned bytes)
{
	u64 v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (u64)next_byte(c) << (8 * i);
	if (bytes < 8 && (v & (1ULL << (8 * bytes - 1))))
		v |= ~0ULL << (8 * bytes);
	return (s64)v;
}

static u64 size_mask(unsigned size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* ModRM (and SIB, displacement) of a memory operand; -1 for a register. */
static int decode_modrm(struct cursor *c, u8 rex, struct ptwr_insn *in, u8 *reg)
{
	u8 modrm = next_byte(c), mod = modrm >> 6, rm = modrm & 7;

	*reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
	if (mod == 3)
		return -1;
	in->base = PTWR_REG_NONE;
	in->index = PTWR_REG_NONE;
	in->scale = 1;
	if (rm == 4) {
		u8 sib = next_byte(c), idx = ((sib >> 3) & 7) | ((rex & 2) << 2);

		in->scale = (u8)(1 << (sib >> 6));
		if (idx != 4)
			in->index = (s8)idx;
		if ((sib & 7) == 5 && mod == 0)
			in->disp = next_signed(c, 4);
		else
			in->base = (s8)((sib & 7) | ((rex & 1) << 3));
	} else if (rm == 5 && mod == 0) {
		in->base = PTWR_REG_RIP;
		in->disp = next_signed(c, 4);
	} else {
		in->base = (s8)(rm | ((rex & 1) << 3));
	}
	if (mod == 1)
		in->disp = next_signed(c, 1);
	else if (mod == 2)
		in->disp = next_signed(c, 4);
	return 0;
}

/* A register source: AH-BH when a byte register is named with no REX. */
static void set_src_reg(struct ptwr_insn *in, u8 reg, u8 rex)
{
	in->src_reg = (s8)reg;
	if (in->size == 1 && !rex && reg >= 4 && reg <= 7) {
		in->src_high8 = true;
		in->src_reg = (s8)(reg - 4);
	}
}

static void set_imm(struct cursor *c, struct ptwr_insn *in, unsigned bytes)
{
	in->src_is_imm = true;
	in->imm = (u64)next_signed(c, bytes) & size_mask(in->size);
}

/*
 * The opcode after the prefixes. wide = the size of a non-byte operand
 * (2, 4 or 8). Returns -1 for anything not in the table above.
 */
static int decode_opcode(struct cursor *c, u8 rex, unsigned wide,
			 struct ptwr_insn *in)
{
	u8 op = next_byte(c), reg;
	bool byte = !(op & 1);

	in->size = byte ? 1 : (u8)wide;
	switch (op) {
	case 0x88: case 0x89: case 0x86: case 0x87:
	case 0x20: case 0x21: case 0x08: case 0x09:
		if (decode_modrm(c, rex, in, &reg))
			return -1;
		set_src_reg(in, reg, rex);
		in->op = op >= 0x88 ? PTWR_MOV : op >= 0x86 ? PTWR_XCHG :
			 op >= 0x20 ? PTWR_AND : PTWR_OR;
		return 0;
	case 0xc6: case 0xc7:
		if (decode_modrm(c, rex, in, &reg) || (reg & 7) != 0)
			return -1;
		in->op = PTWR_MOV;
		set_imm(c, in, byte ? 1 : MIN(wide, 4u));
		return 0;
	case 0x80: case 0x81: case 0x83:
		in->size = op == 0x80 ? 1 : (u8)wide;
		if (decode_modrm(c, rex, in, &reg))
			return -1;
		if ((reg & 7) == 4)
			in->op = PTWR_AND;
		else if ((reg & 7) == 1)
			in->op = PTWR_OR;
		else
			return -1;
		set_imm(c, in, op == 0x81 ? MIN(wide, 4u) : 1);
		return 0;
	case 0x0f:
		break;
	default:
		return -1;
	}
	op = next_byte(c);
	in->size = (op & 1) || op == 0xba ? (u8)wide : 1;
	if (op == 0xb0 || op == 0xb1) {
		if (decode_modrm(c, rex, in, &reg))
			return -1;
		in->op = PTWR_CMPXCHG;
		set_src_reg(in, reg, rex);
		return 0;
	}
	if (op == 0xba) {
		if (decode_modrm(c, rex, in, &reg))
			return -1;
		if ((reg & 7) == 5)
			in->op = PTWR_BTS;
		else if ((reg & 7) == 6)
			in->op = PTWR_BTR;
		else
			return -1;
		in->src_is_imm = true;
		in->imm = next_byte(c) & (8 * in->size - 1);
		return 0;
	}
	return -1;
}

/* Decode one instruction from avail bytes of code: 0, or -1 if not ours. */
int ptwr_decode(const u8 *code, unsigned avail, struct ptwr_insn *in)
{
	struct cursor c = { .p = code, .avail = avail };
	bool opsize = false;
	u8 rex = 0;

	memset(in, 0, sizeof(*in));
	for (;;) {
		u8 b = c.n < avail ? code[c.n] : 0;

		if (c.n >= avail || c.n >= MAX_INSN_LEN)
			return -1;
		if (b == 0xf0)
			in->lock = true;
		else if (b == 0x66)
			opsize = true;
		else if (b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26)
			;	/* null segment overrides in 64-bit mode */
		else if ((b & 0xf0) == 0x40) {
			rex = b;
			c.n++;
			break;	/* REX comes last */
		} else {
			break;	/* 64/65 (FS/GS), 67, F2/F3 end up refused below */
		}
		c.n++;
	}
	if (decode_opcode(&c, rex, (rex & 8) ? 8 : opsize ? 2 : 4, in) || c.bad)
		return -1;
	if (in->lock && in->op == PTWR_MOV)
		return -1;	/* #UD on a real CPU */
	if (in->op == PTWR_XCHG)
		in->lock = true;
	in->len = (u8)c.n;
	return 0;
}

/* The linear address of the memory operand; rip is the instruction's own. */
u64 ptwr_address(const struct ptwr_insn *in, const u64 gpr[16], u64 rip)
{
	u64 a = (u64)in->disp;

	if (in->base == PTWR_REG_RIP)
		a += rip + in->len;
	else if (in->base != PTWR_REG_NONE)
		a += gpr[in->base];
	if (in->index != PTWR_REG_NONE)
		a += gpr[in->index] * in->scale;
	return a;
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
		f |= RFLAGS_PF;
	if (r == 0)
		f |= RFLAGS_ZF;
	if (r & sign_bit(size))
		f |= RFLAGS_SF;
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
		f |= RFLAGS_CF;
	if ((a ^ b) & (a ^ r) & sign_bit(size))
		f |= RFLAGS_OF;
	if ((a ^ b ^ r) & 0x10)
		f |= RFLAGS_AF;
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
		*rflags = (*rflags & ~RFLAGS_ARITH) | sub_flags(gpr[0], old, in->size);
		if ((gpr[0] & m) == old)
			return src;
		write_reg(gpr, 0, false, in->size, old);
		*store = false;
		return old;
	case PTWR_AND:
	case PTWR_OR:
		v = in->op == PTWR_AND ? old & src : old | src;
		*rflags = (*rflags & ~RFLAGS_ARITH) | szp_flags(v, in->size);
		return v;
	default:	/* PTWR_BTR, PTWR_BTS */
		*rflags &= ~RFLAGS_CF;
		if (old & (1ULL << src))
			*rflags |= RFLAGS_CF;
		return in->op == PTWR_BTR ? old & ~(1ULL << src) : old | (1ULL << src);
	}
}
