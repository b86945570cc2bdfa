/*
 * pvabi/sched.h - scheduler requests: HYPERVISOR_sched_op.
 *
 * How a guest gives up its CPU: yield it, block until an event arrives
 * (the PV form of `sti; hlt`), wait on particular event-channel ports, or
 * stop the whole domain with a reason code.
 *
 * HYPERVISOR_sched_op(cmd, arg): cmd is SCHEDOP_*, arg the guest address
 * of the matching struct sched_* (or 0 where none is used). Returns 0 or
 * -XEN_E*. The older HYPERVISOR_sched_op_compat(cmd, value) took
 * yield/block/shutdown with the shutdown reason passed by value.
 */
#ifndef PVABI_SCHED_H
#define PVABI_SCHED_H

#include "xen.h"
#include "event_channel.h"

/* Give the CPU to another runnable vCPU, if any. arg: none. */
#define SCHEDOP_yield		0

/*
 * Sleep until an event is pending for this vCPU. Clears the caller's
 * evtchn_upcall_mask first and re-checks for pending events after marking
 * the vCPU blocked, so a wake-up cannot be lost. arg: none.
 */
#define SCHEDOP_block		1

/* Stop the domain (every vCPU). arg: struct sched_shutdown. */
#define SCHEDOP_shutdown	2

/*
 * Sleep until one of the listed ports is pending, or the absolute system
 * time timeout (ns, 0 = none) passes. arg: struct sched_poll.
 */
#define SCHEDOP_poll		3

/* Shut down another domain (privileged). arg: struct sched_remote_shutdown. */
#define SCHEDOP_remote_shutdown	4

/* Record a reason reported when the domain later stops. arg: sched_shutdown. */
#define SCHEDOP_shutdown_code	5

/* Create, kick or destroy a domain watchdog. arg: struct sched_watchdog. */
#define SCHEDOP_watchdog	6

/* Pin the vCPU to a physical CPU (hardware domain only). arg: pin_override. */
#define SCHEDOP_pin_override	7

/* sched_shutdown.reason */
#define SHUTDOWN_poweroff	0	/* finished; destroy the domain */
#define SHUTDOWN_reboot		1	/* destroy, then start it again */
#define SHUTDOWN_suspend	2	/* save state for a later resume */
#define SHUTDOWN_crash		3	/* the guest crashed */
#define SHUTDOWN_watchdog	4	/* its watchdog expired */
#define SHUTDOWN_soft_reset	5	/* reset hypervisor state, keep memory */
#define SHUTDOWN_MAX		5

#ifndef __ASSEMBLER__

/* SCHEDOP_shutdown, SCHEDOP_shutdown_code. Written by the guest. */
struct sched_shutdown {
	uint32_t reason;	/* IN: SHUTDOWN_* */
}; /* 4 bytes */
PVABI_CHECK_SIZE(struct sched_shutdown, 4);
PVABI_CHECK_OFFSET(struct sched_shutdown, reason, 0);

/* SCHEDOP_poll. Written by the guest. */
struct sched_poll {
	uint64_t ports;		/* IN: guest VA of evtchn_port_t[nr_ports] */
	uint32_t nr_ports;	/* IN: at most 128 */
	uint32_t pad0;
	uint64_t timeout;	/* IN: absolute system time (ns); 0 = none */
}; /* 24 bytes */
PVABI_CHECK_SIZE(struct sched_poll, 24);
PVABI_CHECK_OFFSET(struct sched_poll, ports, 0);
PVABI_CHECK_OFFSET(struct sched_poll, nr_ports, 8);
PVABI_CHECK_OFFSET(struct sched_poll, timeout, 16);

/* SCHEDOP_remote_shutdown. Written by the guest. */
struct sched_remote_shutdown {
	domid_t domain_id;	/* IN: the domain to stop */
	uint16_t pad0;
	uint32_t reason;	/* IN: SHUTDOWN_* */
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct sched_remote_shutdown, 8);
PVABI_CHECK_OFFSET(struct sched_remote_shutdown, domain_id, 0);
PVABI_CHECK_OFFSET(struct sched_remote_shutdown, reason, 4);

/*
 * SCHEDOP_watchdog. id 0 creates a watchdog and returns its id; id != 0
 * with timeout 0 destroys it; otherwise it is kicked with a new timeout.
 */
struct sched_watchdog {
	uint32_t id;		/* IN */
	uint32_t timeout;	/* IN: seconds */
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct sched_watchdog, 8);
PVABI_CHECK_OFFSET(struct sched_watchdog, id, 0);
PVABI_CHECK_OFFSET(struct sched_watchdog, timeout, 4);

/* SCHEDOP_pin_override. A negative pcpu undoes the override. */
struct sched_pin_override {
	int32_t pcpu;		/* IN */
}; /* 4 bytes */
PVABI_CHECK_SIZE(struct sched_pin_override, 4);
PVABI_CHECK_OFFSET(struct sched_pin_override, pcpu, 0);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_SCHED_H */
