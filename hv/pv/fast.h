/*
 * fast.h - fast mode's state in a vCPU (pv/fast.c, pv/mode.h).
 */
#ifndef HV_PV_FAST_H
#define HV_PV_FAST_H

#include "hv.h"

/*
 * A ring-1 guest kernel and its ring-3 processes share one L4: what the
 * hypervisor switches between them is only the GS base (swapgs). Which of
 * the two runs is the CPU's to say (the CS a trap pushed, where a SYSCALL
 * came from); fast mode records it in v->kernel_mode at every entry from
 * the guest, so that the rest of the hypervisor can ask as it asks compat
 * mode. It keeps nothing else in the vCPU.
 */
struct vcpu;
struct cpu_regs;

void fast_to_kernel(struct vcpu *v);
bool fast_to_user(struct vcpu *v);
void fast_entry_from_guest(struct vcpu *v, const struct cpu_regs *r);
void fast_l4_loaded(const struct vcpu *v);
void fast_exit_begin(struct vcpu *v);
void fast_exit_end(struct vcpu *v);

#endif /* HV_PV_FAST_H */
