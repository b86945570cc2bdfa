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
 * register frame to its entry stack, loads the guest view and iretqs: two
 * CR3 writes per entry. What is frequent and light stays in the guest's
 * view instead, with none: the fast paths below (a user system call, the
 * iret, stack_switch and set_segment_base hypercalls, a user page fault).
 */
#include "layout.h"
#include "x86/regs.h"
#include "x86/entry-macros.h"
#include "x86/desc.h"
#include "x86/eflags.h"
#include "pvabi/xen.h"
/* MSRs (x86/cpu.h has them for C only) */
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

/* pv_do_iret's: the architectural flags but IOPL, VM and IF. */
#define IRET_KEEP_FLAGS	0x3d4dd5
/*
 * Access rights as LAR gives them (mm/segdesc.h's AR_*): P, DPL, S, code,
 * conforming and L, D for a 64-bit user code segment; P, DPL, S, code and
 * writable for a user stack segment.
 */
#define AR_CODE64_MASK	0x60fc00
#define AR_CODE64_USER	0x20f800
#define AR_STACK_MASK	0x00fa00
#define AR_STACK_USER	0x00f200
/* VGCF_in_syscall (pvabi/xen.h has it for C only; pv/switcher.c checks they agree) */
#define SW_VGCF_IN_SYSCALL	256

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
 * A guest access in a fast path: if it faults (the guest's stack is not
 * mapped, or read-only), the fault comes back through sw_from_hv in the
 * hypervisor's view and the exception table resumes at fixup, in the
 * image, which takes the slow path with the guest's registers as they were.
 */
	.macro	GUEST insn:vararg
9:	\insn
	.pushsection .ex_table, "a"
	.quad	SWITCHER_VIRT_START + (9b - sw_text), sw_fast_fault
	.popsection
	.endm

/*
 * A bounce frame of \size bytes at %rax must lie outside the hypervisor's
 * hole (slots 256-271), as copy_to_guest() insists for pv_bounce(): a
 * kernel stack there (stack_switch into the switcher's writable pages)
 * takes the slow path, which crashes the domain. Clobbers rbx.
 */
	.macro	NOT_IN_HV_HOLE size, slow=.Lsw_slow
	movabsq	$HYPERVISOR_VIRT_END, %rbx
	cmpq	%rbx, %rax
	jae	8f
	movabsq	$(HYPERVISOR_VIRT_START - \size), %rbx
	cmpq	%rbx, %rax
	ja	\slow
8:
	.endm

	.macro	GUEST_PF insn:vararg
9:	\insn
	.pushsection .ex_table, "a"
	.quad	SWITCHER_VIRT_START + (9b - sw_text), sw_fast_pf_fault
	.popsection
	.endm

/*
 * SYSCALL (LSTAR): from ring 1 or ring 3, still on the guest's stack. Park
 * RSP in the data page and take the entry stack, whose top holds a frame
 * for iretq (rip, cs, rflags, rsp, ss) and above it three saved registers.
 *
 * Fast paths stay here, in the guest's view, with no CR3 write:
 *  - a system call from ring 3, bounced to the kernel's syscall callback
 *    (when it masks events, as Linux registers it): the frame pv_bounce()
 *    would write, on the kernel stack, then swapgs and iretq to ring 1;
 *  - the iret hypercall from ring 1, for the frames it cannot refuse: the
 *    flat selectors of ring 1, or GDT selectors of ring 3 that LAR shows
 *    fit, a canonical RIP, and no event about to be delivered by the
 *    unmask (pv_do_iret for everything else);
 *  - stack_switch and set_segment_base from ring 1 (below).
 * Anything else, and any guest access that faults, goes on at
 * fast_syscall_entry in the hypervisor's view as before.
 */
#define SAVED_RBX	40
#define SAVED_RDX	48
#define SAVED_RAX	56
#define FAST_FRAME	(-64)		/* from the top: iretq frame + saved */

	.globl	sw_syscall
sw_syscall:
	movq	%rsp, DATA(SWD_GUEST_RSP)
	leaq	SLICE(STACK_TOP, FAST_FRAME), %rsp
	movq	%rax, SAVED_RAX(%rsp)
	movq	%rdx, SAVED_RDX(%rsp)
	movq	%rbx, SAVED_RBX(%rsp)
	btq	$63, %rcx		/* the upper half: ring 1, a hypercall */
	jc	.Lsw_hypercall

	/* A system call from ring 3. */
	movq	CONF(SWC_SYSCALL_CB), %rbx
	testq	%rbx, %rbx
	jz	.Lsw_slow
	movq	%rbx, 0(%rsp)		/* iretq: rip = the callback */
	movq	CONF(SWC_VCPU_INFO), %rdx
	movq	DATA(SWD_KERNEL_SP), %rax
	andq	$-16, %rax
	subq	$56, %rax		/* rcx r11 rip cs rflags rsp ss */
	NOT_IN_HV_HOLE	56
	GUEST	movq	%rcx, 0(%rax)
	GUEST	movq	%r11, 8(%rax)
	GUEST	movq	%rcx, 16(%rax)
	movzbl	1(%rdx), %ebx		/* the upcall mask, as it was */
	shlq	$32, %rbx
	orq	$GUEST_CS64, %rbx
	GUEST	movq	%rbx, 24(%rax)
	movq	%r11, %rbx
	andq	$~(X86_EFLAGS_IF | X86_EFLAGS_IOPL), %rbx
	cmpb	$0, 1(%rdx)
	jne	1f
	orq	$X86_EFLAGS_IF, %rbx	/* the frame's IF: events were unmasked */
1:	GUEST	movq	%rbx, 32(%rax)
	movq	DATA(SWD_GUEST_RSP), %rbx
	GUEST	movq	%rbx, 40(%rax)
	GUEST	movq	$GUEST_DS, 48(%rax)
	movb	$1, 1(%rdx)		/* the callback masks events */
	incq	DATA(SWD_SYSCALLS)
	movq	$RING1_CS64, 8(%rsp)
	movq	%r11, %rbx		/* as pv_bounce + bounce_syscall */
	andq	$~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM | \
		   X86_EFLAGS_AC | X86_EFLAGS_DF), %rbx
	orq	$X86_EFLAGS_IF, %rbx
	movq	%rbx, 16(%rsp)
	movq	%rax, 24(%rsp)
	movq	$RING1_DS, 32(%rsp)
	movq	SAVED_RBX(%rsp), %rbx
	movq	SAVED_RDX(%rsp), %rdx
	movq	SAVED_RAX(%rsp), %rax
	swapgs				/* the kernel's GS base */
	iretq

	/*
	 * A hypercall from ring 1: iret, stack_switch and set_segment_base
	 * are served here. The iret's frame (struct iret_context: rax r11 rcx
	 * flags rip cs rflags rsp ss) is first copied below the iretq frame,
	 * so that nothing changes before the last guest access that might
	 * fault.
	 */
#define IC(f)	(IC_##f - 72)(%rsp)
#define IC_rax		0
#define IC_r11		8
#define IC_rcx		16
#define IC_flags	24
#define IC_rip		32
#define IC_cs		40
#define IC_rflags	48
#define IC_rsp		56
#define IC_ss		64
.Lsw_hypercall:
	cmpq	$0, CONF(SWC_FAST_HYPERCALLS)
	je	.Lsw_slow
	cmpq	$__HYPERVISOR_set_segment_base, %rax
	je	.Lsw_set_segment_base
	cmpq	$__HYPERVISOR_stack_switch, %rax
	je	.Lsw_stack_switch
	cmpq	$__HYPERVISOR_iret, %rax
	jne	.Lsw_slow
	movq	DATA(SWD_GUEST_RSP), %rax
	.irp	i, 0, 1, 2, 3, 4, 5, 6, 7, 8
	GUEST	movq	\i*8(%rax), %rbx
	movq	%rbx, -72+\i*8(%rsp)
	.endr
	movq	IC(cs), %rbx
	movq	IC(ss), %rdx
	movl	%ebx, %eax
	andl	$3, %eax
	cmpl	$3, %eax
	je	.Lsw_iret_user
	orq	$1, %rbx			/* the kernel's: RPL 1 */
	orq	$1, %rdx
	cmpq	$RING1_CS64, %rbx
	jne	.Lsw_slow
	cmpq	$RING1_DS, %rdx
	jne	.Lsw_slow
	jmp	.Lsw_iret_sel_ok
	/*
	 * To ring 3: any GDT selectors (Linux returns on its own 0x33 and
	 * 0x2b) whose descriptors iretq cannot refuse: CS a present 64-bit
	 * non-conforming code segment of DPL 3, SS a present writable data
	 * segment of DPL 3, both RPL 3. LAR reads them as the CPU will (the
	 * GDT is the vCPU's, in the window); an LDT selector, or anything
	 * else, is pv_do_iret's.
	 */
.Lsw_iret_user:
	cmpq	$0xffff, %rbx
	ja	.Lsw_slow
	cmpq	$0xffff, %rdx
	ja	.Lsw_slow
	testl	$4, %ebx			/* TI: an LDT selector */
	jnz	.Lsw_slow
	movl	%edx, %eax
	andl	$7, %eax
	cmpl	$3, %eax			/* SS: GDT, RPL 3 */
	jne	.Lsw_slow
	larl	%ebx, %eax
	jnz	.Lsw_slow
	andl	$AR_CODE64_MASK, %eax
	cmpl	$AR_CODE64_USER, %eax
	jne	.Lsw_slow
	larl	%edx, %eax
	jnz	.Lsw_slow
	andl	$AR_STACK_MASK, %eax
	cmpl	$AR_STACK_USER, %eax
	jne	.Lsw_slow
.Lsw_iret_sel_ok:
	movq	%rbx, 8(%rsp)			/* cs */
	movq	%rdx, 32(%rsp)			/* ss */
	movq	IC(rip), %rbx			/* canonical, or iretq would fault */
	movq	%rbx, %rdx
	shlq	$16, %rdx
	sarq	$16, %rdx
	cmpq	%rbx, %rdx
	jne	.Lsw_slow
	movq	%rbx, 0(%rsp)
	movq	IC(rsp), %rbx
	movq	%rbx, 24(%rsp)
	movq	IC(rflags), %rbx		/* the guest's, IF set, no IOPL */
	andq	$IRET_KEEP_FLAGS, %rbx
	orq	$(X86_EFLAGS_IF | X86_EFLAGS_FIXED), %rbx
	movq	%rbx, 16(%rsp)
	/* The upcall mask from the frame's IF; unmasking onto a pending event is pv_do_iret's. */
	movq	CONF(SWC_VCPU_INFO), %rdx
	testq	$X86_EFLAGS_IF, IC(rflags)
	jz	1f
	cmpb	$0, 0(%rdx)			/* evtchn_upcall_pending */
	jne	.Lsw_slow
	movb	$0, 1(%rdx)
	jmp	2f
1:	movb	$1, 1(%rdx)
2:	testq	$SW_VGCF_IN_SYSCALL, IC(flags)
	jz	3f
	movq	0(%rsp), %rcx			/* as pv_do_iret: SYSRET's rcx and r11 */
	movq	16(%rsp), %r11
	jmp	4f
3:	movq	IC(rcx), %rcx
	movq	IC(r11), %r11
4:	incq	DATA(SWD_IRETS)
	movq	IC(rax), %rax
	movq	SAVED_RBX(%rsp), %rbx
	movq	SAVED_RDX(%rsp), %rdx
	testb	$2, 8(%rsp)			/* to ring 3 (RPL 3): the user's GS base */
	jz	5f
	swapgs
5:	iretq

	/*
	 * Two light hypercalls a kernel makes on every context switch, served
	 * here as do_stack_switch and do_set_segment_base would (the kernel's
	 * context: GS_BASE is its own, KERNEL_GS_BASE its process's). The
	 * kernel stack lives in the data page while the vCPU runs (pv/fast.c
	 * takes it back at every entry); the bases are the CPU's MSRs, which
	 * the scheduler saves. Return to ring 1 at rcx, rflags from r11, as
	 * the hypervisor's iretq would, with rax 0.
	 */
.Lsw_stack_switch:
	movq	%rsi, DATA(SWD_KERNEL_SP)
	incq	DATA(SWD_STACK_SWITCHES)
	jmp	.Lsw_hypercall_done

.Lsw_set_segment_base:
	cmpq	$2, %rdi			/* FS, GS_USER, GS_KERNEL; the selector: slow */
	ja	.Lsw_slow
	movq	%rsi, %rax			/* a non-canonical base: -EINVAL, there */
	shlq	$16, %rax
	sarq	$16, %rax
	cmpq	%rsi, %rax
	jne	.Lsw_slow
	movq	%rcx, %rbx
	movl	$MSR_FS_BASE, %ecx
	cmpq	$1, %rdi
	jb	1f
	movl	$MSR_KERNEL_GS_BASE, %ecx	/* the user's: inactive in the kernel */
	je	1f
	movl	$MSR_GS_BASE, %ecx		/* the kernel's: active */
1:	movl	%esi, %eax
	movq	%rsi, %rdx
	shrq	$32, %rdx
	wrmsr
	movq	%rbx, %rcx
	incq	DATA(SWD_SEGBASES)

.Lsw_hypercall_done:
	movq	%rcx, 0(%rsp)			/* rip */
	movq	$RING1_CS64, 8(%rsp)
	movq	%r11, 16(%rsp)			/* rflags: ring 1's, IF set, IOPL 0 */
	movq	DATA(SWD_GUEST_RSP), %rax
	movq	%rax, 24(%rsp)
	movq	$RING1_DS, 32(%rsp)
	movq	SAVED_RBX(%rsp), %rbx
	movq	SAVED_RDX(%rsp), %rdx
	xorl	%eax, %eax			/* 0: done */
	iretq

	/*
	 * Everything else: the hypervisor's view and the ordinary entry,
	 * which takes the three saved registers back from this stack and the
	 * guest's RSP from the data page (pv/fast_entry.S).
	 */
.Lsw_slow:
	movq	CONF(SWC_HV_CR3), %rax
	movq	%rax, %cr3
	jmp	*CONF(SWC_SYSCALL)

/* SYSCALL from compatibility mode (CSTAR): the same, to compat mode's entry. */
	.globl	sw_syscall32
sw_syscall32:
	movq	%rsp, DATA(SWD_GUEST_RSP)
	leaq	SLICE(STACK_TOP, 0), %rsp
	pushq	%rax
	movq	CONF(SWC_HV_CR3), %rax
	movq	%rax, %cr3
	popq	%rax
	movq	DATA(SWD_GUEST_RSP), %rsp
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
	.rept	14
	SW_STUB	%nvec
	.set	nvec, nvec + 1
	.endr
	.balign	8
sw_stub_14:
	jmp	sw_page_fault
	.set	nvec, 15
	.rept	17
	SW_STUB	%nvec
	.set	nvec, nvec + 1
	.endr
	SW_STUB	0xf0		/* TIMER_VECTOR */

/*
 * #PF: the last fast path. A fault of a user-mode access from ring 3 is
 * never the hypervisor's business (not an LDT page, which the CPU reads as
 * a supervisor; not a page-table write, which only the kernel's are), so
 * it is bounced here to the kernel's #PF handler as pv_page_fault() would:
 * CR2 into vcpu_info, the frame with the error code on the kernel stack,
 * swapgs, iretq to ring 1. Anything else is an ordinary vector 14.
 */
sw_page_fault:
	subq	$24, %rsp		/* rbx rdx rax, then err rip cs rflags rsp ss */
	movq	%rbx, 0(%rsp)
	movq	%rdx, 8(%rsp)
	movq	%rax, 16(%rsp)
	movq	40(%rsp), %rbx		/* cs */
	andl	$3, %ebx
	cmpl	$3, %ebx
	jne	.Lsw_pf_slow
	testq	$4, 24(%rsp)		/* the error code's U/S: a user access */
	jz	.Lsw_pf_slow
	cmpq	$0, CONF(SWC_PF_CB)
	je	.Lsw_pf_slow
	movq	CONF(SWC_VCPU_INFO), %rdx
	movq	DATA(SWD_KERNEL_SP), %rax
	andq	$-16, %rax
	subq	$64, %rax		/* rcx r11 err rip cs rflags rsp ss */
	NOT_IN_HV_HOLE	64, .Lsw_pf_slow
	GUEST_PF	movq	%rcx, 0(%rax)
	GUEST_PF	movq	%r11, 8(%rax)
	movq	24(%rsp), %rbx
	GUEST_PF	movq	%rbx, 16(%rax)	/* error code */
	movq	32(%rsp), %rbx
	GUEST_PF	movq	%rbx, 24(%rax)	/* rip */
	movzbl	1(%rdx), %ebx		/* the upcall mask, as it was */
	shlq	$32, %rbx
	orq	40(%rsp), %rbx
	GUEST_PF	movq	%rbx, 32(%rax)	/* cs */
	movq	48(%rsp), %rbx
	andq	$~(X86_EFLAGS_IF | X86_EFLAGS_IOPL), %rbx
	cmpb	$0, 1(%rdx)
	jne	1f
	orq	$X86_EFLAGS_IF, %rbx
1:	GUEST_PF	movq	%rbx, 40(%rax)	/* rflags */
	movq	56(%rsp), %rbx
	GUEST_PF	movq	%rbx, 48(%rax)	/* rsp */
	movq	64(%rsp), %rbx
	GUEST_PF	movq	%rbx, 56(%rax)	/* ss */
	/* Nothing can fault from here: the bounce is made. */
	movq	%cr2, %rbx
	movq	%rbx, 16(%rdx)		/* vcpu_info.arch.cr2 */
	cmpq	$0, CONF(SWC_PF_MASK)
	je	2f
	movb	$1, 1(%rdx)
2:	incq	DATA(SWD_PFS)
	movq	CONF(SWC_PF_CB), %rbx
	movq	%rbx, 32(%rsp)		/* rip */
	movq	$RING1_CS64, 40(%rsp)	/* cs */
	andq	$~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM | \
		   X86_EFLAGS_AC), 48(%rsp)
	orq	$X86_EFLAGS_IF, 48(%rsp)
	movq	%rax, 56(%rsp)		/* rsp */
	movq	$RING1_DS, 64(%rsp)	/* ss */
	movq	0(%rsp), %rbx
	movq	8(%rsp), %rdx
	movq	16(%rsp), %rax
	addq	$32, %rsp		/* the saved three and the error code */
	swapgs
	iretq

.Lsw_pf_slow:
	movq	0(%rsp), %rbx
	movq	8(%rsp), %rdx
	movq	16(%rsp), %rax
	addq	$24, %rsp
	pushq	$14
	jmp	sw_common

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
	popq	%rax
	MOVE_FRAME 7, CONF(SWC_HV_STACK)
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

	/* Slice 0's alias of sw_iret: the exception table's (layout.h switcher_ex_rip). */
	.section .ex_table, "a"
	.quad	SWITCHER_VIRT_START + (sw_iret - sw_text), sw_iret_fault
