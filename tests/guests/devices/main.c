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
	if (strcmp(out, want))
		test_fail("%s = '%s', want '%s'", path, out, want);
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

static void role_fe(void)
{
	expect_val("device/vif/0/backend", BE_VIF);
	expect_val("device/vif/0/backend-id", "2");
	expect_val("device/vif/0/state", "1");
	expect_val("device/vif/0/handle", "0");
	expect_val("device/vif/0/mac", "00:16:3e:00:01:00");
	expect_perms(FE_VIF, "n1,r2");
	expect_val("device/vbd/51712/backend", BE_VBD);
	expect_val("device/vbd/51712/backend-id", "2");
	expect_val("device/vbd/51712/state", "1");
	expect_val("device/vbd/51712/virtual-device", "51712");
	expect_val("device/vbd/51712/device-type", "disk");
	expect_perms(FE_VBD, "n1,r2");
	/* the backend's nodes: readable by the frontend they serve */
	expect_val(BE_VIF "/frontend", FE_VIF);
	expect_val(BE_VIF "/frontend-id", "1");
	expect_val(BE_VIF "/mac", "00:16:3e:00:01:00");
	expect_val(BE_VIF "/bridge", "xenbr0");
	expect_val(BE_VIF "/hotplug-status", "connected");
	expect_val(BE_VBD "/physical-device", "1:0");
	expect_val(BE_VBD "/mode", "w");
	expect_perms(BE_VIF, "n2,r1");
	/* its own: it may write them */
	EXPECT_EQ(xs_write(0, "device/vif/0/state", "3"), OK);
	EXPECT_EQ(xs_write(0, "device/vif/0/feature-sg", "1"), OK);
	/* ATTACK: the backend's are not its to change */
	EXPECT_EQ(xs_write(0, BE_VIF "/state", "4"), XE_EACCES);
	EXPECT_EQ(xs_write(0, BE_VIF "/hotplug-status", "x"), XE_EACCES);
	EXPECT_EQ(xs_write(0, BE_VIF "/new", "x"), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_RM, 0, BE_VIF "/state"), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_RM, 0, BE_VIF), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_RM, 0, BE_VBD), XE_EACCES);
	EXPECT_EQ(xs_perms(BE_VIF, "b1", 3), XE_EACCES);
	EXPECT_EQ(xs_write(0, BE_VBD "/physical-device", "8:0"), XE_EACCES);
	/* nor another frontend's, nor the directories above its own device */
	EXPECT_EQ(xs_read(0, FE2_VIF "/state", (char[32]){ 0 }), XE_EACCES);
	EXPECT_EQ(xs_read(0, BE2_VIF "/state", (char[32]){ 0 }), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_DIRECTORY, 0, "/local/domain/2/backend/vif"), XE_EACCES);
	wait_for(BE_VIF "/state", "2");		/* dv_be's own write */
	wait_other();		/* the bystander finished */
	printk("devices fe: entries and walls checked; powering off\n");
}

static void role_be(void)
{
	char list[XENSTORE_PAYLOAD_MAX + 1];
	u32 len;

	EXPECT_EQ(xs_op2(XS_WATCH, "backend", "be"), OK);
	expect_perms("/local/domain/2/backend", "n0,r2");
	EXPECT_EQ(xs_req(XS_DIRECTORY, 0, "backend/vif", 12, NULL, 0, list, &len), OK);
	EXPECT_EQ(len, 4);
	EXPECT(!memcmp(list, "1\0" "4\0", 4));	/* both frontends, in creation order */
	expect_val(BE_VIF "/frontend", FE_VIF);
	expect_val(BE_VIF "/frontend-id", "1");
	expect_val(BE_VIF "/online", "1");
	expect_val(BE_VIF "/state", "1");
	expect_val(BE_VIF "/handle", "0");
	expect_val(BE_VIF "/type", "vif");
	expect_val(BE_VBD "/params", "/dev/ram0");
	expect_val(BE_VBD "/type", "phy");
	expect_val(BE_VBD "/dev", "xvda");
	expect_val(BE_VBD "/physical-device-path", "/dev/ram0");
	expect_val(BE2_VIF "/frontend", FE2_VIF);
	expect_val(BE2_VIF "/mac", "00:16:3e:00:04:00");
	/* the frontends' nodes: readable by their backend */
	expect_val(FE_VIF "/backend", BE_VIF);
	expect_val(FE_VIF "/mac", "00:16:3e:00:01:00");
	expect_val(FE_VBD "/virtual-device", "51712");
	expect_val(FE2_VIF "/backend-id", "2");
	/* ATTACK: not its to change; nor is its backend root */
	EXPECT_EQ(xs_write(0, FE_VIF "/state", "6"), XE_EACCES);
	EXPECT_EQ(xs_write(0, FE_VIF "/backend", BE2_VIF), XE_EACCES);
	EXPECT_EQ(xs_write(0, FE_VIF "/new", "x"), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_RM, 0, FE_VIF), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_RM, 0, FE_VBD "/virtual-device"), XE_EACCES);
	EXPECT_EQ(xs_perms(FE_VIF, "b2", 3), XE_EACCES);
	EXPECT_EQ(xs_write(0, "backend/vif/9/0/state", "1"), XE_EACCES);
	EXPECT_EQ(xs_op1(XS_RM, 0, "backend/vif/4"), XE_EACCES);
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

static void role_other(void)
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

static void role_fe2(void)
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

void test_main(const struct start_info *si)
{
	char role[16];

	if (!shared_info_map())
		test_skip("shared_info cannot be mapped");
	xs_find_store(si);
	if (!cmdline_get("role", role, sizeof(role)))
		test_error("no role= on the command line");
	if (!strcmp(role, "fe"))
		role_fe();
	else if (!strcmp(role, "be"))
		role_be();
	else if (!strcmp(role, "other"))
		role_other();
	else if (!strcmp(role, "fe2"))
		role_fe2();
	else
		test_error("unknown role %s", role);
}
