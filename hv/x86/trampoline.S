/*
 * trampoline.S - where an application processor starts: from real mode
 * to long mode on the hypervisor's page tables, and into C (x86/smp.c).
 *
 * Runs in: an AP after its start-up IPI: 16-bit real mode at CS:IP =
 * (vector << 8):0, interrupts off, no stack; then 64-bit mode.
 *
 * trampoline_start..trampoline_end is never run where it is linked: the
 * boot CPU copies it to a page below 1 MiB (the SIPI vector names the
 * page) and patches fields in the copy, whose offsets it takes from the
 * labels below: the GDT's linear address, the far pointers to the 32-bit
 * and 64-bit code, CR3, and zeroes tr_alive. The code is position-
 * independent (data is reached relative to CS in real mode, relative to
 * EBX = the page's address after), and takes the SDM's way to long mode:
 * protected mode with paging off, then CR4.PAE, CR3, EFER.LME, CR0.PG,
 * and a far jump to a 64-bit code segment. CR3 is a copy of
 * the hypervisor's L4 that also maps the first 2 MiB at 0 (x86/smp.c), so
 * that the instruction after the far jump exists; the AP leaves it for
 * the hypervisor's own L4 as soon as it is in C.
 */
#include "layout.h"
#include "x86/cr.h"

	.section .rodata
	.balign	16
	.globl	trampoline_start, trampoline_end, tr_long, tr_gdt, tr_gdt_base
	.globl	tr_far32_offset, tr_far64_offset, tr_prot, tr_cr3, tr_alive
	.code16
trampoline_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	movzwl	%ax, %ebx
	shll	$4, %ebx		/* EBX: the page's linear address */
	movl	$1, tr_alive - trampoline_start	/* the boot CPU sees the AP ran */
	lgdtl	tr_gdt_ptr - trampoline_start
	movl	$X86_CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*tr_far32 - trampoline_start

	.code32
tr_prot:				/* 32-bit protected mode, flat, paging off */
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %ss
	movl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	tr_cr3 - trampoline_start(%ebx), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(X86_EFER_LME | X86_EFER_SCE | X86_EFER_NXE), %eax
	wrmsr
	movl	$(X86_CR0_PG | X86_CR0_WP | X86_CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	*tr_far64 - trampoline_start(%ebx)

	.code64
tr_long:				/* 64-bit, at the low identity address */
	movabsq	$ap_start64, %rax
	jmpq	*%rax

	.balign	8
tr_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* 0x10: data */
	.quad	0x00cf9a000000ffff	/* 0x18: 32-bit code */
tr_gdt_ptr:
	.short	tr_gdt_ptr - tr_gdt - 1
tr_gdt_base:
	.long	0			/* patched: linear address of tr_gdt */
tr_far32:
tr_far32_offset:
	.long	0			/* patched: linear address of tr_prot */
	.short	0x18
tr_far64:
tr_far64_offset:
	.long	0			/* patched: linear address of tr_long */
	.short	0x08
	.balign	4
tr_cr3:
	.long	0			/* patched: the trampoline's L4 (below 4 GiB) */
tr_alive:
	.long	0			/* set to 1 by the AP's first instructions */
trampoline_end:

/*
 * In the image, at its linked address: the stack the boot CPU chose (the
 * top of the AP's own, below its struct pcpu), and C. Segment registers
 * still hold real-mode values and IDTR the real-mode table: ap_main()
 * loads the AP's own tables before anything can fault.
 */
	.text
	.globl	ap_start64
ap_start64:
	movq	ap_boot_rsp(%rip), %rsp
	xorl	%ebp, %ebp		/* ends the stack trace */
	movabsq	$ap_main, %rax
	call	*%rax			/* never returns */
	ud2
