/*
 * mm_pin: the rules of pinning, as Xen has them.
 *
 * MMUEXT_PIN_Ln_TABLE validates a frame as a level-n table and keeps it so
 * with nothing else using it; UNPIN_TABLE lets it go. Pinning twice is
 * -EINVAL, and so is pinning a frame as another level than it is in use as,
 * or unpinning what is not pinned. A pin whose validation fails (an L1
 * entry for a frame that is not ours) changes nothing: the frame stays
 * plain memory. Unpinning a table that is still in use (an L1 that an L2
 * entry points at) is allowed, as on Xen: the table stays valid through
 * that entry and still translates. A pinned L4 that was the builder's can
 * be unpinned too, while it stays the base (Linux does exactly this).
 */
#include "guest.h"
#include "mmu.h"

const char test_title[] = "pin and unpin";

#define REGION		(GUEST_VIRT_BASE + 384 * 1024 * 1024UL)	/* L2 slot 192 */
#define MAGIC		0x0123456789abcdefUL

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

void test_main(const struct start_info *si)
{
	u64 l1 = spare_mfn(0, NULL), data = spare_mfn(1, NULL), bad = spare_mfn(2, NULL);
	u64 l2e = entry_maddr((void *)REGION, 2), boot_l4 = virt_to_mfn((const void *)si->pt_base);
	u64 *w = (u64 *)window;

	ASSERT_EQ(window_map(window, data, PTE_FLAGS), 0);
	w[0] = MAGIC;
	ASSERT_EQ(window_map(window, l1, PTE_FLAGS), 0);
	memset(window, 0, GUEST_PAGE_SIZE);
	w[0] = (data << 12) | PTE_P | PTE_A;
	ASSERT_EQ(window_map(window, bad, PTE_FLAGS), 0);
	memset(window, 0, GUEST_PAGE_SIZE);
	w[3] = (0x100UL << 12) | PTE_P;		/* the hypervisor's frame */
	window_restore(window);

	EXPECT_EQ(pin(1, bad), -XEN_EBUSY);	/* fails validation: nothing changes */
	EXPECT_EQ(unpin(bad), -XEN_EINVAL);
	EXPECT_EQ(window_map(window, bad, PTE_FLAGS), 0);
	window_restore(window);

	ASSERT_EQ(pin(1, l1), 0);
	EXPECT_EQ(pin(1, l1), -XEN_EINVAL);	/* twice */
	EXPECT_EQ(pin(2, l1), -XEN_EINVAL);	/* as another level */
	EXPECT_EQ(pin(4, l1), -XEN_EINVAL);
	ASSERT_EQ(mmu1(l2e, (l1 << 12) | PTE_P | PTE_RW | PTE_A), 0);
	EXPECT_EQ(*(volatile u64 *)REGION, MAGIC);
	EXPECT_EQ(unpin(l1), 0);		/* in use: allowed */
	EXPECT_EQ(unpin(l1), -XEN_EINVAL);	/* not pinned now */
	EXPECT_EQ(mmuext1(MMUEXT_INVLPG_LOCAL, REGION, 0), 0);
	EXPECT_EQ(*(volatile u64 *)REGION, MAGIC);	/* still translates */
	EXPECT_EQ(window_map(window, l1, PTE_FLAGS), -XEN_EBUSY);
	EXPECT_EQ(mmu1(l2e, 0), 0);		/* its last user */
	EXPECT_EQ(window_map(window, l1, PTE_FLAGS), 0);
	window_restore(window);

	/* The builder's L4, pinned, the base: unpin and pin again. */
	EXPECT_EQ(pin(4, boot_l4), -XEN_EINVAL);
	EXPECT_EQ(unpin(boot_l4), 0);
	EXPECT_EQ(mfn_to_pfn(boot_l4), virt_to_pfn((const void *)si->pt_base));
	EXPECT_EQ(pin(4, boot_l4), 0);
}
