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
#include "core/domain.h"
#include "core/sched.h"
#include "core/evtchn.h"
#include "core/grant_table.h"
#include "mm/frame.h"
#include "mm/m2p.h"
#include "mm/page_info.h"
#include "mm/paging.h"
#include "mm/pv_mm.h"
#include "x86/cpu.h"
#include "pvabi/sched.h"

struct domain domains[MAX_DOMAINS];
struct vcpu *current;
static int nr_domains;

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

/* A new, empty domain with the name and size from its description. */
struct domain *domain_alloc(const struct domcfg *cfg)
{
	struct domain *d;

	if (nr_domains == MAX_DOMAINS)
		return NULL;
	d = &domains[nr_domains];
	memset(d, 0, sizeof(*d));
	d->id = (u16)(nr_domains + 1);	/* no domain 0: nobody is privileged */
	nr_domains++;
	memcpy(d->name, cfg->name, sizeof(d->name));
	hv_snprintf(d->prefix, sizeof(d->prefix), "(%s) ", cfg->name);
	d->nr_pages = cfg->mem >> PAGE_SHIFT;
	d->shutdown_code = ~0U;
	d->nr_vcpus = (int)cfg->vcpus;
	for (int i = 0; i < d->nr_vcpus; i++) {
		d->vcpus[i].domain = d;
		d->vcpus[i].id = i;
	}
	d->state = DOM_DEAD;	/* until the builder finishes */
	evtchn_init(d);
	for (int i = 0; i < d->nr_vcpus; i++)
		d->vcpus[i].runstate.state = RUNSTATE_runnable;
	return d;
}

struct domain *domain_by_id(u16 id)
{
	if (id == 0 || id > nr_domains || domains[id - 1].state != DOM_RUNNING)
		return NULL;
	return &domains[id - 1];
}

/*
 * Give every frame back. Safe on a half-built domain: the teardown finds
 * the domain's frames by their owner, and the builder takes every
 * reference it counts together with the thing that holds it.
 */
void domain_destroy(struct domain *d)
{
	/* Never free page tables the CPU is still using. */
	if (current && current->domain == d)
		write_cr3(__pa(hv_l4()));
	for (int i = 0; i < d->nr_vcpus; i++)
		d->vcpus[i].runnable = false;
	evtchn_destroy(d);
	gnttab_destroy(d);	/* its frames are freed by the teardown below */
	d->console_ring = NULL;
	/* mm/pv_mm.c: drop CR3s, pins, GDTs; check every count; free the frames. */
	mm_domain_teardown(d);
	if (d->p2m) {
		frame_free_contig(d->p2m_first, d->p2m_frames);
		d->p2m = NULL;
	}
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

int domains_alive(void)
{
	int n = 0;

	for (int i = 0; i < nr_domains; i++)
		n += domains[i].state == DOM_RUNNING;
	return n;
}

/* All domains have ended: report, and end the run. */
bool domains_all_clean(void)
{
	bool clean = nr_domains > 0;

	for (int i = 0; i < nr_domains; i++) {
		const struct domain *d = &domains[i];

		if (d->crashed || d->shutdown_reason != SHUTDOWN_poweroff ||
		    d->mm_leak)		/* a reference left behind: mm/pv_mm.c */
			clean = false;
	}
	return clean;
}
