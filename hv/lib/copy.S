/*
 * copy.S - the only instruction that touches guest memory.
 *
 * u64 raw_copy(void *dst, const void *src, u64 len): returns the bytes not
 * copied (0 on success). If "rep movsb" faults, the exception table sends
 * the fault handler to the label after it, with RCX = bytes left.
 */
	.text
	.globl	raw_copy
raw_copy:
	movq	%rdx, %rcx
1:	rep movsb
2:	movq	%rcx, %rax
	ret

	.section .ex_table, "a"
	.balign	8
	.quad	1b, 2b
