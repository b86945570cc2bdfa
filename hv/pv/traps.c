/*
 * traps.c - what happens when a PV guest traps into the hypervisor.
 *
 * Runs in: hypervisor, interrupts off, with the guest's frame at the top of
 * the hypervisor stack.
 *
 * An exception raised by guest code is first offered to the
 * hypervisor's own fixups (privileged-instruction emulation, forced CPUID,
 * software interrupts, the writable page-table assist) and otherwise
 * bounced to the guest's handler for that vector, with the error code and
 * CR2 the guest would have seen on bare metal. A vector with no handler
 * crashes the domain, alone (Xen does the same). SYSCALL and SYSENTER,
 * which compat mode receives itself, are in pv/compat_syscall.c.
 *
 * Trusts: nothing of the guest's: the frame is the CPU's, instruction
 * bytes are fetched through the checked gate (core/guest_access.c), and
 * what is bounced is only ever the guest's own state.
 */
#include "hv.h"
#include "vaddr.h"
#include "core/domain.h"
#include "core/hypercall.h"
#include "mm/pv_mm.h"
#include "pv/bounce.h"
#include "pv/descriptor_tables.h"
#include "pv/emulate.h"
#include "pv/mode.h"
#include "pv/traps.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "x86/traps.h"
#include "pvabi/xen.h"


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
void pv_debug_in_hypervisor(struct cpu_regs *r, const struct vcpu *cur)
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
		       cur ? cur->domain->name : "no guest",
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
