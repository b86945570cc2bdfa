/*
 * syscall_user: a program in guest user mode makes system calls that
 * reach the guest kernel's syscall callback, and returns to user mode
 * with the iret hypercall, with the values and registers right; its
 * exceptions and events reach the kernel too.
 *
 * Guest kernel and guest user both run in ring 3; only the hypervisor
 * knows which is which (docs/pv-mechanisms.md §1, §6, §7). A `syscall`
 * from user mode is not a hypercall: the hypervisor switches to the
 * kernel's context (its L4, its GS base, the stack_switch stack) and
 * bounces into CALLBACKTYPE_syscall with a frame whose rcx/r11 slots hold
 * the user's return RIP and RFLAGS, CS keeping RPL 3; the kernel returns
 * with iret to a CS with RPL 3, which switches back to the user L4 and GS
 * base. With VGCF_in_syscall Xen leaves by SYSRET, so the user finds rcx
 * = its return RIP and r11 = its RFLAGS; without it, rcx and r11 come
 * from the iret frame.
 *
 * The user address space: a user L4 of spare frames, a copy of the
 * kernel's (so the test's code and data are there) plus slot 1
 * (0x0000008000000000) leading to a page only it maps, with a magic
 * number; pinned, then MMUEXT_NEW_USER_BASEPTR. The kernel enters user
 * mode with user.S:user_run (iret, CS = 0xe033) and the user program
 * (user_main, plain C in user mode that never makes a hypercall) ends
 * with an exit system call, whose handler resumes the kernel where
 * user_run was called (iret to CS with RPL 0: stays in kernel mode).
 *
 * Checked, by the kernel's handlers and by the user program (which only
 * writes what it saw to memory; the kernel judges after):
 *	- a system call's number and six arguments arrive, the result comes
 *	  back in rax, rbx/rbp/r12-r15 and rsp are kept, and the flags the
 *	  user set (CF, DF) are in the frame and back after the return, while
 *	  the handler runs with DF clear;
 *	- the frame: rcx = user RIP after the syscall = frame RIP, r11 = user
 *	  RFLAGS = frame RFLAGS, CS 0xe033, SS 0xe02b, RSP the user's, the
 *	  saved mask 0 (events on in user mode), the frame 16-byte aligned at
 *	  the top of the stack_switch stack, and events masked on entry iff
 *	  the callback was registered with CALLBACKF_mask_events;
 *	- VGCF_in_syscall: rcx/r11 as SYSRET leaves them; flags 0: rcx/r11
 *	  from the iret frame (the handler puts values of its own there);
 *	- the kernel handler runs in kernel mode (a hypercall works) with the
 *	  kernel GS base, the user with the user GS base (%gs:0 differs);
 *	- only the user L4 maps 0x0000008000000000: the user reads the magic;
 *	- user-mode exceptions reach the kernel with CS 0xe033 and the user
 *	  RSP: rdmsr is #GP(0) (no emulation for user mode), a write to an
 *	  unmapped page #PF with error code U|W (6), int3 #BP, int $0x80 with
 *	  DPL 3 is delivered, with DPL 1 it is #GP(0x80*8+2 = 0x402);
 *	- a VIRQ_TIMER event arriving while the user program spins enters the
 *	  event callback with CS 0xe033 and returns to user mode;
 *	- before the kernel registers a syscall callback, a user syscall is
 *	  #UD at the syscall instruction (Xen's rule);
 *	- back in kernel mode after the exit: hypercalls work, the kernel GS
 *	  base is the kernel's.
 *
 * no_user_l4.list boots it once more with "no_user_l4": an iret to user
 * mode before any MMUEXT_NEW_USER_BASEPTR must crash that domain (as
 * Xen does), reported by the hypervisor.
 *
 * In fast mode (guest kernel in ring 1) the same checks run with what
 * that mode changes: there is no user L4, the kernel's maps slot 1 (with
 * U set: the hypervisor no longer adds it), and ring 3 never reaches the
 * upper half, so the user program runs in the image's alias in the lower
 * half (common/memory.h: this file is compiled position-independent, the
 * kernel hands user mode user_va() of its stack, entry points and user GS
 * area); the frames' user RSPs are the alias's. The kernel handler's own
 * frames are unchanged: the user's selectors 0xe033/0xe02b.
 */
#include "guest.h"
#include "events.h"
#include "mmu.h"
#include "traps.h"
#include "user.h"
#include "pvabi/callback.h"

const char test_title[] = "user-mode system calls through the syscall callback";

#define USER_VA		0x0000008000000000UL	/* L4 slot 1: only in the user L4 */
#define MAGIC		0x05e5c0de0000beefUL
#define MSR_GS_BASE	0xc0000101

#define SYS_SUM		1	/* return the sum of the six arguments; VGCF_in_syscall */
#define SYS_SUM_IRET	2	/* the same, iret flags 0 and rcx/r11 of our own */
#define SYS_GS		3	/* return %gs:0 as the kernel sees it */
#define SYS_EXIT	60	/* back to the kernel, at user_return */

#define RCX_OF_OUR_OWN	0x00000000c0c0c0c0UL
#define R11_OF_OUR_OWN	(0x202UL | RFLAGS_CF)

struct probe probe;
u64 user_kernel_rsp;

static u8 kstack[16384] __aligned(16);
static u8 ustack[16384] __aligned(16);
static u64 kernel_gs_area[2] = { 0x6b6b6b6b00000001UL, 0 };
static u64 user_gs_area[2] = { 0x7575757500000002UL, 0 };
static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

/* ---- what the kernel saw -------------------------------------------- */

struct seen_call {
	struct trap_frame f;
	struct trap_regs regs;
	long hypercall;		/* xen_version from the handler */
	u64 gs0;		/* %gs:0 in the handler */
};
static struct seen_call calls[8];
static int nr_calls;
static bool in_syscall_flags = true;	/* for SYS_SUM */

/* Make the iret resume the kernel at user_return, user_run returning code. */
static void exit_to_kernel(struct trap_frame *f, u64 code)
{
	f->regs->rax = code;
	f->rip = (u64)user_return;
	f->cs = KERNEL_CS_FRAME;	/* RPL 0: stay in kernel mode */
	f->ss = KERNEL_SS;
	f->rsp = user_kernel_rsp;
	f->rflags = 0x2;		/* IF 0: events masked again */
	f->iret_flags = 0;
}

/* int $0x82 (DPL 3): the way out of user mode without a system call. */
static void int82_handler(struct trap_frame *f)
{
	exit_to_kernel(f, f->regs->rdi);
}

static void syscall_handler(struct trap_frame *f)
{
	struct seen_call *c = &calls[nr_calls < 8 ? nr_calls : 7];
	struct trap_regs *r = f->regs;

	nr_calls++;
	c->f = *f;
	c->f.regs = NULL;
	c->regs = *r;
	c->hypercall = HYPERVISOR_xen_version(XENVER_version, NULL);
	asm volatile("movq %%gs:0, %0" : "=r"(c->gs0));
	switch (r->rax) {
	case SYS_SUM:
		r->rax = r->rdi + r->rsi + r->rdx + r->r10 + r->r8 + r->r9;
		f->iret_flags = in_syscall_flags ? VGCF_in_syscall : 0;
		break;
	case SYS_SUM_IRET:
		r->rax = r->rdi + r->rsi + r->rdx + r->r10 + r->r8 + r->r9;
		r->rcx = RCX_OF_OUR_OWN;
		r->r11 = R11_OF_OUR_OWN;
		f->iret_flags = 0;
		break;
	case SYS_GS:
		r->rax = c->gs0;
		f->iret_flags = VGCF_in_syscall;
		break;
	case SYS_EXIT:
		exit_to_kernel(f, r->rdi);
		break;
	default:
		r->rax = (u64)-XEN_ENOSYS;
		f->iret_flags = VGCF_in_syscall;
		break;
	}
}

/* VIRQ_TIMER while the user program spins. */
static volatile u64 timer_hits;
static struct trap_frame timer_frame;

static void timer_handler(evtchn_port_t port, struct trap_frame *f)
{
	(void)port;
	timer_frame = *f;
	timer_frame.regs = NULL;
	timer_hits++;
}

/* ---- the user program (guest user mode: no hypercalls here) --------- */

struct user_seen {
	struct probe sum, sum_iret, gs;
	u64 magic;
	u64 gs0;
	struct trap_frame gp, pf, bp, int80, int80_dpl1;
	u64 gp_at, pf_at, bp_at, int80_at, int80_dpl1_at;
	u64 gp_count, pf_count, bp_count, int80_count, int80_dpl1_count;
	u64 spins;
	u64 timer_hits;
};
static struct user_seen us;

static void user_call(struct probe *out, u64 nr, u64 rflags)
{
	probe.nr = nr;
	for (int i = 0; i < 6; i++)
		probe.args[i] = (u64)(i + 1) << (8 * i);
	probe.rflags_in = rflags;
	user_probe();
	*out = probe;
}

#define USER_TRAP(count, frame, insn, ...)				\
	({								\
		u64 _before = trap_count, _at;				\
		_at = TRAP_EXPECT(insn, ##__VA_ARGS__);			\
		count = trap_count - _before;				\
		frame = trap_last;					\
		_at;							\
	})

static void user_main(void)
{
	u64 end;

	user_call(&us.sum, SYS_SUM, 0x202 | RFLAGS_CF | RFLAGS_DF);
	user_call(&us.sum_iret, SYS_SUM_IRET, 0x202);
	user_call(&us.gs, SYS_GS, 0x202);
	us.magic = *(volatile u64 *)USER_VA;
	asm volatile("movq %%gs:0, %0" : "=r"(us.gs0));

	us.gp_at = USER_TRAP(us.gp_count, us.gp, "rdmsr", "c"(MSR_GS_BASE));
	us.pf_at = USER_TRAP(us.pf_count, us.pf, "movq %%rax, 0x2000");
	us.bp_at = USER_TRAP(us.bp_count, us.bp, "int3");
	us.int80_at = USER_TRAP(us.int80_count, us.int80, "int $0x80");
	us.int80_dpl1_at = USER_TRAP(us.int80_dpl1_count, us.int80_dpl1, "int $0x81");

	/* Spin until the kernel's timer event came (at most 2 s of TSC). */
	end = rdtsc() + 2UL * 4000000000UL;
	while (!timer_hits && rdtsc() < end)
		us.spins++;
	us.timer_hits = timer_hits;

	asm volatile("syscall" : : "a"(SYS_EXIT), "D"(42UL) : "rcx", "r11", "memory");
	for (;;)
		;	/* never: the exit does not return here */
}

/* Before any syscall callback: a user syscall is #UD at the instruction. */
static struct {
	u64 at, count;
	struct trap_frame f;
} ud;

static void user_main_no_callback(void)
{
	u64 before = trap_count;

	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "movq $2f, trap_resume_rip(%%rip)\n"
		     "1: syscall\n"
		     "2:"
		     : "=&r"(ud.at) : "a"(SYS_SUM) : "rcx", "r11", "memory");
	ud.count = trap_count - before;
	ud.f = trap_last;
	asm volatile("int $0x82" : : "D"(5UL) : "memory");
	for (;;)
		;
}

/* The second run's program: one call, then exit(7). */
static void user_main_short(void)
{
	user_call(&us.sum, SYS_SUM, 0x202);
	asm volatile("syscall" : : "a"(SYS_EXIT), "D"(7UL) : "rcx", "r11", "memory");
	for (;;)
		;
}

/* ---- the address space ------------------------------------------------ */

static void fill(u64 mfn, const u64 *src, unsigned slot, u64 val)
{
	frame_fill_table(window, mfn, src, slot, val);
}

static void user_address_space(const struct start_info *si)
{
	u64 l4 = spare_mfn(0, NULL), l3 = spare_mfn(1, NULL);
	u64 l2 = spare_mfn(2, NULL), l1 = spare_mfn(3, NULL), data = spare_mfn(4, NULL);
	u64 table = PTE_P | PTE_RW | PTE_US | PTE_A;

	fill(data, NULL, 0, MAGIC);
	if (guest_fast_mode()) {	/* one L4: the kernel's, U set by us */
		fill(l1, NULL, 0, (data << 12) | table | PTE_D);
		fill(l2, NULL, 0, (l1 << 12) | table);
		fill(l3, NULL, 0, (l2 << 12) | table);
		ASSERT_EQ(mmu1((virt_to_mfn((const void *)si->pt_base) << 12) | 8,
			       (l3 << 12) | table), 0);
		user_alias_map(5);
		return;
	}
	fill(l1, NULL, 0, (data << 12) | PTE_P | PTE_RW | PTE_A | PTE_D);
	fill(l2, NULL, 0, (l1 << 12) | PTE_P | PTE_RW | PTE_A);
	fill(l3, NULL, 0, (l2 << 12) | PTE_P | PTE_RW | PTE_A);
	fill(l4, (const u64 *)si->pt_base, 1, (l3 << 12) | PTE_P | PTE_RW | PTE_A);
	ASSERT_EQ(pin(4, l4), 0);
	ASSERT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, l4, 0), 0);
}

/* ---- the kernel's judgement ------------------------------------------- */

#define SEEN_EQ(what, actual, expected)					\
	do {								\
		u64 _a = (u64)(actual), _e = (u64)(expected);		\
		if (_a != _e)						\
			test_fail("%s: %s is %#lx, expected %#lx", what,	\
				  #actual, _a, _e);			\
	} while (0)

static void check_call(const char *what, const struct seen_call *c,
		       const struct probe *p, u64 nr, bool masked)
{
	const struct trap_frame *f = &c->f;
	u64 kernel_sp = (u64)kstack + sizeof(kstack);

	SEEN_EQ(what, f->vector, TRAP_SYSCALL);
	SEEN_EQ(what, c->regs.rax, nr);
	for (int i = 0; i < 6; i++) {
		const u64 *args[6] = { &c->regs.rdi, &c->regs.rsi, &c->regs.rdx,
				       &c->regs.r10, &c->regs.r8, &c->regs.r9 };

		if (*args[i] != p->args[i])
			test_fail("%s: argument %d is %#lx, expected %#lx", what,
				  i, *args[i], p->args[i]);
	}
	SEEN_EQ(what, c->regs.rcx, p->rip);	/* the frame's rcx slot */
	SEEN_EQ(what, f->rip, p->rip);
	SEEN_EQ(what, c->regs.r11, f->rflags);
	SEEN_EQ(what, f->rflags & (RFLAGS_CF | RFLAGS_DF), p->rflags_in & (RFLAGS_CF | RFLAGS_DF));
	SEEN_EQ(what, f->entry_rflags & (RFLAGS_DF | RFLAGS_TF | RFLAGS_AC), 0);
	SEEN_EQ(what, f->cs, FLAT_USER_CS);
	SEEN_EQ(what, f->ss, FLAT_USER_SS);
	SEEN_EQ(what, f->rsp, p->rsp_before);
	SEEN_EQ(what, f->saved_mask, 0);
	SEEN_EQ(what, !!(f->rflags & RFLAGS_IF), 1);
	SEEN_EQ(what, f->entry_mask, masked);
	SEEN_EQ(what, f->frame, (kernel_sp & ~15UL) - 7 * 8);
	SEEN_EQ(what, c->hypercall, HYPERVISOR_xen_version(XENVER_version, NULL));
	SEEN_EQ(what, c->gs0, kernel_gs_area[0]);
	/* What the user found after the return. */
	SEEN_EQ(what, p->rsp_after, p->rsp_before);
	SEEN_EQ(what, p->kept[0], KEPT_RBX);
	SEEN_EQ(what, p->kept[1], KEPT_RBP);
	SEEN_EQ(what, p->kept[2], KEPT_R12);
	SEEN_EQ(what, p->kept[3], KEPT_R13);
	SEEN_EQ(what, p->kept[4], KEPT_R14);
	SEEN_EQ(what, p->kept[5], KEPT_R15);
	SEEN_EQ(what, p->rflags_out & (RFLAGS_CF | RFLAGS_DF), p->rflags_in & (RFLAGS_CF | RFLAGS_DF));
}

static u64 sum_of(const struct probe *p)
{
	u64 s = 0;

	for (int i = 0; i < 6; i++)
		s += p->args[i];
	return s;
}

static void check_user_trap(const char *what, u64 count, const struct trap_frame *f,
			    unsigned vector, u64 err, u64 rip)
{
	u64 kernel_sp = (u64)kstack + sizeof(kstack);

	if (count != 1) {
		test_fail("%s: %lu exceptions, expected 1", what, count);
		return;
	}
	SEEN_EQ(what, f->vector, vector);
	SEEN_EQ(what, f->error_code, err);
	SEEN_EQ(what, f->rip, rip);
	SEEN_EQ(what, f->cs, FLAT_USER_CS);
	SEEN_EQ(what, f->ss, FLAT_USER_SS);
	SEEN_EQ(what, f->rsp >= user_va(ustack) && f->rsp <= user_va(ustack) + sizeof(ustack), 1);
	SEEN_EQ(what, f->frame, (kernel_sp & ~15UL) - (f->has_error_code ? 8 : 7) * 8);
}

static void judge(long rc)
{
	const struct probe *p;

	EXPECT_EQ(rc, 42);
	EXPECT_EQ(nr_calls, 4);

	p = &us.sum;
	check_call("SYS_SUM (VGCF_in_syscall)", &calls[0], p, SYS_SUM, true);
	SEEN_EQ("SYS_SUM", p->ret, sum_of(p));
	/* VGCF_in_syscall: Xen returns by SYSRET, rcx = RIP and r11 = RFLAGS. */
	SEEN_EQ("SYS_SUM (VGCF_in_syscall)", p->rcx, p->rip);
	SEEN_EQ("SYS_SUM (VGCF_in_syscall)", p->r11 & 0x3f7fd5, p->rflags_out & 0x3f7fd5);

	p = &us.sum_iret;
	check_call("SYS_SUM_IRET (flags 0)", &calls[1], p, SYS_SUM_IRET, true);
	SEEN_EQ("SYS_SUM_IRET", p->ret, sum_of(p));
	SEEN_EQ("SYS_SUM_IRET (flags 0)", p->rcx, RCX_OF_OUR_OWN);
	SEEN_EQ("SYS_SUM_IRET (flags 0)", p->r11, R11_OF_OUR_OWN);

	p = &us.gs;
	check_call("SYS_GS", &calls[2], p, SYS_GS, true);
	SEEN_EQ("SYS_GS", p->ret, kernel_gs_area[0]);
	SEEN_EQ("user %gs:0", us.gs0, user_gs_area[0]);
	SEEN_EQ("user view of USER_VA", us.magic, MAGIC);

	check_user_trap("user rdmsr", us.gp_count, &us.gp, 13, 0, us.gp_at);
	check_user_trap("user write to 0x2000", us.pf_count, &us.pf, 14, 6, us.pf_at);
	SEEN_EQ("user write to 0x2000", us.pf.cr2, 0x2000);
	check_user_trap("user int3", us.bp_count, &us.bp, 3, 0, us.bp_at + 1);
	check_user_trap("user int $0x80 (DPL 3)", us.int80_count, &us.int80, 0x80, 0,
			us.int80_at + 2);
	check_user_trap("user int $0x81 (DPL 1)", us.int80_dpl1_count, &us.int80_dpl1,
			13, 0x81 * 8 + 2, us.int80_dpl1_at);

	if (!us.timer_hits) {
		test_fail("no VIRQ_TIMER while the user program spun (%lu loops)", us.spins);
	} else {
		SEEN_EQ("timer event in user mode", timer_frame.vector, TRAP_EVENT);
		SEEN_EQ("timer event in user mode", timer_frame.cs, FLAT_USER_CS);
		SEEN_EQ("timer event in user mode", timer_frame.saved_mask, 0);
		SEEN_EQ("timer event in user mode", timer_frame.entry_mask, 1);
		SEEN_EQ("timer event in user mode",
			timer_frame.rsp >= user_va(ustack) &&
			timer_frame.rsp <= user_va(ustack) + sizeof(ustack), 1);
	}
}

/* A second run with a callback that leaves events unmasked. */
static void unmasked_callback(void)
{
	long rc;

	ASSERT_EQ(trap_register_callback(CALLBACKTYPE_syscall, 0), 0);
	nr_calls = 0;
	rc = user_run((void (*)(void))user_va(user_main_short), user_va(ustack) + sizeof(ustack), 0x202);
	EXPECT_EQ(rc, 7);
	EXPECT_EQ(nr_calls, 2);
	check_call("SYS_SUM, callback without CALLBACKF_mask_events", &calls[0],
		   &us.sum, SYS_SUM, false);
}

/*
 * no_user_l4.list: an iret to user mode with no user L4 is a broken guest
 * (Xen crashes it); this domain must never get past the iret.
 */
static void no_user_l4(void)
{
	ASSERT_EQ(HYPERVISOR_stack_switch(KERNEL_SS, (u64)kstack + sizeof(kstack)), 0);
	printk("syscall_user: iret to user mode without a user L4\n");
	user_run(user_main_short, (u64)ustack + sizeof(ustack), 0x202);
	test_fail("the iret to user mode without a user L4 came back");
}

void test_main(const struct start_info *si)
{
	long rc;

	traps_init();
	if (cmdline_get("no_user_l4", NULL, 0)) {
		no_user_l4();
		return;
	}
	events_init();
	ASSERT_EQ(trap_register(0x80, TI_DPL(3) | TI_MASK_EVENTS), 0);
	ASSERT_EQ(trap_register(0x81, TI_DPL(1) | TI_MASK_EVENTS), 0);
	trap_set_handler(TRAP_SYSCALL, syscall_handler);
	ASSERT_EQ(HYPERVISOR_stack_switch(KERNEL_SS, (u64)kstack + sizeof(kstack)), 0);
	ASSERT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (u64)kernel_gs_area), 0);
	ASSERT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, user_va(user_gs_area)), 0);
	user_address_space(si);

	/* No syscall callback yet: #UD. */
	ASSERT_EQ(trap_register(0x82, TI_DPL(3) | TI_MASK_EVENTS), 0);
	trap_set_handler(0x82, int82_handler);
	rc = user_run((void (*)(void))user_va(user_main_no_callback),
		      user_va(ustack) + sizeof(ustack), 0x202);
	EXPECT_EQ(rc, 5);
	EXPECT_EQ(nr_calls, 0);
	check_user_trap("user syscall with no callback", ud.count, &ud.f, 6, 0, ud.at);

	ASSERT_EQ(trap_register_callback(CALLBACKTYPE_syscall, CALLBACKF_mask_events), 0);
	ASSERT_EQ(timer_init(), 0);
	evtchn_set_handler(timer_port, timer_handler);
	ASSERT_EQ(timer_set_singleshot(system_time() + 50 * NSEC_PER_MSEC), 0);

	rc = user_run((void (*)(void))user_va(user_main), user_va(ustack) + sizeof(ustack), 0x202);

	/* Back in kernel mode. */
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_version, NULL) > 0, 1);
	{
		u32 lo, hi;

		asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_GS_BASE));
		EXPECT_EQ(((u64)hi << 32) | lo, (u64)kernel_gs_area);
	}
	EXPECT_EQ(vcpu->evtchn_upcall_mask, 1);
	judge(rc);
	unmasked_callback();
	printk("syscall_user: %d system calls, %lu user spins before the timer event\n",
	       nr_calls, us.spins);
}
