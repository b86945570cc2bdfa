/*
 * pvabi/callback.h - guest entry points: HYPERVISOR_callback_op and
 * HYPERVISOR_nmi_op.
 *
 * Besides its trap table, a PV kernel gives the hypervisor a few addresses
 * to enter it at: the event callback (the "interrupt handler" run when an
 * event is pending and unmasked), the failsafe callback (run when the
 * hypervisor cannot reload a guest segment register), and the system-call
 * entry that a `syscall` from guest user mode is bounced to. Every entry
 * happens in guest kernel mode on FLAT_KERNEL_CS with a bounce frame on
 * the guest kernel stack.
 *
 * HYPERVISOR_callback_op(cmd, arg): cmd is CALLBACKOP_*, arg the guest
 * address of struct callback_register or callback_unregister. Returns 0
 * or -XEN_E*. HYPERVISOR_set_callbacks(event, failsafe, syscall) is the
 * older form that sets the first three at once.
 */
#ifndef PVABI_CALLBACK_H
#define PVABI_CALLBACK_H

#include "xen.h"

#define CALLBACKTYPE_event		0	/* pending event upcall */
#define CALLBACKTYPE_failsafe		1	/* bad segment on return */
#define CALLBACKTYPE_syscall		2	/* 64-bit user `syscall` */
#define CALLBACKTYPE_sysenter_deprecated 3	/* x86-32 hypervisors only */
#define CALLBACKTYPE_nmi		4	/* virtual NMI */
#define CALLBACKTYPE_sysenter		5	/* 32-bit user `sysenter` */
/* 6 is unused */
#define CALLBACKTYPE_syscall32		7	/* 32-bit user `syscall` (AMD) */

/*
 * callback_register.flags: mask events (set evtchn_upcall_mask) when
 * entering this callback. The event and NMI callbacks always mask.
 */
#define _CALLBACKF_mask_events		0
#define CALLBACKF_mask_events		(1 << _CALLBACKF_mask_events)

#define CALLBACKOP_register		0	/* arg: struct callback_register */
#define CALLBACKOP_unregister		1	/* arg: struct callback_unregister */

/* HYPERVISOR_nmi_op(cmd, arg) */
#define XENNMI_register_callback	0	/* arg: struct xennmi_callback */
#define XENNMI_unregister_callback	1	/* arg: none */

/* arch_shared_info.nmi_reason bits */
#define _XEN_NMIREASON_io_error		0
#define XEN_NMIREASON_io_error		(1 << _XEN_NMIREASON_io_error)
#define _XEN_NMIREASON_pci_serr		1
#define XEN_NMIREASON_pci_serr		(1 << _XEN_NMIREASON_pci_serr)
#define _XEN_NMIREASON_unknown		2
#define XEN_NMIREASON_unknown		(1 << _XEN_NMIREASON_unknown)

#ifndef __ASSEMBLER__

/* CALLBACKOP_register. Written by the guest. */
struct callback_register {
	uint16_t type;		/* IN: CALLBACKTYPE_* */
	uint16_t flags;		/* IN: CALLBACKF_* */
	uint32_t pad0;
	xen_callback_t address;	/* IN: guest kernel entry point */
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct callback_register, 16);
PVABI_CHECK_OFFSET(struct callback_register, type, 0);
PVABI_CHECK_OFFSET(struct callback_register, flags, 2);
PVABI_CHECK_OFFSET(struct callback_register, address, 8);

/* CALLBACKOP_unregister (only the NMI callback may be unregistered). */
struct callback_unregister {
	uint16_t type;		/* IN: CALLBACKTYPE_* */
	uint16_t unused;
}; /* 4 bytes */
PVABI_CHECK_SIZE(struct callback_unregister, 4);
PVABI_CHECK_OFFSET(struct callback_unregister, type, 0);

/* XENNMI_register_callback. Written by the guest. */
struct xennmi_callback {
	uint64_t handler_address;	/* IN: guest kernel entry point */
	uint64_t pad;
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct xennmi_callback, 16);
PVABI_CHECK_OFFSET(struct xennmi_callback, handler_address, 0);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_CALLBACK_H */
