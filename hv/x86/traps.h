/*
 * traps.h - exception reporting and dispatch.
 */
#ifndef HV_X86_TRAPS_H
#define HV_X86_TRAPS_H

#include "x86/regs.h"

const char *trap_name(unsigned vector);
void trap_report(const struct cpu_regs *r);
int stack_walk(u64 rbp, u64 *ret, int max);
void trap_entry(struct cpu_regs *r);

/*
 * The last fault in the hypervisor that resumed at a fixup is in this
 * CPU's struct pcpu: fixup_vector, fixup_error (x86/percpu.h).
 */

#endif /* HV_X86_TRAPS_H */
