/*
 * continuation.c - how a long hypercall stops and goes on later: the
 * argument encodings (Xen's) and the loop that decides where to stop.
 *
 * Runs in: hypervisor (core/hypercall.c, mm/pv_mm.c, mm/memory_op.c,
 * core/console.c) and the host unit tests (tests/unit/test_continuation.c).
 * Pure: no guest memory, no clock.
 * Trusts: nothing; the counts and commands come from guests.
 *
 * The hypervisor runs a hypercall with interrupts off, so a guest that
 * names a million requests in one call would keep every other domain off
 * the CPU for as long as they take. Xen's answer, which is also its ABI,
 * is the continuation: between two pieces of work the hypercall asks
 * whether something else is due (core/hypercall.c's
 * hypercall_preempt_check) and, if so, stops and rewrites its own
 * arguments to say what is left. The guest re-executes the same syscall
 * instruction with them (RIP - 2), after any event that is pending has
 * been delivered on top; it never sees a difference, except that its
 * argument registers changed (they are clobbered by every hypercall
 * anyway). The encodings, all Xen's:
 *
 *  - mmu_update, mmuext_op: count becomes (count - done) |
 *    MMU_UPDATE_PREEMPTED (bit 31 of the 32-bit count) and the request
 *    pointer moves past what was done; *pdone accumulates: a call that
 *    sees the flag reads *pdone first and writes back what it read plus
 *    what it did. A guest may pass the flag itself, with the same effect.
 *  - memory_op reservations: the extent to resume at goes in the cmd's
 *    bits 6 and up (MEMOP_EXTENT_SHIFT); so a batch is limited to
 *    MEMOP_MAX_EXTENTS extents.
 *  - multicall: (list + i entries, nr - i); a sub-call that made a
 *    continuation has it written into its own entry, and the multicall
 *    resumes at that entry.
 *  - console_io, set_trap_table: the pointer and the count move on.
 *
 * batch_run() (continuation.h) is the loop they share: never preempted
 * before the first item, so every call makes progress whatever the
 * preemption check says. The check reads the TSC, which costs about as
 * much as a cheap request under QEMU, so batches of cheap requests ask
 * every 16 of them: a batch of up to 16 never asks, and one of millions
 * stops within 16 requests (a few microseconds) of its time being up.
 */
#include "hv.h"
#include "core/continuation.h"

#define SYSCALL_INSN_LEN	2	/* 0f 05 */

/*
 * The continuation in the guest's registers: the hypercall number in
 * rax, its first nargs arguments in rdi, rsi, rdx, r10, r8 (the others
 * keep what the guest passed), and RIP back on the syscall instruction
 * (which has trap semantics: RIP is past it).
 */
void hcall_cont_to_regs(struct cpu_regs *r, const struct hcall_args *c)
{
	u64 *const reg[5] = { &r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8 };

	r->rax = c->op;
	for (unsigned int i = 0; i < c->nargs && i < 5; i++)
		*reg[i] = c->args[i];
	r->rip -= SYSCALL_INSN_LEN;
}

/*
 * A sub-call's continuation, in its multicall entry: its first nargs
 * arguments (op is the entry's already, and args[5] is never used).
 */
void hcall_cont_to_entry(struct multicall_entry *e, const struct hcall_args *c)
{
	for (unsigned int i = 0; i < c->nargs && i < 5; i++)
		e->args[i] = c->args[i];
}

/*
 * The count argument of mmu_update/mmuext_op: Xen's is an unsigned int
 * (the register's high half is ignored); with MMU_UPDATE_PREEMPTED the
 * call continues an earlier one (*resumed) and the rest is the count.
 */
u32 batch_count(u64 count_arg, bool *resumed)
{
	u32 count = (u32)count_arg;

	*resumed = count & MMU_UPDATE_PREEMPTED;
	return count & ~(u32)MMU_UPDATE_PREEMPTED;
}

/* The count of the continuation after done_now of count were done. */
u32 batch_cont_count(u32 count, u32 done_now)
{
	return (count - done_now) | MMU_UPDATE_PREEMPTED;
}
