/*
 * bounce.h - delivering exceptions, system calls and events to a PV guest.
 */
#ifndef HV_PV_BOUNCE_H
#define HV_PV_BOUNCE_H

#include "hv.h"
#include "x86/regs.h"

struct vcpu;

void pv_bounce(struct cpu_regs *r, u64 target, bool has_err, u64 err,
	       bool mask_events);
void pv_inject_trap(struct cpu_regs *r, unsigned vector, bool has_err, u64 err);
void pv_deliver_events(struct cpu_regs *r);
void dump_guest_stack(const struct cpu_regs *r);
bool pv_arch_iopl(const struct vcpu *v);
bool pv_iopl_ok(const struct vcpu *v);

#endif
