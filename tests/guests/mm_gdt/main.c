/*
 * mm_gdt: a guest GDT, loaded for real and checked descriptor by descriptor.
 *
 * set_gdt gives the hypervisor frames holding descriptors; it checks all
 * 512 of each frame (DPL raised to the kernel's ring: 3, or 1 in fast
 * mode; no TSS, LDT or interrupt gates), types them as descriptor pages
 * (never writable again while in use) and maps them in front of its own
 * GDT page, so the CPU uses them: loading selector 0x1b (entry 3, written
 * with DPL 0; 0x19 in fast mode) into %ds works, because the hypervisor
 * raised its DPL to the kernel's ring (and in fast mode set its Accessed
 * bit, the CPU seeing the GDT read-only); after the GDT is dropped, the
 * same load faults. update_descriptor writes one checked descriptor. Refused with
 * -EINVAL: a frame mapped writable, a page-table frame, a frame with a
 * TSS descriptor in it, more than 7168 entries, a TSS through
 * update_descriptor, a misaligned address, a page table as its target.
 */
#include "guest.h"
#include "mmu.h"
#include "traps.h"

const char test_title[] = "set_gdt and update_descriptor";

#define CODE64_DPL0	0x00af9a000000ffffUL
#define DATA_DPL0	0x00cf92000000ffffUL
#define DATA_DPL3	0x00cff2000000ffffUL
#define TSS		0x0000890000000067UL

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

static u16 load_ds(u16 sel)
{
	u16 now;

	asm volatile("movw %1, %%ds\n\tmovw %%ds, %0" : "=r"(now) : "r"(sel));
	return now;
}

void test_main(const struct start_info *si)
{
	u64 gdt = spare_mfn(0, NULL), bad = spare_mfn(1, NULL), plain = spare_mfn(2, NULL);
	u64 l4 = virt_to_mfn((const void *)si->pt_base), x;
	volatile u64 *d = (volatile u64 *)window;
	/*
	 * DPL 0 becomes the kernel's ring; in fast mode the hypervisor also
	 * sets Accessed (bit 40): the CPU sees the GDT read-only there.
	 */
	const u64 raised = KERNEL_RPL << 45 | (guest_fast_mode() ? 1UL << 40 : 0);
	const u16 sel3 = (u16)(0x18 | KERNEL_RPL), sel5 = (u16)(0x28 | KERNEL_RPL);

	traps_init();
	ASSERT_EQ(window_map(window, bad, PTE_FLAGS), 0);
	memset(window, 0, GUEST_PAGE_SIZE);
	d[100] = TSS;
	ASSERT_EQ(window_map(window, gdt, PTE_FLAGS), 0);
	memset(window, 0, GUEST_PAGE_SIZE);
	d[2] = CODE64_DPL0;
	d[3] = DATA_DPL0;

	EXPECT_EQ(HYPERVISOR_set_gdt(&gdt, 16), -XEN_EINVAL);	/* still mapped writable */
	window_restore(window);
	EXPECT_EQ(HYPERVISOR_set_gdt(&bad, 16), -XEN_EINVAL);	/* a TSS in it */
	EXPECT_EQ(HYPERVISOR_set_gdt(&l4, 16), -XEN_EINVAL);	/* a page table */
	EXPECT_EQ(HYPERVISOR_set_gdt(&gdt, FIRST_RESERVED_GDT_ENTRY + 1), -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_set_gdt((void *)0x1000, 16), -XEN_EFAULT);
	ASSERT_EQ(HYPERVISOR_set_gdt(&gdt, 16), 0);

	EXPECT_EQ(window_map(window, gdt, PTE_FLAGS), -XEN_EBUSY);
	ASSERT_EQ(window_map(window, gdt, PTE_P), 0);	/* read-only: fine */
	EXPECT_EQ(d[2], CODE64_DPL0 | raised);	/* DPL raised to 3 (1) */
	EXPECT_EQ(d[3], DATA_DPL0 | raised);

	/* The CPU uses it: a load of entry 3 in the kernel's ring works. */
	EXPECT_EQ(load_ds(sel3), sel3);
	load_ds(0);

	x = (gdt << 12) + 5 * 8;
	EXPECT_EQ(HYPERVISOR_update_descriptor(x, DATA_DPL0), 0);
	EXPECT_EQ(d[5], DATA_DPL0 | raised);
	EXPECT_EQ(load_ds(sel5), sel5);
	load_ds(0);
	EXPECT_EQ(HYPERVISOR_update_descriptor(x + 8, TSS), -XEN_EINVAL);
	EXPECT_EQ(d[6], 0);
	EXPECT_EQ(HYPERVISOR_update_descriptor(x + 4, DATA_DPL3), -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_update_descriptor(l4 << 12, 0), -XEN_EINVAL);
	/* Into plain memory it is a checked store. */
	EXPECT_EQ(HYPERVISOR_update_descriptor(plain << 12, DATA_DPL0), 0);
	window_restore(window);
	ASSERT_EQ(window_map(window, plain, PTE_P), 0);
	EXPECT_EQ(d[0], DATA_DPL0 | raised);
	window_restore(window);

	/* Dropped: the frame is plain memory, and the selector faults. */
	EXPECT_EQ(HYPERVISOR_set_gdt(NULL, 0), 0);
	EXPECT_EQ(window_map(window, gdt, PTE_FLAGS), 0);
	window_restore(window);
	trap_record_reset();
	TRAP_EXPECT("movw %w1, %%ds", "r"((u64)sel3));
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 13);
	load_ds(0);
}
