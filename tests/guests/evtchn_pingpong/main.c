/*
 * evtchn_pingpong: two domains connected by an interdomain event channel
 * notify each other, one event at a time, many times, and every event
 * arrives once, in order, and wakes the domain blocked waiting for it.
 *
 * This is the path of every PV split driver and of Linux's console and
 * xenstore: one side offers a port (EVTCHNOP_alloc_unbound for the other
 * domain), the other binds to it (EVTCHNOP_bind_interdomain), and from
 * then on EVTCHNOP_send on either end raises the other's port; the
 * receiver sleeps in SCHEDOP_block, which unmasks events and must wake on
 * one (docs/pv-mechanisms.md §18.4, §18.5).
 *
 * Two domains (domains.list) run this image: "role=pong" offers the port,
 * "role=ping" binds to it; "self=ID peer=ID" are their domain ids (the
 * builder numbers domains from 1 in list order), "rounds=N". The ping side
 * does not know the port number, so it tries bind_interdomain on the
 * peer's ports in turn (every port that is not unbound for us answers
 * -EINVAL), yielding between passes, until one binds: that also covers
 * the peer not having offered it yet. A freshly bound port starts pending
 * (Xen re-raises what may have been sent before): the ping side sees that
 * before enabling events and clears it. Then for each round: ping sends
 * and blocks until pong's answer; pong blocks until ping's event and
 * answers. Each side counts what it received: after every wait exactly
 * one more event, never two (nothing coalesced, nothing lost), and in the
 * end N each. Both check the port's status (interdomain, the peer's id
 * and port); at the end ping closes its end and pong sees its port go
 * back to unbound for ping. Both print the round-trip time they measured.
 *
 * steal.list is the attack: "offer" (domain 1) offers a port to "owner"
 * (domain 2), and "thief" (domain 3) tries to bind every port of domain 1,
 * again and again: each attempt must fail with -EINVAL. When it is done
 * the thief offers a port of its own to the owner; the owner, waiting for
 * that, then binds the offer meant for it, which must still be there.
 */
#include "guest.h"
#include "events.h"
#include "traps.h"

const char test_title[] = "interdomain event channel ping-pong";

#define BIND_TRIES	2000	/* passes over the peer's ports */
#define MAX_PORT	64

static volatile u64 received;

static void on_event(evtchn_port_t port, struct trap_frame *f)
{
	(void)port, (void)f;
	received++;
}

/* Sleep until more than `seen` events arrived; events are off again after. */
static void wait_for(u64 seen)
{
	for (;;) {
		events_disable();
		if (received > seen)
			break;
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);	/* unmasks */
	}
	events_disable();
}

static evtchn_port_t bind_to(domid_t peer, evtchn_port_t *remote)
{
	for (int pass = 0; pass < BIND_TRIES; pass++) {
		for (evtchn_port_t p = 1; p < MAX_PORT; p++) {
			long rc = evtchn_bind_interdomain(peer, p);

			if (rc > 0) {
				*remote = p;
				return (evtchn_port_t)rc;
			}
			if (rc != -XEN_EINVAL && rc != -XEN_ESRCH)
				test_fail("bind_interdomain(%u, %u) returned %ld",
					  peer, p, rc);
		}
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_error("no port of domain %u to bind to after %d passes", peer,
		   BIND_TRIES);
}

static void check_status(evtchn_port_t port, domid_t peer, evtchn_port_t remote)
{
	struct evtchn_status st;

	EXPECT_EQ(evtchn_status(port, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_interdomain);
	EXPECT_EQ(st.u.interdomain.dom, peer);
	EXPECT_EQ(st.u.interdomain.port, remote);
}

static void ping(domid_t peer, u64 rounds)
{
	evtchn_port_t remote, port = bind_to(peer, &remote);
	u64 start, elapsed;

	printk("pingpong: ping bound port %u to %u:%u\n", port, peer, remote);
	check_status(port, peer, remote);
	EXPECT(evtchn_is_pending(port));	/* the bind raises it */
	evtchn_clear_pending(port);
	evtchn_set_handler(port, on_event);
	start = system_time();
	for (u64 i = 0; i < rounds; i++) {
		EXPECT_EQ(evtchn_send(port), 0);
		wait_for(i);
		if (received != i + 1) {
			test_fail("round %lu: %lu events received, expected %lu",
				  i, received, i + 1);
			return;
		}
	}
	elapsed = system_time() - start;
	printk("pingpong: %lu round trips, %lu us each\n", rounds,
	       elapsed / rounds / NSEC_PER_USEC);
	EXPECT_EQ(evtchn_close(port), 0);
}

static void pong(domid_t self, domid_t peer, u64 rounds)
{
	long rc = evtchn_alloc_unbound(peer);
	struct evtchn_status st;
	evtchn_port_t port;
	u64 deadline;

	ASSERT(rc > 0);
	port = (evtchn_port_t)rc;
	evtchn_set_handler(port, on_event);
	printk("pingpong: pong offers port %u to %u\n", port, peer);
	for (u64 i = 0; i < rounds; i++) {
		wait_for(i);
		if (received != i + 1) {
			test_fail("round %lu: %lu events received, expected %lu",
				  i, received, i + 1);
			return;
		}
		if (i == 0) {
			EXPECT_EQ(evtchn_status(port, &st), 0);
			EXPECT_EQ(st.status, EVTCHNSTAT_interdomain);
			EXPECT_EQ(st.u.interdomain.dom, peer);
		}
		EXPECT_EQ(evtchn_send(port), 0);
	}
	/* The ping side closes its end: ours goes back to unbound, for it. */
	deadline = system_time() + 5 * NSEC_PER_SEC;
	do {
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		EXPECT_EQ(evtchn_status(port, &st), 0);
	} while (st.status == EVTCHNSTAT_interdomain && system_time() < deadline);
	EXPECT_EQ(st.status, EVTCHNSTAT_unbound);
	EXPECT_EQ(st.u.unbound.dom, peer);
	printk("pingpong: pong answered %lu (self %u)\n", rounds, self);
}

/*
 * steal.list: wait until a peer that bound our port sends on it (binding
 * raises only the binder's end); a peer that shuts down at once closes
 * its end, so the status alone could miss the connection.
 */
static void wait_for_peer(evtchn_port_t port)
{
	u64 deadline = system_time() + 20 * NSEC_PER_SEC;

	while (!evtchn_is_pending(port) && system_time() < deadline)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	EXPECT(evtchn_is_pending(port));
}

/* steal.list: the port offered to the owner, untouched by the thief. */
static void offer(domid_t peer)
{
	long rc = evtchn_alloc_unbound(peer);

	ASSERT(rc > 0);
	printk("pingpong: offer port %ld to %u\n", rc, peer);
	wait_for_peer((evtchn_port_t)rc);
}

#define STEAL_PASSES	300

static void thief(domid_t victim, domid_t owner)
{
	long rc;

	for (int pass = 0; pass < STEAL_PASSES; pass++) {
		for (evtchn_port_t p = 1; p < MAX_PORT; p++) {
			rc = evtchn_bind_interdomain(victim, p);
			if (rc > 0)
				test_fail("bound port %u of domain %u, which was not offered to us",
					  p, victim);
			else if (rc != -XEN_EINVAL)
				test_fail("bind_interdomain(%u, %u) returned %ld, not -EINVAL",
					  victim, p, rc);
		}
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	printk("pingpong: %d passes over %u ports of domain %u, none bound\n",
	       STEAL_PASSES, MAX_PORT - 1, victim);
	/* Done: tell the owner, and stay until it has heard. */
	rc = evtchn_alloc_unbound(owner);
	ASSERT(rc > 0);
	wait_for_peer((evtchn_port_t)rc);
}

static void owner(domid_t peer, domid_t thief_id)
{
	evtchn_port_t remote, port;

	port = bind_to(thief_id, &remote);	/* the thief has finished */
	EXPECT_EQ(evtchn_send(port), 0);
	port = bind_to(peer, &remote);		/* the offer is still ours */
	check_status(port, peer, remote);
	EXPECT_EQ(evtchn_send(port), 0);
	printk("pingpong: owner bound %u:%u after the thief gave up\n", peer, remote);
}

void test_main(const struct start_info *si)
{
	char role[8];
	domid_t self = (domid_t)cmdline_u64("self", 0);
	domid_t peer = (domid_t)cmdline_u64("peer", 0);
	u64 rounds = cmdline_u64("rounds", 1000);

	(void)si;
	if (!cmdline_get("role", role, sizeof(role)) || !self || !peer)
		test_error("need role=ping|pong self=ID peer=ID on the command line");
	traps_init();
	events_init();
	if (!strcmp(role, "ping"))
		ping(peer, rounds);
	else if (!strcmp(role, "pong"))
		pong(self, peer, rounds);
	else if (!strcmp(role, "offer"))
		return offer(peer);
	else if (!strcmp(role, "owner"))
		return owner(peer, (domid_t)cmdline_u64("thief", 0));
	else if (!strcmp(role, "thief"))
		return thief(peer, (domid_t)cmdline_u64("owner", 0));
	else
		test_error("role=%s: not ping, pong, offer, owner or thief", role);
	EXPECT_EQ(received, rounds);
}
