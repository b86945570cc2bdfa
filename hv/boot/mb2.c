/*
 * mb2.c - parse the Multiboot2 boot information that GRUB hands over.
 *
 * Runs in: hypervisor at boot (before the frame allocator), and host tests.
 * Trusts: nothing about the layout. The boot information is a list of tags
 * (type, size, payload), each starting on an 8-byte boundary; a loader bug
 * or a hand-made image can give sizes that run past the end, strings with
 * no terminator, memory maps whose entries overlap, or modules that are not
 * in RAM. Each of those is reported in one line and the offending item is
 * dropped; only a missing memory map makes the result unusable. Every read
 * goes through rd32()/rd64() (hv.h) so misaligned input is read correctly, not
 * assumed away.
 */
#include "hv.h"
#include "boot/mb2.h"

static void problem(struct boot_info *bi, const char *fmt, ...) __printf(2, 3);
static void problem(struct boot_info *bi, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pr_err("multiboot2: %s\n", line);
	bi->nr_problems++;
}

/* A string payload must end with a NUL inside the tag. */
static const char *tag_string(struct boot_info *bi, const u8 *p, u32 len,
			      const char *what)
{
	if (len == 0 || strnlen((const char *)p, len) == len) {
		problem(bi, "%s string is not NUL-terminated; ignored", what);
		return NULL;
	}
	return (const char *)p;
}

static void parse_mmap(struct boot_info *bi, const u8 *tag, u32 size)
{
	u32 entry_size, n;

	if (size < 16) {
		problem(bi, "memory map tag of %u bytes is too short", size);
		return;
	}
	entry_size = rd32(tag + 8);
	if (entry_size < 24) {
		problem(bi, "memory map entry size %u is below 24; map ignored",
			entry_size);
		return;
	}
	n = (size - 16) / entry_size;
	for (u32 i = 0; i < n; i++) {
		const u8 *e = tag + 16 + (u64)i * entry_size;

		if (bi->nr_raw == BOOT_MAX_RAW_REGIONS) {
			problem(bi, "more than %d memory map entries; rest ignored",
				BOOT_MAX_RAW_REGIONS);
			break;
		}
		bi->raw[bi->nr_raw].start = rd64(e);
		bi->raw[bi->nr_raw].len = rd64(e + 8);
		bi->raw[bi->nr_raw].type = rd32(e + 16);
		bi->nr_raw++;
	}
	bi->has_mmap = true;
}

static void parse_module(struct boot_info *bi, const u8 *tag, u32 size)
{
	struct boot_module *m;
	const char *s;

	if (size < 17) {
		problem(bi, "module tag of %u bytes is too short", size);
		return;
	}
	s = tag_string(bi, tag + 16, size - 16, "module command line");
	if (!s)
		return;
	if (bi->nr_mods == BOOT_MAX_MODULES) {
		problem(bi, "more than %d modules (BOOT_MAX_MODULES); '%s' ignored: a domain list and image= modules start many domains from few modules",
			BOOT_MAX_MODULES, s);
		return;
	}
	m = &bi->mods[bi->nr_mods];
	m->start = rd32(tag + 8);
	m->end = rd32(tag + 12);
	m->cmdline = s;
	if (m->end < m->start) {
		problem(bi, "module '%s' ends (0x%llx) before it starts (0x%llx); ignored",
			s, (unsigned long long)m->end,
			(unsigned long long)m->start);
		return;
	}
	bi->nr_mods++;
}

static void parse_tag(struct boot_info *bi, const u8 *tag, u32 type, u32 size)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		bi->cmdline = tag_string(bi, tag + 8, size - 8, "command line");
		if (!bi->cmdline)
			bi->cmdline = "";
		break;
	case MB2_TAG_LOADER:
		bi->loader = tag_string(bi, tag + 8, size - 8, "boot loader name");
		if (!bi->loader)
			bi->loader = "";
		break;
	case MB2_TAG_MODULE:
		parse_module(bi, tag, size);
		break;
	case MB2_TAG_BASIC_MEMINFO:
		if (size >= 16) {
			bi->mem_lower_kib = rd32(tag + 8);
			bi->mem_upper_kib = rd32(tag + 12);
		}
		break;
	case MB2_TAG_MMAP:
		parse_mmap(bi, tag, size);
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		if (bi->rsdp_new && type == MB2_TAG_ACPI_OLD)
			break;		/* the new one wins, whatever the order */
		bi->rsdp = tag + 8;
		bi->rsdp_len = size - 8;
		bi->rsdp_new = type == MB2_TAG_ACPI_NEW;
		break;
	default:
		pr_debug("multiboot2: tag type %u (%u bytes) skipped\n", type, size);
		break;
	}
}

/*
 * Usable RAM is every "available" range minus every range of another type:
 * where the firmware lists one address twice, the reservation wins.
 */
static void build_usable(struct boot_info *bi)
{
	memmap_init(&bi->usable);
	for (int i = 0; i < bi->nr_raw; i++) {
		const struct boot_region *r = &bi->raw[i];
		u64 end = r->start + r->len;

		if (end < r->start) {
			problem(bi, "memory map entry 0x%llx+0x%llx wraps; ignored",
				(unsigned long long)r->start,
				(unsigned long long)r->len);
			continue;
		}
		if (r->type == MB2_MEM_AVAILABLE &&
		    memmap_add(&bi->usable, r->start, end) < 0)
			problem(bi, "too many RAM ranges; 0x%llx ignored",
				(unsigned long long)r->start);
	}
	for (int i = 0; i < bi->nr_raw; i++) {
		const struct boot_region *r = &bi->raw[i];
		u64 end = r->start + r->len;

		if (r->type != MB2_MEM_AVAILABLE && end >= r->start)
			memmap_remove(&bi->usable, r->start, end);
	}
	memmap_trim_to_pages(&bi->usable);
}

/* Drop modules outside usable RAM or overlapping an earlier module. */
static void check_modules(struct boot_info *bi)
{
	int kept = 0;

	for (int i = 0; i < bi->nr_mods; i++) {
		struct boot_module *m = &bi->mods[i];
		bool bad = false;

		if (!memmap_contains(&bi->usable, ALIGN_DOWN(m->start, PAGE_SIZE),
				     ALIGN_UP(m->end, PAGE_SIZE))) {
			problem(bi, "module '%s' [0x%llx-0x%llx) is not in usable RAM; ignored",
				m->cmdline, (unsigned long long)m->start,
				(unsigned long long)m->end);
			bad = true;
		}
		for (int j = 0; j < kept && !bad; j++) {
			const struct boot_module *o = &bi->mods[j];

			if (m->start < o->end && o->start < m->end) {
				problem(bi, "module '%s' overlaps module '%s'; ignored",
					m->cmdline, o->cmdline);
				bad = true;
			}
		}
		if (!bad)
			bi->mods[kept++] = *m;
	}
	bi->nr_mods = kept;
}

/*H:120 What GRUB tells us
 * The boot information is a list of tags: the command line, the memory
 * map, one tag per module (a guest kernel or ramdisk whose line names
 * its domain, an image many domains start from, or a domain list). mb2_parse() reads the avail bytes at mbi
 * into a struct boot_info, dropping any tag that runs past the end or
 * contradicts another with one line each, and builds the list of usable
 * RAM the memory chapter starts from. Returns 0 if the result is usable
 * (possibly with problems reported), or -1 if it is not: a truncated
 * header or no memory map.
 */
int mb2_parse(const void *mbi, size_t avail, struct boot_info *bi)
{
	const u8 *base = mbi;
	u32 total, off = 8;
	bool ended = false;

	memset(bi, 0, sizeof(*bi));
	bi->cmdline = "";
	bi->loader = "";
	if (((uintptr_t)mbi & 7) != 0)
		problem(bi, "boot information at %p is not 8-byte aligned", mbi);
	if (avail < 8) {
		problem(bi, "boot information truncated: %zu bytes", avail);
		return -1;
	}
	total = rd32(base);
	if (total < 8 || total > avail) {
		problem(bi, "boot information claims %u bytes, %zu available",
			total, avail);
		if (total < 8)
			return -1;
		total = (u32)avail;
	}

	while (off + 8 <= total) {
		u32 type = rd32(base + off), size = rd32(base + off + 4);

		if (type == MB2_TAG_END) {
			ended = true;
			break;
		}
		if (size < 8 || size > total - off) {
			problem(bi, "tag type %u at offset %u has size %u, past the end (%u); rest ignored",
				type, off, size, total);
			break;
		}
		parse_tag(bi, base + off, type, size);
		off += ALIGN_UP(size, 8);
	}
	if (!ended)
		problem(bi, "no end tag");

	if (!bi->has_mmap) {
		problem(bi, "no memory map tag: cannot find RAM");
		return -1;
	}
	build_usable(bi);
	check_modules(bi);
	return 0;
}
