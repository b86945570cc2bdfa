/*
 * pvabi/console.h - the PV console ring (Linux's hvc0).
 *
 * Besides HYPERVISOR_console_io, a domain gets a console page: one guest
 * RAM frame (start_info.console.domU.mfn) holding two byte rings, and an
 * event channel (start_info.console.domU.evtchn). pvisor serves the other
 * end itself: it drains out to the serial line and feeds serial input
 * into in.
 *
 * Each ring has a consumer and a producer index that only grow (and wrap
 * at 2^32); the byte for index i is at ring[MASK_XENCONS_IDX(i, ring)].
 * A writer copies bytes, issues a write barrier, advances its producer,
 * then notifies the peer with EVTCHNOP_send (guest) or by raising the
 * port (hypervisor). Ownership:
 *  out, out_prod: guest writes; out_cons: hypervisor writes.
 *  in, in_prod: hypervisor writes; in_cons: guest writes.
 */
#ifndef PVABI_CONSOLE_H
#define PVABI_CONSOLE_H

#include "xen.h"

/* Index of byte idx in ring (a char array whose size is a power of 2). */
#define MASK_XENCONS_IDX(idx, ring)	((idx) & (sizeof(ring) - 1))

/* xencons_interface.connection (a zeroed page reads as connected) */
#define XENCONSOLE_CONNECTED		0
#define XENCONSOLE_DISCONNECTED		1

#ifndef __ASSEMBLER__

typedef uint32_t XENCONS_RING_IDX;

struct xencons_interface {
	char in[1024];			/* input: hypervisor -> guest */
	char out[2048];			/* output: guest -> hypervisor */
	XENCONS_RING_IDX in_cons;	/* guest */
	XENCONS_RING_IDX in_prod;	/* hypervisor */
	XENCONS_RING_IDX out_cons;	/* hypervisor */
	XENCONS_RING_IDX out_prod;	/* guest */
	uint8_t connection;		/* hypervisor: XENCONSOLE_*; newer */
	uint8_t pad0[3];		/* than Linux 6.1, which ignores it */
}; /* 3092 bytes */
PVABI_CHECK_SIZE(struct xencons_interface, 3092);
PVABI_CHECK_OFFSET(struct xencons_interface, in, 0);
PVABI_CHECK_OFFSET(struct xencons_interface, out, 1024);
PVABI_CHECK_OFFSET(struct xencons_interface, in_cons, 3072);
PVABI_CHECK_OFFSET(struct xencons_interface, in_prod, 3076);
PVABI_CHECK_OFFSET(struct xencons_interface, out_cons, 3080);
PVABI_CHECK_OFFSET(struct xencons_interface, out_prod, 3084);
PVABI_CHECK_OFFSET(struct xencons_interface, connection, 3088);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_CONSOLE_H */
