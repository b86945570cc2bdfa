/*
 * test_domcfg.c - hv/core/domcfg.c: domain descriptions on module lines.
 */
#include <stdio.h>
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
	ck_assert_uint_eq(c.mode, DOMCFG_MODE_COMPAT);
	ck_assert_str_eq(c.cmdline, "");
}
END_TEST

/* mode=: the PV mode, on a module line and on a list line alike. */
START_TEST(test_mode)
{
	ck_assert_int_eq(domcfg_parse("name=f mode=fast", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.mode, DOMCFG_MODE_FAST);
	ck_assert_int_eq(domcfg_parse("name=f mode=compat", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.mode, DOMCFG_MODE_COMPAT);
}
END_TEST

/* vcpus=: up to DOMAIN_VCPUS_MAX (9 is refused, in the table below). */
START_TEST(test_vcpus)
{
	ck_assert_int_eq(domcfg_parse("name=s vcpus=8", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.vcpus, 8);
	ck_assert_int_eq(domcfg_parse("name=s vcpus=2 mode=fast", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.vcpus, 2);
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
	{ "name=x vcpus=9", "at most 8 vCPUs" },
	{ "name=x colour=blue", "unknown key 'colour'" },
	{ "name=x mode=ring0", "bad mode 'ring0': compat or fast" },
	{ "name=x mode=", "bad mode" },
	{ "name=x quiet", "expected key=value" },	/* guest option without -- */
	{ "name=x mem=123456789012345678901234567890123M", "too long" },
	{ "ramdisk=../etc", "bad domain name" },
	{ "image=", "bad image name" },
	{ "image=a/b", "bad image name" },
	{ "image=k mem=4M", "only image=NAME" },
	{ "image=k -- x", "only image=NAME" },
	{ "domains x=1", "unknown key 'x'" },
	{ "domains name=x", "only the word 'domains'" },
	{ "domains -- x", "only the word 'domains'" },
	{ "name=x kernel=k", "unknown key 'kernel'" },	/* list words only */
	/* vif= and disk=: every error names its key */
	{ "name=x vif=", "vif=: no backend=NAME" },
	{ "name=x vif=mac=00:16:3e:00:00:01", "vif=: no backend=NAME" },
	{ "name=x vif=backend", "vif=: 'backend': expected option=value" },
	{ "name=x vif=backend=", "vif=: bad backend name ''" },
	{ "name=x vif=backend=a/b", "vif=: bad backend name 'a/b'" },
	{ "name=x vif=backend=nd,", "vif=: empty option after ','" },
	{ "name=x vif=backend=nd,,mac=1", "vif=: '': expected option=value" },
	{ "name=x vif=backend=nd,colour=red", "vif=: unknown option 'colour' (backend, mac, bridge)" },
	{ "name=x vif=backend=nd,backend=n2", "vif=: backend= given twice" },
	{ "name=x vif=backend=nd,mac=00:16:3e:00:00", "vif=: bad mac" },
	{ "name=x vif=backend=nd,mac=00:16:3e:00:00:0g", "vif=: bad mac" },
	{ "name=x vif=backend=nd,mac=00-16-3e-00-00-01", "vif=: bad mac" },
	{ "name=x vif=backend=nd,mac=00:16:3e:00:00:011", "vif=: bad mac" },
	{ "name=x vif=backend=nd,mac=01:16:3e:00:00:01", "not multicast" },
	{ "name=x vif=backend=nd,bridge=", "vif=: bad bridge ''" },
	{ "name=x vif=backend=nd,bridge=abcdefghijklmnop", "vif=: bad bridge" },
	{ "name=x vif=backend=nd,bridge=a/b", "vif=: bad bridge" },
	{ "name=x vif=backend=x", "vif=backend=x: a domain cannot be its own backend" },
	{ "vif=backend=x name=x", "a domain cannot be its own backend" },	/* name after */
	{ "name=x vif=backend=a vif=backend=a vif=backend=a vif=backend=a vif=backend=a",
	  "vif=: more than 4 vifs" },
	{ "name=x disk=backend=nd,target=/dev/ram0", "disk=: needs backend=NAME,target=TARGET,vdev=xvdX" },
	{ "name=x disk=backend=nd,vdev=xvda", "disk=: needs" },
	{ "name=x disk=target=/dev/ram0,vdev=xvda", "disk=: needs" },
	{ "name=x disk=backend=nd,target=/dev/ram0,vdev=xvda,size=1",
	  "disk=: unknown option 'size' (backend, target, vdev, access)" },
	{ "name=x disk=backend=a/b,target=/dev/ram0,vdev=xvda", "disk=: bad backend name 'a/b'" },
	{ "name=x disk=backend=nd,target=/dev/ram0,backend=n2", "disk=: backend= given twice" },
	{ "name=x disk=backend=nd,target=/dev/ram0,vdev=xvda,vdev=xvdb", "disk=: vdev= given twice" },
	{ "name=x disk=backend=nd,target=/dev/sda,vdev=xvda", "disk=: bad target '/dev/sda'" },
	{ "name=x disk=backend=nd,target=/dev/ram,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=/dev/ram-1,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=/dev/ram1048576,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=8,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=8:,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=:1,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=0:1,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=4096:0,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=8:1048576,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=0x8:1,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=8:+1,vdev=xvda", "disk=: bad target" },
	/* a valid number, but longer than the target's room (leading zeros) */
	{ "name=x disk=backend=nd,target=/dev/ram00000000000000000000000001,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=0000000000000000000008:1,vdev=xvda", "disk=: bad target" },
	{ "name=x disk=backend=nd,target=/dev/ram0,vdev=sda", "disk=: bad vdev 'sda'" },
	{ "name=x disk=backend=nd,target=/dev/ram0,vdev=xvd", "disk=: bad vdev" },
	{ "name=x disk=backend=nd,target=/dev/ram0,vdev=xvdA", "disk=: bad vdev" },
	{ "name=x disk=backend=nd,target=/dev/ram0,vdev=xvdaa", "disk=: bad vdev" },
	{ "name=x disk=backend=nd,target=/dev/ram0,vdev=xvda,access=w", "disk=: bad access 'w'" },
	{ "name=x disk=backend=nd,target=/dev/ram0,vdev=xvda disk=backend=nd,target=/dev/ram1,vdev=xvda",
	  "disk=: vdev xvda used twice" },
	{ "name=x disk=backend=x,target=/dev/ram0,vdev=xvda", "disk=backend=x: a domain cannot be its own backend" },
	{ "name=x disk=backend=a,target=1:0,vdev=xvda disk=backend=a,target=1:1,vdev=xvdb "
	  "disk=backend=a,target=1:2,vdev=xvdc disk=backend=a,target=1:3,vdev=xvdd "
	  "disk=backend=a,target=1:4,vdev=xvde", "disk=: more than 4 disks" },
	{ "name=x vif=backend=nd,bridge=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "value of 'vif' is too long" },
	{ "ramdisk=web vif=backend=nd", "only ramdisk=NAME" },
	{ "image=k disk=backend=nd,target=1:0,vdev=xvda", "only image=NAME" },
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

/* vif= and disk=: defaults, every option, repeats in order, either line. */
START_TEST(test_devices)
{
	const struct domcfg_devs *v = &c.devs;

	ck_assert_int_eq(domcfg_parse("name=fe vif=backend=nd vif=backend=n2,mac=02:AB:cd:00:00:ff,"
				      "bridge=br.1 mem=32M -- vif=not-ours", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(v->nr_vifs, 2);
	ck_assert_uint_eq(v->nr_disks, 0);
	ck_assert_str_eq(v->vif[0].backend, "nd");
	ck_assert(!v->vif[0].mac_set);
	ck_assert_str_eq(v->vif[0].bridge, "xenbr0");
	ck_assert_str_eq(v->vif[1].backend, "n2");
	ck_assert(v->vif[1].mac_set);
	ck_assert_mem_eq(v->vif[1].mac, "\x02\xab\xcd\x00\x00\xff", 6);
	ck_assert_str_eq(v->vif[1].bridge, "br.1");
	ck_assert_str_eq(c.cmdline, "vif=not-ours");	/* the guest's, untouched */

	ck_assert_int_eq(domcfg_parse("name=fe disk=backend=nd,target=/dev/ram0,vdev=xvda "
				      "disk=vdev=xvdz,access=ro,target=253:16,backend=nd "
				      "disk=backend=nd,target=/dev/ram1048575,vdev=xvdb,access=rw "
				      "disk=backend=nd,target=4095:1048575,vdev=xvdc",
				      &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(v->nr_disks, 4);
	ck_assert_str_eq(v->disk[0].backend, "nd");
	ck_assert_str_eq(v->disk[0].target, "/dev/ram0");
	ck_assert_uint_eq(v->disk[0].major, 1);
	ck_assert_uint_eq(v->disk[0].minor, 0);
	ck_assert_str_eq(v->disk[0].vdev, "xvda");
	ck_assert_uint_eq(v->disk[0].vdev_nr, 51712);	/* Xen's xvda */
	ck_assert(!v->disk[0].ro);
	ck_assert_str_eq(v->disk[1].target, "253:16");
	ck_assert_uint_eq(v->disk[1].major, 253);
	ck_assert_uint_eq(v->disk[1].minor, 16);
	ck_assert_uint_eq(v->disk[1].vdev_nr, 202 << 8 | 25 << 4);
	ck_assert(v->disk[1].ro);
	ck_assert_uint_eq(v->disk[2].minor, 1048575);
	ck_assert_uint_eq(v->disk[2].vdev_nr, 51728);
	ck_assert(!v->disk[2].ro);
	ck_assert_uint_eq(v->disk[3].major, 4095);

	/* a domain list line takes them too; none by default */
	ck_assert_int_eq(domcfg_parse("name=plain", &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(v->nr_vifs + v->nr_disks, 0);
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

START_TEST(test_image_and_list_modules)
{
	ck_assert_int_eq(domcfg_parse("image=linux-6_1", &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.kind, DOMCFG_IMAGE);
	ck_assert_str_eq(c.name, "linux-6_1");
	ck_assert_int_eq(domcfg_parse("  domains ", &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.kind, DOMCFG_LIST);
	/* "domains" is a word, not a prefix. */
	ck_assert_int_eq(domcfg_parse("domainsx", &c, err, sizeof(err)), -1);
}
END_TEST

/* ---- Domain lists ---- */

static char buf[DOMLIST_LINE_MAX];

static int next(struct domlist *l)
{
	err[0] = '\0';
	return domlist_next(l, buf, sizeof(buf), &c, err, sizeof(err));
}

START_TEST(test_list_good)
{
	static const char text[] =
		"# the class\n"
		"\n"
		"name=s1 kernel=linux ramdisk=initrd mem=40M vcpus=1 -- console=hvc0 x=#1\n"
		"   \t \r\n"
		"\tname=s2\tkernel=k\r\n"
		"   # indented comment\n"
		"name=s3 kernel=k mem=4M mode=fast vif=backend=s1 disk=backend=s2,target=1:0,vdev=xvdc";	/* no final newline */
	struct domlist l;

	ck_assert_int_eq(domlist_count(text, strlen(text)), 3);
	domlist_init(&l, text, strlen(text));
	ck_assert_int_eq(next(&l), 1);
	ck_assert_int_eq(l.lineno, 3);
	ck_assert_int_eq(c.kind, DOMCFG_LISTED);
	ck_assert_str_eq(c.name, "s1");
	ck_assert_str_eq(c.kernel, "linux");
	ck_assert_str_eq(c.ramdisk, "initrd");
	ck_assert_uint_eq(c.mem, 40ULL << 20);
	ck_assert_str_eq(c.cmdline, "console=hvc0 x=#1");	/* '#' inside: the guest's */
	ck_assert_int_eq(next(&l), 1);
	ck_assert_int_eq(l.lineno, 5);
	ck_assert_str_eq(c.name, "s2");
	ck_assert_str_eq(c.kernel, "k");
	ck_assert_str_eq(c.ramdisk, "");
	ck_assert_uint_eq(c.mem, DOMAIN_MEM_DEFAULT);
	ck_assert_str_eq(c.cmdline, "");
	ck_assert_int_eq(next(&l), 1);
	ck_assert_int_eq(l.lineno, 7);
	ck_assert_str_eq(c.name, "s3");
	ck_assert_uint_eq(c.mem, 4ULL << 20);
	ck_assert_uint_eq(c.mode, DOMCFG_MODE_FAST);
	ck_assert_uint_eq(c.devs.nr_vifs, 1);
	ck_assert_str_eq(c.devs.vif[0].backend, "s1");
	ck_assert_uint_eq(c.devs.nr_disks, 1);
	ck_assert_str_eq(c.devs.disk[0].backend, "s2");
	ck_assert_uint_eq(c.devs.disk[0].vdev_nr, 51744);
	ck_assert_int_eq(next(&l), 0);
	ck_assert_int_eq(next(&l), 0);
	ck_assert_int_eq(domlist_count("", 0), 0);
	ck_assert_int_eq(domlist_count("\n\n#x\n", 5), 0);
}
END_TEST

/* Each bad list line, the reason, and whether the name was read before it. */
static const struct {
	const char *line, *reason, *name;
} bad_list[] = {
	{ "kernel=k mem=4M", "no name=", "" },
	{ "name=x", "no kernel=IMG", "x" },
	{ "name=x kernel=k mem=1M", "must be whole pages", "x" },
	{ "name=x kernel=k vcpus=9", "at most 8 vCPUs", "x" },
	{ "name=x kernel=a/b", "bad image name", "x" },
	{ "name=x kernel=k ramdisk=", "bad image name", "x" },
	{ "name=x kernel=k image=k", "unknown key 'image'", "x" },	/* module words only */
	{ "name=x kernel=k colour=red", "unknown key 'colour'", "x" },
	{ "name=x kernel=k mode=Fast", "bad mode", "x" },
	{ "name=x kernel=k quiet", "expected key=value", "x" },
	{ "name=abcdefghijklmnop kernel=k", "bad name", "" },
	{ "domains", "expected key=value", "" },	/* not a list inside a list */
	{ "name=x kernel=k vif=backend=x", "vif=backend=x: a domain cannot be its own backend", "x" },
	{ "name=x kernel=k vif=backend=y,mac=ff:ff:ff:ff:ff:ff", "vif=: bad mac", "x" },
	{ "name=x kernel=k disk=backend=y,target=/dev/ram0,vdev=hda", "disk=: bad vdev", "x" },
};

START_TEST(test_list_bad)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_list); i++) {
		char text[128];
		struct domlist l;

		/* A good line around each bad one: the list goes on after it. */
		snprintf(text, sizeof(text), "name=a kernel=k\n%s\nname=b kernel=k\n",
			 bad_list[i].line);
		domlist_init(&l, text, strlen(text));
		ck_assert_int_eq(next(&l), 1);
		ck_assert_msg(next(&l) == -1, "'%s' accepted", bad_list[i].line);
		ck_assert_int_eq(l.lineno, 2);
		ck_assert_msg(strstr(err, bad_list[i].reason),
			      "'%s': reason '%s' lacks '%s'", bad_list[i].line, err,
			      bad_list[i].reason);
		ck_assert_str_eq(c.name, bad_list[i].name);
		ck_assert_int_eq(next(&l), 1);
		ck_assert_str_eq(c.name, "b");
		ck_assert_int_eq(l.lineno, 3);
		ck_assert_int_eq(next(&l), 0);
	}
}
END_TEST

START_TEST(test_list_long_and_nul)
{
	static char text[DOMLIST_LINE_MAX + 64];
	static const char nul[] = "name=a kernel=k -- a\0b\nname=b kernel=k\n";
	struct domlist l;
	size_t n;

	/* A line of exactly the buffer's size does not fit (its NUL would not). */
	strcpy(text, "name=a kernel=k -- ");
	n = strlen(text);
	memset(text + n, 'x', DOMLIST_LINE_MAX - n);
	strcpy(text + DOMLIST_LINE_MAX, "\nname=b kernel=k\n");
	domlist_init(&l, text, strlen(text));
	ck_assert_int_eq(next(&l), -1);
	ck_assert(strstr(err, "line 1 is"));
	ck_assert_int_eq(next(&l), 1);
	ck_assert_str_eq(c.name, "b");

	domlist_init(&l, nul, sizeof(nul) - 1);
	ck_assert_int_eq(next(&l), -1);
	ck_assert(strstr(err, "NUL"));
	ck_assert_int_eq(next(&l), 1);
	ck_assert_str_eq(c.name, "b");
}
END_TEST

START_TEST(test_resolve)
{
	static const u8 k_data[1], r_data[1];
	static const struct domcfg_image imgs[] = {
		{ "linux", k_data, 1 }, { "initrd", r_data, 1 },
	};
	const struct domcfg_image *k, *r;
	struct domlist l;
	static const char text[] =
		"name=a kernel=linux ramdisk=initrd\n"
		"name=b kernel=linux\n"
		"name=c kernel=nope ramdisk=initrd\n"
		"name=d kernel=linux ramdisk=nope2\n"
		"name=e kernel=initrd ramdisk=linux\n";

	domlist_init(&l, text, strlen(text));
	ck_assert_int_eq(next(&l), 1);
	ck_assert_int_eq(domcfg_resolve(&c, imgs, 2, &k, &r, err, sizeof(err)), 0);
	ck_assert_ptr_eq(k, &imgs[0]);
	ck_assert_ptr_eq(r, &imgs[1]);
	ck_assert_int_eq(next(&l), 1);
	ck_assert_int_eq(domcfg_resolve(&c, imgs, 2, &k, &r, err, sizeof(err)), 0);
	ck_assert_ptr_eq(k, &imgs[0]);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(next(&l), 1);
	ck_assert_int_eq(domcfg_resolve(&c, imgs, 2, &k, &r, err, sizeof(err)), -1);
	ck_assert(strstr(err, "no image 'nope' (kernel=nope)"));
	ck_assert_int_eq(next(&l), 1);
	ck_assert_int_eq(domcfg_resolve(&c, imgs, 2, &k, &r, err, sizeof(err)), -1);
	ck_assert(strstr(err, "no image 'nope2' (ramdisk=nope2)"));
	ck_assert_int_eq(next(&l), 1);	/* any image may serve either role */
	ck_assert_int_eq(domcfg_resolve(&c, imgs, 2, &k, &r, err, sizeof(err)), 0);
	ck_assert_ptr_eq(k, &imgs[1]);
	ck_assert_ptr_eq(r, &imgs[0]);
	ck_assert_ptr_null(domcfg_find_image(imgs, 0, "linux"));	/* n respected */
	ck_assert_ptr_eq(domcfg_find_image(imgs, 2, "initrd"), &imgs[1]);
}
END_TEST

Suite *domcfg_suite(void)
{
	Suite *s = suite_create("domcfg");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_kernel_full);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_ramdisk);
	tcase_add_test(tc, test_mode);
	tcase_add_test(tc, test_vcpus);
	tcase_add_test(tc, test_bad_lines);
	tcase_add_test(tc, test_devices);
	tcase_add_test(tc, test_cmdline_too_long);
	tcase_add_test(tc, test_image_and_list_modules);
	tcase_add_test(tc, test_list_good);
	tcase_add_test(tc, test_list_bad);
	tcase_add_test(tc, test_list_long_and_nul);
	tcase_add_test(tc, test_resolve);
	suite_add_tcase(s, tc);
	return s;
}
