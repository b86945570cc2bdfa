/*
 * iret.c - returning to a guest with a frame it chose: the iret
 * hypercall, a return the CPU refuses, and the 16-bit stack rule.
 *
 * Runs in: hypervisor, interrupts off, on the current vCPU's frame.
 * Trusts: nothing in the iret frame (guest memory, copied in once) or in
 * the selectors a guest loaded: every field that could give it more than
 * ring 3 is forced (CS and SS RPL, RFLAGS' IOPL and IF), and what the CPU
 * refuses on the way out is the guest's fault, delivered to it.
 *
 * A guest kernel in ring 3 cannot return from an exception with iretq (it
 * would need its page tables and GS switched for user mode), so it asks
 * the hypervisor with the iret hypercall; the hypervisor's own iretq then
 * loads what the guest asked for, and if the CPU refuses it (a bad CS or
 * SS, an LDT page it cannot map) the guest gets that fault at the target.
 */
#include "hv.h"
#include "core/hvlock.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "mm/segdesc.h"
#include "pv/bounce.h"
#include "pv/iret.h"
#include "pv/mode.h"
#include "pv/traps.h"
#include "x86/percpu.h"
#include "x86/eflags.h"
#include "x86/segments.h"
#include "pvabi/errno.h"
#include "pvabi/xen.h"

/*
 * do_iret - return from a bounce frame (docs/pv-mechanisms.md §7).
 *   IN the guest's RSP points at struct iret_context {rax, r11, rcx, flags,
 *      rip, cs, rflags, rsp, ss}. CS with RPL 3 returns to guest user mode
 *      (switching to the user L4 and GS base), otherwise to the kernel.
 *      Without VGCF_in_syscall, rcx and r11 are restored from the frame;
 *      with it they become rip and rflags, what Xen's exit by SYSRET
 *      leaves there. cs and ss come from the frame either way, their RPL
 *      forced to the mode's; with the flag Xen's SYSRET would load its flat
 *      user selectors instead (0xe033/0xe02b; 0xe023 for a 32-bit cs):
 *      a kernel that sets the flag pushes those, and Linux 6.1 passes
 *      flags 0 (pvabi/README.md, iret).
 *      With VMASST_TYPE_architectural_iopl the frame's RFLAGS.IOPL becomes
 *      the virtual IOPL (bounce.c); the real one stays 0.
 * Returns the frame's rax (the guest sees its own RAX). An unreadable frame
 * or a return to user mode without a user L4 crashes the domain.
 */
long pv_do_iret(struct cpu_regs *r)
{
	struct vcpu *v = current;
	const struct pv_mode *mode = pv_mode(v);
	struct iret_context ic;
	/*
	 * The architectural flags minus IOPL, VM and IF: the guest must never
	 * get a real IOPL (with IOPL 3 its cli would really turn interrupts
	 * off and keep the CPU); IF is forced on below.
	 */
	const u64 keep = X86_EFLAGS_ARCH & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM | X86_EFLAGS_IF);

	if (copy_from_guest(&ic, r->rsp, sizeof(ic))) {
		domain_crash(v->domain, "iret frame at %#llx is unreadable",
			     (unsigned long long)r->rsp);
		return 0;
	}
	if ((ic.cs & 3) == 3 && pv_in_kernel(v) && !pv_to_user(v))
		return 0;	/* it could not: the domain has crashed */
	if (pv_arch_iopl(v))	/* the assist: IOPL as the frame says */
		v->iopl = (u8)((ic.rflags & X86_EFLAGS_IOPL) >> X86_EFLAGS_IOPL_SHIFT);
	r->rip = ic.rip;
	r->cs = ic.cs | mode->kernel_rpl;	/* never more than the guest kernel's */
	r->ss = ic.ss | mode->kernel_rpl;
	r->rflags = (ic.rflags & keep) | X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	r->rsp = ic.rsp;
	if (!(ic.flags & VGCF_in_syscall)) {
		r->r11 = ic.r11;
		r->rcx = ic.rcx;
	} else {
		/*
		 * Xen leaves by SYSRET here, which puts the return RIP in rcx
		 * and RFLAGS in r11. We leave by iretq: do the same by hand, or
		 * the guest would find the rcx/r11 of the kernel's iret call (the
		 * address of its iret stub: a kernel address leaked to user mode).
		 */
		r->rcx = r->rip;
		r->r11 = r->rflags;
	}
	v->vcpu_info->evtchn_upcall_mask = !(ic.rflags & X86_EFLAGS_IF);
	return (long)ic.rax;
}

/*
 * The return to a guest itself faulted (iretq found a bad CS or SS that the
 * guest's iret hypercall or bounce frame left, or an LDT page it cannot
 * map). x86/entry.S rebuilt the frame as if the fault came from the guest
 * at its target RIP, with the vector and error code the CPU gave: as on
 * Xen (which has no failsafe for this on 64-bit either), the guest gets
 * that fault. pvisor gives the handler a frame it can return to, the flat
 * CS and SS of the mode it was returning to (Xen's has the refused ones).
 */
void pv_iret_fault(struct cpu_regs *r)
{
	struct pcpu *c = this_cpu();
	struct vcpu *v;

	/* What the fault was: x86/traps.c kept it in this CPU's struct pcpu. */
	r->vector = c->fixup_vector;
	r->error_code = c->fixup_error;
	/*
	 * A fast-mode exit's fault comes here without the lock (x86/traps.c,
	 * switcher_stack_trap); a compat exit's with it (trap_entry took it).
	 */
	if (!hv_enter())
		return;		/* it ended on another CPU: the way out switches */
	v = current;
	pr_debug("domain %s: return to guest faulted: vector %llu error %#llx (cs %#llx ss %#llx rip %#llx)\n",
		 v->domain->name, (unsigned long long)r->vector,
		 (unsigned long long)r->error_code, (unsigned long long)r->cs,
		 (unsigned long long)r->ss, (unsigned long long)r->rip);
	r->cs = pv_in_kernel(v) ? pv_mode(v)->kernel_cs : FLAT_USER_CS;
	r->ss = pv_mode(v)->kernel_ss;
	if (r->vector == 14)
		pv_page_fault(r);	/* an LDT page: #PF at the guest's address */
	else
		pv_inject_trap(r, (unsigned)r->vector, true, r->error_code);
}

/*
 * Before every return to a guest (core/sched.c): refuse a 16-bit stack.
 * iretq to compatibility mode with a 16-bit stack segment (B = 0) loads
 * only SP: the rest of RSP keeps what the hypervisor's stack pointer had
 * (bits 31-16 on hardware, 63-16 under QEMU), and the guest would read
 * our stack's address. Linux's answer is ESPFIX64; Xen has none for PV
 * guests and leaks the same way (which is why Linux refuses 16-bit
 * segments under Xen). pvisor turns such a return, whatever led to it (an
 * iret hypercall, a user process that loaded SS itself and was
 * interrupted), into #GP(SS selector) for the guest kernel, as a faulting
 * iret, with the frame it would have returned to. Returns true if it did.
 *
 * Cost: a null SS or one of the hypervisor's GDT page (FLAT_*, 32-bit) is
 * decided by the selector; any other (Linux's user SS 0x2b on every return
 * to user mode) costs one LAR (the stats option counts them: ss_lar), and
 * only a 16-bit writable data segment a second one, for CS.
 */
bool pv_refuse_16bit_stack(struct cpu_regs *r)
{
	u16 ss = (u16)r->ss, cs = (u16)r->cs;
	u32 ss_ar, cs_ar;

	if (!(ss & ~3U) || (!(ss & 4) && (ss >> 3) >= FIRST_RESERVED_GDT_ENTRY))
		return false;
	current->domain->stats.ss_lar++;
	if (segment_lar(ss, &ss_ar) != 1 || !segdesc_stack_is_16bit(ss_ar))
		return false;	/* not a 16-bit stack (or iretq faults on it anyway) */
	if (segment_lar(cs, &cs_ar) != 1 || segdesc_code_is_64bit(cs_ar))
		return false;	/* 64-bit code (iretq loads all of RSP), or a bad CS */
	pr_debug("domain %s: return to a 16-bit stack (ss %#x cs %#x): #GP\n",
		 current->domain->name, ss, cs);
	pv_inject_trap(r, 13, true, ss & ~3U);
	return true;
}
