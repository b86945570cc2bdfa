/*
 * apic.c - calibrate the TSC, drive the local APIC timer, start the other
 * CPUs (INIT-SIPI-SIPI), read the RTC.
 *
 * Runs in: hypervisor; calibration once at boot, the rest with interrupts
 * off; apic_init_ap() on each application processor as it comes up.
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
#define APIC_ID		0x020
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_LVT_TIMER	0x320
#define APIC_TIMER_INIT	0x380
#define APIC_TIMER_CUR	0x390
#define APIC_TIMER_DIV	0x3e0
#define APIC_LVT_MASKED	(1u << 16)
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define ICR_BUSY	(1u << 12)	/* delivery status: send pending */
#define ICR_INIT	0x00004500	/* INIT, level, assert */
#define ICR_STARTUP	0x00004600	/* start-up IPI; | the vector (page) */

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

/* No interrupt until the next apic_timer_oneshot(). */
void apic_timer_stop(void)
{
	apic_write(APIC_TIMER_INIT, 0);
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

/* This CPU's local APIC id (xAPIC: bits 31-24 of the ID register). */
u32 apic_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

/* Spin for us microseconds, by the TSC (calibrated by then). */
void tsc_delay_us(u64 us)
{
	u64 t0 = rdtsc(), ticks = tsc_hz / 1000000 * us;

	while (rdtsc() - t0 < ticks)
		cpu_relax();
}

/* Send one IPI; false if the APIC still says "pending" after 10 ms. */
static bool send_ipi(u32 dest, u32 icr)
{
	u64 t0 = rdtsc(), limit = tsc_hz / 100;

	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, icr);
	while (apic_read(APIC_ICR_LO) & ICR_BUSY) {
		if (rdtsc() - t0 > limit)
			return false;
		cpu_relax();
	}
	return true;
}

/*
 * A kick (KICK_VECTOR) to another running CPU: it leaves the guest it
 * runs, or its halt, for the hypervisor (core/hvlock.c). Fixed delivery,
 * assert. The interrupt is handled as a timer interrupt (x86/desc.c).
 */
void apic_kick(u32 dest)
{
	send_ipi(dest, 0x00004000 | KICK_VECTOR);
}

/*
 * An INIT IPI: the CPU resets and waits for a start-up IPI. Used before
 * the first SIPI, and to park a CPU that did not answer, so that it
 * cannot wake up later inside a trampoline set up for another CPU.
 */
bool apic_send_init(u32 dest)
{
	return send_ipi(dest, ICR_INIT);
}

/*
 * The start-up sequence of the Intel SDM (vol. 3, §9.4.4, "MP
 * initialization example"): INIT, 10 ms, SIPI, 200 us, SIPI. The CPU
 * starts in real mode at vector << 12, so the trampoline's page is below
 * 1 MiB. The second SIPI is for a CPU that missed the first, so it goes
 * only if *started (the trampoline's first store) is still 0: a CPU that
 * runs ignores a SIPI, but QEMU lets one wake it from hlt, which would
 * show as a wakeup of an idle CPU that nothing asked for. Returns false
 * with *why set if the local APIC would not send; whether the CPU runs is
 * seen only from what the trampoline writes.
 */
bool apic_start_cpu(u32 dest, u8 vector, const volatile u32 *started, const char **why)
{
	*why = NULL;
	if (!apic_send_init(dest)) {
		*why = "the INIT IPI stayed pending";
		return false;
	}
	tsc_delay_us(10000);
	for (int i = 0; i < 2 && !*started; i++) {
		if (!send_ipi(dest, ICR_STARTUP | vector)) {
			*why = "a start-up IPI stayed pending";
			return false;
		}
		tsc_delay_us(200);
	}
	return true;
}

/*
 * An application processor's local APIC: enabled (it takes kicks from the
 * other CPUs), the spurious vector set, its timer as the boot CPU's
 * (one-shot, the same divider: QEMU's APIC timers share one clock, so the
 * boot CPU's calibration holds), stopped until the scheduler aims it, no
 * task priority.
 */
void apic_init_ap(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	apic_write(APIC_SVR, (1u << 8) | SPURIOUS_VECTOR);
	apic_write(APIC_TIMER_DIV, 0x3);	/* divide by 16 */
	apic_write(APIC_TIMER_INIT, 0);
	apic_write(APIC_LVT_TIMER, TIMER_VECTOR);	/* one-shot, unmasked */
	apic_write(APIC_TPR, 0);
}

/* The local APIC's physical address, from its base MSR. */
u64 apic_phys(void)
{
	return rdmsr(MSR_APIC_BASE) & ~0xfffULL & ((1ULL << 52) - 1);
}
