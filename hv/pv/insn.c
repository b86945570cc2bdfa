/*
 * insn.c - the hypervisor's x86 instruction decoder, and the one fetch of
 * guest instruction bytes.
 *
 * Runs in: hypervisor (pv/emulate.c on a #GP or #UD from guest code,
 * mm/ptwr.c on a page fault in a page table; interrupts off) and host
 * unit tests (tests/unit/test_insn.c). insn_decode() and insn_address()
 * are pure: bytes and registers in, a description out. insn_fetch() reads
 * guest memory through the one gate, core/guest_access.c.
 * Trusts: nothing. The bytes are the guest's and may be anything, cut
 * short anywhere: the decoder never reads past the bytes it was given nor
 * past the 15 an instruction may have, and refuses (-1) whatever is not
 * one of the instructions the hypervisor emulates, in a form it can
 * describe. A refusal costs the guest nothing more than the fault it
 * took, which goes back to it unchanged.
 *
 * Xen decodes with its full x86 emulator (arch/x86/x86_emulate). pvisor
 * emulates a handful of instructions, so this decoder knows exactly
 * those, and nothing else can be mistaken for them:
 *
 *	writable page-table assist      88/89 mov, 86/87 xchg, 08/09 or,
 *	                                20/21 and, 80/81/83 /1 /4 or/and imm,
 *	                                C6/C7 /0 mov imm, 0F B0/B1 cmpxchg,
 *	                                0F BA /5 /6 bts/btr imm
 *	port I/O, cli/sti, int n        E4-E7, EC-EF, FA, FB, CD ib
 *	kernel-mode privileged ops      0F 06 clts, 0F 08 invd, 0F 09 wbinvd,
 *	                                0F 20-23 mov CR/DR, 0F 30 wrmsr,
 *	                                0F 32 rdmsr
 *	UMIP (pv/umip.c)                0F 00 /0 /1 sldt/str,
 *	                                0F 01 /0 /1 /4 sgdt/sidt/smsw
 *
 * with every prefix recorded (the legacy ones, REX in 64-bit mode) and
 * the full ModRM/SIB/displacement forms, RIP-relative included; what a
 * prefix means for one instruction its emulator decides (the assist
 * refuses FS/GS, 67 and F2/F3, for instance). Two rules hold for all: F2
 * and F3 before a two-byte opcode make it another instruction (refused),
 * and LOCK is accepted only where the CPU accepts it, on a memory
 * destination of a locking instruction (#UD otherwise, so never a fault
 * that reaches us).
 */
#include "hv.h"
#include "core/guest_access.h"
#include "pv/insn.h"

#define F_KNOWN		0x01	/* an opcode the hypervisor emulates */
#define F_MODRM		0x02	/* a ModRM byte (SIB, displacement) follows */
#define F_REGONLY	0x04	/* ModRM.mod is ignored: a register (mov CR/DR) */
#define F_IMM8		0x08	/* an 8-bit immediate */
#define F_IMMZ		0x10	/* a 16- or 32-bit immediate, by operand size */
#define F_LOCK		0x20	/* LOCK allowed, with a memory operand */

/* Indexed by the opcode byte: one table each for 0x00-0xff and 0F 00-FF. */
struct opcode {
	u8 flags;
	u8 exts;	/* the ModRM.reg extensions (bit n: /n) allowed; 0: a register */
};

#define M	(F_KNOWN | F_MODRM)
#define ML	(F_KNOWN | F_MODRM | F_LOCK)

static const struct opcode one_byte[256] = {
	[0x08] = { ML, 0 },			/* or r8, m8 */
	[0x09] = { ML, 0 },			/* or r, m */
	[0x20] = { ML, 0 },			/* and r8, m8 */
	[0x21] = { ML, 0 },			/* and r, m */
	[0x80] = { ML | F_IMM8, 0x12 },		/* or/and imm8, m8 (/1 /4) */
	[0x81] = { ML | F_IMMZ, 0x12 },		/* or/and imm, m */
	[0x83] = { ML | F_IMM8, 0x12 },		/* or/and imm8, m */
	[0x86] = { ML, 0 },			/* xchg r8, m8 */
	[0x87] = { ML, 0 },			/* xchg r, m */
	[0x88] = { M, 0 },			/* mov r8, m8 */
	[0x89] = { M, 0 },			/* mov r, m */
	[0xc6] = { M | F_IMM8, 0x01 },		/* mov imm8, m8 (/0) */
	[0xc7] = { M | F_IMMZ, 0x01 },		/* mov imm, m (/0) */
	[0xcd] = { F_KNOWN | F_IMM8, 0 },	/* int n */
	[0xe4] = { F_KNOWN | F_IMM8, 0 },	/* in imm8 */
	[0xe5] = { F_KNOWN | F_IMM8, 0 },
	[0xe6] = { F_KNOWN | F_IMM8, 0 },	/* out imm8 */
	[0xe7] = { F_KNOWN | F_IMM8, 0 },
	[0xec] = { F_KNOWN, 0 },		/* in dx */
	[0xed] = { F_KNOWN, 0 },
	[0xee] = { F_KNOWN, 0 },		/* out dx */
	[0xef] = { F_KNOWN, 0 },
	[0xfa] = { F_KNOWN, 0 },		/* cli */
	[0xfb] = { F_KNOWN, 0 },		/* sti */
};

static const struct opcode two_byte[256] = {
	[0x00] = { M, 0x03 },			/* sldt, str (/0 /1) */
	[0x01] = { M, 0x13 },			/* sgdt, sidt, smsw (/0 /1 /4) */
	[0x06] = { F_KNOWN, 0 },		/* clts */
	[0x08] = { F_KNOWN, 0 },		/* invd */
	[0x09] = { F_KNOWN, 0 },		/* wbinvd */
	[0x20] = { M | F_REGONLY, 0 },		/* mov cr, r */
	[0x21] = { M | F_REGONLY, 0 },		/* mov dr, r */
	[0x22] = { M | F_REGONLY, 0 },		/* mov r, cr */
	[0x23] = { M | F_REGONLY, 0 },		/* mov r, dr */
	[0x30] = { F_KNOWN, 0 },		/* wrmsr */
	[0x32] = { F_KNOWN, 0 },		/* rdmsr */
	[0xb0] = { ML, 0 },			/* cmpxchg r8, m8 */
	[0xb1] = { ML, 0 },			/* cmpxchg r, m */
	[0xba] = { ML | F_IMM8, 0x60 },		/* bts/btr imm8, m (/5 /6) */
};

#undef M
#undef ML

/* The bytes given, as far as they go and never past 15. */
struct cursor {
	const u8 *code;
	unsigned n, avail;
	bool bad;	/* wanted a byte it did not have */
};

static u8 next_byte(struct cursor *c)
{
	if (c->n >= c->avail || c->n >= INSN_MAX_LEN) {
		c->bad = true;
		return 0;
	}
	return c->code[c->n++];
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

/* A legacy prefix: recorded, true; anything else: false. */
static bool legacy_prefix(u8 b, struct insn *in)
{
	switch (b) {
	case 0x26: in->seg = INSN_SEG_ES; return true;
	case 0x2e: in->seg = INSN_SEG_CS; return true;
	case 0x36: in->seg = INSN_SEG_SS; return true;
	case 0x3e: in->seg = INSN_SEG_DS; return true;
	case 0x64: in->seg = INSN_SEG_FS; return true;
	case 0x65: in->seg = INSN_SEG_GS; return true;
	case 0xf0: in->lock = true; return true;
	case 0xf2: in->repne = true; return true;
	case 0xf3: in->rep = true; return true;
	case 0x66: in->opsize_prefix = true; return true;
	case 0x67: in->addrsize_prefix = true; return true;
	default: return false;
	}
}

/*
 * Prefixes, up to the opcode. A REX prefix (64-bit mode only: elsewhere
 * 40-4F are instructions) counts only right before the opcode; the CPU
 * ignores one that another prefix follows.
 */
static void prefixes(struct cursor *c, struct insn *in)
{
	for (;;) {
		u8 b;

		if (c->n >= c->avail || c->n >= INSN_MAX_LEN) {
			c->bad = true;
			return;
		}
		b = c->code[c->n];
		if (in->mode == INSN_MODE_64 && (b & 0xf0) == 0x40)
			in->rex = b;
		else if (legacy_prefix(b, in))
			in->rex = 0;
		else
			return;
		c->n++;
	}
}

/* The table entry of an opcode, or NULL for one the hypervisor does not emulate. */
static const struct opcode *lookup(u16 op)
{
	const struct opcode *o = op > 0xff ? &two_byte[op & 0xff] : &one_byte[op];

	return (o->flags & F_KNOWN) ? o : NULL;
}

/* Operand and address size, from the mode and the prefixes. */
static void sizes(struct insn *in)
{
	if (in->rex & 8)
		in->opsize = 8;
	else
		in->opsize = in->opsize_prefix ? 2 : 4;
	if (in->mode == INSN_MODE_64)
		in->addrsize = in->addrsize_prefix ? 4 : 8;
	else
		in->addrsize = in->addrsize_prefix ? 2 : 4;
}

/* SIB and displacement of a memory operand; rm is ModRM.rm without REX.B. */
static void memory_operand(struct cursor *c, struct insn *in, u8 rm)
{
	u8 rex = in->rex;

	in->scale = 1;
	if (in->addrsize == 2) {	/* 16-bit addressing: another ModRM table */
		c->bad = true;
		return;
	}
	if (rm == 4) {
		u8 sib = next_byte(c), idx = ((sib >> 3) & 7) | ((rex & 2) << 2);

		in->scale = (u8)(1 << (sib >> 6));
		if (idx != 4)
			in->index = (s8)idx;
		if ((sib & 7) == 5 && in->mod == 0)
			in->disp = next_signed(c, 4);
		else
			in->base = (s8)((sib & 7) | ((rex & 1) << 3));
	} else if (rm == 5 && in->mod == 0) {
		if (in->mode == INSN_MODE_64)	/* elsewhere: an absolute disp32 */
			in->base = INSN_REG_RIP;
		in->disp = next_signed(c, 4);
	} else {
		in->base = (s8)(rm | ((rex & 1) << 3));
	}
	if (in->mod == 1)
		in->disp = next_signed(c, 1);
	else if (in->mod == 2)
		in->disp = next_signed(c, 4);
}

/* ModRM and what follows it; false if its extension is not one we know. */
static bool modrm(struct cursor *c, const struct opcode *o, struct insn *in)
{
	u8 m = next_byte(c), rex = in->rex;

	in->has_modrm = true;
	in->mod = m >> 6;
	in->reg = (u8)(((m >> 3) & 7) | ((rex & 4) << 1));
	in->rm = (u8)((m & 7) | ((rex & 1) << 3));
	if (o->flags & F_REGONLY)
		in->mod = 3;		/* the CPU ignores mod here */
	if (o->exts && !(o->exts & (1u << (in->reg & 7))))
		return false;
	if (in->mod != 3)
		memory_operand(c, in, m & 7);
	return true;
}

static void immediate(struct cursor *c, const struct opcode *o, struct insn *in)
{
	if (o->flags & F_IMM8)
		in->imm_len = 1;
	else if (o->flags & F_IMMZ)
		in->imm_len = in->opsize == 2 ? 2 : 4;
	if (in->imm_len)
		in->imm = (u64)next_signed(c, in->imm_len);
}

/*
 * Decode the instruction at code, of which avail bytes could be read,
 * for a code segment of the given mode. Returns 0 with *in filled in, or
 * -1: not an instruction this decoder knows, or more bytes than avail or
 * than 15.
 */
int insn_decode(const u8 *code, unsigned avail, enum insn_mode mode,
		struct insn *in)
{
	struct cursor c = { .code = code, .avail = avail };
	const struct opcode *o;
	u16 op;

	memset(in, 0, sizeof(*in));
	in->mode = (u8)mode;
	in->base = INSN_REG_NONE;
	in->index = INSN_REG_NONE;
	prefixes(&c, in);
	op = next_byte(&c);
	if (op == 0x0f) {
		op = INSN_OP_0F(next_byte(&c));
		if (in->rep || in->repne)
			return -1;	/* a mandatory prefix: another instruction */
	}
	o = lookup(op);
	if (c.bad || !o)
		return -1;
	in->op = op;
	sizes(in);
	if ((o->flags & F_MODRM) && !modrm(&c, o, in))
		return -1;
	immediate(&c, o, in);
	if (in->lock && (!(o->flags & F_LOCK) || in->mod == 3))
		return -1;	/* #UD on the CPU */
	if (c.bad)
		return -1;
	in->len = (u8)c.n;
	return 0;
}

/*
 * Is the memory operand's segment SS? A non-canonical address through SS
 * is #SS(0), through any other segment #GP(0). SS is the default with
 * RSP or RBP as the base.
 */
bool insn_stack_segment(const struct insn *in)
{
	if (in->seg != INSN_SEG_NONE)
		return in->seg == INSN_SEG_SS;
	return in->base == 4 || in->base == 5;
}

/*
 * The linear address of the memory operand: base + index * scale + disp
 * in the address size (RIP-relative: from the next instruction), plus
 * seg_base, the FS or GS base for an instruction with that override (the
 * caller's to give: 0 for the null segments of 64-bit mode).
 */
u64 insn_address(const struct insn *in, struct cpu_regs *r, u64 seg_base)
{
	u64 a = (u64)in->disp;

	if (in->base == INSN_REG_RIP)
		a += r->rip + in->len;
	else if (in->base != INSN_REG_NONE)
		a += *insn_gpr(r, (unsigned)in->base);
	if (in->index != INSN_REG_NONE)
		a += *insn_gpr(r, (unsigned)in->index) * in->scale;
	if (in->addrsize == 4)
		a = (u32)a;
	return a + seg_base;
}

/* The general register with encoding number n (0-15) in a frame. */
u64 *insn_gpr(struct cpu_regs *r, unsigned n)
{
	static const u8 slot[16] = {
		offsetof(struct cpu_regs, rax) / 8, offsetof(struct cpu_regs, rcx) / 8,
		offsetof(struct cpu_regs, rdx) / 8, offsetof(struct cpu_regs, rbx) / 8,
		offsetof(struct cpu_regs, rsp) / 8, offsetof(struct cpu_regs, rbp) / 8,
		offsetof(struct cpu_regs, rsi) / 8, offsetof(struct cpu_regs, rdi) / 8,
		offsetof(struct cpu_regs, r8) / 8, offsetof(struct cpu_regs, r9) / 8,
		offsetof(struct cpu_regs, r10) / 8, offsetof(struct cpu_regs, r11) / 8,
		offsetof(struct cpu_regs, r12) / 8, offsetof(struct cpu_regs, r13) / 8,
		offsetof(struct cpu_regs, r14) / 8, offsetof(struct cpu_regs, r15) / 8,
	};

	return (u64 *)r + slot[n & 15];
}

/*
 * Write the low size bytes of a register as the CPU does: an 8- or 16-bit
 * write keeps the rest, a 32-bit write clears the upper half.
 */
void insn_reg_write(u64 *reg, unsigned size, u64 val)
{
	u64 mask = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;

	if (size >= 4)
		*reg = val & mask;
	else
		*reg = (*reg & ~mask) | (val & mask);
}

/*
 * The instruction bytes at a guest RIP: 15, or fewer where a readable
 * mapping (or the guest's half of the address space) ends before. Returns
 * how many, 0 if not even the first byte is readable.
 */
unsigned insn_fetch(u64 rip, u8 buf[INSN_MAX_LEN])
{
	return (unsigned)copy_from_guest_upto(buf, rip, INSN_MAX_LEN);
}
