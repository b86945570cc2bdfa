/*
 * shutdown: SCHEDOP_shutdown ends the domain with the reason it gives, and
 * the hypervisor reports that reason.
 *
 * How a domain ended is all a toolstack (here: the runner) learns of it:
 * poweroff is a clean end, reboot, suspend, crash and watchdog are not,
 * and a run ends with success only if every domain powered off. So this
 * image runs as several domains (domains.list), each told its reason on
 * its command line ("reason=reboot"), and tests/guests/run checks that
 * the hypervisor names each domain's reason and the run's exit status.
 * "code=R" first latches a reason with SCHEDOP_shutdown_code, which, as
 * in Xen, is the reason reported whatever SCHEDOP_shutdown says later.
 * Before that, each domain checks the other sched_op answers: yield is 0,
 * an unknown command -ENOSYS, an unreadable argument -EFAULT. A domain
 * prints its RESULT line before shutting down; if the call returns, it
 * prints a second one, FAIL, which the runner refuses.
 */
#include "guest.h"

const char test_title[] = "SCHEDOP_shutdown with each reason";

static const char *const reasons[] = {
	[SHUTDOWN_poweroff] = "poweroff",
	[SHUTDOWN_reboot] = "reboot",
	[SHUTDOWN_suspend] = "suspend",
	[SHUTDOWN_crash] = "crash",
	[SHUTDOWN_watchdog] = "watchdog",
};

/* The SHUTDOWN_* value named by key on the command line. */
static unsigned int reason_arg(const char *key)
{
	char name[16];

	if (!cmdline_get(key, name, sizeof(name)))
		test_error("no %s= on the command line", key);
	for (unsigned int i = 0; i < ARRAY_SIZE(reasons); i++) {
		if (!strcmp(name, reasons[i]))
			return i;
	}
	test_error("%s=%s: not a shutdown reason", key, name);
}

static void other_sched_ops(void)
{
	EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
	EXPECT_EQ(HYPERVISOR_sched_op(99, NULL), -XEN_ENOSYS);
	EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_shutdown, (void *)0x1000),
		  -XEN_EFAULT);
	EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_shutdown_code,
				      (void *)0xffff830000000000UL),
		  -XEN_EFAULT);
}

/* The machine frame of start_info: the P2M entry of its pseudo-physical page. */
static u64 start_info_mfn(const struct start_info *si)
{
	const u64 *p2m = (const u64 *)si->mfn_list;

	return p2m[((u64)si - GUEST_VIRT_BASE) >> 12];
}

void test_main(const struct start_info *si)
{
	unsigned int reason = reason_arg("reason");
	struct sched_shutdown sd = { .reason = reason };
	long rc;

	other_sched_ops();
	if (cmdline_get("code", NULL, 0)) {
		struct sched_shutdown code = { .reason = reason_arg("code") };

		EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &code), 0);
		printk("shutdown: latched code %s\n", reasons[code.reason]);
	}
	if (test_failed())
		return;		/* report the failure and power off */

	printk("shutdown: calling SCHEDOP_shutdown(%s)\n", reasons[reason]);
	test_report();
	if (reason == SHUTDOWN_suspend)
		rc = HYPERVISOR_suspend(&sd, start_info_mfn(si));
	else
		rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
	test_fail("SCHEDOP_shutdown(%s) returned %ld", reasons[reason], rc);
}
