/*
 * traps.h - exceptions raised by guest code (compat mode's guest_exception).
 */
#ifndef HV_PV_TRAPS_H
#define HV_PV_TRAPS_H

#include "hv.h"
#include "x86/regs.h"

void pv_guest_exception(struct cpu_regs *r);
bool pv_hv_ldt_fault(u64 cr2, u64 err);
void pv_page_fault(struct cpu_regs *r);
void pv_debug_in_hypervisor(struct cpu_regs *r, const struct vcpu *cur);

/* pv/callbacks.c: the guest's debug registers in the CPU. */
struct vcpu;
bool pv_cr4_de(const struct vcpu *v);
long pv_set_debugreg(struct vcpu *v, u64 reg, u64 value);
void pv_debugregs_switch_to(const struct vcpu *v);
void pv_debugregs_switch_from(const struct vcpu *v);

#endif
