/*
 * gnttab: the grant table a domain starts with, how it grows, and that it
 * is the domain's own (GNTTABOP_setup_table, query_size, set_version).
 *
 * A PV guest asks for its table's frames with setup_table and maps them
 * writable by mfn (Linux at boot, XTF's selftest); the frames are the
 * hypervisor's, lent to the domain like shared info. Checked:
 *
 *	- query_size: 1 frame at the start, at most 64 (Xen's defaults);
 *	- set_version: 1 and 2 are accepted (the same one again: 0, nothing
 *	  changes), 0 and 3 are -EINVAL; each writes back the version in
 *	  force (version 2 itself: gnttab_v2);
 *	- get_version: 1 for DOMID_SELF and our own id; domain b's is
 *	  -EPERM, no domain's -ESRCH;
 *	- setup_table: 1 frame, then 4 (the first one unchanged), then all
 *	  64; 65 is GNTST_general_error and changes nothing; the frames are
 *	  distinct, zeroed, not RAM of ours in the M2P, and can be mapped
 *	  writable, written and read back;
 *	- bad requests: count 0 or 2 is -EINVAL; an unreadable request or a
 *	  frame_list in the hypervisor's range is -EFAULT; a frame_list that
 *	  is a guest address but not mapped is GNTST_bad_virt_addr; another
 *	  domain's table (domain "b") is GNTST_permission_denied, a domain
 *	  that does not exist GNTST_bad_domain; continuation bits in cmd are
 *	  -EINVAL; transfer, dump_table, swap_grant_ref, cache_flush and
 *	  unknown operations are -ENOSYS (copy and map: gnttab_map);
 *	- a grant frame stays the hypervisor's: it cannot be given back
 *	  (decrease_reservation) nor pinned as a page table;
 *	- the domain powers off with its grant frames still mapped, and the
 *	  teardown frees them with no reference left behind (run checks
 *	  there is no leak line).
 * Domain "b" only checks that its own table is fresh (1 frame) and stays
 * until "a" has tried b's table: it offers a an event channel port and
 * waits for a's event there (with several CPUs b runs beside a, not in
 * turn with it, so a number of yields proves nothing: gnttab@smp2 found
 * b gone, GNTST_bad_domain).
 */
#include "guest.h"
#include "events.h"
#include "grant.h"

const char test_title[] = "grant table: setup_table, query_size, set_version, get_version";

#define MAX_FRAMES	64

static u8 windows[2][GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u64 frames[MAX_FRAMES + 1];

static struct gnttab_query_size query(domid_t dom)
{
	struct gnttab_query_size q = { .dom = dom, .status = 99 };

	EXPECT_EQ(gnttab_op(GNTTABOP_query_size, &q, 1), 0);
	return q;
}

/* setup_table for nr frames into list; returns the status. */
static int setup(domid_t dom, u32 nr, u64 *list)
{
	struct gnttab_setup_table s = {
		.dom = dom, .nr_frames = nr, .frame_list = (u64)list, .status = 99,
	};

	EXPECT_EQ(gnttab_op(GNTTABOP_setup_table, &s, 1), 0);
	return s.status;
}

static void versions(void)
{
	/* Each: the version asked, the answer, the version written back. */
	static const struct { u32 want; long rc; u32 now; } steps[] = {
		{ 0, -XEN_EINVAL, 1 }, { 3, -XEN_EINVAL, 1 }, { 1, 0, 1 },
		{ 2, 0, 2 }, { 2, 0, 2 }, { 0, -XEN_EINVAL, 2 }, { 1, 0, 1 },
	};
	struct gnttab_set_version v;

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		v.version = steps[i].want;
		EXPECT_EQ(gnttab_op(GNTTABOP_set_version, &v, 1), steps[i].rc);
		EXPECT_EQ(v.version, steps[i].now);
	}
}

static void get_version(void)
{
	struct gnttab_get_version v = { .dom = DOMID_SELF, .version = 99 };

	EXPECT_EQ(gnttab_op(GNTTABOP_get_version, &v, 1), 0);
	EXPECT_EQ(v.version, 1);
	v = (struct gnttab_get_version){ .dom = 1, .version = 99 };	/* our own id */
	EXPECT_EQ(gnttab_op(GNTTABOP_get_version, &v, 1), 0);
	EXPECT_EQ(v.version, 1);
	v = (struct gnttab_get_version){ .dom = 2, .version = 99 };	/* domain b */
	EXPECT_EQ(gnttab_op(GNTTABOP_get_version, &v, 1), -XEN_EPERM);
	EXPECT_EQ(v.version, 99);
	v.dom = 7;
	EXPECT_EQ(gnttab_op(GNTTABOP_get_version, &v, 1), -XEN_ESRCH);
	EXPECT_EQ(gnttab_op(GNTTABOP_get_version, NULL, 1), -XEN_EFAULT);
}

static void bad_requests(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 1 };
	static const unsigned int others[] = {
		GNTTABOP_dump_table, GNTTABOP_transfer,
		GNTTABOP_swap_grant_ref, GNTTABOP_cache_flush, 13, 1000,
	};

	EXPECT_EQ(gnttab_op(GNTTABOP_query_size, &q, 0), -XEN_EINVAL);
	EXPECT_EQ(gnttab_op(GNTTABOP_query_size, &q, 2), -XEN_EINVAL);
	EXPECT_EQ(gnttab_op(GNTTABOP_setup_table, &s, 2), -XEN_EINVAL);
	EXPECT_EQ(gnttab_op(GNTTABOP_query_size, (void *)0xffff830000000000UL, 1), -XEN_EFAULT);
	EXPECT_EQ(gnttab_op(GNTTABOP_setup_table, NULL, 1), -XEN_EFAULT);
	s.frame_list = 0xffff830000001000UL;	/* the hypervisor's */
	EXPECT_EQ(gnttab_op(GNTTABOP_setup_table, &s, 1), -XEN_EFAULT);
	s.frame_list = 0x1000;			/* ours, but not mapped */
	s.status = 99;
	EXPECT_EQ(gnttab_op(GNTTABOP_setup_table, &s, 1), 0);
	EXPECT_EQ(s.status, GNTST_bad_virt_addr);
	EXPECT_EQ(gnttab_op(GNTTABOP_query_size | (1U << 12), &q, 1), -XEN_EINVAL);
	EXPECT_EQ(gnttab_op(GNTTABOP_query_size, &q, 0x80000000U), -XEN_EINVAL);
	for (unsigned int i = 0; i < ARRAY_SIZE(others); i++)
		EXPECT_EQ(gnttab_op(others[i], &q, 1), -XEN_ENOSYS);
}

/* Another domain's table is not ours to see or grow. */
static void other_domains(void)
{
	struct gnttab_query_size q;
	u64 f = 0;

	q = query(2);				/* domain b */
	EXPECT_EQ(q.status, GNTST_permission_denied);
	EXPECT_EQ(setup(2, 8, &f), GNTST_permission_denied);
	EXPECT_EQ(f, 0);
	q = query(7);				/* nobody */
	EXPECT_EQ(q.status, GNTST_bad_domain);
	EXPECT_EQ(setup(7, 1, &f), GNTST_bad_domain);
	EXPECT_EQ(setup(DOMID_XEN, 1, &f), GNTST_bad_domain);
}

/* b: offer a (domain 1) a port, and wait for a's event there (at most 30 s). */
static void b_wait_for_a(void)
{
	long port = evtchn_alloc_unbound(1);
	evtchn_port_t p;
	struct sched_poll sp = { .nr_ports = 1 };
	u64 until;

	if (!shared_info_map())		/* its pending bits, and the clock */
		test_error("cannot map shared_info");
	until = system_time() + 30 * NSEC_PER_SEC;
	ASSERT(port > 0);
	p = (evtchn_port_t)port;
	sp.ports = (u64)&p;
	sp.timeout = until;
	/* SCHEDOP_poll returns when the port is pending, even masked (Xen). */
	while (system_time() < until && HYPERVISOR_sched_op(SCHEDOP_poll, &sp) == 0 &&
	       !evtchn_is_pending(p))
		;
	EXPECT(evtchn_is_pending(p));
}

/*
 * a: b's table has been tried; bind b's offer (domain 2) and tell it. a
 * has no clock set up (its shared_info is not mapped): passes, not time.
 */
static void a_release_b(void)
{
	long port = -1;

	for (int pass = 0; port < 0 && pass < 100000; pass++) {
		for (evtchn_port_t p = 1; p < 64 && port < 0; p++)
			port = evtchn_bind_interdomain(2, p);
		if (port < 0)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	ASSERT(port > 0);
	EXPECT_EQ(evtchn_send((evtchn_port_t)port), 0);
}

/* The frames: distinct, zeroed, writable by us, still the hypervisor's. */
static void use_frames(const struct start_info *si, u32 n)
{
	volatile u64 *w = (volatile u64 *)windows[0];
	u64 x = frames[1];
	struct xen_memory_reservation r = {
		.extent_start = (u64)&x, .nr_extents = 1, .domid = DOMID_SELF,
	};

	for (u32 i = 0; i < n; i++) {
		for (u32 j = 0; j < i; j++)
			EXPECT(frames[i] != frames[j]);
		EXPECT(mfn_to_pfn(frames[i]) >= si->nr_pages);	/* no pfn of ours */
	}
	ASSERT_EQ(window_map(windows[0], frames[0], PTE_FLAGS), 0);
	ASSERT_EQ(window_map(windows[1], frames[n - 1], PTE_FLAGS), 0);
	for (u32 i = 0; i < GUEST_PAGE_SIZE / 8; i++)
		EXPECT_EQ(w[i], 0);
	w[8] = 0x1234567800010001UL;	/* grant 8: domain 1, frame 0x12345678 */
	((volatile u64 *)windows[1])[511] = 0xfeedUL;
	EXPECT_EQ(w[8], 0x1234567800010001UL);
	EXPECT_EQ(((volatile u64 *)windows[1])[511], 0xfeedUL);

	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0);
	EXPECT_EQ(pin(1, frames[1]), -XEN_EINVAL);
	/* The windows stay mapped to the grant frames: the teardown's job. */
}

void test_main(const struct start_info *si)
{
	struct gnttab_query_size q;
	char role[8] = "a";

	cmdline_get("role", role, sizeof(role));
	q = query(DOMID_SELF);
	EXPECT_EQ(q.status, GNTST_okay);
	EXPECT_EQ(q.nr_frames, 1);
	EXPECT_EQ(q.max_nr_frames, MAX_FRAMES);
	if (strcmp(role, "b") == 0) {
		b_wait_for_a();
		return;
	}

	other_domains();
	versions();
	get_version();		/* b's version too: b must still be there */
	a_release_b();
	EXPECT_EQ(setup(DOMID_SELF, 1, frames), GNTST_okay);
	EXPECT(frames[0] != 0);
	u64 first = frames[0];
	EXPECT_EQ(setup(1, 4, frames), GNTST_okay);	/* our own id */
	EXPECT_EQ(frames[0], first);
	EXPECT_EQ(query(DOMID_SELF).nr_frames, 4);
	frames[MAX_FRAMES] = 0x5a5a;
	EXPECT_EQ(setup(DOMID_SELF, MAX_FRAMES + 1, frames), GNTST_general_error);
	EXPECT_EQ(frames[MAX_FRAMES], 0x5a5a);
	EXPECT_EQ(query(DOMID_SELF).nr_frames, 4);
	EXPECT_EQ(setup(DOMID_SELF, MAX_FRAMES, frames), GNTST_okay);
	EXPECT_EQ(frames[0], first);
	EXPECT_EQ(query(DOMID_SELF).nr_frames, MAX_FRAMES);
	printk("gnttab: %u frames, the first mfn %#lx\n", MAX_FRAMES, first);
	use_frames(si, MAX_FRAMES);
	bad_requests();
}
