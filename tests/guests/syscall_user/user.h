/*
 * user.h - the syscall_user test's guest user mode: entering it, and one
 * system call with every register known (user.S).
 *
 * Runs in: test guests; user_run in guest kernel mode, the rest in guest
 * user mode.
 */
#ifndef SYSCALL_USER_H
#define SYSCALL_USER_H

/* struct probe offsets, for user.S */
#define UP_NR		0
#define UP_ARGS		8	/* rdi rsi rdx r10 r8 r9 */
#define UP_RFLAGS_IN	56	/* rflags just before the syscall */
#define UP_RET		64	/* rax after */
#define UP_RCX		72
#define UP_R11		80
#define UP_RIP		88	/* the address after the syscall instruction */
#define UP_RSP_BEFORE	96
#define UP_RSP_AFTER	104
#define UP_RFLAGS_OUT	112
#define UP_KEPT		120	/* rbx rbp r12 r13 r14 r15 after */
#define UP_SIZE		168

/* What user_probe puts in the registers the kernel must not change. */
#define KEPT_RBX	0x0b0b0b0b0b0b0b0b
#define KEPT_RBP	0x0bbb0bbb0bbb0bbb
#define KEPT_R12	0x1212121212121212
#define KEPT_R13	0x1313131313131313
#define KEPT_R14	0x1414141414141414
#define KEPT_R15	0x1515151515151515

#ifndef __ASSEMBLER__
#include "guest.h"

struct probe {
	u64 nr;
	u64 args[6];
	u64 rflags_in;
	u64 ret, rcx, r11, rip, rsp_before, rsp_after, rflags_out;
	u64 kept[6];
};
_Static_assert(sizeof(struct probe) == UP_SIZE, "struct probe");
_Static_assert(__builtin_offsetof(struct probe, kept) == UP_KEPT, "struct probe");

/* The probe user_probe() uses: fill nr, args, rflags_in; read the rest. */
extern struct probe probe;
void user_probe(void);

/*
 * Enter guest user mode at entry, on user_rsp, with rflags; returns the
 * code the user program passed to its exit system call (whose handler
 * resumes at user_return on user_kernel_rsp, in kernel mode).
 */
long user_run(void (*entry)(void), u64 user_rsp, u64 rflags);
extern char user_return[];
extern u64 user_kernel_rsp;
#endif

#endif /* SYSCALL_USER_H */
