/*
 * smp.c - find the physical CPUs and bring the others (the application
 * processors, APs) online, each with its own state; then they wait.
 *
 * Runs in: hypervisor. smp_init() on the boot CPU, once at boot, after
 * time_init() (the TSC and the local APIC) and before any domain exists;
 * ap_main() on each AP, from x86/trampoline.S.
 * Trusts: nothing in the ACPI tables (x86/acpi.c checks them); an AP that
 * does not answer costs only itself.
 *
 * The CPUs come from the ACPI MADT (the RSDP from the boot loader's
 * Multiboot2 tags); without a usable one the machine runs on the boot CPU
 * alone, with the reason in the log. maxcpus=N (smp=off: maxcpus=1) leaves
 * the CPUs after the first N offline, never started. Each AP to start
 * gets, from the frame allocator: a hypervisor stack of HV_STACK_SIZE
 * aligned to its size with its struct pcpu at the top (x86/percpu.h),
 * four IST stacks, a GDT of its own (the boot CPU's descriptors from
 * entry 0x1c00 on, its own TSS descriptor) and a TSS; the IDT is the boot
 * CPU's, shared: desc_init() writes it once, before any AP starts, and
 * maps it read-only; its gates are the same on every CPU. Cost per AP:
 * 16 + 64 KiB of stacks, 60 KiB of GDT (15 pages, 14 of them empty until
 * guests run there, as on Xen), one TSS page.
 *
 * The APs are started one at a time: the boot CPU writes the AP's stack
 * into ap_boot_rsp, sends INIT-SIPI-SIPI (x86/apic.c) and waits up to
 * AP_TIMEOUT_MS for the AP to say "online" in its struct pcpu. An AP that
 * does not is sent INIT again (parked: it cannot wake up later inside the
 * trampoline prepared for the next AP) and stays offline; the boot goes on.
 *
 * The trampoline page: the SIPI names a page below 1 MiB. mm/setup.c
 * keeps the whole first MiB from the frame allocator, so no frame there
 * is ever handed out; this file takes the lowest page from 4 KiB that the
 * memory map says is usable RAM and that holds neither the boot
 * information nor a module, and says which in the log. The page's old
 * contents (the boot loader's) are not needed after boot.
 *
 * An AP, online, gets compat mode's entries of its own (pv/mode.c) and
 * enters the scheduler (core/sched.c), where it waits for the hypervisor
 * lock the boot CPU holds until the domains are built (core/hvlock.c),
 * then runs vCPUs like the boot CPU; with nothing to run it halts with
 * interrupts on, woken by its timer or another CPU's kick. An AP whose
 * registers did not come out as the boot CPU's stays offline in
 * "cli; hlt" (counted in wakeups if something wakes it).
 */
#include "hv.h"
#include "core/hvlock.h"
#include "core/spinlock.h"
#include "core/sched.h"
#include "pv/mode.h"
#include "layout.h"
#include "boot/mb2.h"
#include "core/cmdline.h"
#include "core/time.h"
#include "mm/frame.h"
#include "mm/paging.h"
#include "x86/acpi.h"
#include "x86/apic.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "x86/percpu.h"

#define AP_TIMEOUT_MS	5000	/* TCG on a loaded host: an AP is up in a few ms */
#define STACK_FRAMES	(HV_STACK_SIZE / PAGE_SIZE)
_Static_assert(NR_CPUS == ACPI_MAX_CPUS, "every CPU the MADT parser keeps has a slot");

struct pcpu *pcpus[NR_CPUS];
int nr_cpus_found = 1, nr_cpus_online = 1;
u64 ap_boot_rsp;		/* x86/trampoline.S: the AP being started */

extern u8 boot_stack[];		/* boot/head.S: HV_STACK_SIZE, aligned to it */
extern const u8 trampoline_start[], trampoline_end[], tr_prot[], tr_long[],
	tr_gdt[], tr_gdt_base[], tr_far32_offset[], tr_far64_offset[], tr_cr3[],
	tr_alive[];

void ap_main(void);

/* The boot CPU's struct pcpu: at the top of boot_stack, where head.S left room. */
void percpu_init_boot(void)
{
	struct pcpu *c = (struct pcpu *)(boot_stack + HV_STACK_SIZE - PCPU_AREA);

	memset(c, 0, sizeof(*c));
	c->self = c;
	c->stack_top = hv_stack_top;
	desc_describe_boot(c);
	c->state = PCPU_ONLINE;
	pcpus[0] = c;
	BUG_ON(this_cpu() != c);
	/* No lock is held now (no CPU but this one, printing nothing): choose their kind. */
	spin_choose_kind(hv_opts.lock_kind == 1 ? SPIN_TICKET :
			 hv_opts.lock_kind == 2 ? SPIN_TAS : -1);
	printk("locks: %s\n", spin_kind_name());
	/*
	 * The boot CPU holds the hypervisor lock from here until it first
	 * leaves for a guest (core/hvlock.c): the other CPUs, online long
	 * before, wait for it with nothing shared half built.
	 */
	hv_enter();
}

/* Where the boot CPU's code and the APs' meet: the AP's side. */
void ap_main(void)
{
	struct pcpu *c = this_cpu();
	bool same;

	desc_load_ap(c);			/* x86/desc.c: its GDT, TSS; the IDT */
	write_cr3(__pa(hv_l4()));		/* off the trampoline's tables */
	same = cpu_init_ap();			/* x86/cpu.c: CR0, CR4, EFER, PAT... */
	apic_init_ap();				/* x86/apic.c: enabled, timer masked */
	if (c->self != c || apic_id() != c->apic_id)
		panic("cpu %u: struct pcpu at %p says APIC id %u, the APIC says %u",
		      c->id, (void *)c, c->apic_id, apic_id());
	asm volatile("" : : : "memory");
	if (!same) {
		c->state = PCPU_OFFLINE;
		for (;;) {
			asm volatile("cli; hlt" : : : "memory");
			c->wakeups++;
		}
	}
	pv_mode_cpu_init_ap();			/* pv/mode.c: its SYSCALL entries */
	c->where = PCPU_IN_HV;			/* waits for the lock: answers syncs */
	asm volatile("" : : : "memory");
	c->state = PCPU_ONLINE;
	sched_start();				/* core/sched.c: never returns */
}

/* x86/acpi.c reads tables through the direct map, inside the memory map. */
static const void *map_phys(void *ctx, u64 pa, u64 len)
{
	const struct boot_info *bi = ctx;

	if (len == 0 || pa + len < pa || pa + len > paging_directmap_end())
		return NULL;
	for (int i = 0; i < bi->nr_raw; i++) {
		const struct boot_region *r = &bi->raw[i];

		if (pa >= r->start && pa + len <= r->start + r->len)
			return __va(pa);
	}
	return NULL;	/* in a hole of the map: not memory we know */
}

/*
 * A page for the trampoline: usable RAM below 1 MiB from `from` on, not
 * the boot information or a module.
 */
static u64 pick_low_page(const struct boot_info *bi, u64 mbi_phys, u64 mbi_size, u64 from)
{
	for (u64 pa = from; pa < MiB(1); pa += PAGE_SIZE) {
		bool taken = pa < mbi_phys + mbi_size && mbi_phys < pa + PAGE_SIZE;

		for (int i = 0; i < bi->nr_mods && !taken; i++)
			taken = pa < bi->mods[i].end && bi->mods[i].start < pa + PAGE_SIZE;
		if (!taken && memmap_contains(&bi->usable, pa, pa + PAGE_SIZE))
			return pa;
	}
	return 0;
}

static u64 *tramp_tables[3];	/* L4, L3, L2: freed when every AP has started */

/*
 * Copy the trampoline to pa and patch it; its L4 is the hypervisor's with
 * the first 2 MiB also mapped at 0 (executable, supervisor): the low page
 * the AP runs from when paging comes on. False if that does not fit.
 */
static bool prepare_trampoline(u64 pa)
{
	u8 *t = __va(pa);
	u64 len = (u64)(trampoline_end - trampoline_start);
	u64 *l4 = paging_zeroed_page(), *l3 = paging_zeroed_page(), *l2 = paging_zeroed_page();
	u32 v;

#define TR_OFF(sym)	((u64)((sym) - trampoline_start))
	if (len > PAGE_SIZE)
		return false;
	memcpy(l4, hv_l4(), PAGE_SIZE);
	BUG_ON(l4[0] & PTE_P);		/* nothing of ours is mapped low */
	l2[0] = 0 | PTE_P | PTE_RW | PTE_PSE | PTE_A | PTE_D;
	l3[0] = __pa(l2) | PTE_P | PTE_RW;
	l4[0] = __pa(l3) | PTE_P | PTE_RW;
	tramp_tables[0] = l4, tramp_tables[1] = l3, tramp_tables[2] = l2;

	memcpy(t, trampoline_start, len);
	v = (u32)(pa + TR_OFF(tr_gdt));
	memcpy(t + TR_OFF(tr_gdt_base), &v, 4);
	v = (u32)(pa + TR_OFF(tr_prot));
	memcpy(t + TR_OFF(tr_far32_offset), &v, 4);
	v = (u32)(pa + TR_OFF(tr_long));
	memcpy(t + TR_OFF(tr_far64_offset), &v, 4);
	v = (u32)__pa(l4);		/* paging_zeroed_page: below 4 GiB */
	memcpy(t + TR_OFF(tr_cr3), &v, 4);
	return true;
}

static void free_trampoline_tables(void)
{
	for (int i = 0; i < 3; i++) {
		if (tramp_tables[i])
			frame_free(__pa(tramp_tables[i]) >> PAGE_SHIFT);
		tramp_tables[i] = NULL;
	}
}

/* n frames aligned to n (n a power of two), zeroed, as a pointer; NULL if none. */
static void *alloc_aligned(u64 n, u64 align)
{
	mfn_t m = frame_alloc_contig(n, align);

	if (m == INVALID_MFN)
		return NULL;
	memset(__va(m << PAGE_SHIFT), 0, n * PAGE_SIZE);
	return __va(m << PAGE_SHIFT);
}

/* An AP's stack (with its struct pcpu), IST stacks, GDT and TSS. */
static struct pcpu *alloc_pcpu(u32 id, u32 apic)
{
	u8 *stack = alloc_aligned(STACK_FRAMES, STACK_FRAMES);
	struct pcpu *c;

	if (!stack)
		return NULL;
	c = (struct pcpu *)(stack + HV_STACK_SIZE - PCPU_AREA);
	c->self = c;
	c->id = id;
	c->apic_id = apic;
	c->stack_top = (u64)c;
	c->gdt = alloc_aligned(DIV_ROUND_UP(desc_gdt_bytes(), PAGE_SIZE), 1);
	c->task_state = alloc_aligned(1, 1);
	for (int s = 0; s < NR_IST; s++)
		c->ist[s] = alloc_aligned(STACK_FRAMES, STACK_FRAMES);
	if (!c->gdt || !c->task_state || !c->ist[0] || !c->ist[1] || !c->ist[2] || !c->ist[3])
		return NULL;	/* out of memory at boot: leak the rest, say so */
	desc_prepare_ap(c);
	return c;
}

/*
 * Start one AP from the page at sipi_pa (the trampoline at tramp_pa, but
 * for smptest=deaf); true if it came online.
 */
static bool start_ap(struct pcpu *c, u64 tramp_pa, u64 sipi_pa)
{
	volatile u32 *alive = __va(tramp_pa + (u64)(tr_alive - trampoline_start));
	const char *why;
	u64 t0;

	ap_boot_rsp = c->stack_top;
	*alive = 0;
	c->state = PCPU_STARTING;
	asm volatile("mfence" : : : "memory");
	t0 = NOW();
	if (!apic_start_cpu(c->apic_id, (u8)(sipi_pa >> PAGE_SHIFT), alive, &why)) {
		pr_err("cpu %u (APIC id %u): %s; left offline\n", c->id, c->apic_id, why);
		c->state = PCPU_OFFLINE;
		return false;
	}
	while (c->state == PCPU_STARTING && NOW() - t0 < AP_TIMEOUT_MS * 1000000ULL)
		cpu_relax();
	c->boot_us = (u32)((NOW() - t0) / 1000);
	if (c->state == PCPU_ONLINE) {
		pr_debug("cpu %u (APIC id %u): online in %u us, stack %#llx\n", c->id,
			 c->apic_id, c->boot_us, (unsigned long long)c->stack_top);
		return true;
	}
	if (c->state == PCPU_OFFLINE)
		pr_err("cpu %u (APIC id %u): its CR4 differs from the boot CPU's; left offline\n",
		       c->id, c->apic_id);
	else if (*alive)
		pr_err("cpu %u (APIC id %u): ran the trampoline but was not online after %u ms; left offline\n",
		       c->id, c->apic_id, AP_TIMEOUT_MS);
	else
		pr_err("cpu %u (APIC id %u): no answer to INIT-SIPI-SIPI in %u ms; left offline\n",
		       c->id, c->apic_id, AP_TIMEOUT_MS);
	apic_send_init(c->apic_id);	/* park it: it must not wake up later */
	c->state = PCPU_OFFLINE;
	return false;
}

/*
 * The CPUs for `stats` (core/stats.c): "4 found, 4 online: 0 1 2 3", each
 * online CPU by id; an AP that woke from its halt (NMI, SMI) shows
 * "id/wakeups". Returns what hv_snprintf returns.
 */
int smp_describe(char *buf, size_t size)
{
	int n = hv_snprintf(buf, size, "%d found, %d online:", nr_cpus_found, nr_cpus_online);

	for (int i = 0; i < NR_CPUS && n >= 0 && (size_t)n < size; i++) {
		const struct pcpu *c = pcpus[i];

		if (!c || c->state != PCPU_ONLINE)
			continue;
		if (c->wakeups)
			n += hv_snprintf(buf + n, size - n, " %u/%llu", c->id,
					 (unsigned long long)c->wakeups);
		else
			n += hv_snprintf(buf + n, size - n, " %u", c->id);
	}
	return n;
}

/*
 * smptest=deaf (tests/boot/run): cpu 1 is started on a page that only
 * halts ("cli; hlt; jmp .-1"), as a CPU that never answers would: the
 * boot must name it, park it with INIT, and bring the others up from the
 * real trampoline. 0 if no second low page is free (then no test).
 */
static u64 deaf_page(const struct boot_info *bi, u64 mbi_phys, u64 mbi_size, u64 tramp)
{
	static const u8 halt[] = { 0xfa, 0xf4, 0xeb, 0xfd };
	u64 pa = pick_low_page(bi, mbi_phys, mbi_size, tramp + PAGE_SIZE);

	if (pa) {
		memcpy(__va(pa), halt, sizeof(halt));
		printk("cpus: smptest=deaf: cpu 1 starts at %#llx, where it only halts\n",
		       (unsigned long long)pa);
	}
	return pa;
}

static void fallback(const char *why)
{
	pr_warn("cpus: %s; running on the boot CPU alone\n", why);
	printk("cpus: 1 found, 1 online\n");
}

/*H:160 The other CPUs
 * The boot CPU finds the rest in ACPI's MADT, trusting none of its bytes
 * (x86/acpi.c), and starts each with INIT-SIPI-SIPI: the AP wakes in real
 * mode on a page below 1 MiB (x86/trampoline.S), climbs to long mode on a
 * copy of the hypervisor's page tables, and lands in ap_main() on its own
 * stack. Its struct pcpu sits at the top of that stack, so any CPU finds
 * its own data by rounding RSP (x86/percpu.h), with no segment base a
 * guest could see. It loads its own GDT and TSS, sets its registers as
 * the boot CPU did, enables its local APIC, says it is online, and halts.
 */
void smp_init(const struct boot_info *bi, u64 mbi_phys, u64 mbi_size)
{
	static struct acpi_madt_info madt;
	u32 apic[ACPI_MAX_CPUS];
	int limit = hv_opts.maxcpus ? (int)MIN(hv_opts.maxcpus, (u64)NR_CPUS) : NR_CPUS;
	char err[128];
	u64 tramp = 0, deaf = 0;

	pcpus[0]->apic_id = apic_id();
	if (acpi_find_cpus(bi->rsdp, bi->rsdp_len, map_phys, (void *)bi, &madt,
			   err, sizeof(err)) < 0) {
		char why[160];

		hv_snprintf(why, sizeof(why), "ACPI: %s", err);
		fallback(why);
		return;
	}
	nr_cpus_found = acpi_order_cpus(&madt, pcpus[0]->apic_id, apic);
	if (nr_cpus_found < 0) {
		nr_cpus_found = 1;
		fallback("ACPI: the MADT does not list the boot CPU");
		return;
	}
	if (madt.nr_dropped)
		pr_warn("cpus: %d MADT entries ignored (duplicate APIC ids, or more than %d CPUs)\n",
			madt.nr_dropped, NR_CPUS);
	if (madt.lapic_phys != apic_phys())
		pr_warn("cpus: the MADT says the local APIC is at %#llx, the CPU says %#llx; using the CPU's\n",
			(unsigned long long)madt.lapic_phys, (unsigned long long)apic_phys());
	if (nr_cpus_found > limit)
		printk("cpus: maxcpus=%d: %d left offline\n", limit, nr_cpus_found - limit);
	if (MIN(nr_cpus_found, limit) > 1) {
		tramp = pick_low_page(bi, mbi_phys, mbi_size, PAGE_SIZE);
		if (!tramp || !prepare_trampoline(tramp)) {
			fallback("no usable page below 1 MiB for the AP trampoline");
			return;
		}
		printk("cpus: AP trampoline at %#llx (SIPI vector %#llx)\n",
		       (unsigned long long)tramp, (unsigned long long)(tramp >> PAGE_SHIFT));
		if (hv_opts.smptest_deaf)
			deaf = deaf_page(bi, mbi_phys, mbi_size, tramp);
	}
	for (int id = 1; id < MIN(nr_cpus_found, limit); id++) {
		struct pcpu *c;

		if (apic[id] > 0xfe) {
			pr_err("cpu %d (x2APIC id %u): beyond xAPIC's reach; left offline\n",
			       id, apic[id]);
			continue;
		}
		c = alloc_pcpu((u32)id, apic[id]);
		if (!c) {
			pr_err("cpu %d (APIC id %u): out of memory for its stacks and tables; left offline\n",
			       id, apic[id]);
			continue;
		}
		pcpus[id] = c;
		nr_cpus_online += start_ap(c, tramp, id == 1 && deaf ? deaf : tramp);
	}
	free_trampoline_tables();
	printk("cpus: %d found, %d online\n", nr_cpus_found, nr_cpus_online);
}
