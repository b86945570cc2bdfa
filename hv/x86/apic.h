/*
 * apic.h - the local APIC timer and the TSC: the hypervisor's clocks; and
 * the IPIs that start the other CPUs.
 */
#ifndef HV_X86_APIC_H
#define HV_X86_APIC_H

#include "hv.h"

#define TIMER_VECTOR		0xf0
#define KICK_VECTOR		0xf1	/* another CPU wants this one in the hypervisor */
#define SPURIOUS_VECTOR		0xff

void apic_init(void);
void apic_eoi(void);
void apic_timer_oneshot(u64 ns);
void apic_timer_stop(void);
u64 tsc_calibrate(void);
void rtc_read(u64 *unix_seconds);
u32 apic_id(void);
u64 apic_phys(void);
void tsc_delay_us(u64 us);
bool apic_send_init(u32 dest);
bool apic_start_cpu(u32 dest, u8 vector, const volatile u32 *started, const char **why);
void apic_init_ap(void);
void apic_kick(u32 dest);

#endif
