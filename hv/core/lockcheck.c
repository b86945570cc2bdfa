/*
 * lockcheck.c - the rules the lock-debugging build checks at every lock
 * operation (core/spinlock.c calls these, LOCKDEBUG=1 builds only).
 *
 * Runs in: hypervisor, any CPU, interrupts off, on the state of the CPU
 * it runs on (its struct pcpu); also in the host unit tests
 * (tests/unit/test_lockcheck.c). Pure C: no hardware access, no locks.
 *
 * Three rules, as Xen's lock debugging and Linux's lockdep check them in
 * their simplest form:
 *  - order: every lock has a level, and a CPU takes locks in increasing
 *    level only. Two CPUs that each follow that can never wait for each
 *    other in a cycle, so a violation is reported on the first wrong
 *    acquisition, on any run that reaches the path, instead of as a
 *    deadlock on the rare run where two CPUs meet there. Taking a lock
 *    already held is the same mistake (level equal) and is reported too.
 *  - interrupts: a lock marked irq-off (all of pvisor's: the hypervisor
 *    runs with interrupts off) taken with interrupts on could be wanted
 *    again by an interrupt handler on the same CPU: a deadlock. Checked
 *    when it is taken, and when a nested entry finds it held already.
 *  - nothing held where no lock may be: the return to a guest (a guest
 *    could keep the lock as long as it likes) and a halt (a CPU asleep
 *    with a lock stops everyone who wants it). Releasing a lock the CPU
 *    does not hold is a bug of the same family.
 * What it does not check: the order across two CPUs' histories (lockdep's
 * graph); with levels fixed in the source, one CPU's stack is enough.
 * Cost: a few compares per lock operation, in the debug build only.
 */
#include "hv.h"
#include "core/lockcheck.h"

static const char *site_or(const char *site)
{
	return site ? site : "?";
}

int lockcheck_acquire(struct lockcheck_cpu *c, const struct lock_class *l,
		      const char *site, bool irqs_on, char *msg, size_t size)
{
	if ((l->flags & LOCK_IRQ_OFF) && irqs_on) {
		hv_snprintf(msg, size, "%s (irq-off) taken with interrupts on at %s",
			    l->name, site_or(site));
		return LOCKCHECK_IRQ;
	}
	for (u32 i = 0; i < c->depth; i++) {
		const struct lock_class *h = c->held[i].lock;

		if (h == l) {
			hv_snprintf(msg, size, "%s taken at %s while this CPU holds it (taken at %s)",
				    l->name, site_or(site), site_or(c->held[i].site));
			return LOCKCHECK_ORDER;
		}
		if (h->level >= l->level) {
			hv_snprintf(msg, size,
				    "lock order: %s (level %u) taken at %s while holding %s (level %u) taken at %s",
				    l->name, l->level, site_or(site), h->name, h->level,
				    site_or(c->held[i].site));
			return LOCKCHECK_ORDER;
		}
	}
	if (c->depth == LOCKCHECK_DEPTH) {
		hv_snprintf(msg, size, "%s taken at %s: %u locks held already",
			    l->name, site_or(site), c->depth);
		return LOCKCHECK_TOO_DEEP;
	}
	c->held[c->depth].lock = l;
	c->held[c->depth].site = site;
	c->depth++;
	return LOCKCHECK_OK;
}

/* Any order of release is fine: the rule is about taking, not dropping. */
int lockcheck_release(struct lockcheck_cpu *c, const struct lock_class *l,
		      const char *site, char *msg, size_t size)
{
	for (u32 i = c->depth; i-- > 0;) {
		if (c->held[i].lock != l)
			continue;
		for (u32 j = i; j + 1 < c->depth; j++)
			c->held[j] = c->held[j + 1];
		c->depth--;
		return LOCKCHECK_OK;
	}
	hv_snprintf(msg, size, "%s released at %s by a CPU that does not hold it",
		    l->name, site_or(site));
	return LOCKCHECK_NOT_HELD;
}

/*
 * A lock this CPU should hold already (a nested entry to the hypervisor,
 * core/hvlock.c): it does, and an irq-off one still with interrupts off
 * (an interrupt's return may have turned them back on).
 */
int lockcheck_still_held(const struct lockcheck_cpu *c, const struct lock_class *l,
			 const char *site, bool irqs_on, char *msg, size_t size)
{
	bool held = false;

	for (u32 i = 0; i < c->depth; i++)
		held |= c->held[i].lock == l;
	if (!held) {
		hv_snprintf(msg, size, "%s not held at %s, where this CPU should hold it",
			    l->name, site_or(site));
		return LOCKCHECK_NOT_HELD;
	}
	if (irqs_on && (l->flags & LOCK_IRQ_OFF)) {
		hv_snprintf(msg, size, "%s (irq-off) held with interrupts on at %s",
			    l->name, site_or(site));
		return LOCKCHECK_IRQ;
	}
	return LOCKCHECK_OK;
}

int lockcheck_none_held(const struct lockcheck_cpu *c, const char *where,
			const char *site, char *msg, size_t size)
{
	if (c->depth == 0)
		return LOCKCHECK_OK;
	hv_snprintf(msg, size, "%s held at %s (%s), taken at %s",
		    c->held[c->depth - 1].lock->name, where, site_or(site),
		    site_or(c->held[c->depth - 1].site));
	return LOCKCHECK_STILL_HELD;
}
