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
 * spent runnable (the yields switched).
 */
#include "guest.h"
#include "events.h"

const char test_title[] = "the runstate area, in the right address space";

#define ROUNDS	200
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
}
