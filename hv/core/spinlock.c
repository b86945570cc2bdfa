/*
 * spinlock.c - the ticket lock (core/spinlock.h), and in a LOCKDEBUG
 * build the glue between it and the checker (core/lockcheck.c): which
 * CPU, which interrupt state, and a panic when the checker says no.
 *
 * Runs in: hypervisor, any CPU, interrupts off (the checker says so when
 * they are not).
 *
 * The checker's state is per CPU, in struct pcpu (x86/percpu.h), found
 * from the stack. Before the boot CPU's struct pcpu exists (early boot:
 * one CPU, no lock but the console's), and on a stack that is not a
 * CPU's hypervisor stack (an IST
 * stack: NMI, #DF, #MC, a #DB in the hypervisor; the switcher's entry
 * stack) this_cpu() does not work and the checker is skipped: the only
 * lock taken there is the console's (a #DB's report, a panic's), the
 * innermost, and panic() takes it without waiting for ever.
 */
#include "hv.h"
#include "core/spinlock.h"
#include "x86/cpu.h"
#include "x86/eflags.h"
#include "x86/percpu.h"

#ifdef LOCKDEBUG
/*
 * This CPU's held locks, or NULL off its hypervisor stack (file comment).
 * this_cpu() is only an address computed from RSP: it is used if it is
 * one of the CPUs' struct pcpu, and not read before (on the switcher's
 * stack it may not even be mapped).
 */
static struct lockcheck_cpu *held(void)
{
	struct pcpu *c = this_cpu();

	for (int i = 0; i < NR_CPUS; i++)
		if (pcpus[i] == c)
			return &c->locks;
	return NULL;
}

static void verdict(int v, const char *msg)
{
	if (v != LOCKCHECK_OK)
		panic("lockdebug: %s", msg);
}

static void debug_acquire(struct spinlock *l, const char *site)
{
	struct lockcheck_cpu *c = held();
	char msg[200];

	if (c)
		verdict(lockcheck_acquire(c, &l->class, site,
					  read_rflags() & X86_EFLAGS_IF, msg, sizeof(msg)), msg);
}

static void debug_release(struct spinlock *l, const char *site)
{
	struct lockcheck_cpu *c = held();
	char msg[200];

	if (c)
		verdict(lockcheck_release(c, &l->class, site, msg, sizeof(msg)), msg);
}

void _lock_check_none_held(const char *where, const char *site)
{
	struct lockcheck_cpu *c = held();
	char msg[200];

	if (c)
		verdict(lockcheck_none_held(c, where, site, msg, sizeof(msg)), msg);
}

void lock_check_still_held(const struct spinlock *l, const char *site)
{
	struct lockcheck_cpu *c = held();
	char msg[200];

	if (c)
		verdict(lockcheck_still_held(c, &l->class, site,
					     read_rflags() & X86_EFLAGS_IF, msg, sizeof(msg)), msg);
}
#else
static inline void debug_acquire(struct spinlock *l, const char *site)
{
	(void)l, (void)site;
}

static inline void debug_release(struct spinlock *l, const char *site)
{
	(void)l, (void)site;
}

void _lock_check_none_held(const char *where, const char *site)
{
	(void)where, (void)site;
}

void lock_check_still_held(const struct spinlock *l, const char *site)
{
	(void)l, (void)site;
}
#endif

/*
 * Take the next ticket and wait for it. The check comes first: a wrong
 * acquisition is reported before it can deadlock.
 */
bool _spin_lock(struct spinlock *l, void (*wait)(void *), void *arg, const char *site)
{
	u32 t;
	bool waited = false;

	debug_acquire(l, site);
	t = __atomic_fetch_add(&l->next, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t) {
		waited = true;
		if (wait)
			wait(arg);
		cpu_relax();
	}
	return waited;
}

/* Only if no one holds or waits for it: then the next ticket is ours. */
static bool try_take(struct spinlock *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_ACQUIRE), next = owner;

	return __atomic_compare_exchange_n(&l->next, &next, owner + 1, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

bool spin_trylock_raw(struct spinlock *l)
{
	return try_take(l);
}

/* Serve the next ticket: only the holder writes owner. */
void _spin_unlock(struct spinlock *l, const char *site)
{
	debug_release(l, site);
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/* Someone besides the holder waits for it. */
bool spin_is_contended(const struct spinlock *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) -
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED) > 1;
}
