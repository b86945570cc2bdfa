/*
 * iret.h - returning to a guest with a frame it chose (pv/iret.c).
 */
#ifndef HV_PV_IRET_H
#define HV_PV_IRET_H

#include "hv.h"
#include "x86/regs.h"

long pv_do_iret(struct cpu_regs *r);
void pv_iret_fault(struct cpu_regs *r);		/* from x86/entry.S */
bool pv_refuse_16bit_stack(struct cpu_regs *r);

#endif
