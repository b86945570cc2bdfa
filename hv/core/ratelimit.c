/*
 * ratelimit.c - a token bucket (ratelimit.h).
 *
 * Runs in: hypervisor and host unit tests; no state but the caller's.
 *
 * The allowance is kept in units times 10^9 (a unit-nanosecond per
 * second: what `rate` units a second add in one nanosecond is exactly
 * `rate` of them), so a refill is one multiplication and no fraction of
 * a unit is ever rounded away or made up, however often it is asked.
 */
#include "core/ratelimit.h"

#define NS_PER_S	1000000000ll

void ratelimit_init(struct ratelimit *r, u64 now, u32 burst)
{
	r->credit = (s64)burst * NS_PER_S;
	r->at = now;
}

bool ratelimit_may(struct ratelimit *r, u64 now, u32 rate, u32 burst)
{
	s64 full = (s64)burst * NS_PER_S;	/* < 2^62 */

	if (rate == 0)
		return true;	/* no limit */
	if (now > r->at) {
		/* Time beyond what fills the bucket adds nothing (and cannot overflow). */
		u64 dt = MIN(now - r->at, (u64)(full - MIN(r->credit, full)) / rate + 1);

		r->credit = MIN(r->credit + (s64)(dt * rate), full);
		r->at = now;
	}
	return r->credit >= NS_PER_S;	/* a whole unit */
}

void ratelimit_take(struct ratelimit *r, u32 n)
{
	r->credit -= (s64)n * NS_PER_S;
}

s64 ratelimit_allowance(const struct ratelimit *r)
{
	return r->credit / NS_PER_S;
}
