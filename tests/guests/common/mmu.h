/*
 * mmu.h - page-table helpers for the memory-management tests (mm_*):
 * spare frames, windows whose mapping a test changes, where an entry of
 * the builder's page tables lives, and one-request wrappers.
 *
 * Runs in: test guests, guest kernel mode.
 *
 * Header-only (static functions), on top of memory.h. The builder's tables
 * map pseudo-physical frames 0.. of the initial mapping at GUEST_VIRT_BASE
 * (about the first 4 MiB); the domain's last frames are mapped nowhere, so
 * a test can make page tables of them. A window is a page of the test's
 * .bss: its L1 entry is changed to show another frame, and put back.
 */
#ifndef GUEST_MMU_H
#define GUEST_MMU_H

#include "guest.h"
#include "memory.h"
#include "pvabi/memory.h"

#define PTE_PWT		(1UL << 3)
#define PTE_PCD		(1UL << 4)
#define PTE_PSE		(1UL << 7)
#define PTE_G		(1UL << 8)
#define PTE_FLAGS	(PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)

#define INVALID_M2P	(~0UL)

/*
 * The U/S bit the hypervisor adds to every entry a guest writes in compat
 * mode, where the kernel runs in ring 3 and could not use its pages
 * otherwise; in fast mode (kernel in ring 1) it stays the guest's.
 */
#define PTE_US_ADDED	(guest_fast_mode() ? 0 : PTE_US)

static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return _hypercall(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_set_gdt(const u64 *frames, u64 entries)
{
	return _hypercall(__HYPERVISOR_set_gdt, frames, entries, 0, 0, 0);
}

static inline long HYPERVISOR_update_descriptor(u64 maddr, u64 desc)
{
	return _hypercall(__HYPERVISOR_update_descriptor, maddr, desc, 0, 0, 0);
}

/* ---- One request --------------------------------------------------------- */

/* mmu_update of one entry; ptr is a machine address | MMU_* command. */
static inline long mmu1(u64 ptr, u64 val)
{
	struct mmu_update req = { .ptr = ptr, .val = val };
	u64 done = 0;

	return HYPERVISOR_mmu_update(&req, 1, &done, DOMID_SELF);
}

static inline long mmuext1(unsigned int cmd, u64 arg1, u64 arg2)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.mfn = arg1, .arg2.src_mfn = arg2 };
	u64 done = 0;

	return HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF);
}

static inline long pin(int level, u64 mfn)
{
	return mmuext1(MMUEXT_PIN_L1_TABLE + (unsigned int)(level - 1), mfn, 0);
}

static inline long unpin(u64 mfn)
{
	return mmuext1(MMUEXT_UNPIN_TABLE, mfn, 0);
}

/* ---- Frames and windows ------------------------------------------------------ */

/*
 * The i-th spare frame counting down from the domain's last pfn: mapped
 * nowhere (the test ends with an error if it is). Its pfn in *pfn.
 */
static inline u64 spare_mfn(unsigned int i, u64 *pfn)
{
	u64 p = start_info->nr_pages - 1 - i;

	if (pte_of(pfn_to_virt(p)))
		test_error("pfn %lu is mapped: no spare frames", p);
	if (pfn)
		*pfn = p;
	return pfn_to_mfn(p);
}

/* Show machine frame mfn at window va (a page of ours), with flags. */
static inline long window_map(void *va, u64 mfn, u64 flags)
{
	return HYPERVISOR_update_va_mapping((u64)va, (mfn << 12) | flags,
					    UVMF_INVLPG | UVMF_LOCAL);
}

/* Put the window's own frame back, writable. */
static inline void window_restore(void *va)
{
	long rc = window_map(va, virt_to_mfn(va), PTE_FLAGS);

	if (rc)
		test_error("restoring window %p: %ld", va, rc);
}

/* Zero a frame mapped nowhere, through a window. */
static inline void frame_zero(void *window, u64 mfn)
{
	if (window_map(window, mfn, PTE_FLAGS))
		test_error("cannot map mfn %#lx to zero it", mfn);
	memset(window, 0, GUEST_PAGE_SIZE);
	window_restore(window);
}

/*
 * Fill a frame mapped nowhere, through a window: a copy of src (or zeroes)
 * with one entry, slot, set to val. How tests build new page tables.
 */
static inline void frame_fill_table(void *window, u64 mfn, const u64 *src,
				    unsigned slot, u64 val)
{
	u64 *w = window;

	if (window_map(window, mfn, PTE_FLAGS))
		test_error("cannot map mfn %#lx to fill it", mfn);
	if (src)
		memcpy(w, src, GUEST_PAGE_SIZE);
	else
		memset(w, 0, GUEST_PAGE_SIZE);
	w[slot] = val;
	window_restore(window);
}

/*
 * One frame mapped at every page of 1 GiB: the frame `data` (filled with
 * `content`, a page), three new page tables made of spare frames (an L1
 * of 512 entries for `data`, an L2 of 512 entries for that L1, an L3 of
 * one entry for that L2), and L4 slot `slot` (< 256) of the builder's L4
 * for that L3: the hypervisor validates the three when the L4 entry is
 * written. So a guest of a few MiB can hand the hypervisor a request
 * array of a gigabyte, all legal (docs/isolation.md, availability).
 * Frames data and then three spares are taken from *spare on (spare_mfn
 * numbering). Returns the address of the region.
 */
static inline void *alias_region(void *window, unsigned *spare, unsigned slot,
				 const void *content, bool writable)
{
	u64 data = spare_mfn((*spare)++, NULL), l1 = spare_mfn((*spare)++, NULL);
	u64 l2 = spare_mfn((*spare)++, NULL), l3 = spare_mfn((*spare)++, NULL);
	u64 l4 = virt_to_mfn((const void *)start_info->pt_base);
	u64 leaf = PTE_P | PTE_US | PTE_A | (writable ? PTE_RW | PTE_D : 0);
	u64 table = PTE_P | PTE_RW | PTE_US | PTE_A;
	u64 *w = window;
	long rc;

	if (window_map(window, data, PTE_FLAGS))
		test_error("cannot map mfn %#lx to fill it", data);
	memcpy(w, content, GUEST_PAGE_SIZE);
	window_restore(window);
	if (window_map(window, l1, PTE_FLAGS))
		test_error("cannot map mfn %#lx to fill it", l1);
	for (int i = 0; i < 512; i++)
		w[i] = (data << 12) | leaf;
	window_restore(window);
	if (window_map(window, l2, PTE_FLAGS))
		test_error("cannot map mfn %#lx to fill it", l2);
	for (int i = 0; i < 512; i++)
		w[i] = (l1 << 12) | table;
	window_restore(window);
	frame_fill_table(window, l3, NULL, 0, (l2 << 12) | table);
	rc = mmu1((l4 << 12) + slot * 8, (l3 << 12) | table);
	if (rc)
		test_error("installing the 1 GiB alias region at L4 slot %u: %ld", slot, rc);
	return (void *)((u64)slot << 39);
}

#define ALIAS_BYTES	(1UL << 30)

/* ---- The builder's tables ------------------------------------------------------- */

/*
 * The machine address of the level-`level` entry (1 = L1 ... 4 = L4) that
 * maps va in the builder's tables (start_info.pt_base, all in the initial
 * mapping); 0 if a table on the way is missing.
 */
static inline u64 entry_maddr(const void *va, int level)
{
	u64 table = virt_to_mfn((const void *)start_info->pt_base);

	for (int l = 4; ; l--) {
		unsigned int idx = ((u64)va >> (12 + 9 * (l - 1))) & 511;
		const u64 *t = pfn_to_virt(mfn_to_pfn(table));

		if (l == level)
			return (table << 12) | (idx * 8);
		if (!(t[idx] & PTE_P))
			return 0;
		table = (t[idx] & PTE_MFN_MASK) >> 12;
	}
}

/* The value of an entry, read through its table's read-only mapping. */
static inline u64 entry_read(u64 maddr)
{
	const u64 *t = pfn_to_virt(mfn_to_pfn(maddr >> 12));

	return t[(maddr & 0xfff) / 8];
}

#endif /* GUEST_MMU_H */
