/*
 * xs_client.h - a xenstore client for test guests: the store's ring page
 * and event channel (start_info's store_mfn and store_evtchn), requests
 * and their replies, as Linux's xenbus speaks to them.
 *
 * Runs in: test guests, guest kernel mode; polled (no event handler: a
 * reply is waited for by reading the ring, yielding between looks).
 *
 * One request at a time: xs_req() sends it and reads messages until its
 * reply. Watch events that come meanwhile are kept in xs_events[] (the
 * first XS_MAX_EVENTS of them, as "path|token"), never returned as replies.
 * Errors come back as the XE_* numbers below (the order of
 * xs_err_code()'s names), a reply that did not come as E_TIMEOUT.
 */
#ifndef GUEST_XS_CLIENT_H
#define GUEST_XS_CLIENT_H

#include "guest.h"
#include "pvabi/xs_wire.h"

enum { OK = 0, E_TIMEOUT = 1000, E_OTHER };
#define XE_EINVAL 1
#define XE_EACCES 2
#define XE_EEXIST 3
#define XE_ENOENT 4
#define XE_ENOSPC 5
#define XE_EAGAIN 6
#define XE_EPERM 7
#define XE_EQUOTA 8

#define XS_MAX_EVENTS	8
#define XS_EVENT_LEN	128

/* The ring (mapped by xs_find_store()) and the next request's id. */
extern volatile struct xenstore_domain_interface *xs_ring;
extern u32 xs_next_id;
/* Watch events seen so far (a test may reset xs_nev to 0). */
extern char xs_events[XS_MAX_EVENTS][XS_EVENT_LEN];
extern int xs_nev;

/*
 * Find the ring from start_info (through the M2P, in the initial
 * mapping) and check the port is interdomain to DOMID_XEN and the ring
 * error-free; test_error() if start_info names no store.
 */
void xs_find_store(const struct start_info *si);
/* Tell the store the ring changed. */
void xs_kick(void);
/* Put bytes in the request ring; false if it stays full for 2 s. */
bool xs_ring_put(const void *p, u32 len);
/* Take len bytes of the response ring; false if they do not come by deadline. */
bool xs_ring_get(void *p, u32 len, u64 deadline);
/* An error string of the store ("EACCES") as its XE_* number, else E_OTHER. */
int xs_err_code(const char *s);
/*
 * Read messages until the reply to request id (its payload, NUL-ended,
 * in out and its length in olen, each if not NULL); events meanwhile go
 * to xs_events[]. OK, an XE_* error, or E_TIMEOUT past deadline.
 */
int xs_get_reply(u32 id, char *out, u32 *olen, u64 deadline);
/* Send a request of the payloads a and b (either may be empty) and read its reply (2 s). */
int xs_req(u32 type, u32 tx, const void *a, u32 alen, const void *b, u32 blen,
	   char *out, u32 *olen);

int xs_read(u32 tx, const char *path, char *out);
int xs_write(u32 tx, const char *path, const char *val);
/* A request of one string (rm, mkdir, directory, transaction_end...). */
int xs_op1(u32 type, u32 tx, const char *path);
/* A request of two strings (watch, unwatch). */
int xs_op2(u32 type, const char *a, const char *b);
/* set_perms: perms is plen bytes of NUL-separated entries ("n1\0r2"). */
int xs_perms(const char *path, const char *perms, u32 plen);
/* How many of the events kept are ev ("path|token"). */
int xs_count_events(const char *ev);

/*
 * A store test of several domains, each told its part by role= on its
 * command line: map shared_info (skip if it cannot be), find the store,
 * then run the role of that name (test_error() for none or an unknown one).
 */
struct xs_role {
	const char *name;
	void (*run)(const struct start_info *si);
};
void xs_test_roles(const struct start_info *si, const struct xs_role *roles, int n);

#endif
