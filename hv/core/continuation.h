/*
 * continuation.h - how a long hypercall stops and goes on later: the
 * argument encodings (Xen's) and the loop that decides where to stop.
 */
#ifndef HV_CORE_CONTINUATION_H
#define HV_CORE_CONTINUATION_H

#include "hv.h"
#include "x86/regs.h"
#include "pvabi/xen.h"
#include "pvabi/errno.h"

/*
 * A hypercall as the guest makes it: number and arguments. A
 * continuation sets the first nargs arguments and leaves the others as
 * they were, as Xen's does.
 */
struct hcall_args {
	u64 op;
	u64 args[5];
	unsigned int nargs;
};

void hcall_cont_to_regs(struct cpu_regs *r, const struct hcall_args *c);
void hcall_cont_to_entry(struct multicall_entry *e, const struct hcall_args *c);

/* mmu_update / mmuext_op: count | MMU_UPDATE_PREEMPTED, and *pdone. */
u32 batch_count(u64 count_arg, bool *resumed);
u32 batch_cont_count(u32 count, u32 done_now);

/* memory_op: where a reservation batch resumes, in the cmd's high bits. */
#define MEMOP_CMD_MASK		0x3fULL
#define MEMOP_EXTENT_SHIFT	6
#define MEMOP_MAX_EXTENTS	(0xffffffffULL >> MEMOP_EXTENT_SHIFT)

static inline u64 memop_cmd(u64 op, u64 start)
{
	return op | (start << MEMOP_EXTENT_SHIFT);
}

/*
 * Run the items [0, count) of a batch, one(ctx, i) each, in order, until
 * one fails (its error in *rc) or preempt(ctx) says to stop; it is asked
 * before every `every`-th item (a power of 2) but the first. An item that
 * answers -XEN_ERESTART was preempted itself: it is not done, and the
 * batch stops there for preemption. *done: the items that were done.
 * Returns true if it stopped for preemption: then the caller makes a
 * continuation for the rest. Inline, so that a batch of cheap requests
 * pays no indirect calls (continuation.c says why the loop is shaped so).
 */
static inline bool batch_run(u32 count, u32 every, long (*one)(void *ctx, u32 i),
			     bool (*preempt)(void *ctx), void *ctx, u32 *done,
			     long *rc)
{
	u32 i;

	*rc = 0;
	for (i = 0; i < count; i++) {
		if (i && (i & (every - 1)) == 0 && preempt(ctx)) {
			*done = i;
			return true;
		}
		*rc = one(ctx, i);
		if (*rc == -XEN_ERESTART) {
			*rc = 0;
			*done = i;
			return true;
		}
		if (*rc)
			break;
	}
	*done = i;
	return false;
}

#endif
