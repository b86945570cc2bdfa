/*
 * vcpu_up: a domain's secondary vCPUs, brought up, down and up again with
 * VCPUOP_initialise/up/down/is_up, and every refusal Xen documents.
 *
 * A PV guest starts its secondary vCPUs itself (Linux: cpu_initialize_
 * context() and VCPUOP_up for each CPU it onlines, VCPUOP_down when one
 * goes offline, VCPUOP_is_up to count them). A domain with vcpus=N starts
 * with vCPU 0 up and 1..N-1 down and uninitialised.
 *
 * role=full (domains.list, vcpus=4):
 *  - is_up is 1, 0, 0, 0 for vCPUs 0..3 and -ENOENT at 4 (and far beyond):
 *    Linux counts its vCPUs this way; initialise, up and down of vCPU 4
 *    are -ENOENT too. A down vCPU's runstate is RUNSTATE_offline.
 *  - initialise of vCPU 0, which is running, is -EEXIST; up of vCPU 2,
 *    never initialised, is -EINVAL.
 *  - bad contexts for vCPU 3 (no VGCF_in_kernel; a non-canonical rip,
 *    rsp, kernel_sp, fs_base, event, failsafe or syscall callback, or
 *    trap handler (Xen's arch_set_info_guest checks each); a cr3 frame
 *    beyond memory, or a writable page of ours as the L4 or the user L4
 *    (ctrlreg[1]); in fast mode any user L4 (it has none); a writable page
 *    as a GDT frame; too many GDT entries; a misaligned LDT; a context
 *    that cannot be read): each -EINVAL (-EFAULT for the last), and each
 *    leaves vCPU 3 down and uninitialised (up is still -EINVAL). Then the
 *    good context is accepted, vCPU 3 stays down until up, and runs.
 *  - vCPU 1 (smp.h: vcpu_start) runs: the registers, stack and mask its
 *    context gave (smp.c checks them), its own pvclock, and a value
 *    vCPU 0 reads. initialise again is -EEXIST, up again 0.
 *  - vCPU 1 downs itself: is_up 0, runstate offline, and it does not run
 *    (its progress stays put over 50 yields); up again, its down
 *    hypercall returns 0 and it carries on from there.
 *  - vCPU 0 downs vCPU 1 while it counts: after the hypercall the count
 *    stays put; up, it counts again.
 *  - the end: vCPU 0 prints the RESULT line and downs itself; vCPU 1, up,
 *    sees is_up(0) = 0 and downs itself, the last: the domain shuts down
 *    (poweroff, as Xen), which the runner checks. Anything wrong after the
 *    RESULT line crashes the domain (ud2), which the runner reports.
 *
 * role=count n=N (toomany.list): smp_nr_vcpus() is N (vcpus=8, the most).
 *
 * Mutations (tests/mutate/smp-guests.checks) of hv/core/vcpu_op.c's
 * checks that this relies on are killed here: the -EEXIST of a second
 * initialise, the -EINVAL of up before initialise, the context's
 * validation, the vcpuid bound.
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "mmu.h"
#include "smp.h"
#include "traps.h"

const char test_title[] = "VCPUOP_initialise/up/down/is_up on secondary vCPUs";

#define NONCANON	0x0000800000000000UL
#define V1_MAGIC	0xfeedc0de00000001UL
#define V3_MAGIC	0xfeedc0de00000003UL

enum v1_phase { V1_START, V1_DOWN_SELF, V1_COUNT, V1_LAST };

static volatile u64 v1_value, v3_value;
static volatile int v1_phase;
static volatile int v1_stage;		/* V1_DOWN_SELF: 1 before down, 2 after */
static volatile long v1_down_rc = 12345;
static volatile u64 v1_count;
static volatile int v1_stop;
static volatile u64 v1_time, v0_time_before_up;

static struct vcpu_guest_context ctx;
static u8 plain_page[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

/* ---- vCPU 1 ---------------------------------------------------------------- */

static void v1_last(void)
{
	/* vCPU 0 has printed RESULT and downs itself: then we are the last. */
	for (unsigned long n = 0; vcpu_is_up(0) != 0; n++) {
		if (n > SMP_WAIT_YIELDS) {
			printk("vcpu_up: vCPU 0 still up after its VCPUOP_down\n");
			asm volatile("ud2");
		}
		smp_yield();
	}
	/* Return: smp.c downs us, the last vCPU up: the domain shuts down. */
}

static void v1_main(unsigned int id, void *arg)
{
	(void)arg;
	switch (READ_ONCE(v1_phase)) {
	case V1_START:
		v1_time = system_time();
		WRITE_ONCE(v1_value, V1_MAGIC + id - 1);
		return;
	case V1_DOWN_SELF:
		WRITE_ONCE(v1_stage, 1);
		v1_down_rc = vcpu_down(id);
		WRITE_ONCE(v1_stage, 2);
		return;
	case V1_COUNT:
		while (!READ_ONCE(v1_stop)) {
			WRITE_ONCE(v1_count, v1_count + 1);
			smp_yield();
		}
		return;
	case V1_LAST:
		v1_last();
		return;
	}
}

static void v3_main(unsigned int id, void *arg)
{
	(void)arg;
	WRITE_ONCE(v3_value, V3_MAGIC + id - 3);
}

/* ---- vCPU 0 ------------------------------------------------------------------ */

static long runstate_of(unsigned int id)
{
	struct vcpu_runstate_info rs;
	long rc = HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, id, &rs);

	return rc ? rc : rs.state;
}

static void check_counts(unsigned int n)
{
	EXPECT_EQ(smp_nr_vcpus(), n);
	EXPECT_EQ(vcpu_is_up(0), 1);
	for (unsigned int i = 1; i < n; i++) {
		EXPECT_EQ(vcpu_is_up(i), 0);
		EXPECT_EQ(runstate_of(i), RUNSTATE_offline);
	}
	EXPECT_EQ(vcpu_is_up(n), -XEN_ENOENT);
	EXPECT_EQ(vcpu_is_up(n + 100), -XEN_ENOENT);
	EXPECT_EQ(vcpu_is_up(0xffffffffU), -XEN_ENOENT);
	vcpu_context_fill(&ctx, 1, v3_main, NULL);
	EXPECT_EQ(vcpu_initialise(n, &ctx), -XEN_ENOENT);
	EXPECT_EQ(vcpu_up(n), -XEN_ENOENT);
	EXPECT_EQ(vcpu_down(n), -XEN_ENOENT);
}

/* One bad context for vCPU 3: refused with want, and vCPU 3 untouched. */
static void bad_context(const char *what, long want, struct vcpu_guest_context *c)
{
	long rc = vcpu_initialise(3, c);

	if (rc != want)
		test_fail("initialise with %s: %ld, expected %ld", what, rc, want);
	if (vcpu_is_up(3) != 0)
		test_fail("after initialise with %s, vCPU 3 is up", what);
	rc = vcpu_up(3);
	if (rc != -XEN_EINVAL)
		test_fail("after initialise with %s, up(3) is %ld, not -EINVAL: the context was kept",
			  what, rc);
	if (rc == 0)
		test_exit();	/* it runs a bad context: nothing sensible follows */
}

static void bad_contexts(void)
{
	u64 spare = spare_mfn(0, NULL);

#define BAD(what, want, change)						\
	do {								\
		vcpu_context_fill(&ctx, 3, v3_main, NULL);		\
		change;							\
		bad_context(what, want, &ctx);				\
	} while (0)

	BAD("no VGCF_in_kernel", -XEN_EINVAL, ctx.flags = 0);
	BAD("a non-canonical rip", -XEN_EINVAL, ctx.user_regs.rip = NONCANON);
	BAD("a non-canonical rsp", -XEN_EINVAL, ctx.user_regs.rsp = NONCANON);
	BAD("a non-canonical kernel_sp", -XEN_EINVAL, ctx.kernel_sp = NONCANON);
	BAD("a non-canonical fs_base", -XEN_EINVAL, ctx.fs_base = NONCANON);
	BAD("a non-canonical event callback", -XEN_EINVAL,
	    ctx.event_callback_eip = NONCANON);
	BAD("a non-canonical failsafe callback", -XEN_EINVAL,
	    ctx.failsafe_callback_eip = NONCANON);
	BAD("a non-canonical syscall callback", -XEN_EINVAL,
	    ctx.syscall_callback_eip = NONCANON);
	BAD("a non-canonical #PF handler", -XEN_EINVAL,
	    ctx.trap_ctxt[14].address = NONCANON);
	BAD("a cr3 frame beyond memory", -XEN_EINVAL,
	    ctx.ctrlreg[3] = xen_pfn_to_cr3(0xfffffffffUL));
	BAD("a writable page of ours as the L4", -XEN_EINVAL,
	    ctx.ctrlreg[3] = xen_pfn_to_cr3(virt_to_mfn(plain_page)));
	BAD("a writable page as the user L4", -XEN_EINVAL,
	    ctx.ctrlreg[1] = xen_pfn_to_cr3(virt_to_mfn(plain_page)));
	if (guest_fast_mode())	/* one L4 per process: no user L4 at all */
		BAD("a user L4 in fast mode", -XEN_EINVAL, ctx.ctrlreg[1] = ctx.ctrlreg[3]);
	BAD("a writable page as GDT frame", -XEN_EINVAL,
	    (ctx.gdt_frames[0] = virt_to_mfn(plain_page), ctx.gdt_ents = 16));
	BAD("more GDT entries than 16 frames hold", -XEN_EINVAL,
	    (ctx.gdt_frames[0] = spare, ctx.gdt_ents = 16 * 512 + 1));
	BAD("a misaligned LDT", -XEN_EINVAL,
	    (ctx.ldt_base = (u64)plain_page + 8, ctx.ldt_ents = 1));
#undef BAD
	bad_context("a context at a non-canonical address", -XEN_EFAULT,
		    (struct vcpu_guest_context *)NONCANON);
	/* What was refused is refused for its content: the good one is taken. */
	vcpu_context_fill(&ctx, 3, v3_main, NULL);
	ASSERT_EQ(vcpu_initialise(3, &ctx), 0);
	EXPECT_EQ(vcpu_is_up(3), 0);
	for (int i = 0; i < 20; i++)
		smp_yield();
	EXPECT_EQ(v3_value, 0);		/* initialised is not up */
	EXPECT_EQ(vcpu_initialise(3, &ctx), -XEN_EEXIST);
	shinfo->vcpu_info[3].evtchn_upcall_mask = 1;
	ASSERT_EQ(vcpu_up(3), 0);
	smp_wait(READ_ONCE(v3_value) == V3_MAGIC, "vCPU 3 never ran its context");
	smp_wait(vcpu_is_up(3) == 0, "vCPU 3 is still up after downing itself");
}

static void v1_start_and_run(void)
{
	v0_time_before_up = system_time();
	ASSERT_EQ(vcpu_start(1, v1_main, NULL), 0);
	/* Up, unless it already ran to its end on another CPU. */
	EXPECT_EQ(vcpu_is_up(1) == 1 || READ_ONCE(v1_value) != 0, 1);
	vcpu_context_fill(&ctx, 1, v1_main, NULL);
	EXPECT_EQ(vcpu_initialise(1, &ctx), -XEN_EEXIST);
	EXPECT_EQ(vcpu_up(1), 0);		/* up already: 0 */
	smp_wait(READ_ONCE(v1_value) == V1_MAGIC, "vCPU 1 never wrote its value");
	EXPECT_EQ(smp_entered[1], 1);
	/* Its own pvclock (vcpu_info[1].time) runs with vCPU 0's. */
	if (v1_time < v0_time_before_up || v1_time > v0_time_before_up + 10 * NSEC_PER_SEC)
		test_fail("vCPU 1's system time %lu, vCPU 0's before up %lu",
			  v1_time, v0_time_before_up);
	smp_wait(vcpu_is_up(1) == 0, "vCPU 1 still up after its function returned");
}

static void v1_down_self(void)
{
	WRITE_ONCE(v1_phase, V1_DOWN_SELF);
	ASSERT_EQ(vcpu_up(1), 0);
	smp_wait(READ_ONCE(v1_stage) >= 1, "vCPU 1 did not reach its VCPUOP_down");
	smp_wait(vcpu_is_up(1) == 0, "vCPU 1 still up after VCPUOP_down on itself");
	EXPECT_EQ(runstate_of(1), RUNSTATE_offline);
	for (int i = 0; i < 50; i++)
		smp_yield();
	EXPECT_EQ(v1_stage, 1);		/* down: it has not returned */
	ASSERT_EQ(vcpu_up(1), 0);
	/*
	 * Up, unless it already ran to its end on another CPU and downed
	 * itself again (with guests on several CPUs it may).
	 */
	EXPECT_EQ(vcpu_is_up(1) == 1 || READ_ONCE(v1_stage) == 2, 1);
	smp_wait(READ_ONCE(v1_stage) == 2, "vCPU 1, up again, did not return from its down");
	EXPECT_EQ(v1_down_rc, 0);
	EXPECT_EQ(smp_entered[1], 1);	/* resumed, not restarted */
	smp_wait(vcpu_is_up(1) == 0, "vCPU 1 still up after its function returned");
}

static void v1_down_other(void)
{
	u64 c;

	WRITE_ONCE(v1_phase, V1_COUNT);
	ASSERT_EQ(vcpu_up(1), 0);
	smp_wait(READ_ONCE(v1_count) >= 10, "vCPU 1 does not count");
	EXPECT_EQ(vcpu_down(1), 0);
	EXPECT_EQ(vcpu_is_up(1), 0);
	/*
	 * Xen stops another vCPU without waiting (vcpu_sleep_nosync): on
	 * another physical CPU it may run on briefly. Offline, it may not.
	 */
	smp_wait(runstate_of(1) == RUNSTATE_offline, "vCPU 1, down, never went offline");
	c = READ_ONCE(v1_count);
	for (int i = 0; i < 50; i++)
		smp_yield();
	if (READ_ONCE(v1_count) != c)
		test_fail("vCPU 1 counted from %lu to %lu while down", c, v1_count);
	ASSERT_EQ(vcpu_up(1), 0);
	smp_wait(READ_ONCE(v1_count) > c + 10, "vCPU 1, up again, does not count");
	WRITE_ONCE(v1_stop, 1);
	smp_wait(vcpu_is_up(1) == 0, "vCPU 1 still up after its function returned");
}

static void full(void)
{
	traps_init();
	smp_init();
	check_counts(4);
	vcpu_context_fill(&ctx, 1, v1_main, NULL);
	EXPECT_EQ(vcpu_initialise(0, &ctx), -XEN_EEXIST);
	EXPECT_EQ(vcpu_up(2), -XEN_EINVAL);
	EXPECT_EQ(vcpu_is_up(2), 0);
	bad_contexts();
	v1_start_and_run();
	v1_down_self();
	v1_down_other();
	EXPECT_EQ(vcpu_is_up(2), 0);	/* never initialised, never up */

	/* The end: every vCPU down is a domain shut down. */
	WRITE_ONCE(v1_phase, V1_LAST);
	ASSERT_EQ(vcpu_up(1), 0);
	test_report();
	vcpu_down(0);
	printk("vcpu_up: VCPUOP_down of vCPU 0 returned, nobody brought it up\n");
	asm volatile("ud2");
}

void test_main(const struct start_info *si)
{
	char role[16] = "full";

	(void)si;
	cmdline_get("role", role, sizeof(role));
	if (!strcmp(role, "full")) {
		full();
	} else if (!strcmp(role, "count")) {
		check_counts((unsigned int)cmdline_u64("n", 0));
	} else {
		test_error("role=%s: full or count", role);
	}
}
