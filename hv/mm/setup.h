/*
 * setup.h - memory management bring-up.
 */
#ifndef HV_MM_SETUP_H
#define HV_MM_SETUP_H

#include "hv.h"

struct boot_info;

void mm_init(const struct boot_info *bi, u64 mbi_phys, u64 mbi_size);
u64 mm_release_modules(const struct boot_info *bi);

#endif /* HV_MM_SETUP_H */
