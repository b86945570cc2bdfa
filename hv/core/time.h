/*
 * time.h - system time, guest time info, and vCPU timers.
 */
#ifndef HV_CORE_TIME_H
#define HV_CORE_TIME_H

#include "hv.h"

struct vcpu;
struct domain;

#define TIME_SLICE_NS	10000000ULL	/* 10 ms */
#define CONSOLE_POLL_NS	10000000ULL	/* serial input is polled this often */

void time_init(void);
u64 NOW(void);
void time_init_domain(struct domain *d);
void time_update_vcpu(struct vcpu *v);
void timer_interrupt(void);
void timers_reprogram(void);
void timers_init(u32 nr_vcpus);
void time_vcpu_changed(struct vcpu *v);
void time_vcpu_forget(struct vcpu *v);
void runstate_change(struct vcpu *v, int state);
void time_set_periodic(struct vcpu *v, u64 period_ns);
bool time_deadline_passed(void);
u64 time_deadline(void);

#endif
