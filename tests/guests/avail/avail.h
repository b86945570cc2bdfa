/*
 * avail.h - the availability tests: a victim beside a hostile neighbour.
 *
 * Runs in: test guests, guest kernel mode.
 *
 * Every boot of this test is two domains (a list per attacker): the
 * victim (role=victim) and a neighbour (role=ATTACKER). Time is cut into
 * phases of phase_ms of system time, which both domains read from the
 * same clock (system time is a pure function of the TSC): in an even
 * phase the neighbour behaves benignly, in an odd one it attacks. So the
 * victim compares itself beside the attacker with itself beside the same
 * domain behaving well, in the same boot, the phases interleaved so that
 * a slow spell of the (shared, noisy) host falls on both kinds alike.
 */
#ifndef AVAIL_H
#define AVAIL_H

#include "guest.h"
#include "events.h"

/* The phase clock, from the command line (main.c). */
extern u64 phase_ns;		/* length of a phase */
extern u64 pairs;		/* benign+attack pairs the victim measures per round */

/*
 * A round that fails is measured again, up to MAX_ROUNDS in all, the best
 * windows of all rounds counting: a working attack spoils every window,
 * a busy host only some.
 */
#define MAX_ROUNDS	4

static inline u64 phase_of(u64 t)
{
	return t / phase_ns;
}

static inline bool phase_is_attack(u64 phase)
{
	return phase & 1;
}

static inline u64 phase_start(u64 phase)
{
	return phase * phase_ns;
}

/* The first phase that starts at least `margin` after t. */
static inline u64 first_phase_after(u64 t, u64 margin)
{
	return phase_of(t + margin + phase_ns - 1);
}

/*
 * The victim measures rounds of 2 * pairs phases from the first even
 * phase at least 50 ms after its start. Its neighbour goes on until it
 * sees the victim gone (attack.c), or at most until it could not be
 * measuring any more.
 */
static inline u64 neighbour_end(u64 start)
{
	return phase_start(first_phase_after(start, 0) + 2 * pairs * MAX_ROUNDS + 3);
}

/* Neither measures at the start of a phase: the neighbour may look then. */
#define SETTLE_NS	(100 * NSEC_PER_MSEC)

/* attack.c: run the neighbour named by role= until neighbour_end(). */
void neighbour_main(const char *role);

#endif /* AVAIL_H */
