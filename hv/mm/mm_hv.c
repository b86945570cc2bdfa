/*
 * mm_hv.c - what mm/pgtype.c needs from the machine, in the hypervisor.
 *
 * Runs in: hypervisor, any CPU, holding the hypervisor lock, interrupts off.
 *
 * pgtype.c is plain C that also runs in host unit tests; it reaches frames,
 * TLBs, the allocator and the preemption check only through the five
 * functions here (pgtype.h, "environment"). The test harness has its own
 * versions.
 *
 * TLB flushes: "every TLB" is this CPU's, where reloading CR3 drops every
 * non-global entry (guest mappings are never global: pgtype.c strips G),
 * and every other CPU's, emptied of guest entries by core/hvlock.c's sync
 * (nothing with one CPU). A reload costs ~1.35 us under QEMU (docs/design.md §9.3), so frames
 * freed during a hypercall are flushed once at its end, not one by one:
 * nothing can reuse them before then.
 */
#include "hv.h"
#include "core/hvlock.h"
#include "x86/percpu.h"
#include "layout.h"
#include "core/domain.h"
#include "core/hypercall.h"
#include "mm/frame.h"
#include "mm/m2p.h"
#include "mm/page_info.h"
#include "mm/pgtype.h"
#include "mm/pv_mm.h"
#include "pv/mode.h"
#include "pv/switcher.h"
#include "x86/cpu.h"

static bool flush_pending;	/* a frame was freed since the last flush */

void *mfn_to_virt(mfn_t mfn)
{
	return __va(mfn << PAGE_SHIFT);
}

/*
 * The owner's PV mode decides which L4 slots are the hypervisor's and
 * what its descriptor pages may hold. The
 * owner may be a domain being built or torn down (not DOM_RUNNING), so
 * this does not go through domain_by_id().
 */
static const struct pv_mode *owner_mode(u16 dom)
{
	struct domain *d = domain_get(dom);

	BUG_ON(!d || !d->mode);
	return d->mode;
}

void pgt_env_hv_l4_slots(u16 dom, unsigned *first, unsigned *last)
{
	const struct pv_mode *mode = owner_mode(dom);

	*first = mode->first_hv_l4_slot;
	*last = mode->last_hv_l4_slot;
}

void pgt_env_install_hv_l4_slots(u16 dom, u64 *l4)
{
	owner_mode(dom)->install_hv_l4_slots(l4);
}

void pgt_env_l4_changed(mfn_t l4, unsigned idx)
{
	switcher_l4_changed(l4, idx);	/* pv/switcher.c: if it is the loaded one */
}

bool pgt_env_user_pages(u16 dom)
{
	return owner_mode(dom)->user_pages;
}

const struct segdesc_rules *pgt_env_segdesc_rules(u16 dom)
{
	return owner_mode(dom)->desc_rules;
}

/*
 * Every CPU's TLB forgets the guest translations: this one's by a CR3
 * reload, the others' by core/hvlock.c's sync (none with one CPU).
 */
void pgt_env_flush_tlbs(void)
{
	write_cr3(read_cr3());
	hv_sync_others();
	flush_pending = false;
}

/* Flush every CPU now, and tell pgtype.c's TLB clock. */
void mm_flush_local(void)
{
	pgt_env_flush_tlbs();
	pgt_tlb_flushed();
}

/*
 * A CR3 write on this CPU flushed its TLB (a context switch, NEW_BASEPTR).
 * The TLB clock may count it only while this is the one CPU: with more,
 * another CPU may still hold what this one dropped.
 */
void mm_local_flush_done(void)
{
	if (nr_cpus_online == 1)
		pgt_tlb_flushed();
}

/* At the end of a hypercall: flush if a frame was given back during it. */
void mm_flush_deferred(void)
{
	if (flush_pending)
		mm_flush_local();
}

/*
 * A page-table validation asks, every PGT_CHECK_EVERY entries, whether to
 * stop part of the way: the same check as every long hypercall's.
 */
bool pgt_env_preempt(void)
{
	return hypercall_preempt_check();
}

static struct domain *owner_domain(u16 id)
{
	return domain_get(id);
}

/*
 * The last reference to an owned frame went (pgtype.c:put_page): it leaves
 * its domain. The M2P forgets it, and it goes back to the allocator, which
 * hands it out only after the TLB flush that mm_flush_deferred() or the
 * next CR3 write performs (a stale translation of it may remain until then).
 */
void pgt_env_frame_free(mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);
	struct domain *d = owner_domain(pg->owner);

	if (d && !(pg->flags & PGF_hv_owned)) {
		BUG_ON(d->tot_pages == 0);
		d->tot_pages--;
	}
	memset(pg, 0, sizeof(*pg));
	pg->owner = OWNER_NONE;
	m2p_set(mfn, INVALID_M2P_ENTRY);
	frame_free(mfn);
	flush_pending = true;
}
