/*
 * xen_version: every XENVER_* answer, as the guest receives it.
 *
 * Linux asks these before anything else: the version decides which
 * interfaces it trusts, get_features decides its code paths (a feature
 * claimed but missing is a bug found much later), and the strings end up
 * in its logs. So each answer is checked where it is known exactly
 * (version 4.17, capabilities, platform parameters, page size, the
 * feature submap), every string must be NUL-terminated inside its buffer,
 * and a canary after each buffer must survive: the hypervisor writes the
 * buffer's size and not a byte more. Bad requests: a submap index past
 * the last is -EINVAL and leaves the submap alone, an unmapped buffer or
 * one in the hypervisor's range is -EFAULT, an unknown command -ENOSYS.
 */
#include "guest.h"

const char test_title[] = "HYPERVISOR_xen_version answers";

/* What pvisor models: Xen 4.17, and which features it implements. */
#define EXPECTED_VERSION	((4 << 16) | 17)
#define EXPECTED_FEATURES	0xa0u	/* submap 0: mmu_pt_update_preserve_ad, gnttab_map_avail_bits; pv_ring1_kernel in fast mode */

#define CANARY		0x5a
#define UNMAPPED	((void *)0x1000)
#define HV_RANGE	((void *)0xffff830000000000UL)

/* A buffer of n bytes followed by 64 canary bytes. */
static u8 buf[XEN_CAPABILITIES_INFO_LEN + 64];

static void *fresh(u8 fill)
{
	memset(buf, fill, sizeof(buf));
	return buf;
}

static void expect_canary(const char *what, size_t size)
{
	for (size_t i = size; i < sizeof(buf); i++) {
		if (buf[i] != CANARY) {
			test_fail("%s: byte %zu past its %zu-byte buffer was written",
				  what, i - size, size);
			return;
		}
	}
}

/* A string of size bytes: NUL-terminated, printable, non-empty. */
static void expect_string(const char *what, const char *s, size_t size)
{
	size_t len = strnlen(s, size);

	if (len == size) {
		test_fail("%s: no NUL in its %zu bytes", what, size);
		return;
	}
	if (len == 0)
		test_fail("%s: empty", what);
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e) {
			test_fail("%s: byte %zu is %#x, not printable", what, i,
				  (u8)s[i]);
			return;
		}
	}
	printk("%s: \"%s\"\n", what, s);
}

static void string_op(int cmd, const char *what, size_t size)
{
	EXPECT_EQ(HYPERVISOR_xen_version(cmd, fresh(CANARY)), 0);
	expect_string(what, (const char *)buf, size);
	expect_canary(what, size);
}

static void compile_info(void)
{
	struct xen_compile_info *ci = fresh(CANARY);

	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_compile_info, ci), 0);
	expect_string("compiler", ci->compiler, sizeof(ci->compiler));
	expect_string("compile_by", ci->compile_by, sizeof(ci->compile_by));
	expect_string("compile_domain", ci->compile_domain,
		      sizeof(ci->compile_domain));
	expect_string("compile_date", ci->compile_date, sizeof(ci->compile_date));
	expect_canary("compile_info", sizeof(*ci));
}

static void fixed_answers(void)
{
	struct xen_platform_parameters *pp;

	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_version, NULL), EXPECTED_VERSION);
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096);

	string_op(XENVER_capabilities, "capabilities", XEN_CAPABILITIES_INFO_LEN);
	EXPECT_STREQ((const char *)buf, "xen-3.0-x86_64");

	pp = fresh(CANARY);
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_platform_parameters, pp), 0);
	EXPECT_EQ(pp->virt_start, HYPERVISOR_VIRT_START);
	expect_canary("platform_parameters", sizeof(*pp));
}

static void features(void)
{
	struct xen_feature_info *fi = fresh(CANARY);

	fi->submap_idx = 0;
	fi->submap = 0xdeadbeef;
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_get_features, fi), 0);
	EXPECT_EQ(fi->submap_idx, 0);
	EXPECT_EQ(fi->submap, EXPECTED_FEATURES |
		  (guest_fast_mode() ? 1u << XENFEAT_pv_ring1_kernel : 0));
	expect_canary("get_features", sizeof(*fi));

	/* Past the last submap: refused, and nothing written. */
	for (u32 idx = XENFEAT_NR_SUBMAPS; idx <= XENFEAT_NR_SUBMAPS + 1; idx++) {
		fi->submap_idx = idx;
		fi->submap = 0xdeadbeef;
		EXPECT_EQ(HYPERVISOR_xen_version(XENVER_get_features, fi),
			  -XEN_EINVAL);
		EXPECT_EQ(fi->submap, 0xdeadbeef);
	}
	fi->submap_idx = 0xffffffff;
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_get_features, fi), -XEN_EINVAL);
	EXPECT_EQ(fi->submap, 0xdeadbeef);
}

/* Written in full: the same 16 bytes whatever the buffer held before. */
static void guest_handle(void)
{
	u8 first[16];

	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_guest_handle, fresh(0xa5)), 0);
	memcpy(first, buf, sizeof(first));
	memset(buf + 16, CANARY, sizeof(buf) - 16);
	expect_canary("guest_handle", 16);

	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_guest_handle, fresh(0x5a)), 0);
	if (memcmp(first, buf, sizeof(first)))
		test_fail("guest_handle: the 16 bytes depend on what the buffer held");
	expect_canary("guest_handle", 16);
}

static void bad_requests(void)
{
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_capabilities, UNMAPPED), -XEN_EFAULT);
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_extraversion, HV_RANGE), -XEN_EFAULT);
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_get_features, UNMAPPED), -XEN_EFAULT);
	EXPECT_EQ(HYPERVISOR_xen_version(XENVER_platform_parameters, HV_RANGE),
		  -XEN_EFAULT);
	EXPECT_EQ(HYPERVISOR_xen_version(99, buf), -XEN_ENOSYS);
	EXPECT_EQ(HYPERVISOR_xen_version(0x7fffffff, buf), -XEN_ENOSYS);
}

void test_main(const struct start_info *si)
{
	(void)si;
	fixed_answers();
	string_op(XENVER_extraversion, "extraversion", XEN_EXTRAVERSION_LEN);
	string_op(XENVER_changeset, "changeset", XEN_CHANGESET_INFO_LEN);
	compile_info();
	features();
	guest_handle();
	bad_requests();
}
