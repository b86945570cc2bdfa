/*
 * hvlock.h - the hypervisor lock and the cross-CPU TLB sync (core/hvlock.c).
 */
#ifndef HV_CORE_HVLOCK_H
#define HV_CORE_HVLOCK_H

#include "hv.h"
#include "core/spinlock.h"

struct pcpu;

/* Its call site goes to the lock-debugging build's reports (LOCK_SITE). */
#define hv_enter()	_hv_enter(LOCK_SITE)
bool _hv_enter(const char *site);
void hv_leave(void);
void hv_idle_halt(void);
void hv_sync_others(void);
void hv_load_idle_cr3(void);
void hv_kick(struct pcpu *c);
bool hv_lock_contended(void);

#endif /* HV_CORE_HVLOCK_H */
