/*
 * smp.h - secondary vCPUs for test guests: which vCPU is running, starting
 * one with VCPUOP_initialise and VCPUOP_up, and waiting for another.
 *
 * Runs in: test guests, guest kernel mode, on any vCPU.
 *
 * A domain with vcpus=N (the 5th column of a list line) starts with vCPU 0
 * running the kernel entry and vCPUs 1..N-1 down and uninitialised. A test
 * starts one with vcpu_start(id, fn, arg): the context is the boot vCPU's
 * (vcpu_context_fill() below: the same kernel L4, the test's trap table
 * and callbacks, the kernel's flat selectors of the domain's PV mode), on
 * a stack of its own, entering fn(id, arg) with events masked. When fn
 * returns, the vCPU downs itself (VCPUOP_down), again each time it is
 * brought up.
 *
 * Which vCPU runs is known from the stack: each secondary vCPU has one of
 * smp.c's stacks, and every other stack (head.S's, a test's own) is vCPU
 * 0's. So a secondary vCPU must stay in kernel mode on its stack (no user
 * mode, no stack_switch of its own); vCPU 0 is unconstrained.
 *
 * Each vCPU's vcpu_info is shared_info->vcpu_info[id] (events.h:
 * this_vcpu()); event_upcall() scans it and dispatches only the ports bound
 * to that vCPU (evtchn_set_vcpu(), which the EVTCHNOP_* helpers of events.h
 * call), as Linux keeps a per-CPU mask of its ports.
 *
 * All vCPUs share one physical CPU today (docs/architecture.md); a vCPU
 * waiting for another yields (smp_wait()), so that the other runs at once
 * instead of at the next tick.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "guest.h"
#include "pvabi/vcpu.h"

#define SMP_MAX_VCPUS		8	/* the hypervisor's DOMAIN_VCPUS_MAX */
#define SMP_STACK_SIZE		(2 * GUEST_PAGE_SIZE)

/* Values the context gives rbx and r15; smp.c checks they arrived. */
#define SMP_RBX_MAGIC		0x5ec0dd1ebb0000bbUL
#define SMP_R15_MAGIC		0x5ec0dd1eff0000ffUL

typedef void (*vcpu_fn)(unsigned int id, void *arg);

/* The vCPU running this code: 0, or the secondary whose stack rsp is on. */
unsigned int smp_id(void);

/*
 * What every SMP test opens with: map shared_info (events_init() does it
 * too) and give vCPU 0 the failsafe callback the secondaries get. Ends the
 * test with FAIL if shared_info cannot be mapped.
 */
void smp_init(void);

/* vCPUs the domain has: VCPUOP_is_up answers for 0..n-1, -ENOENT at n. */
unsigned int smp_nr_vcpus(void);

/*
 * The context vcpu_start() gives vCPU id: rip at smp.c's trampoline, rsp at
 * the top of its stack, rdi/rsi/rdx = id, fn, arg, rbx/r15 the magics
 * above; cs/ss the kernel's (KERNEL_CS/KERNEL_SS, guest.h); VGCF_in_kernel;
 * trap_ctxt the table traps.c has registered; the event, failsafe and
 * syscall callbacks at traps.c's stubs; kernel_sp its stack; ctrlreg[3]
 * the builder's L4 (start_info.pt_base) as xen_pfn_to_cr3(); no GDT, no
 * LDT, no user L4, no FPU state. A test changes it to make a bad one.
 */
void vcpu_context_fill(struct vcpu_guest_context *c, unsigned int id,
		       vcpu_fn fn, void *arg);

/* The hypercalls, on vCPU id. */
long vcpu_initialise(unsigned int id, struct vcpu_guest_context *c);
long vcpu_up(unsigned int id);
long vcpu_down(unsigned int id);
long vcpu_is_up(unsigned int id);

/*
 * Start vCPU id running fn(id, arg): mask its events (vcpu_info), fill the
 * context, VCPUOP_initialise, VCPUOP_up. Returns the first error.
 */
long vcpu_start(unsigned int id, vcpu_fn fn, void *arg);

/* Times each secondary vCPU entered smp.c's trampoline, and left fn. */
extern volatile u32 smp_entered[SMP_MAX_VCPUS];
extern volatile u32 smp_returned[SMP_MAX_VCPUS];

/* SCHEDOP_yield: let another vCPU (or domain) run. */
void smp_yield(void);

/*
 * Wait for cond, yielding, at most SMP_WAIT_YIELDS times; then FAIL with
 * what was awaited, and end the test. Evaluates to nothing.
 */
#define SMP_WAIT_YIELDS		200000
#define smp_wait(cond, ...)						\
	do {								\
		unsigned long _n = 0;					\
		while (!(cond)) {					\
			if (++_n > SMP_WAIT_YIELDS) {			\
				test_fail(__VA_ARGS__);			\
				test_exit();				\
			}						\
			smp_yield();					\
		}							\
	} while (0)

/* Shared variables between vCPUs: read and write them through these. */
#define READ_ONCE(x)		(*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile typeof(x) *)&(x) = (v))

#endif /* GUEST_SMP_H */
