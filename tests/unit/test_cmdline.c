/*
 * test_cmdline.c - hv/core/cmdline.c: the hypervisor's boot options.
 */
#include "hv.h"
#include "harness.h"
#include "core/cmdline.h"

static struct hv_options opts(void)
{
	return (struct hv_options){ .loglvl = LOG_INFO };
}

START_TEST(test_known_options)
{
	struct hv_options o = opts();

	ck_assert_int_eq(cmdline_parse("loglvl=debug  console=com1 dryrun stats", &o), 0);
	ck_assert_int_eq(o.loglvl, LOG_DEBUG);
	ck_assert(o.dryrun);
	ck_assert(o.stats);
	o = opts();
	ck_assert_int_eq(cmdline_parse("loglvl=0 crashtest=wtext", &o), 0);
	ck_assert_str_eq(o.crashtest, "wtext");
	ck_assert_int_eq(cmdline_parse("crashtest=widt", &o), 0);
	ck_assert_str_eq(o.crashtest, "widt");
	ck_assert_int_eq(cmdline_parse("crashtest=smep", &o), 0);
	ck_assert_str_eq(o.crashtest, "smep");
	ck_assert_int_eq(cmdline_parse("crashtest=smap", &o), 0);
	ck_assert_str_eq(o.crashtest, "smap");
	ck_assert_int_eq(cmdline_parse("loglvl=0 crashtest=ud", &o), 0);
	ck_assert_str_eq(o.crashtest, "ud");
	ck_assert_int_eq(o.loglvl, LOG_ERR);
	ck_assert(!o.dryrun);
	ck_assert(!o.smap);		/* off unless asked for */
	ck_assert_int_eq(cmdline_parse("smap=on", &o), 0);
	ck_assert(o.smap);
	ck_assert_int_eq(cmdline_parse("smap=off", &o), 0);
	ck_assert(!o.smap);
	/* A bad value is reported and changes nothing. */
	o.smap = true;
	ck_assert_int_eq(cmdline_parse("smap smap=1 smap=yes", &o), 3);
	ck_assert_logged("option 'smap' ignored: expected on|off");
	ck_assert(o.smap);
}
END_TEST

START_TEST(test_unknown_reported_not_fatal)
{
	struct hv_options o = opts();

	/* The bad words are reported; the good one after them still applies. */
	ck_assert_int_eq(cmdline_parse("frobnicate=3 nosmp loglvl=warn", &o), 2);
	ck_assert_logged("unknown option 'frobnicate' ignored");
	ck_assert_logged("unknown option 'nosmp' ignored");
	ck_assert_int_eq(o.loglvl, LOG_WARN);
}
END_TEST

START_TEST(test_bad_values)
{
	struct hv_options o = opts();

	ck_assert_int_eq(cmdline_parse("loglvl=9 loglvl=2x loglvl console=vga dryrun=1 crashtest=df", &o), 6);
	ck_assert_str_eq(o.crashtest, "");
	ck_assert_int_eq(o.loglvl, LOG_INFO);	/* unchanged */
	ck_assert(!o.dryrun);
	ck_assert_logged("option 'loglvl=9' ignored");
	ck_assert_logged("option 'console=vga' ignored: expected com1");
}
END_TEST

/* maxcpus=N and smp=off|on: how many CPUs x86/smp.c starts (0: all). */
START_TEST(test_cpu_limits)
{
	struct hv_options o = opts();

	ck_assert_uint_eq(o.maxcpus, 0);
	ck_assert_int_eq(cmdline_parse("maxcpus=3", &o), 0);
	ck_assert_uint_eq(o.maxcpus, 3);
	ck_assert_int_eq(cmdline_parse("smp=off", &o), 0);
	ck_assert_uint_eq(o.maxcpus, 1);
	ck_assert_int_eq(cmdline_parse("smp=on", &o), 0);
	ck_assert_uint_eq(o.maxcpus, 0);
	/* 0, junk and no value are refused, reported, and change nothing. */
	o.maxcpus = 2;
	ck_assert_int_eq(cmdline_parse("maxcpus=0 maxcpus=4x maxcpus=-1 maxcpus smp=1 smp", &o), 6);
	ck_assert_logged("option 'maxcpus=0' ignored: expected a number of CPUs, at least 1");
	ck_assert_logged("option 'smp=1' ignored: expected on|off");
	ck_assert_uint_eq(o.maxcpus, 2);
	ck_assert(!o.smptest_deaf);
	ck_assert_int_eq(cmdline_parse("smptest=mute", &o), 1);
	ck_assert(!o.smptest_deaf);
	ck_assert_int_eq(cmdline_parse("smptest=deaf", &o), 0);
	ck_assert(o.smptest_deaf);
}
END_TEST

/* conrate=N|off: a domain's console allowance (core/console.c); 0 is the default. */
START_TEST(test_conrate)
{
	struct hv_options o = opts();

	ck_assert_uint_eq(o.conrate, 0);
	ck_assert_int_eq(cmdline_parse("conrate=4096", &o), 0);
	ck_assert_uint_eq(o.conrate, 4096);
	ck_assert_int_eq(cmdline_parse("conrate=off", &o), 0);
	ck_assert_uint_eq(o.conrate, CONRATE_OFF);
	/* Below a line a second, above 2^30, junk: refused, reported, nothing changed. */
	o.conrate = 1000;
	ck_assert_int_eq(cmdline_parse("conrate=63 conrate=0 conrate=1073741825 conrate=fast conrate", &o), 5);
	ck_assert_logged("option 'conrate=63' ignored: expected a domain's console output in bytes a second (64-2^30), or off");
	ck_assert_uint_eq(o.conrate, 1000);
	ck_assert_int_eq(cmdline_parse("conrate=64 conrate=1073741824", &o), 0);
	ck_assert_uint_eq(o.conrate, 1u << 30);
}
END_TEST

START_TEST(test_path_and_long_words)
{
	struct hv_options o = opts();
	char longword[300];

	/* A loader that passes the image path first: skipped silently. */
	ck_assert_int_eq(cmdline_parse("/boot/hv.elf dryrun", &o), 0);
	ck_assert(o.dryrun);
	memset(longword, 'a', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	o = opts();
	ck_assert_int_eq(cmdline_parse(longword, &o), 1);
	ck_assert_logged("too long");
	ck_assert_int_eq(cmdline_parse("", &o), 0);
	ck_assert_int_eq(cmdline_parse("   ", &o), 0);
}
END_TEST

Suite *cmdline_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, test_known_options);
	tcase_add_test(tc, test_unknown_reported_not_fatal);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_path_and_long_words);
	tcase_add_test(tc, test_cpu_limits);
	tcase_add_test(tc, test_conrate);
	suite_add_tcase(s, tc);
	return s;
}
