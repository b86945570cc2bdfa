/*
 * switcher.h - the part of the hypervisor a fast-mode guest's address
 * space maps (pv/switcher.c, pv/switcher_entry.S, layout.h).
 */
#ifndef HV_PV_SWITCHER_H
#define HV_PV_SWITCHER_H

#include "hv.h"

struct vcpu;

void switcher_init(void);
void switcher_init_cpu(unsigned cpu, u64 stack_top, paddr_t tss_page, u8 *const ist[4]);
/*
 * Non-zero while the CPU's entries are fast mode's (the current vCPU is a
 * fast-mode one): where return_to_guest goes out, and the one test the
 * way out makes (pv/exit.c), a load where asking the vCPU's mode is three.
 */
void switcher_map(unsigned page, paddr_t pa, bool writable);
u64 switcher_va(unsigned page);
void switcher_cpu_enter(bool sysenter);	/* fast mode's entries on this CPU */
void switcher_cpu_leave(void);		/* ... and back to the hypervisor's */
void switcher_load_l4(const struct vcpu *v);
void switcher_l4_changed(mfn_t l4, unsigned idx);
void switcher_fold_counts(struct vcpu *v);
void switcher_switch_to(const struct vcpu *next);
void switcher_ist_used(unsigned cpu);
u64 switcher_kernel_sp(void);
void switcher_prepare_exit(const struct vcpu *v);
void switcher_set_desc_pte(unsigned page, u64 pte);
u64 switcher_idt(void);

#endif /* HV_PV_SWITCHER_H */
