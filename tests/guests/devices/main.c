/*
 * devices: the store entries the hypervisor writes for split-driver
 * devices (vif=, disk= on a domain's line; docs/devices.md), seen from
 * the domains themselves through their store rings, and what each side
 * sees when the other dies.
 *
 * Four domains, one image, a role each (domains.list; ids in order):
 *  role=fe (1, dv_fe: vif 0 and disk xvda served by dv_be): reads its
 *   frontend entries (backend path, backend-id, state 1, handle, mac
 *   00:16:3e:00:01:00; virtual-device 51712, device-type disk) and, as
 *   the backend's reader, the backend's (frontend, frontend-id, state,
 *   mac, bridge, hotplug-status, physical-device 1:0 in hex, mode w).
 *   Writes its own state (it owns the directory). ATTACK: writing,
 *   creating, removing or re-permissioning the backend's nodes: EACCES.
 *   Waits for the backend's state 2 (written by dv_be) and for the
 *   bystander to finish, then powers off: its backend directories must go.
 *  role=be (2, dv_be): watches "backend" (as Linux's backend bus), reads
 *   both frontends' entries and its own; ATTACK: writing or removing the
 *   frontend's nodes, writing under its backend root (the hypervisor's):
 *   EACCES. Writes its state 2 for dv_fe's vif; then waits for dv_fe to
 *   die: a watch event for backend/vif/1 and backend/vbd/1, both gone,
 *   dv_fe2's still there. Once dv_fe2 says it watches (its state 3),
 *   powers off.
 *  role=other (3, dv_other): reads nothing of the pair (EACCES on both
 *   halves), then says done in data/done, readable by dv_fe.
 *  role=fe2 (4, dv_fe2: vif 0 served by dv_be): watches its backend's
 *   state (as netfront) and waits: when dv_be dies it must see an event
 *   and read 6 (Closed: the hypervisor's tombstone), which it may not
 *   change.
 * tests/guests/run checks every RESULT, the hypervisor's lines naming the
 * devices, and its store leak check at each domain's end.
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "xs_client.h"

const char test_title[] = "split-driver devices from the domain list: store entries, permissions, teardown";

#define WAIT_S	30	/* for another domain: QEMU TCG on a busy host (the run allows 60) */

static void expect_val(const char *path, const char *want)
{
	char out[XENSTORE_PAYLOAD_MAX + 1];
	int r = xs_read(0, path, out);

	if (r != OK)
		test_fail("read %s: error %d", path, r);
	else if (strcmp(out, want))
		test_fail("%s = '%s', want '%s'", path, out, want);
}

/* Nodes and the values they must read. */
struct want {
	const char *path, *val;
};

static void expect_vals(const struct want *w, u32 n)
{
	for (u32 i = 0; i < n; i++)
		expect_val(w[i].path, w[i].val);
}

/*
 * Requests that must be refused with EACCES: XS_WRITE of val,
 * XS_SET_PERMS of the one entry val, or another type of path alone.
 */
struct denied {
	u32 type;
	const char *path, *val;
};

static void expect_denied(const struct denied *d, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		const char *p = d[i].path, *v = d[i].val;
		int r;

		if (d[i].type == XS_WRITE)
			r = xs_write(0, p, v);
		else if (d[i].type == XS_SET_PERMS)
			r = xs_perms(p, v, (u32)strlen(v) + 1);
		else
			r = xs_op1(d[i].type, 0, p);
		if (r != XE_EACCES)
			test_fail("request %u of %s%s%s: %d, want EACCES", d[i].type, p,
				  v ? " = " : "", v ? v : "", r);
	}
}

/* A node's permissions as "n1,r2". */
static void expect_perms(const char *path, const char *want)
{
	char out[256], list[256];
	u32 len = 0, o = 0;

	if (xs_req(XS_GET_PERMS, 0, path, (u32)strlen(path) + 1, NULL, 0, out, &len) != OK)
		test_fail("get_perms %s failed", path);
	list[0] = '\0';
	for (u32 i = 0; i < len; i += (u32)strlen(out + i) + 1)
		o += (u32)hv_snprintf(list + o, sizeof(list) - o, "%s%s", i ? "," : "", out + i);
	if (strcmp(list, want))
		test_fail("%s: permissions %s, want %s", path, list, want);
}

/* Poll path until it reads want (or, want NULL, until it is gone). */
static void wait_for(const char *path, const char *want)
{
	u64 deadline = system_time() + WAIT_S * NSEC_PER_SEC;
	char out[XENSTORE_PAYLOAD_MAX + 1];

	for (;;) {
		int r = xs_read(0, path, out);

		if (want ? r == OK && !strcmp(out, want) : r == XE_ENOENT)
			return;
		if (system_time() > deadline)
			test_fail("waited %d s for %s to %s%s (error %d, '%s')", WAIT_S, path,
				  want ? "read " : "vanish", want ? want : "", r, r == OK ? out : "");
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

/*
 * dv_other said done, or has already powered off (its directory gone:
 * it powers off only after writing done, and its RESULT judges it).
 */
static void wait_other(void)
{
	u64 deadline = system_time() + WAIT_S * NSEC_PER_SEC;
	char out[16];

	while (xs_read(0, "/local/domain/3/data/done", out) != OK &&
	       xs_read(0, "/local/domain/3", out) != XE_ENOENT) {
		if (system_time() > deadline)
			test_fail("the bystander never said done");
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

#define FE_VIF	"/local/domain/1/device/vif/0"
#define FE_VBD	"/local/domain/1/device/vbd/51712"
#define BE_VIF	"/local/domain/2/backend/vif/1/0"
#define BE_VBD	"/local/domain/2/backend/vbd/1/51712"
#define FE2_VIF	"/local/domain/4/device/vif/0"
#define BE2_VIF	"/local/domain/2/backend/vif/4/0"

static void role_fe(const struct start_info *si __attribute__((unused)))
{
	static const struct want vals[] = {
		{ "device/vif/0/backend", BE_VIF },
		{ "device/vif/0/backend-id", "2" },
		{ "device/vif/0/state", "1" },
		{ "device/vif/0/handle", "0" },
		{ "device/vif/0/mac", "00:16:3e:00:01:00" },
		{ "device/vbd/51712/backend", BE_VBD },
		{ "device/vbd/51712/backend-id", "2" },
		{ "device/vbd/51712/state", "1" },
		{ "device/vbd/51712/virtual-device", "51712" },
		{ "device/vbd/51712/device-type", "disk" },
		/* the backend's nodes: readable by the frontend they serve */
		{ BE_VIF "/frontend", FE_VIF },
		{ BE_VIF "/frontend-id", "1" },
		{ BE_VIF "/mac", "00:16:3e:00:01:00" },
		{ BE_VIF "/bridge", "xenbr0" },
		{ BE_VIF "/hotplug-status", "connected" },
		{ BE_VBD "/physical-device", "1:0" },
		{ BE_VBD "/mode", "w" },
	};
	static const struct denied attacks[] = {
		/* the backend's are not its to change */
		{ XS_WRITE, BE_VIF "/state", "4" },
		{ XS_WRITE, BE_VIF "/hotplug-status", "x" },
		{ XS_WRITE, BE_VIF "/new", "x" },
		{ XS_RM, BE_VIF "/state", NULL },
		{ XS_RM, BE_VIF, NULL },
		{ XS_RM, BE_VBD, NULL },
		{ XS_SET_PERMS, BE_VIF, "b1" },
		{ XS_WRITE, BE_VBD "/physical-device", "8:0" },
		/* nor another frontend's, nor the directories above its own device */
		{ XS_READ, FE2_VIF "/state", NULL },
		{ XS_READ, BE2_VIF "/state", NULL },
		{ XS_DIRECTORY, "/local/domain/2/backend/vif", NULL },
	};

	expect_vals(vals, ARRAY_SIZE(vals));
	expect_perms(FE_VIF, "n1,r2");
	expect_perms(FE_VBD, "n1,r2");
	expect_perms(BE_VIF, "n2,r1");
	/* its own: it may write them */
	EXPECT_EQ(xs_write(0, "device/vif/0/state", "3"), OK);
	EXPECT_EQ(xs_write(0, "device/vif/0/feature-sg", "1"), OK);
	/* ATTACK */
	expect_denied(attacks, ARRAY_SIZE(attacks));
	wait_for(BE_VIF "/state", "2");		/* dv_be's own write */
	wait_other();		/* the bystander finished */
	printk("devices fe: entries and walls checked; powering off\n");
}

static void role_be(const struct start_info *si __attribute__((unused)))
{
	static const struct want vals[] = {
		{ BE_VIF "/frontend", FE_VIF },
		{ BE_VIF "/frontend-id", "1" },
		{ BE_VIF "/online", "1" },
		{ BE_VIF "/state", "1" },
		{ BE_VIF "/handle", "0" },
		{ BE_VIF "/type", "vif" },
		{ BE_VBD "/params", "/dev/ram0" },
		{ BE_VBD "/type", "phy" },
		{ BE_VBD "/dev", "xvda" },
		{ BE_VBD "/physical-device-path", "/dev/ram0" },
		{ BE2_VIF "/frontend", FE2_VIF },
		{ BE2_VIF "/mac", "00:16:3e:00:04:00" },
		/* the frontends' nodes: readable by their backend */
		{ FE_VIF "/backend", BE_VIF },
		{ FE_VIF "/mac", "00:16:3e:00:01:00" },
		{ FE_VBD "/virtual-device", "51712" },
		{ FE2_VIF "/backend-id", "2" },
	};
	static const struct denied attacks[] = {
		/* not its to change; nor is its backend root */
		{ XS_WRITE, FE_VIF "/state", "6" },
		{ XS_WRITE, FE_VIF "/backend", BE2_VIF },
		{ XS_WRITE, FE_VIF "/new", "x" },
		{ XS_RM, FE_VIF, NULL },
		{ XS_RM, FE_VBD "/virtual-device", NULL },
		{ XS_SET_PERMS, FE_VIF, "b2" },
		{ XS_WRITE, "backend/vif/9/0/state", "1" },
		{ XS_RM, "backend/vif/4", NULL },
	};
	char list[XENSTORE_PAYLOAD_MAX + 1];
	u32 len;

	EXPECT_EQ(xs_op2(XS_WATCH, "backend", "be"), OK);
	expect_perms("/local/domain/2/backend", "n0,r2");
	EXPECT_EQ(xs_req(XS_DIRECTORY, 0, "backend/vif", 12, NULL, 0, list, &len), OK);
	EXPECT_EQ(len, 4);
	EXPECT(!memcmp(list, "1\0" "4\0", 4));	/* both frontends, in creation order */
	expect_vals(vals, ARRAY_SIZE(vals));
	/* ATTACK */
	expect_denied(attacks, ARRAY_SIZE(attacks));
	/* its own: as netback, it says InitWait */
	EXPECT_EQ(xs_write(0, BE_VIF "/state", "2"), OK);

	/* dv_fe powers off: its directories here go, with a watch event */
	wait_for(BE_VIF "/state", NULL);
	wait_for(BE_VBD "/state", NULL);
	EXPECT_EQ(xs_read(0, "backend/vif/1", list), XE_ENOENT);
	EXPECT_EQ(xs_read(0, "backend/vbd/1", list), XE_ENOENT);
	expect_val(BE2_VIF "/state", "1");	/* the other frontend's stays */
	EXPECT(xs_count_events("backend/vif/1|be") >= 1);
	EXPECT(xs_count_events("backend/vbd/1|be") >= 1);
	wait_for(FE2_VIF "/state", "3");	/* dv_fe2 watches: now it may see us go */
	printk("devices be: frontend 1's directories vanished (%d events); powering off\n", xs_nev);
}

static void role_other(const struct start_info *si __attribute__((unused)))
{
	static const char *const paths[] = {
		FE_VIF "/state", FE_VIF, FE_VBD "/virtual-device", BE_VIF "/state", BE_VIF,
		BE_VBD "/physical-device", FE2_VIF "/mac", BE2_VIF "/mac",
	};
	char out[XENSTORE_PAYLOAD_MAX + 1];

	for (u32 i = 0; i < ARRAY_SIZE(paths); i++) {
		int r = xs_read(0, paths[i], out);

		if (r != XE_EACCES)
			test_fail("the bystander read %s: %d, want EACCES", paths[i], r);
		EXPECT_EQ(xs_write(0, paths[i], "x"), XE_EACCES);
	}
	EXPECT_EQ(xs_op1(XS_DIRECTORY, 0, "/local/domain/2/backend"), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_DIRECTORY, 0, "/local/domain/1/device"), XE_EACCES);
	EXPECT_EQ(xs_read(0, "device/vif/0/state", out), XE_ENOENT);	/* it has none */
	EXPECT_EQ(xs_write(0, "data/done", "1"), OK);
	EXPECT_EQ(xs_perms("data/done", "n3\0r1", 6), OK);
}

static void role_fe2(const struct start_info *si __attribute__((unused)))
{
	char out[32];
	u64 deadline = system_time() + WAIT_S * NSEC_PER_SEC;

	expect_val("device/vif/0/backend", BE2_VIF);
	expect_val("device/vif/0/mac", "00:16:3e:00:04:00");
	EXPECT_EQ(xs_op2(XS_WATCH, BE2_VIF "/state", "st"), OK);
	expect_val(BE2_VIF "/state", "1");
	EXPECT_EQ(xs_write(0, "device/vif/0/state", "3"), OK);	/* dv_be waits for it */
	/* dv_be powers off: its state must read Closed, with an event */
	for (;;) {
		int r = xs_read(0, BE2_VIF "/state", out);

		if (r == OK && !strcmp(out, "6"))
			break;
		if (r != OK && r != XE_ENOENT)
			test_fail("read of the backend's state: error %d", r);
		if (system_time() > deadline)
			test_fail("the backend's state never said 6 (error %d, '%s')", r,
				  r == OK ? out : "");
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	EXPECT(xs_count_events(BE2_VIF "/state|st") >= 2);	/* the first, and the tombstone */
	expect_perms(BE2_VIF "/state", "n0,r4");
	/* ATTACK: the tombstone is the hypervisor's */
	EXPECT_EQ(xs_write(0, BE2_VIF "/state", "4"), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_RM, 0, BE2_VIF), XE_EACCES);
	EXPECT_EQ(xs_read(0, "/local/domain/2/name", out), XE_ENOENT);	/* gone otherwise */
	printk("devices fe2: the dead backend's state reads 6 (%d events)\n", xs_nev);
}

static const struct xs_role roles[] = {
	{ "fe", role_fe },
	{ "be", role_be },
	{ "other", role_other },
	{ "fe2", role_fe2 },
};

void test_main(const struct start_info *si)
{
	xs_test_roles(si, roles, sizeof(roles) / sizeof(roles[0]));
}
