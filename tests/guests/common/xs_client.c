/*
 * xs_client.c - the test guests' xenstore client (xs_client.h): the ring
 * of xs_wire.h driven by polling, one request at a time.
 *
 * Runs in: test guests, guest kernel mode.
 * Trusts: nothing of the store's replies beyond their bounds: a message
 * longer than XENSTORE_PAYLOAD_MAX or a reply to another request ends
 * the test with an error (the store broke the protocol).
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "xs_client.h"

volatile struct xenstore_domain_interface *xs_ring;
u32 xs_next_id = 1;
char xs_events[XS_MAX_EVENTS][XS_EVENT_LEN];
int xs_nev;

static evtchn_port_t xs_port;

void xs_find_store(const struct start_info *si)
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
	xs_ring = pfn_to_virt(pfn);
	xs_port = si->store_evtchn;
	EXPECT_EQ(evtchn_status(xs_port, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_interdomain);
	EXPECT_EQ(st.u.interdomain.dom, DOMID_XEN);
	EXPECT(xs_ring->server_features & XENSTORE_SERVER_FEATURE_ERROR);
	EXPECT_EQ(xs_ring->error, XENSTORE_ERROR_NONE);
}

void xs_kick(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	evtchn_send(xs_port);
}

bool xs_ring_put(const void *p, u32 len)
{
	u64 deadline = system_time() + 2 * NSEC_PER_SEC;

	for (u32 i = 0; i < len; i++) {
		while (xs_ring->req_prod - xs_ring->req_cons >= XENSTORE_RING_SIZE) {
			xs_kick();
			if (system_time() > deadline)
				return false;
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
		xs_ring->req[MASK_XENSTORE_IDX(xs_ring->req_prod)] = ((const char *)p)[i];
		__atomic_store_n(&xs_ring->req_prod, xs_ring->req_prod + 1, __ATOMIC_RELEASE);
	}
	return true;
}

bool xs_ring_get(void *p, u32 len, u64 deadline)
{
	for (u32 i = 0; i < len; i++) {
		while (__atomic_load_n(&xs_ring->rsp_prod, __ATOMIC_ACQUIRE) == xs_ring->rsp_cons) {
			if (system_time() > deadline)
				return false;
			xs_kick();	/* room freed: the store may have more */
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
		((char *)p)[i] = xs_ring->rsp[MASK_XENSTORE_IDX(xs_ring->rsp_cons)];
		__atomic_store_n(&xs_ring->rsp_cons, xs_ring->rsp_cons + 1, __ATOMIC_RELEASE);
	}
	return true;
}

int xs_err_code(const char *s)
{
	static const char *const names[] = { "EINVAL", "EACCES", "EEXIST", "ENOENT",
		"ENOSPC", "EAGAIN", "EPERM", "EQUOTA", "EBUSY", "E2BIG", "ENOSYS" };

	for (u32 i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i]))
			return (int)i + 1;
	return E_OTHER;
}

int xs_get_reply(u32 id, char *out, u32 *olen, u64 deadline)
{
	static char buf[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;

	for (;;) {
		if (!xs_ring_get(&h, sizeof(h), deadline))
			return E_TIMEOUT;
		if (h.len > XENSTORE_PAYLOAD_MAX)
			test_error("the store sent a message of %u bytes", h.len);
		if (!xs_ring_get(buf, h.len, deadline))
			return E_TIMEOUT;
		buf[h.len] = '\0';
		if (h.type == XS_WATCH_EVENT) {
			if (xs_nev < XS_MAX_EVENTS)
				hv_snprintf(xs_events[xs_nev++], XS_EVENT_LEN, "%s|%s", buf,
					    buf + strlen(buf) + 1);
			continue;
		}
		if (h.req_id != id)
			test_error("reply to request %u while waiting for %u", h.req_id, id);
		if (h.type == XS_ERROR)
			return xs_err_code(buf);
		if (out)
			memcpy(out, buf, h.len + 1);
		if (olen)
			*olen = h.len;
		return OK;
	}
}

int xs_req(u32 type, u32 tx, const void *a, u32 alen, const void *b, u32 blen,
	   char *out, u32 *olen)
{
	struct xsd_sockmsg h = { .type = type, .req_id = xs_next_id++, .tx_id = tx,
				 .len = alen + blen };

	if (!xs_ring_put(&h, sizeof(h)) || !xs_ring_put(a, alen) || !xs_ring_put(b, blen))
		return E_TIMEOUT;
	xs_kick();
	return xs_get_reply(h.req_id, out, olen, system_time() + 2 * NSEC_PER_SEC);
}

int xs_read(u32 tx, const char *path, char *out)
{
	return xs_req(XS_READ, tx, path, (u32)strlen(path) + 1, NULL, 0, out, NULL);
}

int xs_write(u32 tx, const char *path, const char *val)
{
	return xs_req(XS_WRITE, tx, path, (u32)strlen(path) + 1, val, (u32)strlen(val),
		      NULL, NULL);
}

int xs_op1(u32 type, u32 tx, const char *path)
{
	return xs_req(type, tx, path, (u32)strlen(path) + 1, NULL, 0, NULL, NULL);
}

int xs_op2(u32 type, const char *a, const char *b)
{
	return xs_req(type, 0, a, (u32)strlen(a) + 1, b, (u32)strlen(b) + 1, NULL, NULL);
}

int xs_perms(const char *path, const char *perms, u32 plen)
{
	return xs_req(XS_SET_PERMS, 0, path, (u32)strlen(path) + 1, perms, plen, NULL, NULL);
}

int xs_count_events(const char *ev)
{
	int n = 0;

	for (int i = 0; i < xs_nev; i++)
		n += !strcmp(xs_events[i], ev);
	return n;
}

void xs_test_roles(const struct start_info *si, const struct xs_role *roles, int n)
{
	char role[16];

	if (!shared_info_map())
		test_skip("shared_info cannot be mapped");
	xs_find_store(si);
	if (!cmdline_get("role", role, sizeof(role)))
		test_error("no role= on the command line");
	for (int i = 0; i < n; i++)
		if (!strcmp(role, roles[i].name)) {
			roles[i].run(si);
			return;
		}
	test_error("unknown role %s", role);
}
