/*
 * paging.c - the hypervisor's own page tables.
 *
 * Runs in: hypervisor, at boot, after the frame allocator exists.
 *
 * Replaces head.S's throwaway tables (first 4 GiB mapped twice) with the
 * real ones: only the direct map at DIRECTMAP_BASE, covering RAM up to its
 * highest address with 2 MiB pages, supervisor-only and global. Nothing is
 * mapped at low addresses any more, so a stray NULL dereference in the
 * hypervisor faults instead of reading machine memory. Guest L4s will get
 * copies of the hypervisor's L4 slots 256-271 (docs/design.md §4), so the
 * tables below those slots are shared by every address space.
 */
#include "hv.h"
#include "layout.h"
#include "mm/frame.h"
#include "mm/paging.h"
#include "x86/cpu.h"

static u64 *idle_l4;	/* the hypervisor's own L4: what runs when no guest does */
static u64 directmap_end;	/* physical addresses below this are in the direct map */

u64 paging_directmap_end(void)
{
	return directmap_end;
}

u64 *hv_l4(void)
{
	return idle_l4;
}

static u64 *alloc_table(void)
{
	return paging_zeroed_page();
}

/* A zeroed frame for the hypervisor's own use, at its direct-map address. */
void *paging_zeroed_page(void)
{
	mfn_t mfn = frame_alloc();

	if (mfn == INVALID_MFN)
		panic("out of memory building the hypervisor's page tables");
	if ((mfn << PAGE_SHIFT) >= EARLY_MAP_SIZE)
		panic("page-table frame above the early 4 GiB map");
	memset(__va(mfn << PAGE_SHIFT), 0, PAGE_SIZE);
	return __va(mfn << PAGE_SHIFT);
}

/* The next-level table under entry e of table t, created if absent. */
static u64 *next_table(u64 *t, unsigned idx)
{
	if (!(t[idx] & PTE_P)) {
		u64 *n = alloc_table();

		t[idx] = __pa(n) | PTE_P | PTE_RW;
	}
	return __va(t[idx] & PTE_ADDR);
}

static void map_2m(u64 *l4, u64 va, u64 pa, u64 flags)
{
	u64 *l3 = next_table(l4, pt_index(va, L4_SHIFT));
	u64 *l2 = next_table(l3, pt_index(va, L3_SHIFT));

	l2[pt_index(va, L2_SHIFT)] = pa | flags | PTE_PSE | PTE_P;
}

/*
 * W^X for the hypervisor itself. The image lives inside the direct map,
 * whose 2 MiB pages are writable; every 2 MiB page that holds part of the
 * image is split into 4 KiB pages so that its text is read-only and
 * executable, its read-only data read-only, and everything else (data,
 * bss, the rest of the direct map) never executable. A stray write into
 * our own code then faults instead of changing it.
 */
extern const char __image_start[], __rodata_start[], __data_start[],
	__image_end[];

static u64 image_page_flags(u64 va)
{
	u64 nx = PTE_NX | PTE_RW;

	if (va >= (u64)__image_start && va < (u64)__rodata_start)
		return 0;			/* text: read-only, executable */
	if (va >= (u64)__rodata_start && va < (u64)__data_start)
		return PTE_NX;		/* read-only data */
	return nx;
}

static void split_image_pages(void)
{
	u64 first = ALIGN_DOWN(__pa(__image_start), MiB(2));

	for (u64 pa2 = first; pa2 < __pa(__image_end); pa2 += MiB(2)) {
		u64 va2 = DIRECTMAP_BASE + pa2;
		u64 *l3 = next_table(idle_l4, pt_index(va2, L4_SHIFT));
		u64 *l2 = next_table(l3, pt_index(va2, L3_SHIFT));
		u64 *l1 = alloc_table();

		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			u64 va = va2 + (u64)i * PAGE_SIZE;

			l1[i] = (pa2 + (u64)i * PAGE_SIZE) | PTE_P |
				PTE_G | PTE_A | PTE_D |
				image_page_flags(va);
		}
		l2[pt_index(va2, L2_SHIFT)] = __pa(l1) | PTE_P | PTE_RW;
	}
}

void paging_init(u64 ram_end)
{
	u64 end = ALIGN_UP(ram_end, MiB(2));
	u64 cr4 = read_cr4();

	if (end > DIRECTMAP_SIZE)
		panic("RAM ends at 0x%llx, beyond the %llu GiB direct map",
		      (unsigned long long)ram_end,
		      (unsigned long long)(DIRECTMAP_SIZE >> 30));
	idle_l4 = alloc_table();
	for (u64 pa = 0; pa < end; pa += MiB(2))
		map_2m(idle_l4, DIRECTMAP_BASE + pa, pa, PTE_RW | PTE_NX |
		       PTE_G | PTE_A | PTE_D);
	split_image_pages();
	directmap_end = end;

	/* Global pages survive CR3 switches between guest address spaces. */
	write_cr4(cr4 | X86_CR4_PGE);
	write_cr3(__pa(idle_l4));
	printk("paging: direct map of %llu MiB at %#lx, no-execute; image text read-only\n",
	       (unsigned long long)(end >> 20), DIRECTMAP_BASE);
}

/*
 * The L1 of the hypervisor's own tables that maps va with 4 KiB pages,
 * made (zeroed, supervisor) with the tables above it if absent. For the
 * switcher's slice (pv/switcher.c): every guest L4 copies the hypervisor's
 * slots, so an entry written there later is seen in every address space.
 */
u64 *paging_l1_of(u64 va)
{
	u64 *l3 = next_table(idle_l4, pt_index(va, L4_SHIFT));
	u64 *l2 = next_table(l3, pt_index(va, L3_SHIFT));

	return next_table(l2, pt_index(va, L2_SHIFT));
}

/*
 * Make one page of the image read-only from now on, in every address
 * space (the tables below the L4 are shared): the IDT, once written, which
 * every CPU shares (x86/desc.c). The image is mapped with 4 KiB pages
 * (split_image_pages), so this is one L1 entry and an invlpg; the other
 * CPUs are not started yet, so no other TLB holds the old entry.
 */
void paging_make_readonly(u64 va)
{
	u64 *l3 = __va(idle_l4[pt_index(va, L4_SHIFT)] & PTE_ADDR);
	u64 *l2 = __va(l3[pt_index(va, L3_SHIFT)] & PTE_ADDR);
	u64 l2e = l2[pt_index(va, L2_SHIFT)];
	u64 *l1;

	BUG_ON(va < (u64)__image_start || va >= (u64)__image_end);
	BUG_ON(!(l2e & PTE_P) || (l2e & PTE_PSE));
	l1 = __va(l2e & PTE_ADDR);
	l1[pt_index(va, L1_SHIFT)] &= ~PTE_RW;
	invlpg(va);
}

/*
 * crashtest=smep|smap (hv/core/main.c): one page with the user bit at va,
 * as every guest page has, in the hypervisor's own tables, where nothing
 * else is mapped low. Returns the page (through the direct map).
 */
void *paging_map_user_page(u64 va)
{
	const u64 user = PTE_P | PTE_RW | PTE_US;
	u64 *l3 = alloc_table(), *l2 = alloc_table(), *l1 = alloc_table();
	u64 *page = alloc_table();

	BUG_ON(idle_l4[pt_index(va, L4_SHIFT)] & PTE_P);
	idle_l4[pt_index(va, L4_SHIFT)] = __pa(l3) | user;
	l3[pt_index(va, L3_SHIFT)] = __pa(l2) | user;
	l2[pt_index(va, L2_SHIFT)] = __pa(l1) | user;
	l1[pt_index(va, L1_SHIFT)] = __pa(page) | user;
	return page;
}

/*
 * Map device memory (the local APIC) into the direct map, uncached. Uses
 * 2 MiB pages like the rest of the direct map; the tables below the L4 are
 * shared with every guest L4, so the mapping is visible everywhere.
 */
void paging_map_mmio(u64 pa, u64 size)
{
	for (u64 p = ALIGN_DOWN(pa, MiB(2)); p < pa + size; p += MiB(2)) {
		map_2m(idle_l4, DIRECTMAP_BASE + p, p,
		       PTE_RW | PTE_PCD | PTE_PWT | PTE_G | PTE_NX |
		       PTE_A | PTE_D);
		invlpg(DIRECTMAP_BASE + p);
	}
}
