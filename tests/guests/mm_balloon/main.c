/*
 * mm_balloon: give memory back and take it again, with the M2P exact.
 *
 * A balloon driver returns frames with XENMEM_decrease_reservation (by
 * mfn) and gets them back with XENMEM_populate_physmap (by pfn; the
 * hypervisor picks new frames and writes their mfns back). After giving a
 * frame back: the reservation is one smaller, its M2P entry is invalid,
 * it is no longer ours (mapping it is refused, giving it back again does
 * nothing). After repopulating: the reservation is whole again, the new
 * frame's M2P entry is the pfn, and it is zeroed (no data of its last
 * owner). A pfn that is still backed cannot be populated, and nothing
 * beyond the domain's maximum reservation is handed out. A frame given
 * back while still mapped stays the domain's until that mapping goes
 * (Xen's rule): only then does the reservation shrink; meanwhile it cannot
 * become the domain's vcpu_info, which the hypervisor writes.
 */
#include "guest.h"
#include "mmu.h"
#include "pvabi/vcpu.h"

const char test_title[] = "decrease_reservation and populate_physmap";

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

static long reservation(unsigned op, u64 *extents, u64 n)
{
	struct xen_memory_reservation r = {
		.extent_start = (u64)extents, .nr_extents = n, .domid = DOMID_SELF,
	};

	return HYPERVISOR_memory_op(op, &r);
}

static long current_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

void test_main(const struct start_info *si)
{
	u64 pfn, mfn = spare_mfn(0, &pfn), pfn2, mfn2 = spare_mfn(1, &pfn2);
	u64 x[2], nr = si->nr_pages;
	volatile u64 *w = (volatile u64 *)window;

	/* Leave something in the frame for a careless allocator to leak. */
	ASSERT_EQ(window_map(window, mfn, PTE_FLAGS), 0);
	w[0] = 0x5ec7e75ec7e7UL;
	window_restore(window);

	x[0] = mfn;
	ASSERT_EQ(reservation(XENMEM_decrease_reservation, x, 1), 1);
	EXPECT_EQ(current_pages(), nr - 1);
	EXPECT_EQ(mfn_to_pfn(mfn), INVALID_M2P);
	EXPECT_EQ(window_map(window, mfn, PTE_P), -XEN_EBUSY);	/* not ours now */
	EXPECT_EQ(reservation(XENMEM_decrease_reservation, x, 1), 0);	/* twice */
	x[0] = si->shared_info >> 12;	/* the hypervisor's page: never */
	EXPECT_EQ(reservation(XENMEM_decrease_reservation, x, 1), 0);

	x[0] = pfn2;			/* still backed */
	EXPECT_EQ(reservation(XENMEM_populate_physmap, x, 1), 0);
	x[0] = nr;			/* beyond the P2M */
	EXPECT_EQ(reservation(XENMEM_populate_physmap, x, 1), 0);
	x[0] = 1UL << 40;		/* far beyond it: the P2M must not be read there */
	EXPECT_EQ(reservation(XENMEM_populate_physmap, x, 1), 0);
	x[0] = ~0UL;			/* pfn + 1 wraps */
	EXPECT_EQ(reservation(XENMEM_populate_physmap, x, 1), 0);
	x[0] = pfn;
	x[1] = pfn;			/* the second is backed by the first by then */
	ASSERT_EQ(reservation(XENMEM_populate_physmap, x, 2), 1);
	EXPECT_EQ(current_pages(), nr);
	EXPECT_EQ(mfn_to_pfn(x[0]), pfn);
	printk("mm_balloon: pfn %#lx: mfn %#lx given back, now mfn %#lx\n", pfn, mfn, x[0]);
	ASSERT_EQ(window_map(window, x[0], PTE_FLAGS), 0);
	for (int i = 0; i < 512; i++) {
		if (w[i]) {
			test_fail("the new frame is not zeroed: word %d is %#lx", i, w[i]);
			break;
		}
	}
	window_restore(window);
	((u64 *)si->mfn_list)[pfn] = x[0];	/* our P2M follows */

	/* At the maximum reservation, nothing more. */
	EXPECT_EQ(reservation(XENMEM_increase_reservation, x, 1), 0);

	/* A frame given back while mapped lingers until unmapped. */
	ASSERT_EQ(window_map(window, mfn2, PTE_P), 0);
	x[0] = mfn2;
	ASSERT_EQ(reservation(XENMEM_decrease_reservation, x, 1), 1);
	EXPECT_EQ(current_pages(), nr);		/* still mapped: still ours */
	EXPECT_EQ(mfn_to_pfn(mfn2), INVALID_M2P);
	/* ... but given back: the hypervisor must not write its vcpu_info there. */
	{
		struct vcpu_register_vcpu_info r = { .mfn = mfn2, .offset = 0 };

		EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
	}
	window_restore(window);
	EXPECT_EQ(current_pages(), nr - 1);	/* now it is gone */
	x[0] = pfn2;
	ASSERT_EQ(reservation(XENMEM_populate_physmap, x, 1), 1);
	EXPECT_EQ(mfn_to_pfn(x[0]), pfn2);
	((u64 *)si->mfn_list)[pfn2] = x[0];
	EXPECT_EQ(current_pages(), nr);
}
