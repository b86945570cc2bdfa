/*
 * mode.h - the PV mode: what differs between a guest kernel in ring 3
 * and one in ring 1, and the one interface generic code reaches it by.
 *
 * Runs in: hypervisor (included by generic code that asks a mode).
 *
 * A domain runs in one PV mode for its whole life, chosen by the domain
 * builder (d->mode). Today there is one, compat mode (pv/compat.c): Xen's
 * x86-64 PV model, guest kernel and guest user both in ring 3, told apart
 * by a flag and a pair of L4s, the hypervisor mapped in every guest
 * address space. Fast mode (planned) runs the guest kernel in ring 1 with
 * one L4 per process, behind a small switcher. Everything generic code
 * needs from a mode is in struct pv_mode; nothing outside the mode's own
 * files reads its per-vCPU state (struct compat_vcpu in core/domain.h),
 * except compat-only ABI (MMUEXT_NEW_USER_BASEPTR, pv_mm.c).
 *
 * What a mode provides, and why each item differs:
 *
 *  - Guest privilege: in_kernel() says whether the vCPU is in guest
 *    kernel or guest user context. A ring-3 kernel has no hardware trace
 *    of it (CS RPL is 3 either way), so compat mode keeps a flag; a
 *    ring-1 kernel is told by its CS. kernel_cs and kernel_ss are the
 *    flat selectors a bounce enters the kernel with, kernel_rpl the
 *    lowest RPL a guest-chosen selector gets on iret (3; 1 in ring 1).
 *    pf_error() turns the #PF error code the CPU gave into the one the
 *    guest would see on bare metal: a ring-3 kernel's faults all say
 *    "user" (U/S set), so compat mode rewrites the bit; in ring 1 the
 *    CPU's value is right.
 *  - Entry and exit: cpu_init() points SYSCALL and SYSENTER at the mode's
 *    entry code; guest_exception() takes an exception raised by guest
 *    code (x86/traps.c). to_kernel() and to_user() switch between the
 *    guest's two contexts, on a bounce from user mode and on an iret to
 *    it: in compat mode a CR3 write and swapgs, in ring 1 at most the GS
 *    base. active_l4() is the L4 to load when the vCPU is switched in.
 *  - L4 policy: the L4 slots the hypervisor owns in every guest L4
 *    (first_hv_l4_slot..last_hv_l4_slot, which a guest may not map) and
 *    install_hv_l4_slots(), which fills them in every L4 it builds or
 *    validates. Compat mode maps the whole hypervisor there (entering it
 *    needs no CR3 switch); fast mode only a switcher.
 *  - Descriptor rules (desc_rules, mm/segdesc.h): the DPL a guest
 *    descriptor is raised to, so that Linux's DPL-0 segments become its
 *    kernel's ring (3 for a ring-3 kernel, 1 for a ring-1 one), and the
 *    flat kernel CS a call gate may target.
 *  - Guest memory access: core/guest_access.c reads guest memory directly,
 *    because in compat mode the hypervisor runs on the guest's own page
 *    tables. A mode that does not (fast mode leaves the guest's L4 for
 *    heavy hypercalls) adds its accessor here.
 *
 * Cost: a call through the table is an indirect call, a few ns more than
 * a direct one (under QEMU TCG, a lookup of the next translated block);
 * the hottest path, a guest system call, makes three (in_kernel,
 * to_kernel, to_user) beside two CR3 writes of about 1.35 us each. The
 * constants are read from the table; the table is const, so no guest can
 * change which functions run.
 */
#ifndef HV_PV_MODE_H
#define HV_PV_MODE_H

#include "hv.h"
#include "core/domain.h"
#include "mm/segdesc.h"
#include "x86/regs.h"

enum pv_mode_id {
	PV_MODE_COMPAT = 0,	/* Xen's x86-64 PV: guest kernel in ring 3 */
	PV_MODE_FAST,		/* guest kernel in ring 1: not implemented yet */
};

/*H:305 PV modes
 * The builder gave the domain a PV mode: where its kernel runs, and so
 * what the hypervisor must do for it. Everything that differs between a
 * guest kernel in ring 3 (compat mode, pv/compat.c) and one in ring 1
 * (fast mode, to come) is reached through this table: which context the
 * vCPU is in and how to switch between kernel and user, the selectors
 * and RPL a return gets, the #PF error code the guest sees, the CPU's
 * entry points, and which L4 slots belong to the hypervisor. The table
 * is const: a guest can change which context it is in, never which code
 * decides.
 */
struct pv_mode {
	const char *name;

	/* Guest privilege. */
	bool (*in_kernel)(const struct vcpu *v);
	u64 (*pf_error)(const struct vcpu *v, u64 err);
	u16 kernel_cs, kernel_ss;	/* a bounce enters the kernel with these */
	u8 kernel_rpl;			/* ORed into iret's CS and SS */

	/* Descriptor rules: what a guest GDT or LDT may hold (mm/segdesc.c). */
	const struct segdesc_rules *desc_rules;

	/* Entry and exit. */
	void (*vcpu_init)(struct vcpu *v);	/* a new vCPU: in kernel context */
	void (*cpu_init)(bool sysenter);
	void (*guest_exception)(struct cpu_regs *r);
	void (*to_kernel)(struct vcpu *v);
	bool (*to_user)(struct vcpu *v);	/* false: it crashed the domain */
	mfn_t (*active_l4)(const struct vcpu *v);

	/* L4 policy. */
	unsigned first_hv_l4_slot, last_hv_l4_slot;
	void (*install_hv_l4_slots)(u64 *l4);
};

extern const struct pv_mode pv_compat_mode;	/* pv/compat.c */

const struct pv_mode *pv_mode_find(enum pv_mode_id id);
void pv_mode_cpu_init(bool sysenter);

static inline const struct pv_mode *pv_mode(const struct vcpu *v)
{
	return v->domain->mode;
}

/* Is the vCPU in guest kernel context? */
static inline bool pv_in_kernel(const struct vcpu *v)
{
	return pv_mode(v)->in_kernel(v);
}

/* The #PF error code the guest sees for one the CPU reported. */
static inline u64 guest_pf_error(const struct vcpu *v, u64 err)
{
	return pv_mode(v)->pf_error(v, err);
}

/*
 * The guest's privilege level as its kernel sees it: 1 for the kernel,
 * 3 for user (Xen counts a PV kernel as ring 1 in either mode, for the
 * software-interrupt DPL and the virtual IOPL).
 */
static inline int pv_guest_cpl(const struct vcpu *v)
{
	return pv_in_kernel(v) ? 1 : 3;
}

#endif /* HV_PV_MODE_H */
