/*
 * test_ptwr.c - hv/mm/ptwr_decode.c: the instructions the writable
 * page-table assist emulates (decoded by hv/pv/insn.c, whose own tests
 * are test_insn.c).
 *
 * The instruction bytes are produced by the host assembler from the text
 * written next to each case (asm_insn.h), so each case reads as the
 * instruction Linux would execute. Then: the decoder's view of it
 * (length, operation, size, operand), and for the arithmetic forms the
 * flags the emulation computes against the flags the host CPU computes
 * for the same operation.
 */
#include <stdlib.h>

#include "hv.h"
#include "harness.h"
#include "asm_insn.h"
#include "mm/ptwr_decode.h"

#define NONE	INSN_REG_NONE
#define RIP	INSN_REG_RIP

INSN(i_mov_r64, "movq %rax, (%rdi)");			/* native_set_pte */
INSN(i_mov_r64_disp, "movq %rsi, 0x18(%rbx,%rcx,8)");
INSN(i_mov_r32, "movl %r9d, -8(%r12)");
INSN(i_mov_r16, "movw %dx, (%r13)");
INSN(i_mov_r8, "movb %sil, 3(%rdi)");
INSN(i_mov_ah, "movb %ah, (%rdi)");
INSN(i_mov_imm64, "movq $0, (%rdi)");			/* ptep_get_and_clear (UP) */
INSN(i_mov_imm64_neg, "movq $-2, 0x100(%rdi)");
INSN(i_mov_imm32, "movl $0x12345678, (%rdi)");
INSN(i_mov_imm16, "movw $0x1234, (%rdi)");
INSN(i_mov_imm8, "movb $0x7f, (%rdi)");
INSN(i_mov_rip, "movq %rax, 0x1000(%rip)");
INSN(i_mov_abs, "movq %rax, 0x40000000(,%rcx,4)");
INSN(i_mov_r15_base_r12_index, "movq %r8, (%r15,%r12,2)");
INSN(i_mov_rsp_base, "movq %rax, 8(%rsp)");
INSN(i_mov_ds, "ds movq %rax, (%rdi)");
INSN(i_xchg, "xchgq %rax, (%rdi)");			/* ptep_get_and_clear (SMP) */
INSN(i_xchg_r32, "xchgl %ecx, 4(%rdi)");
INSN(i_lock_cmpxchg, "lock cmpxchgq %rsi, (%rdi)");	/* ptep_cmpxchg */
INSN(i_cmpxchg32, "cmpxchgl %ebx, (%rdx)");
INSN(i_cmpxchg8, "lock cmpxchgb %cl, 1(%rdi)");
INSN(i_andb, "andb $0xfd, (%rdi)");			/* ptep_set_wrprotect (UP) */
INSN(i_lock_andb, "lock andb $0xfd, (%rdi)");		/* ... (SMP) */
INSN(i_lock_andq_imm8, "lock andq $-3, (%rdi)");
INSN(i_orq_imm32, "orq $0x100000, (%rdi)");
INSN(i_lock_orw, "lock orw $0x40, 2(%rdi)");
INSN(i_and_reg, "andq %rdx, (%rdi)");
INSN(i_or_reg8, "lock orb %dl, (%rdi)");
INSN(i_btr, "lock btrq $5, (%rdi)");			/* ptep_test_and_clear_young */
INSN(i_bts, "btsq $1, (%rdi)");
INSN(i_btr32, "btrl $33, (%rdi)");			/* offset taken modulo 32 */
INSN(i_add, "addq %rax, (%rdi)");			/* not a PTE write Linux makes */
INSN(i_mov_load, "movq (%rdi), %rax");			/* a load, not a store */
INSN(i_mov_reg, "movq %rax, %rdi");			/* no memory at all */
INSN(i_fs, "movq %rax, %fs:(%rdi)");			/* segment base we do not emulate */
INSN(i_gs, "movq %rax, %gs:0x10");
INSN(i_addr32, "movq %rax, (%edi)");			/* 67 prefix */
INSN(i_rep, "rep stosq");
INSN(i_lock_mov, ".byte 0xf0, 0x48, 0x89, 0x07");	/* lock mov: #UD */
INSN(i_btr_reg, "btrq %rax, (%rdi)");			/* may address outside the operand */
INSN(i_cmpxchg8b, "cmpxchg8b (%rdi)");
INSN(i_mov_c6_bad_reg, ".byte 0xc6, 0x0f, 0x01");	/* C6 /1: undefined */
INSN(i_pushq, "pushq (%rdi)");
INSN(i_mov_rex_then_66, ".byte 0x48, 0x66, 0x89, 0x07");	/* REX not last: ignored */
INSN(i_lock_xchg_reg, ".byte 0xf0, 0x48, 0x87, 0xc1");	/* lock xchg %rax, %rcx: #UD */
INSN(i_xrelease_mov, "xrelease movq %rax, (%rdi)");	/* F3: refused */
INSN(i_cs_mov, "cs movq %rax, (%rdi)");			/* a null override */
INSN(i_mov_r12_index, "movq %rax, (%rdi,%r12,8)");	/* REX.X with index 4 */
INSN(i_mov_r13_base, "movq %rax, (%r13)");		/* mod 1, disp8 0 */
INSN(i_and_imm_bad_ext, "xorq $1, (%rdi)");		/* 83 /6: not ours */

static const struct decode_case {
	const char *text;
	const u8 *start, *end;
	int ok;
	u8 op, size;
	bool lock;
	s8 base, index;
	u8 scale;
	s64 disp;
	bool imm;
	s8 src;		/* register, or -1 */
	bool high8;
	u64 immv;
} dcases[] = {
#define C(n, ...) { #n, n, n##_end, __VA_ARGS__ }
#define R(n) { #n, n, n##_end, 0, 0, 0, false, 0, 0, 0, 0, false, 0, false, 0 }
	C(i_mov_r64, 1, PTWR_MOV, 8, false, RDI, NONE, 1, 0, false, RAX, false, 0),
	C(i_mov_r64_disp, 1, PTWR_MOV, 8, false, RBX, RCX, 8, 0x18, false, RSI, false, 0),
	C(i_mov_r32, 1, PTWR_MOV, 4, false, R12, NONE, 1, -8, false, R9, false, 0),
	C(i_mov_r16, 1, PTWR_MOV, 2, false, R13, NONE, 1, 0, false, RDX, false, 0),
	C(i_mov_r8, 1, PTWR_MOV, 1, false, RDI, NONE, 1, 3, false, RSI, false, 0),
	C(i_mov_ah, 1, PTWR_MOV, 1, false, RDI, NONE, 1, 0, false, RAX, true, 0),
	C(i_mov_imm64, 1, PTWR_MOV, 8, false, RDI, NONE, 1, 0, true, -1, false, 0),
	C(i_mov_imm64_neg, 1, PTWR_MOV, 8, false, RDI, NONE, 1, 0x100, true, -1, false,
	  0xfffffffffffffffeULL),
	C(i_mov_imm32, 1, PTWR_MOV, 4, false, RDI, NONE, 1, 0, true, -1, false, 0x12345678),
	C(i_mov_imm16, 1, PTWR_MOV, 2, false, RDI, NONE, 1, 0, true, -1, false, 0x1234),
	C(i_mov_imm8, 1, PTWR_MOV, 1, false, RDI, NONE, 1, 0, true, -1, false, 0x7f),
	C(i_mov_rip, 1, PTWR_MOV, 8, false, RIP, NONE, 1, 0x1000, false, RAX, false, 0),
	C(i_mov_abs, 1, PTWR_MOV, 8, false, NONE, RCX, 4, 0x40000000, false, RAX, false, 0),
	C(i_mov_r15_base_r12_index, 1, PTWR_MOV, 8, false, R15, R12, 2, 0, false, R8, false, 0),
	C(i_mov_rsp_base, 1, PTWR_MOV, 8, false, RSP, NONE, 1, 8, false, RAX, false, 0),
	C(i_mov_ds, 1, PTWR_MOV, 8, false, RDI, NONE, 1, 0, false, RAX, false, 0),
	C(i_xchg, 1, PTWR_XCHG, 8, true, RDI, NONE, 1, 0, false, RAX, false, 0),
	C(i_xchg_r32, 1, PTWR_XCHG, 4, true, RDI, NONE, 1, 4, false, RCX, false, 0),
	C(i_lock_cmpxchg, 1, PTWR_CMPXCHG, 8, true, RDI, NONE, 1, 0, false, RSI, false, 0),
	C(i_cmpxchg32, 1, PTWR_CMPXCHG, 4, false, RDX, NONE, 1, 0, false, RBX, false, 0),
	C(i_cmpxchg8, 1, PTWR_CMPXCHG, 1, true, RDI, NONE, 1, 1, false, RCX, false, 0),
	C(i_andb, 1, PTWR_AND, 1, false, RDI, NONE, 1, 0, true, -1, false, 0xfd),
	C(i_lock_andb, 1, PTWR_AND, 1, true, RDI, NONE, 1, 0, true, -1, false, 0xfd),
	C(i_lock_andq_imm8, 1, PTWR_AND, 8, true, RDI, NONE, 1, 0, true, -1, false,
	  0xfffffffffffffffdULL),
	C(i_orq_imm32, 1, PTWR_OR, 8, false, RDI, NONE, 1, 0, true, -1, false, 0x100000),
	C(i_lock_orw, 1, PTWR_OR, 2, true, RDI, NONE, 1, 2, true, -1, false, 0x40),
	C(i_and_reg, 1, PTWR_AND, 8, false, RDI, NONE, 1, 0, false, RDX, false, 0),
	C(i_or_reg8, 1, PTWR_OR, 1, true, RDI, NONE, 1, 0, false, RDX, false, 0),
	C(i_btr, 1, PTWR_BTR, 8, true, RDI, NONE, 1, 0, true, -1, false, 5),
	C(i_bts, 1, PTWR_BTS, 8, false, RDI, NONE, 1, 0, true, -1, false, 1),
	C(i_btr32, 1, PTWR_BTR, 4, false, RDI, NONE, 1, 0, true, -1, false, 1),
	R(i_add),
	R(i_mov_load),
	R(i_mov_reg),
	R(i_fs),
	R(i_gs),
	R(i_addr32),
	R(i_rep),
	R(i_lock_mov),
	R(i_btr_reg),
	R(i_cmpxchg8b),
	R(i_mov_c6_bad_reg),
	R(i_pushq),
	C(i_mov_rex_then_66, 1, PTWR_MOV, 2, false, RDI, NONE, 1, 0, false, RAX, false, 0),
	R(i_lock_xchg_reg),
	R(i_xrelease_mov),
	C(i_cs_mov, 1, PTWR_MOV, 8, false, RDI, NONE, 1, 0, false, RAX, false, 0),
	C(i_mov_r12_index, 1, PTWR_MOV, 8, false, RDI, R12, 8, 0, false, RAX, false, 0),
	C(i_mov_r13_base, 1, PTWR_MOV, 8, false, R13, NONE, 1, 0, false, RAX, false, 0),
	R(i_and_imm_bad_ext),
#undef C
#undef R
};

START_TEST(test_decode)
{
	for (size_t i = 0; i < ARRAY_SIZE(dcases); i++) {
		const struct decode_case *c = &dcases[i];
		unsigned len = (unsigned)(c->end - c->start);
		struct ptwr_insn in;
		int rc = ptwr_decode(c->start, len, &in);

		ck_assert_msg((rc == 0) == c->ok, "%s: decode %s", c->text,
			      rc ? "refused" : "accepted");
		if (!c->ok)
			continue;
		ck_assert_msg(in.x.len == len, "%s: len %u, want %u", c->text, in.x.len, len);
		ck_assert_msg(in.op == c->op && in.size == c->size && in.lock == c->lock,
			      "%s: op %u size %u lock %d", c->text, in.op, in.size, in.lock);
		ck_assert_msg(in.x.base == c->base && in.x.index == c->index &&
			      (in.x.index == NONE || in.x.scale == c->scale) &&
			      in.x.disp == c->disp,
			      "%s: base %d index %d scale %u disp %lld", c->text, in.x.base,
			      in.x.index, in.x.scale, (long long)in.x.disp);
		ck_assert_msg(in.src_is_imm == c->imm, "%s: imm %d", c->text, in.src_is_imm);
		if (c->imm)
			ck_assert_msg(in.imm == c->immv, "%s: imm %#llx", c->text,
				      (unsigned long long)in.imm);
		else
			ck_assert_msg(in.src_reg == c->src && in.src_high8 == c->high8,
				      "%s: src %d high8 %d", c->text, in.src_reg, in.src_high8);
		/* Cut short anywhere, it must give up, never read past the end. */
		for (unsigned n = 0; n < len; n++) {
			u8 *copy = malloc(n ? n : 1);

			memcpy(copy, c->start, n);
			ck_assert_msg(ptwr_decode(copy, n, &in) == -1,
				      "%s: decoded from %u bytes", c->text, n);
			free(copy);
		}
	}
}
END_TEST

/* More than 15 bytes of prefixes: not an instruction. */
START_TEST(test_too_long)
{
	u8 code[20];

	memset(code, 0x3e, sizeof(code));
	code[15] = 0x89;
	code[16] = 0x07;
	struct ptwr_insn in;

	ck_assert_int_eq(ptwr_decode(code, sizeof(code), &in), -1);
	memset(code, 0x3e, 13);
	code[13] = 0x89;
	code[14] = 0x07;
	ck_assert_int_eq(ptwr_decode(code, sizeof(code), &in), 0);
	ck_assert_uint_eq(in.x.len, 15);
}
END_TEST

/* The operand's address, through pv/insn.c, as the assist computes it. */
START_TEST(test_address)
{
	struct ptwr_insn in;
	struct cpu_regs r = { 0 };

	r.rbx = 0x1000;
	r.rcx = 3;
	ck_assert_int_eq(ptwr_decode(i_mov_r64_disp, (unsigned)(i_mov_r64_disp_end - i_mov_r64_disp), &in), 0);
	ck_assert_uint_eq(insn_address(&in.x, &r, 0), 0x1000 + 3 * 8 + 0x18);
	r.rip = 0xffffffff81000000ULL;
	ck_assert_int_eq(ptwr_decode(i_mov_rip, 16, &in), 0);
	ck_assert_uint_eq(insn_address(&in.x, &r, 0),
			  0xffffffff81000000ULL + in.x.len + 0x1000);
	r.r12 = 0xffff888000001008ULL;
	ck_assert_int_eq(ptwr_decode(i_mov_r32, 16, &in), 0);
	ck_assert_uint_eq(insn_address(&in.x, &r, 0), 0xffff888000001000ULL);
}
END_TEST

static u64 run(const u8 *code, u64 gpr[16], u64 *rflags, u64 old, bool *store)
{
	struct ptwr_insn in;

	ck_assert_int_eq(ptwr_decode(code, 15, &in), 0);
	return ptwr_execute(&in, gpr, rflags, old, store);
}

/* What each form writes and what it leaves in the registers. */
START_TEST(test_execute)
{
	u64 gpr[16] = { 0 }, fl = 0, v;
	bool st;

	gpr[RAX] = 0x8000000012345067ULL;
	ck_assert_uint_eq(run(i_mov_r64, gpr, &fl, 0, &st), 0x8000000012345067ULL);
	ck_assert(st);
	ck_assert_uint_eq(run(i_mov_ah, gpr, &fl, 0, &st), 0x50);
	ck_assert_uint_eq(run(i_mov_imm64, gpr, &fl, 0x1234, &st), 0);
	/* xchg: memory gets rax, rax gets memory */
	v = run(i_xchg, gpr, &fl, 0xabc067, &st);
	ck_assert_uint_eq(v, 0x8000000012345067ULL);
	ck_assert_uint_eq(gpr[RAX], 0xabc067);
	gpr[RCX] = 0xffffffff11111111ULL;
	v = run(i_xchg_r32, gpr, &fl, 0x2222222233333333ULL, &st);
	ck_assert_uint_eq(v, 0x11111111);
	ck_assert_uint_eq(gpr[RCX], 0x33333333);	/* 32-bit write zero-extends */
	/* cmpxchg that matches: stores rsi, ZF set */
	gpr[RAX] = 0x5067;
	gpr[RSI] = 0x6067;
	v = run(i_lock_cmpxchg, gpr, &fl, 0x5067, &st);
	ck_assert(st);
	ck_assert_uint_eq(v, 0x6067);
	ck_assert(fl & X86_EFLAGS_ZF);
	ck_assert_uint_eq(gpr[RAX], 0x5067);
	/* ... that does not: no store, rax = memory, ZF clear */
	v = run(i_lock_cmpxchg, gpr, &fl, 0x7067, &st);
	ck_assert(!st);
	ck_assert(!(fl & X86_EFLAGS_ZF));
	ck_assert_uint_eq(gpr[RAX], 0x7067);
	/* andb $0xfd clears RW */
	ck_assert_uint_eq(run(i_lock_andb, gpr, &fl, 0x67, &st), 0x65);
	/* btr $5 clears Accessed and reports it in CF */
	ck_assert_uint_eq(run(i_btr, gpr, &fl, 0x8000000000000067ULL, &st),
			  0x8000000000000047ULL);
	ck_assert(fl & X86_EFLAGS_CF);
	ck_assert_uint_eq(run(i_btr, gpr, &fl, 0x47, &st), 0x47);
	ck_assert(!(fl & X86_EFLAGS_CF));
	ck_assert_uint_eq(run(i_btr32, gpr, &fl, 0x3, &st), 0x1);	/* bit 33 % 32 */
	ck_assert_uint_eq(run(i_bts, gpr, &fl, 0x65, &st), 0x67);
	ck_assert_uint_eq(run(i_lock_orw, gpr, &fl, 0x0, &st), 0x40);
}
END_TEST

/*
 * The flags, against the host CPU: for random operands, each arithmetic
 * form at each size computes the same CF, ZF, SF, OF, PF (and AF for
 * cmpxchg) and the same result as the real instruction.
 */
static u64 host_flags;

/* The real instruction on the host; the flags are read below the red zone. */
#define HOST_OP(name, insn, suffix, type)					\
	static u64 name(u64 mem, u64 src, u64 *acc)				\
	{									\
		type m = (type)mem, s = (type)src, a = (type)*acc;		\
		u64 f;								\
		__asm__ volatile(insn #suffix " %[s], %[m]\n\t"		\
				 "leaq -128(%%rsp), %%rsp\n\t"		\
				 "pushfq\n\tpopq %[f]\n\t"			\
				 "leaq 128(%%rsp), %%rsp"			\
				 : [m] "+m"(m), [f] "=&r"(f), "+a"(a)		\
				 : [s] "r"(s) : "cc");				\
		*acc = (u64)a;							\
		host_flags = f;							\
		return (u64)m;							\
	}

HOST_OP(host_and8, "and", b, u8)
HOST_OP(host_and16, "and", w, u16)
HOST_OP(host_and32, "and", l, u32)
HOST_OP(host_and64, "and", q, u64)
HOST_OP(host_or8, "or", b, u8)
HOST_OP(host_or16, "or", w, u16)
HOST_OP(host_or32, "or", l, u32)
HOST_OP(host_or64, "or", q, u64)
HOST_OP(host_cmpxchg8, "lock cmpxchg", b, u8)
HOST_OP(host_cmpxchg16, "lock cmpxchg", w, u16)
HOST_OP(host_cmpxchg32, "lock cmpxchg", l, u32)
HOST_OP(host_cmpxchg64, "lock cmpxchg", q, u64)

static u64 rng = 88172645463325252ULL;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random values with many small, equal and sign-boundary cases. */
static u64 operand(void)
{
	static const u64 special[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000,
				       0x80000000, 0xffffffff, ~0ULL, 1ULL << 63 };
	u64 r = rnd();

	return (r & 3) == 0 ? special[rnd() % ARRAY_SIZE(special)] : rnd();
}

START_TEST(test_flags_against_cpu)
{
	static const struct {
		u64 (*host)(u64, u64, u64 *);
		u8 op, size;
		u64 flags_checked;
	} ops[] = {
		{ host_and8, PTWR_AND, 1, X86_EFLAGS_ARITH & ~X86_EFLAGS_AF },
		{ host_and16, PTWR_AND, 2, X86_EFLAGS_ARITH & ~X86_EFLAGS_AF },
		{ host_and32, PTWR_AND, 4, X86_EFLAGS_ARITH & ~X86_EFLAGS_AF },
		{ host_and64, PTWR_AND, 8, X86_EFLAGS_ARITH & ~X86_EFLAGS_AF },
		{ host_or8, PTWR_OR, 1, X86_EFLAGS_ARITH & ~X86_EFLAGS_AF },
		{ host_or16, PTWR_OR, 2, X86_EFLAGS_ARITH & ~X86_EFLAGS_AF },
		{ host_or32, PTWR_OR, 4, X86_EFLAGS_ARITH & ~X86_EFLAGS_AF },
		{ host_or64, PTWR_OR, 8, X86_EFLAGS_ARITH & ~X86_EFLAGS_AF },
		{ host_cmpxchg8, PTWR_CMPXCHG, 1, X86_EFLAGS_ARITH },
		{ host_cmpxchg16, PTWR_CMPXCHG, 2, X86_EFLAGS_ARITH },
		{ host_cmpxchg32, PTWR_CMPXCHG, 4, X86_EFLAGS_ARITH },
		{ host_cmpxchg64, PTWR_CMPXCHG, 8, X86_EFLAGS_ARITH },
	};

	for (size_t o = 0; o < ARRAY_SIZE(ops); o++) {
		for (int n = 0; n < 20000; n++) {
			struct ptwr_insn in = { .op = ops[o].op, .size = ops[o].size,
						.src_reg = RDX };
			u64 gpr[16] = { 0 }, fl = 0, mem = operand(), src = operand();
			u64 acc = (n & 1) ? mem : operand();	/* half the cmpxchgs match */
			u64 host_acc = acc, host_mem, got;
			u64 m = ops[o].size == 8 ? ~0ULL : (1ULL << (8 * ops[o].size)) - 1;
			bool st;

			gpr[RAX] = acc;
			gpr[RDX] = src;
			host_mem = ops[o].host(mem, src, &host_acc) & m;
			got = ptwr_execute(&in, gpr, &fl, mem, &st);
			if (!st)
				got = mem & m;
			ck_assert_msg(got == host_mem, "op %zu: %#llx op %#llx = %#llx, host %#llx",
				      o, (unsigned long long)mem, (unsigned long long)src,
				      (unsigned long long)got, (unsigned long long)host_mem);
			ck_assert_msg((fl & ops[o].flags_checked) ==
				      (host_flags & ops[o].flags_checked),
				      "op %zu size %u: flags %#llx, host %#llx (mem %#llx src %#llx acc %#llx)",
				      o, ops[o].size, (unsigned long long)fl,
				      (unsigned long long)host_flags, (unsigned long long)mem,
				      (unsigned long long)src, (unsigned long long)acc);
			if (ops[o].op == PTWR_CMPXCHG && ops[o].size >= 4)
				ck_assert_uint_eq(gpr[RAX] & m, host_acc & m);
			else if (ops[o].op == PTWR_CMPXCHG)
				ck_assert_uint_eq(gpr[RAX], (acc & ~m) | (host_acc & m));
		}
	}
}
END_TEST

Suite *ptwr_suite(void)
{
	Suite *s = suite_create("ptwr_decode");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_decode);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_address);
	tcase_add_test(tc, test_execute);
	tcase_add_test(tc, test_flags_against_cpu);
	suite_add_tcase(s, tc);
	return s;
}
