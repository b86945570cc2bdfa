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
#define DOMAIN_VCPUS_MAX	8	/* vcpus= (one vcpumask word holds them) */
#define GUEST_CMDLINE_MAX	1024	/* start_info.cmd_line, with its NUL */

enum domcfg_kind {
	DOMCFG_KERNEL,		/* name=N [mem=M] [vcpus=V] [mode=MODE] [-- guest cmdline] */
	DOMCFG_RAMDISK,		/* ramdisk=N */
	DOMCFG_IMAGE,		/* image=IMG: a kernel or ramdisk many may use */
	DOMCFG_LIST,		/* domains: the module is a domain list */
	DOMCFG_LISTED,		/* one line of a domain list (domlist_next) */
};

/*
 * The PV mode a domain asks for (mode=): where its kernel runs. The values
 * are pv/mode.h's enum pv_mode_id, which the builder checks.
 */
#define DOMCFG_MODE_COMPAT	0	/* guest kernel in ring 3 (the default) */
#define DOMCFG_MODE_FAST	1	/* guest kernel in ring 1 */

/*
 * Split-driver devices (docs/devices.md): vif= and disk= on a domain's
 * line, each naming the domain that serves it (its backend). The limits
 * are small on purpose: each device is a dozen store nodes charged to
 * nobody (the hypervisor writes them) and a line of the boot log.
 */
#define DOMCFG_VIFS_MAX		4
#define DOMCFG_DISKS_MAX	4
#define DOMCFG_DEV_VALUE_MAX	128	/* the value of one vif= or disk= */
#define DOMCFG_TARGET_MAX	24	/* "/dev/ramN" or "MAJ:MIN" */
#define DOMCFG_BRIDGE_DEFAULT	"xenbr0"

/* vif=backend=NAME[,mac=XX:XX:XX:XX:XX:XX][,bridge=BR] */
struct domcfg_vif {
	char backend[DOMAIN_NAME_MAX + 1];
	bool mac_set;			/* false: 00:16:3e + domid + devid */
	u8 mac[6];
	char bridge[DOMAIN_NAME_MAX + 1];	/* a Linux interface name */
};

/* disk=backend=NAME,target=TARGET,vdev=xvdX[,access=rw|ro] */
struct domcfg_disk {
	char backend[DOMAIN_NAME_MAX + 1];
	char target[DOMCFG_TARGET_MAX];	/* as given: the backend's params */
	u32 major, minor;		/* the backend's block device */
	char vdev[5];			/* "xvda" .. "xvdz" */
	u32 vdev_nr;			/* Xen's number: 202 << 8 | letter << 4 */
	bool ro;			/* access=ro: mode "r" */
};

struct domcfg_devs {
	u8 nr_vifs, nr_disks;		/* a vif's devid is its index */
	struct domcfg_vif vif[DOMCFG_VIFS_MAX];
	struct domcfg_disk disk[DOMCFG_DISKS_MAX];
};

struct domcfg {
	enum domcfg_kind kind;
	char name[DOMAIN_NAME_MAX + 1];	/* the domain, the ramdisk's domain,
					 * or the image's name */
	u64 mem;			/* bytes, a whole number of pages */
	u32 vcpus;
	u8 mode;			/* enum pv_mode_id: mode=compat|fast */
	const char *cmdline;		/* the guest's, inside the parsed string */
	char kernel[DOMAIN_NAME_MAX + 1];	/* DOMCFG_LISTED: kernel=IMG */
	char ramdisk[DOMAIN_NAME_MAX + 1];	/* DOMCFG_LISTED: ramdisk=IMG, "" none */
	struct domcfg_devs devs;	/* vif=, disk= (a kernel or a listed domain) */
};

int domcfg_parse(const char *s, struct domcfg *c, char *err, size_t errlen);

/*
 * A domain list module (docs/boot.md): text, one domain per line, read in
 * place (it is not NUL-terminated). domlist_next() copies the next line
 * that names a domain into buf (its cmdline points there) and parses it.
 */
#define DOMLIST_LINE_MAX	(GUEST_CMDLINE_MAX + 256)

struct domlist {
	const char *p, *end;	/* what is left of the module */
	int lineno;		/* of the line last returned */
};

void domlist_init(struct domlist *l, const void *text, size_t len);
int domlist_count(const void *text, size_t len);
int domlist_next(struct domlist *l, char *buf, size_t buflen,
		 struct domcfg *c, char *err, size_t errlen);

/* Images by name: what kernel=IMG and ramdisk=IMG resolve against. */
struct domcfg_image {
	char name[DOMAIN_NAME_MAX + 1];
	const void *data;
	u64 len;
};

const struct domcfg_image *domcfg_find_image(const struct domcfg_image *imgs,
					     int n, const char *name);
int domcfg_resolve(const struct domcfg *c, const struct domcfg_image *imgs,
		   int n, const struct domcfg_image **kernel,
		   const struct domcfg_image **ramdisk, char *err, size_t errlen);

#endif /* HV_CORE_DOMCFG_H */
