/*
 * desc.c - the hypervisor's GDT, TSS and IDT.
 *
 * Runs in: hypervisor, once at boot with interrupts off.
 *
 * The GDT is laid out as Xen's so that guest-visible selectors match the
 * PV ABI: 14 pages of guest descriptors (empty until a guest calls set_gdt)
 * followed by the hypervisor's own page at entry 0x1c00. Every exception
 * vector is an interrupt gate (interrupts stay off until the handler decides
 * otherwise); #BP and #OF have DPL 3 so a guest's int3/into reach them
 * directly, everything else has DPL 0, so a guest "int $n" raises #GP and is
 * decoded and forwarded by the PV trap code. #DF, NMI, #MC and #DB run on
 * their own stacks: they can arrive when RSP cannot be trusted (#DB: a
 * guest's breakpoint held back by MOV SS fires at the first instruction of
 * the SYSCALL entry, still on the guest's stack).
 */
#include "hv.h"
#include "x86/cpu.h"
#include "layout.h"
#include "x86/desc.h"
#include "x86/percpu.h"
#include "mm/paging.h"
#include "x86/apic.h"
#include "x86/segments.h"
#include "pv/switcher.h"

#define GDT_ENTRIES	(HV_GDT_FIRST_ENTRY + 16)
#define SEL_INDEX(s)	((s) >> 3)

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;	/* P | DPL | 0 | type (0xE: interrupt gate) */
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

static u64 gdt[GDT_ENTRIES] __aligned(4096);
static struct idt_gate idt[256] __aligned(4096);
/*
 * The TSS alone in its page: the switcher maps that page into fast-mode
 * guests' address spaces (read-only), and nothing else may show there.
 */
static union {
	struct tss64 t;
	u8 page[PAGE_SIZE];
} tss_page __aligned(PAGE_SIZE);
#define tss tss_page.t
static u8 ist_stacks[4][HV_STACK_SIZE] __aligned(HV_STACK_SIZE);	/* see stack_walk() */

u64 hv_stack_top;	/* where entries from a guest start (TSS rsp0) */

extern const u64 exception_stubs[32];	/* entry.S */
extern u8 boot_stack_top[];		/* head.S */
extern const char irq_timer_stub[], irq_spurious_stub[];	/* entry.S */

static void set_gate(struct idt_gate *table, int vec, u64 handler, int dpl, int ist)
{
	struct idt_gate *g = &table[vec];

	g->offset_lo = (u16)handler;
	g->selector = HV_CS;
	g->ist = (u8)ist;
	g->type_attr = (u8)(0x80 | (dpl << 5) | 0x0e);
	g->offset_mid = (u16)(handler >> 16);
	g->offset_hi = (u32)(handler >> 32);
	g->reserved = 0;
}

/* The low 8 bytes of a 16-byte system descriptor (TSS, LDT), present, DPL 0. */
static u64 system_desc_lo(u64 base, u32 limit, u8 type)
{
	return (limit & 0xffff) | ((base & 0xffffff) << 16) |
	       ((u64)(0x80 | type) << 40) | ((u64)((limit >> 16) & 0xf) << 48) |
	       ((base >> 24) & 0xff) << 56;
}

/* A 16-byte system descriptor at entry idx and idx+1 of table t. */
static void set_system_desc_in(u64 *t, int idx, u64 base, u32 limit, u8 type)
{
	t[idx] = system_desc_lo(base, limit, type);
	t[idx + 1] = base >> 32;
}

/* ... of the boot CPU's GDT. */
static void set_system_desc(int idx, u64 base, u32 limit, u8 type)
{
	set_system_desc_in(gdt, idx, base, limit, type);
}

static void gdt_init(void)
{
	gdt[SEL_INDEX(HV_CS)]      = 0x00af9b000000ffffULL;
	gdt[SEL_INDEX(HV_DS)]      = 0x00cf93000000ffffULL;
	gdt[SEL_INDEX(GUEST_CS32)] = 0x00cffb000000ffffULL;
	gdt[SEL_INDEX(GUEST_DS)]   = 0x00cff3000000ffffULL;
	gdt[SEL_INDEX(GUEST_CS64)] = 0x00affb000000ffffULL;
	gdt[SEL_INDEX(HV_CS32)]    = 0x00cf9b000000ffffULL;
	gdt[SEL_INDEX(RING1_CS64)] = 0x00afbb000000ffffULL;	/* DPL 1 */
	gdt[SEL_INDEX(RING1_DS)]   = 0x00cfb3000000ffffULL;
	/* The TSS at its alias in the switcher: the CPU finds it in either view. */
	set_system_desc(SEL_INDEX(HV_TSS), SW_PAGE_VA(0, SW_TSS_PAGE), sizeof(tss) - 1, 0x9);
}

/* Load a GDT (the boot CPU's or an AP's: the same limit), the IDT, TR and LDTR. */
static void load_tables(u64 gdt_base)
{
	struct desc_ptr g = { sizeof(gdt) - 1, gdt_base };
	struct desc_ptr i = { sizeof(idt) - 1, (u64)idt };

	asm volatile("lgdt %0" : : "m"(g));
	/* Reload CS with a far return, then the data segments. */
	asm volatile("pushq %0\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movl %1, %%eax\n\t"
		     "movl %%eax, %%ss\n\t"
		     "xorl %%eax, %%eax\n\t"
		     "movl %%eax, %%ds\n\t"
		     "movl %%eax, %%es\n\t"
		     "movl %%eax, %%fs\n\t"
		     "movl %%eax, %%gs\n\t"
		     : : "i"(HV_CS), "i"(HV_DS) : "rax", "memory");
	asm volatile("ltr %w0" : : "r"(HV_TSS));
	asm volatile("lidt %0" : : "m"(i));
	/*
	 * A null LDT. After reset LDTR is not null but base 0, limit 0xffff:
	 * guest linear addresses 0-0xffff would act as an LDT no check has
	 * seen, and a call gate written there reaches ring 0. With a null
	 * LDTR every LDT selector faults (#GP) until a guest LDT is loaded.
	 */
	asm volatile("lldt %w0" : : "r"(0));
}

/*
 * The GDT page holding the hypervisor's descriptors (entry 0x1c00 on), and
 * the limit every GDT must have: pv/descriptor_tables.c maps this page as
 * page 14 of each vCPU's GDT area, behind the guest's own 14 pages.
 */
paddr_t desc_hv_gdt_page(void)
{
	return __pa(&gdt[HV_GDT_FIRST_ENTRY]);
}

u16 desc_gdt_limit(void)
{
	return (u16)(sizeof(gdt) - 1);
}

/* The IDT's limit: 256 gates of 16 bytes. */
u16 desc_idt_limit(void)
{
	return (u16)(sizeof(idt) - 1);
}

/*
 * Each IST stack's top 16 bytes are left unused (the frame stays 16-byte
 * aligned). A trap there finds its CPU from the stack's address, which is
 * in the CPU's switcher slice (x86/traps.c), and the CPU's stack top in
 * the slice's conf page (entry.S debug_entry): not from a slot in the
 * stack, which a fast-mode kernel could write while it runs.
 */
#define IST_SLOT	16

/* Zero this CPU's IST stacks (pv/switcher.c: a fast guest can read them). */
void desc_scrub_ist(void)
{
	struct pcpu *c = this_cpu();

	for (int s = 0; s < NR_IST; s++)
		memset(c->ist[s], 0, HV_STACK_SIZE);
}

/* The top of IST stack s of CPU cpu, at its alias in the CPU's slice. */
static u64 ist_top(unsigned cpu, int s)
{
	return SW_PAGE_VA(cpu, SW_IST_PAGE + (s + 1) * SW_IST_STACK_PAGES) - IST_SLOT;
}

/*
 * The entries a mode's guests use (pv/switcher.c): an IDT and the stack a
 * trap from the guest switches to (TSS rsp0). 0, 0: the hypervisor's own,
 * as compat mode has them.
 */
void desc_load_entries(u64 idt_base, u64 rsp0)
{
	struct pcpu *c = this_cpu();
	struct tss64 *t = c->task_state;
	struct desc_ptr i = { sizeof(idt) - 1, idt_base ? idt_base : (u64)idt };

	t->rsp[0] = rsp0 ? rsp0 : c->stack_top;
	if (i.base == c->idt_base)
		return;
	asm volatile("lidt %0" : : "m"(i));
	c->idt_base = i.base;
}

/*
 * The LDT descriptor (HV_LDT) the next lldt loads: pv/descriptor_tables.c
 * points it at the running vCPU's LDT pages. DPL 0: only lldt uses it.
 */
/*
 * The LDT descriptor the next lldt of this CPU loads. Its slot is in the
 * GDT page every vCPU area shares, so another CPU rewrites it for its own
 * vCPU while this one runs on what it loaded: what this CPU wrote is kept
 * as its own, for desccheck (LDTR's hidden part cannot be read back).
 */
void desc_set_ldt(u64 base, u32 limit)
{
	struct pcpu *c = this_cpu();

	set_system_desc(SEL_INDEX(HV_LDT), base, limit, 0x2);
	c->ldt_desc[0] = gdt[SEL_INDEX(HV_LDT)];
	c->ldt_desc[1] = gdt[SEL_INDEX(HV_LDT) + 1];
}

/*
 * The `desccheck` option (core/cmdline.c): on every return to a guest,
 * check that the CPU's descriptor-table registers are what they must be,
 * and panic with what differs otherwise. The guest and boot tests run
 * with it; it costs a few instructions per return, so it is off by
 * default. Expected: GDTR = {the vCPU's area, our limit}, IDTR = {our IDT},
 * TR = HV_TSS (busy, our TSS), and LDTR = HV_LDT describing the vCPU's LDT
 * pages when it has an LDT, else null.
 *
 * sldt shows only the selector, and a reset CPU's LDTR has selector 0 too
 * while being a live LDT at linear 0 (limit 0xffff). So a null LDTR is
 * proved by reading through it: LAR of three LDT selectors touches no
 * memory when the LDTR is null, and reads linear base + index * 8
 * otherwise, which finds a descriptor or faults (guests map nothing below
 * 64 KiB: Linux's mmap_min_addr, the test guests' layout).
 */
static bool ldtr_is_null(void)
{
	static const u16 probes[] = { 0x0004, 0x8004, 0xfffc };
	u32 rights;

	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		if (segment_lar(probes[i], &rights) != 0)
			return false;
	}
	return true;
}

void desc_check_tables(u64 gdt_base, u64 ldt_base, u32 ldt_ents)
{
	const int tr_idx = SEL_INDEX(HV_TSS);
	struct desc_ptr g, i;
	u16 tr, ldtr;

	asm volatile("sgdt %0" : "=m"(g));
	asm volatile("sidt %0" : "=m"(i));
	asm volatile("str %0" : "=r"(tr));
	asm volatile("sldt %0" : "=r"(ldtr));
	if (g.base != gdt_base || g.limit != sizeof(gdt) - 1)
		panic("desccheck: GDTR %#llx limit %#x, expected %#llx limit %#x",
		      (unsigned long long)g.base, g.limit,
		      (unsigned long long)gdt_base, (unsigned)(sizeof(gdt) - 1));
	/* Ours, or this CPU's fast IDT (pv/switcher.c), whichever it loaded last. */
	struct pcpu *c = this_cpu();
	u64 want_idt = c->idt_base;

	if (i.base != want_idt || i.limit != sizeof(idt) - 1)
		panic("desccheck: IDTR %#llx limit %#x, expected %#llx limit %#x",
		      (unsigned long long)i.base, i.limit,
		      (unsigned long long)want_idt, (unsigned)(sizeof(idt) - 1));
	if (want_idt != (u64)idt && want_idt != SW_PAGE_VA(c->id, SW_IDT_PAGE))
		panic("desccheck: CPU %u loaded IDT %#llx, neither ours nor its slice's", c->id,
		      (unsigned long long)want_idt);
	if (tr != HV_TSS || c->gdt[tr_idx] != system_desc_lo(SW_PAGE_VA(c->id, SW_TSS_PAGE),
							     sizeof(tss) - 1, 0xb))
		panic("desccheck: TR %#x (descriptor %#llx), expected %#x, busy", tr,
		      (unsigned long long)c->gdt[tr_idx], HV_TSS);
	if (!ldt_ents) {
		if (ldtr != 0 || !ldtr_is_null())
			panic("desccheck: LDTR %#x is live, expected null (no guest LDT)", ldtr);
		return;
	}
	/* What this CPU's last lldt loaded (desc_set_ldt), not the shared slot. */
	const u64 *d = this_cpu()->ldt_desc;

	if (ldtr != HV_LDT || d[0] != system_desc_lo(ldt_base, ldt_ents * 8 - 1, 0x2) ||
	    d[1] != ldt_base >> 32)
		panic("desccheck: LDTR %#x (descriptor %#llx %#llx), expected %#x for %u entries at %#llx",
		      ldtr, (unsigned long long)d[0], (unsigned long long)d[1],
		      HV_LDT, ldt_ents, (unsigned long long)ldt_base);
}

/*H:140 The hypervisor's descriptor tables
 * The guest never sees this IDT: every vector lands in the hypervisor
 * (x86/entry.S), which decides whether the guest hears of it. The TSS
 * gives the stack a guest's trap switches to (rsp0, the same stack the
 * SYSCALL entry loads) and separate stacks for #DF, NMI, #MC and #DB.
 * Only #BP and #OF have DPL 3, so a guest's "int $n" raises #GP and is
 * forwarded by pv/traps.c. The GDT is laid out as Xen's, so the
 * selectors a PV kernel uses (FLAT_KERNEL_CS and the rest) mean the same.
 */
void desc_init(void)
{
	u8 *ists[NR_IST] = { ist_stacks[0], ist_stacks[1], ist_stacks[2], ist_stacks[3] };

	hv_stack_top = (u64)boot_stack_top - PCPU_AREA;	/* x86/percpu.h */
	/*
	 * pv/switcher.c, before anything points into it: the boot CPU's
	 * slice, with the TSS and the IST stacks where a fast-mode guest's
	 * view has them.
	 */
	switcher_init();
	switcher_init_cpu(0, hv_stack_top, __pa(&tss_page), ists);
	gdt_init();
	tss.rsp[0] = hv_stack_top;
	for (int s = 0; s < NR_IST; s++)	/* IST_DF..IST_DB are 1..4 */
		tss.ist[s] = ist_top(0, s);
	tss.iomap_base = sizeof(tss);	/* no I/O bitmap: ring 3 gets #GP */

	desc_fill_idt(idt, exception_stubs, (u64)irq_timer_stub, (u64)irq_spurious_stub);
	load_tables((u64)gdt);
	/* Written once: read-only from here on, the same gates for every CPU. */
	_Static_assert(sizeof(idt) == PAGE_SIZE, "the IDT is one page");
	paging_make_readonly((u64)idt);
}

/* The boot CPU's tables, for its struct pcpu (x86/smp.c). */
void desc_describe_boot(struct pcpu *c)
{
	c->gdt = gdt;
	c->task_state = &tss;
	c->idt_base = (u64)idt;
	for (int s = 0; s < NR_IST; s++)
		c->ist[s] = ist_stacks[s];
}

/* Bytes of a GDT: every CPU's has the boot CPU's size (entry 0x1c00 on is ours). */
u64 desc_gdt_bytes(void)
{
	return sizeof(gdt);
}

/*
 * An application processor's own GDT and TSS, built by the boot CPU into
 * the zeroed memory c->gdt and c->task_state point at (x86/smp.c allocates them):
 * the boot CPU's descriptors from entry 0x1c00 on, except that HV_TSS
 * describes the AP's TSS (available, not busy: the AP's ltr marks it), and
 * a TSS whose rsp0 is the AP's stack and whose IST slots are the AP's own
 * stacks. The entries below 0x1c00 stay zero (not present) until a guest
 * runs on the CPU. The AP's switcher slice is made here too
 * (pv/switcher.c): the TSS and the IST stacks are reached through their
 * aliases there, as the boot CPU's are, so that the CPU finds them in a
 * fast-mode guest's view.
 */
void desc_prepare_ap(struct pcpu *c)
{
	struct tss64 *t = c->task_state;

	switcher_init_cpu(c->id, c->stack_top, __pa(t), c->ist);
	memcpy(&c->gdt[HV_GDT_FIRST_ENTRY], &gdt[HV_GDT_FIRST_ENTRY],
	       sizeof(gdt) - HV_GDT_FIRST_ENTRY * sizeof(gdt[0]));
	set_system_desc_in(c->gdt, SEL_INDEX(HV_TSS), SW_PAGE_VA(c->id, SW_TSS_PAGE),
			   sizeof(*t) - 1, 0x9);
	c->gdt[SEL_INDEX(HV_LDT)] = c->gdt[SEL_INDEX(HV_LDT) + 1] = 0;
	t->rsp[0] = c->stack_top;
	for (int s = 0; s < NR_IST; s++)
		t->ist[s] = ist_top(c->id, s);
	t->iomap_base = sizeof(*t);
}

/*
 * On the AP itself: load the tables desc_prepare_ap() built, and the
 * shared IDT; then read the registers back, so that an AP running on
 * another CPU's GDT or TSS stops the boot instead of corrupting that
 * CPU's state later (ltr marks the descriptor busy in the GDT it used).
 */
void desc_load_ap(struct pcpu *c)
{
	struct desc_ptr g, i;
	u16 tr;

	load_tables((u64)c->gdt);
	asm volatile("sgdt %0" : "=m"(g));
	asm volatile("sidt %0" : "=m"(i));
	asm volatile("str %0" : "=r"(tr));
	c->idt_base = (u64)idt;
	if (g.base != (u64)c->gdt || i.base != (u64)idt || tr != HV_TSS ||
	    c->gdt[SEL_INDEX(HV_TSS)] != system_desc_lo(SW_PAGE_VA(c->id, SW_TSS_PAGE),
							sizeof(struct tss64) - 1, 0xb))
		panic("cpu %u: GDTR %#llx IDTR %#llx TR %#x: not its own tables", c->id,
		      (unsigned long long)g.base, (unsigned long long)i.base, tr);
}

/*
 * An IDT of 256 gates (4096 bytes) with the given entry points: the 32
 * exception vectors (DPL 3 for #BP and #OF, IST stacks for #DB, NMI, #DF
 * and #MC), the APIC timer and the spurious vector; the rest not present.
 * The hypervisor's own IDT and fast mode's (pv/switcher.c) differ only in
 * the entry points.
 */
void desc_fill_idt(void *table, const u64 exceptions[32], u64 timer, u64 spurious)
{
	for (int v = 0; v < 32; v++) {
		int dpl = (v == 3 || v == 4) ? 3 : 0;
		int ist = v == 8 ? IST_DF : v == 2 ? IST_NMI : v == 18 ? IST_MC :
			  v == 1 ? IST_DB : 0;

		set_gate(table, v, exceptions[v], dpl, ist);
	}
	set_gate(table, TIMER_VECTOR, timer, 0, 0);
	/*
	 * A kick from another CPU (core/hvlock.c) needs nothing but an entry
	 * into the hypervisor: it takes the timer's way in, which runs what
	 * is due and aims the timer again, harmless one more time.
	 */
	set_gate(table, KICK_VECTOR, timer, 0, 0);
	set_gate(table, SPURIOUS_VECTOR, spurious, 0, 0);
}
