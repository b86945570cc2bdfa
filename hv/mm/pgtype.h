/*
 * pgtype.h - page types and reference counts (Xen's rules), and validated
 * page-table entries. See mm/pgtype.c and docs/isolation.md.
 *
 * Runs in: hypervisor, and host unit tests (tests/unit/test_pgtype.c).
 */
#ifndef HV_MM_PGTYPE_H
#define HV_MM_PGTYPE_H

#include "hv.h"
#include "vaddr.h"
#include "mm/page_info.h"
#include "mm/pte.h"


static inline mfn_t pte_mfn(u64 e)
{
	return (e & PTE_ADDR) >> 12;
}

/* Level of a page-table type (PGT_l1 -> 1 ... PGT_l4 -> 4), 0 otherwise. */
static inline int pgt_level(unsigned type)
{
	return type >= PGT_l1 && type <= PGT_l4 ? (int)(type - PGT_l1 + 1) : 0;
}

/*
 * ---- The environment -------------------------------------------------
 * Provided by mm/mm_hv.c in the hypervisor and by the test harness on the
 * host, so this file reaches nothing else.
 */

/* The hypervisor's address of a machine frame's contents. */
void *mfn_to_virt(mfn_t mfn);
/*
 * Which slots of an L4 of dom's are the hypervisor's (never the guest's to
 * map): *first to *last. And write the hypervisor's entries into those
 * slots. Both are the PV mode's L4 policy (pv/mode.h). A range, asked once
 * per table, not a question per slot: validating an L4 visits 512 slots.
 */
void pgt_env_hv_l4_slots(u16 dom, unsigned *first, unsigned *last);
void pgt_env_install_hv_l4_slots(u16 dom, u64 *l4);
/*
 * Must every mapping of dom's be user-accessible (its kernel runs in ring
 * 3: compat mode)? Else U/S is the guest's (fast mode). pgt_adjust_entry().
 */
bool pgt_env_user_pages(u16 dom);
/* Entry idx of the L4 at l4 was written (fast mode's guest view follows). */
void pgt_env_l4_changed(mfn_t l4, unsigned idx);
/* What dom's descriptor pages may hold: its PV mode's rules (mm/segdesc.h). */
struct segdesc_rules;
const struct segdesc_rules *pgt_env_segdesc_rules(u16 dom);
/* Flush every TLB that may hold a guest mapping (all CPUs, not global). */
void pgt_env_flush_tlbs(void);
/* The last general reference to an owned frame went: give it back. */
void pgt_env_frame_free(mfn_t mfn);
/*
 * Is something else due (hypercall_preempt_check)? Asked by a preemptible
 * validation or devalidation every pgt_check_every entries of work.
 */
bool pgt_env_preempt(void);

/* ---- Reference counts ------------------------------------------------- */

bool get_page(mfn_t mfn, u16 dom);
void put_page(mfn_t mfn);
bool pgt_is_validated(mfn_t mfn, enum page_type type);
int get_page_type(mfn_t mfn, enum page_type type);
void put_page_type(mfn_t mfn);
int get_page_and_type(mfn_t mfn, u16 dom, enum page_type type);
void put_page_and_type(mfn_t mfn);

/*
 * ---- Preemption ----------------------------------------------------------
 * A page-table hypercall passes `deferred`, the work its vCPU owes (0:
 * none, and it must be 0 on entry): a table whose devalidation was cut
 * short, to be finished by pgt_finish_deferred() before the vCPU's next
 * page-table request and before an error is reported. NULL: not
 * preemptible (the whole tree at once). mm/pgtype.c, "Preemption".
 */

/* Entries of page-table work between two preemption checks. */
#define PGT_CHECK_EVERY	512
extern u32 pgt_check_every;	/* PGT_CHECK_EVERY; the unit tests lower it */

/*
 * 0; -ERESTART: preempted, nothing held, the same request is to be made
 * again; another error: refused, nothing held once *deferred is finished.
 */
int get_page_and_type_preemptible(mfn_t mfn, u16 dom, enum page_type type,
				  mfn_t *deferred);
/* Drops them; what is left of a devalidation goes into *deferred. */
void put_page_and_type_preemptible(mfn_t mfn, mfn_t *deferred);
/* Finish *deferred: 0 when nothing is owed any more, -ERESTART if preempted. */
int pgt_finish_deferred(mfn_t *deferred, u16 dom);
/* Between two requests of a batch: has enough work been done, and is something due? */
bool pgt_preempt_due(void);
/* The domain ends: finish every table it left partial (not preemptible). */
void pgt_finish_partials(u16 dom);

/* The TLB clock: tick it whenever every guest TLB entry has been flushed. */
void pgt_tlb_flushed(void);
u32 pgt_tlb_clock(void);

/* ---- Entries ------------------------------------------------------------ */

int pgt_get_entry(int level, u64 e, u16 dom);
void pgt_put_entry(int level, u64 e);
u64 pgt_adjust_entry(int level, u64 e, bool user_pages);
int pgt_mod_entry(mfn_t table, unsigned idx, u64 val, bool preserve_ad);
int pgt_set_foreign_l1e(mfn_t table, unsigned idx, u64 val, u16 frame_owner);
void pgt_move_l1e(mfn_t dst, unsigned didx, mfn_t src, unsigned sidx);
int pgt_mmu_normal_update(u64 ptr, u64 val, bool preserve_ad, u16 dom,
			  mfn_t *deferred);

/* ---- Pins and walks ------------------------------------------------------ */

int pgt_pin(mfn_t mfn, enum page_type type, u16 dom, mfn_t *deferred);
int pgt_unpin(mfn_t mfn, u16 dom, mfn_t *deferred);
int pgt_find_l1(mfn_t l4, u64 va, mfn_t *l1);

#endif /* HV_MM_PGTYPE_H */
