/*
 * vcpu_context.c - VCPUOP_initialise: a secondary vCPU's first state, from
 * the struct vcpu_guest_context its guest wrote (how Linux starts its
 * other CPUs: arch/x86/xen/smp_pv.c).
 *
 * Runs in: hypervisor, on the calling vCPU, interrupts off; the vCPU
 * being initialised is another of the caller's domain, down and never
 * run (core/vcpu_op.c checks that).
 * Trusts: nothing in the context. Every value the CPU will load from the
 * new vCPU is checked as the hypercall that sets it alone checks it
 * (set_trap_table, set_callbacks, set_gdt, MMUEXT_SET_LDT,
 * MMUEXT_NEW_BASEPTR, set_segment_base, iret's flags), all before the
 * vCPU keeps any of it. A refusal leaves the vCPU uninitialised and
 * holding no reference.
 */
#include "hv.h"
#include "layout.h"
#include "vaddr.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "mm/frame.h"
#include "mm/pv_mm.h"
#include "pv/bounce.h"
#include "pv/debugreg.h"
#include "pv/descriptor_tables.h"
#include "pv/mode.h"
#include "pv/vcpu_context.h"
#include "x86/cr.h"
#include "x86/eflags.h"
#include "x86/fpu.h"
#include "pvabi/errno.h"
#include "pvabi/xen.h"

#define CTX_FRAMES	DIV_ROUND_UP(sizeof(struct vcpu_guest_context), PAGE_SIZE)

/*
 * What needs no reference: addresses, sizes and flags. Each rule is the
 * one the matching hypercall applies (the file comment lists them).
 */
static bool context_ok(const struct vcpu *v, const struct vcpu_guest_context *c)
{
	const struct pv_mode *mode = pv_mode(v);

	/*
	 * Xen lets a 64-bit vCPU start in guest user mode; no guest does, and
	 * it would need a user L4 and GS bases ready at once (pvabi/README.md).
	 */
	if (!(c->flags & VGCF_in_kernel))
		return false;
	if (!guest_va_ok(c->user_regs.rip) || !guest_va_ok(c->event_callback_eip) ||
	    !guest_va_ok(c->failsafe_callback_eip) ||
	    !guest_va_ok(c->syscall_callback_eip))
		return false;
	for (unsigned i = 0; i < ARRAY_SIZE(c->trap_ctxt); i++) {
		if (c->trap_ctxt[i].address && !guest_va_ok(c->trap_ctxt[i].address))
			return false;
	}
	/* Xen's arch_set_info_guest: the stacks too, though nothing loads them yet. */
	if (!canonical_va(c->user_regs.rsp) || !canonical_va(c->kernel_sp))
		return false;
	if (!canonical_va(c->fs_base) || !canonical_va(c->gs_base_kernel) ||
	    !canonical_va(c->gs_base_user))
		return false;
	if (c->ldt_ents && ((c->ldt_base & (PAGE_SIZE - 1)) ||
			    !guest_va_ok(c->ldt_base) || c->ldt_ents > 8192))
		return false;
	if (c->gdt_ents > FIRST_RESERVED_GDT_ENTRY)
		return false;
	/* Only compat mode has a second L4 (MMUEXT_NEW_USER_BASEPTR). */
	if (c->ctrlreg[1] && !mode->user_l4)
		return false;
	return true;
}

/*
 * The registers it starts with: the general ones as given; CS and SS its
 * mode's flat kernel selectors (it starts in its kernel); RFLAGS as iret
 * makes them (no real IOPL, IF on: the event mask in its vcpu_info says
 * whether it takes events). The IOPL bits become its virtual IOPL, as on
 * Xen (Linux asks for 1 this way in a ring-3 kernel).
 */
static void load_regs(struct vcpu *v, const struct cpu_user_regs *u)
{
	const u64 keep = X86_EFLAGS_ARCH & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM | X86_EFLAGS_IF);
	struct cpu_regs *r = &v->regs;

	memset(r, 0, sizeof(*r));
	r->r15 = u->r15, r->r14 = u->r14, r->r13 = u->r13, r->r12 = u->r12;
	r->rbp = u->rbp, r->rbx = u->rbx, r->r11 = u->r11, r->r10 = u->r10;
	r->r9 = u->r9, r->r8 = u->r8, r->rax = u->rax, r->rcx = u->rcx;
	r->rdx = u->rdx, r->rsi = u->rsi, r->rdi = u->rdi;
	r->rip = u->rip;
	r->rsp = u->rsp;
	r->cs = pv_mode(v)->kernel_cs;
	r->ss = pv_mode(v)->kernel_ss;
	r->rflags = (u->rflags & keep) | X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	v->iopl = (u8)((u->rflags & X86_EFLAGS_IOPL) >> X86_EFLAGS_IOPL_SHIFT);
	/* Loaded at its first switch; one that faults loads null (x86/segments.S). */
	v->sel_ds = u->ds;
	v->sel_es = u->es;
	v->sel_fs = u->fs;
	v->sel_gs = u->gs;
}

/* Everything else, once the references are held. */
static void load_state(struct vcpu *v, const struct vcpu_guest_context *c)
{
	load_regs(v, &c->user_regs);
	for (unsigned i = 0; i < ARRAY_SIZE(v->trap_ctxt); i++) {
		v->trap_ctxt[i] = c->trap_ctxt[i];
		v->trap_ctxt[i].vector = (u8)i;	/* the table is indexed, not searched */
	}
	v->event_callback = c->event_callback_eip;
	v->failsafe_callback = c->failsafe_callback_eip;
	v->failsafe_masks_events = c->flags & VGCF_failsafe_disables_events;
	v->syscall_callback = c->syscall_callback_eip;
	v->syscall_masks_events = c->flags & VGCF_syscall_disables_events;
	v->kernel_sp = c->kernel_sp;
	/* Its pages are checked and mapped when the CPU first uses them. */
	v->ldt_base = c->ldt_ents ? c->ldt_base : 0;
	v->ldt_ents = (u32)c->ldt_ents;
	v->fs_base = c->fs_base;
	v->gs_base_kernel = c->gs_base_kernel;
	v->gs_base_user = c->gs_base_user;
	pv_mode(v)->vcpu_init(v);	/* in guest kernel context */
	v->vcr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	v->vcr0_ts = false;
	dbg_init(&v->dbg);		/* debugreg[] is not taken: reset values */
	fpu_reset(v->fpu);		/* nor fpu_ctxt (pvabi/README.md) */
}

static long initialise(struct vcpu *v, const struct vcpu_guest_context *c)
{
	mfn_t gdt[FIRST_RESERVED_GDT_PAGE];
	long rc;

	if (!context_ok(v, c))
		return -XEN_EINVAL;
	/* Last of the checks; may be -ERESTART (a continuation: below). */
	rc = mm_vcpu_initial_l4s(v, xen_cr3_to_pfn(c->ctrlreg[3]),
				 xen_cr3_to_pfn(c->ctrlreg[1]));
	if (rc)
		return rc;
	for (unsigned i = 0; i < ARRAY_SIZE(gdt); i++)
		gdt[i] = c->gdt_frames[i];
	rc = pv_set_gdt(v, gdt, c->gdt_ents);
	if (rc) {
		mm_vcpu_drop_l4s(v);
		return rc;
	}
	load_state(v, c);
	return 0;
}

/*
 * VCPUOP_initialise for v (core/vcpu_op.c has the hypercall's comment).
 * The context is 5 KiB: it is read into frames of its own, not onto the
 * hypervisor stack. -ERESTART: validating its L4 was preempted; the
 * caller makes the hypercall a continuation, which reads the context
 * again and goes on with the partial L4.
 */
long pv_vcpu_initialise(struct vcpu *v, u64 arg)
{
	mfn_t m = frame_alloc_contig(CTX_FRAMES, 1);
	struct vcpu_guest_context *c;
	long rc;

	if (m == INVALID_MFN)
		return -XEN_ENOMEM;
	c = __va(m << PAGE_SHIFT);
	if (copy_from_guest(c, arg, sizeof(*c)))
		rc = -XEN_EFAULT;
	else
		rc = initialise(v, c);
	frame_free_contig(m, CTX_FRAMES);
	return rc;
}
