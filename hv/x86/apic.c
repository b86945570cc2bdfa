/*
 * apic.c - calibrate the TSC, drive the local APIC timer, read the RTC.
 *
 * Runs in: hypervisor; calibration once at boot, the rest with interrupts off.
 *
 * The TSC is pvisor's clock: guests read it directly and scale it with the
 * factors in their vcpu_time_info, so its frequency is measured once at
 * boot against the PIT (channel 2, gated through port 0x61, counting at
 * 1.193182 MHz) over 20 ms. The local APIC timer, in one-shot mode, is the
 * only interrupt source: it fires at the earliest timer deadline of any
 * vCPU or at the end of the running vCPU's time slice. Its rate is measured
 * against the calibrated TSC. Under QEMU's software emulation both the TSC
 * and the APIC timer follow the host's clock.
 */
#include "hv.h"
#include "layout.h"
#include "mm/paging.h"
#include "x86/apic.h"
#include "x86/cpu.h"

#define MSR_APIC_BASE	0x1b
#define APIC_PHYS	0xfee00000UL
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_LVT_TIMER	0x320
#define APIC_TIMER_INIT	0x380
#define APIC_TIMER_CUR	0x390
#define APIC_TIMER_DIV	0x3e0
#define APIC_LVT_MASKED	(1u << 16)

#define PIT_HZ		1193182ULL
#define CALIBRATE_MS	20

static volatile u32 *apic;
static u64 apic_hz;	/* timer ticks per second at divide-by-16 */
static u64 apic_ticks_per_ns;	/* the same, per ns, as a 32.32 fraction */
static u64 tsc_hz;

static u32 apic_read(u32 reg)
{
	return apic[reg / 4];
}

static void apic_write(u32 reg, u32 v)
{
	apic[reg / 4] = v;
}

/* TSC ticks per second, measured against PIT channel 2. */
u64 tsc_calibrate(void)
{
	u64 latch = PIT_HZ * CALIBRATE_MS / 1000, t0, t1;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(0x43, 0xb0);			/* channel 2, lo/hi, mode 0 */
	outb(0x42, (u8)latch);
	outb(0x42, (u8)(latch >> 8));
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20))		/* OUT2 rises at terminal count */
		cpu_relax();
	t1 = rdtsc();
	tsc_hz = (t1 - t0) * 1000 / CALIBRATE_MS;
	return tsc_hz;
}

void apic_init(void)
{
	u64 t0, count;

	paging_map_mmio(APIC_PHYS, PAGE_SIZE);
	apic = __va(APIC_PHYS);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));	/* enable */
	apic_write(APIC_SVR, (1u << 8) | SPURIOUS_VECTOR);
	apic_write(APIC_TIMER_DIV, 0x3);	/* divide by 16 */
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | TIMER_VECTOR);

	/* Count APIC ticks over CALIBRATE_MS of TSC time. */
	apic_write(APIC_TIMER_INIT, 0xffffffff);
	t0 = rdtsc();
	while (rdtsc() - t0 < tsc_hz * CALIBRATE_MS / 1000)
		cpu_relax();
	count = 0xffffffffu - apic_read(APIC_TIMER_CUR);
	apic_write(APIC_TIMER_INIT, 0);
	apic_hz = count * 1000 / CALIBRATE_MS;
	apic_ticks_per_ns = (apic_hz << 32) / 1000000000u;
	apic_write(APIC_LVT_TIMER, TIMER_VECTOR);	/* one-shot, unmasked */
	printk("time: TSC %llu.%03llu MHz, APIC timer %llu kHz\n",
	       (unsigned long long)(tsc_hz / 1000000),
	       (unsigned long long)(tsc_hz / 1000 % 1000),
	       (unsigned long long)(apic_hz / 1000));
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* Interrupt once, ns nanoseconds from now (at least one tick). */
void apic_timer_oneshot(u64 ns)
{
	u64 ticks = (u64)(((unsigned __int128)ns * apic_ticks_per_ns) >> 32);

	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu;
	apic_write(APIC_TIMER_INIT, (u32)ticks);
}

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned bcd(u8 v, bool is_bcd)
{
	return is_bcd ? (v & 15) + (v >> 4) * 10 : v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static u64 days_from_civil(unsigned y, unsigned m, unsigned d)
{
	unsigned era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (u64)era * 146097 + doe - 719468;
}

/* The wall clock from the CMOS RTC, as seconds since 1970 (UTC). */
void rtc_read(u64 *unix_seconds)
{
	u8 sec, min, hour, day, mon, year, regb;
	bool is_bcd;

	while (cmos(0x0a) & 0x80)	/* update in progress */
		cpu_relax();
	sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04);
	day = cmos(0x07), mon = cmos(0x08), year = cmos(0x09);
	regb = cmos(0x0b);
	is_bcd = !(regb & 0x04);
	*unix_seconds = days_from_civil(2000 + bcd(year, is_bcd), bcd(mon, is_bcd),
					bcd(day, is_bcd)) * 86400 +
			bcd(hour & 0x7f, is_bcd) * 3600 + bcd(min, is_bcd) * 60 +
			bcd(sec, is_bcd);
}
