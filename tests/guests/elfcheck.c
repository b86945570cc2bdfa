/*
 * elfcheck.c - the domain builder's image checks, run on the host.
 *
 * Runs in: host (build/guests/elfcheck), after every test guest is linked
 * and in tests/guests/run before each boot.
 *
 * It compiles the hypervisor's own hv/core/elf.c and hv/core/pv_layout.c,
 * as the unit tests do, so an image is judged by exactly the rules the
 * builder applies (domain_build.c: parse_and_place), with the same words:
 * a test guest that the builder would refuse fails the build, not a boot,
 * and the runner knows before booting that each bad image of the bad_elf
 * test is refused for the reason it is meant to be.
 *
 *	elfcheck [-q] [-m MEM] [-r RAMDISK_BYTES] FILE...
 *
 * prints "FILE: ok: entry ..., ..." or "FILE: refused: REASON" for each;
 * -m also lays out a domain of MEM bytes (e.g. 16M) as the builder would.
 * Exit status 0 when every FILE is accepted, 1 when one is refused, 2 on
 * a usage or I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv.h"
#include "core/elf.h"
#include "core/pv_layout.h"

/* hv.h declares them; nothing compiled in here prints through them. */
int hv_loglvl = LOG_INFO;

static void *read_file(const char *path, u64 *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			buf = realloc(buf, cap);
			if (!buf)
				exit(2);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf ? buf : malloc(1);
}

/* What the builder's parse_and_place() would say; 0 if it accepts. */
static int check(const void *image, u64 len, u64 mem, u64 ramdisk_len,
		 struct pv_image *img, struct pv_layout *lay, char *why,
		 size_t size)
{
	struct pv_layout_in in;
	char err[160];

	if (elf_parse(image, len, img, why, size) < 0)
		return -1;
	if (!mem)
		return 0;
	in.virt_base = img->virt_base;
	in.kstart = img->virt_kstart;
	in.kend = img->virt_kend;
	in.ramdisk_len = ramdisk_len;
	in.nr_pages = mem >> PAGE_SHIFT;
	if (pv_layout_compute(&in, lay, err, sizeof(err)) < 0) {
		snprintf(why, size, "%s (mem=%lluM)", err,
			 (unsigned long long)(mem >> 20));
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: elfcheck [-q] [-m MEM] [-r RAMDISK_BYTES] FILE...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	u64 mem = 0, ramdisk_len = 0;
	bool quiet = false;
	int opt, status = 0;

	while ((opt = getopt(argc, argv, "qm:r:")) != -1) {
		switch (opt) {
		case 'q': quiet = true; break;
		case 'm': if (!parse_size(optarg, NULL, &mem)) usage(); break;
		case 'r': if (!parse_size(optarg, NULL, &ramdisk_len)) usage(); break;
		default: usage();
		}
	}
	if (optind == argc)
		usage();
	for (; optind < argc; optind++) {
		const char *path = argv[optind];
		struct pv_image img;
		struct pv_layout lay;
		char why[256];
		u64 len;
		void *image = read_file(path, &len);

		if (!image) {
			perror(path);
			return 2;
		}
		if (check(image, len, mem, ramdisk_len, &img, &lay, why, sizeof(why))) {
			printf("%s: refused: %s\n", path, why);
			status = 1;
		} else if (!quiet) {
			printf("%s: ok: entry %#lx, virt_base %#lx, image %#lx-%#lx",
			       path, img.entry, img.virt_base, img.virt_kstart,
			       img.virt_kend);
			if (img.has_hypercall_page)
				printf(", hypercall_page %#lx", img.hypercall_page);
			if (mem)
				printf(", mapping %#lx-%#lx", lay.v_start, lay.v_end);
			printf("\n");
		}
		free(image);
	}
	return status;
}
