/*
 * mm_rw_pt: no writable mapping of a page table or a descriptor page.
 *
 * A guest that could write its page tables directly could map any frame;
 * one that could write its GDT could load any descriptor. So a frame in
 * use as either can be mapped read-only only: writable mappings are
 * refused with -EBUSY, by update_va_mapping and by mmu_update alike. Tried
 * on: the builder's L4 (the current base), one of its L1s, a frame the
 * guest pinned as an L2, and a frame loaded as its GDT. Read-only mappings
 * of each are accepted. Nor may the hypervisor write into one for the
 * guest: MMUEXT_CLEAR_PAGE and COPY_PAGE onto it are -EINVAL, and it
 * cannot become the vcpu_info the hypervisor keeps writing (-EACCES).
 * And the reverse: a frame mapped writable cannot become a table (pin,
 * NEW_BASEPTR) or a GDT page: -EINVAL.
 */
#include "guest.h"
#include "mmu.h"
#include "pvabi/vcpu.h"

const char test_title[] = "no writable mapping of page tables or GDT frames";

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 other[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

static void refuse_writable(const char *what, u64 mfn)
{
	struct vcpu_register_vcpu_info vi = { .mfn = mfn, .offset = 0 };
	long rc = window_map(window, mfn, PTE_FLAGS);

	if (rc != -XEN_EBUSY)
		test_fail("%s: writable mapping by update_va_mapping returned %ld", what, rc);
	rc = mmu1(entry_maddr(window, 1), (mfn << 12) | PTE_P | PTE_RW);
	if (rc != -XEN_EBUSY)
		test_fail("%s: writable mapping by mmu_update returned %ld", what, rc);
	rc = mmuext1(MMUEXT_CLEAR_PAGE, mfn, 0);
	if (rc != -XEN_EINVAL)
		test_fail("%s: MMUEXT_CLEAR_PAGE returned %ld", what, rc);
	rc = mmuext1(MMUEXT_COPY_PAGE, mfn, virt_to_mfn(other));
	if (rc != -XEN_EINVAL)
		test_fail("%s: MMUEXT_COPY_PAGE onto it returned %ld", what, rc);
	rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi);
	if (rc != -XEN_EACCES)
		test_fail("%s: register_vcpu_info returned %ld", what, rc);
	rc = window_map(window, mfn, PTE_P);
	if (rc != 0)
		test_fail("%s: read-only mapping returned %ld", what, rc);
	window_restore(window);
}

void test_main(const struct start_info *si)
{
	u64 l4 = virt_to_mfn((const void *)si->pt_base);
	u64 l1 = (entry_read(entry_maddr(window, 2)) & PTE_MFN_MASK) >> 12;
	u64 l2 = spare_mfn(0, NULL), gdt = spare_mfn(1, NULL);
	u64 mine = virt_to_mfn(other);		/* mapped writable (it is .bss) */

	frame_zero(window, l2);
	frame_zero(window, gdt);
	ASSERT_EQ(pin(2, l2), 0);
	ASSERT_EQ(HYPERVISOR_set_gdt(&gdt, 16), 0);

	refuse_writable("the current L4", l4);
	refuse_writable("an L1 of the builder's", l1);
	refuse_writable("a pinned L2", l2);
	refuse_writable("a GDT frame", gdt);

	/* And a frame mapped writable cannot become either. */
	EXPECT_EQ(pin(1, mine), -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_set_gdt(&mine, 16), -XEN_EINVAL);
	EXPECT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, mine, 0), -XEN_EINVAL);

	/* Given up, both are plain memory again. */
	EXPECT_EQ(HYPERVISOR_set_gdt(NULL, 0), 0);
	EXPECT_EQ(unpin(l2), 0);
	EXPECT_EQ(window_map(window, l2, PTE_FLAGS), 0);
	EXPECT_EQ(window_map(window, gdt, PTE_FLAGS), 0);
	window_restore(window);
}
