/* version.h - the hypervisor's version, reported by banner and xen_version. */
#ifndef HV_VERSION_H
#define HV_VERSION_H

#define PVISOR_VERSION		"0.1"

/* The Xen interface version pvisor models (XENVER_version). */
#define XEN_COMPAT_MAJOR	4
#define XEN_COMPAT_MINOR	17

/*
 * XENVER_get_features submap 0: the XENFEAT_* bits pvisor implements.
 * None yet: each bit is added with the code that makes it true.
 */
#define PVISOR_FEATURES		0u

#endif /* HV_VERSION_H */
