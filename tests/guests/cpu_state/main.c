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
 *	- sgdt, sidt, sldt, str and smsw: with UMIP (where the CPU has it;
 *	  the hypervisor turns it on) they fault and the hypervisor emulates
 *	  them, in both modes: GDT limit 0xe07f and IDT limit 0xfff with the
 *	  stand-in bases 0xffff87fffffe0000 and 0xffff87ffffff0000, LDTR 0,
 *	  TR 0xe040, the virtual CR0 (0x33 in its low bits); without UMIP
 *	  (noumip.list) the CPU shows the same but for the bases, the real
 *	  ones in the hypervisor's range. Register destinations of every size
 *	  (16 bits merged, 32 and 64 zero-extended) and memory operands
 *	  (RIP-relative, base + index * scale + disp, FS and GS overrides,
 *	  32-bit addresses) give the same in both runs; a store the guest may
 *	  not make is the fault its own store would take: #PF with CR2 at the
 *	  first byte not writable and the guest's error code (a read-only
 *	  page, an unmapped one, an operand straddling into one, the
 *	  hypervisor's image), #GP(0) for a non-canonical address, #SS(0)
 *	  through RBP (QEMU 7.2 itself gives #GP there: the noumip run accepts
 *	  either). In compatibility mode the register forms are emulated and a
 *	  memory operand is #GP(0) under UMIP;
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
#define HV_IMAGE	0xffff830000100000UL	/* the hypervisor's image, mapped */
#define UMIP_GDT_BASE	0xffff87fffffe0000UL	/* what emulated sgdt/sidt show */
#define UMIP_IDT_BASE	0xffff87ffffff0000UL
#define NONCANONICAL	0x0000800000000000UL
#define PATTERN		0x1111111111111111UL
#define PF_P		1UL
#define PF_W		2UL
#define PF_U		4UL

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

/*
 * UMIP's five beyond the plain memory forms: register destinations of
 * each size (preset to PATTERN), memory operands in each addressing form,
 * stores that fault, and compatibility mode.
 */
struct umip_state {
	u64 sldt16, sldt32, sldt64, str16, str32, smsw16, smsw32, smsw64;
	u8 rip[10], sib[10], fs[2], gs[2], addr32[2];
	struct dt_probe ro, unmapped, straddle, noncanon, stack, hv;
	u32 compat[3];
	struct dt_probe compat_sgdt;
};

struct state {
	struct dt_probe sgdt, sidt, sldt, str, smsw;
	struct umip_state umip;
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

/* Targets of memory operands: RIP-relative, and the FS and GS bases. */
static u8 umip_rip[16], umip_fs[64], umip_gs[64];
static u64 guest_cr0;		/* the kernel's mov from %cr0 */

static void umip_registers(struct umip_state *u)
{
	u64 a = PATTERN, c = PATTERN, d = PATTERN;
	register u64 r8 asm("r8") = PATTERN;
	register u64 r9 asm("r9") = PATTERN;

	asm volatile("sldt %%ax" : "+a"(a));
	asm volatile("sldt %%ecx" : "+c"(c));
	asm volatile(".byte 0x48, 0x0f, 0x00, 0xc2" : "+d"(d));	/* sldt %rdx */
	u->sldt16 = a, u->sldt32 = c, u->sldt64 = d;
	a = PATTERN;
	asm volatile("str %%ax" : "+a"(a));
	asm volatile(".byte 0x41, 0x0f, 0x00, 0xc9" : "+r"(r9));	/* str %r9d */
	u->str16 = a, u->str32 = r9;
	a = c = PATTERN;
	asm volatile("smsw %%ax" : "+a"(a));
	asm volatile("smsw %%ecx" : "+c"(c));
	asm volatile(".byte 0x49, 0x0f, 0x01, 0xe0" : "+r"(r8));	/* smsw %r8 */
	u->smsw16 = a, u->smsw32 = c, u->smsw64 = r8;
}

static void umip_memory(struct umip_state *u)
{
	u8 sib[32];
	volatile u8 *low = (volatile u8 *)(UMIP_COMPAT_VA + 0x100);

	memset(umip_rip, 0xa5, sizeof(umip_rip));
	memset(sib, 0xa5, sizeof(sib));
	memset(umip_fs, 0xa5, sizeof(umip_fs));
	memset(umip_gs, 0xa5, sizeof(umip_gs));
	low[0] = low[1] = 0xa5;
	asm volatile("sgdt umip_rip(%%rip)" : : : "memory");
	asm volatile("sidt 8(%0,%1,4)" : : "r"(sib), "r"(2UL) : "memory");
	asm volatile("smsw %%fs:0x20" : : : "memory");
	asm volatile("str %%gs:(%0)" : : "r"(0x30UL) : "memory");
	asm volatile("sldt (%%eax)" : : "a"((1UL << 32) | (u64)low) : "memory");
	memcpy(u->rip, umip_rip, 10);
	memcpy(u->sib, sib + 16, 10);
	memcpy(u->fs, umip_fs + 0x20, 2);
	memcpy(u->gs, umip_gs + 0x30, 2);
	u->addr32[0] = low[0], u->addr32[1] = low[1];
}

/* Stores the guest may not make: each must fault as the guest's own would. */
static void umip_faults(struct umip_state *u)
{
	u64 before;

	PROBE(&u->ro, "sgdt (%1)", "r"(LOW_CODE_VA));
	PROBE(&u->unmapped, "sgdt (%1)", "r"(LOW_STACK_TOP));
	PROBE(&u->straddle, "sgdt (%1)", "r"(LOW_STACK_TOP - 4));
	PROBE(&u->noncanon, "sgdt (%1)", "r"(NONCANONICAL));
	PROBE(&u->hv, "sidt (%1)", "r"(HV_IMAGE));
	/* Through RBP, whose segment is SS; RBP restored after the resume. */
	before = trap_count;
	asm volatile("pushq %%rbp\n\t"
		     "movq %[v], %%rbp\n\t"
		     "leaq 800f(%%rip), %[at]\n\t"
		     "movq $801f, trap_resume_rip(%%rip)\n"
		     "800:\tsidt (%%rbp)\n"
		     "801:\tpopq %%rbp"
		     : [at] "=&c"(u->stack.at) : [v] "d"(NONCANONICAL) : "memory", "cc");
	trap_resume_rip = 0;
	u->stack.traps = trap_count - before;
	u->stack.f = trap_last;
}

static void umip_compat(struct umip_state *u)
{
	u64 before = trap_count;
	volatile u32 *out = (volatile u32 *)UMIP_COMPAT_VA;

	out[0] = out[1] = out[2] = 0;
	trap_resume_rip = LOW(c_umip_next);
	compat_run(LOW(c_umip));
	trap_resume_rip = 0;
	u->compat[0] = out[0], u->compat[1] = out[1], u->compat[2] = out[2];
	u->compat_sgdt.at = LOW(c_umip_sgdt);
	u->compat_sgdt.traps = trap_count - before;
	u->compat_sgdt.f = trap_last;
}

static void read_state(struct state *s)
{
	u32 lo, hi, aux;

	memset(s, 0, sizeof(*s));
	PROBE(&s->sgdt, "sgdt %1", "m"(s->sgdt.buf));
	PROBE(&s->sidt, "sidt %1", "m"(s->sidt.buf));
	PROBE(&s->sldt, "sldt %1", "m"(*(u16 *)s->sldt.buf));
	PROBE(&s->str, "str %1", "m"(*(u16 *)s->str.buf));
	PROBE(&s->smsw, "smsw %1", "m"(*(u16 *)s->smsw.buf));
	umip_registers(&s->umip);
	umip_memory(&s->umip);
	umip_faults(&s->umip);
	umip_compat(&s->umip);

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

/* A 10-byte sgdt/sidt result: the limit, and the stand-in or real base. */
static void check_table(const char *name, const u8 *buf, u64 limit, u64 umip_base)
{
	u16 l;
	u64 base;

	memcpy(&l, buf, 2);
	memcpy(&base, buf + 2, 8);
	SEEN_EQ(name, l, limit);
	if (hw_umip)
		SEEN_EQ(name, base, umip_base);
	else
		SEEN_EQ(name, base >= HV_START && base < HV_END, 1);
}

static void check_dt(const char *mode, const char *what, const struct dt_probe *p,
		     unsigned bytes, u64 value, u64 umip_base)
{
	char name[48];
	u16 v;

	hv_snprintf(name, sizeof(name), "%s %s", mode, what);
	SEEN_EQ(name, p->traps, 0);
	if (bytes == 10) {
		check_table(name, p->buf, value, umip_base);
		return;
	}
	memcpy(&v, p->buf, 2);
	SEEN_EQ(name, v, value);
}

/* A store that must fault as the guest's own: vector, error, CR2, RIP. */
static void check_store_fault(const char *mode, const char *what,
			      const struct dt_probe *p, unsigned vec, u64 err, u64 cr2)
{
	char name[64];

	hv_snprintf(name, sizeof(name), "%s %s", mode, what);
	SEEN_EQ(name, p->traps, 1);
	SEEN_EQ(name, p->f.vector, vec);
	SEEN_EQ(name, p->f.error_code, err);
	SEEN_EQ(name, p->f.rip, p->at);
	if (vec == 14)
		SEEN_EQ(name, p->f.cr2, cr2);
}

/*
 * The same answers with and without UMIP (emulated or the CPU's), but for
 * the table bases and, with UMIP, compatibility mode's memory form.
 * cr0: the virtual CR0, as the kernel's mov from %cr0 reads it.
 */
static void check_umip(const char *mode, const struct umip_state *u, bool user, u64 cr0)
{
	const u64 hi = PATTERN & ~0xffffUL, pf_u = user ? PF_U : 0;
	char name[64];
	u16 v;

	hv_snprintf(name, sizeof(name), "%s umip registers", mode);
	SEEN_EQ(name, u->sldt16, hi);
	SEEN_EQ(name, u->sldt32, 0);
	SEEN_EQ(name, u->sldt64, 0);
	SEEN_EQ(name, u->str16, hi | 0xe040);
	SEEN_EQ(name, u->str32, 0xe040);
	SEEN_EQ(name, u->smsw16, hi | (cr0 & 0xffff));
	SEEN_EQ(name, u->smsw32, cr0 & 0xffffffffUL);
	SEEN_EQ(name, u->smsw64, cr0);

	hv_snprintf(name, sizeof(name), "%s sgdt rip-relative", mode);
	check_table(name, u->rip, 0xe07f, UMIP_GDT_BASE);
	hv_snprintf(name, sizeof(name), "%s sidt base+index*4+8", mode);
	check_table(name, u->sib, 0xfff, UMIP_IDT_BASE);
	hv_snprintf(name, sizeof(name), "%s smsw %%fs:0x20", mode);
	memcpy(&v, u->fs, 2);
	SEEN_EQ(name, v, cr0 & 0xffff);
	hv_snprintf(name, sizeof(name), "%s str %%gs:(0x30)", mode);
	memcpy(&v, u->gs, 2);
	SEEN_EQ(name, v, 0xe040);
	hv_snprintf(name, sizeof(name), "%s sldt (%%eax)", mode);
	memcpy(&v, u->addr32, 2);
	SEEN_EQ(name, v, 0);

	check_store_fault(mode, "sgdt to a read-only page", &u->ro, 14,
			  PF_P | PF_W | pf_u, LOW_CODE_VA);
	check_store_fault(mode, "sgdt to an unmapped page", &u->unmapped, 14,
			  PF_W | pf_u, LOW_STACK_TOP);
	check_store_fault(mode, "sgdt straddling into an unmapped page", &u->straddle,
			  14, PF_W | pf_u, LOW_STACK_TOP);
	check_store_fault(mode, "sidt to the hypervisor's image", &u->hv, 14,
			  PF_P | PF_W | pf_u, HV_IMAGE);
	check_store_fault(mode, "sgdt to a non-canonical address", &u->noncanon, 13, 0, 0);
	/* #SS(0) through SS; QEMU 7.2's own store gives #GP(0) (XTF memop-seg). */
	check_store_fault(mode, "sidt through a non-canonical rbp", &u->stack,
			  !hw_umip && u->stack.f.vector == 13 ? 13 : 12, 0, 0);

	hv_snprintf(name, sizeof(name), "%s compat smsw/sldt/str", mode);
	SEEN_EQ(name, u->compat[0], cr0 & 0xffffffffUL);
	SEEN_EQ(name, u->compat[1], 0);
	SEEN_EQ(name, u->compat[2], 0xe040);
	if (hw_umip)
		check_store_fault(mode, "compat sgdt (not emulated)", &u->compat_sgdt,
				  13, 0, 0);
	else
		SEEN_EQ("compat sgdt", u->compat_sgdt.traps, 0);
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

	check_dt(mode, "sgdt", &s->sgdt, 10, 0xe07f, UMIP_GDT_BASE);
	check_dt(mode, "sidt", &s->sidt, 10, 0xfff, UMIP_IDT_BASE);
	check_dt(mode, "sldt", &s->sldt, 2, 0, 0);
	check_dt(mode, "str", &s->str, 2, 0xe040, 0);
	check_dt(mode, "smsw", &s->smsw, 2, 0x33, 0);
	check_umip(mode, &s->umip, user, guest_cr0);

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
	asm volatile("movq %%cr0, %0" : "=r"(guest_cr0));
	ASSERT_EQ(HYPERVISOR_set_segment_base(SEGBASE_FS, (u64)umip_fs), 0);
	ASSERT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (u64)umip_gs), 0);
	ASSERT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, (u64)umip_gs), 0);
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
	       hw_umip ? "on (emulated)" : "absent (the CPU's values)",
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
