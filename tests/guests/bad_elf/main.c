/*
 * bad_elf: the domain builder refuses broken kernel images, says which
 * domain and why, and still starts the good one beside them.
 *
 * A boot module is untrusted input: a truncated file, random bytes, an
 * ELF that is no PV kernel or that does not fit its memory must be
 * refused with a reason, never crash the hypervisor or take the other
 * domains down. tests/guests/run generates the bad modules at test time
 * from this image (prepare_bad_elf) and lists them with this image in
 * domains.list; it checks each "(hv) domain NAME: refused: ..." line and
 * that this domain passes.
 *
 * This image is itself large: 6 MiB of .bss, so that with mem=4M its
 * initial mapping cannot fit and the builder must refuse it. As the good
 * domain (mem=16M) it checks what the builder owes a large image: every
 * page of it mapped, writable, and distinct.
 */
#include "guest.h"

const char test_title[] = "refused images beside a good one";

#define BIG_SIZE	(6UL << 20)

static u8 big[BIG_SIZE] __aligned(4096);

void test_main(const struct start_info *si)
{
	u64 pages = BIG_SIZE / GUEST_PAGE_SIZE;

	ASSERT((u64)_image_end - (u64)_image_start > BIG_SIZE);
	EXPECT(si->nr_pages * GUEST_PAGE_SIZE >= 16UL << 20);

	/* One word per page, each page's own number; then read them back. */
	for (u64 p = 0; p < pages; p++)
		*(volatile u64 *)(big + p * GUEST_PAGE_SIZE) = p ^ 0x5a5a0000UL;
	for (u64 p = 0; p < pages; p++) {
		u64 v = *(volatile u64 *)(big + p * GUEST_PAGE_SIZE);

		if (v != (p ^ 0x5a5a0000UL)) {
			test_fail("page %lu of the 6 MiB .bss reads %#lx", p, v);
			break;
		}
	}
	printk("bad_elf: %lu pages of .bss mapped and writable\n", pages);
}
