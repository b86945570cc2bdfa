/*
 * user.S - the ring1 test's way into guest user mode and back, and the
 * page of user code it runs there.
 *
 * Runs in: test guests; user_call and user_return in guest kernel mode
 * (ring 1 in fast mode), the user page in guest user mode (ring 3).
 *
 * In fast mode the upper half, where the image is linked, is never
 * reachable from ring 3, so the user code is a page of its own,
 * position-independent, that main.c maps a second time in the lower half
 * with U set (user_page_va). Every user routine ends in ud2: the #UD (or
 * the fault it meets first) bounces to the kernel, whose handler resumes
 * user_call's caller at user_return with the handler's rax.
 */
#include "pvabi/xen.h"

	.text

/*
 * long user_call(u64 entry, u64 arg, u64 user_rsp): keep the callee-saved
 * registers and rsp, then the iret hypercall to user mode (CS RPL 3,
 * events on) at entry with rdi = arg; the iret leaves every register but
 * rax, rcx and r11 as they were at the syscall.
 */
	.globl	user_call
user_call:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, user_kernel_rsp(%rip)
	pushq	$FLAT_USER_SS		/* ss */
	pushq	%rdx			/* rsp */
	pushq	$0x202			/* rflags: IF, events on */
	pushq	$FLAT_USER_CS		/* cs: RPL 3, user mode */
	pushq	%rdi			/* rip */
	pushq	$0			/* flags */
	pushq	$0			/* rcx */
	pushq	$0			/* r11 */
	pushq	$0			/* rax */
	movq	%rsi, %rdi
	movl	$__HYPERVISOR_iret, %eax
	syscall
	ud2

/*
 * long user_iretq(u64 entry, u64 arg, u64 user_rsp): the same, but into
 * user mode by the kernel's own iretq, which ring 1 may do without the
 * hypervisor (it then learns the ring from the CPU at the next entry).
 */
	.globl	user_iretq
user_iretq:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, user_kernel_rsp(%rip)
	pushq	$FLAT_USER_SS
	pushq	%rdx
	pushq	$0x202
	pushq	$FLAT_USER_CS
	pushq	%rdi
	movq	%rsi, %rdi
	iretq

/* The kernel's handler resumes here, rsp = user_kernel_rsp, rax its result. */
	.globl	user_return
user_return:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

/* The user page: position-independent, mapped low with U set. */
	.section .text.user_page, "ax", @progbits
	.balign	4096
	.globl	user_page
user_page:

/* Read 8 bytes at rdi into rax, then #UD. */
	.globl	user_read
user_read:
	movq	(%rdi), %rax
	ud2

/* Write rdi's own value at rdi, then #UD. */
	.globl	user_write
user_write:
	movq	%rdi, (%rdi)
	ud2

/*
 * A hypercall attempted from user mode: rax = rdi (a hypercall number),
 * rdi = rsi, rsi = rdx, syscall, then #UD. It must be a system call to
 * the kernel's syscall callback, never a hypercall.
 */
	.globl	user_hypercall
user_hypercall:
	movq	%rdi, %rax
	movq	%rsi, %rdi
	movq	%rdx, %rsi
	syscall
	ud2

	.balign	4096
	.globl	user_page_end
user_page_end:

	.section .note.GNU-stack, "", @progbits
