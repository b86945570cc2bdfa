/*
 * panic.c - the hypervisor stops because one of its own invariants broke.
 *
 * Runs in: hypervisor, any context. A guest can never reach this on
 * purpose: bad requests return errors and broken guests are crashed alone
 * (the error policy in docs/architecture.md). So a panic is always our bug,
 * and the run ends with the failure status after printing where it was.
 */
#include "hv.h"
#include "core/symbols.h"
#include "x86/cpu.h"
#include "x86/power.h"
#include "x86/traps.h"

static bool in_panic;

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	u64 off, rbp, ret[16];
	const char *name;
	int n;

	asm volatile("cli");
	if (in_panic)		/* panicked while panicking: just stop */
		hv_exit(false);
	in_panic = true;
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
