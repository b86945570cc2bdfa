/*
 * compat.c - compat mode: Xen's x86-64 PV model, the guest kernel in ring 3.
 *
 * Runs in: hypervisor, interrupts off, for the current vCPU (or the one
 * being switched in).
 *
 * The guest kernel and its user processes both run in ring 3, so the CPU
 * cannot keep them apart: the hypervisor does, with two L4s per vCPU (the
 * kernel's, which maps kernel and user memory, and the user's, which maps
 * only user memory) and a flag saying which of the two contexts runs.
 * Every change between them goes through the hypervisor: a system call or
 * an exception from user mode is bounced to the kernel (to_kernel), and
 * the kernel returns with the iret hypercall (to_user). Each costs a CR3
 * write, about 1.35 us under QEMU (docs/design.md 9.3): two per guest
 * system call, the cost fast mode is meant to remove.
 *
 * Compat mode is this file (its table at the end, its L4 slots), its
 * state in a vCPU (pv/compat.h), its SYSCALL and SYSENTER entries
 * (pv/compat_entry.S) with their C halves (pv/compat_syscall.c), and its
 * descriptor rules (segdesc_ring3, mm/segdesc.c, beside the rules they
 * share with every mode). Generic code reaches all of it through the
 * table, or through pv/mode.h's switches for the hot members.
 */
#include "hv.h"
#include "layout.h"
#include "core/domain.h"
#include "mm/m2p.h"
#include "mm/paging.h"
#include "pv/compat.h"
#include "pv/mode.h"
#include "pv/traps.h"
#include "x86/cpu.h"
#include "pvabi/xen.h"

/*
 * Switch between guest kernel and guest user context: the L4 and which GS
 * base is active. The hypervisor itself never uses GS, so swapgs is enough
 * to exchange the two bases (docs/pv-mechanisms.md §6).
 */
static void toggle_guest_mode(struct vcpu *v)
{
	asm volatile("swapgs");
	v->kernel_mode = !v->kernel_mode;
	write_cr3((v->kernel_mode ? v->cr3_kernel : v->compat.cr3_user)
		  << PAGE_SHIFT);
}

/* A bounce from guest user mode: into the kernel's context. */
void compat_to_kernel(struct vcpu *v)
{
	toggle_guest_mode(v);
}

/* An iret to guest user mode: into the user's context, if it has one. */
bool compat_to_user(struct vcpu *v)
{
	if (!v->compat.cr3_user) {
		domain_crash(v->domain, "iret to user mode with no user page tables");
		return false;
	}
	toggle_guest_mode(v);
	return true;
}

static void compat_vcpu_init(struct vcpu *v)
{
	v->kernel_mode = true;	/* cr3_kernel is loaded: no cr3_user yet */
}

static mfn_t compat_active_l4(const struct vcpu *v)
{
	return v->kernel_mode ? v->cr3_kernel : v->compat.cr3_user;
}

/*H:340 The hypervisor in every address space
 * Every guest L4 the hypervisor builds or validates gets slots 257-271
 * copied from the hypervisor's own L4, and in slot 256 the read-only M2P.
 * The guest cannot touch the others (they are supervisor-only and the
 * guest runs in ring 3), and it can never write an entry of these slots:
 * validation refuses it. This is what lets a trap or a hypercall enter
 * the hypervisor without a CR3 switch.
 */
void compat_install_hv_l4_slots(u64 *l4)
{
	const u64 *idle = hv_l4();

	for (int i = HV_FIRST_L4_SLOT; i <= HV_LAST_L4_SLOT; i++)
		l4[i] = idle[i];
	l4[HV_FIRST_L4_SLOT] = m2p_l4_entry();
}

/* Compat mode's table: what pv/mode.h asks, answered for a ring-3 kernel. */
const struct pv_mode pv_compat_mode = {
	.id = PV_MODE_COMPAT,
	.name = "compat",
	.in_kernel = compat_in_kernel,
	.pf_error = compat_pf_error,
	.kernel_cs = FLAT_KERNEL_CS,
	.kernel_ss = FLAT_KERNEL_SS,
	.kernel_rpl = 3,
	.desc_rules = &segdesc_ring3,
	.vcpu_init = compat_vcpu_init,
	.cpu_init = compat_cpu_init,
	.guest_exception = pv_guest_exception,
	.to_kernel = compat_to_kernel,
	.to_user = compat_to_user,
	.active_l4 = compat_active_l4,
	.first_hv_l4_slot = HV_FIRST_L4_SLOT,
	.last_hv_l4_slot = HV_LAST_L4_SLOT,
	.install_hv_l4_slots = compat_install_hv_l4_slots,
	.user_l4 = true,
	.user_pages = true,
	.xenfeat = 0,
};
