/*
 * m2p.c - the machine-to-physical table (M2P).
 *
 * Runs in: hypervisor.
 *
 * One 8-byte entry per machine frame: the pseudo-physical frame number the
 * owning domain knows it by, or INVALID_M2P_ENTRY. Guests read it directly
 * at 0xFFFF800000000000 (L4 slot 256, mapped read-only and user-accessible
 * into every guest L4): Linux's mfn_to_pfn() is a plain load from it, done
 * on every page-table read, so a hypercall here would be ruinous. The
 * table is one physically contiguous, 2 MiB aligned block, so the
 * hypervisor writes it through the direct map and guests see it through
 * 2 MiB pages. It costs 8 bytes per 4 KiB of RAM (0.2%).
 */
#include "hv.h"
#include "layout.h"
#include "mm/frame.h"
#include "mm/m2p.h"
#include "mm/paging.h"

static u64 *m2p;		/* hypervisor view, through the direct map */
static u64 m2p_entries;
static u64 m2p_l3_entry_value;	/* the slot-256 entry for guest L4s */

/*H:250 The M2P: machine to pseudo-physical
 * A PV guest sees two kinds of frame numbers: its own pseudo-physical
 * ones (pfns, 0 to nr_pages - 1, what Linux's page allocator deals in)
 * and the machine frames (mfns) its page-table entries must contain. It
 * keeps the pfn -> mfn direction itself (the P2M list the domain builder
 * gives it); the hypervisor keeps this one, mfn -> pfn, one entry per
 * machine frame, and maps it read-only into every guest at slot 256.
 * Linux reads it on every page-table read (mfn_to_pfn), so it must be a
 * plain load, never a hypercall. A guest may change only the entries of
 * its own frames (mmu_update's MMU_MACHPHYS_UPDATE).
 */
void m2p_init(u64 nr_frames)
{
	u64 bytes = ALIGN_UP(nr_frames * 8, MiB(2));
	mfn_t first = frame_alloc_contig(bytes >> PAGE_SHIFT, MiB(2) >> PAGE_SHIFT);
	u64 *l3, *l2;
	mfn_t l3_mfn, l2_mfn;

	if (first == INVALID_MFN || bytes > GiB(1))
		panic("cannot allocate the M2P table (%llu KiB)",
		      (unsigned long long)(bytes >> 10));
	m2p = __va(first << PAGE_SHIFT);
	m2p_entries = bytes / 8;
	for (u64 i = 0; i < m2p_entries; i++)
		m2p[i] = INVALID_M2P_ENTRY;

	/* L3 and L2 shared by all guests: user-readable, never writable. */
	l3_mfn = frame_alloc();
	l2_mfn = frame_alloc();
	if (l3_mfn == INVALID_MFN || l2_mfn == INVALID_MFN)
		panic("cannot allocate the M2P page tables");
	l3 = __va(l3_mfn << PAGE_SHIFT);
	l2 = __va(l2_mfn << PAGE_SHIFT);
	memset(l3, 0, PAGE_SIZE);
	memset(l2, 0, PAGE_SIZE);
	l3[0] = (l2_mfn << PAGE_SHIFT) | PTE_P | PTE_US | PTE_A;
	for (u64 off = 0; off < bytes; off += MiB(2))
		l2[off >> L2_SHIFT] = ((first << PAGE_SHIFT) + off) | PTE_P |
				      PTE_US | PTE_PSE | PTE_A |
				      PTE_NX;
	m2p_l3_entry_value = (l3_mfn << PAGE_SHIFT) | PTE_P | PTE_US |
			     PTE_A;
	printk("m2p: %llu entries at %#lx, read-only to guests\n",
	       (unsigned long long)m2p_entries, RO_MPT_VIRT_START);
}

void m2p_set(mfn_t mfn, u64 pfn)
{
	BUG_ON(mfn >= m2p_entries);
	m2p[mfn] = pfn;
}

u64 m2p_get(mfn_t mfn)
{
	return mfn < m2p_entries ? m2p[mfn] : INVALID_M2P_ENTRY;
}

/* The L4 entry (slot 256) that maps the M2P read-only into a guest L4. */
u64 m2p_l4_entry(void)
{
	return m2p_l3_entry_value;
}
