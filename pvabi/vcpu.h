/*
 * pvabi/vcpu.h - per-vCPU control: HYPERVISOR_vcpu_op.
 *
 * Starting and stopping secondary vCPUs, moving a vCPU's vcpu_info out of
 * shared_info (needed beyond 32 vCPUs, and Linux always does it), the
 * per-vCPU timers that raise VIRQ_TIMER, and the runstate area where the
 * hypervisor reports how long a vCPU ran, waited or was blocked.
 *
 * HYPERVISOR_vcpu_op(cmd, vcpuid, arg): cmd is VCPUOP_*, vcpuid the vCPU
 * to act on, arg the guest address of the matching struct (or 0).
 * Returns 0 (VCPUOP_is_up: 0 or 1) or -XEN_E*; -XEN_ENOENT for a vcpuid
 * the domain does not have.
 */
#ifndef PVABI_VCPU_H
#define PVABI_VCPU_H

#include "xen.h"

/* Give a vCPU its first state, once. arg: struct vcpu_guest_context. */
#define VCPUOP_initialise			0
/* Make an initialised vCPU runnable. arg: none. */
#define VCPUOP_up				1
/* Stop a vCPU (it keeps its state). arg: none. */
#define VCPUOP_down				2
/* Returns 1 if the vCPU is up, 0 if it is down. arg: none. */
#define VCPUOP_is_up				3
/* Copy out the vCPU's runstate. arg: struct vcpu_runstate_info (OUT). */
#define VCPUOP_get_runstate_info		4
/*
 * Ask the hypervisor to keep a copy of the runstate at a guest virtual
 * address, rewritten whenever the vCPU is scheduled.
 * arg: struct vcpu_register_runstate_memory_area.
 */
#define VCPUOP_register_runstate_memory_area	5
/* Periodic timer: VIRQ_TIMER every period_ns. arg: vcpu_set_periodic_timer. */
#define VCPUOP_set_periodic_timer		6
#define VCPUOP_stop_periodic_timer		7	/* arg: none */
/* One-shot timer at an absolute time. arg: vcpu_set_singleshot_timer. */
#define VCPUOP_set_singleshot_timer		8
#define VCPUOP_stop_singleshot_timer		9	/* arg: none */
/* Move vcpu_info to a guest frame, once. arg: vcpu_register_vcpu_info. */
#define VCPUOP_register_vcpu_info		10
/* Raise a virtual NMI on the vCPU. arg: none. */
#define VCPUOP_send_nmi				11
/* Physical APIC/ACPI id under the vCPU (dom0). arg: vcpu_get_physid. */
#define VCPUOP_get_physid			12
/* Keep a second copy of vcpu_time_info at a guest VA (e.g. for a vDSO). */
#define VCPUOP_register_vcpu_time_memory_area	13
/* As 5 and 13, but the address is a guest-physical one (~0 unregisters). */
#define VCPUOP_register_runstate_phys_area	14
#define VCPUOP_register_vcpu_time_phys_area	15

/* vcpu_runstate_info.state */
#define RUNSTATE_running	0	/* running on a physical CPU */
#define RUNSTATE_runnable	1	/* ready, waiting for a CPU */
#define RUNSTATE_blocked	2	/* waiting for an event */
#define RUNSTATE_offline	3	/* down, paused, or otherwise held */

/*
 * Set in state_entry_time while the hypervisor rewrites a registered
 * runstate area (with VMASST_TYPE_runstate_update_flag on).
 */
#define XEN_RUNSTATE_UPDATE	PVABI_UL(0x8000000000000000)

/* vcpu_set_singleshot_timer.flags */
#define _VCPU_SSHOTTMR_future	0
#define VCPU_SSHOTTMR_future	(1 << _VCPU_SSHOTTMR_future) /* ignored */

#ifndef __ASSEMBLER__

/*
 * struct vcpu_runstate_info - how a vCPU has spent its time. Written by
 * the hypervisor (into the guest's buffer or registered area). The four
 * times together advance with system time, without drift.
 */
struct vcpu_runstate_info {
	int32_t state;			/* RUNSTATE_* now */
	uint32_t pad0;
	uint64_t state_entry_time;	/* system time (ns) state was entered */
	uint64_t time[4];		/* ns spent in each RUNSTATE_* */
}; /* 48 bytes */
PVABI_CHECK_SIZE(struct vcpu_runstate_info, 48);
PVABI_CHECK_OFFSET(struct vcpu_runstate_info, state, 0);
PVABI_CHECK_OFFSET(struct vcpu_runstate_info, state_entry_time, 8);
PVABI_CHECK_OFFSET(struct vcpu_runstate_info, time, 16);

/*
 * VCPUOP_register_runstate_memory_area (addr.v: a guest virtual address)
 * and VCPUOP_register_runstate_phys_area (addr.p: guest-physical).
 * Written by the guest.
 */
struct vcpu_register_runstate_memory_area {
	union {
		uint64_t v;	/* IN: guest VA of struct vcpu_runstate_info */
		uint64_t p;	/* IN: guest-physical address (phys_area) */
	} addr;
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct vcpu_register_runstate_memory_area, 8);
PVABI_CHECK_OFFSET(struct vcpu_register_runstate_memory_area, addr.v, 0);

/* VCPUOP_set_periodic_timer. Written by the guest. */
struct vcpu_set_periodic_timer {
	uint64_t period_ns;	/* IN: at least 1 ms */
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct vcpu_set_periodic_timer, 8);
PVABI_CHECK_OFFSET(struct vcpu_set_periodic_timer, period_ns, 0);

/*
 * VCPUOP_set_singleshot_timer: raise VIRQ_TIMER once when system time
 * reaches timeout_abs_ns (at once if it already has). Only on the calling
 * vCPU. Written by the guest.
 */
struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns;	/* IN: absolute system time */
	uint32_t flags;			/* IN: VCPU_SSHOTTMR_* */
	uint32_t pad0;
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct vcpu_set_singleshot_timer, 16);
PVABI_CHECK_OFFSET(struct vcpu_set_singleshot_timer, timeout_abs_ns, 0);
PVABI_CHECK_OFFSET(struct vcpu_set_singleshot_timer, flags, 8);

/*
 * VCPUOP_register_vcpu_info: place this vCPU's struct vcpu_info at byte
 * offset of machine frame mfn. It must be 8-byte aligned, must not cross
 * the page end, and the frame must be ordinary writable guest RAM. The
 * hypervisor copies the current contents over. Written by the guest.
 */
struct vcpu_register_vcpu_info {
	uint64_t mfn;		/* IN: frame to hold the vcpu_info */
	uint32_t offset;	/* IN: byte offset in that frame */
	uint32_t rsvd;		/* IN: 0 */
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct vcpu_register_vcpu_info, 16);
PVABI_CHECK_OFFSET(struct vcpu_register_vcpu_info, mfn, 0);
PVABI_CHECK_OFFSET(struct vcpu_register_vcpu_info, offset, 8);
PVABI_CHECK_OFFSET(struct vcpu_register_vcpu_info, rsvd, 12);

/* VCPUOP_get_physid: apic id in bits 0-31, acpi id in bits 32-63. */
struct vcpu_get_physid {
	uint64_t phys_id;	/* OUT */
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct vcpu_get_physid, 8);
PVABI_CHECK_OFFSET(struct vcpu_get_physid, phys_id, 0);

/*
 * VCPUOP_register_vcpu_time_memory_area (addr.v) and
 * VCPUOP_register_vcpu_time_phys_area (addr.p). Written by the guest.
 */
struct vcpu_register_time_memory_area {
	union {
		uint64_t v;	/* IN: guest VA of struct vcpu_time_info */
		uint64_t p;	/* IN: guest-physical address (phys_area) */
	} addr;
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct vcpu_register_time_memory_area, 8);
PVABI_CHECK_OFFSET(struct vcpu_register_time_memory_area, addr.v, 0);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_VCPU_H */
