/*
 * start_info: the state a new domain starts in is the one the PV ABI
 * promises (pvabi/xen.h, struct start_info).
 *
 * A PV kernel's first instructions trust all of it: Linux finds its page
 * tables through pt_base, its memory through mfn_list, its initrd through
 * mod_start, and runs on the boot stack with the mapping that follows it.
 * So the domain here (domains.list) has a ramdisk that tests/guests/run
 * fills with a known pattern, and a command line that says what to expect
 * ("pages=3072 ramdisk_len=100000 cmdline_len=N"). Checked: the entry
 * registers (ring 3 on the flat selectors, ring 1 on 0xe019/0xe061 in
 * fast mode, DS/ES/FS/GS null, rsi = &start_info, rsp at the
 * top of a page, events off only in software: IF set), the counts and
 * flags, the order of the initial mapping (kernel, ramdisk, P2M,
 * start_info, page tables, boot stack), the ramdisk byte for byte, the
 * P2M's machine frames all different, and the 512 KiB that must be mapped
 * and writable past the boot stack.
 */
#include "guest.h"

const char test_title[] = "start_info and the initial mapping";

#define PAGE		GUEST_PAGE_SIZE
#define IS_PAGE(x)	(((u64)(x) & (PAGE - 1)) == 0)
#define RFLAGS_IF	(1UL << 9)
#define RFLAGS_IOPL	(3UL << 12)

/* One bit per machine frame below 4 GiB, for the distinctness check. */
#define MFN_BITS	(1UL << 20)
static u64 mfn_seen[MFN_BITS / 64];

static void entry_registers(const struct start_info *si)
{
	EXPECT_EQ(boot_regs.cs, KERNEL_CS);
	EXPECT_EQ(boot_regs.cs & 3, KERNEL_RPL);
	EXPECT_EQ(boot_regs.ss, KERNEL_SS);
	EXPECT_EQ(boot_regs.rsi, (u64)si);
	EXPECT(IS_PAGE(boot_regs.rsp));
	EXPECT(boot_regs.rflags & RFLAGS_IF);
	EXPECT_EQ(boot_regs.rflags & RFLAGS_IOPL, 0);	/* IOPL is virtual */
	EXPECT_EQ(boot_regs.ds, 0);
	EXPECT_EQ(boot_regs.es, 0);
	EXPECT_EQ(boot_regs.fs, 0);
	EXPECT_EQ(boot_regs.gs, 0);
	EXPECT(IS_PAGE(si));
}

static void counts_and_flags(const struct start_info *si)
{
	EXPECT_EQ(si->nr_pages, cmdline_u64("pages", 0));
	EXPECT_EQ(si->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN), 0);
	/* the store (tests/guests/xenstore talks to it) */
	EXPECT(si->store_evtchn != 0 && si->store_evtchn != si->console.domU.evtchn);
	EXPECT(si->store_mfn != 0 && si->store_mfn != si->console.domU.mfn);
	EXPECT(si->shared_info != 0 && IS_PAGE(si->shared_info));
	EXPECT(si->nr_pt_frames >= 4);		/* at least L4, L3, L2, L1 */
	EXPECT_EQ(strnlen((const char *)si->cmd_line, MAX_GUEST_CMDLINE),
		  cmdline_u64("cmdline_len", 0));
	printk("cmdline: '%s'\n", (const char *)si->cmd_line);
}

/* kernel | ramdisk | P2M | start_info | ... | page tables | boot stack */
static void mapping_order(const struct start_info *si)
{
	u64 image_end = (u64)_image_end;
	u64 p2m_end = si->mfn_list + si->nr_pages * 8;
	u64 pt_end = si->pt_base + si->nr_pt_frames * PAGE;

	EXPECT(IS_PAGE(si->mod_start) && IS_PAGE(si->mfn_list) &&
	       IS_PAGE(si->pt_base));
	EXPECT(si->mod_start >= image_end);
	EXPECT(si->mfn_list >= si->mod_start + si->mod_len);
	EXPECT((u64)si >= p2m_end);
	EXPECT(si->pt_base > (u64)si);
	EXPECT(boot_regs.rsp - PAGE >= pt_end);
}

static void ramdisk(const struct start_info *si)
{
	const u8 *rd = (const u8 *)si->mod_start;

	EXPECT_EQ(si->mod_len, cmdline_u64("ramdisk_len", 1));
	for (u64 i = 0; i < si->mod_len; i++) {
		u8 want = (u8)(i * 131 + (i >> 8));

		if (rd[i] != want) {
			test_fail("ramdisk byte %lu is %#x, expected %#x", i,
				  rd[i], want);
			return;
		}
	}
}

static void p2m(const struct start_info *si)
{
	const u64 *mfn = (const u64 *)si->mfn_list;

	for (u64 pfn = 0; pfn < si->nr_pages; pfn++) {
		u64 m = mfn[pfn];

		if (m == 0 || m >= MFN_BITS) {
			test_fail("P2M[%lu] = %#lx", pfn, m);
			return;
		}
		if (mfn_seen[m / 64] & (1UL << (m % 64))) {
			test_fail("P2M[%lu] = %#lx, a frame given twice", pfn, m);
			return;
		}
		mfn_seen[m / 64] |= 1UL << (m % 64);
	}
}

/* Xen's promise: at least 512 KiB mapped past the boot stack. */
static void slack(void)
{
	volatile u8 *p = (volatile u8 *)boot_regs.rsp;

	for (u64 off = 0; off < 512 * 1024; off += PAGE) {
		p[off] = 0xa5;
		if (p[off] != 0xa5) {
			test_fail("byte at %p past the boot stack is not writable",
				  p + off);
			return;
		}
	}
}

void test_main(const struct start_info *si)
{
	entry_registers(si);
	counts_and_flags(si);
	mapping_order(si);
	ramdisk(si);
	p2m(si);
	slack();
}
