/*
 * events.h - vcpu_info, shared_info, event channels, time and timers for
 * test guests.
 *
 * Runs in: test guests, guest kernel mode.
 *
 * A PV guest's "interrupts" are event channels (docs/pv-mechanisms.md §18):
 * the hypervisor sets a port's bit in shared_info.evtchn_pending, and if
 * the port is not masked, a selector bit in vcpu_info.evtchn_pending_sel
 * and vcpu_info.evtchn_upcall_pending; it enters the event callback when
 * vcpu_info.evtchn_upcall_mask is 0. events.c's callback scans the two
 * levels as Mini-OS and Linux do and calls a handler per port.
 *
 * Where the shared structures are: vcpu_info starts in shared_info, a
 * frame the guest must map itself (shared_info_map(), memory.c, which
 * needs update_va_mapping); VCPUOP_register_vcpu_info moves it into a page
 * of the guest's own (vcpu_info_register()), which works without any
 * mapping hypercall. `vcpu` points at whichever is in use.
 */
#ifndef GUEST_EVENTS_H
#define GUEST_EVENTS_H

#include "guest.h"
#include "pvabi/event_channel.h"
#include "pvabi/vcpu.h"

struct trap_frame;

/* vcpu 0's vcpu_info and the shared_info page; NULL until set up. */
extern struct vcpu_info *vcpu;
extern struct shared_info *shinfo;

/*
 * The vcpu_info of vCPU id (vcpu for 0; shared_info's for the others,
 * which never move theirs), and of the vCPU running this code (smp.h:
 * smp_id()). NULL while shared_info is not mapped.
 */
struct vcpu_info *vcpu_info_of(unsigned int id);
struct vcpu_info *this_vcpu(void);

/*
 * Move vcpu 0's vcpu_info into a page of the image (register_vcpu_info).
 * Returns the hypercall's result; on success `vcpu` points there.
 */
long vcpu_info_register(void);

/* ---- event channels (events.c) ----------------------------------------- */

#define EVTCHN_MAX	1024	/* ports the test guests follow */

typedef void (*evtchn_handler_fn)(evtchn_port_t port, struct trap_frame *f);

/*
 * Map shared_info if needed, register the event callback (events masked
 * on entry, as always for events) and leave events masked. Ends the test
 * with SKIP if shared_info cannot be mapped (no update_va_mapping yet).
 */
void events_init(void);

/* The handler for a port (NULL: the event is only counted). */
void evtchn_set_handler(evtchn_port_t port, evtchn_handler_fn fn);

/* Upcalls taken, and events seen per port, since the start. */
extern volatile u64 event_upcalls;
extern volatile u32 evtchn_seen[EVTCHN_MAX];

/* Upcalls taken by each vCPU (smp.h), and the vCPU that last saw a port. */
extern volatile u64 event_upcalls_on[8];
extern volatile u8 evtchn_seen_by[EVTCHN_MAX];

/*
 * The vCPU whose upcall handles a port (0 for every port at first): its
 * scan takes only its own ports, so that a port bound to vCPU 1 is never
 * handled by vCPU 0 because vCPU 0 scanned the same word of
 * evtchn_pending. The bind helpers below call it; a test that binds or
 * moves a port itself says so here.
 */
void evtchn_set_vcpu(evtchn_port_t port, unsigned int id);

/* The event callback's body; traps.c calls it for TRAP_EVENT. */
void event_upcall(struct trap_frame *f);

/*
 * The virtual interrupt flag: vcpu_info.evtchn_upcall_mask. Enabling
 * delivers what is pending at once (by a hypercall, a delivery point).
 */
void events_enable(void);
void events_disable(void);
bool events_enabled(void);

/* EVTCHNOP_* helpers: each returns the port, or a negative error. */
long evtchn_bind_virq(u32 virq);		/* to vCPU 0 */
long evtchn_bind_virq_vcpu(u32 virq, unsigned int id);
long evtchn_bind_ipi(void);			/* to vCPU 0 */
long evtchn_bind_ipi_vcpu(unsigned int id);
long evtchn_bind_vcpu(evtchn_port_t port, unsigned int id);	/* 0 or -error */
long evtchn_alloc_unbound(domid_t remote);
long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port);
long evtchn_send(evtchn_port_t port);
long evtchn_close(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port);
long evtchn_status(evtchn_port_t port, struct evtchn_status *st);

/* The bits in shared_info, with locked instructions as the ABI wants. */
void evtchn_mask(evtchn_port_t port);
void evtchn_clear_mask(evtchn_port_t port);	/* without the hypercall */
bool evtchn_is_pending(evtchn_port_t port);
bool evtchn_is_masked(evtchn_port_t port);
void evtchn_clear_pending(evtchn_port_t port);

/* ---- time and timers (clock.c) ----------------------------------------- */

#define NSEC_PER_SEC	1000000000UL
#define NSEC_PER_MSEC	1000000UL
#define NSEC_PER_USEC	1000UL

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/*
 * System time (ns since the hypervisor booted) from vcpu_info.time by
 * the pvclock formula, retried while the version is odd or changes.
 * Reads the running vCPU's vcpu_info (this_vcpu()); needs `vcpu`.
 */
u64 system_time(void);
u64 system_time_and_tsc(u64 *tsc);	/* and the TSC it was computed from */

/* The same from a given TSC value and time-info snapshot. */
u64 pvclock_scale(const struct vcpu_time_info *t, u64 tsc);

/* A consistent copy of vcpu_info.time (version even and unchanged). */
void time_info_snapshot(struct vcpu_time_info *out);

/* Wall-clock time now: seconds since 1970 and ns. Needs `shinfo`. */
u64 wallclock_now(u32 *nsec);

/*
 * Timers. timer_init() binds VIRQ_TIMER to a handler that counts and
 * timestamps each firing, and stops the 100 Hz periodic timer every PV
 * vCPU starts with. Needs events_init().
 */
long timer_init(void);
/*
 * What a test that uses the timer opens with: traps_init(), events_init()
 * and timer_init(); a failure of the last ends the test with ERROR.
 */
void timer_setup(void);
extern volatile u64 timer_fired;	/* VIRQ_TIMER events seen */
extern volatile u64 timer_fired_at;	/* system time when the last was seen */
extern evtchn_port_t timer_port;

/* VCPUOP_set_singleshot_timer, on the calling vCPU (smp_id()). */
long timer_set_singleshot(u64 deadline_ns);
long timer_stop_singleshot(void);

/* Busy-wait (events as they are) until system time reaches deadline. */
void spin_until(u64 deadline_ns);

/* VCPUOP_get_runstate_info for vCPU 0. */
long runstate_get(struct vcpu_runstate_info *rs);

#endif /* GUEST_EVENTS_H */
