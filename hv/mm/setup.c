/*
 * setup.c - from the boot memory map to a working frame allocator.
 *
 * Runs in: hypervisor, once at boot, on head.S's early page tables (which
 * map the first 4 GiB, so everything carved here is taken from below 4 GiB).
 *
 * The pool of free frames is usable RAM minus everything already in use:
 * the first MiB (firmware leftovers, real-mode structures), the hypervisor
 * image, the Multiboot2 information and the modules GRUB loaded. Out of
 * that pool come, before the allocator exists, its own bitmap and the
 * page_info array; the rest is handed to the allocator frame by frame.
 */
#include "hv.h"
#include "layout.h"
#include "boot/mb2.h"
#include "mm/frame.h"
#include "mm/memmap.h"
#include "mm/page_info.h"
#include "mm/paging.h"
#include "mm/setup.h"

extern const char __image_start_phys[], __image_end[];

struct page_info *frame_table;
u64 frame_table_size;

static void reserve(struct memmap *pool, u64 start, u64 end)
{
	if (memmap_remove(pool, ALIGN_DOWN(start, PAGE_SIZE),
			  ALIGN_UP(end, PAGE_SIZE)) < 0)
		panic("memory map too fragmented to reserve 0x%llx-0x%llx",
		      (unsigned long long)start, (unsigned long long)end);
}

static void *carve(struct memmap *pool, u64 bytes, const char *what)
{
	u64 pa;

	if (!memmap_carve(pool, ALIGN_UP(bytes, PAGE_SIZE), PAGE_SIZE,
			  EARLY_MAP_SIZE, &pa))
		panic("no room below 4 GiB for the %s (%llu KiB)", what,
		      (unsigned long long)(bytes >> 10));
	memset(__va(pa), 0, bytes);
	return __va(pa);
}

/*H:210 Carving up machine memory
 * Usable RAM minus what is already in use (the first MiB, the image, the
 * boot information, the modules) is the pool. The allocator's own bitmap
 * and the page_info array come out of the pool before the allocator exists;
 * the rest is handed to the allocator run by run, and paging_init()
 * replaces head.S's page tables.
 */
void mm_init(const struct boot_info *bi, u64 mbi_phys, u64 mbi_size)
{
	struct memmap pool = bi->usable;
	u64 ram_end = memmap_end(&bi->usable);
	u64 nr_frames = ram_end >> PAGE_SHIFT;

	reserve(&pool, 0, MiB(1));
	reserve(&pool, (u64)__image_start_phys, __pa(__image_end));
	reserve(&pool, mbi_phys, mbi_phys + mbi_size);
	for (int i = 0; i < bi->nr_mods; i++)
		reserve(&pool, bi->mods[i].start, bi->mods[i].end);

	frame_init(carve(&pool, frame_bitmap_bytes(nr_frames), "frame bitmap"),
		   nr_frames);
	frame_table = carve(&pool, nr_frames * sizeof(struct page_info),
			    "page_info array");
	frame_table_size = nr_frames;
	for (u64 i = 0; i < nr_frames; i++)
		frame_table[i].owner = OWNER_NONE;

	for (int i = 0; i < pool.n; i++)
		frame_add_free(pool.r[i].start >> PAGE_SHIFT,
			       (pool.r[i].end - pool.r[i].start) >> PAGE_SHIFT);
	printk("mm: %llu frames (%llu MiB) free for domains, page_info for %llu frames\n",
	       (unsigned long long)frame_nr_free(),
	       (unsigned long long)(frame_nr_free() >> (20 - PAGE_SHIFT)),
	       (unsigned long long)nr_frames);
	paging_init(ram_end);
}

/*
 * Every domain is built: the modules (kernels, ramdisks, images, domain
 * lists) were only read, and copied into the domains' own frames, so
 * their memory goes to the allocator. Only whole pages inside a module:
 * a page it shares with something else (the boot information, another
 * module's start) stays reserved. The module command lines are in the
 * boot information, which stays. Returns the bytes given back.
 */
u64 mm_release_modules(const struct boot_info *bi)
{
	u64 total = 0;

	for (int i = 0; i < bi->nr_mods; i++) {
		u64 s = ALIGN_UP(bi->mods[i].start, PAGE_SIZE);
		u64 e = ALIGN_DOWN(bi->mods[i].end, PAGE_SIZE);

		if (e <= s || s < MiB(1))
			continue;
		frame_add_free(s >> PAGE_SHIFT, (e - s) >> PAGE_SHIFT);
		total += e - s;
	}
	return total;
}
