/*
 * fpu_lazy: a domain's x87/SSE registers are its own across switches to
 * another domain, and across the lazy-switch protocol a PV kernel uses.
 *
 * The hypervisor saves and restores the FPU of each vCPU when it switches
 * between them (hv/core/sched.c), so two domains computing with different
 * values must never see each other's. A PV kernel that switches FPU state
 * lazily between its own tasks sets its virtual CR0.TS with
 * fpu_taskswitch(1); the next FPU/SSE instruction then raises #NM, which
 * the hypervisor bounces to the kernel after clearing TS itself (Xen's
 * documented quirk, docs/pv-mechanisms.md §2), and the instruction, run
 * again after the handler, works on intact registers.
 *
 * Two domains (domains.list, side=A and side=B) run this: each round, a
 * domain loads all of x87 and SSE state (FCW, FSW, tag word, MXCSR, ST0-7
 * and XMM0-15) from an FXSAVE image filled with a pattern of its side and
 * the round, yields, and saves it again with FXSAVE: every byte must be
 * its own. In the second half of the rounds it also sets TS before
 * yielding: the FXSAVE after the yield must raise exactly one #NM, at
 * that instruction, with TS already clear in the handler (the emulated
 * mov from %cr0), and then save the same intact state. A domain that
 * never set TS must never see an #NM.
 */
#include "guest.h"
#include "events.h"
#include "traps.h"

const char test_title[] = "FPU/SSE state across domain switches and #NM";

#define ROUNDS		100
#define FX_FCW		0
#define FX_FSW		2
#define FX_FTW		4
#define FX_MXCSR	24
#define FX_ST		32	/* 8 x 16 bytes, 10 used */
#define FX_XMM		160	/* 16 x 16 bytes */
#define CR0_TS		(1UL << 3)

static u8 image[512] __aligned(16);
static u8 saved[512] __aligned(16);

static void fxrstor(const u8 *img)
{
	asm volatile("fxrstor64 %0" : : "m"(*(const u8 (*)[512])img) : "memory");
}

/* FXSAVE at a known address, so the #NM handler can check where it trapped. */
static u64 fxsave_at;

static void fxsave(u8 *img)
{
	u64 at;

	asm volatile("leaq 1f(%%rip), %1\n"
		     "1: fxsave64 %0"
		     : "=m"(*(u8 (*)[512])img), "=&r"(at) : : "memory");
	fxsave_at = at;
}

static void fill(char side, int round)
{
	u8 seed = (u8)(side * 31 + round);

	asm volatile("fninit");
	fxsave(image);
	image[FX_FCW] = 0x7f;		/* all masked, precision/rounding bits vary */
	image[FX_FCW + 1] = (u8)(0x03 | ((round & 3) << 2));
	image[FX_FSW] = 0;
	image[FX_FSW + 1] = (u8)((round & 7) << 3);	/* TOP */
	image[FX_FTW] = (u8)(0xff ^ round);		/* some registers valid */
	*(u32 *)&image[FX_MXCSR] = 0x1f80 | ((u32)(round & 3) << 13);
	for (int i = 0; i < 8; i++) {
		for (int j = 0; j < 10; j++)
			image[FX_ST + 16 * i + j] = (u8)(seed + 16 * i + j);
		for (int j = 10; j < 16; j++)
			image[FX_ST + 16 * i + j] = 0;
	}
	for (int i = 0; i < 256; i++)
		image[FX_XMM + i] = (u8)(seed * 7 + i);
}

/* Compare what FXSAVE saw with what was loaded (the fields we set). */
static bool same(int round, const char *when)
{
	static const struct {
		const char *name;
		int off, len;
	} fields[] = {
		{ "FCW", FX_FCW, 2 }, { "FSW", FX_FSW, 2 }, { "FTW", FX_FTW, 1 },
		{ "MXCSR", FX_MXCSR, 4 }, { "ST0-7", FX_ST, 128 },
		{ "XMM0-15", FX_XMM, 256 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(fields); i++) {
		int off = fields[i].off;

		for (int j = 0; j < fields[i].len; j++, off++) {
			if (saved[off] == image[off])
				continue;
			test_fail("round %d, %s: %s byte %d is %#x, loaded %#x",
				  round, when, fields[i].name, j, saved[off],
				  image[off]);
			return false;
		}
	}
	return true;
}

static volatile u64 nm_count;
static u64 nm_rip, nm_cr0;

static void nm_handler(struct trap_frame *f)
{
	nm_count++;
	nm_rip = f->rip;
	asm volatile("movq %%cr0, %0" : "=r"(nm_cr0));
	/* Resume at the faulting FXSAVE: TS is clear now, so it runs. */
}

static bool round_trip(char side, int round, bool lazy)
{
	u64 before = nm_count;

	fill(side, round);
	fxrstor(image);
	if (lazy)
		EXPECT_EQ(HYPERVISOR_fpu_taskswitch(1), 0);
	EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
	memset(saved, 0, sizeof(saved));
	fxsave(saved);
	if (!same(round, lazy ? "after yield and #NM" : "after yield"))
		return false;
	if (nm_count != before + (lazy ? 1 : 0)) {
		test_fail("round %d: %lu #NM, expected %d", round,
			  nm_count - before, lazy ? 1 : 0);
		return false;
	}
	if (lazy && (nm_rip != fxsave_at || (nm_cr0 & CR0_TS))) {
		test_fail("round %d: #NM at %#lx (the FXSAVE is at %#lx), CR0 %#lx in the handler",
			  round, nm_rip, fxsave_at, nm_cr0);
		return false;
	}
	return true;
}

void test_main(const struct start_info *si)
{
	struct vcpu_runstate_info rs;
	char side[2];

	(void)si;
	if (!cmdline_get("side", side, sizeof(side)) || !side[0])
		test_error("no side= on the command line");
	traps_init();
	trap_set_handler(7, nm_handler);
	for (int round = 0; round < ROUNDS; round++) {
		if (!round_trip(side[0], round, round >= ROUNDS / 2))
			break;
	}
	printk("fpu_lazy: %lu #NM in %d rounds\n", nm_count, ROUNDS);
	EXPECT_EQ(runstate_get(&rs), 0);
	EXPECT(rs.time[RUNSTATE_runnable] > 0);	/* the yields did switch */
	asm volatile("fninit");
}
