/*
 * mm_flush: every TLB flush a PV guest can ask for takes effect.
 *
 * mmu_update changes an L1 entry without flushing (Xen leaves that to the
 * guest, as on bare metal), so a translation the CPU cached may survive
 * it. The guest reads through a window page (caching its translation),
 * points the entry at the other frame with mmu_update, asks for one kind
 * of flush, and must then see the other frame: MMUEXT_TLB_FLUSH_LOCAL,
 * _MULTI, _ALL, MMUEXT_INVLPG_LOCAL, _MULTI, _ALL, and update_va_mapping's
 * UVMF_TLB_FLUSH and UVMF_INVLPG with every scope (local, all, a vCPU
 * bitmap). A bitmap the hypervisor cannot read is refused: -EINVAL for
 * mmuext_op, -EFAULT for update_va_mapping.
 */
#include "guest.h"
#include "mmu.h"

const char test_title[] = "TLB flushes take effect";

#define MAGIC_A		0xaaaa0000aaaa0001UL
#define MAGIC_B		0xbbbb0000bbbb0002UL
#define UNMAPPED	0x1000UL

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static volatile u64 *const w = (volatile u64 *)window;
static u64 frame[2], entry;
static int stale;	/* flushes after which the old frame still showed before */

/* Show frame `to` through an mmu_update only; the old one may still be cached. */
static void switch_quietly(int to)
{
	u64 before;

	before = w[0];		/* caches the current translation */
	ASSERT_EQ(mmu1(entry | MMU_NORMAL_PT_UPDATE, (frame[to] << 12) | PTE_P | PTE_A), 0);
	if (w[0] == before)
		stale++;
}

static u64 magic(int i)
{
	return i ? MAGIC_B : MAGIC_A;
}

static void mmuext_flush(unsigned cmd, u64 arg1, u64 mask, const char *what, int to)
{
	struct mmuext_op op = { .cmd = cmd, .arg1.linear_addr = arg1, .arg2.vcpumask = mask };
	u64 done = 0;

	switch_quietly(to);
	EXPECT_EQ(HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF), 0);
	if (w[0] != magic(to))
		test_fail("%s: the old frame still shows", what);
}

static void uvmf(u64 flags, const char *what, int to)
{
	w[0];
	EXPECT_EQ(HYPERVISOR_update_va_mapping((u64)window, (frame[to] << 12) | PTE_P | PTE_A,
					       flags), 0);
	if (w[0] != magic(to))
		test_fail("%s: the old frame still shows", what);
}

void test_main(const struct start_info *si)
{
	static u64 vcpumask = 1;
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_MULTI, .arg2.vcpumask = UNMAPPED };
	u64 done = 0;

	(void)si;
	frame[0] = spare_mfn(0, NULL);
	frame[1] = spare_mfn(1, NULL);
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(window_map(window, frame[i], PTE_FLAGS), 0);
		w[0] = magic(i);
	}
	entry = entry_maddr(window, 1);
	ASSERT_EQ(window_map(window, frame[0], PTE_P | PTE_A), 0);

	mmuext_flush(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, "TLB_FLUSH_LOCAL", 1);
	mmuext_flush(MMUEXT_TLB_FLUSH_ALL, 0, 0, "TLB_FLUSH_ALL", 0);
	mmuext_flush(MMUEXT_TLB_FLUSH_MULTI, 0, (u64)&vcpumask, "TLB_FLUSH_MULTI", 1);
	mmuext_flush(MMUEXT_INVLPG_LOCAL, (u64)window, 0, "INVLPG_LOCAL", 0);
	mmuext_flush(MMUEXT_INVLPG_ALL, (u64)window, 0, "INVLPG_ALL", 1);
	mmuext_flush(MMUEXT_INVLPG_MULTI, (u64)window, (u64)&vcpumask, "INVLPG_MULTI", 0);

	uvmf(UVMF_TLB_FLUSH | UVMF_LOCAL, "UVMF_TLB_FLUSH|UVMF_LOCAL", 1);
	uvmf(UVMF_TLB_FLUSH | UVMF_ALL, "UVMF_TLB_FLUSH|UVMF_ALL", 0);
	uvmf(UVMF_TLB_FLUSH | (u64)&vcpumask, "UVMF_TLB_FLUSH|mask", 1);
	uvmf(UVMF_INVLPG | UVMF_LOCAL, "UVMF_INVLPG|UVMF_LOCAL", 0);
	uvmf(UVMF_INVLPG | UVMF_ALL, "UVMF_INVLPG|UVMF_ALL", 1);
	uvmf(UVMF_INVLPG | (u64)&vcpumask, "UVMF_INVLPG|mask", 0);

	/* Bitmaps that cannot be read. */
	EXPECT_EQ(HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF), -XEN_EINVAL);
	EXPECT_EQ(done, 0);
	op.cmd = MMUEXT_INVLPG_MULTI;
	EXPECT_EQ(HYPERVISOR_mmuext_op(&op, 1, &done, DOMID_SELF), -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_update_va_mapping((u64)window, (frame[0] << 12) | PTE_P,
					       UVMF_INVLPG | UNMAPPED), -XEN_EFAULT);
	EXPECT_EQ(w[0], MAGIC_A);	/* the update itself was done */
	printk("mm_flush: the old frame still showed before %d of 6 quiet changes\n", stale);
	window_restore(window);
}
