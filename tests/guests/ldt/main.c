/*
 * ldt: the guest's descriptor tables as the CPU uses them: LDTs, call
 * gates, the hypervisor's selectors and 16-bit stacks, from guest kernel
 * and guest user mode.
 *
 * Both the guest kernel and its user processes run in ring 3, and the CPU
 * reads their GDT and LDT for real (docs/isolation.md, "Descriptor tables
 * and segments"). Nothing in them may lead to ring 0 or to the
 * hypervisor's memory:
 *
 * role=a and role=b (domains.list): each sets up an LDT of its own
 * (MMUEXT_SET_LDT; the hypervisor maps its page on first use, after
 * checking all 512 descriptors) with a data segment whose base and a
 * segment whose limit differ per domain, reads through it from kernel and
 * user mode (mov to %fs, %fs:0, lsl), and yields to the other after every
 * check, 50 rounds with %fs kept loaded: each must always see its own. A
 * call gate in it (to FLAT_KERNEL_CS, allowed) gets DPL 0: lcall through
 * it is #GP(gate), as in the GDT.
 * Domain a then checks what is refused, with Xen's answers:
 *   - SET_LDT: a misaligned, non-canonical or hypervisor address, more
 *     than 8192 entries: -EINVAL (the address is ignored with 0 entries);
 *   - a selector beyond the LDT's limit: #GP(selector), kernel and user;
 *   - while an LDT page is in use, mapping it writable: -EBUSY; after
 *     SET_LDT(0) or NEW_BASEPTR to other tables it is plain memory again;
 *   - an LDT page holding a call gate to the hypervisor's CS, a TSS or an
 *     LDT descriptor, mapped writable, or not present: the first use is a
 *     #PF at the descriptor's guest address (error code 0 in kernel, 4 in
 *     user mode), and so is an iret to a stack segment there;
 *   - a direct read of the hypervisor's LDT area: a plain #PF there; the
 *     hypervisor's own first touch (SEGBASE_GS_USER_SEL) maps the page;
 *   - a return to 32-bit code on a 16-bit stack segment (which would leave
 *     the hypervisor's RSP[63:16] in the guest's RSP) by the iret hypercall
 *     from user and kernel mode, and by a user program that loads SS itself
 *     and is interrupted: #GP(SS selector), and the 32-bit code never sees
 *     its ESP; with a 32-bit stack segment the same code runs and reports
 *     exactly the ESP it was given (the control that shows the leak would
 *     be seen).
 * Domain a ends with its LDT still mapped: the teardown must drop it (the
 * runner rejects any leaked reference).
 *
 * role=gates (gates.list), beside role=neighbour, which must keep running
 * and pass:
 *   - issue 9's exploit: a 64-bit call gate to 0xe008 written at linear
 *     0x1000 and an lcall through selector 0x1007 (entry 0x200 of an LDT
 *     at 0, which is what a never-loaded LDTR is): #GP(0x1004), as Xen
 *     (XTF's xsa-298);
 *   - a call gate in the GDT: its DPL is forced to 0, so lcall through it
 *     is #GP(0x20); a gate to the hypervisor's CS is refused by set_gdt;
 *   - lcall, ljmp, lret and iretq to 0xe008, 0xe010, 0xe038: #GP(selector);
 *     the iret hypercall to 0xe008: the same #GP, reflected;
 *   - lgdt, lidt, lldt, ltr: #GP(0).
 * Each from guest kernel and guest user mode.
 */
#include "guest.h"
#include "events.h"
#include "mmu.h"
#include "traps.h"
#include "layout.h"

const char test_title[] = "LDTs, call gates, hypervisor selectors, 16-bit stacks";

#define PAGE		GUEST_PAGE_SIZE
#define LOW_GATE	0x1000UL	/* the exploit's page; also "mapped writable" */
#define LOW_CODE	0x2000UL	/* the 32-bit stubs */
#define LOW_LDT		0x3000UL	/* a legal LDT */
#define LOW_BAD_GATE	0x4000UL	/* LDT pages check_descriptor() refuses */
#define LOW_BAD_TSS	0x5000UL
#define LOW_BAD_LDT	0x6000UL
#define LOW_DATA	0x7000UL	/* read through LDT segments; the 32-bit stack */
#define LOW_PAGES	7
#define LOW_NP		0x8000UL	/* its PTE is never present */
#define LOW_STACK	(LOW_DATA + 0xff0)

#define PTE_RO		(PTE_P | PTE_US | PTE_A)
#define LDT_ENTS	16

/* LDT selectors (RPL 3) and what the legal LDT holds there. */
#define SEL_DATA	0x0f	/* entry 1: data, base per domain, written with DPL 0 */
#define SEL_LIMIT	0x17	/* entry 2: data, limit per domain */
#define SEL_SS16	0x1f	/* entry 3: 16-bit writable data (B = 0) */
#define SEL_SS32	0x27	/* entry 4: 32-bit writable data */
#define SEL_GATE	0x37	/* entries 6-7: a call gate to FLAT_KERNEL_CS (DPL forced to 0) */
#define SEL_BEYOND	0x87	/* entry 16: past LDT_ENTS */

#define HV_CS		0xe008
#define HV_DS		0xe010
#define HV_CS32		0xe038
#define KERNEL_CS32	0xe021	/* FLAT_RING3_CS32 with RPL 1: the iret stays in the kernel */

/* Slot 0 of the per-vCPU range (hv/include/layout.h): the first domain's LDT pages. */
#define LDT_AREA	(PERVCPU_VIRT_START + 0x10000UL)
#define MSR_KERNEL_GS_BASE	0xc0000102

/* user.S */
long user_run(u64 rip, u64 rsp, u64 rflags, u64 cs, u64 ss);
extern char user_return[];
extern const char stub32_start[], stub32_end[], stub_esp[], stub_spin16[];
u64 user_kernel_rsp;

static u8 window[PAGE] __aligned(PAGE);
static u8 kstack[16384] __aligned(16);
static u8 ustack[16384] __aligned(16);
static u64 low_mfn[LOW_PAGES];
static u64 kernel_l4, spare_next;
static char side;

/* ---- Descriptors ---------------------------------------------------------- */

/* A code or data descriptor: access byte (P DPL S type), flags G/DB in the high nibble. */
static u64 seg_desc(u32 base, u32 limit, u8 access, u8 flags)
{
	return (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40) |
	       ((u64)((limit >> 16) & 0xf) << 48) | ((u64)(flags & 0xf0) << 48) |
	       ((u64)(base >> 24) << 56);
}

#define DATA_RW_DPL0	0x92
#define DATA_RW_DPL3	0xf2
#define FLAG_DB		0x40
#define FLAG_G		0x80

/* A 64-bit call gate, DPL 3, to sel:off: two descriptor slots. */
static void call_gate(u64 *d, u16 sel, u64 off)
{
	d[0] = (off & 0xffff) | ((u64)sel << 16) | (0xecUL << 40) | (((off >> 16) & 0xffff) << 48);
	d[1] = off >> 32;
}

static u32 domain_base(void)
{
	return (u32)LOW_DATA + (side == 'b' ? 0x100 : 0);
}

static u32 domain_limit(void)
{
	return side == 'b' ? 0x2222 : 0x1111;
}

static u64 domain_magic(void)
{
	return 0x4c44540000000000UL | ((u64)side << 32) | 0x600d;
}

/* ---- Segment instructions ------------------------------------------------ */

static u64 fs_load_read(u16 sel)
{
	u64 v;

	asm volatile("movw %w1, %%fs\n\tmovq %%fs:0, %0" : "=r"(v) : "r"((u32)sel) : "memory");
	return v;
}

static u64 fs_read(void)
{
	u64 v;

	asm volatile("movq %%fs:0, %0" : "=r"(v) : : "memory");
	return v;
}

static u16 read_gs_sel(void)
{
	u16 sel;

	asm volatile("movw %%gs, %0" : "=r"(sel));
	return sel;
}

static u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static void fs_clear(void)
{
	asm volatile("movw %w0, %%fs" : : "r"(0));
}

/* lsl: the limit, or ~0 if the CPU calls the selector invalid. */
static u64 seg_limit(u16 sel)
{
	u64 lim = ~0UL;
	u8 ok;

	asm volatile("lsl %2, %0\n\tsetz %1" : "+r"(lim), "=q"(ok) : "r"((u64)sel));
	return ok ? lim : ~0UL;
}

/* ---- Memory ------------------------------------------------------------------ */

static u64 next_spare(void)
{
	return spare_mfn((unsigned)spare_next++, NULL);
}

/*
 * Pages at 0x1000-0x7fff in the kernel's tables (L4 slot 0, shared by the
 * user L4 built after it), writable and executable, zeroed.
 */
static void map_low(void)
{
	u64 l3 = next_spare(), l2 = next_spare(), l1 = next_spare();
	const u64 table = PTE_P | PTE_RW | PTE_US | PTE_A;
	u64 *w = (u64 *)window;

	for (int i = 0; i < LOW_PAGES; i++) {
		low_mfn[i] = next_spare();
		frame_zero(window, low_mfn[i]);
	}
	ASSERT_EQ(window_map(window, l1, PTE_FLAGS), 0);
	memset(window, 0, PAGE);
	for (int i = 0; i < LOW_PAGES; i++)
		w[1 + i] = (low_mfn[i] << 12) | PTE_FLAGS;
	window_restore(window);
	frame_fill_table(window, l2, NULL, 0, (l1 << 12) | table);
	frame_fill_table(window, l3, NULL, 0, (l2 << 12) | table);
	ASSERT_EQ(mmu1(kernel_l4 << 12, (l3 << 12) | table), 0);
}

static u64 low_frame(u64 va)
{
	return low_mfn[va / PAGE - 1];
}

static void low_protect(u64 va, bool writable)
{
	ASSERT_EQ(remap_page((void *)va, low_frame(va), writable ? PTE_FLAGS : PTE_RO), 0);
}

/* A copy of the kernel's L4, pinned: a user L4, or other kernel tables. */
static u64 copy_l4(void)
{
	u64 l4 = next_spare();
	const u64 *k = (const u64 *)start_info->pt_base;

	frame_fill_table(window, l4, k, 0, k[0]);
	ASSERT_EQ(pin(4, l4), 0);
	return l4;
}

static long set_ldt(u64 va, u32 ents)
{
	struct mmuext_op op = { .cmd = MMUEXT_SET_LDT, .arg1.linear_addr = va,
				.arg2.nr_ents = ents };
	u64 done = 0;

	return HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF);
}

/* Can the frame behind va be mapped writable now? (Not while it is an LDT page.) */
static long try_writable(u64 va)
{
	long rc = window_map(window, low_frame(va), PTE_FLAGS);

	if (!rc)
		window_restore(window);
	return rc;
}

/* ---- Into user mode and 32-bit code, and back ------------------------------------ */

struct seen {
	int count;
	struct trap_frame f;
	u64 rax;
};
static struct seen int82, gp_exit;

static void back_to_kernel(struct trap_frame *f, u64 code)
{
	f->regs->rax = code;
	f->rip = (u64)user_return;
	f->cs = FLAT_KERNEL_CS & ~3UL;	/* RPL 0: the iret stays in kernel mode */
	f->ss = FLAT_KERNEL_SS;
	f->rsp = user_kernel_rsp;
	f->rflags = 0x2;
	f->iret_flags = 0;
}

static void record(struct seen *s, struct trap_frame *f)
{
	s->count++;
	s->f = *f;
	s->f.regs = NULL;
	s->rax = f->regs->rax;
}

/* int $0x82 (DPL 3): the way back from user mode and 32-bit code. */
static void int82_handler(struct trap_frame *f)
{
	record(&int82, f);
	back_to_kernel(f, 0x82);
}

/* While a return must fail: its #GP (or #PF) ends the run. */
static void gp_exit_handler(struct trap_frame *f)
{
	record(&gp_exit, f);
	back_to_kernel(f, f->vector);
}

static long run_user(void (*fn)(void))
{
	return user_run((u64)fn, (u64)ustack + sizeof(ustack), 0x2, FLAT_USER_CS, FLAT_USER_SS);
}

/* The address of a 32-bit stub in its low copy. */
static u64 stub(const char *which)
{
	return LOW_CODE + (u64)(which - stub32_start);
}

/*
 * Run a stub at cs:rip on ss:LOW_STACK with events as rflags says; returns
 * 0x82 if it reported by int $0x82, 13 or 14 if the return (or the code)
 * was a #GP or #PF (in gp_exit).
 */
static long run_compat(u64 rip, u64 cs, u64 ss, u64 rflags)
{
	long rc;

	memset(&gp_exit, 0, sizeof(gp_exit));
	trap_set_handler(13, gp_exit_handler);
	trap_set_handler(14, gp_exit_handler);
	rc = user_run(rip, LOW_STACK, rflags, cs, ss);
	trap_set_handler(13, NULL);
	trap_set_handler(14, NULL);
	return rc;
}

/* ---- What the user programs saw ------------------------------------------------------ */

struct trap_seen {
	u64 at, count;
	struct trap_frame f;
};

#define TRAP_INTO(t, insn, ...)						\
	do {								\
		u64 _before = trap_count;				\
		(t)->at = TRAP_EXPECT(insn, ##__VA_ARGS__);		\
		(t)->count = trap_count - _before;			\
		(t)->f = trap_last;					\
	} while (0)

static void expect_trap(const char *what, const struct trap_seen *t, unsigned vec,
			u64 err, bool user)
{
	if (t->count != 1) {
		test_fail("%s: %lu exceptions, expected 1 (%s)", what, t->count, trap_name(vec));
		return;
	}
	if (t->f.vector != vec || t->f.error_code != err || t->f.rip != t->at)
		test_fail("%s: %s(%#lx) at %#lx, expected %s(%#lx) at %#lx", what,
			  trap_name(t->f.vector), t->f.error_code, t->f.rip,
			  trap_name(vec), err, t->at);
	if (((t->f.cs & 3) == 3) != user)
		test_fail("%s: the fault came from cs %#lx, expected %s mode", what,
			  t->f.cs, user ? "user" : "kernel");
}

static void expect_pf(const char *what, const struct trap_seen *t, u64 cr2, bool user)
{
	expect_trap(what, t, 14, user ? 4 : 0, user);
	if (t->count == 1 && t->f.cr2 != cr2)
		test_fail("%s: #PF at %#lx, expected %#lx", what, t->f.cr2, cr2);
}

/* ---- role=a, role=b: an LDT of one's own ---------------------------------------------- */

static void fill_legal_ldt(void)
{
	volatile u64 *d = (volatile u64 *)LOW_LDT;

	memset((void *)LOW_LDT, 0, PAGE);
	d[SEL_DATA >> 3] = seg_desc(domain_base(), 0xfff, DATA_RW_DPL0, FLAG_DB);
	d[SEL_LIMIT >> 3] = seg_desc(0, domain_limit(), DATA_RW_DPL3, FLAG_DB);
	d[SEL_SS16 >> 3] = seg_desc(0, 0xffff, DATA_RW_DPL3, 0);
	d[SEL_SS32 >> 3] = seg_desc(0, 0xfffff, DATA_RW_DPL3, FLAG_DB | FLAG_G);
	call_gate((u64 *)LOW_LDT + (SEL_GATE >> 3), FLAT_KERNEL_CS, (u64)user_return);
	*(volatile u64 *)(u64)domain_base() = domain_magic();
	low_protect(LOW_LDT, false);
}

static struct {
	u64 fs0, lsl;
	struct trap_seen beyond, bad, gate;
} ut;

static struct far32 {
	u32 off;
	u16 sel;
} __packed far_ptr;

static void far_call(struct trap_seen *t, u16 sel)
{
	far_ptr.off = 0;
	far_ptr.sel = sel;
	TRAP_INTO(t, "lcall *%1", "m"(far_ptr));
}

static void user_ldt_reads(void)
{
	ut.fs0 = fs_load_read(SEL_DATA);
	ut.lsl = seg_limit(SEL_LIMIT);
	fs_clear();
	TRAP_INTO(&ut.beyond, "movw %w1, %%fs", "r"((u64)SEL_BEYOND));
	far_call(&ut.gate, SEL_GATE);
	asm volatile("int $0x82" ::: "memory");
}

static void user_bad_ldt(void)
{
	TRAP_INTO(&ut.bad, "movw %w1, %%fs", "r"((u64)SEL_DATA));
	asm volatile("int $0x82" ::: "memory");
}

static bool own_ldt_ok(const char *when, int round)
{
	u64 fs0 = fs_read(), lsl = seg_limit(SEL_LIMIT);

	if (fs0 != domain_magic() || lsl != domain_limit()) {
		test_fail("%s %d: %%fs:0 %#lx, lsl %#lx; expected this domain's %#lx, %#x",
			  when, round, fs0, lsl, domain_magic(), domain_limit());
		return false;
	}
	return true;
}

static void ldt_own(void)
{
	const volatile u64 *d = (const volatile u64 *)LOW_LDT;

	fill_legal_ldt();
	ASSERT_EQ(set_ldt(LOW_LDT, LDT_ENTS), 0);

	/* Kernel mode: the first use maps the page, after checking it. */
	EXPECT_EQ(fs_load_read(SEL_DATA), domain_magic());
	EXPECT_EQ(seg_limit(SEL_LIMIT), domain_limit());
	EXPECT_EQ((d[SEL_DATA >> 3] >> 45) & 3, 3);	/* DPL raised to 3 */
	EXPECT_EQ(try_writable(LOW_LDT), -XEN_EBUSY);	/* in use as an LDT page */
	EXPECT_EQ((d[SEL_GATE >> 3] >> 45) & 3, 0);	/* the gate's DPL: 0 */
	{
		struct trap_seen t;

		far_call(&t, SEL_GATE);
		expect_trap("kernel: lcall through an LDT call gate", &t, 13, SEL_GATE & ~3UL,
			    false);
	}

	/* Across switches to the other domain, %fs kept loaded. */
	for (int r = 0; r < 50; r++) {
		if (!own_ldt_ok("round", r))
			break;
		EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
		if (!own_ldt_ok("after a yield, round", r))
			break;
		EXPECT_EQ(fs_load_read(SEL_DATA), domain_magic());
	}
	fs_clear();

	/* User mode: the same LDT, and its limit. */
	EXPECT_EQ(run_user(user_ldt_reads), 0x82);
	EXPECT_EQ(ut.fs0, domain_magic());
	EXPECT_EQ(ut.lsl, domain_limit());
	expect_trap("user: selector beyond the LDT", &ut.beyond, 13, SEL_BEYOND & ~3UL, true);
	expect_trap("user: lcall through an LDT call gate", &ut.gate, 13, SEL_GATE & ~3UL, true);
}

static void ldt_refused(void)
{
	struct trap_seen t;
	u64 l4b;

	/* Arguments (Xen's checks). */
	EXPECT_EQ(set_ldt(LOW_LDT + 8, 1), -XEN_EINVAL);
	EXPECT_EQ(set_ldt(LOW_LDT, 8193), -XEN_EINVAL);
	EXPECT_EQ(set_ldt(0x0000800000000000UL, 1), -XEN_EINVAL);
	EXPECT_EQ(set_ldt(0xffff800000000000UL, 1), -XEN_EINVAL);
	EXPECT_EQ(set_ldt(0xffff830000000000UL, 1), -XEN_EINVAL);
	EXPECT_EQ(set_ldt(LOW_LDT, 8192), 0);
	EXPECT_EQ(set_ldt(LOW_LDT + 8, 0), 0);		/* no LDT: the address is ignored */
	EXPECT_EQ(set_ldt(LOW_LDT, LDT_ENTS), 0);

	/* Beyond the limit, in kernel mode. */
	TRAP_INTO(&t, "movw %w1, %%fs", "r"((u64)SEL_BEYOND));
	expect_trap("kernel: selector beyond the LDT", &t, 13, SEL_BEYOND & ~3UL, false);

	/* SET_LDT(0): the page is the guest's again, the selector is dead. */
	EXPECT_EQ(fs_load_read(SEL_DATA), domain_magic());
	fs_clear();
	EXPECT_EQ(try_writable(LOW_LDT), -XEN_EBUSY);
	EXPECT_EQ(set_ldt(0, 0), 0);
	EXPECT_EQ(try_writable(LOW_LDT), 0);
	TRAP_INTO(&t, "movw %w1, %%fs", "r"((u64)SEL_DATA));
	expect_trap("kernel: LDT selector with no LDT", &t, 13, SEL_DATA & ~3UL, false);

	/* NEW_BASEPTR to other tables drops the shadow too; back, it maps again. */
	EXPECT_EQ(set_ldt(LOW_LDT, LDT_ENTS), 0);
	EXPECT_EQ(fs_load_read(SEL_DATA), domain_magic());
	fs_clear();
	l4b = copy_l4();
	EXPECT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, l4b, 0), 0);
	EXPECT_EQ(try_writable(LOW_LDT), 0);
	EXPECT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, kernel_l4, 0), 0);
	EXPECT_EQ(fs_load_read(SEL_DATA), domain_magic());
	fs_clear();
	EXPECT_EQ(try_writable(LOW_LDT), -XEN_EBUSY);
	EXPECT_EQ(unpin(l4b), 0);

	/*
	 * The LDT area is the hypervisor's: a direct read of it is a plain #PF
	 * there, never served as an LDT access (this domain is the boot's
	 * first: its area is slot 0 of the per-vCPU range).
	 */
	EXPECT_EQ(set_ldt(LOW_LDT + PAGE, LDT_ENTS), 0);
	EXPECT_EQ(set_ldt(LOW_LDT, LDT_ENTS), 0);	/* nothing mapped now */
	TRAP_INTO(&t, "cmpq $0, (%1)", "r"(LDT_AREA + (SEL_DATA & ~7UL)));
	expect_pf("kernel: a read of the hypervisor's LDT area", &t,
		  LDT_AREA + (SEL_DATA & ~7UL), false);

	/* The hypervisor's own first touch: loading the user %gs for us. */
	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, SEL_DATA), 0);
	EXPECT_EQ(read_gs_sel(), SEL_DATA);
	EXPECT_EQ(rdmsr(MSR_KERNEL_GS_BASE), domain_base());
	EXPECT_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0), 0);

	/* LDT pages the hypervisor must refuse: #PF at the descriptor, first use. */
	call_gate((u64 *)LOW_BAD_GATE + 1, HV_CS, LOW_CODE);
	((u64 *)LOW_BAD_TSS)[1] = 0x0000890000000067UL;
	((u64 *)LOW_BAD_LDT)[1] = 0x0000820000000fffUL;
	low_protect(LOW_BAD_GATE, false);
	low_protect(LOW_BAD_TSS, false);
	low_protect(LOW_BAD_LDT, false);
	{
		static const struct { u64 va; const char *what; } bad[] = {
			{ LOW_BAD_GATE, "kernel: an LDT with a call gate to 0xe008" },
			{ LOW_BAD_TSS, "kernel: an LDT with a TSS descriptor" },
			{ LOW_BAD_LDT, "kernel: an LDT with an LDT descriptor" },
			{ LOW_GATE, "kernel: an LDT page mapped writable" },
		};

		for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
			EXPECT_EQ(set_ldt(bad[i].va, LDT_ENTS), 0);
			TRAP_INTO(&t, "movw %w1, %%fs", "r"((u64)SEL_DATA));
			expect_pf(bad[i].what, &t, bad[i].va + (SEL_DATA & ~7UL), false);
			EXPECT_EQ(try_writable(bad[i].va), 0);	/* no type taken */
		}
	}
	/* A PTE that is not present, even naming a good LDT frame: #PF. */
	EXPECT_EQ(HYPERVISOR_update_va_mapping(LOW_NP, low_frame(LOW_LDT) << 12,
					       UVMF_INVLPG | UVMF_LOCAL), 0);
	EXPECT_EQ(set_ldt(LOW_NP, LDT_ENTS), 0);
	TRAP_INTO(&t, "movw %w1, %%fs", "r"((u64)SEL_DATA));
	expect_pf("kernel: an LDT whose page is not present", &t, LOW_NP + (SEL_DATA & ~7UL),
		  false);
	EXPECT_EQ(HYPERVISOR_update_va_mapping(LOW_NP, 0, UVMF_INVLPG | UVMF_LOCAL), 0);

	EXPECT_EQ(set_ldt(LOW_BAD_GATE, LDT_ENTS), 0);
	EXPECT_EQ(run_user(user_bad_ldt), 0x82);
	expect_pf("user: an LDT with a call gate to 0xe008", &ut.bad,
		  LOW_BAD_GATE + (SEL_DATA & ~7UL), true);

	/* The iret hypercall to a stack segment in that LDT: the same #PF. */
	memcpy((void *)LOW_CODE, stub32_start, (size_t)(stub32_end - stub32_start));
	EXPECT_EQ(run_compat(stub(stub_esp), KERNEL_CS32, SEL_SS32, 0x2), 14);
	EXPECT_EQ(gp_exit.f.error_code, 0);
	EXPECT_EQ(gp_exit.f.cr2, LOW_BAD_GATE + (SEL_SS32 & ~7UL));
	EXPECT_EQ(gp_exit.f.rip, stub(stub_esp));
	EXPECT_EQ(set_ldt(LOW_LDT, LDT_ENTS), 0);
}

/*
 * 16-bit stacks. With SS 32-bit the stub reports the ESP it was given;
 * with SS 16-bit the return is refused with #GP(SS) before the stub runs.
 */
static void expect_refused(const char *what, long rc, u64 rip, u64 cs, u64 ss)
{
	if (rc == 0x82) {
		test_fail("%s: the 32-bit code ran on a 16-bit stack and saw ESP %#lx (rsp %#lx, given %#lx): the hypervisor's stack address",
			  what, int82.rax, int82.f.rsp, LOW_STACK);
		return;
	}
	EXPECT_EQ(rc, 13);
	if (gp_exit.f.vector != 13 || gp_exit.f.error_code != (ss & ~3UL) ||
	    gp_exit.f.ss != ss || gp_exit.f.cs != cs || gp_exit.f.rip != rip)
		test_fail("%s: %s(%#lx) with cs %#lx ss %#lx rip %#lx; expected #GP(%#lx), cs %#lx ss %#lx rip %#lx",
			  what, trap_name(gp_exit.f.vector), gp_exit.f.error_code,
			  gp_exit.f.cs, gp_exit.f.ss, gp_exit.f.rip, ss & ~3UL, cs, ss, rip);
}

static void expect_ran(const char *what, long rc)
{
	if (rc != 0x82) {
		test_fail("%s: the stub did not run (%ld, error %#lx)", what, rc,
			  gp_exit.f.error_code);
		return;
	}
	if (int82.rax != LOW_STACK || int82.f.rsp != LOW_STACK)
		test_fail("%s: the stub saw ESP %#lx (rsp %#lx), expected %#lx", what,
			  int82.rax, int82.f.rsp, LOW_STACK);
}

static void stack16(void)
{
	u64 spin = stub(stub_spin16), gdt = next_spare();
	u64 *w = (u64 *)window;
	long rc;

	memcpy((void *)LOW_CODE, stub32_start, (size_t)(stub32_end - stub32_start));

	rc = run_compat(stub(stub_esp), FLAT_USER_CS32, SEL_SS32, 0x2);
	expect_ran("user, 32-bit stack", rc);
	rc = run_compat(stub(stub_esp), FLAT_USER_CS32, SEL_SS16, 0x2);
	expect_refused("user, iret to a 16-bit stack", rc, stub(stub_esp), FLAT_USER_CS32,
		       SEL_SS16);
	rc = run_compat(stub(stub_esp), KERNEL_CS32, SEL_SS32, 0x2);
	expect_ran("kernel, 32-bit stack", rc);
	rc = run_compat(stub(stub_esp), KERNEL_CS32, SEL_SS16, 0x2);
	expect_refused("kernel, iret to a 16-bit stack", rc, stub(stub_esp),
		       FLAT_USER_CS32 & ~3UL, SEL_SS16);
	/* 64-bit code: iretq loads all of RSP, nothing to refuse. */
	rc = run_compat(stub(stub_esp), FLAT_USER_CS, SEL_SS16, 0x2);
	expect_ran("user, 64-bit code on a 16-bit stack", rc);

	/* A 16-bit stack segment in the GDT, at Linux's user SS (0x2b). */
	ASSERT_EQ(window_map(window, gdt, PTE_FLAGS), 0);
	memset(window, 0, PAGE);
	w[5] = seg_desc(0, 0xffff, DATA_RW_DPL3, 0);
	window_restore(window);
	ASSERT_EQ(HYPERVISOR_set_gdt(&gdt, 16), 0);
	rc = run_compat(stub(stub_esp), FLAT_USER_CS32, 0x2b, 0x2);
	expect_refused("user, iret to a 16-bit stack in the GDT", rc, stub(stub_esp),
		       FLAT_USER_CS32, 0x2b);
	EXPECT_EQ(HYPERVISOR_set_gdt(NULL, 0), 0);

	/* A user program loads the 16-bit SS itself; a timer event interrupts it. */
	ASSERT_EQ(timer_set_singleshot(system_time() + 2 * NSEC_PER_MSEC), 0);
	rc = run_compat(spin, FLAT_USER_CS32, SEL_SS32, 0x202);
	if (rc == 13 && gp_exit.f.rip > spin && gp_exit.f.rip < stub(stub32_end))
		gp_exit.f.rip = spin;	/* anywhere in the loop will do */
	expect_refused("user, SS loaded by the program, interrupted", rc, spin, FLAT_USER_CS32,
		       SEL_SS16);
	timer_stop_singleshot();
}

/* ---- role=gates ------------------------------------------------------------------------- */

static void far_jmp(struct trap_seen *t, u16 sel)
{
	far_ptr.off = 0;
	far_ptr.sel = sel;
	TRAP_INTO(t, "ljmp *%1", "m"(far_ptr));
}

/*
 * lret and iretq to sel: the pushes stay behind when the return faults, so
 * RSP is put back after the resume point; the fault is at the return.
 */
static void far_ret(struct trap_seen *t, u16 sel)
{
	u64 before = trap_count;

	asm volatile("movq %%rsp, %%rbx\n\t"
		     "pushq %1\n\tpushq $0\n\t"
		     "leaq 1f(%%rip), %0\n\t"
		     "movq $2f, trap_resume_rip(%%rip)\n"
		     "1: lretq\n"
		     "2: movq %%rbx, %%rsp"
		     : "=&r"(t->at) : "r"((u64)sel) : "rbx", "memory", "cc");
	t->count = trap_count - before;
	t->f = trap_last;
}

static void far_iret(struct trap_seen *t, u16 sel)
{
	u64 before = trap_count;

	asm volatile("movq %%rsp, %%rbx\n\t"
		     "pushq $0xe02b\n\tpushq %%rbx\n\tpushfq\n\tpushq %1\n\tpushq $0\n\t"
		     "leaq 1f(%%rip), %0\n\t"
		     "movq $2f, trap_resume_rip(%%rip)\n"
		     "1: iretq\n"
		     "2: movq %%rbx, %%rsp"
		     : "=&r"(t->at) : "r"((u64)sel) : "rbx", "memory", "cc");
	t->count = trap_count - before;
	t->f = trap_last;
}

static void desc_table_load(struct trap_seen *t, int which)
{
	static u8 zero[16];

	switch (which) {
	case 0:
		TRAP_INTO(t, "lgdt %1", "m"(zero));
		break;
	case 1:
		TRAP_INTO(t, "lidt %1", "m"(zero));
		break;
	case 2:
		TRAP_INTO(t, "lldt %w1", "r"((u64)0));
		break;
	default:
		TRAP_INTO(t, "ltr %w1", "r"((u64)0xe040));
		break;
	}
}

#define NR_ATTEMPTS	(1 + 1 + 4 * 3 + 4)

struct attempt {
	const char *what;
	u64 err;
	struct trap_seen t;
};
static struct attempt attempts[NR_ATTEMPTS];

static void set_attempt(int *n, const char *what, u64 err)
{
	attempts[*n].what = what;
	attempts[*n].err = err;
	(*n)++;
}

static const char *const load_names[4] = { "lgdt", "lidt", "lldt", "ltr" };

/* Every attempt of role=gates, in the mode it runs in. */
static void gate_attempts(void)
{
	static const u16 hv_sels[3] = { HV_CS, HV_DS, HV_CS32 };
	static const char *const names[3][4] = {
		{ "lcall 0xe008", "ljmp 0xe008", "lret to 0xe008", "iretq to 0xe008" },
		{ "lcall 0xe010", "ljmp 0xe010", "lret to 0xe010", "iretq to 0xe010" },
		{ "lcall 0xe038", "ljmp 0xe038", "lret to 0xe038", "iretq to 0xe038" },
	};
	int n = 0;

	far_call(&attempts[n].t, 0x1007);
	set_attempt(&n, "the exploit: lcall through LDT selector 0x1007", 0x1004);
	far_call(&attempts[n].t, 0x23);
	set_attempt(&n, "lcall through a GDT call gate", 0x20);
	for (int i = 0; i < 3; i++) {
		far_call(&attempts[n].t, hv_sels[i]);
		set_attempt(&n, names[i][0], hv_sels[i]);
		far_jmp(&attempts[n].t, hv_sels[i]);
		set_attempt(&n, names[i][1], hv_sels[i]);
		if (i == 0) {
			far_ret(&attempts[n].t, hv_sels[i]);
			set_attempt(&n, names[i][2], hv_sels[i]);
			far_iret(&attempts[n].t, hv_sels[i]);
			set_attempt(&n, names[i][3], hv_sels[i]);
		}
	}
	for (int i = 0; i < 4; i++) {
		desc_table_load(&attempts[n].t, i);
		set_attempt(&n, load_names[i], 0);
	}
}

static void user_gates(void)
{
	gate_attempts();
	asm volatile("int $0x82" ::: "memory");
}

static void judge_attempts(bool user)
{
	for (int i = 0; i < NR_ATTEMPTS && attempts[i].what; i++) {
		char what[96];

		hv_snprintf(what, sizeof(what), "%s: %s", user ? "user" : "kernel",
			    attempts[i].what);
		expect_trap(what, &attempts[i].t, 13, attempts[i].err, user);
	}
	memset(attempts, 0, sizeof(attempts));
}

static void gates(void)
{
	u64 gdt = next_spare(), bad = next_spare();
	u64 *w = (u64 *)window;
	long rc;

	/* The exploit's gate, where a never-loaded LDTR would find it. */
	call_gate((u64 *)LOW_GATE, HV_CS, (u64)user_return);

	/* A GDT with a call gate (to the flat kernel CS: allowed, DPL forced to 0). */
	ASSERT_EQ(window_map(window, gdt, PTE_FLAGS), 0);
	memset(window, 0, PAGE);
	call_gate(&w[4], FLAT_KERNEL_CS, (u64)user_return);
	ASSERT_EQ(window_map(window, bad, PTE_FLAGS), 0);
	memset(window, 0, PAGE);
	call_gate(&w[4], HV_CS, (u64)user_return);
	window_restore(window);
	EXPECT_EQ(HYPERVISOR_set_gdt(&bad, 16), -XEN_EINVAL);
	ASSERT_EQ(HYPERVISOR_set_gdt(&gdt, 16), 0);
	ASSERT_EQ(window_map(window, gdt, PTE_RO), 0);
	EXPECT_EQ((w[4] >> 45) & 3, 0);		/* the gate's DPL: 0 */
	window_restore(window);

	gate_attempts();
	judge_attempts(false);
	EXPECT_EQ(run_user(user_gates), 0x82);
	judge_attempts(true);

	/* The iret hypercall to the hypervisor's CS: its #GP, reflected. */
	rc = run_compat(LOW_CODE, HV_CS, FLAT_KERNEL_SS, 0x2);
	EXPECT_EQ(rc, 13);
	EXPECT_EQ(gp_exit.f.error_code, HV_CS);
	EXPECT_EQ(HYPERVISOR_set_gdt(NULL, 0), 0);
}

/* ---- role=neighbour ------------------------------------------------------------------- */

static void neighbour(void)
{
	static volatile u64 mine[64];

	for (int r = 0; r < 200; r++) {
		mine[r % 64] = (u64)r * 0x9e3779b97f4a7c15UL;
		EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
		if (mine[r % 64] != (u64)r * 0x9e3779b97f4a7c15UL) {
			test_fail("round %d: my memory changed", r);
			break;
		}
	}
	EXPECT(HYPERVISOR_xen_version(XENVER_version, NULL) > 0);
}

/* ---- The test --------------------------------------------------------------------------- */

static void setup(void)
{
	u64 l4u;

	traps_init();
	ASSERT_EQ(trap_register(0x82, TI_DPL(3) | TI_MASK_EVENTS), 0);
	trap_set_handler(0x82, int82_handler);
	ASSERT_EQ(HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (u64)kstack + sizeof(kstack)), 0);
	kernel_l4 = virt_to_mfn((const void *)start_info->pt_base);
	map_low();
	l4u = copy_l4();
	ASSERT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, l4u, 0), 0);
}

void test_main(const struct start_info *si)
{
	char role[16];

	(void)si;
	if (!cmdline_get("role", role, sizeof(role)))
		test_error("no role= on the command line");
	if (!strcmp(role, "neighbour")) {
		neighbour();
		return;
	}
	setup();
	if (!strcmp(role, "gates")) {
		gates();
		return;
	}
	if (strcmp(role, "a") && strcmp(role, "b"))
		test_error("unknown role %s", role);
	side = role[0];
	ldt_own();
	if (side != 'a')
		return;
	events_init();
	ASSERT_EQ(timer_init(), 0);
	ldt_refused();
	stack16();
	/* Leave the LDT mapped: the teardown must drop it. */
	EXPECT_EQ(fs_load_read(SEL_DATA), domain_magic());
}
