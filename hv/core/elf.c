/*
 * elf.c - parse and load the ELF64 image of a PV guest kernel.
 *
 * Runs in: hypervisor and host tests; trusts nothing in the image.
 *
 * A guest kernel arrives as a boot module: an x86-64 ELF executable whose
 * Xen ELF notes say where it wants to live (VIRT_BASE), where to start
 * (ENTRY) and what it needs from us (FEATURES). Xen's libelf is the
 * reference for every rule here (xen/common/libelf/libelf-dominfo.c,
 * libelf-loader.c); where it is lax about malformed input we refuse instead.
 *
 * Segments are placed by p_paddr, never by p_vaddr: an SMP Linux has a
 * PT_LOAD for .data..percpu with p_vaddr == 0. The guest-virtual address is
 * p_paddr + virt_offset, where virt_offset = VIRT_BASE - PADDR_OFFSET.
 *
 * Every read of the image goes through a bounds check against its length
 * first (in_file()), written so that no sum can overflow, and every header
 * is copied into a local struct with memcpy, so an unaligned module is fine.
 * The parse is a list of steps (elf_parse_steps[]); each either passes or
 * writes a one-line reason and returns -XEN_EINVAL.
 */
#include "hv.h"
#include "vaddr.h"		/* the hole, the canonical halves */
#include "pvabi/errno.h"	/* XEN_EINVAL */
#include "pvabi/version.h"	/* XENFEAT_* */
#include "elf.h"

/* Bounds the work on a hostile image, as Xen's ELF_MAX_TOTAL_NOTE_COUNT. */
#define ELF_MAX_NOTES	65536

/* ------------------------------------------------------------------------ */
/* The on-disk ELF64 structures (System V gABI), little-endian */

#define EI_NIDENT	16
#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ET_EXEC		2
#define EM_X86_64	62
#define PT_LOAD		1
#define PT_NOTE		4
#define SHT_NOTE	7
#define PF_X		1
#define PF_W		2
#define PF_R		4

struct elf64_ehdr {
	u8 e_ident[EI_NIDENT];
	u16 e_type;
	u16 e_machine;
	u32 e_version;
	u64 e_entry;
	u64 e_phoff;
	u64 e_shoff;
	u32 e_flags;
	u16 e_ehsize;
	u16 e_phentsize;
	u16 e_phnum;
	u16 e_shentsize;
	u16 e_shnum;
	u16 e_shstrndx;
}; /* 64 bytes */

struct elf64_phdr {
	u32 p_type;
	u32 p_flags;
	u64 p_offset;
	u64 p_vaddr;
	u64 p_paddr;
	u64 p_filesz;
	u64 p_memsz;
	u64 p_align;
}; /* 56 bytes */

struct elf64_shdr {
	u32 sh_name;
	u32 sh_type;
	u64 sh_flags;
	u64 sh_addr;
	u64 sh_offset;
	u64 sh_size;
	u32 sh_link;
	u32 sh_info;
	u64 sh_addralign;
	u64 sh_entsize;
}; /* 64 bytes */

/* A note: this header, the name and the desc, each padded to 4 bytes. */
struct elf64_nhdr {
	u32 n_namesz;
	u32 n_descsz;
	u32 n_type;
}; /* 12 bytes */

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 phdr is 56 bytes");
_Static_assert(sizeof(struct elf64_shdr) == 64, "ELF64 shdr is 64 bytes");
_Static_assert(sizeof(struct elf64_nhdr) == 12, "ELF note header is 12 bytes");

/*
 * The names the FEATURES string may use: exactly the ones libelf knows.
 * An unknown name is ignored, an unknown required ("!") name refused.
 */
static const char *const xen_feature_names[] = {
	[XENFEAT_writable_page_tables] = "writable_page_tables",
	[XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
	[XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
	[XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
	[XENFEAT_pae_pgdir_above_4gb] = "pae_pgdir_above_4gb",
	[XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
	[XENFEAT_dom0] = "dom0",
	[XENFEAT_pv_ring1_kernel] = "pv_ring1_kernel",	/* pvisor's own */
};

/* Note names for messages; NULL for types we neither use nor name. */
static const char *const xen_note_names[XEN_ELFNOTE_MAX + 1] = {
	[XEN_ELFNOTE_ENTRY] = "ENTRY",
	[XEN_ELFNOTE_HYPERCALL_PAGE] = "HYPERCALL_PAGE",
	[XEN_ELFNOTE_VIRT_BASE] = "VIRT_BASE",
	[XEN_ELFNOTE_PADDR_OFFSET] = "PADDR_OFFSET",
	[XEN_ELFNOTE_XEN_VERSION] = "XEN_VERSION",
	[XEN_ELFNOTE_GUEST_OS] = "GUEST_OS",
	[XEN_ELFNOTE_GUEST_VERSION] = "GUEST_VERSION",
	[XEN_ELFNOTE_LOADER] = "LOADER",
	[XEN_ELFNOTE_FEATURES] = "FEATURES",
	[XEN_ELFNOTE_INIT_P2M] = "INIT_P2M",
	[XEN_ELFNOTE_MOD_START_PFN] = "MOD_START_PFN",
	[XEN_ELFNOTE_SUPPORTED_FEATURES] = "SUPPORTED_FEATURES",
};

/* ------------------------------------------------------------------------ */
/* Parser state and bounds-checked reads */

struct elf_ctx {
	const u8 *image;
	u64 len;
	struct elf64_ehdr eh;		/* copied in by check_ident() */
	struct pv_image *img;
	char *err;
	size_t errlen;
	unsigned int nr_notes;		/* every note seen, any name */
	unsigned int nr_xen_notes;	/* notes named "Xen" */
	bool has_entry, has_virt_base, has_paddr_offset;
	int seg_phdr[ELF_MAX_LOAD_SEGS];	/* program header of segs[i] */
};

/* Record why the image is refused; evaluates to -XEN_EINVAL. */
#define elf_fail(c, ...) \
	(hv_snprintf((c)->err, (c)->errlen, __VA_ARGS__), -XEN_EINVAL)

/* Is [off, off + size) inside the image? No sum here can overflow. */
static bool in_file(const struct elf_ctx *c, u64 off, u64 size)
{
	return off <= c->len && size <= c->len - off;
}

/* Callers have checked the whole program header table with in_file(). */
static void read_phdr(const struct elf_ctx *c, unsigned int i,
		      struct elf64_phdr *ph)
{
	memcpy(ph, c->image + c->eh.e_phoff + (u64)i * sizeof(*ph),
	       sizeof(*ph));
}

static void read_shdr(const struct elf_ctx *c, unsigned int i,
		      struct elf64_shdr *sh)
{
	memcpy(sh, c->image + c->eh.e_shoff + (u64)i * sizeof(*sh),
	       sizeof(*sh));
}

/* ------------------------------------------------------------------------ */
/* The ELF header */

static int check_ident(struct elf_ctx *c)
{
	const u8 *id = c->image;

	if (c->len < sizeof(c->eh))
		return elf_fail(c, "truncated ELF header (0x%lx bytes, need %zu)",
				c->len, sizeof(c->eh));
	if (memcmp(id, "\177ELF", 4))
		return elf_fail(c, "not an ELF file (bad magic)");
	if (id[EI_CLASS] != ELFCLASS64)
		return elf_fail(c, "not ELF64 (class %u)", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return elf_fail(c, "not little-endian (data %u)", id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT)
		return elf_fail(c, "unknown ELF version %u", id[EI_VERSION]);
	memcpy(&c->eh, c->image, sizeof(c->eh));
	return 0;
}

static int check_ehdr(struct elf_ctx *c)
{
	const struct elf64_ehdr *eh = &c->eh;
	u64 size = (u64)eh->e_phnum * sizeof(struct elf64_phdr);

	if (eh->e_machine != EM_X86_64)
		return elf_fail(c, "not an x86-64 image (machine %u)",
				eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return elf_fail(c, "not an executable (type %u)", eh->e_type);
	if (eh->e_phnum == 0)
		return elf_fail(c, "no program headers");
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return elf_fail(c, "program header size %u (want %zu)",
				eh->e_phentsize, sizeof(struct elf64_phdr));
	if (!in_file(c, eh->e_phoff, size))
		return elf_fail(c, "program header table extends past end of file (offset 0x%lx + 0x%lx > 0x%lx)",
				eh->e_phoff, size, c->len);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Xen notes: one note's value */

static const char *note_name(u32 type)
{
	if (type <= XEN_ELFNOTE_MAX && xen_note_names[type])
		return xen_note_names[type];
	return "?";
}

/* Numeric notes are 4 or 8 bytes (Linux uses both: ELFNOTE32, _ASM_PTR). */
static int note_u64(struct elf_ctx *c, u32 type, const u8 *desc, u32 descsz,
		    u64 *val)
{
	u32 v32;

	if (descsz == 4) {
		memcpy(&v32, desc, 4);
		*val = v32;
	} else if (descsz == 8) {
		memcpy(val, desc, 8);
	} else {
		return elf_fail(c, "note %s has a %u-byte value (want 4 or 8)",
				note_name(type), descsz);
	}
	return 0;
}

/*
 * A string note's text: up to the first NUL or the end of the desc. Linux
 * writes FEATURES with .ascii, so the NUL is often only the padding.
 */
static size_t note_strlen(const u8 *desc, u32 descsz)
{
	return strnlen((const char *)desc, descsz);
}

/* Copy len bytes of text into a fixed field, truncating as libelf does. */
static void copy_string(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = MIN(len, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The XENFEAT number called name[0..len), or -1. */
static int feature_number(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xen_feature_names); i++) {
		const char *known = xen_feature_names[i];

		if (known && strlen(known) == len && !memcmp(known, name, len))
			return i;
	}
	return -1;
}

/* One "name" or "!name" of the FEATURES string, len bytes at tok. */
static int parse_feature(struct elf_ctx *c, const char *tok, size_t len)
{
	bool required = len > 0 && tok[0] == '!';
	char shown[32];
	int nr;

	if (required) {
		tok++;
		len--;
	}
	nr = feature_number(tok, len);
	if (nr >= 0) {
		c->img->features_supported |= 1U << nr;
		if (required)
			c->img->features_required |= 1U << nr;
		return 0;
	}
	if (!required)
		return 0;	/* an optional feature we do not know */
	copy_string(shown, sizeof(shown), tok, len);
	return elf_fail(c, "FEATURES note requires unknown feature \"%s\"",
			shown);
}

/* "!writable_page_tables|pae_pgdir_above_4gb": '|'-separated names. */
static int parse_features(struct elf_ctx *c, const char *s, size_t len)
{
	size_t start = 0, i;
	int ret;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '|')
			continue;
		ret = parse_feature(c, s + start, i - start);
		if (ret)
			return ret;
		start = i + 1;
	}
	return 0;
}

static int xen_string_note(struct elf_ctx *c, u32 type, const u8 *desc,
			   u32 descsz)
{
	struct pv_image *img = c->img;
	const char *s = (const char *)desc;
	size_t len = note_strlen(desc, descsz);

	switch (type) {
	case XEN_ELFNOTE_GUEST_OS:
		copy_string(img->guest_os, sizeof(img->guest_os), s, len);
		break;
	case XEN_ELFNOTE_GUEST_VERSION:
		copy_string(img->guest_version, sizeof(img->guest_version),
			    s, len);
		break;
	case XEN_ELFNOTE_XEN_VERSION:
		copy_string(img->xen_version, sizeof(img->xen_version), s, len);
		break;
	case XEN_ELFNOTE_LOADER:
		copy_string(img->loader, sizeof(img->loader), s, len);
		break;
	case XEN_ELFNOTE_FEATURES:
		return parse_features(c, s, len);
	}
	return 0;
}

static int xen_numeric_note(struct elf_ctx *c, u32 type, const u8 *desc,
			    u32 descsz)
{
	struct pv_image *img = c->img;
	u64 val;
	int ret = note_u64(c, type, desc, descsz, &val);

	if (ret)
		return ret;
	switch (type) {
	case XEN_ELFNOTE_ENTRY:
		img->entry = val;
		c->has_entry = true;
		break;
	case XEN_ELFNOTE_VIRT_BASE:
		img->virt_base = val;
		c->has_virt_base = true;
		break;
	case XEN_ELFNOTE_PADDR_OFFSET:
		img->paddr_offset = val;
		c->has_paddr_offset = true;
		break;
	case XEN_ELFNOTE_HYPERCALL_PAGE:
		img->hypercall_page = val;
		img->has_hypercall_page = true;
		break;
	case XEN_ELFNOTE_INIT_P2M:
		img->init_p2m = val;
		img->has_init_p2m = true;
		break;
	case XEN_ELFNOTE_MOD_START_PFN:
		img->mod_start_pfn = val != 0;
		break;
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		img->features_supported |= (u32)val;	/* XENFEAT 0-31 */
		break;
	}
	return 0;
}

/* A note named "Xen". Types we have no use for are skipped, as in Xen. */
static int xen_note(struct elf_ctx *c, u32 type, const u8 *desc, u32 descsz)
{
	c->nr_xen_notes++;
	switch (type) {
	case XEN_ELFNOTE_GUEST_OS:
	case XEN_ELFNOTE_GUEST_VERSION:
	case XEN_ELFNOTE_XEN_VERSION:
	case XEN_ELFNOTE_LOADER:
	case XEN_ELFNOTE_FEATURES:
		return xen_string_note(c, type, desc, descsz);
	case XEN_ELFNOTE_ENTRY:
	case XEN_ELFNOTE_VIRT_BASE:
	case XEN_ELFNOTE_PADDR_OFFSET:
	case XEN_ELFNOTE_HYPERCALL_PAGE:
	case XEN_ELFNOTE_INIT_P2M:
	case XEN_ELFNOTE_MOD_START_PFN:
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		return xen_numeric_note(c, type, desc, descsz);
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Xen notes: walking a note area */

/* "Xen\0" (namesz 4), or "Xen" without the NUL (namesz 3). */
static bool is_xen_name(const u8 *name, u32 namesz)
{
	if (namesz == 4)
		return !memcmp(name, "Xen", 4);
	return namesz == 3 && !memcmp(name, "Xen", 3);
}

/*
 * The note at *pos, inside [*pos, end) which lies in the file and holds at
 * least a note header; advances *pos past it and its padding.
 */
static int parse_one_note(struct elf_ctx *c, u64 *pos, u64 end,
			  const char *what, unsigned int idx)
{
	struct elf64_nhdr nh;
	u64 name = *pos + sizeof(nh), desc;

	if (++c->nr_notes > ELF_MAX_NOTES)
		return elf_fail(c, "more than %d ELF notes", ELF_MAX_NOTES);
	memcpy(&nh, c->image + *pos, sizeof(nh));
	/* u64 sums of 32-bit sizes: they cannot wrap */
	desc = name + ALIGN_UP((u64)nh.n_namesz, 4);
	if (desc > end || nh.n_descsz > end - desc)
		return elf_fail(c, "malformed note at offset 0x%lx in %s %u: namesz 0x%x + descsz 0x%x run past its end 0x%lx",
				*pos, what, idx, nh.n_namesz, nh.n_descsz,
				end);
	*pos = MIN(desc + ALIGN_UP((u64)nh.n_descsz, 4), end);
	if (!is_xen_name(c->image + name, nh.n_namesz))
		return 0;
	return xen_note(c, nh.n_type, c->image + desc, nh.n_descsz);
}

/* All notes in [off, off + size); fewer than 12 bytes left is padding. */
static int parse_note_area(struct elf_ctx *c, u64 off, u64 size,
			   const char *what, unsigned int idx)
{
	u64 end;
	int ret;

	if (!in_file(c, off, size))
		return elf_fail(c, "%s %u extends past end of file (offset 0x%lx + 0x%lx > 0x%lx)",
				what, idx, off, size, c->len);
	end = off + size;
	while (end - off >= sizeof(struct elf64_nhdr)) {
		ret = parse_one_note(c, &off, end, what, idx);
		if (ret)
			return ret;
	}
	return 0;
}

/* PT_NOTE segments; p_offset 0 is a known binutils bug that Xen skips. */
static int notes_from_segments(struct elf_ctx *c)
{
	struct elf64_phdr ph;
	unsigned int i;
	int ret;

	for (i = 0; i < c->eh.e_phnum; i++) {
		read_phdr(c, i, &ph);
		if (ph.p_type != PT_NOTE || ph.p_offset == 0)
			continue;
		ret = parse_note_area(c, ph.p_offset, ph.p_filesz,
				      "note segment", i);
		if (ret)
			return ret;
	}
	return 0;
}

/* SHT_NOTE sections, which Xen reads only when no segment had Xen notes. */
static int notes_from_sections(struct elf_ctx *c)
{
	const struct elf64_ehdr *eh = &c->eh;
	u64 size = (u64)eh->e_shnum * sizeof(struct elf64_shdr);
	struct elf64_shdr sh;
	unsigned int i;
	int ret;

	if (eh->e_shnum == 0)
		return 0;
	if (eh->e_shentsize != sizeof(sh))
		return elf_fail(c, "section header size %u (want %zu)",
				eh->e_shentsize, sizeof(sh));
	if (!in_file(c, eh->e_shoff, size))
		return elf_fail(c, "section header table extends past end of file (offset 0x%lx + 0x%lx > 0x%lx)",
				eh->e_shoff, size, c->len);
	for (i = 1; i < eh->e_shnum; i++) {
		read_shdr(c, i, &sh);
		if (sh.sh_type != SHT_NOTE)
			continue;
		ret = parse_note_area(c, sh.sh_offset, sh.sh_size,
				      "note section", i);
		if (ret)
			return ret;
	}
	return 0;
}

static int read_notes(struct elf_ctx *c)
{
	int ret = notes_from_segments(c);

	if (!ret && c->nr_xen_notes == 0)
		ret = notes_from_sections(c);
	if (!ret && c->nr_xen_notes == 0)
		ret = elf_fail(c, "no Xen ELF notes: not a PV kernel");
	return ret;
}

/* ------------------------------------------------------------------------ */
/* What the notes say, checked and completed with Xen's defaults */

/* libelf's elf_xen_note_check(): compared as prefixes, as there. */
static int check_note_strings(struct elf_ctx *c)
{
	const struct pv_image *img = c->img;

	if (strncmp(img->loader, "generic", 7) &&
	    strncmp(img->guest_os, "linux", 5))
		return elf_fail(c, "GUEST_OS \"%s\", LOADER \"%s\": only Linux or generic-loader images are loaded",
				img->guest_os, img->loader);
	if (strncmp(img->xen_version, "xen-3.0", 7))
		return elf_fail(c, "XEN_VERSION \"%s\": only xen-3.0 images are loaded",
				img->xen_version);
	return 0;
}

/*
 * Defaults of libelf's elf_xen_addr_calc_check() for an image with notes:
 * VIRT_BASE 0, PADDR_OFFSET 0, entry from the ELF header.
 */
static int apply_defaults(struct elf_ctx *c)
{
	struct pv_image *img = c->img;

	if (c->has_paddr_offset && !c->has_virt_base)
		return elf_fail(c, "PADDR_OFFSET note without VIRT_BASE note");
	if (!IS_ALIGNED(img->virt_base, PAGE_SIZE))
		return elf_fail(c, "VIRT_BASE 0x%lx is not page-aligned",
				img->virt_base);
	if (!c->has_entry)
		img->entry = c->eh.e_entry;
	img->virt_offset = img->virt_base - img->paddr_offset;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Load segments */

static bool is_loadable(const struct elf64_phdr *ph)
{
	return ph->p_type == PT_LOAD && (ph->p_flags & (PF_R | PF_W | PF_X));
}

/* [start, end) lies in one canonical half; end > start. */
static bool is_canonical(u64 start, u64 end)
{
	return end <= CANON_LOW_END || start >= CANON_HIGH_START;
}

/* Where segment i goes: a non-empty virtual range that we may map. */
static int place_segment(struct elf_ctx *c, unsigned int i,
			 const struct elf64_phdr *ph, u64 *vaddr)
{
	u64 start = ph->p_paddr + c->img->virt_offset;	/* wraps as Xen's */
	u64 end = start + ph->p_memsz;

	if (ph->p_memsz > ELF_MAX_IMAGE_SPAN)
		return elf_fail(c, "segment %u is 0x%lx bytes, more than 1 GiB",
				i, ph->p_memsz);
	if (end < start || ALIGN_UP(end, PAGE_SIZE) < end)
		return elf_fail(c, "segment %u wraps the address space (0x%lx + 0x%lx)",
				i, start, ph->p_memsz);
	if (hv_hole_overlaps(start, end))
		return elf_fail(c, "segment %u at 0x%lx-0x%lx lies in the hypervisor range 0x%lx-0x%lx",
				i, start, end - 1, HYPERVISOR_VIRT_START,
				HYPERVISOR_VIRT_END - 1);
	if (!is_canonical(start, end))
		return elf_fail(c, "segment %u at 0x%lx-0x%lx is not canonical",
				i, start, end - 1);
	*vaddr = start;
	return 0;
}

static int add_segment(struct elf_ctx *c, unsigned int i,
		       const struct elf64_phdr *ph)
{
	struct pv_image *img = c->img;
	struct elf_load_seg *s;
	u64 vaddr;
	int ret;

	if (ph->p_filesz > ph->p_memsz)
		return elf_fail(c, "segment %u: filesz 0x%lx > memsz 0x%lx",
				i, ph->p_filesz, ph->p_memsz);
	if (!in_file(c, ph->p_offset, ph->p_filesz))
		return elf_fail(c, "segment %u extends past end of file (offset 0x%lx + 0x%lx > 0x%lx)",
				i, ph->p_offset, ph->p_filesz, c->len);
	if (ph->p_memsz == 0)
		return 0;	/* nothing to place */
	ret = place_segment(c, i, ph, &vaddr);
	if (ret)
		return ret;
	if (img->nr_segs == ELF_MAX_LOAD_SEGS)
		return elf_fail(c, "more than %d loadable segments",
				ELF_MAX_LOAD_SEGS);
	c->seg_phdr[img->nr_segs] = i;
	s = &img->segs[img->nr_segs++];
	s->paddr = ph->p_paddr;
	s->vaddr = vaddr;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	s->memsz = ph->p_memsz;
	s->flags = ph->p_flags;
	return 0;
}

static int collect_segments(struct elf_ctx *c)
{
	struct elf64_phdr ph;
	unsigned int i;
	int ret;

	for (i = 0; i < c->eh.e_phnum; i++) {
		read_phdr(c, i, &ph);
		if (!is_loadable(&ph))
			continue;
		ret = add_segment(c, i, &ph);
		if (ret)
			return ret;
	}
	if (c->img->nr_segs == 0)
		return elf_fail(c, "no loadable segments");
	return 0;
}

/* Two segments writing the same guest byte would depend on load order. */
static int check_overlaps(struct elf_ctx *c)
{
	const struct elf_load_seg *s = c->img->segs;
	int i, j;

	for (i = 0; i < c->img->nr_segs; i++) {
		for (j = i + 1; j < c->img->nr_segs; j++) {
			if (s[i].vaddr < s[j].vaddr + s[j].memsz &&
			    s[j].vaddr < s[i].vaddr + s[i].memsz)
				return elf_fail(c, "segments %d and %d overlap (0x%lx-0x%lx and 0x%lx-0x%lx)",
						c->seg_phdr[i], c->seg_phdr[j],
						s[i].vaddr,
						s[i].vaddr + s[i].memsz - 1,
						s[j].vaddr,
						s[j].vaddr + s[j].memsz - 1);
		}
	}
	return 0;
}

/* [virt_kstart, virt_kend): at most 1 GiB, and not below VIRT_BASE. */
static int check_span(struct elf_ctx *c)
{
	struct pv_image *img = c->img;
	u64 lo = ~0UL, hi = 0;
	int i;

	for (i = 0; i < img->nr_segs; i++) {
		lo = MIN(lo, img->segs[i].vaddr);
		hi = MAX(hi, img->segs[i].vaddr + img->segs[i].memsz);
	}
	img->virt_kstart = ALIGN_DOWN(lo, PAGE_SIZE);
	/* place_segment() made sure that this cannot wrap */
	img->virt_kend = ALIGN_UP(hi, PAGE_SIZE);
	if (img->virt_kend - img->virt_kstart > ELF_MAX_IMAGE_SPAN)
		return elf_fail(c, "image spans 0x%lx bytes (0x%lx-0x%lx), more than 1 GiB",
				img->virt_kend - img->virt_kstart,
				img->virt_kstart, img->virt_kend - 1);
	if (lo < img->virt_base)
		return elf_fail(c, "image starts at 0x%lx, below VIRT_BASE 0x%lx",
				lo, img->virt_base);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Addresses from the notes, against the placed image */

static int check_entry(struct elf_ctx *c)
{
	const struct pv_image *img = c->img;
	int i;

	for (i = 0; i < img->nr_segs; i++) {
		const struct elf_load_seg *s = &img->segs[i];

		if (img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
			return 0;
	}
	return elf_fail(c, "entry 0x%lx is outside the loaded image",
			img->entry);
}

/* The builder writes a whole page of stubs there. */
static int check_hypercall_page(struct elf_ctx *c)
{
	const struct pv_image *img = c->img;
	u64 va = img->hypercall_page;

	if (!img->has_hypercall_page)
		return 0;
	if (va < img->virt_kstart || va >= img->virt_kend ||
	    img->virt_kend - va < PAGE_SIZE)
		return elf_fail(c, "hypercall page 0x%lx is outside the image 0x%lx-0x%lx",
				va, img->virt_kstart, img->virt_kend - 1);
	return 0;
}

/* As libelf: a separate p2m area may not start inside the kernel. */
static int check_init_p2m(struct elf_ctx *c)
{
	const struct pv_image *img = c->img;

	if (img->has_init_p2m && img->init_p2m >= img->virt_kstart &&
	    img->init_p2m < img->virt_kend)
		return elf_fail(c, "INIT_P2M 0x%lx lies inside the image 0x%lx-0x%lx",
				img->init_p2m, img->virt_kstart,
				img->virt_kend - 1);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The parse, in order */

static int (*const elf_parse_steps[])(struct elf_ctx *c) = {
	check_ident,		/* magic, ELF64, little-endian */
	check_ehdr,		/* x86-64 executable, phdrs in the file */
	read_notes,		/* Xen notes from PT_NOTE, else SHT_NOTE */
	check_note_strings,	/* Linux or generic loader, xen-3.0 */
	apply_defaults,		/* entry, virt_offset */
	collect_segments,	/* PT_LOADs: in the file, placed by paddr */
	check_overlaps,		/* no two segments share a guest byte */
	check_span,		/* virt_kstart/kend, at most 1 GiB */
	check_entry,		/* entry inside a segment */
	check_hypercall_page,	/* the page inside the image */
	check_init_p2m,		/* the p2m area outside it */
};

int elf_parse(const void *image, u64 len, struct pv_image *img,
	      char *err, size_t errlen)
{
	char none[1];
	struct elf_ctx c = {
		.image = image,
		.len = image ? len : 0,
		.img = img,
		.err = err && errlen ? err : none,
		.errlen = err && errlen ? errlen : sizeof(none),
	};
	unsigned int i;
	int ret = 0;

	c.err[0] = '\0';
	memset(img, 0, sizeof(*img));
	for (i = 0; i < ARRAY_SIZE(elf_parse_steps) && !ret; i++)
		ret = elf_parse_steps[i](&c);
	if (ret)
		memset(img, 0, sizeof(*img));	/* nothing half-checked */
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Loading */

static int load_segment(const u8 *image, const struct elf_load_seg *s,
			elf_write_fn write, void *ctx)
{
	int ret = 0;

	if (s->filesz)
		ret = write(ctx, s->vaddr, image + s->offset, s->filesz);
	if (!ret && s->memsz > s->filesz)
		ret = write(ctx, s->vaddr + s->filesz, NULL,
			    s->memsz - s->filesz);
	return ret;
}

int elf_load(const void *image, const struct pv_image *img,
	     elf_write_fn write, void *ctx)
{
	int i, ret;

	if (img->nr_segs < 0 || img->nr_segs > ELF_MAX_LOAD_SEGS)
		return -XEN_EINVAL;
	for (i = 0; i < img->nr_segs; i++) {
		ret = load_segment(image, &img->segs[i], write, ctx);
		if (ret)
			return ret;
	}
	return 0;
}
