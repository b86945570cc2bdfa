/*
 * ratelimit.h - a token bucket: how many bytes (or anything) a source may
 * send at a sustained rate, with a burst saved up while it was quiet.
 *
 * Runs in: hypervisor, under the lock of whatever owns the bucket; also
 * in the host unit tests (pure arithmetic on times the caller gives).
 *
 * The allowance grows by `rate` a second up to `burst`; a sender may go
 * on while it has a whole unit, and pays for what it sent after the
 * fact, so a piece may overdraw it (the next piece then waits longer).
 * No fraction of a unit is lost or made up however often it is asked
 * (ratelimit.c).
 */
#ifndef HV_CORE_RATELIMIT_H
#define HV_CORE_RATELIMIT_H

#include "hv.h"

struct ratelimit {
	s64 credit;	/* units it may still send, times 10^9 (negative: overdrawn) */
	u64 at;		/* the time (ns) up to which refills were counted */
};

/* A full bucket at time now. */
void ratelimit_init(struct ratelimit *r, u64 now, u32 burst);
/* Refill for the time up to now; true if something may be sent. */
bool ratelimit_may(struct ratelimit *r, u64 now, u32 rate, u32 burst);
/* n units were sent. */
void ratelimit_take(struct ratelimit *r, u32 n);
/* Whole units it may send now (as of its last refill). */
s64 ratelimit_allowance(const struct ratelimit *r);

#endif
