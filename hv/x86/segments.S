/*
 * segments.S - load data segment selectors that a guest chose.
 *
 * A selector the guest gave may name a descriptor that is absent or not a
 * data segment; loading it faults. Each load is in the exception table and
 * falls back to the null selector, which always loads (Xen does the same
 * before calling the guest's failsafe callback).
 */
	.text

	.macro	LOAD_SEL name, seg
	.globl	\name
\name:
1:	movl	%edi, %\seg
2:	ret
3:	xorl	%eax, %eax
	movl	%eax, %\seg
	jmp	2b
	.section .ex_table, "a"
	.quad	1b, 3b
	.text
	.endm

	LOAD_SEL load_ds, ds
	LOAD_SEL load_es, es
	LOAD_SEL load_fs, fs
	LOAD_SEL load_gs, gs

/* void load_user_gs_selector(u16 sel): %gs as seen in guest user mode. */
	.globl	load_user_gs_selector
load_user_gs_selector:
	swapgs
	call	load_gs
	swapgs
	ret

/*
 * int segment_lar(u16 sel, u32 *rights): what LAR says of sel, read through
 * the GDT and LDT the CPU has loaded now. 1 (and the access rights, bits
 * 8-23 of the descriptor's high word) if the CPU calls it valid, 0 if not,
 * -1 if reading the descriptor faulted (a page fault that is not a first
 * touch of the current vCPU's LDT, which pv/traps.c maps and retries).
 */
	.globl	segment_lar
segment_lar:
1:	larl	%edi, %eax
	jnz	2f
	movl	%eax, (%rsi)
	movl	$1, %eax
	ret
2:	xorl	%eax, %eax
	ret
3:	movl	$-1, %eax
	ret
	.section .ex_table, "a"
	.quad	1b, 3b
	.text
