/*
 * traps.c - what happens when a PV guest traps into the hypervisor.
 *
 * Runs in: hypervisor, interrupts off, with the guest's frame at the top of
 * the hypervisor stack.
 *
 * A SYSCALL from guest kernel mode is a hypercall; from guest user mode it
 * is a system call, bounced to the guest kernel's syscall callback. An
 * exception raised by guest code is first offered to the hypervisor's own
 * fixups (privileged-instruction emulation, forced CPUID, software
 * interrupts, the writable page-table assist) and otherwise bounced to the
 * guest's handler for that vector, with the error code and CR2 the guest
 * would have seen on bare metal. A vector with no handler crashes the
 * domain, alone (Xen does the same).
 */
#include "hv.h"
#include "core/domain.h"
#include "core/hypercall.h"
#include "mm/pv_mm.h"
#include "pv/bounce.h"
#include "pv/emulate.h"
#include "pv/traps.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "x86/traps.h"
#include "pvabi/xen.h"

#define PFEC_USER	(1ULL << 2)
#define RFLAGS_DF	(1ULL << 10)

void pv_syscall(struct cpu_regs *r);
void pv_syscall32(struct cpu_regs *r);
void pv_iret_fault(struct cpu_regs *r);

/* A system call from guest user mode: into the guest kernel's callback. */
static void bounce_syscall(struct cpu_regs *r)
{
	struct vcpu *v = current;

	if (!v->syscall_callback) {
		/* Xen: no callback is a #UD at the syscall instruction. */
		r->rip -= 2;
		pv_inject_trap(r, 6, false, 0);
		return;
	}
	v->domain->stats.syscalls++;
	pv_bounce(r, v->syscall_callback, false, 0, v->syscall_masks_events);
	r->rflags &= ~RFLAGS_DF;
}

void pv_syscall(struct cpu_regs *r)
{
	struct vcpu *v = current;

	if (!v->kernel_mode) {
		bounce_syscall(r);
		return;
	}
	if (r->rax == __HYPERVISOR_iret) {	/* it rewrites the whole frame */
		v->domain->hypercalls[__HYPERVISOR_iret]++;
		r->rax = (u64)pv_do_iret(r);
		return;
	}
	hypercall_from_guest(r);	/* result in rax, or a continuation */
}

void pv_syscall32(struct cpu_regs *r)
{
	domain_crash(current->domain, "32-bit SYSCALL at rip %#llx: not supported",
		     (unsigned long long)r->rip);
}

static void page_fault(struct cpu_regs *r)
{
	struct vcpu *v = current;
	u64 cr2 = read_cr2();
	u64 err = r->error_code;

	if (ptwr_do_page_fault(r, cr2)) {	/* mm/ptwr.c: a page-table write */
		v->domain->stats.ptwr++;
		return;
	}
	/*
	 * The CPU always reports a user-mode access (CPL 3); tell the guest
	 * which of its modes really faulted.
	 */
	err = v->kernel_mode ? err & ~PFEC_USER : err | PFEC_USER;
	v->vcpu_info->arch.cr2 = cr2;
	pv_inject_trap(r, 14, true, err);
}

static void general_protection(struct cpu_regs *r)
{
	u64 err = r->error_code;

	if (err == 0 && pv_emulate_priv_op(r)) {
		current->domain->stats.emul_priv++;
		return;
	}
	if ((err & 3) == 2 && pv_emulate_int(r, &err))
		return;
	pv_inject_trap(r, 13, true, err);
}

/*
 * #NM: the guest set its virtual CR0.TS (fpu_taskswitch) to be told when a
 * task first uses the FPU. As on Xen, TS is cleared (real and virtual)
 * before the guest's handler runs, so it can use the FPU at once.
 */
static void device_not_available(struct cpu_regs *r)
{
	struct vcpu *v = current;

	if (!v->vcr0_ts) {
		domain_crash(v->domain, "#NM with the virtual CR0.TS clear");
		return;
	}
	do_fpu_taskswitch(0, 0, 0, 0, 0);
	pv_inject_trap(r, 7, false, 0);
}

/*
 * #DB: as Xen, merge the status bits the CPU left in DR6 (B0-B3, BD, BS,
 * BT) into the virtual DR6 that the guest reads with get_debugreg(6) to
 * learn why it trapped (Linux's exc_debug: single step or breakpoint),
 * and reset the real DR6, whose status bits are sticky.
 */
static void debug_trap(struct cpu_regs *r)
{
	const u64 status = 0xe00f, dr6_default = 0xffff0ff0;
	u64 dr6;

	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	asm volatile("mov %0, %%dr6" : : "r"(dr6_default));
	current->debugreg[6] |= dr6 & status;
	pv_inject_trap(r, 1, false, 0);
}

/* An exception raised by guest code (vector < 32). */
/*H:520 When guest code faults
 * Some faults are the hypervisor's to fix: a write to a read-only page
 * table (the writable page-table assist), a privileged instruction it
 * emulates, a forced CPUID, a software interrupt. Everything else goes to
 * the guest kernel's handler for that vector, with the error code and CR2
 * the guest would have seen on bare metal.
 */
void pv_guest_exception(struct cpu_regs *r)
{
	unsigned vec = (unsigned)r->vector;

	if (hv_loglvl >= LOG_DEBUG && vec != 14 && vec != 13)
		trap_report(r);
	if (vec < 32)
		current->domain->stats.traps[vec]++;
	switch (vec) {
	case 14:
		page_fault(r);
		return;
	case 13:
		general_protection(r);
		return;
	case 6:
		if (!pv_emulate_forced_cpuid(r))
			pv_inject_trap(r, 6, false, 0);
		return;
	case 7:
		device_not_available(r);
		return;
	case 1:
		debug_trap(r);
		return;
	case 2:		/* a host NMI that arrived while a guest ran */
		return;
	case 8:
	case 18:
		trap_report(r);
		panic("%s while a guest ran", trap_name(vec));
	case 10: case 11: case 12: case 17: case 21:
		pv_inject_trap(r, vec, true, r->error_code);
		return;
	default:
		pv_inject_trap(r, vec, false, 0);
		return;
	}
}

/*
 * The return to a guest itself faulted (iretq found a bad CS or SS that the
 * guest's iret hypercall or bounce frame left). x86/entry.S rebuilt the
 * frame as if the fault came from the guest at its target RIP: on 64-bit
 * Xen has no failsafe for this either, so report #GP to the guest.
 */
void pv_iret_fault(struct cpu_regs *r)
{
	struct vcpu *v = current;

	pr_debug("domain %s: return to guest faulted (cs %#llx ss %#llx rip %#llx)\n",
		 v->domain->name, (unsigned long long)r->cs,
		 (unsigned long long)r->ss, (unsigned long long)r->rip);
	/* Make the frame returnable before bouncing. */
	r->cs = v->kernel_mode ? FLAT_KERNEL_CS : FLAT_USER_CS;
	r->ss = FLAT_KERNEL_SS;
	pv_inject_trap(r, 13, true, 0);
}

/*
 * Point SYSCALL at compat mode's entry. STAR's selectors give Xen's layout:
 * SYSCALL enters with CS 0xe008 / SS 0xe010; SYSRET would return to
 * 0xe033 / 0xe02b, the guest's FLAT_RING3 selectors. SYSCALL_MASK clears
 * IF, TF, DF, AC and NT on entry: the hypervisor runs with interrupts off
 * and never single-steps or trusts the direction flag.
 */
void pv_compat_cpu_init(void)
{
	extern const char compat_syscall_entry[], compat_syscall32_entry[];

	wrmsr(MSR_STAR, ((u64)GUEST_CS32 << 48) | ((u64)HV_CS << 32));
	wrmsr(MSR_LSTAR, (u64)compat_syscall_entry);
	wrmsr(MSR_CSTAR, (u64)compat_syscall32_entry);
	wrmsr(MSR_SYSCALL_MASK, 0x200 | 0x100 | 0x400 | 0x40000 | 0x4000);
}
