/*
 * hvlock.c - the hypervisor lock, and how a CPU that holds it makes every
 * other CPU drop what its TLB knows of guest page tables.
 *
 * Runs in: hypervisor, any CPU, interrupts off.
 *
 * Guests run on every CPU at once; the hypervisor proper runs on one at a
 * time. Every entry from a guest takes the one hypervisor lock before it
 * touches anything shared (trap_entry, the SYSCALL and SYSENTER entries'
 * C halves) and the way back to a guest drops it as its last act
 * (pv/exit.c), so all of the hypervisor's code keeps the single-CPU
 * reasoning it was written with: page types and counts, event channels,
 * the run queue, the timers. The cost is that two CPUs entering at once
 * wait for each other (counted: `stats`, lock_spins); what is per CPU
 * (the current vCPU, its time slice, its timer) lives in struct pcpu.
 * docs/smp.md says what finer locks would replace it, in what order.
 *
 * The lock is a ticket lock on real CPUs (core/spinlock.h): CPUs get it
 * in the order they asked, so a CPU that enters often cannot starve one
 * that enters rarely. Under another hypervisor (QEMU) it is a
 * test-and-set lock, and the release (hv_leave) gives the same guarantee
 * by waiting until a waiter has it. It is the outermost lock (LOCK_LEVEL_HV): the console's is the
 * only other, taken inside it. A LOCKDEBUG build checks at every return
 * to a guest and every halt that this CPU holds no lock at all.
 *
 * The TLB. A CPU caches translations of the page tables it ran on, and a
 * hypervisor that changes a frame's type (a page table becoming writable
 * memory again, a frame given back and reused) must know that no CPU can
 * still write it through an old translation (docs/isolation.md). With one
 * CPU a local flush was enough. Now the holder of the lock calls
 * hv_sync_others() for those flushes, and it returns once every other CPU
 * is somewhere with no guest translations:
 *  - a CPU in a guest (where == PCPU_IN_GUEST) is kicked (an IPI); it
 *    enters the hypervisor, finds the lock taken, and while it waits it
 *    loads the hypervisor's own L4 (a full flush of guest entries: they
 *    are never global) and says so by clearing sync_req;
 *  - a CPU already waiting for the lock does the same without a kick;
 *  - an idle CPU halts on the hypervisor's own L4 already: nothing to do.
 * A CPU that got the lock after such a flush loads its vCPU's L4 again,
 * if that vCPU's domain still runs. Every CPU marks itself in a guest
 * before it drops the lock, so the holder never misses one that is on its
 * way back to a guest. The holder never waits for a CPU that waits for
 * it: a waiting CPU answers from its spin loop, interrupts off.
 */
#include "hv.h"
#include "layout.h"
#include "core/console.h"
#include "core/domain.h"
#include "core/hvlock.h"
#include "core/spinlock.h"
#include "core/time.h"
#include "mm/paging.h"
#include "pv/mode.h"
#include "x86/apic.h"
#include "x86/cpu.h"
#include "x86/percpu.h"

static struct spinlock hv_lock = SPINLOCK_INIT("hv_lock", LOCK_LEVEL_HV, LOCK_IRQ_OFF);

/* This CPU's CR3 is the hypervisor's own L4: no guest translation is left. */
void hv_load_idle_cr3(void)
{
	write_cr3(__pa(hv_l4()));
	this_cpu()->idle_cr3 = true;
}

static void answer_sync(void *cpu)
{
	struct pcpu *c = cpu;

	if (!c->sync_req)
		return;
	if (!c->idle_cr3)
		hv_load_idle_cr3();
	asm volatile("" ::: "memory");
	c->sync_req = 0;
}

/*
 * Enter the hypervisor proper: take the lock (no-op if this CPU holds it:
 * an exception inside the hypervisor, an interrupt in the idle loop
 * after it took it). Then, if a sync took this CPU's guest L4 away while
 * it waited, its vCPU's comes back. False if this CPU's vCPU belongs to a
 * domain that ended meanwhile (another CPU crashed or shut it down): the
 * caller does nothing for it, and the way out picks another vCPU.
 */
bool _hv_enter(const char *site)
{
	struct pcpu *c = this_cpu();
	u64 t0;

	if (c->holds_hv_lock) {
		lock_check_still_held(&hv_lock, site);	/* LOCKDEBUG: and IF=0 */
		return !c->curr || c->curr->domain->state == DOM_RUNNING;
	}
	c->where = PCPU_IN_HV;
	t0 = NOW();	/* stats: the time spun, when it spins (a TSC read) */
	if (_spin_lock(&hv_lock, answer_sync, c, site)) {
		c->lock_spins++;
		c->lock_wait_ns += NOW() - t0;
	}
	c->holds_hv_lock = true;
	answer_sync(c);		/* asked just before it got the lock: harmless */
	if (!c->curr)
		return true;
	if (c->curr->domain->state != DOM_RUNNING)
		return false;
	if (c->idle_cr3) {
		write_cr3(pv_mode(c->curr)->active_l4(c->curr) << PAGE_SHIFT);
		c->idle_cr3 = false;
	}
	return true;
}

/*
 * Does another CPU wait for the lock? A long hypercall asks between two
 * pieces (core/hypercall.c) and makes itself a continuation if so: with
 * one lock, its length is everyone's wait.
 */
bool hv_lock_contended(void)
{
	return spin_is_contended(&hv_lock);
}

static void release(struct pcpu *c, enum pcpu_where where)
{
	c->where = where;	/* before the release: the next holder sees it */
	c->holds_hv_lock = false;
	spin_unlock(&hv_lock);
}

/*
 * How long a CPU leaving the hypervisor waits for a waiter to take the
 * lock (below). A waiter whose CPU runs takes it within a few of its spin
 * loop's turns, well under a microsecond even under TCG; one whose host
 * thread is descheduled may take milliseconds, and waiting for it would
 * be the tickets' convoy again (core/spinlock.h), so the wait is cut off.
 */
#define HANDOVER_MAX_NS	20000

/*
 * The way back to a guest, last of all (pv/exit.c): no lock may go with
 * it (checked in a LOCKDEBUG build), or the guest would hold it.
 *
 * With the test-and-set lock, a CPU that finds another waiting waits,
 * after its release, until that one has the lock (or HANDOVER_MAX_NS).
 * Without this a guest that makes hypercalls back to back, or a long one
 * that gives way between pieces because someone waits (a continuation,
 * core/hypercall.c), is back for the lock within nanoseconds of its
 * release and finds it free before the waiter's next look: measured on
 * 2 CPUs, a victim beside a console-flooding neighbour got 0 to 2% of
 * its throughput (tests/guests/avail, avail-console@smp2), 10% with this
 * wait (the rest was the UART under the lock: core/console.c). The wait is
 * here, not in the continuation, because every back-to-back caller does
 * the same. Interrupts are off and nothing shared is touched while it
 * waits: a new holder's TLB sync (hv_sync_others) kicks this CPU, which
 * answers as soon as it is back in its guest.
 */
static void hand_over(void)
{
	u64 until;

	if (!spin_handover_pending(&hv_lock))
		return;
	until = NOW() + HANDOVER_MAX_NS;
	while (spin_handover_pending(&hv_lock) && NOW() < until)
		cpu_relax();
}

void hv_leave(void)
{
	struct pcpu *c = this_cpu();

	release(c, PCPU_IN_GUEST);
	lock_check_none_held("a return to a guest");
	hand_over();
	console_drain_owed(c);	/* its guest's output, on its own time */
	lock_check_none_held("a return to a guest");
}

/*
 * Nothing to run on this CPU (core/sched.c): halt until an interrupt,
 * without the lock and on the hypervisor's L4, then take the lock again
 * (an interrupt during the halt may have taken it already: its handler,
 * a timer or a kick, ran with it).
 */
void hv_idle_halt(void)
{
	struct pcpu *c = this_cpu();

	if (!c->idle_cr3)
		hv_load_idle_cr3();
	release(c, PCPU_IDLE);
	console_flush();	/* what its guests printed, before it sleeps */
	lock_check_none_held("a halt");
	asm volatile("sti; hlt; cli" ::: "memory");
	hv_enter();	/* no vCPU: always true */
}

/*
 * The holder of the lock: every other CPU drops its guest translations
 * before this returns (the file comment says how). With one CPU online,
 * nothing to do.
 */
void hv_sync_others(void)
{
	struct pcpu *me = this_cpu();

	BUG_ON(!me->holds_hv_lock);
	for (int i = 0; i < nr_cpus_found; i++) {
		struct pcpu *c = pcpus[i];

		if (!c || c == me || c->state != PCPU_ONLINE || c->where == PCPU_IDLE)
			continue;
		c->sync_req = 1;
		asm volatile("" ::: "memory");
		if (c->where == PCPU_IN_GUEST)
			apic_kick(c->apic_id);
	}
	for (int i = 0; i < nr_cpus_found; i++) {
		struct pcpu *c = pcpus[i];

		if (!c || c == me)
			continue;
		while (c->sync_req)
			cpu_relax();
	}
}

/*
 * Make another CPU look at its run queue or its vCPU's events soon: a
 * CPU in a guest or halted is kicked (one waiting for the lock will look
 * anyway).
 */
void hv_kick(struct pcpu *c)
{
	if (c && c != this_cpu() && c->state == PCPU_ONLINE && c->where != PCPU_IN_HV)
		apic_kick(c->apic_id);
}
