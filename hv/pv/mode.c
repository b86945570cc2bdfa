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

/* The mode whose entry points the CPU has, and whether it has SYSENTER. */
static const struct pv_mode *cpu_entries;
static bool cpu_sysenter;

/*
 * At boot: the CPU's SYSCALL and SYSENTER entries, compat mode's until
 * the first context switch says otherwise.
 */
void pv_mode_cpu_init(bool sysenter)
{
	cpu_sysenter = sysenter;
	cpu_entries = &pv_compat_mode;
	cpu_entries->cpu_init(sysenter);
}

/*
 * The scheduler, switching to next (core/sched.c): a vCPU of another mode
 * than the CPU's entry points serve gets its own mode's. With one mode
 * this never calls anything; a switch between two modes costs that
 * mode's MSR writes (a few, each cheap beside the CR3 write that follows).
 */
void pv_mode_switch_to(const struct vcpu *next)
{
	switcher_switch_to(next);	/* another domain's traces: scrubbed */
	if (pv_mode(next) == cpu_entries)
		return;
	cpu_entries = pv_mode(next);
	cpu_entries->cpu_init(cpu_sysenter);
}

/*
 * A #DB in the hypervisor (x86/traps.c): the CPU's entry code may have
 * been single-stepped by a guest's TF; the mode whose entries are loaded
 * decides (and resets what it must). False: not that.
 */
bool pv_mode_entry_debug(struct cpu_regs *r)
{
	return cpu_entries && cpu_entries->entry_debug(r);
}
