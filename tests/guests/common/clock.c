/*
 * clock.c - system time, the wall clock, VIRQ_TIMER and the runstate
 * (events.h).
 *
 * Runs in: test guests, guest kernel mode.
 *
 * System time is computed exactly as Linux's pvclock does, from the
 * vcpu_time_info the hypervisor keeps in vcpu_info (pvabi/xen.h):
 *
 *	ns = system_time + ((tsc - tsc_timestamp) <<> tsc_shift) * mul >> 32
 *
 * read under the version protocol: the hypervisor makes version odd while
 * it writes, so a reader retries while it is odd or has changed.
 */
#include "guest.h"
#include "events.h"
#include "smp.h"
#include "traps.h"

volatile u64 timer_fired;
volatile u64 timer_fired_at;
evtchn_port_t timer_port;

#define barrier()	asm volatile("" ::: "memory")

u64 pvclock_scale(const struct vcpu_time_info *t, u64 tsc)
{
	u64 delta = tsc - t->tsc_timestamp;

	if (t->tsc_shift < 0)
		delta >>= -t->tsc_shift;
	else
		delta <<= t->tsc_shift;
	return t->system_time +
	       (u64)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
}

void time_info_snapshot(struct vcpu_time_info *out)
{
	const volatile struct vcpu_time_info *t = &this_vcpu()->time;
	u32 version;

	do {
		version = t->version;
		barrier();
		memcpy(out, (const void *)t, sizeof(*out));
		barrier();
	} while ((version & 1) || version != t->version);
}

u64 system_time_and_tsc(u64 *tsc_out)
{
	const volatile struct vcpu_time_info *t = &this_vcpu()->time;
	u32 version;
	u64 ns, tsc;

	do {
		version = t->version;
		barrier();
		tsc = rdtsc();
		ns = pvclock_scale((const struct vcpu_time_info *)t, tsc);
		barrier();
	} while ((version & 1) || version != t->version);
	if (tsc_out)
		*tsc_out = tsc;
	return ns;
}

u64 system_time(void)
{
	return system_time_and_tsc(NULL);
}

/* Seconds since 1970 now: the wall clock at system time 0, plus system time. */
u64 wallclock_now(u32 *nsec)
{
	const volatile struct shared_info *s = shinfo;
	u32 version, wc_nsec;
	u64 sec, ns;

	do {
		version = s->wc_version;
		barrier();
		sec = ((u64)s->wc_sec_hi << 32) | s->wc_sec;
		wc_nsec = s->wc_nsec;
		barrier();
	} while ((version & 1) || version != s->wc_version);
	ns = system_time() + wc_nsec;
	if (nsec)
		*nsec = (u32)(ns % NSEC_PER_SEC);
	return sec + ns / NSEC_PER_SEC;
}

static void timer_event(evtchn_port_t port, struct trap_frame *f)
{
	(void)port, (void)f;
	timer_fired_at = system_time();
	timer_fired++;
}

long timer_init(void)
{
	long rc = evtchn_bind_virq(VIRQ_TIMER);

	if (rc < 0)
		return rc;
	timer_port = (evtchn_port_t)rc;
	evtchn_set_handler(timer_port, timer_event);
	rc = HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	if (rc)
		return rc;
	/* Anything the periodic timer raised before it stopped is stale. */
	evtchn_clear_pending(timer_port);
	timer_fired = 0;
	return 0;
}

void timer_setup(void)
{
	long rc;

	traps_init();
	events_init();
	rc = timer_init();
	if (rc)
		test_error("timer_init: %ld", rc);
}

long timer_set_singleshot(u64 deadline_ns)
{
	struct vcpu_set_singleshot_timer t = {
		.timeout_abs_ns = deadline_ns,
		.flags = 0,
	};

	return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, smp_id(), &t);
}

long timer_stop_singleshot(void)
{
	return HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, smp_id(), NULL);
}

void spin_until(u64 deadline_ns)
{
	while (system_time() < deadline_ns)
		asm volatile("pause");
}

long runstate_get(struct vcpu_runstate_info *rs)
{
	return HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, rs);
}
