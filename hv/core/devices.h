/*
 * devices.h - the store entries of split-driver devices (vif=, disk=):
 * what Xen's toolstack writes for a frontend and its backend, and what it
 * removes when either dies. docs/devices.md describes them.
 */
#ifndef HV_CORE_DEVICES_H
#define HV_CORE_DEVICES_H

#include "hv.h"
#include "core/domcfg.h"
#include "core/xenstore.h"

/* Xen's xenbus states (include/xen/io/xenbus.h), as the store's values. */
#define XENBUS_STATE_INITIALISING	1
#define XENBUS_STATE_CLOSED		6

/* A vif's MAC: the one given, or 00:16:3e (Xen's prefix) + domid + devid. */
void devices_vif_mac(u16 fe, u32 devid, const struct domcfg_vif *v, u8 mac[6]);

/*
 * Every entry of one device, frontend fe served by backend be (both in
 * the store already): 0 or -XS_E*. Written by the hypervisor (no quota
 * check); the nodes' owners are fe (frontend half) and be (backend half),
 * and are charged to them, as on Xen.
 */
int devices_write_vif(struct xs_store *s, u16 fe, u16 be, u32 devid,
		      const struct domcfg_vif *v);
int devices_write_vbd(struct xs_store *s, u16 fe, u16 be,
		      const struct domcfg_disk *dk);

/* The frontend fe is gone: be's directories for it go (all its devices). */
void devices_frontend_gone(struct xs_store *s, u16 fe, u16 be);

/*
 * The backend be is gone (its /local/domain/<be> removed): leave the
 * frontend fe a tombstone, <backend path>/state = 6 (Closed), readable
 * by fe only, so that its driver closes the device instead of waiting.
 * type is "vif" or "vbd", devid the device's number there.
 */
int devices_tombstone(struct xs_store *s, u16 fe, u16 be, const char *type, u32 devid);

/* No frontend needs be's tombstones any more: its whole directory goes. */
void devices_backend_forget(struct xs_store *s, u16 be);

#endif /* HV_CORE_DEVICES_H */
