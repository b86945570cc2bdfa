/*
 * callbacks.c - the hypercalls a PV kernel uses instead of privileged
 * CPU state: its virtual IDT, entry points, kernel stack, segment bases,
 * FPU switch flag and debug registers. (The iret that returns from a
 * bounce is pv/iret.c.)
 *
 * Runs in: hypervisor, on the calling vCPU, interrupts off.
 * Trusts: nothing the guest passes: every address is checked to be a
 * guest address before it is stored, every value against the rules the
 * CPU or Xen impose, before the CPU can see it.
 */
#include "hv.h"
#include "layout.h"
#include "vaddr.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "pv/bounce.h"
#include "pv/mode.h"
#include "pv/traps.h"
#include "x86/cpu.h"
#include "x86/segments.h"
#include "pvabi/callback.h"
#include "pvabi/errno.h"
#include "pvabi/xen.h"


/*
 * do_set_trap_table - install entries of the guest's virtual IDT.
 *   IN list: guest array of struct trap_info, ended by an entry whose
 *            address is 0; list == 0 clears the whole table.
 * Returns 0; -EFAULT (entries before the bad one stay installed); -EINVAL
 * for a handler address that is not a guest address. The list may be as
 * long as the guest likes (vectors repeat): as on Xen, the call is
 * preemptible after each entry and goes on later as
 * set_trap_table(next entry).
 */
long do_set_trap_table(u64 list, u64 a2, u64 a3, u64 a4, u64 a5)
{
	struct vcpu *v = current;
	struct trap_info ti;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!list) {
		memset(v->trap_ctxt, 0, sizeof(v->trap_ctxt));
		return 0;
	}
	for (;;) {
		if (copy_from_guest(&ti, list, sizeof(ti)))
			return -XEN_EFAULT;
		if (ti.address == 0)
			return 0;
		if (!guest_va_ok(ti.address))
			return -XEN_EINVAL;
		v->trap_ctxt[ti.vector] = ti;
		list += sizeof(ti);
		if (hypercall_preempt_check())
			return hypercall_create_continuation(__HYPERVISOR_set_trap_table,
							     1, list, 0, 0, 0, 0);
	}
}

static long register_callback(struct vcpu *v, const struct callback_register *cb)
{
	bool mask = cb->flags & CALLBACKF_mask_events;

	if (!guest_va_ok(cb->address))
		return -XEN_EINVAL;
	switch (cb->type) {
	case CALLBACKTYPE_event:
		v->event_callback = cb->address;
		return 0;
	case CALLBACKTYPE_failsafe:
		v->failsafe_callback = cb->address;
		v->failsafe_masks_events = mask;
		return 0;
	case CALLBACKTYPE_syscall:
		v->syscall_callback = cb->address;
		v->syscall_masks_events = mask;
		return 0;
	case CALLBACKTYPE_syscall32:
		v->syscall32_callback = cb->address;
		v->syscall32_masks_events = mask;
		return 0;
	case CALLBACKTYPE_sysenter:
		v->sysenter_callback = cb->address;
		v->sysenter_masks_events = mask;
		return 0;
	case CALLBACKTYPE_nmi:
		return 0;	/* accepted; pvisor raises no virtual NMIs */
	default:
		return -XEN_ENOSYS;
	}
}

/*
 * do_callback_op - register the guest kernel's entry points.
 *   CALLBACKOP_register:   IN struct callback_register {type, flags, address}
 *                          types event, failsafe, syscall, syscall32,
 *                          sysenter, nmi; others -ENOSYS
 *   CALLBACKOP_unregister: only the NMI callback may be unregistered
 * Returns 0, -EINVAL (bad address or unregister), -EFAULT, -ENOSYS.
 */
long do_callback_op(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5)
{
	struct callback_register cb;

	(void)a3, (void)a4, (void)a5;
	switch (cmd) {
	case CALLBACKOP_register:
		if (copy_from_guest(&cb, arg, sizeof(cb)))
			return -XEN_EFAULT;
		return register_callback(current, &cb);
	case CALLBACKOP_unregister:
		if (copy_from_guest(&cb.type, arg, sizeof(cb.type)))
			return -XEN_EFAULT;
		return cb.type == CALLBACKTYPE_nmi ? 0 : -XEN_EINVAL;
	default:
		return -XEN_ENOSYS;
	}
}

/*
 * do_set_callbacks - the older form: event, failsafe and syscall entry
 * points in one call (none masks events except as Xen: the failsafe and
 * syscall ones do not). Returns 0 or -EINVAL.
 */
long do_set_callbacks(u64 event, u64 failsafe, u64 syscall, u64 a4, u64 a5)
{
	struct vcpu *v = current;

	(void)a4, (void)a5;
	if (!guest_va_ok(event) || !guest_va_ok(failsafe) ||
	    !guest_va_ok(syscall))
		return -XEN_EINVAL;
	v->event_callback = event;
	v->failsafe_callback = failsafe;
	v->syscall_callback = syscall;
	v->syscall_masks_events = false;
	v->failsafe_masks_events = false;
	return 0;
}

/*
 * do_stack_switch - the kernel stack to use when a bounce arrives in guest
 * user mode (the guest's TSS.rsp0). IN ss (ignored on x86-64), sp. Returns 0.
 */
long do_stack_switch(u64 ss, u64 sp, u64 a3, u64 a4, u64 a5)
{
	(void)ss, (void)a3, (void)a4, (void)a5;
	current->kernel_sp = sp;
	return 0;
}

/*
 * do_set_segment_base - the segment bases a guest kernel cannot write with
 * WRMSR from ring 3.
 *   SEGBASE_FS        FS base
 *   SEGBASE_GS_USER   the guest user GS base (inactive while in the kernel)
 *   SEGBASE_GS_KERNEL the guest kernel GS base (the active one)
 *   SEGBASE_GS_USER_SEL load the user %gs selector (null if it faults);
 *                     returns 0 even then, as Linux BUGs on an error
 * Returns 0, or -EINVAL for a non-canonical base or an unknown which.
 */
long do_set_segment_base(u64 which, u64 base, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	if (which <= SEGBASE_GS_KERNEL && !canonical_va(base))
		return -XEN_EINVAL;
	switch (which) {
	case SEGBASE_FS:
		wrmsr(MSR_FS_BASE, base);
		return 0;
	case SEGBASE_GS_USER:
		wrmsr(pv_in_kernel(current) ? MSR_KERNEL_GS_BASE : MSR_GS_BASE, base);
		return 0;
	case SEGBASE_GS_KERNEL:
		wrmsr(pv_in_kernel(current) ? MSR_GS_BASE : MSR_KERNEL_GS_BASE, base);
		return 0;
	case SEGBASE_GS_USER_SEL:
		load_user_gs_selector((u16)base);
		return 0;
	default:
		return -XEN_EINVAL;
	}
}

/*
 * do_fpu_taskswitch - set (1) or clear (0) the virtual CR0.TS. With TS set
 * the next FPU/SSE instruction raises #NM, bounced to the guest, which is
 * how a guest kernel switches FPU state lazily. Returns 0.
 */
long do_fpu_taskswitch(u64 set, u64 a2, u64 a3, u64 a4, u64 a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	current->vcr0_ts = set != 0;
	write_cr0(set ? read_cr0() | X86_CR0_TS : read_cr0() & ~X86_CR0_TS);
	return 0;
}

/* ---- Debug registers (the rules: pv/debugreg.c) ------------------------ */

/* The guest's CR4.DE decides what DR4/DR5 are and whether I/O breakpoints exist. */
bool pv_cr4_de(const struct vcpu *v)
{
	return v->vcr4 & X86_CR4_DE;
}

static void load_dr0_3_and_6(const struct vcpu *v)
{
	write_dr0(v->dbg.dr[0]);
	write_dr1(v->dbg.dr[1]);
	write_dr2(v->dbg.dr[2]);
	write_dr3(v->dbg.dr[3]);
	write_dr6(v->dbg.dr6);
}

/*
 * Switching to v: arm its breakpoints if it has any (Xen's
 * activate_debugregs). A vCPU without breakpoints runs with DR7 inactive,
 * whatever DR0-3 hold.
 */
void pv_debugregs_switch_to(const struct vcpu *v)
{
	if (!dbg_active(&v->dbg))
		return;
	load_dr0_3_and_6(v);
	write_dr7(v->dbg.dr7);
}

/*
 * Switching away from v: its breakpoints must not fire while anyone else
 * runs, and its DR6 must not reach another vCPU's #DB (debug_trap() merges
 * the CPU's DR6 into the guest's).
 */
void pv_debugregs_switch_from(const struct vcpu *v)
{
	if (dbg_active(&v->dbg))
		write_dr7(0);
	if (dbg_active(&v->dbg) || v->dbg.dr6 != DR6_DEFAULT)
		write_dr6(DR6_DEFAULT);
}

/*
 * Set debug register reg of v (the current vCPU) and load it into the CPU
 * at once, as Xen's set_debugreg(): a breakpoint is live from the next
 * guest instruction. Arming DR7 when it was inactive loads DR0-3 and DR6
 * too, since another vCPU may have used them meanwhile. Returns 0 or the
 * error of dbg_set() (nothing is loaded then).
 */
long pv_set_debugreg(struct vcpu *v, u64 reg, u64 value)
{
	bool was_active = dbg_active(&v->dbg);
	int rc = dbg_set(&v->dbg, reg, value, pv_cr4_de(v));

	if (rc)
		return rc;
	switch (reg) {
	case 0: write_dr0(v->dbg.dr[0]); break;
	case 1: write_dr1(v->dbg.dr[1]); break;
	case 2: write_dr2(v->dbg.dr[2]); break;
	case 3: write_dr3(v->dbg.dr[3]); break;
	case 4: case 6: write_dr6(v->dbg.dr6); break;
	default:	/* 5, 7 */
		if (dbg_active(&v->dbg) && !was_active)
			load_dr0_3_and_6(v);
		write_dr7(v->dbg.dr7);
		break;
	}
	return 0;
}

/*
 * do_set_debugreg - set a virtual debug register, and the real one.
 *   IN reg 0-7, value. DR0-3: a guest address (-EPERM for a hypervisor or
 *   non-canonical one); DR6/DR7 (and DR4/DR5 for them while CR4.DE is
 *   clear): upper half 0 (-EINVAL), reserved bits forced, DR7.GD and I/O
 *   breakpoints without CR4.DE -EPERM. Other registers -ENODEV.
 * Returns 0 or the error; never blocks (pv/debugreg.c has the rules).
 */
long do_set_debugreg(u64 reg, u64 value, u64 a3, u64 a4, u64 a5)
{
	(void)a3, (void)a4, (void)a5;
	return pv_set_debugreg(current, reg, value);
}

/*
 * do_get_debugreg - the value of virtual debug register reg (DR7 with its
 * emulated I/O enables). Returns it, or -ENODEV for no such register (as
 * Xen: a value and an error cannot be told apart for every value).
 */
long do_get_debugreg(u64 reg, u64 a2, u64 a3, u64 a4, u64 a5)
{
	u64 val;
	int rc;

	(void)a2, (void)a3, (void)a4, (void)a5;
	rc = dbg_get(&current->dbg, reg, pv_cr4_de(current), &val);
	return rc ? rc : (long)val;
}
