/*
 * mm_newbase: build a new address space, pin it, switch to it and back.
 *
 * A PV guest makes an address space out of frames of its own: it fills
 * them while they are ordinary writable memory, pins the top one as an L4
 * (the hypervisor validates the whole tree, makes every frame a page table
 * and takes the references) and loads it with MMUEXT_NEW_BASEPTR; another
 * L4 may serve guest user mode (MMUEXT_NEW_USER_BASEPTR, 0 = none).
 *
 * Here the new L4 is a copy of the builder's, plus slot 1 (address
 * 0x0000008000000000) leading through a new L3, L2 and L1 to a page with a
 * magic number; its slot 260 holds garbage of ours. After the switch that
 * address shows the magic and the kernel still runs (its slots were
 * copied); the hypervisor replaced slot 260 with its own entry and made
 * every entry user-accessible (compat mode: the kernel runs in ring 3; in
 * fast mode the lower half's U bits stay the guest's). With
 * VMASST_TYPE_m2p_strict, the L4 loses the M2P (slot 256) while it is a
 * user base and gets it back as the kernel's; in fast mode there is no
 * user base (one L4 per process): MMUEXT_NEW_USER_BASEPTR is -EINVAL,
 * whatever its argument. Once pinned, no frame of the tree can be
 * mapped writable. Unpinning the L4 while it is the base is allowed (as on
 * Xen): the base holds it. Switching back then leaves the tree unused, and
 * its frames are plain memory again.
 */
#include "guest.h"
#include "mmu.h"

const char test_title[] = "build, pin and switch to a new address space";

#define TEST_VA		0x0000008000000000UL	/* L4 slot 1: empty at boot */
#define MAGIC		0x5eed0000cafe1234UL

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

static void fill_table(u64 mfn, const u64 *src, unsigned slot, u64 val)
{
	frame_fill_table(window, mfn, src, slot, val);
}

void test_main(const struct start_info *si)
{
	u64 l4 = spare_mfn(0, NULL), l3 = spare_mfn(1, NULL), l2 = spare_mfn(2, NULL);
	u64 l1 = spare_mfn(3, NULL), data_pfn, data = spare_mfn(4, &data_pfn);
	u64 boot_l4 = virt_to_mfn((const void *)si->pt_base);
	u64 garbage = (data << 12) | PTE_P | PTE_RW;
	const u64 *w = (const u64 *)window;
	const u64 tree[] = { l4, l3, l2, l1 };
	const u64 us = PTE_US_ADDED;
	const long user_base_ok = guest_fast_mode() ? -XEN_EINVAL : 0;

	fill_table(data, NULL, 0, MAGIC);
	/* No US bit anywhere: the hypervisor must add it. */
	fill_table(l1, NULL, 0, (data << 12) | PTE_P | PTE_RW | PTE_A | PTE_D);
	fill_table(l2, NULL, 0, (l1 << 12) | PTE_P | PTE_RW);
	fill_table(l3, NULL, 0, (l2 << 12) | PTE_P | PTE_RW);
	fill_table(l4, (const u64 *)si->pt_base, 1, (l3 << 12) | PTE_P | PTE_RW);
	ASSERT_EQ(window_map(window, l4, PTE_FLAGS), 0);
	((u64 *)window)[260] = garbage;		/* a hypervisor slot */
	window_restore(window);

	ASSERT_EQ(pin(4, l4), 0);
	EXPECT_EQ(pin(4, l4), -XEN_EINVAL);	/* pinned twice */
	for (int i = 0; i < 4; i++)		/* a page table is never writable */
		EXPECT_EQ(window_map(window, tree[i], PTE_FLAGS), -XEN_EBUSY);
	ASSERT_EQ(window_map(window, l4, PTE_P | PTE_A), 0);	/* read-only is fine */
	EXPECT(w[260] != garbage);
	EXPECT_EQ(w[260] & PTE_MFN_MASK,			/* the hypervisor's */
		  ((const u64 *)si->pt_base)[260] & PTE_MFN_MASK);
	EXPECT_EQ(w[1], (l3 << 12) | PTE_P | PTE_RW | us);
	window_restore(window);
	ASSERT_EQ(window_map(window, l1, PTE_P), 0);
	EXPECT_EQ(w[0], (data << 12) | PTE_P | PTE_RW | PTE_A | PTE_D | us);
	window_restore(window);

	/* With m2p_strict, a user base loses the M2P, a kernel base gets it back. */
	ASSERT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_m2p_strict), 0);
	EXPECT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, l4, 0), user_base_ok);
	ASSERT_EQ(window_map(window, l4, PTE_P), 0);
	if (!guest_fast_mode())
		EXPECT_EQ(w[256], 0);
	window_restore(window);

	ASSERT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, l4, 0), 0);
	printk("mm_newbase: running on the new L4\n");
	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_m2p_strict), 0);
	EXPECT_EQ(*(volatile u64 *)TEST_VA, MAGIC);
	EXPECT_EQ(mfn_to_pfn(data), data_pfn);		/* the M2P is still there */
	*(volatile u64 *)TEST_VA = ~MAGIC;		/* mapped writable */
	EXPECT_EQ(*(volatile u64 *)TEST_VA, ~MAGIC);

	EXPECT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, l4, 0), user_base_ok);
	EXPECT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, l1, 0), -XEN_EINVAL);	/* not an L4 */
	EXPECT_EQ(mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0), user_base_ok);
	EXPECT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, l3, 0), -XEN_EINVAL);	/* not an L4 */
	EXPECT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, data, 0), -XEN_EINVAL);	/* mapped writable */

	/* Unpinned while it is the base: still valid, still in use. */
	EXPECT_EQ(unpin(l4), 0);
	EXPECT_EQ(*(volatile u64 *)TEST_VA, ~MAGIC);
	EXPECT_EQ(window_map(window, l3, PTE_FLAGS), -XEN_EBUSY);

	ASSERT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, boot_l4, 0), 0);
	printk("mm_newbase: back on the builder's L4\n");
	for (int i = 0; i < 4; i++) {		/* nobody uses the tree now */
		EXPECT_EQ(window_map(window, tree[i], PTE_FLAGS), 0);
		window_restore(window);
	}
	EXPECT_EQ(unpin(l4), -XEN_EINVAL);	/* not pinned any more */
}
