/*
 * bounce.c - make a guest kernel handle an exception, a system call or an event.
 *
 * Runs in: hypervisor, interrupts off, on the current vCPU's frame.
 * Trusts: nothing about the guest's stack: the frame is written through
 * the checked gate (core/guest_access.c) and a kernel stack it cannot be
 * written on crashes that domain; the handler addresses were checked when
 * the guest registered them (pv/callbacks.c).
 *
 * A PV guest kernel has no IDT of its own: it registers handlers with the
 * hypervisor (set_trap_table, callback_op), and the hypervisor "bounces"
 * an event into one by writing a frame on the guest kernel's stack and
 * resuming the guest at the handler. The frame is Xen's x86-64 one, which
 * Linux's xen-asm.S reads (docs/pv-mechanisms.md §3), from high to low:
 *
 *	SS | RSP | RFLAGS | CS with the saved upcall mask in bits 32-39 | RIP
 *	| [error code] | R11 | RCX	<- new guest RSP
 *
 * The guest's virtual interrupt flag is vcpu_info.evtchn_upcall_mask, not
 * RFLAGS.IF (which is always 1 in hardware while a guest runs): the frame's
 * IF shows the mask as it was, and the handler may mask events on entry.
 * A bounce from guest user mode first switches to the guest kernel's
 * context: its L4, its GS base, and the stack it gave with stack_switch.
 */
#include "hv.h"
#include "layout.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "pv/bounce.h"
#include "pv/mode.h"
#include "x86/cpu.h"
#include "pvabi/xen.h"


/*
 * The virtual IOPL. The real IOPL is always 0:
 * with IOPL 3 a guest's cli would really stop interrupts. PHYSDEVOP_set_iopl
 * sets the virtual one, and with VMASST_TYPE_architectural_iopl it also
 * follows the guest's own iret frames and appears in its bounce frames, as
 * RFLAGS.IOPL would on bare metal. It decides which privileged instructions
 * (cli, sti, port I/O) are emulated rather than faulting: IOPL >= CPL, the
 * guest kernel counting as CPL 1, or CPL 0 under the assist (Xen's
 * iopl_ok()), guest user as CPL 3.
 */
bool pv_arch_iopl(const struct vcpu *v)
{
	return v->domain->vm_assist & (1ULL << VMASST_TYPE_architectural_iopl);
}

bool pv_iopl_ok(const struct vcpu *v)
{
	unsigned cpl = pv_in_kernel(v) ? (pv_arch_iopl(v) ? 0 : 1) : 3;

	return cpl <= v->iopl;
}

/*H:620 Bouncing into the guest kernel
 * The guest kernel has no IDT the CPU uses: exceptions, system calls and
 * events all arrive in the hypervisor, which "bounces" them into the guest
 * kernel by writing the frame the CPU would have written onto the guest
 * kernel's stack (with RCX and R11 below it, Xen's layout) and resuming
 * the guest at target. From user mode it first switches to the kernel's
 * page tables, GS base and stack: the CR3 write that makes a PV system
 * call cost what it does. A frame that cannot be written (a kernel stack
 * that is not mapped) is a broken guest: crash it.
 */
void pv_bounce(struct cpu_regs *r, u64 target, bool has_err, u64 err,
	       bool mask_events)
{
	struct vcpu *v = current;
	const struct pv_mode *mode = pv_mode(v);
	u8 saved_mask = v->vcpu_info->evtchn_upcall_mask;
	u64 frame[8], cs = r->cs, sp;
	int n = 0;

	if (!target) {
		domain_crash(v->domain, "no handler registered for a bounce at rip %#llx",
			     (unsigned long long)r->rip);
		return;
	}
	if (pv_in_kernel(v)) {
		sp = r->rsp;
		cs &= ~3ULL;	/* tells the guest it interrupted its kernel */
	} else {
		pv_to_kernel(v);	/* compat mode: its L4 and GS base */
		sp = v->kernel_sp;
	}
	sp &= ~0xfULL;

	frame[n++] = r->rcx;
	frame[n++] = r->r11;
	if (has_err)
		frame[n++] = err;
	frame[n++] = r->rip;
	frame[n++] = cs | ((u64)saved_mask << 32);
	frame[n++] = (r->rflags & ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL)) |
		     (saved_mask ? 0 : X86_EFLAGS_IF) |
		     (pv_arch_iopl(v) ? (u64)v->iopl << X86_EFLAGS_IOPL_SHIFT : 0);
	frame[n++] = r->rsp;
	frame[n++] = r->ss;
	sp -= (u64)n * 8;
	if (copy_to_guest(sp, frame, (u64)n * 8)) {
		domain_crash(v->domain, "cannot write a bounce frame at %#llx (kernel stack)",
			     (unsigned long long)sp);
		return;
	}
	if (mask_events)
		v->vcpu_info->evtchn_upcall_mask = 1;
	v->domain->stats.bounces++;
	r->rip = target;
	r->cs = mode->kernel_cs;
	r->ss = mode->kernel_ss;
	r->rsp = sp;
	r->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM | X86_EFLAGS_AC);
	r->rflags |= X86_EFLAGS_IF;
}

/* For debugging a guest that dies: the top of its stack (loglvl=debug). */
void dump_guest_stack(const struct cpu_regs *r)
{
	u64 w[16];

	if (copy_from_guest(w, r->rsp, sizeof(w))) {
		printk("guest stack at %#llx is unreadable\n", (unsigned long long)r->rsp);
		return;
	}
	printk("guest rsp %#llx rbp %#llx:\n", (unsigned long long)r->rsp,
	       (unsigned long long)r->rbp);
	for (int i = 0; i < 16; i += 4)
		printk("  %016llx %016llx %016llx %016llx\n",
		       (unsigned long long)w[i], (unsigned long long)w[i + 1],
		       (unsigned long long)w[i + 2], (unsigned long long)w[i + 3]);
}

/* Deliver exception vector through the guest's virtual IDT. */
void pv_inject_trap(struct cpu_regs *r, unsigned vector, bool has_err, u64 err)
{
	struct vcpu *v = current;
	const struct trap_info *ti = &v->trap_ctxt[vector & 255];

	if (!ti->address) {
		if (hv_loglvl >= LOG_DEBUG)
			dump_guest_stack(r);
		domain_crash(v->domain, "vector %u at rip %#llx (error %#llx) and no handler for it",
			     vector, (unsigned long long)r->rip,
			     (unsigned long long)err);
		return;
	}
	pv_bounce(r, ti->address, has_err, err, TI_GET_IF(ti));
}

/*H:730 The upcall
 * Before every return to the guest (pv/exit.c): is an event pending and
 * not masked? Then bounce into the event callback the guest registered,
 * masking events (Xen always masks here), as if an interrupt had arrived
 * at the instruction it was about to run. The guest's handler scans the
 * selector and the bitmaps, handles each port, and returns with the iret
 * hypercall, which unmasks from the frame's IF.
 */
void pv_deliver_events(struct cpu_regs *r)
{
	struct vcpu *v = current;
	struct vcpu_info *vi = v->vcpu_info;

	if (vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask &&
	    v->event_callback) {
		v->domain->stats.events++;
		pv_bounce(r, v->event_callback, false, 0, true);
	}
}
