/*
 * mm_memory_op: what HYPERVISOR_memory_op tells a domain about its memory,
 * and the M2P matching the P2M the builder gave it.
 *
 * Linux asks for its memory map (XENMEM_memory_map: one RAM range of
 * nr_pages pages, else it falls back or BUGs), where the M2P is
 * (XENMEM_machphys_mapping), and the balloon asks for its reservation.
 * Every answer is checked against start_info; another domain's numbers
 * are refused (-ESRCH: there is no domain 99 in this boot). Then the M2P,
 * read directly at MACH2PHYS_VIRT_START, must give back pfn for the mfn of
 * every pfn in start_info.mfn_list, and nothing for the shared-info frame,
 * which is the hypervisor's (no pfn).
 */
#include "guest.h"
#include "mmu.h"

const char test_title[] = "memory_op answers; the M2P matches the P2M";

static void memory_map(const struct start_info *si)
{
	struct e820entry e[3];
	struct xen_memory_map map = { .nr_entries = 3, .buffer = (u64)e };

	memset(e, 0xff, sizeof(e));
	ASSERT_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &map), 0);
	EXPECT_EQ(map.nr_entries, 1);
	EXPECT_EQ(e[0].addr, 0);
	EXPECT_EQ(e[0].size, si->nr_pages << 12);
	EXPECT_EQ(e[0].type, E820_RAM);
	EXPECT_EQ(e[1].type, 0xffffffffu);	/* nothing beyond */
	map.nr_entries = 0;			/* no room: nothing copied */
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &map), 0);
	EXPECT_EQ(map.nr_entries, 0);
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, (void *)0x1000), -XEN_EFAULT);
}

static u64 machphys_mapping(void)
{
	struct xen_machphys_mapping m;

	ASSERT_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mapping, &m), 0);
	EXPECT_EQ(m.v_start, MACH2PHYS_VIRT_START);
	EXPECT_EQ(m.v_end, MACH2PHYS_VIRT_END);
	EXPECT(m.max_mfn > 0 && m.max_mfn < (m.v_end - m.v_start) / 8);
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL), m.max_mfn + 1);
	return m.max_mfn;
}

static void reservations(const struct start_info *si)
{
	domid_t self = DOMID_SELF, other = 99;

	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_current_reservation, &self), si->nr_pages);
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self), si->nr_pages);
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_maximum_gpfn, &self), si->nr_pages - 1);
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_current_reservation, &other), -XEN_ESRCH);
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_maximum_gpfn, NULL), -XEN_EFAULT);
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_machphys_compat_mfn_list, NULL), -XEN_ENOSYS);
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, NULL), -XEN_ENOSYS);
}

static void m2p_matches_p2m(const struct start_info *si, u64 max_mfn)
{
	const u64 *p2m = (const u64 *)si->mfn_list;
	u64 bad = 0;

	for (u64 pfn = 0; pfn < si->nr_pages; pfn++) {
		if (p2m[pfn] > max_mfn || mfn_to_pfn(p2m[pfn]) != pfn) {
			if (!bad++)
				test_fail("pfn %#lx: mfn %#lx, whose M2P entry is %#lx", pfn,
					  p2m[pfn], p2m[pfn] > max_mfn ? 0 : mfn_to_pfn(p2m[pfn]));
		}
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(mfn_to_pfn(si->shared_info >> 12), INVALID_M2P);
	printk("mm_memory_op: %lu pfns, every one's M2P entry points back\n", si->nr_pages);
}

void test_main(const struct start_info *si)
{
	u64 max_mfn;

	memory_map(si);
	max_mfn = machphys_mapping();
	reservations(si);
	m2p_matches_p2m(si, max_mfn);
}
