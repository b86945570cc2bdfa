/*
 * hypercall.h - the guest-callable handlers (do_*) and their dispatch.
 *
 * Every handler takes the five argument registers (rdi, rsi, rdx, r10, r8)
 * and returns what the guest finds in rax: >= 0 on success, -XEN_E* on
 * failure.
 */
#ifndef HV_CORE_HYPERCALL_H
#define HV_CORE_HYPERCALL_H

#include "hv.h"

typedef long (*hypercall_fn)(u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);

struct cpu_regs;

long hypercall_dispatch(u64 nr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);
const char *hypercall_name(u64 nr);
void hypercall_from_guest(struct cpu_regs *r);	/* pv/compat_syscall.c: SYSCALL */

/* Long hypercalls: ask between two pieces of work, then continue later. */
bool hypercall_preempt_check(void);
long hypercall_create_continuation(u64 op, unsigned int nargs, u64 a1, u64 a2,
				   u64 a3, u64 a4, u64 a5);
long hypercall_restart(void);

long do_console_io(u64 cmd, u64 count, u64 buffer, u64 a4, u64 a5);
long do_sched_op(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5);
long do_xen_version(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5);
long do_vm_assist(u64 cmd, u64 type, u64 a3, u64 a4, u64 a5);
long do_multicall(u64 list, u64 nr, u64 a3, u64 a4, u64 a5);

/* hv/pv/callbacks.c */
long do_set_trap_table(u64 list, u64 a2, u64 a3, u64 a4, u64 a5);
long do_callback_op(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5);
long do_set_callbacks(u64 event, u64 failsafe, u64 syscall, u64 a4, u64 a5);
long do_stack_switch(u64 ss, u64 sp, u64 a3, u64 a4, u64 a5);
long do_set_segment_base(u64 which, u64 base, u64 a3, u64 a4, u64 a5);
long do_fpu_taskswitch(u64 set, u64 a2, u64 a3, u64 a4, u64 a5);
long do_set_debugreg(u64 reg, u64 value, u64 a3, u64 a4, u64 a5);
long do_get_debugreg(u64 reg, u64 a2, u64 a3, u64 a4, u64 a5);
/* hv/pv/emulate.c */
long do_physdev_op(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5);
/* hv/core/vcpu_op.c */
long do_vcpu_op(u64 cmd, u64 vcpuid, u64 arg, u64 a4, u64 a5);
long do_set_timer_op(u64 timeout, u64 a2, u64 a3, u64 a4, u64 a5);
long do_event_channel_op(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5);
/* hv/core/grant_table.c */
long do_grant_table_op(u64 cmd, u64 uop, u64 count, u64 a4, u64 a5);

/* hv/mm/pv_mm.c, hv/mm/memory_op.c, hv/pv/descriptor_tables.c */
long do_mmu_update(u64 reqs, u64 count, u64 pdone, u64 foreigndom, u64 a5);
long do_mmuext_op(u64 ops, u64 count, u64 pdone, u64 foreigndom, u64 a5);
long do_update_va_mapping(u64 va, u64 val, u64 flags, u64 a4, u64 a5);
long do_memory_op(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5);
long do_set_gdt(u64 frame_list, u64 entries, u64 a3, u64 a4, u64 a5);
long do_update_descriptor(u64 maddr, u64 desc, u64 a3, u64 a4, u64 a5);


#endif
