/*
 * fake_mm.c - the host stand-in for machine memory under hv/mm/pgtype.c.
 *
 * Runs in: host unit tests. See fake_mm.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv.h"
#include "fake_mm.h"
#include "mm/pgtype.h"
#include "mm/segdesc.h"

struct page_info *frame_table;
u64 frame_table_size;

u8 (*fake_mem)[PAGE_SIZE];
int fake_flushes, fake_frees;
mfn_t fake_last_freed;

enum fake_preempt fake_preempt_mode;
u32 fake_preempt_one_in = 3;
u64 fake_preempt_at, fake_preempt_asked, fake_preempt_rng = 1;

static struct page_info pages[FAKE_FRAMES];

void fake_mm_reset(void)
{
	if (!fake_mem)
		fake_mem = aligned_alloc(PAGE_SIZE, (size_t)FAKE_FRAMES * PAGE_SIZE);
	memset(fake_mem, 0, (size_t)FAKE_FRAMES * PAGE_SIZE);
	memset(pages, 0, sizeof(pages));
	for (int i = 0; i < FAKE_FRAMES; i++)
		pages[i].owner = OWNER_NONE;
	frame_table = pages;
	frame_table_size = FAKE_FRAMES;
	fake_flushes = fake_frees = 0;
	fake_last_freed = 0;
	fake_preempt_mode = FAKE_PREEMPT_NEVER;
	fake_preempt_asked = 0;
	pgt_check_every = PGT_CHECK_EVERY;
}

void fake_alloc(mfn_t mfn, u16 dom)
{
	struct page_info *pg = &pages[mfn];

	memset(pg, 0, sizeof(*pg));
	pg->owner = dom;
	pg->count = 1;
	pg->flags = PGF_allocated;
	memset(fake_mem[mfn], 0, PAGE_SIZE);
}

u64 *fake_table(mfn_t mfn)
{
	return (u64 *)fake_mem[mfn];
}

u64 fake_pte(mfn_t target, u64 flags)
{
	return (target << PAGE_SHIFT) | flags;
}

/* ---- The environment pgtype.c calls -------------------------------------- */

void *mfn_to_virt(mfn_t mfn)
{
	if (mfn >= FAKE_FRAMES)
		abort();	/* pgtype.c must never touch a frame that is not RAM */
	return fake_mem[mfn];
}

/* Every fake domain has compat mode's L4 policy: slots 256-271. */
void pgt_env_hv_l4_slots(u16 dom, unsigned *first, unsigned *last)
{
	(void)dom;
	*first = 256;
	*last = 271;
}

static bool hv_l4_slot(u16 dom, unsigned idx)
{
	unsigned first, last;

	pgt_env_hv_l4_slots(dom, &first, &last);
	return idx >= first && idx <= last;
}

/* Compat mode forces U/S on; a domain id in fake_fast_doms is fast mode's. */
u16 fake_fast_dom = 0xffff;

bool pgt_env_user_pages(u16 dom)
{
	return dom != fake_fast_dom;
}

/* ... and compat mode's descriptor rules. */
const struct segdesc_rules *pgt_env_segdesc_rules(u16 dom)
{
	(void)dom;
	return &segdesc_ring3;
}

void pgt_env_install_hv_l4_slots(u16 dom, u64 *l4)
{
	(void)dom;
	for (unsigned i = 256; i <= 271; i++)
		l4[i] = HV_SLOT_MARK | i;
}

void pgt_env_flush_tlbs(void)
{
	fake_flushes++;
}

void pgt_env_frame_free(mfn_t mfn)
{
	struct page_info *pg = &pages[mfn];

	fake_frees++;
	fake_last_freed = mfn;
	memset(pg, 0, sizeof(*pg));
	pg->owner = OWNER_NONE;
}

bool pgt_env_preempt(void)
{
	fake_preempt_asked++;
	switch (fake_preempt_mode) {
	case FAKE_PREEMPT_ALWAYS:
		return true;
	case FAKE_PREEMPT_RANDOM:
		fake_preempt_rng ^= fake_preempt_rng << 13;
		fake_preempt_rng ^= fake_preempt_rng >> 7;
		fake_preempt_rng ^= fake_preempt_rng << 17;
		return fake_preempt_rng % fake_preempt_one_in == 0;
	case FAKE_PREEMPT_AT:
		return fake_preempt_asked == fake_preempt_at;
	default:
		return false;
	}
}

/* ---- The auditor ------------------------------------------------------------ */

static char why[256];

/* The entries of frame f that hold references: 0 if none. */
static int held_entries(const struct page_info *pg)
{
	if (!pgt_level(pg->type))
		return 0;
	if (pg->flags & PGF_partial)
		return pg->nr_validated;
	return pg->type_count && (pg->flags & PGF_validated) ? 512 : 0;
}

const char *fake_audit(const struct fake_root *roots, int nr_roots)
{
	static u32 count[FAKE_FRAMES], tc[FAKE_FRAMES];

	for (int f = 0; f < FAKE_FRAMES; f++) {
		count[f] = (pages[f].flags & PGF_allocated) ? 1 : 0;
		tc[f] = 0;
		if (pages[f].flags & PGF_pinned) {
			count[f]++;
			tc[f]++;
		}
		if (pages[f].flags & PGF_partial) {
			count[f]++;	/* its own references */
			tc[f]++;
			if (pgt_level(pages[f].type) < 2 || (pages[f].flags & PGF_validated) ||
			    (pages[f].flags & PGF_pinned) || pages[f].nr_validated > 512) {
				snprintf(why, sizeof(why), "partial mfn %d: type %d flags %#x n %u",
					 f, pages[f].type, pages[f].flags, pages[f].nr_validated);
				return why;
			}
		}
	}
	for (int i = 0; i < nr_roots; i++) {
		count[roots[i].mfn]++;
		tc[roots[i].mfn]++;
		if (pages[roots[i].mfn].type != roots[i].type) {
			snprintf(why, sizeof(why), "root %llu has type %d, not %d",
				 (unsigned long long)roots[i].mfn,
				 pages[roots[i].mfn].type, roots[i].type);
			return why;
		}
	}
	for (int f = 0; f < FAKE_FRAMES; f++) {
		int level = pgt_level(pages[f].type), n = held_entries(&pages[f]);
		const u64 *t = fake_table(f);

		if (!level || !pages[f].type_count)
			continue;
		if (!(pages[f].flags & (PGF_validated | PGF_partial))) {
			snprintf(why, sizeof(why), "table %d in use but not validated", f);
			return why;
		}
		for (int i = 0; i < n; i++) {
			mfn_t m = pte_mfn(t[i]);

			if (!(t[i] & PTE_P) || (level == 4 && hv_l4_slot(pages[f].owner, i)))
				continue;
			if (m >= FAKE_FRAMES || pages[m].owner != pages[f].owner) {
				snprintf(why, sizeof(why), "table %d entry %d maps foreign mfn %llu",
					 f, i, (unsigned long long)m);
				return why;
			}
			if (!(t[i] & PTE_US) || (level == 1 && (t[i] & PTE_G))) {
				snprintf(why, sizeof(why), "table %d entry %d: flags %#llx",
					 f, i, (unsigned long long)t[i]);
				return why;
			}
			count[m]++;
			if (level > 1) {
				tc[m]++;
				if (pages[m].type != PGT_l1 + level - 2 ||
				    !(pages[m].flags & PGF_validated)) {
					snprintf(why, sizeof(why), "L%d %d entry %d -> type %d flags %#x",
						 level, f, i, pages[m].type, pages[m].flags);
					return why;
				}
			} else if (t[i] & PTE_RW) {
				tc[m]++;
				if (pages[m].type != PGT_writable) {
					snprintf(why, sizeof(why), "L1 %d entry %d maps type %d writable",
						 f, i, pages[m].type);
					return why;
				}
			}
		}
	}
	for (int f = 0; f < FAKE_FRAMES; f++) {
		if (pages[f].count != count[f] || pages[f].type_count != tc[f]) {
			snprintf(why, sizeof(why),
				 "mfn %d: count %u type_count %u, expected %u %u (type %d flags %#x)",
				 f, pages[f].count, pages[f].type_count, count[f], tc[f],
				 pages[f].type, pages[f].flags);
			return why;
		}
		if ((pages[f].flags & PGF_partial) && pages[f].type_count != 1) {
			snprintf(why, sizeof(why), "partial mfn %d has %u type references",
				 f, pages[f].type_count);
			return why;
		}
		if (pages[f].type_count && pgt_level(pages[f].type) == 0 &&
		    pages[f].type != PGT_writable && pages[f].type != PGT_seg_desc) {
			snprintf(why, sizeof(why), "mfn %d: type count with type none", f);
			return why;
		}
	}
	return NULL;
}
