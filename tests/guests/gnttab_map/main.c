/*
 * gnttab_map: copying and mapping through grants between domains, the
 * attacks on them, and either side dying with mappings live
 * (GNTTABOP_copy, map_grant_ref, unmap_grant_ref).
 *
 * Three domains (domains.list): "g" (domain 1) grants, "m" (2) copies and
 * maps, "x" (3) maps and dies holding its mapping. g grants three frames
 * mapped nowhere of its own: D (ref 8, to m), R (ref 9, read-only, to m),
 * X (ref 12, to x), plus D again to x (ref 11), and its mailbox page M
 * (refs 10 and 13) through which the three take turns: each waits for
 * the step it needs, yielding. Checked, by the domain that sees it:
 *
 *  m, copies: a grant to a frame of its own and back (the bytes arrive);
 *	offset + len beyond the page (bad_copy_arg), a frame side with
 *	another domid (permission_denied), g's frame named by mfn or m's own
 *	L1 as a destination (bad_page: the L1 is unchanged), a read-only
 *	grant as destination and a grant meant for x (general_error), a
 *	ref beyond the table (bad_gntref), no such domain (bad_domain); a
 *	batch goes on after a failed request; a batch of 4096 (preempted and
 *	continued) does each request.
 *  m, maps: not granted to m (ref 11: x's), R writable, m's own table,
 *	DOMID_SELF, no such domain, beyond the table, no kind, an address
 *	no L1 maps: each refused with Xen's status.
 *  m, maps by the PTE's machine address (GNTMAP_contains_pte, as Linux's
 *	PV backends map a frontend's rings): refused unaligned, in a data
 *	page of m's, in g's page, in one of g's L1s, in an L2 of m's
 *	(general_error); D mapped so
 *	through the entry of window X (its contents read), not unmapped by
 *	the virtual address, unmapped by the entry's address. D mapped
 *	writable: its PTE (g's frame, RW) and contents, m's writes; R
 *	read-only: a write faults (#PF), and an mmu_update making the PTE
 *	writable is refused (-EBUSY); a device mapping's dev_bus_addr is
 *	D's machine address.
 *  g, while mapped: GTF_reading|GTF_writing in entry 8, GTF_reading only in
 *	9; m's writes (by map and by copy) are in D; D cannot be pinned as
 *	an L1 (the grant holds it writable).
 *  m maps E (ref 14) and clears the PTE with update_va_mapping: allowed,
 *	but unmap then finds no PTE (general_error) and the grant stays
 *	held (g: entry 14 reading|writing, E not pinnable) until m's end;
 *	E's PTE cannot be put back by update_va_mapping (-EBUSY: not m's).
 *  m, one unmap call of 18 requests: 16 mappings, a forged handle and one
 *	undone earlier in the call (bad_handle); every PTE gone, no stale
 *	translation.
 *  m, unmaps: a forged handle (bad_handle), the wrong address or bus
 *	address (general_error), then the host mappings; twice (bad_handle);
 *	the PTE is gone and the TLB was flushed (a read faults).
 *  g, with only the device mapping left: entry 8 still reading|writing, D
 *	still not pinnable (the device mapping's own type reference).
 *  g, after m unmaps that too: entries 8 and 9 back to GTF_permit_access
 *	alone; D can be pinned as an L1 (and unpinned): nothing left over.
 *  x maps X writable, writes, and powers off holding it; g sees entry 12's
 *	GTF flags clear and X pinnable as an L1 once x is gone, with x's
 *	write in it.
 *  m maps D and R again; g gives R back (decrease_reservation) and powers
 *	off; m sees g gone (a copy from g's
 *	grant answers bad_domain), still reads and writes D and R through
 *	its mappings (the frames outlived g), unmaps D, and powers off holding
 *	R. run checks there is no leak line: the frames are freed by the
 *	last mapping, not leaked.
 */
#include "guest.h"
#include "grant.h"
#include "traps.h"
#include "events.h"

const char test_title[] = "grant tables: copy, map and unmap between domains";

#define G	1
#define M	2
#define X	3
#define WAIT_YIELDS	400000

/* The mailbox (g's page, mapped by m and x): mail[0..2] the steps of g, m, x. */
enum { G_STEP, M_STEP, X_STEP, D_MFN, R_MFN, X_MFN, E_MFN, G_PTE };

static u8 mailbox[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 win[6][GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 buf[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 many[16][GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static volatile u64 *mail;

#define W_TABLE	0	/* g: its grant table */
#define W_MAIL	0	/* m, x: the mailbox */
#define W_D	1
#define W_R	2
#define W_C	3	/* an unrelated page of ours */
#define W_X	4

static void wait_step(int who, u64 step)
{
	for (long i = 0; i < WAIT_YIELDS; i++) {
		if (mail[who] >= step)
			return;
		/* With several CPUs, a waiter's hypercalls would hold up the others'. */
		for (int k = 0; k < 2000; k++)
			asm volatile("pause");
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_error("waited too long for step %lu of domain %d (at %lu)", step,
		   who + 1, mail[who]);
}

/* ---- The mapper's side ------------------------------------------------- */

/* grant_map(), and a device map's bus address must be D's (the only one so mapped). */
static int map(domid_t dom, grant_ref_t ref, void *va, u32 flags, grant_handle_t *h)
{
	u64 bus;
	int st = grant_map(dom, ref, va, flags, h, &bus);

	if (st == GNTST_okay && (flags & GNTMAP_device_map))
		EXPECT_EQ(bus, mail[D_MFN] << 12);
	return st;
}

/* Wait for g's grants to be there: the mailbox maps once they are. */
static void map_mailbox(grant_ref_t ref)
{
	for (long i = 0; i < WAIT_YIELDS; i++) {
		int st = map(G, ref, win[W_MAIL], GNTMAP_host_map, NULL);

		if (st == GNTST_okay) {
			mail = (volatile u64 *)win[W_MAIL];
			return;
		}
		if (st != GNTST_general_error && st != GNTST_bad_gntref)
			test_fail("mapping the mailbox: status %d", st);
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_error("no mailbox grant from g");
}

static struct gnttab_copy_ptr gref(domid_t dom, grant_ref_t ref, u16 off)
{
	return (struct gnttab_copy_ptr){ .u.ref = ref, .domid = dom, .offset = off };
}

static struct gnttab_copy_ptr gmfn(u64 mfn, u16 off)
{
	return (struct gnttab_copy_ptr){ .u.gmfn = mfn, .domid = DOMID_SELF, .offset = off };
}

static int copy(struct gnttab_copy_ptr src, struct gnttab_copy_ptr dst, u16 len, u16 flags)
{
	struct gnttab_copy op = { .source = src, .dest = dst, .len = len, .flags = flags,
				  .status = 99 };

	EXPECT_EQ(gnttab_op(GNTTABOP_copy, &op, 1), 0);
	return op.status;
}

static void m_copies(void)
{
	const u64 *b = (const u64 *)buf;
	u64 mine = virt_to_mfn(buf);
	u64 l1 = entry_maddr(buf, 1) >> 12;
	u64 l1e = entry_read(entry_maddr(buf, 1));
	struct gnttab_copy batch[3];

	memset(buf, 0xff, sizeof(buf));
	EXPECT_EQ(copy(gref(G, 8, 0), gmfn(mine, 0), 4096, GNTCOPY_source_gref), GNTST_okay);
	for (unsigned i = 0; i < 512; i++)
		EXPECT_EQ(b[i], grant_pattern(0xd, i));
	/* Word 1 of D: m's mark, by copy (g checks it). */
	((u64 *)buf)[100] = grant_pattern(0xc0, 1);
	EXPECT_EQ(copy(gmfn(mine, 800), gref(G, 8, 8), 8, GNTCOPY_dest_gref), GNTST_okay);
	/* Same frame both sides, overlapping. */
	EXPECT_EQ(copy(gmfn(mine, 0), gmfn(mine, 8), 16, 0), GNTST_okay);
	EXPECT_EQ(b[2], grant_pattern(0xd, 1));

	EXPECT_EQ(copy(gref(G, 8, 4000), gmfn(mine, 0), 200, GNTCOPY_source_gref), GNTST_bad_copy_arg);
	EXPECT_EQ(copy(gref(G, 8, 0), gmfn(mine, 3900), 200, GNTCOPY_source_gref), GNTST_bad_copy_arg);
	EXPECT_EQ(copy(gref(G, 8, 0), gmfn(mine, 0), 0xffff, GNTCOPY_source_gref), GNTST_bad_copy_arg);
	struct gnttab_copy_ptr other = gmfn(mine, 0);
	other.domid = G;
	EXPECT_EQ(copy(other, gmfn(mine, 0), 8, 0), GNTST_permission_denied);
	EXPECT_EQ(copy(gmfn(mail[D_MFN], 0), gmfn(mine, 0), 8, 0), GNTST_bad_page);
	EXPECT_EQ(copy(gref(G, 8, 0), gmfn(l1, 0), 4096, GNTCOPY_source_gref), GNTST_bad_page);
	EXPECT_EQ(entry_read(entry_maddr(buf, 1)), l1e);
	EXPECT_EQ(copy(gmfn(mine, 0), gref(G, 9, 0), 8, GNTCOPY_dest_gref), GNTST_general_error);
	EXPECT_EQ(copy(gref(G, 11, 0), gmfn(mine, 0), 8, GNTCOPY_source_gref), GNTST_general_error);
	EXPECT_EQ(copy(gref(G, 100000, 0), gmfn(mine, 0), 8, GNTCOPY_source_gref), GNTST_bad_gntref);
	EXPECT_EQ(copy(gref(G, 600, 0), gmfn(mine, 0), 8, GNTCOPY_source_gref), GNTST_bad_gntref);
	EXPECT_EQ(copy(gref(9, 8, 0), gmfn(mine, 0), 8, GNTCOPY_source_gref), GNTST_bad_domain);
	/* R read-only is fine as a source. */
	EXPECT_EQ(copy(gref(G, 9, 16), gmfn(mine, 0), 8, GNTCOPY_source_gref), GNTST_okay);
	EXPECT_EQ(b[0], grant_pattern(0xe, 2));

	batch[0] = (struct gnttab_copy){ gref(G, 8, 24), gmfn(mine, 0), 8, GNTCOPY_source_gref, 99, 0 };
	batch[1] = (struct gnttab_copy){ gmfn(mine, 0), gref(G, 9, 0), 8, GNTCOPY_dest_gref, 99, 0 };
	batch[2] = (struct gnttab_copy){ gref(G, 9, 32), gmfn(mine, 8), 8, GNTCOPY_source_gref, 99, 0 };
	EXPECT_EQ(gnttab_op(GNTTABOP_copy, batch, 3), 0);
	EXPECT_EQ(batch[0].status, GNTST_okay);
	EXPECT_EQ(batch[1].status, GNTST_general_error);
	EXPECT_EQ(batch[2].status, GNTST_okay);
	EXPECT_EQ(b[0], grant_pattern(0xd, 3));
	EXPECT_EQ(b[1], grant_pattern(0xe, 4));
}

/*
 * One copy call of 4096 requests, 8 passes over D word by word into the
 * same word of buf (the last pass a word of its own, so a request skipped
 * shows): long enough to be preempted and continued (uop and count moved
 * on: `stats` counts the continuations); every word arrives, every
 * status is okay.
 */
#define BIG	4096
static struct gnttab_copy big[BIG];

static void m_copy_batch(void)
{
	const u64 *b = (const u64 *)buf;
	u64 mine = virt_to_mfn(buf);

	memset(buf, 0xff, sizeof(buf));
	for (unsigned i = 0; i < BIG; i++)
		big[i] = (struct gnttab_copy){ gref(G, 8, (u16)(i % 512 * 8)),
					       gmfn(mine, (u16)(i % 512 * 8)), 8,
					       GNTCOPY_source_gref, 99, 0 };
	EXPECT_EQ(gnttab_op(GNTTABOP_copy, big, BIG), 0);
	for (unsigned i = 0; i < BIG; i++)
		EXPECT_EQ(big[i].status, GNTST_okay);
	for (unsigned i = 0; i < 512; i++)
		EXPECT_EQ(b[i], i == 0 ? grant_pattern(0xd, 0) :
				i == 1 ? grant_pattern(0xc0, 1) : grant_pattern(0xd, i));
}

static void m_refused_maps(void)
{
	EXPECT_EQ(map(G, 11, win[W_D], GNTMAP_host_map, NULL), GNTST_general_error);
	EXPECT_EQ(map(G, 9, win[W_D], GNTMAP_host_map, NULL), GNTST_general_error);
	EXPECT_EQ(map(M, 8, win[W_D], GNTMAP_host_map, NULL), GNTST_general_error);
	EXPECT_EQ(map(DOMID_SELF, 8, win[W_D], GNTMAP_host_map, NULL), GNTST_bad_domain);
	EXPECT_EQ(map(9, 8, win[W_D], GNTMAP_host_map, NULL), GNTST_bad_domain);
	EXPECT_EQ(map(G, 100000, win[W_D], GNTMAP_host_map, NULL), GNTST_bad_gntref);
	EXPECT_EQ(map(G, 600, win[W_D], GNTMAP_host_map, NULL), GNTST_bad_gntref);
	EXPECT_EQ(map(G, 8, win[W_D], 0, NULL), GNTST_bad_gntref);
	EXPECT_EQ(map(G, 8, (void *)0x100000000000UL, GNTMAP_host_map, NULL),
		  GNTST_general_error);
	/* Nothing of those left a mapping: the window is still our page. */
	EXPECT_EQ((pte_of(win[W_D]) & PTE_MFN_MASK) >> 12, virt_to_mfn(win[W_D]));
}

/* GNTMAP_contains_pte: host_addr is the machine address of the PTE to write. */
static void m_map_by_pte(void)
{
	const u32 f = GNTMAP_host_map | GNTMAP_contains_pte;
	u64 at = entry_maddr(win[W_X], 1);
	grant_handle_t h;

	EXPECT_EQ(map(G, 8, (void *)(at + 4), f, NULL), GNTST_general_error);
	EXPECT_EQ(map(G, 8, (void *)(virt_to_mfn(buf) << 12), f, NULL), GNTST_general_error);
	EXPECT_EQ(map(G, 8, (void *)(mail[D_MFN] << 12), f, NULL), GNTST_general_error);
	EXPECT_EQ(map(G, 8, (void *)mail[G_PTE], f, NULL), GNTST_general_error);
	EXPECT_EQ(map(G, 8, (void *)entry_maddr(win[W_X], 2), f, NULL), GNTST_general_error);
	ASSERT_EQ(map(G, 8, (void *)at, f, &h), GNTST_okay);
	EXPECT_EQ((pte_of(win[W_X]) & PTE_MFN_MASK) >> 12, mail[D_MFN]);
	EXPECT_EQ(((volatile u64 *)win[W_X])[5], grant_pattern(0xd, 5));
	EXPECT_EQ(grant_unmap(win[W_X], 0, h), GNTST_general_error);	/* not how it was made */
	EXPECT_EQ(grant_unmap((void *)at, 0, h), GNTST_okay);
	EXPECT_EQ(pte_of(win[W_X]) & PTE_P, 0);
	EXPECT_EQ(grant_unmap((void *)at, 0, h), GNTST_bad_handle);
	window_restore(win[W_X]);
}

static grant_handle_t hd, hr, hdev;

static void m_maps(void)
{
	volatile u64 *d = (volatile u64 *)win[W_D];
	volatile u64 *r = (volatile u64 *)win[W_R];
	struct mmu_update req;
	u64 done, pte;

	ASSERT_EQ(map(G, 8, win[W_D], GNTMAP_host_map, &hd), GNTST_okay);
	pte = pte_of(win[W_D]);
	EXPECT_EQ((pte & PTE_MFN_MASK) >> 12, mail[D_MFN]);
	EXPECT(pte & PTE_RW);
	EXPECT_EQ(d[1], grant_pattern(0xc0, 1));		/* our copy's mark */
	EXPECT_EQ(d[5], grant_pattern(0xd, 5));
	d[0] = grant_pattern(0x3a, 0);			/* m's mark, g checks it */

	ASSERT_EQ(map(G, 9, win[W_R], GNTMAP_host_map | GNTMAP_readonly, &hr), GNTST_okay);
	pte = pte_of(win[W_R]);
	EXPECT_EQ((pte & PTE_MFN_MASK) >> 12, mail[R_MFN]);
	EXPECT(!(pte & PTE_RW));
	EXPECT_EQ(r[7], grant_pattern(0xe, 7));
	trap_record_reset();
	TRAP_EXPECT("movq %2, (%1)", "r"(&r[7]), "r"(0UL));
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 14);
	EXPECT_EQ(r[7], grant_pattern(0xe, 7));
	req = (struct mmu_update){ .ptr = entry_maddr(win[W_R], 1), .val = pte | PTE_RW };
	EXPECT_EQ(HYPERVISOR_mmu_update(&req, 1, &done, DOMID_SELF), -XEN_EBUSY);
	EXPECT(!(pte_of(win[W_R]) & PTE_RW));

	/* A device mapping of D too: no PTE, its machine address. */
	ASSERT_EQ(map(G, 8, NULL, GNTMAP_device_map, &hdev), GNTST_okay);
	EXPECT(hdev != hd && hdev != hr);
}

/* The host mappings go; the device mapping of D stays (g checks it holds D). */
static void m_unmaps(void)
{
	volatile u64 *d = (volatile u64 *)win[W_D];

	EXPECT_EQ(grant_unmap(win[W_D], 0, 1234), GNTST_bad_handle);
	EXPECT_EQ(grant_unmap(win[W_D], 0, 0xffffffffu), GNTST_bad_handle);
	EXPECT_EQ(grant_unmap(win[W_C], 0, hd), GNTST_general_error);	/* not there */
	EXPECT_EQ(grant_unmap(win[W_R], 0, hd), GNTST_general_error);	/* R's PTE */
	EXPECT_EQ(grant_unmap(win[W_D], 0, hdev), GNTST_general_error);	/* no host part */
	EXPECT_EQ(grant_unmap(NULL, (mail[D_MFN] + 1) << 12, hdev), GNTST_general_error);
	EXPECT_EQ(grant_unmap(NULL, mail[D_MFN] << 12, hd), GNTST_general_error); /* no device part */
	EXPECT_EQ(d[5], grant_pattern(0xd, 5));	/* the translation is in the TLB now */
	EXPECT_EQ(grant_unmap(win[W_D], 0, hd), GNTST_okay);
	EXPECT_EQ(pte_of(win[W_D]) & PTE_P, 0);
	/* The unmap flushed: no stale translation reaches D any more. */
	trap_record_reset();
	TRAP_EXPECT("cmpq $0, (%1)", "r"(&d[5]));
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 14);
	EXPECT_EQ(grant_unmap(win[W_D], 0, hd), GNTST_bad_handle);		/* twice */
	EXPECT_EQ(grant_unmap(win[W_R], 0, hr), GNTST_okay);
	window_restore(win[W_D]);
	window_restore(win[W_R]);
}

static void m_unmap_device(void)
{
	EXPECT_EQ(grant_unmap(NULL, mail[D_MFN] << 12, hdev), GNTST_okay);
	EXPECT_EQ(grant_unmap(NULL, mail[D_MFN] << 12, hdev), GNTST_bad_handle);
}

/* After g's end: its frames still mapped, readable and writable. */
static void m_after_g(void)
{
	volatile u64 *d = (volatile u64 *)win[W_D];
	volatile u64 *r = (volatile u64 *)win[W_R];
	long i;

	for (i = 0; i < WAIT_YIELDS; i++) {
		if (copy(gref(G, 10, 0), gmfn(virt_to_mfn(buf), 0), 8,
			 GNTCOPY_source_gref) == GNTST_bad_domain)
			break;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	if (i == WAIT_YIELDS)
		test_error("g did not end");
	EXPECT_EQ(d[0], grant_pattern(0x3a, 0));
	EXPECT_EQ(d[9], grant_pattern(0xd, 9));
	EXPECT_EQ(r[9], grant_pattern(0xe, 9));
	d[9] = 0x1234;
	EXPECT_EQ(d[9], 0x1234);
	EXPECT_EQ(grant_unmap(win[W_D], 0, hd), GNTST_okay);
	EXPECT_EQ(pte_of(win[W_D]) & PTE_P, 0);
	window_restore(win[W_D]);
	/* R stays mapped: our end frees it. */
}

/*
 * What a copy and a map + unmap pair cost, seen by the guest (printed, not
 * judged: the machine is shared and QEMU's speed varies).
 */
static void m_timing(void)
{
	enum { COPIES = 100, MAPS = 20 };
	u64 t0, t1, t2;
	grant_handle_t h;
	int bad = 0;

	t0 = system_time();
	for (int i = 0; i < COPIES; i++)
		bad += copy(gref(G, 8, 0), gmfn(virt_to_mfn(buf), 0), 4096,
			    GNTCOPY_source_gref) != GNTST_okay;
	t1 = system_time();
	for (int i = 0; i < MAPS; i++) {
		bad += map(G, 8, win[W_C], GNTMAP_host_map | GNTMAP_readonly, &h) != GNTST_okay;
		bad += grant_unmap(win[W_C], 0, h) != GNTST_okay;
	}
	t2 = system_time();
	window_restore(win[W_C]);
	EXPECT_EQ(bad, 0);
	printk("gnttab_map: copy of 4 KiB %lu ns, map + unmap %lu ns (%d and %d of them)\n",
	       (t1 - t0) / COPIES, (t2 - t1) / MAPS, COPIES, MAPS);
}

/*
 * One unmap call of 18 requests (two chunks of the hypervisor's): 16 real
 * ones, a forged handle, and a handle undone earlier in the same call.
 * Each request sees the ones before it done; every PTE is gone and no
 * stale translation is left.
 */
static void m_batch_unmap(void)
{
	struct gnttab_unmap_grant_ref ops[18];
	grant_handle_t h[16];
	int k = 0;

	for (int i = 0; i < 16; i++)
		ASSERT_EQ(map(G, 8, many[i], GNTMAP_host_map | GNTMAP_readonly, &h[i]),
			  GNTST_okay);
	EXPECT_EQ(((volatile u64 *)many[3])[5], grant_pattern(0xd, 5));	/* in the TLB */
	for (int i = 0; i < 8; i++)
		ops[k++] = (struct gnttab_unmap_grant_ref){ (u64)many[i], 0, h[i], 99, 0 };
	ops[k++] = (struct gnttab_unmap_grant_ref){ (u64)many[0], 0, 4321, 99, 0 };
	ops[k++] = (struct gnttab_unmap_grant_ref){ (u64)many[0], 0, h[0], 99, 0 };
	for (int i = 8; i < 16; i++)
		ops[k++] = (struct gnttab_unmap_grant_ref){ (u64)many[i], 0, h[i], 99, 0 };
	EXPECT_EQ(gnttab_op(GNTTABOP_unmap_grant_ref, ops, 18), 0);
	for (int i = 0; i < 18; i++)
		EXPECT_EQ(ops[i].status, i == 8 || i == 9 ? GNTST_bad_handle : GNTST_okay);
	for (int i = 0; i < 16; i++)
		EXPECT_EQ(pte_of(many[i]) & PTE_P, 0);
	trap_record_reset();
	TRAP_EXPECT("cmpq $0, (%1)", "r"(&((volatile u64 *)many[3])[5]));
	EXPECT_EQ(trap_count, 1);
	for (int i = 0; i < 16; i++)
		window_restore(many[i]);
}

/*
 * A grant PTE cleared by update_va_mapping: allowed (its own references
 * go), but the grant stays held: unmap no longer finds its PTE
 * (general_error), the frame cannot be mapped directly (not ours), and
 * our end releases the grant (run's leak check). g sees E still pinned.
 */
static void m_cleared_elsewhere(void)
{
	grant_handle_t h;
	u64 pte;

	ASSERT_EQ(map(G, 14, win[W_X], GNTMAP_host_map, &h), GNTST_okay);
	pte = pte_of(win[W_X]);
	EXPECT_EQ((pte & PTE_MFN_MASK) >> 12, mail[E_MFN]);
	((volatile u64 *)win[W_X])[0] = grant_pattern(0x5e, 0);
	EXPECT_EQ(HYPERVISOR_update_va_mapping((u64)win[W_X], 0, UVMF_INVLPG), 0);
	EXPECT_EQ(pte_of(win[W_X]) & PTE_P, 0);
	EXPECT_EQ(grant_unmap(win[W_X], 0, h), GNTST_general_error);
	EXPECT_EQ(HYPERVISOR_update_va_mapping((u64)win[W_X], pte, UVMF_INVLPG), -XEN_EBUSY);
	window_restore(win[W_X]);
}

static void role_m(void)
{
	map_mailbox(10);
	m_copies();
	m_copy_batch();
	m_timing();
	m_batch_unmap();
	m_refused_maps();
	m_map_by_pte();
	m_cleared_elsewhere();
	m_maps();
	mail[M_STEP] = 1;
	wait_step(G_STEP, 2);
	m_unmaps();
	mail[M_STEP] = 3;
	wait_step(G_STEP, 4);
	m_unmap_device();
	mail[M_STEP] = 5;
	wait_step(G_STEP, 6);
	ASSERT_EQ(map(G, 8, win[W_D], GNTMAP_host_map, &hd), GNTST_okay);
	ASSERT_EQ(map(G, 9, win[W_R], GNTMAP_host_map | GNTMAP_readonly, &hr), GNTST_okay);
	mail[M_STEP] = 7;
	m_after_g();
}

static void role_x(void)
{
	grant_handle_t h;

	map_mailbox(13);
	ASSERT_EQ(map(G, 12, win[W_X], GNTMAP_host_map, &h), GNTST_okay);
	((volatile u64 *)win[W_X])[3] = grant_pattern(0x77, 3);
	mail[X_STEP] = 1;
	/* Power off holding the mapping. */
}

/* ---- The granter's side ------------------------------------------------- */

static struct grant_entry_v1 *table;

static void grant(grant_ref_t ref, domid_t to, u64 mfn, u16 extra)
{
	table[ref].domid = to;
	table[ref].frame = (u32)mfn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table[ref].flags = GTF_permit_access | extra;
}

static u16 flags_of(grant_ref_t ref)
{
	return __atomic_load_n(&table[ref].flags, __ATOMIC_SEQ_CST);
}

static void role_g(void)
{
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 1 };
	u64 frame = 0, d, r, x;
	long i;

	s.frame_list = (u64)&frame;
	ASSERT_EQ(gnttab_op(GNTTABOP_setup_table, &s, 1), 0);
	ASSERT_EQ(s.status, GNTST_okay);
	ASSERT_EQ(window_map(win[W_TABLE], frame, PTE_FLAGS), 0);
	table = (struct grant_entry_v1 *)win[W_TABLE];
	mail = (volatile u64 *)mailbox;
	d = grant_fill(win[W_C], 0, 0xd);
	r = grant_fill(win[W_C], 1, 0xe);
	x = grant_fill(win[W_C], 2, 0xf);
	mail[E_MFN] = grant_fill(win[W_C], 3, 0x5);
	mail[D_MFN] = d;
	mail[R_MFN] = r;
	mail[X_MFN] = x;
	mail[G_PTE] = entry_maddr(buf, 1);	/* an entry of one of g's L1s */
	grant(8, M, d, 0);
	grant(9, M, r, GTF_readonly);
	grant(11, X, d, 0);
	grant(12, X, x, 0);
	grant(14, M, mail[E_MFN], 0);
	grant(13, X, virt_to_mfn(mailbox), 0);
	grant(10, M, virt_to_mfn(mailbox), 0);

	wait_step(M_STEP, 1);
	EXPECT_EQ(flags_of(8), GTF_permit_access | GTF_reading | GTF_writing);
	EXPECT_EQ(flags_of(9), GTF_permit_access | GTF_readonly | GTF_reading);
	EXPECT_EQ(grant_peek(win[W_C], d, 0), grant_pattern(0x3a, 0));	/* m's write through its map */
	EXPECT_EQ(grant_peek(win[W_C], d, 1), grant_pattern(0xc0, 1));	/* m's copy */
	EXPECT_EQ(pin(1, d), -XEN_EINVAL);		/* held writable by the grant */
	/* E: m cleared the PTE by update_va_mapping, the grant holds it still. */
	EXPECT_EQ(flags_of(14), GTF_permit_access | GTF_reading | GTF_writing);
	EXPECT_EQ(grant_peek(win[W_C], mail[E_MFN], 0), grant_pattern(0x5e, 0));
	EXPECT_EQ(pin(1, mail[E_MFN]), -XEN_EINVAL);
	mail[G_STEP] = 2;

	wait_step(M_STEP, 3);
	/* Only the device mapping of D is left: it still holds D writable. */
	EXPECT_EQ(flags_of(8), GTF_permit_access | GTF_reading | GTF_writing);
	EXPECT_EQ(pin(1, d), -XEN_EINVAL);
	EXPECT_EQ(flags_of(9), GTF_permit_access | GTF_readonly);
	mail[G_STEP] = 4;

	wait_step(M_STEP, 5);
	EXPECT_EQ(flags_of(8), GTF_permit_access);
	EXPECT_EQ(flags_of(9), GTF_permit_access | GTF_readonly);
	EXPECT_EQ(pin(1, d), 0);			/* nothing holds it now */
	EXPECT_EQ(unpin(d), 0);

	wait_step(X_STEP, 1);
	for (i = 0; i < WAIT_YIELDS && (flags_of(12) & (GTF_reading | GTF_writing)); i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	EXPECT_EQ(flags_of(12), GTF_permit_access);	/* x's end unpinned it */
	EXPECT_EQ(grant_peek(win[W_C], x, 3), grant_pattern(0x77, 3));
	EXPECT_EQ(pin(1, x), 0);			/* and dropped its references */
	EXPECT_EQ(unpin(x), 0);
	mail[G_STEP] = 6;

	wait_step(M_STEP, 7);
	EXPECT_EQ(flags_of(8), GTF_permit_access | GTF_reading | GTF_writing);
	/* Give R back while m maps it: it stays until m lets go (m's end). */
	u64 gone = r;
	struct xen_memory_reservation res = {
		.extent_start = (u64)&gone, .nr_extents = 1, .domid = DOMID_SELF,
	};
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &res), 1);
	/* Power off with m's mappings of D and R live. */
}

void test_main(const struct start_info *si)
{
	char role[8] = "";

	(void)si;
	traps_init();
	events_init();		/* shared_info, for system_time() */
	cmdline_get("role", role, sizeof(role));
	if (strcmp(role, "g") == 0)
		role_g();
	else if (strcmp(role, "m") == 0)
		role_m();
	else if (strcmp(role, "x") == 0)
		role_x();
	else
		test_error("role=%s: g, m or x", role);
}
