/*
 * l4_slots.c - the hypervisor's L4 slots in a compat-mode guest L4.
 *
 * Runs in: hypervisor, whenever a guest L4 is built or validated.
 *
 * In compat mode (Xen's model) the hypervisor lives in every guest address
 * space: a hypercall or trap enters it without a CR3 switch. So every guest
 * L4 gets the hypervisor's own entries for slots 257-271 (supervisor-only:
 * the guest runs in ring 3 and cannot touch them) and, in slot 256, the
 * read-only, user-readable M2P. Fast mode (docs/design.md §10) maps only
 * a small switcher instead and will have its own version of this file.
 */
#include "hv.h"
#include "layout.h"
#include "mm/m2p.h"
#include "mm/paging.h"
#include "pv/l4_slots.h"

/*H:340 The hypervisor in every address space
 * Every guest L4 the hypervisor builds or validates gets slots 257-271
 * copied from the hypervisor's own L4, and in slot 256 the read-only M2P.
 * The guest cannot touch the others (they are supervisor-only and the
 * guest runs in ring 3), and it can never write an entry of these slots:
 * validation refuses it. This is what lets a trap or a hypercall enter
 * the hypervisor without a CR3 switch.
 */
void compat_install_hv_l4_slots(u64 *l4)
{
	const u64 *idle = hv_l4();

	for (int i = HV_FIRST_L4_SLOT; i <= HV_LAST_L4_SLOT; i++)
		l4[i] = idle[i];
	l4[HV_FIRST_L4_SLOT] = m2p_l4_entry();
}
