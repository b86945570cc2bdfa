/*
 * entry.S - exception entry stubs and the common save/restore path.
 *
 * Runs in: hypervisor, ring 0, interrupts off (every gate is an interrupt
 * gate). Each stub makes the frame uniform (a zero error code where the CPU
 * pushes none, then the vector) and jumps to exception_common, which saves
 * the general registers into a struct cpu_regs (regs.h) and calls
 * trap_entry(regs) in traps.c. If that returns, the registers are restored
 * and iretq resumes whatever was interrupted; a guest frame first passes
 * through return_to_guest.
 */
#include "x86/regs.h"
#include "x86/entry-macros.h"
#include "layout.h"

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
	.if	\vec == 1
	jmp	debug_entry
	.else
	jmp	exception_common
	.endif
	.endm

	.altmacro
	.set	nvec, 0
	.rept	32
	STUB	%nvec
	.set	nvec, nvec + 1
	.endr

/*
 * #DB arrives on its own stack (IST_DB, x86/desc.c). From the hypervisor
 * (a breakpoint of the guest's hit by a copy to or from guest memory, a
 * #DB held back by MOV SS until a SYSCALL entry) it stays there: the
 * handler only notes it. From a guest the usual stack is free: move the
 * frame (vector, error code, rip, cs, rflags, rsp, ss) to its top and go
 * on from there like any exception. A second #DB caused while handling
 * the first (a data breakpoint on the guest stack its bounce frame is
 * written to) then lands on the empty #DB stack, not on this frame.
 */
debug_entry:
	testb	$3, 24(%rsp)		/* the CS slot: from a guest? */
	jz	exception_common	/* no: stay on the #DB stack */
	MOVE_FRAME 7, 72(%rsp)		/* to the stack top its IST stack names */
	jmp	exception_common

	.globl	exception_common
exception_common:
	cld
	SMAP_CLAC
	SAVE_ALL
	movq	%rsp, %rdi
	call	trap_entry
	cmpq	$2, REGS_VECTOR(%rsp)	/* an NMI: straight back, on its IST stack */
	je	1f
	testb	$3, REGS_CS(%rsp)	/* back to a guest? */
	jnz	return_to_guest
1:
	RESTORE_ALL
	addq	$16, %rsp		/* vector and error code */
	iretq

/*H:470 The way back to a guest
 * Every return to a guest passes here, with RSP at its struct cpu_regs:
 * after a hypercall, an exception, an interrupt. guest_exit_prepare()
 * (next stop) may switch to another vCPU by rewriting the frame, or
 * deliver a pending event, and never returns if no guest is left to run.
 * Then the registers are restored and iretq goes back to ring 3. The
 * frame may hold selectors the guest chose (an iret hypercall's CS and
 * SS): if iretq faults on them, the exception table brings us to
 * .Liret_fault below, and the fault goes to the guest, not to us.
 */
	.globl	return_to_guest
return_to_guest:
	movq	%rsp, %rdi
	call	guest_exit_prepare	/* returns where to leave by: 0, iretq */
	testq	%rax, %rax		/* a fast-mode vCPU: out by the switcher */
	jnz	.Lexit_via_switcher
	RESTORE_ALL
	addq	$16, %rsp
.Liret_to_guest:
	iretq

/*
 * The iretq above faulted (#GP, #NP, #SS: a bad CS or SS in the frame; #PF:
 * an LDT page that cannot be mapped). The exception table resumed us here
 * with RSP back at the guest's hardware frame and the guest's registers
 * live: rebuild the full frame in its usual place and let the PV code
 * deliver that fault to the guest; pv_iret_fault puts in the vector and
 * error code that trap_entry() kept in this CPU's struct pcpu.
 */
.Liret_fault:
	pushq	$0			/* error code and vector: pv_iret_fault */
	pushq	$0			/* fills them in from this CPU's struct pcpu */
	SAVE_ALL
	movq	%rsp, %rdi
	call	pv_iret_fault
	jmp	return_to_guest

	.section .ex_table, "a"
	.quad	.Liret_to_guest, .Liret_fault
	.text

.Lexit_via_switcher:
	jmp	*%rax			/* pv/switcher_entry.S: sw_exit */

/*
 * The switcher's iretq (pv/switcher_entry.S sw_iret) faulted: the fault came
 * through its stub, which loaded the hypervisor's view, and the exception
 * table resumed us here on the switcher's entry stack, at the guest's
 * hardware frame, with the guest's registers live. Move the frame to the
 * top of the hypervisor stack (as the switcher's stubs do) and go on as
 * for compat mode's faulting iretq.
 */
/*
 * A guest access in one of the switcher's fast paths faulted (the guest's
 * kernel stack or iret frame is not mapped, or read-only): its stub loaded
 * the hypervisor's view and the exception table brought us here, on the
 * switcher's entry stack. Take the slow path with the guest's registers
 * as the fast path found them (pv/switcher_entry.S keeps them in the
 * three slots it saved, and changes nothing else before its last guest
 * access). One CPU: its slice's data page, where the guest's RSP is parked.
 */
#define SW_SAVED_RBX	40
#define SW_SAVED_RDX	48
#define SW_SAVED_RAX	56
	.globl	sw_fast_fault
sw_fast_fault:
	movq	SW_SAVED_RBX(%rsp), %rbx
	movq	SW_SAVED_RDX(%rsp), %rdx
	movq	SW_SAVED_RAX(%rsp), %rax
	movabsq	$(SWITCHER_VIRT_START + SW_DATA_PAGE * 0x1000 + SWD_GUEST_RSP), %rsp
	movq	(%rsp), %rsp
	jmp	fast_syscall_entry

/*
 * The same for the #PF fast path: back to an ordinary vector 14 from the
 * guest, its frame moved to the top of the hypervisor stack as the
 * switcher's stubs do, in the view that is loaded already.
 */
	.globl	sw_fast_pf_fault
sw_fast_pf_fault:
	movq	0(%rsp), %rbx
	movq	8(%rsp), %rdx
	movq	16(%rsp), %rax
	addq	$24, %rsp
	pushq	$14
	MOVE_FRAME 7, hv_stack_top(%rip)
	jmp	exception_common

	.globl	sw_iret_fault
sw_iret_fault:
	MOVE_FRAME 5, hv_stack_top(%rip)
	jmp	.Liret_fault

/*H:370 The first return to ring 3
 * hv_main() ends in sched_start(), which comes here with no current vCPU
 * and a reschedule asked for. enter_guest moves to the top of the
 * hypervisor stack (the boot path's own frames live there, and are not
 * needed again), makes an empty guest frame, and takes the ordinary way
 * back to a guest: schedule() picks the first runnable vCPU and copies
 * its saved registers into that frame (core/domain_build.c: init_vcpu
 * set RIP to the ELF entry, RSP to the boot stack, RSI to start_info,
 * Xen's flat kernel selectors, and kernel mode), the CR3 switch loads the
 * L4 built for it, and iretq enters the kernel in ring 3 with events
 * masked: the guest unmasks them when it is ready. From
 * here on the hypervisor runs only when a guest traps, calls or is
 * interrupted.
 */
	.globl	enter_guest
enter_guest:
	movq	%rdi, %rsp		/* this CPU's stack top */
	subq	$REGS_SIZE, %rsp
	movq	%rsp, %rdi
	movl	$(REGS_SIZE / 8), %ecx
	xorl	%eax, %eax
	rep stosq
	jmp	return_to_guest

/* The local APIC timer, and its spurious vector (which needs no EOI). */
	.globl	irq_timer_stub
irq_timer_stub:
	pushq	$0
	pushq	$0xf0
	jmp	exception_common

	.globl	irq_spurious_stub
irq_spurious_stub:
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
