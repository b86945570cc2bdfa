/*
 * head.S - a test guest's Xen ELF notes and its first instructions.
 *
 * Runs in: test guest, guest kernel mode (ring 3, or ring 1 in fast mode),
 * events masked.
 *
 * The notes are what the domain builder (hv/core/elf.c, after Xen's libelf)
 * reads to load us: a GUEST_OS of our own, the "generic" LOADER and
 * XEN_VERSION "xen-3.0" that it insists on, VIRT_BASE and PADDR_OFFSET
 * (image.h), the ENTRY point below, an empty FEATURES and a
 * SUPPORTED_FEATURES bitmap with XENFEAT_pv_ring1_kernel (bit 31): every
 * test image can run in either PV mode, compat (kernel in ring 3, the
 * default) or fast (kernel in ring 1, mode=fast), and learns which at
 * start (guest_start(), guest.h: guest_fast_mode()). Built with
 * -DHYPERCALL_PAGE (a test's test.mk says HYPERCALL_PAGE := 1), the image
 * also names a page of its own text that the builder fills with hypercall
 * stubs, and hypercall.h calls through it.
 *
 * The builder enters _start with rsi = &start_info and rsp at the top of
 * a one-page boot stack. We note the entry registers for the tests
 * (boot_regs), zero .bss, move to a larger stack in .bss and call
 * guest_start(start_info), which never returns.
 */
#include "pvabi/elfnote.h"
#include "image.h"

/* One note named "Xen": its type, then its value as assembler directives. */
.macro XEN_NOTE type:req, desc:vararg
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long 2f - 1f			/* namesz */
	.long 4f - 3f			/* descsz */
	.long \type
1:	.asciz "Xen"
2:	.balign 4
3:	\desc
4:	.balign 4
	.popsection
.endm

	XEN_NOTE XEN_ELFNOTE_GUEST_OS,		.asciz "pvisor-test"
	XEN_NOTE XEN_ELFNOTE_LOADER,		.asciz "generic"
	XEN_NOTE XEN_ELFNOTE_XEN_VERSION,	.asciz "xen-3.0"
	XEN_NOTE XEN_ELFNOTE_VIRT_BASE,		.quad GUEST_VIRT_BASE
	XEN_NOTE XEN_ELFNOTE_PADDR_OFFSET,	.quad 0
	XEN_NOTE XEN_ELFNOTE_ENTRY,		.quad _start
	XEN_NOTE XEN_ELFNOTE_FEATURES,		.asciz ""
	XEN_NOTE XEN_ELFNOTE_SUPPORTED_FEATURES, .long GUEST_SUPPORTED_FEATURES

#ifdef HYPERCALL_PAGE
	XEN_NOTE XEN_ELFNOTE_HYPERCALL_PAGE,	.quad hypercall_page

/*
 * The builder overwrites this page with 128 stubs of 32 bytes. Until then
 * it is int3, so a call through a page nobody filled traps at once.
 */
	.pushsection .text.hypercall_page, "ax", @progbits
	.balign GUEST_PAGE_SIZE
	.globl hypercall_page
hypercall_page:
	.fill GUEST_PAGE_SIZE, 1, 0xcc
	.popsection
#endif

	.section .text.head, "ax", @progbits
	.globl _start
_start:
	cld
	mov	%rsp, boot_regs + BOOT_REGS_RSP(%rip)
	mov	%rsi, boot_regs + BOOT_REGS_RSI(%rip)
	xor	%eax, %eax
	mov	%cs, %ax
	mov	%rax, boot_regs + BOOT_REGS_CS(%rip)
	mov	%ss, %ax
	mov	%rax, boot_regs + BOOT_REGS_SS(%rip)
	mov	%ds, %ax
	mov	%rax, boot_regs + BOOT_REGS_DS(%rip)
	mov	%es, %ax
	mov	%rax, boot_regs + BOOT_REGS_ES(%rip)
	mov	%fs, %ax
	mov	%rax, boot_regs + BOOT_REGS_FS(%rip)
	mov	%gs, %ax
	mov	%rax, boot_regs + BOOT_REGS_GS(%rip)
	pushfq
	popq	boot_regs + BOOT_REGS_RFLAGS(%rip)

	/* Zero .bss: the builder did already, but C may not rely on it. */
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	rep stosb

	lea	guest_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	mov	%rsi, %rdi		/* guest_start(start_info) */
	call	guest_start
	ud2				/* guest_start does not return */

/* In .data, not .bss: written before .bss is cleared. */
	.section .data, "aw", @progbits
	.balign 8
	.globl boot_regs
boot_regs:
	.fill BOOT_REGS_SIZE, 1, 0
	.size boot_regs, BOOT_REGS_SIZE

	.section .bss.stack, "aw", @nobits
	.balign GUEST_PAGE_SIZE
guest_stack:
	.skip GUEST_STACK_SIZE
guest_stack_top:

	.section .note.GNU-stack, "", @progbits
