/*
 * regs.h - the register frame every entry into the hypervisor builds.
 *
 * Runs in: hypervisor. The layout is shared with entry.S (offsets below):
 * the CPU pushes ss..rip (and an error code for some vectors), the entry
 * stub pushes a zero error code where the CPU did not plus the vector, then
 * the general registers. The same frame describes an exception in the
 * hypervisor, an exception in a guest and a guest hypercall, so one
 * reporting function and one exit path serve all three.
 */
#ifndef HV_X86_REGS_H
#define HV_X86_REGS_H

#define REGS_R15	0
#define REGS_RAX	80
#define REGS_VECTOR	120
#define REGS_ERROR	128
#define REGS_RIP	136
#define REGS_CS		144
#define REGS_RFLAGS	152
#define REGS_RSP	160
#define REGS_SS		168
#define REGS_SIZE	176

/* Not hardware vectors: what a SYSCALL or SYSENTER entry writes in the frame. */
#define SYSCALL_VECTOR	0x100
#define SYSENTER_VECTOR	0x101

#ifndef __ASSEMBLER__
#include "hv.h"

struct cpu_regs {
	u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	u64 rax, rcx, rdx, rsi, rdi;
	u64 vector;
	u64 error_code;
	u64 rip, cs, rflags, rsp, ss;	/* the hardware frame */
};

_Static_assert(__builtin_offsetof(struct cpu_regs, rax) == REGS_RAX, "regs");
_Static_assert(__builtin_offsetof(struct cpu_regs, vector) == REGS_VECTOR, "regs");
_Static_assert(__builtin_offsetof(struct cpu_regs, rip) == REGS_RIP, "regs");
_Static_assert(sizeof(struct cpu_regs) == REGS_SIZE, "regs");

/* Did this frame come from a guest (ring 3) rather than the hypervisor? */
static inline bool regs_from_guest(const struct cpu_regs *r)
{
	return (r->cs & 3) != 0;
}
#endif

#endif /* HV_X86_REGS_H */
