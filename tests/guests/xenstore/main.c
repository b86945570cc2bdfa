/*
 * xenstore: the store the hypervisor serves, spoken to through the ring
 * page and event channel start_info names, as Linux's xenbus does.
 *
 * One image, three roles (domains.list), by the command line:
 *  role=main (domain 1): finds the page (store_mfn through the M2P, in
 *   its initial mapping, the port's status interdomain to the
 *   hypervisor); reads its own name and domid; writes, reads, lists and
 *   removes nodes under data/; a watch gives its first event, then one
 *   per change; a transaction sees its own writes, commits; one whose
 *   node changed under it gets EAGAIN and changes nothing. Attacks on
 *   domain 3 (peer=3): reading its name, writing and creating under its
 *   data/, removing it, setting its permissions: EACCES; setting the
 *   permissions of its own name (the hypervisor's) EACCES, giving its
 *   own node away EPERM. It measures a read round trip in cycles (beside
 *   a null hypercall) and finally breaks its own ring with a req_prod
 *   far beyond the ring: the store says XENSTORE_ERROR_RINGIDX and stops
 *   answering it; it goes on running and powers off.
 *  role=flood (domain 2): grants domain 3 read on data/flag, says
 *   "start" there, then floods: nodes until EQUOTA, 4 KiB values until
 *   EQUOTA, watches until EQUOTA, transactions until EQUOTA, a stream of
 *   requests it never reads the replies of (the store stops taking them:
 *   its ring stays full), then reads them all back, writes "done", and
 *   sends a header with len 5000: XENSTORE_ERROR_PROTO, no more replies.
 *  role=victim (domain 3): watches domain 2's data/flag and makes read
 *   round trips until it reads "done"; each must be answered within
 *   VICTIM_MAX_MS, however busy the flooder keeps the store. It ends
 *   only once main's data/attacked (readable by it) says main's attacks
 *   on it are done: on several CPUs it could be gone before, and the
 *   attacks would meet ENOENT instead of EACCES.
 * tests/guests/run checks every domain's RESULT and the hypervisor's
 * leak check at each domain's end (a byte of the store unaccounted for
 * makes the run fail).
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "xs_client.h"

const char test_title[] = "the xenstore ring: requests, permissions, watches, transactions, quotas";

#define VICTIM_MAX_MS	1000	/* QEMU TCG on a busy host: generous (measured 46-199 ms) */

static u32 tx_start(void)
{
	char out[16];

	u32 id = 0;

	ASSERT_EQ(xs_req(XS_TRANSACTION_START, 0, "", 1, NULL, 0, out, NULL), OK);
	for (const char *c = out; *c >= '0' && *c <= '9'; c++)
		id = id * 10 + (u32)(*c - '0');
	ASSERT(id != 0);
	return id;
}

/* Wait for events without a request (they come on their own). */
static void wait_events(int n)
{
	u64 deadline = system_time() + 2 * NSEC_PER_SEC;

	while (xs_nev < n && system_time() < deadline) {
		if (xs_ring->rsp_prod != xs_ring->rsp_cons)
			xs_get_reply(0, NULL, NULL, deadline);	/* only events come */
		else
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

static void basics(const struct start_info *si)
{
	char out[XENSTORE_PAYLOAD_MAX + 1], want[32];
	u32 len, t;

	(void)si;
	EXPECT_EQ(xs_read(0, "name", out), OK);
	EXPECT_STREQ(out, "xs_main");
	hv_snprintf(want, sizeof(want), "%u", 1);
	EXPECT_EQ(xs_read(0, "domid", out), OK);
	EXPECT_STREQ(out, want);
	EXPECT_EQ(xs_read(0, "/local/domain/1/name", out), OK);
	EXPECT_STREQ(out, "xs_main");
	EXPECT_EQ(xs_read(0, "cpu/0/availability", out), OK);
	EXPECT_STREQ(out, "online");
	EXPECT_EQ(xs_req(XS_GET_DOMAIN_PATH, 0, "1", 2, NULL, 0, out, NULL), OK);
	EXPECT_STREQ(out, "/local/domain/1");

	EXPECT_EQ(xs_write(0, "data/a", "alpha"), OK);
	EXPECT_EQ(xs_write(0, "data/b/c", "gamma"), OK);
	EXPECT_EQ(xs_read(0, "data/a", out), OK);
	EXPECT_STREQ(out, "alpha");
	EXPECT_EQ(xs_req(XS_DIRECTORY, 0, "data", 5, NULL, 0, out, &len), OK);
	EXPECT_EQ(len, 4);
	EXPECT(!memcmp(out, "a\0b\0", 4));
	EXPECT_EQ(xs_op1(XS_RM, 0, "data/b"), OK);
	EXPECT_EQ(xs_read(0, "data/b/c", out), XE_ENOENT);
	EXPECT_EQ(xs_read(0, "data//x", out), XE_EINVAL);

	/* a watch: its first event, then one per change below it */
	xs_nev = 0;
	EXPECT_EQ(xs_op2(XS_WATCH, "data/w", "tok"), OK);
	wait_events(1);
	EXPECT(xs_count_events("data/w|tok") >= 1);
	EXPECT_EQ(xs_write(0, "data/w/x", "1"), OK);
	wait_events(2);
	EXPECT(xs_count_events("data/w/x|tok") >= 1);
	printk("xenstore: %d watch events: %s, %s\n", xs_nev, xs_events[0], xs_events[1]);
	EXPECT_EQ(xs_op2(XS_UNWATCH, "data/w", "tok"), OK);

	/* a transaction that commits */
	t = tx_start();
	EXPECT_EQ(xs_write(t, "data/t", "in"), OK);
	EXPECT_EQ(xs_read(t, "data/t", out), OK);
	EXPECT_EQ(xs_read(0, "data/t", out), XE_ENOENT);
	EXPECT_EQ(xs_op1(XS_TRANSACTION_END, t, "T"), OK);
	EXPECT_EQ(xs_read(0, "data/t", out), OK);
	EXPECT_STREQ(out, "in");
	/* and one that conflicts */
	t = tx_start();
	EXPECT_EQ(xs_read(t, "data/a", out), OK);
	EXPECT_EQ(xs_write(t, "data/t", "lost"), OK);
	EXPECT_EQ(xs_write(0, "data/a", "changed"), OK);
	EXPECT_EQ(xs_op1(XS_TRANSACTION_END, t, "T"), XE_EAGAIN);
	EXPECT_EQ(xs_read(0, "data/t", out), OK);
	EXPECT_STREQ(out, "in");
}

static void attacks(u32 peer)
{
	char p[64], out[256];

	hv_snprintf(p, sizeof(p), "/local/domain/%u/name", peer);
	EXPECT_EQ(xs_read(0, p, out), XE_EACCES);
	hv_snprintf(p, sizeof(p), "/local/domain/%u/data/x", peer);
	EXPECT_EQ(xs_write(0, p, "evil"), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_MKDIR, 0, p), XE_EACCES);
	hv_snprintf(p, sizeof(p), "/local/domain/%u/data", peer);
	EXPECT_EQ(xs_op1(XS_RM, 0, p), XE_EACCES);
	EXPECT_EQ(xs_req(XS_DIRECTORY, 0, p, (u32)strlen(p) + 1, NULL, 0, out, NULL), XE_EACCES);
	EXPECT_EQ(xs_perms(p, "b1", 3), XE_EACCES);
	hv_snprintf(p, sizeof(p), "/local/domain/%u", peer);
	EXPECT_EQ(xs_op1(XS_RM, 0, p), XE_EACCES);
	EXPECT_EQ(xs_write(0, "/local/domain/9/data", "x"), XE_EACCES);
	/* its own directory is the hypervisor's: read only */
	EXPECT_EQ(xs_perms("name", "b1", 3), XE_EACCES);
	EXPECT_EQ(xs_write(0, "name", "renamed"), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_RM, 0, "domid"), XE_EACCES);
	/* what it owns it may share, not give away */
	hv_snprintf(p, sizeof(p), "n%u", peer);
	EXPECT_EQ(xs_perms("data/a", p, (u32)strlen(p) + 1), XE_EPERM);
	EXPECT_EQ(xs_req(XS_INTRODUCE, 0, "3", 2, NULL, 0, NULL, NULL), XE_EACCES);
	EXPECT_EQ(xs_read(0, "name", out), OK);
	EXPECT_STREQ(out, "xs_main");
}

static u64 median(u64 *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u64 x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return v[n / 2];
}

/* A read round trip in TSC cycles, beside a null hypercall. */
static void measure(void)
{
	static u64 rt[200], hc[200];
	char out[64];

	for (int i = 0; i < 200; i++) {
		u64 t0 = rdtsc();

		ASSERT_EQ(xs_read(0, "name", out), OK);
		rt[i] = rdtsc() - t0;
		t0 = rdtsc();
		HYPERVISOR_xen_version(0, NULL);
		hc[i] = rdtsc() - t0;
	}
	u64 mrt = median(rt, 200), mhc = median(hc, 200);

	printk("xenstore: read round trip: median %lu cycles (min %lu); "
	       "null hypercall (xen_version): median %lu cycles (min %lu)\n",
	       mrt, rt[0], mhc, hc[0]);
}

/* The req index pushed far beyond the ring: the store gives up on this ring only. */
static void break_ring(u32 how)
{
	char out[64];

	if (how == XENSTORE_ERROR_RINGIDX) {
		xs_ring->req_prod += 5000;
		xs_kick();
	} else {
		struct xsd_sockmsg h = { .type = XS_READ, .req_id = xs_next_id++, .len = 5000 };

		xs_ring_put(&h, sizeof(h));
		xs_kick();
	}
	EXPECT_EQ(xs_ring->error, how);
	xs_ring->req_prod = xs_ring->req_cons;
	EXPECT_EQ(xs_req(XS_READ, 0, "name", 5, NULL, 0, out, NULL), E_TIMEOUT);
	printk("xenstore: ring broken on purpose (error %u), domain still running\n", xs_ring->error);
}

static void role_main(const struct start_info *si)
{
	u32 peer = (u32)cmdline_u64("peer", 3);
	char perms[32];
	u32 n;

	basics(si);
	attacks(peer);
	/* The victim waits for this before it ends (several CPUs: it may be done first). */
	EXPECT_EQ(xs_write(0, "data/attacked", "yes"), OK);
	n = (u32)hv_snprintf(perms, 16, "n1") + 1;
	n += (u32)hv_snprintf(perms + n, 16, "r%u", peer) + 1;
	EXPECT_EQ(xs_perms("data/attacked", perms, n), OK);
	measure();
	break_ring(XENSTORE_ERROR_RINGIDX);
}

/* "n<self>\0r<victim>\0": data/flag, its own, readable by the victim. */
static u32 flag_perms(char *buf, u32 self, u32 victim)
{
	u32 n = (u32)hv_snprintf(buf, 16, "n%u", self) + 1;

	return n + (u32)hv_snprintf(buf + n, 16, "r%u", victim) + 1;
}

static void role_flood(const struct start_info *si __attribute__((unused)))
{
	char p[64], out[64], flag[32];
	static char big[4000];
	u32 victim = (u32)cmdline_u64("peer", 3), n = 0, sent = 0, got = 0, self = 0, nodes;
	int r = OK;

	ASSERT_EQ(xs_read(0, "domid", out), OK);
	for (const char *c = out; *c; c++)
		self = self * 10 + (u32)(*c - '0');
	ASSERT_EQ(xs_write(0, "data/flag", "start"), OK);
	ASSERT_EQ(xs_perms("data/flag", flag, flag_perms(flag, self, victim)), OK);
	for (n = 0; n < 5000 && r == OK; n++) {
		hv_snprintf(p, sizeof(p), "data/n%u", n);
		r = xs_write(0, p, "x");
	}
	EXPECT_EQ(r, XE_EQUOTA);
	nodes = n - 1;
	printk("xenstore flood: %u nodes, then EQUOTA\n", nodes);
	for (n = 0; n < nodes; n++) {		/* room for the values */
		hv_snprintf(p, sizeof(p), "data/n%u", n);
		EXPECT_EQ(xs_op1(XS_RM, 0, p), OK);
	}
	memset(big, 'v', sizeof(big) - 1);
	r = OK;
	for (n = 0; n < 500 && r == OK; n++) {
		hv_snprintf(p, sizeof(p), "data/v%u", n);
		r = xs_write(0, p, big);
	}
	EXPECT_EQ(r, XE_EQUOTA);
	nodes = n - 1;
	printk("xenstore flood: %u values of 4 KiB, then EQUOTA\n", nodes);
	for (n = 0; n < nodes; n++) {		/* bytes for the watches */
		hv_snprintf(p, sizeof(p), "data/v%u", n);
		EXPECT_EQ(xs_op1(XS_RM, 0, p), OK);
	}
	r = OK;
	for (n = 0; n < 1000 && r == OK; n++) {
		hv_snprintf(p, sizeof(p), "w%u", n);
		r = xs_op2(XS_WATCH, "control", p);
	}
	EXPECT_EQ(r, XE_EQUOTA);
	EXPECT_EQ(n - 1, 128);	/* the default watch quota */
	printk("xenstore flood: %u watches, then EQUOTA\n", n - 1);
	r = OK;
	for (n = 0; n < 100 && r == OK; n++)
		r = xs_req(XS_TRANSACTION_START, 0, "", 1, NULL, 0, out, NULL);
	EXPECT_EQ(r, XE_EQUOTA);
	EXPECT_EQ(n - 1, 10);	/* the default transaction quota */
	printk("xenstore flood: %u transactions, then EQUOTA\n", n - 1);
	EXPECT_EQ(xs_read(0, "data/flag", out), OK);

	/* requests whose replies it does not read: the store stops taking them */
	xs_nev = 0;
	for (;;) {
		struct xsd_sockmsg h = { .type = XS_READ, .req_id = 50000 + sent, .len = 5 };
		u64 deadline;

		if (XENSTORE_RING_SIZE - (xs_ring->req_prod - xs_ring->req_cons) < sizeof(h) + 5) {
			xs_kick();
			deadline = system_time() + NSEC_PER_SEC / 5;
			while (system_time() < deadline)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			if (XENSTORE_RING_SIZE - (xs_ring->req_prod - xs_ring->req_cons) < sizeof(h) + 5)
				break;
		}
		xs_ring_put(&h, sizeof(h));
		xs_ring_put("name", 5);
		xs_kick();
		if (++sent > 100000)
			break;
	}
	EXPECT(sent < 100000);
	EXPECT_EQ(xs_ring->rsp_prod - xs_ring->rsp_cons, XENSTORE_RING_SIZE);
	printk("xenstore flood: %u requests sent without reading; the store stopped taking them\n",
	       sent);
	for (got = 0; got < sent; got++) {
		if (xs_get_reply(50000 + got, out, NULL, system_time() + 2 * NSEC_PER_SEC) != OK)
			break;
	}
	EXPECT_EQ(got, sent);
	EXPECT_STREQ(out, "xs_flood");
	EXPECT_EQ(xs_write(0, "data/flag", "done"), OK);
	break_ring(XENSTORE_ERROR_PROTO);
}

static void role_victim(const struct start_info *si __attribute__((unused)))
{
	char p[64], out[64];
	u64 worst = 0, n = 0, t0, deadline = system_time() + 60 * NSEC_PER_SEC;
	u32 flood = (u32)cmdline_u64("peer", 2);

	hv_snprintf(p, sizeof(p), "/local/domain/%u/data/flag", flood);
	EXPECT_EQ(xs_op2(XS_WATCH, p, "flag"), OK);
	for (;;) {
		int r;

		t0 = system_time();
		r = xs_read(0, "name", out);
		if (r != OK)
			test_fail("read %lu: error %d", n, r);
		worst = MAX(worst, system_time() - t0);
		n++;
		r = xs_read(0, p, out);
		if (r == OK && !strcmp(out, "done"))
			break;
		if (system_time() > deadline)
			test_error("the flooder never said done (flag: %d %s)", r, r == OK ? out : "");
	}
	printk("xenstore victim: %lu round trips during the flood, the slowest %lu us; %d events\n",
	       n, worst / 1000, xs_nev);
	EXPECT(worst < VICTIM_MAX_MS * 1000000ul);
	EXPECT(n > 0);
	EXPECT(xs_count_events("/local/domain/2/data/flag|flag") >= 1);	/* the first, at least */
	/* Still there for main's attacks on it: they must meet a domain, not ENOENT. */
	while (xs_read(0, "/local/domain/1/data/attacked", out) != OK) {
		if (system_time() > deadline)
			test_error("main never said it had attacked (domain 1's data/attacked)");
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

static const struct xs_role roles[] = {
	{ "main", role_main },
	{ "flood", role_flood },
	{ "victim", role_victim },
};

void test_main(const struct start_info *si)
{
	xs_test_roles(si, roles, sizeof(roles) / sizeof(roles[0]));
}
