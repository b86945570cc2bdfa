/* version.h - the hypervisor's version, reported by banner and xen_version. */
#ifndef HV_VERSION_H
#define HV_VERSION_H

#define PVISOR_VERSION		"0.1"
#define PVISOR_MAJOR		0
#define PVISOR_MINOR		1

#endif /* HV_VERSION_H */
