/*
 * cpuid_msr: what a PV kernel learns from CPUID, and which MSRs it may
 * read and write, come from the hypervisor's policy.
 *
 * A PV kernel runs in ring 3, where CPUID executes natively and shows the
 * host's features; so Linux asks with the forced-emulation prefix
 * (`ud2; .ascii "xen"; cpuid`), and the hypervisor answers with its
 * filtered view (docs/pv-mechanisms.md §16.6, §16.7). Checked here:
 *
 *	- leaf 0x40000000: "XenVMMXenVMM" and a max leaf >= 0x40000002 (Linux
 *	  looks for Xen there, then reads the version and hypercall page
 *	  leaves); 0x40000001 is the Xen version the hypervisor claims.
 *	- leaf 1: ECX bit 31 (hypervisor present) set; VMX, PCID, x2APIC,
 *	  XSAVE and OSXSAVE hidden (XSAVE/OSXSAVE: pvisor does not emulate
 *	  xsetbv, so a guest must not use it); the APIC ID byte is 0.
 *	- leaf 7: FSGSBASE, SMEP and SMAP hidden.
 *	- leaf 0 from the forced path has the same vendor as native CPUID.
 *	- the registers the guest did not ask about are untouched.
 *
 * rdmsr/wrmsr fault with #GP(0) in ring 3 and are emulated
 * (docs/pv-mechanisms.md §16.4): FS_BASE written with wrmsr reads back and
 * %fs: uses it; GS_BASE and KERNEL_GS_BASE read back what
 * set_segment_base wrote; PAT reads Xen's 0x0000050100070406; DEBUGCTL
 * reads 0 (the value in force; Xen 4.17 without msr_relaxed: #GP) and
 * a write of it is #GP(0); EFER written back unchanged is accepted, and
 * changed is #GP. Before the
 * guest has a #GP handler, an unknown MSR reads as 0 (the early-boot
 * rescue); once it has one, reading an unknown MSR is #GP(0) at the
 * rdmsr, and writing one is #GP(0) too.
 */
#include "guest.h"
#include "traps.h"
#include "pvabi/cpuid.h"

const char test_title[] = "forced-emulation CPUID and MSR emulation";

#define MSR_EFER		0xc0000080
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_PAT			0x277
#define MSR_DEBUGCTL		0x1d9
#define MSR_UNKNOWN		0x12345678	/* no such MSR anywhere */
#define XEN_MSR_PAT		0x0000050100070406UL

struct regs4 {
	u32 a, b, c, d;
};

static void xen_cpuid(u32 leaf, u32 subleaf, struct regs4 *r)
{
	asm volatile(XEN_CPUID
		     : "=a"(r->a), "=b"(r->b), "=c"(r->c), "=d"(r->d)
		     : "a"(leaf), "c"(subleaf));
}

static void native_cpuid(u32 leaf, u32 subleaf, struct regs4 *r)
{
	asm volatile("cpuid"
		     : "=a"(r->a), "=b"(r->b), "=c"(r->c), "=d"(r->d)
		     : "a"(leaf), "c"(subleaf));
}

static u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

static void hypervisor_leaves(void)
{
	struct regs4 r;
	char sig[13];

	xen_cpuid(XEN_CPUID_FIRST_LEAF, 0, &r);
	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	sig[12] = '\0';
	EXPECT_STREQ(sig, "XenVMMXenVMM");
	EXPECT(r.a >= XEN_CPUID_LEAF(2));
	printk("cpuid: 0x40000000: max leaf %#x \"%s\"\n", r.a, sig);

	xen_cpuid(XEN_CPUID_LEAF(1), 0, &r);
	EXPECT_EQ(r.a, (u64)HYPERVISOR_xen_version(XENVER_version, NULL));

	xen_cpuid(XEN_CPUID_LEAF(2), 0, &r);
	EXPECT_EQ(r.a, 1);	/* one hypercall page */
}

#define BIT(n)	(1u << (n))

static void feature_leaves(void)
{
	struct regs4 r, native;

	xen_cpuid(1, 0, &r);
	printk("cpuid: leaf 1: ecx %#x edx %#x\n", r.c, r.d);
	EXPECT(r.c & BIT(31));			/* hypervisor */
	EXPECT(!(r.c & BIT(5)));		/* VMX */
	EXPECT(!(r.c & BIT(17)));		/* PCID */
	EXPECT(!(r.c & BIT(21)));		/* x2APIC */
	EXPECT(!(r.c & BIT(26)));		/* XSAVE */
	EXPECT(!(r.c & BIT(27)));		/* OSXSAVE */
	EXPECT_EQ(r.b >> 24, 0);		/* APIC ID */
	EXPECT(r.d & BIT(25));			/* SSE: a PV guest has it */

	xen_cpuid(7, 0, &r);
	printk("cpuid: leaf 7: ebx %#x\n", r.b);
	EXPECT(!(r.b & BIT(0)));		/* FSGSBASE */
	EXPECT(!(r.b & BIT(7)));		/* SMEP */
	EXPECT(!(r.b & BIT(20)));		/* SMAP */

	xen_cpuid(0, 0, &r);
	native_cpuid(0, 0, &native);
	EXPECT_EQ(r.b, native.b);
	EXPECT_EQ(r.c, native.c);
	EXPECT_EQ(r.d, native.d);
}

/* The registers the guest did not ask about come back untouched. */
static void forced_emulation_regs(void)
{
	u64 rsi = 0x5151, rdi = 0xd1d1, r8 = 0x8888;
	u32 a = 0, b, c = 0, d;

	asm volatile("movq %[r8], %%r8\n\t"
		     XEN_CPUID "\n\t"
		     "movq %%r8, %[r8]"
		     : "+a"(a), "=b"(b), "+c"(c), "=d"(d), "+S"(rsi), "+D"(rdi),
		       [r8] "+m"(r8) : : "r8");
	EXPECT_EQ(rsi, 0x5151);
	EXPECT_EQ(rdi, 0xd1d1);
	EXPECT_EQ(r8, 0x8888);
	EXPECT(a >= 1);		/* leaf 0: a max standard leaf */
}

/* Before a #GP handler exists, an unknown MSR reads as 0. */
static void early_unknown_msr(void)
{
	EXPECT_EQ(rdmsr(MSR_UNKNOWN), 0);
}

static void segment_msrs(void)
{
	static u64 area[2] = { 0x1111222233334444UL, 0x5555666677778888UL };
	u64 fs_word;

	wrmsr(MSR_FS_BASE, (u64)area);
	EXPECT_EQ(rdmsr(MSR_FS_BASE), (u64)area);
	asm volatile("movq %%fs:8, %0" : "=r"(fs_word));
	EXPECT_EQ(fs_word, 0x5555666677778888UL);
	wrmsr(MSR_FS_BASE, 0);
	EXPECT_EQ(rdmsr(MSR_FS_BASE), 0);

	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (u64)&area[1]), 0);
	EXPECT_EQ(rdmsr(MSR_GS_BASE), (u64)&area[1]);
	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0x7000UL), 0);
	EXPECT_EQ(rdmsr(MSR_KERNEL_GS_BASE), 0x7000UL);
	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0), 0);
	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0), 0);
}

static void pat_and_efer(void)
{
	u64 efer;

	EXPECT_EQ(rdmsr(MSR_PAT), XEN_MSR_PAT);
	efer = rdmsr(MSR_EFER);
	EXPECT(efer & (1UL << 10));	/* LMA: we are in long mode */
	trap_record_reset();
	wrmsr(MSR_EFER, efer);		/* unchanged: accepted */
	EXPECT_EQ(trap_count, 0);

	/* Changed (NXE flipped): refused with #GP(0); EFER stays. */
	trap_record_reset();
	TRAP_EXPECT("wrmsr", "c"(MSR_EFER), "a"((u32)(efer ^ (1UL << 11))),
		    "d"((u32)(efer >> 32)));
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 13);
	EXPECT_EQ(trap_last.error_code, 0);
	EXPECT_EQ(rdmsr(MSR_EFER), efer);
}

static void debugctl(void)
{
	trap_record_reset();
	EXPECT_EQ(rdmsr(MSR_DEBUGCTL), 0);
	EXPECT_EQ(trap_count, 0);
	TRAP_EXPECT("wrmsr", "c"(MSR_DEBUGCTL), "a"(1), "d"(0));
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 13);
	EXPECT_EQ(trap_last.error_code, 0);
}

static void unknown_msrs(void)
{
	u64 at;

	trap_record_reset();
	at = TRAP_EXPECT("rdmsr", "c"(MSR_UNKNOWN));
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 13);
	EXPECT_EQ(trap_last.error_code, 0);
	EXPECT_EQ(trap_last.rip, at);

	trap_record_reset();
	at = TRAP_EXPECT("wrmsr", "c"(MSR_UNKNOWN), "a"(1), "d"(0));
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 13);
	EXPECT_EQ(trap_last.error_code, 0);
	EXPECT_EQ(trap_last.rip, at);

	/* A non-canonical FS base is refused the same way. */
	trap_record_reset();
	TRAP_EXPECT("wrmsr", "c"(MSR_FS_BASE), "a"(0), "d"(0x80000000u));
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 13);
}

void test_main(const struct start_info *si)
{
	(void)si;
	hypervisor_leaves();
	feature_leaves();
	forced_emulation_regs();
	early_unknown_msr();
	traps_init();
	segment_msrs();
	pat_and_efer();
	debugctl();
	unknown_msrs();
}
