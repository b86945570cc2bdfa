/*
 * crash: a domain that takes an exception with no trap table is crashed,
 * alone; the domain beside it runs on.
 *
 * The hypervisor's error policy (hv/core/domain.c): a guest that breaks
 * the rules of the machine is crashed with a report, and nothing it does
 * stops the hypervisor or another domain. This image runs as several
 * domains (domains.list): each "fault=KIND" domain registers no trap
 * table and takes one exception: an invalid opcode (#UD), a write to an
 * unmapped address or to its own page table (#PF: page tables are mapped
 * read-only), a privileged instruction (#GP), a division by zero (#DE) or
 * a breakpoint (#BP). tests/guests/run checks the hypervisor's report for
 * each. If the fault returns, the domain says so in a FAIL line. The
 * "fault=none" domain yields many times while the others die and checks
 * that its memory is as it left it, then passes.
 */
#include "guest.h"

const char test_title[] = "exceptions crash the domain, only that one";

static u8 pattern[64 * 1024];

static void fill(u8 seed)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (u8)(i * 31 + seed);
}

static bool intact(u8 seed)
{
	for (size_t i = 0; i < sizeof(pattern); i++) {
		if (pattern[i] != (u8)(i * 31 + seed))
			return false;
	}
	return true;
}

static void survive(void)
{
	for (int round = 0; round < 50; round++) {
		fill((u8)round);
		EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
		if (!intact((u8)round)) {
			test_fail("round %d: memory changed while yielding", round);
			return;
		}
	}
	printk("crash: survived 50 yields\n");
}

static void fault(const char *kind, const struct start_info *si)
{
	static volatile u64 zero;
	u64 idtr[2] = { 0, 0 };

	printk("crash: fault=%s\n", kind);
	if (!strcmp(kind, "ud")) {
		asm volatile("ud2");
	} else if (!strcmp(kind, "unmapped")) {
		*(volatile u64 *)0x1000 = 1;
	} else if (!strcmp(kind, "pagetable")) {
		volatile u64 *l4 = (volatile u64 *)si->pt_base;

		*l4 = *l4;	/* the same value: harmless if it were allowed */
	} else if (!strcmp(kind, "gp")) {
		asm volatile("lidt %0" : : "m"(idtr));
	} else if (!strcmp(kind, "de")) {
		u64 q;

		asm volatile("divq %2" : "=a"(q) : "a"(1UL), "r"(zero), "d"(0UL));
		(void)q;
	} else if (!strcmp(kind, "bp")) {
		asm volatile("int3");
	} else {
		test_error("fault=%s: unknown kind", kind);
	}
	test_fail("fault=%s: the domain is still running", kind);
}

void test_main(const struct start_info *si)
{
	char kind[16];

	if (!cmdline_get("fault", kind, sizeof(kind)))
		test_error("no fault= on the command line");
	if (!strcmp(kind, "none"))
		survive();
	else
		fault(kind, si);
}
