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
 * sets GTF_reading (and GTF_writing for a writable use) in the entry, so
 * the granter can see whether it may take the frame back: it clears
 * GTF_permit_access and then waits for both bits to be clear. The two
 * sides share the 32-bit word {flags, domid}, so the hypervisor checks and
 * sets in one compare-and-exchange: the check (type, domid, readonly) and
 * the bits it sets are about the same value of the word, whatever the
 * granter writes meanwhile. The frame is read only after the bits are
 * set (the exchange is a full barrier), and only at the first pin: from
 * then on the active entry's copy is the one used, as in Xen.
 */
#include "hv.h"
#include "core/gnttab_pin.h"

/* Xen gives up after this many lost races with the granter. */
#define SET_STATUS_TRIES	5

static u32 *combo_word(struct grant_entry_v1 *e)
{
	return (u32 *)e;	/* flags in bits 0-15, domid in 16-31 */
}

/*
 * Set GTF_reading (and GTF_writing unless readonly) in entry e for domid:
 * the entry must permit access to domid, and to write if !readonly.
 * GNTST_okay, or GNTST_general_error (as Xen, for a bad type or domid, a
 * read-only entry asked for writing, or an entry that keeps changing).
 */
static int set_status(struct grant_entry_v1 *e, u16 domid, bool readonly)
{
	u32 *w = combo_word(e);
	u32 old = __atomic_load_n(w, __ATOMIC_RELAXED);

	for (int tries = 0; tries < SET_STATUS_TRIES; tries++) {
		u16 flags = (u16)old, dom = (u16)(old >> 16);
		u32 new = old | GTF_reading;

		if ((flags & GTF_type_mask) != GTF_permit_access || dom != domid)
			return GNTST_general_error;
		if (!readonly) {
			if (flags & GTF_readonly)
				return GNTST_general_error;
			new |= GTF_writing;
		}
		if (__atomic_compare_exchange_n(w, &old, new, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return GNTST_okay;
		/* old now holds what the granter wrote: check that instead. */
	}
	return GNTST_general_error;
}

/*
 * Take the pins inc (GNTPIN_*_inc, one or two kinds) on entry e for
 * domid, with a its active entry. GNTST_okay (a->frame is the frame), or
 * GNTST_general_error: the entry does not grant domid what it asks, it is
 * pinned by another domain already, or a count would overflow. Nothing
 * changes on an error.
 */
int gnt_pin(struct grant_entry_v1 *e, struct gnt_active *a, u16 domid, u32 inc)
{
	bool write = inc & GNTPIN_write_mask;
	int rc;

	if (a->pin && (a->domid != domid || (a->pin & GNTPIN_overflow)))
		return GNTST_general_error;
	if (!a->pin || (write && !(a->pin & GNTPIN_write_mask))) {
		rc = set_status(e, domid, !write);
		if (rc)
			return rc;
		if (!a->pin) {
			a->frame = __atomic_load_n(&e->frame, __ATOMIC_RELAXED);
			a->domid = domid;
		}
	}
	a->pin += inc;
	return GNTST_okay;
}

/*
 * Drop the pins inc taken by gnt_pin. The last writable pin clears
 * GTF_writing, the last pin GTF_reading: single-bit atomic clears, as
 * the granter may be writing the rest of the word.
 */
void gnt_unpin(struct grant_entry_v1 *e, struct gnt_active *a, u32 inc)
{
	BUG_ON(a->pin < inc);
	a->pin -= inc;
	if ((inc & GNTPIN_write_mask) && !(a->pin & GNTPIN_write_mask))
		__atomic_and_fetch(&e->flags, (u16)~GTF_writing, __ATOMIC_SEQ_CST);
	if (!a->pin)
		__atomic_and_fetch(&e->flags, (u16)~GTF_reading, __ATOMIC_SEQ_CST);
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
