/*
 * user.S - into guest user mode with the iret hypercall, back by a
 * system call, and one system call with every register known.
 *
 * Runs in: test guests; user_run and user_return in guest kernel mode,
 * user_probe in guest user mode.
 */
#include "pvabi/xen.h"
#include "user.h"

	.text

/*
 * long user_run(void (*entry)(void), u64 user_rsp, u64 rflags): keep the
 * callee-saved registers and rsp, then iret with CS = FLAT_USER_CS (RPL 3:
 * to user mode) and flags 0.
 */
	.globl	user_run
user_run:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, user_kernel_rsp(%rip)
	pushq	$FLAT_USER_SS		/* ss */
	pushq	%rsi			/* rsp */
	pushq	%rdx			/* rflags */
	pushq	$FLAT_USER_CS		/* cs */
	pushq	%rdi			/* rip */
	pushq	$0			/* flags */
	pushq	$0			/* rcx */
	pushq	$0			/* r11 */
	pushq	$0			/* rax */
	movl	$__HYPERVISOR_iret, %eax
	syscall
	ud2

/* The exit system call's handler resumes here, rsp = user_kernel_rsp. */
	.globl	user_return
user_return:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

/* void user_probe(void): the system call described by `probe`. */
	.globl	user_probe
user_probe:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movabsq	$KEPT_RBX, %rbx
	movabsq	$KEPT_RBP, %rbp
	movabsq	$KEPT_R12, %r12
	movabsq	$KEPT_R13, %r13
	movabsq	$KEPT_R14, %r14
	movabsq	$KEPT_R15, %r15
	movq	probe + UP_ARGS + 8(%rip), %rsi
	movq	probe + UP_ARGS + 16(%rip), %rdx
	movq	probe + UP_ARGS + 24(%rip), %r10
	movq	probe + UP_ARGS + 32(%rip), %r8
	movq	probe + UP_ARGS + 40(%rip), %r9
	movq	probe + UP_ARGS(%rip), %rdi
	leaq	1f(%rip), %rax
	movq	%rax, probe + UP_RIP(%rip)
	movq	%rsp, probe + UP_RSP_BEFORE(%rip)
	pushq	probe + UP_RFLAGS_IN(%rip)
	movq	probe + UP_NR(%rip), %rax
	popfq
	syscall
1:	pushfq
	popq	probe + UP_RFLAGS_OUT(%rip)
	cld
	movq	%rax, probe + UP_RET(%rip)
	movq	%rcx, probe + UP_RCX(%rip)
	movq	%r11, probe + UP_R11(%rip)
	movq	%rsp, probe + UP_RSP_AFTER(%rip)
	movq	%rbx, probe + UP_KEPT(%rip)
	movq	%rbp, probe + UP_KEPT + 8(%rip)
	movq	%r12, probe + UP_KEPT + 16(%rip)
	movq	%r13, probe + UP_KEPT + 24(%rip)
	movq	%r14, probe + UP_KEPT + 32(%rip)
	movq	%r15, probe + UP_KEPT + 40(%rip)
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

	.section .note.GNU-stack, "", @progbits
