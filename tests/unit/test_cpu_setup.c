/*
 * test_cpu_setup.c - hv/x86/cpu_setup.c: what every CPU's control
 * registers and MSRs hold, decided from CPUID.
 */
#include "hv.h"
#include "harness.h"
#include "x86/cpu_setup.h"

/* QEMU's "max" CPU as the tests see it: AMD vendor, SMEP, SMAP, UMIP, SEP, RDTSCP. */
static struct cpuid_info qemu_max(void)
{
	return (struct cpuid_info){
		.vendor = "AuthenticAMD",
		.l1_edx = 0x0fcbfbfd,
		.l7_ebx = 0x01d843a9,
		.l7_ecx = 0x8001020c,
		.max_ext = 0x80000001,
		.e1_edx = 0xedd3fbfd,
	};
}

/* An old CPU: none of the protections, no SYSENTER, no RDTSCP. */
static struct cpuid_info bare(const char *vendor)
{
	struct cpuid_info id = { .max_ext = 0x80000008 };

	memcpy(id.vendor, vendor, strlen(vendor) + 1);
	return id;
}

START_TEST(test_base_registers)
{
	struct cpuid_info id = bare("GenuineIntel");
	struct cpu_setup s;

	cpu_setup_decide(&id, false, &s);
	/* PE MP ET NE WP AM PG: what the hypervisor has always run with. */
	ck_assert_uint_eq(s.cr0, 0x80050033);
	/* PAE PGE OSFXSR OSXMMEXCPT, nothing else. */
	ck_assert_uint_eq(s.cr4, 0x6a0);
	ck_assert_uint_eq(s.efer, X86_EFER_SCE | X86_EFER_LME | X86_EFER_NXE);
	ck_assert(!(s.efer & (1ULL << 14)));	/* FFXSR */
	ck_assert(!s.sysenter);
	ck_assert(!s.tsc_aux);
	ck_assert(!s.fpu_ptr_scrub);
	ck_assert(!s.smap_unavailable);
}
END_TEST

START_TEST(test_protections_where_the_cpu_has_them)
{
	struct cpuid_info id = qemu_max();
	struct cpu_setup s;

	cpu_setup_decide(&id, false, &s);
	ck_assert(s.cr4 & X86_CR4_SMEP);
	ck_assert(s.cr4 & X86_CR4_UMIP);
	ck_assert(!(s.cr4 & X86_CR4_SMAP));	/* only when asked for */
	ck_assert_uint_eq(s.cr4, 0x6a0 | X86_CR4_SMEP | X86_CR4_UMIP);

	cpu_setup_decide(&id, true, &s);
	ck_assert(s.cr4 & X86_CR4_SMAP);
	ck_assert(!s.smap_unavailable);

	/* Each one alone. */
	id = bare("GenuineIntel");
	id.l7_ebx = CPUID_7_EBX_SMEP;
	cpu_setup_decide(&id, true, &s);
	ck_assert_uint_eq(s.cr4, 0x6a0 | X86_CR4_SMEP);
	ck_assert(s.smap_unavailable);
	id.l7_ebx = 0;
	id.l7_ecx = CPUID_7_ECX_UMIP;
	cpu_setup_decide(&id, false, &s);
	ck_assert_uint_eq(s.cr4, 0x6a0 | X86_CR4_UMIP);
}
END_TEST

START_TEST(test_msrs_that_exist)
{
	struct cpuid_info id = qemu_max();
	struct cpu_setup s;

	cpu_setup_decide(&id, false, &s);
	ck_assert(s.sysenter);
	ck_assert(s.tsc_aux);		/* RDTSCP */

	id = bare("GenuineIntel");
	id.l7_ecx = CPUID_7_ECX_RDPID;
	cpu_setup_decide(&id, false, &s);
	ck_assert(s.tsc_aux);		/* RDPID alone */
	ck_assert(!s.sysenter);

	/* RDTSCP in a leaf the CPU does not have is no RDTSCP. */
	id = bare("GenuineIntel");
	id.max_ext = 0x80000000;
	id.e1_edx = CPUID_E1_EDX_RDTSCP;
	cpu_setup_decide(&id, false, &s);
	ck_assert(!s.tsc_aux);
}
END_TEST

START_TEST(test_fpu_pointer_scrub)
{
	struct cpuid_info id = qemu_max();	/* AMD, no leaf 0x80000008 */
	struct cpu_setup s;

	cpu_setup_decide(&id, false, &s);
	ck_assert(s.fpu_ptr_scrub);

	id = bare("AuthenticAMD");
	cpu_setup_decide(&id, false, &s);
	ck_assert(s.fpu_ptr_scrub);
	id.e8_ebx = CPUID_E8_EBX_RSTR_FP_ERR_PTRS;	/* Zen 2 on: restores them */
	cpu_setup_decide(&id, false, &s);
	ck_assert(!s.fpu_ptr_scrub);

	id = bare("HygonGenuine");
	cpu_setup_decide(&id, false, &s);
	ck_assert(s.fpu_ptr_scrub);

	id = bare("GenuineIntel");		/* Intel always restores them */
	cpu_setup_decide(&id, false, &s);
	ck_assert(!s.fpu_ptr_scrub);

	/* The bit in a leaf beyond the maximum does not count. */
	id = bare("AuthenticAMD");
	id.max_ext = 0x80000001;
	id.e8_ebx = CPUID_E8_EBX_RSTR_FP_ERR_PTRS;
	cpu_setup_decide(&id, false, &s);
	ck_assert(s.fpu_ptr_scrub);
}
END_TEST

START_TEST(test_pat)
{
	/* Entries 0-3 keep their reset meaning: WB, WT, UC-, UC. */
	ck_assert_uint_eq(CPU_PAT & 0xffffffff, CPU_PAT_AFTER_RESET & 0xffffffff);
	/* Entry 4 is WC (1), 5 WP (5), 6 and 7 UC (0): Xen's. */
	ck_assert_uint_eq((CPU_PAT >> 32) & 0xff, 1);
	ck_assert_uint_eq((CPU_PAT >> 40) & 0xff, 5);
	ck_assert_uint_eq(CPU_PAT >> 48, 0);
}
END_TEST

START_TEST(test_cr4_describe)
{
	char buf[128];
	int n;

	n = cpu_cr4_describe(0x6a0 | X86_CR4_SMEP | X86_CR4_UMIP, buf, sizeof(buf));
	ck_assert_str_eq(buf, "PAE PGE OSFXSR OSXMMEXCPT UMIP SMEP");
	ck_assert_int_eq(n, (int)strlen(buf));
	n = cpu_cr4_describe(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(n, 0);
	/* Truncated: what fits, and the length the whole text needs. */
	n = cpu_cr4_describe(0x6a0, buf, 8);
	ck_assert_str_eq(buf, "PAE PGE");
	ck_assert_int_eq(n, (int)strlen("PAE PGE OSFXSR OSXMMEXCPT"));
	n = cpu_cr4_describe(0x6a0, buf, 0);
	ck_assert_int_eq(n, (int)strlen("PAE PGE OSFXSR OSXMMEXCPT"));
}
END_TEST

Suite *cpu_setup_suite(void)
{
	Suite *s = suite_create("cpu_setup");
	TCase *tc = tcase_create("decide");

	tcase_add_test(tc, test_base_registers);
	tcase_add_test(tc, test_protections_where_the_cpu_has_them);
	tcase_add_test(tc, test_msrs_that_exist);
	tcase_add_test(tc, test_fpu_pointer_scrub);
	tcase_add_test(tc, test_pat);
	tcase_add_test(tc, test_cr4_describe);
	suite_add_tcase(s, tc);
	return s;
}
