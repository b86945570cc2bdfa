/*
 * spinlock.h - the hypervisor's one lock type: a ticket lock, with a
 * lock-debugging build (make hv LOCKDEBUG=1) that checks the order locks
 * are taken in and the interrupt state (core/lockcheck.c).
 *
 * Two kinds, one chosen for every lock at boot (spin_choose_kind):
 *
 * - A ticket lock, as Xen's and Linux's were: a CPU takes the next ticket
 *   and waits until the lock serves it, so CPUs get the lock in the order
 *   they asked and one that asks often cannot starve one that asks rarely.
 *   Right on real CPUs, which run until they release.
 * - A test-and-set lock: whoever finds it free first takes it. Right when
 *   pvisor's CPUs are themselves virtual (QEMU's threads, another
 *   hypervisor's vCPUs), which the host deschedules at any moment: with
 *   tickets, the CPU whose turn it is may be descheduled, and then nobody
 *   holds the lock and everyone waits for that one thread, again at every
 *   turn (a convoy). Measured under QEMU TCG on a loaded 2-core host: the
 *   fuzz test on 2 CPUs made about 130 lock hand-overs a second with
 *   tickets and never finished; with test-and-set it passed in 43 s.
 *   Linux makes the same choice for the same reason (virt_spin_lock: a
 *   guest without paravirtual spinlocks uses test-and-set). A count of
 *   waiters says whether it is contended. It is not fair: a CPU that
 *   releases it and asks again at once (a guest making hypercall after
 *   hypercall) finds it free before a waiter's next look, every time.
 *   The hypervisor lock's release makes up for that (core/hvlock.c,
 *   hv_leave: a CPU leaving with someone waiting lets them in first).
 *
 * The default is test-and-set when CPUID says a hypervisor is underneath
 * (leaf 1, ECX bit 31; QEMU TCG sets it), tickets otherwise; `lock=ticket`
 * or `lock=tas` on the command line chooses (docs/boot.md).
 *
 * Every lock has a level (below) and a name; in a LOCKDEBUG build each
 * CPU keeps the locks it holds with the call site of each, and a lock
 * taken out of order, with interrupts on, held across a return to a guest
 * or into a halt, or released without being held, is a panic naming both
 * locks and both call sites. docs/smp.md ("Locking") says what each lock
 * protects.
 */
#ifndef HV_CORE_SPINLOCK_H
#define HV_CORE_SPINLOCK_H

#include "hv.h"
#include "core/lockcheck.h"

/*
 * The order: a CPU takes locks in increasing level only. The gaps are
 * for the finer locks docs/smp.md plans, between the two.
 */
enum lock_level {
	LOCK_LEVEL_HV = 10,		/* core/hvlock.c: the hypervisor lock */
	LOCK_LEVEL_UART = 80,		/* core/console.c: the UART's sender */
	LOCK_LEVEL_CONSOLE = 90,	/* core/console.c: innermost */
};

struct spinlock {
	u32 next;		/* ticket: the next ticket to hand out */
	u32 owner;		/* ticket: the ticket being served: the holder's */
	u32 held;		/* test-and-set: 1 while held */
	u32 waiters;		/* test-and-set: CPUs spinning for it */
#ifdef LOCKDEBUG
	struct lock_class class;
#endif
};

#ifdef LOCKDEBUG
#define SPINLOCK_INIT(name_, level_, flags_) \
	{ .class = { .name = (name_), .level = (level_), .flags = (flags_) } }
#define LOCK_STR_(x)	#x
#define LOCK_STR(x)	LOCK_STR_(x)
#define LOCK_SITE	__FILE__ ":" LOCK_STR(__LINE__)
#else
#define SPINLOCK_INIT(name_, level_, flags_)	{ 0 }
#define LOCK_SITE	NULL
#endif

/*
 * The calls, each with its call site for the debug build's messages.
 * _spin_lock's wait(arg), if not NULL, runs on every turn of the spin
 * loop (the hypervisor lock answers TLB syncs there, passing on its own
 * caller's site); it returns whether it waited.
 */
#define spin_lock(l)			_spin_lock((l), NULL, NULL, LOCK_SITE)
#define spin_trylock(l)			_spin_trylock((l), LOCK_SITE)
#define spin_unlock(l)			_spin_unlock((l), LOCK_SITE)

bool _spin_lock(struct spinlock *l, void (*wait)(void *), void *arg, const char *site);
void _spin_unlock(struct spinlock *l, const char *site);
bool spin_is_contended(const struct spinlock *l);
bool spin_handover_pending(const struct spinlock *l);
/* Take it only if it is free; checked like spin_lock when it is taken. */
bool _spin_trylock(struct spinlock *l, const char *site);

enum spin_kind { SPIN_TICKET, SPIN_TAS };
extern enum spin_kind spin_kind;
/*
 * At boot, on the boot CPU, before any lock is held (x86/smp.c): the kind
 * every lock is, from the command line's lock= (SPIN_TICKET, SPIN_TAS, or
 * -1 for the default: test-and-set under a hypervisor).
 */
void spin_choose_kind(int asked);
const char *spin_kind_name(void);

/*
 * For panic() only (core/console.c): try to take the lock without the
 * checker (it may be the checker that panicked, with the lock held).
 */
bool spin_trylock_raw(struct spinlock *l);

/*
 * The debug build's checks that this CPU holds no lock (where: "a return
 * to a guest", "a halt"), and that it holds l, with interrupts off if l
 * is irq-off (a nested entry finding the lock its CPU took); nothing in
 * a normal build.
 */
#define lock_check_none_held(where)	_lock_check_none_held((where), LOCK_SITE)
void _lock_check_none_held(const char *where, const char *site);
void lock_check_still_held(const struct spinlock *l, const char *site);

#endif /* HV_CORE_SPINLOCK_H */
