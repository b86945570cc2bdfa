/*
 * exit.h - the last stop before a guest runs again (pv/exit.c).
 */
#ifndef HV_PV_EXIT_H
#define HV_PV_EXIT_H

#include "x86/regs.h"

u64 guest_exit_prepare(struct cpu_regs *frame);	/* from x86/entry.S */

#endif
