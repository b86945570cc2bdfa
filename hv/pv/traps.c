/*
 * traps.c - what happens when a PV guest traps into the hypervisor.
 *
 * Runs in: hypervisor, interrupts off, with the guest's frame at the top of
 * the hypervisor stack.
 *
 * A SYSCALL from guest kernel mode is a hypercall. A SYSCALL from guest
 * user mode is a system call for the guest kernel, and any exception is the
 * guest's to handle; bouncing those to the guest kernel (set_trap_table,
 * the syscall callback) arrives with the PV CPU work. Until then a guest
 * that takes an exception has no handler for it, which Xen treats the same
 * way: the domain is crashed, alone.
 */
#include "hv.h"
#include "core/domain.h"
#include "core/hypercall.h"
#include "pv/traps.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "x86/traps.h"

void pv_syscall(struct cpu_regs *r);
void pv_syscall32(struct cpu_regs *r);

void pv_syscall(struct cpu_regs *r)
{
	struct vcpu *v = current;

	if (!v->kernel_mode) {
		domain_crash(v->domain, "system call from user mode at rip %#llx: no syscall callback",
			     (unsigned long long)r->rip);
		return;
	}
	r->rax = (u64)hypercall_dispatch(r->rax, r->rdi, r->rsi, r->rdx,
					 r->r10, r->r8);
}

void pv_syscall32(struct cpu_regs *r)
{
	domain_crash(current->domain, "32-bit SYSCALL at rip %#llx: not supported",
		     (unsigned long long)r->rip);
}

/* An exception raised by guest code. */
void pv_guest_exception(struct cpu_regs *r)
{
	struct domain *d = current->domain;

	if (hv_loglvl >= LOG_DEBUG)
		trap_report(r);
	if (r->vector == 14)
		domain_crash(d, "%s (error code %#llx) at rip %#llx, address %#llx, and no trap handler",
			     trap_name((unsigned)r->vector),
			     (unsigned long long)r->error_code,
			     (unsigned long long)r->rip,
			     (unsigned long long)read_cr2());
	else
		domain_crash(d, "%s (error code %#llx) at rip %#llx, and no trap handler",
			     trap_name((unsigned)r->vector),
			     (unsigned long long)r->error_code,
			     (unsigned long long)r->rip);
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
