/*
 * mm_batch: a batch with one bad request in the middle.
 *
 * mmu_update and mmuext_op run their requests in order and stop at the
 * first that fails, returning its error; *pdone says how many were done
 * (the failed one is not counted), those are in effect, and nothing after
 * it is. Xen's semantics, which Linux relies on when it checks a batch.
 * Also: a multicall reports each entry's own result, and its other
 * entries run.
 */
#include "guest.h"
#include "mmu.h"

const char test_title[] = "a bad request in the middle of a batch";

#define MAGIC		0xfeedfacecafebeefUL

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

void test_main(const struct start_info *si)
{
	u64 a_pfn, a = spare_mfn(0, &a_pfn), t = spare_mfn(1, NULL);
	u64 boot_l4 = virt_to_mfn((const void *)si->pt_base), done = 0;
	u64 e = entry_maddr(window, 1);
	struct mmu_update req[4] = {
		{ e | MMU_NORMAL_PT_UPDATE, (a << 12) | PTE_P | PTE_A },	/* fine */
		{ (a << 12) | MMU_MACHPHYS_UPDATE, 0x777 },			/* fine */
		{ e | MMU_NORMAL_PT_UPDATE, (boot_l4 << 12) | PTE_P | PTE_RW },	/* -EBUSY */
		{ (a << 12) | MMU_MACHPHYS_UPDATE, 0x888 },			/* not run */
	};
	struct mmuext_op ops[3] = {
		{ .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = t },
		{ .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = t },	/* twice: -EINVAL */
		{ .cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = t },	/* not run */
	};
	struct multicall_entry mc[3];

	ASSERT_EQ(window_map(window, a, PTE_FLAGS), 0);
	((u64 *)window)[0] = MAGIC;
	window_restore(window);
	frame_zero(window, t);

	EXPECT_EQ(HYPERVISOR_mmu_update(req, 4, &done, DOMID_SELF), -XEN_EBUSY);
	EXPECT_EQ(done, 2);
	EXPECT_EQ(mfn_to_pfn(a), 0x777);	/* the second ran, the fourth did not */
	EXPECT_EQ(mmuext1(MMUEXT_INVLPG_LOCAL, (u64)window, 0), 0);
	EXPECT_EQ(*(volatile u64 *)window, MAGIC);	/* the first ran */
	EXPECT_EQ(entry_read(e) & PTE_MFN_MASK, a << 12);	/* the third did not */
	window_restore(window);
	EXPECT_EQ(mmu1((a << 12) | MMU_MACHPHYS_UPDATE, a_pfn), 0);

	done = 0;
	EXPECT_EQ(HYPERVISOR_mmuext_op(ops, 3, &done, DOMID_SELF), -XEN_EINVAL);
	EXPECT_EQ(done, 1);
	EXPECT_EQ(window_map(window, t, PTE_FLAGS), -XEN_EBUSY);	/* still pinned */
	EXPECT_EQ(unpin(t), 0);

	/* A request that is not one at all: -ENOSYS, nothing done. */
	req[0].ptr = e | 3;			/* MMU_PT_UPDATE_NO_TRANSLATE */
	done = 0;
	EXPECT_EQ(HYPERVISOR_mmu_update(req, 1, &done, DOMID_SELF), -XEN_ENOSYS);
	EXPECT_EQ(done, 0);
	EXPECT_EQ(HYPERVISOR_mmu_update((void *)0x1000, 1, &done, DOMID_SELF), -XEN_EFAULT);

	/* In a multicall, each entry has its own result. */
	memset(mc, 0, sizeof(mc));
	for (int i = 0; i < 3; i++) {
		mc[i].op = __HYPERVISOR_mmu_update;
		mc[i].args[1] = 1;
		mc[i].args[3] = DOMID_SELF;
	}
	req[0] = (struct mmu_update){ (a << 12) | MMU_MACHPHYS_UPDATE, 0x999 };
	req[1] = (struct mmu_update){ 0x100UL << 12 | MMU_MACHPHYS_UPDATE, 1 };
	req[2] = (struct mmu_update){ (a << 12) | MMU_MACHPHYS_UPDATE, a_pfn };
	for (int i = 0; i < 3; i++)
		mc[i].args[0] = (u64)&req[i];
	EXPECT_EQ(HYPERVISOR_multicall(mc, 3), 0);
	EXPECT_EQ(mc[0].result, 0);
	EXPECT_EQ((long)mc[1].result, -XEN_EINVAL);
	EXPECT_EQ(mc[2].result, 0);
	EXPECT_EQ(mfn_to_pfn(a), a_pfn);
}
