/*
 * power.h - ending the run.
 */
#ifndef HV_X86_POWER_H
#define HV_X86_POWER_H

#include "hv.h"

/* Exit status QEMU reports (tools/run maps them to 0 and 1). */
#define HV_EXIT_SUCCESS	0x10	/* QEMU exits with (0x10 << 1) | 1 = 33 */
#define HV_EXIT_FAILURE	0x11	/* 35 */

void hv_exit(bool success) __noreturn;

#endif /* HV_X86_POWER_H */
