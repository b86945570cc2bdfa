/*
 * test.c - a test guest's life: start, record results, report, power off.
 *
 * Runs in: test guests.
 *
 * The outcome is the worst thing recorded, in XTF's order: PASS < SKIP <
 * ERROR < FAIL. Each recorded problem is printed when it happens ("FAIL:
 * file:line: ..."); the RESULT line repeats the first reason of the worst
 * kind, so the runner's one-line summary says what went wrong.
 */
#include "guest.h"

enum result { RESULT_PASS, RESULT_SKIP, RESULT_ERROR, RESULT_FAIL };

static const char *const result_names[] = {
	[RESULT_PASS] = "PASS",
	[RESULT_SKIP] = "SKIP",
	[RESULT_ERROR] = "ERROR",
	[RESULT_FAIL] = "FAIL",
};

const struct start_info *start_info;
bool guest_fast;
static enum result result = RESULT_PASS;
static char reason[256];
static int nr_failures;

/*
 * Several vCPUs (smp.h) may record at once: a lock, whose holder may be
 * preempted, so a waiter yields.
 */
static int record_lock;

static void record(enum result res, const char *fmt, va_list ap)
{
	char why[sizeof(reason)];

	hv_vsnprintf(why, sizeof(why), fmt, ap);
	while (__atomic_exchange_n(&record_lock, 1, __ATOMIC_ACQUIRE))
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	printk("%s: %s\n", result_names[res], why);
	if (res == RESULT_FAIL)
		nr_failures++;
	if (res > result) {
		result = res;
		memcpy(reason, why, sizeof(reason));
	}
	__atomic_store_n(&record_lock, 0, __ATOMIC_RELEASE);
}

void test_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(RESULT_FAIL, fmt, ap);
	va_end(ap);
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(RESULT_SKIP, fmt, ap);
	va_end(ap);
	test_exit();
}

void test_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(RESULT_ERROR, fmt, ap);
	va_end(ap);
	test_exit();
}

bool test_failed(void)
{
	return result == RESULT_FAIL;
}

void test_report(void)
{
	if (result == RESULT_PASS)
		printk("RESULT: PASS %s\n", test_name);
	else if (result == RESULT_FAIL && nr_failures > 1)
		printk("RESULT: FAIL %s: %s (and %d more)\n", test_name,
		       reason, nr_failures - 1);
	else
		printk("RESULT: %s %s: %s\n", result_names[result], test_name,
		       reason);
}

/* Once per domain: a second vCPU ending the test too only shuts it down. */
void test_exit(void)
{
	static int exiting;

	if (!__atomic_exchange_n(&exiting, 1, __ATOMIC_SEQ_CST))
		test_report();
	guest_shutdown(SHUTDOWN_poweroff);
}

/*
 * SCHEDOP_shutdown does not return. If it does, the hypervisor is broken
 * and nothing sensible is left: an invalid opcode gets the domain crashed,
 * which the hypervisor reports and the runner sees.
 */
void guest_shutdown(unsigned int why)
{
	struct sched_shutdown sd = { .reason = why };
	long rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);

	printk("SCHEDOP_shutdown(%u) returned %ld\n", why, rc);
	for (;;)
		asm volatile("ud2");
}

/*
 * The PV mode, from XENFEAT_pv_ring1_kernel (guest.h), and the CS head.S
 * saw at the first instruction, which must agree with it: RPL 1 in fast
 * mode, 3 in compat mode. A feature bit that lies would make every
 * selector check of every test wrong, so it is a failure here.
 */
static void guest_mode_init(void)
{
	struct xen_feature_info fi = { .submap_idx = 0 };
	long rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
	u64 rpl;

	if (rc)
		test_error("XENVER_get_features returned %ld", rc);
	guest_fast = fi.submap & (1u << XENFEAT_pv_ring1_kernel);
	rpl = boot_regs.cs & 3;
	printk("pv mode: %s (started on CS %#lx)\n", guest_mode_name(), boot_regs.cs);
	if (rpl != KERNEL_RPL)
		test_fail("XENFEAT_pv_ring1_kernel says %s mode, but the kernel started with CS %#lx (RPL %lu)",
			  guest_mode_name(), boot_regs.cs, rpl);
}

void __noreturn guest_start(const struct start_info *si);

/* Called by head.S on our own stack, .bss cleared. */
void guest_start(const struct start_info *si)
{
	start_info = si;
	printk("test %s: %s\n", test_name, test_title);
	if (strncmp((const char *)si->magic, PVABI_START_INFO_MAGIC,
		    sizeof(si->magic)))
		test_error("start_info at %p has magic \"%.32s\", expected \"%s\"",
			   si, si->magic, PVABI_START_INFO_MAGIC);
	guest_mode_init();
	test_main(si);
	test_exit();
}
