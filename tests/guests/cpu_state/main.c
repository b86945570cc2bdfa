/*
 * cpu_state: everything of the CPU a guest can read or reach from ring 3,
 * in guest kernel mode and in guest user mode, checked against what
 * docs/isolation.md ("What a guest sees of the CPU") says it must be.
 *
 * A PV guest runs its kernel and its processes in ring 3, on the real CPU,
 * so every instruction that ring 3 may execute shows it something of the
 * machine: the descriptor-table registers (sgdt, sidt, sldt, str), CR0's low
 * bits (smsw), the TSC and TSC_AUX (rdtsc, rdtscp, rdpid), what lar and lsl
 * say of the hypervisor's selectors, the flags; and every entry into ring 0
 * ring 3 can make goes somewhere: 64-bit syscall and sysenter, int $0x80,
 * and, through the DPL-3 32-bit code segment 0xe023 that every GDT has,
 * syscall, sysenter and int $0x80 from compatibility mode. The answers:
 *
 *	- with UMIP (where the CPU has it; the hypervisor turns it on), sgdt,
 *	  sidt, sldt, str and smsw raise #GP(0) at the instruction, in both
 *	  modes, and store nothing; without it they show the hypervisor's
 *	  fixed values (noumip.list: GDT limit 0xe07f at a hypervisor address,
 *	  IDT limit 0xfff, LDTR 0, TR 0xe040, CR0 0x33);
 *	- rdtsc counts up; rdtscp and rdpid show TSC_AUX 0 (where the CPU has
 *	  them, #UD otherwise); rdpmc is #GP(0), xgetbv and rdfsbase #UD (CR4
 *	  has no PCE, OSXSAVE or FSGSBASE); in the kernel,
 *	  rdmsr of the PAT gives Xen's value, which is the one in force;
 *	- lar/lsl: the hypervisor's ring-0 descriptors (0xe008, 0xe010, 0xe038,
 *	  the TSS 0xe040) are refused, the three flat ring-3 ones read as such;
 *	- the flags show IOPL 0 and IF 1; with AC set, exceptions still reach
 *	  the kernel (with smap=on, the hypervisor checks it cleared AC);
 *	- a 32-bit syscall reaches the syscall32 callback (Xen's frame: CS
 *	  0xe023, 0xe020 from the kernel; RIP and RFLAGS in the rcx/r11 slots;
 *	  DF clear on entry; events masked per the 64-bit syscall callback's
 *	  flag, Xen's quirk), or #UD at the instruction without one, from user
 *	  and kernel mode: never a hypercall, never the domain's end;
 *	- sysenter reaches the sysenter callback with Xen's frame (RIP 0, CS 3
 *	  or 0, RSP 0, SS 0xe02b; the caller's rcx/rdx; events masked per its
 *	  flag; from the kernel at the very top of the address space, which
 *	  this test maps), or #GP(0) with that frame without one, where the CPU
 *	  executes it: QEMU's AMD model in compatibility mode only, #UD in
 *	  64-bit mode (Intel CPUs: both; AMD hardware: neither); with NT set
 *	  (XTF's xsa-339) the callback runs with NT clear, with TF set the
 *	  guest sees no #DB from the hypervisor's entry code;
 *	- int $0x80 from compatibility mode reaches the guest's vector 0x80.
 *
 * attack.list runs the user-mode half (no callbacks, then callbacks) 300
 * times in a domain "attacker" beside a "neighbour" that must PASS too: a
 * process that can far-jump to 0xe023 costs its kernel a fault or a
 * callback, nothing more. smap.list runs the test with smap=on, noumip.list
 * on a CPU without UMIP, intel.list on QEMU's CPU with Intel's vendor
 * string, which executes SYSENTER in 64-bit mode too.
 */
#include "guest.h"
#include "events.h"
#include "mmu.h"
#include "traps.h"
#include "cpu_state.h"
#include "pvabi/callback.h"

const char test_title[] = "the CPU state ring 3 sees, and its ways into ring 0";

#define MSR_PAT		0x277
#define XEN_PAT		0x0000050100070406UL
#define HV_START	0xffff800000000000UL
#define HV_END		0xffff880000000000UL

static u8 kstack[16384] __aligned(16);
static u8 ustack[16384] __aligned(16);
static u8 low_stack[2 * GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 top_pages[2 * GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

/* ---- the hardware, as raw CPUID tells (a PV guest sees the host's) ---- */

static u32 cpuid_reg(u32 leaf, int reg)
{
	u32 r[4];

	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(0));
	return r[reg];
}

static bool hw_umip, hw_rdtscp, hw_rdpid;

static void hardware(void)
{
	u32 max = cpuid_reg(0, 0), max_ext = cpuid_reg(0x80000000, 0);

	hw_umip = max >= 7 && (cpuid_reg(7, 2) & (1u << 2));
	hw_rdpid = max >= 7 && (cpuid_reg(7, 2) & (1u << 22));
	hw_rdtscp = max_ext >= 0x80000001 && (cpuid_reg(0x80000001, 3) & (1u << 27));
}

/* ---- what the kernel's handlers saw ----------------------------------- */

struct seen {
	u64 count;
	struct trap_frame f;
	struct trap_regs regs;
};

static struct seen *volatile cur;	/* the case being run */
static volatile u64 ud_at;		/* a 2-byte syscall/sysenter that may #UD */
static volatile bool case_64;		/* that case runs in 64-bit mode */
static volatile u64 hits[TRAP_NR_ENTRIES];	/* every entry recorded, by vector */

static void record(struct trap_frame *f)
{
	hits[f->vector]++;
	if (!cur) {
		test_fail("unexpected %s at rip %#lx cs %#lx", trap_name(f->vector),
			  f->rip, f->cs);
		test_exit();
	}
	cur->count++;
	cur->f = *f;
	cur->f.regs = NULL;
	cur->regs = *f->regs;
}

/* SYSEXIT's convention, as XTF's xsa-339: rdx is where to go on, rcx the stack. */
static void sysenter_fixup(struct trap_frame *f)
{
	u64 rpl = f->cs & 3;

	f->rip = f->regs->rdx;
	f->rsp = f->regs->rcx;
	f->cs = ((case_64 ? SEL_CS64 : SEL_CS32) & ~3UL) | rpl;
	f->ss = SEL_DS32;
	f->rflags &= ~(RFLAGS_NT | RFLAGS_TF);
}

static void sysenter_handler(struct trap_frame *f)
{
	record(f);
	sysenter_fixup(f);
}

static void syscall_handler(struct trap_frame *f)	/* both SYSCALL callbacks */
{
	record(f);
	f->regs->rax = f->vector == TRAP_SYSCALL32 ? 0x3232 : 0x6464;
	f->iret_flags = 0;	/* rcx and r11 from the frame */
}

/* #GP with RIP 0 and CS 3 or 0 is SYSENTER's without a callback (Xen's). */
static void gp_handler(struct trap_frame *f)
{
	if (f->rip == 0 && (f->cs == 3 || f->cs == 0)) {
		record(f);
		sysenter_fixup(f);
		return;
	}
	trap_default_handler(f);
}

/* #UD at a syscall or sysenter the CPU does not have in this mode. */
static void ud_handler(struct trap_frame *f)
{
	if (ud_at && f->rip == ud_at) {
		record(f);
		f->rip += 2;
		f->rflags &= ~(RFLAGS_NT | RFLAGS_TF);
		return;
	}
	trap_default_handler(f);
}

static void int80_handler(struct trap_frame *f)
{
	record(f);
}

/* int $0x82 (DPL 3): user_exit(code), back to the kernel at user_return. */
static void int82_handler(struct trap_frame *f)
{
	f->regs->rax = f->regs->rdi;
	f->rip = (u64)user_return;
	f->cs = FLAT_KERNEL_CS & ~3;	/* RPL 0: stay in kernel mode */
	f->ss = FLAT_KERNEL_SS;
	f->rsp = user_kernel_rsp;
	f->rflags = 0x2;		/* events masked again */
	f->iret_flags = 0;
}

static long set_callback(unsigned type, u64 address, u16 flags)
{
	struct callback_register cb = {
		.type = (u16)type, .flags = flags, .address = address,
	};

	return HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}

/* Which callbacks are registered (address 0 = none, as Xen takes it). */
#define CB_SYSCALL	1
#define CB_SYSCALL32	2
#define CB_SYSENTER	4
#define CB_ALL		7

/* Callbacks for syscall (64-bit), syscall32 and sysenter, with their flags. */
static void callbacks(unsigned on, u16 flags64, u16 flags32, u16 flags_se)
{
	ASSERT_EQ(set_callback(CALLBACKTYPE_syscall, (on & CB_SYSCALL) ?
			       trap_entry_address(TRAP_SYSCALL) : 0, flags64), 0);
	ASSERT_EQ(set_callback(CALLBACKTYPE_syscall32, (on & CB_SYSCALL32) ?
			       trap_entry_address(TRAP_SYSCALL32) : 0, flags32), 0);
	ASSERT_EQ(set_callback(CALLBACKTYPE_sysenter, (on & CB_SYSENTER) ?
			       trap_entry_address(TRAP_SYSENTER) : 0, flags_se), 0);
}

/* ---- the cases: each runs in kernel or user mode, records only ------- */

struct entries {		/* one run of every way into ring 0 */
	struct seen syscall32, sysenter, sysenter_nt, sysenter_tf, int80;
	struct seen sysenter64, syscall64;
};

static void run_compat(struct seen *s, const char *entry, const char *insn)
{
	memset(s, 0, sizeof(*s));
	cur = s;
	case_64 = false;
	ud_at = insn ? LOW(insn) : 0;
	compat_run(LOW(entry));
	cur = NULL;
	ud_at = 0;
}

static void run_sysenter64(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	cur = s;
	case_64 = true;
	ud_at = (u64)sysenter64_insn;
	sysenter64();
	cur = NULL;
	ud_at = 0;
	case_64 = false;
}

static void run_entries(struct entries *e, bool user)
{
	run_compat(&e->syscall32, c_syscall, c_syscall_insn);
	run_compat(&e->sysenter, c_sysenter, c_sysenter_insn);
	run_compat(&e->sysenter_nt, c_sysenter_nt, c_sysenter_nt_insn);
	run_compat(&e->sysenter_tf, c_sysenter_tf, c_sysenter_tf_insn);
	run_compat(&e->int80, c_int80, NULL);
	run_sysenter64(&e->sysenter64);
	if (user) {		/* from the kernel a 64-bit syscall is a hypercall */
		memset(&e->syscall64, 0, sizeof(e->syscall64));
		cur = &e->syscall64;
		ud_at = (u64)syscall64_insn;
		syscall64();
		cur = NULL;
		ud_at = 0;
	}
}

/* Descriptor-table registers and CR0: #GP(0) under UMIP, values without. */
struct dt_probe {
	u64 at, traps;
	struct trap_frame f;
	u8 buf[16];
};

struct state {
	struct dt_probe sgdt, sidt, sldt, str, smsw;
	struct dt_probe rdtscp, rdpid, rdpmc, xgetbv, rdfsbase, ud_ac, bp_ac;
	u64 tsc[2], tscp_aux, pid, rflags;
	u64 lar_ok[7], lar[7], lsl_ds;
	u64 cs;
};

static const u16 lar_sels[7] = { 0xe008, 0xe010, 0xe038, 0xe040, SEL_CS32,
				 SEL_DS32, SEL_CS64 };

#define PROBE(p, insn, ...)						\
	do {								\
		u64 _before = trap_count;				\
		memset((p)->buf, 0xa5, sizeof((p)->buf));		\
		(p)->at = TRAP_EXPECT(insn, __VA_ARGS__);		\
		trap_resume_rip = 0;					\
		(p)->traps = trap_count - _before;			\
		(p)->f = trap_last;					\
	} while (0)

/* The same for an instruction that writes rax, rdx and rcx when it runs. */
#define PROBE_REGS(p, insn)						\
	do {								\
		u64 _before = trap_count, _c = 0;			\
		asm volatile("leaq 800f(%%rip), %0\n\t"			\
			     "movq $801f, trap_resume_rip(%%rip)\n"	\
			     "800:\n\t" insn "\n801:"			\
			     : "=&r"((p)->at), "+c"(_c)			\
			     : : "rax", "rdx", "memory", "cc");		\
		trap_resume_rip = 0;					\
		(p)->traps = trap_count - _before;			\
		(p)->f = trap_last;					\
	} while (0)

static void read_state(struct state *s)
{
	u32 lo, hi, aux;

	memset(s, 0, sizeof(*s));
	PROBE(&s->sgdt, "sgdt %1", "m"(s->sgdt.buf));
	PROBE(&s->sidt, "sidt %1", "m"(s->sidt.buf));
	PROBE(&s->sldt, "sldt %1", "m"(*(u16 *)s->sldt.buf));
	PROBE(&s->str, "str %1", "m"(*(u16 *)s->str.buf));
	PROBE(&s->smsw, "smsw %1", "m"(*(u16 *)s->smsw.buf));

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	s->tsc[0] = ((u64)hi << 32) | lo;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	s->tsc[1] = ((u64)hi << 32) | lo;
	if (hw_rdtscp) {
		aux = 0xa5a5a5a5;
		asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		s->tscp_aux = aux;
	} else {
		PROBE_REGS(&s->rdtscp, "rdtscp");
	}
	if (hw_rdpid) {
		u64 pid = 0xa5a5a5a5;

		asm volatile("rdpid %0" : "=r"(pid));
		s->pid = pid;
	} else {
		PROBE_REGS(&s->rdpid, "rdpid %%rax");
	}
	PROBE_REGS(&s->rdpmc, "rdpmc");
	PROBE_REGS(&s->xgetbv, "xgetbv");
	PROBE_REGS(&s->rdfsbase, "rdfsbase %%rax");

	asm volatile("pushfq; popq %0" : "=r"(s->rflags));
	asm volatile("movq %%cs, %0" : "=r"(s->cs));
	for (int i = 0; i < 7; i++) {
		u32 ar = 0;
		u8 ok;

		asm volatile("lar %w2, %0; setz %1" : "+r"(ar), "=qm"(ok)
			     : "r"((u32)lar_sels[i]) : "cc");
		s->lar_ok[i] = ok;
		s->lar[i] = ar;
	}
	{
		u32 lim = 0;

		asm volatile("lsl %w1, %0" : "+r"(lim) : "r"((u32)SEL_DS32) : "cc");
		s->lsl_ds = lim;
	}

	/* With EFLAGS.AC set: a #UD and a #BP still reach the kernel. */
	asm volatile("pushfq; orq %0, (%%rsp); popfq" : : "i"(RFLAGS_AC) : "cc");
	PROBE(&s->ud_ac, "ud2", "m"(s->ud_ac.buf));
	PROBE(&s->bp_ac, "int3", "m"(s->bp_ac.buf));
	asm volatile("pushfq; andq %0, (%%rsp); popfq" : : "i"(~RFLAGS_AC) : "cc");
}

/* ---- the user program (guest user mode: no hypercalls, no printing) -- */

static struct entries user_nocb, user_a, user_b, user_c;
static struct state user_state;
static struct entries *volatile user_entries;

static void user_main(void)
{
	read_state(&user_state);
	run_entries(user_entries, true);
	user_exit(7);
}

static void user_entries_only(void)
{
	run_entries(user_entries, true);
	user_exit(8);
}

/* ---- the kernel's judgement -------------------------------------------- */

#define SEEN_EQ(what, actual, expected)					\
	do {								\
		u64 _a = (u64)(actual), _e = (u64)(expected);		\
		if (_a != _e)						\
			test_fail("%s: %s is %#lx, expected %#lx", what,	\
				  #actual, _a, _e);			\
	} while (0)

static u64 kstack_frame(bool has_err)
{
	return (((u64)kstack + sizeof(kstack)) & ~15UL) - (has_err ? 8 : 7) * 8;
}

static u64 top_frame(bool has_err)
{
	return 0UL - (has_err ? 8 : 7) * 8;
}

static void check_dt(const char *mode, const char *what, const struct dt_probe *p,
		     unsigned bytes, u64 value)
{
	char name[48];

	hv_snprintf(name, sizeof(name), "%s %s", mode, what);
	if (hw_umip) {
		SEEN_EQ(name, p->traps, 1);
		SEEN_EQ(name, p->f.vector, 13);
		SEEN_EQ(name, p->f.error_code, 0);
		SEEN_EQ(name, p->f.rip, p->at);
		SEEN_EQ(name, p->buf[0], 0xa5);		/* nothing stored */
		return;
	}
	SEEN_EQ(name, p->traps, 0);
	if (bytes == 10) {	/* limit, then a hypervisor address */
		u16 limit;
		u64 base;

		memcpy(&limit, p->buf, 2);
		memcpy(&base, p->buf + 2, 8);
		SEEN_EQ(name, limit, value);
		SEEN_EQ(name, base >= HV_START && base < HV_END, 1);
	} else {
		u16 v;

		memcpy(&v, p->buf, 2);
		SEEN_EQ(name, v, value);
	}
}

static void check_fault(const char *what, const struct dt_probe *p, unsigned vec,
			u64 err)
{
	SEEN_EQ(what, p->traps, 1);
	SEEN_EQ(what, p->f.vector, vec);
	SEEN_EQ(what, p->f.error_code, err);
}

static void check_state(const char *mode, const struct state *s, bool user)
{
	static const u64 lar_want[7] = { 0, 0, 0, 0, 0x00c0fb00, 0x00c0f300,
					 0x00a0fb00 };
	char what[64];

	check_dt(mode, "sgdt", &s->sgdt, 10, 0xe07f);
	check_dt(mode, "sidt", &s->sidt, 10, 0xfff);
	check_dt(mode, "sldt", &s->sldt, 2, 0);
	check_dt(mode, "str", &s->str, 2, 0xe040);
	check_dt(mode, "smsw", &s->smsw, 2, 0x33);

	hv_snprintf(what, sizeof(what), "%s rdtsc", mode);
	SEEN_EQ(what, s->tsc[1] > s->tsc[0], 1);
	hv_snprintf(what, sizeof(what), "%s rdtscp", mode);
	if (hw_rdtscp)
		SEEN_EQ(what, s->tscp_aux, 0);
	else
		check_fault(what, &s->rdtscp, 6, 0);
	hv_snprintf(what, sizeof(what), "%s rdpid", mode);
	if (hw_rdpid)
		SEEN_EQ(what, s->pid, 0);
	else
		check_fault(what, &s->rdpid, 6, 0);
	hv_snprintf(what, sizeof(what), "%s rdpmc", mode);
	check_fault(what, &s->rdpmc, 13, 0);
	hv_snprintf(what, sizeof(what), "%s xgetbv", mode);
	check_fault(what, &s->xgetbv, 6, 0);

	hv_snprintf(what, sizeof(what), "%s rdfsbase", mode);
	check_fault(what, &s->rdfsbase, 6, 0);

	hv_snprintf(what, sizeof(what), "%s rflags", mode);
	SEEN_EQ(what, s->rflags & RFLAGS_IOPL, 0);
	SEEN_EQ(what, s->rflags & RFLAGS_IF, RFLAGS_IF);
	hv_snprintf(what, sizeof(what), "%s cs", mode);
	SEEN_EQ(what, s->cs, SEL_CS64);
	for (int i = 0; i < 7; i++) {
		hv_snprintf(what, sizeof(what), "%s lar %#x", mode, lar_sels[i]);
		SEEN_EQ(what, s->lar_ok[i], lar_want[i] != 0);
		SEEN_EQ(what, s->lar[i], lar_want[i]);
	}
	hv_snprintf(what, sizeof(what), "%s lsl %#x", mode, SEL_DS32);
	SEEN_EQ(what, s->lsl_ds, 0xffffffff);

	hv_snprintf(what, sizeof(what), "%s ud2 with AC set", mode);
	check_fault(what, &s->ud_ac, 6, 0);
	SEEN_EQ(what, s->ud_ac.f.rflags & RFLAGS_AC, RFLAGS_AC);
	SEEN_EQ(what, s->ud_ac.f.cs, user ? FLAT_USER_CS : (FLAT_KERNEL_CS & ~3));
	hv_snprintf(what, sizeof(what), "%s int3 with AC set", mode);
	check_fault(what, &s->bp_ac, 3, 0);
}

/* What the CPU did with a SYSENTER: "callback", "#GP" or "#UD". */
static const char *sysenter_outcome(const struct seen *s)
{
	if (s->count != 1)
		return "nothing";
	return s->f.vector == TRAP_SYSENTER ? "callback" :
	       s->f.vector == 13 ? "#GP" : s->f.vector == 6 ? "#UD" : "other";
}

/*
 * One sysenter case. cb: a callback was registered; masked: with
 * CALLBACKF_mask_events; insn/next: where it was and goes on; rcx: the
 * stack it passed; flag: NT or TF set in it, or 0.
 */
static void check_sysenter(const char *what, const struct seen *s, bool user,
			   bool cb, int masked, u64 insn, u64 next, u64 rcx,
			   u64 flag)
{
	const struct trap_frame *f = &s->f;
	const char *out = sysenter_outcome(s);

	if (!strcmp(out, "#UD")) {	/* a CPU without it here: AMD's */
		SEEN_EQ(what, f->rip, insn);
		return;
	}
	if (strcmp(out, cb ? "callback" : "#GP")) {
		test_fail("%s: %s, expected %s (or #UD on a CPU without SYSENTER here)",
			  what, out, cb ? "the callback" : "#GP(0)");
		return;
	}
	SEEN_EQ(what, f->error_code, 0);
	SEEN_EQ(what, f->rip, 0);
	SEEN_EQ(what, f->cs, user ? 3 : 0);
	SEEN_EQ(what, f->rsp, 0);
	SEEN_EQ(what, f->ss, FLAT_USER_SS);
	SEEN_EQ(what, s->regs.rcx, rcx);
	SEEN_EQ(what, s->regs.rdx, next);
	/* IF in a bounce frame is the virtual one: set unless events were masked. */
	SEEN_EQ(what, f->rflags & RFLAGS_IF, f->saved_mask ? 0 : RFLAGS_IF);
	SEEN_EQ(what, f->rflags & flag, flag);
	SEEN_EQ(what, f->entry_rflags & (RFLAGS_NT | RFLAGS_TF | RFLAGS_AC), 0);
	SEEN_EQ(what, f->frame, user ? kstack_frame(!cb) : top_frame(!cb));
	if (masked >= 0)
		SEEN_EQ(what, f->entry_mask, masked);
}

static void check_syscall32(const char *what, const struct seen *s, bool user,
			    bool cb, int masked)
{
	const struct trap_frame *f = &s->f;
	u64 cs = user ? SEL_CS32 : (SEL_CS32 & ~3);

	SEEN_EQ(what, s->count, 1);
	SEEN_EQ(what, f->cs, cs);
	if (!cb) {		/* Xen: #UD at the instruction, not the 64-bit callback */
		SEEN_EQ(what, f->vector, 6);
		SEEN_EQ(what, f->rip, LOW(c_syscall_insn));
		return;
	}
	SEEN_EQ(what, f->vector, TRAP_SYSCALL32);
	SEEN_EQ(what, f->rip, LOW(c_syscall_next));
	SEEN_EQ(what, s->regs.rcx, f->rip);
	/* r11 holds the flags as SYSCALL saved them, IF set (the hardware's). */
	SEEN_EQ(what, s->regs.r11 & ~RFLAGS_IF, f->rflags & ~RFLAGS_IF);
	SEEN_EQ(what, s->regs.r11 & RFLAGS_IF, RFLAGS_IF);
	SEEN_EQ(what, s->regs.rax, 0x5c32);
	SEEN_EQ(what, f->ss, SEL_DS32);
	SEEN_EQ(what, f->rsp, LOW_STACK_TOP);
	SEEN_EQ(what, f->rflags & RFLAGS_DF, RFLAGS_DF);
	SEEN_EQ(what, f->entry_rflags & RFLAGS_DF, 0);
	SEEN_EQ(what, f->frame, user ? kstack_frame(false) : LOW_STACK_TOP - 7 * 8);
	if (masked >= 0)
		SEEN_EQ(what, f->entry_mask, masked);
}

/*
 * Every entry of one run. cb: callbacks registered; mask32: events masked
 * on a 32-bit syscall (the 64-bit syscall callback's flag); mask_se: on a
 * sysenter; -1 where the mask cannot tell (kernel mode runs masked).
 */
static void check_entries(const char *mode, const struct entries *e, bool user,
			  bool cb, int mask32, int mask_se)
{
	char what[80];

	hv_snprintf(what, sizeof(what), "%s 32-bit syscall%s", mode, cb ? "" : " (no callback)");
	check_syscall32(what, &e->syscall32, user, cb, mask32);
	hv_snprintf(what, sizeof(what), "%s 32-bit sysenter%s", mode, cb ? "" : " (no callback)");
	check_sysenter(what, &e->sysenter, user, cb, mask_se, LOW(c_sysenter_insn),
		       LOW(c_sysenter_next), LOW_STACK_TOP, 0);
	hv_snprintf(what, sizeof(what), "%s 32-bit sysenter with NT", mode);
	check_sysenter(what, &e->sysenter_nt, user, cb, mask_se, LOW(c_sysenter_nt_insn),
		       LOW(c_sysenter_nt_next), LOW_STACK_TOP, RFLAGS_NT);
	hv_snprintf(what, sizeof(what), "%s 32-bit sysenter with TF", mode);
	check_sysenter(what, &e->sysenter_tf, user, cb, mask_se, LOW(c_sysenter_tf_insn),
		       LOW(c_sysenter_tf_next), LOW_STACK_TOP, RFLAGS_TF);
	hv_snprintf(what, sizeof(what), "%s 32-bit int $0x80", mode);
	SEEN_EQ(what, e->int80.count, 1);
	SEEN_EQ(what, e->int80.f.vector, 0x80);
	SEEN_EQ(what, e->int80.f.rip, LOW(c_int80_next));
	SEEN_EQ(what, e->int80.f.cs, user ? SEL_CS32 : (SEL_CS32 & ~3));
	hv_snprintf(what, sizeof(what), "%s 64-bit sysenter%s", mode, cb ? "" : " (no callback)");
	check_sysenter(what, &e->sysenter64, user, cb, mask_se, (u64)sysenter64_insn,
		       (u64)sysenter64_next, e->sysenter64.regs.rcx, 0);
	if (user) {
		hv_snprintf(what, sizeof(what), "%s 64-bit syscall", mode);
		SEEN_EQ(what, e->syscall64.count, 1);
		SEEN_EQ(what, e->syscall64.f.vector, cb ? TRAP_SYSCALL : 6);
		SEEN_EQ(what, e->syscall64.f.cs, FLAT_USER_CS);
		SEEN_EQ(what, e->syscall64.f.rip,
			(u64)syscall64_insn + (cb ? 2 : 0));
		if (cb)
			SEEN_EQ(what, e->syscall64.regs.rax, 0x5c64);
	}
}

/* ---- the address space -------------------------------------------------- */

static void fill_table(u64 mfn, const u64 *src, const unsigned *slots,
		       const u64 *vals, int n)
{
	u64 *w = (u64 *)window;

	if (window_map(window, mfn, PTE_FLAGS))
		test_error("cannot map mfn %#lx to fill it", mfn);
	if (src)
		memcpy(w, src, GUEST_PAGE_SIZE);
	else
		memset(w, 0, GUEST_PAGE_SIZE);
	for (int i = 0; i < n; i++)
		w[slots[i]] = vals[i];
	window_restore(window);
}

#define TABLE	(PTE_P | PTE_RW | PTE_US | PTE_A)
#define DATA	(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)

/*
 * compat_page and the low stack below 4 GiB (kernel L4 slot 0), the top
 * two pages of the address space (the builder's L3 for slot 511, entry
 * 511), and a user L4: a copy of the kernel's with all of it.
 */
static void address_space(const struct start_info *si)
{
	u64 l3 = spare_mfn(0, NULL), l2 = spare_mfn(1, NULL), l1 = spare_mfn(2, NULL);
	u64 tl2 = spare_mfn(3, NULL), tl1 = spare_mfn(4, NULL), ul4 = spare_mfn(5, NULL);
	unsigned low_slots[3] = { 0, 1, 2 }, top_slots[2] = { 510, 511 };
	u64 low_vals[3] = {
		(virt_to_mfn(compat_page) << 12) | (TABLE & ~PTE_RW),
		(virt_to_mfn(low_stack) << 12) | DATA,
		(virt_to_mfn(low_stack + GUEST_PAGE_SIZE) << 12) | DATA,
	};
	u64 top_vals[2] = {
		(virt_to_mfn(top_pages) << 12) | DATA,
		(virt_to_mfn(top_pages + GUEST_PAGE_SIZE) << 12) | DATA,
	};
	unsigned one = 0, l2_slot = (LOW_CODE_VA >> 21) & 511;
	u64 v;

	fill_table(l1, NULL, low_slots, low_vals, 3);
	v = (l1 << 12) | TABLE;
	fill_table(l2, NULL, &l2_slot, &v, 1);
	v = (l2 << 12) | TABLE;
	fill_table(l3, NULL, &one, &v, 1);
	ASSERT_EQ(mmu1(entry_maddr((void *)LOW_CODE_VA, 4), (l3 << 12) | TABLE), 0);

	fill_table(tl1, NULL, top_slots, top_vals, 2);
	v = (tl1 << 12) | TABLE;
	one = 511;
	fill_table(tl2, NULL, &one, &v, 1);
	ASSERT(entry_maddr((void *)TOP_VA, 3) != 0);
	ASSERT_EQ(mmu1(entry_maddr((void *)TOP_VA, 3), (tl2 << 12) | TABLE), 0);

	one = 0;
	v = (l3 << 12) | TABLE;
	fill_table(ul4, (const u64 *)si->pt_base, &one, &v, 1);
	ASSERT_EQ(pin(4, ul4), 0);
	ASSERT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, ul4, 0), 0);

	/* The mappings work: the low code is ours, the top page writable. */
	ASSERT_EQ(*(volatile u8 *)LOW(c_int80), 0xcd);
	*(volatile u64 *)(TOP_VA + 2 * GUEST_PAGE_SIZE - 8) = 0x70b;
	ASSERT_EQ(*(volatile u64 *)(top_pages + 2 * GUEST_PAGE_SIZE - 8), 0x70b);
}

/* ---- the roles ------------------------------------------------------------ */

static void handlers(void)
{
	traps_init();
	events_init();
	ASSERT_EQ(trap_register(0x80, TI_DPL(3) | TI_MASK_EVENTS), 0);
	ASSERT_EQ(trap_register(0x82, TI_DPL(3) | TI_MASK_EVENTS), 0);
	trap_set_handler(0x80, int80_handler);
	trap_set_handler(0x82, int82_handler);
	trap_set_handler(13, gp_handler);
	trap_set_handler(6, ud_handler);
	trap_set_handler(TRAP_SYSCALL, syscall_handler);
	trap_set_handler(TRAP_SYSCALL32, syscall_handler);
	trap_set_handler(TRAP_SYSENTER, sysenter_handler);
	ASSERT_EQ(HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (u64)kstack + sizeof(kstack)), 0);
}

static long enter_user(void (*fn)(void), struct entries *e)
{
	user_entries = e;
	return user_run(fn, (u64)ustack + sizeof(ustack));
}

static void cpu_state(void)
{
	static struct entries k_nocb, k_cb;
	static struct state k_state;
	u64 pat;
	u32 lo, hi;

	/* Kernel mode, no callbacks: #UD and #GP(0), the domain lives on. */
	callbacks(0, 0, 0, 0);
	run_entries(&k_nocb, false);
	check_entries("kernel", &k_nocb, false, false, -1, -1);

	/* Kernel mode with callbacks; the state ring 3 reads. */
	callbacks(CB_ALL, CALLBACKF_mask_events, 0, CALLBACKF_mask_events);
	run_entries(&k_cb, false);
	check_entries("kernel", &k_cb, false, true, -1, -1);
	read_state(&k_state);
	check_state("kernel", &k_state, false);
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_PAT));
	pat = ((u64)hi << 32) | lo;
	SEEN_EQ("kernel rdmsr PAT", pat, XEN_PAT);

	/* User mode, no callbacks. */
	callbacks(0, 0, 0, 0);
	EXPECT_EQ(enter_user(user_entries_only, &user_nocb), 8);
	check_entries("user", &user_nocb, true, false, -1, -1);

	/*
	 * User mode with callbacks, twice: a 32-bit syscall masks events as
	 * the 64-bit syscall callback says (Xen), sysenter as its own does.
	 */
	callbacks(CB_ALL, CALLBACKF_mask_events, 0, CALLBACKF_mask_events);
	EXPECT_EQ(enter_user(user_main, &user_a), 7);
	check_entries("user (a)", &user_a, true, true, 1, 1);
	check_state("user", &user_state, true);
	callbacks(CB_ALL, 0, CALLBACKF_mask_events, 0);
	EXPECT_EQ(enter_user(user_entries_only, &user_b), 8);
	check_entries("user (b)", &user_b, true, true, 0, 0);

	/* Only the 64-bit syscall callback: a 32-bit syscall is #UD, not that one. */
	callbacks(CB_SYSCALL, CALLBACKF_mask_events, 0, 0);
	EXPECT_EQ(enter_user(user_entries_only, &user_c), 8);
	check_syscall32("user 32-bit syscall, only a 64-bit callback", &user_c.syscall32,
			true, false, -1);
	SEEN_EQ("user 64-bit syscall, only a 64-bit callback", user_c.syscall64.f.vector,
		TRAP_SYSCALL);

	printk("cpu_state: UMIP %s; sysenter from compatibility mode: %s, from 64-bit mode: %s\n",
	       hw_umip ? "on (#GP)" : "absent (values)",
	       sysenter_outcome(&user_a.sysenter), sysenter_outcome(&user_a.sysenter64));
	printk("cpu_state: %lu entries recorded, no #DB from the hypervisor's SYSENTER entry\n",
	       hits[TRAP_SYSCALL32] + hits[TRAP_SYSENTER] + hits[6] + hits[13] + hits[0x80]);
}

/* attack.list: the user half, many times, while a neighbour works. */
#define ATTACKS	300

static struct entries attack_e;

static void attack_user(void)
{
	for (int i = 0; i < ATTACKS; i++)
		run_entries(&attack_e, true);
	user_exit(9);
}

static void attacker(void)
{
	u64 before;

	callbacks(0, 0, 0, 0);
	before = hits[6] + hits[13];
	EXPECT_EQ(enter_user(attack_user, &attack_e), 9);
	/* syscall32, syscall64 #UD; four sysenters #GP or #UD: six faults a round. */
	EXPECT_EQ(hits[6] + hits[13] - before, 6 * ATTACKS);
	EXPECT_EQ(hits[0x80], ATTACKS);

	callbacks(CB_ALL, CALLBACKF_mask_events, 0, CALLBACKF_mask_events);
	EXPECT_EQ(enter_user(attack_user, &attack_e), 9);
	EXPECT_EQ(hits[TRAP_SYSCALL32], ATTACKS);
	EXPECT_EQ(hits[TRAP_SYSCALL], ATTACKS);
	EXPECT_EQ(hits[0x80], 2 * ATTACKS);
	check_entries("attacker user", &attack_e, true, true, 1, 1);
	printk("cpu_state: attacker: %d rounds without and with callbacks, domain alive\n",
	       ATTACKS);
}

static void neighbour(void)
{
	u64 sum = 0;

	for (int i = 0; i < 200; i++) {
		for (int j = 0; j < 1000; j++)
			sum += (u64)i * j;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	EXPECT_EQ(sum, 199UL * 200 / 2 * (999UL * 1000 / 2));
	printk("cpu_state: neighbour: 200 yields, sum %lu\n", sum);
}

void test_main(const struct start_info *si)
{
	if (cmdline_get("neighbour", NULL, 0)) {
		neighbour();
		return;
	}
	hardware();
	handlers();
	address_space(si);
	if (cmdline_get("attacker", NULL, 0))
		attacker();
	else
		cpu_state();
}
