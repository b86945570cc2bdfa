/*
 * xenstore_ring.c - each domain's store page and event channel, and the
 * entries a toolstack would write for it, around the store of
 * core/xenstore.c.
 *
 * Runs in: hypervisor: at boot (the builder), on a domain's EVTCHNOP_send
 * to its store port, at its teardown; under the hypervisor lock.
 * Trusts: nothing in the page: xenstore.c reads it defensively; this file
 * only hands it over.
 *
 * As the console ring: the store page is a frame of the domain's own
 * memory (start_info.store_mfn, in its initial mapping: Linux finds it by
 * mfn_to_virt), held so that it stays writable memory while the
 * hypervisor writes into it, and the store port is an event channel
 * whose remote end is the hypervisor (ECS_HYPERVISOR): the domain's
 * EVTCHNOP_send runs the store's requests on the domain's own time, and
 * stops between two of them when something else is due (the send is
 * then made again, a continuation, and goes on where it stopped).
 */
#include "hv.h"
#include "core/cmdline.h"
#include "core/devices.h"
#include "core/domain.h"
#include "core/evtchn.h"
#include "core/hypercall.h"
#include "core/xenstore.h"
#include "core/xenstore_ring.h"
#include "mm/frame.h"

static struct xs_store store;
static bool store_up;

static void *pages_alloc(void *ctx, u32 n)
{
	mfn_t m = frame_alloc_contig(n, 1);

	(void)ctx;
	return m == INVALID_MFN ? NULL : __va(m << PAGE_SHIFT);
}

static void pages_free(void *ctx, void *p, u32 n)
{
	(void)ctx;
	frame_free_contig(__pa(p) >> PAGE_SHIFT, n);
}

static void notify(void *ctx, u16 domid)
{
	struct domain *d = domain_by_id(domid);

	(void)ctx;
	if (d && d->state == DOM_RUNNING && d->store_port)
		evtchn_notify(d, d->store_port);
}

static bool preempt(void *ctx)
{
	(void)ctx;
	return hypercall_preempt_check();
}

static void log_msg(void *ctx, u16 domid, const char *msg)
{
	struct domain *d = domid ? domain_by_id(domid) : NULL;

	(void)ctx;
	printk("%s: %s\n", d ? d->name : "xenstore", msg);
}

/* loglvl=debug: every request, as "(hv) NAME: xs TYPE ARG -> RESULT". */
static void trace(void *ctx, u16 domid, u32 type, const char *arg, int err)
{
	struct domain *d = domain_by_id(domid);

	(void)ctx;
	pr_debug("%s: xs %u %s -> %s\n", d ? d->name : "?", type, arg,
		 err ? xs_error_name(err) : "OK");
}

static u32 opt(u32 set, u32 dflt)
{
	return set ? set : dflt;
}

/* The store, its pool and the tree's top: /local/domain, /vm, /tool. */
static int store_start(void)
{
	struct xs_ops ops = { pages_alloc, pages_free, notify, preempt, log_msg, trace, NULL };
	struct xs_limits lim = {
		.nodes = opt(hv_opts.xs_nodes, XS_DEFAULT_NODES),
		.bytes = opt(hv_opts.xs_bytes, XS_DEFAULT_BYTES),
		.watches = opt(hv_opts.xs_watches, XS_DEFAULT_WATCHES),
		.transactions = opt(hv_opts.xs_transactions, XS_DEFAULT_TRANSACTIONS),
		.pool_pages = opt(hv_opts.xs_pool, XS_DEFAULT_POOL_PAGES),
	};
	int r = xs_init(&store, &ops, &lim);

	if (!r)
		r = xs_priv_mkdir(&store, "/local/domain");
	if (!r)
		r = xs_priv_mkdir(&store, "/vm");
	if (!r)
		r = xs_priv_mkdir(&store, "/tool");
	if (r)
		return r;
	store_up = true;
	printk("xenstore: in the hypervisor; per domain %u nodes, %u KiB, %u watches, "
	       "%u transactions; pool %u KiB\n", lim.nodes, lim.bytes >> 10, lim.watches,
	       lim.transactions, lim.pool_pages * 4);
	return 0;
}

/* One entry, hypervisor-owned unless perms say otherwise. */
static int put(const char *dir, const char *name, const char *value, const char *perms,
	       u32 plen)
{
	char path[128];
	int r;

	hv_snprintf(path, sizeof(path), "%s%s%s", dir, name[0] ? "/" : "", name);
	r = value ? xs_priv_write(&store, path, value) : xs_priv_mkdir(&store, path);
	if (!r && perms)
		r = xs_priv_set_perms(&store, path, perms, plen);
	return r;
}

/*
 * What Xen's toolstack writes for a new PV domain (as libxl, less what
 * pvisor has no use for): the domain's directory, which the domain may
 * read but not change (its name, its domid, its vCPUs' availability),
 * and the subdirectories it owns (device, control, data and the rest),
 * control/shutdown among them for Linux's watch. /vm/<uuid> has its name.
 */
static int write_entries(struct domain *d)
{
	static const char *const owned[] = {
		"device", "control", "data", "drivers", "feature", "attr", "error",
	};
	char dom[32], vm[64], ro[16], rw[8], num[16];
	u32 rolen, rwlen;
	int r;

	hv_snprintf(dom, sizeof(dom), "/local/domain/%u", d->id);
	hv_snprintf(vm, sizeof(vm), "/vm/00000000-0000-0000-0000-%012x", d->id);
	memcpy(ro, "n0", 3);	/* "n0\0r<id>\0": ours, and the domain reads */
	rolen = 3 + (u32)hv_snprintf(ro + 3, sizeof(ro) - 3, "r%u", d->id) + 1;
	rwlen = (u32)hv_snprintf(rw, sizeof(rw), "n%u", d->id) + 1;
	hv_snprintf(num, sizeof(num), "%u", d->id);

	r = put(dom, "", NULL, ro, rolen);
	r = r ?: put(dom, "name", d->name, NULL, 0);
	r = r ?: put(dom, "domid", num, NULL, 0);
	r = r ?: put(dom, "vm", vm, NULL, 0);
	r = r ?: put(vm, "", NULL, ro, rolen);
	r = r ?: put(vm, "name", d->name, NULL, 0);
	for (int i = 0; !r && i < d->nr_vcpus; i++) {
		char cpu[32];

		hv_snprintf(cpu, sizeof(cpu), "cpu/%d/availability", i);
		r = put(dom, cpu, "online", NULL, 0);
	}
	for (u32 i = 0; !r && i < ARRAY_SIZE(owned); i++)
		r = put(dom, owned[i], NULL, rw, rwlen);
	r = r ?: put(dom, "control/shutdown", "", NULL, 0);
	return r;
}

/*
 * Give a domain its store: the page at ring (hypervisor address, the
 * caller has held its frame), a port, its connection and its entries.
 * Returns the port, or a negative number (no memory, no port).
 */
int xenstore_domain_init(struct domain *d, void *ring)
{
	int port, r;

	if (!store_up && store_start())
		return -1;
	port = evtchn_alloc_hypervisor_port(d);
	if (port < 0)
		return port;
	memset(ring, 0, PAGE_SIZE);
	d->store_conn = xs_introduce(&store, d->id, ring);
	if (!d->store_conn)
		return -1;
	d->store_port = (u32)port;
	r = write_entries(d);
	if (r) {
		printk("%s: xenstore entries not written (%s)\n", d->name, xs_error_name(-r));
		return -1;
	}
	return port;
}

/*
 * The entries of d's devices (core/devices.c), once every domain of the
 * boot exists and its backends' ids are known: 0 or -XS_E*. devs_up is
 * set first, so that a teardown removes a half-written set too.
 */
int xenstore_devices_write(struct domain *d)
{
	int r = 0;

	if (!store_up || !d->store_conn)
		return -XS_EIO;
	d->devs_up = true;
	for (int i = 0; !r && i < d->devs.nr_vifs; i++)
		r = devices_write_vif(&store, d->id, d->vif_be[i], (u32)i, &d->devs.vif[i]);
	for (int i = 0; !r && i < d->devs.nr_disks; i++)
		r = devices_write_vbd(&store, d->id, d->disk_be[i], &d->devs.disk[i]);
	return r;
}

/* Does fe, a domain whose entries were written, have a device served by be? */
static bool served_by(const struct domain *fe, u16 be)
{
	if (!fe->devs_up)
		return false;
	for (int i = 0; i < fe->devs.nr_vifs; i++) {
		if (fe->vif_be[i] == be)
			return true;
	}
	for (int i = 0; i < fe->devs.nr_disks; i++) {
		if (fe->disk_be[i] == be)
			return true;
	}
	return false;
}

/* Does a running domain other than gone still need be's tombstones? */
static bool backend_needed(u16 be, const struct domain *gone)
{
	struct domain *f;

	for_each_domain(f, i) {
		if (f != gone && f->state == DOM_RUNNING && served_by(f, be))
			return true;
	}
	return false;
}

/*
 * d, a frontend, is gone: each backend's directories for it go (netback
 * and blkback release the devices); a backend that is itself gone loses
 * its tombstones, and its directory when nobody else needs it.
 */
static void frontend_teardown(struct domain *d)
{
	for (u16 be = 1; be <= (u16)domains_count(); be++) {
		struct domain *b = domain_get(be);

		if (!served_by(d, be))
			continue;
		devices_frontend_gone(&store, d->id, be);
		if (b && b->state != DOM_RUNNING && !backend_needed(be, d))
			devices_backend_forget(&store, be);
	}
}

/* d, a backend, is gone (its directory with it): tombstones for its frontends. */
static void backend_teardown(struct domain *d)
{
	struct domain *f;

	for_each_domain(f, n) {
		if (f == d || f->state != DOM_RUNNING || !served_by(f, d->id))
			continue;
		for (int i = 0; i < f->devs.nr_vifs; i++) {
			if (f->vif_be[i] == d->id &&
			    devices_tombstone(&store, f->id, d->id, "vif", (u32)i))
				printk("%s: no tombstone for vif %d of %s\n", d->name, i, f->name);
		}
		for (int i = 0; i < f->devs.nr_disks; i++) {
			if (f->disk_be[i] == d->id &&
			    devices_tombstone(&store, f->id, d->id, "vbd", f->devs.disk[i].vdev_nr))
				printk("%s: no tombstone for disk %s of %s\n", d->name,
				       f->devs.disk[i].vdev, f->name);
		}
	}
}

/* EVTCHNOP_send on the store port: serve the ring, on the domain's time. */
void xenstore_port_sent(struct domain *d)
{
	if (d->store_conn && xs_kick(&store, d->store_conn))
		hypercall_restart();	/* the same send again: the rest of the ring */
}

/*
 * A domain is gone: remove what the toolstack would (its directory and
 * /vm entry, the backend directories that served it, docs/devices.md),
 * tell the frontends it served, drop its connection (watches,
 * transactions), and check that every byte of the store is still
 * accounted for.
 */
void xenstore_domain_destroy(struct domain *d)
{
	char path[64];
	bool clean;
	s64 diff;

	if (!d->store_conn)
		return;
	hv_snprintf(path, sizeof(path), "/local/domain/%u", d->id);
	xs_priv_rm(&store, path);
	hv_snprintf(path, sizeof(path), "/vm/00000000-0000-0000-0000-%012x", d->id);
	xs_priv_rm(&store, path);
	frontend_teardown(d);
	backend_teardown(d);
	if (d->store_conn->requests)
		printk("%s: xenstore: %llu requests, %llu errors, %llu watch events (%llu dropped)\n",
		       d->name, (unsigned long long)d->store_conn->requests,
		       (unsigned long long)d->store_conn->errors,
		       (unsigned long long)d->store_conn->events,
		       (unsigned long long)d->store_conn->events_dropped);
	clean = xs_release(&store, d->store_conn);
	d->store_conn = NULL;
	diff = xs_check(&store);
	if (diff || !clean) {
		printk("%s: xenstore leak check: %lld bytes unaccounted for\n", d->name,
		       (long long)diff);
		d->mm_leak = true;
	}
}
