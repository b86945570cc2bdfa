/*
 * mm_map: map, remap and unmap a page with each page-table hypercall.
 *
 * The three ways a PV guest changes an L1 entry: update_va_mapping (by
 * virtual address, through the current tables), mmu_update with
 * MMU_NORMAL_PT_UPDATE (by the entry's machine address) and with
 * MMU_PT_UPDATE_PRESERVE_AD (the same, keeping the Accessed and Dirty
 * bits the CPU set). Each time the guest looks through the window page
 * and must see the frame it asked for: a magic number of frame A or B,
 * then nothing (the entry reads 0). MMU_MACHPHYS_UPDATE moves the M2P
 * entry of a frame of its own; a batch reports every request done in
 * *pdone; a multicall carries update_va_mapping too.
 */
#include "guest.h"
#include "mmu.h"

const char test_title[] = "map, remap and unmap with each hypercall";

#define MAGIC_A		0xaaaa0000aaaa0001UL
#define MAGIC_B		0xbbbb0000bbbb0002UL

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static volatile u64 *const w = (volatile u64 *)window;

static void invlpg(void *va)
{
	EXPECT_EQ(mmuext1(MMUEXT_INVLPG_LOCAL, (u64)va, 0), 0);
}

static void update_va_mapping(u64 a, u64 b, u64 a_pfn)
{
	u64 e = entry_maddr(window, 1);

	ASSERT_EQ(window_map(window, a, PTE_P | PTE_A), 0);	/* read-only */
	EXPECT_EQ(w[0], MAGIC_A);
	EXPECT_EQ(entry_read(e) & ~(PTE_A | PTE_D), (a << 12) | PTE_P | PTE_US_ADDED);
	ASSERT_EQ(window_map(window, b, PTE_FLAGS), 0);		/* remapped */
	EXPECT_EQ(w[0], MAGIC_B);
	w[1] = 0x1111;
	ASSERT_EQ(window_map(window, 0, 0), 0);			/* unmapped */
	EXPECT_EQ(entry_read(e), 0);
	EXPECT_EQ(pte_of(window), 0);
	EXPECT_EQ(HYPERVISOR_update_va_mapping(0x0000400000000000UL, (a << 12) | PTE_P, 0),
		  -XEN_EINVAL);					/* no L1 there */
	(void)a_pfn;
	window_restore(window);
}

static void normal_update(u64 a, u64 b)
{
	u64 e = entry_maddr(window, 1);

	ASSERT_EQ(mmu1(e | MMU_NORMAL_PT_UPDATE, (a << 12) | PTE_P | PTE_RW), 0);
	invlpg(window);
	EXPECT_EQ(w[0], MAGIC_A);
	EXPECT_EQ(entry_read(e) & ~(PTE_A | PTE_D), (a << 12) | PTE_P | PTE_RW | PTE_US_ADDED);
	ASSERT_EQ(mmu1(e | MMU_NORMAL_PT_UPDATE, (b << 12) | PTE_P), 0);
	invlpg(window);
	EXPECT_EQ(w[1], 0x1111);
	ASSERT_EQ(mmu1(e | MMU_NORMAL_PT_UPDATE, 0), 0);
	invlpg(window);
	EXPECT_EQ(entry_read(e), 0);
	window_restore(window);
}

static void preserve_ad(u64 a)
{
	u64 e = entry_maddr(window, 1), v = (a << 12) | PTE_P | PTE_RW;

	ASSERT_EQ(mmu1(e | MMU_NORMAL_PT_UPDATE, v), 0);
	invlpg(window);
	w[2] = 3;				/* the CPU sets Accessed and Dirty */
	EXPECT_EQ(entry_read(e), v | PTE_US_ADDED | PTE_A | PTE_D);
	ASSERT_EQ(mmu1(e | MMU_PT_UPDATE_PRESERVE_AD, (a << 12) | PTE_P), 0);
	EXPECT_EQ(entry_read(e), (a << 12) | PTE_P | PTE_US_ADDED | PTE_A | PTE_D);
	ASSERT_EQ(mmu1(e | MMU_NORMAL_PT_UPDATE, (a << 12) | PTE_P), 0);
	EXPECT_EQ(entry_read(e), (a << 12) | PTE_P | PTE_US_ADDED);	/* A/D gone */
	window_restore(window);
}

static void machphys(u64 a, u64 a_pfn)
{
	ASSERT_EQ(mmu1((a << 12) | MMU_MACHPHYS_UPDATE, 0x12345), 0);
	EXPECT_EQ(mfn_to_pfn(a), 0x12345);
	ASSERT_EQ(mmu1((a << 12) | MMU_MACHPHYS_UPDATE, a_pfn), 0);
	EXPECT_EQ(mfn_to_pfn(a), a_pfn);
}

static void batch(u64 a, u64 b)
{
	struct mmu_update req[3] = {
		{ entry_maddr(window, 1) | MMU_NORMAL_PT_UPDATE, (a << 12) | PTE_P },
		{ (b << 12) | MMU_MACHPHYS_UPDATE, 7 },
		{ (b << 12) | MMU_MACHPHYS_UPDATE, mfn_to_pfn(b) },
	};
	u64 done = 0;

	EXPECT_EQ(HYPERVISOR_mmu_update(req, 3, &done, DOMID_SELF), 0);
	EXPECT_EQ(done, 3);
	invlpg(window);
	EXPECT_EQ(w[0], MAGIC_A);
	window_restore(window);
}

static void multicall(u64 a, u64 b)
{
	struct multicall_entry mc[2];

	memset(mc, 0, sizeof(mc));
	mc[0].op = __HYPERVISOR_update_va_mapping;
	mc[0].args[0] = (u64)window;
	mc[0].args[1] = (a << 12) | PTE_P;
	mc[1] = mc[0];
	mc[1].args[1] = (b << 12) | PTE_P;
	mc[1].args[2] = UVMF_INVLPG | UVMF_LOCAL;
	EXPECT_EQ(HYPERVISOR_multicall(mc, 2), 0);
	EXPECT_EQ(mc[0].result, 0);
	EXPECT_EQ(mc[1].result, 0);
	EXPECT_EQ(w[0], MAGIC_B);
	window_restore(window);
}

void test_main(const struct start_info *si)
{
	u64 a_pfn, a = spare_mfn(0, &a_pfn), b = spare_mfn(1, NULL);

	(void)si;
	ASSERT_EQ(window_map(window, a, PTE_FLAGS), 0);
	memset(window, 0, GUEST_PAGE_SIZE);
	w[0] = MAGIC_A;
	ASSERT_EQ(window_map(window, b, PTE_FLAGS), 0);
	memset(window, 0, GUEST_PAGE_SIZE);
	w[0] = MAGIC_B;
	window_restore(window);

	update_va_mapping(a, b, a_pfn);
	normal_update(a, b);
	preserve_ad(a);
	machphys(a, a_pfn);
	batch(a, b);
	multicall(a, b);
}
