/*
 * many: 64 domains started from one kernel image and one ramdisk image
 * (a domain list, tools/mkiso -d), each checking that what it was given
 * is its own copy.
 *
 * The hypervisor reads each image from one boot module and builds every
 * domain from it (hv/core/domain_build.c). The images must stay read-only
 * sources: each domain gets its own frames holding a copy, so what one
 * domain writes no other sees, and no later domain starts from a dirtied
 * image. Each domain (its number K from "n=K" on the command line) checks
 * that its initialised data, its .bss and its ramdisk hold what the image
 * says, writes K over all three, yields a few times so that every other
 * domain runs and writes its own number meanwhile, and checks that it
 * still reads K everywhere. The domains run in list order, so if two
 * domains shared a frame of data, bss or ramdisk, the later one would
 * find the earlier one's number instead of the image's values, or the
 * earlier one would find the later one's after its yields.
 * tests/guests/run checks that all 64 said so and that the ISO held each
 * image once.
 *
 * many-toomany.list is another boot: more memory asked for than QEMU has;
 * the domains that do not fit are refused by name, the others run.
 *
 * many-timers.list: timers of vCPUs that are not running. The hypervisor
 * keeps each vCPU's own deadlines in a heap (core/timer_heap.c); a timer
 * missing from it would fire only when its vCPU happens to be current.
 * Domains with "sleep=MS" arm a single-shot timer MS ahead and block;
 * one with "spin=MS" keeps the CPU, never yielding, for MS. Each sleeper
 * must wake after its deadline and well before the spinner ends.
 */
#include "guest.h"
#include "events.h"
#include "traps.h"

const char test_title[] = "one image, many domains, each its own copy";

#define WORDS		1024		/* 8 KiB: two pages of each */
#define DATA_INIT	0x5a17c0de00000000ULL

/* Initialised data: the image holds these values (GCC range designator). */
static volatile u64 data[WORDS] = { [0 ... WORDS - 1] = DATA_INIT };
static volatile u64 bss[WORDS];

/* The ramdisk's bytes, as tests/guests/run's prepare_many makes them. */
static u8 ramdisk_byte(u64 i)
{
	return (u8)(i * 167 + (i >> 8) + 11);
}

static bool check_initial(const struct start_info *si)
{
	const volatile u8 *rd = (const volatile u8 *)si->mod_start;

	for (u64 i = 0; i < WORDS; i++) {
		if (data[i] != DATA_INIT) {
			test_fail("data[%lu] is %#lx at start, the image says %#llx",
				  i, data[i], DATA_INIT);
			return false;
		}
		if (bss[i]) {
			test_fail("bss[%lu] is %#lx at start, not 0", i, bss[i]);
			return false;
		}
	}
	if (si->mod_len < WORDS * 8) {
		test_fail("ramdisk of %lu bytes, expected at least %u", si->mod_len,
			  WORDS * 8);
		return false;
	}
	for (u64 i = 0; i < si->mod_len; i++) {
		if (rd[i] != ramdisk_byte(i)) {
			test_fail("ramdisk byte %lu is %#x at start, the image says %#x",
				  i, rd[i], ramdisk_byte(i));
			return false;
		}
	}
	return true;
}

static void write_mine(const struct start_info *si, u64 k)
{
	volatile u64 *rd = (volatile u64 *)si->mod_start;

	for (u64 i = 0; i < WORDS; i++) {
		data[i] = k;
		bss[i] = k;
		rd[i] = k;
	}
}

static bool still_mine(const struct start_info *si, u64 k)
{
	const volatile u64 *rd = (const volatile u64 *)si->mod_start;

	for (u64 i = 0; i < WORDS; i++) {
		if (data[i] != k || bss[i] != k || rd[i] != k) {
			test_fail("word %lu: data %#lx bss %#lx ramdisk %#lx, wrote %lu",
				  i, data[i], bss[i], rd[i], k);
			return false;
		}
	}
	return true;
}

/* Late by more than this is a timer that did not fire (host stalls: 250 ms). */
#define SLEEP_LATE_NS	(400 * NSEC_PER_MSEC)

static void sleep_once(u64 ms)
{
	u64 deadline, late;

	timer_setup();
	deadline = system_time() + ms * NSEC_PER_MSEC;
	EXPECT_EQ(timer_set_singleshot(deadline), 0);
	events_disable();
	while (!timer_fired) {
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);	/* unmasks events */
		events_disable();
	}
	late = system_time() - deadline;
	if (timer_fired_at < deadline)
		test_fail("woke %lu us before its deadline", (deadline - timer_fired_at) / 1000);
	else if (late > SLEEP_LATE_NS)
		test_fail("woke %lu ms after its deadline (while another domain spun)",
			  late / NSEC_PER_MSEC);
	else
		printk("many: slept %lu ms, woke %lu us late\n", ms, late / 1000);
}

static void spin(u64 ms)
{
	u64 end;

	traps_init();
	events_init();		/* maps shared_info: the clock */
	end = system_time() + ms * NSEC_PER_MSEC;

	while (system_time() < end)
		;
	printk("many: spun %lu ms\n", ms);
}

void test_main(const struct start_info *si)
{
	u64 k = cmdline_u64("n", 0), yields = cmdline_u64("yields", 3);

	if (cmdline_u64("sleep", 0)) {
		sleep_once(cmdline_u64("sleep", 0));
		return;
	}
	if (cmdline_u64("spin", 0)) {
		spin(cmdline_u64("spin", 0));
		return;
	}
	if (!k)
		test_error("no n= on the command line");
	if (!check_initial(si))
		return;
	write_mine(si, k);
	for (u64 i = 0; i < yields; i++) {
		long rc = HYPERVISOR_sched_op(SCHEDOP_yield, NULL);

		if (rc) {
			test_fail("SCHEDOP_yield returned %ld", rc);
			return;
		}
	}
	if (!still_mine(si, k))
		return;
	printk("many: n=%lu: data, bss and ramdisk its own after %lu yields\n",
	       k, yields);
}
