/*
 * probe.h - make one hypercall with every register set to a known value,
 * and see what came back.
 *
 * Runs in: test guests.
 *
 * The x86-64 PV hypercall ABI lets the hypervisor change rax (the result),
 * rcx and r11 (the syscall instruction's own) and the five argument
 * registers; everything else, and rsp, must come back as it was (compiled
 * code keeps values in rbx, rbp, r9 and r12-r15 across a hypercall), and
 * a hypercall page stub also keeps rcx and r11 (pvabi/README.md). C cannot see registers,
 * so probe_call.S loads them from a struct hc_probe, makes the call, and
 * stores them back.
 */
#ifndef GUEST_PROBE_H
#define GUEST_PROBE_H

/* Offsets in struct hc_probe, for probe_call.S */
#define HP_NR		0
#define HP_STUB		8
#define HP_ARGS		16	/* rdi rsi rdx r10 r8 */
#define HP_IN		56	/* rbx rbp r9 r12 r13 r14 r15 rcx r11 */
#define HP_OUT		128	/* the same, after the call */
#define HP_RET		200
#define HP_RSP_BEFORE	208
#define HP_RSP_AFTER	216
#define HP_RFLAGS_AFTER	224
#define HP_SIZE		232

#define HP_NR_REGS	9

#ifndef __ASSEMBLER__
#include "hv.h"

struct hc_probe {
	u64 nr;			/* IN: the hypercall number (rax) */
	u64 stub;		/* IN: 0: `syscall`; else `call stub` */
	u64 args[5];		/* IN */
	u64 in[HP_NR_REGS];	/* IN: rbx rbp r9 r12 r13 r14 r15 rcx r11 */
	u64 out[HP_NR_REGS];	/* OUT: the same registers afterwards */
	u64 ret;		/* OUT: rax */
	u64 rsp_before;		/* OUT: rsp at the call ... */
	u64 rsp_after;		/* OUT: ... and after it */
	u64 rflags_after;	/* OUT */
};
_Static_assert(__builtin_offsetof(struct hc_probe, args) == HP_ARGS, "HP_ARGS");
_Static_assert(__builtin_offsetof(struct hc_probe, in) == HP_IN, "HP_IN");
_Static_assert(__builtin_offsetof(struct hc_probe, out) == HP_OUT, "HP_OUT");
_Static_assert(__builtin_offsetof(struct hc_probe, ret) == HP_RET, "HP_RET");
_Static_assert(__builtin_offsetof(struct hc_probe, rflags_after) ==
	       HP_RFLAGS_AFTER, "HP_RFLAGS_AFTER");
_Static_assert(sizeof(struct hc_probe) == HP_SIZE, "HP_SIZE");

/* probe_call.S */
void hypercall_probe(struct hc_probe *p);

/*
 * probe.c: hypercall nr with arguments a1, a2 (the rest 0) through stub
 * (0: syscall), every other register loaded with a distinct pattern;
 * records a test failure for each register the call did not keep, named
 * with what. Returns the hypercall's result.
 */
long probe_hypercall(const char *what, u64 nr, u64 stub, u64 a1, u64 a2);

#endif /* !__ASSEMBLER__ */
#endif /* GUEST_PROBE_H */
