/*
 * entry.S - exception entry stubs and the common save/restore path.
 *
 * Runs in: hypervisor, ring 0, interrupts off (every gate is an interrupt
 * gate). Each stub makes the frame uniform (a zero error code where the CPU
 * pushes none, then the vector) and jumps to exception_common, which saves
 * the general registers into a struct cpu_regs (regs.h) and calls
 * trap_entry(regs) in traps.c. If that returns, the registers are restored
 * and iretq resumes whatever was interrupted.
 */
#include "x86/regs.h"

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			(v) == 21 || (v) == 29 || (v) == 30)

	.text
	.macro	STUB vec
	.balign	16
exception_stub_\vec:
	.if	!HAS_ERRCODE(\vec)
	pushq	$0
	.endif
	pushq	$\vec
	jmp	exception_common
	.endm

	.altmacro
	.set	nvec, 0
	.rept	32
	STUB	%nvec
	.set	nvec, nvec + 1
	.endr

	.macro	SAVE_ALL
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	.endm

	.macro	RESTORE_ALL
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	.endm

exception_common:
	cld
	SAVE_ALL
	movq	%rsp, %rdi
	movabsq	$trap_entry, %rax
	call	*%rax
	RESTORE_ALL
	addq	$16, %rsp		/* vector and error code */
	iretq

	.section .rodata
	.balign	8
	.globl	exception_stubs
exception_stubs:
	.macro	STUBADDR vec
	.quad	exception_stub_\vec
	.endm
	.set	nvec, 0
	.rept	32
	STUBADDR %nvec
	.set	nvec, nvec + 1
	.endr
