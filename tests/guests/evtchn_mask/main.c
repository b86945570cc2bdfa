/*
 * evtchn_mask: a masked event channel holds its events back until it is
 * unmasked, and the event-channel operations report the states Xen does.
 *
 * Linux masks a port while it handles it, and unmasks with EVTCHNOP_unmask
 * (or by clearing the bit and checking pending itself); a hypervisor that
 * delivered through a mask, or lost the event held behind it, breaks
 * every driver. The rules (docs/pv-mechanisms.md §18.2-§18.5): raising a masked
 * port sets only its pending bit, not the selector nor upcall_pending,
 * so no upcall; EVTCHNOP_unmask of a masked, pending port sets both and
 * the upcall follows at once; a second send while pending coalesces;
 * clearing the mask bit by hand tells the hypervisor nothing. Events are
 * also held back by the vCPU-wide evtchn_upcall_mask, with pending bit,
 * selector and upcall_pending all set, until the guest unmasks and makes
 * a hypercall.
 *
 * Ports used: an IPI to ourselves, and a loopback interdomain pair
 * (alloc_unbound for DOMID_SELF, then bind_interdomain to it). Checked
 * with EVTCHNOP_status: IPI on vCPU 0; unbound, accepting us; both ends
 * interdomain, naming each other; the bind leaves the new local port
 * pending (Xen re-raises anything sent before); closing one end sends
 * the other back to unbound, where a send is dropped silently; a closed
 * port reads closed and refuses send and unmask with -EINVAL. SCHEDOP_poll
 * on a masked but pending port returns at once. VIRQ_TIMER cannot be bound
 * twice (-EEXIST). SCHEDOP_poll refuses more than 128 ports and a port
 * beyond the table (-EINVAL). VCPUOP_register_vcpu_info refuses a
 * vcpu_info that would run past its frame or is misaligned (-ENXIO), and a
 * frame that is not the domain's (-EINVAL); the hypervisor writes there.
 */
#include "guest.h"
#include "events.h"
#include "traps.h"
#include "memory.h"

const char test_title[] = "event channel masking, unmask and status";

static volatile u32 hits[EVTCHN_MAX];
static volatile evtchn_port_t last_port;

static void count(evtchn_port_t port, struct trap_frame *f);

/* Ports are reused (the lowest free one): start counting afresh. */
static void follow(evtchn_port_t port)
{
	hits[port] = 0;
	evtchn_set_handler(port, count);
}

static void count(evtchn_port_t port, struct trap_frame *f)
{
	(void)f;
	hits[port]++;
	last_port = port;
}

static unsigned word(evtchn_port_t port)
{
	return port / 64;
}

/* What the vCPU says about port: selector bit and upcall_pending. */
static bool sel_set(evtchn_port_t port)
{
	return (vcpu->evtchn_pending_sel >> word(port)) & 1;
}

static void ipi_masking(void)
{
	struct evtchn_status st;
	long p = evtchn_bind_ipi();
	evtchn_port_t port;
	u32 before;

	ASSERT(p > 0);
	port = (evtchn_port_t)p;
	follow(port);
	EXPECT_EQ(evtchn_status(port, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_ipi);
	EXPECT_EQ(st.vcpu, 0);

	/* Unmasked: the upcall comes on the way back from the send. */
	events_enable();
	EXPECT_EQ(evtchn_send(port), 0);
	EXPECT_EQ(hits[port], 1);
	EXPECT(!evtchn_is_pending(port));

	/* Masked: only the pending bit. */
	evtchn_mask(port);
	before = hits[port];
	EXPECT_EQ(evtchn_send(port), 0);
	EXPECT_EQ(evtchn_send(port), 0);	/* coalesces */
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	EXPECT_EQ(hits[port], before);
	EXPECT(evtchn_is_pending(port));
	EXPECT(!sel_set(port));
	EXPECT_EQ(vcpu->evtchn_upcall_pending, 0);

	/* SCHEDOP_poll sees the pending bit through the mask: returns at once. */
	{
		evtchn_port_t ports[1] = { port };
		struct sched_poll sp = { .ports = (u64)ports, .nr_ports = 1, .timeout = 0 };

		EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), 0);
		EXPECT_EQ(hits[port], before);
	}

	/* EVTCHNOP_unmask: one upcall for the two sends. */
	EXPECT_EQ(evtchn_unmask(port), 0);
	EXPECT(!evtchn_is_masked(port));
	EXPECT_EQ(hits[port], before + 1);
	EXPECT(!evtchn_is_pending(port));

	/* Clearing the mask by hand: the hypervisor does not notice. */
	evtchn_mask(port);
	EXPECT_EQ(evtchn_send(port), 0);
	evtchn_clear_mask(port);
	HYPERVISOR_xen_version(XENVER_version, NULL);
	EXPECT_EQ(hits[port], before + 1);
	EXPECT(evtchn_is_pending(port));
	/* ... and EVTCHNOP_unmask of an unmasked port changes nothing either. */
	EXPECT_EQ(evtchn_unmask(port), 0);
	EXPECT_EQ(hits[port], before + 1);
	evtchn_clear_pending(port);

	/* The vCPU-wide mask: everything set, no upcall until enabled. */
	events_disable();
	EXPECT_EQ(evtchn_send(port), 0);
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	EXPECT_EQ(hits[port], before + 1);
	EXPECT(evtchn_is_pending(port));
	EXPECT(sel_set(port));
	EXPECT_EQ(vcpu->evtchn_upcall_pending, 1);
	events_enable();
	EXPECT_EQ(hits[port], before + 2);
	EXPECT_EQ(vcpu->evtchn_upcall_pending, 0);

	EXPECT_EQ(evtchn_close(port), 0);
	EXPECT_EQ(evtchn_status(port, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_closed);
	EXPECT_EQ(evtchn_send(port), -XEN_EINVAL);
	EXPECT_EQ(evtchn_unmask(port), -XEN_EINVAL);
	events_disable();
}

static void loopback(void)
{
	struct evtchn_status st;
	long a = evtchn_alloc_unbound(DOMID_SELF), b;
	domid_t self;

	ASSERT(a > 0);
	follow((evtchn_port_t)a);
	EXPECT_EQ(evtchn_status((evtchn_port_t)a, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
	self = st.u.unbound.dom;		/* our own id: the one it accepts */
	EXPECT(self != 0 && self < DOMID_FIRST_RESERVED);
	EXPECT_EQ(evtchn_send((evtchn_port_t)a), 0);	/* unbound: dropped */
	EXPECT(!evtchn_is_pending((evtchn_port_t)a));

	b = evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)a);
	ASSERT(b > 0);
	follow((evtchn_port_t)b);
	EXPECT(evtchn_is_pending((evtchn_port_t)b));	/* raised by the bind */
	EXPECT_EQ(evtchn_status((evtchn_port_t)a, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_interdomain);
	EXPECT_EQ(st.u.interdomain.dom, self);
	EXPECT_EQ(st.u.interdomain.port, b);
	EXPECT_EQ(evtchn_status((evtchn_port_t)b, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_interdomain);
	EXPECT_EQ(st.u.interdomain.port, a);

	events_enable();			/* the bind's event arrives */
	EXPECT_EQ(hits[b], 1);
	EXPECT_EQ(evtchn_send((evtchn_port_t)a), 0);	/* raises b */
	EXPECT_EQ(hits[b], 2);
	EXPECT_EQ(hits[a], 0);
	EXPECT_EQ(evtchn_send((evtchn_port_t)b), 0);	/* raises a */
	EXPECT_EQ(hits[a], 1);
	EXPECT_EQ(last_port, a);

	evtchn_mask((evtchn_port_t)a);
	EXPECT_EQ(evtchn_send((evtchn_port_t)b), 0);
	EXPECT_EQ(hits[a], 1);
	EXPECT(evtchn_is_pending((evtchn_port_t)a));
	EXPECT_EQ(evtchn_unmask((evtchn_port_t)a), 0);
	EXPECT_EQ(hits[a], 2);

	/* Closing b: a goes back to unbound, still accepting us. */
	EXPECT_EQ(evtchn_close((evtchn_port_t)b), 0);
	EXPECT_EQ(evtchn_status((evtchn_port_t)a, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
	EXPECT_EQ(st.u.unbound.dom, self);
	EXPECT_EQ(evtchn_send((evtchn_port_t)a), 0);
	EXPECT_EQ(hits[a], 2);
	EXPECT_EQ(evtchn_close((evtchn_port_t)a), 0);
	events_disable();
}

static void errors(void)
{
	struct evtchn_status st;
	long t = evtchn_bind_virq(VIRQ_TIMER);

	EXPECT(t > 0);
	EXPECT_EQ(evtchn_bind_virq(VIRQ_TIMER), -XEN_EEXIST);
	EXPECT_EQ(evtchn_status((evtchn_port_t)t, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_virq);
	EXPECT_EQ(st.u.virq, VIRQ_TIMER);
	EXPECT_EQ(evtchn_send((evtchn_port_t)t), -XEN_EINVAL);	/* a VIRQ */
	EXPECT_EQ(evtchn_close((evtchn_port_t)t), 0);
	EXPECT_EQ(evtchn_unmask(0), -XEN_EINVAL);
	EXPECT_EQ(evtchn_close(0), -XEN_EINVAL);	/* reserved */
	EXPECT_EQ(evtchn_status(5000, &st), -XEN_EINVAL);
	EXPECT_EQ(evtchn_bind_interdomain(DOMID_SELF, 0), -XEN_EINVAL);
}

static void poll_errors(void)
{
	static u32 ports[129];
	struct sched_poll sp = { .ports = (u64)ports, .nr_ports = 129, .timeout = 1 };

	for (unsigned i = 0; i < ARRAY_SIZE(ports); i++)
		ports[i] = 1;
	EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), -XEN_EINVAL);
	sp.nr_ports = 1;
	ports[0] = 4096;		/* beyond any 2-level port table */
	EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), -XEN_EINVAL);
	ports[0] = 1;			/* the timeout (in the past) ends it */
	EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), 0);
}

/* Before any vcpu_info is registered: each bad request changes nothing. */
static u8 vi_page[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

static void vcpu_info_errors(void)
{
	struct vcpu_register_vcpu_info r = { .mfn = virt_to_mfn(vi_page) };

	r.offset = GUEST_PAGE_SIZE - sizeof(struct vcpu_info) + 8;	/* runs past */
	EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_ENXIO);
	r.offset = 4;							/* misaligned */
	EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_ENXIO);
	r.offset = 0;
	r.mfn = 1;					/* the hypervisor's frame */
	EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
}

void test_main(const struct start_info *si)
{
	(void)si;
	traps_init();
	vcpu_info_errors();
	events_init();
	poll_errors();
	ipi_masking();
	loopback();
	errors();
	printk("evtchn_mask: %lu upcalls\n", event_upcalls);
}
