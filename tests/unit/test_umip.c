/*
 * test_umip.c - hv/pv/umip.c: what sgdt, sidt, sldt, str and smsw give a
 * guest when UMIP makes them fault.
 *
 * Each form, assembled by the host assembler (asm_insn.h) and decoded by
 * hv/pv/insn.c, must give: sgdt/sidt the real limits and the fixed bases
 * in the hypervisor's unmapped top (10 bytes to memory, never to a
 * register); sldt/str/smsw the view's values, to a register at the
 * operand size or 2 bytes to memory whatever the operand size. What the
 * values carry comes only from the view, so a view with other values must
 * show through; the register forms of 0F 01 /0 /1 (VMX, MONITOR...) and
 * compatibility-mode memory operands are refused.
 */
#include "hv.h"
#include "harness.h"
#include "asm_insn.h"
#include "pv/umip.h"

INSN(u_sgdt, "sgdt (%rdi)");
INSN(u_sidt, "sidt 8(%rsp)");
INSN(u_sgdt_rex, ".byte 0x48, 0x0f, 0x01, 0x07");	/* REX.W sgdt: still 10 bytes */
INSN(u_sldt_m, "sldt (%rax)");
INSN(u_sldt_r16, "sldt %ax");
INSN(u_sldt_r32, "sldt %ecx");
INSN(u_sldt_r64, ".byte 0x49, 0x0f, 0x00, 0xc3");	/* sldt %r11 (REX.W) */
INSN(u_str_m, "str 2(%rbx)");
INSN(u_str_r32, "str %r9d");
INSN(u_smsw_m, "smsw (%rbx)");
INSN(u_smsw_m64, ".byte 0x48, 0x0f, 0x01, 0x23");	/* REX.W smsw (%rbx): still 2 bytes */
INSN(u_smsw_r16, "smsw %dx");
INSN(u_smsw_r32, "smsw %eax");
INSN(u_smsw_r64, "smsw %r10");
INSN(u_vmcall, "vmcall");				/* 0F 01 C1: /0, mod 3 */
INSN(u_monitor, "monitor");				/* 0F 01 C8: /1, mod 3 */
INSN(u_clac, "clac");					/* 0F 01 CA: /1, mod 3 */
INSN(u_cli, "cli");
INSN(u_c32_smsw_r, ".code32\n\tsmsw %eax\n\t.code64");
INSN(u_c32_sldt_r16, ".code32\n\tsldt %ax\n\t.code64");
INSN(u_c32_sgdt_m, ".code32\n\tsgdt (%eax)\n\t.code64");
INSN(u_c32_smsw_m, ".code32\n\tsmsw (%eax)\n\t.code64");

static const struct umip_view view = {
	.cr0 = 0x80050033, .gdt_limit = 0xe07f, .idt_limit = 0xfff,
	.ldtr = 0xe050, .tr = 0xe040,
};

static bool run(const u8 *start, const u8 *end, enum insn_mode mode,
		const struct umip_view *v, struct umip_result *res)
{
	struct insn in;

	if (insn_decode(start, (unsigned)(end - start), mode, &in))
		return false;
	return umip_emulate(&in, v, res);
}

#define RUN(n, res) run(n, n##_end, INSN_MODE_64, &view, res)

static void check_table(struct umip_result *res, u16 limit, u64 base)
{
	u16 l;
	u64 b;

	ck_assert(!res->to_reg);
	ck_assert_uint_eq(res->size, 10);
	memcpy(&l, res->bytes, 2);
	memcpy(&b, res->bytes + 2, 8);
	ck_assert_uint_eq(l, limit);
	ck_assert_uint_eq(b, base);
}

START_TEST(test_descriptor_tables)
{
	struct umip_result res;

	ck_assert(RUN(u_sgdt, &res));
	check_table(&res, 0xe07f, UMIP_GDT_BASE);
	ck_assert(RUN(u_sgdt_rex, &res));
	check_table(&res, 0xe07f, UMIP_GDT_BASE);
	ck_assert(RUN(u_sidt, &res));
	check_table(&res, 0xfff, UMIP_IDT_BASE);
	/* The bases: in the hypervisor's range, above everything it maps. */
	ck_assert_uint_eq(UMIP_GDT_BASE, 0xffff87fffffe0000ULL);
	ck_assert_uint_eq(UMIP_IDT_BASE, 0xffff87ffffff0000ULL);
	ck_assert(UMIP_GDT_BASE >= DIRECTMAP_BASE + DIRECTMAP_SIZE &&
		  UMIP_IDT_BASE + 0x1000 <= HV_VIRT_END);
	/* The limits are the view's. */
	{
		struct umip_view other = view;

		other.gdt_limit = 0x1234;
		other.idt_limit = 0x4321;
		ck_assert(run(u_sgdt, u_sgdt_end, INSN_MODE_64, &other, &res));
		check_table(&res, 0x1234, UMIP_GDT_BASE);
		ck_assert(run(u_sidt, u_sidt_end, INSN_MODE_64, &other, &res));
		check_table(&res, 0x4321, UMIP_IDT_BASE);
	}
}
END_TEST

static void check_reg(const u8 *start, const u8 *end, enum insn_mode mode,
		      u8 reg, u8 size, u64 value)
{
	struct umip_result res;

	ck_assert(run(start, end, mode, &view, &res));
	ck_assert(res.to_reg);
	ck_assert_uint_eq(res.reg, reg);
	ck_assert_uint_eq(res.size, size);
	ck_assert_uint_eq(res.value, value);
}

static void check_mem16(const u8 *start, const u8 *end, u16 value)
{
	struct umip_result res;
	u16 v;

	ck_assert(run(start, end, INSN_MODE_64, &view, &res));
	ck_assert(!res.to_reg);
	ck_assert_uint_eq(res.size, 2);
	memcpy(&v, res.bytes, 2);
	ck_assert_uint_eq(v, value);
}

#define REGCASE(n, reg, size, value) check_reg(n, n##_end, INSN_MODE_64, reg, size, value)

START_TEST(test_values)
{
	REGCASE(u_sldt_r16, RAX, 2, 0xe050);
	REGCASE(u_sldt_r32, RCX, 4, 0xe050);
	REGCASE(u_sldt_r64, R11, 8, 0xe050);
	REGCASE(u_str_r32, R9, 4, 0xe040);
	REGCASE(u_smsw_r16, RDX, 2, 0x80050033);	/* the caller writes the low 16 */
	REGCASE(u_smsw_r32, RAX, 4, 0x80050033);
	REGCASE(u_smsw_r64, R10, 8, 0x80050033);
	check_mem16(u_sldt_m, u_sldt_m_end, 0xe050);
	check_mem16(u_str_m, u_str_m_end, 0xe040);
	check_mem16(u_smsw_m, u_smsw_m_end, 0x0033);
	check_mem16(u_smsw_m64, u_smsw_m64_end, 0x0033);
	check_reg(u_c32_smsw_r, u_c32_smsw_r_end, INSN_MODE_32, RAX, 4, 0x80050033);
	check_reg(u_c32_sldt_r16, u_c32_sldt_r16_end, INSN_MODE_32, RAX, 2, 0xe050);
}
END_TEST

/* The values come from the view: no LDT, TS set. */
START_TEST(test_values_follow_view)
{
	struct umip_view other = view;
	struct umip_result res;

	other.ldtr = 0;
	other.cr0 = 0x8005003b;
	ck_assert(run(u_sldt_r64, u_sldt_r64_end, INSN_MODE_64, &other, &res));
	ck_assert_uint_eq(res.value, 0);
	ck_assert(run(u_smsw_m, u_smsw_m_end, INSN_MODE_64, &other, &res));
	ck_assert_uint_eq(res.bytes[0], 0x3b);
	ck_assert_uint_eq(res.bytes[1], 0x00);
	other.tr = 0x1234;
	ck_assert(run(u_str_r32, u_str_r32_end, INSN_MODE_64, &other, &res));
	ck_assert_uint_eq(res.value, 0x1234);
}
END_TEST

START_TEST(test_refused)
{
	struct umip_result res;

	ck_assert(!RUN(u_vmcall, &res));
	ck_assert(!RUN(u_monitor, &res));
	ck_assert(!RUN(u_clac, &res));
	ck_assert(!RUN(u_cli, &res));
	ck_assert(!run(u_c32_sgdt_m, u_c32_sgdt_m_end, INSN_MODE_32, &view, &res));
	ck_assert(!run(u_c32_smsw_m, u_c32_smsw_m_end, INSN_MODE_32, &view, &res));
}
END_TEST

Suite *umip_suite(void)
{
	Suite *s = suite_create("umip");
	TCase *tc = tcase_create("values");

	tcase_add_test(tc, test_descriptor_tables);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_values_follow_view);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}
