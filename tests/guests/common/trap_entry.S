/*
 * trap_entry.S - the entry stubs the hypervisor bounces into, and the way back
 * out with HYPERVISOR_iret.
 *
 * Runs in: test guests, guest kernel mode, on the stack the hypervisor
 * chose (the interrupted kernel stack, or the stack_switch one when guest
 * user mode was interrupted), with events masked if the entry asked so.
 *
 * On entry rsp points at the bounce frame (traps.h). Each stub pushes its
 * vector and joins trap_common, which pushes the rflags it entered with
 * and every general register, making a struct trap_regs followed by the
 * rflags word, the vector and the frame itself:
 *
 *	rsp -> r15 ... rax | entry rflags | vector | rcx r11 [err] rip cs ...
 *
 * trap_dispatch(that) runs the handler and writes the iret context
 * {rax, r11, rcx, flags} into the four words just below the frame's rip,
 * over slots it has already read (the error code, r11, rcx, vector, entry
 * rflags), and returns its address. We restore the registers the
 * hypercall does not (all but rax, rcx and r11, which the context holds),
 * point rsp at the context and make the iret hypercall, which never
 * returns. Xen leaves rcx and r11 clobbered on entry (it enters by
 * sysret), so trap_dispatch takes them from the frame, not from here.
 */
#include "pvabi/xen.h"
#include "traps.h"

	.text
	.macro	STUB vec
	.balign	16
	.globl	trap_stub_\vec
trap_stub_\vec:
	pushq	$\vec
	jmp	trap_common
	.endm

	.altmacro
	.set	nvec, 0
	.rept	TRAP_NR_ENTRIES
	STUB	%nvec
	.set	nvec, nvec + 1
	.endr
	.noaltmacro

trap_common:
	pushfq
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi
	movq	%rsp, %rbx		/* callee-saved: the frame, across the call */
	andq	$-16, %rsp		/* the C ABI's alignment */
	call	trap_dispatch		/* returns the iret context's address */
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	movq	%rax, %rsp
	movl	$__HYPERVISOR_iret, %eax
	syscall
	ud2				/* iret does not return */

/*
 * The failsafe callback (smp.c gives it to every vCPU): the hypervisor
 * could not load the segment registers of an iret's frame and bounced here
 * with Xen's failsafe frame (ds, es, fs, gs, then the bounce frame). No
 * test means to get here: trap_failsafe() fails the test with the frame.
 */
	.balign	16
	.globl	trap_failsafe_stub
trap_failsafe_stub:
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	trap_failsafe
	ud2

/* The stubs' addresses, for set_trap_table and callback_op. */
	.section .rodata
	.balign	8
	.globl	trap_stubs
trap_stubs:
	.macro	STUBADDR vec
	.quad	trap_stub_\vec
	.endm
	.altmacro
	.set	nvec, 0
	.rept	TRAP_NR_ENTRIES
	STUBADDR %nvec
	.set	nvec, nvec + 1
	.endr
	.noaltmacro

	.section .note.GNU-stack, "", @progbits
