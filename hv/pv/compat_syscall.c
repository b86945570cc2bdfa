/*
 * compat_syscall.c - compat mode's SYSCALL and SYSENTER: the C halves of
 * pv/compat_entry.S, and the CPU set up to enter there.
 *
 * Runs in: hypervisor, interrupts off, with the guest's frame at the top
 * of the hypervisor stack (compat_entry.S built it); compat_cpu_init() at
 * boot and when the CPU switches to a vCPU of compat mode.
 *
 * A 64-bit SYSCALL from guest kernel mode is a hypercall; from guest user
 * mode it is a system call, bounced to the guest kernel's syscall callback.
 * A SYSCALL from compatibility mode and a SYSENTER are system calls from
 * either mode, bounced to the syscall32 and sysenter callbacks (Xen's
 * rules: nothing an unprivileged guest process executes can crash its
 * domain). All of it is compat mode's: a ring-3 kernel makes its
 * hypercalls with SYSCALL, the same instruction its processes use, and
 * the hypervisor receives both. Generic code reaches this file only
 * through compat mode's table (pv/compat.c): cpu_init.
 *
 * Trusts: nothing of the guest's: the frame is the CPU's (as the entry
 * stubs built it), and what is bounced is only ever the guest's own state.
 */
#include "hv.h"
#include "x86/percpu.h"
#include "core/hvlock.h"
#include "core/domain.h"
#include "core/hypercall.h"
#include "pv/bounce.h"
#include "pv/iret.h"
#include "pv/compat.h"
#include "pv/mode.h"
#include "pv/switcher.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "pvabi/xen.h"

/* Called from compat_entry.S only. */
void compat_syscall32(struct cpu_regs *r);
void compat_sysenter(struct cpu_regs *r);

/*H:630 A system call from guest user mode
 * Guest user and guest kernel both run in ring 3, so a process's SYSCALL
 * comes to the hypervisor (compat_entry.S), which bounces it into the
 * guest kernel's callback at target: two transitions and a CR3 switch
 * where bare metal has one. Without a callback,
 * Xen's rule: a #UD at the syscall instruction (a kernel that registered
 * none gets the fault in its #UD handler, and a process the signal).
 * Events are masked on entry if the 64-bit syscall callback was registered
 * with CALLBACKF_mask_events: Xen keeps one such flag for both SYSCALL
 * callbacks of a 64-bit guest (the syscall32 one's is for 32-bit guests).
 * DF is cleared, as SYSCALL_MASK would on bare metal.
 */
static void bounce_syscall(struct cpu_regs *r, u64 target)
{
	struct vcpu *v = current;

	if (!target) {
		r->rip -= 2;	/* both forms of syscall are 0f 05 */
		pv_inject_trap(r, 6, false, 0);
		return;
	}
	v->domain->stats.syscalls++;
	pv_bounce(r, target, false, 0, v->syscall_masks_events);
	r->rflags &= ~X86_EFLAGS_DF;
}

void pv_syscall64(struct cpu_regs *r)
{
	struct vcpu *v;

	if (!hv_enter())	/* the hypervisor lock: core/hvlock.c */
		return;		/* its domain ended on another CPU */
	v = current;

	if (!pv_in_kernel(v)) {
		bounce_syscall(r, v->syscall_callback);
		return;
	}
	if (r->rax == __HYPERVISOR_iret) {	/* it rewrites the whole frame */
		v->domain->hypercalls[__HYPERVISOR_iret]++;
		r->rax = (u64)pv_do_iret(r);
		return;
	}
	hypercall_from_guest(r);	/* result in rax, or a continuation */
}

/*
 * A SYSCALL from compatibility mode (CS 0xe023), in guest user or guest
 * kernel mode: Xen has no hypercall path here, so it is always a system
 * call for the syscall32 callback, with the frame the CPU gave (CS 0xe023,
 * or 0xe020 from the kernel; RIP and RFLAGS from rcx and r11), and a #UD
 * without one: never the 64-bit callback. Any process can get here by a
 * far jump to 0xe023, so nothing here may cost more than the process.
 */
void compat_syscall32(struct cpu_regs *r)
{
	if (!hv_enter())	/* the hypervisor lock: core/hvlock.c */
		return;
	pv_entry_from_guest(current, r);	/* fast mode: the frame says user */
	bounce_syscall(r, current->syscall32_callback);
}

/*
 * SYSENTER (compat_entry.S built a frame of RIP 0, CS 3, RSP 0): into the
 * sysenter callback, events masked if it was registered so; the guest's
 * convention (rcx, rdx) says where to return. Without a callback Xen
 * gives #GP(0) with that same frame, which a guest kernel turns into a
 * signal for the process. From guest kernel mode the frame goes below
 * RSP 0, at the very top of the address space, as on Xen: a kernel that
 * does not map it crashes itself (pv_bounce).
 *
 * Xen also clears EFLAGS.NT, which SYSENTER leaves set, before anything
 * can iretq with it (compat_entry.S does), and the callback runs with NT
 * clear while the frame keeps the guest's flags (pv_bounce).
 */
void compat_sysenter(struct cpu_regs *r)
{
	struct vcpu *v;

	if (!hv_enter())	/* the hypervisor lock: core/hvlock.c */
		return;		/* its domain ended on another CPU */
	v = current;

	if (!v->sysenter_callback) {	/* #GP(0), SYSENTER's frame */
		pv_inject_trap(r, 13, true, 0);
		return;
	}
	v->domain->stats.syscalls++;
	pv_bounce(r, v->sysenter_callback, false, 0, v->sysenter_masks_events);
}

/*
 * A #DB in ring 0 inside compat_sysenter_entry before it saved the flags:
 * the guest executed SYSENTER with TF set, and the CPU single-steps our
 * entry code until the flags are saved (SYSENTER does not clear TF). Let
 * each pass; at compat_sysenter_flags_saved clear TF in the interrupted
 * entry's flags (the guest's copy is saved). The status bits the steps set
 * in DR6 are ours, not the guest's: reset them, as Xen does.
 */
bool compat_sysenter_single_step(struct cpu_regs *r)
{
	extern const char compat_sysenter_entry[], compat_sysenter_flags_saved[];
	const u64 dr6_default = 0xffff0ff0;

	if (r->vector != 1 || !(r->rflags & X86_EFLAGS_TF) ||
	    r->rip < (u64)compat_sysenter_entry ||
	    r->rip > (u64)compat_sysenter_flags_saved)
		return false;
	if (r->rip == (u64)compat_sysenter_flags_saved)
		r->rflags &= ~X86_EFLAGS_TF;
	asm volatile("mov %0, %%dr6" : : "r"(dr6_default));
	return true;
}

/*
 * Point SYSCALL (64-bit lstar, 32-bit cstar) and SYSENTER (sysenter_eip;
 * 0: off) at a mode's entries. STAR's selectors
 * give Xen's layout: SYSCALL enters with CS 0xe008 / SS 0xe010; SYSRET
 * would return to 0xe033 / 0xe02b, the guest's FLAT_RING3 selectors.
 * SYSCALL_MASK clears IF, TF, DF, AC and NT on entry: the hypervisor runs
 * with interrupts off and never single-steps or trusts the direction flag.
 * SYSENTER, where the CPU has it (sysenter is false otherwise), enters
 * with CS 0xe008 / SS 0xe010 on the top of the hypervisor stack, as Xen's
 * does; the reset values (CS 0) would make it #GP in the guest, not what
 * Xen gives, so CS 0 is what "off" means (fast mode: pv/switcher.c).
 */
void pv_entry_msrs(u64 lstar, u64 cstar, bool sysenter, u64 sysenter_eip)
{
	wrmsr(MSR_STAR, ((u64)GUEST_CS32 << 48) | ((u64)HV_CS << 32));
	wrmsr(MSR_LSTAR, lstar);
	wrmsr(MSR_CSTAR, cstar);
	wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF |
	      X86_EFLAGS_AC | X86_EFLAGS_NT);
	if (!sysenter)
		return;
	wrmsr(MSR_SYSENTER_CS, sysenter_eip ? HV_CS : 0);
	if (sysenter_eip) {
		wrmsr(MSR_SYSENTER_ESP, this_cpu()->stack_top);
		wrmsr(MSR_SYSENTER_EIP, sysenter_eip);
	}
}

/*
 * This CPU's SYSCALL entries (pv/compat_entry.S): its own stubs, which
 * find its stack in compat_syscall_slots.
 */
void compat_cpu_entries(bool sysenter)
{
	extern const u64 compat_syscall_stubs[NR_CPUS], compat_syscall32_stubs[NR_CPUS];
	extern u64 compat_syscall_slots[NR_CPUS][2];
	extern const char compat_sysenter_entry[];
	struct pcpu *c = this_cpu();

	compat_syscall_slots[c->id][1] = c->stack_top;
	pv_entry_msrs(compat_syscall_stubs[c->id], compat_syscall32_stubs[c->id], sysenter,
		      (u64)compat_sysenter_entry);
}

/* Compat mode's entries: its own, on the hypervisor's IDT and stack. */
void compat_cpu_init(bool sysenter)
{
	switcher_cpu_leave();	/* the hypervisor's own IDT and entry stack */
	compat_cpu_entries(sysenter);
}
