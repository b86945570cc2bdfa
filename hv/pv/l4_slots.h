/*
 * l4_slots.h - what the hypervisor puts in slots 256-271 of a guest L4.
 */
#ifndef HV_PV_L4_SLOTS_H
#define HV_PV_L4_SLOTS_H

#include "hv.h"

void compat_install_hv_l4_slots(u64 *l4);

#endif
