/*
 * apic.h - the local APIC timer and the TSC: the hypervisor's clocks.
 */
#ifndef HV_X86_APIC_H
#define HV_X86_APIC_H

#include "hv.h"

#define TIMER_VECTOR		0xf0
#define SPURIOUS_VECTOR		0xff

void apic_init(void);
void apic_eoi(void);
void apic_timer_oneshot(u64 ns);
u64 tsc_calibrate(void);
void rtc_read(u64 *unix_seconds);

#endif
