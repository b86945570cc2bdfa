/*
 * pvabi/event_channel.h - event channels: HYPERVISOR_event_channel_op.
 *
 * An event channel is a port number in a domain; an event on it is one
 * bit, like an edge-triggered interrupt line. pvisor implements Xen's
 * 2-level ABI: the bits live in shared_info (evtchn_pending and
 * evtchn_mask, 4096 ports) and each vCPU's vcpu_info
 * (evtchn_pending_sel, evtchn_upcall_pending, evtchn_upcall_mask); see
 * pvabi/xen.h for who writes which. A port is bound to a source: a VIRQ,
 * an IPI between the domain's own vCPUs, or a port of another domain.
 *
 * HYPERVISOR_event_channel_op(cmd, arg): cmd is EVTCHNOP_*, arg the guest
 * address of the matching struct evtchn_* (IN fields written by the guest,
 * OUT fields by the hypervisor on success). Returns 0 or -XEN_E*.
 * The FIFO ABI (init_control, expand_array, set_priority) is answered
 * with -XEN_ENOSYS, which makes Linux use the 2-level ABI.
 */
#ifndef PVABI_EVENT_CHANNEL_H
#define PVABI_EVENT_CHANNEL_H

#include "xen.h"

#define EVTCHNOP_bind_interdomain	0
#define EVTCHNOP_bind_virq		1
#define EVTCHNOP_bind_pirq		2
#define EVTCHNOP_close			3
#define EVTCHNOP_send			4
#define EVTCHNOP_status			5
#define EVTCHNOP_alloc_unbound		6
#define EVTCHNOP_bind_ipi		7
#define EVTCHNOP_bind_vcpu		8
#define EVTCHNOP_unmask			9
#define EVTCHNOP_reset			10
#define EVTCHNOP_init_control		11
#define EVTCHNOP_expand_array		12
#define EVTCHNOP_set_priority		13

/* Ports of the 2-level ABI on x86-64: 64 words of 64 bits. Port 0 is never used. */
#define EVTCHN_2L_NR_CHANNELS		4096

/* evtchn_status.status */
#define EVTCHNSTAT_closed		0	/* port not in use */
#define EVTCHNSTAT_unbound		1	/* waiting for a remote binding */
#define EVTCHNSTAT_interdomain		2	/* connected to a remote port */
#define EVTCHNSTAT_pirq			3	/* bound to a physical IRQ */
#define EVTCHNSTAT_virq			4	/* bound to a VIRQ */
#define EVTCHNSTAT_ipi			5	/* bound to an IPI */

/* evtchn_bind_pirq.flags */
#define BIND_PIRQ__WILL_SHARE		1

#ifndef __ASSEMBLER__

typedef uint32_t evtchn_port_t;

/*
 * EVTCHNOP_alloc_unbound: make a new port in dom (must be DOMID_SELF for
 * an unprivileged caller) that remote_dom may later bind to.
 */
struct evtchn_alloc_unbound {
	/* IN */
	domid_t dom;
	domid_t remote_dom;	/* DOMID_SELF allowed (loopback) */
	/* OUT */
	evtchn_port_t port;
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct evtchn_alloc_unbound, 8);
PVABI_CHECK_OFFSET(struct evtchn_alloc_unbound, dom, 0);
PVABI_CHECK_OFFSET(struct evtchn_alloc_unbound, remote_dom, 2);
PVABI_CHECK_OFFSET(struct evtchn_alloc_unbound, port, 4);

/*
 * EVTCHNOP_bind_interdomain: connect a new local port to the unbound
 * port remote_port of remote_dom, which must accept the caller. The new
 * local port starts pending, so a notification sent early is not lost.
 */
struct evtchn_bind_interdomain {
	/* IN */
	domid_t remote_dom;
	uint16_t pad0;
	evtchn_port_t remote_port;
	/* OUT */
	evtchn_port_t local_port;
}; /* 12 bytes */
PVABI_CHECK_SIZE(struct evtchn_bind_interdomain, 12);
PVABI_CHECK_OFFSET(struct evtchn_bind_interdomain, remote_dom, 0);
PVABI_CHECK_OFFSET(struct evtchn_bind_interdomain, remote_port, 4);
PVABI_CHECK_OFFSET(struct evtchn_bind_interdomain, local_port, 8);

/*
 * EVTCHNOP_bind_virq: bind a new port to VIRQ virq, delivered to vCPU
 * vcpu. A per-vCPU VIRQ may be bound once per vCPU, a global one once per
 * domain (on vCPU 0).
 */
struct evtchn_bind_virq {
	/* IN */
	uint32_t virq;		/* VIRQ_* */
	uint32_t vcpu;
	/* OUT */
	evtchn_port_t port;
}; /* 12 bytes */
PVABI_CHECK_SIZE(struct evtchn_bind_virq, 12);
PVABI_CHECK_OFFSET(struct evtchn_bind_virq, virq, 0);
PVABI_CHECK_OFFSET(struct evtchn_bind_virq, vcpu, 4);
PVABI_CHECK_OFFSET(struct evtchn_bind_virq, port, 8);

/* EVTCHNOP_bind_pirq: bind a new port to physical IRQ pirq (privileged). */
struct evtchn_bind_pirq {
	/* IN */
	uint32_t pirq;
	uint32_t flags;		/* BIND_PIRQ__* */
	/* OUT */
	evtchn_port_t port;
}; /* 12 bytes */
PVABI_CHECK_SIZE(struct evtchn_bind_pirq, 12);
PVABI_CHECK_OFFSET(struct evtchn_bind_pirq, pirq, 0);
PVABI_CHECK_OFFSET(struct evtchn_bind_pirq, flags, 4);
PVABI_CHECK_OFFSET(struct evtchn_bind_pirq, port, 8);

/*
 * EVTCHNOP_bind_ipi: bind a new port that, when sent to, raises an event
 * on vCPU vcpu of the same domain.
 */
struct evtchn_bind_ipi {
	/* IN */
	uint32_t vcpu;
	/* OUT */
	evtchn_port_t port;
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct evtchn_bind_ipi, 8);
PVABI_CHECK_OFFSET(struct evtchn_bind_ipi, vcpu, 0);
PVABI_CHECK_OFFSET(struct evtchn_bind_ipi, port, 4);

/*
 * EVTCHNOP_close: free a local port. An inter-domain peer goes back to
 * the unbound state; the port's pending bit is cleared.
 */
struct evtchn_close {
	/* IN */
	evtchn_port_t port;
}; /* 4 bytes */
PVABI_CHECK_SIZE(struct evtchn_close, 4);
PVABI_CHECK_OFFSET(struct evtchn_close, port, 0);

/*
 * EVTCHNOP_send: raise an event at the other end of a local port (the
 * peer's port for inter-domain, our own port for IPI).
 */
struct evtchn_send {
	/* IN */
	evtchn_port_t port;
}; /* 4 bytes */
PVABI_CHECK_SIZE(struct evtchn_send, 4);
PVABI_CHECK_OFFSET(struct evtchn_send, port, 0);

/* EVTCHNOP_status: what port <dom, port> is bound to. */
struct evtchn_status {
	/* IN */
	domid_t dom;		/* DOMID_SELF for an unprivileged caller */
	uint16_t pad0;
	evtchn_port_t port;
	/* OUT */
	uint32_t status;	/* EVTCHNSTAT_* */
	uint32_t vcpu;		/* vCPU the port notifies */
	union {
		struct {
			domid_t dom;		/* who may bind */
		} unbound;
		struct {
			domid_t dom;
			uint16_t pad0;
			evtchn_port_t port;
		} interdomain;			/* the peer */
		uint32_t pirq;
		uint32_t virq;
	} u;
}; /* 24 bytes */
PVABI_CHECK_SIZE(struct evtchn_status, 24);
PVABI_CHECK_OFFSET(struct evtchn_status, dom, 0);
PVABI_CHECK_OFFSET(struct evtchn_status, port, 4);
PVABI_CHECK_OFFSET(struct evtchn_status, status, 8);
PVABI_CHECK_OFFSET(struct evtchn_status, vcpu, 12);
PVABI_CHECK_OFFSET(struct evtchn_status, u, 16);
PVABI_CHECK_OFFSET(struct evtchn_status, u.interdomain.dom, 16);
PVABI_CHECK_OFFSET(struct evtchn_status, u.interdomain.port, 20);
PVABI_CHECK_OFFSET(struct evtchn_status, u.virq, 16);

/*
 * EVTCHNOP_bind_vcpu: deliver port's events to another vCPU. Not allowed
 * for IPI and per-vCPU VIRQ ports.
 */
struct evtchn_bind_vcpu {
	/* IN */
	evtchn_port_t port;
	uint32_t vcpu;
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct evtchn_bind_vcpu, 8);
PVABI_CHECK_OFFSET(struct evtchn_bind_vcpu, port, 0);
PVABI_CHECK_OFFSET(struct evtchn_bind_vcpu, vcpu, 4);

/*
 * EVTCHNOP_unmask: clear port's mask bit and, if it is pending, raise the
 * upcall that was held back.
 */
struct evtchn_unmask {
	/* IN */
	evtchn_port_t port;
}; /* 4 bytes */
PVABI_CHECK_SIZE(struct evtchn_unmask, 4);
PVABI_CHECK_OFFSET(struct evtchn_unmask, port, 0);

/* EVTCHNOP_reset: close every port of dom (DOMID_SELF allowed). */
struct evtchn_reset {
	/* IN */
	domid_t dom;
}; /* 2 bytes */
PVABI_CHECK_SIZE(struct evtchn_reset, 2);
PVABI_CHECK_OFFSET(struct evtchn_reset, dom, 0);

/*
 * EVTCHNOP_init_control: switch to the FIFO ABI with the control block at
 * <control_gfn, offset> for vCPU vcpu. pvisor answers -XEN_ENOSYS.
 */
struct evtchn_init_control {
	/* IN */
	uint64_t control_gfn;
	uint32_t offset;
	uint32_t vcpu;
	/* OUT */
	uint8_t link_bits;
	uint8_t pad0[7];
}; /* 24 bytes */
PVABI_CHECK_SIZE(struct evtchn_init_control, 24);
PVABI_CHECK_OFFSET(struct evtchn_init_control, control_gfn, 0);
PVABI_CHECK_OFFSET(struct evtchn_init_control, offset, 8);
PVABI_CHECK_OFFSET(struct evtchn_init_control, vcpu, 12);
PVABI_CHECK_OFFSET(struct evtchn_init_control, link_bits, 16);

/* EVTCHNOP_expand_array: add a page to the FIFO event array. */
struct evtchn_expand_array {
	/* IN */
	uint64_t array_gfn;
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct evtchn_expand_array, 8);
PVABI_CHECK_OFFSET(struct evtchn_expand_array, array_gfn, 0);

/* EVTCHNOP_set_priority: FIFO priority of a port (0 highest, 15 lowest). */
struct evtchn_set_priority {
	/* IN */
	evtchn_port_t port;
	uint32_t priority;
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct evtchn_set_priority, 8);
PVABI_CHECK_OFFSET(struct evtchn_set_priority, port, 0);
PVABI_CHECK_OFFSET(struct evtchn_set_priority, priority, 4);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_EVENT_CHANNEL_H */
