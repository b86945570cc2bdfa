/*
 * sched.c - round robin over the vCPUs, and the last stop before a guest runs.
 *
 * Runs in: hypervisor, interrupts off, one physical CPU.
 *
 * The live registers of the running vCPU are the frame at the top of the
 * hypervisor stack (every entry from a guest builds one there, see
 * regs.h). Switching vCPUs is therefore: copy that frame into the old
 * vCPU, copy the new vCPU's saved registers into it, and switch the
 * state the frame does not hold: CR3, the FS/GS bases and the FPU.
 * Scheduling points, for now, are SCHEDOP_yield and the end of a domain;
 * timer-driven preemption comes with the timer (issue 5).
 */
#include "hv.h"
#include "layout.h"
#include "core/domain.h"
#include "core/sched.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "x86/power.h"
#include "x86/segments.h"
#include "pv/bounce.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "pvabi/errno.h"
#include "pvabi/sched.h"

#define MAX_VCPUS	(MAX_DOMAINS * DOMAIN_VCPUS_MAX)

static struct vcpu *runq[MAX_VCPUS];
static int nr_runq;
static bool need_resched;
static u8 fpu_initial[512] __aligned(16);	/* the FPU state after reset */

void sched_add(struct vcpu *v)
{
	BUG_ON(nr_runq == MAX_VCPUS);
	memcpy(v->fpu, fpu_initial, sizeof(v->fpu));
	runq[nr_runq++] = v;
}

void sched_need_resched(void)
{
	need_resched = true;
}

/* The next runnable vCPU after the current one, round robin; NULL if none. */
static struct vcpu *pick_next(void)
{
	int start = 0;

	for (int i = 0; i < nr_runq; i++) {
		if (runq[i] == current)
			start = i + 1;
	}
	for (int n = 0; n < nr_runq; n++) {
		struct vcpu *v = runq[(start + n) % nr_runq];

		if (v->runnable)
			return v;
	}
	return NULL;
}

/* The guest's GS bases: the active one is in GS_BASE, the other is swapped. */
static void save_segment_bases(struct vcpu *v)
{
	u64 active = rdmsr(MSR_GS_BASE), shadow = rdmsr(MSR_KERNEL_GS_BASE);

	v->fs_base = rdmsr(MSR_FS_BASE);
	v->gs_base_kernel = v->kernel_mode ? active : shadow;
	v->gs_base_user = v->kernel_mode ? shadow : active;
}

static void load_segment_bases(const struct vcpu *v)
{
	wrmsr(MSR_FS_BASE, v->fs_base);
	wrmsr(MSR_GS_BASE, v->kernel_mode ? v->gs_base_kernel : v->gs_base_user);
	wrmsr(MSR_KERNEL_GS_BASE, v->kernel_mode ? v->gs_base_user : v->gs_base_kernel);
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

static void context_switch(struct cpu_regs *frame, struct vcpu *prev,
			   struct vcpu *next)
{
	clts();		/* fxsave/fxrstor must not raise #NM here */
	if (prev && prev->runnable) {
		prev->regs = *frame;
		save_selectors(prev);
		save_segment_bases(prev);
		asm volatile("fxsave64 %0" : "=m"(prev->fpu));
	}
	*frame = next->regs;
	write_cr3((next->kernel_mode ? next->cr3_kernel : next->cr3_user) << PAGE_SHIFT);
	load_selectors(next);
	load_segment_bases(next);
	asm volatile("fxrstor64 %0" : : "m"(next->fpu));
	if (next->vcr0_ts)
		write_cr0(read_cr0() | CR0_TS);
	current = next;
}

/* No guest left: say how each ended, and end the run. */
static void __noreturn all_done(void)
{
	bool clean = domains_all_clean();

	printk("all domains have ended: %s\n",
	       clean ? "every domain powered off" : "not every domain powered off");
	hv_exit(clean);
}

/*
 * Called (from entry.S) on the way back to a guest with the guest's frame:
 * switch vCPU if the current one cannot run or asked to yield, then
 * deliver a pending event (xen-pv-mechanics.md 1.6).
 */
void guest_exit_prepare(struct cpu_regs *frame)
{
	struct vcpu *next;

	if (!current || !current->runnable || need_resched) {
		need_resched = false;
		next = pick_next();
		if (!next)
			all_done();
		if (next != current)
			context_switch(frame, current, next);
	}
	pv_deliver_events(frame);
}

/* Leave the boot path for good and run the first vCPU. */
void sched_start(void)
{
	extern void enter_guest(void) __noreturn;	/* entry.S */

	current = NULL;
	need_resched = true;
	enter_guest();
}

/* Capture a clean FPU/SSE state for new vCPUs. */
void fpu_init(void)
{
	u32 mxcsr = 0x1f80;	/* all SSE exceptions masked, round to nearest */

	write_cr0((read_cr0() & ~(1UL << 2)) | (1UL << 1) | (1UL << 5)); /* EM off; MP, NE on */
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	asm volatile("fninit; ldmxcsr %1; fxsave64 %0"
		     : "=m"(fpu_initial) : "m"(mxcsr));
}

/*
 * do_sched_op - the guest asks about its own scheduling.
 *   SCHEDOP_yield:         give the CPU to another vCPU. Returns 0.
 *   SCHEDOP_shutdown:      IN struct sched_shutdown {reason}: end the domain
 *                          (SHUTDOWN_poweroff, reboot, suspend, crash,
 *                          watchdog, soft_reset). Does not return to the
 *                          caller; -EINVAL for an unknown reason, -EFAULT.
 *   SCHEDOP_shutdown_code: IN struct sched_shutdown: record the code that
 *                          the shutdown report will show. Returns 0.
 * Blocking and polling (SCHEDOP_block, SCHEDOP_poll) arrive with event
 * channels; they and the rest answer -ENOSYS.
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
