/*
 * vcpu_context.h - VCPUOP_initialise's context (pv/vcpu_context.c).
 */
#ifndef HV_PV_VCPU_CONTEXT_H
#define HV_PV_VCPU_CONTEXT_H

#include "hv.h"

struct vcpu;

long pv_vcpu_initialise(struct vcpu *v, u64 arg);

#endif /* HV_PV_VCPU_CONTEXT_H */
