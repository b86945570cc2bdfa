/*
 * guest_access.h - the one checked gate to guest memory (docs/style.md §5).
 */
#ifndef HV_CORE_GUEST_ACCESS_H
#define HV_CORE_GUEST_ACCESS_H

#include "hv.h"

bool guest_range_ok(u64 va, u64 len);
int copy_from_guest(void *dst, u64 guest_va, u64 len);
int copy_to_guest(u64 guest_va, const void *src, u64 len);
u64 copy_from_guest_upto(void *dst, u64 guest_va, u64 len);
int copy_to_guest_fault(u64 guest_va, const void *src, u64 len, u64 *fault_va);
bool fixup_exception(u64 *rip);

#endif /* HV_CORE_GUEST_ACCESS_H */
