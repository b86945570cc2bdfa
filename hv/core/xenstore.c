/*
 * xenstore.c - the store: nodes, permissions, watches, transactions,
 * quotas, and the ring protocol that reaches them.
 *
 * Runs in: hypervisor (under the hypervisor lock, called from a domain's
 * EVTCHNOP_send on its store port and from the domain builder and
 * teardown), and host tests. Pure C: pages, notifications and preemption
 * come through struct xs_ops.
 * Trusts: nothing in a ring page. The guest's indexes are compared with
 * our own copies (req_cons, rsp_prod are never read back), a header is
 * copied before its len is believed, a len above XENSTORE_PAYLOAD_MAX or
 * an index that moved by more than the ring breaks that connection
 * (the error field says why) and nothing else. Every request's strings
 * are checked for their NULs, every path for its characters and length.
 *
 * The tree. A node has a name (one path component), a value (0 to 4096
 * bytes) and a permission list in Xen's text form ("b0\0r3\0": the first
 * entry is the owner and what everybody else not listed may do). The
 * hypervisor (XS_DOMID_HV, 0) may do anything; it owns what Xen's
 * toolstack would own. Every node is charged to its owner: one node and
 * the pool bytes of its blocks, against that domain's quota.
 *
 * Changes. Every mutating request is first checked against what the
 * requester sees (its transaction's view, or the tree) and turned into
 * one action: WRITE or MKDIR (creating missing ancestors with the
 * permissions the deepest existing one hands down), RM, SETPERMS. Outside
 * a transaction the action is applied at once; inside one it is appended
 * to the transaction's log, and the log is what the transaction sees on
 * top of the tree. Commit checks that no node it looked at changed since
 * it started (each node keeps the store generation of its last change, a
 * child's creation or removal changes its parent), then checks that the
 * whole log fits (quota, pool) and applies it: all or nothing, EAGAIN on a
 * conflict, as Xen.
 *
 * Memory. The store allocates only from its pool: up to lim.pool_pages
 * pages, taken from the owner one at a time and cut into blocks of 32 to
 * 4096 bytes (a free list per size). A request's work is bounded by the
 * quotas of the domains it touches: no request can make the store walk
 * more than what they own, and no domain can make it allocate beyond its
 * quota; the pool's limit covers the rest (ENOSPC).
 */
#include "hv.h"
#include "core/xenstore.h"

#define XS_PERM_READ	1u
#define XS_PERM_WRITE	2u
#define XS_PERM_OWNER	4u

#define XS_SPECIAL_RELEASE	"@releaseDomain"
#define XS_SPECIAL_INTRODUCE	"@introduceDomain"

struct xs_node {
	struct xs_node *parent, *child, *next;	/* children in creation order */
	char *name;		/* NUL-terminated component ("" for the root) */
	char *value;		/* vlen bytes, NULL if 0 */
	char *perms;		/* plen bytes of "Xid\0" entries, pcap allocated */
	u32 vlen, plen, pcap, namelen;
	u64 gen;		/* s->gen of its last change */
	u16 owner;
};

struct xs_watch {
	struct xs_watch *next;
	char *path;		/* absolute, or "@..." */
	char *token;
	u32 pathlen, toklen;
	bool relative;		/* registered relative: events come relative */
};

enum { OP_READ, OP_WRITE, OP_MKDIR, OP_RM, OP_SETPERMS };

/* An action, or a transaction's log entry (the same thing, logged). */
struct xs_txop {
	struct xs_txop *next;
	char *path;
	const char *value;	/* WRITE */
	const char *perms;	/* SETPERMS; WRITE/MKDIR: for nodes they create */
	u32 pathlen, vlen, plen;
	u8 op;
};

struct xs_tx {
	struct xs_tx *next;
	struct xs_txop *ops, *tail;
	u64 gen0;		/* s->gen when it started */
	u32 id;
	u32 nops;		/* log entries, at most XS_TX_OPS_MAX */
};

/* What a requester sees of one path. */
struct xs_view {
	bool exists;
	const char *value, *perms;
	u32 vlen, plen;
};

static const char *const error_names[XS_NR_ERRORS] = {
	"OK", "EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM",
	"ENOSPC", "EIO", "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN",
	"EISCONN", "E2BIG", "EPERM", "EQUOTA",
};

const char *xs_error_name(int err)
{
	return err > 0 && err < XS_NR_ERRORS ? error_names[err] : "EINVAL";
}

static void xs_log(struct xs_store *s, u16 domid, const char *fmt, ...) __printf(3, 4);
static void xs_log(struct xs_store *s, u16 domid, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	if (!s->ops.log)
		return;
	va_start(ap, fmt);
	hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->ops.log(s->ops.ctx, domid, buf);
}

/* ---- the pool --------------------------------------------------------- */

static int class_of(u32 n)
{
	int c = 0;

	while ((32u << c) < n)
		c++;
	return c;
}

/* Bytes a block for n bytes takes (0 for none). */
static u32 blk(u32 n)
{
	return n ? 32u << class_of(n) : 0;
}

static void push_free(struct xs_store *s, void *p, int c)
{
	*(void **)p = s->free[c];
	s->free[c] = p;
	s->nfree[c]++;
}

/* A new page for the bump allocator; the old page's tail goes to the free lists. */
static bool pool_grow(struct xs_store *s)
{
	void *p;

	if (s->nr_pages == s->pages_cap)
		return false;
	p = s->ops.alloc_pages(s->ops.ctx, 1);
	if (!p)
		return false;
	while (s->bump_left >= 32) {
		int c = XS_NR_CLASSES - 1;

		while ((32u << c) > s->bump_left)
			c--;
		push_free(s, s->bump, c);
		s->bump += 32u << c;
		s->bump_left -= 32u << c;
	}
	s->pages[s->nr_pages++] = p;
	s->bump = p;
	s->bump_left = 4096;
	return true;
}

/* A zeroed block of at least n (1..4096) bytes, or NULL: the pool is spent. */
static void *xs_alloc(struct xs_store *s, u32 n)
{
	int c = class_of(n);
	u32 sz = 32u << c;
	void *p;

	if (s->free[c]) {
		p = s->free[c];
		s->free[c] = *(void **)p;
		s->nfree[c]--;
	} else {
		if (s->bump_left < sz && !pool_grow(s))
			return NULL;
		p = s->bump;
		s->bump += sz;
		s->bump_left -= sz;
	}
	s->in_use += sz;
	memset(p, 0, sz);
	return p;
}

static void xs_free(struct xs_store *s, void *p, u32 n)
{
	if (!p || !n)
		return;
	s->in_use -= blk(n);
	push_free(s, p, class_of(n));
}

static char *xs_strdup(struct xs_store *s, const char *src, u32 len)
{
	char *p = xs_alloc(s, len + 1);

	if (p)
		memcpy(p, src, len);
	return p;
}

/*
 * Could the pool give need[c] more blocks of each class? What the free
 * lists lack is carved as pool_grow() and xs_alloc() would: from the rest
 * of the current page, then from new pages, largest blocks first
 * (conservative: a page's tail that pool_grow() hands to the free lists
 * is not counted).
 */
static bool pool_can(const struct xs_store *s, const u32 need[XS_NR_CLASSES])
{
	u32 left = s->bump_left, pages = s->pages_cap - s->nr_pages;

	for (int c = XS_NR_CLASSES - 1; c >= 0; c--) {
		u32 sz = 32u << c;

		for (u32 k = s->nfree[c]; k < need[c]; k++) {
			if (left < sz) {
				if (!pages)
					return false;
				pages--;
				left = 4096;
			}
			left -= sz;
		}
	}
	return true;
}

/* ---- permissions -------------------------------------------------------- */

static u32 letter_bits(char l)
{
	switch (l) {
	case 'r': return XS_PERM_READ;
	case 'w': return XS_PERM_WRITE;
	case 'b': return XS_PERM_READ | XS_PERM_WRITE;
	default: return 0;	/* 'n' */
	}
}

/* Digits of a decimal domid <= 65535, no sign, no empty; -1 if not. */
static long parse_domid(const char *p)
{
	long v = 0;

	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > 0xffff)
			return -1;
	}
	return v;
}

/*
 * A permission list from a request ("b0\0r3\0", at least one entry,
 * letters n r w b, domids <= 65535) into its canonical form in out
 * (never longer than in). Returns its length, or -1 if malformed.
 */
static int perms_canon(const char *in, u32 len, char *out)
{
	u32 i = 0, o = 0;

	if (!len || in[len - 1])
		return -1;
	while (i < len) {
		const char *e = in + i;
		u32 el = (u32)strlen(e);
		long id;

		if (el < 2 || !strchr("nrwb", e[0]))
			return -1;
		id = parse_domid(e + 1);
		if (id < 0)
			return -1;
		o += (u32)hv_snprintf(out + o, len + 1 - o, "%c%ld", e[0], id) + 1;
		i += el + 1;
	}
	return (int)o;
}

static u16 perms_owner(const char *p)
{
	return (u16)parse_domid(p + 1);
}

/* What domid may do with a node whose permissions are p (Xen's rules). */
static u32 perm_of(const char *p, u32 plen, u16 domid)
{
	u32 i;

	if (domid == XS_DOMID_HV || perms_owner(p) == domid)
		return XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
	for (i = (u32)strlen(p) + 1; i < plen; i += (u32)strlen(p + i) + 1) {
		if (parse_domid(p + i + 1) == domid)
			return letter_bits(p[i]);
	}
	return letter_bits(p[0]);
}

/* A new node's permissions: its parent's, owned by its creator. */
static u32 perms_inherit(const char *parent, u32 plen, u16 creator, char *out)
{
	u32 first = (u32)strlen(parent) + 1, o;

	if (creator == XS_DOMID_HV) {
		memcpy(out, parent, plen);
		return plen;
	}
	o = (u32)hv_snprintf(out, 8, "%c%u", parent[0], creator) + 1;
	memcpy(out + o, parent + first, plen - first);
	return o + plen - first;
}

/* ---- paths -------------------------------------------------------------- */

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' || ch == '-' ||
	       ch == '@';
}

/*
 * A request's path (relative ones are under /local/domain/<id>) as a
 * canonical absolute path in out: Xen's characters, no empty component,
 * no trailing '/', XENSTORE_REL_PATH_MAX / XENSTORE_ABS_PATH_MAX.
 */
static int path_canon(const struct xs_conn *c, const char *in, char *out)
{
	size_t n = strlen(in), len;

	if (in[0] == '/') {
		if (n > XENSTORE_ABS_PATH_MAX)
			return -XS_EINVAL;
		memcpy(out, in, n + 1);
		len = n;
	} else {
		if (n == 0 || n > XENSTORE_REL_PATH_MAX)
			return -XS_EINVAL;
		len = (size_t)hv_snprintf(out, XENSTORE_ABS_PATH_MAX + 1,
					  "/local/domain/%u/%s", c->domid, in);
		if (len > XENSTORE_ABS_PATH_MAX)
			return -XS_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (!name_char(out[i]) || (out[i] == '/' && out[i + 1] == '/'))
			return -XS_EINVAL;
	}
	if (len > 1 && out[len - 1] == '/')
		return -XS_EINVAL;
	return 0;
}

/* Is p the node anc or below it? */
static bool path_under(const char *p, const char *anc, u32 alen)
{
	if (alen == 1)
		return p[0] == '/';
	return !strncmp(p, anc, alen) && (p[alen] == '\0' || p[alen] == '/');
}

/* The parent of an absolute path, in place ("/a" -> "/"). */
static void path_up(char *p)
{
	char *slash = p;

	for (char *q = p; *q; q++)
		if (*q == '/')
			slash = q;
	if (slash == p)
		p[1] = '\0';
	else
		*slash = '\0';
}

/* ---- the tree ------------------------------------------------------------ */

static u32 node_bytes(const struct xs_node *n)
{
	return blk(sizeof(*n)) + blk(n->namelen + 1) + blk(n->vlen) + blk(n->pcap);
}

struct xs_conn *xs_conn_of(struct xs_store *s, u16 domid)
{
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (c->domid == domid)
			return c;
	return NULL;
}

static void charge(struct xs_store *s, u16 owner, int nodes, s64 bytes)
{
	struct xs_conn *c = owner == XS_DOMID_HV ? NULL : xs_conn_of(s, owner);

	if (c) {
		c->nodes += (u32)nodes;
		c->bytes += (u32)bytes;
	}
}

static struct xs_node *child_find(const struct xs_node *n, const char *name, u32 len)
{
	for (struct xs_node *ch = n->child; ch; ch = ch->next)
		if (ch->namelen == len && !memcmp(ch->name, name, len))
			return ch;
	return NULL;
}

/* The node at path; or, with deepest, the last node that exists on the way. */
static struct xs_node *walk(const struct xs_store *s, const char *path, bool deepest)
{
	struct xs_node *n = s->root;
	const char *p = path + 1;

	while (*p) {
		const char *e = strchr(p, '/');
		u32 len = e ? (u32)(e - p) : (u32)strlen(p);
		struct xs_node *ch = child_find(n, p, len);

		if (!ch)
			return deepest ? n : NULL;
		n = ch;
		p += len + (e ? 1 : 0);
	}
	return n;
}

static struct xs_node *node_new(struct xs_store *s, struct xs_node *parent,
				const char *name, u32 len, const char *perms, u32 plen)
{
	struct xs_node *n = xs_alloc(s, sizeof(*n)), **tail;

	if (!n)
		return NULL;
	n->name = xs_strdup(s, name, len);
	n->perms = xs_alloc(s, plen);
	if (!n->name || !n->perms) {
		xs_free(s, n->name, len + 1);
		xs_free(s, n->perms, plen);
		xs_free(s, n, sizeof(*n));
		return NULL;
	}
	memcpy(n->perms, perms, plen);
	n->namelen = len;
	n->plen = n->pcap = plen;
	n->owner = perms_owner(perms);
	n->parent = parent;
	for (tail = &parent->child; *tail; tail = &(*tail)->next)
		;
	*tail = n;
	n->gen = parent->gen = ++s->gen;
	charge(s, n->owner, 1, node_bytes(n));
	return n;
}

static int node_set_value(struct xs_store *s, struct xs_node *n, const char *v, u32 vlen)
{
	char *nv = NULL;

	if (vlen) {
		nv = xs_alloc(s, vlen);
		if (!nv)
			return -XS_ENOSPC;
		memcpy(nv, v, vlen);
	}
	charge(s, n->owner, 0, (s64)blk(vlen) - blk(n->vlen));
	xs_free(s, n->value, n->vlen);
	n->value = nv;
	n->vlen = vlen;
	n->gen = ++s->gen;
	return 0;
}

static int node_set_perms(struct xs_store *s, struct xs_node *n, const char *p, u32 plen)
{
	char *np = xs_alloc(s, plen);

	if (!np)
		return -XS_ENOSPC;
	memcpy(np, p, plen);
	charge(s, n->owner, -1, -(s64)node_bytes(n));
	xs_free(s, n->perms, n->pcap);
	n->perms = np;
	n->plen = n->pcap = plen;
	n->owner = perms_owner(np);
	charge(s, n->owner, 1, node_bytes(n));
	n->gen = ++s->gen;
	return 0;
}

static void node_free_one(struct xs_store *s, struct xs_node *n)
{
	charge(s, n->owner, -1, -(s64)node_bytes(n));
	xs_free(s, n->name, n->namelen + 1);
	xs_free(s, n->value, n->vlen);
	xs_free(s, n->perms, n->pcap);
	xs_free(s, n, sizeof(*n));
}

/* Unlink n and free it with everything below, without recursion (depth
 * is up to 1536 components: the hypervisor's stack is small). */
static void subtree_free(struct xs_store *s, struct xs_node *top)
{
	struct xs_node **pp = &top->parent->child, *n = top;

	while (*pp != top)
		pp = &(*pp)->next;
	*pp = top->next;
	top->parent->gen = ++s->gen;
	for (;;) {
		struct xs_node *p;

		while (n->child)
			n = n->child;
		if (n == top) {
			node_free_one(s, n);
			return;
		}
		p = n->parent;
		p->child = n->next;
		node_free_one(s, n);
		n = p;
	}
}

/* Pre-order successor (NULL after the last). */
static struct xs_node *next_node(struct xs_node *n)
{
	if (n->child)
		return n->child;
	while (n && !n->next)
		n = n->parent;
	return n ? n->next : NULL;
}

/* ---- output: replies and watch events ------------------------------------ */

static void conn_break(struct xs_store *s, struct xs_conn *c, u32 why, const char *what)
{
	c->broken = true;
	if (c->intf)
		__atomic_store_n(&c->intf->error, why, __ATOMIC_RELEASE);
	xs_log(s, c->domid, "xenstore: %s: connection broken, the domain runs on", what);
}

/* Move what the ring has room for from the FIFO into it. */
static void fifo_flush(struct xs_store *s, struct xs_conn *c)
{
	struct xenstore_domain_interface *r = c->intf;
	u32 cons, space;

	if (!r || c->broken || !c->fifo_len)
		return;
	cons = __atomic_load_n(&r->rsp_cons, __ATOMIC_ACQUIRE);
	if (c->rsp_prod - cons > XENSTORE_RING_SIZE) {
		conn_break(s, c, XENSTORE_ERROR_RINGIDX, "rsp_cons out of the ring");
		return;
	}
	space = XENSTORE_RING_SIZE - (c->rsp_prod - cons);
	while (space && c->fifo_len) {
		u32 off = MASK_XENSTORE_IDX(c->rsp_prod);
		u32 n = MIN(MIN(space, c->fifo_len),
			    MIN(XS_FIFO_SIZE - c->fifo_head, XENSTORE_RING_SIZE - off));

		memcpy(r->rsp + off, c->fifo + c->fifo_head, n);
		c->fifo_head = (c->fifo_head + n) % XS_FIFO_SIZE;
		c->fifo_len -= n;
		c->rsp_prod += n;
		space -= n;
		c->pending = true;
	}
	__atomic_store_n(&r->rsp_prod, c->rsp_prod, __ATOMIC_RELEASE);
}

static bool fifo_put(struct xs_conn *c, const void *p, u32 len)
{
	if (XS_FIFO_SIZE - c->fifo_len < len)
		return false;
	for (u32 i = 0; i < len; i++)
		c->fifo[(c->fifo_head + c->fifo_len + i) % XS_FIFO_SIZE] = ((const u8 *)p)[i];
	c->fifo_len += len;
	return true;
}

/* Queue a watch event; dropped (and counted) if the domain does not read. */
static void send_event(struct xs_store *s, struct xs_conn *c, const struct xs_watch *w,
		       const char *path)
{
	struct xsd_sockmsg h = { .type = XS_WATCH_EVENT };
	char pre[32];
	u32 plen = (u32)hv_snprintf(pre, sizeof(pre), "/local/domain/%u/", c->domid);

	if (w->relative && !strncmp(path, pre, plen))
		path += plen;
	h.len = (u32)strlen(path) + 1 + w->toklen + 1;
	if (XS_FIFO_SIZE - c->fifo_len < sizeof(h) + h.len) {
		if (!c->events_dropped++)
			xs_log(s, c->domid, "xenstore: watch events dropped: the domain does not read its ring");
		return;
	}
	fifo_put(c, &h, sizeof(h));
	fifo_put(c, path, (u32)strlen(path) + 1);
	fifo_put(c, w->token, w->toklen + 1);
	c->events++;
	fifo_flush(s, c);
	c->pending = true;
}

/*
 * A node changed (written, created, its permissions) or, with removed,
 * went away with everything below it: tell every watch at or above it,
 * and for a removal every watch below it, if its domain may read the
 * node (perms: as it is now, or was before the removal).
 */
static void fire(struct xs_store *s, const char *path, const char *perms, u32 plen,
		 bool removed)
{
	u32 len = (u32)strlen(path);

	for (struct xs_conn *c = s->conns; c; c = c->next) {
		if (c->broken || !(perm_of(perms, plen, c->domid) & XS_PERM_READ))
			continue;
		for (struct xs_watch *w = c->watches; w; w = w->next) {
			if (w->path[0] != '/')
				continue;
			if (path_under(path, w->path, w->pathlen))
				send_event(s, c, w, path);
			else if (removed && path_under(w->path, path, len))
				send_event(s, c, w, w->path);
		}
	}
}

static void notify_pending(struct xs_store *s)
{
	for (struct xs_conn *c = s->conns; c; c = c->next) {
		fifo_flush(s, c);
		if (c->pending && !c->broken && s->ops.notify)
			s->ops.notify(s->ops.ctx, c->domid);
		c->pending = false;
	}
}

/* ---- transactions -------------------------------------------------------- */

static u32 txop_bytes(const struct xs_txop *e)
{
	return blk(sizeof(*e)) + blk(e->pathlen + 1) + blk(e->vlen) + blk(e->plen);
}

static void txop_free(struct xs_store *s, struct xs_conn *c, struct xs_txop *e)
{
	c->bytes -= txop_bytes(e);
	xs_free(s, e->path, e->pathlen + 1);
	xs_free(s, (void *)e->value, e->vlen);
	xs_free(s, (void *)e->perms, e->plen);
	xs_free(s, e, sizeof(*e));
}

static void tx_free(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx)
{
	struct xs_tx **pp = &c->txs;

	while (*pp != tx)
		pp = &(*pp)->next;
	*pp = tx->next;
	while (tx->ops) {
		struct xs_txop *e = tx->ops;

		tx->ops = e->next;
		txop_free(s, c, e);
	}
	c->bytes -= blk(sizeof(*tx));
	xs_free(s, tx, sizeof(*tx));
	c->nr_tx--;
}

static struct xs_tx *tx_find(struct xs_conn *c, u32 id)
{
	for (struct xs_tx *tx = c->txs; tx; tx = tx->next)
		if (tx->id == id)
			return tx;
	return NULL;
}

static bool quota_bytes_ok(const struct xs_store *s, const struct xs_conn *c, u64 more)
{
	return c->domid == XS_DOMID_HV || (u64)c->bytes + more <= s->lim.bytes;
}

/* Append a copy of an action to the log: charged to the domain's bytes. */
static int tx_log(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
		  const struct xs_txop *a)
{
	struct xs_txop *e;

	if (tx->nops >= XS_TX_OPS_MAX || !quota_bytes_ok(s, c, txop_bytes(a)))
		return -XS_EQUOTA;
	e = xs_alloc(s, sizeof(*e));
	if (!e)
		return -XS_ENOSPC;
	*e = *a;
	e->next = NULL;
	e->path = xs_strdup(s, a->path, a->pathlen);
	e->value = a->vlen ? xs_alloc(s, a->vlen) : NULL;
	e->perms = a->plen ? xs_alloc(s, a->plen) : NULL;
	if (!e->path || (a->vlen && !e->value) || (a->plen && !e->perms)) {
		xs_free(s, e->path, a->pathlen + 1);
		xs_free(s, (void *)e->value, a->vlen);
		xs_free(s, (void *)e->perms, a->plen);
		xs_free(s, e, sizeof(*e));
		return -XS_ENOSPC;
	}
	if (a->vlen)
		memcpy((void *)e->value, a->value, a->vlen);
	if (a->plen)
		memcpy((void *)e->perms, a->perms, a->plen);
	c->bytes += txop_bytes(e);
	tx->nops++;
	if (tx->tail)
		tx->tail->next = e;
	else
		tx->ops = e;
	tx->tail = e;
	return 0;
}

/* A path as the requester sees it: the tree, then its transaction's log. */
static void view_get(const struct xs_store *s, const struct xs_tx *tx, const char *path,
		     struct xs_view *v)
{
	const struct xs_node *n = walk(s, path, false);
	u32 len = (u32)strlen(path);

	v->exists = n != NULL;
	v->value = n ? n->value : NULL;
	v->vlen = n ? n->vlen : 0;
	v->perms = n ? n->perms : NULL;
	v->plen = n ? n->plen : 0;
	for (const struct xs_txop *e = tx ? tx->ops : NULL; e; e = e->next) {
		bool same = e->pathlen == len && !strcmp(e->path, path);

		switch (e->op) {
		case OP_RM:
			if (path_under(path, e->path, e->pathlen))
				v->exists = false;
			break;
		case OP_WRITE:
		case OP_MKDIR:
			if (!path_under(e->path, path, len))
				break;
			if (!v->exists) {
				v->exists = true;
				v->value = NULL;
				v->vlen = 0;
				v->perms = e->perms;
				v->plen = e->plen;
				if (!e->perms) {	/* the tree changed since: no access */
					v->perms = "n0";
					v->plen = 3;
				}
			}
			if (same && e->op == OP_WRITE) {
				v->value = e->value;
				v->vlen = e->vlen;
			}
			break;
		case OP_SETPERMS:
			if (same) {
				v->perms = e->perms;
				v->plen = e->plen;
			}
			break;
		}
	}
}

/* Did anything the transaction looked at change since it started? */
static bool tx_conflict(const struct xs_store *s, const struct xs_tx *tx)
{
	for (const struct xs_txop *e = tx->ops; e; e = e->next)
		if (walk(s, e->path, true)->gen > tx->gen0)
			return true;
	return false;
}

/* ---- actions: check, fit, apply ----------------------------------------- */

/*
 * Will these actions fit? Counts, against the tree as it is, the blocks
 * each would allocate and the nodes and bytes charged to c: an upper
 * bound (a path written twice counts its nodes once, but two paths
 * count the parents they share twice, and removals give nothing back).
 */
static bool made_before(const struct xs_txop *first, const struct xs_txop *a)
{
	for (; first != a; first = first->next)
		if ((first->op == OP_WRITE || first->op == OP_MKDIR) &&
		    first->pathlen == a->pathlen && !strcmp(first->path, a->path))
			return true;
	return false;
}

static int actions_fit(struct xs_store *s, struct xs_conn *c, const struct xs_txop *list)
{
	u32 need[XS_NR_CLASSES] = { 0 };
	u64 nodes = 0, bytes = 0;

	for (const struct xs_txop *a = list; a; a = a->next) {
		const struct xs_node *n;
		u32 depth = 0, have = 0;

		switch (a->op) {
		case OP_WRITE:
		case OP_MKDIR:
			n = walk(s, a->path, true);
			for (const struct xs_node *m = n; m->parent; m = m->parent)
				have++;
			if (made_before(list, a))	/* the same path again: no new node */
				have = ~0u;
			for (const char *p = a->path + 1; *p; depth++) {
				const char *e = strchr(p, '/');
				u32 len = e ? (u32)(e - p) : (u32)strlen(p);

				if (depth >= have) {	/* a node it creates */
					need[class_of(sizeof(struct xs_node))]++;
					need[class_of(a->plen)]++;
					need[class_of(len + 1)]++;
					nodes++;
					bytes += blk(sizeof(struct xs_node)) + blk(a->plen) +
						 blk(len + 1);
				}
				p += len + (e ? 1 : 0);
			}
			if (a->op == OP_WRITE && a->vlen) {
				need[class_of(a->vlen)]++;
				bytes += blk(a->vlen);
			}
			break;
		case OP_SETPERMS:
			need[class_of(a->plen)]++;
			bytes += blk(a->plen);
			break;
		}
	}
	if (c->domid != XS_DOMID_HV &&
	    ((u64)c->nodes + nodes > s->lim.nodes || !quota_bytes_ok(s, c, bytes)))
		return -XS_EQUOTA;
	if (!pool_can(s, need))
		return -XS_ENOSPC;
	return 0;
}

/* Apply one checked action to the tree, and fire the watches it concerns. */
static int action_apply(struct xs_store *s, const struct xs_txop *a)
{
	struct xs_node *n = s->root;
	const char *p = a->path + 1;
	bool created = false;
	int r = 0;

	switch (a->op) {
	case OP_WRITE:
	case OP_MKDIR:
		while (*p) {
			const char *e = strchr(p, '/');
			u32 len = e ? (u32)(e - p) : (u32)strlen(p);
			struct xs_node *ch = child_find(n, p, len);

			if (!ch) {
				if (!a->perms)	/* the tree changed under a transaction */
					return -XS_EIO;
				ch = node_new(s, n, p, len, a->perms, a->plen);
				if (!ch)
					return -XS_ENOSPC;
				created = true;
			}
			n = ch;
			p += len + (e ? 1 : 0);
		}
		if (a->op == OP_WRITE)
			r = node_set_value(s, n, a->value, a->vlen);
		if (a->op == OP_WRITE || created)
			fire(s, a->path, n->perms, n->plen, false);
		return r;
	case OP_RM:
		n = walk(s, a->path, false);
		if (!n || n == s->root)
			return 0;
		fire(s, a->path, n->perms, n->plen, true);
		subtree_free(s, n);
		return 0;
	case OP_SETPERMS:
		n = walk(s, a->path, false);
		if (!n)
			return -XS_ENOENT;
		r = node_set_perms(s, n, a->perms, a->plen);
		if (!r)
			fire(s, a->path, n->perms, n->plen, false);
		return r;
	}
	return 0;
}

/* An action now, or into the transaction's log. */
static int submit(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx, struct xs_txop *a)
{
	int r;

	a->next = NULL;
	a->pathlen = (u32)strlen(a->path);
	if (tx)
		return tx_log(s, c, tx, a);
	r = actions_fit(s, c, a);
	return r ? r : action_apply(s, a);
}

/* The permissions a node created at path would get, into s->perms; or an error. */
static int creation_perms(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
			  const char *path, u32 *plen)
{
	struct xs_view anc;

	memcpy(s->path2, path, strlen(path) + 1);
	do {
		path_up(s->path2);
		view_get(s, tx, s->path2, &anc);
	} while (!anc.exists);
	if (!(perm_of(anc.perms, anc.plen, c->domid) & XS_PERM_WRITE))
		return -XS_EACCES;
	*plen = perms_inherit(anc.perms, anc.plen, c->domid, s->perms);
	return 0;
}

/* ---- requests ------------------------------------------------------------ */

static int ok(char *out)
{
	memcpy(out, "OK", 3);
	return 3;
}

/* r, or the OK reply if r is 0: how a change's handler ends. */
static int ok_unless(int r, char *out)
{
	return r ? r : ok(out);
}

/* A payload of exactly one NUL-terminated string. */
static const char *one_arg(const char *arg, u32 len)
{
	if (!len || arg[len - 1] || memchr(arg, 0, len) != arg + len - 1)
		return NULL;
	return arg;
}

/*
 * The path a request names, canonical in s->path (path_canon's errors).
 * rest NULL: the payload is that one string; else its first string, and
 * *rest, *rlen what follows its NUL. EINVAL if the payload is not so.
 */
static int req_path(struct xs_store *s, const struct xs_conn *c, const char *arg, u32 len,
		    const char **rest, u32 *rlen)
{
	const char *nul = memchr(arg, 0, len);

	if (rest ? !nul : !one_arg(arg, len))
		return -XS_EINVAL;
	if (rest) {
		*rest = nul + 1;
		*rlen = len - (u32)(nul + 1 - arg);
	}
	return path_canon(c, arg, s->path);
}

static int record_read(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
		       const char *path)
{
	struct xs_txop a = { .op = OP_READ, .path = (char *)path };

	return tx ? submit(s, c, tx, &a) : 0;
}

/* Read access to an existing node (ENOENT, EACCES), noted by a transaction. */
static int view_readable(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
			 const char *arg, u32 len, struct xs_view *v)
{
	int r = req_path(s, c, arg, len, NULL, NULL);

	if (r)
		return r;
	r = record_read(s, c, tx, s->path);
	if (r)
		return r;
	view_get(s, tx, s->path, v);
	if (!v->exists)
		return -XS_ENOENT;
	if (!(perm_of(v->perms, v->plen, c->domid) & XS_PERM_READ))
		return -XS_EACCES;
	return 0;
}

static int h_read(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
		  const char *arg, u32 len, char *out)
{
	struct xs_view v;
	int r = view_readable(s, c, tx, arg, len, &v);

	if (r)
		return r;
	if (v.vlen)
		memcpy(out, v.value, v.vlen);
	return (int)v.vlen;
}

static int h_get_perms(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
		       const char *arg, u32 len, char *out)
{
	struct xs_view v;
	int r = view_readable(s, c, tx, arg, len, &v);

	if (r)
		return r;
	memcpy(out, v.perms, v.plen);
	return (int)v.plen;
}

/* Names for a directory reply; skip: bytes of names to leave out first. */
struct sink {
	char *buf;
	u32 cap, len;
	u64 pos, skip;
	bool full;
};

static void sink_name(struct sink *k, const char *name, u32 nlen)
{
	u32 need = nlen + 1;

	if (k->pos < k->skip) {
		k->pos += need;
		return;
	}
	k->pos += need;
	if (k->full || k->len + need > k->cap) {
		k->full = true;
		return;
	}
	memcpy(k->buf + k->len, name, nlen);
	k->buf[k->len + nlen] = '\0';
	k->len += need;
}

static bool child_visible(struct xs_store *s, const struct xs_tx *tx, const char *path,
			  const char *name, u32 nlen)
{
	struct xs_view v;
	u32 plen = (u32)strlen(path);

	if (!tx)
		return true;
	if (plen + 1 + nlen > XENSTORE_ABS_PATH_MAX)
		return false;
	memcpy(s->path2, path, plen);
	if (plen > 1)
		s->path2[plen++] = '/';
	memcpy(s->path2 + plen, name, nlen);
	s->path2[plen + nlen] = '\0';
	view_get(s, tx, s->path2, &v);
	return v.exists;
}

/* The first component of e->path below the plen-byte path it is under, and its length. */
static const char *log_child(const struct xs_txop *e, u32 plen, u32 *nlen)
{
	const char *p = e->path + plen + (plen > 1);
	const char *slash = strchr(p, '/');

	*nlen = slash ? (u32)(slash - p) : (u32)strlen(p);
	return p;
}

/* The children of path as the requester sees them, in creation order. */
static void children(struct xs_store *s, const struct xs_tx *tx, const char *path,
		     struct sink *k)
{
	const struct xs_node *n = walk(s, path, false);
	u32 plen = (u32)strlen(path);

	for (const struct xs_node *ch = n ? n->child : NULL; ch; ch = ch->next)
		if (child_visible(s, tx, path, ch->name, ch->namelen))
			sink_name(k, ch->name, ch->namelen);
	for (const struct xs_txop *e = tx ? tx->ops : NULL; e; e = e->next) {
		const char *name;
		u32 nlen;
		bool seen = false;

		if ((e->op != OP_WRITE && e->op != OP_MKDIR) || e->pathlen == plen ||
		    !path_under(e->path, path, plen))
			continue;
		name = log_child(e, plen, &nlen);
		if (n && child_find(n, name, nlen))
			continue;	/* a child of the tree: listed above */
		for (const struct xs_txop *f = tx->ops; f != e && !seen; f = f->next) {
			const char *fn;
			u32 fl;

			if ((f->op != OP_WRITE && f->op != OP_MKDIR) || f->pathlen == plen ||
			    !path_under(f->path, path, plen))
				continue;
			fn = log_child(f, plen, &fl);
			seen = fl == nlen && !memcmp(fn, name, nlen);
		}
		if (!seen && child_visible(s, tx, path, name, nlen))
			sink_name(k, name, nlen);
	}
}

static int h_directory(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
		       const char *arg, u32 len, char *out)
{
	struct xs_view v;
	struct sink k = { .buf = out, .cap = XENSTORE_PAYLOAD_MAX };
	int r = view_readable(s, c, tx, arg, len, &v);

	if (r)
		return r;
	children(s, tx, s->path, &k);
	return k.full ? -XS_E2BIG : (int)k.len;
}

/*
 * XS_DIRECTORY_PART "path\0offset\0": the node's generation, then the
 * names from byte offset of the whole list on that fit; an empty name
 * after the last one says the list is complete (Xen).
 */
static int h_directory_part(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
			    const char *arg, u32 len, char *out)
{
	const char *off = memchr(arg, 0, len);
	struct xs_view v;
	const struct xs_node *n;
	struct sink k;
	long skip;
	u32 g;
	int r;

	if (!off || !one_arg(off + 1, len - (u32)(off + 1 - arg)))
		return -XS_EINVAL;
	skip = parse_domid(off + 1);	/* an offset: 0 .. 65535 is all a list can be */
	if (skip < 0)
		return -XS_EINVAL;
	r = view_readable(s, c, tx, arg, (u32)(off + 1 - arg), &v);
	if (r)
		return r;
	n = walk(s, s->path, false);
	g = (u32)hv_snprintf(out, 24, "%lu", n ? (unsigned long)n->gen : 0ul) + 1;
	k = (struct sink){ .buf = out + g, .cap = XENSTORE_PAYLOAD_MAX - g - 1,
			   .skip = (u64)skip };
	children(s, tx, s->path, &k);
	if (!k.full)
		out[g + k.len++] = '\0';
	return (int)(g + k.len);
}

/* XS_WRITE "path\0value": create (with parents) or replace. */
static int h_write(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
		   const char *arg, u32 len, char *out)
{
	struct xs_txop a = { .op = OP_WRITE, .path = s->path };
	struct xs_view v;
	int r = req_path(s, c, arg, len, &a.value, &a.vlen);

	if (r)
		return r;
	view_get(s, tx, s->path, &v);
	if (v.exists && !(perm_of(v.perms, v.plen, c->domid) & XS_PERM_WRITE))
		return -XS_EACCES;
	if (!v.exists) {
		r = creation_perms(s, c, tx, s->path, &a.plen);
		if (r)
			return r;
		a.perms = s->perms;
	}
	return ok_unless(submit(s, c, tx, &a), out);
}

static int h_mkdir(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
		   const char *arg, u32 len, char *out)
{
	struct xs_txop a = { .op = OP_MKDIR, .path = s->path };
	struct xs_view v;
	int r = req_path(s, c, arg, len, NULL, NULL);

	if (r)
		return r;
	view_get(s, tx, s->path, &v);
	if (v.exists)		/* already there: fine, as Xen */
		return ok_unless(record_read(s, c, tx, s->path), out);
	r = creation_perms(s, c, tx, s->path, &a.plen);
	if (r)
		return r;
	a.perms = s->perms;
	return ok_unless(submit(s, c, tx, &a), out);
}

/* XS_RM: the node and everything below; a missing node whose parent exists is OK. */
static int h_rm(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
		const char *arg, u32 len, char *out)
{
	struct xs_txop a = { .op = OP_RM, .path = s->path };
	struct xs_view v;
	int r = req_path(s, c, arg, len, NULL, NULL);

	if (r)
		return r;
	if (!strcmp(s->path, "/"))
		return -XS_EINVAL;
	view_get(s, tx, s->path, &v);
	if (!v.exists) {
		memcpy(s->path2, s->path, strlen(s->path) + 1);
		path_up(s->path2);
		view_get(s, tx, s->path2, &v);
		if (!v.exists)
			return -XS_ENOENT;
		return ok_unless(record_read(s, c, tx, s->path), out);
	}
	if (!(perm_of(v.perms, v.plen, c->domid) & XS_PERM_WRITE))
		return -XS_EACCES;
	return ok_unless(submit(s, c, tx, &a), out);
}

/* XS_SET_PERMS "path\0perm\0perm\0...": the owner only; the owner stays. */
static int h_set_perms(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
		       const char *arg, u32 len, char *out)
{
	struct xs_txop a = { .op = OP_SETPERMS, .path = s->path };
	struct xs_view v;
	const char *list;
	u32 llen;
	int plen, r = req_path(s, c, arg, len, &list, &llen);

	if (r)
		return r;
	plen = perms_canon(list, llen, s->perms);
	if (plen < 0)
		return -XS_EINVAL;
	view_get(s, tx, s->path, &v);
	if (!v.exists)
		return -XS_ENOENT;
	if (!(perm_of(v.perms, v.plen, c->domid) & XS_PERM_OWNER))
		return -XS_EACCES;
	if (c->domid != XS_DOMID_HV && perms_owner(s->perms) != perms_owner(v.perms))
		return -XS_EPERM;
	a.perms = s->perms;
	a.plen = (u32)plen;
	return ok_unless(submit(s, c, tx, &a), out);
}

/* Two NUL-terminated strings, exactly. */
static bool two_args(const char *arg, u32 len, const char **b)
{
	const char *nul = memchr(arg, 0, len);

	if (!nul || !one_arg(nul + 1, len - (u32)(nul + 1 - arg)))
		return false;
	*b = nul + 1;
	return true;
}

static int watch_path(struct xs_store *s, struct xs_conn *c, const char *p)
{
	if (p[0] == '@') {
		if (strcmp(p, XS_SPECIAL_RELEASE) && strcmp(p, XS_SPECIAL_INTRODUCE))
			return -XS_EINVAL;
		memcpy(s->path, p, strlen(p) + 1);
		return 0;
	}
	return path_canon(c, p, s->path);
}

static struct xs_watch *watch_find(struct xs_conn *c, const char *path, const char *token)
{
	for (struct xs_watch *w = c->watches; w; w = w->next)
		if (!strcmp(w->path, path) && !strcmp(w->token, token))
			return w;
	return NULL;
}

static u32 watch_bytes(const struct xs_watch *w)
{
	return blk(sizeof(*w)) + blk(w->pathlen + 1) + blk(w->toklen + 1);
}

static void watch_free(struct xs_store *s, struct xs_conn *c, struct xs_watch *w)
{
	struct xs_watch **pp = &c->watches;

	while (*pp != w)
		pp = &(*pp)->next;
	*pp = w->next;
	c->bytes -= watch_bytes(w);
	c->nr_watches--;
	xs_free(s, w->path, w->pathlen + 1);
	xs_free(s, w->token, w->toklen + 1);
	xs_free(s, w, sizeof(*w));
}

/* XS_WATCH "path\0token\0": OK, then a first event right away (Xen). */
static int h_watch(struct xs_store *s, struct xs_conn *c, const char *arg, u32 len,
		   char *out, struct xs_watch **first)
{
	const char *token;
	struct xs_watch w = { 0 }, *nw;
	int r;

	if (!two_args(arg, len, &token))
		return -XS_EINVAL;
	r = watch_path(s, c, arg);
	if (r)
		return r;
	if (watch_find(c, s->path, token))
		return -XS_EEXIST;
	w.pathlen = (u32)strlen(s->path);
	w.toklen = (u32)strlen(token);
	if (c->nr_watches >= s->lim.watches || !quota_bytes_ok(s, c, watch_bytes(&w)))
		return -XS_EQUOTA;
	nw = xs_alloc(s, sizeof(*nw));
	if (!nw)
		return -XS_ENOSPC;
	*nw = w;
	nw->path = xs_strdup(s, s->path, w.pathlen);
	nw->token = xs_strdup(s, token, w.toklen);
	nw->relative = arg[0] != '/' && arg[0] != '@';
	if (!nw->path || !nw->token) {
		xs_free(s, nw->path, w.pathlen + 1);
		xs_free(s, nw->token, w.toklen + 1);
		xs_free(s, nw, sizeof(*nw));
		return -XS_ENOSPC;
	}
	nw->next = c->watches;
	c->watches = nw;
	c->nr_watches++;
	c->bytes += watch_bytes(nw);
	*first = nw;
	return ok(out);
}

static int h_unwatch(struct xs_store *s, struct xs_conn *c, const char *arg, u32 len,
		     char *out)
{
	const char *token;
	struct xs_watch *w;
	int r;

	if (!two_args(arg, len, &token))
		return -XS_EINVAL;
	r = watch_path(s, c, arg);
	if (r)
		return r;
	w = watch_find(c, s->path, token);
	if (!w)
		return -XS_ENOENT;
	watch_free(s, c, w);
	return ok(out);
}

static int h_tx_start(struct xs_store *s, struct xs_conn *c, u32 in_tx, char *out)
{
	struct xs_tx *tx;

	if (in_tx)
		return -XS_EBUSY;
	if (c->nr_tx >= s->lim.transactions || !quota_bytes_ok(s, c, blk(sizeof(*tx))))
		return -XS_EQUOTA;
	tx = xs_alloc(s, sizeof(*tx));
	if (!tx)
		return -XS_ENOSPC;
	do
		tx->id = ++c->next_tx_id;
	while (!tx->id || tx_find(c, tx->id));
	tx->gen0 = s->gen;
	tx->next = c->txs;
	c->txs = tx;
	c->nr_tx++;
	c->bytes += blk(sizeof(*tx));
	return hv_snprintf(out, 16, "%u", tx->id) + 1;
}

/* XS_TRANSACTION_END "T" commits (EAGAIN on a conflict), "F" aborts. */
static int h_tx_end(struct xs_store *s, struct xs_conn *c, struct xs_tx *tx,
		    const char *arg, u32 len, char *out)
{
	const char *p = one_arg(arg, len);
	int r = 0;

	if (!tx)
		return -XS_ENOENT;
	if (!p || (strcmp(p, "T") && strcmp(p, "F")))
		return -XS_EINVAL;
	if (p[0] == 'T') {
		if (tx_conflict(s, tx))
			r = -XS_EAGAIN;
		else
			r = actions_fit(s, c, tx->ops);
		for (const struct xs_txop *e = tx->ops; !r && e; e = e->next)
			r = action_apply(s, e);
		if (r && r != -XS_EAGAIN && r != -XS_EQUOTA && r != -XS_ENOSPC)
			xs_log(s, c->domid, "xenstore: commit failed half way (%s)",
			       xs_error_name(-r));
	}
	tx_free(s, c, tx);
	return ok_unless(r, out);
}

static int h_domain(struct xs_store *s, struct xs_conn *c, u32 type,
		    const char *arg, u32 len, char *out)
{
	const char *p = one_arg(arg, len);
	long id = p ? parse_domid(p) : -1;

	(void)c;
	if (id < 0)
		return -XS_EINVAL;
	if (type == XS_GET_DOMAIN_PATH)
		return hv_snprintf(out, 32, "/local/domain/%ld", id) + 1;
	memcpy(out, xs_conn_of(s, (u16)id) ? "T" : "F", 2);
	return 2;
}

static void reset_conn(struct xs_store *s, struct xs_conn *c)
{
	while (c->txs)
		tx_free(s, c, c->txs);
	while (c->watches)
		watch_free(s, c, c->watches);
}

static bool type_in_tx(u32 type)
{
	switch (type) {
	case XS_READ: case XS_WRITE: case XS_MKDIR: case XS_RM: case XS_DIRECTORY:
	case XS_DIRECTORY_PART: case XS_GET_PERMS: case XS_SET_PERMS:
	case XS_TRANSACTION_END:
		return true;
	default:
		return false;
	}
}

static int dispatch(struct xs_store *s, struct xs_conn *c, const struct xsd_sockmsg *h,
		    const char *arg, char *out, struct xs_watch **first)
{
	struct xs_tx *tx = NULL;

	if (type_in_tx(h->type) && h->tx_id) {
		tx = tx_find(c, h->tx_id);
		if (!tx)
			return -XS_ENOENT;
	}
	switch (h->type) {
	case XS_READ: return h_read(s, c, tx, arg, h->len, out);
	case XS_GET_PERMS: return h_get_perms(s, c, tx, arg, h->len, out);
	case XS_DIRECTORY: return h_directory(s, c, tx, arg, h->len, out);
	case XS_DIRECTORY_PART: return h_directory_part(s, c, tx, arg, h->len, out);
	case XS_WRITE: return h_write(s, c, tx, arg, h->len, out);
	case XS_MKDIR: return h_mkdir(s, c, tx, arg, h->len, out);
	case XS_RM: return h_rm(s, c, tx, arg, h->len, out);
	case XS_SET_PERMS: return h_set_perms(s, c, tx, arg, h->len, out);
	case XS_WATCH: return h_watch(s, c, arg, h->len, out, first);
	case XS_UNWATCH: return h_unwatch(s, c, arg, h->len, out);
	case XS_TRANSACTION_START: return h_tx_start(s, c, h->tx_id, out);
	case XS_TRANSACTION_END: return h_tx_end(s, c, tx, arg, h->len, out);
	case XS_GET_DOMAIN_PATH:
	case XS_IS_DOMAIN_INTRODUCED:
		return h_domain(s, c, h->type, arg, h->len, out);
	case XS_RESET_WATCHES:
		reset_conn(s, c);
		return ok(out);
	case XS_CONTROL: case XS_INTRODUCE: case XS_RELEASE: case XS_RESUME:
	case XS_SET_TARGET:
		return -XS_EACCES;	/* the toolstack's: nobody's on pvisor */
	default:
		return -XS_ENOSYS;	/* XS_WATCH_EVENT, XS_ERROR, unknown */
	}
}

/* One whole request in c->in: its reply (and a new watch's first event) to the FIFO. */
static void process(struct xs_store *s, struct xs_conn *c)
{
	const struct xsd_sockmsg *h = (const void *)c->in;
	struct xsd_sockmsg *rh = (void *)c->reply;
	char *out = (char *)c->reply + sizeof(*rh);
	struct xs_watch *first = NULL;
	int r = dispatch(s, c, h, (const char *)c->in + sizeof(*h), out, &first);

	c->requests++;
	if (s->ops.trace) {
		char a[48];
		u32 n = MIN(h->len, (u32)sizeof(a) - 1);

		memcpy(a, c->in + sizeof(*h), n);
		a[n] = '\0';
		s->ops.trace(s->ops.ctx, c->domid, h->type, a, r < 0 ? -r : 0);
	}
	*rh = *h;
	if (r < 0) {
		c->errors++;
		rh->type = XS_ERROR;
		const char *name = xs_error_name(-r);

		r = (int)strlen(name) + 1;
		memcpy(out, name, (size_t)r);
	}
	rh->len = (u32)r;
	fifo_put(c, rh, sizeof(*rh) + (u32)r);
	if (first)
		send_event(s, c, first, first->relative ? (const char *)c->in + sizeof(*h) :
			   first->path);
}

/* ---- the ring ------------------------------------------------------------ */

/* Gather request bytes; true once c->in holds a whole request. */
static bool ring_take(struct xs_store *s, struct xs_conn *c)
{
	struct xenstore_domain_interface *r = c->intf;
	const struct xsd_sockmsg *h = (const void *)c->in;
	u32 prod = __atomic_load_n(&r->req_prod, __ATOMIC_ACQUIRE);

	if (prod - c->req_cons > XENSTORE_RING_SIZE) {
		conn_break(s, c, XENSTORE_ERROR_RINGIDX, "req_prod out of the ring");
		return false;
	}
	for (;;) {
		u32 want, off, n;

		if (c->in_len >= sizeof(*h) && h->len > XENSTORE_PAYLOAD_MAX) {
			conn_break(s, c, XENSTORE_ERROR_PROTO, "a request longer than 4096 bytes");
			return false;
		}
		want = c->in_len < sizeof(*h) ? (u32)sizeof(*h) - c->in_len :
		       (u32)sizeof(*h) + h->len - c->in_len;
		if (!want || c->req_cons == prod)
			break;
		off = MASK_XENSTORE_IDX(c->req_cons);
		n = MIN(MIN(want, prod - c->req_cons), XENSTORE_RING_SIZE - off);
		memcpy(c->in + c->in_len, r->req + off, n);
		c->in_len += n;
		c->req_cons += n;
	}
	__atomic_store_n(&r->req_cons, c->req_cons, __ATOMIC_RELEASE);
	return c->in_len >= sizeof(*h) && c->in_len == sizeof(*h) + h->len;
}

/*
 * The domain kicked its ring: pass on what the ring has room for, then
 * serve whole requests while the FIFO can take a largest reply (a domain
 * that does not read its replies stops being served: its ring waits),
 * asking ops->preempt between requests.
 */
bool xs_kick(struct xs_store *s, struct xs_conn *c)
{
	bool again = false;

	if (c->broken || !c->intf)
		return false;
	fifo_flush(s, c);
	while (!c->broken && XS_FIFO_SIZE - c->fifo_len >= XS_MSG_MAX) {
		if (!ring_take(s, c))
			break;
		process(s, c);
		c->in_len = 0;
		c->pending = true;
		fifo_flush(s, c);
		if (s->ops.preempt && s->ops.preempt(s->ops.ctx)) {
			again = __atomic_load_n(&c->intf->req_prod, __ATOMIC_ACQUIRE) != c->req_cons;
			break;
		}
	}
	notify_pending(s);
	return again && !c->broken;
}

/* ---- connections, the hypervisor's own writes, the leak check ------------- */

int xs_init(struct xs_store *s, const struct xs_ops *ops, const struct xs_limits *lim)
{
	memset(s, 0, sizeof(*s));
	s->ops = *ops;
	s->lim = *lim;
	if (!lim->pool_pages || lim->pool_pages > XS_POOL_PAGES_MAX)
		return -XS_EINVAL;
	s->index_pages = (u32)((lim->pool_pages * sizeof(void *) + 4095) / 4096);
	s->pages = ops->alloc_pages(ops->ctx, s->index_pages);
	if (!s->pages)
		return -XS_ENOMEM;
	s->pages_cap = lim->pool_pages;
	s->root = xs_alloc(s, sizeof(*s->root));
	if (!s->root)
		return -XS_ENOMEM;
	s->root->name = xs_strdup(s, "", 0);
	s->root->perms = xs_strdup(s, "n0", 2);
	if (!s->root->name || !s->root->perms)
		return -XS_ENOMEM;
	s->root->plen = s->root->pcap = 3;
	s->root->gen = ++s->gen;
	return 0;
}

/* Everything back to the owner (host tests). */
void xs_fini(struct xs_store *s)
{
	while (s->conns)
		xs_release(s, s->conns);
	for (u32 i = 0; i < s->nr_pages; i++)
		s->ops.free_pages(s->ops.ctx, s->pages[i], 1);
	if (s->pages)
		s->ops.free_pages(s->ops.ctx, s->pages, s->index_pages);
	memset(s, 0, sizeof(*s));
}

struct xs_conn *xs_introduce(struct xs_store *s, u16 domid,
			     struct xenstore_domain_interface *intf)
{
	struct xs_conn *c;

	if (domid == XS_DOMID_HV || xs_conn_of(s, domid))
		return NULL;
	c = s->ops.alloc_pages(s->ops.ctx, XS_CONN_PAGES);
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->domid = domid;
	c->intf = intf;
	if (intf) {
		intf->req_cons = intf->req_prod = intf->rsp_cons = intf->rsp_prod = 0;
		intf->server_features = XENSTORE_SERVER_FEATURE_ERROR;
		intf->connection = XENSTORE_CONNECTED;
		intf->error = XENSTORE_ERROR_NONE;
	}
	c->next = s->conns;
	s->conns = c;
	return c;
}

/*
 * A domain is gone: its watches and transactions go; the nodes it owns
 * stay (its /local/domain/<id> was removed by the caller, as Xen's
 * toolstack does) but become the hypervisor's, so nothing is charged to
 * a domain that no longer exists.
 */
bool xs_release(struct xs_store *s, struct xs_conn *c)
{
	struct xs_conn **pp = &s->conns;
	bool clean;

	reset_conn(s, c);
	for (struct xs_node *n = s->root; n; n = next_node(n)) {
		if (n->owner != c->domid)
			continue;
		u32 first = (u32)strlen(n->perms) + 1;

		/* "X<id>\0rest" becomes "X0\0rest": never longer, in place */
		charge(s, n->owner, -1, -(s64)node_bytes(n));
		memmove(n->perms + 3, n->perms + first, n->plen - first);
		n->perms[1] = '0';
		n->perms[2] = '\0';
		n->plen = 3 + n->plen - first;
		n->owner = XS_DOMID_HV;
		n->gen = ++s->gen;
	}
	clean = !c->nodes && !c->bytes;
	if (!clean)
		xs_log(s, c->domid, "xenstore: released with %u nodes, %u bytes still charged",
		       c->nodes, c->bytes);
	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	s->ops.free_pages(s->ops.ctx, c, XS_CONN_PAGES);
	return clean;
}

static struct xs_conn hv_conn = { .domid = XS_DOMID_HV };

static int priv(struct xs_store *s, u32 type, const char *a, u32 alen, const char *b, u32 blen)
{
	char *out = (char *)hv_conn.reply + sizeof(struct xsd_sockmsg);
	struct xsd_sockmsg h = { .type = type, .len = alen + blen };
	struct xs_watch *first = NULL;
	int r;

	if (alen + blen > XENSTORE_PAYLOAD_MAX)
		return -XS_E2BIG;
	memcpy(hv_conn.in, a, alen);
	memcpy(hv_conn.in + alen, b, blen);
	r = dispatch(s, &hv_conn, &h, (const char *)hv_conn.in, out, &first);
	notify_pending(s);
	return r < 0 ? r : 0;
}

int xs_priv_write(struct xs_store *s, const char *path, const char *value)
{
	return priv(s, XS_WRITE, path, (u32)strlen(path) + 1, value, (u32)strlen(value));
}

int xs_priv_mkdir(struct xs_store *s, const char *path)
{
	return priv(s, XS_MKDIR, path, (u32)strlen(path) + 1, "", 0);
}

int xs_priv_set_perms(struct xs_store *s, const char *path, const char *perms, u32 len)
{
	return priv(s, XS_SET_PERMS, path, (u32)strlen(path) + 1, perms, len);
}

int xs_priv_rm(struct xs_store *s, const char *path)
{
	return priv(s, XS_RM, path, (u32)strlen(path) + 1, "", 0);
}

u32 xs_node_count(struct xs_store *s)
{
	u32 n = 0;

	for (struct xs_node *m = s->root; m; m = next_node(m))
		n++;
	return n;
}

/*
 * The leak check: every block in use belongs to a node, a watch, a
 * transaction or the root, and every connection's charges are exactly
 * what it owns. Returns 0, or the bytes unaccounted for (or 1 for a
 * charge that does not add up).
 */
s64 xs_check(struct xs_store *s)
{
	u64 sum = 0;

	for (struct xs_node *n = s->root; n; n = next_node(n))
		sum += node_bytes(n);
	for (struct xs_conn *c = s->conns; c; c = c->next) {
		u64 own = 0, nodes = 0;

		for (struct xs_watch *w = c->watches; w; w = w->next)
			own += watch_bytes(w);
		for (struct xs_tx *tx = c->txs; tx; tx = tx->next) {
			own += blk(sizeof(*tx));
			for (struct xs_txop *e = tx->ops; e; e = e->next)
				own += txop_bytes(e);
		}
		sum += own;
		for (struct xs_node *n = s->root; n; n = next_node(n)) {
			if (n->owner == c->domid) {
				own += node_bytes(n);
				nodes++;
			}
		}
		if (own != c->bytes || nodes != c->nodes)
			return 1;
	}
	return (s64)s->in_use - (s64)sum;
}
