/*
 * exit.c - the last stop before a guest runs again.
 *
 * Runs in: hypervisor, interrupts off, on the way out of every entry from
 * a guest (x86/entry.S: return_to_guest), with the guest's frame.
 * Trusts: nothing in the frame the guest may have chosen (an iret
 * hypercall's CS and SS, a stack segment a process loaded itself).
 *
 * Every exit does, in order: the scheduler's decision (core/sched.c:
 * maybe another vCPU, whose frame replaces this one); a pending event
 * delivered to the guest's event callback (pv/bounce.c; every hypercall
 * return is a delivery point, which Linux relies on); and the one check of
 * the frame the CPU is about to load that needs the guest's descriptor
 * tables: a return to a 16-bit stack segment becomes a fault for the
 * guest (pv/iret.c), after which everything is decided again, since
 * delivering it may have ended the domain.
 */
#include "hv.h"
#include "core/hvlock.h"
#include "x86/percpu.h"
#include "core/cmdline.h"
#include "core/domain.h"
#include "core/sched.h"
#include "pv/bounce.h"
#include "pv/descriptor_tables.h"
#include "pv/exit.h"
#include "pv/iret.h"
#include "pv/mode.h"
#include "pv/switcher.h"

/*H:480 Every way back
 * The last C on every way out: the scheduler's decision, then a pending
 * event delivered (every hypercall return is a delivery point, which
 * Linux relies on), then the one check of the frame that needs the
 * guest's descriptor tables; if that raised a fault for the guest, all of
 * it again. When it returns, the frame at the top of the stack is one the
 * CPU may load.
 */
u64 guest_exit_prepare(struct cpu_regs *frame)
{
	struct pcpu *c = this_cpu();

	if (c->exit_via)	/* a fast-mode vCPU: the switcher's counts */
		fast_exit_begin(current);
	do {
		schedule(frame);
		pv_deliver_events(frame);
	} while (pv_refuse_16bit_stack(frame));
	current->domain->stats.returns++;
	if (unlikely(hv_opts.desccheck))	/* the desccheck option, docs/boot.md */
		pv_check_desc_tables(current);
	if (c->exit_via)	/* the same (perhaps another vCPU now) */
		fast_exit_end(current);	/* the switcher's parameters */
	hv_leave();		/* the lock, last: core/hvlock.c */
	return c->exit_via;
}
