/*
 * memory.c - frames, the M2P, and mapping changes (memory.h).
 *
 * Runs in: test guests, guest kernel mode.
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "mmu.h"

u64 virt_to_pfn(const void *va)
{
	return ((u64)va - GUEST_VIRT_BASE) >> 12;
}

u64 pfn_to_mfn(u64 pfn)
{
	return ((const u64 *)start_info->mfn_list)[pfn];
}

u64 virt_to_mfn(const void *va)
{
	return pfn_to_mfn(virt_to_pfn(va));
}

u64 mfn_to_pfn(u64 mfn)
{
	return ((const volatile u64 *)MACH2PHYS_VIRT_START)[mfn];
}

void *pfn_to_virt(u64 pfn)
{
	return (void *)(GUEST_VIRT_BASE + (pfn << 12));
}

/* Walk L4 -> L1; every table is in the initial mapping (read-only). */
u64 pte_of(const void *va)
{
	const u64 *table = (const u64 *)start_info->pt_base;
	u64 e = 0;

	for (int level = 3; level >= 0; level--) {
		unsigned idx = ((u64)va >> (12 + 9 * level)) & 511;

		e = table[idx];
		if (!(e & PTE_P))
			return 0;
		if (level)
			table = pfn_to_virt(mfn_to_pfn((e & PTE_MFN_MASK) >> 12));
	}
	return e;
}

long remap_page(void *va, u64 mfn, u64 flags)
{
	return HYPERVISOR_update_va_mapping((u64)va, (mfn << 12) | flags,
					    UVMF_INVLPG | UVMF_LOCAL);
}

/*
 * Like Mini-OS: a page of .bss whose mapping is replaced by the
 * shared_info frame (its own frame stays ours, unmapped).
 */
static u8 shared_info_page[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

struct shared_info *shared_info_map(void)
{
	long rc;

	if (shinfo)
		return shinfo;
	rc = remap_page(shared_info_page, start_info->shared_info >> 12,
			PTE_P | PTE_RW | PTE_A | PTE_D);
	if (rc) {
		printk("memory: update_va_mapping of shared_info returned %ld\n", rc);
		return NULL;
	}
	shinfo = (struct shared_info *)shared_info_page;
	if (!vcpu)
		vcpu = &shinfo->vcpu_info[0];
	return shinfo;
}

/* Fast mode: the image again at USER_ALIAS_BASE, for user mode (memory.h). */
void user_alias_map(unsigned first)
{
	u64 l3 = spare_mfn(first, NULL), l2 = spare_mfn(first + 1, NULL);
	u64 l1 = spare_mfn(first + 2, NULL);
	u64 l4 = virt_to_mfn((const void *)start_info->pt_base);
	u64 table = PTE_P | PTE_RW | PTE_US | PTE_A;
	u64 pages = ((u64)_image_end - (u64)_image_start) / GUEST_PAGE_SIZE;
	static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
	u64 *w = (u64 *)window;
	long rc;

	if (pages > 512)
		test_error("user_alias_map: the image is %lu pages, one L1 maps 512", pages);
	if (window_map(window, l1, PTE_FLAGS))
		test_error("user_alias_map: cannot map mfn %#lx to fill it", l1);
	memset(w, 0, GUEST_PAGE_SIZE);
	for (u64 i = 0; i < pages; i++)
		w[i] = (virt_to_mfn(_image_start + i * GUEST_PAGE_SIZE) << 12) | PTE_FLAGS;
	window_restore(window);
	frame_fill_table(window, l2, NULL, 0, (l1 << 12) | table);
	frame_fill_table(window, l3, NULL, 0, (l2 << 12) | table);
	rc = mmu1((l4 << 12) | ((USER_ALIAS_BASE >> 39) & 511) * 8, (l3 << 12) | table);
	if (rc)
		test_error("user_alias_map: installing L4 slot %lu: %ld",
			   (USER_ALIAS_BASE >> 39) & 511, rc);
}
