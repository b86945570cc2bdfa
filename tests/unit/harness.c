/*
 * harness.c - host stand-ins for the hypervisor's console and panic, and
 * the test runner's main().
 *
 * Runs in: host, as part of build/unit/run-unit (ASan + UBSan).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv.h"
#include "harness.h"

static char logbuf[1 << 16];
static size_t loglen;

int hv_loglvl = LOG_DEBUG;

void harness_log_clear(void)
{
	loglen = 0;
	logbuf[0] = '\0';
}

const char *harness_log(void)
{
	return logbuf;
}

int harness_log_count(const char *needle)
{
	int n = 0;

	for (const char *p = logbuf; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void log_append(const char *fmt, va_list ap)
{
	int n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);

	if (n > 0)
		loglen = MIN(loglen + (size_t)n, sizeof(logbuf) - 1);
	if (getenv("UNIT_VERBOSE"))
		fputs(logbuf + loglen - (size_t)(n > 0 ? n : 0), stderr);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_append(fmt, ap);
	va_end(ap);
}

void printk_lvl(int lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > hv_loglvl)
		return;
	va_start(ap, fmt);
	log_append(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("panic: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

int main(void)
{
	Suite *(*const suites[])(void) = {
		printf_suite, parse_suite, memmap_suite, frame_suite,
		mb2_suite, cmdline_suite, elf_suite, domcfg_suite, timer_heap_suite, evtchn_suite,
		gnttab_pin_suite,
		pv_layout_suite,
		pgtype_suite, segdesc_suite, insn_suite, ptwr_suite, umip_suite,
		guest_access_suite, cpu_setup_suite, debugreg_suite, stime_suite, ratelimit_suite,
		continuation_suite, acpi_suite, lockcheck_suite,
		xenstore_suite,
	};
	SRunner *sr;
	int failed;

	/*
	 * Check's default limit is 4 s per test; the randomised decoder test
	 * needs longer on a loaded 2-core machine, and a timeout is no verdict
	 * on the code. CK_DEFAULT_TIMEOUT set by the caller still wins.
	 */
	setenv("CK_DEFAULT_TIMEOUT", "120", 0);
	sr = srunner_create(NULL);
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
