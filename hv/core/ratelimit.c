/*
 * ratelimit.c - a token bucket (ratelimit.h).
 *
 * Runs in: hypervisor and host unit tests; no state but the caller's.
 */
#include "core/ratelimit.h"

#define NS_PER_S	1000000000ull

void ratelimit_init(struct ratelimit *r, u64 now, u32 burst)
{
	r->allow = burst;
	r->at = now;
}

bool ratelimit_may(struct ratelimit *r, u64 now, u32 rate, u32 burst)
{
	u64 full, dt, add;

	if (rate == 0)
		return true;	/* no limit */
	if (now > r->at) {
		/* Longer than refilling from empty takes: a full bucket. */
		full = ((u64)burst + 1) * NS_PER_S / rate + 1;
		dt = MIN(now - r->at, full);
		add = dt * rate / NS_PER_S;	/* < 2^32 * 2^33: no overflow */
		if (dt == full) {
			r->allow = burst;
			r->at = now;
		} else if (add) {
			r->allow = MIN(r->allow + (s64)add, (s64)burst);
			r->at += add * NS_PER_S / rate;
		}
	}
	return r->allow > 0;
}

void ratelimit_take(struct ratelimit *r, u32 n)
{
	r->allow -= n;
}
