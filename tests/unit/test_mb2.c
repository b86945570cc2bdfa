/*
 * test_mb2.c - hv/boot/mb2.c against hand-made Multiboot2 information.
 *
 * Each case builds the boot information a loader could hand over, good or
 * broken, and checks what the parser keeps and what it reports.
 */
#include <string.h>

#include "hv.h"
#include "harness.h"
#include "boot/mb2.h"

struct mbi {
	u8 buf[65536] __aligned(8);
	u32 len;
};

static void put32(struct mbi *m, u32 v)
{
	memcpy(m->buf + m->len, &v, 4);
	m->len += 4;
}

static void put64(struct mbi *m, u64 v)
{
	memcpy(m->buf + m->len, &v, 8);
	m->len += 8;
}

static void begin(struct mbi *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;	/* total_size and reserved, filled by finish() */
}

static void pad8(struct mbi *m)
{
	m->len = ALIGN_UP(m->len, 8);
}

static void tag_string(struct mbi *m, u32 type, const char *s)
{
	put32(m, type);
	put32(m, 8 + (u32)strlen(s) + 1);
	memcpy(m->buf + m->len, s, strlen(s) + 1);
	m->len += (u32)strlen(s) + 1;
	pad8(m);
}

static void tag_module(struct mbi *m, u32 start, u32 end, const char *s)
{
	put32(m, MB2_TAG_MODULE);
	put32(m, 16 + (u32)strlen(s) + 1);
	put32(m, start);
	put32(m, end);
	memcpy(m->buf + m->len, s, strlen(s) + 1);
	m->len += (u32)strlen(s) + 1;
	pad8(m);
}

/* n entries of (start, len, type). */
static void tag_mmap(struct mbi *m, int n, const u64 *e)
{
	put32(m, MB2_TAG_MMAP);
	put32(m, 16 + 24 * (u32)n);
	put32(m, 24);	/* entry size */
	put32(m, 0);	/* entry version */
	for (int i = 0; i < n; i++) {
		put64(m, e[3 * i]);
		put64(m, e[3 * i + 1]);
		put32(m, (u32)e[3 * i + 2]);
		put32(m, 0);
	}
}

static void finish(struct mbi *m)
{
	put32(m, MB2_TAG_END);
	put32(m, 8);
	memcpy(m->buf, &m->len, 4);
}

/* A PC-like map: 640 KiB low RAM, a hole, 127 MiB of RAM from 1 MiB. */
static const u64 pc_map[] = {
	0, 0x9fc00, 1,
	0x9fc00, 0x400, 2,
	0xf0000, 0x10000, 2,
	0x100000, 0x7f00000, 1,
};

static struct boot_info bi;

START_TEST(test_valid)
{
	struct mbi m;

	begin(&m);
	tag_string(&m, MB2_TAG_CMDLINE, "loglvl=debug");
	tag_string(&m, MB2_TAG_LOADER, "GRUB 2.06");
	tag_mmap(&m, 4, pc_map);
	tag_module(&m, 0x200000, 0x200123, "name=web mem=16M");
	tag_module(&m, 0x300000, 0x301000, "ramdisk=web");
	finish(&m);

	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	ck_assert_int_eq(bi.nr_problems, 0);
	ck_assert_str_eq(bi.cmdline, "loglvl=debug");
	ck_assert_str_eq(bi.loader, "GRUB 2.06");
	ck_assert_int_eq(bi.nr_raw, 4);
	/* 0x9f000 (low RAM trimmed to pages) + 0x7f00000 */
	ck_assert_uint_eq(memmap_total(&bi.usable), 0x9f000 + 0x7f00000);
	ck_assert_int_eq(bi.nr_mods, 2);
	ck_assert_uint_eq(bi.mods[0].start, 0x200000);
	ck_assert_uint_eq(bi.mods[0].end, 0x200123);
	ck_assert_str_eq(bi.mods[0].cmdline, "name=web mem=16M");
	ck_assert_str_eq(bi.mods[1].cmdline, "ramdisk=web");
}
END_TEST

START_TEST(test_unknown_tags_skipped)
{
	struct mbi m;

	begin(&m);
	tag_string(&m, 21, "some future tag");	/* unknown type */
	tag_mmap(&m, 4, pc_map);
	tag_string(&m, 999, "x");
	tag_string(&m, MB2_TAG_CMDLINE, "dryrun");
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	ck_assert_int_eq(bi.nr_problems, 0);
	ck_assert_str_eq(bi.cmdline, "dryrun");	/* tags after unknown ones still read */
}
END_TEST

/* The ACPI tags: the RSDP copy is kept where it lies; new beats old in any order. */
START_TEST(test_acpi_rsdp_tags)
{
	struct mbi m;
	u32 old_at, new_at;

	begin(&m);
	tag_mmap(&m, 4, pc_map);
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	ck_assert_ptr_null(bi.rsdp);

	begin(&m);
	tag_mmap(&m, 4, pc_map);
	old_at = m.len + 8;
	tag_string(&m, MB2_TAG_ACPI_OLD, "RSD PTR old-rsdp-20b");
	new_at = m.len + 8;
	tag_string(&m, MB2_TAG_ACPI_NEW, "RSD PTR new-rsdp-36-bytes-long-xxxx");
	tag_string(&m, MB2_TAG_ACPI_OLD, "RSD PTR old-again");
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	ck_assert_ptr_eq(bi.rsdp, m.buf + new_at);
	ck_assert_uint_eq(bi.rsdp_len, 36);
	ck_assert(bi.rsdp_new);

	begin(&m);
	tag_mmap(&m, 4, pc_map);
	tag_string(&m, MB2_TAG_ACPI_OLD, "RSD PTR old-rsdp-20b");
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	ck_assert_ptr_eq(bi.rsdp, m.buf + old_at);
	ck_assert_uint_eq(bi.rsdp_len, 21);
	ck_assert(!bi.rsdp_new);
}
END_TEST

START_TEST(test_truncated_total)
{
	struct mbi m;

	begin(&m);
	tag_mmap(&m, 4, pc_map);
	finish(&m);
	/* The header claims more than the loader provided: the end tag is cut. */
	ck_assert_int_eq(mb2_parse(m.buf, m.len - 8, &bi), 0);
	ck_assert_logged("claims");
	ck_assert_logged("no end tag");
	ck_assert_int_ge(bi.nr_problems, 1);
	ck_assert_int_eq(mb2_parse(m.buf, 4, &bi), -1);	/* not even a header */
}
END_TEST

START_TEST(test_tag_past_end)
{
	struct mbi m;
	u32 huge = 0x10000;

	begin(&m);
	tag_mmap(&m, 4, pc_map);
	tag_string(&m, MB2_TAG_CMDLINE, "loglvl=debug");
	/* Corrupt the command line tag's size so it runs past the end. */
	memcpy(m.buf + 8 + 16 + 24 * 4 + 4, &huge, 4);
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);	/* mmap came first */
	ck_assert_logged("past the end");
	ck_assert_str_eq(bi.cmdline, "");
}
END_TEST

START_TEST(test_tag_size_too_small)
{
	struct mbi m;

	begin(&m);
	put32(&m, MB2_TAG_CMDLINE);
	put32(&m, 4);		/* smaller than its own header: would loop forever */
	tag_mmap(&m, 4, pc_map);
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), -1);	/* mmap never reached */
	ck_assert_logged("has size 4");
}
END_TEST

START_TEST(test_misaligned)
{
	static u8 raw[4096 + 8] __aligned(8);
	struct mbi m;

	begin(&m);
	tag_string(&m, MB2_TAG_CMDLINE, "x");
	tag_mmap(&m, 4, pc_map);
	finish(&m);
	/* Same information at an address that is 4 mod 8: read it correctly, say so. */
	memcpy(raw + 4, m.buf, m.len);
	ck_assert_int_eq(mb2_parse(raw + 4, m.len, &bi), 0);
	ck_assert_logged("not 8-byte aligned");
	ck_assert_str_eq(bi.cmdline, "x");
	ck_assert_uint_eq(memmap_total(&bi.usable), 0x9f000 + 0x7f00000);
}
END_TEST

START_TEST(test_no_end_tag)
{
	struct mbi m;

	begin(&m);
	tag_mmap(&m, 4, pc_map);
	memcpy(m.buf, &m.len, 4);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	ck_assert_logged("no end tag");
}
END_TEST

START_TEST(test_no_mmap)
{
	struct mbi m;

	begin(&m);
	tag_string(&m, MB2_TAG_CMDLINE, "x");
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), -1);
	ck_assert_logged("no memory map");
}
END_TEST

START_TEST(test_mmap_bad_entry_size)
{
	struct mbi m;

	begin(&m);
	put32(&m, MB2_TAG_MMAP);
	put32(&m, 16 + 16);
	put32(&m, 16);		/* entries smaller than the 24 bytes we read */
	put32(&m, 0);
	put64(&m, 0);
	put64(&m, 0x100000);
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), -1);
	ck_assert_logged("entry size 16");
}
END_TEST

START_TEST(test_overlapping_mmap_entries)
{
	static const u64 map[] = {
		0x100000, 0x1000000, 1,		/* 1-17 MiB RAM ... */
		0x800000, 0x100000, 2,		/* ... but 8-9 MiB reserved inside it */
		0x0, 0x200000, 1,		/* overlaps the first RAM entry */
		0x1000000, 0x100000, 1,		/* duplicate of a part */
	};
	struct mbi m;

	begin(&m);
	tag_mmap(&m, 4, map);
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	/* RAM is [0,8M) and [9M,17M): the reservation wins over the overlap. */
	ck_assert_int_eq(bi.usable.n, 2);
	ck_assert_uint_eq(bi.usable.r[0].start, 0);
	ck_assert_uint_eq(bi.usable.r[0].end, 0x800000);
	ck_assert_uint_eq(bi.usable.r[1].start, 0x900000);
	ck_assert_uint_eq(bi.usable.r[1].end, 0x1100000);
}
END_TEST

START_TEST(test_module_in_hole)
{
	struct mbi m;

	begin(&m);
	tag_mmap(&m, 4, pc_map);
	tag_module(&m, 0x9f000, 0xa1000, "straddles the 640K hole");
	tag_module(&m, 0xf0000, 0xf1000, "in the BIOS area");
	tag_module(&m, 0x8000000, 0x8001000, "past the end of RAM");
	tag_module(&m, 0x400000, 0x401000, "fine");
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	ck_assert_int_eq(bi.nr_mods, 1);
	ck_assert_str_eq(bi.mods[0].cmdline, "fine");
	ck_assert_int_eq(harness_log_count("not in usable RAM"), 3);
}
END_TEST

START_TEST(test_modules_overlap)
{
	struct mbi m;

	begin(&m);
	tag_mmap(&m, 4, pc_map);
	tag_module(&m, 0x400000, 0x402000, "first");
	tag_module(&m, 0x401000, 0x403000, "second");	/* overlaps first */
	tag_module(&m, 0x402000, 0x403000, "third");	/* touches first: fine */
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	ck_assert_int_eq(bi.nr_mods, 2);
	ck_assert_str_eq(bi.mods[0].cmdline, "first");
	ck_assert_str_eq(bi.mods[1].cmdline, "third");
	ck_assert_logged("'second' overlaps module 'first'");
}
END_TEST

START_TEST(test_module_bad_fields)
{
	struct mbi m;
	u32 at;

	begin(&m);
	tag_mmap(&m, 4, pc_map);
	tag_module(&m, 0x500000, 0x400000, "backwards");	/* end < start */
	at = m.len;
	tag_module(&m, 0x400000, 0x401000, "abcdefg");
	m.buf[at + 16 + 7] = 'h';	/* overwrite the NUL: unterminated */
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	ck_assert_int_eq(bi.nr_mods, 0);
	ck_assert_logged("ends (0x400000) before it starts");
	ck_assert_logged("not NUL-terminated");
}
END_TEST

START_TEST(test_too_many_modules)
{
	struct mbi m;

	begin(&m);
	tag_mmap(&m, 4, pc_map);
	for (int i = 0; i < BOOT_MAX_MODULES + 2; i++)
		tag_module(&m, 0x400000 + i * 0x1000, 0x400800 + i * 0x1000, "m");
	finish(&m);
	ck_assert_int_eq(mb2_parse(m.buf, m.len, &bi), 0);
	ck_assert_int_eq(bi.nr_mods, BOOT_MAX_MODULES);
	ck_assert_int_eq(harness_log_count("modules (BOOT_MAX_MODULES); 'm' ignored"), 2);
}
END_TEST

Suite *mb2_suite(void)
{
	Suite *s = suite_create("multiboot2");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_unknown_tags_skipped);
	tcase_add_test(tc, test_truncated_total);
	tcase_add_test(tc, test_tag_past_end);
	tcase_add_test(tc, test_tag_size_too_small);
	tcase_add_test(tc, test_misaligned);
	tcase_add_test(tc, test_no_end_tag);
	tcase_add_test(tc, test_no_mmap);
	tcase_add_test(tc, test_mmap_bad_entry_size);
	tcase_add_test(tc, test_overlapping_mmap_entries);
	tcase_add_test(tc, test_module_in_hole);
	tcase_add_test(tc, test_modules_overlap);
	tcase_add_test(tc, test_module_bad_fields);
	tcase_add_test(tc, test_too_many_modules);
	tcase_add_test(tc, test_acpi_rsdp_tags);
	suite_add_tcase(s, tc);
	return s;
}
