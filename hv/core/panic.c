/*
 * panic.c - the hypervisor stops because one of its own invariants broke.
 *
 * Runs in: hypervisor, any context. A guest can never reach this on
 * purpose: bad requests return errors and broken guests are crashed alone
 * (the error policy in docs/architecture.md). So a panic is always our bug,
 * and the run ends with the failure status after printing where it was.
 *
 * Several CPUs: the first CPU to panic reports and ends the run; another
 * that panics meanwhile stops where it is (cli; hlt), so the first one's
 * report is not cut short. A panic on the panicking CPU itself (while
 * printing) ends the run at once. The CPU is known by its initial APIC id
 * (CPUID: it works on any stack, before the local APIC is mapped). Its
 * output takes the console lock without waiting for ever (core/console.c):
 * the panic may come from inside the console or from the lock checker.
 */
#include "hv.h"
#include "core/symbols.h"
#include "x86/cpu.h"
#include "x86/power.h"
#include "x86/traps.h"

#define NO_CPU	(~0u)
static u32 panic_cpu = NO_CPU;	/* the initial APIC id of the CPU that panics */

/* This CPU is the one printing a panic (core/console.c asks). */
bool panic_on_this_cpu(void)
{
	u32 p = __atomic_load_n(&panic_cpu, __ATOMIC_ACQUIRE);

	return p != NO_CPU && p == cpu_initial_apic_id();
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	u64 off, rbp, ret[16];
	const char *name;
	u32 me, was = NO_CPU;
	int n;

	asm volatile("cli");
	me = cpu_initial_apic_id();
	if (!__atomic_compare_exchange_n(&panic_cpu, &was, me, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (was == me)	/* panicked while panicking: just stop */
			hv_exit(false);
		halt_forever();	/* another CPU reports its own panic */
	}
	va_start(ap, fmt);
	hv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("PANIC: %s\n", msg);

	/* Our own callers, through the frame-pointer chain (x86/traps.c). */
	asm volatile("movq %%rbp, %0" : "=r"(rbp));
	n = stack_walk(rbp, ret, ARRAY_SIZE(ret));
	for (int i = 0; i < n; i++) {
		name = symbol_lookup(ret[i], &off);
		if (!name)
			break;
		printk("  called from %s+0x%llx\n", name, (unsigned long long)off);
	}
	hv_exit(false);
}
