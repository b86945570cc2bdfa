/*
 * gnttab_pin.c - pinning a grant entry, and the maptrack: the part of
 * grant tables that is pure logic, unit-tested on the host.
 *
 * Runs in: hypervisor (core/grant_table.c, core/grant_map.c, one CPU at a
 * time under the big lock) and host unit tests. Trusts: nothing in the
 * grant entry, which the granting domain may rewrite at any moment from
 * another CPU; the active entry and the maptrack are ours.
 *
 * A grant entry says "domain D may use my frame F" (GTF_permit_access,
 * and GTF_readonly if D may only read). While D uses it, the hypervisor
 * sets GTF_reading (and GTF_writing for a writable use), so the granter
 * can see whether it may take the frame back: it clears GTF_permit_access
 * and then waits for both bits to be clear. In a version 1 table the bits
 * are in the entry's own flags, and the two sides share the 32-bit word
 * {flags, domid}: the hypervisor checks and sets in one
 * compare-and-exchange. In version 2 they are in a status array of their
 * own (set_status_v2 says how that stays safe). The frame is read only
 * after the bits are set (a full barrier), and only at the first pin:
 * from then on the active entry's copy is the one used, as in Xen.
 */
#include "hv.h"
#include "core/gnttab_pin.h"

/* Xen gives up after this many lost races with the granter. */
#define SET_STATUS_TRIES	5

static u32 *combo_word(const struct gnt_entry *g)
{
	return (u32 *)g->e;	/* flags in bits 0-15, domid in 16-31: both versions */
}

/*
 * Does the word {flags, domid} grant domid what it asks? The type must be
 * GTF_permit_access (with GTF_sub_page counted as part of the type for
 * a mapping, as Xen: a sub-page grant is for copies only), and not
 * GTF_readonly for a writer.
 */
static bool grants(u32 word, u16 domid, bool readonly, int use)
{
	u16 flags = (u16)word, dom = (u16)(word >> 16);
	u16 mask = GTF_type_mask | (use == GNT_USE_MAP ? GTF_sub_page : 0);

	if ((flags & mask) != GTF_permit_access || dom != domid)
		return false;
	return readonly || !(flags & GTF_readonly);
}

/*
 * Version 1: set GTF_reading (and GTF_writing unless readonly) in the
 * entry's flags if it grants domid that. The check and the bits set are
 * about the same value of the word: one compare-and-exchange, whatever
 * the granter writes meanwhile. GNTST_okay, or GNTST_general_error (as
 * Xen, for a bad type or domid, a read-only entry asked for writing, or
 * an entry that keeps changing).
 */
static int set_status_v1(const struct gnt_entry *g, u16 domid, bool readonly, int use)
{
	u32 *w = combo_word(g);
	u32 old = __atomic_load_n(w, __ATOMIC_RELAXED);

	for (int tries = 0; tries < SET_STATUS_TRIES; tries++) {
		u32 new = old | GTF_reading | (readonly ? 0 : GTF_writing);

		if (!grants(old, domid, readonly, use))
			return GNTST_general_error;
		if (__atomic_compare_exchange_n(w, &old, new, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return GNTST_okay;
		/* old now holds what the granter wrote: check that instead. */
	}
	return GNTST_general_error;
}

/*
 * Version 2: the bits are in the status entry, apart from the word they
 * are about, so no single exchange covers both. Xen's order: check the
 * word, set the bits (a full barrier), check the word again. A granter
 * revoking meanwhile (clear GTF_permit_access, then wait for the bits to
 * clear) either sees our bits and waits, or changed the word before our
 * second look and we back out. Backing out clears only the bits this
 * call set: those set before belong to pins held already.
 */
static int set_status_v2(const struct gnt_entry *g, u16 domid, bool readonly, int use)
{
	u32 *w = combo_word(g);
	u16 bits = GTF_reading | (readonly ? 0 : GTF_writing);
	u16 old;

	if (!grants(__atomic_load_n(w, __ATOMIC_RELAXED), domid, readonly, use))
		return GNTST_general_error;
	old = __atomic_fetch_or(g->status, bits, __ATOMIC_SEQ_CST);
	if (!grants(__atomic_load_n(w, __ATOMIC_SEQ_CST), domid, readonly, use)) {
		__atomic_and_fetch(g->status, (u16)~(bits & ~old), __ATOMIC_SEQ_CST);
		return GNTST_general_error;
	}
	return GNTST_okay;
}

/*
 * At the first pin: what the entry grants (its frame, and for a version 2
 * sub-page grant its byte range), read after the bits are set, and kept:
 * later changes of the entry do not move a grant in use.
 */
static void take_frame(const struct gnt_entry *g, struct gnt_active *a)
{
	struct grant_entry_v1 *e1 = g->e;
	union grant_entry_v2 *e2 = g->e;
	u64 frame;

	a->start = 0;
	a->length = PAGE_SIZE;
	a->sub_page = 0;
	if (g->version == 1) {
		a->frame = __atomic_load_n(&e1->frame, __ATOMIC_RELAXED);
		return;
	}
	frame = __atomic_load_n(&e2->full_page.frame, __ATOMIC_RELAXED);
	a->frame = frame > 0xffffffffULL ? GNT_BAD_FRAME : (u32)frame;
	if (__atomic_load_n(&e2->hdr.flags, __ATOMIC_RELAXED) & GTF_sub_page) {
		a->start = __atomic_load_n(&e2->sub_page.page_off, __ATOMIC_RELAXED);
		a->length = __atomic_load_n(&e2->sub_page.length, __ATOMIC_RELAXED);
		a->sub_page = 1;
	}
}

/*
 * Take the pins inc (GNTPIN_*_inc, one or two kinds) on entry g for
 * domid, with a its active entry, for use (GNT_USE_MAP or _COPY).
 * GNTST_okay (a->frame is the frame, a->start/length the bytes granted),
 * or GNTST_general_error: the entry does not grant domid what it asks,
 * it is pinned by another domain already, a count would overflow, or a
 * mapping meets a sub-page grant pinned by a copy. Nothing changes on an
 * error.
 */
int gnt_pin(const struct gnt_entry *g, struct gnt_active *a, u16 domid, u32 inc, int use)
{
	bool write = inc & GNTPIN_write_mask;
	int rc;

	if (a->pin && (a->domid != domid || (a->pin & GNTPIN_overflow) ||
		       (use == GNT_USE_MAP && a->sub_page)))
		return GNTST_general_error;
	if (!a->pin || (write && !(a->pin & GNTPIN_write_mask))) {
		if (g->version == 1)
			rc = set_status_v1(g, domid, !write, use);
		else
			rc = set_status_v2(g, domid, !write, use);
		if (rc)
			return rc;
		if (!a->pin) {
			take_frame(g, a);
			a->domid = domid;
		}
	}
	a->pin += inc;
	return GNTST_okay;
}

/*
 * Drop the pins inc taken by gnt_pin. The last writable pin clears
 * GTF_writing, the last pin GTF_reading: single-bit atomic clears, as
 * the granter may be writing the rest of the word (version 1).
 */
void gnt_unpin(const struct gnt_entry *g, struct gnt_active *a, u32 inc)
{
	BUG_ON(a->pin < inc);
	a->pin -= inc;
	if ((inc & GNTPIN_write_mask) && !(a->pin & GNTPIN_write_mask))
		__atomic_and_fetch(g->status, (u16)~GTF_writing, __ATOMIC_SEQ_CST);
	if (!a->pin)
		__atomic_and_fetch(g->status, (u16)~GTF_reading, __ATOMIC_SEQ_CST);
}

/* ---- Switching versions --------------------------------------------------- */

void gnt_entry_v1_to_v2(const struct grant_entry_v1 *in, union grant_entry_v2 *out,
			grant_status_t *status)
{
	memset(out, 0, sizeof(*out));
	*status = in->flags & (GTF_reading | GTF_writing);
	out->hdr.flags = in->flags & (u16)~(GTF_reading | GTF_writing);
	out->hdr.domid = in->domid;
	out->full_page.frame = in->frame;
}

void gnt_entry_v2_to_v1(const union grant_entry_v2 *in, grant_status_t status,
			struct grant_entry_v1 *out)
{
	memset(out, 0, sizeof(*out));
	if ((in->hdr.flags & GTF_type_mask) != GTF_permit_access)
		return;
	out->flags = in->hdr.flags | status;
	out->domid = in->hdr.domid;
	out->frame = (u32)in->full_page.frame;
}

/* ---- The maptrack --------------------------------------------------------- */

/* nr entries at ents, all free: handle i's next is i + 1. */
void gnt_maptrack_init(struct gnt_maptrack *mt, struct gnt_map *ents, u32 nr)
{
	mt->ents = ents;
	mt->nr = nr;
	mt->free = 0;
	mt->used = 0;
	for (u32 i = 0; i < nr; i++) {
		ents[i].flags = 0;
		ents[i].next = i + 1;
	}
}

/* A free entry (flags 0, for the caller to fill) and its handle; NULL if full. */
struct gnt_map *gnt_maptrack_alloc(struct gnt_maptrack *mt, u32 *handle)
{
	struct gnt_map *m;

	if (!mt->ents || mt->free >= mt->nr)
		return NULL;
	*handle = mt->free;
	m = &mt->ents[mt->free];
	BUG_ON(m->flags);
	mt->free = m->next;
	mt->used++;
	return m;
}

/*
 * The mapping a guest's handle names: NULL unless it is one in use (a
 * forged, stale or out-of-range handle names nothing).
 */
struct gnt_map *gnt_maptrack_find(struct gnt_maptrack *mt, u32 handle)
{
	if (!mt->ents || handle >= mt->nr || !(mt->ents[handle].flags & GNT_MAP_KINDS))
		return NULL;
	return &mt->ents[handle];
}

/* Give handle back: it must be in use (allocated, flags possibly 0 now). */
void gnt_maptrack_free(struct gnt_maptrack *mt, u32 handle)
{
	BUG_ON(handle >= mt->nr || mt->used == 0);
	mt->ents[handle].flags = 0;
	mt->ents[handle].next = mt->free;
	mt->free = handle;
	mt->used--;
}
