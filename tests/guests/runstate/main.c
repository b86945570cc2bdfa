/*
 * runstate: the runstate area a vCPU registers is kept up to date, and
 * the hypervisor writes it into that vCPU's own address space only.
 *
 * VCPUOP_register_runstate_memory_area gives a guest virtual address the
 * hypervisor writes the vCPU's struct vcpu_runstate_info to at every
 * context switch (docs/pv-mechanisms.md §20); Linux reads it for steal time.
 * The address is a guest virtual one, so it must be written while that
 * guest's page tables are loaded: written under the next domain's page
 * tables, it lands in the next domain's memory at that address.
 *
 * Two domains (domains.list) run this image, which has two areas, A's and
 * B's. Each registers its own and fills the other one with a canary,
 * then yields 200 times. After each yield: its canary (the other domain's
 * area, in its own memory) is untouched, and its own area says running,
 * with an entry time not in the future, and times that add up to no more
 * than VCPUOP_get_runstate_info's. At the end the area must show time
 * spent runnable (the yields switched). Then A spins while B wakes from
 * short sleeps: the time B waits for the CPU after a wake-up is runnable
 * time, not blocked (woken_waits_runnable).
 */
#include "guest.h"
#include "events.h"

const char test_title[] = "the runstate area, in the right address space";

#define ROUNDS	200
#define WAKES	10
#define SPIN_NS	(400 * NSEC_PER_MSEC)
#define CANARY	0x5a

static struct vcpu_runstate_info areas[2] __aligned(64);

static bool canary_intact(const struct vcpu_runstate_info *a)
{
	const u8 *p = (const u8 *)a;

	for (size_t i = 0; i < sizeof(*a); i++) {
		if (p[i] != CANARY)
			return false;
	}
	return true;
}

/*
 * Woken, waiting for the CPU: runnable, not blocked (Xen). B sleeps on a
 * 2 ms timer WAKES times while A spins (SPIN_NS) on the same CPU: each
 * time B's timer fires in A's slice, B waits for the slice's end. The
 * wait (deadline to B running again) must show mostly as runnable time:
 * Linux counts runnable time as steal time. Judged on a quarter of the
 * summed waits (the timer's own lateness is in the wait, not in the
 * runnable time) and only on one CPU: with a CPU each (QEMU -smp 2) B
 * does not wait for A at all, and what it waits for is its timer's
 * interrupt reaching a halted CPU (3 ms a wake-up measured under TCG,
 * blocked time, rightly), so that is said, not judged. It is judged only
 * if the waits add up to 30 ms.
 */
static void woken_waits_runnable(void)
{
	struct vcpu_runstate_info r0, r1;
	u64 waited = 0, runnable;

	timer_setup();
	ASSERT_EQ(runstate_get(&r0), 0);
	for (int i = 0; i < WAKES; i++) {
		u64 deadline = system_time() + 2 * NSEC_PER_MSEC, before = timer_fired;

		ASSERT_EQ(timer_set_singleshot(deadline), 0);
		events_disable();
		while (timer_fired == before) {
			HYPERVISOR_sched_op(SCHEDOP_block, NULL);	/* unmasks events */
			events_disable();
		}
		waited += system_time() - deadline;
	}
	ASSERT_EQ(runstate_get(&r1), 0);
	runnable = r1.time[RUNSTATE_runnable] - r0.time[RUNSTATE_runnable];
	printk("runstate: %d wake-ups beside a spinner: waited %lu us, runnable %lu us, blocked %lu us\n",
	       WAKES, waited / 1000, runnable / 1000,
	       (r1.time[RUNSTATE_blocked] - r0.time[RUNSTATE_blocked]) / 1000);
	if (cmdline_u64("cpus", 1) > 1)
		printk("runstate: not judged: B and A have a CPU each\n");
	else if (waited < 30 * NSEC_PER_MSEC)
		printk("runstate: not judged: the wake-ups hardly waited\n");
	else if (runnable < waited / 4)
		test_fail("woken vCPU: waited %lu us for the CPU, runnable only %lu us of it",
			  waited / 1000, runnable / 1000);
}

void test_main(const struct start_info *si)
{
	struct vcpu_runstate_info info;
	struct vcpu_register_runstate_memory_area r;
	struct vcpu_runstate_info *mine, *theirs;
	char side[2];
	long rc;

	(void)si;
	if (!cmdline_get("side", side, sizeof(side)) || (side[0] != 'A' && side[0] != 'B'))
		test_error("side=A or side=B on the command line");
	rc = vcpu_info_register();
	if (rc)
		test_error("VCPUOP_register_vcpu_info returned %ld", rc);
	mine = &areas[side[0] == 'B'];
	theirs = &areas[side[0] == 'A'];
	memset(theirs, CANARY, sizeof(*theirs));
	r.addr.v = (u64)mine;
	ASSERT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &r), 0);
	EXPECT_EQ(mine->state, RUNSTATE_running);

	for (int round = 0; round < ROUNDS; round++) {
		u64 now, sum = 0;

		EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
		now = system_time();
		if (!canary_intact(theirs)) {
			test_fail("round %d: the other domain's runstate (state %d, entry %lu) was written into our memory at %p",
				  round, theirs->state, theirs->state_entry_time, theirs);
			return;
		}
		if (mine->state != RUNSTATE_running || mine->state_entry_time > now) {
			test_fail("round %d: our area says state %d since %lu (now %lu)",
				  round, mine->state, mine->state_entry_time, now);
			return;
		}
		ASSERT_EQ(runstate_get(&info), 0);	/* also rewrites the area */
		now = system_time();
		for (int i = 0; i < 4; i++) {
			sum += mine->time[i];
			if (mine->time[i] > info.time[i]) {
				test_fail("round %d: area time[%d] %lu > get_runstate_info's %lu",
					  round, i, mine->time[i], info.time[i]);
				return;
			}
		}
		if (sum > now) {
			test_fail("round %d: area times add up to %lu, after %lu ns of system time",
				  round, sum, now);
			return;
		}
	}
	EXPECT(mine->time[RUNSTATE_runnable] > 0);
	printk("runstate: area: running %lu us, runnable %lu us\n",
	       mine->time[RUNSTATE_running] / 1000, mine->time[RUNSTATE_runnable] / 1000);
	if (side[0] == 'A')
		spin_until(system_time() + SPIN_NS);
	else
		woken_waits_runnable();
}
