/*
 * fast_entry.S - fast mode's SYSCALL entry (pv/fast.c).
 *
 * Runs in: hypervisor, ring 0, interrupts off (SYSCALL_MASK clears IF),
 * still on the guest's stack, as compat_entry.S's.
 *
 * The CPU does not say whether a SYSCALL came from ring 1 or ring 3: it
 * enters here the same way from both, with the return address in RCX.
 * That address says it: a fast-mode kernel runs in the upper half, which
 * ring 3 can never execute (the hypervisor keeps it supervisor-only for
 * ring 3, pv/fast.c), and the lower half is user memory. So the frame gets
 * the CS and SS of the ring it came from, and everything after (the
 * dispatch in pv_syscall64, the iretq back) follows from the frame, as
 * after an exception.
 */
#include "layout.h"
#include "x86/desc.h"
#include "x86/regs.h"
#include "x86/entry-macros.h"

/* Where pv/switcher_entry.S saves three of the guest's registers, from its RSP. */
#define SW_SAVED_RBX	40
#define SW_SAVED_RDX	48
#define SW_SAVED_RAX	56

/*
 * Entered from the switcher (pv/switcher_entry.S .Lsw_slow, or a fast
 * path's fault fixup, x86/entry.S sw_fast_fault) in the hypervisor's view,
 * on the CPU's entry stack in its slice: the guest's rbx, rdx and rax in
 * the three slots the switcher saved, the guest's RSP in the slice's data
 * page, every other register the guest's. The slice, found from RSP, is
 * the CPU's own; its conf page (read-only to guests) gives the CPU's
 * hypervisor stack. So nothing here is shared between CPUs: two CPUs may
 * come in at once, before either takes the hypervisor lock.
 */
	.text
	.globl	fast_syscall_entry
fast_syscall_entry:
	movq	%rsp, %rax
	andq	$-SWITCHER_SLICE_SIZE, %rax	/* the slice */
	movq	SW_CONF_PAGE * 0x1000 + SWC_HV_STACK(%rax), %rdx
	movq	SW_DATA_PAGE * 0x1000 + SWD_GUEST_RSP(%rax), %rax
	movq	%rax, -16(%rdx)		/* the frame's rsp */
	movq	SW_SAVED_RAX(%rsp), %rax
	movq	%rax, -24(%rdx)		/* the guest's rax, below it for a moment */
	movq	SW_SAVED_RBX(%rsp), %rbx
	leaq	-16(%rdx), %rax
	movq	SW_SAVED_RDX(%rsp), %rdx
	movq	%rax, %rsp		/* the hypervisor stack, at the frame's rsp */
	movq	-8(%rsp), %rax
	btq	$63, %rcx		/* the upper half: ring 1 */
	jnc	1f
	movq	$RING1_DS, 8(%rsp)	/* ss */
	pushq	%r11			/* rflags */
	pushq	$RING1_CS64		/* cs */
	jmp	2f
1:	movq	$GUEST_DS, 8(%rsp)
	pushq	%r11
	pushq	$GUEST_CS64
2:	pushq	%rcx			/* rip */
	pushq	$0			/* error code */
	pushq	$SYSCALL_VECTOR
	cld
	SAVE_ALL
	movq	%rsp, %rdi
	call	fast_syscall
	jmp	return_to_guest
