/*
 * memory.c - frames, the M2P, and mapping changes (memory.h).
 *
 * Runs in: test guests, guest kernel mode.
 */
#include "guest.h"
#include "events.h"
#include "memory.h"

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
