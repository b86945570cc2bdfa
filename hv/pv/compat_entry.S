/*
 * compat_entry.S - the SYSCALL entry of compat mode (DESIGN.md section 5).
 *
 * Runs in: hypervisor, ring 0, interrupts off (SYSCALL_MASK clears IF), on
 * the guest's page tables. Entered from guest kernel mode (a hypercall) or
 * guest user mode (a system call, bounced to the guest kernel).
 *
 * SYSCALL does not switch stacks: RSP is still the guest's, and nothing
 * about it can be trusted. The first instruction parks it and the second
 * loads the hypervisor stack, then the frame is built to look exactly like
 * an exception frame from ring 3 (struct cpu_regs), so hypercalls, traps
 * and interrupts all leave through return_to_guest. One CPU for now: the
 * parking slot is a global; with SMP each CPU gets its own LSTAR stub.
 */
#include "layout.h"
#include "x86/desc.h"
#include "x86/regs.h"
#include "x86/entry-macros.h"

#define SYSCALL_VECTOR	0x100	/* not a hardware vector: marks a SYSCALL frame */

	.text
/*H:400 A hypercall arrives
 * The guest kernel executes SYSCALL with the hypercall number in rax.
 * The CPU enters here in ring 0 with the guest's stack pointer, which we
 * park before loading our own stack, then build the same register frame
 * an exception would have built. A SYSCALL from guest user mode arrives
 * here too: it is a system call for the guest kernel, not a hypercall.
 */
	.globl	compat_syscall_entry
compat_syscall_entry:
	movq	%rsp, syscall_guest_rsp(%rip)
	movq	hv_stack_top(%rip), %rsp
	pushq	$GUEST_DS		/* ss */
	pushq	syscall_guest_rsp(%rip)	/* rsp */
	pushq	%r11			/* rflags, as SYSCALL saved them */
	pushq	$GUEST_CS64		/* cs */
	pushq	%rcx			/* rip: the instruction after syscall */
	pushq	$0			/* error code */
	pushq	$SYSCALL_VECTOR
	cld
	SAVE_ALL
	movq	%rsp, %rdi
	call	pv_syscall
	jmp	return_to_guest

/* A 32-bit SYSCALL (compatibility mode): not supported, crash the caller. */
	.globl	compat_syscall32_entry
compat_syscall32_entry:
	movq	%rsp, syscall_guest_rsp(%rip)
	movq	hv_stack_top(%rip), %rsp
	pushq	$GUEST_DS
	pushq	syscall_guest_rsp(%rip)
	pushq	%r11
	pushq	$GUEST_CS32
	pushq	%rcx
	pushq	$0
	pushq	$SYSCALL_VECTOR
	cld
	SAVE_ALL
	movq	%rsp, %rdi
	call	pv_syscall32
	jmp	return_to_guest

	.bss
	.balign	8
syscall_guest_rsp:
	.quad	0
