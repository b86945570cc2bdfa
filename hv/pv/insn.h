/*
 * insn.h - the one instruction decoder and fetch of the hypervisor
 * (pv/insn.c): the privileged-instruction emulation (pv/emulate.c) and
 * the writable page-table assist (mm/ptwr.c) decode guest instructions
 * with it.
 */
#ifndef HV_PV_INSN_H
#define HV_PV_INSN_H

#include "hv.h"
#include "x86/regs.h"

#define INSN_MAX_LEN	15	/* the CPU's limit: a longer instruction is #GP(0) */

/* The code segment the instruction runs in. */
enum insn_mode {
	INSN_MODE_64,		/* 64-bit code (L = 1) */
	INSN_MODE_32,		/* compatibility mode, 32-bit code (L = 0, D = 1) */
};

/* Segment override prefixes; the last one counts. */
enum insn_seg {
	INSN_SEG_NONE, INSN_SEG_ES, INSN_SEG_CS, INSN_SEG_SS, INSN_SEG_DS,
	INSN_SEG_FS, INSN_SEG_GS,
};

/* Opcodes: a one-byte opcode is itself, a two-byte one (0F xx) 0x0fxx. */
#define INSN_OP_0F(b)	(0x0f00 | (b))

#define INSN_REG_NONE	(-1)
#define INSN_REG_RIP	(-2)	/* base of a RIP-relative operand */

/*
 * One decoded instruction. Register numbers are the encoding's, with the
 * REX bits applied: 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi,
 * 7 rdi, 8-15 r8-r15.
 */
struct insn {
	u8 len;			/* bytes, prefixes included */
	u8 mode;		/* enum insn_mode it was decoded for */
	u16 op;			/* the opcode, INSN_OP_0F() for two bytes */
	u8 opsize;		/* operand size of a non-byte operand: 2, 4 or 8 */
	u8 addrsize;		/* address size: 8 or 4 (2: 67 in compatibility mode) */
	u8 rex;			/* the REX prefix, 0 without one */
	u8 seg;			/* enum insn_seg */
	bool lock, rep, repne;	/* F0, F3, F2 */
	bool opsize_prefix;	/* 66 */
	bool addrsize_prefix;	/* 67 */
	bool has_modrm;
	u8 mod;			/* ModRM.mod; 3 is a register operand */
	u8 reg;			/* ModRM.reg + REX.R: a register, or & 7 an extension */
	u8 rm;			/* ModRM.rm + REX.B: the register operand, when mod == 3 */
	s8 base, index;		/* memory operand: base + index * scale + disp */
	u8 scale;
	s64 disp;
	u8 imm_len;		/* 0, 1, 2 or 4 bytes */
	u64 imm;		/* the immediate, sign-extended to 64 bits */
};

int insn_decode(const u8 *code, unsigned avail, enum insn_mode mode,
		struct insn *in);
bool insn_stack_segment(const struct insn *in);
u64 insn_address(const struct insn *in, struct cpu_regs *r, u64 seg_base);
u64 *insn_gpr(struct cpu_regs *r, unsigned n);
void insn_reg_write(u64 *reg, unsigned size, u64 val);
unsigned insn_fetch(u64 rip, u8 buf[INSN_MAX_LEN]);

#endif /* HV_PV_INSN_H */
