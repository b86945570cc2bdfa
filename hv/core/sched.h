/*
 * sched.h - choosing which vCPU runs.
 */
#ifndef HV_CORE_SCHED_H
#define HV_CORE_SCHED_H

#include "hv.h"
#include "x86/regs.h"

struct vcpu;

void sched_add(struct vcpu *v);
void sched_remove(struct vcpu *v);
void sched_vcpu_up(struct vcpu *v);
void sched_vcpu_down(struct vcpu *v);
void sched_need_resched(void);
bool sched_resched_pending(void);
void sched_start(void) __noreturn;
void schedule(struct cpu_regs *frame);

#endif
