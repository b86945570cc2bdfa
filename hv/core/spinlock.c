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

/* Tickets until spin_choose_kind runs: the boot CPU alone takes locks then. */
enum spin_kind spin_kind = SPIN_TICKET;

void spin_choose_kind(int asked)
{
	u32 a, b, c, d;

	if (asked == SPIN_TICKET || asked == SPIN_TAS) {
		spin_kind = asked;
		return;
	}
	cpuid(1, 0, &a, &b, &c, &d);
	spin_kind = (c & (1u << 31)) ? SPIN_TAS : SPIN_TICKET;
}

const char *spin_kind_name(void)
{
	return spin_kind == SPIN_TAS ? "test-and-set" : "ticket";
}

/* Test-and-set: spin reading (no bus writes) until it looks free, then try. */
static bool tas_lock(struct spinlock *l, void (*wait)(void *), void *arg)
{
	if (!__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
		return false;
	__atomic_fetch_add(&l->waiters, 1, __ATOMIC_RELAXED);
	do {
		while (__atomic_load_n(&l->held, __ATOMIC_RELAXED)) {
			if (wait)
				wait(arg);
			cpu_relax();
		}
	} while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE));
	__atomic_fetch_sub(&l->waiters, 1, __ATOMIC_RELAXED);
	return true;
}

/*
 * Take the lock: the next ticket and wait for it, or test-and-set. The
 * check comes first: a wrong acquisition is reported before it can
 * deadlock. True if it had to wait.
 */
bool _spin_lock(struct spinlock *l, void (*wait)(void *), void *arg, const char *site)
{
	u32 t;
	bool waited = false;

	debug_acquire(l, site);
	if (spin_kind == SPIN_TAS)
		return tas_lock(l, wait, arg);
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
	u32 free = 0;

	if (spin_kind == SPIN_TAS)
		return __atomic_compare_exchange_n(&l->held, &free, 1, false,
						   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
	return try_take(l);
}

bool _spin_trylock(struct spinlock *l, const char *site)
{
	if (!spin_trylock_raw(l))
		return false;
	debug_acquire(l, site);
	return true;
}

/* Serve the next ticket: only the holder writes owner. */
void _spin_unlock(struct spinlock *l, const char *site)
{
	debug_release(l, site);
	if (spin_kind == SPIN_TAS)
		__atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/*
 * Test-and-set only: just after this CPU's unlock, a CPU spins for the
 * lock and nobody has it yet. Its holder-to-be wins as soon as its next
 * read sees the lock free (core/hvlock.c waits for that).
 */
bool spin_handover_pending(const struct spinlock *l)
{
	return spin_kind == SPIN_TAS &&
	       __atomic_load_n(&l->waiters, __ATOMIC_RELAXED) != 0 &&
	       !__atomic_load_n(&l->held, __ATOMIC_RELAXED);
}

/* Someone besides the holder waits for it. */
bool spin_is_contended(const struct spinlock *l)
{
	if (spin_kind == SPIN_TAS)
		return __atomic_load_n(&l->waiters, __ATOMIC_RELAXED) != 0;
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) -
	       __atomic_load_n(&l->owner, __ATOMIC_RELAXED) > 1;
}
