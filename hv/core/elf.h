/*
 * elf.h - the ELF64 kernel-image parser of the domain builder.
 *
 * Runs in: hypervisor and host tests; trusts nothing in the image.
 *
 * elf_parse() reads a guest kernel image (an x86-64 ELF executable carrying
 * Xen ELF notes, such as a Linux vmlinux), checks it, and fills a struct
 * pv_image: what the notes say, and where each loadable segment goes in the
 * guest's virtual address space. elf_load() then copies the segments out
 * through a callback, so the caller decides how guest frames are mapped.
 * The rules follow Xen's libelf (xen/common/libelf/libelf-dominfo.c).
 */
#ifndef HV_CORE_ELF_H
#define HV_CORE_ELF_H

#include "hv.h"
#include "pvabi/elfnote.h"	/* XEN_ELFNOTE_* */

#define ELF_MAX_LOAD_SEGS	16
#define ELF_MAX_IMAGE_SPAN	GiB(1)	/* virt_kend - virt_kstart */

/* One PT_LOAD segment, already checked against the file and the others. */
struct elf_load_seg {
	u64 paddr;		/* p_paddr as in the image */
	u64 vaddr;		/* guest virtual: paddr + virt_offset */
	u64 offset;		/* file offset of the filesz bytes */
	u64 filesz;		/* bytes copied from the file */
	u64 memsz;		/* bytes in memory; the rest is zeroed */
	u32 flags;		/* PF_X 1, PF_W 2, PF_R 4 */
};

struct pv_image {
	/* From the Xen notes, with Xen's defaults when a note is absent */
	u64 entry;		/* ENTRY note, else e_entry */
	u64 virt_base;		/* VIRT_BASE, else 0 */
	u64 paddr_offset;	/* PADDR_OFFSET, else 0 (notes present) */
	u64 hypercall_page;	/* HYPERCALL_PAGE, valid if has_... */
	bool has_hypercall_page;
	u64 init_p2m;		/* INIT_P2M, valid if has_init_p2m */
	bool has_init_p2m;
	bool mod_start_pfn;	/* MOD_START_PFN note value != 0 */
	u32 features_required;	/* XENFEAT bits 0-31 marked "!" in FEATURES */
	u32 features_supported;	/* FEATURES names | SUPPORTED_FEATURES */
	char guest_os[16];	/* strings, NUL-terminated, truncated */
	char guest_version[16];
	char xen_version[16];
	char loader[16];

	/* Derived from the program headers */
	u64 virt_offset;	/* virt_base - paddr_offset */
	u64 virt_kstart;	/* page-rounded guest-virtual range covered */
	u64 virt_kend;		/*   by the load segments: [kstart, kend) */
	int nr_segs;
	struct elf_load_seg segs[ELF_MAX_LOAD_SEGS];
};

/*
 * Parse and check an image of len bytes. Returns 0 on success, or a negative
 * errno value (-XEN_EINVAL, 22) with a one-line reason written to err (errlen
 * bytes, may be NULL/0). Never reads outside [image, image + len).
 */
int elf_parse(const void *image, u64 len, struct pv_image *img,
	      char *err, size_t errlen);

/*
 * Write one piece of a segment to guest-virtual gvaddr: len bytes from src,
 * or len zero bytes when src is NULL. Returns 0 or a negative errno value.
 */
typedef int (*elf_write_fn)(void *ctx, u64 gvaddr, const void *src, u64 len);

/*
 * Copy the load segments of an image that elf_parse() accepted into img:
 * filesz bytes from the file, then zeroes up to memsz. Stops at and returns
 * the first error from write; 0 when every segment is in place.
 */
int elf_load(const void *image, const struct pv_image *img,
	     elf_write_fn write, void *ctx);

#endif /* HV_CORE_ELF_H */
