/*
 * fast_entry.S - fast mode's SYSCALL entry (pv/fast.c).
 *
 * Runs in: hypervisor, ring 0, interrupts off (SYSCALL_MASK clears IF),
 * still on the guest's stack, as compat_entry.S's.
 *
 * The CPU does not say whether a SYSCALL came from ring 1 or ring 3: it
 * enters here the same way from both, with the return address in RCX.
 * That address says it: a fast-mode kernel runs in the upper half, which
 * ring 3 can never execute (the hypervisor keeps it supervisor-only for
 * ring 3, pv/fast.c), and the lower half is user memory. So the frame gets
 * the CS and SS of the ring it came from, and everything after (the
 * dispatch in pv_syscall64, the iretq back) follows from the frame, as
 * after an exception.
 */
#include "x86/desc.h"
#include "x86/regs.h"
#include "x86/entry-macros.h"

	.text
	.globl	fast_syscall_entry
fast_syscall_entry:
	movq	%rsp, fast_guest_rsp(%rip)
	movq	hv_stack_top(%rip), %rsp
	btq	$63, %rcx		/* the upper half: ring 1 */
	jnc	1f
	pushq	$RING1_DS		/* ss */
	pushq	fast_guest_rsp(%rip)	/* rsp */
	pushq	%r11			/* rflags */
	pushq	$RING1_CS64		/* cs */
	jmp	2f
1:	pushq	$GUEST_DS
	pushq	fast_guest_rsp(%rip)
	pushq	%r11
	pushq	$GUEST_CS64
2:	pushq	%rcx			/* rip */
	pushq	$0			/* error code */
	pushq	$SYSCALL_VECTOR
	cld
	SAVE_ALL
	movq	%rsp, %rdi
	call	fast_syscall
	jmp	return_to_guest

	.bss
	.balign	8
fast_guest_rsp:
	.quad	0
