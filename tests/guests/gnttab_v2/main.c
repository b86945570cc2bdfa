/*
 * gnttab_v2: grant tables in version 2 (GNTTABOP_set_version 2,
 * get_status_frames, get_version) seen from both sides, switching back
 * to version 1 with a reserved grant still mapped, and the attacks on it.
 *
 * Two domains (domains.list): "g" (domain 1) switches its table to
 * version 2, maps its status frame, and grants: its mailbox page (ref 3,
 * one of the 8 reserved entries, which may stay mapped across a switch)
 * and D (ref 8) to m, R (ref 9) read-only, D again as a sub-page grant
 * of bytes [64, 96) (ref 11), a transitive grant (ref 12), and a grant
 * whose frame is D plus 2^32 (ref 13). "m" (2) maps and copies them.
 * They take turns through the mailbox. Checked, by the domain that sees
 * it:
 *
 *  g, alone: set_version 2 answers 0 and writes back 2, get_version says
 *	2; get_status_frames gives 1 frame for a 1-frame table (2 is
 *	GNTST_general_error, count 2 -EINVAL, a frame_list not mapped
 *	GNTST_bad_virt_addr, m's GNTST_permission_denied, a domain that
 *	does not exist's GNTST_bad_domain); the status frame is zeroed and
 *	g's own. Grown to 9 frames (2304 entries), the table has 2 status
 *	frames.
 *  m: D mapped writable holds D's contents and takes m's writes; R maps
 *	read-only; the sub-page grant, the transitive grant and the forged
 *	frame (beyond 32 bits: not D) are refused (general_error); ref 3000,
 *	inside a version 1 table of 9 frames but beyond a version 2 one (256
 *	entries a frame), is bad_gntref; a copy of the sub-page grant's bytes works,
 *	one reaching outside them is refused; a copy through the transitive
 *	grant is refused.
 *  g, while mapped: GTF_reading|GTF_writing in status[8] and status[3],
 *	GTF_reading in status[9], and the entries' own flags untouched (no
 *	status bit in a version 2 header); m's write is in D; with the
 *	status frame unmapped, set_version 1 is -EBUSY (entries in use),
 *	writes back 2 and changes nothing. g then clears
 *	status[8] itself (through a writable mapping, which Xen allows): D
 *	still cannot be pinned as an L1 - the hypervisor does not trust the
 *	status array, its own active entry holds D.
 *  g, after m unmaps D and R: status[9] is 0, D can be pinned; with the
 *	status frame still mapped set_version 1 is -EBUSY (XSA-255), once
 *	it is unmapped 0: entry 3 (still mapped by m) is a version 1 entry
 *	with GTF_reading|GTF_writing in its flags, entry 8 is cleared,
 *	get_status_frames has no frame to give, and the old status frame
 *	(freed) cannot be mapped.
 *  m: the cleared entry 8 no longer maps; m unmaps the mailbox and
 *	powers off.
 *  g: m's unmap cleared the bits in the version 1 entry 3; a second
 *	set_version 2 carries entry 3 over (status 0); g powers off with its
 *	new status frame mapped, and run checks there is no leak line.
 */
#include "guest.h"
#include "grant.h"
#include "traps.h"
#include "events.h"

const char test_title[] = "grant tables version 2: status frames, switching, map and copy";

#define G	1
#define M	2
#define WAIT_YIELDS	400000

#define REF_MAIL	3
#define REF_D		8
#define REF_R		9
#define REF_SUB		11
#define REF_TRANS	12
#define REF_FORGED	13
#define SUB_OFF		64
#define SUB_LEN		32

/* The mailbox: the steps of g and m, and what m must know. */
enum { G_STEP, M_STEP, D_MFN };

static u8 mailbox[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 win[5][GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 buf[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static volatile u64 *mail;

#define W_TABLE	0	/* g: its table; m: the mailbox */
#define W_MAIL	0
#define W_STAT	1	/* g: its status frame, read-only; m: D */
#define W_D	1
#define W_STATW	2	/* g: its status frame, writable; m: R */
#define W_R	2
#define W_C	3	/* g: scratch */

static void wait_step(int who, u64 step)
{
	for (long i = 0; i < WAIT_YIELDS; i++) {
		if (mail[who] >= step)
			return;
		for (int k = 0; k < 2000; k++)
			asm volatile("pause");
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_error("waited too long for step %lu of domain %d (at %lu)", step,
		   who + 1, mail[who]);
}

static long set_version(u32 want, u32 *now)
{
	struct gnttab_set_version v = { .version = want };
	long rc = gnttab_op(GNTTABOP_set_version, &v, 1);

	*now = v.version;
	return rc;
}

/* ---- The mapper's side ------------------------------------------------- */

/* g's grants, host maps (no device address). */
static int map(grant_ref_t ref, void *va, u32 flags, grant_handle_t *h)
{
	return grant_map(G, ref, va, flags, h, NULL);
}

static int unmap(void *va, grant_handle_t h)
{
	return grant_unmap(va, 0, h);
}

static grant_handle_t map_mailbox(void)
{
	grant_handle_t h;

	for (long i = 0; i < WAIT_YIELDS; i++) {
		int st = map(REF_MAIL, win[W_MAIL], GNTMAP_host_map, &h);

		if (st == GNTST_okay) {
			mail = (volatile u64 *)win[W_MAIL];
			if (mail[G_STEP] >= 1)
				return h;
			EXPECT_EQ(unmap(win[W_MAIL], h), GNTST_okay);
		} else if (st != GNTST_general_error) {
			test_fail("mapping the mailbox: status %d", st);
		}
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	test_error("no mailbox grant from g");
}

static int copy_from(grant_ref_t ref, u16 off, u16 len)
{
	struct gnttab_copy op = {
		.source = { .u.ref = ref, .domid = G, .offset = off },
		.dest = { .u.gmfn = virt_to_mfn(buf), .domid = DOMID_SELF, .offset = off },
		.len = len, .flags = GNTCOPY_source_gref, .status = 99,
	};

	EXPECT_EQ(gnttab_op(GNTTABOP_copy, &op, 1), 0);
	return op.status;
}

static void m_refused_and_copies(void)
{
	const u64 *b = (const u64 *)buf;

	EXPECT_EQ(map(REF_SUB, win[W_C], GNTMAP_host_map | GNTMAP_readonly, NULL),
		  GNTST_general_error);
	EXPECT_EQ(map(REF_TRANS, win[W_C], GNTMAP_host_map, NULL), GNTST_general_error);
	EXPECT_EQ(map(REF_FORGED, win[W_C], GNTMAP_host_map, NULL), GNTST_general_error);
	EXPECT_EQ(map(3000, win[W_C], GNTMAP_host_map, NULL), GNTST_bad_gntref);

	memset(buf, 0xff, sizeof(buf));
	EXPECT_EQ(copy_from(REF_SUB, SUB_OFF, SUB_LEN), GNTST_okay);
	for (unsigned i = SUB_OFF / 8; i < (SUB_OFF + SUB_LEN) / 8; i++)
		EXPECT_EQ(b[i], grant_pattern(0xd, i));
	EXPECT_EQ(b[SUB_OFF / 8 - 1], ~0UL);
	EXPECT_EQ(copy_from(REF_SUB, SUB_OFF - 8, 16), GNTST_general_error);
	EXPECT_EQ(copy_from(REF_SUB, SUB_OFF + SUB_LEN - 8, 16), GNTST_general_error);
	EXPECT_EQ(copy_from(REF_TRANS, 0, 8), GNTST_general_error);
	EXPECT_EQ(copy_from(REF_FORGED, 0, 8), GNTST_general_error);
	/* The whole page, through the full grant. */
	EXPECT_EQ(copy_from(REF_D, 0, GUEST_PAGE_SIZE), GNTST_okay);
	EXPECT_EQ(b[100], grant_pattern(0xd, 100));
}

/* The same measurement as gnttab_map's (version 1), through a version 2 entry. */
static void m_timing(void)
{
	enum { COPIES = 100, MAPS = 20 };
	u64 t0, t1, t2;
	grant_handle_t h;
	int bad = 0;

	t0 = system_time();
	for (int i = 0; i < COPIES; i++)
		bad += copy_from(REF_D, 0, GUEST_PAGE_SIZE) != GNTST_okay;
	t1 = system_time();
	for (int i = 0; i < MAPS; i++) {
		bad += map(REF_R, win[W_C], GNTMAP_host_map | GNTMAP_readonly, &h) != GNTST_okay;
		bad += unmap(win[W_C], h) != GNTST_okay;
	}
	t2 = system_time();
	window_restore(win[W_C]);
	EXPECT_EQ(bad, 0);
	printk("gnttab_v2: copy of 4 KiB %lu ns, map + unmap %lu ns (%d and %d of them)\n",
	       (t1 - t0) / COPIES, (t2 - t1) / MAPS, COPIES, MAPS);
}

static void role_m(void)
{
	grant_handle_t hm = map_mailbox(), hd, hr;
	volatile u64 *d = (volatile u64 *)win[W_D];

	ASSERT_EQ(map(REF_D, win[W_D], GNTMAP_host_map, &hd), GNTST_okay);
	EXPECT_EQ(d[7], grant_pattern(0xd, 7));
	d[0] = grant_pattern(0x3a, 0);
	ASSERT_EQ(map(REF_R, win[W_R], GNTMAP_host_map | GNTMAP_readonly, &hr), GNTST_okay);
	EXPECT_EQ(((volatile u64 *)win[W_R])[5], grant_pattern(0xd, 5));
	m_refused_and_copies();
	m_timing();
	mail[M_STEP] = 1;

	wait_step(G_STEP, 2);
	EXPECT_EQ(unmap(win[W_D], hd), GNTST_okay);
	EXPECT_EQ(unmap(win[W_R], hr), GNTST_okay);
	mail[M_STEP] = 2;

	wait_step(G_STEP, 3);
	/* g went back to version 1: entry 8 was cleared. */
	EXPECT_EQ(map(REF_D, win[W_D], GNTMAP_host_map, NULL), GNTST_general_error);
	mail[M_STEP] = 3;
	EXPECT_EQ(unmap(win[W_MAIL], hm), GNTST_okay);
}

/* ---- The granter's side ------------------------------------------------- */

static union grant_entry_v2 *table2;
static volatile grant_status_t *status;

static void grant2(grant_ref_t ref, u64 mfn, u16 flags)
{
	table2[ref].hdr.domid = M;
	table2[ref].full_page.frame = mfn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table2[ref].hdr.flags = flags;
}

static u64 status_frame(void)
{
	u64 frames[2] = { 0, 0 };
	struct gnttab_get_status_frames gs = {
		.nr_frames = 1, .dom = DOMID_SELF, .status = 99, .frame_list = (u64)frames,
	};

	ASSERT_EQ(gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
	ASSERT_EQ(gs.status, GNTST_okay);
	return frames[0];
}

static void g_status_frames(u64 s)
{
	u64 frames[2] = { 0, 0 };
	struct gnttab_get_status_frames gs = {
		.nr_frames = 2, .dom = DOMID_SELF, .status = 99, .frame_list = (u64)frames,
	};

	EXPECT_EQ(gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
	EXPECT_EQ(gs.status, GNTST_general_error);	/* 1 table frame: 1 status frame */
	EXPECT_EQ(frames[0], 0);
	EXPECT_EQ(gnttab_op(GNTTABOP_get_status_frames, &gs, 2), -XEN_EINVAL);
	gs = (struct gnttab_get_status_frames){ .nr_frames = 1, .dom = DOMID_SELF,
						.status = 99, .frame_list = 0x1000 };
	EXPECT_EQ(gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
	EXPECT_EQ(gs.status, GNTST_bad_virt_addr);
	gs = (struct gnttab_get_status_frames){ .nr_frames = 1, .dom = M,
						.status = 99, .frame_list = (u64)frames };
	EXPECT_EQ(gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
	EXPECT_EQ(gs.status, GNTST_permission_denied);	/* m's are not ours */
	gs.dom = 9;
	EXPECT_EQ(gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
	EXPECT_EQ(gs.status, GNTST_bad_domain);
	EXPECT_EQ(frames[0], 0);
	ASSERT_EQ(window_map(win[W_STAT], s, PTE_P | PTE_US | PTE_A), 0);
	status = (volatile grant_status_t *)win[W_STAT];
	for (unsigned i = 0; i < GUEST_PAGE_SIZE / 2; i++)
		if (status[i])
			test_fail("status frame not zeroed: [%u] = %#x", i, status[i]);
}

/* 9 frames: 2304 entries, whose status entries take 2 frames. */
static void g_grow(void)
{
	u64 frames[9], sframes[3] = { 0, 0, 0 };
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 9,
					  .frame_list = (u64)frames };
	struct gnttab_get_status_frames gs = {
		.nr_frames = 3, .dom = DOMID_SELF, .status = 99, .frame_list = (u64)sframes,
	};

	EXPECT_EQ(gnttab_op(GNTTABOP_setup_table, &st, 1), 0);
	EXPECT_EQ(st.status, GNTST_okay);
	EXPECT_EQ(gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
	EXPECT_EQ(gs.status, GNTST_general_error);
	gs.nr_frames = 2;
	EXPECT_EQ(gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
	EXPECT_EQ(gs.status, GNTST_okay);
	EXPECT(sframes[1] != 0 && sframes[1] != sframes[0]);
	EXPECT_EQ(sframes[2], 0);
}

static void g_while_mapped(u64 s, u64 d)
{
	volatile grant_status_t *sw = (volatile grant_status_t *)win[W_STATW];
	u32 now = 0;

	EXPECT_EQ(status[REF_D], GTF_reading | GTF_writing);
	EXPECT_EQ(status[REF_MAIL], GTF_reading | GTF_writing);
	EXPECT_EQ(status[REF_R], GTF_reading);
	EXPECT_EQ(status[REF_SUB], 0);		/* the copies are over */
	EXPECT_EQ(table2[REF_D].hdr.flags, GTF_permit_access);
	EXPECT_EQ(table2[REF_R].hdr.flags, GTF_permit_access | GTF_readonly);
	EXPECT_EQ(grant_peek(win[W_C], d, 0), grant_pattern(0x3a, 0));	/* m's write */
	/* The status frame unmapped: only the grants in use hold the version. */
	window_restore(win[W_STAT]);
	EXPECT_EQ(set_version(1, &now), -XEN_EBUSY);
	EXPECT_EQ(now, 2);
	ASSERT_EQ(window_map(win[W_STAT], s, PTE_P | PTE_US | PTE_A), 0);
	EXPECT_EQ(status[REF_D], GTF_reading | GTF_writing);	/* nothing changed */
	EXPECT_EQ(table2[REF_D].hdr.flags, GTF_permit_access);

	/* Scribbling on our own status array frees nothing. */
	ASSERT_EQ(window_map(win[W_STATW], s, PTE_FLAGS), 0);
	sw[REF_D] = 0;
	EXPECT_EQ(status[REF_D], 0);
	EXPECT_EQ(pin(1, d), -XEN_EINVAL);	/* still held writable by m's mapping */
}

static void g_back_to_v1(u64 s)
{
	struct grant_entry_v1 *t1 = (struct grant_entry_v1 *)table2;
	u64 frame = 0;
	struct gnttab_get_status_frames gs = {
		.nr_frames = 1, .dom = DOMID_SELF, .status = 99, .frame_list = (u64)&frame,
	};
	u32 now = 0;

	/* The status frame is mapped (twice): it cannot go (XSA-255). */
	EXPECT_EQ(set_version(1, &now), -XEN_EBUSY);
	EXPECT_EQ(now, 2);
	window_restore(win[W_STATW]);
	EXPECT_EQ(set_version(1, &now), -XEN_EBUSY);	/* the read-only one too */
	window_restore(win[W_STAT]);
	status = NULL;
	EXPECT_EQ(set_version(1, &now), 0);
	EXPECT_EQ(now, 1);

	/* Entry 3, still mapped by m, carried over with its status bits. */
	EXPECT_EQ(t1[REF_MAIL].flags, GTF_permit_access | GTF_reading | GTF_writing);
	EXPECT_EQ(t1[REF_MAIL].domid, M);
	EXPECT_EQ(t1[REF_MAIL].frame, virt_to_mfn(mailbox));
	/* Every other entry cleared. */
	for (unsigned i = GNTTAB_NR_RESERVED_ENTRIES; i < 512; i++)
		if (t1[i].flags || t1[i].domid || t1[i].frame)
			test_fail("entry %u not cleared: %#x %u %#x", i, t1[i].flags,
				  t1[i].domid, t1[i].frame);
	EXPECT_EQ(gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
	EXPECT_EQ(gs.status, GNTST_general_error);	/* none in version 1 */
	gs.nr_frames = 0;
	EXPECT_EQ(gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0);
	EXPECT_EQ(gs.status, GNTST_okay);
	/* The status frame was freed: it is not ours to map any more. */
	EXPECT(window_map(win[W_C], s, PTE_P | PTE_US | PTE_A) < 0);
}

static void role_g(void)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	struct gnttab_get_version gv = { .dom = DOMID_SELF, .version = 99 };
	struct grant_entry_v1 *t1;
	u64 frame = 0, s, d;
	u32 now = 0;
	long i;

	EXPECT_EQ(set_version(2, &now), 0);
	EXPECT_EQ(now, 2);
	EXPECT_EQ(gnttab_op(GNTTABOP_get_version, &gv, 1), 0);
	EXPECT_EQ(gv.version, 2);
	st.frame_list = (u64)&frame;
	ASSERT_EQ(gnttab_op(GNTTABOP_setup_table, &st, 1), 0);
	ASSERT_EQ(st.status, GNTST_okay);
	ASSERT_EQ(window_map(win[W_TABLE], frame, PTE_FLAGS), 0);
	table2 = (union grant_entry_v2 *)win[W_TABLE];
	s = status_frame();
	g_status_frames(s);
	g_grow();

	mail = (volatile u64 *)mailbox;
	d = grant_fill(win[W_C], 0, 0xd);	/* D, the first spare frame */
	mail[D_MFN] = d;
	mail[G_STEP] = 1;
	grant2(REF_D, d, GTF_permit_access);
	grant2(REF_R, d, GTF_permit_access | GTF_readonly);
	table2[REF_SUB].sub_page.page_off = SUB_OFF;
	table2[REF_SUB].sub_page.length = SUB_LEN;
	grant2(REF_SUB, d, GTF_permit_access | GTF_sub_page);
	table2[REF_TRANS].transitive.trans_domid = G;
	table2[REF_TRANS].transitive.gref = REF_D;
	table2[REF_TRANS].hdr.domid = M;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table2[REF_TRANS].hdr.flags = GTF_transitive;
	grant2(REF_FORGED, d + (1ULL << 32), GTF_permit_access);
	grant2(REF_MAIL, virt_to_mfn(mailbox), GTF_permit_access);

	wait_step(M_STEP, 1);
	g_while_mapped(s, d);
	mail[G_STEP] = 2;

	wait_step(M_STEP, 2);
	EXPECT_EQ(status[REF_R], 0);
	EXPECT_EQ(status[REF_D], 0);
	EXPECT_EQ(pin(1, d), 0);		/* nothing holds D now */
	EXPECT_EQ(unpin(d), 0);
	g_back_to_v1(s);
	mail[G_STEP] = 3;

	/* m unmaps the mailbox: the bits go from the version 1 entry. */
	wait_step(M_STEP, 3);
	t1 = (struct grant_entry_v1 *)table2;
	for (i = 0; i < WAIT_YIELDS && (t1[REF_MAIL].flags & (GTF_reading | GTF_writing)); i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	EXPECT_EQ(t1[REF_MAIL].flags, GTF_permit_access);

	/* Version 2 again: entry 3 carried over, a new status frame. */
	EXPECT_EQ(set_version(2, &now), 0);
	EXPECT_EQ(now, 2);
	EXPECT_EQ(table2[REF_MAIL].hdr.flags, GTF_permit_access);
	EXPECT_EQ(table2[REF_MAIL].hdr.domid, M);
	EXPECT_EQ(table2[REF_MAIL].full_page.frame, virt_to_mfn(mailbox));
	s = status_frame();
	ASSERT_EQ(window_map(win[W_STAT], s, PTE_P | PTE_US | PTE_A), 0);
	status = (volatile grant_status_t *)win[W_STAT];
	EXPECT_EQ(status[REF_MAIL], 0);
	/* Power off with the status frame mapped: the teardown frees it. */
}

void test_main(const struct start_info *si)
{
	char role[8] = "";

	(void)si;
	traps_init();
	events_init();
	cmdline_get("role", role, sizeof(role));
	if (strcmp(role, "g") == 0)
		role_g();
	else if (strcmp(role, "m") == 0)
		role_m();
	else
		test_error("role=%s: g or m", role);
}
