/*
 * domcfg.h - a domain's description, read from its module's command line.
 */
#ifndef HV_CORE_DOMCFG_H
#define HV_CORE_DOMCFG_H

#include "hv.h"

#define DOMAIN_NAME_MAX		15
#define DOMAIN_MEM_DEFAULT	MiB(64)
#define DOMAIN_MEM_MIN		MiB(4)
#define DOMAIN_MEM_MAX		GiB(64)
#define DOMAIN_VCPUS_MAX	1	/* SMP guests come later */
#define GUEST_CMDLINE_MAX	1024	/* start_info.cmd_line, with its NUL */

enum domcfg_kind {
	DOMCFG_KERNEL,		/* name=N [mem=M] [vcpus=V] [-- guest cmdline] */
	DOMCFG_RAMDISK,		/* ramdisk=N */
};

struct domcfg {
	enum domcfg_kind kind;
	char name[DOMAIN_NAME_MAX + 1];	/* the domain, or the ramdisk's domain */
	u64 mem;			/* bytes, a whole number of pages */
	u32 vcpus;
	const char *cmdline;		/* the guest's, inside the module string */
};

int domcfg_parse(const char *s, struct domcfg *c, char *err, size_t errlen);

#endif /* HV_CORE_DOMCFG_H */
