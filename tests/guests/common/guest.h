/*
 * guest.h - the test-guest framework: everything a test's main.c uses.
 *
 * Runs in: test guests, guest kernel mode (ring 3 in compat mode, ring 1 in
 * fast mode), events masked, no trap table: any exception crashes the
 * domain (the hypervisor reports it).
 *
 * A test is a directory tests/guests/NAME/ whose main.c opens with what it
 * tests and why, and defines
 *
 *	const char test_title[] = "one line for the log";
 *	void test_main(const struct start_info *si);
 *
 * head.S enters guest_start(), which prints "test NAME: TITLE", calls
 * test_main() and then test_exit(). The outcome is one line on the
 * console, read by tests/guests/run (as in XTF, the results are ordered
 * from best to worst):
 *
 *	RESULT: PASS NAME
 *	RESULT: SKIP NAME: reason	the test does not apply here
 *	RESULT: ERROR NAME: reason	the test itself is broken
 *	RESULT: FAIL NAME: reason	the hypervisor did something wrong
 *
 * followed by SCHEDOP_shutdown(poweroff), whatever the result: the runner
 * judges by the line. test_fail() and the EXPECT_* checks record a failure
 * and carry on, so one run shows every wrong answer; ASSERT_* and
 * test_skip()/test_error() end the test at once.
 */
#ifndef GUEST_H
#define GUEST_H

#include "hv.h"			/* u8..u64, string functions, hv_snprintf */
#include "pvabi/xen.h"
#include "pvabi/errno.h"
#include "pvabi/sched.h"
#include "pvabi/version.h"
#include "hypercall.h"
#include "image.h"

/* ---- Provided by each test ---------------------------------------- */

extern const char test_title[];
void test_main(const struct start_info *si);

/* ---- The framework ------------------------------------------------- */

/* The test's directory name (build/guests/NAME/name.o). */
extern const char test_name[];

/* The builder's start_info, as given in rsi. */
extern const struct start_info *start_info;

/* The registers at the first instruction (head.S; offsets in image.h). */
struct boot_regs {
	u64 rsp;	/* top of the builder's boot stack */
	u64 rsi;	/* &start_info */
	u64 cs, ss;	/* selectors */
	u64 rflags;
	u64 ds, es, fs, gs;
};
extern struct boot_regs boot_regs;

/* Where the image ends: the linker's symbols (guest.lds.S). */
extern char _image_start[], _image_end[];

/* console.c: printk() is declared in hv.h; it writes through console_io. */
void console_write(const void *buf, size_t len);

/* test.c: results */
void test_fail(const char *fmt, ...) __printf(1, 2);
void __noreturn test_skip(const char *fmt, ...) __printf(1, 2);
void __noreturn test_error(const char *fmt, ...) __printf(1, 2);
bool test_failed(void);
void test_report(void);		/* print the RESULT line now */
void __noreturn test_exit(void);	/* test_report(), then power off */
void __noreturn guest_shutdown(unsigned int reason);

/* cmdline.c: "key=value" words of start_info.cmd_line */
bool cmdline_get(const char *key, char *val, size_t size);
u64 cmdline_u64(const char *key, u64 dflt);

/* ---- The PV mode ----------------------------------------------------- */

/*
 * Every test image says it can run with its kernel in ring 1 (head.S's
 * SUPPORTED_FEATURES note), so the hypervisor may run it in either mode:
 *
 *	compat	Xen's x86-64 PV: guest kernel and guest user both in ring 3,
 *		two L4s (MMUEXT_NEW_USER_BASEPTR); the default
 *	fast	guest kernel in ring 1 (mode=fast on its domain's line), guest
 *		user in ring 3, one L4 per process (NEW_USER_BASEPTR is
 *		-EINVAL); the upper half is never reachable from ring 3
 *
 * guest_start() asks XENVER_get_features (XENFEAT_pv_ring1_kernel, bit 31)
 * before test_main(), checks that the CS the domain started with agrees
 * (RPL 1 in fast mode, 3 in compat: a FAIL otherwise), and prints
 * "pv mode: compat|fast", which tests/guests/run checks against the mode
 * it asked for. Tests use the selectors below instead of FLAT_KERNEL_*,
 * whose values are compat mode's.
 */
extern bool guest_fast;			/* test.c: set before test_main() */

static inline bool guest_fast_mode(void)
{
	return guest_fast;
}

static inline const char *guest_mode_name(void)
{
	return guest_fast ? "fast" : "compat";
}

/* The kernel's flat selectors, as the kernel runs on them (RPL = its ring). */
#define KERNEL_RPL	(guest_fast_mode() ? 1UL : 3UL)
#define KERNEL_CS	(guest_fast_mode() ? (u64)FLAT_RING1_CS64 : (u64)FLAT_KERNEL_CS)
#define KERNEL_SS	(guest_fast_mode() ? (u64)FLAT_RING1_SS64 : (u64)FLAT_KERNEL_SS)

/*
 * What a bounce frame says of an interrupted kernel context: CS with its
 * RPL cleared in both modes (0xe030 compat, 0xe018 fast, so that
 * user_mode() = cs & 3 is 0), SS as it was in both (0xe02b compat,
 * 0xe061 fast: pvabi/README.md, fast mode).
 */
#define KERNEL_CS_FRAME	(KERNEL_CS & ~3UL)
#define KERNEL_SS_FRAME	KERNEL_SS

/*
 * The end a test that means nothing in this mode: SKIP with the reason
 * (the runner's "# modes:" line says it before booting; this is the
 * guest's own word for a case inside a test that runs in both).
 */
#define SKIP_UNLESS_FAST(what)						\
	do {								\
		if (!guest_fast_mode())					\
			test_skip("%s: fast mode only (compat mode runs its kernel in ring 3)", what); \
	} while (0)

/* ---- Checks ---------------------------------------------------------- */

#define _CHECK_FAIL(...)	test_fail(__VA_ARGS__)
#define _ASSERT_FAIL(...)	do { test_fail(__VA_ARGS__); test_exit(); } while (0)

#define _CHECK(on_fail, cond)						\
	do {								\
		if (!(cond))						\
			on_fail("%s:%d: %s is false", __FILE__,	\
				__LINE__, #cond);			\
	} while (0)

/*
 * Both sides are compared as 64-bit values (a hypercall's long result
 * against -XEN_EINVAL, a u64 against a constant) and printed in decimal
 * and hex.
 */
#define _CHECK_EQ(on_fail, actual, expected)				\
	do {								\
		u64 _a = (u64)(actual), _e = (u64)(expected);		\
		if (_a != _e)						\
			on_fail("%s:%d: %s is %ld (%#lx), expected %s = %ld (%#lx)", \
				__FILE__, __LINE__, #actual, (long)_a, _a, \
				#expected, (long)_e, _e);		\
	} while (0)

#define _CHECK_STREQ(on_fail, actual, expected)			\
	do {								\
		const char *_a = (actual), *_e = (expected);		\
		if (strcmp(_a, _e))					\
			on_fail("%s:%d: %s is \"%s\", expected \"%s\"",	\
				__FILE__, __LINE__, #actual, _a, _e);	\
	} while (0)

/* Record a failure and go on. */
#define EXPECT(cond)			_CHECK(_CHECK_FAIL, cond)
#define EXPECT_EQ(actual, expected)	_CHECK_EQ(_CHECK_FAIL, actual, expected)
#define EXPECT_STREQ(actual, expected)	_CHECK_STREQ(_CHECK_FAIL, actual, expected)

/* Record a failure and end the test now. */
#define ASSERT(cond)			_CHECK(_ASSERT_FAIL, cond)
#define ASSERT_EQ(actual, expected)	_CHECK_EQ(_ASSERT_FAIL, actual, expected)
#define ASSERT_STREQ(actual, expected)	_CHECK_STREQ(_ASSERT_FAIL, actual, expected)

#endif /* GUEST_H */
