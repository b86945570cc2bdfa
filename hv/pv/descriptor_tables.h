/*
 * descriptor_tables.h - each vCPU's GDT and LDT (pv/descriptor_tables.c).
 */
#ifndef HV_PV_DESCRIPTOR_TABLES_H
#define HV_PV_DESCRIPTOR_TABLES_H

#include "hv.h"

struct vcpu;

/*
 * vCPU areas of 32 pages in the 1 GiB below one L3 entry of the per-vCPU
 * range: one L2 of 512 L1s, 16 areas per L1. vCPUs get slots in the
 * order they are created (pv_area_prepare), never reused.
 */
#define PV_AREA_SLOTS		8192

void pv_gdt_init(void);
int pv_area_prepare(struct vcpu *v);
void pv_load_gdt(const struct vcpu *v);
void pv_destroy_gdt(struct vcpu *v);
long pv_set_gdt(struct vcpu *v, const mfn_t *frames, u64 entries);
void pv_load_ldt(const struct vcpu *v);
bool pv_destroy_ldt(struct vcpu *v);
void pv_set_ldt(struct vcpu *v, u64 base, u32 ents);
bool pv_ldt_fault_offset(const struct vcpu *v, u64 va, u64 err, u32 *off);
bool pv_map_ldt_page(struct vcpu *v, u32 off);
void pv_check_desc_tables(const struct vcpu *v);

#endif /* HV_PV_DESCRIPTOR_TABLES_H */
