/*
 * descriptor_tables.h - each vCPU's GDT (pv/descriptor_tables.c).
 */
#ifndef HV_PV_DESCRIPTOR_TABLES_H
#define HV_PV_DESCRIPTOR_TABLES_H

#include "hv.h"

struct vcpu;

void pv_gdt_init(void);
void pv_load_gdt(const struct vcpu *v);
void pv_destroy_gdt(struct vcpu *v);

#endif /* HV_PV_DESCRIPTOR_TABLES_H */
