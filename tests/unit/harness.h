/*
 * harness.h - the stub environment hypervisor files run in on the host.
 *
 * printk() output is captured so a test can check that a problem was
 * reported (and how); panic() aborts, which Check turns into a failure or,
 * with tcase_add_test_raise_signal(SIGABRT), into the expected outcome.
 */
#ifndef TESTS_UNIT_HARNESS_H
#define TESTS_UNIT_HARNESS_H

#include <check.h>

void harness_log_clear(void);
const char *harness_log(void);
int harness_log_count(const char *needle);

#define ck_assert_logged(needle) \
	ck_assert_msg(harness_log_count(needle) > 0, \
		      "expected \"%s\" in the log, got:\n%s", needle, harness_log())

Suite *printf_suite(void);
Suite *parse_suite(void);
Suite *memmap_suite(void);
Suite *frame_suite(void);
Suite *mb2_suite(void);
Suite *cmdline_suite(void);
Suite *elf_suite(void);
Suite *domcfg_suite(void);
Suite *timer_heap_suite(void);
Suite *evtchn_suite(void);
Suite *gnttab_pin_suite(void);
Suite *pv_layout_suite(void);
Suite *pgtype_suite(void);
Suite *segdesc_suite(void);
Suite *ptwr_suite(void);
Suite *insn_suite(void);
Suite *umip_suite(void);
Suite *guest_access_suite(void);
Suite *cpu_setup_suite(void);
Suite *debugreg_suite(void);
Suite *stime_suite(void);
Suite *ratelimit_suite(void);
Suite *continuation_suite(void);
Suite *acpi_suite(void);
Suite *lockcheck_suite(void);
Suite *xenstore_suite(void);

#endif /* TESTS_UNIT_HARNESS_H */
