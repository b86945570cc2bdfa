/*
 * low.S - the cpu_state test's code that runs in compatibility mode or
 * changes mode: into 32-bit code through the DPL-3 segment 0xe023 that
 * every GDT has, 32-bit syscall, sysenter, int $0x80 and UMIP's
 * instructions there, 64-bit sysenter, and into and out of guest user
 * mode.
 *
 * Runs in: test guests, guest kernel or guest user mode (ring 3 both).
 *
 * compat_page is one page of the image, page aligned, mapped a second time
 * at LOW_CODE_VA (main.c) so that 32-bit code has 32-bit addresses; the
 * code in it refers to itself through LOW(). It is entered by a far jump
 * (not lret: with SMAP, QEMU before 9.1 faults a CPL-3 lret's pops), and
 * every snippet leaves by a far jump to back64, 64-bit code in the same
 * page, which jumps to compat_return in the normal text.
 */
#include "pvabi/xen.h"
#include "cpu_state.h"

#define LOW(sym)	(LOW_CODE_VA + ((sym) - compat_page))
#define EFLAGS_TF	0x100
#define EFLAGS_NT	0x4000

	.section .text.compat, "ax"
	.balign	4096
	.globl	compat_page
compat_page:

	.code32
/* 32-bit SYSCALL with DF set: the callback must run with DF clear. */
	.globl	c_syscall, c_syscall_insn, c_syscall_next
c_syscall:
	movl	$0x5c32, %eax
	std
c_syscall_insn:
	syscall
c_syscall_next:
	cld
	ljmpl	$SEL_CS64, $LOW(back64)

/* SYSENTER with the SYSEXIT convention: ecx = esp, edx = the way on. */
	.globl	c_sysenter, c_sysenter_insn, c_sysenter_next
c_sysenter:
	movl	%esp, %ecx
	movl	$LOW(c_sysenter_next), %edx
c_sysenter_insn:
	sysenter
c_sysenter_next:
	ljmpl	$SEL_CS64, $LOW(back64)

/* The same with EFLAGS.NT set (XTF's xsa-339). */
	.globl	c_sysenter_nt, c_sysenter_nt_insn, c_sysenter_nt_next
c_sysenter_nt:
	movl	%esp, %ecx
	movl	$LOW(c_sysenter_nt_next), %edx
	pushfl
	orl	$EFLAGS_NT, (%esp)
	popfl
c_sysenter_nt_insn:
	sysenter
c_sysenter_nt_next:
	pushfl
	andl	$~EFLAGS_NT, (%esp)
	popfl
	ljmpl	$SEL_CS64, $LOW(back64)

/*
 * And with EFLAGS.TF set: the single-step trap after popfl is the one
 * after sysenter, in the hypervisor's entry code.
 */
	.globl	c_sysenter_tf, c_sysenter_tf_insn, c_sysenter_tf_next
c_sysenter_tf:
	movl	%esp, %ecx
	movl	$LOW(c_sysenter_tf_next), %edx
	pushfl
	orl	$EFLAGS_TF, (%esp)
	popfl
c_sysenter_tf_insn:
	sysenter
c_sysenter_tf_next:
	ljmpl	$SEL_CS64, $LOW(back64)

	.globl	c_int80, c_int80_next
c_int80:
	int	$0x80
c_int80_next:
	ljmpl	$SEL_CS64, $LOW(back64)

/*
 * UMIP's register forms in compatibility mode, stored at UMIP_COMPAT_VA
 * (smsw, sldt, str); then a memory form, #GP(0) under UMIP (pvisor
 * emulates memory operands in 64-bit code only), which resumes at
 * c_umip_next.
 */
	.globl	c_umip, c_umip_sgdt, c_umip_next
c_umip:
	movl	$0xa5a5a5a5, %eax
	movl	%eax, %ecx
	movl	%eax, %edx
	smsw	%eax
	sldt	%ecx
	str	%edx
	movl	%eax, UMIP_COMPAT_VA
	movl	%ecx, UMIP_COMPAT_VA + 4
	movl	%edx, UMIP_COMPAT_VA + 8
c_umip_sgdt:
	sgdt	UMIP_COMPAT_VA + 16
c_umip_next:
	ljmpl	$SEL_CS64, $LOW(back64)

	.code64
back64:
	movabsq	$compat_return, %rax
	jmp	*%rax

	.balign	4096

	.text
/* void compat_run(u64 entry) */
	.globl	compat_run
compat_run:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, compat_saved_rsp(%rip)
	movl	%edi, compat_far(%rip)
	movw	$SEL_CS32, compat_far + 4(%rip)
	movl	$SEL_DS32, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	$LOW_STACK_TOP, %esp
	ljmpl	*compat_far(%rip)

compat_return:
	movq	compat_saved_rsp(%rip), %rsp
	xorl	%eax, %eax
	movl	%eax, %ds
	movl	%eax, %es
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

/* void sysenter64(void): 64-bit SYSENTER, SYSEXIT convention. */
	.globl	sysenter64, sysenter64_insn, sysenter64_next
sysenter64:
	movq	%rsp, %rcx
	leaq	sysenter64_next(%rip), %rdx
sysenter64_insn:
	sysenter
sysenter64_next:
	ret

/* void syscall64(void): a 64-bit SYSCALL with rax = 0x5c64 (from user mode). */
	.globl	syscall64, syscall64_insn
syscall64:
	movl	$0x5c64, %eax
syscall64_insn:
	syscall
	ret

/*
 * long user_run(void (*fn)(void), u64 user_rsp): keep the callee-saved
 * registers and rsp, then the iret hypercall to CS = FLAT_USER_CS (RPL 3:
 * user mode) with IF set (events enabled) and flags 0.
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
	pushq	$0x202			/* rflags */
	pushq	$FLAT_USER_CS		/* cs */
	pushq	%rdi			/* rip */
	pushq	$0			/* flags */
	pushq	$0			/* rcx */
	pushq	$0			/* r11 */
	pushq	$0			/* rax */
	movl	$__HYPERVISOR_iret, %eax
	syscall
	ud2

/* The int $0x82 handler resumes here, rsp = user_kernel_rsp, rax = the code. */
	.globl	user_return
user_return:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

/* void user_exit(u64 code) */
	.globl	user_exit
user_exit:
	int	$0x82
	ud2

	.data
	.balign	8
compat_saved_rsp:
	.quad	0
	.globl	user_kernel_rsp
user_kernel_rsp:
	.quad	0
compat_far:
	.long	0
	.word	0

	.section .note.GNU-stack, "", @progbits
