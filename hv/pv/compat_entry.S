/*
 * compat_entry.S - the SYSCALL and SYSENTER entries of compat mode
 * (docs/design.md §5, docs/pv-mechanisms.md §1).
 *
 * Runs in: hypervisor, ring 0, interrupts off (SYSCALL_MASK clears IF;
 * SYSENTER clears it itself), on the guest's page tables. Entered from
 * guest kernel mode (a hypercall) or guest user mode (a system call,
 * bounced to the guest kernel), in 64-bit mode or, through the DPL-3
 * 32-bit code segment 0xe023 that every GDT has, in compatibility mode.
 *
 * SYSCALL does not switch stacks: RSP is still the guest's, and nothing
 * about it can be trusted. The first instruction parks it and the second
 * loads the hypervisor stack, then the frame is built to look exactly like
 * an exception frame from ring 3 (struct cpu_regs), so hypercalls, traps
 * and interrupts all leave through return_to_guest. Each CPU has its own
 * pair of stubs (LSTAR, CSTAR: pv/compat_syscall.c) with its own parking
 * slot and stack top in compat_syscall_slots[cpu]: without a register to
 * spare and without GS (the guest's), the stub's own address is how the
 * entry knows which CPU it is on.
 */
#include "layout.h"
#include "x86/desc.h"
#include "x86/eflags.h"
#include "x86/regs.h"
#include "x86/entry-macros.h"
#include "x86/percpu.h"

/* Every flag off but the reserved bit 1: TF, NT, AC, DF, IOPL... */
#define CLEAR_GUEST_FLAGS pushq $X86_EFLAGS_FIXED; popfq

	.text
/*H:410 A hypercall arrives
 * The stub's SYSCALL enters here (LSTAR) in ring 0, still on the guest's
 * stack, which we park before loading our own, then build the same
 * register frame an exception would have built and call pv_syscall64()
 * (pv/compat_syscall.c). A SYSCALL from guest user mode arrives here too, and
 * pv_syscall64() tells them apart by the vCPU's mode: from the guest kernel
 * it is a hypercall (iret, which rewrites the whole frame, is handled
 * apart); from guest user mode it is a system call for the guest kernel
 * (chapter 6).
 */
	.macro	SYSCALL_STUBS cpu
	.globl	compat_syscall_entry_\cpu
compat_syscall_entry_\cpu:
	movq	%rsp, compat_syscall_slots+16*\cpu(%rip)	/* parked */
	movq	compat_syscall_slots+16*\cpu+8(%rip), %rsp	/* its stack top */
	pushq	$GUEST_DS		/* ss */
	pushq	compat_syscall_slots+16*\cpu(%rip)	/* rsp */
	jmp	compat_syscall_common
	.globl	compat_syscall32_entry_\cpu
compat_syscall32_entry_\cpu:
	movq	%rsp, compat_syscall_slots+16*\cpu(%rip)
	movq	compat_syscall_slots+16*\cpu+8(%rip), %rsp
	pushq	$GUEST_DS		/* ss: FLAT_USER_SS32, as Xen reports it */
	pushq	compat_syscall_slots+16*\cpu(%rip)
	jmp	compat_syscall32_common
	.endm

	.altmacro
	.set	ncpu, 0
	.rept	NR_CPUS
	SYSCALL_STUBS %ncpu
	.set	ncpu, ncpu + 1
	.endr
	.noaltmacro

	/* The boot CPU's, by the names the switcher and the tour use. */
	.globl	compat_syscall_entry, compat_syscall32_entry
	.set	compat_syscall_entry, compat_syscall_entry_0
	.set	compat_syscall32_entry, compat_syscall32_entry_0

compat_syscall_common:
	pushq	%r11			/* rflags, as SYSCALL saved them */
	pushq	$GUEST_CS64		/* cs */
	pushq	%rcx			/* rip: the instruction after syscall */
	pushq	$0			/* error code */
	pushq	$SYSCALL_VECTOR
	cld
	SAVE_ALL
	movq	%rsp, %rdi
	call	pv_syscall64
	jmp	return_to_guest

/*
 * A SYSCALL from compatibility mode (code segment 0xe023), from guest user
 * or guest kernel mode alike: never a hypercall, always a system call for
 * the guest kernel's syscall32 callback (pv/compat_syscall.c:compat_syscall32). CPUs
 * that do not have SYSCALL in compatibility mode (Intel's) raise #UD
 * instead and never come here.
 */
compat_syscall32_common:
	pushq	%r11
	pushq	$GUEST_CS32
	pushq	%rcx
	pushq	$0
	pushq	$SYSCALL_VECTOR
	cld
	SAVE_ALL
	movq	%rsp, %rdi
	call	compat_syscall32
	jmp	return_to_guest

/*
 * SYSENTER, where the CPU allows it (Intel in 64-bit and compatibility
 * mode; QEMU's AMD model in compatibility mode; never a real AMD CPU in
 * long mode). The CPU arrives with CS 0xe008, SS 0xe010, RSP = SYSENTER_ESP
 * (the top of the hypervisor stack) and IF, VM and RF cleared, but every
 * other flag as the guest left it: TF, NT, AC, DF. So the flags are saved
 * first and then cleared outright (with a TF set, each instruction up to
 * the save raises a #DB in ring 0, which x86/traps.c lets pass, clearing
 * TF at compat_sysenter_flags_saved; NT would make our iretq fault, AC
 * would switch SMAP off, DF would break the C code).
 *
 * SYSENTER saves neither the return address nor the stack pointer (the
 * caller keeps them in registers by convention), so the frame holds what
 * Xen's does: RIP 0, CS 3 (a null selector with RPL 3), RSP 0, SS
 * FLAT_USER_SS, and the guest's flags with IF set again (a guest always
 * runs with IF set in hardware). pv/compat_syscall.c:compat_sysenter decides the rest.
 */
	.globl	compat_sysenter_entry
compat_sysenter_entry:
	pushq	$GUEST_DS		/* ss */
	pushq	$0			/* rsp: not saved by SYSENTER */
	pushfq				/* rflags: the guest's */
	.globl	compat_sysenter_flags_saved
compat_sysenter_flags_saved:
	CLEAR_GUEST_FLAGS		/* TF, NT, AC, DF of the guest's: off */
	orq	$X86_EFLAGS_IF, (%rsp)
	pushq	$3			/* cs */
	pushq	$0			/* rip */
	pushq	$0			/* error code */
	pushq	$SYSENTER_VECTOR
	SAVE_ALL
	movq	%rsp, %rdi
	call	compat_sysenter
	jmp	return_to_guest

	.section .rodata
	.balign	8
	.macro	STUB_ADDRS name, cpu
	.quad	\name\()_\cpu
	.endm
	.globl	compat_syscall_stubs, compat_syscall32_stubs
compat_syscall_stubs:		/* LSTAR, by CPU id */
	.altmacro
	.set	ncpu, 0
	.rept	NR_CPUS
	STUB_ADDRS compat_syscall_entry, %ncpu
	.set	ncpu, ncpu + 1
	.endr
compat_syscall32_stubs:		/* CSTAR, by CPU id */
	.set	ncpu, 0
	.rept	NR_CPUS
	STUB_ADDRS compat_syscall32_entry, %ncpu
	.set	ncpu, ncpu + 1
	.endr
	.noaltmacro

	.bss
	.balign	16
	.globl	compat_syscall_slots
compat_syscall_slots:		/* by CPU id: {parked guest RSP, stack top} */
	.skip	16 * NR_CPUS
