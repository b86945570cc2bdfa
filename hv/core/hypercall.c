/*
 * hypercall.c - the hypercall table: numbers to handlers, in one place.
 *
 * Runs in: hypervisor, on the calling guest's page tables, interrupts off.
 *
 * A guest kernel makes a hypercall with SYSCALL: number in rax, arguments
 * in rdi, rsi, rdx, r10, r8, result in rax (pv/traps.c:pv_syscall). The
 * numbers are Xen's (pvabi/xen.h). This table is the single source of
 * truth for which exist: a number with no entry, or beyond the table,
 * answers -ENOSYS, as pvabi/README.md lists. Each domain counts its calls
 * by number, so a benchmark can say which hypercalls a workload made.
 */
#include "hv.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
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
	/* iret rewrites the whole frame: pv_syscall calls it directly. */
	[__HYPERVISOR_iret]		= { NULL, "iret" },
	[__HYPERVISOR_vcpu_op]		= { do_vcpu_op, "vcpu_op" },
	[__HYPERVISOR_set_segment_base]	= { do_set_segment_base, "set_segment_base" },
	[__HYPERVISOR_sched_op]		= { do_sched_op, "sched_op" },
	[__HYPERVISOR_mmuext_op]	= { do_mmuext_op, "mmuext_op" },
	[__HYPERVISOR_callback_op]	= { do_callback_op, "callback_op" },
	[__HYPERVISOR_event_channel_op]	= { do_event_channel_op, "event_channel_op" },
	[__HYPERVISOR_physdev_op]	= { do_physdev_op, "physdev_op" },
};

const char *hypercall_name(u64 nr)
{
	if (nr < NR_HYPERCALLS && hypercall_table[nr].name)
		return hypercall_table[nr].name;
	return "unknown";
}

/*H:410 One table, one gate
 * Every hypercall goes through this table, indexed by Xen's numbers. A
 * number with no handler answers -ENOSYS, and every call is counted per
 * domain, so the `stats` option can say what a workload cost. Handlers
 * read and write guest memory only through copy_from_guest/copy_to_guest.
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
	return hypercall_table[nr].fn(a1, a2, a3, a4, a5);
}

/*
 * do_multicall - run a batch of hypercalls with one entry into the hypervisor.
 *   IN  list: guest address of nr struct multicall_entry {op, result, args[6]}
 *   OUT each entry's result field: what its call returned
 * Returns 0, or -EFAULT if an entry cannot be read or written back (the
 * batch stops there). Per-entry errors do not stop the batch. A multicall
 * inside a multicall answers -EINVAL in its own result. The batch also
 * stops early if an entry ended the calling domain.
 */
long do_multicall(u64 list, u64 nr, u64 a3, u64 a4, u64 a5)
{
	struct domain *d = current->domain;
	struct multicall_entry e;
	long rc = 0;

	(void)a3, (void)a4, (void)a5;
	if (d->in_multicall)
		return -XEN_EINVAL;
	if (nr > (~0ULL / sizeof(e)))
		return -XEN_EFAULT;
	d->in_multicall = true;
	for (u64 i = 0; i < nr && d->state == DOM_RUNNING; i++) {
		u64 at = list + i * sizeof(e);

		if (copy_from_guest(&e, at, sizeof(e))) {
			rc = -XEN_EFAULT;
			break;
		}
		e.result = (u64)hypercall_dispatch(e.op, e.args[0], e.args[1],
						   e.args[2], e.args[3], e.args[4]);
		if (d->state != DOM_RUNNING)
			break;
		if (copy_to_guest(at + offsetof(struct multicall_entry, result),
				  &e.result, sizeof(e.result))) {
			rc = -XEN_EFAULT;
			break;
		}
	}
	d->in_multicall = false;
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
