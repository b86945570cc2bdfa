/* version.h - the hypervisor's version, reported by banner and xen_version. */
#ifndef HV_VERSION_H
#define HV_VERSION_H

#define PVISOR_VERSION		"0.1"

/* The Xen interface version pvisor models (XENVER_version). */
#define XEN_COMPAT_MAJOR	4
#define XEN_COMPAT_MINOR	17

/*
 * XENVER_get_features submap 0: the XENFEAT_* bits pvisor implements.
 * Each bit is added with the code that makes it true:
 *   5 mmu_pt_update_preserve_ad: MMU_PT_UPDATE_PRESERVE_AD (mm/pv_mm.c)
 *   7 gnttab_map_avail_bits: grant mappings keep the PTE's software bits.
 *     True without effort, since pvisor has no grant mappings at all
 *     (grant_table_op answers -ENOSYS); Linux panics without it.
 */
#define PVISOR_FEATURES		0xa0u

#endif /* HV_VERSION_H */
