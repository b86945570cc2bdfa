/*
 * compat.h - compat mode's state in a vCPU (pv/compat.c, pv/mode.h).
 */
#ifndef HV_PV_COMPAT_H
#define HV_PV_COMPAT_H

#include "hv.h"

/*
 * A ring-3 guest kernel and its user processes differ only in what the
 * hypervisor switches for them: which L4 is loaded and which GS base is
 * active. The kernel L4 is the vCPU's cr3_kernel (every mode has one), and
 * so is the flag saying which of the two contexts runs (v->kernel_mode,
 * which each mode keeps its own way: pv/mode.h); the user L4 is compat
 * mode's own.
 */
struct compat_vcpu {
	mfn_t cr3_user;		/* the user L4, 0 = none (holds an L4 type reference) */
};

struct vcpu;
struct cpu_regs;

/*
 * The members of compat mode's table that every guest system call uses
 * (pv/mode.h calls them directly; pv/compat.c).
 */
void compat_to_kernel(struct vcpu *v);
void compat_install_hv_l4_slots(u64 *l4);
bool compat_to_user(struct vcpu *v);

/*
 * A 64-bit SYSCALL, by pv_in_kernel(): a hypercall or a system call to
 * bounce (pv/compat_syscall.c). Fast mode's entry shares it (pv/fast.c).
 */
void pv_syscall64(struct cpu_regs *r);

/* pv/compat_syscall.c, for compat mode's table (pv/compat.c). */
void compat_cpu_init(bool sysenter);
void compat_cpu_entries(bool sysenter);
void pv_entry_msrs(u64 lstar, u64 cstar, bool sysenter, u64 sysenter_eip);
bool compat_sysenter_single_step(struct cpu_regs *r);

#endif /* HV_PV_COMPAT_H */
