/*
 * xenstore.h - the store: a tree of small named values that domains share
 * through a ring page, with permissions, watches, transactions and quotas.
 *
 * The mechanism (xenstore.c) is pure C: it serves a struct
 * xenstore_domain_interface in memory and asks its owner, through struct
 * xs_ops, for pages, for a notification of a domain, and whether to stop
 * early. hv/core/xenstore_ring.c gives it the hypervisor's frames, event
 * channels and preemption; tests/unit/test_xenstore.c gives it malloc.
 * docs/xenstore.md describes the design.
 */
#ifndef HV_CORE_XENSTORE_H
#define HV_CORE_XENSTORE_H

#include "hv.h"
#include "pvabi/xs_wire.h"

/* The hypervisor's own id in the store: owner of what a toolstack would
 * own, and the only privileged one (pvisor's domains start at 1). */
#define XS_DOMID_HV		0

#define XS_MSG_MAX		(16 + XENSTORE_PAYLOAD_MAX)
#define XS_FIFO_SIZE		8192	/* replies and events not yet in the ring */
#define XS_NR_CLASSES		8	/* block sizes 32 .. 4096 */

/* Per-domain quotas (the hypervisor has none) and the store's pool. */
struct xs_limits {
	u32 nodes;		/* nodes it owns */
	u32 bytes;		/* pool bytes those nodes and its transactions use */
	u32 watches;
	u32 transactions;	/* open at once */
	u32 pool_pages;		/* the whole store's memory, in 4 KiB pages */
};

#define XS_DEFAULT_NODES	1000
#define XS_DEFAULT_BYTES	(256 * 1024)
#define XS_DEFAULT_WATCHES	128
#define XS_DEFAULT_TRANSACTIONS	10
#define XS_DEFAULT_POOL_PAGES	1024	/* 4 MiB */
#define XS_POOL_PAGES_MAX	16384
#define XS_TX_OPS_MAX		256	/* a transaction's log: bounds a request's work in it */

struct xs_ops {
	void *(*alloc_pages)(void *ctx, u32 n);	/* n contiguous 4 KiB pages or NULL */
	void (*free_pages)(void *ctx, void *p, u32 n);
	void (*notify)(void *ctx, u16 domid);	/* its ring moved: raise its port */
	bool (*preempt)(void *ctx);		/* stop a kick early (may be NULL) */
	void (*log)(void *ctx, u16 domid, const char *msg);	/* may be NULL */
	/* each request: its type, its first string (bounded), the reply's error or 0 */
	void (*trace)(void *ctx, u16 domid, u32 type, const char *arg, int err);	/* may be NULL */
	void *ctx;
};

struct xs_node;
struct xs_watch;
struct xs_tx;

/* One domain's connection: its ring, what it waits to receive, its charges. */
struct xs_conn {
	struct xs_conn *next;
	u16 domid;
	bool broken;			/* a protocol error: no longer served */
	bool pending;			/* its ring moved: notify it */
	struct xenstore_domain_interface *intf;	/* NULL: none (tests) */
	u32 req_cons, rsp_prod;		/* our copies: the page's are the guest's to scribble */
	u32 in_len;			/* bytes of the request being gathered */
	u32 fifo_head, fifo_len;	/* output not yet in the ring */
	u32 nodes, bytes;		/* charged to it */
	u32 nr_watches, nr_tx, next_tx_id;
	u64 requests, errors, events, events_dropped;
	struct xs_watch *watches;
	struct xs_tx *txs;
	u8 in[XS_MSG_MAX] __aligned(8);
	u8 reply[XS_MSG_MAX] __aligned(8);
	u8 fifo[XS_FIFO_SIZE];
};

#define XS_CONN_PAGES	((sizeof(struct xs_conn) + 4095) / 4096)

struct xs_store {
	struct xs_ops ops;
	struct xs_limits lim;
	struct xs_node *root;
	u64 gen;			/* bumped by every change */
	void **pages;			/* the pool's pages, pages_cap of them */
	u32 nr_pages, pages_cap, index_pages;
	u8 *bump;			/* the free end of the newest page */
	u32 bump_left;
	void *free[XS_NR_CLASSES];	/* free blocks by class */
	u32 nfree[XS_NR_CLASSES];
	u64 in_use;			/* bytes of blocks handed out */
	struct xs_conn *conns;
	char path[XENSTORE_ABS_PATH_MAX + 1];	/* scratch (one request at a time) */
	char path2[XENSTORE_ABS_PATH_MAX + 1];
	char perms[XENSTORE_PAYLOAD_MAX];
};

int xs_init(struct xs_store *s, const struct xs_ops *ops, const struct xs_limits *lim);
void xs_fini(struct xs_store *s);
struct xs_conn *xs_introduce(struct xs_store *s, u16 domid,
			     struct xenstore_domain_interface *intf);
bool xs_release(struct xs_store *s, struct xs_conn *c);	/* false: charges left */
struct xs_conn *xs_conn_of(struct xs_store *s, u16 domid);

/* A domain kicked its ring. Returns true if it should be called again
 * (ops->preempt said stop while requests were waiting). */
bool xs_kick(struct xs_store *s, struct xs_conn *c);

/* The hypervisor's own writes (privileged, no quota). 0 or -XS_E*. */
int xs_priv_write(struct xs_store *s, const char *path, const char *value);
int xs_priv_mkdir(struct xs_store *s, const char *path);
int xs_priv_set_perms(struct xs_store *s, const char *path, const char *perms, u32 len);
int xs_priv_rm(struct xs_store *s, const char *path);
void xs_fire_special(struct xs_store *s, const char *name);

/* The leak check: the pool's bytes in use agree with the tree's and the
 * connections' (0), or the difference. */
s64 xs_check(struct xs_store *s);
u32 xs_node_count(struct xs_store *s);

/* Errors, in Xen's order of xsd_errors; the reply carries the name. */
enum {
	XS_OK = 0, XS_EINVAL, XS_EACCES, XS_EEXIST, XS_EISDIR, XS_ENOENT,
	XS_ENOMEM, XS_ENOSPC, XS_EIO, XS_ENOTEMPTY, XS_ENOSYS, XS_EROFS,
	XS_EBUSY, XS_EAGAIN, XS_EISCONN, XS_E2BIG, XS_EPERM, XS_EQUOTA,
	XS_NR_ERRORS
};
const char *xs_error_name(int err);

#endif /* HV_CORE_XENSTORE_H */
