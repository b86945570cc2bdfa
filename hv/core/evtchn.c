/*
 * evtchn.c - event channel ports: allocate, bind, send, close.
 *
 * Runs in: hypervisor and host tests. Trusts: nothing in the requests;
 * every port number and domain id is checked before it indexes anything.
 *
 * An event channel is the PV guest's interrupt line. Each domain has
 * EVTCHN_PORTS ports; a port is free, or bound to something that raises it:
 * a VIRQ (the hypervisor's timer, console, debug), an IPI between the
 * domain's own vCPUs, a port of another domain (interdomain: each side
 * raises the other), or the hypervisor itself (the console ring). Raising
 * a port sets a bit in the two-level bitmap (evtchn_2l.c); the guest finds
 * it in its upcall. Port 0 is never used, as in Xen. Operations and errors
 * follow Xen's (docs/pv-mechanisms.md §18.4); EVTCHNOP_init_control answers
 * -ENOSYS so guests use the two-level ABI.
 */
#include "hv.h"
#include "core/domain.h"
#include "core/evtchn.h"
#include "pvabi/event_channel.h"
#include "pvabi/errno.h"
#include "pvabi/xen.h"

#define NR_VIRQS	24

static bool port_valid(const struct domain *d, u32 port)
{
	return port > 0 && port < EVTCHN_PORTS &&
	       d->evtchn[port].state != ECS_FREE;
}

void evtchn_init(struct domain *d)
{
	memset(d->evtchn, 0, sizeof(d->evtchn));
	d->evtchn[0].state = ECS_RESERVED;
}

/* The lowest free port, or -ENOSPC. */
static int get_free_port(struct domain *d)
{
	for (u32 p = 1; p < EVTCHN_PORTS; p++) {
		if (d->evtchn[p].state == ECS_FREE)
			return (int)p;
	}
	return -XEN_ENOSPC;
}

/* A port for the hypervisor's own use (the console ring). */
int evtchn_alloc_hypervisor_port(struct domain *d)
{
	int port = get_free_port(d);

	if (port > 0)
		d->evtchn[port].state = ECS_HYPERVISOR;
	return port;
}

/* Raise a port of d from the hypervisor side. */
void evtchn_notify(struct domain *d, u32 port)
{
	if (port_valid(d, port))
		evtchn_2l_set_pending(d, port);
}

/* Raise a VIRQ on a vCPU; dropped if the guest has not bound it. */
int evtchn_send_virq(struct vcpu *v, u32 virq)
{
	u32 port;

	if (virq >= NR_VIRQS || v->domain->state != DOM_RUNNING)
		return -XEN_EINVAL;
	port = v->virq_to_port[virq];
	if (port)
		evtchn_2l_set_pending(v->domain, port);
	return 0;
}

/*
 * A port that remote_dom may bind. As Xen, remote_dom is recorded as given
 * (DOMID_SELF: our own id), whether or not such a domain exists: a
 * toolstack offers ports to domains it has yet to build, and only the
 * domain with that id can ever bind it (bind_interdomain checks). The port
 * must be the caller's own: another domain's is -EPERM (Xen: the XSM
 * check; Xen would first say -ENOSPC if that domain had no free port),
 * no such domain -ESRCH.
 */
static long alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *a)
{
	int port;

	if (a->dom != DOMID_SELF && a->dom != d->id)
		return domain_by_id(a->dom) ? -XEN_EPERM : -XEN_ESRCH;
	port = get_free_port(d);
	if (port < 0)
		return port;
	d->evtchn[port].state = ECS_UNBOUND;
	d->evtchn[port].remote_dom = a->remote_dom == DOMID_SELF ? d->id : a->remote_dom;
	d->evtchn[port].notify_vcpu = 0;
	a->port = (u32)port;
	return 0;
}

static long bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *b)
{
	u16 rid = b->remote_dom == DOMID_SELF ? d->id : b->remote_dom;
	struct domain *rd = domain_by_id(rid);
	struct evtchn *rchn;
	int port;

	if (!rd || rd->state != DOM_RUNNING)
		return -XEN_ESRCH;
	if (!port_valid(rd, b->remote_port))
		return -XEN_EINVAL;
	rchn = &rd->evtchn[b->remote_port];
	if (rchn->state != ECS_UNBOUND || rchn->remote_dom != d->id)
		return -XEN_EINVAL;
	port = get_free_port(d);
	if (port < 0)
		return port;
	d->evtchn[port].state = ECS_INTERDOMAIN;
	d->evtchn[port].remote_dom = rid;
	d->evtchn[port].remote_port = b->remote_port;
	d->evtchn[port].notify_vcpu = 0;
	rchn->state = ECS_INTERDOMAIN;
	rchn->remote_dom = d->id;
	rchn->remote_port = (u32)port;
	b->local_port = (u32)port;
	/* Any notification sent before the bind is raised again, as Xen does. */
	evtchn_2l_set_pending(d, (u32)port);
	return 0;
}

static long bind_virq(struct domain *d, struct evtchn_bind_virq *b)
{
	struct vcpu *v;
	int port;

	if (b->virq >= NR_VIRQS)
		return -XEN_EINVAL;
	if (b->vcpu >= (u32)d->nr_vcpus)
		return -XEN_ENOENT;
	v = &d->vcpus[b->vcpu];
	if (v->virq_to_port[b->virq])
		return -XEN_EEXIST;
	port = get_free_port(d);
	if (port < 0)
		return port;
	d->evtchn[port].state = ECS_VIRQ;
	d->evtchn[port].remote_port = b->virq;
	d->evtchn[port].notify_vcpu = (u8)b->vcpu;
	v->virq_to_port[b->virq] = (u16)port;
	b->port = (u32)port;
	return 0;
}

static long bind_ipi(struct domain *d, struct evtchn_bind_ipi *b)
{
	int port;

	if (b->vcpu >= (u32)d->nr_vcpus)
		return -XEN_ENOENT;
	port = get_free_port(d);
	if (port < 0)
		return port;
	d->evtchn[port].state = ECS_IPI;
	d->evtchn[port].notify_vcpu = (u8)b->vcpu;
	b->port = (u32)port;
	return 0;
}

/* Free a port; an interdomain peer goes back to unbound (accepting us). */
static long close_port(struct domain *d, u32 port)
{
	struct evtchn *c;
	struct domain *rd;

	if (!port_valid(d, port) || d->evtchn[port].state == ECS_RESERVED ||
	    d->evtchn[port].state == ECS_HYPERVISOR)
		return -XEN_EINVAL;
	c = &d->evtchn[port];
	if (c->state == ECS_VIRQ)
		d->vcpus[c->notify_vcpu].virq_to_port[c->remote_port] = 0;
	if (c->state == ECS_INTERDOMAIN) {
		rd = domain_by_id(c->remote_dom);
		if (rd && rd->evtchn[c->remote_port].state == ECS_INTERDOMAIN &&
		    rd->evtchn[c->remote_port].remote_dom == d->id) {
			rd->evtchn[c->remote_port].state = ECS_UNBOUND;
			rd->evtchn[c->remote_port].remote_port = 0;
		}
	}
	evtchn_2l_clear_pending(d, port);
	memset(c, 0, sizeof(*c));
	return 0;
}

static long send(struct domain *d, u32 port)
{
	struct evtchn *c;
	struct domain *rd;

	if (!port_valid(d, port))
		return -XEN_EINVAL;
	c = &d->evtchn[port];
	switch (c->state) {
	case ECS_INTERDOMAIN:
		rd = domain_by_id(c->remote_dom);
		if (rd && rd->state == DOM_RUNNING)
			evtchn_2l_set_pending(rd, c->remote_port);
		return 0;
	case ECS_IPI:
		evtchn_2l_set_pending(d, port);
		return 0;
	case ECS_UNBOUND:
		return 0;	/* nobody listening yet: dropped, as Xen */
	case ECS_HYPERVISOR:
		evtchn_hypervisor_port_sent(d, port);
		return 0;
	default:
		return -XEN_EINVAL;
	}
}

static long status(struct domain *d, struct evtchn_status *st)
{
	const struct evtchn *c;

	if (st->dom != DOMID_SELF && st->dom != d->id)
		return -XEN_EPERM;
	if (st->port >= EVTCHN_PORTS)
		return -XEN_EINVAL;
	c = &d->evtchn[st->port];
	memset(&st->u, 0, sizeof(st->u));
	st->vcpu = c->notify_vcpu;
	switch (c->state) {
	case ECS_FREE:
	case ECS_RESERVED:
		st->status = EVTCHNSTAT_closed;
		break;
	case ECS_UNBOUND:
		st->status = EVTCHNSTAT_unbound;
		st->u.unbound.dom = c->remote_dom;
		break;
	case ECS_INTERDOMAIN:
	case ECS_HYPERVISOR:
		st->status = EVTCHNSTAT_interdomain;
		st->u.interdomain.dom = c->state == ECS_HYPERVISOR ? DOMID_XEN : c->remote_dom;
		st->u.interdomain.port = c->remote_port;
		break;
	case ECS_VIRQ:
		st->status = EVTCHNSTAT_virq;
		st->u.virq = c->remote_port;
		break;
	case ECS_IPI:
		st->status = EVTCHNSTAT_ipi;
		break;
	}
	return 0;
}

static long bind_vcpu(struct domain *d, struct evtchn_bind_vcpu *b)
{
	struct evtchn *c;

	if (!port_valid(d, b->port))
		return -XEN_EINVAL;
	if (b->vcpu >= (u32)d->nr_vcpus)
		return -XEN_ENOENT;
	c = &d->evtchn[b->port];
	if (c->state != ECS_UNBOUND && c->state != ECS_INTERDOMAIN)
		return -XEN_EINVAL;	/* per-vCPU VIRQs and IPIs stay put */
	c->notify_vcpu = (u8)b->vcpu;
	return 0;
}

/* Close every port but the reserved and hypervisor ones. */
static long reset(struct domain *d, struct evtchn_reset *r)
{
	if (r->dom != DOMID_SELF && r->dom != d->id)
		return -XEN_EPERM;
	for (u32 p = 1; p < EVTCHN_PORTS; p++) {
		if (d->evtchn[p].state != ECS_FREE &&
		    d->evtchn[p].state != ECS_HYPERVISOR)
			close_port(d, p);
	}
	return 0;
}

/* A dying domain: its interdomain peers go back to unbound. */
void evtchn_destroy(struct domain *d)
{
	for (u32 p = 1; p < EVTCHN_PORTS; p++) {
		if (d->evtchn[p].state == ECS_INTERDOMAIN)
			close_port(d, p);
	}
}

/* Bytes of argument each EVTCHNOP_* copies in and out (0: unknown op). */
size_t evtchn_op_size(u64 cmd)
{
	switch (cmd) {
	case EVTCHNOP_alloc_unbound: return sizeof(struct evtchn_alloc_unbound);
	case EVTCHNOP_bind_interdomain: return sizeof(struct evtchn_bind_interdomain);
	case EVTCHNOP_bind_virq: return sizeof(struct evtchn_bind_virq);
	case EVTCHNOP_bind_ipi: return sizeof(struct evtchn_bind_ipi);
	case EVTCHNOP_close: return sizeof(struct evtchn_close);
	case EVTCHNOP_send: return sizeof(struct evtchn_send);
	case EVTCHNOP_status: return sizeof(struct evtchn_status);
	case EVTCHNOP_bind_vcpu: return sizeof(struct evtchn_bind_vcpu);
	case EVTCHNOP_unmask: return sizeof(struct evtchn_unmask);
	case EVTCHNOP_reset: return sizeof(struct evtchn_reset);
	default: return 0;
	}
}

/* The mechanism behind do_event_channel_op, on an argument already copied in. */
long evtchn_op(struct domain *d, u64 cmd, void *arg)
{
	switch (cmd) {
	case EVTCHNOP_alloc_unbound: return alloc_unbound(d, arg);
	case EVTCHNOP_bind_interdomain: return bind_interdomain(d, arg);
	case EVTCHNOP_bind_virq: return bind_virq(d, arg);
	case EVTCHNOP_bind_ipi: return bind_ipi(d, arg);
	case EVTCHNOP_close: return close_port(d, ((struct evtchn_close *)arg)->port);
	case EVTCHNOP_send: return send(d, ((struct evtchn_send *)arg)->port);
	case EVTCHNOP_status: return status(d, arg);
	case EVTCHNOP_bind_vcpu: return bind_vcpu(d, arg);
	case EVTCHNOP_unmask:
		if (!port_valid(d, ((struct evtchn_unmask *)arg)->port))
			return -XEN_EINVAL;
		evtchn_2l_unmask(d, ((struct evtchn_unmask *)arg)->port);
		return 0;
	case EVTCHNOP_reset: return reset(d, arg);
	default: return -XEN_ENOSYS;	/* init_control, expand_array, set_priority, bind_pirq */
	}
}
