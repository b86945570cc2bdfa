/*
 * emulate.h - privileged-instruction emulation for PV guests.
 */
#ifndef HV_PV_EMULATE_H
#define HV_PV_EMULATE_H

#include "hv.h"
#include "x86/regs.h"

void pv_cpuid(u32 leaf, u32 subleaf, u32 out[4]);
bool pv_emulate_forced_cpuid(struct cpu_regs *r);
bool pv_emulate_priv_op(struct cpu_regs *r);
bool pv_emulate_int(struct cpu_regs *r, u64 *errcode);
int pv_insn_mode(const struct cpu_regs *r);

#endif
