/*
 * domain.c - the life of a domain: created at boot, ended by shutdown or crash.
 *
 * Runs in: hypervisor.
 *
 * The error policy, written once (docs/style.md §3): a bad request from a
 * guest returns a negative error to it; a guest that breaks the rules of
 * the machine (an exception with no handler, a request no correct guest
 * makes) is crashed with domain_crash(d, "why"), which destroys that domain
 * alone. Nothing a guest does stops the hypervisor or another domain.
 */
#include "hv.h"
#include "layout.h"
#include "pv/descriptor_tables.h"
#include "core/xenstore_ring.h"
#include "core/domain.h"
#include "core/console.h"
#include "core/sched.h"
#include "core/hvlock.h"
#include "core/time.h"
#include "core/evtchn.h"
#include "core/grant_table.h"
#include "mm/frame.h"
#include "mm/m2p.h"
#include "mm/page_info.h"
#include "mm/paging.h"
#include "mm/pv_mm.h"
#include "x86/cpu.h"
#include "pvabi/sched.h"

/*
 * The domain table: a pointer per domain id, sized at boot from what the
 * modules describe (domains_reserve), each struct domain in frames of its
 * own. Ids are handed out in order and never reused, so domain id i is
 * domain_table[i - 1] for its whole life and after it ends (the end of
 * the run reports on every domain). Nothing is compiled in but the
 * ceiling DOMAINS_LIMIT, set by the per-vCPU GDT/LDT areas.
 */
static struct domain **domain_table;
static int table_size;		/* pointers domain_table has room for */
static int nr_domains;		/* ids handed out */
static int nr_alive;		/* of those, DOM_RUNNING */

#define DOMAIN_FRAMES	DIV_ROUND_UP(sizeof(struct domain), PAGE_SIZE)

static u64 vcpu_frames(int n)
{
	return DIV_ROUND_UP((u64)n * sizeof(struct vcpu), PAGE_SIZE);
}

static const char *const reason_names[] = {
	[SHUTDOWN_poweroff] = "poweroff",
	[SHUTDOWN_reboot] = "reboot",
	[SHUTDOWN_suspend] = "suspend",
	[SHUTDOWN_crash] = "crash",
	[SHUTDOWN_watchdog] = "watchdog",
	[SHUTDOWN_soft_reset] = "soft_reset",
};

const char *shutdown_reason_name(int reason)
{
	if (reason >= 0 && reason < (int)ARRAY_SIZE(reason_names))
		return reason_names[reason];
	return "unknown";
}

/*
 * Room for n domains (at most DOMAINS_LIMIT). Called once, before the
 * first domain_alloc, with the number of domains the modules describe.
 * Returns how many fit: the rest are refused one by one by domain_alloc.
 */
int domains_reserve(int n)
{
	u64 frames;
	mfn_t m;

	if (n > DOMAINS_LIMIT)
		n = DOMAINS_LIMIT;
	if (n < 1)
		n = 1;
	frames = DIV_ROUND_UP((u64)n * sizeof(*domain_table), PAGE_SIZE);
	m = frame_alloc_contig(frames, 1);
	if (m == INVALID_MFN)
		panic("no %llu frames for a table of %d domains",
		      (unsigned long long)frames, n);
	domain_table = __va(m << PAGE_SHIFT);
	memset(domain_table, 0, frames * PAGE_SIZE);
	table_size = n;
	return n;
}

int domains_count(void)
{
	return nr_domains;
}

/* Any domain that was ever created, whatever its state: NULL if none. */
struct domain *domain_get(u16 id)
{
	if (id == 0 || id > nr_domains)
		return NULL;
	return domain_table[id - 1];
}

/* Hypervisor memory for d beyond its guest frames: struct, vCPUs, P2M copy. */
u64 domain_hv_bytes(const struct domain *d)
{
	return (DOMAIN_FRAMES + vcpu_frames(d->nr_vcpus) + d->p2m_frames) * PAGE_SIZE;
}

/*
 * d's vCPUs, in frames of their own: a domain pays for the vCPUs it has,
 * not for the most it could have. Every vCPU but 0 starts down, as on Xen:
 * the guest gives it a state (VCPUOP_initialise) and brings it up
 * (core/vcpu_op.c). 0, or -1 with the reason in err.
 */
static int vcpus_alloc(struct domain *d, u32 n, char *err, size_t errlen)
{
	mfn_t m = frame_alloc_contig(vcpu_frames((int)n), 1);

	if (m == INVALID_MFN) {
		errorf(err, errlen, "out of memory for its %u vCPUs", n);
		return -1;
	}
	d->vcpus = __va(m << PAGE_SHIFT);
	d->vcpus_first = m;
	memset(d->vcpus, 0, vcpu_frames((int)n) * PAGE_SIZE);
	d->nr_vcpus = (int)n;
	for (int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpus[i];

		v->domain = d;
		v->id = i;
		v->down = i != 0;
		v->runstate.state = i ? RUNSTATE_offline : RUNSTATE_runnable;
		theap_node_init(&v->tnode);
		if (pv_area_prepare(v) < 0) {
			frame_free_contig(m, vcpu_frames((int)n));
			errorf(err, errlen, "no GDT/LDT area for vCPU %d (%d vCPUs in all at most, or out of memory)",
			       i, PV_AREA_SLOTS);
			return -1;
		}
	}
	return 0;
}

/*
 * A new, empty domain with the name and size from its description, or
 * NULL with the reason in err: the table is full (the count at boot or
 * DOMAINS_LIMIT), or there is no memory for its structure.
 */
struct domain *domain_alloc(const struct domcfg *cfg, char *err, size_t errlen)
{
	struct domain *d;
	mfn_t m;

	if (nr_domains == table_size) {
		errorf(err, errlen, "more than %d domains (%s)", table_size,
		       table_size == DOMAINS_LIMIT ?
		       "DOMAINS_LIMIT: the per-vCPU GDT/LDT areas" :
		       "the number the modules described at boot");
		return NULL;
	}
	m = frame_alloc_contig(DOMAIN_FRAMES, 1);
	if (m == INVALID_MFN) {
		errorf(err, errlen, "out of memory for its %lu KiB structure",
		       (unsigned long)(DOMAIN_FRAMES * PAGE_SIZE >> 10));
		return NULL;
	}
	d = __va(m << PAGE_SHIFT);
	memset(d, 0, sizeof(*d));
	d->id = (u16)(nr_domains + 1);	/* no domain 0: nobody is privileged */
	if (vcpus_alloc(d, cfg->vcpus, err, errlen) < 0) {
		frame_free_contig(m, DOMAIN_FRAMES);
		return NULL;
	}
	domain_table[nr_domains++] = d;
	memcpy(d->name, cfg->name, sizeof(d->name));
	hv_snprintf(d->prefix, sizeof(d->prefix), "(%s) ", cfg->name);
	d->nr_pages = cfg->mem >> PAGE_SHIFT;
	d->devs = cfg->devs;
	d->shutdown_code = ~0U;
	d->state = DOM_DEAD;	/* until the builder finishes */
	console_domain_init(d);
	evtchn_init(d);
	return d;
}

/* A running domain by id: what a guest's request may name. */
struct domain *domain_by_id(u16 id)
{
	struct domain *d = domain_get(id);

	return d && d->state == DOM_RUNNING ? d : NULL;
}

/* The builder finished: d runs from the next schedule. */
void domain_start(struct domain *d)
{
	d->state = DOM_RUNNING;
	nr_alive++;
}

/*
 * Give every frame back. Safe on a half-built domain: the teardown finds
 * the domain's frames by their owner, and the builder takes every
 * reference it counts together with the thing that holds it.
 */
void domain_destroy(struct domain *d)
{
	/*
	 * Never free page tables a CPU is still using: this one's goes, and
	 * every other CPU drops its guest translations (core/hvlock.c); one
	 * that ran d's vCPUs finds them dead when it gets the lock.
	 */
	if (current && current->domain == d)
		hv_load_idle_cr3();
	hv_sync_others();
	for (int i = 0; i < d->nr_vcpus; i++) {
		d->vcpus[i].runnable = false;
		sched_remove(&d->vcpus[i]);
		time_vcpu_forget(&d->vcpus[i]);
	}
	xenstore_domain_destroy(d);	/* before its frames go: it held the page */
	evtchn_destroy(d);
	gnttab_destroy(d);	/* its frames are freed by the teardown below */
	d->console_ring = NULL;
	/* mm/pv_mm.c: drop CR3s, pins, GDTs; check every count; free the frames. */
	mm_domain_teardown(d);
	if (d->p2m) {
		frame_free_contig(d->p2m_first, d->p2m_frames);
		d->p2m = NULL;
	}
	if (d->state == DOM_RUNNING)
		nr_alive--;
	d->state = DOM_DEAD;
}

void domain_shutdown(struct domain *d, int reason)
{
	if (d->state != DOM_RUNNING)
		return;
	/* A code latched with SCHEDOP_shutdown_code wins, as on Xen. */
	if (d->shutdown_code != ~0U)
		reason = (int)d->shutdown_code;
	d->shutdown_reason = reason;
	printk("domain %s: shut down (%s)\n", d->name, shutdown_reason_name(reason));
	domain_print_stats(d);
	domain_destroy(d);
	sched_need_resched();
}

/*H:490 When a guest misbehaves
 * The error policy, in one place: a bad request gets an error code; a
 * guest that breaks the rules of the machine is crashed, alone, with one
 * line saying why, and its frames are checked and freed. Nothing a guest
 * does may stop the hypervisor: the fuzz guest test makes sure.
 */
void domain_crash(struct domain *d, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	if (d->state != DOM_RUNNING)
		return;
	va_start(ap, fmt);
	hv_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printk("domain %s: crashed: %s\n", d->name, why);
	d->crashed = true;
	d->shutdown_reason = SHUTDOWN_crash;
	domain_print_stats(d);
	domain_destroy(d);
	sched_need_resched();
}

/* Kept as a count: the idle loop asks on every pass. */
int domains_alive(void)
{
	return nr_alive;
}

/*
 * Domains the boot refused before they had a struct domain (a bad line of
 * the domain list, such as vcpus=9; a name taken; no memory for one):
 * they never powered off, so the run cannot end clean, as when the
 * builder refuses one later (create_domain() keeps that one as crashed).
 */
static int nr_refused;

void domains_note_refused(int n)
{
	nr_refused = n;
}

/* All domains have ended: report, and end the run. */
bool domains_all_clean(void)
{
	bool clean = nr_domains > 0 && nr_refused == 0;

	for (int i = 0; i < nr_domains; i++) {
		const struct domain *d = domain_table[i];

		if (d->crashed || d->shutdown_reason != SHUTDOWN_poweroff ||
		    d->mm_leak)		/* a reference left behind: mm/pv_mm.c */
			clean = false;
	}
	if (mm_orphans_left())	/* granted frames that outlived their domain */
		clean = false;
	return clean;
}
