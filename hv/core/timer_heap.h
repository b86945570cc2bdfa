/*
 * timer_heap.h - a binary min-heap of deadlines (hv/core/timer_heap.c).
 */
#ifndef HV_CORE_TIMER_HEAP_H
#define HV_CORE_TIMER_HEAP_H

#include "hv.h"

#define THEAP_NONE	(~0ULL)		/* a key meaning "not in the heap" */

/* Embedded in what has a deadline (struct vcpu). */
struct theap_node {
	u64 key;	/* its deadline, THEAP_NONE when not in the heap */
	u32 idx;	/* its place in the heap while in it */
};

struct theap {
	struct theap_node **slot;	/* slot[0] has the least key */
	u32 n, cap;
};

void theap_init(struct theap *h, struct theap_node **slots, u32 cap);
void theap_node_init(struct theap_node *x);
void theap_set(struct theap *h, struct theap_node *x, u64 key);
struct theap_node *theap_top(const struct theap *h);

#endif /* HV_CORE_TIMER_HEAP_H */
