/*
 * pv_mm.h - a PV domain's memory: its page-table hypercalls, the frames
 * the hypervisor keeps writing into, teardown, and the writable page-table
 * assist. The rules themselves are in mm/pgtype.h.
 */
#ifndef HV_MM_PV_MM_H
#define HV_MM_PV_MM_H

#include "hv.h"

struct domain;
struct vcpu;
struct cpu_regs;

/* mm/mm_hv.c: TLB flushes (one CPU: this one). */
void mm_flush_local(void);
void mm_local_flush_done(void);
void mm_flush_deferred(void);

/* mm/pv_mm.c */
int mm_vcpu_initial_l4s(struct vcpu *v, mfn_t kernel, mfn_t user);
void mm_vcpu_drop_l4s(struct vcpu *v);
int mm_hold_frame(struct domain *d, mfn_t mfn);
void mm_share_hv_frame(struct domain *d, mfn_t mfn);
void mm_domain_teardown(struct domain *d);
u64 mm_orphans_left(void);
void memory_op_teardown(struct domain *d);	/* mm/memory_op.c */

/* mm/ptwr.c */
bool ptwr_do_page_fault(struct cpu_regs *r, u64 cr2);

#endif /* HV_MM_PV_MM_H */
