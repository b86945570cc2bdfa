/*
 * mm_l2_type: an upper-level entry must point at a table of the level
 * below, of the guest's, with valid contents.
 *
 * An L2 entry names an L1: the frame is validated as one (every entry
 * checked) the first time, and a frame in use as anything else is refused.
 * Tried through mmu_update on an unused slot of the builder's L2: a frame
 * mapped writable (-EINVAL), a pinned L2 (-EINVAL), the L2 itself (a
 * "linear" page table, -EINVAL), the L4 (-EINVAL), a 2 MiB superpage
 * (-EINVAL), a plain frame holding an entry for a hypervisor frame (its
 * validation as an L1 fails: -EBUSY). A plain frame of zeroes is accepted
 * and becomes an L1: from then on it cannot be mapped writable, and once
 * the entry is cleared it can again. The same rule one level up: an L3
 * entry to a pinned L1, an L4 entry to an L2 (-EINVAL).
 */
#include "guest.h"
#include "mmu.h"

const char test_title[] = "upper-level entries point at tables of the level below";

#define REGION		(GUEST_VIRT_BASE + 256 * 1024 * 1024UL)	/* L2 slot 128 */
#define HV_MFN		0x100UL

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 mine[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

void test_main(const struct start_info *si)
{
	u64 l2e = entry_maddr((void *)REGION, 2), l2 = l2e >> 12;
	u64 l3e = entry_maddr((void *)REGION, 3), l4 = virt_to_mfn((const void *)si->pt_base);
	u64 pinned_l2 = spare_mfn(0, NULL), bad = spare_mfn(1, NULL);
	u64 good = spare_mfn(2, NULL), pinned_l1 = spare_mfn(3, NULL);
	u64 rw = virt_to_mfn(mine), f = PTE_P | PTE_RW | PTE_A;

	ASSERT_EQ(entry_read(l2e), 0);
	frame_zero(window, pinned_l2);
	frame_zero(window, good);
	frame_zero(window, pinned_l1);
	ASSERT_EQ(window_map(window, bad, PTE_FLAGS), 0);
	memset(window, 0, GUEST_PAGE_SIZE);
	((u64 *)window)[17] = (HV_MFN << 12) | PTE_P;
	window_restore(window);
	ASSERT_EQ(pin(2, pinned_l2), 0);
	ASSERT_EQ(pin(1, pinned_l1), 0);

	EXPECT_EQ(mmu1(l2e, (rw << 12) | f), -XEN_EINVAL);
	EXPECT_EQ(mmu1(l2e, (pinned_l2 << 12) | f), -XEN_EINVAL);
	EXPECT_EQ(mmu1(l2e, (l2 << 12) | PTE_P), -XEN_EINVAL);
	EXPECT_EQ(mmu1(l2e, (l4 << 12) | PTE_P), -XEN_EINVAL);
	EXPECT_EQ(mmu1(l2e, (good << 12) | f | PTE_PSE), -XEN_EINVAL);
	EXPECT_EQ(mmu1(l2e, (bad << 12) | f), -XEN_EBUSY);
	EXPECT_EQ(entry_read(l2e), 0);			/* nothing was written */
	EXPECT_EQ(window_map(window, bad, PTE_FLAGS), 0);	/* and bad is still plain */
	window_restore(window);

	ASSERT_EQ(mmu1(l2e, (good << 12) | f), 0);
	EXPECT_EQ(window_map(window, good, PTE_FLAGS), -XEN_EBUSY);	/* an L1 now */
	EXPECT_EQ(mmu1(l2e, 0), 0);
	EXPECT_EQ(window_map(window, good, PTE_FLAGS), 0);	/* plain again */
	window_restore(window);

	/* One level up: an L3 entry, an L4 entry. */
	EXPECT_EQ(mmu1(l3e, (pinned_l1 << 12) | f), -XEN_EINVAL);
	EXPECT_EQ(mmu1((l4 << 12) | 8, (pinned_l2 << 12) | f), -XEN_EINVAL);
	EXPECT_EQ(unpin(pinned_l1), 0);
	EXPECT_EQ(unpin(pinned_l2), 0);
}
