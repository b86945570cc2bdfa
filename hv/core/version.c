/*
 * version.c - HYPERVISOR_xen_version: who the guest is running on.
 *
 * Runs in: hypervisor.
 *
 * pvisor answers as the Xen interface it models: version 4.17, capability
 * "xen-3.0-x86_64" (64-bit PV guests), and the extraversion says what it
 * really is. get_features reports exactly the XENFEAT_* bits implemented
 * (PVISOR_FEATURES in version.h), never more: Linux chooses code paths by
 * them, and a feature claimed but missing is a bug found much later.
 */
#include "hv.h"
#include "layout.h"
#include "version.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "pv/mode.h"
#include "pvabi/version.h"
#include "pvabi/errno.h"

#ifndef PVISOR_CHANGESET
#define PVISOR_CHANGESET "unknown"
#endif

static long copy_string(u64 arg, const char *s, size_t size)
{
	char buf[1024];

	BUG_ON(size > sizeof(buf));
	memset(buf, 0, size);
	memcpy(buf, s, MIN(strlen(s), size - 1));
	return copy_to_guest(arg, buf, size);
}

static long compile_info(u64 arg)
{
	struct xen_compile_info ci;

	memset(&ci, 0, sizeof(ci));
	hv_snprintf(ci.compiler, sizeof(ci.compiler), "gcc %s", __VERSION__);
	hv_snprintf(ci.compile_by, sizeof(ci.compile_by), "pvisor");
	hv_snprintf(ci.compile_domain, sizeof(ci.compile_domain), "local");
	hv_snprintf(ci.compile_date, sizeof(ci.compile_date), "%s %s", __DATE__,
		    __TIME__);
	return copy_to_guest(arg, &ci, sizeof(ci));
}

static long get_features(u64 arg)
{
	struct xen_feature_info fi;

	if (copy_from_guest(&fi, arg, sizeof(fi)))
		return -XEN_EFAULT;
	if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
		return -XEN_EINVAL;
	fi.submap = PVISOR_FEATURES | current->domain->mode->xenfeat;
	return copy_to_guest(arg, &fi, sizeof(fi));
}

/*
 * do_xen_version - the hypervisor's version and properties.
 *   XENVER_version            returns (major << 16) | minor: 4.17
 *   XENVER_extraversion       OUT char[16]: "-pvisor<version>"
 *   XENVER_compile_info       OUT struct xen_compile_info
 *   XENVER_capabilities       OUT char[1024]: "xen-3.0-x86_64"
 *   XENVER_changeset          OUT char[64]: the source revision
 *   XENVER_platform_parameters OUT struct: virt_start 0xFFFF800000000000
 *   XENVER_get_features       IN/OUT struct xen_feature_info; -EINVAL for
 *                             a submap index >= XENFEAT_NR_SUBMAPS
 *   XENVER_pagesize           returns 4096 (arg must be 0: -EINVAL)
 *   XENVER_guest_handle       OUT 16 bytes: the domain's handle (all zero)
 *   XENVER_commandline, XENVER_build_id: -EPERM, as for an unprivileged
 *                             Xen domain
 * Errors: -EFAULT for a bad buffer, -ENOSYS for other commands. Never blocks.
 */
long do_xen_version(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5)
{
	struct xen_platform_parameters pp = { .virt_start = HV_VIRT_START };
	u8 handle[16] = { 0 };

	(void)a3, (void)a4, (void)a5;
	switch (cmd) {
	case XENVER_version:
		return (XEN_COMPAT_MAJOR << 16) | XEN_COMPAT_MINOR;
	case XENVER_extraversion:
		return copy_string(arg, "-pvisor" PVISOR_VERSION, XEN_EXTRAVERSION_LEN);
	case XENVER_compile_info:
		return compile_info(arg);
	case XENVER_capabilities:
		return copy_string(arg, "xen-3.0-x86_64", XEN_CAPABILITIES_INFO_LEN);
	case XENVER_changeset:
		return copy_string(arg, "pvisor " PVISOR_CHANGESET, XEN_CHANGESET_INFO_LEN);
	case XENVER_platform_parameters:
		return copy_to_guest(arg, &pp, sizeof(pp));
	case XENVER_get_features:
		return get_features(arg);
	case XENVER_pagesize:
		return arg ? -XEN_EINVAL : (long)PAGE_SIZE;
	case XENVER_guest_handle:
		return copy_to_guest(arg, handle, sizeof(handle));
	case XENVER_commandline:
	case XENVER_build_id:
		return -XEN_EPERM;
	default:
		return -XEN_ENOSYS;
	}
}
