/*
 * mm_hvrange: a guest reaches for the hypervisor's memory, every way the
 * MMU hypercalls offer, and is refused each time, and still runs.
 *
 * The hypervisor owns L4 slots 256-271 of every address space and the
 * frames of its image, tables and heap; none is the guest's. Refused:
 * update_va_mapping at an address in the hypervisor's range (-EINVAL, no
 * guest L1 maps it); any write to L4 slots 256-271 (-EINVAL); an L4 entry
 * of the guest's own pointing at the hypervisor's L3 for its direct map
 * (-EINVAL: not the guest's frame); a mapping of a frame of the
 * hypervisor's image (-EBUSY), of a frame beyond RAM (-EPERM); pinning,
 * clearing or copying from a hypervisor frame (-EINVAL); making it the
 * base pointer (-EINVAL). The M2P stays readable, not writable.
 *
 * The hypervisor's L3 is the one under slot 262 (its direct map) in compat
 * mode; in fast mode a guest L4 holds only the M2P and the switcher's
 * slot, so it is the switcher's (the first present slot after 256).
 */
#include "guest.h"
#include "mmu.h"

const char test_title[] = "the hypervisor's range and frames are out of reach";

#define HV_MFN		0x100UL		/* 1 MiB: the hypervisor image */
#define DIRECTMAP	0xffff830000000000UL

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

void test_main(const struct start_info *si)
{
	const u64 *boot_l4 = (const u64 *)si->pt_base;
	u64 l4 = virt_to_mfn(boot_l4), own = spare_mfn(0, NULL);
	unsigned hv_slot = 262;
	u64 hv_l3;
	struct xen_machphys_mapping m;

	if (guest_fast_mode()) {
		for (hv_slot = 257; hv_slot <= 271; hv_slot++)
			if (boot_l4[hv_slot] & PTE_P)
				break;
		if (hv_slot > 271)
			test_error("fast mode: no hypervisor L4 slot but the M2P's in the L4");
	}
	hv_l3 = (boot_l4[hv_slot] & PTE_MFN_MASK) >> 12;
	ASSERT(hv_l3 != 0);

	ASSERT_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mapping, &m), 0);

	/* Addresses in the hypervisor's range have no guest L1. */
	EXPECT_EQ(HYPERVISOR_update_va_mapping(DIRECTMAP, (own << 12) | PTE_P | PTE_RW, 0),
		  -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_update_va_mapping(MACH2PHYS_VIRT_START, (own << 12) | PTE_P, 0),
		  -XEN_EINVAL);
	/* Its L4 slots cannot be written, with anything. */
	for (unsigned slot = 256; slot <= 271; slot += 5)
		EXPECT_EQ(mmu1((l4 << 12) | (slot * 8), 0), -XEN_EINVAL);
	EXPECT_EQ(mmu1((l4 << 12) | (hv_slot * 8), boot_l4[hv_slot]), -XEN_EINVAL);
	/* Its L3 under a guest slot: not the guest's frame. */
	EXPECT_EQ(mmu1((l4 << 12) | (2 * 8), (hv_l3 << 12) | PTE_P | PTE_RW), -XEN_EINVAL);
	/* Its frames, mapped. */
	EXPECT_EQ(window_map(window, HV_MFN, PTE_P), -XEN_EBUSY);
	EXPECT_EQ(window_map(window, HV_MFN, PTE_FLAGS), -XEN_EBUSY);
	EXPECT_EQ(window_map(window, hv_l3, PTE_P), -XEN_EBUSY);
	EXPECT_EQ(window_map(window, m.max_mfn + 1, PTE_P), -XEN_EPERM);
	EXPECT_EQ(mmu1(entry_maddr(window, 1), (HV_MFN << 12) | PTE_P), -XEN_EBUSY);
	/* Its frames as tables, targets of stores, sources of copies, bases. */
	EXPECT_EQ(pin(1, HV_MFN), -XEN_EINVAL);
	EXPECT_EQ(pin(3, hv_l3), -XEN_EINVAL);
	EXPECT_EQ(mmu1(HV_MFN << 12, 0), -XEN_EINVAL);
	EXPECT_EQ(mmuext1(MMUEXT_CLEAR_PAGE, HV_MFN, 0), -XEN_EINVAL);
	EXPECT_EQ(mmuext1(MMUEXT_COPY_PAGE, own, HV_MFN), -XEN_EINVAL);
	EXPECT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, hv_l3, 0), -XEN_EINVAL);
	EXPECT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, HV_MFN, 0), -XEN_EINVAL);
	/* Still here, the M2P still readable, our window still ours. */
	EXPECT_EQ(mfn_to_pfn(own), si->nr_pages - 1);
	EXPECT_EQ(window_map(window, own, PTE_FLAGS), 0);
	window_restore(window);
	printk("mm_hvrange: every attempt refused, still running\n");
}
