/*
 * test_lockcheck.c - hv/core/lockcheck.c: the lock-debugging build's
 * rules. A lock taken out of order, taken twice, taken with interrupts on,
 * released without being held, or still held where none may be is
 * reported with both locks' names and call sites; what is allowed passes
 * and leaves the CPU's held stack as it should be.
 */
#include <string.h>

#include "hv.h"
#include "harness.h"
#include "core/lockcheck.h"

static const struct lock_class outer = { "hv_lock", 10, LOCK_IRQ_OFF };
static const struct lock_class middle = { "d->pt_lock", 40, LOCK_IRQ_OFF };
static const struct lock_class inner = { "console_lock", 90, LOCK_IRQ_OFF };
static const struct lock_class twin = { "other_40", 40, LOCK_IRQ_OFF };
static const struct lock_class any_irq = { "irq_any", 50, 0 };

static struct lockcheck_cpu cpu;
static char msg[200];

static void setup(void)
{
	memset(&cpu, 0, sizeof(cpu));
	memset(msg, 0, sizeof(msg));
}

static int take(const struct lock_class *l, const char *site)
{
	return lockcheck_acquire(&cpu, l, site, false, msg, sizeof(msg));
}

static int drop(const struct lock_class *l, const char *site)
{
	return lockcheck_release(&cpu, l, site, msg, sizeof(msg));
}

#define ck_msg_has(s) \
	ck_assert_msg(strstr(msg, (s)) != NULL, "\"%s\" not in \"%s\"", (s), msg)

/* In order, released in any order: nothing reported, the stack follows. */
START_TEST(test_in_order)
{
	setup();
	ck_assert_int_eq(take(&outer, "a.c:1"), LOCKCHECK_OK);
	ck_assert_int_eq(take(&middle, "b.c:2"), LOCKCHECK_OK);
	ck_assert_int_eq(take(&inner, "c.c:3"), LOCKCHECK_OK);
	ck_assert_uint_eq(cpu.depth, 3);
	ck_assert_ptr_eq(cpu.held[2].lock, &inner);
	ck_assert_str_eq(cpu.held[1].site, "b.c:2");
	ck_assert_int_eq(drop(&middle, "b.c:9"), LOCKCHECK_OK);	/* not LIFO */
	ck_assert_uint_eq(cpu.depth, 2);
	ck_assert_ptr_eq(cpu.held[0].lock, &outer);
	ck_assert_ptr_eq(cpu.held[1].lock, &inner);
	ck_assert_int_eq(drop(&inner, "c.c:9"), LOCKCHECK_OK);
	ck_assert_int_eq(take(&middle, "b.c:4"), LOCKCHECK_OK);	/* again, after */
	ck_assert_int_eq(drop(&middle, "b.c:5"), LOCKCHECK_OK);
	ck_assert_int_eq(drop(&outer, "a.c:9"), LOCKCHECK_OK);
	ck_assert_uint_eq(cpu.depth, 0);
	ck_assert_int_eq(lockcheck_none_held(&cpu, "a halt", "h.c:1", msg, sizeof(msg)),
			 LOCKCHECK_OK);
}
END_TEST

/* A lower level than one held: both names, both levels, both sites. */
START_TEST(test_order_violation)
{
	setup();
	ck_assert_int_eq(take(&inner, "console.c:70"), LOCKCHECK_OK);
	ck_assert_int_eq(take(&outer, "hvlock.c:90"), LOCKCHECK_ORDER);
	ck_msg_has("lock order: hv_lock (level 10) taken at hvlock.c:90");
	ck_msg_has("while holding console_lock (level 90) taken at console.c:70");
	ck_assert_uint_eq(cpu.depth, 1);	/* unchanged: the caller panics */
}
END_TEST

/* The violation is found below the top of the stack as well. */
START_TEST(test_order_violation_deep)
{
	setup();
	ck_assert_int_eq(take(&outer, "a.c:1"), LOCKCHECK_OK);
	ck_assert_int_eq(take(&middle, "b.c:2"), LOCKCHECK_OK);
	ck_assert_int_eq(drop(&outer, "a.c:3"), LOCKCHECK_OK);
	ck_assert_int_eq(take(&outer, "a.c:4"), LOCKCHECK_ORDER);
	ck_msg_has("holding d->pt_lock (level 40) taken at b.c:2");
}
END_TEST

/* Equal levels: two locks of one level have no order between them. */
START_TEST(test_equal_level)
{
	setup();
	ck_assert_int_eq(take(&middle, "b.c:1"), LOCKCHECK_OK);
	ck_assert_int_eq(take(&twin, "t.c:2"), LOCKCHECK_ORDER);
	ck_msg_has("other_40 (level 40) taken at t.c:2");
	ck_msg_has("d->pt_lock (level 40) taken at b.c:1");
}
END_TEST

/* The same lock twice: a self-deadlock, named as such. */
START_TEST(test_recursive)
{
	setup();
	ck_assert_int_eq(take(&outer, "a.c:1"), LOCKCHECK_OK);
	ck_assert_int_eq(take(&outer, "a.c:2"), LOCKCHECK_ORDER);
	ck_msg_has("hv_lock taken at a.c:2 while this CPU holds it (taken at a.c:1)");
}
END_TEST

/* An irq-off lock with interrupts on; a lock without the flag may be. */
START_TEST(test_irq_state)
{
	setup();
	ck_assert_int_eq(lockcheck_acquire(&cpu, &outer, "a.c:1", true, msg, sizeof(msg)),
			 LOCKCHECK_IRQ);
	ck_msg_has("hv_lock (irq-off) taken with interrupts on at a.c:1");
	ck_assert_uint_eq(cpu.depth, 0);
	ck_assert_int_eq(lockcheck_acquire(&cpu, &any_irq, "x.c:1", true, msg, sizeof(msg)),
			 LOCKCHECK_OK);
	ck_assert_int_eq(lockcheck_acquire(&cpu, &inner, "c.c:1", false, msg, sizeof(msg)),
			 LOCKCHECK_OK);
}
END_TEST

/* Released without being held: named, with the release's site. */
START_TEST(test_release_not_held)
{
	setup();
	ck_assert_int_eq(drop(&inner, "console.c:90"), LOCKCHECK_NOT_HELD);
	ck_msg_has("console_lock released at console.c:90 by a CPU that does not hold it");
	ck_assert_int_eq(take(&outer, "a.c:1"), LOCKCHECK_OK);
	ck_assert_int_eq(drop(&inner, "c.c:2"), LOCKCHECK_NOT_HELD);
	ck_assert_uint_eq(cpu.depth, 1);
}
END_TEST

/* Held into a return to a guest: the lock, where, and where it was taken. */
START_TEST(test_still_held)
{
	setup();
	ck_assert_int_eq(take(&outer, "hvlock.c:90"), LOCKCHECK_OK);
	ck_assert_int_eq(take(&inner, "console.c:70"), LOCKCHECK_OK);
	ck_assert_int_eq(drop(&outer, "hvlock.c:120"), LOCKCHECK_OK);
	ck_assert_int_eq(lockcheck_none_held(&cpu, "a return to a guest", "hvlock.c:130",
					     msg, sizeof(msg)), LOCKCHECK_STILL_HELD);
	ck_msg_has("console_lock held at a return to a guest (hvlock.c:130), taken at console.c:70");
}
END_TEST

/*
 * A nested entry: the lock must be held already, and (irq-off) with
 * interrupts still off, e.g. after an interrupt's return during a halt.
 */
START_TEST(test_still_held_check)
{
	setup();
	ck_assert_int_eq(lockcheck_still_held(&cpu, &outer, "s.c:1", false, msg, sizeof(msg)),
			 LOCKCHECK_NOT_HELD);
	ck_msg_has("hv_lock not held at s.c:1");
	ck_assert_int_eq(take(&outer, "a.c:1"), LOCKCHECK_OK);
	ck_assert_int_eq(lockcheck_still_held(&cpu, &outer, "s.c:2", false, msg, sizeof(msg)),
			 LOCKCHECK_OK);
	ck_assert_int_eq(lockcheck_still_held(&cpu, &outer, "s.c:3", true, msg, sizeof(msg)),
			 LOCKCHECK_IRQ);
	ck_msg_has("hv_lock (irq-off) held with interrupts on at s.c:3");
	ck_assert_uint_eq(cpu.depth, 1);
}
END_TEST

/* More than the stack holds: reported, not written past the end. */
START_TEST(test_too_deep)
{
	struct lock_class l[LOCKCHECK_DEPTH + 1];

	setup();
	for (int i = 0; i <= LOCKCHECK_DEPTH; i++)
		l[i] = (struct lock_class){ "deep", (u8)(10 + i), LOCK_IRQ_OFF };
	for (int i = 0; i < LOCKCHECK_DEPTH; i++)
		ck_assert_int_eq(take(&l[i], "d.c:1"), LOCKCHECK_OK);
	ck_assert_int_eq(take(&l[LOCKCHECK_DEPTH], "d.c:2"), LOCKCHECK_TOO_DEEP);
	ck_assert_uint_eq(cpu.depth, LOCKCHECK_DEPTH);
}
END_TEST

/* A site-less call (a normal build's NULL) still gives a message. */
START_TEST(test_no_site)
{
	setup();
	ck_assert_int_eq(take(&inner, NULL), LOCKCHECK_OK);
	ck_assert_int_eq(take(&outer, NULL), LOCKCHECK_ORDER);
	ck_msg_has("taken at ? while holding console_lock");
}
END_TEST

Suite *lockcheck_suite(void)
{
	Suite *s = suite_create("lockcheck");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_in_order);
	tcase_add_test(tc, test_order_violation);
	tcase_add_test(tc, test_order_violation_deep);
	tcase_add_test(tc, test_equal_level);
	tcase_add_test(tc, test_recursive);
	tcase_add_test(tc, test_irq_state);
	tcase_add_test(tc, test_release_not_held);
	tcase_add_test(tc, test_still_held);
	tcase_add_test(tc, test_still_held_check);
	tcase_add_test(tc, test_too_deep);
	tcase_add_test(tc, test_no_site);
	suite_add_tcase(s, tc);
	return s;
}
