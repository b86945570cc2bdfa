/*
 * switcher.c - the switcher: all a fast-mode guest's address space holds
 * of the hypervisor, and the guest's view of its own page tables, one of
 * each per CPU.
 *
 * Runs in: hypervisor, at boot (switcher_init and the boot CPU's slice
 * from x86/desc.c, each AP's slice from x86/smp.c before the AP starts)
 * and with interrupts off on the CPU whose slice it is, for its current
 * vCPU (switching to it, changing its L4); switcher_l4_changed() writes
 * every CPU's guest view, under the hypervisor lock.
 *
 * A ring-1 kernel runs on supervisor pages, and paging cannot tell ring 1
 * from ring 0: whatever of the hypervisor its page tables map, it can read,
 * and write if writable. So a fast-mode guest never runs on an L4 that maps
 * the hypervisor. Each CPU has a slice of L4 slot 271 (layout.h: 2 MiB, one
 * L1, at SW_PAGE_VA(cpu, page)) holding only what the CPU itself must reach
 * while the guest runs:
 *
 *   the switcher's code (pv/switcher_entry.S)       read-only
 *   its conf page (which CR3s, where to go)   read-only
 *   the IDT the CPU uses for a fast guest     read-only
 *   the CPU's TSS                             read-only
 *   the vCPU's GDT and LDT pages (a window)   read-only
 *   a data page, the entry stack, the CPU's IST stacks: writable, and so
 *     the guest's to read and write while it runs; nothing is kept there
 *     that the hypervisor trusts once it has left them.
 *
 * The guest view is a per-CPU L4: the guest's own L4 (the vCPU's
 * cr3_kernel, validated as any) with the hypervisor's slots 256-271
 * replaced by the read-only M2P (slot 256, as the ABI has it) and the
 * switcher (slot 271), and the upper half's user bit cleared in every
 * slot, so that ring 3 can never reach a page up there, whatever the
 * guest's own entries say (that is what lets the SYSCALL entry tell ring 1
 * from ring 3 by the return address: pv/fast_entry.S). The hypervisor
 * itself runs on the vCPU's own L4 (the hypervisor's view), which maps the
 * guest as in compat mode, so every hypercall reads guest memory as it
 * always has (pv/mode.h: guest memory access is not a member). The copy is
 * made whenever the vCPU's L4 is loaded and kept in step with every change
 * to one of its entries, on every CPU whose view copies that L4 (mm/mm_hv.c,
 * from pgtype.c); the CR3 write on the way out flushes whatever the TLB held.
 *
 * Several CPUs: a CPU's guest view maps its own slice and no other. Its
 * slot 271 points to an L3 and an L2 of its own whose one entry is the
 * CPU's slice's L1; the hypervisor's view (slot 271 of the hypervisor's
 * L4, copied into every guest L4) reaches every slice through the shared
 * L2. The writable pages of a slice hold the exit frames of whatever vCPU
 * ran there last: a guest that reached another CPU's slice could read or
 * corrupt another domain's frames while that CPU's switcher uses them.
 *
 * Why per-CPU addresses (each CPU's slice at its own VA, its own fast IDT
 * whose gates point at its own alias of the code) rather than every CPU's
 * slice at one VA in its own guest view, as Xen's per-CPU mappings are:
 * the switcher runs in both views (its code, and RIP-relative reads of its
 * conf, data page and stacks, before and after each CR3 write), and the
 * hypervisor's view is the vCPU's own L4, which two vCPUs of a domain
 * share on two CPUs at once. One VA would need a per-CPU hypervisor view
 * too (a second copy of every guest L4 per CPU, kept in step like the
 * guest view), which is what Xen's XPTI does; its syscall stubs are at
 * per-CPU addresses as here. The cost of per-CPU addresses: the exception
 * table names slice 0's alias (fixup_exception looks a fault up there,
 * layout.h switcher_ex_rip), and the entry code that leaves the slice
 * (pv/fast_entry.S, x86/entry.S) finds it from RSP, which is inside it
 * (slices are 2 MiB aligned), and the CPU's hypervisor stack from the
 * slice's conf page, never from a writable page.
 */
#include "hv.h"
#include "layout.h"
#include "core/cmdline.h"
#include "core/domain.h"
#include "pv/bounce.h"
#include "pv/compat.h"
#include "pv/mode.h"
#include "pvabi/xen.h"
#include "mm/frame.h"
#include "mm/m2p.h"
#include "mm/paging.h"
#include "mm/segdesc.h"
#include "pv/switcher.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "x86/eflags.h"
#include "x86/percpu.h"

extern const char sw_text[], sw_text_end[], sw_syscall[], sw_syscall32[],
	sw_exit[], sw_spurious[];
extern const u64 sw_stub_offsets[33];		/* switcher_entry.S: 0-31, then the timer */
extern const char exception_common[], fast_syscall_entry[],
	compat_syscall32_entry[];

/* What switcher_entry.S spells as numbers. */
_Static_assert(VGCF_in_syscall == 256, "SW_VGCF_IN_SYSCALL");
_Static_assert(MSR_FS_BASE == 0xc0000100 && MSR_GS_BASE == 0xc0000101 &&
	       MSR_KERNEL_GS_BASE == 0xc0000102, "switcher_entry.S's MSRs");
_Static_assert((AR_P | AR_S | AR_TYPE_CODE | AR_CONFORMING | AR_L | AR_DB | AR_DPL) == 0x60fc00 &&
	       (AR_P | AR_S | AR_TYPE_CODE | AR_L | AR_DPL) == 0x20f800, "AR_CODE64_*");
_Static_assert((AR_P | AR_S | AR_TYPE_CODE | AR_TYPE_WRITE | AR_DPL) == 0xfa00 &&
	       (AR_P | AR_S | AR_TYPE_WRITE | AR_DPL) == 0xf200, "AR_STACK_*");
_Static_assert((X86_EFLAGS_ARCH & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM | X86_EFLAGS_IF)) == 0x3d4dd5,
	       "IRET_KEEP_FLAGS: pv_do_iret's");

/*
 * A CPU's part of the switcher. Everything here is the CPU's own: no
 * other CPU reads or writes it, but for switcher_l4_changed(), which keeps
 * every CPU's copy of an L4 in step under the hypervisor lock.
 */
struct sw_cpu {
	u64 *l1;		/* the slice's L1: the same table in both views */
	u64 *conf, *data;	/* its conf and data pages */
	u64 *entry_stack;	/* its SW_STACK_PAGES pages */
	u64 *idt;		/* the fast IDT: gates to this slice's stubs */
	u64 *l4;		/* the guest view */
	u64 *l3, *l2;		/* the guest view's slot 271: this slice only */
	mfn_t loaded_l4;	/* the guest L4 l4 copies; 0 = none */
	const struct domain *last_domain;	/* the last to run on this CPU */
	bool ist_used;		/* an IST stack took a frame since the last scrub */
	bool ready;		/* switcher_init_cpu() made it */
};
static struct sw_cpu sw_cpus[SW_NR_SLICES];
static u64 hv_slot271;	/* the hypervisor's view's slot 271: every slice */
_Static_assert(SW_NR_SLICES == NR_CPUS, "a slice for every CPU");

/* This CPU's part (on its hypervisor stack only: this_cpu()). */
static struct sw_cpu *me(void)
{
	return &sw_cpus[this_cpu()->id];
}

/* The address of a page of this CPU's slice. */
u64 switcher_va(unsigned page)
{
	return SW_PAGE_VA(this_cpu()->id, page);
}

/* Where a symbol of switcher_entry.S runs on CPU cpu: its alias in the slice. */
static u64 alias_on(unsigned cpu, const char *sym)
{
	return SW_PAGE_VA(cpu, SW_TEXT_PAGE) + (u64)(sym - sw_text);
}

static u64 alias(const char *sym)
{
	return alias_on(this_cpu()->id, sym);
}

/*
 * Map a frame at a page of CPU cpu's slice: read-only or writable, never
 * executable (only the code pages are), never user-accessible. Only the
 * CPU itself uses its slice's addresses, so only its TLB can hold them:
 * the invlpg is local (at boot, for an AP's slice, the boot CPU never
 * touched them; it is harmless).
 */
static void map_on(unsigned cpu, unsigned page, paddr_t pa, bool writable)
{
	sw_cpus[cpu].l1[page] = pa | PTE_P | PTE_A | PTE_NX | (writable ? PTE_RW | PTE_D : 0);
	asm volatile("invlpg (%0)" : : "r"(SW_PAGE_VA(cpu, page)) : "memory");
}

void switcher_map(unsigned page, paddr_t pa, bool writable)
{
	map_on(this_cpu()->id, page, pa, writable);
}

/* The vCPU's GDT and LDT window (pv/descriptor_tables.c): one page, read-only. */
void switcher_set_desc_pte(unsigned page, u64 pte)
{
	u64 e = (pte & PTE_P) ? (pte & PTE_ADDR) | PTE_P | PTE_A | PTE_NX : 0;
	u64 *l1 = me()->l1;

	if (l1[SW_DESC_PAGE + page] == e)
		return;
	l1[SW_DESC_PAGE + page] = e;
	asm volatile("invlpg (%0)" : : "r"(switcher_va(SW_DESC_PAGE + page)) : "memory");
}

u64 switcher_idt(void)
{
	return switcher_va(SW_IDT_PAGE);
}

/*H:345 The switcher
 * Made once at boot, before any guest L4 copies the hypervisor's slots:
 * L4 slot 271 -> L3 -> L2, shared by the hypervisor's view of every
 * address space, under which each CPU's slice gets its L1
 * (switcher_init_cpu, for the boot CPU from x86/desc.c, for the others
 * before they start, x86/smp.c).
 */
void switcher_init(void)
{
	BUG_ON((u64)sw_text & (PAGE_SIZE - 1));
	BUG_ON(sw_text_end - sw_text > SW_TEXT_PAGES * (long)PAGE_SIZE);
	BUG_ON(hv_l4()[SWITCHER_L4_SLOT] & PTE_P);	/* before any guest L4 copies it */
	(void)paging_l1_of(SW_PAGE_VA(0, 0));		/* slot 271's L3 and L2 */
	hv_slot271 = hv_l4()[SWITCHER_L4_SLOT];
}

/*
 * CPU cpu's slice: its L1 under the shared L2 (every slice lies in the
 * first GiB of slot 271, so an L1 added after guest L4s copied the slot is
 * seen by all of them, and no TLB held the entry), the switcher's code
 * mapped from the image (read-only, the only executable pages), its conf
 * page (read-only), data page and entry stack (writable), its fast IDT
 * (every vector to this slice's stubs, which pass to the ordinary entry
 * code), its TSS (read-only) and IST stacks (writable), so that the CPU
 * finds them in either view. And its guest view: an L4 whose slot 271
 * reaches, through an L3 and an L2 of its own, this slice's L1 alone.
 * stack_top is the CPU's hypervisor stack top.
 */
void switcher_init_cpu(unsigned cpu, u64 stack_top, paddr_t tss_page,
		       u8 *const ist[NR_IST])
{
	extern const u64 compat_syscall32_stubs[NR_CPUS];	/* pv/compat_entry.S */
	struct sw_cpu *s = &sw_cpus[cpu];
	u64 stubs[32], l2e;
	mfn_t m;

	BUG_ON(cpu >= SW_NR_SLICES || s->ready);
	s->l1 = paging_l1_of(SW_PAGE_VA(cpu, 0));
	for (unsigned i = 0; i < SW_TEXT_PAGES; i++)
		s->l1[SW_TEXT_PAGE + i] = (__pa(sw_text) + i * PAGE_SIZE) | PTE_P | PTE_A;
	s->conf = paging_zeroed_page();
	map_on(cpu, SW_CONF_PAGE, __pa(s->conf), false);
	s->data = paging_zeroed_page();
	map_on(cpu, SW_DATA_PAGE, __pa(s->data), true);
	m = frame_alloc_contig(SW_STACK_PAGES, 1);
	if (m == INVALID_MFN)
		panic("switcher: out of memory");
	s->entry_stack = __va(m << PAGE_SHIFT);
	memset(s->entry_stack, 0, SW_STACK_PAGES * PAGE_SIZE);
	for (unsigned i = 0; i < SW_STACK_PAGES; i++)
		map_on(cpu, SW_STACK_PAGE + i, (m << PAGE_SHIFT) + i * PAGE_SIZE, true);
	s->idt = paging_zeroed_page();
	for (int v = 0; v < 32; v++)
		stubs[v] = alias_on(cpu, sw_text) + sw_stub_offsets[v];
	desc_fill_idt(s->idt, stubs, alias_on(cpu, sw_text) + sw_stub_offsets[32],
		      alias_on(cpu, sw_spurious));
	map_on(cpu, SW_IDT_PAGE, __pa(s->idt), false);
	map_on(cpu, SW_TSS_PAGE, tss_page, false);
	for (int i = 0; i < NR_IST; i++) {
		for (unsigned p = 0; p < SW_IST_STACK_PAGES; p++)
			map_on(cpu, SW_IST_PAGE + i * SW_IST_STACK_PAGES + p,
			       __pa(ist[i]) + p * PAGE_SIZE, true);
	}

	/* The guest view: slot 271 -> its L3 -> its L2 -> this slice's L1 only. */
	s->l4 = paging_zeroed_page();
	s->l3 = paging_zeroed_page();
	s->l2 = paging_zeroed_page();
	l2e = ((const u64 *)__va(((const u64 *)__va(hv_slot271 & PTE_ADDR))
				 [pt_index(SWITCHER_VIRT_START, L3_SHIFT)] & PTE_ADDR))
		[pt_index(SW_PAGE_VA(cpu, 0), L2_SHIFT)];
	BUG_ON((l2e & PTE_ADDR) != __pa(s->l1));
	s->l2[pt_index(SW_PAGE_VA(cpu, 0), L2_SHIFT)] = l2e;
	s->l3[pt_index(SWITCHER_VIRT_START, L3_SHIFT)] = __pa(s->l2) | PTE_P | PTE_RW;

	s->conf[SWC_GUEST_CR3 / 8] = __pa(s->l4);
	s->conf[SWC_HV_STACK / 8] = stack_top;
	s->conf[SWC_EXCEPTION / 8] = (u64)exception_common;
	s->conf[SWC_SYSCALL / 8] = (u64)fast_syscall_entry;
	s->conf[SWC_SYSCALL32 / 8] = compat_syscall32_stubs[cpu];
	s->ready = true;
}

/* The guest view's slot 271 entry of CPU cpu: its own L3. */
static u64 slot271(unsigned cpu)
{
	return __pa(sw_cpus[cpu].l3) | PTE_P | PTE_RW;
}

/*
 * Fast mode's entries on this CPU (pv/fast.c cpu_init): SYSCALL to the
 * switcher, the fast IDT, the entry stack in the slice, and the way out
 * through sw_exit. SYSENTER is off (a #GP for the guest): its entry would
 * need a stack switch of its own, and 64-bit Linux does not use it.
 */
void switcher_cpu_enter(bool sysenter)
{
	BUG_ON(!me()->ready);
	pv_entry_msrs(alias(sw_syscall), alias(sw_syscall32), sysenter, 0);
	desc_load_entries(switcher_idt(), switcher_va(SW_STACK_PAGE + SW_STACK_PAGES));
	this_cpu()->exit_via = alias(sw_exit);
}

/* Back to the hypervisor's own entries (compat mode's cpu_init). */
void switcher_cpu_leave(void)
{
	desc_load_entries(0, 0);
	this_cpu()->exit_via = 0;
}

/* CPU cpu's guest view's entry for slot i of the guest's L4 entry e. */
static u64 guest_view(unsigned cpu, unsigned i, u64 e)
{
	if (i < HV_FIRST_L4_SLOT)
		return e;			/* user space, as the guest made it */
	if (i == HV_FIRST_L4_SLOT)
		return m2p_l4_entry();		/* the read-only M2P (the ABI) */
	if (i == SWITCHER_L4_SLOT)
		return slot271(cpu);		/* this CPU's slice, no other */
	if (i <= HV_LAST_L4_SLOT)
		return 0;			/* the rest of the hypervisor: absent */
	return e & ~PTE_US;			/* the kernel: never ring 3's */
}

/*
 * v's L4 was loaded (a switch to v, its NEW_BASEPTR): the hypervisor's view
 * is that L4, the guest's is a fresh copy of it in this CPU's guest view.
 * 512 entries, beside the CR3 write that comes with it. loaded_l4 is set
 * first: switcher_l4_changed() on another CPU then writes this copy too
 * (both run under the hypervisor lock today; with finer locks the copy and
 * the update will need the domain's page-table lock).
 */
void switcher_load_l4(const struct vcpu *v)
{
	struct sw_cpu *s = me();
	const u64 *g = __va(v->cr3_kernel << PAGE_SHIFT);
	unsigned cpu = this_cpu()->id;

	s->loaded_l4 = v->cr3_kernel;
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		s->l4[i] = guest_view(cpu, i, g[i]);
	s->conf[SWC_HV_CR3 / 8] = v->cr3_kernel << PAGE_SHIFT;
}

/*
 * What the fast paths counted for v (pv/switcher_entry.S, in the data
 * page) goes to its domain's counters, before the exit that may switch
 * away from it (pv/exit.c). The data page is the guest's to write: these
 * counts are its kernel's claims, and count for nothing but its own stats.
 */
void switcher_fold_counts(struct vcpu *v)
{
	struct domain *d = v->domain;
	u64 *data = me()->data;

	d->stats.fast_syscalls += data[SWD_SYSCALLS / 8];
	d->stats.syscalls += data[SWD_SYSCALLS / 8];
	d->stats.fast_irets += data[SWD_IRETS / 8];
	d->hypercalls[__HYPERVISOR_iret] += data[SWD_IRETS / 8];
	d->stats.fast_pfs += data[SWD_PFS / 8];
	d->stats.traps[14] += data[SWD_PFS / 8];
	d->stats.bounces += data[SWD_SYSCALLS / 8] + data[SWD_PFS / 8];
	d->stats.fast_hypercalls += data[SWD_SEGBASES / 8] + data[SWD_STACK_SWITCHES / 8];
	d->hypercalls[__HYPERVISOR_set_segment_base] += data[SWD_SEGBASES / 8];
	d->hypercalls[__HYPERVISOR_stack_switch] += data[SWD_STACK_SWITCHES / 8];
	data[SWD_SYSCALLS / 8] = data[SWD_IRETS / 8] = data[SWD_PFS / 8] = 0;
	data[SWD_SEGBASES / 8] = data[SWD_STACK_SWITCHES / 8] = 0;
}

/*
 * The kernel stack stack_switch set in the switcher (pv/switcher_entry.S),
 * back into v at every entry from it (pv/fast.c): pv_bounce() reads it.
 * The data page of the CPU v ran on, which is this one.
 */
u64 switcher_kernel_sp(void)
{
	return me()->data[SWD_KERNEL_SP / 8];
}

/*
 * The last thing before v runs (pv/exit.c): the fast paths' parameters
 * for v, read from where the hypercalls that set them keep them, and its
 * vcpu_info mapped into the slice (the guest's own page: it may write it
 * anyway). A fast path is off (0) where the switcher could not do what
 * pv/bounce.c and pv/iret.c would: a callback that does not mask events,
 * the virtual IOPL of VMASST_TYPE_architectural_iopl, the fastpath=off
 * option.
 */
void switcher_prepare_exit(const struct vcpu *v)
{
	struct sw_cpu *s = me();
	const struct trap_info *pf = &v->trap_ctxt[14];
	paddr_t vi = __pa(v->vcpu_info);
	bool on = hv_opts.fastpath && !pv_arch_iopl(v);
	u64 *conf = s->conf;

	if ((s->l1[SW_VINFO_PAGE] & PTE_ADDR) != (vi & PTE_ADDR))
		switcher_map(SW_VINFO_PAGE, vi & PTE_ADDR, true);
	conf[SWC_VCPU_INFO / 8] = switcher_va(SW_VINFO_PAGE) + (vi & (PAGE_SIZE - 1));
	conf[SWC_FAST_HYPERCALLS / 8] = on;
	conf[SWC_SYSCALL_CB / 8] = on && v->syscall_masks_events ? v->syscall_callback : 0;
	s->data[SWD_KERNEL_SP / 8] = v->kernel_sp;
	conf[SWC_PF_CB / 8] = on ? pf->address : 0;
	conf[SWC_PF_MASK / 8] = TI_GET_IF(pf) ? 1 : 0;
}

/*
 * The writable pages of a slice are one CPU's, shared by every domain
 * that runs there, and a fast-mode kernel can read them: the data page
 * holds the last guest RSP the SYSCALL entry parked, the entry stack the
 * last frame the way out copied (every register of the last vCPU), an IST
 * stack the frame of the last #DB, NMI, #DF or #MC. So before a fast-mode
 * vCPU runs after another domain's on this CPU (core/sched.c, through
 * pv/mode.c), they are scrubbed: the data page's scratch and the entry
 * stack always (12 KiB, a memset), the IST stacks when one was used since
 * (x86/traps.c says so, naming the CPU: an IST stack is not a hypervisor
 * stack, this_cpu() does not work there). Another CPU's slice is never in
 * this CPU's guest view, so what it holds needs nothing here.
 */
void switcher_ist_used(unsigned cpu)
{
	if (cpu < SW_NR_SLICES)
		sw_cpus[cpu].ist_used = true;
}

void switcher_switch_to(const struct vcpu *next)
{
	struct sw_cpu *s = me();

	if (next->domain == s->last_domain)
		return;
	s->last_domain = next->domain;
	if (next->domain->mode->id != PV_MODE_FAST)
		return;
	s->data[SWD_GUEST_RSP / 8] = 0;
	memset(s->entry_stack, 0, SW_STACK_PAGES * PAGE_SIZE);
	if (s->ist_used) {
		desc_scrub_ist();
		s->ist_used = false;
	}
}

/*
 * Entry idx of the L4 at l4 changed (pgtype.c, through mm/mm_hv.c): every
 * CPU whose guest view copies that L4 gets the new entry, before the
 * hypercall that changed it returns. Another vCPU of the domain may run
 * on that L4 on another CPU right now: its guest view changes under it as
 * the L4 itself would under a compat-mode vCPU, and what its TLB still
 * holds of the old entry is the guest's to flush (MMUEXT_TLB_FLUSH_MULTI,
 * as on Xen), but for frames that change type, which mm/pgtype.c syncs
 * every CPU for. The writer holds the hypervisor lock, so no CPU is
 * between loaded_l4 and its copy (switcher_load_l4). A CPU whose guest
 * view is not in use (a compat vCPU runs there, or none) is written too:
 * 8 bytes, and its next load copies everything anyway.
 */
void switcher_l4_changed(mfn_t l4, unsigned idx)
{
	u64 e;

	if (!l4)
		return;
	e = ((const u64 *)__va(l4 << PAGE_SHIFT))[idx];
	for (unsigned cpu = 0; cpu < SW_NR_SLICES; cpu++) {
		struct sw_cpu *s = &sw_cpus[cpu];

		if (s->ready && s->loaded_l4 == l4)
			s->l4[idx] = guest_view(cpu, idx, e);
	}
}
