/*
 * pvabi/elfnote.h - the ELF notes a PV kernel image carries for the
 * domain builder.
 *
 * A PV kernel describes how it wants to be loaded in ELF notes (in a
 * PT_NOTE segment, or SHT_NOTE sections) whose name is "Xen". The note
 * type is one of the XEN_ELFNOTE_* numbers below; the descriptor is
 * either a NUL-terminated string or a little-endian number of 4 or 8
 * bytes (the descriptor size says which). The numbers are Xen's.
 * pvabi/README.md lists which notes pvisor's builder reads and what it
 * does when one is missing.
 *
 * Constants only: safe to include from C, C++ and assembly (a guest image
 * emits its notes from a .S file).
 */
#ifndef PVABI_ELFNOTE_H
#define PVABI_ELFNOTE_H

/* The name field of every note the builder looks at. */
#define PVABI_ELFNOTE_NAME		"Xen"

/* "NAME=VALUE" string: free-form information (ignored). */
#define XEN_ELFNOTE_INFO		0

/* Number: virtual address of the kernel entry point. */
#define XEN_ELFNOTE_ENTRY		1

/*
 * Number: virtual address of a page inside the image that the builder
 * fills with hypercall stubs. Absent: the kernel issues `syscall` itself.
 */
#define XEN_ELFNOTE_HYPERCALL_PAGE	2

/* Number: virtual address at which pseudo-physical address 0 is mapped. */
#define XEN_ELFNOTE_VIRT_BASE		3

/*
 * Number: how far the ELF p_paddr values are from the real
 * pseudo-physical load address (default 0): a segment loads at
 * pseudo-physical p_paddr - PADDR_OFFSET, virtual that + VIRT_BASE.
 */
#define XEN_ELFNOTE_PADDR_OFFSET	4

/* String: the hypervisor interface the kernel was written for ("xen-3.0"). */
#define XEN_ELFNOTE_XEN_VERSION		5

/* String: name of the guest OS (e.g. "linux"). */
#define XEN_ELFNOTE_GUEST_OS		6

/* String: version of the guest OS. */
#define XEN_ELFNOTE_GUEST_VERSION	7

/* String: loader type ("generic"). */
#define XEN_ELFNOTE_LOADER		8

/* String: PAE support, x86-32 only ("yes", "no", "bimodal"). */
#define XEN_ELFNOTE_PAE_MODE		9

/*
 * String: '|'-separated XENFEAT_* names without the prefix; a leading '!'
 * marks a feature the kernel cannot run without.
 */
#define XEN_ELFNOTE_FEATURES		10

/* String: "yes" if the kernel wants its symbol table loaded. */
#define XEN_ELFNOTE_BSD_SYMTAB		11

/* Number: lowest address the hypervisor hole may start at (x86-32 only). */
#define XEN_ELFNOTE_HV_START_LOW	12

/* Numbers: mask/value pairs telling valid-MFN non-present PTEs (tools only). */
#define XEN_ELFNOTE_L1_MFN_VALID	13

/* Number: non-zero if the kernel copes with a cancelled suspend. */
#define XEN_ELFNOTE_SUSPEND_CANCEL	14

/* Number: virtual address where the kernel wants the P2M list mapped. */
#define XEN_ELFNOTE_INIT_P2M		15

/* Number: non-zero if mod_start may be a pfn (SIF_MOD_START_PFN). */
#define XEN_ELFNOTE_MOD_START_PFN	16

/* Number: bitmap of XENFEAT_* the kernel supports (bit n = feature n). */
#define XEN_ELFNOTE_SUPPORTED_FEATURES	17

/* Number: 32-bit physical entry point for PVH boot (not used for PV). */
#define XEN_ELFNOTE_PHYS32_ENTRY	18

/* Numbers: PVH relocation constraints (not used for PV). */
#define XEN_ELFNOTE_PHYS32_RELOC	19

/* The highest note number defined. */
#define XEN_ELFNOTE_MAX			XEN_ELFNOTE_PHYS32_RELOC

/* Notes written into crash dumps and core files, never read by a builder. */
#define XEN_ELFNOTE_CRASH_INFO			0x1000001
#define XEN_ELFNOTE_CRASH_REGS			0x1000002
#define XEN_ELFNOTE_DUMPCORE_NONE		0x2000000
#define XEN_ELFNOTE_DUMPCORE_HEADER		0x2000001
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION	0x2000002
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION	0x2000003

#endif /* PVABI_ELFNOTE_H */
