/*
 * vcpu_op.c - HYPERVISOR_vcpu_op and set_timer_op: starting and stopping a
 * domain's other vCPUs, a vCPU's timers, where its vcpu_info lives, and
 * its runstate.
 *
 * Runs in: hypervisor, on the calling vCPU.
 * Trusts: nothing the guest passes: a vCPU id is checked against the
 * domain's, times against Xen's limits (core/stime.c), and a frame for
 * vcpu_info must be the domain's own and stays writable memory for good.
 */
#include "hv.h"
#include "layout.h"
#include "core/domain.h"
#include "core/evtchn.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "core/sched.h"
#include "core/stime.h"
#include "core/time.h"
#include "mm/page_info.h"
#include "mm/pv_mm.h"
#include "pv/vcpu_context.h"
#include "pvabi/errno.h"
#include "pvabi/sched.h"
#include "pvabi/vcpu.h"
#include "pvabi/xen.h"

/*H:830 A guest's timer
 * A PV guest has no APIC timer of its own: it asks for VIRQ_TIMER at an
 * absolute system time (set_timer_op, or VCPUOP_set_singleshot_timer;
 * Linux uses the latter for its clockevent). This arms the single-shot
 * timer for that deadline (core/stime.c): one that is due already (before
 * now, or past STIME_MAX) stops the timer and raises VIRQ_TIMER at once,
 * as Xen does; only deadlines in (now, STIME_MAX] are kept.
 */
static void set_singleshot(struct vcpu *v, u64 deadline)
{
	v->singleshot_deadline = 0;
	if (stime_due(deadline, NOW()))
		evtchn_send_virq(v, VIRQ_TIMER);
	else
		v->singleshot_deadline = deadline;
	time_vcpu_changed(v);
	timers_reprogram();
}

/*
 * Move the vCPU's vcpu_info from shared_info into a guest frame (Linux
 * does this for every vCPU and panics if it fails). The frame must belong
 * to the domain and not be a page table or descriptor page.
 */
static long register_vcpu_info(struct vcpu *v, u64 arg)
{
	struct vcpu_register_vcpu_info r;
	struct page_info *pg;
	struct vcpu_info *vi;
	int rc;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -XEN_EFAULT;
	if (v->vcpu_info_registered)
		return -XEN_EBUSY;
	if (r.offset % 8 || r.offset + sizeof(*vi) > PAGE_SIZE)
		return -XEN_ENXIO;
	/* A frame given back (still mapped, not yet freed) is no longer ours. */
	pg = mfn_to_page(r.mfn);
	if (!pg || !(pg->flags & PGF_allocated))
		return -XEN_EINVAL;
	/*
	 * Held writable for good: never a page table under our writes.
	 * mm/pv_mm.c: -EINVAL if not the domain's, -EACCES if in use as one.
	 */
	rc = mm_hold_frame(v->domain, r.mfn);
	if (rc)
		return rc;
	vi = (struct vcpu_info *)((u8 *)__va(r.mfn << PAGE_SHIFT) + r.offset);
	memcpy(vi, v->vcpu_info, sizeof(*vi));
	v->vcpu_info = vi;
	v->vcpu_info_registered = true;
	/* A spurious scan is harmless; a lost event is not. */
	vi->evtchn_pending_sel = ~0UL;
	vi->evtchn_upcall_pending = 1;
	time_update_vcpu(v);
	return 0;
}

/*H:835 Starting another vCPU
 * A domain's vCPUs but the first begin down, with no state: the guest
 * writes one (a struct vcpu_guest_context: registers, trap table, GDT,
 * callbacks, page tables), hands it over with VCPUOP_initialise, then
 * VCPUOP_up makes the vCPU runnable and it starts where the context said.
 * pv/vcpu_context.c checks that state as the hypercalls that would set
 * it one piece at a time check theirs. VCPUOP_down stops a vCPU and keeps
 * its registers; downing the last one that is up ends the domain, as Xen.
 */
static long vcpu_up(struct vcpu *v)
{
	if (!v->initialised)
		return -XEN_EINVAL;
	sched_vcpu_up(v);
	return 0;
}

static long vcpu_down(struct vcpu *v)
{
	struct domain *d = v->domain;

	for (int i = 0; i < d->nr_vcpus; i++) {
		if (i != v->id && !d->vcpus[i].down) {
			sched_vcpu_down(v);
			return 0;
		}
	}
	domain_shutdown(d, SHUTDOWN_poweroff);	/* the last one: Xen's rule */
	return 0;
}

static long vcpu_initialise(struct vcpu *v, u64 arg)
{
	long rc;

	if (v->initialised)
		return -XEN_EEXIST;
	rc = pv_vcpu_initialise(v, arg);
	if (rc == -XEN_ERESTART)
		return hypercall_create_continuation(__HYPERVISOR_vcpu_op, 3,
						     VCPUOP_initialise, (u64)v->id,
						     arg, 0, 0);
	if (rc == 0)
		v->initialised = true;
	return rc;
}

/*
 * do_vcpu_op - operations on one of the caller's vCPUs.
 *   VCPUOP_initialise                   IN struct vcpu_guest_context: the
 *                                       first state of a vCPU not yet
 *                                       initialised (-EEXIST after; only
 *                                       vCPU 0 starts initialised), checked
 *                                       by pv/vcpu_context.c (-EINVAL,
 *                                       -EFAULT, -ENOMEM); it stays down
 *   VCPUOP_up                           run an initialised vCPU (-EINVAL
 *                                       if not); 0 if it was up already
 *   VCPUOP_down                         stop it, registers kept; a vCPU
 *                                       downing itself stops on return, and
 *                                       the hypercall returns 0 when it is
 *                                       up again. The last vCPU up going
 *                                       down shuts the domain down
 *                                       (poweroff), as on Xen
 *   VCPUOP_is_up                        returns 1 if up, 0 if down
 *   VCPUOP_get_runstate_info            OUT struct vcpu_runstate_info
 *   VCPUOP_register_runstate_memory_area IN guest VA; written at every switch
 *   VCPUOP_set_periodic_timer           IN period_ns in [1 ms, 2^62 - 1 ns]
 *                                       (Xen's STIME_DELTA_MAX), else -EINVAL;
 *                                       ticks only while the vCPU runs
 *   VCPUOP_stop_periodic_timer
 *   VCPUOP_set_singleshot_timer         IN timeout_abs_ns: at or before now,
 *                                       or above 2^63 - 1, fires now;
 *                                       flags ignored (VCPU_SSHOTTMR_future
 *                                       too, as Xen); only the calling
 *                                       vCPU (-EINVAL)
 *   VCPUOP_stop_singleshot_timer        only the calling vCPU (-EINVAL)
 *   VCPUOP_register_vcpu_info           IN {mfn, offset}; once (-EBUSY),
 *                                       aligned and inside the page (-ENXIO)
 * Errors: -ENOENT for a vCPU the domain does not have, -EFAULT, and
 * -ENOSYS for the rest. Never blocks (but down on itself).
 */
long do_vcpu_op(u64 cmd, u64 vcpuid, u64 arg, u64 a4, u64 a5)
{
	struct domain *d = current->domain;
	struct vcpu *v;
	u64 x;

	(void)a4, (void)a5;
	if (vcpuid >= (u64)d->nr_vcpus)
		return -XEN_ENOENT;
	v = &d->vcpus[vcpuid];
	switch (cmd) {
	case VCPUOP_initialise:
		return vcpu_initialise(v, arg);
	case VCPUOP_up:
		return vcpu_up(v);
	case VCPUOP_down:
		return vcpu_down(v);
	case VCPUOP_is_up:
		return !v->down;
	case VCPUOP_get_runstate_info:
		runstate_change(v, v->runstate.state);	/* bring times up to now */
		return copy_to_guest(arg, &v->runstate, sizeof(v->runstate));
	case VCPUOP_register_runstate_memory_area:
		if (copy_from_guest(&x, arg, sizeof(x)))
			return -XEN_EFAULT;
		if (!guest_range_ok(x, sizeof(struct vcpu_runstate_info)))
			return -XEN_EFAULT;
		v->runstate_area = x;
		if (v == current)
			copy_to_guest(x, &v->runstate, sizeof(v->runstate));
		return 0;
	case VCPUOP_set_periodic_timer:
		if (copy_from_guest(&x, arg, sizeof(x)))
			return -XEN_EFAULT;
		if (stime_check_period(x))
			return -XEN_EINVAL;
		time_set_periodic(v, x);
		return 0;
	case VCPUOP_stop_periodic_timer:
		time_set_periodic(v, 0);
		return 0;
	case VCPUOP_set_singleshot_timer: {
		struct vcpu_set_singleshot_timer t;

		if (v != current)
			return -XEN_EINVAL;
		if (copy_from_guest(&t, arg, sizeof(t)))
			return -XEN_EFAULT;
		set_singleshot(v, t.timeout_abs_ns);	/* VCPU_SSHOTTMR_future is ignored, as Xen */
		return 0;
	}
	case VCPUOP_stop_singleshot_timer:
		if (v != current)
			return -XEN_EINVAL;
		v->singleshot_deadline = 0;
		time_vcpu_changed(v);
		return 0;
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, arg);
	default:
		return -XEN_ENOSYS;
	}
}

/*
 * do_set_timer_op - the older single-shot timer.
 *   IN timeout: absolute system time in ns; 0 stops the timer. A deadline
 *   in the past fires at once; a negative one (bit 63 set) or one 2^50 ns
 *   or more ahead fires in 100 ms (Xen's guard against bogus values,
 *   core/stime.c). Returns 0.
 */
long do_set_timer_op(u64 timeout, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 deadline = stime_timer_op_deadline(timeout, NOW());

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (deadline == 0) {
		current->singleshot_deadline = 0;
		time_vcpu_changed(current);
		return 0;
	}
	set_singleshot(current, deadline);
	return 0;
}
