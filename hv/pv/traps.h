/*
 * traps.h - guest traps and system calls (compat mode).
 */
#ifndef HV_PV_TRAPS_H
#define HV_PV_TRAPS_H

#include "hv.h"
#include "x86/regs.h"

void pv_guest_exception(struct cpu_regs *r);
void pv_compat_cpu_init(bool sysenter);
bool pv_sysenter_single_step(struct cpu_regs *r);
bool pv_hv_ldt_fault(u64 cr2, u64 err);
bool pv_refuse_16bit_stack(struct cpu_regs *r);

#endif
