/*
 * test_domcfg.c - hv/core/domcfg.c: domain descriptions on module lines.
 */
#include <string.h>

#include "hv.h"
#include "harness.h"
#include "core/domcfg.h"

static struct domcfg c;
static char err[128];

START_TEST(test_kernel_full)
{
	ck_assert_int_eq(domcfg_parse("name=web mem=256M vcpus=1 -- console=hvc0  quiet -- x",
				      &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.kind, DOMCFG_KERNEL);
	ck_assert_str_eq(c.name, "web");
	ck_assert_uint_eq(c.mem, 256ULL << 20);
	ck_assert_uint_eq(c.vcpus, 1);
	/* Everything after the first " -- " is the guest's, untouched. */
	ck_assert_str_eq(c.cmdline, "console=hvc0  quiet -- x");
}
END_TEST

START_TEST(test_defaults)
{
	ck_assert_int_eq(domcfg_parse("  name=a_b-9  ", &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.name, "a_b-9");
	ck_assert_uint_eq(c.mem, DOMAIN_MEM_DEFAULT);
	ck_assert_uint_eq(c.vcpus, 1);
	ck_assert_str_eq(c.cmdline, "");
}
END_TEST

START_TEST(test_ramdisk)
{
	ck_assert_int_eq(domcfg_parse("ramdisk=web", &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.kind, DOMCFG_RAMDISK);
	ck_assert_str_eq(c.name, "web");
	ck_assert_int_eq(domcfg_parse("ramdisk=web mem=4M", &c, err, sizeof(err)), -1);
	ck_assert_int_eq(domcfg_parse("ramdisk=web -- x", &c, err, sizeof(err)), -1);
}
END_TEST

/* Each bad line and a piece of the reason it must give. */
static const struct {
	const char *line, *reason;
} bad[] = {
	{ "", "no name=" },				/* not a domain at all */
	{ "mem=64M", "no name=" },
	{ "name=", "bad name" },			/* empty name */
	{ "name=abcdefghijklmnop", "bad name" },	/* 16 characters */
	{ "name=a/b", "bad name" },			/* would break log prefixes */
	{ "name=x mem=lots", "bad mem" },
	{ "name=x mem=1M", "must be whole pages" },	/* below the minimum */
	{ "name=x mem=5000", "must be whole pages" },	/* not page multiple */
	{ "name=x mem=99999999999999999999", "bad mem" },	/* overflow */
	{ "name=x vcpus=0", "bad vcpus" },
	{ "name=x vcpus=2", "at most 1" },
	{ "name=x colour=blue", "unknown key 'colour'" },
	{ "name=x quiet", "expected key=value" },	/* guest option without -- */
	{ "name=x mem=123456789012345678901234567890123M", "too long" },
	{ "ramdisk=../etc", "bad domain name" },
};

START_TEST(test_bad_lines)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		ck_assert_msg(domcfg_parse(bad[i].line, &c, err, sizeof(err)) == -1,
			      "'%s' accepted", bad[i].line);
		ck_assert_msg(strstr(err, bad[i].reason),
			      "'%s': reason '%s' lacks '%s'", bad[i].line, err, bad[i].reason);
	}
}
END_TEST

START_TEST(test_cmdline_too_long)
{
	static char line[2048];

	strcpy(line, "name=x -- ");
	memset(line + strlen(line), 'a', GUEST_CMDLINE_MAX);	/* 1024 > 1023 */
	ck_assert_int_eq(domcfg_parse(line, &c, err, sizeof(err)), -1);
	ck_assert(strstr(err, "at most 1023"));
	line[strlen("name=x -- ") + GUEST_CMDLINE_MAX - 1] = '\0';	/* exactly 1023 */
	ck_assert_int_eq(domcfg_parse(line, &c, err, sizeof(err)), 0);
}
END_TEST

Suite *domcfg_suite(void)
{
	Suite *s = suite_create("domcfg");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_kernel_full);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_ramdisk);
	tcase_add_test(tc, test_bad_lines);
	tcase_add_test(tc, test_cmdline_too_long);
	suite_add_tcase(s, tc);
	return s;
}
