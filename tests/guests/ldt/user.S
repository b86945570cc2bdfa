/*
 * user.S - the ldt test's ways into guest user mode and 32-bit code, and
 * the 32-bit code itself.
 *
 * Runs in: test guests; user_run and user_return in guest kernel mode,
 * the stubs in compatibility mode (copied below 4 GiB by main.c).
 */
#include "pvabi/xen.h"

	.text

/*
 * long user_run(u64 rip, u64 rsp, u64 rflags, u64 cs, u64 ss): keep the
 * callee-saved registers and rsp, then the iret hypercall to cs:rip on
 * ss:rsp (flags 0). CS with RPL 3 enters guest user mode, any other RPL
 * stays in the kernel. The int $0x82 handler comes back by resuming
 * user_return on user_kernel_rsp with the code in rax.
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
	pushq	%r8			/* ss */
	pushq	%rsi			/* rsp */
	pushq	%rdx			/* rflags */
	pushq	%rcx			/* cs */
	pushq	%rdi			/* rip */
	pushq	$0			/* flags */
	pushq	$0			/* rcx */
	pushq	$0			/* r11 */
	pushq	$0			/* rax */
	movl	$__HYPERVISOR_iret, %eax
	syscall
	ud2

	.globl	user_return
user_return:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

/*
 * Compatibility-mode stubs, position independent, copied to a low page:
 *	stub_esp:	report ESP in eax by int $0x82
 *	stub_spin16:	load SS with LDT selector 0x1f (16-bit), count down
 *			2^30 times, then report ESP
 */
	.section .rodata
	.globl	stub32_start, stub32_end, stub_esp, stub_spin16
stub32_start:
	.code32
stub_esp:
	movl	%esp, %eax
	int	$0x82
	ud2
stub_spin16:
	movw	$0x1f, %bx
	movw	%bx, %ss
	movl	$0x40000000, %ecx
1:	decl	%ecx
	jnz	1b
	movl	%esp, %eax
	int	$0x82
	ud2
	.code64
stub32_end:

	.section .note.GNU-stack, "", @progbits
