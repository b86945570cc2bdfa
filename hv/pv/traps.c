/*
 * traps.c - what happens when a PV guest traps into the hypervisor.
 *
 * Runs in: hypervisor, interrupts off, with the guest's frame at the top of
 * the hypervisor stack.
 *
 * A 64-bit SYSCALL from guest kernel mode is a hypercall; from guest user
 * mode it is a system call, bounced to the guest kernel's syscall callback.
 * A SYSCALL from compatibility mode and a SYSENTER are system calls from
 * either mode, bounced to the syscall32 and sysenter callbacks (Xen's
 * rules: nothing an unprivileged guest process executes can crash its
 * domain). An exception raised by guest code is first offered to the
 * hypervisor's own fixups (privileged-instruction emulation, forced CPUID,
 * software interrupts, the writable page-table assist) and otherwise
 * bounced to the guest's handler for that vector, with the error code and
 * CR2 the guest would have seen on bare metal. A vector with no handler
 * crashes the domain, alone (Xen does the same).
 *
 * Trusts: nothing of the guest's: the frame is the CPU's, instruction
 * bytes are fetched through the checked gate (core/guest_access.c), and
 * what is bounced is only ever the guest's own state.
 */
#include "hv.h"
#include "vaddr.h"
#include "core/domain.h"
#include "core/hypercall.h"
#include "pv/iret.h"
#include "mm/pv_mm.h"
#include "mm/segdesc.h"
#include "pv/bounce.h"
#include "pv/descriptor_tables.h"
#include "pv/emulate.h"
#include "pv/mode.h"
#include "pv/traps.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "x86/segments.h"
#include "x86/traps.h"
#include "pvabi/xen.h"


void pv_syscall(struct cpu_regs *r);
void pv_syscall32(struct cpu_regs *r);
void pv_sysenter(struct cpu_regs *r);

/*H:630 A system call from guest user mode
 * Guest user and guest kernel both run in ring 3, so a process's SYSCALL
 * comes to the hypervisor (compat_entry.S), which bounces it into the
 * guest kernel's callback at target: two transitions and a CR3 switch
 * where bare metal has one. Without a callback,
 * Xen's rule: a #UD at the syscall instruction (a kernel that registered
 * none gets the fault in its #UD handler, and a process the signal).
 * Events are masked on entry if the 64-bit syscall callback was registered
 * with CALLBACKF_mask_events: Xen keeps one such flag for both SYSCALL
 * callbacks of a 64-bit guest (the syscall32 one's is for 32-bit guests).
 * DF is cleared, as SYSCALL_MASK would on bare metal.
 */
static void bounce_syscall(struct cpu_regs *r, u64 target)
{
	struct vcpu *v = current;

	if (!target) {
		r->rip -= 2;	/* both forms of syscall are 0f 05 */
		pv_inject_trap(r, 6, false, 0);
		return;
	}
	v->domain->stats.syscalls++;
	pv_bounce(r, target, false, 0, v->syscall_masks_events);
	r->rflags &= ~X86_EFLAGS_DF;
}

void pv_syscall(struct cpu_regs *r)
{
	struct vcpu *v = current;

	if (!pv_in_kernel(v)) {
		bounce_syscall(r, v->syscall_callback);
		return;
	}
	if (r->rax == __HYPERVISOR_iret) {	/* it rewrites the whole frame */
		v->domain->hypercalls[__HYPERVISOR_iret]++;
		r->rax = (u64)pv_do_iret(r);
		return;
	}
	hypercall_from_guest(r);	/* result in rax, or a continuation */
}

/*
 * A SYSCALL from compatibility mode (CS 0xe023), in guest user or guest
 * kernel mode: Xen has no hypercall path here, so it is always a system
 * call for the syscall32 callback, with the frame the CPU gave (CS 0xe023,
 * or 0xe020 from the kernel; RIP and RFLAGS from rcx and r11), and a #UD
 * without one: never the 64-bit callback. Any process can get here by a
 * far jump to 0xe023, so nothing here may cost more than the process.
 */
void pv_syscall32(struct cpu_regs *r)
{
	bounce_syscall(r, current->syscall32_callback);
}

/*
 * SYSENTER (compat_entry.S built a frame of RIP 0, CS 3, RSP 0): into the
 * sysenter callback, events masked if it was registered so; the guest's
 * convention (rcx, rdx) says where to return. Without a callback Xen
 * gives #GP(0) with that same frame, which a guest kernel turns into a
 * signal for the process. From guest kernel mode the frame goes below
 * RSP 0, at the very top of the address space, as on Xen: a kernel that
 * does not map it crashes itself (pv_bounce).
 *
 * Xen also clears EFLAGS.NT, which SYSENTER leaves set, before anything
 * can iretq with it (compat_entry.S does), and the callback runs with NT
 * clear while the frame keeps the guest's flags (pv_bounce).
 */
void pv_sysenter(struct cpu_regs *r)
{
	struct vcpu *v = current;

	if (!v->sysenter_callback) {	/* #GP(0), SYSENTER's frame */
		pv_inject_trap(r, 13, true, 0);
		return;
	}
	v->domain->stats.syscalls++;
	pv_bounce(r, v->sysenter_callback, false, 0, v->sysenter_masks_events);
}

/*
 * A #DB in ring 0 inside compat_sysenter_entry before it saved the flags:
 * the guest executed SYSENTER with TF set, and the CPU single-steps our
 * entry code until the flags are saved (SYSENTER does not clear TF). Let
 * each pass; at compat_sysenter_flags_saved clear TF in the interrupted
 * entry's flags (the guest's copy is saved). The status bits the steps set
 * in DR6 are ours, not the guest's: reset them, as Xen does.
 */
bool pv_sysenter_single_step(struct cpu_regs *r)
{
	extern const char compat_sysenter_entry[], compat_sysenter_flags_saved[];
	const u64 dr6_default = 0xffff0ff0;

	if (r->vector != 1 || !(r->rflags & X86_EFLAGS_TF) ||
	    r->rip < (u64)compat_sysenter_entry ||
	    r->rip > (u64)compat_sysenter_flags_saved)
		return false;
	if (r->rip == (u64)compat_sysenter_flags_saved)
		r->rflags &= ~X86_EFLAGS_TF;
	asm volatile("mov %0, %%dr6" : : "r"(dr6_default));
	return true;
}

/*
 * A fault on the vCPU's LDT pages: the CPU read a descriptor there for the
 * first time (pv/descriptor_tables.c). Map the page and retry the
 * instruction; if the guest's own mapping does not allow it, the guest
 * gets the fault at its address, as on Xen: #PF at ldt_base + offset, or
 * #GP(selector) where that address is not canonical.
 */
static bool ldt_fault(struct cpu_regs *r, u64 cr2)
{
	struct vcpu *v = current;
	u64 va;
	u32 off;

	if (!pv_ldt_fault_offset(v, cr2, r->error_code, &off))
		return false;
	if (pv_map_ldt_page(v, off))
		return true;
	va = v->ldt_base + off;
	if (!canonical_va(va)) {
		pv_inject_trap(r, 13, true, (off & ~3U) | 4);
		return true;
	}
	v->vcpu_info->arch.cr2 = va;
	pv_inject_trap(r, 14, true, guest_pf_error(v, r->error_code));
	return true;
}

/*
 * A page fault in the hypervisor on the current vCPU's LDT pages: our own
 * segment loads, lar and iretq read the guest's LDT too. Map the page and
 * retry (true); otherwise the faulting instruction's fixup decides.
 */
bool pv_hv_ldt_fault(u64 cr2, u64 err)
{
	struct vcpu *v = current;
	u32 off;

	return v && pv_ldt_fault_offset(v, cr2, err, &off) && pv_map_ldt_page(v, off);
}

void pv_page_fault(struct cpu_regs *r)
{
	struct vcpu *v = current;
	u64 cr2 = read_cr2();
	u64 err = r->error_code;

	if (ldt_fault(r, cr2))
		return;
	if (ptwr_do_page_fault(r, cr2)) {	/* mm/ptwr.c: a page-table write */
		v->domain->stats.ptwr++;
		return;
	}
	err = guest_pf_error(v, err);	/* the PV mode's: pv/mode.h */
	v->vcpu_info->arch.cr2 = cr2;
	pv_inject_trap(r, 14, true, err);
}

static void general_protection(struct cpu_regs *r)
{
	u64 err = r->error_code;

	if (err == 0 && pv_emulate_priv_op(r)) {
		current->domain->stats.emul_priv++;
		return;
	}
	if ((err & 3) == 2 && pv_emulate_int(r, &err))
		return;
	pv_inject_trap(r, 13, true, err);
}

/*
 * #NM: the guest set its virtual CR0.TS (fpu_taskswitch) to be told when a
 * task first uses the FPU. As on Xen, TS is cleared (real and virtual)
 * before the guest's handler runs, so it can use the FPU at once.
 */
static void device_not_available(struct cpu_regs *r)
{
	struct vcpu *v = current;

	if (!v->vcr0_ts) {
		domain_crash(v->domain, "#NM with the virtual CR0.TS clear");
		return;
	}
	do_fpu_taskswitch(0, 0, 0, 0, 0);
	pv_inject_trap(r, 7, false, 0);
}

/*
 * #DB from guest code (a breakpoint it armed, a single step, icebp): as
 * Xen, merge what the CPU reports in DR6 into the virtual DR6 that the
 * guest reads (get_debugreg(6), mov from %dr6) to learn why it trapped
 * (pv/debugreg.c:dbg_merge_dr6), reset the real DR6, whose status bits
 * are sticky, and deliver #DB. x86/entry.S has moved the frame from the
 * #DB stack to the usual one.
 */
static void debug_trap(struct cpu_regs *r)
{
	struct vcpu *v = current;
	u64 dr6 = read_dr6();

	write_dr6(DR6_DEFAULT);
	v->dbg.dr6 = dbg_merge_dr6(v->dbg.dr6, dr6);
	pv_inject_trap(r, 1, false, 0);
}

/*
 * #DB in hypervisor context, on its own stack (IST). A guest can cause
 * it: a data breakpoint on guest memory that the hypervisor reads or
 * writes on its behalf (a hypercall argument, a bounce frame), or a #DB
 * held back by MOV SS/POP SS that the CPU delivers at the first
 * instruction of a SYSCALL or exception entry, before the stack switch
 * (XSA-260: why #DB has its own stack). Both are traps: note it and
 * carry on, as Xen 4.17 does; the guest does not see it. DR6 is mostly
 * the guest's to set, so nothing here trusts it beyond this: an
 * instruction breakpoint cannot point into the hypervisor (DR0-3 are
 * checked), so one hit here means that check failed: disarm everything,
 * or the fault would repeat forever. A TF left set would single-step
 * the hypervisor: clear it. The log is limited: a guest can cause one of
 * these on every hypercall.
 */
void pv_debug_in_hypervisor(struct cpu_regs *r)
{
	static unsigned reported;
	u64 dr6 = read_dr6(), dr7 = read_dr7();

	write_dr6(DR6_DEFAULT);
	for (int bp = 0; bp < 4; bp++) {
		if ((dr6 & (1ULL << bp)) && (dr7 & (3ULL << (2 * bp))) &&
		    !(dr7 & (3ULL << (16 + 4 * bp)))) {
			printk("instruction breakpoint %d hit in the hypervisor at %#llx: debug registers disarmed\n",
			       bp, (unsigned long long)r->rip);
			write_dr7(0);
			break;
		}
	}
	if (r->rflags & X86_EFLAGS_TF) {
		printk("single step in the hypervisor at %#llx: TF cleared\n",
		       (unsigned long long)r->rip);
		r->rflags &= ~X86_EFLAGS_TF;
	}
	if (reported < 8 || hv_loglvl >= LOG_DEBUG)
		printk("#DB in hypervisor context at %#llx, dr6 %#llx (%s)%s\n",
		       (unsigned long long)r->rip, (unsigned long long)dr6,
		       current ? current->domain->name : "no guest",
		       ++reported == 8 ? "; more are not reported" : "");
}

/*H:610 When guest code faults
 * An exception raised by guest code (vector < 32) arrives here from
 * x86/traps.c. Some faults are the hypervisor's to fix: a write to a
 * read-only page table (the writable page-table assist), a privileged
 * instruction it emulates, a forced CPUID, a software interrupt. Everything
 * else goes to the guest kernel's handler for that vector, with the error
 * code and CR2 the guest would have seen on bare metal.
 */
void pv_guest_exception(struct cpu_regs *r)
{
	unsigned vec = (unsigned)r->vector;

	if (hv_loglvl >= LOG_DEBUG && vec != 14 && vec != 13)
		trap_report(r);
	if (vec < 32)
		current->domain->stats.traps[vec]++;
	switch (vec) {
	case 14:
		pv_page_fault(r);
		return;
	case 13:
		general_protection(r);
		return;
	case 6:
		if (!pv_emulate_forced_cpuid(r))
			pv_inject_trap(r, 6, false, 0);
		return;
	case 7:
		device_not_available(r);
		return;
	case 1:
		debug_trap(r);
		return;
	case 2:		/* a host NMI that arrived while a guest ran */
		return;
	case 8:
	case 18:
		trap_report(r);
		panic("%s while a guest ran", trap_name(vec));
	case 10: case 11: case 12: case 17: case 21:
		pv_inject_trap(r, vec, true, r->error_code);
		return;
	default:
		pv_inject_trap(r, vec, false, 0);
		return;
	}
}

/*
 * Point SYSCALL and SYSENTER at compat mode's entries. STAR's selectors
 * give Xen's layout: SYSCALL enters with CS 0xe008 / SS 0xe010; SYSRET
 * would return to 0xe033 / 0xe02b, the guest's FLAT_RING3 selectors.
 * SYSCALL_MASK clears IF, TF, DF, AC and NT on entry: the hypervisor runs
 * with interrupts off and never single-steps or trusts the direction flag.
 * SYSENTER, where the CPU has it (sysenter is false otherwise), enters
 * with CS 0xe008 / SS 0xe010 on the top of the hypervisor stack, as Xen's
 * does; the reset values (CS 0) would make it #GP in the guest, not what
 * Xen gives.
 */
void pv_compat_cpu_init(bool sysenter)
{
	extern const char compat_syscall_entry[], compat_syscall32_entry[],
		compat_sysenter_entry[];

	wrmsr(MSR_STAR, ((u64)GUEST_CS32 << 48) | ((u64)HV_CS << 32));
	wrmsr(MSR_LSTAR, (u64)compat_syscall_entry);
	wrmsr(MSR_CSTAR, (u64)compat_syscall32_entry);
	wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF |
	      X86_EFLAGS_AC | X86_EFLAGS_NT);
	if (sysenter) {
		wrmsr(MSR_SYSENTER_CS, HV_CS);
		wrmsr(MSR_SYSENTER_ESP, hv_stack_top);
		wrmsr(MSR_SYSENTER_EIP, (u64)compat_sysenter_entry);
	}
}
