/*
 * test_evtchn.c - hv/core/evtchn.c and evtchn_2l.c on the host.
 *
 * Two fake domains with their own shared_info pages; the hypervisor
 * services evtchn.c needs (domain_by_id, vcpu_kick, the console port)
 * are stubs that record what happened.
 */
#include <stdlib.h>
#include <string.h>

#include "hv.h"
#include "harness.h"
#include "core/domain.h"
#include "core/evtchn.h"
#include "pvabi/event_channel.h"
#include "pvabi/errno.h"

static struct domain *doms[2];
static int kicks, hv_port_sends;

struct domain *domain_by_id(u16 id)
{
	if (id < 1 || id > 2 || doms[id - 1]->state != DOM_RUNNING)
		return NULL;
	return doms[id - 1];
}

static struct vcpu *kicked;	/* the last vCPU kicked */

void vcpu_kick(struct vcpu *v)
{
	kicked = v;
	kicks++;
}

void evtchn_hypervisor_port_sent(struct domain *d, u32 port)
{
	(void)d, (void)port;
	hv_port_sends++;
}

static struct domain *make_domain(u16 id)
{
	struct domain *d = calloc(1, sizeof(*d));

	d->id = id;
	d->state = DOM_RUNNING;
	d->nr_vcpus = 2;
	d->vcpus = calloc(2, sizeof(*d->vcpus));
	d->shared_info = aligned_alloc(4096, 4096);
	memset(d->shared_info, 0, 4096);
	for (int i = 0; i < 2; i++) {
		d->vcpus[i].domain = d;
		d->vcpus[i].id = i;
		d->vcpus[i].vcpu_info = &d->shared_info->vcpu_info[i];
	}
	evtchn_init(d);
	return d;
}

static void setup(void)
{
	doms[0] = make_domain(1);
	doms[1] = make_domain(2);
	kicks = hv_port_sends = 0;
	kicked = NULL;
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++) {
		free(doms[i]->shared_info);
		free(doms[i]->vcpus);
		free(doms[i]);
	}
}

static long op(struct domain *d, u64 cmd, void *arg)
{
	return evtchn_op(d, cmd, arg);
}

/* Connect port pa of domain 1 with a new port of domain 2; return it. */
static u32 connect(u32 *pa)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 2 };
	struct evtchn_bind_interdomain bi = { .remote_dom = 1 };

	ck_assert_int_eq(op(doms[0], EVTCHNOP_alloc_unbound, &au), 0);
	bi.remote_port = au.port;
	ck_assert_int_eq(op(doms[1], EVTCHNOP_bind_interdomain, &bi), 0);
	*pa = au.port;
	return bi.local_port;
}

START_TEST(test_interdomain_send)
{
	u32 pa, pb = connect(&pa);
	struct evtchn_send s = { .port = pa };
	struct vcpu_info *vb = doms[1]->vcpus[0].vcpu_info;

	ck_assert_uint_eq(pa, 1);	/* lowest free port; 0 is reserved */
	/* The bind re-raises the local port: clear it to see the send. */
	evtchn_2l_clear_pending(doms[1], pb);
	vb->evtchn_upcall_pending = 0;
	vb->evtchn_pending_sel = 0;
	ck_assert_int_eq(op(doms[0], EVTCHNOP_send, &s), 0);
	ck_assert(evtchn_2l_is_pending(doms[1], pb));
	ck_assert(!evtchn_2l_is_pending(doms[0], pa));	/* the peer, not us */
	ck_assert_uint_eq(vb->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(vb->evtchn_pending_sel, 1ULL << (pb / 64));
}
END_TEST

START_TEST(test_mask_holds_back)
{
	u32 pa, pb = connect(&pa);
	struct evtchn_send s = { .port = pa };
	struct evtchn_unmask um = { .port = pb };
	struct vcpu_info *vb = doms[1]->vcpus[0].vcpu_info;

	evtchn_2l_clear_pending(doms[1], pb);
	vb->evtchn_upcall_pending = 0;
	vb->evtchn_pending_sel = 0;
	doms[1]->shared_info->evtchn_mask[pb / 64] |= 1ULL << (pb % 64);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_send, &s), 0);
	ck_assert(evtchn_2l_is_pending(doms[1], pb));	/* pending ... */
	ck_assert_uint_eq(vb->evtchn_upcall_pending, 0);	/* ... but held back */
	ck_assert_int_eq(op(doms[1], EVTCHNOP_unmask, &um), 0);
	ck_assert_uint_eq(vb->evtchn_upcall_pending, 1);	/* delivered on unmask */
}
END_TEST

START_TEST(test_close_returns_peer_to_unbound)
{
	u32 pa, pb = connect(&pa);
	struct evtchn_close c = { .port = pb };
	struct evtchn_status st = { .dom = DOMID_SELF, .port = pa };
	struct evtchn_send s = { .port = pa };

	ck_assert_int_eq(op(doms[1], EVTCHNOP_close, &c), 0);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_status, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.u.unbound.dom, 2);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_send, &s), 0);	/* dropped, as Xen */
	ck_assert_int_eq(op(doms[1], EVTCHNOP_close, &c), -XEN_EINVAL); /* twice */
}
END_TEST

/* The hypervisor's end of the console ring is not the guest's to close. */
START_TEST(test_hypervisor_port_stays)
{
	int port = evtchn_alloc_hypervisor_port(doms[0]);
	struct evtchn_close c = { .port = (u32)port };
	struct evtchn_reset r = { .dom = DOMID_SELF };
	struct evtchn_status st = { .dom = DOMID_SELF, .port = (u32)port };

	ck_assert_int_gt(port, 0);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_close, &c), -XEN_EINVAL);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_reset, &r), 0);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_status, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_interdomain);
	ck_assert_uint_eq(st.u.interdomain.dom, DOMID_XEN);
}
END_TEST

/*
 * A port offered to one domain is bound by that domain only: domain 2
 * cannot take the port domain 1 offered to itself, and the offer stays.
 */
START_TEST(test_bind_offered_to_another)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = 1 };
	struct evtchn_status st = { .dom = DOMID_SELF };

	ck_assert_int_eq(op(doms[0], EVTCHNOP_alloc_unbound, &au), 0);
	bi.remote_port = au.port;
	ck_assert_int_eq(op(doms[1], EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);
	st.port = au.port;
	ck_assert_int_eq(op(doms[0], EVTCHNOP_status, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.u.unbound.dom, 1);
	/* The domain it was offered to binds it. */
	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_interdomain, &bi), 0);
}
END_TEST

START_TEST(test_bad_requests)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = 1, .remote_port = 5 };
	struct evtchn_bind_virq bv = { .virq = 99 };
	struct evtchn_send s = { .port = EVTCHN_PORTS + 7 };
	struct evtchn_close c = { .port = 0 };
	struct evtchn_alloc_unbound au = { .dom = 2, .remote_dom = 2 };
	struct evtchn_bind_ipi ipi = { .vcpu = 3 };

	/* Binding a port that is not unbound-for-us: refused. */
	ck_assert_int_eq(op(doms[1], EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);
	bi.remote_dom = 9;	/* no such domain */
	ck_assert_int_eq(op(doms[1], EVTCHNOP_bind_interdomain, &bi), -XEN_ESRCH);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_virq, &bv), -XEN_EINVAL);
	bv.virq = 24;		/* the first beyond the per-vCPU table */
	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_virq, &bv), -XEN_EINVAL);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_send, &s), -XEN_EINVAL);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_close, &c), -XEN_EINVAL); /* reserved port 0 */
	ck_assert_int_eq(op(doms[0], EVTCHNOP_alloc_unbound, &au), -XEN_EPERM); /* for another */
	au.dom = 9;
	ck_assert_int_eq(op(doms[0], EVTCHNOP_alloc_unbound, &au), -XEN_ESRCH); /* for nobody */
	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_ipi, &ipi), -XEN_ENOENT);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_init_control, &c), -XEN_ENOSYS); /* 2-level only */
	ck_assert_uint_eq(evtchn_op_size(EVTCHNOP_init_control), 0);
}
END_TEST

/*
 * As Xen: a port may be offered to a domain that does not exist (yet), and
 * the offer is recorded as made; no other domain can bind it.
 */
START_TEST(test_unbound_for_absent_domain)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	struct evtchn_status st = { .dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi = { .remote_dom = 1 };

	ck_assert_int_eq(op(doms[0], EVTCHNOP_alloc_unbound, &au), 0);
	st.port = au.port;
	ck_assert_int_eq(op(doms[0], EVTCHNOP_status, &st), 0);
	ck_assert_uint_eq(st.status, EVTCHNSTAT_unbound);
	ck_assert_uint_eq(st.u.unbound.dom, 0);
	bi.remote_port = au.port;
	ck_assert_int_eq(op(doms[1], EVTCHNOP_bind_interdomain, &bi), -XEN_EINVAL);

	au.remote_dom = 9;
	ck_assert_int_eq(op(doms[0], EVTCHNOP_alloc_unbound, &au), 0);
	st.port = au.port;
	ck_assert_int_eq(op(doms[0], EVTCHNOP_status, &st), 0);
	ck_assert_uint_eq(st.u.unbound.dom, 9);

	au.remote_dom = DOMID_SELF;	/* our own id, as Xen records it */
	ck_assert_int_eq(op(doms[0], EVTCHNOP_alloc_unbound, &au), 0);
	st.port = au.port;
	ck_assert_int_eq(op(doms[0], EVTCHNOP_status, &st), 0);
	ck_assert_uint_eq(st.u.unbound.dom, 1);
}
END_TEST

/* XSA-317's loop: offers to an absent domain until the ports run out. */
START_TEST(test_unbound_until_full)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	u32 n = 0;
	long rc;

	while ((rc = op(doms[0], EVTCHNOP_alloc_unbound, &au)) == 0)
		n++;
	ck_assert_int_eq(rc, -XEN_ENOSPC);
	ck_assert_uint_eq(n, EVTCHN_PORTS - 1);	/* all but port 0 */
}
END_TEST

START_TEST(test_virq_bound_once_and_raised)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	u32 port;

	ck_assert_int_eq(evtchn_send_virq(&doms[0]->vcpus[0], VIRQ_TIMER), 0); /* unbound: dropped */
	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_virq, &bv), 0);
	port = bv.port;
	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_virq, &bv), -XEN_EEXIST);
	ck_assert(!evtchn_2l_is_pending(doms[0], port));
	ck_assert_int_eq(evtchn_send_virq(&doms[0]->vcpus[0], VIRQ_TIMER), 0);
	ck_assert(evtchn_2l_is_pending(doms[0], port));
	ck_assert_int_ge(kicks, 1);
}
END_TEST

/*
 * A vCPU in SCHEDOP_poll on a port wakes when the port becomes pending,
 * even when its selector bit was set already (by another port of the same
 * word) and even when the port is masked; a vCPU polling another port, or
 * only blocked, is not woken by a masked port (Xen's pollers check).
 */
START_TEST(test_poller_woken)
{
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	struct vcpu *v0 = &doms[0]->vcpus[0], *v1 = &doms[0]->vcpus[1];
	u32 p, q;

	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_ipi, &ipi), 0);
	p = ipi.port;
	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_ipi, &ipi), 0);
	q = ipi.port;
	ck_assert_uint_eq(p / 64, q / 64);
	/* q pending and unmasked: the selector bit of their word is set */
	ck_assert(evtchn_2l_set_pending(doms[0], q));
	ck_assert_uint_eq(v0->vcpu_info->evtchn_pending_sel, 1ULL << (q / 64));
	v0->polling = v0->blocked = true;
	v0->poll_port = (int)p;
	kicks = 0;
	kicked = NULL;
	ck_assert(evtchn_2l_set_pending(doms[0], p));
	ck_assert_int_eq(kicks, 1);
	ck_assert_ptr_eq(kicked, v0);

	/* masked: the poller of that port wakes, a merely blocked vCPU not */
	evtchn_2l_clear_pending(doms[0], p);
	doms[0]->shared_info->evtchn_mask[p / 64] |= 1ULL << (p % 64);
	v1->blocked = true;
	kicks = 0;
	ck_assert(evtchn_2l_set_pending(doms[0], p));
	ck_assert_int_eq(kicks, 1);
	ck_assert_ptr_eq(kicked, v0);

	/* polling another port: not woken; polling several: woken */
	evtchn_2l_clear_pending(doms[0], p);
	v0->poll_port = (int)q;
	kicks = 0;
	ck_assert(evtchn_2l_set_pending(doms[0], p));
	ck_assert_int_eq(kicks, 0);
	evtchn_2l_clear_pending(doms[0], p);
	v0->poll_port = -1;
	ck_assert(evtchn_2l_set_pending(doms[0], p));
	ck_assert_int_eq(kicks, 1);
}
END_TEST

START_TEST(test_ports_run_out)
{
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };

	for (u32 i = 1; i < EVTCHN_PORTS; i++)
		ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_ipi, &ipi), 0);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_ipi, &ipi), -XEN_ENOSPC);
}
END_TEST

static void clear_upcall(struct vcpu *v)
{
	v->vcpu_info->evtchn_upcall_pending = 0;
	v->vcpu_info->evtchn_pending_sel = 0;
}

/* An IPI port notifies the vCPU it was bound for, whoever sends. */
START_TEST(test_ipi_to_its_vcpu)
{
	struct evtchn_bind_ipi ipi = { .vcpu = 1 };
	struct evtchn_send snd;
	struct vcpu *v0 = &doms[0]->vcpus[0], *v1 = &doms[0]->vcpus[1];

	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_ipi, &ipi), 0);
	clear_upcall(v0);
	clear_upcall(v1);
	snd.port = ipi.port;
	ck_assert_int_eq(op(doms[0], EVTCHNOP_send, &snd), 0);
	ck_assert(evtchn_2l_is_pending(doms[0], ipi.port));
	ck_assert_uint_eq(v1->vcpu_info->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(v0->vcpu_info->evtchn_upcall_pending, 0);
	ipi.vcpu = 2;	/* the domain has two */
	ck_assert_int_eq(op(doms[0], EVTCHNOP_bind_ipi, &ipi), -XEN_ENOENT);
}
END_TEST

/*
 * EVTCHNOP_bind_vcpu moves an interdomain port's notifications; IPI and
 * VIRQ ports are per-vCPU and stay (-EINVAL), as on Xen.
 */
START_TEST(test_bind_vcpu_moves_interdomain)
{
	u32 pa, pb = connect(&pa);
	struct evtchn_bind_vcpu bvc = { .port = pb, .vcpu = 1 };
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	struct evtchn_send snd = { .port = pa };
	struct vcpu *v0 = &doms[1]->vcpus[0], *v1 = &doms[1]->vcpus[1];

	ck_assert_int_eq(op(doms[1], EVTCHNOP_bind_vcpu, &bvc), 0);
	evtchn_2l_clear_pending(doms[1], pb);
	clear_upcall(v0);
	clear_upcall(v1);
	ck_assert_int_eq(op(doms[0], EVTCHNOP_send, &snd), 0);
	ck_assert_uint_eq(v1->vcpu_info->evtchn_upcall_pending, 1);
	ck_assert_uint_eq(v0->vcpu_info->evtchn_upcall_pending, 0);
	bvc.vcpu = 2;
	ck_assert_int_eq(op(doms[1], EVTCHNOP_bind_vcpu, &bvc), -XEN_ENOENT);
	ck_assert_int_eq(op(doms[1], EVTCHNOP_bind_ipi, &ipi), 0);
	bvc.port = ipi.port;
	bvc.vcpu = 1;
	ck_assert_int_eq(op(doms[1], EVTCHNOP_bind_vcpu, &bvc), -XEN_EINVAL);
}
END_TEST

Suite *evtchn_suite(void)
{
	Suite *s = suite_create("evtchn");
	TCase *tc = tcase_create("ports");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_interdomain_send);
	tcase_add_test(tc, test_mask_holds_back);
	tcase_add_test(tc, test_close_returns_peer_to_unbound);
	tcase_add_test(tc, test_bind_offered_to_another);
	tcase_add_test(tc, test_hypervisor_port_stays);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_unbound_for_absent_domain);
	tcase_add_test(tc, test_unbound_until_full);
	tcase_add_test(tc, test_virq_bound_once_and_raised);
	tcase_add_test(tc, test_poller_woken);
	tcase_add_test(tc, test_ports_run_out);
	tcase_add_test(tc, test_ipi_to_its_vcpu);
	tcase_add_test(tc, test_bind_vcpu_moves_interdomain);
	suite_add_tcase(s, tc);
	return s;
}
