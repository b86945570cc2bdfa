/*
 * fuzz: a hostile guest makes tens of thousands of hypercalls with
 * random numbers and nasty arguments; the hypervisor and the domain beside
 * it must not notice.
 *
 * The error policy (hv/core/domain.c) promises that nothing a guest passes
 * can crash or corrupt the hypervisor: bad requests return errors, and at
 * worst the guest that made them is crashed. A "role=fuzz" domain calls
 * every hypercall number 0-70 (and some far beyond) with arguments drawn
 * from values that tend to break code: 0, -1, small and huge integers,
 * pointers to its own scratch page (filled with random bytes), to unmapped
 * memory, into the hypervisor's range, into its own page tables, and
 * non-canonical addresses. Only update_va_mapping, multicall and
 * grant_table_op are kept off its own image, the calls that would kill it
 * within a few thousand (a remapped image; results or statuses written
 * back over its own code). The
 * sequence is fixed by the seed, so a run is repeatable; each fuzzer
 * reports how far it got and ends with a deliberate #UD, which the runner
 * expects: a fuzzer crashed by anything else would mean it stopped early. Left out are only the
 * calls that would just stop it waiting or end it cleanly (SCHEDOP_block,
 * SCHEDOP_poll, SCHEDOP_shutdown, iret) and console writes (megabytes of
 * noise). The "role=survivor" domain keeps a memory pattern, yields
 * through the storm and must PASS; tests/guests/run also fails the boot
 * on any hypervisor panic, fault or leaked frame.
 */
#include "guest.h"

const char test_title[] = "random hypercalls from a hostile guest";

static u8 scratch[4096] __aligned(4096);
static u8 pattern[32 * 1024];
static u64 rng;

static u64 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void refill_scratch(void)
{
	for (size_t i = 0; i < sizeof(scratch); i += 8) {
		u64 r = next();

		memcpy(scratch + i, &r, 8);
	}
	/* Keep nested multicall entries away from the calls left out above. */
	for (size_t i = 0; i < sizeof(scratch); i += sizeof(struct multicall_entry)) {
		u64 op = next() % 64;

		if (op == __HYPERVISOR_sched_op || op == __HYPERVISOR_iret ||
		    op == __HYPERVISOR_console_io || op == 6)
			op = __HYPERVISOR_xen_version;
		memcpy(scratch + i, &op, 8);
	}
}

static u64 nasty(const struct start_info *si)
{
	static const u64 fixed[] = {
		0, 1, 2, 3, 7, 8, 0x20, 0xff, 0x1000, 0x7fffffff, 0x80000000,
		0xffffffff, 0x100000000ULL, ~0ULL, ~0ULL - 1, 1ULL << 63,
		0xffff800000000000ULL,			/* M2P (read-only) */
		0xffff830000000000ULL,			/* hypervisor direct map */
		0xffff830000100000ULL,			/* hypervisor image */
		0xffff87fffffff000ULL,			/* end of the hole */
		0x0000800000000000ULL,			/* first non-canonical */
		0x00007ffffffff000ULL,			/* top of user space */
	};

	switch (next() % 6) {
	case 0:
		return fixed[next() % ARRAY_SIZE(fixed)];
	case 1:
		return (u64)scratch + (next() % 64) * 8;	/* valid, random bytes */
	case 2:
		return si->pt_base + (next() % 4) * 4096;	/* our page tables */
	case 3:
		return next() % 4096;				/* a small number */
	case 4:
		return next() % (si->nr_pages * 2);		/* a pfn or mfn-ish */
	default:
		return next();
	}
}

static void fuzz(const struct start_info *si, u64 rounds)
{
	for (u64 i = 0; i < rounds; i++) {
		u64 nr = next() % 72, a[5];

		if (i % 256 == 0)
			refill_scratch();
		if (i % 16 == 15)
			nr = next();			/* far beyond the table too */
		for (int j = 0; j < 5; j++)
			a[j] = nasty(si);
		if (nr == __HYPERVISOR_iret)
			continue;
		if (nr == __HYPERVISOR_sched_op || nr == 6)	/* sched_op(_compat) */
			a[0] = (next() & 1) ? SCHEDOP_yield : SCHEDOP_shutdown_code;
		if (nr == __HYPERVISOR_console_io)
			a[0] = CONSOLEIO_read;
		/*
		 * Ways for the fuzzer to kill itself within a few thousand
		 * calls, which would end the fuzzing early: remapping its own
		 * image, and a multicall whose results (written back into the
		 * list) overwrite its own code. Aim those at harmless places.
		 */
		if (nr == __HYPERVISOR_multicall) {
			a[0] = (u64)scratch + (next() % 32) * sizeof(struct multicall_entry);
			a[1] = next() % 32;
		}
		/*
		 * grant_table_op writes a status into each request of a
		 * batch (copy, map, unmap): a batch in our image with a huge
		 * count would overwrite the image, as a multicall's results
		 * would. Bad pointers elsewhere stay.
		 */
		if (nr == __HYPERVISOR_grant_table_op && a[1] >= 0xffffffff80000000ULL) {
			a[1] = (u64)scratch + (next() % 32) * 8;
			a[2] = next() % 32;
		}
		if ((nr == __HYPERVISOR_update_va_mapping ||
		     nr == __HYPERVISOR_update_va_mapping_otherdomain) &&
		    a[0] >= 0xffffffff80000000ULL)
			a[0] = 0xffff830000000000ULL + (a[0] & 0xfffff000);
		hypercall_raw(nr, a[0], a[1], a[2], a[3], a[4]);
		if (i % 5000 == 0)
			printk("fuzz: %lu calls\n", (unsigned long)i);
	}
}

static void survive(void)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (u8)(i * 7 + 3);
	for (int round = 0; round < 2000; round++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	for (size_t i = 0; i < sizeof(pattern); i++) {
		if (pattern[i] != (u8)(i * 7 + 3)) {
			test_fail("pattern changed at byte %zu", i);
			return;
		}
	}
}

void test_main(const struct start_info *si)
{
	char role[16] = "";

	cmdline_get("role", role, sizeof(role));
	if (!strcmp(role, "survivor")) {
		survive();
		return;
	}
	rng = cmdline_u64("seed", 1) | 1;
	fuzz(si, cmdline_u64("rounds", 50000));
	printk("fuzz: done, ending with a deliberate #UD\n");
	asm volatile("ud2");
}
