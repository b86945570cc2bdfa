/*
 * ptwr_decode.h - the instructions the writable page-table assist emulates
 * (mm/ptwr_decode.c), recognised and executed without touching memory.
 */
#ifndef HV_MM_PTWR_DECODE_H
#define HV_MM_PTWR_DECODE_H

#include "hv.h"
#include "pv/insn.h"

enum ptwr_op {
	PTWR_MOV,	/* mov r/imm -> m */
	PTWR_XCHG,	/* xchg r, m (always locked) */
	PTWR_CMPXCHG,	/* [lock] cmpxchg r, m */
	PTWR_AND,	/* [lock] and r/imm -> m */
	PTWR_OR,	/* [lock] or r/imm -> m */
	PTWR_BTR,	/* [lock] btr $imm, m */
	PTWR_BTS,	/* [lock] bts $imm, m */
};

/*
 * One of them, decoded by pv/insn.c (its memory operand: x.base, x.index,
 * x.scale, x.disp; its length x.len). Register numbers are the
 * encoding's: 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, ... 15 r15.
 */
struct ptwr_insn {
	struct insn x;
	u8 op;			/* enum ptwr_op */
	u8 size;		/* operand size: 1, 2, 4 or 8 */
	bool lock;		/* LOCK prefix, or an xchg */
	bool src_is_imm;
	s8 src_reg;		/* register source (mov, xchg, cmpxchg, and, or) */
	bool src_high8;		/* ... it is AH, CH, DH or BH */
	u64 imm;		/* immediate, sign-extended to the operand size */
};

/* The emulated instructions change X86_EFLAGS_ARITH (x86/eflags.h). */
#include "x86/eflags.h"

int ptwr_decode(const u8 *code, unsigned avail, struct ptwr_insn *in);
u64 ptwr_execute(const struct ptwr_insn *in, u64 gpr[16], u64 *rflags,
		 u64 old, bool *store);

#endif /* HV_MM_PTWR_DECODE_H */
