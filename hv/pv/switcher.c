/*
 * switcher.c - the switcher: all a fast-mode guest's address space holds
 * of the hypervisor, and the guest's view of its own page tables.
 *
 * Runs in: hypervisor, at boot (switcher_init, from x86/desc.c) and with
 * interrupts off for the current vCPU (switching to it, changing its L4).
 *
 * A ring-1 kernel runs on supervisor pages, and paging cannot tell ring 1
 * from ring 0: whatever of the hypervisor its page tables map, it can read,
 * and write if writable. So a fast-mode guest never runs on an L4 that maps
 * the hypervisor. Each CPU has a slice of L4 slot 271 (layout.h: 2 MiB, one
 * L1) holding only what the CPU itself must reach while the guest runs:
 *
 *   the switcher's code (pv/switcher_entry.S)       read-only
 *   its conf page (which CR3s, where to go)   read-only
 *   the IDT the CPU uses for a fast guest     read-only
 *   the TSS                                   read-only
 *   the vCPU's GDT and LDT pages (a window)   read-only
 *   a data page, the entry stack, the IST stacks: writable, and so the
 *     guest's to read and write while it runs; nothing is kept there that
 *     the hypervisor trusts once it has left them (one CPU: the guest and
 *     the switcher never run at the same time on a slice; with SMP each
 *     CPU's guest view will map only its own slice).
 *
 * The guest view is a per-CPU L4 (sw_l4): the guest's own L4 (the vCPU's
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
 * to one of its entries (mm/mm_hv.c, from pgtype.c); the CR3 write on the
 * way out flushes whatever the TLB held.
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

static u64 fast_idt[512] __aligned(PAGE_SIZE);	/* 256 gates of 16 bytes */
static u64 *sw_l1, *conf, *data, *sw_l4;
static u64 sw_l4e;		/* slot 271: the switcher's L3 */
static mfn_t loaded_l4;		/* the guest L4 sw_l4 copies; 0 = none */
static u64 *entry_stack;	/* its SW_STACK_PAGES pages, hypervisor address */
static const struct domain *last_domain;	/* the last to run on this CPU */
static bool ist_used;		/* an IST stack took a frame since the last scrub */

/* x86/entry.S return_to_guest: sw_exit's alias while a fast vCPU runs, else 0. */

/* The address of a page of this CPU's slice (one CPU: slice 0). */
u64 switcher_va(unsigned page)
{
	return SW_PAGE_VA(0, page);
}

/* Where a symbol of switcher_entry.S runs: its alias in the slice. */
static u64 alias(const char *sym)
{
	return switcher_va(SW_TEXT_PAGE) + (u64)(sym - sw_text);
}

/*
 * Map a frame at a page of the slice: read-only or writable, never
 * executable (only the code pages are), never user-accessible.
 */
void switcher_map(unsigned page, paddr_t pa, bool writable)
{
	sw_l1[page] = pa | PTE_P | PTE_A | PTE_NX | (writable ? PTE_RW | PTE_D : 0);
	asm volatile("invlpg (%0)" : : "r"(switcher_va(page)) : "memory");
}

/* The vCPU's GDT and LDT window (pv/descriptor_tables.c): one page, read-only. */
void switcher_set_desc_pte(unsigned page, u64 pte)
{
	u64 e = (pte & PTE_P) ? (pte & PTE_ADDR) | PTE_P | PTE_A | PTE_NX : 0;

	if (sw_l1[SW_DESC_PAGE + page] == e)
		return;
	sw_l1[SW_DESC_PAGE + page] = e;
	asm volatile("invlpg (%0)" : : "r"(switcher_va(SW_DESC_PAGE + page)) : "memory");
}

u64 switcher_idt(void)
{
	return switcher_va(SW_IDT_PAGE);
}

/*H:345 The switcher
 * Made once at boot, before any guest L4 copies the hypervisor's slots:
 * L4 slot 271 -> L3 -> L2 -> the slice's L1, the switcher's code mapped
 * from the image (read-only, the only executable pages), its conf page
 * (read-only), data page and entry stack (writable), the fast IDT (every
 * vector to the switcher's stubs, which pass to the ordinary entry code),
 * and the CPU's guest-view L4. x86/desc.c then maps the TSS and the IST
 * stacks into the slice, so that the CPU finds them in either view.
 */
void switcher_init(void)
{
	u64 stubs[32];

	BUG_ON((u64)sw_text & (PAGE_SIZE - 1));
	BUG_ON(sw_text_end - sw_text > SW_TEXT_PAGES * (long)PAGE_SIZE);
	BUG_ON(hv_l4()[SWITCHER_L4_SLOT] & PTE_P);	/* before any guest L4 copies it */
	sw_l1 = paging_l1_of(switcher_va(0));
	sw_l4e = hv_l4()[SWITCHER_L4_SLOT];

	for (unsigned i = 0; i < SW_TEXT_PAGES; i++)
		sw_l1[SW_TEXT_PAGE + i] = (__pa(sw_text) + i * PAGE_SIZE) | PTE_P | PTE_A;
	conf = paging_zeroed_page();
	switcher_map(SW_CONF_PAGE, __pa(conf), false);
	data = paging_zeroed_page();
	switcher_map(SW_DATA_PAGE, __pa(data), true);
	{
		mfn_t m = frame_alloc_contig(SW_STACK_PAGES, 1);

		if (m == INVALID_MFN)
			panic("switcher: out of memory");
		entry_stack = __va(m << PAGE_SHIFT);
		memset(entry_stack, 0, SW_STACK_PAGES * PAGE_SIZE);
		for (unsigned i = 0; i < SW_STACK_PAGES; i++)
			switcher_map(SW_STACK_PAGE + i, (m << PAGE_SHIFT) + i * PAGE_SIZE, true);
	}
	switcher_map(SW_IDT_PAGE, __pa(fast_idt), false);
	sw_l4 = paging_zeroed_page();

	conf[SWC_GUEST_CR3 / 8] = __pa(sw_l4);
	conf[SWC_HV_STACK / 8] = hv_stack_top;
	conf[SWC_EXCEPTION / 8] = (u64)exception_common;
	conf[SWC_SYSCALL / 8] = (u64)fast_syscall_entry;
	conf[SWC_SYSCALL32 / 8] = (u64)compat_syscall32_entry;

	for (int v = 0; v < 32; v++)
		stubs[v] = alias(sw_text) + sw_stub_offsets[v];
	desc_fill_idt(fast_idt, stubs, alias(sw_text) + sw_stub_offsets[32],
		      alias(sw_spurious));
}

/*
 * Fast mode's entries on this CPU (pv/fast.c cpu_init): SYSCALL to the
 * switcher, the fast IDT, the entry stack in the slice, and the way out
 * through sw_exit. SYSENTER is off (a #GP for the guest): its entry would
 * need a stack switch of its own, and 64-bit Linux does not use it.
 */
void switcher_cpu_enter(bool sysenter)
{
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

/* The guest view's entry for slot i of the guest's L4 entry e. */
static u64 guest_view(unsigned i, u64 e)
{
	if (i < HV_FIRST_L4_SLOT)
		return e;			/* user space, as the guest made it */
	if (i == HV_FIRST_L4_SLOT)
		return m2p_l4_entry();		/* the read-only M2P (the ABI) */
	if (i == SWITCHER_L4_SLOT)
		return sw_l4e;
	if (i <= HV_LAST_L4_SLOT)
		return 0;			/* the rest of the hypervisor: absent */
	return e & ~PTE_US;			/* the kernel: never ring 3's */
}

/*
 * v's L4 was loaded (a switch to v, its NEW_BASEPTR): the hypervisor's view
 * is that L4, the guest's is a fresh copy of it. 512 entries, beside the
 * CR3 write that comes with it.
 */
void switcher_load_l4(const struct vcpu *v)
{
	const u64 *g = __va(v->cr3_kernel << PAGE_SHIFT);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		sw_l4[i] = guest_view(i, g[i]);
	loaded_l4 = v->cr3_kernel;
	conf[SWC_HV_CR3 / 8] = v->cr3_kernel << PAGE_SHIFT;
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
 */
u64 switcher_kernel_sp(void)
{
	return data[SWD_KERNEL_SP / 8];
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
	const struct trap_info *pf = &v->trap_ctxt[14];
	paddr_t vi = __pa(v->vcpu_info);
	bool on = hv_opts.fastpath && !pv_arch_iopl(v);

	if ((sw_l1[SW_VINFO_PAGE] & PTE_ADDR) != (vi & PTE_ADDR))
		switcher_map(SW_VINFO_PAGE, vi & PTE_ADDR, true);
	conf[SWC_VCPU_INFO / 8] = switcher_va(SW_VINFO_PAGE) + (vi & (PAGE_SIZE - 1));
	conf[SWC_FAST_HYPERCALLS / 8] = on;
	conf[SWC_SYSCALL_CB / 8] = on && v->syscall_masks_events ? v->syscall_callback : 0;
	data[SWD_KERNEL_SP / 8] = v->kernel_sp;
	conf[SWC_PF_CB / 8] = on ? pf->address : 0;
	conf[SWC_PF_MASK / 8] = TI_GET_IF(pf) ? 1 : 0;
}

/*
 * The writable pages of the slice are one CPU's, shared by every domain
 * that runs there, and a fast-mode kernel can read them: the data page
 * holds the last guest RSP the SYSCALL entry parked, the entry stack the
 * last frame the way out copied (every register of the last vCPU), an IST
 * stack the frame of the last #DB, NMI, #DF or #MC. So before a fast-mode
 * vCPU runs after another domain's (core/sched.c, through pv/mode.c), they
 * are scrubbed: the data page's scratch and the entry stack always (12 KiB,
 * a memset), the IST stacks when one was used since (x86/traps.c says so).
 */
void switcher_ist_used(void)
{
	ist_used = true;
}

void switcher_switch_to(const struct vcpu *next)
{
	if (next->domain == last_domain)
		return;
	last_domain = next->domain;
	if (next->domain->mode->id != PV_MODE_FAST)
		return;
	data[SWD_GUEST_RSP / 8] = 0;
	memset(entry_stack, 0, SW_STACK_PAGES * PAGE_SIZE);
	if (ist_used) {
		desc_scrub_ist();
		ist_used = false;
	}
}

/* Entry idx of the L4 at l4 changed (pgtype.c, through mm/mm_hv.c). */
void switcher_l4_changed(mfn_t l4, unsigned idx)
{
	if (l4 != loaded_l4 || !loaded_l4)
		return;
	sw_l4[idx] = guest_view(idx, ((const u64 *)__va(l4 << PAGE_SHIFT))[idx]);
}
