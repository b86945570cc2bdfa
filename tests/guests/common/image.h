/*
 * image.h - where a test guest lives, for C, assembly and the linker script.
 *
 * Runs in: test guests (and the build: guest.lds.S is preprocessed with it).
 *
 * A test guest is linked at GUEST_VIRT_BASE, the address Linux uses for its
 * kernel (__START_KERNEL_map), with p_paddr = vaddr - GUEST_VIRT_BASE. Its
 * ELF notes say VIRT_BASE = GUEST_VIRT_BASE and PADDR_OFFSET = 0, so the
 * builder's mapping of pseudo-physical 0 at VIRT_BASE puts every byte where
 * it was linked. The top 2 GiB is what -mcmodel=kernel expects: every
 * address fits a sign-extended 32-bit immediate.
 */
#ifndef GUEST_IMAGE_H
#define GUEST_IMAGE_H

#ifdef __ASSEMBLER__
#define GUEST_UL(x)	x
#else
#define GUEST_UL(x)	x##UL
#endif

#define GUEST_VIRT_BASE		GUEST_UL(0xffffffff80000000)
#define GUEST_PAGE_SIZE		4096

/*
 * XEN_ELFNOTE_SUPPORTED_FEATURES: XENFEAT_pv_ring1_kernel (bit 31), so the
 * hypervisor may run the image in fast mode (guest kernel in ring 1).
 */
#define GUEST_SUPPORTED_FEATURES	GUEST_UL(0x80000000)

/* The stack head.S switches to (the builder gives us one 4 KiB page). */
#define GUEST_STACK_SIZE	(4 * GUEST_PAGE_SIZE)

/* struct boot_regs (guest.h): what head.S saw at the first instruction. */
#define BOOT_REGS_RSP		0
#define BOOT_REGS_RSI		8
#define BOOT_REGS_CS		16
#define BOOT_REGS_SS		24
#define BOOT_REGS_RFLAGS	32
#define BOOT_REGS_DS		40
#define BOOT_REGS_ES		48
#define BOOT_REGS_FS		56
#define BOOT_REGS_GS		64
#define BOOT_REGS_SIZE		72

#endif /* GUEST_IMAGE_H */
