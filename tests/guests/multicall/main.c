/*
 * multicall: a batch of hypercalls, every entry's result as written back.
 *
 * Linux sends most of its page-table and context-switch work as
 * multicalls, and reads each entry's result to find the one that failed.
 * So a batch here mixes good and bad entries: each must get its own call's
 * result (every result field starts as a sentinel, so an entry that was
 * skipped shows), one entry's failure must not stop the next, a multicall
 * inside a multicall is refused with -EINVAL without running its entries,
 * and the batch itself returns 0. The console entry's text is checked in
 * the log by tests/guests/run, and the nested entry's text must not
 * appear there. A list the hypervisor cannot read (not mapped, or inside
 * its own range) makes the whole call -EFAULT.
 */
#include "guest.h"

const char test_title[] = "HYPERVISOR_multicall batches";

#define SENTINEL	0x5e5e5e5e5e5e5e5eUL

static const char batch_line[] = "multicall: console_io inside a batch\n";
static const char nested_line[] = "multicall: NESTED ENTRY RAN\n";

static struct multicall_entry nested[1];

static void entry(struct multicall_entry *e, u64 op, u64 a0, u64 a1, u64 a2)
{
	memset(e, 0, sizeof(*e));
	e->op = op;
	e->result = SENTINEL;
	e->args[0] = a0;
	e->args[1] = a1;
	e->args[2] = a2;
}

static void mixed_batch(void)
{
	static struct xen_feature_info fi = { .submap_idx = 1, .submap = 0x77 };
	struct multicall_entry mc[12];
	static const struct {
		const char *what;
		long result;
	} want[] = {
		{ "xen_version(version)", (4 << 16) | 17 },
		{ "hypercall 42", -XEN_ENOSYS },
		{ "vm_assist(enable, 7)", -XEN_EINVAL },
		{ "console_io(write)", 0 },
		{ "nested multicall", -XEN_EINVAL },
		{ "vm_assist(enable, writable_pagetables)", 0 },
		{ "xen_version(pagesize)", 4096 },
		{ "hypercall 1000", -XEN_ENOSYS },
		{ "xen_version(get_features, submap 1)", -XEN_EINVAL },
		{ "sched_op(yield)", 0 },
		{ "vm_assist(disable, 64)", -XEN_EINVAL },
		{ "vm_assist(disable, writable_pagetables)", 0 },
	};
	_Static_assert(ARRAY_SIZE(want) == ARRAY_SIZE(mc), "one result per entry");

	entry(&mc[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	entry(&mc[1], 42, 0, 0, 0);
	entry(&mc[2], __HYPERVISOR_vm_assist, VMASST_CMD_enable, 7, 0);
	entry(&mc[3], __HYPERVISOR_console_io, CONSOLEIO_write,
	      sizeof(batch_line) - 1, (u64)batch_line);
	entry(&nested[0], __HYPERVISOR_console_io, CONSOLEIO_write,
	      sizeof(nested_line) - 1, (u64)nested_line);
	entry(&mc[4], __HYPERVISOR_multicall, (u64)nested, 1, 0);
	entry(&mc[5], __HYPERVISOR_vm_assist, VMASST_CMD_enable,
	      VMASST_TYPE_writable_pagetables, 0);
	entry(&mc[6], __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
	entry(&mc[7], 1000, 0, 0, 0);
	entry(&mc[8], __HYPERVISOR_xen_version, XENVER_get_features, (u64)&fi, 0);
	entry(&mc[9], __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
	entry(&mc[10], __HYPERVISOR_vm_assist, VMASST_CMD_disable, 64, 0);
	entry(&mc[11], __HYPERVISOR_vm_assist, VMASST_CMD_disable,
	      VMASST_TYPE_writable_pagetables, 0);

	EXPECT_EQ(HYPERVISOR_multicall(mc, ARRAY_SIZE(mc)), 0);
	for (size_t i = 0; i < ARRAY_SIZE(mc); i++) {
		if (mc[i].result != (u64)want[i].result)
			test_fail("entry %zu, %s: result %ld (%#lx), expected %ld",
				  i, want[i].what, (long)mc[i].result,
				  mc[i].result, want[i].result);
	}
	EXPECT_EQ(nested[0].result, SENTINEL);
	EXPECT_EQ(fi.submap, 0x77);
}

/* The same calls one by one agree with the batch. */
static void singles_agree(void)
{
	struct multicall_entry mc[1];

	entry(&mc[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	EXPECT_EQ(HYPERVISOR_multicall(mc, 1), 0);
	EXPECT_EQ(mc[0].result, (u64)HYPERVISOR_xen_version(XENVER_version, NULL));
	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, 7), -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable,
				       VMASST_TYPE_runstate_update_flag), 0);
	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_disable,
				       VMASST_TYPE_runstate_update_flag), 0);
}

static void bad_lists(void)
{
	struct multicall_entry mc[1];

	EXPECT_EQ(HYPERVISOR_multicall(mc, 0), 0);
	EXPECT_EQ(HYPERVISOR_multicall((void *)0x1000, 1), -XEN_EFAULT);
	EXPECT_EQ(HYPERVISOR_multicall((void *)0xffff830000000000UL, 1),
		  -XEN_EFAULT);
	EXPECT_EQ(HYPERVISOR_multicall((void *)0x00007fffffffffc0UL, 2),
		  -XEN_EFAULT);
}

void test_main(const struct start_info *si)
{
	(void)si;
	mixed_batch();
	singles_agree();
	bad_lists();
}
