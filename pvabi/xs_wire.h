/*
 * pvabi/xs_wire.h - the xenstore wire protocol and the store ring page.
 *
 * A domain talks to the store through one page (start_info.store_mfn, a
 * frame of its own memory) holding two byte rings, and an event channel
 * (start_info.store_evtchn) whose other end is the hypervisor, which
 * serves the store itself (hv/core/xenstore.c; docs/xenstore.md).
 *
 * Each message is a struct xsd_sockmsg header followed by len bytes of
 * payload (len <= XENSTORE_PAYLOAD_MAX), usually NUL-terminated strings.
 * The guest writes requests into req and advances req_prod; the store
 * consumes them (req_cons) and writes replies and watch events into rsp
 * (rsp_prod), which the guest consumes (rsp_cons). Indexes only grow and
 * wrap at 2^32; byte i of a ring is at MASK_XENSTORE_IDX(i). Ownership:
 *  req, req_prod, rsp_cons: guest writes; req_cons, rsp_prod, error,
 *  server_features: the hypervisor writes.
 * The numbers and the layout are Xen's (public/io/xs_wire.h).
 */
#ifndef PVABI_XS_WIRE_H
#define PVABI_XS_WIRE_H

#include "xen.h"

#define XS_CONTROL		0	/* the rest of this block is unprivileged */
#define XS_DIRECTORY		1
#define XS_READ			2
#define XS_GET_PERMS		3
#define XS_WATCH		4
#define XS_UNWATCH		5
#define XS_TRANSACTION_START	6
#define XS_TRANSACTION_END	7
#define XS_INTRODUCE		8	/* privileged: EACCES on pvisor */
#define XS_RELEASE		9	/* privileged */
#define XS_GET_DOMAIN_PATH	10
#define XS_WRITE		11
#define XS_MKDIR		12
#define XS_RM			13
#define XS_SET_PERMS		14
#define XS_WATCH_EVENT		15	/* store -> guest only */
#define XS_ERROR		16	/* store -> guest only */
#define XS_IS_DOMAIN_INTRODUCED	17
#define XS_RESUME		18	/* privileged */
#define XS_SET_TARGET		19	/* privileged */
#define XS_RESET_WATCHES	21	/* 20 was XS_RESTRICT, removed */
#define XS_DIRECTORY_PART	22
#define XS_TYPE_COUNT		23

/* XS_WRITE's older flag strings (unused by Linux 6.1) */
#define XS_WRITE_NONE		"NONE"
#define XS_WRITE_CREATE		"CREATE"
#define XS_WRITE_CREATE_EXCL	"CREATE|EXCL"

/* Watch event payload: the path, then the token. */
#define XS_WATCH_PATH		0
#define XS_WATCH_TOKEN		1

#define XENSTORE_PAYLOAD_MAX	4096	/* a larger header len breaks the connection */
#define XENSTORE_ABS_PATH_MAX	3072	/* longer paths: EINVAL */
#define XENSTORE_REL_PATH_MAX	2048

#define XENSTORE_RING_SIZE	1024
#define MASK_XENSTORE_IDX(idx)	((idx) & (XENSTORE_RING_SIZE - 1))

#define XENSTORE_SERVER_FEATURE_RECONNECTION	1	/* not offered by pvisor */
#define XENSTORE_SERVER_FEATURE_ERROR		2	/* the error field */

#define XENSTORE_CONNECTED	0
#define XENSTORE_RECONNECT	1

#define XENSTORE_ERROR_NONE	0
#define XENSTORE_ERROR_COMM	1
#define XENSTORE_ERROR_RINGIDX	2	/* an index moved by more than the ring */
#define XENSTORE_ERROR_PROTO	3	/* a header with len > XENSTORE_PAYLOAD_MAX */

#ifndef __ASSEMBLER__

struct xsd_sockmsg {
	uint32_t type;		/* XS_* */
	uint32_t req_id;	/* echoed in the reply */
	uint32_t tx_id;		/* transaction, 0 = none */
	uint32_t len;		/* payload bytes that follow */
};
PVABI_CHECK_SIZE(struct xsd_sockmsg, 16);

typedef uint32_t XENSTORE_RING_IDX;

struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE];	/* guest -> store */
	char rsp[XENSTORE_RING_SIZE];	/* store -> guest: replies, watch events */
	XENSTORE_RING_IDX req_cons, req_prod;
	XENSTORE_RING_IDX rsp_cons, rsp_prod;
	uint32_t server_features;	/* XENSTORE_SERVER_FEATURE_* */
	uint32_t connection;		/* XENSTORE_CONNECTED */
	uint32_t error;			/* XENSTORE_ERROR_*: why the store stopped */
};
PVABI_CHECK_SIZE(struct xenstore_domain_interface, 2076);
PVABI_CHECK_OFFSET(struct xenstore_domain_interface, req_cons, 2048);
PVABI_CHECK_OFFSET(struct xenstore_domain_interface, rsp_prod, 2060);
PVABI_CHECK_OFFSET(struct xenstore_domain_interface, error, 2072);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_XS_WIRE_H */
