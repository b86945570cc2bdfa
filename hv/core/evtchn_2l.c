/*
 * evtchn_2l.c - Xen's two-level event bitmap in the shared-info page.
 *
 * Runs in: hypervisor and host tests.
 *
 * shared_info holds one pending and one mask bit per port (4096 ports on
 * 64-bit: 64 words of 64 bits). Each vCPU has a selector with one bit per
 * pending word, and an upcall_pending flag. Raising an event goes strictly
 * in this order: the pending bit; if the port is not masked, the selector
 * bit; if the selector bit was new, upcall_pending; then kick the vCPU.
 * The guest clears the same words concurrently (on other vCPUs, or while
 * we run on its behalf), so every change is a locked read-modify-write
 * instruction on the shared word, never a load followed by a store.
 */
#include "hv.h"
#include "core/domain.h"
#include "core/evtchn.h"

static bool test_and_set(volatile u64 *word, unsigned bit)
{
	bool old;

	asm volatile("lock btsq %2, %1; setc %0"
		     : "=q"(old), "+m"(*word) : "r"((u64)bit) : "memory", "cc");
	return old;
}

static bool test_and_clear(volatile u64 *word, unsigned bit)
{
	bool old;

	asm volatile("lock btrq %2, %1; setc %0"
		     : "=q"(old), "+m"(*word) : "r"((u64)bit) : "memory", "cc");
	return old;
}

static bool test(const volatile u64 *word, unsigned bit)
{
	return (*word >> bit) & 1;
}

/* Tell the port's vCPU: selector, upcall_pending, kick. */
static void mark_vcpu_pending(struct domain *d, u32 port)
{
	struct vcpu *v = &d->vcpus[d->evtchn[port].notify_vcpu];
	struct vcpu_info *vi = v->vcpu_info;

	if (!test_and_set(&vi->evtchn_pending_sel, port / 64)) {
		/* upcall_pending is a byte: a locked OR on it. */
		asm volatile("lock orb $1, %0" : "+m"(vi->evtchn_upcall_pending)
			     : : "memory");
		vcpu_kick(v);
	}
}

/*
 * The port became pending: every vCPU of d in SCHEDOP_poll on it (or on
 * several ports: then any port wakes it, and it looks again) wakes,
 * masked port or not, and whether or not its selector bit was new (Xen's
 * pollers check). A poller usually has its events masked (Linux polls
 * with interrupts off), so the selector says nothing about it: a bit set
 * for another port of the same word before the poll would otherwise
 * leave it asleep until its timeout.
 */
static void wake_pollers(struct domain *d, u32 port)
{
	for (int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpus[i];

		if (v->polling && (v->poll_port < 0 || (u32)v->poll_port == port))
			vcpu_kick(v);
	}
}

/*H:720 An event is a bit
 * An event is a bit in shared memory: pending and mask bitmaps in the
 * shared-info page, a per-vCPU selector, and upcall_pending. Raising one
 * sets bits in that order with locked instructions, because the guest
 * clears them at the same time; a masked port stays pending without
 * telling the vCPU, and a port already pending coalesces. A blocked vCPU
 * is woken (vcpu_kick), and a vCPU polling the port, masked or not.
 * Returns true if the port was newly made pending.
 */
bool evtchn_2l_set_pending(struct domain *d, u32 port)
{
	struct shared_info *s = d->shared_info;

	if (test_and_set(&s->evtchn_pending[port / 64], port % 64))
		return false;	/* already pending: events coalesce */
	if (!test(&s->evtchn_mask[port / 64], port % 64))
		mark_vcpu_pending(d, port);
	wake_pollers(d, port);
	return true;
}

void evtchn_2l_clear_pending(struct domain *d, u32 port)
{
	test_and_clear(&d->shared_info->evtchn_pending[port / 64], port % 64);
}

bool evtchn_2l_is_pending(const struct domain *d, u32 port)
{
	return test(&d->shared_info->evtchn_pending[port / 64], port % 64);
}

bool evtchn_2l_is_masked(const struct domain *d, u32 port)
{
	return test(&d->shared_info->evtchn_mask[port / 64], port % 64);
}

/*
 * EVTCHNOP_unmask: clear the mask; if that uncovers a pending event, tell
 * the vCPU now (the guest could not have seen it while masked).
 */
void evtchn_2l_unmask(struct domain *d, u32 port)
{
	struct shared_info *s = d->shared_info;

	if (test_and_clear(&s->evtchn_mask[port / 64], port % 64) &&
	    test(&s->evtchn_pending[port / 64], port % 64))
		mark_vcpu_pending(d, port);
}
