/*
 * test_insn.c - hv/pv/insn.c: the hypervisor's one instruction decoder.
 *
 * Every form it accepts, assembled by the host assembler from the text
 * beside it (asm_insn.h), must decode to the assembler's length with the
 * right opcode, sizes, prefixes, operand and immediate; cut short
 * anywhere (in a buffer of exactly that size, so that ASan sees a read
 * past it) it must refuse. What it must refuse: every opcode and every
 * opcode extension not in its table, F2/F3 before a two-byte opcode,
 * LOCK where the CPU raises #UD, 16-bit addressing, anything past 15
 * bytes (and given more, it reads none past the 15th). Random bytes never make it read past its input or accept
 * something whose length depends on the bytes after it. The address
 * computation (base, index, scale, displacement, RIP-relative, address
 * size, FS/GS base, the stack segment) and the register map are checked
 * against values computed by hand.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv.h"
#include "harness.h"
#include "asm_insn.h"
#include "pv/insn.h"

#define NONE	INSN_REG_NONE
#define RIP	INSN_REG_RIP
#define OP0F(b)	INSN_OP_0F(b)
#define REG	(-3)	/* a register operand (mod 3) */

/* One byte-run decoded from a buffer of exactly its own size. */
static int decode_exact(const u8 *code, unsigned n, enum insn_mode mode,
			struct insn *in)
{
	u8 *copy = malloc(n ? n : 1);
	int rc;

	memcpy(copy, code, n);
	rc = insn_decode(copy, n, mode, in);
	free(copy);
	return rc;
}

/* ---- every accepted form ------------------------------------------------- */

INSN(a_or8, "orb %al, (%rdi)");
INSN(a_or, "orq %rax, 0x10(%rdi)");
INSN(a_and8, "andb %cl, (%rsi,%rbx)");
INSN(a_and, "andl %ecx, -4(%rbp)");
INSN(a_or_imm8b, "orb $1, (%rdi)");
INSN(a_and_imm16, "andw $0x1234, (%rdi)");
INSN(a_and_imm8, "andq $-8, (%rdi)");
INSN(a_or_imm32_rip, "orl $0x12345678, 0x1000(%rip)");
INSN(a_xchg8, "xchgb %al, (%rdi)");
INSN(a_xchg, "xchgq %rax, (%rdi)");
INSN(a_mov8, "movb %al, (%rdi)");
INSN(a_mov_reg, "movq %rax, %rdi");
INSN(a_mov_imm8, "movb $0x7f, (%rdi)");
INSN(a_mov_imm32, "movq $-1, 0x7fffffff(%rdi)");
INSN(a_mov_imm16, "movw $0x1234, (%rdi)");
INSN(a_int, "int $0x80");
INSN(a_in_imm8, "inb $0x71, %al");
INSN(a_in_imm32, "inl $0x71, %eax");
INSN(a_out_imm8, "outb %al, $0x80");
INSN(a_out_imm16, "outw %ax, $0x80");
INSN(a_in_dx8, "inb %dx, %al");
INSN(a_in_dx32, "inl %dx, %eax");
INSN(a_out_dx8, "outb %al, %dx");
INSN(a_out_dx16, "outw %ax, %dx");
INSN(a_cli, "cli");
INSN(a_sti, "sti");
INSN(a_sldt_m, "sldt (%rax)");
INSN(a_sldt_r32, "sldt %eax");
INSN(a_sldt_r64, ".byte 0x48, 0x0f, 0x00, 0xc0");	/* sldt %rax (REX.W) */
INSN(a_sldt_r16, "sldt %ax");
INSN(a_str_r9, "str %r9d");
INSN(a_sgdt, "sgdt (%rdi)");
INSN(a_sidt_rsp, "sidt 0x10(%rsp)");
INSN(a_smsw_r32, "smsw %eax");
INSN(a_smsw_m, "smsw (%rbx)");
INSN(a_smsw_r10, "smsw %r10");
INSN(a_clts, "clts");
INSN(a_invd, "invd");
INSN(a_wbinvd, "wbinvd");
INSN(a_mov_from_cr0, "movq %cr0, %rax");
INSN(a_mov_to_cr4, "movq %rdi, %cr4");
INSN(a_mov_from_cr8, "movq %cr8, %rax");
INSN(a_mov_from_dr7, "movq %dr7, %r11");
INSN(a_mov_to_dr0, "movq %rax, %dr0");
INSN(a_mov_cr_mod0_rm4, ".byte 0x0f, 0x20, 0x04");	/* mod ignored: no SIB */
INSN(a_mov_cr_mod0_rm5, ".byte 0x0f, 0x22, 0x05");	/* ... no disp32 */
INSN(a_mov_dr_mod1, ".byte 0x0f, 0x23, 0x40");		/* ... no disp8 */
INSN(a_wrmsr, "wrmsr");
INSN(a_rdmsr, "rdmsr");
INSN(a_cmpxchg, "lock cmpxchgq %rsi, (%rdi)");
INSN(a_cmpxchg8, "cmpxchgb %cl, 1(%rdi)");
INSN(a_bts, "lock btsq $5, (%rdi)");
INSN(a_btr, "btrl $33, (%rdi)");
INSN(a_m_rsp, "movq %rax, (%rsp)");
INSN(a_m_rbp, "movq %rax, (%rbp)");
INSN(a_m_nobase, "movq %rax, 0x12345678(,%rcx,4)");
INSN(a_m_r12, "movq %rax, (%r12)");
INSN(a_m_r13, "movq %rax, (%r13)");
INSN(a_m_r12_index, "movq %rax, (%rax,%r12,2)");
INSN(a_m_r15_r8, "movq %r8, -0x80(%r15,%r8,8)");
INSN(a_m_addr32, "movq %rax, (%eax)");
INSN(a_m_eip, "movq %rax, 0x10(%eip)");
INSN(a_m_fs, "movq %rax, %fs:(%rdi)");
INSN(a_m_gs_abs, "movq %rax, %gs:0x10");
INSN(a_m_ss, "movq %rax, %ss:(%rdi)");
INSN(a_max, "ds; ds; lock orq $0x12345678, 0x12345678(%rax,%rcx,4)");	/* 15 bytes */
INSN(c_in, ".code32\n\tinl %dx, %eax\n\t.code64");
INSN(c_sldt, ".code32\n\tsldt %eax\n\t.code64");
INSN(c_smsw16, ".code32\n\tsmsw %ax\n\t.code64");
INSN(c_sgdt, ".code32\n\tsgdt (%eax)\n\t.code64");
INSN(c_abs, ".code32\n\tmovl %ecx, 0x1000\n\t.code64");
INSN(c_cli_addr16, ".code32\n\taddr16 cli\n\t.code64");

static const struct accept_case {
	const char *text;
	const u8 *start, *end;
	u8 mode;
	u16 op;
	u8 opsize, addrsize;
	s8 base;	/* REG for a register operand; ignored without ModRM */
	s8 index;
	u8 scale;
	s64 disp;
	u8 reg;		/* ModRM.reg with REX.R (a register, or the extension) */
	u8 rm;		/* the register operand, when base is REG */
	u8 imm_len;
	u64 imm;
} accepted[] = {
#define A(n, ...) { #n, n, n##_end, INSN_MODE_64, __VA_ARGS__ }
#define A32(n, ...) { #n, n, n##_end, INSN_MODE_32, __VA_ARGS__ }
	/*	  op          opsz asz base  index scale disp        reg rm immlen imm */
	A(a_or8, 0x08,        4, 8, RDI, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_or, 0x09,         8, 8, RDI, NONE, 1, 0x10,          RAX, 0, 0, 0),
	A(a_and8, 0x20,       4, 8, RSI, RBX, 1, 0,              RCX, 0, 0, 0),
	A(a_and, 0x21,        4, 8, RBP, NONE, 1, -4,            RCX, 0, 0, 0),
	A(a_or_imm8b, 0x80,   4, 8, RDI, NONE, 1, 0,             1, 0, 1, 1),
	A(a_and_imm16, 0x81,  2, 8, RDI, NONE, 1, 0,             4, 0, 2, 0x1234),
	A(a_and_imm8, 0x83,   8, 8, RDI, NONE, 1, 0,             4, 0, 1, (u64)-8),
	A(a_or_imm32_rip, 0x81, 4, 8, RIP, NONE, 1, 0x1000,      1, 0, 4, 0x12345678),
	A(a_xchg8, 0x86,      4, 8, RDI, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_xchg, 0x87,       8, 8, RDI, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_mov8, 0x88,       4, 8, RDI, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_mov_reg, 0x89,    8, 8, REG, NONE, 1, 0,             RAX, RDI, 0, 0),
	A(a_mov_imm8, 0xc6,   4, 8, RDI, NONE, 1, 0,             0, 0, 1, 0x7f),
	A(a_mov_imm32, 0xc7,  8, 8, RDI, NONE, 1, 0x7fffffff,    0, 0, 4, ~0ULL),
	A(a_mov_imm16, 0xc7,  2, 8, RDI, NONE, 1, 0,             0, 0, 2, 0x1234),
	A(a_int, 0xcd,        4, 8, 0, NONE, 1, 0,               0, 0, 1, (u64)(s8)0x80),
	A(a_in_imm8, 0xe4,    4, 8, 0, NONE, 1, 0,               0, 0, 1, 0x71),
	A(a_in_imm32, 0xe5,   4, 8, 0, NONE, 1, 0,               0, 0, 1, 0x71),
	A(a_out_imm8, 0xe6,   4, 8, 0, NONE, 1, 0,               0, 0, 1, (u64)(s8)0x80),
	A(a_out_imm16, 0xe7,  2, 8, 0, NONE, 1, 0,               0, 0, 1, (u64)(s8)0x80),
	A(a_in_dx8, 0xec,     4, 8, 0, NONE, 1, 0,               0, 0, 0, 0),
	A(a_in_dx32, 0xed,    4, 8, 0, NONE, 1, 0,               0, 0, 0, 0),
	A(a_out_dx8, 0xee,    4, 8, 0, NONE, 1, 0,               0, 0, 0, 0),
	A(a_out_dx16, 0xef,   2, 8, 0, NONE, 1, 0,               0, 0, 0, 0),
	A(a_cli, 0xfa,        4, 8, 0, NONE, 1, 0,               0, 0, 0, 0),
	A(a_sti, 0xfb,        4, 8, 0, NONE, 1, 0,               0, 0, 0, 0),
	A(a_sldt_m, OP0F(0),  4, 8, RAX, NONE, 1, 0,             0, 0, 0, 0),
	A(a_sldt_r32, OP0F(0), 4, 8, REG, NONE, 1, 0,            0, RAX, 0, 0),
	A(a_sldt_r64, OP0F(0), 8, 8, REG, NONE, 1, 0,            0, RAX, 0, 0),
	A(a_sldt_r16, OP0F(0), 2, 8, REG, NONE, 1, 0,            0, RAX, 0, 0),
	A(a_str_r9, OP0F(0),  4, 8, REG, NONE, 1, 0,             1, R9, 0, 0),
	A(a_sgdt, OP0F(1),    4, 8, RDI, NONE, 1, 0,             0, 0, 0, 0),
	A(a_sidt_rsp, OP0F(1), 4, 8, RSP, NONE, 1, 0x10,         1, 0, 0, 0),
	A(a_smsw_r32, OP0F(1), 4, 8, REG, NONE, 1, 0,            4, RAX, 0, 0),
	A(a_smsw_m, OP0F(1),  4, 8, RBX, NONE, 1, 0,             4, 0, 0, 0),
	A(a_smsw_r10, OP0F(1), 8, 8, REG, NONE, 1, 0,            4, R10, 0, 0),
	A(a_clts, OP0F(6),    4, 8, 0, NONE, 1, 0,               0, 0, 0, 0),
	A(a_invd, OP0F(8),    4, 8, 0, NONE, 1, 0,               0, 0, 0, 0),
	A(a_wbinvd, OP0F(9),  4, 8, 0, NONE, 1, 0,               0, 0, 0, 0),
	A(a_mov_from_cr0, OP0F(0x20), 4, 8, REG, NONE, 1, 0,     0, RAX, 0, 0),
	A(a_mov_to_cr4, OP0F(0x22), 4, 8, REG, NONE, 1, 0,       4, RDI, 0, 0),
	A(a_mov_from_cr8, OP0F(0x20), 4, 8, REG, NONE, 1, 0,     8, RAX, 0, 0),
	A(a_mov_from_dr7, OP0F(0x21), 4, 8, REG, NONE, 1, 0,     7, R11, 0, 0),
	A(a_mov_to_dr0, OP0F(0x23), 4, 8, REG, NONE, 1, 0,       0, RAX, 0, 0),
	A(a_mov_cr_mod0_rm4, OP0F(0x20), 4, 8, REG, NONE, 1, 0,  0, RSP, 0, 0),
	A(a_mov_cr_mod0_rm5, OP0F(0x22), 4, 8, REG, NONE, 1, 0,  0, RBP, 0, 0),
	A(a_mov_dr_mod1, OP0F(0x23), 4, 8, REG, NONE, 1, 0,      0, RAX, 0, 0),
	A(a_wrmsr, OP0F(0x30), 4, 8, 0, NONE, 1, 0,              0, 0, 0, 0),
	A(a_rdmsr, OP0F(0x32), 4, 8, 0, NONE, 1, 0,              0, 0, 0, 0),
	A(a_cmpxchg, OP0F(0xb1), 8, 8, RDI, NONE, 1, 0,          RSI, 0, 0, 0),
	A(a_cmpxchg8, OP0F(0xb0), 4, 8, RDI, NONE, 1, 1,         RCX, 0, 0, 0),
	A(a_bts, OP0F(0xba),  8, 8, RDI, NONE, 1, 0,             5, 0, 1, 5),
	A(a_btr, OP0F(0xba),  4, 8, RDI, NONE, 1, 0,             6, 0, 1, 33),
	A(a_m_rsp, 0x89,      8, 8, RSP, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_m_rbp, 0x89,      8, 8, RBP, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_m_nobase, 0x89,   8, 8, NONE, RCX, 4, 0x12345678,    RAX, 0, 0, 0),
	A(a_m_r12, 0x89,      8, 8, R12, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_m_r13, 0x89,      8, 8, R13, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_m_r12_index, 0x89, 8, 8, RAX, R12, 2, 0,             RAX, 0, 0, 0),
	A(a_m_r15_r8, 0x89,   8, 8, R15, R8, 8, -0x80,           R8, 0, 0, 0),
	A(a_m_addr32, 0x89,   8, 4, RAX, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_m_eip, 0x89,      8, 4, RIP, NONE, 1, 0x10,          RAX, 0, 0, 0),
	A(a_m_fs, 0x89,       8, 8, RDI, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_m_gs_abs, 0x89,   8, 8, NONE, NONE, 1, 0x10,         RAX, 0, 0, 0),
	A(a_m_ss, 0x89,       8, 8, RDI, NONE, 1, 0,             RAX, 0, 0, 0),
	A(a_max, 0x81,        8, 8, RAX, RCX, 4, 0x12345678,     1, 0, 4, 0x12345678),
	A32(c_in, 0xed,       4, 4, 0, NONE, 1, 0,               0, 0, 0, 0),
	A32(c_sldt, OP0F(0),  4, 4, REG, NONE, 1, 0,             0, RAX, 0, 0),
	A32(c_smsw16, OP0F(1), 2, 4, REG, NONE, 1, 0,            4, RAX, 0, 0),
	A32(c_sgdt, OP0F(1),  4, 4, RAX, NONE, 1, 0,             0, 0, 0, 0),
	A32(c_abs, 0x89,      4, 4, NONE, NONE, 1, 0x1000,       RCX, 0, 0, 0),
	A32(c_cli_addr16, 0xfa, 4, 2, 0, NONE, 1, 0,             0, 0, 0, 0),
#undef A
#undef A32
};

static void check_accepted(const struct accept_case *c)
{
	unsigned len = (unsigned)(c->end - c->start);
	struct insn in;
	bool has_modrm;

	ck_assert_msg(decode_exact(c->start, len, c->mode, &in) == 0, "%s: refused", c->text);
	ck_assert_msg(in.len == len, "%s: len %u, the assembler's %u", c->text, in.len, len);
	ck_assert_msg(in.op == c->op, "%s: op %#x", c->text, in.op);
	ck_assert_msg(in.opsize == c->opsize && in.addrsize == c->addrsize,
		      "%s: opsize %u addrsize %u", c->text, in.opsize, in.addrsize);
	ck_assert_msg(in.imm_len == c->imm_len && in.imm == c->imm,
		      "%s: imm %u bytes %#llx", c->text, in.imm_len, (unsigned long long)in.imm);
	has_modrm = !((c->op >= 0xcd && c->op <= 0xfb) || c->op == OP0F(6) ||
		      c->op == OP0F(8) || c->op == OP0F(9) || c->op == OP0F(0x30) ||
		      c->op == OP0F(0x32));
	ck_assert_msg(in.has_modrm == has_modrm, "%s: has_modrm %d", c->text, in.has_modrm);
	if (!has_modrm)
		return;
	ck_assert_msg(in.reg == c->reg, "%s: reg %u, want %u", c->text, in.reg, c->reg);
	if (c->base == REG) {
		ck_assert_msg(in.mod == 3 && in.rm == c->rm, "%s: mod %u rm %u",
			      c->text, in.mod, in.rm);
		return;
	}
	ck_assert_msg(in.mod != 3, "%s: a register operand", c->text);
	ck_assert_msg(in.base == c->base && in.index == c->index &&
		      (in.index == NONE || in.scale == c->scale) && in.disp == c->disp,
		      "%s: base %d index %d scale %u disp %lld", c->text, in.base,
		      in.index, in.scale, (long long)in.disp);
}

START_TEST(test_accepted_forms)
{
	for (size_t i = 0; i < ARRAY_SIZE(accepted); i++)
		check_accepted(&accepted[i]);
}
END_TEST

/* Cut short anywhere, every accepted form is refused, never read past. */
START_TEST(test_truncated)
{
	for (size_t i = 0; i < ARRAY_SIZE(accepted); i++) {
		const struct accept_case *c = &accepted[i];
		unsigned len = (unsigned)(c->end - c->start);
		struct insn in;

		for (unsigned n = 0; n < len; n++)
			ck_assert_msg(decode_exact(c->start, n, c->mode, &in) == -1,
				      "%s: decoded from %u of its %u bytes", c->text, n, len);
	}
}
END_TEST

/* ---- prefixes ---------------------------------------------------------------- */

START_TEST(test_prefixes)
{
	static const u8 rex_then_66[] = { 0x48, 0x66, 0x89, 0x07 };
	static const u8 opsize_then_rexw[] = { 0x66, 0x48, 0x89, 0x07 };
	static const u8 two_rex[] = { 0x41, 0x48, 0x89, 0x07 };
	static const u8 segs[] = { 0x64, 0x2e, 0x65, 0x89, 0x07 };
	static const u8 rex_compat[] = { 0x48, 0x0f, 0x00, 0xc0 };
	struct insn in;

	ck_assert_int_eq(decode_exact(rex_then_66, 4, INSN_MODE_64, &in), 0);
	ck_assert_uint_eq(in.rex, 0);		/* not right before the opcode */
	ck_assert_uint_eq(in.opsize, 2);
	ck_assert_int_eq(decode_exact(opsize_then_rexw, 4, INSN_MODE_64, &in), 0);
	ck_assert_uint_eq(in.rex, 0x48);
	ck_assert_uint_eq(in.opsize, 8);	/* REX.W over 66 */
	ck_assert(in.opsize_prefix);
	ck_assert_int_eq(decode_exact(two_rex, 4, INSN_MODE_64, &in), 0);
	ck_assert_uint_eq(in.rex, 0x48);	/* the last REX counts */
	ck_assert_int_eq(in.base, RDI);
	ck_assert_int_eq(decode_exact(segs, 5, INSN_MODE_64, &in), 0);
	ck_assert_uint_eq(in.seg, INSN_SEG_GS);	/* the last override counts */
	/* In compatibility mode 48 is dec eax, not a prefix. */
	ck_assert_int_eq(decode_exact(rex_compat, 4, INSN_MODE_64, &in), 0);
	ck_assert_uint_eq(in.opsize, 8);
	ck_assert_int_eq(decode_exact(rex_compat, 4, INSN_MODE_32, &in), -1);

	ck_assert_int_eq(decode_exact(a_m_fs, (unsigned)(a_m_fs_end - a_m_fs), INSN_MODE_64, &in), 0);
	ck_assert_uint_eq(in.seg, INSN_SEG_FS);
	ck_assert_int_eq(decode_exact(a_m_ss, (unsigned)(a_m_ss_end - a_m_ss), INSN_MODE_64, &in), 0);
	ck_assert_uint_eq(in.seg, INSN_SEG_SS);
	ck_assert_int_eq(decode_exact(a_m_addr32, (unsigned)(a_m_addr32_end - a_m_addr32),
				      INSN_MODE_64, &in), 0);
	ck_assert(in.addrsize_prefix);
	ck_assert_int_eq(decode_exact(a_cmpxchg, (unsigned)(a_cmpxchg_end - a_cmpxchg),
				      INSN_MODE_64, &in), 0);
	ck_assert(in.lock);
	ck_assert_int_eq(decode_exact(a_cli, 1, INSN_MODE_64, &in), 0);
	ck_assert(!in.lock && !in.rep && !in.repne && in.seg == INSN_SEG_NONE && !in.rex);
}
END_TEST

INSN(r_rep_sgdt, "rep; sgdt (%rdi)");
INSN(r_repne_movcr, "repne; movq %cr0, %rax");
INSN(r_lock_in, ".byte 0xf0, 0xe4, 0x71");		/* lock inb $0x71 */
INSN(r_lock_mov, ".byte 0xf0, 0x48, 0x89, 0x07");	/* lock movq %rax, (%rdi) */
INSN(r_lock_xchg_reg, ".byte 0xf0, 0x48, 0x87, 0xc1");	/* lock xchgq %rax, %rcx */
INSN(r_lock_sgdt, ".byte 0xf0, 0x0f, 0x01, 0x07");	/* lock sgdt (%rdi) */
INSN(r_lgdt, "lgdt (%rdi)");
INSN(r_lidt, "lidt (%rdi)");
INSN(r_lmsw, "lmsw %ax");
INSN(r_invlpg, "invlpg (%rdi)");
INSN(r_lldt, "lldt %ax");
INSN(r_ltr, "ltr %ax");
INSN(r_verr, "verr %ax");
INSN(r_add_imm, "addq $1, (%rdi)");
INSN(r_mov_c6_1, ".byte 0xc6, 0x0f, 0x01");
INSN(r_bt_imm, "btq $1, (%rdi)");
INSN(r_btc_imm, "btcq $1, (%rdi)");
INSN(r_addr16, ".code32\n\tsgdt (%si)\n\t.code64");

/* Forms of known opcodes that are other instructions, or #UD. */
START_TEST(test_refused_forms)
{
	static const struct {
		const char *text;
		const u8 *start, *end;
		enum insn_mode mode;
	} cases[] = {
#define R(n) { #n, n, n##_end, INSN_MODE_64 }
		R(r_rep_sgdt), R(r_repne_movcr), R(r_lock_in), R(r_lock_mov),
		R(r_lock_xchg_reg), R(r_lock_sgdt), R(r_lgdt), R(r_lidt), R(r_lmsw),
		R(r_invlpg), R(r_lldt), R(r_ltr), R(r_verr), R(r_add_imm),
		R(r_mov_c6_1), R(r_bt_imm), R(r_btc_imm),
		{ "r_addr16", r_addr16, r_addr16_end, INSN_MODE_32 },
#undef R
	};
	struct insn in;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		ck_assert_msg(decode_exact(cases[i].start,
					   (unsigned)(cases[i].end - cases[i].start),
					   cases[i].mode, &in) == -1,
			      "%s: accepted", cases[i].text);
}
END_TEST

static bool is_prefix(u8 b)
{
	return b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x66 || b == 0x67 ||
	       b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
	       b == 0x65 || (b & 0xf0) == 0x40;
}

/* Every opcode, one- and two-byte, that is not in the table is refused. */
START_TEST(test_unknown_opcodes)
{
	static const u16 known[] = {
		0x08, 0x09, 0x20, 0x21, 0x80, 0x81, 0x83, 0x86, 0x87, 0x88, 0x89,
		0xc6, 0xc7, 0xcd, 0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef,
		0xfa, 0xfb, OP0F(0x00), OP0F(0x01), OP0F(0x06), OP0F(0x08),
		OP0F(0x09), OP0F(0x20), OP0F(0x21), OP0F(0x22), OP0F(0x23),
		OP0F(0x30), OP0F(0x32), OP0F(0xb0), OP0F(0xb1), OP0F(0xba),
	};
	unsigned accepted_ops = 0;

	for (unsigned op = 0; op < 0x200; op++) {
		u16 code = op < 0x100 ? (u16)op : OP0F(op & 0xff);
		u8 buf[8] = { 0 };
		bool is_known = false;
		struct insn in;
		int rc;

		if (op < 0x100 && (is_prefix((u8)op) || op == 0x0f))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			is_known |= known[i] == code;
		if (op < 0x100) {
			buf[0] = (u8)op;
			buf[1] = 0x08;		/* ModRM: /1, (%rax) */
		} else {
			buf[0] = 0x0f;
			buf[1] = (u8)op;
			buf[2] = 0x20;		/* ModRM: /4, (%rax) */
		}
		rc = insn_decode(buf, sizeof(buf), INSN_MODE_64, &in);
		if (!is_known)
			ck_assert_msg(rc == -1, "opcode %#x accepted", code);
		else
			accepted_ops++;
	}
	ck_assert_uint_eq(accepted_ops, ARRAY_SIZE(known));
}
END_TEST

/* ---- the 15-byte limit ---------------------------------------------------- */

static int decode_with_prefixes(unsigned nprefix, const u8 *tail, unsigned ntail,
				struct insn *in)
{
	u8 buf[32];

	memset(buf, 0x3e, nprefix);
	memcpy(buf + nprefix, tail, ntail);
	return decode_exact(buf, nprefix + ntail, INSN_MODE_64, in);
}

START_TEST(test_length_limit)
{
	static const u8 cli[] = { 0xfa }, clts[] = { 0x0f, 0x06 };
	struct insn in;
	unsigned len = (unsigned)(a_max_end - a_max);
	u8 buf[INSN_MAX_LEN + 1];

	ck_assert_int_eq(decode_with_prefixes(14, cli, 1, &in), 0);
	ck_assert_uint_eq(in.len, 15);
	ck_assert_int_eq(decode_with_prefixes(15, cli, 1, &in), -1);
	ck_assert_int_eq(decode_with_prefixes(20, cli, 1, &in), -1);
	ck_assert_int_eq(decode_with_prefixes(13, clts, 2, &in), 0);
	ck_assert_uint_eq(in.len, 15);
	/* emulate.c's old fetch read byte 16 of its 15 here. */
	ck_assert_int_eq(decode_with_prefixes(14, clts, 2, &in), -1);
	/* The longest form, 15 bytes with its prefixes; one more is too many. */
	ck_assert_uint_eq(len, 15);
	ck_assert_int_eq(decode_exact(a_max, len, INSN_MODE_64, &in), 0);
	buf[0] = 0x3e;
	memcpy(buf + 1, a_max, len);
	ck_assert_int_eq(decode_exact(buf, len + 1, INSN_MODE_64, &in), -1);
	/* 15 bytes offered of a longer buffer: still no more read. */
	ck_assert_int_eq(insn_decode(buf, sizeof(buf), INSN_MODE_64, &in), -1);
}
END_TEST

/*
 * Given more than 15 bytes, it still reads no byte past the 15th: the
 * 16th and on lie in a page with no access, and a read there is SIGSEGV.
 */
START_TEST(test_never_past_15)
{
	long page = sysconf(_SC_PAGESIZE);
	u8 *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u8 *code = map + page - INSN_MAX_LEN;
	unsigned len = (unsigned)(a_max_end - a_max);
	struct insn in;

	ck_assert(map != MAP_FAILED);
	ck_assert_int_eq(mprotect(map + page, (size_t)page, PROT_NONE), 0);
	memset(code, 0x3e, INSN_MAX_LEN);		/* 15 prefixes, no opcode */
	ck_assert_int_eq(insn_decode(code, 64, INSN_MODE_64, &in), -1);
	memset(code, 0x3e, INSN_MAX_LEN - 1);		/* 14 prefixes, then 0f */
	code[INSN_MAX_LEN - 1] = 0x0f;
	ck_assert_int_eq(insn_decode(code, 64, INSN_MODE_64, &in), -1);
	memcpy(code, a_max, len);			/* 15 bytes, complete */
	ck_assert_int_eq(insn_decode(code, 64, INSN_MODE_64, &in), 0);
	ck_assert_uint_eq(in.len, 15);
	munmap(map, 2 * (size_t)page);
}
END_TEST

/*
 * Random bytes: whatever is accepted has a length within what was given
 * and within 15, decodes the same from exactly those bytes, and the same
 * whatever follows them (the length never depends on later bytes).
 */
START_TEST(test_random_bytes)
{
	u64 x = 0x9e3779b97f4a7c15ULL;
	unsigned accepted_n = 0;

	for (int i = 0; i < 200000; i++) {
		u8 buf[20];
		unsigned avail;
		struct insn in, again;

		for (unsigned b = 0; b < sizeof(buf); b++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[b] = (u8)x;
			if (b < 3 && (x & 0x300) == 0x100)	/* often a known start */
				buf[b] = (u8[]){ 0x0f, 0x66, 0x48, 0xf0, 0x89, 0x3e }[(x >> 10) % 6];
		}
		avail = (unsigned)(x >> 32) % (sizeof(buf) + 1);
		if (decode_exact(buf, avail, (x >> 40) & 1 ? INSN_MODE_64 : INSN_MODE_32, &in))
			continue;
		accepted_n++;
		ck_assert(in.len >= 1 && in.len <= avail && in.len <= INSN_MAX_LEN);
		ck_assert_int_eq(decode_exact(buf, in.len, (enum insn_mode)in.mode, &again), 0);
		ck_assert(memcmp(&in, &again, sizeof(in)) == 0);
		buf[in.len < sizeof(buf) ? in.len : 0] ^= 0xff;
		if (in.len < avail) {
			ck_assert_int_eq(decode_exact(buf, avail, (enum insn_mode)in.mode, &again), 0);
			ck_assert_uint_eq(again.len, in.len);
		}
	}
	ck_assert_uint_gt(accepted_n, 1000);
}
END_TEST

/* ---- addresses and registers --------------------------------------------- */

static u64 address_of(const u8 *start, const u8 *end, enum insn_mode mode,
		      struct cpu_regs *r, u64 seg_base)
{
	struct insn in;

	ck_assert_int_eq(decode_exact(start, (unsigned)(end - start), mode, &in), 0);
	return insn_address(&in, r, seg_base);
}

#define ADDR(n, r, seg) address_of(n, n##_end, INSN_MODE_64, r, seg)

START_TEST(test_addresses)
{
	struct cpu_regs r = { 0 };

	r.rax = 0x1000;
	r.rcx = 0x3;
	r.rdi = 0xffff888000002000ULL;
	r.rsp = 0x7ffffffde000ULL;
	r.rbp = 0x5000;
	r.r8 = 2;
	r.r12 = 0x40;
	r.r15 = 0x100000;
	r.rip = 0xffffffff81000000ULL;
	ck_assert_uint_eq(ADDR(a_or, &r, 0), r.rdi + 0x10);
	ck_assert_uint_eq(ADDR(a_and, &r, 0), 0x5000 - 4);
	ck_assert_uint_eq(ADDR(a_sidt_rsp, &r, 0), r.rsp + 0x10);
	ck_assert_uint_eq(ADDR(a_m_nobase, &r, 0), 0x12345678 + 3 * 4);
	ck_assert_uint_eq(ADDR(a_m_r12_index, &r, 0), 0x1000 + 0x40 * 2);
	ck_assert_uint_eq(ADDR(a_m_r15_r8, &r, 0), 0x100000 + 2 * 8 - 0x80);
	ck_assert_uint_eq(ADDR(a_mov_imm32, &r, 0), r.rdi + 0x7fffffff);
	/* RIP-relative: from the next instruction. */
	ck_assert_uint_eq(ADDR(a_or_imm32_rip, &r, 0),
			  r.rip + (u64)(a_or_imm32_rip_end - a_or_imm32_rip) + 0x1000);
	/* FS/GS: the base the caller gives, added last. */
	ck_assert_uint_eq(ADDR(a_m_fs, &r, 0x7f0000000000ULL), r.rdi + 0x7f0000000000ULL);
	ck_assert_uint_eq(ADDR(a_m_gs_abs, &r, 0xffff888000100000ULL),
			  0xffff888000100010ULL);
	/* 32-bit addresses wrap at 4 GiB, before the segment base. */
	r.rax = 0x1fffffff0ULL;
	ck_assert_uint_eq(ADDR(a_m_addr32, &r, 0), 0xfffffff0ULL);
	ck_assert_uint_eq(ADDR(a_m_eip, &r, 0),
			  (u32)(r.rip + (u64)(a_m_eip_end - a_m_eip) + 0x10));
	/* Compatibility mode: mod 0 rm 5 is absolute, not RIP-relative. */
	ck_assert_uint_eq(address_of(c_abs, c_abs_end, INSN_MODE_32, &r, 0), 0x1000);
	r.rax = 0xffffffff00000010ULL;
	ck_assert_uint_eq(address_of(c_sgdt, c_sgdt_end, INSN_MODE_32, &r, 0), 0x10);
	/* A negative displacement wraps in 64 bits. */
	r.rbp = 2;
	ck_assert_uint_eq(ADDR(a_and, &r, 0), ~0ULL - 1);
}
END_TEST

START_TEST(test_stack_segment)
{
	static const struct {
		const char *text;
		const u8 *start, *end;
		bool ss;
	} cases[] = {
#define S(n, ss) { #n, n, n##_end, ss }
		S(a_m_rsp, true), S(a_m_rbp, true), S(a_sidt_rsp, true),
		S(a_and, true),			/* -4(%rbp) */
		S(a_m_ss, true),		/* %ss:(%rdi) */
		S(a_m_r12, false), S(a_m_r13, false), S(a_or, false),
		S(a_m_fs, false), S(a_or_imm32_rip, false), S(a_m_nobase, false),
#undef S
	};
	static const u8 ds_rsp[] = { 0x3e, 0x48, 0x89, 0x04, 0x24 };	/* ds movq %rax, (%rsp) */
	struct insn in;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert_int_eq(decode_exact(cases[i].start,
					      (unsigned)(cases[i].end - cases[i].start),
					      INSN_MODE_64, &in), 0);
		ck_assert_msg(insn_stack_segment(&in) == cases[i].ss, "%s", cases[i].text);
	}
	ck_assert_int_eq(decode_exact(ds_rsp, sizeof(ds_rsp), INSN_MODE_64, &in), 0);
	ck_assert(!insn_stack_segment(&in));
}
END_TEST

/* Register n of the encoding is the frame's register of that name. */
START_TEST(test_register_map)
{
	struct cpu_regs r;
	const u64 *want[16] = {
		&r.rax, &r.rcx, &r.rdx, &r.rbx, &r.rsp, &r.rbp, &r.rsi, &r.rdi,
		&r.r8, &r.r9, &r.r10, &r.r11, &r.r12, &r.r13, &r.r14, &r.r15,
	};

	for (unsigned n = 0; n < 16; n++)
		ck_assert_msg(insn_gpr(&r, n) == want[n], "register %u", n);
}
END_TEST

START_TEST(test_reg_write)
{
	u64 reg = 0x1111111111111111ULL;

	insn_reg_write(&reg, 1, 0xabcd);
	ck_assert_uint_eq(reg, 0x11111111111111cdULL);
	insn_reg_write(&reg, 2, 0xffffabcd);
	ck_assert_uint_eq(reg, 0x111111111111abcdULL);
	insn_reg_write(&reg, 4, 0xffffffff12345678ULL);
	ck_assert_uint_eq(reg, 0x12345678ULL);		/* 32 bits: zero-extended */
	insn_reg_write(&reg, 8, 0x8000000000000001ULL);
	ck_assert_uint_eq(reg, 0x8000000000000001ULL);
}
END_TEST

Suite *insn_suite(void)
{
	Suite *s = suite_create("insn");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_accepted_forms);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_refused_forms);
	tcase_add_test(tc, test_unknown_opcodes);
	tcase_add_test(tc, test_length_limit);
	tcase_add_test(tc, test_never_past_15);
	tcase_add_test(tc, test_random_bytes);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_stack_segment);
	tcase_add_test(tc, test_register_map);
	tcase_add_test(tc, test_reg_write);
	suite_add_tcase(s, tc);
	return s;
}
