/*
 * test_continuation.c - hv/core/continuation.c: how a long hypercall stops
 * and goes on, as the guest sees it.
 *
 * The encodings are Xen's ABI: a guest re-executes its syscall with the
 * registers the continuation wrote, and must end up with exactly the
 * effect of one uninterrupted call. So besides the pieces, these tests
 * play the guest: they make a "hypercall" that is preempted again and
 * again and re-execute it from the registers until it finishes, and check
 * that every request ran once, in order, and that *pdone adds up.
 */
#include "hv.h"
#include "harness.h"
#include "core/continuation.h"

/* ---- The pieces ------------------------------------------------------------ */

START_TEST(test_regs)
{
	struct cpu_regs r = { .rax = 1, .rdi = 11, .rsi = 12, .rdx = 13, .r10 = 14,
			      .r8 = 15, .r9 = 99, .rip = 0x1002, .rcx = 0x1002 };
	struct hcall_args c = { 26, { 21, 22, 23, 24, 25 }, 4 };

	hcall_cont_to_regs(&r, &c);
	ck_assert_uint_eq(r.rax, 26);
	ck_assert_uint_eq(r.rdi, 21);
	ck_assert_uint_eq(r.rsi, 22);
	ck_assert_uint_eq(r.rdx, 23);
	ck_assert_uint_eq(r.r10, 24);
	ck_assert_uint_eq(r.r8, 15);	/* beyond nargs: what the guest passed */
	ck_assert_uint_eq(r.r9, 99);
	ck_assert_uint_eq(r.rip, 0x1000);	/* back on the syscall */
	ck_assert_uint_eq(r.rcx, 0x1002);	/* syscall writes rcx again */

	c = (struct hcall_args){ 13, { 31, 32 }, 2 };
	hcall_cont_to_regs(&r, &c);
	ck_assert_uint_eq(r.rax, 13);
	ck_assert_uint_eq(r.rdi, 31);
	ck_assert_uint_eq(r.rsi, 32);
	ck_assert_uint_eq(r.rdx, 23);
	ck_assert_uint_eq(r.rip, 0xffe);
}
END_TEST

START_TEST(test_entry)
{
	struct multicall_entry e = { .op = 1, .result = 7, .args = { 1, 2, 3, 4, 5, 6 } };
	struct hcall_args c = { 1, { 41, 42, 43, 44, 45 }, 4 };

	hcall_cont_to_entry(&e, &c);
	ck_assert_uint_eq(e.op, 1);
	ck_assert_uint_eq(e.result, 7);		/* written by the multicall */
	ck_assert_uint_eq(e.args[0], 41);
	ck_assert_uint_eq(e.args[3], 44);
	ck_assert_uint_eq(e.args[4], 5);
	ck_assert_uint_eq(e.args[5], 6);
}
END_TEST

START_TEST(test_count)
{
	bool resumed;

	ck_assert_uint_eq(batch_count(5, &resumed), 5);
	ck_assert(!resumed);
	ck_assert_uint_eq(batch_count(0x80000005, &resumed), 5);
	ck_assert(resumed);
	/* An unsigned int: the register's high half is not the count's. */
	ck_assert_uint_eq(batch_count(0x1234567800000009ULL, &resumed), 9);
	ck_assert(!resumed);
	ck_assert_uint_eq(batch_count(0xffffffffffffffffULL, &resumed), 0x7fffffff);
	ck_assert(resumed);
	ck_assert_uint_eq(batch_count(MMU_UPDATE_PREEMPTED, &resumed), 0);
	ck_assert(resumed);

	ck_assert_uint_eq(batch_cont_count(100, 40), 60 | MMU_UPDATE_PREEMPTED);
	ck_assert_uint_eq(batch_cont_count(0x7fffffff, 1), 0x7ffffffe | MMU_UPDATE_PREEMPTED);
}
END_TEST

START_TEST(test_memop_cmd)
{
	ck_assert_uint_eq(memop_cmd(6, 0), 6);
	ck_assert_uint_eq(memop_cmd(1, 1), 1 | (1 << 6));
	ck_assert_uint_eq(memop_cmd(6, 1000) & MEMOP_CMD_MASK, 6);
	ck_assert_uint_eq(memop_cmd(6, 1000) >> MEMOP_EXTENT_SHIFT, 1000);
	/* The largest batch still fits a 32-bit cmd, as Xen wants. */
	ck_assert_uint_eq(memop_cmd(0x3f, MEMOP_MAX_EXTENTS), 0xffffffffULL);
}
END_TEST

/* ---- The loop --------------------------------------------------------------- */

struct fake {
	u32 ran[64];		/* how often each item ran */
	u32 order[64];		/* which item ran n-th */
	u32 nran;
	u32 fail_at;		/* this item fails (~0: none) */
	u32 preempt_every;	/* say yes to every n-th check (0: never) */
	u32 checks;
	u32 base;		/* item index of this call's item 0 */
	u32 every;		/* batch_run's `every` */
	u32 restart_at;		/* this item answers -ERESTART once (0: none) */
	bool restarted;
};

static long fake_one(void *ctx, u32 i)
{
	struct fake *f = ctx;
	u32 item = f->base + i;

	if (f->restart_at && item == f->restart_at && !f->restarted) {
		f->restarted = true;	/* preempted itself, once, not done */
		return -XEN_ERESTART;
	}
	f->ran[item]++;
	f->order[f->nran++] = item;
	return item == f->fail_at ? -22 : 0;
}

static bool fake_preempt(void *ctx)
{
	struct fake *f = ctx;

	return f->preempt_every && ++f->checks % f->preempt_every == 0;
}

START_TEST(test_run_plain)
{
	struct fake f = { .fail_at = ~0U };
	u32 done = 99;
	long rc = 99;

	ck_assert(!batch_run(0, 1, fake_one, fake_preempt, &f, &done, &rc));
	ck_assert_uint_eq(done, 0);
	ck_assert_int_eq(rc, 0);
	ck_assert(!batch_run(10, 1, fake_one, fake_preempt, &f, &done, &rc));
	ck_assert_uint_eq(done, 10);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(f.nran, 10);
}
END_TEST

/* An item that preempts itself is not done, and the batch stops there. */
START_TEST(test_run_restart)
{
	struct fake f = { .fail_at = ~0U, .restart_at = 3 };
	u32 done;
	long rc;

	ck_assert(batch_run(10, 16, fake_one, fake_preempt, &f, &done, &rc));
	ck_assert_uint_eq(done, 3);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(f.nran, 3);
	f.base = 3;
	ck_assert(!batch_run(7, 16, fake_one, fake_preempt, &f, &done, &rc));
	ck_assert_uint_eq(done, 7);
	ck_assert_uint_eq(f.ran[3], 1);
}
END_TEST

START_TEST(test_run_fail)
{
	struct fake f = { .fail_at = 4 };
	u32 done;
	long rc;

	ck_assert(!batch_run(10, 1, fake_one, fake_preempt, &f, &done, &rc));
	ck_assert_int_eq(rc, -22);
	ck_assert_uint_eq(done, 4);	/* the failed one is not counted */
	ck_assert_uint_eq(f.nran, 5);	/* and nothing after it ran */
}
END_TEST

/* Preempted at every check: one item per call, never none. */
START_TEST(test_run_progress)
{
	struct fake f = { .fail_at = ~0U, .preempt_every = 1 };
	u32 done;
	long rc;

	ck_assert(batch_run(10, 1, fake_one, fake_preempt, &f, &done, &rc));
	ck_assert_uint_eq(done, 1);
	ck_assert_int_eq(rc, 0);
	ck_assert(!batch_run(1, 1, fake_one, fake_preempt, &f, &done, &rc));
	ck_assert_uint_eq(done, 1);
	/* Asked every 16: 16 items a call, and a batch of 16 never asks. */
	f = (struct fake){ .fail_at = ~0U, .preempt_every = 1 };
	ck_assert(batch_run(100, 16, fake_one, fake_preempt, &f, &done, &rc));
	ck_assert_uint_eq(done, 16);
	ck_assert_uint_eq(f.checks, 1);
	ck_assert(!batch_run(16, 16, fake_one, fake_preempt, &f, &done, &rc));
	ck_assert_uint_eq(done, 16);
	ck_assert_uint_eq(f.checks, 1);
}
END_TEST

/*
 * Play the guest: "mmu_update(reqs, count, pdone)" preempted every few
 * requests, re-executed from the continuation's registers until done.
 */
static long fake_mmu_update(struct fake *f, struct cpu_regs *r, u32 *pdone, bool *again)
{
	bool resumed;
	u32 count = batch_count(r->rsi, &resumed), prev = 0, i;
	u64 reqs = r->rdi;
	long rc;

	if (resumed)
		prev = *pdone;
	f->base = (u32)((reqs - 0x10000) / 16);
	*again = batch_run(count, f->every, fake_one, fake_preempt, f, &i, &rc);
	*pdone = prev + i;
	if (*again) {
		struct hcall_args c = { 1, { reqs + i * 16, batch_cont_count(count, i),
					     r->rdx, r->r10 }, 4 };

		hcall_cont_to_regs(r, &c);
	}
	return rc;
}

static void guest_batch(u32 n, u32 every, u32 preempt_every, u32 fail_at, u32 *pdone,
			long *rc, struct fake *f)
{
	struct cpu_regs r = { .rax = 1, .rdi = 0x10000, .rsi = n, .rdx = 0x9000,
			      .r10 = 0x7ff0, .rip = 0x5000 };
	bool again;
	int calls = 0;

	*f = (struct fake){ .fail_at = fail_at, .preempt_every = preempt_every, .every = every };
	*pdone = 0xdead;	/* not read unless the call is a continuation */
	do {
		r.rip += 2;		/* syscall has trap semantics: RIP is past it */
		*rc = fake_mmu_update(f, &r, pdone, &again);
		/* Preempted: back on the same syscall; else the guest goes on. */
		ck_assert_uint_eq(r.rip, again ? 0x5000 : 0x5002);
		ck_assert_uint_eq(r.rax, 1);
		ck_assert_uint_eq(r.rdx, 0x9000);
		ck_assert_uint_eq(r.r10, 0x7ff0);
		ck_assert_int_lt(++calls, 100);
	} while (again);
}

START_TEST(test_guest_view)
{
	struct fake f;
	u32 pdone;
	long rc;

	for (u32 every = 1; every <= 7; every++) {
		for (u32 check = 1; check <= 16; check *= 4) {
			guest_batch(50, check, every, ~0U, &pdone, &rc, &f);
			ck_assert_int_eq(rc, 0);
			ck_assert_uint_eq(pdone, 50);
			ck_assert_uint_eq(f.nran, 50);
			for (u32 k = 0; k < 50; k++) {
				ck_assert_uint_eq(f.ran[k], 1);
				ck_assert_uint_eq(f.order[k], k);
			}
				/* A failure after continuations: *pdone counts across them. */
			guest_batch(50, check, every, 33, &pdone, &rc, &f);
			ck_assert_int_eq(rc, -22);
			ck_assert_uint_eq(pdone, 33);
			ck_assert_uint_eq(f.nran, 34);
		}
	}
}
END_TEST

Suite *continuation_suite(void)
{
	Suite *s = suite_create("continuation");
	TCase *tc = tcase_create("encodings");
	TCase *run = tcase_create("batch_run");

	tcase_add_test(tc, test_regs);
	tcase_add_test(tc, test_entry);
	tcase_add_test(tc, test_count);
	tcase_add_test(tc, test_memop_cmd);
	suite_add_tcase(s, tc);
	tcase_add_test(run, test_run_plain);
	tcase_add_test(run, test_run_fail);
	tcase_add_test(run, test_run_restart);
	tcase_add_test(run, test_run_progress);
	tcase_add_test(run, test_guest_view);
	suite_add_tcase(s, run);
	return s;
}
