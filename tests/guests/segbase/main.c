/*
 * segbase: the FS and GS bases a guest sets with set_segment_base are the
 * ones it runs with, in both GS halves, and they survive switches to
 * another domain and back.
 *
 * A 64-bit kernel reaches its per-CPU data through %gs and user threads
 * their TLS through %fs, and a PV kernel cannot write the base MSRs
 * itself (ring 3): it asks with set_segment_base (SEGBASE_FS,
 * SEGBASE_GS_KERNEL for the active base, SEGBASE_GS_USER for the one
 * swapgs would bring in, SEGBASE_GS_USER_SEL to load the user %gs
 * selector; docs/pv-mechanisms.md §11). The hypervisor must then keep all
 * three per vCPU across its own context switches, together with the
 * %fs/%gs selectors (restoring a selector loads a base too, so the order
 * matters). RDGSBASE is hidden (CPUID leaf 7; executing it is #UD), so
 * the values are read
 * back with the emulated rdmsr of FS_BASE, GS_BASE (the kernel's, active)
 * and KERNEL_GS_BASE (the user's, swapped out), and used through %fs: and
 * %gs: loads from memory.
 *
 * Two domains (domains.list, side=A and side=B) each set bases of their
 * own, different every round, with %fs loaded with the flat selector
 * 0xe02b first, then yield and check all of it again: 200 rounds. A
 * switch that forgot a base, or restored the selector after the base,
 * shows the other domain's values or 0. SEGBASE_GS_USER_SEL with 0xe02b
 * must leave the kernel base alone, give the user base the descriptor's
 * base (0), and leave %gs holding the selector. A non-canonical base is
 * refused with -EINVAL (the hypervisor's wrmsr of it would fault).
 */
#include "guest.h"
#include "events.h"
#include "traps.h"

const char test_title[] = "FS/GS bases across domain switches";

#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define ROUNDS			200

static u64 area[32];

static u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static u16 read_fs_sel(void)
{
	u16 sel;

	asm volatile("movw %%fs, %0" : "=r"(sel));
	return sel;
}

static u16 read_gs_sel(void)
{
	u16 sel;

	asm volatile("movw %%gs, %0" : "=r"(sel));
	return sel;
}

struct bases {
	u64 fs, gs_kernel, gs_user;
};

/* This round's bases: inside area[] for the two we read through, and a
 * user base that only has to read back. */
static void bases_for(char side, int round, struct bases *b)
{
	b->fs = (u64)&area[round % 16];
	b->gs_kernel = (u64)&area[16 + (round * 7) % 16];
	b->gs_user = 0x00007f0000000000UL + ((u64)side << 24) + (u64)round * 0x1000;
}

static void set_bases(const struct bases *b)
{
	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_FS, b->fs), 0);
	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, b->gs_kernel), 0);
	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, b->gs_user), 0);
}

static bool check_bases(int round, const struct bases *b)
{
	u64 fs_base = rdmsr(MSR_FS_BASE), gs_base = rdmsr(MSR_GS_BASE);
	u64 kgs_base = rdmsr(MSR_KERNEL_GS_BASE);
	u64 via_fs, via_gs;
	u16 fs_sel = read_fs_sel();

	asm volatile("movq %%fs:0, %0" : "=r"(via_fs));
	asm volatile("movq %%gs:0, %0" : "=r"(via_gs));
	if (fs_base != b->fs || gs_base != b->gs_kernel || kgs_base != b->gs_user ||
	    via_fs != *(u64 *)b->fs || via_gs != *(u64 *)b->gs_kernel ||
	    fs_sel != FLAT_USER_DS32) {
		test_fail("round %d: FS_BASE %#lx GS_BASE %#lx KERNEL_GS_BASE %#lx %%fs:0 %#lx %%gs:0 %#lx %%fs %#x; expected %#lx %#lx %#lx %#lx %#lx %#x",
			  round, fs_base, gs_base, kgs_base, via_fs, via_gs,
			  fs_sel, b->fs, b->gs_kernel, b->gs_user,
			  *(u64 *)b->fs, *(u64 *)b->gs_kernel, FLAT_USER_DS32);
		return false;
	}
	return true;
}

/* SEGBASE_GS_USER_SEL: only the user half changes. */
static void user_selector(char side)
{
	struct bases b;

	bases_for(side, 0, &b);
	set_bases(&b);
	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, FLAT_USER_DS32), 0);
	EXPECT_EQ(read_gs_sel(), FLAT_USER_DS32);
	EXPECT_EQ(rdmsr(MSR_GS_BASE), b.gs_kernel);
	EXPECT_EQ(rdmsr(MSR_KERNEL_GS_BASE), 0);	/* the flat descriptor's base */
	EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
	EXPECT_EQ(read_gs_sel(), FLAT_USER_DS32);
	EXPECT_EQ(rdmsr(MSR_GS_BASE), b.gs_kernel);
	EXPECT_EQ(rdmsr(MSR_KERNEL_GS_BASE), 0);
	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0), 0);
	EXPECT_EQ(read_gs_sel(), 0);
	EXPECT_EQ(rdmsr(MSR_GS_BASE), b.gs_kernel);
}

void test_main(const struct start_info *si)
{
	struct vcpu_runstate_info rs;
	char side[2];
	struct bases b;

	(void)si;
	if (!cmdline_get("side", side, sizeof(side)) || !side[0])
		test_error("no side= on the command line");
	for (unsigned i = 0; i < ARRAY_SIZE(area); i++)
		area[i] = ((u64)side[0] << 56) | i;

	/* RDGSBASE is hidden: CR4.FSGSBASE is off, so it is #UD. */
	traps_init();
	trap_record_reset();
	asm volatile("movq $1f, trap_resume_rip(%%rip)\n\t"
		     "rdgsbase %%rax\n"
		     "1:" ::: "rax", "memory");
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 6);

	/*
	 * A non-canonical base is refused (its wrmsr would fault in the
	 * hypervisor), for each of the three, and an unknown which too.
	 */
	for (u64 which = SEGBASE_FS; which <= SEGBASE_GS_KERNEL; which++) {
		EXPECT_EQ(HYPERVISOR_set_segment_base(which, 0x0000800000000000UL), -XEN_EINVAL);
		EXPECT_EQ(HYPERVISOR_set_segment_base(which, 0xffff7fffffffffffUL), -XEN_EINVAL);
	}
	EXPECT_EQ(HYPERVISOR_set_segment_base(99, 0), -XEN_EINVAL);

	/* The flat selector first: loading it sets the FS base to 0. */
	asm volatile("movw %w0, %%fs" : : "r"(FLAT_USER_DS32));
	for (int round = 0; round < ROUNDS; round++) {
		bases_for(side[0], round, &b);
		set_bases(&b);
		if (!check_bases(round, &b))
			return;
		EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
		if (!check_bases(round, &b))
			return;
	}
	printk("segbase: %d rounds with the bases intact\n", ROUNDS);
	/* The yields did switch: time spent runnable but not running. */
	EXPECT_EQ(runstate_get(&rs), 0);
	EXPECT(rs.time[RUNSTATE_runnable] > 0);
	user_selector(side[0]);
}
