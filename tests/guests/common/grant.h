/*
 * grant.h - what the grant-table tests (gnttab, gnttab_map, gnttab_v2)
 * share: the hypercall, one-entry map and unmap requests, and frames of
 * a known pattern to grant and to read back.
 *
 * Runs in: test guests, guest kernel mode.
 *
 * Header-only (static functions), on top of mmu.h's spare frames and
 * windows.
 */
#ifndef GUEST_GRANT_H
#define GUEST_GRANT_H

#include "guest.h"
#include "mmu.h"
#include "pvabi/grant_table.h"

static inline long gnttab_op(unsigned int cmd, void *uop, unsigned int count)
{
	return _hypercall(__HYPERVISOR_grant_table_op, cmd, uop, count, 0, 0);
}

/*
 * Map dom's grant ref at va (flags: GNTMAP_*): one GNTTABOP_map_grant_ref,
 * whose hypercall must return 0 (a refusal is the entry's status). The
 * status, 99 if the hypervisor wrote none; the handle (0xdead if not
 * written) and the device bus address in *h and *bus if not NULL.
 */
static inline int grant_map(domid_t dom, grant_ref_t ref, void *va, u32 flags,
			    grant_handle_t *h, u64 *bus)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = (u64)va, .flags = flags, .ref = ref, .dom = dom,
		.status = 99, .handle = 0xdead,
	};

	EXPECT_EQ(gnttab_op(GNTTABOP_map_grant_ref, &op, 1), 0);
	if (h)
		*h = op.handle;
	if (bus)
		*bus = op.dev_bus_addr;
	return op.status;
}

/* Undo a map of handle h at va (and bus): the entry's status, as grant_map(). */
static inline int grant_unmap(void *va, u64 bus, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref op = {
		.host_addr = (u64)va, .dev_bus_addr = bus, .handle = h, .status = 99,
	};

	EXPECT_EQ(gnttab_op(GNTTABOP_unmap_grant_ref, &op, 1), 0);
	return op.status;
}

/*
 * Word i of a granted test frame: never a present PTE (bit 0 clear), so
 * such a frame can also be offered as an L1.
 */
static inline u64 grant_pattern(u64 seed, unsigned int i)
{
	return (seed << 40) | ((u64)i << 12) | 0x40;
}

/* Spare frame `spare` filled with grant_pattern(seed, i) through window; its mfn. */
static inline u64 grant_fill(void *window, unsigned int spare, u64 seed)
{
	u64 mfn = spare_mfn(spare, NULL);
	u64 *w = window;

	ASSERT_EQ(window_map(w, mfn, PTE_FLAGS), 0);
	for (unsigned int i = 0; i < 512; i++)
		w[i] = grant_pattern(seed, i);
	window_restore(w);
	return mfn;
}

/* Word i of frame mfn, read through a read-only window (no writable reference). */
static inline u64 grant_peek(void *window, u64 mfn, unsigned int i)
{
	u64 v;

	ASSERT_EQ(window_map(window, mfn, PTE_P | PTE_US | PTE_A), 0);
	v = ((volatile u64 *)window)[i];
	window_restore(window);
	return v;
}

#endif
