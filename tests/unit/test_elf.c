/*
 * test_elf.c - Check tests of the ELF64 kernel-image parser (hv/core/elf.c).
 *
 * Runs in: host tests, under ASan/UBSan.
 *
 * Every image here is built in memory by a small builder (ELF header, a
 * PT_NOTE with the chosen Xen notes, PT_LOADs with patterned data), then
 * copied into a buffer of exactly its length, so that any read past the end
 * is an ASan error rather than luck. The ELF structures come from the C
 * library's <elf.h>, an encoding independent of the parser's own.
 *
 * The cases: well-formed images (all notes; defaults; the Linux layout with
 * a p_vaddr 0 per-cpu segment; notes in sections), a table of malformed
 * images each refused with a given reason, FEATURES parsing, loading, sweeps
 * over every truncation and many single-byte corruptions, and, when one can
 * be found, a real vmlinux (PVISOR_VMLINUX=path, or the usual debug paths).
 */
#include <check.h>
#include <elf.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv.h"
#include "core/elf.h"

#define VB		0xffffffff80000000UL	/* Linux's __START_KERNEL_map */
#define T_MAX_SEGS	20
#define T_MAX_NOTES	24

/* ------------------------------------------------------------------------ */
/* The image builder */

struct t_note {
	const char *name;	/* NULL: "Xen" */
	u32 type;
	u32 descsz;
	u8 desc[192];
};

struct t_seg {
	u64 paddr, vaddr, filesz, memsz;
	u32 flags;
};

struct t_spec {
	u64 entry;			/* e_entry */
	bool no_note_phdr;		/* no PT_NOTE program header */
	bool note_section;		/* the notes also as an SHT_NOTE */
	bool notes_last;		/* notes at the end of the file */
	int nr_segs;
	struct t_seg segs[T_MAX_SEGS];
	int nr_notes;
	struct t_note notes[T_MAX_NOTES];
};

struct t_image {
	u8 *buf;
	size_t len;
	u64 note_off, note_size;	/* the note area */
	u64 last_note_off;		/* the last note in it */
	u64 seg_off[T_MAX_SEGS];	/* file offset of each segment's data */
};

static void note_raw(struct t_spec *s, const char *name, u32 type,
		     const void *desc, u32 descsz)
{
	struct t_note *n = &s->notes[s->nr_notes++];

	ck_assert_int_le(s->nr_notes, T_MAX_NOTES);
	ck_assert_uint_le(descsz, sizeof(n->desc));
	n->name = name;
	n->type = type;
	n->descsz = descsz;
	memcpy(n->desc, desc, descsz);
}

static void note_drop(struct t_spec *s, u32 type)
{
	int i, j = 0;

	for (i = 0; i < s->nr_notes; i++)
		if (s->notes[i].type != type)
			s->notes[j++] = s->notes[i];
	s->nr_notes = j;
}

static void note_str(struct t_spec *s, u32 type, const char *str)
{
	note_drop(s, type);
	note_raw(s, NULL, type, str, strlen(str) + 1);
}

static void note_u64(struct t_spec *s, u32 type, u64 val)
{
	note_drop(s, type);
	note_raw(s, NULL, type, &val, 8);
}

static void note_u32(struct t_spec *s, u32 type, u32 val)
{
	note_drop(s, type);
	note_raw(s, NULL, type, &val, 4);
}

static void seg_add(struct t_spec *s, u64 paddr, u64 filesz, u64 memsz,
		    u32 flags)
{
	struct t_seg *g = &s->segs[s->nr_segs++];

	ck_assert_int_le(s->nr_segs, T_MAX_SEGS);
	g->paddr = paddr;
	g->vaddr = paddr + VB;
	g->filesz = filesz;
	g->memsz = memsz;
	g->flags = flags;
}

static u64 align4(u64 x)
{
	return (x + 3) & ~3UL;
}

static size_t note_bytes(const struct t_note *n)
{
	const char *name = n->name ? n->name : "Xen";

	return sizeof(Elf64_Nhdr) + align4(strlen(name) + 1) +
	       align4(n->descsz);
}

static u8 *put_note(u8 *p, const struct t_note *n)
{
	const char *name = n->name ? n->name : "Xen";
	Elf64_Nhdr nh = {
		.n_namesz = strlen(name) + 1,
		.n_descsz = n->descsz,
		.n_type = n->type,
	};

	memset(p, 0, note_bytes(n));	/* zero padding */
	memcpy(p, &nh, sizeof(nh));
	memcpy(p + sizeof(nh), name, nh.n_namesz);
	p += sizeof(nh) + align4(nh.n_namesz);
	memcpy(p, n->desc, n->descsz);
	return p + align4(n->descsz);
}

/* The byte at file offset off of every built image: checks the copy. */
static u8 pattern(u64 off)
{
	return (u8)(off * 31 + 7);
}

static void put_ehdr(struct t_image *t, const struct t_spec *s, int phnum,
		     u64 shoff)
{
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
			     ELFDATA2LSB, EV_CURRENT },
		.e_type = ET_EXEC,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_entry = s->entry,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_shoff = shoff,
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = phnum,
		.e_shentsize = shoff ? sizeof(Elf64_Shdr) : 0,
		.e_shnum = shoff ? 2 : 0,
	};

	memcpy(t->buf, &eh, sizeof(eh));
}

static void put_phdr(struct t_image *t, int i, const Elf64_Phdr *ph)
{
	memcpy(t->buf + sizeof(Elf64_Ehdr) + i * sizeof(*ph), ph, sizeof(*ph));
}

static void put_note_shdrs(struct t_image *t, u64 shoff)
{
	Elf64_Shdr sh[2] = {
		[1] = { .sh_type = SHT_NOTE, .sh_offset = t->note_off,
			.sh_size = t->note_size, .sh_addralign = 4 },
	};

	memcpy(t->buf + shoff, sh, sizeof(sh));
}

/*
 * Lay out: ELF header, program headers (PT_NOTE first unless no_note_phdr),
 * the notes, each segment's data at a 16-byte aligned offset (or the notes
 * after the data, if notes_last), then the section headers if note_section.
 */
static struct t_image build(const struct t_spec *s)
{
	int nph = s->nr_segs + !s->no_note_phdr, i;
	struct t_image t = { 0 };
	u64 off, shoff = 0;
	u8 *p;

	off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
	for (i = 0; i < s->nr_notes; i++)
		t.note_size += note_bytes(&s->notes[i]);
	if (!s->notes_last) {
		t.note_off = off;
		off += t.note_size;
	}
	for (i = 0; i < s->nr_segs; i++) {
		off = (off + 15) & ~15UL;
		t.seg_off[i] = off;
		off += s->segs[i].filesz;
	}
	if (s->notes_last) {
		t.note_off = (off + 3) & ~3UL;
		off = t.note_off + t.note_size;
	}
	if (s->note_section) {
		shoff = (off + 7) & ~7UL;
		off = shoff + 2 * sizeof(Elf64_Shdr);
	}
	t.len = off;
	t.buf = calloc(1, t.len);
	ck_assert_ptr_nonnull(t.buf);
	for (off = 0; off < t.len; off++)
		t.buf[off] = pattern(off);

	put_ehdr(&t, s, nph, shoff);
	if (!s->no_note_phdr) {
		Elf64_Phdr ph = { .p_type = PT_NOTE, .p_offset = t.note_off,
				  .p_filesz = t.note_size, .p_align = 4 };

		put_phdr(&t, 0, &ph);
	}
	for (i = 0; i < s->nr_segs; i++) {
		const struct t_seg *g = &s->segs[i];
		Elf64_Phdr ph = {
			.p_type = PT_LOAD, .p_flags = g->flags,
			.p_offset = t.seg_off[i], .p_vaddr = g->vaddr,
			.p_paddr = g->paddr, .p_filesz = g->filesz,
			.p_memsz = g->memsz, .p_align = 16,
		};

		put_phdr(&t, i + !s->no_note_phdr, &ph);
	}
	p = t.buf + t.note_off;
	for (i = 0; i < s->nr_notes; i++) {
		t.last_note_off = p - t.buf;
		p = put_note(p, &s->notes[i]);
	}
	if (s->note_section)
		put_note_shdrs(&t, shoff);
	return t;
}

static Elf64_Ehdr *t_ehdr(struct t_image *t)
{
	return (Elf64_Ehdr *)t->buf;
}

/* Program header i: 0 is the PT_NOTE, 1.. the PT_LOADs. */
static Elf64_Phdr *t_phdr(struct t_image *t, int i)
{
	return (Elf64_Phdr *)(t->buf + sizeof(Elf64_Ehdr)) + i;
}

static Elf64_Nhdr *t_first_note(struct t_image *t)
{
	return (Elf64_Nhdr *)(t->buf + t->note_off);
}

static Elf64_Nhdr *t_last_note(struct t_image *t)
{
	return (Elf64_Nhdr *)(t->buf + t->last_note_off);
}

/* Parse buf[0..len) from a copy of exactly len bytes. */
static int parse_exact(const u8 *buf, size_t len, struct pv_image *img,
		       char *err, size_t errlen)
{
	u8 *copy = malloc(len ? len : 1);
	int ret;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, buf, len);
	ret = elf_parse(copy, len, img, err, errlen);
	free(copy);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Specs */

/* Identification notes that every accepted image needs (as in libelf). */
static void base_notes(struct t_spec *s)
{
	note_str(s, XEN_ELFNOTE_GUEST_OS, "linux");
	note_str(s, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
}

/* The shape of Linux 6.1's vmlinux, scaled down: text, data, per-cpu
 * (p_vaddr 0), init+bss, and every note xen-head.S emits. */
static void linux_spec(struct t_spec *s)
{
	static const u64 l1_mfn_valid[2] = { 1, 1 };
	static const char features[] = "!writable_page_tables|pae_pgdir_above_4gb";

	memset(s, 0, sizeof(*s));
	s->entry = 0x1000000;	/* physical, as in vmlinux: not used */
	seg_add(s, 0x1000000, 0x2000, 0x2000, PF_R | PF_X);
	seg_add(s, 0x1003000, 0x800, 0x1000, PF_R | PF_W);
	seg_add(s, 0x1004000, 0x100, 0x200, PF_R | PF_W);
	s->segs[2].vaddr = 0;	/* .data..percpu */
	seg_add(s, 0x1005000, 0x100, 0x3000, PF_R | PF_W | PF_X);

	note_str(s, XEN_ELFNOTE_GUEST_OS, "linux");
	note_str(s, XEN_ELFNOTE_GUEST_VERSION, "2.6");
	note_str(s, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	note_u64(s, XEN_ELFNOTE_VIRT_BASE, VB);
	note_u64(s, XEN_ELFNOTE_INIT_P2M, 0x8000000000UL);
	note_u64(s, XEN_ELFNOTE_ENTRY, VB + 0x1000040);
	note_u64(s, XEN_ELFNOTE_HYPERCALL_PAGE, VB + 0x1001000);
	/* .ascii: no NUL, only the note padding after it */
	note_raw(s, NULL, XEN_ELFNOTE_FEATURES, features, strlen(features));
	note_u32(s, XEN_ELFNOTE_SUPPORTED_FEATURES, 0x8801);
	note_str(s, XEN_ELFNOTE_PAE_MODE, "yes");
	note_str(s, XEN_ELFNOTE_LOADER, "generic");
	note_raw(s, NULL, XEN_ELFNOTE_L1_MFN_VALID, l1_mfn_valid, 16);
	note_u32(s, XEN_ELFNOTE_SUSPEND_CANCEL, 1);
	note_u32(s, XEN_ELFNOTE_MOD_START_PFN, 1);
	note_u64(s, XEN_ELFNOTE_HV_START_LOW, 0xffff800000000000UL);
	note_u64(s, XEN_ELFNOTE_PADDR_OFFSET, 0);
	note_raw(s, "GNU", 3, "0123456789abcdefghij", 20);	/* build id */
}

static void expect_ok(const struct t_spec *s, struct pv_image *img)
{
	struct t_image t = build(s);
	char err[160];
	int ret = parse_exact(t.buf, t.len, img, err, sizeof(err));

	ck_assert_msg(ret == 0, "refused: %s", err);
	ck_assert_str_eq(err, "");
	free(t.buf);
}

/* ------------------------------------------------------------------------ */
/* Well-formed images */

/* One segment and every note we use: each lands in its field. */
START_TEST(test_all_notes)
{
	struct t_spec s = { 0 };
	struct pv_image img;

	seg_add(&s, 0x2000, 0x1800, 0x2000, PF_R | PF_W | PF_X);
	note_str(&s, XEN_ELFNOTE_GUEST_OS, "linux");
	note_str(&s, XEN_ELFNOTE_GUEST_VERSION, "6.1.192-very-long-version");
	note_str(&s, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	note_str(&s, XEN_ELFNOTE_LOADER, "generic");
	note_u64(&s, XEN_ELFNOTE_VIRT_BASE, VB);
	note_u64(&s, XEN_ELFNOTE_PADDR_OFFSET, 0x1000);
	note_u64(&s, XEN_ELFNOTE_HYPERCALL_PAGE, VB + 0x2000);
	note_u64(&s, XEN_ELFNOTE_INIT_P2M, 0x8000000000UL);
	note_u32(&s, XEN_ELFNOTE_MOD_START_PFN, 1);
	note_str(&s, XEN_ELFNOTE_FEATURES, "!writable_page_tables|dom0");
	note_u64(&s, XEN_ELFNOTE_SUPPORTED_FEATURES, 1UL << 15);
	s.segs[0].vaddr = VB + 0x1000;
	note_u64(&s, XEN_ELFNOTE_ENTRY, VB + 0x1010);
	expect_ok(&s, &img);

	ck_assert_uint_eq(img.entry, VB + 0x1010);
	ck_assert_uint_eq(img.virt_base, VB);
	ck_assert_uint_eq(img.paddr_offset, 0x1000);
	ck_assert_uint_eq(img.virt_offset, VB - 0x1000);
	ck_assert(img.has_hypercall_page);
	ck_assert_uint_eq(img.hypercall_page, VB + 0x2000);
	ck_assert(img.has_init_p2m);
	ck_assert_uint_eq(img.init_p2m, 0x8000000000UL);
	ck_assert(img.mod_start_pfn);
	ck_assert_uint_eq(img.features_required, 1U << 0);
	ck_assert_uint_eq(img.features_supported, (1U << 0) | (1U << 11) |
			  (1U << 15));
	ck_assert_str_eq(img.guest_os, "linux");
	ck_assert_str_eq(img.guest_version, "6.1.192-very-lo");	/* 15 + NUL */
	ck_assert_str_eq(img.xen_version, "xen-3.0");
	ck_assert_str_eq(img.loader, "generic");
	ck_assert_int_eq(img.nr_segs, 1);
	ck_assert_uint_eq(img.segs[0].paddr, 0x2000);
	ck_assert_uint_eq(img.segs[0].vaddr, VB + 0x1000);
	ck_assert_uint_eq(img.segs[0].filesz, 0x1800);
	ck_assert_uint_eq(img.segs[0].memsz, 0x2000);
	ck_assert_uint_eq(img.segs[0].flags, PF_R | PF_W | PF_X);
	ck_assert_uint_eq(img.virt_kstart, VB + 0x1000);
	ck_assert_uint_eq(img.virt_kend, VB + 0x3000);
}
END_TEST

/* Only the identification notes: Xen's defaults fill the rest. */
START_TEST(test_defaults)
{
	struct t_spec s = { .entry = 0x100010 };
	struct pv_image img;

	seg_add(&s, 0x100000, 0x1000, 0x1000, PF_R | PF_X);
	s.segs[0].vaddr = 0xdead0000;	/* p_vaddr is never used */
	base_notes(&s);
	expect_ok(&s, &img);

	ck_assert_uint_eq(img.entry, 0x100010);		/* e_entry */
	ck_assert_uint_eq(img.virt_base, 0);
	ck_assert_uint_eq(img.paddr_offset, 0);
	ck_assert(!img.has_hypercall_page);
	ck_assert(!img.has_init_p2m);
	ck_assert(!img.mod_start_pfn);
	ck_assert_uint_eq(img.features_required, 0);
	ck_assert_uint_eq(img.features_supported, 0);
	ck_assert_str_eq(img.loader, "");
	ck_assert_str_eq(img.guest_version, "");
	ck_assert_uint_eq(img.segs[0].vaddr, 0x100000);	/* = p_paddr */
	ck_assert_uint_eq(img.virt_kstart, 0x100000);
	ck_assert_uint_eq(img.virt_kend, 0x101000);
}
END_TEST

/* The Linux layout: by p_paddr + VIRT_BASE, per-cpu p_vaddr 0 included. */
START_TEST(test_linux_layout)
{
	static const u64 want[] = { VB + 0x1000000, VB + 0x1003000,
				    VB + 0x1004000, VB + 0x1005000 };
	struct t_spec s;
	struct pv_image img;
	int i;

	linux_spec(&s);
	expect_ok(&s, &img);

	ck_assert_int_eq(img.nr_segs, 4);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(img.segs[i].vaddr, want[i]);
	ck_assert_uint_eq(img.segs[2].paddr, 0x1004000);
	ck_assert_uint_eq(img.virt_kstart, VB + 0x1000000);
	ck_assert_uint_eq(img.virt_kend, VB + 0x1008000);
	ck_assert_uint_eq(img.entry, VB + 0x1000040);
	ck_assert_uint_eq(img.features_required, 1U << 0);
	ck_assert_uint_eq(img.features_supported, 0x8811);
	ck_assert(img.mod_start_pfn);
	ck_assert_str_eq(img.guest_version, "2.6");
}
END_TEST

/* Old-style images put the virtual address in p_paddr: PADDR_OFFSET. */
START_TEST(test_paddr_offset)
{
	struct t_spec s = { 0 };
	struct pv_image img;

	seg_add(&s, VB + 0x200000, 0x1000, 0x1000, PF_R | PF_X);
	base_notes(&s);
	note_u64(&s, XEN_ELFNOTE_VIRT_BASE, VB);
	note_u64(&s, XEN_ELFNOTE_PADDR_OFFSET, VB);
	note_u64(&s, XEN_ELFNOTE_ENTRY, VB + 0x200000);
	expect_ok(&s, &img);
	ck_assert_uint_eq(img.virt_offset, 0);
	ck_assert_uint_eq(img.segs[0].vaddr, VB + 0x200000);
}
END_TEST

/* No PT_NOTE: the notes are found in an SHT_NOTE section, as in Xen. */
START_TEST(test_notes_in_section)
{
	struct t_spec s;
	struct pv_image img;

	linux_spec(&s);
	s.no_note_phdr = true;
	s.note_section = true;
	expect_ok(&s, &img);
	ck_assert_uint_eq(img.entry, VB + 0x1000040);
	ck_assert_uint_eq(img.virt_base, VB);
}
END_TEST

/* Gaps and segments that need no loading are fine. */
START_TEST(test_odd_but_valid)
{
	struct t_spec s;
	struct pv_image img;

	linux_spec(&s);
	s.segs[1].flags = 0;			/* no R/W/X: not loadable */
	s.segs[1].paddr = 0x40000000;		/* so not even placed */
	s.segs[2].filesz = 0;			/* all bss */
	seg_add(&s, 0x2000000, 0, 0, PF_R);	/* empty: skipped */
	note_str(&s, XEN_ELFNOTE_GUEST_OS, "linux-pvisor");
	note_raw(&s, "Xen", 99, "x", 1);	/* unknown type: skipped */
	expect_ok(&s, &img);
	ck_assert_int_eq(img.nr_segs, 3);
	ck_assert_uint_eq(img.segs[1].filesz, 0);
	ck_assert_str_eq(img.guest_os, "linux-pvisor");
}
END_TEST

/* A NULL or tiny err buffer is allowed; reasons are cut, never overrun. */
START_TEST(test_err_buffer)
{
	struct t_spec s;
	struct t_image t;
	struct pv_image img;
	char err[8];

	linux_spec(&s);
	s.entry = 0;
	note_drop(&s, XEN_ELFNOTE_ENTRY);
	t = build(&s);
	ck_assert_int_eq(elf_parse(t.buf, t.len, &img, NULL, 0), -22);
	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(elf_parse(t.buf, t.len, &img, err, sizeof(err)), -22);
	ck_assert_str_eq(err, "entry 0");
	ck_assert_int_eq(img.nr_segs, 0);	/* cleared on failure */
	free(t.buf);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Malformed images, each refused with its reason */

#define SPEC(fn, body) static void fn(struct t_spec *s) { body; }
#define IMG(fn, body) static void fn(struct t_image *t) { body; }

IMG(m_truncated_ehdr, t->len = sizeof(Elf64_Ehdr) - 1)
IMG(m_magic, t->buf[1] = 'e')
IMG(m_class32, t_ehdr(t)->e_ident[EI_CLASS] = ELFCLASS32)
IMG(m_bigendian, t_ehdr(t)->e_ident[EI_DATA] = ELFDATA2MSB)
IMG(m_version, t_ehdr(t)->e_ident[EI_VERSION] = 2)
IMG(m_machine, t_ehdr(t)->e_machine = EM_386)
IMG(m_type_dyn, t_ehdr(t)->e_type = ET_DYN)
IMG(m_type_rel, t_ehdr(t)->e_type = ET_REL)
IMG(m_phnum0, t_ehdr(t)->e_phnum = 0)
IMG(m_phentsize, t_ehdr(t)->e_phentsize = 32)
IMG(m_phoff_past, t_ehdr(t)->e_phoff = t->len - 8)
IMG(m_phnum_huge, t_ehdr(t)->e_phnum = 0xffff)
IMG(m_phoff_wrap, t_ehdr(t)->e_phoff = ~0UL - 8)
IMG(m_phdrs_cut, t->len = sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr))
IMG(m_seg_past_end, t_phdr(t, 2)->p_offset = t->len - 0x10)
IMG(m_seg_offset_out, t_phdr(t, 2)->p_offset = t->len + 0x1000)
IMG(m_seg_wrap_file, t_phdr(t, 1)->p_offset = 0x40;
    t_phdr(t, 1)->p_filesz = ~0UL - 0x20; t_phdr(t, 1)->p_memsz = ~0UL)
IMG(m_filesz_gt_memsz, t_phdr(t, 2)->p_filesz = t_phdr(t, 2)->p_memsz + 1)
IMG(m_filesz_no_memsz, t_phdr(t, 4)->p_memsz = 0)
IMG(m_overlap, t_phdr(t, 2)->p_paddr = 0x1001ff0)
IMG(m_overlap_percpu, t_phdr(t, 3)->p_paddr = 0x1005000 + 0x2f00)
IMG(m_seg_too_big, t_phdr(t, 4)->p_memsz = GiB(1) + 1)
IMG(m_span_too_big, t_phdr(t, 4)->p_paddr = 0x1000000 + GiB(1))
IMG(m_note_out, t_phdr(t, 0)->p_offset = t->len - 4)
IMG(m_note_cut, t_phdr(t, 0)->p_filesz = 20)
IMG(m_namesz_past, t_first_note(t)->n_namesz = 0x1000)
IMG(m_namesz_wrap, t_first_note(t)->n_namesz = 0xffffffff)
IMG(m_descsz_past, t_first_note(t)->n_descsz = t->note_size)
IMG(m_descsz_wrap, t_first_note(t)->n_descsz = 0xfffffffd)
IMG(m_last_descsz, t_last_note(t)->n_descsz += 1)
IMG(m_last_namesz, t_last_note(t)->n_namesz += 1)
IMG(m_shoff_out, t_phdr(t, 0)->p_type = PT_NULL;
    t_ehdr(t)->e_shoff = t->len - 64; t_ehdr(t)->e_shnum = 2;
    t_ehdr(t)->e_shentsize = sizeof(Elf64_Shdr))

SPEC(m_no_notes, s->nr_notes = 0)
SPEC(m_no_xen_notes, for (int i = 0; i < s->nr_notes; i++)
	s->notes[i].name = "Linux")
SPEC(m_no_note_phdr, s->no_note_phdr = true)
SPEC(m_guest_os, note_str(s, XEN_ELFNOTE_GUEST_OS, "netbsd");
     note_drop(s, XEN_ELFNOTE_LOADER))
SPEC(m_xen_version, note_str(s, XEN_ELFNOTE_XEN_VERSION, "xen-2.0"))
SPEC(m_no_xen_version, note_drop(s, XEN_ELFNOTE_XEN_VERSION))
SPEC(m_numeric_size, note_raw(s, NULL, XEN_ELFNOTE_ENTRY, "abc", 3))
SPEC(m_numeric_empty, note_raw(s, NULL, XEN_ELFNOTE_VIRT_BASE, "", 0))
SPEC(m_unknown_required, note_str(s, XEN_ELFNOTE_FEATURES,
				  "pae_pgdir_above_4gb|!frobnicate"))
SPEC(m_required_prefix, note_str(s, XEN_ELFNOTE_FEATURES,
				 "!writable_page_tables_x"))
SPEC(m_paddr_off_alone, note_drop(s, XEN_ELFNOTE_VIRT_BASE))
SPEC(m_virt_base_odd, note_u64(s, XEN_ELFNOTE_VIRT_BASE, VB + 0x10))
SPEC(m_below_virt_base, note_u64(s, XEN_ELFNOTE_PADDR_OFFSET, 0x2000000))
SPEC(m_entry_out, note_u64(s, XEN_ELFNOTE_ENTRY, VB + 0x1008000))
SPEC(m_entry_gap, note_u64(s, XEN_ELFNOTE_ENTRY, VB + 0x1002800))
SPEC(m_entry_default, note_drop(s, XEN_ELFNOTE_ENTRY))
SPEC(m_hcall_out, note_u64(s, XEN_ELFNOTE_HYPERCALL_PAGE, VB))
SPEC(m_hcall_straddle, note_u64(s, XEN_ELFNOTE_HYPERCALL_PAGE,
				VB + 0x1007800))
SPEC(m_p2m_inside, note_u64(s, XEN_ELFNOTE_INIT_P2M, VB + 0x1004000))
SPEC(m_hv_range, note_u64(s, XEN_ELFNOTE_VIRT_BASE, 0xffff800000000000UL);
     note_u64(s, XEN_ELFNOTE_ENTRY, 0xffff800001000000UL))
/* VIRT_BASE values that put text at [x - 0x1000, x + 0x1000) */
SPEC(m_hv_range_end, note_u64(s, XEN_ELFNOTE_VIRT_BASE,
			      0xffff880000000000UL - 0x1001000))
SPEC(m_noncanonical, note_u64(s, XEN_ELFNOTE_VIRT_BASE,
			      0x0000800000000000UL - 0x1001000))
SPEC(m_wrap, note_u64(s, XEN_ELFNOTE_VIRT_BASE, 0UL - 0x1001000))
SPEC(m_too_many_segs, for (int i = 0; i < 13; i++)
	seg_add(s, 0x2000000 + i * 0x1000, 0x10, 0x10, PF_R))

static const struct bad_case {
	void (*spec)(struct t_spec *s);		/* applied before building */
	void (*image)(struct t_image *t);	/* applied after */
	const char *expect;			/* in the reason */
} bad_cases[] = {
	/* 63 bytes cannot hold an ELF header */
	{ NULL, m_truncated_ehdr, "truncated ELF header" },
	/* not "\177ELF" */
	{ NULL, m_magic, "bad magic" },
	/* a 32-bit image */
	{ NULL, m_class32, "not ELF64" },
	/* big-endian */
	{ NULL, m_bigendian, "not little-endian" },
	/* unknown e_ident version */
	{ NULL, m_version, "ELF version" },
	/* an i386 kernel */
	{ NULL, m_machine, "not an x86-64 image" },
	/* a shared object (relocatable kernel build) */
	{ NULL, m_type_dyn, "not an executable" },
	/* an object file */
	{ NULL, m_type_rel, "not an executable" },
	/* no program headers at all */
	{ NULL, m_phnum0, "no program headers" },
	/* program headers of a foreign size */
	{ NULL, m_phentsize, "program header size" },
	/* program header table starts near the end of the file */
	{ NULL, m_phoff_past, "program header table extends past end" },
	/* a count of 65535 program headers */
	{ NULL, m_phnum_huge, "program header table extends past end" },
	/* e_phoff + table size wraps around 2^64 */
	{ NULL, m_phoff_wrap, "program header table extends past end" },
	/* file cut in the middle of the program header table */
	{ NULL, m_phdrs_cut, "program header table extends past end" },
	/* segment data runs past the end of the file */
	{ NULL, m_seg_past_end, "segment 2 extends past end of file" },
	/* segment offset beyond the end of the file */
	{ NULL, m_seg_offset_out, "segment 2 extends past end of file" },
	/* p_offset + p_filesz wraps around 2^64 */
	{ NULL, m_seg_wrap_file, "segment 1 extends past end of file" },
	/* more file bytes than memory */
	{ NULL, m_filesz_gt_memsz, "segment 2: filesz" },
	/* file bytes and no memory at all */
	{ NULL, m_filesz_no_memsz, "segment 4: filesz" },
	/* data placed over the end of text */
	{ NULL, m_overlap, "segments 1 and 2 overlap" },
	/* per-cpu placed inside init+bss (by paddr) */
	{ NULL, m_overlap_percpu, "segments 3 and 4 overlap" },
	/* one segment of more than 1 GiB */
	{ NULL, m_seg_too_big, "more than 1 GiB" },
	/* segments 1 GiB apart: the image would span more */
	{ NULL, m_span_too_big, "image spans" },
	/* PT_NOTE past the end of the file */
	{ NULL, m_note_out, "note segment 0 extends past end of file" },
	/* PT_NOTE cut in the middle of the first note */
	{ NULL, m_note_cut, "malformed note" },
	/* namesz runs past the note segment */
	{ NULL, m_namesz_past, "malformed note" },
	/* namesz + padding wraps a 32-bit sum */
	{ NULL, m_namesz_wrap, "malformed note" },
	/* descsz runs past the note segment */
	{ NULL, m_descsz_past, "malformed note" },
	/* descsz + padding wraps a 32-bit sum */
	{ NULL, m_descsz_wrap, "malformed note" },
	/* the last note's desc one byte past the segment */
	{ NULL, m_last_descsz, "malformed note" },
	/* the last note's name one byte longer: padding pushes desc out */
	{ NULL, m_last_namesz, "malformed note" },
	/* notes wanted from a section table past the end of the file */
	{ NULL, m_shoff_out, "section header table extends past end" },
	/* a plain ELF executable, no notes at all */
	{ m_no_notes, NULL, "no Xen ELF notes: not a PV kernel" },
	/* notes, but none named "Xen" */
	{ m_no_xen_notes, NULL, "no Xen ELF notes: not a PV kernel" },
	/* notes in the file but in no PT_NOTE and no section */
	{ m_no_note_phdr, NULL, "no Xen ELF notes: not a PV kernel" },
	/* neither a Linux nor a generic-loader image (libelf) */
	{ m_guest_os, NULL, "only Linux or generic-loader" },
	/* built for another Xen ABI */
	{ m_xen_version, NULL, "only xen-3.0" },
	/* no XEN_VERSION note */
	{ m_no_xen_version, NULL, "only xen-3.0" },
	/* a 3-byte number */
	{ m_numeric_size, NULL, "note ENTRY has a 3-byte value" },
	/* an empty number */
	{ m_numeric_empty, NULL, "note VIRT_BASE has a 0-byte value" },
	/* requires a feature we do not know */
	{ m_unknown_required, NULL, "unknown feature \"frobnicate\"" },
	/* a known name with a suffix is not that name */
	{ m_required_prefix, NULL, "unknown feature \"writable_page_tables_x\"" },
	/* PADDR_OFFSET without VIRT_BASE (libelf) */
	{ m_paddr_off_alone, NULL, "PADDR_OFFSET note without VIRT_BASE" },
	/* VIRT_BASE that is not page-aligned */
	{ m_virt_base_odd, NULL, "not page-aligned" },
	/* segments placed below VIRT_BASE */
	{ m_below_virt_base, NULL, "below VIRT_BASE" },
	/* entry just past the end of the image */
	{ m_entry_out, NULL, "entry 0xffffffff81008000 is outside the loaded image" },
	/* entry in the gap between two segments */
	{ m_entry_gap, NULL, "entry 0xffffffff81002800 is outside" },
	/* entry from e_entry, a physical address in vmlinux */
	{ m_entry_default, NULL, "entry 0x1000000 is outside" },
	/* hypercall page below the image */
	{ m_hcall_out, NULL, "hypercall page 0xffffffff80000000 is outside" },
	/* hypercall page running past the end of the image */
	{ m_hcall_straddle, NULL, "hypercall page" },
	/* a separate p2m area inside the kernel (libelf) */
	{ m_p2m_inside, NULL, "INIT_P2M" },
	/* the kernel placed on the hypervisor's M2P */
	{ m_hv_range, NULL, "lies in the hypervisor range" },
	/* text straddling the top end of the hypervisor range */
	{ m_hv_range_end, NULL, "lies in the hypervisor range" },
	/* text straddling the start of the non-canonical hole */
	{ m_noncanonical, NULL, "is not canonical" },
	/* text wrapping past 2^64 */
	{ m_wrap, NULL, "wraps the address space" },
	/* 17 loadable segments */
	{ m_too_many_segs, NULL, "more than 16 loadable segments" },
};

START_TEST(test_bad_image)
{
	const struct bad_case *bc = &bad_cases[_i];
	struct t_spec s;
	struct t_image t;
	struct pv_image img;
	char err[200];
	int ret;

	linux_spec(&s);
	if (bc->spec)
		bc->spec(&s);
	t = build(&s);
	if (bc->image)
		bc->image(&t);
	ret = parse_exact(t.buf, t.len, &img, err, sizeof(err));
	ck_assert_msg(ret == -22, "case %d accepted, want \"%s\"", _i,
		      bc->expect);
	ck_assert_msg(strstr(err, bc->expect), "case %d: \"%s\", want \"%s\"",
		      _i, err, bc->expect);
	ck_assert_ptr_null(strchr(err, '\n'));
	free(t.buf);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* FEATURES */

static const struct feature_case {
	const char *str;
	int ret;
	u32 required, supported;
} feature_cases[] = {
	/* Linux 6.1's string */
	{ "!writable_page_tables|pae_pgdir_above_4gb", 0, 0x1, 0x11 },
	/* every name libelf knows, as optional */
	{ "writable_page_tables|writable_descriptor_tables|auto_translated_physmap|supervisor_mode_kernel|pae_pgdir_above_4gb|hvm_callback_vector|dom0",
	  0, 0, 0x91f },
	/* required names are also supported */
	{ "!dom0|!hvm_callback_vector", 0, 0x900, 0x900 },
	/* an unknown optional name is ignored */
	{ "frobnicate|pae_pgdir_above_4gb", 0, 0, 0x10 },
	/* empty string and empty names */
	{ "", 0, 0, 0 },
	{ "|writable_descriptor_tables||", 0, 0, 0x2 },
	/* names libelf does not map (numbered, but not in its table) */
	{ "mmu_pt_update_preserve_ad", 0, 0, 0 },
	{ "!mmu_pt_update_preserve_ad", -22, 0, 0 },
	/* a lone "!" requires the empty name */
	{ "!", -22, 0, 0 },
	/* case matters */
	{ "!Writable_page_tables", -22, 0, 0 },
};

START_TEST(test_features)
{
	const struct feature_case *fc = &feature_cases[_i];
	struct t_spec s;
	struct t_image t;
	struct pv_image img;
	char err[200];
	int ret;

	linux_spec(&s);
	note_drop(&s, XEN_ELFNOTE_SUPPORTED_FEATURES);
	note_str(&s, XEN_ELFNOTE_FEATURES, fc->str);
	t = build(&s);
	ret = parse_exact(t.buf, t.len, &img, err, sizeof(err));
	ck_assert_msg(ret == fc->ret, "\"%s\": %d (%s)", fc->str, ret, err);
	if (ret == 0) {
		ck_assert_uint_eq(img.features_required, fc->required);
		ck_assert_uint_eq(img.features_supported, fc->supported);
	}
	free(t.buf);
}
END_TEST

/* SUPPORTED_FEATURES (4 or 8 bytes) adds to the FEATURES names. */
START_TEST(test_supported_features)
{
	struct t_spec s;
	struct pv_image img;

	linux_spec(&s);
	note_u64(&s, XEN_ELFNOTE_SUPPORTED_FEATURES, 0x100008800UL);
	expect_ok(&s, &img);
	ck_assert_uint_eq(img.features_supported, 0x8811);	/* bits 0-31 */
	ck_assert_uint_eq(img.features_required, 0x1);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Loading */

struct t_guest {
	u64 base;		/* guest-virtual address of mem[0] */
	u8 mem[0x10000];
	int calls, fail_at;
};

static int t_write(void *ctx, u64 gvaddr, const void *src, u64 len)
{
	struct t_guest *g = ctx;

	if (++g->calls == g->fail_at)
		return -12;
	ck_assert_uint_ge(gvaddr, g->base);
	ck_assert_uint_le(gvaddr - g->base + len, sizeof(g->mem));
	if (src)
		memcpy(g->mem + (gvaddr - g->base), src, len);
	else
		memset(g->mem + (gvaddr - g->base), 0, len);
	return 0;
}

/* Each segment's file bytes at its vaddr, zeroes to memsz, gaps untouched. */
START_TEST(test_load)
{
	static struct t_guest g;
	struct t_spec s;
	struct t_image t;
	struct pv_image img;
	u64 i, at;
	int n;

	linux_spec(&s);
	t = build(&s);
	ck_assert_int_eq(elf_parse(t.buf, t.len, &img, NULL, 0), 0);
	g.base = img.virt_kstart;
	memset(g.mem, 0xaa, sizeof(g.mem));
	ck_assert_int_eq(elf_load(t.buf, &img, t_write, &g), 0);
	ck_assert_int_eq(g.calls, 7);	/* 4 copies, 3 zero-fills */

	for (n = 0; n < s.nr_segs; n++) {
		at = s.segs[n].paddr + VB - g.base;
		for (i = 0; i < s.segs[n].filesz; i++)
			ck_assert_uint_eq(g.mem[at + i],
					  pattern(t.seg_off[n] + i));
		for (; i < s.segs[n].memsz; i++)
			ck_assert_uint_eq(g.mem[at + i], 0);
	}
	ck_assert_uint_eq(g.mem[0x2000], 0xaa);	/* gap after text */
	ck_assert_uint_eq(g.mem[0x4200], 0xaa);	/* gap after per-cpu */
	free(t.buf);
}
END_TEST

/* The first callback error stops the load and is returned. */
START_TEST(test_load_error)
{
	static struct t_guest g;
	struct t_spec s;
	struct t_image t;
	struct pv_image img;

	linux_spec(&s);
	t = build(&s);
	ck_assert_int_eq(elf_parse(t.buf, t.len, &img, NULL, 0), 0);
	g.base = img.virt_kstart;
	g.fail_at = 3;
	ck_assert_int_eq(elf_load(t.buf, &img, t_write, &g), -12);
	ck_assert_int_eq(g.calls, 3);
	free(t.buf);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Sweeps: nothing in the image makes the parser read out of bounds */

/* What an accepted image promises, whatever the bytes were. */
static void check_invariants(const struct pv_image *img, size_t len)
{
	bool entry_in = false;
	int i, j;

	ck_assert_int_ge(img->nr_segs, 1);
	ck_assert_int_le(img->nr_segs, ELF_MAX_LOAD_SEGS);
	ck_assert_uint_le(img->virt_kend - img->virt_kstart, GiB(1));
	for (i = 0; i < img->nr_segs; i++) {
		const struct elf_load_seg *a = &img->segs[i];

		ck_assert_uint_le(a->filesz, a->memsz);
		ck_assert_uint_le(a->offset, len);
		ck_assert_uint_le(a->filesz, len - a->offset);
		ck_assert_uint_ge(a->vaddr, img->virt_kstart);
		ck_assert_uint_le(a->vaddr + a->memsz, img->virt_kend);
		entry_in |= img->entry - a->vaddr < a->memsz;
		for (j = i + 1; j < img->nr_segs; j++) {
			const struct elf_load_seg *b = &img->segs[j];

			ck_assert(a->vaddr + a->memsz <= b->vaddr ||
				  b->vaddr + b->memsz <= a->vaddr);
		}
	}
	ck_assert(entry_in);
}

static void parse_and_check(const u8 *buf, size_t len)
{
	struct pv_image img;
	char err[200];
	int ret = parse_exact(buf, len, &img, err, sizeof(err));

	if (ret == 0)
		check_invariants(&img, len);
	else
		ck_assert(ret == -22 && err[0] != '\0');
}

/* Every prefix of a valid image; notes last, so a cut lands in them. */
START_TEST(test_truncation_sweep)
{
	struct t_spec s;
	struct t_image t;
	size_t len;

	linux_spec(&s);
	s.notes_last = _i;
	t = build(&s);
	for (len = 0; len <= t.len; len++)
		parse_and_check(t.buf, len);
	free(t.buf);
}
END_TEST

/* Each byte of [from, to) set to a few telling values in turn. */
static void corrupt_range(struct t_image *t, size_t from, size_t to)
{
	static const u8 values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	size_t pos, v;
	u8 keep;

	for (pos = from; pos < to; pos++) {
		keep = t->buf[pos];
		for (v = 0; v < ARRAY_SIZE(values); v++) {
			t->buf[pos] = values[v];
			parse_and_check(t->buf, t->len);
		}
		t->buf[pos] = keep ^ 0x10;
		parse_and_check(t->buf, t->len);
		t->buf[pos] = keep;
	}
}

/*
 * The headers and the notes corrupted byte by byte, with the notes first
 * and then last in the file (where an overread runs off the end).
 */
START_TEST(test_corruption_sweep)
{
	struct t_spec s;
	struct t_image t;
	size_t headers = sizeof(Elf64_Ehdr) + 5 * sizeof(Elf64_Phdr);

	linux_spec(&s);
	s.notes_last = _i;
	t = build(&s);
	corrupt_range(&t, 0, headers);
	corrupt_range(&t, t.note_off, t.note_off + t.note_size);
	free(t.buf);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* A real kernel, when one is at hand */

static bool find_vmlinux(char *path, size_t size)
{
	static const char *const patterns[] = {
		"/usr/lib/debug/boot/vmlinux-*",
		"/usr/lib/debug/lib/modules/*/vmlinux",
		"/boot/vmlinux-*",
	};
	const char *env = getenv("PVISOR_VMLINUX");
	bool found = false;
	unsigned int i;
	glob_t g;

	if (env && *env) {
		snprintf(path, size, "%s", env);
		return true;
	}
	for (i = 0; i < ARRAY_SIZE(patterns) && !found; i++) {
		if (glob(patterns[i], 0, NULL, &g) == 0 && g.gl_pathc > 0) {
			snprintf(path, size, "%s", g.gl_pathv[0]);
			found = true;
		}
		globfree(&g);
	}
	return found;
}

static int count_write(void *ctx, u64 gvaddr, const void *src, u64 len)
{
	u64 *last_end = ctx;

	(void)src;
	ck_assert_uint_ge(gvaddr, *last_end);	/* Linux's PT_LOADs ascend */
	*last_end = gvaddr + len;
	return 0;
}

/* The shape checked in the design notes: Linux's notes and PT_LOADs. */
START_TEST(test_real_vmlinux)
{
	char path[512], err[200];
	struct pv_image img;
	struct stat st;
	u64 last_end = 0;
	void *map;
	int fd;

	if (!find_vmlinux(path, sizeof(path))) {
		printf("test_real_vmlinux: skipped (no vmlinux; set PVISOR_VMLINUX)\n");
		return;
	}
	fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "cannot open %s", path);
	ck_assert_int_eq(fstat(fd, &st), 0);
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	ck_assert_ptr_ne(map, MAP_FAILED);

	ck_assert_msg(elf_parse(map, st.st_size, &img, err, sizeof(err)) == 0,
		      "%s: %s", path, err);
	ck_assert_str_eq(img.guest_os, "linux");
	ck_assert_str_eq(img.xen_version, "xen-3.0");
	ck_assert_uint_eq(img.virt_base, VB);
	ck_assert_uint_eq(img.paddr_offset, 0);
	ck_assert_uint_ge(img.virt_kstart, VB + MiB(16));
	ck_assert_uint_ge(img.entry, img.virt_kstart);
	ck_assert_uint_lt(img.entry, img.virt_kend);
	ck_assert_uint_eq(img.features_required & 1, 1);
	ck_assert_int_ge(img.nr_segs, 3);
	ck_assert_int_eq(elf_load(map, &img, count_write, &last_end), 0);
	ck_assert_uint_le(last_end, img.virt_kend);
	printf("test_real_vmlinux: %s: entry 0x%lx, 0x%lx-0x%lx, %d segments\n",
	       path, img.entry, img.virt_kstart, img.virt_kend, img.nr_segs);
	munmap(map, st.st_size);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------------ */

Suite *elf_suite(void);

Suite *elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *good = tcase_create("good");
	TCase *bad = tcase_create("bad");
	TCase *feat = tcase_create("features");
	TCase *load = tcase_create("load");
	TCase *sweep = tcase_create("sweep");
	TCase *real = tcase_create("real");

	tcase_add_test(good, test_all_notes);
	tcase_add_test(good, test_defaults);
	tcase_add_test(good, test_linux_layout);
	tcase_add_test(good, test_paddr_offset);
	tcase_add_test(good, test_notes_in_section);
	tcase_add_test(good, test_odd_but_valid);
	tcase_add_test(good, test_err_buffer);
	tcase_add_loop_test(bad, test_bad_image, 0, ARRAY_SIZE(bad_cases));
	tcase_add_loop_test(feat, test_features, 0, ARRAY_SIZE(feature_cases));
	tcase_add_test(feat, test_supported_features);
	tcase_add_test(load, test_load);
	tcase_add_test(load, test_load_error);
	tcase_add_loop_test(sweep, test_truncation_sweep, 0, 2);
	tcase_add_loop_test(sweep, test_corruption_sweep, 0, 2);
	tcase_set_timeout(sweep, 60);
	tcase_add_test(real, test_real_vmlinux);
	tcase_set_timeout(real, 60);
	suite_add_tcase(s, good);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, feat);
	suite_add_tcase(s, load);
	suite_add_tcase(s, sweep);
	suite_add_tcase(s, real);
	return s;
}
