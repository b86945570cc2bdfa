/*
 * ring1: what a guest kernel can and cannot do from its own ring, and in
 * fast mode that its ring is 1 and the hypervisor is out of its reach.
 *
 * In fast mode the guest kernel runs in ring 1 on the guest's own page
 * tables, one L4 per process, and the hypervisor keeps only a small
 * switcher mapped there (pvabi/README.md).
 * Everything that keeps such a kernel from being the hypervisor is the
 * CPU's: privileged instructions fault at CPL 1, IF and IOPL cannot be
 * changed by popf, paging keeps ring 3 out of the upper half and every
 * ring out of what is not mapped at all. So each check here makes the
 * forbidden access and looks at what the kernel's handler received; none
 * can pass unless the fault really came.
 *
 * Both modes (a ring-3 kernel must not do these either):
 *	- cli, sti (virtual IOPL 0), in and out (imm8 and dx) on port 0x80,
 *	  mov to CR0 clearing WP, mov to CR3 of the L4 in use, lgdt, lidt,
 *	  lldt of the null selector, ltr of the TSS (#GP(0), not the
 *	  #GP(0xe040) of a busy TSS in ring 0), rdmsr of LSTAR, wrmsr of
 *	  TSC_AUX, hlt, invlpg, swapgs: each is one #GP(0) at the
 *	  instruction, in the kernel's handler, frame CS the kernel's with
 *	  RPL 0; after cli and sti RFLAGS.IF is still set;
 *	- mov to CR4 of a value with TSD: #GP(0), or emulated (Xen drops
 *	  TSD); either way rdtsc still works in the kernel afterwards (TSD
 *	  never reached the CPU, where it would make rdtsc #GP above CPL 0);
 *	- popf clearing IF leaves IF set, popf with IOPL 3 leaves IOPL 0;
 *	- iretq to the kernel's own CS and SS works (Linux's iret_to_self),
 *	  iretq and lretq to the hypervisor's CS 0xe008 are #GP(0xe008), and
 *	  so is the iret hypercall to it (reflected, at the target); sysretq
 *	  is #GP(0);
 *	- a write to the M2P (read-only) is #PF with error code P|W;
 *	- lar from the kernel's ring: the hypervisor's descriptors (0xe008,
 *	  0xe010, 0xe038, the TSS 0xe040) refused, the flat ring-3 ones DPL 3,
 *	  the ring-1 pair (0xe019 64-bit code, 0xe061 writable data, DPL 1)
 *	  visible in fast mode only.
 * Fast mode only (compat mode reports SKIP naming them):
 *	- CS is 0xe019 and SS 0xe061: RPL 1;
 *	- of the hypervisor's slots 256-271 only 256 (the M2P, readable) and
 *	  271 (the switcher) are mapped in what the CPU walks: a read of the
 *	  base of every other slot, of the hypervisor's image in its direct
 *	  map (0xffff830000100000), of slot 271 past the slices and of a page
 *	  of the slice the layout does not name is #PF with error code 0 (the
 *	  L4 page the guest can read is the hypervisor's view, not this one);
 *	- every page of the switcher's slice the layout names is readable
 *	  from ring 1; a locked write (lock orq $0: nothing would change) of
 *	  its code, conf page, IDT, TSS and GDT window is #PF P|W;
 *	- from ring 3 (user code on a page of its own mapped in the lower
 *	  half, entered with the iret hypercall): reading that page works (the
 *	  control case), reading any switcher page or the kernel's image is
 *	  #PF P|U, also after the kernel set U in every entry (L4 to L1) that
 *	  maps a page of its image (the hypervisor keeps ring 3 out of the
 *	  upper half whatever the guest's entries say). The M2P (slot 256) is not among them: ring 3 may
 *	  read it, as in compat mode without VMASST_TYPE_m2p_strict;
 *	- a syscall from user mode with a hypercall number (xen_version) is
 *	  a system call to the kernel's callback, with the user's CS, whether
 *	  user mode was entered by the iret hypercall or by the kernel's own
 *	  iretq (the hypervisor must take the ring from the CPU); the iret
 *	  hypercall's number from ring 3, with a frame asking for ring 1, is
 *	  a system call too, never an iret (the switcher's fast path decides
 *	  by the return address as the hypervisor does);
 * leak.list: two fast domains, the spy reads the switcher slice after the
 * victim ran (leak_spy() below); leak_mixed.list: the same with the victim
 * in compat mode (its #DB frames land on the same IST stacks).
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "mmu.h"
#include "traps.h"
#include "layout.h"
#include "pvabi/callback.h"

const char test_title[] = "a guest kernel's ring: privileged instructions, IF, the hypervisor's memory";

#define USER_VA		0x0000008000000000UL	/* L4 slot 1: empty at boot */
#define PF_P		1UL
#define PF_W		2UL
#define PF_U		4UL
#define CR4_TSD		(1UL << 2)
#define GUEST_CR4	0x620UL		/* PAE, OSFXSR, OSXMMEXCPT */
#define CR0_NO_WP	0x80000033UL	/* PG, NE, ET, MP, PE: WP and AM clear */
#define MSR_LSTAR	0xc0000082
#define MSR_TSC_AUX	0xc0000103
#define HV_CS		0xe008
#define HV_IMAGE	(DIRECTMAP_BASE + HV_LOAD_PHYS)

extern char user_page[], user_page_end[], user_read[], user_write[], user_return[];
extern char user_hypercall[];
long user_call(u64 entry, u64 arg, u64 user_rsp);
long user_iretq(u64 entry, u64 arg, u64 user_rsp);
u64 user_kernel_rsp;

static u8 kstack[16384] __aligned(16);
static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 dt_operand[16] __aligned(16);	/* lgdt/lidt: limit 0, base 0 */
/* "kernel!!", alone on its page: the attack below opens only that page. */
static u64 kernel_word[GUEST_PAGE_SIZE / 8] __aligned(GUEST_PAGE_SIZE) = { 0x6b65726e656c2121UL };

static u64 hv_slot_base(unsigned slot)
{
	return 0xffff000000000000UL | ((u64)slot << 39);
}

/*
 * Run setup, then insn at a label (the address returned) expecting an
 * exception that resumes after it; rax, rcx and rdx are free for both.
 */
#define RUN(setup, insn, ...) ({					\
	u64 _at;							\
	asm volatile(setup "\n\t"					\
		     "leaq 800f(%%rip), %0\n\t"				\
		     "movq $801f, trap_resume_rip(%%rip)\n"		\
		     "800:\n\t" insn "\n801:"				\
		     : "=&r"(_at) : __VA_ARGS__				\
		     : "memory", "cc", "rax", "rcx", "rdx");		\
	_at;								\
})

/* Exactly one exception, vector with error code err, at `at`, from the kernel. */
static bool expect_trap(const char *what, u64 at, unsigned vector, u64 err)
{
	bool ok = trap_count == 1 && trap_last.vector == vector &&
		  trap_last.error_code == err && trap_last.rip == at &&
		  trap_last.cs == KERNEL_CS_FRAME;

	if (trap_count == 0)
		test_fail("%s: ran without a fault, in ring %lu", what, KERNEL_RPL);
	else if (!ok)
		test_fail("%s: %lu exception(s), the last %s error %#lx at %#lx cs %#lx; expected %s error %#lx at %#lx cs %#lx",
			  what, trap_count, trap_name(trap_last.vector),
			  trap_last.error_code, trap_last.rip, trap_last.cs,
			  trap_name(vector), err, at, KERNEL_CS_FRAME);
	trap_record_reset();
	return ok;
}

#define MUST_GP(what, setup, insn, ...) \
	expect_trap(what, RUN(setup, insn, __VA_ARGS__), 13, 0)

/* ---- Both modes: the privileged instructions -------------------------------- */

static void privileged(void)
{
	u64 l4 = virt_to_mfn((const void *)start_info->pt_base) << 12;

	trap_record_reset();
	MUST_GP("cli", "", "cli");
	EXPECT(read_rflags() & RFLAGS_IF);
	MUST_GP("sti", "", "sti");
	EXPECT(read_rflags() & RFLAGS_IF);
	MUST_GP("in $0x80", "", "inb $0x80, %%al");
	MUST_GP("out $0x80", "xorl %%eax, %%eax", "outb %%al, $0x80");
	MUST_GP("in (dx = 0x80)", "movl $0x80, %%edx", "inb %%dx, %%al");
	MUST_GP("out (dx = 0x80)", "movl $0x80, %%edx", "outb %%al, %%dx");
	MUST_GP("mov to CR0 clearing WP", "movq %1, %%rax", "movq %%rax, %%cr0", "r"(CR0_NO_WP));
	MUST_GP("mov to CR3 (the L4 in use)", "movq %1, %%rax", "movq %%rax, %%cr3", "r"(l4));
	MUST_GP("lgdt", "", "lgdt %1", "m"(dt_operand));
	MUST_GP("lidt", "", "lidt %1", "m"(dt_operand));
	MUST_GP("lldt of the null selector", "xorl %%eax, %%eax", "lldt %%ax");
	MUST_GP("ltr 0xe040", "movl $0xe040, %%eax", "ltr %%ax");
	MUST_GP("rdmsr LSTAR", "movl %1, %%ecx", "rdmsr", "i"(MSR_LSTAR));
	MUST_GP("wrmsr TSC_AUX", "movl %1, %%ecx\n\txorl %%eax, %%eax\n\txorl %%edx, %%edx",
		"wrmsr", "i"(MSR_TSC_AUX));
	MUST_GP("hlt", "", "hlt");
	MUST_GP("invlpg", "", "invlpg %1", "m"(kernel_word[0]));
	MUST_GP("swapgs", "", "swapgs");
	MUST_GP("sysretq", "", "sysretq");
}

/*
 * mov to CR4 setting TSD: a fault, or Xen's emulation, which drops TSD.
 * Had it reached the CPU, rdtsc would now #GP in any ring but 0.
 */
static void cr4_tsd(void)
{
	u64 at;

	trap_record_reset();
	at = RUN("movq %1, %%rax", "movq %%rax, %%cr4", "r"(GUEST_CR4 | CR4_TSD));
	if (trap_count) {
		expect_trap("mov to CR4 with TSD", at, 13, 0);
	} else {
		printk("ring1: mov to CR4 with TSD emulated\n");
		RUN("movq %1, %%rax", "movq %%rax, %%cr4", "r"(GUEST_CR4));
		if (trap_count)
			test_fail("mov to CR4 without TSD: %s after one with TSD was emulated",
				  trap_name(trap_last.vector));
	}
	trap_record_reset();
	RUN("", "rdtsc");
	if (trap_count)
		test_fail("rdtsc after a mov to CR4 with TSD: %s error %#lx: TSD reached the CPU",
			  trap_name(trap_last.vector), trap_last.error_code);
	trap_record_reset();
}

/* popf can change neither IF nor IOPL below ring 0. */
static void popf(void)
{
	u64 before = read_rflags(), after;

	asm volatile("pushq %0\n\tpopfq" : : "r"(before & ~RFLAGS_IF) : "cc", "memory");
	after = read_rflags();
	if (!(after & RFLAGS_IF))
		test_fail("popf cleared IF in ring %lu (rflags %#lx)", KERNEL_RPL, after);
	asm volatile("pushq %0\n\tpopfq" : : "r"(before | RFLAGS_IOPL) : "cc", "memory");
	after = read_rflags();
	if (after & RFLAGS_IOPL)
		test_fail("popf raised IOPL to %lu in ring %lu (rflags %#lx)",
			  (after & RFLAGS_IOPL) >> 12, KERNEL_RPL, after);
	asm volatile("pushq %0\n\tpopfq" : : "r"(before) : "cc", "memory");
}

/* iretq to itself works; iretq and lretq to the hypervisor's CS do not. */
static void far_returns(void)
{
	u64 at, cs, done = 0;

	asm volatile("movq %%rsp, %%rax\n\t"
		     "movq %%ss, %%rcx\n\t"
		     "pushq %%rcx\n\t"
		     "pushq %%rax\n\t"
		     "pushfq\n\t"
		     "movq %%cs, %%rcx\n\t"
		     "pushq %%rcx\n\t"
		     "leaq 1f(%%rip), %%rcx\n\t"
		     "pushq %%rcx\n\t"
		     "iretq\n"
		     "1:\tmovq $1, %0\n\t"
		     "movq %%cs, %1"
		     : "+r"(done), "=r"(cs) : : "rax", "rcx", "memory", "cc");
	EXPECT_EQ(done, 1);
	EXPECT_EQ(cs, KERNEL_CS);

	trap_record_reset();
	at = RUN("movq %%rsp, %%rdx\n\t"
		 "movq %%ss, %%rcx\n\t"
		 "pushq %%rcx\n\t"
		 "pushq %%rdx\n\t"
		 "pushfq\n\t"
		 "pushq %1\n\t"
		 "leaq 801f(%%rip), %%rcx\n\t"
		 "pushq %%rcx",
		 "iretq\n801:\tmovq %%rdx, %%rsp", "i"(HV_CS));
	/* The first 801 is the one inside insn: resume there, put rsp back. */
	expect_trap("iretq to 0xe008", at, 13, HV_CS);
	at = RUN("movq %%rsp, %%rdx\n\t"
		 "pushq %1\n\t"
		 "leaq 801f(%%rip), %%rcx\n\t"
		 "pushq %%rcx",
		 "lretq\n801:\tmovq %%rdx, %%rsp", "i"(HV_CS));
	expect_trap("lretq to 0xe008", at, 13, HV_CS);
}

/*
 * The iret hypercall to the hypervisor's CS: the hypervisor gives it the
 * kernel's RPL, and its own iretq then faults: #GP(0xe008) reflected to
 * the guest at the target, never a return into ring 0.
 */
static u64 iret_target;

static void iret_to_hv_cs(struct trap_frame *f)
{
	iret_target = f->rip;
	f->cs = HV_CS;
}

static void iret_hypercall_to_hv(void)
{
	trap_set_handler(3, iret_to_hv_cs);
	trap_record_reset();
	asm volatile("movq $1f, trap_resume_rip(%%rip)\n\t"
		     "int3\n"
		     "1:" ::: "memory");
	trap_set_handler(3, NULL);
	expect_trap("the iret hypercall to 0xe008", iret_target, 13, HV_CS);
}

/*
 * What lar says of the reserved GDT entries from the kernel's ring: the
 * hypervisor's (DPL 0: 0xe008, 0xe010, 0xe038, the TSS 0xe040) are
 * invisible, the flat ring-3 ones (0xe023, 0xe02b, 0xe033) are there, and
 * the ring-1 pair (0xe019: 64-bit code, 0xe061: writable data, DPL 1) is
 * visible to a ring-1 kernel only.
 */
static bool lar(u16 sel, u32 *ar)
{
	u32 v = 0;
	u8 ok;

	asm volatile("lar %2, %0\n\tsetz %1" : "+r"(v), "=q"(ok) : "r"((u32)sel) : "cc");
	*ar = v;
	return ok;
}

#define AR_CODE		(1u << 11)
#define AR_WRITABLE	(1u << 9)
#define AR_S		(1u << 12)
#define AR_DPL(ar)	(((ar) >> 13) & 3)
#define AR_P		(1u << 15)
#define AR_L		(1u << 21)

static void selectors(void)
{
	static const u16 hv[] = { 0xe008, 0xe010, 0xe038, 0xe040 };
	static const u16 ring3[] = { FLAT_RING3_CS32, FLAT_RING3_DS32, FLAT_RING3_CS64 };
	u32 ar;

	for (unsigned i = 0; i < ARRAY_SIZE(hv); i++)
		if (lar(hv[i], &ar))
			test_fail("lar %#x from ring %lu: access rights %#x, expected refused (DPL 0)",
				  hv[i], KERNEL_RPL, ar);
	for (unsigned i = 0; i < ARRAY_SIZE(ring3); i++)
		if (!lar(ring3[i], &ar) || AR_DPL(ar) != 3)
			test_fail("lar %#x from ring %lu: refused or not DPL 3 (%#x)", ring3[i],
				  KERNEL_RPL, ar);
	if (!guest_fast_mode()) {
		if (lar(FLAT_RING1_CS64, &ar) || lar(FLAT_RING1_SS64, &ar))
			test_fail("lar of a ring-1 selector from ring 3 worked (%#x)", ar);
		return;
	}
	if (!lar(FLAT_RING1_CS64, &ar) ||
	    (ar & (AR_CODE | AR_S | AR_P | AR_L)) != (AR_CODE | AR_S | AR_P | AR_L) || AR_DPL(ar) != 1)
		test_fail("lar %#x: %#x, expected present 64-bit code of DPL 1", FLAT_RING1_CS64, ar);
	if (!lar(FLAT_RING1_SS64, &ar) || (ar & (AR_CODE | AR_WRITABLE | AR_S | AR_P)) !=
	    (AR_WRITABLE | AR_S | AR_P) || AR_DPL(ar) != 1)
		test_fail("lar %#x: %#x, expected present writable data of DPL 1", FLAT_RING1_SS64, ar);
}

/* ---- Kernel accesses that must page-fault ---------------------------------- */

static void kernel_fault(const char *what, u64 va, bool write, u64 err)
{
	u64 at;

	trap_record_reset();
	if (write)
		at = RUN("", "lock orq $0, (%1)", "r"(va));
	else
		at = RUN("", "cmpq $0, (%1)", "r"(va));
	if (trap_count == 1 && trap_last.vector == 14 && trap_last.cr2 != va)
		test_fail("%s: #PF with cr2 %#lx, expected %#lx", what, trap_last.cr2, va);
	expect_trap(what, at, 14, err);
}

/* The M2P is read-only in both modes. */
static void m2p_readonly(void)
{
	u64 va = MACH2PHYS_VIRT_START + virt_to_mfn(window) * 8;

	EXPECT_EQ(*(volatile u64 *)va, virt_to_pfn(window));
	kernel_fault("a write to the M2P", va, true, PF_P | PF_W);
}

/* ---- Fast mode only --------------------------------------------------------- */

static void ring_one(void)
{
	u64 cs, ss;

	asm volatile("movq %%cs, %0\n\tmovq %%ss, %1" : "=r"(cs), "=r"(ss));
	EXPECT_EQ(cs, FLAT_RING1_CS64);
	EXPECT_EQ(cs & 3, 1);
	EXPECT_EQ(ss, FLAT_RING1_SS64);
	EXPECT_EQ(ss & 3, 1);
}

/*
 * The switcher: the one slice of the hypervisor a fast-mode guest's
 * address space holds (layout.h: slot 271, one 2 MiB slice per CPU: the
 * slice of the CPU the vCPU runs on, my_slice(); every other slice faults,
 * tests/guests/smp_switcher checks that on several CPUs). Every page the layout names is readable from ring 1
 * (supervisor) and none from ring 3; the code, the conf page, the IDT,
 * the TSS and the GDT window are read-only; the data page and the entry
 * stack are writable by design (the CPU pushes its frame there, under
 * the guest's page tables) and not checked for that.
 */
struct sw_page {
	unsigned page;
	const char *name;
	bool writable;
};

static const struct sw_page sw_pages[] = {
	/* IST stacks (x86/desc.c: 4 x 4 pages): the #DB one's last page. */
	{ SW_TEXT_PAGE, "switcher code", false },
	{ SW_TEXT_PAGE + 1, "switcher code (2nd page)", false },
	{ SW_CONF_PAGE, "switcher conf page", false },
	{ SW_DATA_PAGE, "switcher data page", true },
	{ SW_IDT_PAGE, "fast IDT", false },
	{ SW_TSS_PAGE, "TSS", false },
	{ SW_DESC_PAGE + FIRST_RESERVED_GDT_PAGE, "GDT window (reserved page)", false },
	{ SW_STACK_PAGE, "entry stack", true },
	{ SW_STACK_PAGE + 1, "entry stack (2nd page)", true },
	{ SW_IST_PAGE + 3, "IST stack 0 (top page)", true },
	{ SW_IST_PAGE + 7, "IST stack 1 (top page)", true },
	{ SW_IST_PAGE + 11, "IST stack 2 (top page)", true },
	{ SW_IST_PAGE + 15, "IST stack 3 (top page)", true },
};

/* Read va from the kernel: true and *val if no fault came. */
static bool try_read(u64 va, u64 *val)
{
	u64 v;

	trap_record_reset();
	asm volatile("movq $801f, trap_resume_rip(%%rip)\n\t"
		     "xorl %%eax, %%eax\n\t"
		     "movq (%1), %%rax\n"
		     "801:"
		     : "=&a"(v) : "r"(va) : "memory", "cc");
	if (trap_count) {
		trap_record_reset();
		return false;
	}
	*val = v;
	return true;
}

/*
 * The slice of the CPU this vCPU runs on: the one whose code it can read.
 * The vCPU may move to another CPU whenever it enters the hypervisor (a
 * fault, a hypercall, a timer tick): a check that depends on the slice
 * asks again after and is retried if it moved (slice_check).
 */
static unsigned my_slice(void)
{
	u64 v;

	for (unsigned c = 0; c < SW_NR_SLICES; c++)
		if (try_read(SW_PAGE_VA(c, SW_TEXT_PAGE), &v))
			return c;
	test_fail("no switcher slice's code is readable from ring 1");
	test_exit();
}

/*
 * What the CPU reaches of slots 256-271 from ring 1: the M2P (read-only)
 * and slot 271 with the switcher; the rest faults. Asked of the CPU by
 * reads, not of the L4 the guest can read: that frame is the guest's own
 * (with the hypervisor's entries that validation installs), while the CPU
 * walks the hypervisor's copy of it, the guest view (pvabi/README.md).
 */
static void hv_slots(void)
{
	char what[96];
	unsigned me = my_slice();
	u64 v;

	printk("ring1: on the switcher slice of CPU %u\n", me);
	/* What the CPU walks: of the hypervisor's slots, only 256 and 271. */
	EXPECT(try_read(MACH2PHYS_VIRT_START, &v));
	for (unsigned slot = 257; slot < SWITCHER_L4_SLOT; slot++) {
		hv_snprintf(what, sizeof(what), "a read of slot %u's base", slot);
		kernel_fault(what, hv_slot_base(slot), false, 0);
	}
	kernel_fault("a read of the hypervisor's image", HV_IMAGE, false, 0);
	kernel_fault("a read of slot 271 past the slices", SWITCHER_VIRT_START + (1UL << 30),
		     false, 0);
	kernel_fault("a read of a page of the slice the layout does not name (100)",
		     SW_PAGE_VA(me, 100), false, 0);
	for (unsigned c = 0; c < SW_NR_SLICES; c++) {
		int tries = 5;
		bool read;

		/* A read that works is a failure only if the vCPU is not on c now. */
		do {
			me = my_slice();
			read = c != me && try_read(SW_PAGE_VA(c, SW_TEXT_PAGE), &v);
		} while (read && my_slice() == c && --tries);
		if (c == me)
			continue;
		hv_snprintf(what, sizeof(what), "a read of slice %u's code (not this CPU's)", c);
		kernel_fault(what, SW_PAGE_VA(c, SW_TEXT_PAGE), false, 0);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(sw_pages); i++) {
		const struct sw_page *p = &sw_pages[i];
		u64 va;
		int tries = 5;
		bool read;

		/* A read that faults is a failure only if the vCPU is still on me. */
		do {
			me = my_slice();
			va = SW_PAGE_VA(me, p->page);
			read = try_read(va, &v);
		} while (!read && my_slice() != me && --tries);
		if (!read) {
			test_fail("the %s (%#lx) is not readable from ring 1", p->name, va);
			continue;
		}
		if (p->writable)
			continue;
		hv_snprintf(what, sizeof(what), "a locked write of the %s", p->name);
		kernel_fault(what, va, true, PF_P | PF_W);
	}
}

/* ---- Ring 3 --------------------------------------------------------------------- */

static struct {
	unsigned vector;
	u64 err, cr2, rip, cs, rax;
} ures;

/*
 * A fault or system call from user mode: note it, resume the kernel at
 * user_return. During a user run, code of the user page (the lower half)
 * that traps with a kernel CS ran in ring 1: noted the same way, so the
 * check that follows names it instead of the test ending here.
 */
static bool in_user_run;

static void user_trap(struct trap_frame *f)
{
	bool user_code = in_user_run && f->rip < (1UL << 47);

	if ((f->cs & 3) != 3 && f->vector != TRAP_SYSCALL && !user_code) {
		trap_default_handler(f);
		return;
	}
	ures.vector = f->vector;
	ures.err = f->error_code;
	ures.cr2 = f->cr2;
	ures.rip = f->rip;
	ures.cs = f->cs;
	ures.rax = f->regs->rax;
	f->regs->rax = 0;
	f->rip = (u64)user_return;
	f->cs = KERNEL_CS_FRAME;
	f->ss = KERNEL_SS;
	f->rsp = user_kernel_rsp;
	f->rflags = 0x2;
	f->iret_flags = 0;
}

static u64 user_va_of(const char *sym)
{
	return USER_VA + (u64)(sym - user_page);
}

static void user_do(const char *routine, u64 arg)
{
	memset(&ures, 0, sizeof(ures));
	ures.vector = ~0u;
	in_user_run = true;
	user_call(user_va_of(routine), arg, USER_VA + 2 * GUEST_PAGE_SIZE);
	in_user_run = false;
}

/* The user page at USER_VA (read-only, executable), a stack page after it. */
static void user_setup(void)
{
	u64 l3 = spare_mfn(0, NULL), l2 = spare_mfn(1, NULL), l1 = spare_mfn(2, NULL);
	u64 stack = spare_mfn(3, NULL);
	u64 l4 = virt_to_mfn((const void *)start_info->pt_base);
	u64 table = PTE_P | PTE_RW | PTE_US | PTE_A;
	u64 *w = (u64 *)window;

	if (user_page_end - user_page != GUEST_PAGE_SIZE)
		test_error("the user page is %ld bytes", (long)(user_page_end - user_page));
	frame_zero(window, stack);
	ASSERT_EQ(window_map(window, l1, PTE_FLAGS), 0);
	memset(w, 0, GUEST_PAGE_SIZE);
	w[0] = (virt_to_mfn(user_page) << 12) | PTE_P | PTE_US | PTE_A;
	w[1] = (stack << 12) | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_NX;
	window_restore(window);
	frame_fill_table(window, l2, NULL, 0, (l1 << 12) | table);
	frame_fill_table(window, l3, NULL, 0, (l2 << 12) | table);
	ASSERT_EQ(mmu1((l4 << 12) | 8, (l3 << 12) | table), 0);
	ASSERT_EQ(HYPERVISOR_stack_switch(KERNEL_SS, (u64)kstack + sizeof(kstack)), 0);
	trap_set_handler(6, user_trap);
	trap_set_handler(14, user_trap);
	trap_set_handler(TRAP_SYSCALL, user_trap);
	ASSERT_EQ(trap_register_callback(CALLBACKTYPE_syscall, CALLBACKF_mask_events), 0);
}

/*
 * xen_version from user mode, entered by the iret hypercall or by the
 * kernel's own iretq: the kernel's syscall callback gets it, with the
 * user's CS, and the hypervisor never answers it (which the #UD after
 * the syscall would show, with the version in rax).
 */
/*
 * Where a user process's forged iret would land in ring 1 if the switcher
 * served it as the kernel's (it never may): the end, with the reason.
 */
static u8 hijack_stack[4096] __aligned(16);

static void __noreturn hijack_landing(void)
{
	test_fail("a user-mode iret hypercall with a forged frame entered ring 1 at the kernel's %p",
		  (void *)hijack_landing);
	test_exit();
}

/*
 * The iret hypercall from user mode, its frame forged on the user stack
 * to return to ring 1 (0xe019/0xe061) at a kernel address: a system call
 * for the kernel's callback like any other (rax 23), never an iret (the
 * switcher's fast path tells ring 3 from ring 1 by the return address).
 */
static void user_forged_iret(void)
{
	u64 *frame = (u64 *)(USER_VA + GUEST_PAGE_SIZE + 1024);	/* the user stack page */

	frame[0] = 0x1234;				/* rax */
	frame[1] = frame[2] = frame[3] = 0;		/* r11, rcx, flags */
	frame[4] = (u64)hijack_landing;			/* rip */
	frame[5] = FLAT_RING1_CS64;
	frame[6] = 0x202;				/* rflags */
	frame[7] = (u64)hijack_stack + sizeof(hijack_stack) - 8;
	frame[8] = FLAT_RING1_SS64;
	memset(&ures, 0, sizeof(ures));
	ures.vector = ~0u;
	in_user_run = true;
	user_call(user_va_of(user_hypercall), __HYPERVISOR_iret, (u64)frame);
	in_user_run = false;
	if (ures.vector != TRAP_SYSCALL || ures.cs != FLAT_USER_CS || ures.rax != __HYPERVISOR_iret)
		test_fail("user mode: a forged iret gave %s cs %#lx rax %#lx; expected the syscall callback, cs %#x, rax %u",
			  trap_name(ures.vector), ures.cs, ures.rax, FLAT_USER_CS, __HYPERVISOR_iret);
}

static void user_hypercalls(void)
{
	static const char *const how[2] = { "entered by the iret hypercall",
					    "entered by the kernel's iretq" };

	for (int i = 0; i < 2; i++) {
		memset(&ures, 0, sizeof(ures));
		ures.vector = ~0u;
		in_user_run = true;
		(i ? user_iretq : user_call)(user_va_of(user_hypercall), __HYPERVISOR_xen_version,
					    USER_VA + 2 * GUEST_PAGE_SIZE);
		in_user_run = false;
		if ((ures.cs & 3) != 3)
			test_fail("user mode (%s): after its syscall the user code ran with CS %#lx (%s at %#lx): the hypervisor took it for the kernel's",
				  how[i], ures.cs, trap_name(ures.vector), ures.rip);
		else if (ures.vector == 6)
			test_fail("user mode (%s): syscall was a hypercall: xen_version answered %#lx",
				  how[i], ures.rax);
		else if (ures.vector != TRAP_SYSCALL || ures.cs != FLAT_USER_CS ||
			 ures.rax != __HYPERVISOR_xen_version)
			test_fail("user mode (%s): syscall gave %s cs %#lx rax %#lx; expected the syscall callback, cs %#x, rax %u",
				  how[i], trap_name(ures.vector), ures.cs, ures.rax,
				  FLAT_USER_CS, __HYPERVISOR_xen_version);
	}
}

static void user_fault(const char *what, u64 va, u64 err)
{
	user_do(user_read, va);
	if (ures.vector == 6)
		test_fail("user mode: %s worked (read %#lx)", what, ures.rax);
	else if (ures.vector != 14 || ures.err != err || ures.cr2 != va ||
		 ures.rip != user_va_of(user_read) || ures.cs != FLAT_USER_CS)
		test_fail("user mode: %s: %s error %#lx cr2 %#lx at %#lx cs %#lx; expected #PF error %#lx cr2 %#lx at %#lx cs %#x",
			  what, trap_name(ures.vector), ures.err, ures.cr2, ures.rip,
			  ures.cs, err, va, user_va_of(user_read), FLAT_USER_CS);
}

/*
 * The kernel opens the page of kernel_word to ring 3 as far as its own
 * tables go: U set in its L1, L2, L3 and L4 entries. Ring 3 must still
 * fault: the hypervisor keeps the upper half supervisor-only for ring 3
 * whatever the guest's entries say (its SYSCALL entry tells a ring-1
 * hypercall from a user system call by the upper half).
 */
static void upper_half_opened(void)
{
	u64 maddr[5], old[5];
	long rc[5];

	for (int level = 1; level <= 4; level++) {
		maddr[level] = entry_maddr(kernel_word, level);
		ASSERT(maddr[level] != 0);
		old[level] = entry_read(maddr[level]);
	}
	for (int level = 4; level >= 1; level--)
		rc[level] = mmu1(maddr[level], old[level] | PTE_US);
	printk("ring1: U set in the image's L4..L1 entries: mmu_update says %ld %ld %ld %ld\n",
	       rc[4], rc[3], rc[2], rc[1]);
	EXPECT_EQ(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
	user_fault("a read of the kernel's image, U set in its L4..L1 entries",
		   (u64)kernel_word, PF_P | PF_U);
	for (int level = 1; level <= 4; level++)
		if (!rc[level])
			ASSERT_EQ(mmu1(maddr[level], old[level]), 0);
	EXPECT_EQ(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
}

static void user_mode(void)
{
	unsigned me = my_slice();

	user_setup();
	/* The control case: user mode runs, reads its own page, #UD at ud2. */
	user_do(user_read, USER_VA);
	if (ures.vector != 6 || ures.rax != *(const u64 *)user_page ||
	    ures.cs != FLAT_USER_CS || ures.rip != user_va_of(user_read) + 3)
		test_error("the user-mode control case: %s at %#lx cs %#lx, rax %#lx; expected #UD at %#lx cs %#x, rax %#lx",
			   trap_name(ures.vector), ures.rip, ures.cs, ures.rax,
			   user_va_of(user_read) + 3, FLAT_USER_CS, *(const u64 *)user_page);
	for (unsigned i = 0; i < ARRAY_SIZE(sw_pages); i++) {
		char what[96];

		hv_snprintf(what, sizeof(what), "a read of the %s", sw_pages[i].name);
		user_fault(what, SW_PAGE_VA(me, sw_pages[i].page), PF_P | PF_U);
	}
	user_fault("a read of the kernel's image", (u64)kernel_word, PF_P | PF_U);
	user_hypercalls();
	user_forged_iret();
	upper_half_opened();
}

/*
 * nullss.list: a null SS with RPL 1, which 64-bit mode lets CPL 1 load,
 * must leave the kernel in ring 1: rdmsr is still #GP(0). (QEMU's TCG
 * takes the CPL from SS's DPL, which a null load leaves 0: there it
 * would run.) The kernel's own iretq then puts SS back.
 */
static void null_ss(void)
{
	u64 at;

	SKIP_UNLESS_FAST("a null SS in ring 1");
	trap_record_reset();
	asm volatile("movq %%ss, %%rbx\n\t"
		     "movl $1, %%eax\n\t"
		     "movl %%eax, %%ss\n\t"
		     "leaq 800f(%%rip), %0\n\t"
		     "movq $801f, trap_resume_rip(%%rip)\n"
		     "800:\trdmsr\n"
		     "801:\tmovq %%rsp, %%rdx\n\t"
		     "pushq %%rbx\n\t"
		     "pushq %%rdx\n\t"
		     "pushfq\n\t"
		     "movq %%cs, %%rdx\n\t"
		     "pushq %%rdx\n\t"
		     "leaq 802f(%%rip), %%rdx\n\t"
		     "pushq %%rdx\n\t"
		     "iretq\n"
		     "802:"
		     : "=&r"(at) : "c"(MSR_LSTAR) : "rax", "rbx", "rdx", "memory", "cc");
	if (!trap_count)
		test_fail("rdmsr of LSTAR ran after ring 1 loaded a null SS: the kernel got ring 0 (the CPU took the CPL from the null SS's DPL)");
	else
		expect_trap("rdmsr after a null SS load", at, 13, 0);
	EXPECT_EQ(read_rflags() & RFLAGS_IOPL, 0);
}

/*
 * leak.list: two fast-mode domains on one CPU share its switcher slice.
 * The victim makes its yields with RSP and r12-r15 set to marks of its
 * own, and single-steps an instruction with marks in rax and rcx (#DB
 * comes on an IST stack of the slice); the spy, after each of its yields (the victim ran in between),
 * reads every word of the slice's pages it can and must find no mark:
 * what one guest left in the switcher (its RSP at SYSCALL, its
 * registers on the entry stack) is not for the next.
 */
#define MARK		0x5eed00005eed0000UL
#define LEAK_ROUNDS	100

/* The victim's #DB: stop single-stepping, resume after the stepped insn. */
static void step_handler(struct trap_frame *f)
{
	f->rflags &= ~RFLAGS_TF;
}

static void leak_victim(void)
{
	long rc;

	trap_set_handler(1, step_handler);
	for (int i = 0; i < LEAK_ROUNDS; i++) {
		/* A single step: #DB, which the CPU takes on an IST stack. */
		asm volatile("movq %0, %%rax\n\t"
			     "leaq 1(%0), %%rcx\n\t"
			     "pushfq\n\t"
			     "orq $0x100, (%%rsp)\n\t"
			     "popfq\n\t"
			     "nop"
			     : : "r"(MARK + 0x200) : "rax", "rcx", "memory", "cc");
		asm volatile("movq %%rsp, %%rbx\n\t"
			     "movq %2, %%r12\n\t"
			     "leaq 1(%2), %%r13\n\t"
			     "leaq 2(%2), %%r14\n\t"
			     "leaq 3(%2), %%r15\n\t"
			     "movq %2, %%rsp\n\t"
			     "syscall\n\t"
			     "movq %%rbx, %%rsp"
			     : "=a"(rc)
			     : "0"((u64)__HYPERVISOR_sched_op), "r"(MARK + 0x100), "D"((u64)SCHEDOP_yield),
			       "S"(0UL)
			     : "rbx", "rcx", "r11", "r12", "r13", "r14", "r15", "memory");
		if (rc)
			test_error("yield returned %ld", rc);
	}
	printk("ring1: victim: %d yields with its marks in RSP and r12-r15, single steps with rax and rcx\n",
	       LEAK_ROUNDS);
}

static void leak_spy(void)
{
	u32 reported = 0;	/* a bit per sw_pages[] entry already reported */

	for (int i = 0; i < LEAK_ROUNDS; i++) {
		unsigned me;

		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		me = my_slice();
		for (unsigned k = 0; k < ARRAY_SIZE(sw_pages); k++) {
			u64 va = SW_PAGE_VA(me, sw_pages[k].page), v;

			if (reported & (1u << k))
				continue;
			for (unsigned w = 0; w < GUEST_PAGE_SIZE / 8; w++) {
				if (!try_read(va + w * 8, &v))
					break;
				/* Shifted: the spy itself holds MARK >> 12, never MARK. */
				if (v >> 12 == MARK >> 12) {
					test_fail("the %s holds the other domain's %#lx at %#lx (round %d)",
						  sw_pages[k].name, v, va + w * 8, i);
					reported |= 1u << k;
				}
			}
		}
	}
	printk("ring1: spy: %d rounds read\n", LEAK_ROUNDS);
}

/*
 * kstack.list: the kernel's stack_switch stack in the switcher's data page
 * (writable, and so the one page of slot 271 a ring-0 store could reach).
 * A system call from ring 3 must not get its bounce frame written there:
 * the hypervisor writes a guest's frames into the guest's memory only,
 * and crashes the domain otherwise (as traps-bad_stack shows for the
 * direct map). Whether the switcher's fast path or the hypervisor bounces
 * it (fastpath=off), the domain must crash before the callback runs.
 */
/*
 * nostack.list, nostack_pf.list: the kernel's stack_switch stack where
 * nothing is mapped (the kernel half, far from the image). The switcher's
 * fast path for a user system call (nostack=syscall) or a user page fault
 * (nostack=pf) then faults on its first store to the kernel stack: the
 * exception table sends it to the slow path (sw_fast_fault,
 * sw_fast_pf_fault), whose bounce fails the same way and crashes the
 * domain, as compat mode would. The callback or #PF handler never runs.
 */
static void kstack_unmapped(bool pf)
{
	u64 sp = 0xffffc90000100000UL;

	SKIP_UNLESS_FAST("the fast paths' faults");
	user_setup();
	ASSERT_EQ(HYPERVISOR_stack_switch(KERNEL_SS, sp), 0);
	printk("ring1: nostack: a user %s with the kernel stack at %#lx (unmapped)\n",
	       pf ? "page fault" : "system call", sp);
	in_user_run = true;
	if (pf)
		user_call(user_va_of(user_read), USER_VA + 8 * GUEST_PAGE_SIZE,
			  USER_VA + 2 * GUEST_PAGE_SIZE);
	else
		user_call(user_va_of(user_hypercall), __HYPERVISOR_xen_version,
			  USER_VA + 2 * GUEST_PAGE_SIZE);
	in_user_run = false;
	test_fail("the %s was delivered (%s) with the kernel stack unmapped (rsp %#lx)",
		  pf ? "page fault" : "system call", trap_name(ures.vector), sp);
}

static void kstack_in_switcher(void)
{
	u64 sp;

	SKIP_UNLESS_FAST("the kernel stack in the switcher");
	sp = SW_PAGE_VA(my_slice(), SW_DATA_PAGE) + 0x800;
	user_setup();
	ASSERT_EQ(HYPERVISOR_stack_switch(KERNEL_SS, sp), 0);
	printk("ring1: kstack: a user system call with the kernel stack at %#lx\n", sp);
	in_user_run = true;
	user_call(user_va_of(user_hypercall), __HYPERVISOR_xen_version, USER_VA + 2 * GUEST_PAGE_SIZE);
	in_user_run = false;
	test_fail("the system call was bounced (%s) with its frame in the switcher's data page (rsp %#lx)",
		  trap_name(ures.vector), sp);
}

void test_main(const struct start_info *si)
{
	char role[16], how[16];

	(void)si;
	traps_init();
	if (cmdline_get("role", role, sizeof(role))) {
		if (!strcmp(role, "victim")) {	/* in either mode (leak_mixed.list) */
			leak_victim();
			return;
		}
		SKIP_UNLESS_FAST("the switcher's pages between two domains");
		leak_spy();
		return;
	}
	if (cmdline_get("nostack", how, sizeof(how))) {
		if (!shared_info_map())
			test_error("shared_info cannot be mapped");
		kstack_unmapped(!strcmp(how, "pf"));
		return;
	}
	if (cmdline_get("kstack", NULL, 0)) {
		if (!shared_info_map())
			test_error("shared_info cannot be mapped");
		kstack_in_switcher();
		return;
	}
	if (cmdline_get("nullss", NULL, 0)) {
		if (!shared_info_map())
			test_error("shared_info cannot be mapped");
		null_ss();
		return;
	}
	if (!shared_info_map())
		test_error("shared_info cannot be mapped (cr2 is read from vcpu_info)");
	privileged();
	cr4_tsd();
	popf();
	far_returns();
	iret_hypercall_to_hv();
	selectors();
	m2p_readonly();
	if (!guest_fast_mode())
		test_skip("privileged instructions, popf, far returns, lar and the M2P checked; the ring-1 checks (CS/SS RPL 1, the switcher and the hypervisor's slots, ring 3 kept out of the upper half) are fast mode's");
	ring_one();
	hv_slots();
	user_mode();
}
