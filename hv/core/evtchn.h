/*
 * evtchn.h - event channels: the PV guest's interrupts.
 */
#ifndef HV_CORE_EVTCHN_H
#define HV_CORE_EVTCHN_H

#include "hv.h"

struct domain;
struct vcpu;

/* evtchn_2l.c: the bits in shared_info. */
bool evtchn_2l_set_pending(struct domain *d, u32 port);
void evtchn_2l_clear_pending(struct domain *d, u32 port);
bool evtchn_2l_is_pending(const struct domain *d, u32 port);
bool evtchn_2l_is_masked(const struct domain *d, u32 port);
void evtchn_2l_unmask(struct domain *d, u32 port);

/* evtchn.c: ports and their states. */
void evtchn_init(struct domain *d);
void evtchn_destroy(struct domain *d);
int evtchn_send_virq(struct vcpu *v, u32 virq);
int evtchn_alloc_hypervisor_port(struct domain *d);
void evtchn_notify(struct domain *d, u32 port);
long evtchn_op(struct domain *d, u64 cmd, void *arg);
size_t evtchn_op_size(u64 cmd);

/* core/console.c: a guest raised a port bound to the hypervisor. */
void evtchn_hypervisor_port_sent(struct domain *d, u32 port);

#endif
