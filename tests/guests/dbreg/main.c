/*
 * dbreg: a guest's hardware breakpoints fire for it, with Xen's DR6, and
 * for nobody else; they can never be put on the hypervisor.
 *
 * A PV guest sets DR0-3 and DR7 with set_debugreg or an emulated mov to
 * %drN; the hypervisor loads them into the CPU while that vCPU runs and
 * delivers the resulting #DB to the guest's handler, DR6 saying why
 * (pv/debugreg.c). Domain "a" checks:
 *
 *	- a write breakpoint (DR0, L0, 8 bytes) fires after the write, not on
 *	  a read; a read/write one on both; DR6 then reads B0 (0xffff0ff1) and
 *	  keeps it until the guest clears it (sticky, as on bare metal);
 *	- a single step (TF set by the iret of a #UD handler) is a #DB one
 *	  instruction later with DR6.BS;
 *	- a breakpoint on a hypervisor address is refused (-EPERM) and the
 *	  register keeps its value;
 *	- a breakpoint on a buffer the hypervisor reads or writes for a
 *	  hypercall (console_io, xen_version) fires inside the hypervisor: the
 *	  hypercall still works and the guest sees no #DB (Xen 4.17); run
 *	  checks the hypervisor's "#DB in hypervisor context" line;
 *	- a #DB whose bounce frame the hypervisor writes onto a watched stack
 *	  slot: the second #DB, inside the hypervisor, must not disturb the
 *	  first (the frame left the #DB stack first): one #DB arrives, DR6.B0;
 *	- its breakpoint stays armed across switches to domain "b" and back.
 * Domain "b" runs the same image: it writes the same virtual address
 * that a watches, between yields, and must never see a #DB of a's; a
 * single step of its own, meanwhile, must show only BS in its DR6, not
 * the B0|BT that a leaves in its DR6 (and so in the CPU's) while it waits
 * (QEMU, like some CPUs, clears B0-B3 on a single step; BT it keeps).
 */
#include "guest.h"
#include "traps.h"
#include "pvabi/version.h"

const char test_title[] = "hardware breakpoints: armed, delivered, isolated";

#define DR6_DEFAULT	0xffff0ff0UL
#define DR6_B0		(1UL << 0)
#define DR6_BS		(1UL << 14)
#define DR6_BT		(1UL << 15)
#define DR7_DEFAULT	0x400UL
#define DR7_L(n)	(1UL << (2 * (n)))
#define DR7_W(n)	(1UL << (16 + 4 * (n)))		/* R/W 01: writes */
#define DR7_RW(n)	(3UL << (16 + 4 * (n)))		/* R/W 11: reads and writes */
#define DR7_LEN8(n)	(2UL << (18 + 4 * (n)))

static volatile u64 watched;		/* at the same address in a and b */
static u8 alt_stack[8192] __aligned(16);
static char buf[64] __aligned(8);

/*
 * #DB handler: record it like the default one (resuming where it points,
 * if the test did not say: a single step), then disarm (see nested()).
 */
static volatile u64 db_dr6;
static void db_handler(struct trap_frame *f)
{
	db_dr6 = (u64)HYPERVISOR_get_debugreg(6);
	if (!trap_resume_rip && (f->rflags & RFLAGS_TF))
		trap_resume_rip = f->rip;
	trap_default_handler(f);
	f->rflags &= ~RFLAGS_TF;
	HYPERVISOR_set_debugreg(7, DR7_DEFAULT);
}

static void arm_dr6(u64 dr7, u64 dr6)
{
	ASSERT_EQ(HYPERVISOR_set_debugreg(6, dr6), 0);
	ASSERT_EQ(HYPERVISOR_set_debugreg(0, (u64)&watched), 0);
	ASSERT_EQ(HYPERVISOR_set_debugreg(7, dr7), 0);
}

static void arm(u64 dr7)
{
	arm_dr6(dr7, DR6_DEFAULT);
}

/* Write (or read) watched; the #DB it raises resumes after the access. */
static u64 write_watched(void)
{
	u64 after;

	trap_record_reset();
	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "movq $1f, trap_resume_rip(%%rip)\n\t"
		     "movq $7, %1\n"
		     "1:" : "=&r"(after), "=m"(watched) : : "memory");
	trap_resume_rip = 0;
	return after;
}

static void read_watched(void)
{
	u64 v;

	trap_record_reset();
	asm volatile("movq $1f, trap_resume_rip(%%rip)\n\t"
		     "movq %1, %0\n"
		     "1:" : "=r"(v) : "m"(watched) : "memory");
	trap_resume_rip = 0;
}

static void data_breakpoints(void)
{
	u64 after;

	arm(DR7_L(0) | DR7_W(0) | DR7_LEN8(0));
	after = write_watched();
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 1);
	EXPECT_EQ(trap_last.rip, after);	/* a trap: after the write */
	EXPECT_EQ(db_dr6 & 0xffffffffUL, DR6_DEFAULT | DR6_B0);
	/* The handler disarmed it: arm again, a read does not fire ... */
	arm(DR7_L(0) | DR7_W(0) | DR7_LEN8(0));
	read_watched();
	EXPECT_EQ(trap_count, 0);
	/* ... but does for a read/write breakpoint. */
	arm(DR7_L(0) | DR7_RW(0) | DR7_LEN8(0));
	read_watched();
	EXPECT_EQ(trap_count, 1);
	EXPECT(db_dr6 & DR6_B0);
	/* Sticky: B0 stays until the guest clears it. */
	EXPECT_EQ(HYPERVISOR_get_debugreg(6), (long)(DR6_DEFAULT | DR6_B0));
	ASSERT_EQ(HYPERVISOR_set_debugreg(6, DR6_DEFAULT), 0);
	EXPECT_EQ(HYPERVISOR_get_debugreg(6), (long)DR6_DEFAULT);
}

/* #UD handler: resume with TF set, so the next instruction single-steps. */
static void ud_set_tf(struct trap_frame *f)
{
	trap_default_handler(f);
	f->rflags |= RFLAGS_TF;
}

/* One single step, as single_step() checks it; returns DR6 then. */
static u64 step_once(void)
{
	trap_set_handler(6, ud_set_tf);
	trap_record_reset();
	db_dr6 = 0;
	asm volatile("movq $1f, trap_resume_rip(%%rip)\n\t"
		     "ud2\n"
		     "1:\tnop" : : : "memory");
	trap_set_handler(6, NULL);
	ASSERT_EQ(HYPERVISOR_set_debugreg(6, DR6_DEFAULT), 0);
	return db_dr6;
}

static void single_step(void)
{
	u64 nop_end;

	trap_set_handler(6, ud_set_tf);
	trap_record_reset();
	db_dr6 = 0;
	asm volatile("movq $1f, trap_resume_rip(%%rip)\n\t"
		     "ud2\n"
		     "1:\tnop\n"
		     "2:\n\t"
		     "leaq 2b(%%rip), %0" : "=r"(nop_end) : : "memory");
	trap_set_handler(6, NULL);
	EXPECT_EQ(trap_count, 2);		/* the #UD, then the #DB */
	EXPECT_EQ(trap_last.vector, 1);
	EXPECT_EQ(trap_last.rip, nop_end);	/* after one instruction */
	EXPECT(db_dr6 & DR6_BS);
	EXPECT(!(db_dr6 & DR6_B0));
	ASSERT_EQ(HYPERVISOR_set_debugreg(6, DR6_DEFAULT), 0);
}

static void hypervisor_addresses(void)
{
	static const u64 bad[] = {
		0xffff800000000000UL,	/* the M2P: the hypervisor's range */
		0xffff830000100000UL,	/* its image */
		0xffff87fffffffff8UL,	/* the last word of its range */
		0x0000800000000000UL,	/* not canonical */
	};

	ASSERT_EQ(HYPERVISOR_set_debugreg(1, (u64)&watched), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(HYPERVISOR_set_debugreg(1, bad[i]), -XEN_EPERM);
		EXPECT_EQ(HYPERVISOR_get_debugreg(1), (long)(u64)&watched);
	}
	/* The first guest address above the hypervisor's range is fine. */
	EXPECT_EQ(HYPERVISOR_set_debugreg(1, 0xffff880000000000UL), 0);
	EXPECT_EQ(HYPERVISOR_set_debugreg(1, 0), 0);
}

/* The hypervisor touching a watched buffer: no #DB for the guest. */
static void in_hypervisor(void)
{
	ASSERT_EQ(HYPERVISOR_set_debugreg(6, DR6_DEFAULT), 0);
	ASSERT_EQ(HYPERVISOR_set_debugreg(0, (u64)buf), 0);
	memcpy(buf, "dbreg: console_io reads a watched buffer\n", 42);
	ASSERT_EQ(HYPERVISOR_set_debugreg(7, DR7_L(0) | DR7_RW(0) | DR7_LEN8(0)), 0);
	trap_record_reset();
	EXPECT_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 41, buf), 0);
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_extraversion, buf), 0);
	EXPECT_EQ(trap_count, 0);
	ASSERT_EQ(HYPERVISOR_set_debugreg(7, DR7_DEFAULT), 0);
	EXPECT_EQ(buf[0], '-');			/* "-pvisor..." arrived */
	EXPECT_EQ(HYPERVISOR_get_debugreg(6), (long)DR6_DEFAULT);
}

/*
 * A #DB (DR0: a write of watched) whose bounce frame lands on a watched
 * slot (DR1: the top word of the alternative stack, where the frame's ss
 * goes): the hypervisor's write of it raises a second #DB inside the
 * hypervisor while it handles the first.
 */
static void nested(void)
{
	u64 top = (u64)alt_stack + sizeof(alt_stack);

	ASSERT_EQ(HYPERVISOR_set_debugreg(1, top - 8), 0);
	arm(DR7_L(0) | DR7_W(0) | DR7_LEN8(0) | DR7_L(1) | DR7_W(1) | DR7_LEN8(1));
	trap_record_reset();
	asm volatile("movq %%rsp, %%r12\n\t"
		     "movq %1, %%rsp\n\t"
		     "movq $1f, trap_resume_rip(%%rip)\n\t"
		     "movq $9, %0\n"
		     "1:\tmovq %%r12, %%rsp"
		     : "=m"(watched) : "r"(top) : "r12", "memory");
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 1);
	EXPECT_EQ(trap_last.rsp, top);
	EXPECT(db_dr6 & DR6_B0);
	EXPECT(!(db_dr6 & (1UL << 1)));		/* the hypervisor's hit is not ours */
	EXPECT_EQ(watched, 9);
	ASSERT_EQ(HYPERVISOR_set_debugreg(1, 0), 0);
}

/*
 * b writes watched between yields while a's breakpoint on it is armed,
 * and a's DR6 holds B0 and BT (stale status, as a guest may leave it).
 */
static void across_switches(void)
{
	arm_dr6(DR7_L(0) | DR7_W(0) | DR7_LEN8(0), DR6_DEFAULT | DR6_B0 | DR6_BT);
	for (int i = 0; i < 50; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	EXPECT_EQ(HYPERVISOR_get_debugreg(6), (long)(DR6_DEFAULT | DR6_B0 | DR6_BT));
	ASSERT_EQ(HYPERVISOR_set_debugreg(6, DR6_DEFAULT), 0);
	write_watched();			/* still armed when we run again */
	EXPECT_EQ(trap_count, 1);
	EXPECT(db_dr6 & DR6_B0);
}

static void neighbour(void)
{
	trap_set_handler(1, db_handler);
	for (int i = 0; i < 50; i++) {
		watched = (u64)i;		/* an unexpected #DB fails the test */
		if (i == 25)
			EXPECT_EQ(step_once() & 0xffffffffUL, DR6_DEFAULT | DR6_BS);
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	EXPECT_EQ(HYPERVISOR_get_debugreg(7), (long)DR7_DEFAULT);
	EXPECT_EQ(HYPERVISOR_get_debugreg(0), 0);
}

void test_main(const struct start_info *si)
{
	char role[8] = "a";

	(void)si;
	traps_init();
	cmdline_get("role", role, sizeof(role));
	if (strcmp(role, "b") == 0) {
		neighbour();
		return;
	}
	trap_set_handler(1, db_handler);
	across_switches();
	data_breakpoints();
	single_step();
	hypervisor_addresses();
	in_hypervisor();
	nested();
}
