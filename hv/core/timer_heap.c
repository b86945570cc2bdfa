/*
 * timer_heap.c - a binary min-heap of deadlines: which vCPU's timer is due
 * first, in O(1), each change in O(log n).
 *
 * Runs in: hypervisor, and host tests. Pure mechanism: no hardware, no
 * guest input (the keys are deadlines core/stime.c has already judged).
 *
 * core/time.c keeps each vCPU in it keyed by its earliest own deadline
 * (single-shot timer, SCHEDOP_poll timeout), so that aiming the APIC timer
 * and running what is due cost the same with 2 domains or 2000: the timer
 * interrupt pops only the vCPUs that are due, where it used to look at
 * every vCPU of every domain. Xen keeps a heap of timers per CPU for the
 * same reason; here a vCPU is one entry, not one per timer, as it has at
 * most two deadlines of its own that a heap would serve. The array is
 * sized once (the vCPUs the boot describes), so insertion cannot fail.
 */
#include "hv.h"
#include "core/timer_heap.h"

void theap_init(struct theap *h, struct theap_node **slots, u32 cap)
{
	h->slot = slots;
	h->n = 0;
	h->cap = cap;
}

void theap_node_init(struct theap_node *x)
{
	x->key = THEAP_NONE;
	x->idx = 0;
}

static void place(struct theap *h, u32 i, struct theap_node *x)
{
	h->slot[i] = x;
	x->idx = i;
}

/* Move the node at i up while its parent's key is greater. */
static void sift_up(struct theap *h, u32 i)
{
	struct theap_node *x = h->slot[i];

	while (i > 0) {
		u32 p = (i - 1) / 2;

		if (h->slot[p]->key <= x->key)
			break;
		place(h, i, h->slot[p]);
		i = p;
	}
	place(h, i, x);
}

/* Move the node at i down while a child's key is less. */
static void sift_down(struct theap *h, u32 i)
{
	struct theap_node *x = h->slot[i];

	for (;;) {
		u32 c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->slot[c + 1]->key < h->slot[c]->key)
			c++;
		if (x->key <= h->slot[c]->key)
			break;
		place(h, i, h->slot[c]);
		i = c;
	}
	place(h, i, x);
}

static void remove_at(struct theap *h, u32 i)
{
	struct theap_node *last = h->slot[--h->n];

	if (i == h->n)
		return;
	place(h, i, last);
	sift_down(h, i);
	sift_up(h, last->idx);
}

/*
 * x's deadline is now key (THEAP_NONE: it has none, and leaves the heap).
 * Entering the heap cannot fail: its capacity is every node there is.
 */
void theap_set(struct theap *h, struct theap_node *x, u64 key)
{
	bool in = x->key != THEAP_NONE;

	if (!in && key == THEAP_NONE)
		return;
	if (in && key == THEAP_NONE) {
		remove_at(h, x->idx);
		x->key = THEAP_NONE;
		return;
	}
	if (!in) {
		BUG_ON(h->n == h->cap);
		x->key = key;
		place(h, h->n++, x);
		sift_up(h, x->idx);
		return;
	}
	x->key = key;
	sift_down(h, x->idx);
	sift_up(h, x->idx);
}

/* The node with the least key, NULL if the heap is empty. */
struct theap_node *theap_top(const struct theap *h)
{
	return h->n ? h->slot[0] : NULL;
}
