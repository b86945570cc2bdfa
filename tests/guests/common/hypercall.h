/*
 * hypercall.h - the test guests' hypercall wrappers.
 *
 * Runs in: test guests, guest kernel mode (ring 3, or ring 1 in fast mode).
 *
 * A hypercall is a `syscall` with the number in rax and up to five
 * arguments in rdi, rsi, rdx, r10, r8; the result comes back in rax: 0 or
 * a positive value, or -XEN_E* (pvabi/errno.h). The CPU's syscall writes
 * rcx and r11, and the hypervisor may change the argument registers, so
 * every wrapper lists all of them as clobbered, and "memory": the
 * hypervisor reads and writes our buffers.
 *
 * Built with HYPERCALL_PAGE (test.mk: HYPERCALL_PAGE := 1), the image has
 * the XEN_ELFNOTE_HYPERCALL_PAGE note (head.S) and the same wrappers
 * `call hypercall_page + 32 * nr` instead, the builder's stub for nr. The
 * number must then be a constant, which every HYPERVISOR_* wrapper's is.
 * hypercall_raw() always issues `syscall`, for any number at run time.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include "pvabi/xen.h"
#include "pvabi/sched.h"
#include "pvabi/version.h"

#ifdef HYPERCALL_PAGE
extern uint8_t hypercall_page[4096];
#define HYPERCALL_INSN		"call hypercall_page + %c[stub]"
#else
#define HYPERCALL_INSN		"syscall"
#endif

/*
 * nr: a constant __HYPERVISOR_* number. The arguments are evaluated into
 * temporaries first, so that a function call inside one cannot clobber a
 * register variable already loaded.
 */
#define _hypercall(nr, a1, a2, a3, a4, a5) ({				\
	uint64_t _v1 = (uint64_t)(a1), _v2 = (uint64_t)(a2);		\
	uint64_t _v3 = (uint64_t)(a3), _v4 = (uint64_t)(a4);		\
	uint64_t _v5 = (uint64_t)(a5);					\
	register uint64_t _r1 asm("rdi") = _v1;				\
	register uint64_t _r2 asm("rsi") = _v2;				\
	register uint64_t _r3 asm("rdx") = _v3;				\
	register uint64_t _r4 asm("r10") = _v4;				\
	register uint64_t _r5 asm("r8") = _v5;				\
	long _res;							\
									\
	asm volatile(HYPERCALL_INSN					\
		     : "=a"(_res), "+r"(_r1), "+r"(_r2), "+r"(_r3),	\
		       "+r"(_r4), "+r"(_r5)				\
		     : "0"((uint64_t)(nr)),				\
		       [stub] "i"((nr) * PVABI_HYPERCALL_STUB_SIZE)	\
		     : "rcx", "r11", "memory");				\
	_res;								\
})

/* Any number, decided at run time, always by `syscall`. */
static inline long hypercall_raw(uint64_t nr, uint64_t a1, uint64_t a2,
				 uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t r1 asm("rdi") = a1;
	register uint64_t r2 asm("rsi") = a2;
	register uint64_t r3 asm("rdx") = a3;
	register uint64_t r4 asm("r10") = a4;
	register uint64_t r5 asm("r8") = a5;
	long res;

	asm volatile("syscall"
		     : "=a"(res), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4),
		       "+r"(r5)
		     : "0"(nr)
		     : "rcx", "r11", "memory");
	return res;
}

static inline long HYPERVISOR_console_io(int cmd, uint64_t count,
					 const void *buf)
{
	return _hypercall(__HYPERVISOR_console_io, cmd, count, buf, 0, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return _hypercall(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0);
}

/*
 * SCHEDOP_shutdown with SHUTDOWN_suspend: x86 PV guests also pass the
 * machine frame of their start_info in rdx (Xen's public sched.h).
 */
static inline long HYPERVISOR_suspend(struct sched_shutdown *sd,
				      uint64_t start_info_mfn)
{
	return _hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, sd,
			  start_info_mfn, 0, 0);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return _hypercall(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type)
{
	return _hypercall(__HYPERVISOR_vm_assist, cmd, type, 0, 0, 0);
}

static inline long HYPERVISOR_multicall(struct multicall_entry *calls,
					uint64_t nr)
{
	return _hypercall(__HYPERVISOR_multicall, calls, nr, 0, 0, 0);
}

/* ---- The PV CPU: traps, callbacks, events, time, memory ------------- */

static inline long HYPERVISOR_set_trap_table(const struct trap_info *table)
{
	return _hypercall(__HYPERVISOR_set_trap_table, table, 0, 0, 0, 0);
}

static inline long HYPERVISOR_stack_switch(uint64_t ss, uint64_t sp)
{
	return _hypercall(__HYPERVISOR_stack_switch, ss, sp, 0, 0, 0);
}

static inline long HYPERVISOR_fpu_taskswitch(int set)
{
	return _hypercall(__HYPERVISOR_fpu_taskswitch, set, 0, 0, 0, 0);
}

static inline long HYPERVISOR_set_debugreg(int reg, uint64_t value)
{
	return _hypercall(__HYPERVISOR_set_debugreg, reg, value, 0, 0, 0);
}

static inline long HYPERVISOR_get_debugreg(int reg)
{
	return _hypercall(__HYPERVISOR_get_debugreg, reg, 0, 0, 0, 0);
}

static inline long HYPERVISOR_set_segment_base(int which, uint64_t base)
{
	return _hypercall(__HYPERVISOR_set_segment_base, which, base, 0, 0, 0);
}

/* arg: struct callback_register or callback_unregister (pvabi/callback.h) */
static inline long HYPERVISOR_callback_op(int cmd, const void *arg)
{
	return _hypercall(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0);
}

/* arg: the struct evtchn_* of cmd (pvabi/event_channel.h) */
static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return _hypercall(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0);
}

/* arg: the struct vcpu_* of cmd (pvabi/vcpu.h) */
static inline long HYPERVISOR_vcpu_op(int cmd, uint64_t vcpuid, void *arg)
{
	return _hypercall(__HYPERVISOR_vcpu_op, cmd, vcpuid, arg, 0, 0);
}

/* timeout: absolute system time in ns; 0 stops the timer */
static inline long HYPERVISOR_set_timer_op(uint64_t timeout)
{
	return _hypercall(__HYPERVISOR_set_timer_op, timeout, 0, 0, 0, 0);
}

static inline long HYPERVISOR_update_va_mapping(uint64_t va, uint64_t pte,
						uint64_t flags)
{
	return _hypercall(__HYPERVISOR_update_va_mapping, va, pte, flags, 0, 0);
}

static inline long HYPERVISOR_mmu_update(const struct mmu_update *reqs,
					 uint64_t count, uint64_t *done,
					 uint64_t foreigndom)
{
	return _hypercall(__HYPERVISOR_mmu_update, reqs, count, done,
			  foreigndom, 0);
}

static inline long HYPERVISOR_mmuext_op(const struct mmuext_op *ops,
					uint64_t count, uint64_t *done,
					uint64_t foreigndom)
{
	return _hypercall(__HYPERVISOR_mmuext_op, ops, count, done,
			  foreigndom, 0);
}

#endif /* GUEST_HYPERCALL_H */
