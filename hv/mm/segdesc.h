/*
 * segdesc.h - checking guest segment descriptors (mm/segdesc.c).
 */
#ifndef HV_MM_SEGDESC_H
#define HV_MM_SEGDESC_H

#include "hv.h"

bool check_descriptor(u64 *desc);
int validate_segdesc_page(u64 *descs);

#endif /* HV_MM_SEGDESC_H */
