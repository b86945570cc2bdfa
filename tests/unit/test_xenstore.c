/*
 * test_xenstore.c - hv/core/xenstore.c through its rings, as a guest sees
 * it: every request type and its errors, Xen's permissions, watches and
 * their events, transactions and their conflicts, the quotas, a broken
 * ring costing only its own connection, and the leak check (every test
 * ends with xs_check() == 0 and every page back). The "devices" case:
 * hv/core/devices.c's entries for a frontend (1), its backend (2) and a
 * bystander (3), read through their rings: paths, values, permissions,
 * and what each sees when the other goes.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "hv.h"
#include "harness.h"
#include "core/xenstore.h"
#include "core/devices.h"

static struct xs_store S;
static long pages_out;
static int notified[8];
static int preempt_left = -1;	/* -1: never */

static void *t_alloc(void *ctx, u32 n)
{
	(void)ctx;
	pages_out += n;
	return aligned_alloc(4096, (size_t)n * 4096);
}

static void t_free(void *ctx, void *p, u32 n)
{
	(void)ctx;
	pages_out -= n;
	free(p);
}

static void t_notify(void *ctx, u16 domid)
{
	(void)ctx;
	if (domid < 8)
		notified[domid]++;
}

static bool t_preempt(void *ctx)
{
	(void)ctx;
	if (preempt_left < 0)
		return false;
	return preempt_left-- == 0;
}

static void t_log(void *ctx, u16 domid, const char *msg)
{
	(void)ctx;
	printk("dom%u: %s\n", domid, msg);
}

/* A guest: its ring page and connection, the events it received. */
struct dom {
	u16 id;
	struct xenstore_domain_interface *r;
	struct xs_conn *c;
	char events[32][128];	/* "path|token" */
	int nev;
};
static struct dom D1, D2, D3;

static const struct xs_ops ops = { t_alloc, t_free, t_notify, t_preempt, t_log, NULL, NULL };

static struct xs_limits lim(void)
{
	return (struct xs_limits){ .nodes = 40, .bytes = 64 * 1024, .watches = 4,
				   .transactions = 2, .pool_pages = 256 };
}

static void dom_dir(u16 id)
{
	char p[64], perm[16];
	u32 n;

	snprintf(p, sizeof(p), "/local/domain/%u", id);
	ck_assert_int_eq(xs_priv_mkdir(&S, p), 0);
	n = 3 + (u32)snprintf(perm + 3, sizeof(perm) - 3, "r%u", id) + 1;
	memcpy(perm, "n0", 3);
	ck_assert_int_eq(xs_priv_set_perms(&S, p, perm, n), 0);
	snprintf(p, sizeof(p), "/local/domain/%u/name", id);
	ck_assert_int_eq(xs_priv_write(&S, p, id == 1 ? "one" : "two"), 0);
	snprintf(p, sizeof(p), "/local/domain/%u/data", id);
	ck_assert_int_eq(xs_priv_mkdir(&S, p), 0);
	n = (u32)snprintf(perm, sizeof(perm), "n%u", id) + 1;
	ck_assert_int_eq(xs_priv_set_perms(&S, p, perm, n), 0);
}

static void dom_up(struct dom *d, u16 id)
{
	memset(d, 0, sizeof(*d));
	d->id = id;
	d->r = aligned_alloc(4096, 4096);
	memset(d->r, 0x5a, 4096);	/* xs_introduce must reset the indexes */
	d->c = xs_introduce(&S, id, d->r);
	ck_assert_ptr_nonnull(d->c);
	ck_assert_uint_eq(d->r->req_prod, 0);
	ck_assert_uint_eq(d->r->server_features, XENSTORE_SERVER_FEATURE_ERROR);
	dom_dir(id);
}

static void dom_down(struct dom *d)
{
	char p[64];

	if (!d->c)
		return;
	snprintf(p, sizeof(p), "/local/domain/%u", d->id);
	ck_assert_int_eq(xs_priv_rm(&S, p), 0);
	ck_assert_msg(xs_release(&S, d->c), "charges left after the release");
	d->c = NULL;
	free(d->r);
}

static void setup_lim(struct xs_limits l)
{
	memset(notified, 0, sizeof(notified));
	preempt_left = -1;
	ck_assert_int_eq(xs_init(&S, &ops, &l), 0);
	ck_assert_int_eq(xs_priv_mkdir(&S, "/local/domain"), 0);
	dom_up(&D1, 1);
	dom_up(&D2, 2);
	ck_assert_int_eq(xs_check(&S), 0);
}

static void setup(void)
{
	setup_lim(lim());
}

static void teardown(void)
{
	dom_down(&D1);
	dom_down(&D2);
	ck_assert_int_eq(xs_check(&S), 0);
	xs_fini(&S);
	ck_assert_int_eq(pages_out, 0);
}

/* ---- the guest side of the ring ---------------------------------------- */

static void ring_put(struct dom *d, const void *p, u32 len)
{
	for (u32 i = 0; i < len; i++) {
		while (d->r->req_prod - d->r->req_cons >= XENSTORE_RING_SIZE)
			xs_kick(&S, d->c);
		d->r->req[MASK_XENSTORE_IDX(d->r->req_prod)] = ((const char *)p)[i];
		d->r->req_prod++;
	}
}

static void send_req(struct dom *d, u32 type, u32 tx, const void *payload, u32 len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = 77, .tx_id = tx, .len = len };

	ring_put(d, &h, sizeof(h));
	ring_put(d, payload, len);
}

static u32 rsp_avail(struct dom *d)
{
	return d->r->rsp_prod - d->r->rsp_cons;
}

static void rsp_copy(struct dom *d, void *p, u32 len)
{
	for (u32 i = 0; i < len; i++)
		((char *)p)[i] = d->r->rsp[MASK_XENSTORE_IDX(d->r->rsp_cons + i)];
	d->r->rsp_cons += len;
}

/* The next message, kicking for more as the guest would; false if none. */
static bool get_msg(struct dom *d, struct xsd_sockmsg *h, char *buf)
{
	u32 got = 0;

	xs_kick(&S, d->c);
	if (rsp_avail(d) < sizeof(*h))
		return false;
	rsp_copy(d, h, sizeof(*h));
	ck_assert_uint_le(h->len, XENSTORE_PAYLOAD_MAX);
	while (got < h->len) {
		u32 n = MIN(rsp_avail(d), h->len - got);

		ck_assert_msg(n || !d->c->broken, "connection broke mid-message");
		rsp_copy(d, buf + got, n);
		got += n;
		if (got < h->len)
			xs_kick(&S, d->c);
	}
	buf[h->len] = '\0';
	return true;
}

static void take_event(struct dom *d, const struct xsd_sockmsg *h, const char *buf)
{
	ck_assert_int_lt(d->nev, 32);
	ck_assert_uint_eq(h->req_id, 0);
	snprintf(d->events[d->nev++], 128, "%s|%s", buf, buf + strlen(buf) + 1);
}

/* Drain watch events into d->events. */
static void drain(struct dom *d)
{
	struct xsd_sockmsg h;
	static char buf[XENSTORE_PAYLOAD_MAX + 1];

	while (get_msg(d, &h, buf)) {
		ck_assert_uint_eq(h.type, XS_WATCH_EVENT);
		take_event(d, &h, buf);
	}
}

static int err_of(const char *s)
{
	for (int e = 1; e < XS_NR_ERRORS; e++)
		if (!strcmp(s, xs_error_name(e)))
			return e;
	ck_abort_msg("unknown error string %s", s);
	return -1;
}

/* One request, its reply: 0 and the payload in out (len in *olen), or XS_E*. */
static int xs(struct dom *d, u32 type, u32 tx, const void *p, u32 len, char *out, u32 *olen)
{
	static char buf[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;

	send_req(d, type, tx, p, len);
	for (;;) {
		ck_assert_msg(get_msg(d, &h, buf), "no reply to type %u", type);
		if (h.type == XS_WATCH_EVENT && type != XS_WATCH_EVENT) {
			take_event(d, &h, buf);
			continue;
		}
		break;
	}
	ck_assert_uint_eq(h.req_id, 77);
	ck_assert_uint_eq(h.tx_id, tx);
	if (h.type == XS_ERROR)
		return err_of(buf);
	ck_assert_uint_eq(h.type, type);
	if (out)
		memcpy(out, buf, h.len + 1);
	if (olen)
		*olen = h.len;
	return 0;
}

static int x1(struct dom *d, u32 type, u32 tx, const char *path, char *out)
{
	return xs(d, type, tx, path, (u32)strlen(path) + 1, out, NULL);
}

static int xwrite(struct dom *d, u32 tx, const char *path, const char *val)
{
	char buf[XS_MSG_MAX];
	u32 n = (u32)strlen(path) + 1;

	memcpy(buf, path, n);
	memcpy(buf + n, val, strlen(val));
	return xs(d, XS_WRITE, tx, buf, n + (u32)strlen(val), NULL, NULL);
}

static int x2(struct dom *d, u32 type, const char *a, const char *b)
{
	char buf[XS_MSG_MAX];
	u32 n = (u32)strlen(a) + 1, m = (u32)strlen(b) + 1;

	memcpy(buf, a, n);
	memcpy(buf + n, b, m);
	return xs(d, type, 0, buf, n + m, NULL, NULL);
}

static int xperms(struct dom *d, u32 tx, const char *path, const char *perms, u32 plen)
{
	char buf[256];
	u32 n = (u32)strlen(path) + 1;

	memcpy(buf, path, n);
	memcpy(buf + n, perms, plen);
	return xs(d, XS_SET_PERMS, tx, buf, n + plen, NULL, NULL);
}

static u32 tx_start(struct dom *d)
{
	char out[32];

	ck_assert_int_eq(xs(d, XS_TRANSACTION_START, 0, "", 1, out, NULL), 0);
	return (u32)strtoul(out, NULL, 10);
}

/* A directory reply as "a,b,c". */
static int xdir(struct dom *d, u32 tx, const char *path, char *list)
{
	char out[XENSTORE_PAYLOAD_MAX + 1];
	u32 len = 0;
	int r = xs(d, XS_DIRECTORY, tx, path, (u32)strlen(path) + 1, out, &len);

	list[0] = '\0';
	for (u32 i = 0; !r && i < len; i += (u32)strlen(out + i) + 1) {
		if (i)
			strcat(list, ",");
		strcat(list, out + i);
	}
	return r;
}

static bool has_event(struct dom *d, const char *ev)
{
	for (int i = 0; i < d->nev; i++)
		if (!strcmp(d->events[i], ev))
			return true;
	return false;
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(test_read_write_rm)
{
	char out[XENSTORE_PAYLOAD_MAX + 1], list[512];

	ck_assert_int_eq(x1(&D1, XS_READ, 0, "name", out), 0);
	ck_assert_str_eq(out, "one");
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "/local/domain/1/name", out), 0);
	ck_assert_str_eq(out, "one");
	ck_assert_int_eq(xwrite(&D1, 0, "data/a", "hello"), 0);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/a", out), 0);
	ck_assert_str_eq(out, "hello");
	ck_assert_int_eq(xwrite(&D1, 0, "data/a", ""), 0);	/* empty value */
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/a", out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(xwrite(&D1, 0, "data/b/c/d", "deep"), 0);	/* parents made */
	ck_assert_int_eq(x1(&D1, XS_MKDIR, 0, "data/e", NULL), 0);
	ck_assert_int_eq(x1(&D1, XS_MKDIR, 0, "data/e", NULL), 0);	/* exists: OK */
	ck_assert_int_eq(xdir(&D1, 0, "data", list), 0);
	ck_assert_str_eq(list, "a,b,e");
	ck_assert_int_eq(x1(&D1, XS_GET_PERMS, 0, "data/b/c", out), 0);
	ck_assert_str_eq(out, "n1");	/* inherited, owned by its creator */
	ck_assert_int_eq(x1(&D1, XS_RM, 0, "data/b", NULL), 0);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/b/c/d", out), XS_ENOENT);
	ck_assert_int_eq(x1(&D1, XS_RM, 0, "data/b", NULL), 0);	/* gone, parent there */
	ck_assert_int_eq(x1(&D1, XS_RM, 0, "data/b/c", NULL), XS_ENOENT);
	ck_assert_int_eq(xdir(&D1, 0, "data", list), 0);
	ck_assert_str_eq(list, "a,e");
}
END_TEST

START_TEST(test_read_big_value)
{
	static char big[4100], out[4100];

	memset(big, 'x', 4089);	/* "data/a\0" + 4089: a whole payload */
	big[4089] = '\0';
	ck_assert_int_eq(xwrite(&D1, 0, "data/a", big), 0);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/a", out), 0);
	ck_assert_str_eq(out, big);	/* 4 ring's worth, across several kicks */
}
END_TEST

START_TEST(test_errors)
{
	static char path[4000];
	char out[256];

	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/none", out), XS_ENOENT);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "/local//domain", out), XS_EINVAL);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/", out), XS_EINVAL);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/a b", out), XS_EINVAL);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/a.b", out), XS_EINVAL);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "", out), XS_EINVAL);
	ck_assert_int_eq(xs(&D1, XS_READ, 0, "name", 4, out, NULL), XS_EINVAL);	/* no NUL */
	ck_assert_int_eq(xs(&D1, XS_READ, 0, "na\0me", 6, out, NULL), XS_EINVAL);	/* two */
	ck_assert_int_eq(xs(&D1, XS_WRITE, 0, "data/x", 6, out, NULL), XS_EINVAL);
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[XENSTORE_ABS_PATH_MAX + 1] = '\0';	/* 3073 bytes */
	ck_assert_int_eq(x1(&D1, XS_READ, 0, path, out), XS_EINVAL);
	path[XENSTORE_ABS_PATH_MAX] = '\0';	/* 3072: valid, absent */
	ck_assert_int_eq(x1(&D1, XS_READ, 0, path, out), XS_ENOENT);
	memset(path, 'a', XENSTORE_REL_PATH_MAX + 1);
	path[XENSTORE_REL_PATH_MAX + 1] = '\0';
	ck_assert_int_eq(x1(&D1, XS_READ, 0, path, out), XS_EINVAL);
	ck_assert_int_eq(x1(&D1, XS_RM, 0, "/", NULL), XS_EINVAL);
	ck_assert_int_eq(x1(&D1, XS_RM, 0, "data/x/y", NULL), XS_ENOENT);
	ck_assert_int_eq(x1(&D1, 99, 0, "name", out), XS_ENOSYS);
	ck_assert_int_eq(x1(&D1, XS_WATCH_EVENT, 0, "name", out), XS_ENOSYS);
	ck_assert_int_eq(x1(&D1, XS_INTRODUCE, 0, "name", out), XS_EACCES);
	ck_assert_int_eq(x1(&D1, XS_RELEASE, 0, "2", out), XS_EACCES);
	ck_assert_int_eq(x1(&D1, XS_CONTROL, 0, "print", out), XS_EACCES);
	ck_assert_int_eq(x1(&D1, XS_READ, 12345, "name", out), XS_ENOENT);	/* no such tx */
	ck_assert_int_eq(x2(&D1, XS_WATCH, "@nonsense", "t"), XS_EINVAL);
	ck_assert_int_eq(x2(&D1, XS_UNWATCH, "data", "t"), XS_ENOENT);
	ck_assert_int_eq(xperms(&D1, 0, "data", "x1", 3), XS_EINVAL);
	ck_assert_int_eq(xperms(&D1, 0, "data", "r", 2), XS_EINVAL);
	ck_assert_int_eq(xperms(&D1, 0, "data", "r70000", 7), XS_EINVAL);
	ck_assert_int_eq(xperms(&D1, 0, "data", "r1", 2), XS_EINVAL);	/* unterminated */
	ck_assert_int_eq(xperms(&D1, 0, "data/none", "n1", 3), XS_ENOENT);
	ck_assert_int_eq(x1(&D1, XS_GET_DOMAIN_PATH, 0, "7", out), 0);
	ck_assert_str_eq(out, "/local/domain/7");
	ck_assert_int_eq(x1(&D1, XS_GET_DOMAIN_PATH, 0, "x", out), XS_EINVAL);
	ck_assert_int_eq(x1(&D1, XS_IS_DOMAIN_INTRODUCED, 0, "2", out), 0);
	ck_assert_str_eq(out, "T");
	ck_assert_int_eq(x1(&D1, XS_IS_DOMAIN_INTRODUCED, 0, "3", out), 0);
	ck_assert_str_eq(out, "F");
	ck_assert_uint_gt(D1.c->errors, 20);
}
END_TEST

START_TEST(test_perms)
{
	char out[256];

	/* the domain's own directory: it reads, the hypervisor owns it */
	ck_assert_int_eq(x1(&D1, XS_GET_PERMS, 0, "/local/domain/1", out), 0);
	ck_assert_str_eq(out, "n0");
	ck_assert_str_eq(out + 3, "r1");
	ck_assert_int_eq(xwrite(&D1, 0, "name", "evil"), XS_EACCES);
	ck_assert_int_eq(xwrite(&D1, 0, "newdir/x", "1"), XS_EACCES);
	ck_assert_int_eq(x1(&D1, XS_RM, 0, "name", NULL), XS_EACCES);
	ck_assert_int_eq(x1(&D1, XS_RM, 0, "/local/domain/1", NULL), XS_EACCES);
	ck_assert_int_eq(xperms(&D1, 0, "name", "b1", 3), XS_EACCES);
	/* another domain's nodes: nothing */
	ck_assert_int_eq(xwrite(&D1, 0, "data/secret", "s"), 0);
	ck_assert_int_eq(x1(&D2, XS_READ, 0, "/local/domain/1/data/secret", out), XS_EACCES);
	ck_assert_int_eq(x1(&D2, XS_READ, 0, "/local/domain/1/name", out), XS_EACCES);
	ck_assert_int_eq(x1(&D2, XS_DIRECTORY, 0, "/local/domain/1/data", out), XS_EACCES);
	ck_assert_int_eq(x1(&D2, XS_GET_PERMS, 0, "/local/domain/1/data/secret", out), XS_EACCES);
	ck_assert_int_eq(xwrite(&D2, 0, "/local/domain/1/data/secret", "x"), XS_EACCES);
	ck_assert_int_eq(xwrite(&D2, 0, "/local/domain/1/data/new", "x"), XS_EACCES);
	ck_assert_int_eq(x1(&D2, XS_MKDIR, 0, "/local/domain/1/data/new", NULL), XS_EACCES);
	ck_assert_int_eq(x1(&D2, XS_RM, 0, "/local/domain/1/data/secret", NULL), XS_EACCES);
	ck_assert_int_eq(xperms(&D2, 0, "/local/domain/1/data/secret", "b2", 3), XS_EACCES);
	ck_assert_int_eq(xwrite(&D2, 0, "/local/x", "x"), XS_EACCES);
	ck_assert_int_eq(xwrite(&D2, 0, "/x", "x"), XS_EACCES);
	/* a grant: read for 2, then write */
	ck_assert_int_eq(xperms(&D1, 0, "data/secret", "n1\0r2", 6), 0);
	ck_assert_int_eq(x1(&D2, XS_READ, 0, "/local/domain/1/data/secret", out), 0);
	ck_assert_str_eq(out, "s");
	ck_assert_int_eq(xwrite(&D2, 0, "/local/domain/1/data/secret", "x"), XS_EACCES);
	ck_assert_int_eq(xperms(&D1, 0, "data/secret", "n1\0b0002", 9), 0);
	ck_assert_int_eq(x1(&D1, XS_GET_PERMS, 0, "data/secret", out), 0);
	ck_assert_str_eq(out + 3, "b2");	/* canonical */
	ck_assert_int_eq(xwrite(&D2, 0, "/local/domain/1/data/secret", "x"), 0);
	/* a writer who is not the owner may not set permissions */
	ck_assert_int_eq(xperms(&D2, 0, "/local/domain/1/data/secret", "n1\0b2", 6), XS_EACCES);
	/* the default (first entry) applies to everybody not listed */
	ck_assert_int_eq(xperms(&D1, 0, "data/secret", "r1", 3), 0);
	ck_assert_int_eq(x1(&D2, XS_READ, 0, "/local/domain/1/data/secret", out), 0);
	ck_assert_int_eq(xwrite(&D2, 0, "/local/domain/1/data/secret", "y"), XS_EACCES);
	/* the owner stays: giving a node away is the hypervisor's */
	ck_assert_int_eq(xperms(&D1, 0, "data/secret", "n2", 3), XS_EPERM);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/secret", out), 0);
}
END_TEST

START_TEST(test_watches)
{
	ck_assert_int_eq(x2(&D1, XS_WATCH, "data", "tok"), 0);
	drain(&D1);
	ck_assert_int_eq(D1.nev, 1);
	ck_assert_str_eq(D1.events[0], "data|tok");	/* first event, relative */
	ck_assert_int_eq(x2(&D1, XS_WATCH, "data", "tok"), XS_EEXIST);
	ck_assert_int_eq(x2(&D2, XS_WATCH, "/local/domain/1/data", "spy"), 0);
	ck_assert_int_eq(x2(&D2, XS_WATCH, "/local/domain/1/datax", "no"), 0);
	drain(&D2);
	ck_assert_int_eq(D2.nev, 2);	/* first events only */
	D1.nev = D2.nev = 0;
	notified[2] = 0;
	ck_assert_int_eq(xwrite(&D1, 0, "data/x", "1"), 0);
	drain(&D1);
	ck_assert(has_event(&D1, "data/x|tok"));
	drain(&D2);
	ck_assert_int_eq(D2.nev, 0);	/* it may not read data/x */
	ck_assert_int_eq(notified[2], 0);
	ck_assert_int_eq(xperms(&D1, 0, "data/x", "n1\0r2", 6), 0);
	drain(&D2);
	ck_assert(has_event(&D2, "/local/domain/1/data/x|spy"));
	ck_assert_int_eq(notified[2], 1);
	D1.nev = D2.nev = 0;
	ck_assert_int_eq(xwrite(&D1, 0, "data/x/y/z", "1"), 0);
	ck_assert_int_eq(x2(&D1, XS_WATCH, "data/x/y/z", "deep"), 0);
	drain(&D1);
	D1.nev = 0;
	ck_assert_int_eq(x1(&D1, XS_RM, 0, "data/x", NULL), 0);
	drain(&D1);
	ck_assert(has_event(&D1, "data/x|tok"));
	ck_assert(has_event(&D1, "data/x/y/z|deep"));	/* below what was removed */
	drain(&D2);
	ck_assert(has_event(&D2, "/local/domain/1/data/x|spy"));
	ck_assert(!has_event(&D2, "/local/domain/1/datax|no"));
	/* quota, unwatch, reset */
	ck_assert_int_eq(x2(&D1, XS_WATCH, "data/q1", "t"), 0);
	ck_assert_int_eq(x2(&D1, XS_WATCH, "data/q2", "t"), 0);
	ck_assert_int_eq(x2(&D1, XS_WATCH, "data/q3", "t"), XS_EQUOTA);
	ck_assert_int_eq(x2(&D1, XS_UNWATCH, "data/q2", "t"), 0);
	ck_assert_int_eq(x2(&D1, XS_WATCH, "@releaseDomain", "t"), 0);
	ck_assert_uint_eq(D1.c->nr_watches, 4);
	ck_assert_int_eq(xs(&D1, XS_RESET_WATCHES, 0, "", 1, NULL, NULL), 0);
	ck_assert_uint_eq(D1.c->nr_watches, 0);
	drain(&D1);
	D1.nev = 0;
	ck_assert_int_eq(xwrite(&D1, 0, "data/x", "1"), 0);
	drain(&D1);
	ck_assert_int_eq(D1.nev, 0);
	ck_assert_int_eq(xs_check(&S), 0);
}
END_TEST

START_TEST(test_transactions)
{
	char out[256], list[256];
	u32 t = tx_start(&D1), t2;

	ck_assert_uint_ne(t, 0);
	ck_assert_int_eq(xs(&D1, XS_TRANSACTION_START, t, "", 1, out, NULL), XS_EBUSY);
	ck_assert_int_eq(x2(&D1, XS_WATCH, "data", "w"), 0);
	drain(&D1);
	D1.nev = 0;
	ck_assert_int_eq(xwrite(&D1, t, "data/a/b", "in"), 0);
	ck_assert_int_eq(x1(&D1, XS_READ, t, "data/a/b", out), 0);
	ck_assert_str_eq(out, "in");
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/a/b", out), XS_ENOENT);	/* not yet */
	ck_assert_int_eq(xdir(&D1, t, "data", list), 0);
	ck_assert_str_eq(list, "a");
	ck_assert_int_eq(xdir(&D1, 0, "data", list), 0);
	ck_assert_str_eq(list, "");
	ck_assert_int_eq(x1(&D1, XS_GET_PERMS, t, "data/a", out), 0);
	ck_assert_str_eq(out, "n1");
	ck_assert_int_eq(x1(&D1, XS_RM, t, "data/a", NULL), 0);
	ck_assert_int_eq(x1(&D1, XS_READ, t, "data/a/b", out), XS_ENOENT);
	ck_assert_int_eq(xwrite(&D1, t, "data/c", "2"), 0);
	ck_assert_int_eq(xwrite(&D1, t, "data/c", "3"), 0);
	ck_assert_int_eq(xdir(&D1, t, "data", list), 0);
	ck_assert_str_eq(list, "c");
	drain(&D1);
	ck_assert_int_eq(D1.nev, 0);	/* nothing fires before the commit */
	ck_assert_int_eq(x1(&D1, XS_TRANSACTION_END, t, "T", NULL), 0);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/c", out), 0);
	ck_assert_str_eq(out, "3");
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/a", out), XS_ENOENT);
	drain(&D1);
	ck_assert(has_event(&D1, "data/c|w"));
	ck_assert_int_eq(x1(&D1, XS_TRANSACTION_END, t, "T", NULL), XS_ENOENT);	/* gone */

	/* conflict: what it read changed under it */
	t = tx_start(&D1);
	ck_assert_int_eq(x1(&D1, XS_READ, t, "data/c", out), 0);
	ck_assert_int_eq(xwrite(&D1, t, "data/d", "mine"), 0);
	ck_assert_int_eq(xwrite(&D1, 0, "data/c", "other"), 0);
	ck_assert_int_eq(x1(&D1, XS_TRANSACTION_END, t, "T", NULL), XS_EAGAIN);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/d", out), XS_ENOENT);	/* nothing applied */
	/* a child appearing under a directory it listed */
	t = tx_start(&D1);
	ck_assert_int_eq(xdir(&D1, t, "data", list), 0);
	ck_assert_int_eq(xwrite(&D1, 0, "data/new", "x"), 0);
	ck_assert_int_eq(x1(&D1, XS_TRANSACTION_END, t, "T", NULL), XS_EAGAIN);
	/* unrelated changes do not conflict */
	t = tx_start(&D1);
	ck_assert_int_eq(x1(&D1, XS_READ, t, "data/c", out), 0);
	ck_assert_int_eq(xwrite(&D2, 0, "data/z", "x"), 0);
	ck_assert_int_eq(x1(&D1, XS_TRANSACTION_END, t, "T", NULL), 0);
	/* abort, bad argument, quota */
	t = tx_start(&D1);
	ck_assert_int_eq(xwrite(&D1, t, "data/gone", "x"), 0);
	ck_assert_int_eq(x1(&D1, XS_TRANSACTION_END, t, "X", NULL), XS_EINVAL);
	ck_assert_int_eq(x1(&D1, XS_TRANSACTION_END, t, "F", NULL), 0);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/gone", out), XS_ENOENT);
	t = tx_start(&D1);
	t2 = tx_start(&D1);
	ck_assert_uint_ne(t, t2);
	ck_assert_int_eq(xs(&D1, XS_TRANSACTION_START, 0, "", 1, out, NULL), XS_EQUOTA);
	/* permissions inside a transaction are the same */
	ck_assert_int_eq(xwrite(&D2, 0, "data/p", "x"), 0);
	ck_assert_int_eq(x1(&D1, XS_READ, t, "/local/domain/2/data/p", out), XS_EACCES);
	ck_assert_int_eq(xwrite(&D1, t, "/local/domain/2/data/p", "x"), XS_EACCES);
	ck_assert_int_eq(xwrite(&D1, t, "name", "x"), XS_EACCES);
	ck_assert_int_eq(xwrite(&D1, t2, "data/t2", "x"), 0);
	/* left open: the release (teardown) frees them, checked there */
	ck_assert_int_eq(xs_check(&S), 0);
}
END_TEST

/* A transaction's log is bounded: a request in it costs at most XS_TX_OPS_MAX steps. */
START_TEST(test_tx_ops_limit)
{
	u32 t = tx_start(&D1);
	int i, r = 0;

	for (i = 0; i < 400 && !r; i++)
		r = xwrite(&D1, t, "data/x", "1");
	ck_assert_int_eq(r, XS_EQUOTA);
	ck_assert_int_eq(i - 1, XS_TX_OPS_MAX);
	ck_assert_int_eq(x1(&D1, XS_TRANSACTION_END, t, "T", NULL), 0);
}
END_TEST

START_TEST(test_quota_nodes)
{
	char path[64], out[64];
	int i, r = 0;

	for (i = 0; i < 100 && !r; i++) {
		snprintf(path, sizeof(path), "data/n%d", i);
		r = xwrite(&D1, 0, path, "v");
	}
	ck_assert_int_eq(r, XS_EQUOTA);
	ck_assert_uint_eq(D1.c->nodes, lim().nodes);
	/* the other domain is served as before */
	ck_assert_int_eq(xwrite(&D2, 0, "data/fine", "1"), 0);
	ck_assert_int_eq(x1(&D2, XS_READ, 0, "data/fine", out), 0);
	/* in a transaction the refusal comes at the commit */
	{
		u32 t = tx_start(&D1);

		ck_assert_int_eq(xwrite(&D1, t, "data/more", "x"), 0);
		ck_assert_int_eq(x1(&D1, XS_TRANSACTION_END, t, "T", NULL), XS_EQUOTA);
	}
	/* freed nodes may be used again */
	ck_assert_int_eq(x1(&D1, XS_RM, 0, "data/n0", NULL), 0);
	ck_assert_int_eq(xwrite(&D1, 0, "data/again", "v"), 0);
}
END_TEST

START_TEST(test_quota_bytes)
{
	static char big[4000];
	char path[64];
	int i, r = 0;

	memset(big, 'b', sizeof(big) - 1);
	for (i = 0; i < 30 && !r; i++) {
		snprintf(path, sizeof(path), "data/b%d", i);
		r = xwrite(&D1, 0, path, big);
	}
	ck_assert_int_eq(r, XS_EQUOTA);	/* 64 KiB: about 15 values of 4 KiB */
	ck_assert_int_lt(i, 20);
	ck_assert_uint_le(D1.c->bytes, lim().bytes);
	ck_assert_int_eq(xwrite(&D2, 0, "data/b", big), 0);
}
END_TEST

START_TEST(test_pool_spent)
{
	static char big[4000];
	char path[64];
	int i, r = 0;
	struct xs_limits l = lim();

	teardown();
	l.pool_pages = 24;
	l.bytes = 1 << 20;
	l.nodes = 1000;
	setup_lim(l);
	for (i = 0; i < 10; i++) {	/* small blocks, given back below */
		snprintf(path, sizeof(path), "data/s%d", i);
		ck_assert_int_eq(xwrite(&D1, 0, path, "x"), 0);
	}
	memset(big, 'b', sizeof(big) - 1);
	for (i = 0; i < 40 && !r; i++) {
		snprintf(path, sizeof(path), "data/b%d", i);
		r = xwrite(&D1, 0, path, big);
	}
	ck_assert_int_eq(r, XS_ENOSPC);
	for (i = 0, r = 0; i < 1000 && !r; i++) {	/* the last pages too */
		snprintf(path, sizeof(path), "data/f%d", i);
		r = xwrite(&D1, 0, path, "x");
	}
	ck_assert_int_eq(r, XS_ENOSPC);
	ck_assert_uint_eq(S.nr_pages, S.pages_cap);
	ck_assert_int_eq(xs_check(&S), 0);
	/* room for a node, none for its value: refused whole, nothing half made */
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "data/s%d", i);
		ck_assert_int_eq(x1(&D1, XS_RM, 0, path, NULL), 0);
	}
	ck_assert_int_eq(xwrite(&D1, 0, "data/new", big), XS_ENOSPC);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "data/new", path), XS_ENOENT);
	ck_assert_int_eq(xwrite(&D1, 0, "data/small", "fits"), 0);
	/* reads still work */
	ck_assert_int_eq(x1(&D2, XS_READ, 0, "name", path), 0);
}
END_TEST

/* A header claiming more than 4096 bytes: that connection only breaks. */
START_TEST(test_ring_proto)
{
	struct xsd_sockmsg h = { .type = XS_READ, .len = 5000 };
	char out[64];

	ring_put(&D1, &h, sizeof(h));
	xs_kick(&S, D1.c);
	ck_assert(D1.c->broken);
	ck_assert_uint_eq(D1.r->error, XENSTORE_ERROR_PROTO);
	ck_assert_int_eq(x1(&D2, XS_READ, 0, "name", out), 0);
	ck_assert_str_eq(out, "two");
	/* later kicks do nothing */
	send_req(&D1, XS_READ, 0, "name", 5);
	ck_assert(!xs_kick(&S, D1.c));
	ck_assert_uint_eq(D1.r->rsp_prod, 0);
}
END_TEST

START_TEST(test_ring_garbage_index)
{
	char out[64];

	D1.r->req_prod = D1.r->req_cons + 5000;
	xs_kick(&S, D1.c);
	ck_assert(D1.c->broken);
	ck_assert_uint_eq(D1.r->error, XENSTORE_ERROR_RINGIDX);
	ck_assert_int_eq(x1(&D2, XS_READ, 0, "name", out), 0);
	/* rsp_cons ahead of what was produced */
	send_req(&D2, XS_READ, 0, "name", 5);
	D2.r->rsp_cons += 3000;
	xs_kick(&S, D2.c);
	ck_assert(D2.c->broken);
	ck_assert_uint_eq(D2.r->error, XENSTORE_ERROR_RINGIDX);
}
END_TEST

/* The guest's copy of req_cons is not ours: scribbling on it changes nothing. */
START_TEST(test_ring_scribble_cons)
{
	char out[64];

	send_req(&D1, XS_READ, 0, "name", 5);
	D1.r->req_cons = 0xdead;
	D1.r->rsp_prod = 0xbeef;	/* and rsp_prod: ours too */
	ck_assert(!xs_kick(&S, D1.c) && !D1.c->broken);
	D1.r->rsp_prod = D1.c->rsp_prod;	/* what the page says again */
	D1.r->req_cons = D1.c->req_cons;
	ck_assert_uint_ge(D1.r->rsp_prod - D1.r->rsp_cons, 16);
	D1.r->rsp_cons = D1.r->rsp_prod;
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "name", out), 0);
}
END_TEST

/* Requests without reading replies: served until the FIFO is full, then the ring waits. */
START_TEST(test_ring_no_reader)
{
	char out[64];
	int sent = 0;

	for (int round = 0; round < 2000; round++) {
		if (D1.r->req_prod - D1.r->req_cons + 21 > XENSTORE_RING_SIZE) {
			xs_kick(&S, D1.c);
			if (D1.r->req_prod - D1.r->req_cons + 21 > XENSTORE_RING_SIZE)
				break;	/* the store stopped reading */
		}
		send_req(&D1, XS_READ, 0, "name", 5);
		sent++;
	}
	ck_assert_int_lt(sent, 2000);
	ck_assert_uint_le(D1.c->fifo_len, XS_FIFO_SIZE);
	ck_assert_uint_eq(D1.r->rsp_prod - D1.r->rsp_cons, XENSTORE_RING_SIZE);
	ck_assert(!D1.c->broken);
	ck_assert_int_eq(x1(&D2, XS_READ, 0, "name", out), 0);	/* others served */
	/* reading its replies, it gets every one */
	{
		struct xsd_sockmsg h;
		static char buf[XENSTORE_PAYLOAD_MAX + 1];
		int got = 0;

		while (get_msg(&D1, &h, buf)) {
			ck_assert_uint_eq(h.type, XS_READ);
			ck_assert_str_eq(buf, "one");
			got++;
		}
		ck_assert_int_eq(got, sent);
	}
}
END_TEST

/* Events for a domain that never reads are dropped, not stored without bound. */
START_TEST(test_event_flood)
{
	char path[32];

	ck_assert_int_eq(xperms(&D1, 0, "data", "n1\0r2", 6), 0);
	ck_assert_int_eq(x2(&D2, XS_WATCH, "/local/domain/1/data", "t"), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "data/e%d", i % 10);
		ck_assert_int_eq(xwrite(&D1, 0, path, "x"), 0);
	}
	ck_assert_uint_gt(D2.c->events_dropped, 0);
	ck_assert_uint_le(D2.c->fifo_len, XS_FIFO_SIZE);
	ck_assert_int_eq(xs_check(&S), 0);
}
END_TEST

START_TEST(test_preempt)
{
	char out[64];

	for (int i = 0; i < 5; i++)
		send_req(&D1, XS_READ, 0, "name", 5);
	preempt_left = 1;	/* stop after the second request */
	ck_assert(xs_kick(&S, D1.c));
	ck_assert_uint_eq(D1.c->requests, 2);
	preempt_left = -1;
	ck_assert(!xs_kick(&S, D1.c));
	ck_assert_uint_eq(D1.c->requests, 5);
	D1.r->rsp_cons = D1.r->rsp_prod;
	xs_kick(&S, D1.c);
	D1.r->rsp_cons = D1.r->rsp_prod;
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "name", out), 0);
}
END_TEST

/* Split requests: a header across two kicks, a payload across the ring's end. */
START_TEST(test_ring_split)
{
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = 77, .len = 5 };
	char out[64];

	D1.r->req_prod = D1.r->req_cons = D1.c->req_cons = 1020;	/* near the end */
	D1.r->rsp_prod = D1.r->rsp_cons = D1.c->rsp_prod = 1020;
	ring_put(&D1, &h, 10);
	xs_kick(&S, D1.c);
	ck_assert_uint_eq(D1.c->requests, 0);
	ring_put(&D1, (char *)&h + 10, 6);
	ring_put(&D1, "na", 2);
	xs_kick(&S, D1.c);
	ck_assert_uint_eq(D1.c->requests, 0);
	ring_put(&D1, "me", 3);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "name", out), 0);	/* after the first */
	ck_assert_uint_eq(D1.c->requests, 2);
}
END_TEST

START_TEST(test_directory_part)
{
	char out[256];
	u32 len;

	ck_assert_int_eq(xwrite(&D1, 0, "data/aa", "1"), 0);
	ck_assert_int_eq(xwrite(&D1, 0, "data/bb", "1"), 0);
	ck_assert_int_eq(xs(&D1, XS_DIRECTORY_PART, 0, "data\0" "0", 7, out, &len), 0);
	ck_assert_str_eq(out + strlen(out) + 1, "aa");
	ck_assert_str_eq(out + strlen(out) + 4, "bb");
	ck_assert_uint_eq(len, strlen(out) + 1 + 6 + 1);	/* ends with an empty name */
	ck_assert_int_eq(xs(&D1, XS_DIRECTORY_PART, 0, "data\0" "3", 7, out, &len), 0);
	ck_assert_str_eq(out + strlen(out) + 1, "bb");
	ck_assert_int_eq(xs(&D1, XS_DIRECTORY_PART, 0, "data\0", 5, out, &len), XS_EINVAL);
}
END_TEST

/* A domain dies with watches, transactions and nodes elsewhere: nothing leaks. */
START_TEST(test_release)
{
	u32 t;

	ck_assert_int_eq(xperms(&D2, 0, "data", "n2\0b1", 6), 0);
	ck_assert_int_eq(xwrite(&D1, 0, "/local/domain/2/data/from1", "x"), 0);
	ck_assert_int_eq(x2(&D1, XS_WATCH, "/local/domain/2/data", "t"), 0);
	t = tx_start(&D1);
	ck_assert_int_eq(xwrite(&D1, t, "data/x", "x"), 0);
	ck_assert_uint_gt(D1.c->nodes, 0);
	dom_down(&D1);
	ck_assert_int_eq(xs_check(&S), 0);
	/* its node elsewhere stays, now the hypervisor's: 2 cannot remove it... */
	ck_assert_int_eq(x1(&D2, XS_RM, 0, "data/from1", NULL), XS_EACCES);
	/* ...but the whole of its own directory, as the owner of data */
	ck_assert_int_eq(x1(&D2, XS_RM, 0, "data", NULL), 0);
	ck_assert_int_eq(xs_check(&S), 0);
}
END_TEST

/* ---- split-driver devices (core/devices.c) -------------------------------- */

/* As xenstore_ring.c's write_entries: every domain owns its device dir. */
static void dev_setup(void)
{
	setup();
	dom_up(&D3, 3);
	for (u16 id = 1; id <= 3; id++) {
		char p[64], perm[8];
		u32 n;

		snprintf(p, sizeof(p), "/local/domain/%u/device", id);
		ck_assert_int_eq(xs_priv_mkdir(&S, p), 0);
		n = (u32)snprintf(perm, sizeof(perm), "n%u", id) + 1;
		ck_assert_int_eq(xs_priv_set_perms(&S, p, perm, n), 0);
	}
}

static void dev_teardown(void)
{
	dom_down(&D3);
	teardown();
}

static void expect_val(struct dom *d, const char *path, const char *want)
{
	char out[XENSTORE_PAYLOAD_MAX + 1];
	int r = x1(d, XS_READ, 0, path, out);

	ck_assert_msg(r == 0, "dom%u: read %s: error %d", d->id, path, r);
	ck_assert_msg(!strcmp(out, want), "dom%u: %s = '%s', want '%s'", d->id, path, out, want);
}

/* Nodes of a directory and the values they must read. */
struct want {
	const char *name, *val;
};

static void expect_vals(struct dom *d, const char *dir, const struct want *w, size_t n)
{
	char p[128];

	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, w[i].name);
		expect_val(d, p, w[i].val);
	}
}

/* A node's permissions, "n1,r2". */
static void expect_perms(struct dom *d, const char *path, const char *want)
{
	char out[256], list[256] = "";
	u32 len = 0;

	ck_assert_int_eq(xs(d, XS_GET_PERMS, 0, path, (u32)strlen(path) + 1, out, &len), 0);
	for (u32 i = 0; i < len; i += (u32)strlen(out + i) + 1) {
		if (i)
			strcat(list, ",");
		strcat(list, out + i);
	}
	ck_assert_msg(!strcmp(list, want), "%s: perms %s, want %s", path, list, want);
}

/* Neither half may change the other's nodes; a third domain may not read. */
static void expect_walls(const char *fdir, const char *bdir)
{
	char f[128], b[128], out[XENSTORE_PAYLOAD_MAX + 1];

	snprintf(f, sizeof(f), "%s/state", fdir);
	snprintf(b, sizeof(b), "%s/state", bdir);
	ck_assert_int_eq(xwrite(&D1, 0, b, "4"), XS_EACCES);
	ck_assert_int_eq(x1(&D1, XS_RM, 0, b, NULL), XS_EACCES);
	ck_assert_int_eq(x1(&D1, XS_RM, 0, bdir, NULL), XS_EACCES);
	ck_assert_int_eq(xperms(&D1, 0, bdir, "b1", 3), XS_EACCES);
	ck_assert_int_eq(xwrite(&D2, 0, f, "4"), XS_EACCES);
	ck_assert_int_eq(x1(&D2, XS_RM, 0, fdir, NULL), XS_EACCES);
	ck_assert_int_eq(xperms(&D2, 0, fdir, "b2", 3), XS_EACCES);
	ck_assert_int_eq(x1(&D3, XS_READ, 0, f, out), XS_EACCES);
	ck_assert_int_eq(x1(&D3, XS_READ, 0, b, out), XS_EACCES);
	ck_assert_int_eq(x1(&D3, XS_DIRECTORY, 0, fdir, out), XS_EACCES);
	ck_assert_int_eq(x1(&D3, XS_DIRECTORY, 0, bdir, out), XS_EACCES);
	/* each half may change its own */
	ck_assert_int_eq(xwrite(&D1, 0, f, "3"), 0);
	ck_assert_int_eq(xwrite(&D2, 0, b, "2"), 0);
	/* and read the other's */
	expect_val(&D2, f, "3");
	expect_val(&D1, b, "2");
}

START_TEST(test_dev_vif)
{
	struct domcfg_vif v = { .backend = "two", .bridge = "xenbr0" };
	const char *fd = "/local/domain/1/device/vif/0";
	const char *bd = "/local/domain/2/backend/vif/1/0";
	const struct want fe[] = {
		{ "backend", bd }, { "backend-id", "2" }, { "state", "1" }, { "handle", "0" },
		{ "mac", "00:16:3e:00:01:00" },
	};
	const struct want be[] = {
		{ "frontend", fd }, { "frontend-id", "1" }, { "online", "1" }, { "state", "1" },
		{ "handle", "0" }, { "mac", "00:16:3e:00:01:00" }, { "bridge", "xenbr0" },
		{ "type", "vif" }, { "hotplug-status", "connected" },
	};
	char list[512];

	u32 n0 = xs_node_count(&S), f0 = D1.c->nodes, b0 = D2.c->nodes;
	u32 fb = D1.c->bytes, bb = D2.c->bytes;

	ck_assert_int_eq(devices_write_vif(&S, 1, 2, 0, &v), 0);
	/* what one vif costs the store: a measurement, and a check of its shape */
	printk("devices: a vif: %u nodes (frontend %u nodes %u bytes, backend %u nodes %u bytes)\n",
	       xs_node_count(&S) - n0, D1.c->nodes - f0, D1.c->bytes - fb,
	       D2.c->nodes - b0, D2.c->bytes - bb);
	ck_assert_uint_eq(D1.c->nodes - f0, 7);		/* device/vif (new), the directory, 5 values */
	ck_assert_uint_eq(D2.c->nodes - b0, 11);	/* the directory and 10 (script too) */
	expect_vals(&D1, "device/vif/0", fe, ARRAY_SIZE(fe));
	expect_perms(&D1, fd, "n1,r2");
	expect_perms(&D1, "device/vif/0/mac", "n1,r2");
	expect_perms(&D1, "device/vif", "n1");
	expect_vals(&D2, "backend/vif/1/0", be, ARRAY_SIZE(be));
	expect_perms(&D2, bd, "n2,r1");
	expect_perms(&D2, "backend/vif/1/0/state", "n2,r1");
	/* the backend's bus watches "backend": it is there, read-only to it */
	expect_perms(&D2, "backend", "n0,r2");
	ck_assert_int_eq(xdir(&D2, 0, "backend/vif/1", list), 0);
	ck_assert_str_eq(list, "0");
	ck_assert_int_eq(xwrite(&D2, 0, "backend/vif/1/9", "x"), XS_EACCES);
	expect_walls(fd, bd);
	/* the frontend does not see the backend's directory above its device */
	ck_assert_int_eq(xdir(&D1, 0, "/local/domain/2/backend/vif/1", list), XS_EACCES);
}
END_TEST

START_TEST(test_dev_vbd)
{
	struct domcfg_disk dk = { .backend = "two", .target = "/dev/ram3", .major = 1,
				  .minor = 3, .vdev = "xvdb", .vdev_nr = 51728 };
	struct domcfg_disk d2 = { .backend = "two", .target = "253:16", .major = 253,
				  .minor = 16, .vdev = "xvdz", .vdev_nr = 202 << 8 | 25 << 4,
				  .ro = true };
	const char *fd = "/local/domain/1/device/vbd/51728";
	const char *bd = "/local/domain/2/backend/vbd/1/51728";
	const struct want fe[] = {
		{ "backend", bd }, { "backend-id", "2" }, { "state", "1" },
		{ "virtual-device", "51728" }, { "device-type", "disk" },
	};
	const struct want be[] = {
		{ "frontend", fd }, { "frontend-id", "1" }, { "online", "1" }, { "state", "1" },
		{ "params", "/dev/ram3" }, { "type", "phy" }, { "mode", "w" }, { "dev", "xvdb" },
		{ "removable", "0" }, { "bootable", "1" }, { "physical-device", "1:3" },
		{ "physical-device-path", "/dev/ram3" },
	};

	u32 n0 = xs_node_count(&S), f0 = D1.c->nodes, b0 = D2.c->nodes;
	u32 fb = D1.c->bytes, bb = D2.c->bytes;

	ck_assert_int_eq(devices_write_vbd(&S, 1, 2, &dk), 0);
	printk("devices: a vbd: %u nodes (frontend %u nodes %u bytes, backend %u nodes %u bytes)\n",
	       xs_node_count(&S) - n0, D1.c->nodes - f0, D1.c->bytes - fb,
	       D2.c->nodes - b0, D2.c->bytes - bb);
	ck_assert_uint_eq(D1.c->nodes - f0, 7);
	ck_assert_uint_eq(D2.c->nodes - b0, 13);	/* the directory and 12 */
	expect_vals(&D1, "device/vbd/51728", fe, ARRAY_SIZE(fe));
	expect_perms(&D1, fd, "n1,r2");
	expect_vals(&D2, "backend/vbd/1/51728", be, ARRAY_SIZE(be));
	expect_perms(&D2, bd, "n2,r1");
	expect_walls(fd, bd);
	/* MAJ:MIN in hex for blkback's "%x:%x"; ro is mode r */
	ck_assert_int_eq(devices_write_vbd(&S, 1, 2, &d2), 0);
	expect_val(&D1, "device/vbd/52112/virtual-device", "52112");
	expect_val(&D2, "backend/vbd/1/52112/physical-device", "fd:10");
	expect_val(&D2, "backend/vbd/1/52112/mode", "r");
	ck_assert_int_eq(xs_check(&S), 0);
}
END_TEST

START_TEST(test_dev_mac)
{
	struct domcfg_vif v = { .backend = "two" }, g = { .mac_set = true,
		.mac = { 0x02, 0xab, 0, 0, 0, 0xff } };
	u8 m[6];

	devices_vif_mac(0x1234, 3, &v, m);
	ck_assert_mem_eq(m, "\x00\x16\x3e\x12\x34\x03", 6);
	devices_vif_mac(0x1234, 2, &v, m);
	ck_assert_uint_eq(m[5], 2);		/* unique per (domid, devid) */
	devices_vif_mac(0x1235, 3, &v, m);
	ck_assert_uint_eq(m[4], 0x35);
	devices_vif_mac(1, 0, &g, m);
	ck_assert_mem_eq(m, g.mac, 6);
	ck_assert_int_eq(devices_write_vif(&S, 1, 2, 1, &g), 0);
	expect_val(&D1, "device/vif/1/mac", "02:ab:00:00:00:ff");
	expect_val(&D2, "backend/vif/1/1/mac", "02:ab:00:00:00:ff");
	expect_val(&D2, "backend/vif/1/1/handle", "1");
}
END_TEST

/* The frontend dies: its backend's directories for it go, with a watch event. */
START_TEST(test_dev_frontend_gone)
{
	struct domcfg_vif v = { .backend = "two", .bridge = "br1" };
	struct domcfg_disk dk = { .backend = "two", .target = "/dev/ram0", .major = 1,
				  .vdev = "xvda", .vdev_nr = 51712 };
	char out[64], list[256];

	ck_assert_int_eq(devices_write_vif(&S, 1, 2, 0, &v), 0);
	ck_assert_int_eq(devices_write_vbd(&S, 1, 2, &dk), 0);
	ck_assert_int_eq(devices_write_vif(&S, 3, 2, 0, &v), 0);	/* another frontend */
	ck_assert_int_eq(x2(&D2, XS_WATCH, "backend", "be"), 0);
	drain(&D2);
	D2.nev = 0;
	dom_down(&D1);
	devices_frontend_gone(&S, 1, 2);
	drain(&D2);
	ck_assert(has_event(&D2, "backend/vif/1|be"));
	ck_assert(has_event(&D2, "backend/vbd/1|be"));
	ck_assert_int_eq(x1(&D2, XS_READ, 0, "backend/vif/1/0/state", out), XS_ENOENT);
	ck_assert_int_eq(xdir(&D2, 0, "backend/vif", list), 0);
	ck_assert_str_eq(list, "3");			/* the other stays */
	ck_assert_int_eq(xdir(&D2, 0, "backend/vbd", list), 0);
	ck_assert_str_eq(list, "");
	ck_assert_int_eq(xs_check(&S), 0);
}
END_TEST

/*
 * The backend dies: its directory goes; the frontend watching the
 * backend's state gets an event and reads 6 (Closed), a node only it may
 * read and nobody but the hypervisor may change; when the frontend goes
 * too, so does every trace.
 */
START_TEST(test_dev_backend_gone)
{
	struct domcfg_vif v = { .backend = "two", .bridge = "xenbr0" };
	const char *st = "/local/domain/2/backend/vif/1/0/state";
	char out[64];

	ck_assert_int_eq(devices_write_vif(&S, 1, 2, 0, &v), 0);
	ck_assert_int_eq(xwrite(&D2, 0, st, "4"), 0);		/* Connected */
	ck_assert_int_eq(x2(&D1, XS_WATCH, st, "fe"), 0);
	drain(&D1);
	D1.nev = 0;
	dom_down(&D2);
	ck_assert_int_eq(devices_tombstone(&S, 1, 2, "vif", 0), 0);
	drain(&D1);
	ck_assert(has_event(&D1, "/local/domain/2/backend/vif/1/0/state|fe"));
	expect_val(&D1, st, "6");
	expect_perms(&D1, st, "n0,r1");
	ck_assert_int_eq(xwrite(&D1, 0, st, "4"), XS_EACCES);
	ck_assert_int_eq(x1(&D1, XS_RM, 0, st, NULL), XS_EACCES);
	ck_assert_int_eq(x1(&D3, XS_READ, 0, st, out), XS_EACCES);
	ck_assert_int_eq(x1(&D1, XS_READ, 0, "/local/domain/2/backend/vif/1", out), XS_EACCES);
	/* the frontend goes: the tombstone, then the dead backend's directory */
	devices_frontend_gone(&S, 1, 2);
	ck_assert_int_eq(x1(&D3, XS_READ, 0, st, out), XS_ENOENT);
	devices_backend_forget(&S, 2);
	ck_assert_int_eq(x1(&D3, XS_READ, 0, "/local/domain/2", out), XS_ENOENT);
	ck_assert_int_eq(xs_check(&S), 0);
}
END_TEST

Suite *xenstore_suite(void)
{
	Suite *s = suite_create("xenstore");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_write_rm);
	tcase_add_test(tc, test_read_big_value);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_perms);
	tcase_add_test(tc, test_watches);
	tcase_add_test(tc, test_transactions);
	tcase_add_test(tc, test_tx_ops_limit);
	tcase_add_test(tc, test_quota_nodes);
	tcase_add_test(tc, test_quota_bytes);
	tcase_add_test(tc, test_pool_spent);
	tcase_add_test(tc, test_ring_proto);
	tcase_add_test(tc, test_ring_garbage_index);
	tcase_add_test(tc, test_ring_scribble_cons);
	tcase_add_test(tc, test_ring_no_reader);
	tcase_add_test(tc, test_event_flood);
	tcase_add_test(tc, test_preempt);
	tcase_add_test(tc, test_ring_split);
	tcase_add_test(tc, test_directory_part);
	tcase_add_test(tc, test_release);
	suite_add_tcase(s, tc);
	tc = tcase_create("devices");
	tcase_add_checked_fixture(tc, dev_setup, dev_teardown);
	tcase_add_test(tc, test_dev_vif);
	tcase_add_test(tc, test_dev_vbd);
	tcase_add_test(tc, test_dev_mac);
	tcase_add_test(tc, test_dev_frontend_gone);
	tcase_add_test(tc, test_dev_backend_gone);
	suite_add_tcase(s, tc);
	return s;
}
