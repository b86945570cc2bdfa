/*
 * cmdline.h - the hypervisor's own command-line options.
 */
#ifndef HV_CORE_CMDLINE_H
#define HV_CORE_CMDLINE_H

#include "hv.h"

struct hv_options {
	int loglvl;		/* loglvl=err|warn|info|debug or 0-3 */
	bool dryrun;		/* dryrun: print the boot plan, run nothing */
	char crashtest[8];	/* crashtest=pf|ud|panic|wtext|widt|smep|smap: crash reports */
	bool stats;		/* stats: print each domain's counters at its end */
	bool smap;		/* smap=on|off: CR4.SMAP where the CPU has it */
	bool desccheck;		/* desccheck: check GDTR/IDTR/TR/LDTR at every guest entry */
	bool fastpath;		/* fastpath=on|off: the switcher's fast paths (fast mode) */
	bool fastsmp;		/* fastsmp=on|off: fast-mode vCPUs on every CPU, not the boot CPU's alone */
	u32 lock_kind;		/* lock=: 0 the default (by CPUID), 1 ticket, 2 test-and-set (core/spinlock.h) */
	u64 maxcpus;		/* maxcpus=N (N >= 1), smp=off (1): CPUs to bring up; 0: all */
	bool smptest_deaf;	/* smptest=deaf: cpu 1 never answers (tests/boot/run) */
	/* The store's limits (core/xenstore.h), 0 = its default. */
	u32 xs_nodes;		/* xs_nodes=N: nodes a domain may own */
	u32 xs_bytes;		/* xs_bytes=N: store bytes a domain may use */
	u32 xs_watches;		/* xs_watches=N */
	u32 xs_transactions;	/* xs_transactions=N: open at once */
	u32 xs_pool;		/* xs_pool=N: the store's pages (4 KiB), at most 16384 */
	u32 conrate;		/* conrate=N|off: a domain's console bytes a second (core/console.c), 0 = its default */
};
#define CONRATE_OFF	(~0u)

extern struct hv_options hv_opts;

int cmdline_parse(const char *cmdline, struct hv_options *o);

#endif /* HV_CORE_CMDLINE_H */
