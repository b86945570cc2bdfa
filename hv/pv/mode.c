/*
 * mode.c - finding a PV mode (pv/mode.h) and setting up the CPU for it.
 *
 * Runs in: hypervisor at boot (the domain builder, CPU setup), and on a
 * context switch (core/sched.c), interrupts off.
 */
#include "hv.h"
#include "pv/mode.h"
#include "pv/switcher.h"

/* The table of a mode, or NULL for one this hypervisor does not have. */
const struct pv_mode *pv_mode_find(enum pv_mode_id id)
{
	switch (id) {
	case PV_MODE_COMPAT:
		return &pv_compat_mode;
	case PV_MODE_FAST:
		return &pv_fast_mode;
	default:
		return NULL;
	}
}

/* Whether the CPUs have SYSENTER (the same on all). */
static bool cpu_sysenter;

/*
 * At boot: the boot CPU's SYSCALL and SYSENTER entries, compat mode's
 * until the first context switch says otherwise (the mode whose entries
 * a CPU has is its struct pcpu's `entries`).
 */
void pv_mode_cpu_init(bool sysenter)
{
	cpu_sysenter = sysenter;
	this_cpu()->entries = &pv_compat_mode;
	pv_compat_mode.cpu_init(sysenter);
}

/*
 * Another CPU, before it first runs a guest: compat mode's entries, its
 * own stubs (pv/compat_syscall.c), on the IDT and stack it has already;
 * its first fast-mode vCPU switches it to its switcher slice's
 * (pv_mode_switch_to).
 */
void pv_mode_cpu_init_ap(void)
{
	this_cpu()->entries = &pv_compat_mode;
	compat_cpu_entries(cpu_sysenter);
}

/*
 * The scheduler, switching to next (core/sched.c): a vCPU of another mode
 * than the CPU's entry points serve gets its own mode's. With one mode
 * this never calls anything; a switch between two modes costs that
 * mode's MSR writes (a few, each cheap beside the CR3 write that follows).
 */
void pv_mode_switch_to(const struct vcpu *next)
{
	struct pcpu *c = this_cpu();

	switcher_switch_to(next);	/* another domain's traces in this CPU's slice: scrubbed */
	if (pv_mode(next) == c->entries)
		return;
	c->entries = pv_mode(next);
	pv_mode(next)->cpu_init(cpu_sysenter);
}

