/*
 * copy.S - the only instruction that touches guest memory.
 *
 * Runs in: hypervisor, ring 0, on the guest's page tables.
 *
 * u64 raw_copy(void *dst, const void *src, u64 len): returns the bytes not
 * copied (0 on success). If "rep movsb" faults, the exception table sends
 * the fault handler to the label after it, with RCX = bytes left. With SMAP
 * on (cpu_smap, x86/cpu.c), guest pages (all of them user pages) are open
 * to ring 0 only while EFLAGS.AC is set around it (set before, cleared
 * after, on the fault path too). Costs with SMAP: two instructions and a
 * branch each way.
 */
	.text
	.globl	raw_copy
raw_copy:
	movq	%rdx, %rcx
	testb	$1, cpu_smap(%rip)
	jz	1f
	stac
1:	rep movsb
2:	testb	$1, cpu_smap(%rip)
	jz	3f
	clac
3:	movq	%rcx, %rax
	ret

	.section .ex_table, "a"
	.balign	8
	.quad	1b, 2b
