/*
 * mm_machphys: MMU_MACHPHYS_UPDATE sets the M2P entry of a frame of the
 * caller's, and of no other.
 *
 * The M2P is shared by every guest, read-only to them; the only write a
 * guest may ask for is its own frames' entries (Linux uses it when it
 * moves frames between pfns). Refused with -EINVAL, each leaving the
 * entry as it was: a frame of the hypervisor's image, a frame the domain
 * gave back, and a frame beyond RAM.
 */
#include "guest.h"
#include "mmu.h"

const char test_title[] = "MMU_MACHPHYS_UPDATE only for frames of one's own";

#define HV_MFN		0x100UL

void test_main(const struct start_info *si)
{
	u64 pfn, own = spare_mfn(0, &pfn), gone = spare_mfn(1, NULL), x = gone;
	u64 before = mfn_to_pfn(HV_MFN);
	struct xen_machphys_mapping m;
	struct xen_memory_reservation r = {
		.extent_start = (u64)&x, .nr_extents = 1, .domid = DOMID_SELF,
	};

	(void)si;
	ASSERT_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mapping, &m), 0);
	ASSERT_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1);

	EXPECT_EQ(mmu1((own << 12) | MMU_MACHPHYS_UPDATE, 42), 0);
	EXPECT_EQ(mfn_to_pfn(own), 42);
	EXPECT_EQ(mmu1((own << 12) | MMU_MACHPHYS_UPDATE, pfn), 0);

	EXPECT_EQ(mmu1((HV_MFN << 12) | MMU_MACHPHYS_UPDATE, 42), -XEN_EINVAL);
	EXPECT_EQ(mfn_to_pfn(HV_MFN), before);
	EXPECT_EQ(mmu1((gone << 12) | MMU_MACHPHYS_UPDATE, 42), -XEN_EINVAL);
	EXPECT_EQ(mfn_to_pfn(gone), INVALID_M2P);
	EXPECT_EQ(mmu1(((m.max_mfn + 1) << 12) | MMU_MACHPHYS_UPDATE, 42), -XEN_EINVAL);
}
