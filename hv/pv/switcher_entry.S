/*
 * switcher_entry.S - the code a fast-mode guest's address space holds of the
 * hypervisor: every way in from the guest, and the way back out.
 *
 * Runs in: ring 0, interrupts off, at an alias: the hypervisor image's
 * pages of this section are mapped again, read-only, in each CPU's
 * switcher slice (pv/switcher.c, layout.h), and the CPU is pointed at
 * that alias (the fast IDT, LSTAR, CSTAR). It is never run where it was
 * linked. RIP-relative operands therefore reach the slice the code runs
 * in: its conf page (read-only to the guest: where to go, which CR3), its
 * data page and its entry stack, each a fixed distance from sw_text.
 *
 * A fast-mode guest runs on the CPU's copy of its L4 (the guest view),
 * which maps none of the hypervisor but this slice. On the way in, the
 * switcher loads the hypervisor's view (the vCPU's own L4, which maps the
 * guest and the whole hypervisor, as every compat-mode L4 does), moves the
 * frame to the hypervisor stack and goes on in the ordinary entry code.
 * On the way out (sw_exit, from x86/entry.S return_to_guest) it copies the
 * register frame to its entry stack, loads the guest view and iretqs. Two
 * CR3 writes per entry, as a compat-mode system call pays; what fast mode
 * saves is that a system call from user mode and its return need no
 * switch between two guest L4s on top.
 */
#include "layout.h"
#include "x86/regs.h"
#include "x86/entry-macros.h"

#define SLICE(page, off)	(sw_text + (page) * 0x1000 + (off))(%rip)
#define CONF(off)		SLICE(SW_CONF_PAGE, off)
#define DATA(off)		SLICE(SW_DATA_PAGE, off)
#define STACK_TOP		(SW_STACK_PAGE + SW_STACK_PAGES)

/* Vectors for which the CPU pushes an error code (as x86/entry.S). */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			(v) == 21 || (v) == 29 || (v) == 30)

	.section .switcher.text, "ax"
	.globl	sw_text
sw_text:

/*
 * SYSCALL (LSTAR): from ring 1 or ring 3, still on the guest's stack. Park
 * RSP in the data page, switch to the hypervisor's view on the entry stack
 * and go on at fast_syscall_entry with the guest's RSP as the CPU left it.
 */
	.globl	sw_syscall
sw_syscall:
	movq	%rsp, DATA(0)
	leaq	SLICE(STACK_TOP, 0), %rsp
	pushq	%rax
	movq	CONF(SWC_HV_CR3), %rax
	movq	%rax, %cr3
	popq	%rax
	movq	DATA(0), %rsp
	jmp	*CONF(SWC_SYSCALL)

/* SYSCALL from compatibility mode (CSTAR): the same, to compat mode's entry. */
	.globl	sw_syscall32
sw_syscall32:
	movq	%rsp, DATA(0)
	leaq	SLICE(STACK_TOP, 0), %rsp
	pushq	%rax
	movq	CONF(SWC_HV_CR3), %rax
	movq	%rax, %cr3
	popq	%rax
	movq	DATA(0), %rsp
	jmp	*CONF(SWC_SYSCALL32)

/*
 * Exceptions and interrupts (the fast IDT): the CPU has switched to the
 * entry stack (TSS rsp0) or an IST stack, both in this slice. Make the
 * frame uniform (error code, vector) as x86/entry.S's stubs do.
 */
	.macro	SW_STUB vec
	.balign	8
sw_stub_\vec:
	.if	!HAS_ERRCODE(\vec)
	pushq	$0
	.endif
	pushq	$\vec
	jmp	sw_common
	.endm

	.altmacro
	.set	nvec, 0
	.rept	32
	SW_STUB	%nvec
	.set	nvec, nvec + 1
	.endr
	SW_STUB	0xf0		/* TIMER_VECTOR */

	.globl	sw_spurious
sw_spurious:
	iretq

/*
 * From the guest: the hypervisor's view, then the frame (vector ... ss,
 * seven words) to the top of the hypervisor stack, where an exception
 * from a compat-mode guest would have put it, and on to exception_common.
 * From the hypervisor itself (a fault on a guest access, a #DB on a guest
 * breakpoint, the timer while idle): it is on its own view already, but
 * for one window, sw_exit between its CR3 write and its iretq, whose
 * fault (a bad selector in the guest's frame) must reach the exception
 * table's fixup in the hypervisor's view.
 */
sw_common:
	testb	$3, 24(%rsp)		/* the CS slot: from the guest? */
	jz	sw_from_hv
	pushq	%rax
	movq	CONF(SWC_HV_CR3), %rax
	movq	%rax, %cr3
	pushq	%rcx
	movq	CONF(SWC_HV_STACK), %rax
	.irp	i, 6, 5, 4, 3, 2, 1, 0
	movq	16+\i*8(%rsp), %rcx
	movq	%rcx, -56+\i*8(%rax)
	.endr
	popq	%rcx
	subq	$56, %rax
	xchgq	%rax, (%rsp)		/* restore rax, leave the new rsp */
	movq	(%rsp), %rsp
	jmp	*CONF(SWC_EXCEPTION)

sw_from_hv:
	pushq	%rax
	movq	%cr3, %rax
	cmpq	CONF(SWC_GUEST_CR3), %rax
	jne	1f
	movq	CONF(SWC_HV_CR3), %rax
	movq	%rax, %cr3
1:	popq	%rax
	jmp	*CONF(SWC_EXCEPTION)

/*
 * The way out (x86/entry.S return_to_guest, a fast-mode vCPU): RSP at the
 * struct cpu_regs on the hypervisor stack, the hypervisor's view loaded.
 * Copy the frame to the entry stack, load the guest's view, restore and
 * iretq. If the iretq faults (CS or SS of the guest's choosing), the
 * exception table sends the fault to sw_iret_fault (x86/entry.S), as
 * compat mode's faulting iretq goes to .Liret_fault.
 */
	.globl	sw_exit
sw_exit:
	movq	%rsp, %rsi
	leaq	SLICE(STACK_TOP, -REGS_SIZE), %rdi
	movl	$(REGS_SIZE / 8), %ecx
	rep movsq
	leaq	SLICE(STACK_TOP, -REGS_SIZE), %rsp
	movq	CONF(SWC_GUEST_CR3), %rax
	movq	%rax, %cr3
	RESTORE_ALL
	addq	$16, %rsp		/* vector and error code */
	.globl	sw_iret
sw_iret:
	iretq

	.balign	16
	.globl	sw_text_end
sw_text_end:

	/* Where each stub is, from sw_text: for the fast IDT (pv/switcher.c). */
	.section .rodata
	.balign	8
	.globl	sw_stub_offsets
sw_stub_offsets:
	.macro	SW_STUBOFF vec
	.quad	sw_stub_\vec - sw_text
	.endm
	.set	nvec, 0
	.rept	32
	SW_STUBOFF %nvec
	.set	nvec, nvec + 1
	.endr
	SW_STUBOFF 0xf0

	/* One CPU: its slice's alias of sw_iret, for the exception table. */
	.section .ex_table, "a"
	.quad	SWITCHER_VIRT_START + (sw_iret - sw_text), sw_iret_fault
