/*
 * sched.c - round robin over the vCPUs, and the switch from one to another.
 *
 * Runs in: hypervisor, interrupts off, one physical CPU: every vCPU of
 * every domain takes its turn on it.
 * Trusts: nothing in sched_op's arguments: a shutdown reason is checked
 * against Xen's list, a poll's port list is bounded (128) and every port
 * checked against the domain's table, timeouts judged by core/stime.c.
 *
 * The live registers of the running vCPU are the frame at the top of the
 * hypervisor stack (every entry from a guest builds one there, see
 * regs.h). Switching vCPUs is therefore: copy that frame into the old
 * vCPU, copy the new vCPU's saved registers into it, and switch the
 * state the frame does not hold: CR3, GDTR and LDTR, the FS/GS bases, the
 * FPU and the debug registers.
 * Scheduling points are every return to a guest after SCHEDOP_yield,
 * SCHEDOP_block/poll, the end of a domain, or the end of a 10 ms time
 * slice (the APIC timer). With nothing runnable the CPU halts until an
 * interrupt makes something runnable.
 */
#include "hv.h"
#include "core/console.h"
#include "layout.h"
#include "core/cmdline.h"
#include "core/domain.h"
#include "core/sched.h"
#include "core/hvlock.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "x86/fpu.h"
#include "x86/power.h"
#include "x86/segments.h"
#include "pv/bounce.h"
#include "pv/descriptor_tables.h"
#include "pv/mode.h"
#include "pv/traps.h"		/* the guest's debug registers */
#include "core/evtchn.h"
#include "core/stime.h"
#include "core/time.h"
#include "mm/pgtype.h"
#include "mm/pv_mm.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "pvabi/errno.h"
#include "pvabi/sched.h"

/*
 * The run queue: every vCPU of a running domain, in the order they were
 * added, as a circular doubly linked list through the vCPUs themselves
 * (no table, no limit). A dead domain's vCPUs leave it (sched_remove).
 * pick_next starts at the current vCPU's successor, so finding where the
 * round robin stands costs nothing; it then skips blocked vCPUs, which is
 * what a blocked-free queue would save. That walk stays: it keeps the
 * order of the rounds exactly what it was (a woken vCPU keeps its place),
 * and it is a few loads per vCPU against a context switch's CR3 write
 * (docs/architecture.md gives the measure with 100 domains).
 */
static struct vcpu *runq;	/* the first added, NULL if none */
static int nr_runq;

void sched_add(struct vcpu *v)
{
	fpu_reset(v->fpu);
	if (!runq) {
		v->rq_next = v->rq_prev = v;
		runq = v;
	} else {
		v->rq_next = runq;
		v->rq_prev = runq->rq_prev;
		runq->rq_prev->rq_next = v;
		runq->rq_prev = v;
	}
	v->on_runq = true;
	nr_runq++;
}

/*
 * v's domain died: v leaves the queue. Its own rq_next stays, so that a
 * dead current vCPU still says where the round robin goes on.
 */
void sched_remove(struct vcpu *v)
{
	if (!v->on_runq)
		return;
	v->on_runq = false;
	nr_runq--;
	if (nr_runq == 0) {
		runq = NULL;
		return;
	}
	v->rq_prev->rq_next = v->rq_next;
	v->rq_next->rq_prev = v->rq_prev;
	if (runq == v)
		runq = v->rq_next;
}

/* This CPU picks again at its next return to a guest. */
void sched_need_resched(void)
{
	this_cpu()->need_resched = true;
}

/* Will the next return to a guest pick the vCPU to run again? */
bool sched_resched_pending(void)
{
	return this_cpu()->need_resched;
}

/*
 * May this CPU run v now? It must be runnable and not running on another
 * CPU. Any CPU will do for a compat-mode vCPU, and for a fast-mode one
 * unless fastsmp=off keeps those on the boot CPU: each CPU has its own
 * switcher slice (pv/switcher.c).
 */
static bool can_run_here(const struct vcpu *v, const struct pcpu *c)
{
	if (!v->runnable || (v->running && v != c->curr))
		return false;
	return c->id == 0 || hv_opts.fastsmp || v->domain->mode->id != PV_MODE_FAST;
}

/* The next vCPU this CPU may run after its current one, round robin; NULL if none. */
static struct vcpu *pick_next(void)
{
	struct pcpu *c = this_cpu();
	struct vcpu *v;

	if (!nr_runq)
		return NULL;
	v = current ? current->rq_next : runq;
	if (!v->on_runq)	/* current died after its successor did */
		v = runq;
	for (int n = 0; n < nr_runq; n++, v = v->rq_next) {
		if (can_run_here(v, c))
			return v;
	}
	return NULL;
}

/*
 * v became runnable: an idle CPU that may run it, if there is one, comes
 * to look at the run queue (not one that may not: a kick costs it a trip
 * through the hypervisor lock for nothing).
 */
static void wake_idle_cpu(const struct vcpu *v)
{
	struct pcpu *me = this_cpu();

	/*
	 * This CPU idles (its timer or a kick woke it, and it holds the
	 * lock): its idle loop picks the first vCPU woken, so another CPU
	 * woken for that one would only queue for the lock and find it
	 * taken. A second one woken meanwhile does need another CPU.
	 */
	if (!current && !me->idle_wake_claimed && can_run_here(v, me)) {
		me->idle_wake_claimed = true;
		return;
	}
	for (int i = 0; i < nr_cpus_found; i++) {
		struct pcpu *c = pcpus[i];

		if (c && c != me && c->state == PCPU_ONLINE &&
		    c->where == PCPU_IDLE && can_run_here(v, c)) {
			hv_kick(c);
			return;
		}
	}
}

/* The guest's GS bases: the active one is in GS_BASE, the other is swapped. */
static void save_segment_bases(struct vcpu *v)
{
	u64 active = rdmsr(MSR_GS_BASE), shadow = rdmsr(MSR_KERNEL_GS_BASE);

	v->fs_base = rdmsr(MSR_FS_BASE);
	v->gs_base_kernel = pv_in_kernel(v) ? active : shadow;
	v->gs_base_user = pv_in_kernel(v) ? shadow : active;
}

static void load_segment_bases(const struct vcpu *v)
{
	bool kernel = pv_in_kernel(v);

	wrmsr(MSR_FS_BASE, v->fs_base);
	wrmsr(MSR_GS_BASE, kernel ? v->gs_base_kernel : v->gs_base_user);
	wrmsr(MSR_KERNEL_GS_BASE, kernel ? v->gs_base_user : v->gs_base_kernel);
}

static void save_selectors(struct vcpu *v)
{
	asm volatile("movw %%ds, %0" : "=m"(v->sel_ds));
	asm volatile("movw %%es, %0" : "=m"(v->sel_es));
	asm volatile("movw %%fs, %0" : "=m"(v->sel_fs));
	asm volatile("movw %%gs, %0" : "=m"(v->sel_gs));
}

/* Selectors first: loading FS or GS also loads a base, which the MSRs then fix. */
static void load_selectors(const struct vcpu *v)
{
	load_ds(v->sel_ds);
	load_es(v->sel_es);
	load_fs(v->sel_fs);
	load_gs(v->sel_gs);
}

/* The runstate of a vCPU that is not running: down, waiting or ready. */
static int idle_state(const struct vcpu *v)
{
	if (v->down)
		return RUNSTATE_offline;
	return v->runnable ? RUNSTATE_runnable : RUNSTATE_blocked;
}

/*
 * The first half of a context switch: prev's state goes from the CPU and
 * the frame into its struct vcpu, after which any CPU may run it (prev
 * stops "running"). A dead domain's vCPU has nothing worth keeping.
 */
static void switch_out(struct cpu_regs *frame, struct vcpu *prev)
{
	clts();		/* fxsave/fxrstor must not raise #NM here */
	pv_debugregs_switch_from(prev);	/* dead or alive, its breakpoints stop here */
	if (prev->domain->state == DOM_RUNNING) {
		prev->regs = *frame;
		save_selectors(prev);
		save_segment_bases(prev);
		fpu_save(prev->fpu);		/* x86/fpu.c */
		/*
		 * Now, while prev's page tables are still loaded: its runstate
		 * area is a guest virtual address of prev's, and written after
		 * the CR3 switch it would land in next's memory.
		 */
		runstate_change(prev, idle_state(prev));
	}
	prev->running = false;
	current = NULL;
}

/* The second half: next's state into the CPU and the frame. */
static void switch_in(struct cpu_regs *frame, struct vcpu *next)
{
	clts();
	*frame = next->regs;
	/* From here on a fault on an LDT page is next's (pv/traps.c). */
	current = next;
	next->running = true;
	next->processor = this_cpu()->id;
	pv_mode_switch_to(next);	/* pv/mode.c: its mode's entry points */
	write_cr3(pv_mode(next)->active_l4(next) << PAGE_SHIFT);	/* pv/mode.h */
	this_cpu()->idle_cr3 = false;
	mm_local_flush_done();	/* mm/mm_hv.c: that CR3 write flushed this CPU's TLB */
	pv_l4_loaded(next);	/* fast mode: the guest's view of it (pv/mode.h) */
	pv_load_gdt(next);	/* pv/descriptor_tables.c: before its selectors load */
	pv_load_ldt(next);
	load_selectors(next);
	load_segment_bases(next);
	fpu_restore(next->fpu);
	if (next->vcr0_ts)
		write_cr0(read_cr0() | X86_CR0_TS);
	pv_debugregs_switch_to(next);	/* pv/callbacks.c: only if it armed any */
	next->domain->stats.switches++;
	runstate_change(next, RUNSTATE_running);
	time_update_vcpu(next);
}

/*
 * Nothing to run: halt until an interrupt, without the hypervisor lock
 * (core/hvlock.c). The timer interrupt, or another CPU's kick, runs in
 * this frame (ring 0 to ring 0, same stack) and may wake a vCPU.
 */
static void idle(void)
{
	timers_reprogram();
	hv_idle_halt();
}

/* An event arrived for v: if it was blocked waiting, it can run again. */
void vcpu_kick(struct vcpu *v)
{
	if (v->blocked && v->domain->state == DOM_RUNNING) {
		v->blocked = false;
		v->polling = false;
		v->runnable = !v->down;	/* a vCPU that is down waits for VCPUOP_up */
		time_vcpu_changed(v);	/* a poll timeout it no longer waits for */
		/*
		 * Waiting for a CPU from now on, as Xen counts it: Linux takes
		 * runnable time for steal time, the time it wanted a CPU and
		 * had none. (Still on its CPU, it blocked a moment ago and its
		 * switch-out will say so.)
		 */
		if (!v->running)
			runstate_change(v, idle_state(v));	/* runnable, or offline */
		if (v->runnable)
			wake_idle_cpu(v);
	}
	/* Running elsewhere: that CPU comes in and delivers the event now. */
	if (v->running && v->processor != this_cpu()->id)
		hv_kick(pcpus[v->processor]);
}

/*
 * VCPUOP_up (core/vcpu_op.c): an initialised vCPU that is down may run
 * again, unless it still waits for an event.
 */
void sched_vcpu_up(struct vcpu *v)
{
	if (!v->down)
		return;
	v->down = false;
	v->runnable = !v->blocked;
	runstate_change(v, idle_state(v));
	if (v->runnable)
		wake_idle_cpu(v);
}

/*
 * VCPUOP_down: v stops where it is (its registers are kept) until
 * VCPUOP_up. A vCPU that downs itself stops at its return to the guest.
 */
void sched_vcpu_down(struct vcpu *v)
{
	v->down = true;
	v->runnable = false;
	if (v == current) {
		sched_need_resched();
		return;
	}
	if (v->running)		/* on another CPU: it stops at its next entry */
		hv_kick(pcpus[v->processor]);
	else
		runstate_change(v, RUNSTATE_offline);
}

static bool events_deliverable(const struct vcpu *v)
{
	return v->vcpu_info->evtchn_upcall_pending && !v->vcpu_info->evtchn_upcall_mask;
}

/*H:750 Waiting for an event
 * A PV guest's idle loop is SCHEDOP_block, its "sti; hlt": unmask events
 * and sleep until one is deliverable. Unmasking and sleeping are one
 * hypercall, so an event that arrived just before cannot be lost: it is
 * checked here, and the vCPU stays runnable. A blocked vCPU is woken by
 * vcpu_kick() when an event is raised for it.
 */
static long block(struct vcpu *v)
{
	v->vcpu_info->evtchn_upcall_mask = 0;
	v->blocked = true;
	v->runnable = false;
	/* An event that arrived before we blocked must not be lost. */
	if (events_deliverable(v))
		vcpu_kick(v);
	sched_need_resched();
	return 0;
}

/*
 * SCHEDOP_poll: sleep until one of the listed ports is pending (masked or
 * not), an unmasked event is deliverable, or the timeout (absolute system
 * time, 0 = none) passes. Events stay masked as they were. A timeout that
 * is due already (core/stime.c: before now, or past 2^63 - 1, which Xen's
 * timer runs at once) returns at once.
 */
static long poll(struct vcpu *v, u64 arg)
{
	struct domain *d = v->domain;
	struct sched_poll sp;
	u32 ports[128];

	if (copy_from_guest(&sp, arg, sizeof(sp)))
		return -XEN_EFAULT;
	if (sp.nr_ports > ARRAY_SIZE(ports))
		return -XEN_EINVAL;
	if (copy_from_guest(ports, sp.ports, sp.nr_ports * sizeof(u32)))
		return -XEN_EFAULT;
	for (u32 i = 0; i < sp.nr_ports; i++) {
		if (ports[i] >= EVTCHN_PORTS)
			return -XEN_EINVAL;
		if (evtchn_2l_is_pending(d, ports[i]))
			return 0;
	}
	if (events_deliverable(v) || (sp.timeout && stime_due(sp.timeout, NOW())))
		return 0;
	v->blocked = true;
	v->polling = true;
	v->poll_port = sp.nr_ports == 1 ? (int)ports[0] : -1;
	v->poll_deadline = sp.timeout;
	time_vcpu_changed(v);
	v->runnable = false;
	sched_need_resched();
	return 0;
}

/* No guest left: say how each ended, and end the run. */
static void __noreturn all_done(void)
{
	bool clean = domains_all_clean();

	printk("all domains have ended: %s\n",
	       clean ? "every domain powered off" : "not every domain powered off");
	hv_exit(clean);
}

/*H:850 Choosing who runs
 * On every return to a guest (pv/exit.c), with the guest's frame: switch
 * vCPU if the current one cannot run, asked to yield, or its time slice
 * ended (the timer interrupt said so). The choice is round robin. The
 * running vCPU's registers are the frame at the top of the stack, so a
 * context switch copies that frame out and another one in, and switches
 * what the frame does not hold: CR3, the segment bases, the FPU, the GDT
 * and LDT. With nothing to run, the CPU halts until the timer wakes
 * someone.
 */
void schedule(struct cpu_regs *frame)
{
	struct pcpu *c = this_cpu();
	struct vcpu *next;

	if (current && current->runnable && !c->need_resched)
		return;
	c->need_resched = false;
	/*
	 * A vCPU that blocks is blocked from now, even if nothing else runs
	 * meanwhile and it is the next one picked (no switch).
	 */
	if (current && !current->runnable && current->domain->state == DOM_RUNNING)
		runstate_change(current, idle_state(current));
	while (!(next = pick_next())) {
		/*
		 * Its state goes to its struct first: woken while this CPU
		 * halts, another CPU may run it.
		 */
		if (current)
			switch_out(frame, current);
		if (domains_alive() == 0)
			all_done();
		c->idle_wake_claimed = false;
		idle();
	}
	if (next != current) {
		struct vcpu *prev = current;

		if (prev)
			switch_out(frame, prev);
		/*
		 * Preempted, prev still wants a CPU: an idle one that may run
		 * it comes to take it, instead of it waiting here for its turn
		 * (a fast-mode vCPU that needs the boot CPU would otherwise
		 * keep a compat one off the idle AP: cpu_hogs-mixed@smp2).
		 */
		if (prev && prev->runnable)
			wake_idle_cpu(prev);
		switch_in(frame, next);
	} else if (current->runstate.state != RUNSTATE_running) {
		runstate_change(current, RUNSTATE_running);
	}
	current->slice_end = stime_add(NOW(), TIME_SLICE_NS);
	timers_reprogram();
}

/*
 * Leave the boot path for good and run the first vCPU, on every CPU: the
 * boot CPU once the domains are built (it holds the hypervisor lock from
 * boot on, core/hvlock.c), each other CPU as soon as it is online (it
 * waits for the lock until then). The way out to a guest drops the lock.
 */
void sched_start(void)
{
	extern void enter_guest(u64 stack_top) __noreturn;	/* entry.S */
	struct pcpu *c = this_cpu();

	console_defer_start();	/* core/console.c: output waits for the way out */
	hv_enter();
	current = NULL;
	c->need_resched = true;
	enter_guest(c->stack_top);
}

/*
 * do_sched_op - the guest asks about its own scheduling.
 *   SCHEDOP_yield:         give the CPU to another vCPU. Returns 0.
 *   SCHEDOP_shutdown:      IN struct sched_shutdown {reason}: end the domain
 *                          (SHUTDOWN_poweroff, reboot, suspend, crash,
 *                          watchdog, soft_reset). Does not return to the
 *                          caller; -EINVAL for an unknown reason, -EFAULT.
 *   SCHEDOP_shutdown_code: IN struct sched_shutdown: latch a reason that a
 *                          later shutdown reports instead of its own (Xen).
 *                          Returns 0.
 *   SCHEDOP_block:         unmask events and wait for one. Returns 0.
 *   SCHEDOP_poll:          IN struct sched_poll {ports, nr_ports,
 *                          timeout}, nr_ports <= 128: wait for a listed
 *                          port or the timeout.
 *                          Returns 0 whatever woke it; -EINVAL, -EFAULT.
 * Other commands answer -ENOSYS.
 */
long do_sched_op(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5)
{
	struct domain *d = current->domain;
	struct sched_shutdown sd;

	(void)a3, (void)a4, (void)a5;
	switch (cmd) {
	case SCHEDOP_yield:
		sched_need_resched();
		return 0;
	case SCHEDOP_block:
		return block(current);
	case SCHEDOP_poll:
		return poll(current, arg);
	case SCHEDOP_shutdown:
	case SCHEDOP_shutdown_code:
		if (copy_from_guest(&sd, arg, sizeof(sd)))
			return -XEN_EFAULT;
		if (sd.reason > SHUTDOWN_MAX)
			return -XEN_EINVAL;
		if (cmd == SCHEDOP_shutdown_code) {
			d->shutdown_code = sd.reason;
			return 0;
		}
		domain_shutdown(d, (int)sd.reason);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
