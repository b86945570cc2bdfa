/*
 * fast.c - fast mode: the guest kernel in ring 1.
 *
 * Runs in: hypervisor, interrupts off, for the current vCPU (or the one
 * being switched in).
 *
 * Compat mode runs a guest kernel in ring 3, beside its processes, so the
 * hypervisor must keep the two apart with two L4s and a CR3 write on every
 * change between them: two per guest system call, about 1.35 us each under
 * QEMU. Fast mode gives the kernel ring 1 instead, as 32-bit Xen and lguest
 * did: the kernel's pages are supervisor pages, which ring 3 cannot touch,
 * so one L4 per process serves kernel and user alike, and going between
 * them is a swapgs (pv/mode.h lists what else differs).
 *
 * What ring 1 may do is what ring 3 may, plus supervisor pages: every
 * privileged instruction (cli, sti, in, out, mov to CR*, lgdt, wrmsr, hlt,
 * swapgs...) still faults to the hypervisor, since IOPL is always 0 in
 * hardware (pv/iret.c forces it) and only CPL 0 may; IF stays 1 (ring 1
 * cannot change it) and events are masked in the shared vcpu_info, as in
 * compat mode. The guest's descriptors are raised to DPL 1, not 3
 * (segdesc_ring1), so Linux's own DPL-0 segments become its kernel's.
 *
 * A kernel must say it can run here (XENFEAT_pv_ring1_kernel in its ELF
 * notes) and learns that it does from XENVER_get_features: one binary runs
 * in both modes (pvabi/README.md, fast mode). The domain builder refuses
 * mode=fast for a kernel that does not say so.
 */
#include "hv.h"
#include "core/hvlock.h"
#include "layout.h"
#include "core/domain.h"
#include "mm/segdesc.h"
#include "pv/compat.h"
#include "pv/fast.h"
#include "pv/mode.h"
#include "pv/switcher.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "pvabi/version.h"
#include "pvabi/xen.h"

/* Called from fast_entry.S only. */
void fast_syscall(struct cpu_regs *r);

/*
 * Between the guest's kernel and user context only the GS base changes:
 * the hypervisor never uses GS, so swapgs exchanges the two bases
 * (docs/pv-mechanisms.md §6), and no CR3 write is needed.
 */
void fast_to_kernel(struct vcpu *v)
{
	asm volatile("swapgs");
	v->kernel_mode = true;
}

bool fast_to_user(struct vcpu *v)
{
	asm volatile("swapgs");
	v->kernel_mode = false;
	return true;
}

/*
 * Which ring the guest was in when it entered: the CPU's own CS. A ring-1
 * kernel may have gone to ring 3 by its own iretq, without the iret
 * hypercall (nothing stops it, and it is its own affair: GS is then the
 * kernel's in user mode), so the flag is taken from the hardware on every
 * entry, never believed from the last exit.
 */
void fast_entry_from_guest(struct vcpu *v, const struct cpu_regs *r)
{
	v->kernel_mode = (r->cs & 3) != 3;
	v->kernel_sp = switcher_kernel_sp();	/* stack_switch, served there */
}

/* A SYSCALL: fast_entry.S gave the frame its ring's CS. */
void fast_syscall(struct cpu_regs *r)
{
	if (!hv_enter())	/* the hypervisor lock: core/hvlock.c */
		return;
	fast_entry_from_guest(current, r);
	pv_syscall64(r);
}

static void fast_vcpu_init(struct vcpu *v)
{
	v->kernel_mode = true;
}

static mfn_t fast_active_l4(const struct vcpu *v)
{
	return v->cr3_kernel;	/* the only one */
}

/*
 * The CPU's entries: the switcher's (pv/switcher.c), which pass on to
 * fast_entry.S for SYSCALL and to compat mode's code for the rest (a
 * 32-bit SYSCALL is a system call from either ring, bounced the same way
 * in both modes: pv/compat_syscall.c). SYSENTER is off: with CS 0 it
 * raises #GP, which the guest gets.
 */
static void fast_cpu_init(bool sysenter)
{
	switcher_cpu_enter(sysenter);
}

/*
 * Around every exit to a fast vCPU (pv/exit.c): what the switcher's fast
 * paths did since the last one is counted, and what they need for this
 * vCPU is set (pv/switcher.c).
 */
void fast_exit_begin(struct vcpu *v)
{
	switcher_fold_counts(v);
}

void fast_exit_end(struct vcpu *v)
{
	switcher_prepare_exit(v);
}

/* Its L4 was loaded (switched to, NEW_BASEPTR): the guest's view follows. */
void fast_l4_loaded(const struct vcpu *v)
{
	switcher_load_l4(v);
}

/* Fast mode's table: what pv/mode.h asks, answered for a ring-1 kernel. */
const struct pv_mode pv_fast_mode = {
	.id = PV_MODE_FAST,
	.name = "fast",
	.in_kernel = fast_in_kernel,
	.pf_error = fast_pf_error,
	.kernel_cs = FLAT_RING1_CS64,
	.kernel_ss = FLAT_RING1_SS64,
	.kernel_rpl = 1,
	.desc_rules = &segdesc_ring1,
	.vcpu_init = fast_vcpu_init,
	.cpu_init = fast_cpu_init,
	.guest_exception = pv_guest_exception,
	.to_kernel = fast_to_kernel,
	.to_user = fast_to_user,
	.active_l4 = fast_active_l4,
	.first_hv_l4_slot = HV_FIRST_L4_SLOT,
	.last_hv_l4_slot = HV_LAST_L4_SLOT,
	.install_hv_l4_slots = compat_install_hv_l4_slots,	/* for now: pv/compat.c */
	.user_l4 = false,
	.user_pages = false,
	.xenfeat = 1u << XENFEAT_pv_ring1_kernel,
};
