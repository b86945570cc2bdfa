/*
 * probe_call.S - hypercall_probe(struct hc_probe *p): see probe.h.
 *
 * Runs in: test guests.
 */
#include "probe.h"

	.text
	.globl hypercall_probe
hypercall_probe:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rdi, probe_current(%rip)
	mov	%rsp, HP_RSP_BEFORE(%rdi)

	mov	HP_IN + 0(%rdi), %rbx
	mov	HP_IN + 8(%rdi), %rbp
	mov	HP_IN + 16(%rdi), %r9
	mov	HP_IN + 24(%rdi), %r12
	mov	HP_IN + 32(%rdi), %r13
	mov	HP_IN + 40(%rdi), %r14
	mov	HP_IN + 48(%rdi), %r15
	mov	HP_IN + 56(%rdi), %rcx
	mov	HP_IN + 64(%rdi), %r11
	mov	HP_ARGS + 8(%rdi), %rsi
	mov	HP_ARGS + 16(%rdi), %rdx
	mov	HP_ARGS + 24(%rdi), %r10
	mov	HP_ARGS + 32(%rdi), %r8
	mov	HP_STUB(%rdi), %rax
	test	%rax, %rax
	jnz	1f
	mov	HP_NR(%rdi), %rax
	mov	HP_ARGS + 0(%rdi), %rdi
	syscall
	jmp	2f
1:	mov	HP_ARGS + 0(%rdi), %rdi
	call	*%rax			/* the stub sets eax itself */

2:	mov	probe_current(%rip), %rdi
	mov	%rax, HP_RET(%rdi)
	mov	%rbx, HP_OUT + 0(%rdi)
	mov	%rbp, HP_OUT + 8(%rdi)
	mov	%r9, HP_OUT + 16(%rdi)
	mov	%r12, HP_OUT + 24(%rdi)
	mov	%r13, HP_OUT + 32(%rdi)
	mov	%r14, HP_OUT + 40(%rdi)
	mov	%r15, HP_OUT + 48(%rdi)
	mov	%rcx, HP_OUT + 56(%rdi)
	mov	%r11, HP_OUT + 64(%rdi)
	mov	%rsp, HP_RSP_AFTER(%rdi)

	mov	HP_RSP_BEFORE(%rdi), %rsp	/* in case it moved */
	pushfq
	popq	HP_RFLAGS_AFTER(%rdi)
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	.section .bss, "aw", @nobits
	.balign 8
probe_current:
	.skip 8

	.section .note.GNU-stack, "", @progbits
