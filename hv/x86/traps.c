/*
 * traps.c - what happens when the CPU raises an exception.
 *
 * Runs in: hypervisor, ring 0, interrupts off, on the stack the exception
 * arrived on (the TSS rsp0 stack from a guest, an IST stack for #DF/NMI/#MC).
 *
 * An exception inside the hypervisor is a hypervisor bug: print everything
 * that helps find it (vector, error code, RIP with its symbol, control
 * registers, all general registers, a stack trace with symbol names) and
 * stop. Exceptions from guests are routed to the PV code, which handles
 * or forwards them (hv/pv/).
 */
#include "hv.h"
#include "layout.h"
#include "core/guest_access.h"
#include "core/symbols.h"
#include "pv/mode.h"
#include "pv/traps.h"
#include "pv/switcher.h"
#include "x86/apic.h"
#include "x86/cpu.h"
#include "core/time.h"
#include "x86/regs.h"
#include "x86/traps.h"
#include "x86/percpu.h"
#include "core/hvlock.h"
#include "pv/compat.h"

static const char *const vector_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};

const char *trap_name(unsigned vector)
{
	if (vector < 32 && vector_names[vector])
		return vector_names[vector];
	return "interrupt";
}

static void print_symbol(const char *what, u64 addr)
{
	u64 off;
	const char *name = symbol_lookup(addr, &off);

	if (name)
		printk("%s %016llx <%s+0x%llx>\n", what, (unsigned long long)addr,
		       name, (unsigned long long)off);
	else
		printk("%s %016llx\n", what, (unsigned long long)addr);
}

/*
 * Return addresses up the frame-pointer chain from rbp (the hypervisor is
 * built with -fno-omit-frame-pointer), at most max, for as long as the
 * chain stays inside the stack it started on: every hypervisor stack is
 * HV_STACK_SIZE bytes and aligned to its size, so that stack is known
 * from rbp alone and a corrupt frame pointer ends the walk, not the
 * machine. Shared by the exception report and panic().
 */
int stack_walk(u64 rbp, u64 *ret, int max)
{
	u64 lo = ALIGN_DOWN(rbp, HV_STACK_SIZE), hi = lo + HV_STACK_SIZE;
	int n = 0;

	while (n < max && rbp >= lo && rbp + 16 <= hi && IS_ALIGNED(rbp, 8)) {
		const u64 *frame = (const u64 *)rbp;

		ret[n++] = frame[1];
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
	return n;
}

static void stack_trace(u64 rbp)
{
	u64 ret[32];
	int n = stack_walk(rbp, ret, ARRAY_SIZE(ret));

	printk("stack trace:\n");
	for (int i = 0; i < n; i++)
		print_symbol("  ", ret[i]);
}

/* The general registers, three to a line. */
static void print_gprs(const struct cpu_regs *r)
{
	const struct {
		const char *name;
		u64 val;
	} g[] = {
		{ "RAX:", r->rax }, { "RBX:", r->rbx }, { "RCX:", r->rcx },
		{ "RDX:", r->rdx }, { "RSI:", r->rsi }, { "RDI:", r->rdi },
		{ "RBP:", r->rbp }, { "R8: ", r->r8 }, { "R9: ", r->r9 },
		{ "R10:", r->r10 }, { "R11:", r->r11 }, { "R12:", r->r12 },
		{ "R13:", r->r13 }, { "R14:", r->r14 }, { "R15:", r->r15 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(g); i += 3)
		printk("%s %016llx  %s %016llx  %s %016llx\n",
		       g[i].name, (unsigned long long)g[i].val,
		       g[i + 1].name, (unsigned long long)g[i + 1].val,
		       g[i + 2].name, (unsigned long long)g[i + 2].val);
}

void trap_report(const struct cpu_regs *r)
{
	printk("*** %s (vector %llu) error code %#llx in %s\n",
	       trap_name((unsigned)r->vector), (unsigned long long)r->vector,
	       (unsigned long long)r->error_code,
	       regs_from_guest(r) ? "guest" : "hypervisor");
	print_symbol("RIP:", r->rip);
	printk("CS:  %04llx  RFLAGS: %016llx  RSP: %016llx  SS: %04llx\n",
	       (unsigned long long)r->cs, (unsigned long long)r->rflags,
	       (unsigned long long)r->rsp, (unsigned long long)r->ss);
	printk("CR0: %016llx  CR2: %016llx\n", (unsigned long long)read_cr0(),
	       (unsigned long long)read_cr2());
	printk("CR3: %016llx  CR4: %016llx\n", (unsigned long long)read_cr3(),
	       (unsigned long long)read_cr4());
	print_gprs(r);
	if (!regs_from_guest(r))
		stack_trace(r->rbp);
}

/*
 * A fault in the hypervisor on an access that has an exception-table
 * fixup (a guest-memory copy: core/guest_access.c; an iretq to a guest):
 * resume at the fixup, with the vector and error code kept in c's struct
 * pcpu for a fixup that reports them (x86/entry.S .Liret_fault, through
 * pv/iret.c; pv/emulate.c). Per CPU, not global: the switcher's path
 * below runs without the hypervisor lock while another CPU may take a
 * fixup under it. True if it was one.
 */
static bool fixup_trap(struct pcpu *c, struct cpu_regs *r)
{
	if (r->vector < 11 || r->vector > 14 || !fixup_exception(&r->rip))
		return false;
	c->fixup_vector = r->vector;
	c->fixup_error = r->error_code;
	return true;
}

/*
 * The CPU we run on, from any stack: this_cpu() where it works, else the
 * local APIC's id (an MMIO read: only for the switcher's rare faults).
 */
static struct pcpu *cpu_by_apic(void)
{
	u32 id = apic_id();

	for (int i = 0; i < nr_cpus_found; i++)
		if (pcpus[i] && pcpus[i]->apic_id == id)
			return pcpus[i];
	return NULL;
}

/*
 * A trap that runs on its IST stack, where this_cpu() (which looks at the
 * stack) does not work: each IST stack holds its CPU's struct pcpu just
 * above the frame (x86/desc.c). NMI, #DF and #MC from anywhere, #DB from
 * the hypervisor (a #DB from a guest was moved to the CPU's own stack:
 * entry.S). Handled here without the hypervisor lock: an NMI from a guest
 * is ignored (entry.S returns straight to it), #DB in the hypervisor is
 * noted and cleared, the rest stop the machine. True if it was one.
 */
static bool ist_trap(struct cpu_regs *r)
{
	struct pcpu *c = *(struct pcpu **)(r + 1);

	if (r->vector == 2 && regs_from_guest(r))
		return true;	/* a host NMI that arrived while a guest ran */
	if (r->vector == 1 && !regs_from_guest(r)) {
		BUG_ON(c->self != c);
		if (compat_sysenter_single_step(r))	/* a guest's TF across SYSENTER */
			return true;
		pv_debug_in_hypervisor(r, c->curr);	/* pv/traps.c */
		return true;
	}
	if (r->vector == 2 || r->vector == 8 || r->vector == 18) {
		trap_report(r);
		panic("%s on CPU %u", trap_name((unsigned)r->vector),
		      c->self == c ? c->id : ~0u);
	}
	return false;
}

/*
 * A fault on the switcher's entry stack: the boot CPU's way out to a
 * fast-mode vCPU (pv/switcher_entry.S, sw_exit), between its CPU write of
 * the guest's view and its iretq, after the hypervisor lock was dropped.
 * this_cpu() does not work there (not a hypervisor stack) and nothing
 * shared may be touched: only its exception-table fixup runs, which moves
 * to the hypervisor stack and takes the lock (pv_iret_fault). The CPU is
 * found by its APIC id, not assumed to be the boot CPU. True if it was one.
 */
static bool switcher_stack_trap(struct cpu_regs *r)
{
	u64 sp = (u64)r, lo = SW_PAGE_VA(0, SW_STACK_PAGE);
	struct pcpu *c;

	if (regs_from_guest(r) || sp < lo || sp >= lo + SW_STACK_PAGES * PAGE_SIZE)
		return false;
	c = cpu_by_apic();
	if (c && fixup_trap(c, r))
		return true;
	trap_report(r);
	panic("unexpected %s on the switcher's stack", trap_name((unsigned)r->vector));
}

/*
 * Called by entry.S for every exception vector. From a guest: the PV code
 * decides. From the hypervisor: a fault on a listed guest-memory access
 * resumes at its fixup (guest_access.c), a first read of the guest's LDT
 * maps it (pv/traps.c); anything else is our bug.
 */
void trap_entry(struct cpu_regs *r)
{
	bool alive;

	/*
	 * A guest may run with EFLAGS.AC set, and an exception or interrupt
	 * keeps it: entry.S clears it, or SMAP would be off for us until the
	 * next iretq. Check that it did.
	 */
	BUG_ON(cpu_smap && (read_rflags() & X86_EFLAGS_AC));
	if (r->vector == 1 || r->vector == 2 || r->vector == 8 || r->vector == 18)
		switcher_ist_used();	/* a frame on an IST stack: pv/switcher.c */
	if (ist_trap(r) || switcher_stack_trap(r))
		return;
	alive = hv_enter();	/* the hypervisor lock (core/hvlock.c) */
	if (r->vector == TIMER_VECTOR) {	/* from a guest or from idle */
		if (alive && regs_from_guest(r))
			pv_entry_from_guest(current, r);	/* which ring: pv/mode.h */
		timer_interrupt();
		return;
	}
	if (!alive && regs_from_guest(r))	/* its domain ended on another CPU */
		return;
	if (regs_from_guest(r))
		pv_entry_from_guest(current, r);
	if (regs_from_guest(r)) {
		pv_guest_exception_of(current, r);	/* pv/mode.h */
		return;
	}
	if (r->vector == 14 && pv_hv_ldt_fault(read_cr2(), r->error_code))
		return;		/* a guest LDT page, now mapped: retry */
	if (fixup_trap(this_cpu(), r))
		return;
	trap_report(r);
	panic("unexpected %s in the hypervisor", trap_name((unsigned)r->vector));
}
