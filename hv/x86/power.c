/*
 * power.c - end the run with a status the host can read.
 *
 * Runs in: hypervisor, any context.
 *
 * QEMU's isa-debug-exit device (tools/run adds it at port 0xf4) makes QEMU
 * exit with status (value << 1) | 1 when the guest writes a value to its
 * port. On a machine without it the write does nothing and we halt, which
 * is all real hardware without ACPI support in the hypervisor can do.
 */
#include "hv.h"
#include "core/console.h"
#include "x86/cpu.h"
#include "x86/power.h"

#define DEBUG_EXIT_PORT	0xf4

void hv_exit(bool success)
{
	printk("exit: %s\n", success ? "success" : "failure");
	console_flush();	/* all of it: QEMU ends at the next instruction */
	outl(DEBUG_EXIT_PORT, success ? HV_EXIT_SUCCESS : HV_EXIT_FAILURE);
	printk("no isa-debug-exit device: halting\n");
	halt_forever();
}
