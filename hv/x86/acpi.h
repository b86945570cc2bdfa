/*
 * acpi.h - the CPUs the firmware's ACPI tables list (RSDP -> RSDT/XSDT ->
 * MADT), parsed without trusting a byte of them.
 *
 * Runs in: hypervisor at boot (x86/smp.c), and host tests.
 */
#ifndef HV_X86_ACPI_H
#define HV_X86_ACPI_H

#include "hv.h"

/* At most this many CPUs are kept; more enabled entries are counted, not kept. */
#define ACPI_MAX_CPUS		32
/* A system table longer than this is refused (QEMU's MADT: a few hundred bytes). */
#define ACPI_MAX_TABLE_LEN	KiB(64)

struct acpi_cpu {
	u32 apic_id;
	u32 uid;	/* the ACPI processor UID */
};

struct acpi_madt_info {
	u64 lapic_phys;		/* the local APIC's address (override applied) */
	int nr_cpus;		/* enabled CPUs kept in cpu[] */
	int nr_disabled;	/* entries not enabled (absent or hot-pluggable) */
	int nr_dropped;		/* enabled but not kept: beyond ACPI_MAX_CPUS, duplicates */
	struct acpi_cpu cpu[ACPI_MAX_CPUS];
};

/*
 * How the parser reads physical memory: a pointer to len readable bytes at
 * physical address pa, or NULL if that range cannot be read (outside the
 * direct map, say). The hypervisor passes its direct map; tests a buffer.
 */
typedef const void *(*acpi_map_fn)(void *ctx, u64 pa, u64 len);

int acpi_find_cpus(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
		   struct acpi_madt_info *out, char *err, size_t errlen);
int acpi_order_cpus(const struct acpi_madt_info *m, u32 bsp, u32 *apic);

#endif /* HV_X86_ACPI_H */
