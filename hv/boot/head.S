/*
 * head.S - from GRUB to C: the Multiboot2 header and the switch to long mode.
 *
 * Runs in: 32-bit protected mode with paging off, as Multiboot2 leaves the
 * machine (EAX = 0x36d76289, EBX = physical address of the boot information,
 * interrupts off, no stack), then in 64-bit mode until hv_main().
 *
 * The image is linked inside the direct map (layout.h) but GRUB loads it at
 * its physical address, so this file lives in the low section ".boot" whose
 * virtual and physical addresses are equal. It builds throwaway page tables
 * that map the first 4 GiB twice, at 0 (so the next instruction after
 * enabling paging still exists) and at DIRECTMAP_BASE (where the C code is
 * linked), enters long mode, and jumps high. mm/paging.c replaces these
 * tables with the real ones a few microseconds later.
 */
#include "layout.h"
#include "mm/pte.h"
#include "x86/cr.h"

#define MB2_MAGIC		0xe85250d6
#define MB2_ARCH_I386		0
#define MB2_BOOT_MAGIC		0x36d76289



#define COM1			0x3f8

	.section .boot, "ax"
	.code32

/* The Multiboot2 header: magic, architecture, length, checksum, tags. */
	.balign 8
mb2_header:
	.long	MB2_MAGIC
	.long	MB2_ARCH_I386
	.long	mb2_header_end - mb2_header
	.long	-(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Tag 0: end of tags. */
	.short	0
	.short	0
	.long	8
mb2_header_end:

/*H:100 From GRUB to 64-bit mode
 * GRUB found the Multiboot2 header at the start of the image, loaded the
 * image at 1 MiB and jumps here in 32-bit protected mode, paging off. We
 * are linked at 0xFFFF830000100000 (inside the direct map) but running at
 * 0x100000, so this file builds page tables that map the first 4 GiB at
 * both addresses, turns on PAE, long mode and paging, and jumps high.
 * Everything after that is C.
 */
	.globl	_start
_start:
	cli
	cld
	movl	%eax, %edi		/* boot magic: first argument of hv_main */
	movl	%ebx, %esi		/* boot information: second argument */
	movl	$boot_stack32_top, %esp

	cmpl	$MB2_BOOT_MAGIC, %edi
	jne	.Lnot_multiboot2

	/* Long mode and NX present? CPUID 0x80000001 EDX bits 29 and 20. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	.Lno_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	.Lno_long_mode
	btl	$20, %edx		/* NX: the direct map is no-execute */
	jnc	.Lno_nx

	call	build_early_page_tables

	movl	%cr4, %eax
	orl	$X86_CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$early_l4, %eax
	movl	%eax, %cr3

	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(X86_EFER_LME | X86_EFER_SCE | X86_EFER_NXE), %eax
	wrmsr

	movl	%cr0, %eax
	orl	$(X86_CR0_PG | X86_CR0_WP | X86_CR0_PE), %eax
	movl	%eax, %cr0

	lgdt	early_gdt_ptr
	ljmp	$0x08, $start64

/*
 * early_l4[0] and early_l4[slot of DIRECTMAP_BASE] both point at one L3
 * whose first four entries point at four L2 tables of 2 MiB pages: the
 * first 4 GiB, mapped twice.
 */
build_early_page_tables:
	pushl	%edi
	movl	$early_l4, %edi		/* zero L4, L3 and the four L2s */
	movl	$(6 * 4096 / 4), %ecx
	xorl	%eax, %eax
	rep stosl
	popl	%edi

	movl	$(early_l3 + PTE_P + PTE_RW), %eax
	movl	%eax, early_l4
	movl	%eax, early_l4 + ((DIRECTMAP_BASE >> 39) & 511) * 8

	xorl	%ecx, %ecx
1:	movl	%ecx, %eax		/* L3[i] = L2 table i */
	shll	$12, %eax
	addl	$(early_l2 + PTE_P + PTE_RW), %eax
	movl	%eax, early_l3(, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jne	1b

	xorl	%ecx, %ecx
2:	movl	%ecx, %eax		/* L2 entry i maps i * 2 MiB */
	shll	$21, %eax
	orl	$(PTE_P + PTE_RW + PTE_PSE), %eax
	movl	%eax, early_l2(, %ecx, 8)
	incl	%ecx
	cmpl	$(4 * 512), %ecx
	jne	2b
	ret

/* Nothing can be printed through C yet: write a fixed string to COM1. */
.Lnot_multiboot2:
	movl	$msg_not_mb2, %esi
	jmp	early_die
.Lno_long_mode:
	movl	$msg_no_lm, %esi
	jmp	early_die
.Lno_nx:
	movl	$msg_no_nx, %esi
early_die:
	movw	$COM1, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	hlt
	jmp	2b

	.code64
start64:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movabsq	$start_high, %rax
	jmp	*%rax

msg_not_mb2:
	.asciz	"pvisor: not started by a Multiboot2 loader\r\n"
msg_no_lm:
	.asciz	"pvisor: this CPU has no long mode; pvisor needs x86-64\r\n"
msg_no_nx:
	.asciz	"pvisor: this CPU has no NX (execute-disable) bit; pvisor needs it\r\n"

	.balign 8
early_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* 0x10: data, DPL 0 */
early_gdt_ptr:
	.short	early_gdt_ptr - early_gdt - 1
	.long	early_gdt

	.section .boot.bss, "aw", @nobits
	.balign 4096
early_l4:	.skip 4096
early_l3:	.skip 4096
early_l2:	.skip 4 * 4096
	.skip	1024
boot_stack32_top:

/* From here on everything runs at its linked (high) address. */
	.text
start_high:
	/* Clear .bss before anything lives there (the boot stack does). */
	movl	%edi, %r12d		/* keep magic and boot information */
	movl	%esi, %r13d
	movabsq	$__bss_start, %rdi
	movabsq	$__bss_end, %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb

	/* The top PCPU_AREA bytes are the boot CPU's struct pcpu (x86/percpu.h). */
	movabsq	$(boot_stack_top - PCPU_AREA), %rsp
	xorl	%ebp, %ebp		/* ends the stack trace */
	movl	%r12d, %edi
	movl	%r13d, %esi
	movabsq	$hv_main, %rax
	call	*%rax			/* hv_main(magic, mbi_phys): never returns */
	ud2

	.bss
	.balign	HV_STACK_SIZE		/* aligned to its size: stack_walk() relies on it */
	.globl	boot_stack
boot_stack:
	.skip	HV_STACK_SIZE
	.globl	boot_stack_top
boot_stack_top:
