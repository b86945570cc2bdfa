/*
 * hypercall.c - the hypercall table: numbers to handlers, in one place;
 * multicall; and how a long hypercall gives the CPU back (continuations).
 *
 * Runs in: hypervisor, on the calling guest's page tables, interrupts off.
 * Trusts: nothing in a multicall list (each entry is copied in once).
 *
 * A guest kernel makes a hypercall with SYSCALL: number in rax, arguments
 * in rdi, rsi, rdx, r10, r8, result in rax (pv/compat_syscall.c:compat_syscall). The
 * numbers are Xen's (pvabi/xen.h). This table is the single source of
 * truth for which exist: a number with no entry, or beyond the table,
 * answers -ENOSYS, as pvabi/README.md lists. Each domain counts its calls
 * by number, so a benchmark can say which hypercalls a workload made.
 *
 * Preemption. A hypercall runs with interrupts off, so one that loops over
 * work a guest names (a batch of requests, a multicall, console output)
 * asks hypercall_preempt_check() between two pieces of work, and when it
 * says yes, stops and makes a continuation (core/continuation.c has the
 * encodings): the guest's syscall is re-executed later with arguments
 * that say what is left. The check is Xen's with one CPU: the APIC
 * timer's deadline has passed (its interrupt is waiting: a time slice
 * ends, a timer is due), this vCPU gave the CPU up (yield, block) in an
 * earlier call of a multicall, or an event is waiting for it. So no
 * hypercall keeps another domain off the CPU for longer than one piece of
 * work after its time is up: docs/isolation.md has the bound and what a
 * piece costs.
 */
#include "hv.h"
#include "core/hvlock.h"
#include "core/cmdline.h"
#include "core/continuation.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "pv/iret.h"
#include "pv/mode.h"
#include "core/sched.h"
#include "core/time.h"
#include "x86/regs.h"
#include "pvabi/xen.h"
#include "pvabi/errno.h"

static const struct {
	hypercall_fn fn;
	const char *name;
} hypercall_table[NR_HYPERCALLS] = {
	[__HYPERVISOR_set_trap_table]	= { do_set_trap_table, "set_trap_table" },
	[__HYPERVISOR_mmu_update]	= { do_mmu_update, "mmu_update" },
	[__HYPERVISOR_set_gdt]		= { do_set_gdt, "set_gdt" },
	[__HYPERVISOR_stack_switch]	= { do_stack_switch, "stack_switch" },
	[__HYPERVISOR_set_callbacks]	= { do_set_callbacks, "set_callbacks" },
	[__HYPERVISOR_fpu_taskswitch]	= { do_fpu_taskswitch, "fpu_taskswitch" },
	[__HYPERVISOR_set_debugreg]	= { do_set_debugreg, "set_debugreg" },
	[__HYPERVISOR_get_debugreg]	= { do_get_debugreg, "get_debugreg" },
	[__HYPERVISOR_update_descriptor] = { do_update_descriptor, "update_descriptor" },
	[__HYPERVISOR_memory_op]	= { do_memory_op, "memory_op" },
	[__HYPERVISOR_multicall]	= { do_multicall, "multicall" },
	[__HYPERVISOR_update_va_mapping] = { do_update_va_mapping, "update_va_mapping" },
	[__HYPERVISOR_set_timer_op]	= { do_set_timer_op, "set_timer_op" },
	[__HYPERVISOR_xen_version]	= { do_xen_version, "xen_version" },
	[__HYPERVISOR_console_io]	= { do_console_io, "console_io" },
	[__HYPERVISOR_grant_table_op]	= { do_grant_table_op, "grant_table_op" },
	[__HYPERVISOR_vm_assist]	= { do_vm_assist, "vm_assist" },
	/* iret rewrites the whole frame: pv_syscall64 calls it directly. */
	[__HYPERVISOR_iret]		= { NULL, "iret" },
	[__HYPERVISOR_vcpu_op]		= { do_vcpu_op, "vcpu_op" },
	[__HYPERVISOR_set_segment_base]	= { do_set_segment_base, "set_segment_base" },
	[__HYPERVISOR_sched_op]		= { do_sched_op, "sched_op" },
	[__HYPERVISOR_mmuext_op]	= { do_mmuext_op, "mmuext_op" },
	[__HYPERVISOR_callback_op]	= { do_callback_op, "callback_op" },
	[__HYPERVISOR_event_channel_op]	= { do_event_channel_op, "event_channel_op" },
	[__HYPERVISOR_physdev_op]	= { do_physdev_op, "physdev_op" },
};

/*
 * The hypercall being run (one CPU: one at a time; with SMP, one per CPU)
 * and the continuation it made, if it made one.
 */
static struct {
	struct cpu_regs *regs;		/* the guest's frame (iret in a multicall) */
	struct hcall_args call;		/* the call being run, or sub-call */
	bool preempted;			/* a continuation was made ... */
	struct hcall_args cont;		/* ... with these arguments */
} hc;

const char *hypercall_name(u64 nr)
{
	if (nr < NR_HYPERCALLS && hypercall_table[nr].name)
		return hypercall_table[nr].name;
	return "unknown";
}

/*H:420 One table, one gate
 * Every hypercall goes through hypercall_table above, indexed by Xen's
 * numbers, and through this function, a multicall's entries too:
 * hypercall_from_guest() below takes the number and arguments from the
 * guest's registers and puts the result back in rax. A number with no
 * handler answers -ENOSYS, and every call is counted per domain, so the
 * `stats` option can say what a workload cost. A handler gets the five
 * argument registers as they were, untrusted; it reads and writes guest
 * memory only through copy_from_guest/copy_to_guest.
 */
long hypercall_dispatch(u64 nr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct domain *d = current->domain;

	if (nr >= NR_HYPERCALLS || !hypercall_table[nr].fn) {
		pr_debug("domain %s: hypercall %llu: -ENOSYS\n", d->name,
			 (unsigned long long)nr);
		return -XEN_ENOSYS;
	}
	d->hypercalls[nr]++;
	hc.call = (struct hcall_args){ nr, { a1, a2, a3, a4, a5 }, 5 };
	return hypercall_table[nr].fn(a1, a2, a3, a4, a5);
}

/*
 * With `stats`: the longest a hypercall (or one piece of a preempted one)
 * kept the CPU with interrupts off, and the longest it went on after the
 * APIC timer's deadline had passed, i.e. after something else was due:
 * the time it kept another domain (or a timer) waiting, which the
 * preemption check bounds (docs/isolation.md, availability).
 */
static void note_duration(struct domain *d, u64 nr, u64 t0)
{
	u64 now = NOW(), due = MAX(t0, time_deadline());

	if (now - t0 > d->stats.longest_ns) {
		d->stats.longest_ns = now - t0;
		d->stats.longest_nr = nr;
	}
	if (now > due && now - due > d->stats.late_ns) {
		d->stats.late_ns = now - due;
		d->stats.late_nr = nr;
	}
}

/*
 * The guest's registers in (number in rax, arguments in rdi, rsi, rdx,
 * r10, r8), the result out in rax, or the continuation in all of them.
 */
void hypercall_from_guest(struct cpu_regs *r)
{
	struct domain *d = current->domain;
	u64 nr = r->rax, t0 = hv_opts.stats ? NOW() : 0;
	long rc;

	hc.regs = r;
	hc.preempted = false;
	rc = hypercall_dispatch(r->rax, r->rdi, r->rsi, r->rdx, r->r10, r->r8);
	if (hc.preempted)
		hcall_cont_to_regs(r, &hc.cont);
	else
		r->rax = (u64)rc;
	if (t0)
		note_duration(d, nr, t0);
}

/*H:460 Giving the CPU back in the middle of a hypercall
 * A hypercall runs with interrupts off, so one with a long list of work
 * asks this between two items: is anything due? The APIC timer's
 * deadline has passed (a time slice ends, a timer fires, a console poll),
 * this vCPU gave the CPU up in an earlier call of a multicall, an event
 * can be delivered to it, or another CPU waits for the hypervisor lock
 * (core/hvlock.c: so one CPU's long call costs the others at most a piece). Costs a TSC read and a few loads. If so,
 * the handler calls hypercall_create_continuation() below with arguments
 * that say what is left, and hcall_cont_to_regs() (core/continuation.c)
 * writes them into the guest's registers and steps RIP back onto the
 * syscall instruction: the guest makes the rest of the call once the
 * interrupt, or the event, has been dealt with. Xen calls this a
 * continuation; its encodings are Xen's ABI.
 */
bool hypercall_preempt_check(void)
{
	const struct vcpu_info *vi = current->vcpu_info;

	return sched_resched_pending() ||
	       (vi->evtchn_upcall_pending && !vi->evtchn_upcall_mask) ||
	       time_deadline_passed() || hv_lock_contended();
}

/*
 * Xen's hypercall_create_continuation(): the running call (or multicall
 * entry) is to be made again as op with its first nargs arguments
 * replaced by a1.. (the others stay as the guest passed them). Returns
 * op, which is what a preempted multicall entry's result shows, as on Xen.
 */
long hypercall_create_continuation(u64 op, unsigned int nargs, u64 a1, u64 a2,
				   u64 a3, u64 a4, u64 a5)
{
	hc.preempted = true;
	hc.cont = (struct hcall_args){ op, { a1, a2, a3, a4, a5 }, nargs };
	current->domain->stats.continuations++;
	return (long)op;
}

/* The running call again, with the arguments it was given. */
long hypercall_restart(void)
{
	const struct hcall_args *c = &hc.call;

	return hypercall_create_continuation(c->op, 5, c->args[0], c->args[1],
					     c->args[2], c->args[3], c->args[4]);
}

/*
 * One entry of a multicall. iret ends the batch with iret's result (Xen's
 * mc_exit: XSA-213, a batch must not go on in guest user mode): *iret_done.
 */
static long multicall_one(const struct multicall_entry *e, bool *iret_done)
{
	if (e->op == __HYPERVISOR_iret) {
		current->domain->hypercalls[__HYPERVISOR_iret]++;
		*iret_done = true;
		return pv_do_iret(hc.regs);	/* reads the frame at the guest's rsp */
	}
	return hypercall_dispatch(e->op, e->args[0], e->args[1], e->args[2],
				  e->args[3], e->args[4]);
}

/*
 * do_multicall - run a batch of hypercalls with one entry into the hypervisor.
 *   IN  list: guest address of nr struct multicall_entry {op, result, args[6]}
 *   OUT each entry's result field: what its call returned
 * Returns 0, or -EFAULT if the list is not guest memory, or an entry cannot
 * be read or its result written back (the batch stops there). Per-entry
 * errors do not stop the batch. A multicall inside a multicall answers
 * -EINVAL in its own result. Xen's endings: an iret entry ends the batch
 * and the multicall returns iret's result (the guest resumes where the
 * iret frame says); an entry that left guest kernel mode ends it early
 * (a continuation for the rest); so does an entry that ended the domain.
 * Preemptible: between two entries it may stop and continue later as
 * multicall(list + done, nr - done); an entry that made a continuation of
 * its own has it written into the entry, and the multicall continues from
 * that entry (Xen's semantics). Only result (and, for such an entry, the
 * whole entry) is written back.
 */
long do_multicall(u64 list, u64 nr, u64 a3, u64 a4, u64 a5)
{
	struct vcpu *v = current;
	struct domain *d = v->domain;
	struct multicall_entry e;
	bool iret_done = false, more = false;
	long rc = 0;
	u64 i, at;

	(void)a3, (void)a4, (void)a5;
	if (v->in_multicall)
		return -XEN_EINVAL;
	if (nr > (~0ULL / sizeof(e)) || !guest_range_ok(list, nr * sizeof(e)))
		return -XEN_EFAULT;
	v->in_multicall = true;
	for (i = 0; i < nr; i++) {
		at = list + i * sizeof(e);
		if (i && hypercall_preempt_check()) {
			more = true;
			break;
		}
		if (copy_from_guest(&e, at, sizeof(e))) {
			rc = -XEN_EFAULT;
			break;
		}
		hc.preempted = false;
		e.result = (u64)multicall_one(&e, &iret_done);
		if (d->state != DOM_RUNNING)
			break;
		if (iret_done) {
			/* Best effort: iret may have switched to the user L4. */
			copy_to_guest(at + offsetof(struct multicall_entry, result),
				      &e.result, sizeof(e.result));
			rc = (long)e.result;
			break;
		}
		if (copy_to_guest(at + offsetof(struct multicall_entry, result),
				  &e.result, sizeof(e.result))) {
			rc = -XEN_EFAULT;
			break;
		}
		if (hc.preempted) {
			/* The entry's own continuation, and ours from that entry. */
			hcall_cont_to_entry(&e, &hc.cont);
			if (copy_to_guest(at, &e, sizeof(e)))
				rc = -XEN_EFAULT;
			else
				more = true;
			break;
		}
		if (!pv_in_kernel(v)) {	/* not without iret; as Xen's mc_preempt */
			more = ++i < nr;
			break;
		}
	}
	v->in_multicall = false;
	hc.preempted = false;
	if (more)
		return hypercall_create_continuation(__HYPERVISOR_multicall, 2,
						     list + i * sizeof(e), nr - i,
						     0, 0, 0);
	return rc;
}

/* The assists a 64-bit PV guest may turn on (Xen's VM_ASSIST_VALID). */
#define VMASST_VALID	((1ULL << VMASST_TYPE_4gb_segments) |		\
			 (1ULL << VMASST_TYPE_4gb_segments_notify) |	\
			 (1ULL << VMASST_TYPE_writable_pagetables) |	\
			 (1ULL << VMASST_TYPE_pae_extended_cr3) |	\
			 (1ULL << VMASST_TYPE_architectural_iopl) |	\
			 (1ULL << VMASST_TYPE_runstate_update_flag) |	\
			 (1ULL << VMASST_TYPE_m2p_strict))

/*
 * do_vm_assist - turn on or off an optional hypervisor behaviour.
 *   IN cmd: VMASST_CMD_enable or VMASST_CMD_disable; type: VMASST_TYPE_*
 * Returns 0; -EINVAL for a type Xen does not offer 64-bit PV guests;
 * -ENOSYS for another cmd. The flag is recorded here; the mechanisms that
 * honour it (writable page tables, IOPL, runstate flag) read it.
 */
long do_vm_assist(u64 cmd, u64 type, u64 a3, u64 a4, u64 a5)
{
	struct domain *d = current->domain;

	(void)a3, (void)a4, (void)a5;
	if (type >= 64 || !(VMASST_VALID & (1ULL << type)))
		return -XEN_EINVAL;
	switch (cmd) {
	case VMASST_CMD_enable:
		d->vm_assist |= 1ULL << type;
		return 0;
	case VMASST_CMD_disable:
		d->vm_assist &= ~(1ULL << type);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
