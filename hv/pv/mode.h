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
 * address space. Fast mode (pv/fast.c) runs the guest kernel in ring 1
 * with one L4 per process. Everything generic code
 * needs from a mode is in struct pv_mode; nothing outside the mode's own
 * files reads its per-vCPU state (v->compat, pv/compat.h), except
 * compat-only ABI (MMUEXT_NEW_USER_BASEPTR, pv_mm.c).
 *
 * What a mode provides, and why each item differs:
 *
 *  - Guest privilege: in_kernel() says whether the vCPU is in guest
 *    kernel or guest user context, the flag v->kernel_mode, which every
 *    mode keeps its own way: a ring-3 kernel has no hardware trace of it
 *    (CS RPL is 3 either way), so compat mode sets it when it switches
 *    the two contexts; a ring-1 kernel is told by its CS, so fast mode
 *    takes it from the CPU at every entry. One field for both keeps the
 *    question a single load (it is asked several times per system call).
 *    kernel_cs and kernel_ss are the
 *    flat selectors a bounce enters the kernel with, kernel_rpl the
 *    lowest RPL a guest-chosen selector gets on iret (3; 1 in ring 1).
 *    pf_error() turns the #PF error code the CPU gave into the one the
 *    guest would see on bare metal: a ring-3 kernel's faults all say
 *    "user" (U/S set), so compat mode rewrites the bit; in ring 1 the
 *    CPU's value is right.
 *  - Entry and exit: cpu_init() points SYSCALL and SYSENTER at the mode's
 *    entry code, at boot and whenever the scheduler switches to a vCPU of
 *    another mode than the last (pv_mode_switch_to(), pv/mode.c), so two
 *    modes can share the CPU (both share compat mode's SYSENTER entry,
 *    whose single-stepped #DB x86/traps.c knows);
 *    guest_exception() takes an exception raised by guest code
 *    (x86/traps.c). to_kernel() and to_user() switch between the
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
 *  - Guest memory access is deliberately not a member. core/guest_access.c
 *    dereferences guest addresses because the hypervisor runs on the
 *    guest's own page tables, its slots installed in every guest L4 (the
 *    L4 policy above). Fast mode keeps that true: its kernel runs in ring
 *    1 under the same page tables as its processes, and where it enters
 *    the hypervisor proper it can do so on an L4 that holds the guest's
 *    validated entries beside the hypervisor's slots, exactly what
 *    install_hv_l4_slots() makes today. Then one accessor serves both
 *    modes, and a member would only put an indirect call on every copy of
 *    a hypercall argument (under QEMU TCG, tens of ns each). Should a mode
 *    ever run the hypervisor on tables that do not map the guest, the
 *    seam is raw_copy() and its two callers' fixup (guest_access.c): a
 *    member there, one accessor per mode.
 *
 * Cost: the hypervisor is built with -mcmodel=large, so every call it
 * makes is through a register already; a call through the table adds a
 * load or two. What costs is a call where there was none: under QEMU TCG
 * each call and each return ends a translated block and looks up the
 * next (tens of ns). So the three members a guest system call uses
 * (in_kernel, to_kernel, to_user) are reached by a switch on the mode's
 * id instead (below), and so are the two on every guest fault's path
 * (guest_exception, pf_error: through the table, a page fault measured
 * 3.5-5.6% slower in a TSC microbenchmark, where a null system call's
 * 2.6% was code layout alone). The table still names them, for a reader
 * and for a caller that is not hot. The table is const: no guest can
 * change which functions run.
 */
#ifndef HV_PV_MODE_H
#define HV_PV_MODE_H

#include "hv.h"
#include "core/domain.h"
#include "pv/compat.h"
#include "pv/fast.h"
#include "pv/traps.h"
#include "mm/segdesc.h"
#include "x86/cpu.h"
#include "x86/regs.h"

/* The modes this hypervisor has (the values are domcfg.h's mode=). */
enum pv_mode_id {
	PV_MODE_COMPAT = 0,	/* Xen's x86-64 PV: guest kernel in ring 3 */
	PV_MODE_FAST = 1,	/* pvisor's: guest kernel in ring 1 (pv/fast.c) */
};

/*H:305 PV modes
 * The builder gave the domain a PV mode: where its kernel runs, and so
 * what the hypervisor must do for it. Everything that differs between a
 * guest kernel in ring 3 (compat mode, pv/compat.c) and one in ring 1
 * (fast mode, pv/fast.c) is reached through this table: which context the
 * vCPU is in and how to switch between kernel and user, the selectors
 * and RPL a return gets, the #PF error code the guest sees, the CPU's
 * entry points, and which L4 slots belong to the hypervisor. The table
 * is const: a guest can change which context it is in, never which code
 * decides.
 */
struct pv_mode {
	enum pv_mode_id id;
	const char *name;

	/* Guest privilege. */
	bool (*in_kernel)(const struct vcpu *v);	/* hot: see pv_in_kernel() */
	u64 (*pf_error)(const struct vcpu *v, u64 err);	/* hot: guest_pf_error() */
	u16 kernel_cs, kernel_ss;	/* a bounce enters the kernel with these */
	u8 kernel_rpl;			/* ORed into iret's CS and SS */

	/* Descriptor rules: what a guest GDT or LDT may hold (mm/segdesc.c). */
	const struct segdesc_rules *desc_rules;

	/* Entry and exit. */
	void (*vcpu_init)(struct vcpu *v);	/* a new vCPU: in kernel context */
	void (*cpu_init)(bool sysenter);	/* the CPU's entries: pv_mode_switch_to() */
	void (*guest_exception)(struct cpu_regs *r);	/* hot: pv_guest_exception_of() */
	void (*to_kernel)(struct vcpu *v);	/* hot: see pv_to_kernel() */
	bool (*to_user)(struct vcpu *v);	/* false: it crashed the domain */
	mfn_t (*active_l4)(const struct vcpu *v);

	/* L4 policy. */
	unsigned first_hv_l4_slot, last_hv_l4_slot;
	void (*install_hv_l4_slots)(u64 *l4);
	bool user_l4;		/* MMUEXT_NEW_USER_BASEPTR: a second L4 for user mode */
	bool user_pages;	/* every guest mapping user-accessible (pgtype.c) */
	u32 xenfeat;		/* XENVER_get_features bits only this mode has */
};

extern const struct pv_mode pv_compat_mode;	/* pv/compat.c */
extern const struct pv_mode pv_fast_mode;	/* pv/fast.c */

const struct pv_mode *pv_mode_find(enum pv_mode_id id);
void pv_mode_cpu_init(bool sysenter);
void pv_mode_cpu_init_ap(void);
void pv_mode_switch_to(const struct vcpu *next);

/* Compat mode's in_kernel, here so that pv_in_kernel() can inline it. */
static inline bool compat_in_kernel(const struct vcpu *v)
{
	return v->kernel_mode;
}

/*
 * Compat mode's pf_error, here so that guest_pf_error() can inline it.
 * The CPU always reports a user-mode access (CPL 3): tell the guest which
 * of its modes really faulted, as Xen does.
 */
static inline u64 compat_pf_error(const struct vcpu *v, u64 err)
{
	return v->kernel_mode ? err & ~PFEC_USER : err | PFEC_USER;
}

/* Fast mode's two: the flag the last entry set, and the CPU's error code. */
static inline bool fast_in_kernel(const struct vcpu *v)
{
	return v->kernel_mode;
}

/* Ring 1 is supervisor: the CPU's U/S bit already says who faulted. */
static inline u64 fast_pf_error(const struct vcpu *v, u64 err)
{
	(void)v;
	return err;
}

static inline const struct pv_mode *pv_mode(const struct vcpu *v)
{
	return v->domain->mode;
}

/*
 * The three members every guest system call uses (in_kernel three times,
 * each switch once), and the two every guest fault uses (guest_exception,
 * pf_error), are not called through the table but chosen by a switch on
 * the mode's id, with compat mode's inlined or called directly.
 * With one mode the compiler drops the switch altogether: the code is
 * what it was before modes existed (under QEMU TCG each call and return
 * ends a translated block, and every guest system call takes this path;
 * docs/architecture.md, PV modes, has the measurements). A second mode's
 * id makes these switches warn (-Wswitch, an error in hv/) until it is
 * handled here.
 */
static inline bool pv_in_kernel(const struct vcpu *v)
{
	switch (pv_mode(v)->id) {
	case PV_MODE_COMPAT:
		return compat_in_kernel(v);
	case PV_MODE_FAST:
		return fast_in_kernel(v);
	}
	__builtin_unreachable();
}

/*
 * v's L4 was just loaded into CR3 (core/sched.c, NEW_BASEPTR): fast mode
 * makes the guest's view of it (pv/switcher.c).
 */
static inline void pv_l4_loaded(const struct vcpu *v)
{
	switch (pv_mode(v)->id) {
	case PV_MODE_COMPAT:
		return;
	case PV_MODE_FAST:
		fast_l4_loaded(v);
		return;
	}
	__builtin_unreachable();
}

/*
 * Every entry from guest code (x86/traps.c, the SYSCALL entries): compat
 * mode knows which context runs (only it switches them); fast mode asks
 * the CPU, since a ring-1 kernel can reach ring 3 by its own iretq.
 */
static inline void pv_entry_from_guest(struct vcpu *v, const struct cpu_regs *r)
{
	switch (pv_mode(v)->id) {
	case PV_MODE_COMPAT:
		return;
	case PV_MODE_FAST:
		fast_entry_from_guest(v, r);
		return;
	}
	__builtin_unreachable();
}

/* A bounce from guest user mode: into the kernel's context. */
static inline void pv_to_kernel(struct vcpu *v)
{
	switch (pv_mode(v)->id) {
	case PV_MODE_COMPAT:
		compat_to_kernel(v);
		return;
	case PV_MODE_FAST:
		fast_to_kernel(v);
		return;
	}
	__builtin_unreachable();
}

/* An iret to guest user mode: false if it could not (the domain crashed). */
static inline bool pv_to_user(struct vcpu *v)
{
	switch (pv_mode(v)->id) {
	case PV_MODE_COMPAT:
		return compat_to_user(v);
	case PV_MODE_FAST:
		return fast_to_user(v);
	}
	__builtin_unreachable();
}

/* The #PF error code the guest sees for one the CPU reported. */
static inline u64 guest_pf_error(const struct vcpu *v, u64 err)
{
	switch (pv_mode(v)->id) {
	case PV_MODE_COMPAT:
		return compat_pf_error(v, err);
	case PV_MODE_FAST:
		return fast_pf_error(v, err);
	}
	__builtin_unreachable();
}

/* An exception raised by v's guest code (x86/traps.c). */
static inline void pv_guest_exception_of(const struct vcpu *v, struct cpu_regs *r)
{
	switch (pv_mode(v)->id) {
	case PV_MODE_COMPAT:
	case PV_MODE_FAST:
		pv_guest_exception(r);
		return;
	}
	__builtin_unreachable();
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
