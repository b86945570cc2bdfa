/*
 * lockcheck.h - the lock-debugging checker's rules (core/lockcheck.c):
 * the order locks are taken in, the interrupt state they are taken with,
 * and that none is left held where no lock may be.
 */
#ifndef HV_CORE_LOCKCHECK_H
#define HV_CORE_LOCKCHECK_H

#include "hv.h"

/*
 * A lock's place in the order, its name and its interrupt rule: what the
 * checker knows of it. A CPU takes locks in increasing level only, so a
 * lock of level N may be taken while holding only locks below N. The
 * levels of the locks that exist are in core/spinlock.h; docs/smp.md
 * has the table.
 */
struct lock_class {
	const char *name;
	u8 level;
	u8 flags;		/* LOCK_IRQ_OFF */
};

#define LOCK_IRQ_OFF	0x01	/* taken with interrupts off, always */

/*
 * The most locks one CPU holds at once: two exist (core/spinlock.h), and
 * the state lives in struct pcpu's 256 bytes (x86/percpu.h).
 */
#define LOCKCHECK_DEPTH	4

/* One CPU's held locks, in the order taken, with where each was taken. */
struct lockcheck_cpu {
	u32 depth;
	struct {
		const struct lock_class *lock;
		const char *site;	/* "file.c:123" */
	} held[LOCKCHECK_DEPTH];
};

enum lockcheck_verdict {
	LOCKCHECK_OK = 0,
	LOCKCHECK_ORDER,	/* a lock of a level <= one held (or the same lock) */
	LOCKCHECK_IRQ,		/* an irq-off lock taken with interrupts on */
	LOCKCHECK_TOO_DEEP,	/* more than LOCKCHECK_DEPTH held */
	LOCKCHECK_NOT_HELD,	/* released by a CPU that does not hold it */
	LOCKCHECK_STILL_HELD,	/* a lock held where none may be */
};

/*
 * Each returns LOCKCHECK_OK, or another verdict with a message naming the
 * locks and the call sites in msg (size bytes, always terminated). The
 * state changes only on LOCKCHECK_OK: the caller panics otherwise.
 */
int lockcheck_acquire(struct lockcheck_cpu *c, const struct lock_class *l,
		      const char *site, bool irqs_on, char *msg, size_t size);
int lockcheck_release(struct lockcheck_cpu *c, const struct lock_class *l,
		      const char *site, char *msg, size_t size);
int lockcheck_still_held(const struct lockcheck_cpu *c, const struct lock_class *l,
			 const char *site, bool irqs_on, char *msg, size_t size);
int lockcheck_none_held(const struct lockcheck_cpu *c, const char *where,
			const char *site, char *msg, size_t size);

#endif /* HV_CORE_LOCKCHECK_H */
