/*
 * pvabi/version.h - hypervisor identity and features:
 * HYPERVISOR_xen_version, and the XENFEAT_* feature bits.
 *
 * A guest asks which hypervisor interface version it runs on, a few
 * descriptive strings, and, most importantly, the feature bitmap
 * (XENVER_get_features): Linux refuses to boot unless certain bits are
 * set (see README.md). The same XENFEAT_* names, without the prefix, are
 * what a kernel lists in its XEN_ELFNOTE_FEATURES note.
 *
 * HYPERVISOR_xen_version(cmd, arg): cmd is XENVER_*, arg the guest
 * address of the output buffer (or 0). Returns 0 on success, except
 * XENVER_version (major << 16 | minor) and XENVER_pagesize (4096);
 * -XEN_E* on failure. pvisor answers with a Xen version (see README.md)
 * since guests compare it against Xen releases.
 */
#ifndef PVABI_VERSION_H
#define PVABI_VERSION_H

#include "xen.h"

#define XENVER_version			0  /* returns major << 16 | minor */
#define XENVER_extraversion		1  /* arg: xen_extraversion_t (OUT) */
#define XENVER_compile_info		2  /* arg: struct xen_compile_info (OUT) */
#define XENVER_capabilities		3  /* arg: xen_capabilities_info_t (OUT) */
#define XENVER_changeset		4  /* arg: xen_changeset_info_t (OUT) */
#define XENVER_platform_parameters	5  /* arg: struct xen_platform_parameters */
#define XENVER_get_features		6  /* arg: struct xen_feature_info (IN/OUT) */
#define XENVER_pagesize			7  /* returns the page size */
#define XENVER_guest_handle		8  /* arg: xen_domain_handle_t (OUT) */
#define XENVER_commandline		9  /* arg: xen_commandline_t (OUT) */
/*
 * Variable-length forms: arg is a struct xen_varbuf followed by its
 * buffer; they return the bytes written (arg 0: the size needed).
 */
#define XENVER_build_id			10
#define XENVER_extraversion2		11
#define XENVER_capabilities2		12
#define XENVER_changeset2		13
#define XENVER_commandline2		14

/*
 * XENFEAT_* - bit numbers in the feature bitmap. Submap n of
 * XENVER_get_features holds features 32n..32n+31.
 */
#define XENFEAT_writable_page_tables		0  /* guest may write PTs directly */
#define XENFEAT_writable_descriptor_tables	1  /* ... and GDT/LDT pages */
#define XENFEAT_auto_translated_physmap		2  /* hypervisor does P2M (HVM) */
#define XENFEAT_supervisor_mode_kernel		3  /* guest kernel runs in ring 0 */
#define XENFEAT_pae_pgdir_above_4gb		4  /* PAE L3 may be above 4 GiB */
#define XENFEAT_mmu_pt_update_preserve_ad	5  /* MMU_PT_UPDATE_PRESERVE_AD works */
#define XENFEAT_highmem_assist			6  /* MMUEXT_CLEAR/COPY_PAGE work */
#define XENFEAT_gnttab_map_avail_bits		7  /* grant maps honour PTE avail bits */
#define XENFEAT_hvm_callback_vector		8  /* HVM: events via an IDT vector */
#define XENFEAT_hvm_safe_pvclock		9  /* HVM: pvclock usable */
#define XENFEAT_hvm_pirqs			10 /* HVM: pirqs usable */
#define XENFEAT_dom0				11 /* may run as the control domain */
/* 12 was XENFEAT_grant_map_identity, withdrawn */
#define XENFEAT_memory_op_vnode_supported	13 /* XENMEMF_vnode accepted */
#define XENFEAT_ARM_SMCCC_supported		14 /* Arm only */
#define XENFEAT_linux_rsdp_unrestricted		15 /* PVH: RSDP anywhere */
#define XENFEAT_not_direct_mapped		16 /* gfn != mfn in general */
#define XENFEAT_direct_mapped			17 /* gfn == mfn */
#define XENFEAT_runstate_phys_area		18 /* VCPUOP_register_runstate_phys_area */
#define XENFEAT_vcpu_time_phys_area		19 /* VCPUOP_register_vcpu_time_phys_area */
#define XENFEAT_dm_msix_all_writes		20 /* device models only */

/*
 * pvisor's own (not Xen's; the highest bit of submap 0, far from Xen's):
 * the kernel can run in ring 1 (its ELF note SUPPORTED_FEATURES), and
 * does (XENVER_get_features, in a fast-mode domain). README.md, fast mode.
 */
#define XENFEAT_pv_ring1_kernel			31
#define XENFEAT_NR_SUBMAPS			1

/* Sizes of the fixed character buffers below. */
#define XEN_EXTRAVERSION_LEN		16
#define XEN_CAPABILITIES_INFO_LEN	1024
#define XEN_CHANGESET_INFO_LEN		64

#ifndef __ASSEMBLER__

/*
 * Character buffers filled by the hypervisor, NUL-terminated (a longer
 * string is cut short).
 */
typedef char xen_extraversion_t[XEN_EXTRAVERSION_LEN];	   /* version suffix, e.g. ".0" */
typedef char xen_capabilities_info_t[XEN_CAPABILITIES_INFO_LEN]; /* "xen-3.0-x86_64" */
typedef char xen_changeset_info_t[XEN_CHANGESET_INFO_LEN];   /* source revision */
typedef char xen_commandline_t[1024];			   /* hypervisor command line */
typedef uint8_t xen_domain_handle_t[16];		   /* domain UUID */
PVABI_CHECK_SIZE(xen_extraversion_t, 16);
PVABI_CHECK_SIZE(xen_capabilities_info_t, 1024);
PVABI_CHECK_SIZE(xen_changeset_info_t, 64);
PVABI_CHECK_SIZE(xen_commandline_t, 1024);
PVABI_CHECK_SIZE(xen_domain_handle_t, 16);

/* XENVER_compile_info: how the hypervisor was built. Written by it. */
struct xen_compile_info {
	char compiler[64];	/* OUT */
	char compile_by[16];	/* OUT */
	char compile_domain[32];/* OUT */
	char compile_date[32];	/* OUT */
}; /* 144 bytes */
PVABI_CHECK_SIZE(struct xen_compile_info, 144);
PVABI_CHECK_OFFSET(struct xen_compile_info, compiler, 0);
PVABI_CHECK_OFFSET(struct xen_compile_info, compile_by, 64);
PVABI_CHECK_OFFSET(struct xen_compile_info, compile_domain, 80);
PVABI_CHECK_OFFSET(struct xen_compile_info, compile_date, 112);

/*
 * XENVER_platform_parameters: the lowest address of the hypervisor hole
 * (HYPERVISOR_VIRT_START on x86-64). Written by the hypervisor.
 */
struct xen_platform_parameters {
	xen_ulong_t virt_start;	/* OUT */
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct xen_platform_parameters, 8);
PVABI_CHECK_OFFSET(struct xen_platform_parameters, virt_start, 0);

/*
 * XENVER_get_features: the guest picks a 32-bit submap, the hypervisor
 * fills it in (bit i = feature 32 * submap_idx + i).
 */
struct xen_feature_info {
	uint32_t submap_idx;	/* IN: 0 .. XENFEAT_NR_SUBMAPS - 1 */
	uint32_t submap;	/* OUT */
}; /* 8 bytes */
PVABI_CHECK_SIZE(struct xen_feature_info, 8);
PVABI_CHECK_OFFSET(struct xen_feature_info, submap_idx, 0);
PVABI_CHECK_OFFSET(struct xen_feature_info, submap, 4);

/*
 * XENVER_build_id and the XENVER_*2 operations: a length, immediately
 * followed in guest memory by len bytes of buffer.
 */
struct xen_varbuf {
	uint32_t len;		/* IN: bytes available after this field */
}; /* 4 bytes, then the buffer */
PVABI_CHECK_SIZE(struct xen_varbuf, 4);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_VERSION_H */
