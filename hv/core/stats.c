/*
 * stats.c - what the hypervisor did for a domain, printed when it ends.
 *
 * Runs in: hypervisor.
 *
 * With the `stats` option each domain's counters are printed when it ends:
 * hypercalls by name, exceptions by vector, bounces, system calls, event
 * upcalls, emulated instructions and page-table writes. They explain where
 * the cost of paravirtualization goes (tools/bench reads them), and they
 * let a test check which path a guest took, not only that it got there.
 * Lines look like "(hv) stats web: hypercall mmu_update 1234".
 */
#include "hv.h"
#include "core/cmdline.h"
#include "core/domain.h"
#include "core/hypercall.h"
#include "pv/mode.h"
#include "x86/percpu.h"
#include "x86/traps.h"

/*
 * Times each online CPU found the hypervisor lock taken (core/hvlock.c),
 * since boot: what running the hypervisor on one CPU at a time costs.
 */
static void print_lock_waits(const char *n)
{
	char buf[160];
	int len = 0;

	for (int i = 0; i < NR_CPUS && len >= 0 && (size_t)len < sizeof(buf); i++) {
		const struct pcpu *c = pcpus[i];

		if (c && c->state == PCPU_ONLINE)
			len += hv_snprintf(buf + len, sizeof(buf) - (size_t)len, " %u:%llu (%llu ms)",
					   c->id, (unsigned long long)c->lock_spins,
					   (unsigned long long)(c->lock_wait_ns / 1000000));
	}
	printk("stats %s: hv lock waits by cpu%s\n", n, len > 0 ? buf : " none");
}

void domain_print_stats(const struct domain *d)
{
	const char *n = d->name;
	char cpus[160];

	if (!hv_opts.stats)
		return;
	smp_describe(cpus, sizeof(cpus));	/* x86/smp.c */
	printk("stats %s: cpus %s\n", n, cpus);
	print_lock_waits(n);
	for (u64 i = 0; i < NR_HYPERCALLS; i++) {
		if (d->hypercalls[i])
			printk("stats %s: hypercall %s %llu\n", n, hypercall_name(i),
			       (unsigned long long)d->hypercalls[i]);
	}
	for (unsigned v = 0; v < 32; v++) {
		if (d->stats.traps[v])
			printk("stats %s: trap %u %llu\n", n, v,
			       (unsigned long long)d->stats.traps[v]);
	}
	printk("stats %s: mode %s fast_syscalls %llu fast_irets %llu fast_pfs %llu fast_hypercalls %llu\n",
	       n, d->mode ? d->mode->name : "none", (unsigned long long)d->stats.fast_syscalls,
	       (unsigned long long)d->stats.fast_irets, (unsigned long long)d->stats.fast_pfs,
	       (unsigned long long)d->stats.fast_hypercalls);
	printk("stats %s: bounces %llu syscalls %llu events %llu emul_priv %llu emul_cpuid %llu ptwr %llu switches %llu continuations %llu\n",
	       n, (unsigned long long)d->stats.bounces,
	       (unsigned long long)d->stats.syscalls,
	       (unsigned long long)d->stats.events,
	       (unsigned long long)d->stats.emul_priv,
	       (unsigned long long)d->stats.emul_cpuid,
	       (unsigned long long)d->stats.ptwr,
	       (unsigned long long)d->stats.switches,
	       (unsigned long long)d->stats.continuations);
	if (d->stats.gnt_copies || d->stats.gnt_maps)
		printk("stats %s: grant copies %llu (%llu bytes) maps %llu unmaps %llu\n", n,
		       (unsigned long long)d->stats.gnt_copies,
		       (unsigned long long)d->stats.gnt_copy_bytes,
		       (unsigned long long)d->stats.gnt_maps,
		       (unsigned long long)d->stats.gnt_unmaps);
	printk("stats %s: console output %llu bytes, stopped %llu times by conrate=\n", n,
	       (unsigned long long)d->stats.cons_bytes,
	       (unsigned long long)d->stats.cons_stops);
	printk("stats %s: returns %llu ss_lar %llu\n", n,
	       (unsigned long long)d->stats.returns,
	       (unsigned long long)d->stats.ss_lar);
	printk("stats %s: hypervisor memory %llu KiB (struct domain and P2M)\n", n,
	       (unsigned long long)(domain_hv_bytes(d) >> 10));
	printk("stats %s: longest hypercall %s %llu us, latest %s %llu us after its time was up\n",
	       n, hypercall_name(d->stats.longest_nr),
	       (unsigned long long)(d->stats.longest_ns / 1000),
	       hypercall_name(d->stats.late_nr),
	       (unsigned long long)(d->stats.late_ns / 1000));
}
