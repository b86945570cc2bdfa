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
 *   VICTIM_MAX_MS, however busy the flooder keeps the store.
 * tests/guests/run checks every domain's RESULT and the hypervisor's
 * leak check at each domain's end (a byte of the store unaccounted for
 * makes the run fail).
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "pvabi/xs_wire.h"

const char test_title[] = "the xenstore ring: requests, permissions, watches, transactions, quotas";

#define VICTIM_MAX_MS	1000	/* QEMU TCG on a busy host: generous (measured 46-199 ms) */

static volatile struct xenstore_domain_interface *xr;
static evtchn_port_t xport;
static u32 next_id = 1;
static char events[8][128];
static int nev;

enum { OK = 0, E_TIMEOUT = 1000, E_OTHER };

static void find_store(const struct start_info *si)
{
	struct evtchn_status st;
	u64 pfn;

	if (!si->store_mfn || !si->store_evtchn)
		test_error("start_info has no store (mfn %#lx, port %u)", si->store_mfn,
			   si->store_evtchn);
	pfn = mfn_to_pfn(si->store_mfn);
	ASSERT(pfn < si->nr_pages);
	ASSERT_EQ(pfn_to_mfn(pfn), si->store_mfn);
	ASSERT(pte_of(pfn_to_virt(pfn)) & PTE_P);
	xr = pfn_to_virt(pfn);
	xport = si->store_evtchn;
	EXPECT_EQ(evtchn_status(xport, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_interdomain);
	EXPECT_EQ(st.u.interdomain.dom, DOMID_XEN);
	EXPECT(xr->server_features & XENSTORE_SERVER_FEATURE_ERROR);
	EXPECT_EQ(xr->error, XENSTORE_ERROR_NONE);
}

static void kick(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	evtchn_send(xport);
}

/* Put bytes in the request ring; false if it stays full for 2 s. */
static bool ring_put(const void *p, u32 len)
{
	u64 deadline = system_time() + 2 * NSEC_PER_SEC;

	for (u32 i = 0; i < len; i++) {
		while (xr->req_prod - xr->req_cons >= XENSTORE_RING_SIZE) {
			kick();
			if (system_time() > deadline)
				return false;
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
		xr->req[MASK_XENSTORE_IDX(xr->req_prod)] = ((const char *)p)[i];
		__atomic_store_n(&xr->req_prod, xr->req_prod + 1, __ATOMIC_RELEASE);
	}
	return true;
}

/* Take len bytes of the response ring; false if they do not come by deadline. */
static bool ring_get(void *p, u32 len, u64 deadline)
{
	for (u32 i = 0; i < len; i++) {
		while (__atomic_load_n(&xr->rsp_prod, __ATOMIC_ACQUIRE) == xr->rsp_cons) {
			if (system_time() > deadline)
				return false;
			kick();		/* room freed: the store may have more */
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
		((char *)p)[i] = xr->rsp[MASK_XENSTORE_IDX(xr->rsp_cons)];
		__atomic_store_n(&xr->rsp_cons, xr->rsp_cons + 1, __ATOMIC_RELEASE);
	}
	return true;
}

static int err_code(const char *s)
{
	static const char *const names[] = { "EINVAL", "EACCES", "EEXIST", "ENOENT",
		"ENOSPC", "EAGAIN", "EPERM", "EQUOTA", "EBUSY", "E2BIG", "ENOSYS" };

	for (u32 i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i]))
			return (int)i + 1;
	return E_OTHER;
}
#define XE_EINVAL 1
#define XE_EACCES 2
#define XE_EEXIST 3
#define XE_ENOENT 4
#define XE_ENOSPC 5
#define XE_EAGAIN 6
#define XE_EPERM 7
#define XE_EQUOTA 8

/* Read one message; watch events are kept in events[]. */
static int get_reply(u32 id, char *out, u32 *olen, u64 deadline)
{
	static char buf[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;

	for (;;) {
		if (!ring_get(&h, sizeof(h), deadline))
			return E_TIMEOUT;
		if (h.len > XENSTORE_PAYLOAD_MAX)
			test_error("the store sent a message of %u bytes", h.len);
		if (!ring_get(buf, h.len, deadline))
			return E_TIMEOUT;
		buf[h.len] = '\0';
		if (h.type == XS_WATCH_EVENT) {
			if (nev < 8)
				hv_snprintf(events[nev++], 128, "%s|%s", buf, buf + strlen(buf) + 1);
			continue;
		}
		if (h.req_id != id)
			test_error("reply to request %u while waiting for %u", h.req_id, id);
		if (h.type == XS_ERROR)
			return err_code(buf);
		if (out)
			memcpy(out, buf, h.len + 1);
		if (olen)
			*olen = h.len;
		return OK;
	}
}

static int req(u32 type, u32 tx, const void *a, u32 alen, const void *b, u32 blen,
	       char *out, u32 *olen)
{
	struct xsd_sockmsg h = { .type = type, .req_id = next_id++, .tx_id = tx,
				 .len = alen + blen };

	if (!ring_put(&h, sizeof(h)) || !ring_put(a, alen) || !ring_put(b, blen))
		return E_TIMEOUT;
	kick();
	return get_reply(h.req_id, out, olen, system_time() + 2 * NSEC_PER_SEC);
}

static int xs_read(u32 tx, const char *path, char *out)
{
	return req(XS_READ, tx, path, (u32)strlen(path) + 1, NULL, 0, out, NULL);
}

static int xs_write(u32 tx, const char *path, const char *val)
{
	return req(XS_WRITE, tx, path, (u32)strlen(path) + 1, val, (u32)strlen(val), NULL, NULL);
}

static int xs_op1(u32 type, u32 tx, const char *path)
{
	return req(type, tx, path, (u32)strlen(path) + 1, NULL, 0, NULL, NULL);
}

static int xs_op2(u32 type, const char *a, const char *b)
{
	return req(type, 0, a, (u32)strlen(a) + 1, b, (u32)strlen(b) + 1, NULL, NULL);
}

static int xs_perms(const char *path, const char *perms, u32 plen)
{
	return req(XS_SET_PERMS, 0, path, (u32)strlen(path) + 1, perms, plen, NULL, NULL);
}

static u32 tx_start(void)
{
	char out[16];

	u32 id = 0;

	ASSERT_EQ(req(XS_TRANSACTION_START, 0, "", 1, NULL, 0, out, NULL), OK);
	for (const char *c = out; *c >= '0' && *c <= '9'; c++)
		id = id * 10 + (u32)(*c - '0');
	ASSERT(id != 0);
	return id;
}

static bool has_event(const char *ev)
{
	for (int i = 0; i < nev; i++)
		if (!strcmp(events[i], ev))
			return true;
	return false;
}

/* Wait for events without a request (they come on their own). */
static void wait_events(int n)
{
	u64 deadline = system_time() + 2 * NSEC_PER_SEC;

	while (nev < n && system_time() < deadline) {
		if (xr->rsp_prod != xr->rsp_cons)
			get_reply(0, NULL, NULL, deadline);	/* only events come */
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
	EXPECT_EQ(req(XS_GET_DOMAIN_PATH, 0, "1", 2, NULL, 0, out, NULL), OK);
	EXPECT_STREQ(out, "/local/domain/1");

	EXPECT_EQ(xs_write(0, "data/a", "alpha"), OK);
	EXPECT_EQ(xs_write(0, "data/b/c", "gamma"), OK);
	EXPECT_EQ(xs_read(0, "data/a", out), OK);
	EXPECT_STREQ(out, "alpha");
	EXPECT_EQ(req(XS_DIRECTORY, 0, "data", 5, NULL, 0, out, &len), OK);
	EXPECT_EQ(len, 4);
	EXPECT(!memcmp(out, "a\0b\0", 4));
	EXPECT_EQ(xs_op1(XS_RM, 0, "data/b"), OK);
	EXPECT_EQ(xs_read(0, "data/b/c", out), XE_ENOENT);
	EXPECT_EQ(xs_read(0, "data//x", out), XE_EINVAL);

	/* a watch: its first event, then one per change below it */
	nev = 0;
	EXPECT_EQ(xs_op2(XS_WATCH, "data/w", "tok"), OK);
	wait_events(1);
	EXPECT(has_event("data/w|tok"));
	EXPECT_EQ(xs_write(0, "data/w/x", "1"), OK);
	wait_events(2);
	EXPECT(has_event("data/w/x|tok"));
	printk("xenstore: %d watch events: %s, %s\n", nev, events[0], events[1]);
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
	EXPECT_EQ(req(XS_DIRECTORY, 0, p, (u32)strlen(p) + 1, NULL, 0, out, NULL), XE_EACCES);
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
	EXPECT_EQ(req(XS_INTRODUCE, 0, "3", 2, NULL, 0, NULL, NULL), XE_EACCES);
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
		xr->req_prod += 5000;
		kick();
	} else {
		struct xsd_sockmsg h = { .type = XS_READ, .req_id = next_id++, .len = 5000 };

		ring_put(&h, sizeof(h));
		kick();
	}
	EXPECT_EQ(xr->error, how);
	xr->req_prod = xr->req_cons;
	EXPECT_EQ(req(XS_READ, 0, "name", 5, NULL, 0, out, NULL), E_TIMEOUT);
	printk("xenstore: ring broken on purpose (error %u), domain still running\n", xr->error);
}

static void role_main(const struct start_info *si)
{
	basics(si);
	attacks((u32)cmdline_u64("peer", 3));
	measure();
	break_ring(XENSTORE_ERROR_RINGIDX);
}

/* "n<self>\0r<victim>\0": data/flag, its own, readable by the victim. */
static u32 flag_perms(char *buf, u32 self, u32 victim)
{
	u32 n = (u32)hv_snprintf(buf, 16, "n%u", self) + 1;

	return n + (u32)hv_snprintf(buf + n, 16, "r%u", victim) + 1;
}

static void role_flood(void)
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
		r = req(XS_TRANSACTION_START, 0, "", 1, NULL, 0, out, NULL);
	EXPECT_EQ(r, XE_EQUOTA);
	EXPECT_EQ(n - 1, 10);	/* the default transaction quota */
	printk("xenstore flood: %u transactions, then EQUOTA\n", n - 1);
	EXPECT_EQ(xs_read(0, "data/flag", out), OK);

	/* requests whose replies it does not read: the store stops taking them */
	nev = 0;
	for (;;) {
		struct xsd_sockmsg h = { .type = XS_READ, .req_id = 50000 + sent, .len = 5 };
		u64 deadline;

		if (XENSTORE_RING_SIZE - (xr->req_prod - xr->req_cons) < sizeof(h) + 5) {
			kick();
			deadline = system_time() + NSEC_PER_SEC / 5;
			while (system_time() < deadline)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			if (XENSTORE_RING_SIZE - (xr->req_prod - xr->req_cons) < sizeof(h) + 5)
				break;
		}
		ring_put(&h, sizeof(h));
		ring_put("name", 5);
		kick();
		if (++sent > 100000)
			break;
	}
	EXPECT(sent < 100000);
	EXPECT_EQ(xr->rsp_prod - xr->rsp_cons, XENSTORE_RING_SIZE);
	printk("xenstore flood: %u requests sent without reading; the store stopped taking them\n",
	       sent);
	for (got = 0; got < sent; got++) {
		if (get_reply(50000 + got, out, NULL, system_time() + 2 * NSEC_PER_SEC) != OK)
			break;
	}
	EXPECT_EQ(got, sent);
	EXPECT_STREQ(out, "xs_flood");
	EXPECT_EQ(xs_write(0, "data/flag", "done"), OK);
	break_ring(XENSTORE_ERROR_PROTO);
}

static void role_victim(void)
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
	       n, worst / 1000, nev);
	EXPECT(worst < VICTIM_MAX_MS * 1000000ul);
	EXPECT(n > 0);
	EXPECT(has_event("/local/domain/2/data/flag|flag"));	/* the first, at least */
}

void test_main(const struct start_info *si)
{
	char role[16];

	if (!shared_info_map())
		test_skip("shared_info cannot be mapped");
	find_store(si);
	if (!cmdline_get("role", role, sizeof(role)))
		test_error("no role= on the command line");
	if (!strcmp(role, "main"))
		role_main(si);
	else if (!strcmp(role, "flood"))
		role_flood();
	else if (!strcmp(role, "victim"))
		role_victim();
	else
		test_error("unknown role %s", role);
}
