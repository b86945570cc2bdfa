/*
 * unknown_hypercall: numbers with no hypercall behind them answer -ENOSYS,
 * and the caller carries on with its registers intact.
 *
 * The hypercall table is the hypervisor's first line of defence: an
 * unused slot (11, 43-47, 56-63), the edge of the table (63, 64) and
 * numbers far past it (1000, 2^32 - 1, 2^64 - 1) must all be refused
 * cleanly, never index past the table. 2^32 + 17 checks that the whole of
 * rax is the number: a dispatcher that looked at eax alone would run
 * xen_version instead. Each call is made through probe_call.S, which also
 * checks that rbx, rbp, r9, r12-r15 and rsp survive it, as compiled code
 * depends on; a known hypercall is probed the same way afterwards.
 */
#include "guest.h"
#include "probe.h"

const char test_title[] = "unknown hypercall numbers answer -ENOSYS";

static const u64 unknown[] = {
	11, 42, 43, 47, 55, 56, 63, 64, 127, 128, 1000,
	0xffffffffUL, (1UL << 32) + __HYPERVISOR_xen_version, ~0UL,
};

void test_main(const struct start_info *si)
{
	char what[48];
	long rc;

	(void)si;
	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++) {
		hv_snprintf(what, sizeof(what), "hypercall %#lx", unknown[i]);
		rc = probe_hypercall(what, unknown[i], 0, 0, 0);
		if (rc != -XEN_ENOSYS)
			test_fail("%s returned %ld, expected -ENOSYS (%d)", what,
				  rc, -XEN_ENOSYS);
	}

	/* Still alive, and a real hypercall still works, registers and all. */
	rc = probe_hypercall("xen_version", __HYPERVISOR_xen_version, 0,
			     XENVER_version, 0);
	EXPECT_EQ(rc, (4 << 16) | 17);
	EXPECT_EQ(hypercall_raw(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0,
				0, 0), 4096);
	printk("after %zu unknown hypercalls the domain still runs\n",
	       ARRAY_SIZE(unknown));
}
