/*
 * mb2.h - what the hypervisor learns from the Multiboot2 boot information.
 *
 * Runs in: hypervisor at boot, and host tests.
 */
#ifndef HV_BOOT_MB2_H
#define HV_BOOT_MB2_H

#include "hv.h"
#include "mm/memmap.h"

/* Multiboot2 tag types (Multiboot2 specification, section 3.6). */
#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER		2
#define MB2_TAG_MODULE		3
#define MB2_TAG_BASIC_MEMINFO	4
#define MB2_TAG_MMAP		6
#define MB2_TAG_ACPI_OLD	14	/* a copy of the ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW	15	/* a copy of the ACPI 2.0+ RSDP */

#define MB2_MEM_AVAILABLE	1

/*
 * Modules GRUB may hand over: a generous ceiling, refused by name above
 * it (24 KiB of table). Many domains do not need many modules: a domain
 * list (docs/boot.md) starts any number from a few image modules.
 */
#define BOOT_MAX_MODULES	1024
#define BOOT_MAX_RAW_REGIONS	128

struct boot_module {
	u64 start;		/* physical, inclusive */
	u64 end;		/* physical, exclusive */
	const char *cmdline;	/* points into the boot information */
};

struct boot_region {
	u64 start;
	u64 len;
	u32 type;		/* MB2_MEM_AVAILABLE or another firmware type */
};

struct boot_info {
	const char *cmdline;	/* "" if none */
	const char *loader;	/* "" if none */
	bool has_mmap;
	u64 mem_lower_kib, mem_upper_kib;

	int nr_raw;		/* the memory map as the loader gave it */
	struct boot_region raw[BOOT_MAX_RAW_REGIONS];

	struct memmap usable;	/* type-1 RAM minus every other type, whole pages */

	int nr_mods;
	struct boot_module mods[BOOT_MAX_MODULES];

	/*
	 * The loader's copy of the ACPI RSDP, inside the boot information
	 * (the new tag's if both are given); NULL if none. Unchecked here:
	 * x86/acpi.c checks it.
	 */
	const void *rsdp;
	u32 rsdp_len;
	bool rsdp_new;

	int nr_problems;	/* each one was reported with pr_err/pr_warn */
};

int mb2_parse(const void *mbi, size_t avail, struct boot_info *bi);

#endif /* HV_BOOT_MB2_H */
