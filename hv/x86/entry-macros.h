/*
 * entry-macros.h - save and restore the general registers (assembly).
 *
 * The push order builds struct cpu_regs (regs.h) below the hardware frame.
 */
#ifndef HV_X86_ENTRY_MACROS_H
#define HV_X86_ENTRY_MACROS_H

#include "layout.h"	/* MOVE_FRAME_SLICE: the switcher's slices */

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

/*
 * With SMAP on (x86/cpu.c), clear EFLAGS.AC: an exception or interrupt
 * from ring 3 keeps the AC the guest had, and with AC set ring 0 could
 * touch guest pages outside raw_copy. Without SMAP, clac would be #UD.
 * Clobbers the flags only.
 */
	.macro	SMAP_CLAC
	testb	$1, cpu_smap(%rip)
	jz	.Lno_clac\@
	clac
.Lno_clac\@:
	.endm

/*
 * Move the frame at the top of this stack (\words words: vector, error
 * code and the CPU's five, or the CPU's five alone) to the top of the
 * stack whose top address is in memory at \top, and go on there with
 * every register as it was. A trap that arrived on a stack a guest can
 * reach (an IST stack, the switcher's entry stack) continues on the
 * hypervisor stack this way.
 */
	.macro	MOVE_FRAME words, top:vararg
	pushq	%rax
	pushq	%rcx
	movq	\top, %rax
	MOVE_FRAME_RAX \words
	.endm

/*
 * The same to the hypervisor stack of the CPU whose switcher slice the
 * current stack is in (an IST stack, the switcher's entry stack: every
 * CPU's are in its own slice, layout.h), as that slice's conf page (never
 * writable by a guest) names it. Clobbers the flags.
 */
	.macro	MOVE_FRAME_SLICE words
	pushq	%rax
	pushq	%rcx
	movq	%rsp, %rax
	andq	$-SWITCHER_SLICE_SIZE, %rax
	movq	SW_CONF_PAGE * 0x1000 + SWC_HV_STACK(%rax), %rax
	MOVE_FRAME_RAX \words
	.endm

	/* MOVE_FRAME's second half: rax and rcx pushed, rax the new top. */
	.macro	MOVE_FRAME_RAX words
	.irp	i, 0, 1, 2, 3, 4, 5, 6
	.if	\i < \words
	movq	16+\i*8(%rsp), %rcx
	movq	%rcx, -\words*8+\i*8(%rax)
	.endif
	.endr
	popq	%rcx
	subq	$(\words*8), %rax
	xchgq	%rax, (%rsp)		/* restore rax, leave the new rsp */
	movq	(%rsp), %rsp
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

#endif
