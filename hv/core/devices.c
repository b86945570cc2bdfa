/*
 * devices.c - the store entries of split-driver devices, the toolstack's
 * part of Xen's split drivers, done by the hypervisor at boot.
 *
 * Runs in: hypervisor (at boot once every domain exists, and when one
 * dies; under the hypervisor lock), and host tests. Pure C over the store
 * (core/xenstore.c): its privileged writes only.
 * Trusts: the device descriptions were checked by domcfg.c; domain ids
 * are the builder's.
 *
 * A split driver is two halves that meet in the store: the frontend in
 * domain F finds /local/domain/F/device/<type>/<id>, whose "backend" node
 * names the backend's directory /local/domain/B/backend/<type>/F/<id>,
 * whose "frontend" node names the frontend's. Each half owns its own
 * directory and may read the other's (permissions "nF rB" and "nB rF", as
 * libxl sets them), so each can watch the other's "state" but neither can
 * change it. Both start in state 1 (Initialising); the drivers take it
 * from there (docs/devices.md has the state machine).
 */
#include "hv.h"
#include "core/devices.h"

#define DEV_PATH_MAX	96	/* "/local/domain/65535/backend/vbd/65535/51952/..." */

/* "nA\0rB\0": A owns, everybody else nothing, B reads. Returns its length. */
static u32 perms_pair(char *out, u32 size, u16 owner, u16 reader)
{
	u32 n = (u32)hv_snprintf(out, size, "n%u", owner) + 1;

	return n + (u32)hv_snprintf(out + n, size - n, "r%u", reader) + 1;
}

/* dir/name = value (a directory with value NULL). */
static int put(struct xs_store *s, const char *dir, const char *name, const char *value)
{
	char path[DEV_PATH_MAX + 32];

	hv_snprintf(path, sizeof(path), "%s/%s", dir, name);
	return value ? xs_priv_write(s, path, value) : xs_priv_mkdir(s, path);
}

static int put_u32(struct xs_store *s, const char *dir, const char *name, u32 v)
{
	char num[12];

	hv_snprintf(num, sizeof(num), "%u", v);
	return put(s, dir, name, num);
}

/*
 * The two directories of one device, each with its owner and reader
 * (children created after the permissions inherit them), and the nodes
 * both halves have: the other end's path and id, state 1.
 */
static int dev_dirs(struct xs_store *s, u16 fe, u16 be, const char *type, u32 id,
		    char *fdir, char *bdir)
{
	char perms[24];
	u32 plen;
	int r;

	hv_snprintf(fdir, DEV_PATH_MAX, "/local/domain/%u/device/%s/%u", fe, type, id);
	hv_snprintf(bdir, DEV_PATH_MAX, "/local/domain/%u/backend/%s/%u/%u", be, type, fe, id);
	r = xs_priv_mkdir(s, fdir);
	plen = perms_pair(perms, sizeof(perms), fe, be);
	r = r ?: xs_priv_set_perms(s, fdir, perms, plen);
	r = r ?: xs_priv_mkdir(s, bdir);
	plen = perms_pair(perms, sizeof(perms), be, fe);
	r = r ?: xs_priv_set_perms(s, bdir, perms, plen);
	r = r ?: put(s, fdir, "backend", bdir);
	r = r ?: put_u32(s, fdir, "backend-id", be);
	r = r ?: put_u32(s, fdir, "state", XENBUS_STATE_INITIALISING);
	r = r ?: put(s, bdir, "frontend", fdir);
	r = r ?: put_u32(s, bdir, "frontend-id", fe);
	r = r ?: put(s, bdir, "online", "1");
	r = r ?: put_u32(s, bdir, "state", XENBUS_STATE_INITIALISING);
	return r;
}

void devices_vif_mac(u16 fe, u32 devid, const struct domcfg_vif *v, u8 mac[6])
{
	if (v->mac_set) {
		memcpy(mac, v->mac, 6);
		return;
	}
	/* Xen's OUI, as libxl's random ones; unique per boot by (domid, devid). */
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	mac[3] = (u8)(fe >> 8);
	mac[4] = (u8)fe;
	mac[5] = (u8)devid;
}

/*
 * A network interface: netfront reads mac and handle; netback reads
 * handle, mac, script (the hotplug script's name, libxl's default here:
 * netback's probe fails without the node, and only hands the name to
 * udev) and hotplug-status, which on Xen the
 * driver domain's hotplug script writes once the vif joined its bridge:
 * netback does not say Connected before it reads "connected". Here the
 * driver domain's own init joins the bridge, so it is written at once.
 */
int devices_write_vif(struct xs_store *s, u16 fe, u16 be, u32 devid,
		      const struct domcfg_vif *v)
{
	char fdir[DEV_PATH_MAX], bdir[DEV_PATH_MAX], mac[18];
	u8 m[6];
	int r;

	devices_vif_mac(fe, devid, v, m);
	hv_snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		    m[0], m[1], m[2], m[3], m[4], m[5]);
	r = dev_dirs(s, fe, be, "vif", devid, fdir, bdir);
	r = r ?: put_u32(s, fdir, "handle", devid);
	r = r ?: put(s, fdir, "mac", mac);
	r = r ?: put_u32(s, bdir, "handle", devid);
	r = r ?: put(s, bdir, "mac", mac);
	r = r ?: put(s, bdir, "bridge", v->bridge);
	r = r ?: put(s, bdir, "type", "vif");
	r = r ?: put(s, bdir, "script", "/etc/xen/scripts/vif-bridge");
	r = r ?: put(s, bdir, "hotplug-status", "connected");
	return r;
}

/*
 * A block device: blkfront reads virtual-device (Xen's number: 202 << 8
 * | disk << 4 for xvdX) and device-type; blkback opens
 * physical-device, "MAJ:MIN" in hex (it scans "%x:%x"), with mode "w" or
 * "r". params and physical-device-path are what the configuration named
 * (on Xen the block hotplug script turns params into physical-device).
 */
int devices_write_vbd(struct xs_store *s, u16 fe, u16 be, const struct domcfg_disk *dk)
{
	char fdir[DEV_PATH_MAX], bdir[DEV_PATH_MAX], pdev[20];
	int r;

	hv_snprintf(pdev, sizeof(pdev), "%x:%x", dk->major, dk->minor);
	r = dev_dirs(s, fe, be, "vbd", dk->vdev_nr, fdir, bdir);
	r = r ?: put_u32(s, fdir, "virtual-device", dk->vdev_nr);
	r = r ?: put(s, fdir, "device-type", "disk");
	r = r ?: put(s, bdir, "params", dk->target);
	r = r ?: put(s, bdir, "type", "phy");
	r = r ?: put(s, bdir, "mode", dk->ro ? "r" : "w");
	r = r ?: put(s, bdir, "dev", dk->vdev);
	r = r ?: put(s, bdir, "removable", "0");
	r = r ?: put(s, bdir, "bootable", "1");
	r = r ?: put(s, bdir, "physical-device", pdev);
	r = r ?: put(s, bdir, "physical-device-path", dk->target);
	return r;
}

/*
 * The backend's directories for fe go: its netback and blkback see their
 * device vanish under the "backend" they watch and release it (unmap the
 * rings, close the event channels), as when libxl removes a device.
 */
void devices_frontend_gone(struct xs_store *s, u16 fe, u16 be)
{
	char path[DEV_PATH_MAX];

	hv_snprintf(path, sizeof(path), "/local/domain/%u/backend/vif/%u", be, fe);
	xs_priv_rm(s, path);
	hv_snprintf(path, sizeof(path), "/local/domain/%u/backend/vbd/%u", be, fe);
	xs_priv_rm(s, path);
}

/*
 * Linux's netfront and blkfront act on the backend's state becoming
 * Closing or Closed; a state node that vanished reads as Unknown, which
 * they ignore: the frontend would wait for a backend that is gone. So
 * the hypervisor puts back the one node the frontend watches, as its own
 * (owner 0), readable by fe alone, saying Closed. Writing it fires fe's
 * watch. It stays until fe dies (devices_frontend_gone removes it).
 */
int devices_tombstone(struct xs_store *s, u16 fe, u16 be, const char *type, u32 devid)
{
	char dir[DEV_PATH_MAX], perms[24];
	u32 plen;
	int r;

	hv_snprintf(dir, sizeof(dir), "/local/domain/%u/backend/%s/%u/%u", be, type, fe, devid);
	r = xs_priv_mkdir(s, dir);	/* its parents: the hypervisor's, "n0" */
	plen = perms_pair(perms, sizeof(perms), XS_DOMID_HV, fe);
	r = r ?: xs_priv_set_perms(s, dir, perms, plen);
	r = r ?: put_u32(s, dir, "state", XENBUS_STATE_CLOSED);
	return r;
}

void devices_backend_forget(struct xs_store *s, u16 be)
{
	char path[DEV_PATH_MAX];

	hv_snprintf(path, sizeof(path), "/local/domain/%u", be);
	xs_priv_rm(s, path);
}
