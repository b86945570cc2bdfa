/*
 * mode.c - finding a PV mode (pv/mode.h) and setting up the CPU for it.
 *
 * Runs in: hypervisor at boot (the domain builder, CPU setup).
 */
#include "hv.h"
#include "pv/mode.h"

/* The table of a mode, or NULL for one this hypervisor does not have. */
const struct pv_mode *pv_mode_find(enum pv_mode_id id)
{
	switch (id) {
	case PV_MODE_COMPAT:
		return &pv_compat_mode;
	default:
		return NULL;
	}
}

/*
 * At boot: the CPU's SYSCALL and SYSENTER entries. Every domain is in
 * compat mode; when a second mode comes, the context switch will load the
 * next vCPU's mode's entries where they differ.
 */
void pv_mode_cpu_init(bool sysenter)
{
	pv_compat_mode.cpu_init(sysenter);
}
