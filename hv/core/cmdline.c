/*
 * cmdline.c - parse the hypervisor's command line (the Multiboot2 string).
 *
 * Runs in: hypervisor at boot, and host tests.
 *
 * Options are space-separated "name" or "name=value" words, looked up in
 * one table. A word the table does not know, or a value an option cannot
 * use, is reported and skipped: a typo on the boot line should cost a
 * warning, not a machine that will not boot. The first word is dropped if
 * it looks like a path, since some loaders pass the image's file name.
 */
#include "hv.h"
#include "core/cmdline.h"

struct hv_options hv_opts = { .loglvl = LOG_INFO, .fastpath = true, .fastsmp = true };

struct option {
	const char *name;
	bool takes_value;
	bool (*set)(struct hv_options *o, const char *val);
	const char *help;
};

static bool set_loglvl(struct hv_options *o, const char *val)
{
	static const char *const names[] = { "err", "warn", "info", "debug" };
	const char *end;
	u64 n;

	for (int i = 0; i < (int)ARRAY_SIZE(names); i++) {
		if (!strcmp(val, names[i])) {
			o->loglvl = i;
			return true;
		}
	}
	if (parse_u64(val, &end, &n) && *end == '\0' && n <= LOG_DEBUG) {
		o->loglvl = (int)n;
		return true;
	}
	return false;
}

static bool set_console(struct hv_options *o, const char *val)
{
	(void)o;
	return !strcmp(val, "com1");	/* the only console there is */
}

static bool set_dryrun(struct hv_options *o, const char *val)
{
	(void)val;
	o->dryrun = true;
	return true;
}

static bool set_stats(struct hv_options *o, const char *val)
{
	(void)val;
	o->stats = true;
	return true;
}

static bool set_desccheck(struct hv_options *o, const char *val)
{
	(void)val;
	o->desccheck = true;
	return true;
}

static bool set_crashtest(struct hv_options *o, const char *val)
{
	static const char *const kinds[] = { "pf", "ud", "panic", "wtext",
					     "widt", "smep", "smap" };

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!strcmp(val, kinds[i])) {
			memcpy(o->crashtest, val, strlen(val) + 1);
			return true;
		}
	}
	return false;
}

/*
 * smap=on: supervisor-mode access prevention (docs/boot.md says why it is
 * off by default: QEMU before 9.1 faults a guest's iretq/lretq with it).
 */
static bool set_smap(struct hv_options *o, const char *val)
{
	if (strcmp(val, "on") && strcmp(val, "off"))
		return false;
	o->smap = !strcmp(val, "on");
	return true;
}

/*
 * fastsmp=on (the default): fast-mode vCPUs on every CPU (core/sched.c);
 * off keeps them on the boot CPU (to compare, or to rule the per-CPU
 * switcher slices out when something goes wrong).
 */
static bool set_fastsmp(struct hv_options *o, const char *val)
{
	if (strcmp(val, "on") && strcmp(val, "off"))
		return false;
	o->fastsmp = !strcmp(val, "on");
	return true;
}

/* fastpath=off: fast mode without the switcher's fast paths (to measure them). */
static bool set_fastpath(struct hv_options *o, const char *val)
{
	if (strcmp(val, "on") && strcmp(val, "off"))
		return false;
	o->fastpath = !strcmp(val, "on");
	return true;
}

/*
 * lock=ticket|tas: the kind of every lock (core/spinlock.h); without it,
 * test-and-set under a hypervisor (QEMU), tickets on real CPUs.
 */
static bool set_lock(struct hv_options *o, const char *val)
{
	if (!strcmp(val, "ticket"))
		o->lock_kind = 1;
	else if (!strcmp(val, "tas"))
		o->lock_kind = 2;
	else
		return false;
	return true;
}

/* maxcpus=N: bring up at most N CPUs, the boot CPU included (x86/smp.c). */
static bool set_maxcpus(struct hv_options *o, const char *val)
{
	const char *end;
	u64 n;

	if (!parse_u64(val, &end, &n) || *end != '\0' || n == 0)
		return false;
	o->maxcpus = n;
	return true;
}

/* smp=off: the boot CPU alone (maxcpus=1); smp=on: every CPU (the default). */
static bool set_smp(struct hv_options *o, const char *val)
{
	if (strcmp(val, "on") && strcmp(val, "off"))
		return false;
	o->maxcpus = !strcmp(val, "on") ? 0 : 1;
	return true;
}

/* smptest=deaf: start cpu 1 where it only halts, to test the AP timeout. */
static bool set_smptest(struct hv_options *o, const char *val)
{
	if (strcmp(val, "deaf"))
		return false;
	o->smptest_deaf = true;
	return true;
}

/* xs_*=N: the store's limits (core/xenstore.h), a number from 1 to 2^31. */
static bool set_u32(u32 *field, const char *val, u64 max)
{
	const char *end;
	u64 n;

	if (!parse_u64(val, &end, &n) || *end != '\0' || n == 0 || n > max)
		return false;
	*field = (u32)n;
	return true;
}

static bool set_xs_nodes(struct hv_options *o, const char *v) { return set_u32(&o->xs_nodes, v, 1u << 31); }
static bool set_xs_bytes(struct hv_options *o, const char *v) { return set_u32(&o->xs_bytes, v, 1u << 31); }
static bool set_xs_watches(struct hv_options *o, const char *v) { return set_u32(&o->xs_watches, v, 1u << 31); }
static bool set_xs_trans(struct hv_options *o, const char *v) { return set_u32(&o->xs_transactions, v, 1u << 31); }
static bool set_xs_pool(struct hv_options *o, const char *v) { return set_u32(&o->xs_pool, v, 16384); }

/* conrate=N|off: N from 64 (a line a second) to 2^30; off, no limit. */
static bool set_conrate(struct hv_options *o, const char *v)
{
	if (!strcmp(v, "off")) {
		o->conrate = CONRATE_OFF;
		return true;
	}
	u32 n;

	if (!set_u32(&n, v, 1u << 30) || n < 64)
		return false;
	o->conrate = n;
	return true;
}

static const struct option options[] = {
	{ "loglvl", true, set_loglvl, "err|warn|info|debug or 0-3" },
	{ "console", true, set_console, "com1" },
	{ "dryrun", false, set_dryrun, "print the boot plan, run no domain" },
	{ "crashtest", true, set_crashtest, "pf|ud|panic|wtext|widt|smep|smap" },
	{ "stats", false, set_stats, "print each domain's counters when it ends" },
	{ "smap", true, set_smap, "on|off" },
	{ "desccheck", false, set_desccheck, "check the descriptor-table registers at every guest entry" },
	{ "fastpath", true, set_fastpath, "on|off" },
	{ "fastsmp", true, set_fastsmp, "on|off" },
	{ "lock", true, set_lock, "ticket|tas" },
	{ "maxcpus", true, set_maxcpus, "a number of CPUs, at least 1" },
	{ "smp", true, set_smp, "on|off" },
	{ "smptest", true, set_smptest, "deaf" },
	{ "xs_nodes", true, set_xs_nodes, "nodes a domain may own in the store" },
	{ "xs_bytes", true, set_xs_bytes, "store bytes a domain may use" },
	{ "xs_watches", true, set_xs_watches, "watches a domain may set" },
	{ "xs_transactions", true, set_xs_trans, "store transactions a domain may have open" },
	{ "xs_pool", true, set_xs_pool, "the store's pool, in 4 KiB pages (1-16384)" },
	{ "conrate", true, set_conrate, "a domain's console output in bytes a second (64-2^30), or off" },
};

static int apply(struct hv_options *o, char *word)
{
	char *eq = strchr(word, '=');
	const char *val = eq ? eq + 1 : "";

	if (eq)
		*eq = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		const struct option *opt = &options[i];

		if (strcmp(word, opt->name))
			continue;
		if (opt->takes_value != (eq != NULL) || !opt->set(o, val)) {
			pr_warn("option '%s%s%s' ignored: expected %s\n", word,
				eq ? "=" : "", val, opt->help);
			return 1;
		}
		return 0;
	}
	pr_warn("unknown option '%s' ignored\n", word);
	return 1;
}

/* Returns the number of words that were reported and ignored. */
int cmdline_parse(const char *cmdline, struct hv_options *o)
{
	char word[128];
	int problems = 0;
	bool first = true;

	while (*cmdline) {
		size_t n = 0;

		while (*cmdline == ' ')
			cmdline++;
		while (cmdline[n] && cmdline[n] != ' ')
			n++;
		if (n == 0)
			break;
		if (n >= sizeof(word)) {
			pr_warn("option '%.20s...' is too long; ignored\n", cmdline);
			problems++;
		} else if (!(first && cmdline[0] == '/')) {
			memcpy(word, cmdline, n);
			word[n] = '\0';
			problems += apply(o, word);
		}
		first = false;
		cmdline += n;
	}
	return problems;
}
