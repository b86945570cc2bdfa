/*
 * mm_partial: validating and devalidating a tree of thousands of page
 * tables is preempted (Xen's PGT_partial), and the guest never sees it.
 *
 * Putting an L3 into an L4 slot validates everything under it: here 2048
 * L1s under 4 L2s, about 80 ms of work under QEMU. The hypervisor stops
 * such a request in the middle (hv/mm/pgtype.c, "Preemption") when
 * something else is due, leaving tables part validated, and the guest
 * makes the call again (the continuation) until it is done. Taking the
 * tree out devalidates it; if that is cut short, the rest is owed and
 * finished by Xen's "null continuation" (mmu_update(NULL,
 * MMU_UPDATE_PREEMPTED, NULL, result)) before the call returns. With a 1
 * ms periodic timer and events enabled, every long call here is
 * interrupted at its syscall instruction, and the handler records what
 * the registers said. Checked, by role (the command line's role=):
 *
 * role=tree (domains.list):
 *   - the tree put into the L4 by one mmu_update, and pinned by one
 *     MMUEXT_PIN_L3_TABLE: the call returns 0 with *pdone = 1, after
 *     being interrupted in the middle of the validation (rdi = the
 *     request, rsi = 1 | MMU_UPDATE_PREEMPTED); the tree translates (the
 *     first and the last page it maps are read through it); while it is
 *     in use no table of it can be mapped writable (-EBUSY);
 *   - taken out (mmu_update of 0, or UNPIN_TABLE): 0, interrupted in the
 *     null continuation (rdi = 0, rsi = MMU_UPDATE_PREEMPTED), and when
 *     the call returns, every one of its 2053 tables can be mapped
 *     writable at once: nothing is left half devalidated;
 *   - the same tree with a bad entry in the last slot of its last L1 (a
 *     writable mapping of the builder's L4, or an L1 entry with PCD),
 *     put into the L4 or pinned: refused with the error a tree of one L1
 *     gets, which is Xen's (-EBUSY, -EINVAL), *pdone = 0, interrupted
 *     both while validating and while undoing (the null continuation
 *     carrying the error in r10, as Xen's), the L4 slot still empty, and
 *     every table mappable writable when the call returns;
 *   - from the event handler, while the request putting the tree in is
 *     stopped in the middle: its half-validated L3 cannot be pinned as
 *     an L2 (-EINVAL), mapped writable (-EBUSY), written by mmu_update
 *     (-EINVAL) or unpinned (-EINVAL); given back (decrease_reservation)
 *     it lives on while the tree uses it: the request goes on and
 *     succeeds, the tree translates, and taking it out leaves every other
 *     table writable (the hypervisor frees the L3 then, no leak).
 *
 * role=die kind=validate|devalidate (death_*.list): the domain dies with
 * a tree left half done. A single-shot timer is armed a third of the way
 * into putting the tree in (kind=validate) or taking it out (devalidate);
 * its handler, finding the call interrupted at its syscall in the state
 * asked for (validation: rdi = the request; devalidation: the null
 * continuation), reports PASS and powers off there, never making the call
 * again. The hypervisor must then finish the tables at the domain's end:
 * tests/guests/run fails any boot where the hypervisor reports a frame
 * left with references ("leak"). If ten tries never catch the call in
 * that state, the test reports SKIP.
 */
#include "guest.h"
#include "events.h"
#include "hcall_site.h"
#include "mmu.h"
#include "traps.h"

const char test_title[] = "validating a tree of 2048 L1s is preempted, and the guest never sees it";

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

/* One hypercall site, so the handler knows where RIP must be: hcall_site.h. */

/* ---- The tree -------------------------------------------------------------------- */

#define NR_L2		4
#define NR_L1		(NR_L2 * 512)
#define TREE_SLOT	6			/* L4 slot: 0x300000000000 */
#define TREE_VA		((u64)TREE_SLOT << 39)
#define LAST_VA		(TREE_VA + (u64)NR_L1 * (2UL << 20) - GUEST_PAGE_SIZE)
#define MARK_FIRST	0x6669727374706167UL
#define MARK_LAST	0x6c61737470616765UL
#define TABLE		(PTE_P | PTE_RW | PTE_US | PTE_A)
#define LEAF		(PTE_P | PTE_US | PTE_A)

static u64 l1_mfn[NR_L1], l2_mfn[NR_L2], l3_mfn;
static u64 data_first, data_last;	/* what every L1 maps; the last page */
static u64 l4e;				/* machine address of the L4 slot */
static u64 l1_page[512];		/* every L1's contents but the last entry */
static unsigned spare;

static u64 frame(void)
{
	return spare_mfn(spare++, NULL);
}

static void fill_data(u64 mfn, u64 mark)
{
	static u64 page[512];

	for (int i = 0; i < 512; i++)
		page[i] = mark;
	frame_fill_table(window, mfn, page, 0, mark);
}

/* Entry 511 of the last L1: the last page of the tree, or a bad entry. */
static void set_last_entry(u64 val)
{
	frame_fill_table(window, l1_mfn[NR_L1 - 1], l1_page, 511, val);
}

static void tree_build(void)
{
	static u64 page[512];

	data_first = frame();
	data_last = frame();
	fill_data(data_first, MARK_FIRST);
	fill_data(data_last, MARK_LAST);
	for (int i = 0; i < 512; i++)
		l1_page[i] = (data_first << 12) | LEAF;
	for (int i = 0; i < NR_L1; i++) {
		l1_mfn[i] = frame();
		frame_fill_table(window, l1_mfn[i], l1_page, 0, l1_page[0]);
	}
	set_last_entry((data_last << 12) | LEAF);
	for (int j = 0; j < NR_L2; j++) {
		l2_mfn[j] = frame();
		for (int i = 0; i < 512; i++)
			page[i] = (l1_mfn[j * 512 + i] << 12) | TABLE;
		frame_fill_table(window, l2_mfn[j], page, 0, page[0]);
	}
	l3_mfn = frame();
	memset(page, 0, sizeof(page));
	for (int j = 0; j < NR_L2; j++)
		page[j] = (l2_mfn[j] << 12) | TABLE;
	frame_fill_table(window, l3_mfn, page, 0, page[0]);
	l4e = (virt_to_mfn((const void *)start_info->pt_base) << 12) + TREE_SLOT * 8;
	if (entry_read(l4e))
		test_error("L4 slot %d is in use", TREE_SLOT);
}

/*
 * Can every table of the tree be mapped writable now? Each is, through
 * the window, and put back. Returns the number that could not; the first
 * is reported.
 */
static unsigned tables_typed(const char *when, bool with_l3)
{
	unsigned bad = 0;
	long rc;

	for (int i = 0; i < NR_L1 + NR_L2 + with_l3; i++) {
		u64 mfn = i < NR_L1 ? l1_mfn[i] : i < NR_L1 + NR_L2 ? l2_mfn[i - NR_L1] : l3_mfn;

		rc = window_map(window, mfn, PTE_FLAGS);
		if (rc == 0) {
			window_restore(window);
			continue;
		}
		if (bad++ == 0)
			test_fail("%s: table %d of the tree (mfn %#lx) cannot be mapped writable: %ld",
				  when, i, mfn, rc);
	}
	if (bad)
		printk("mm_partial: %s: %u tables still typed\n", when, bad);
	return bad;
}

/* ---- What the timer handler saw ------------------------------------------------- */

/* The interrupted call's registers, when it was at the syscall. */
struct seen {
	u64 rax, rdi, rsi, rdx, r10;
};

#define MAX_SEEN	256
static struct seen seen[MAX_SEEN];
static volatile u64 nseen, ticks;

static void tick(evtchn_port_t port, struct trap_frame *f)
{
	(void)port;
	ticks++;
	if (f->rip != (u64)hcall_site || nseen >= MAX_SEEN)
		return;
	seen[nseen++] = (struct seen){ f->regs->rax, f->regs->rdi, f->regs->rsi,
				       f->regs->rdx, f->regs->r10 };
}

static void ticking(bool on)
{
	struct vcpu_set_periodic_timer p = { .period_ns = NSEC_PER_MSEC };

	if (on) {
		nseen = ticks = 0;
		EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &p), 0);
		events_enable();
	} else {
		events_disable();
		EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
	}
}

/*
 * How the call `what` (op, its request list req) was interrupted: in the
 * middle of a validation (the same request to be made again: rdi = req,
 * rsi = 1 | MMU_UPDATE_PREEMPTED, rdx = &pdone), or in the null
 * continuation (rdi = 0, rsi = MMU_UPDATE_PREEMPTED, r10 = the result to
 * come). Anything else is a failure.
 */
static void count_seen(const char *what, u64 op, const void *req, const u32 *pdone,
		       long result, u64 *validating, u64 *owed)
{
	*validating = *owed = 0;
	for (u64 i = 0; i < nseen; i++) {
		const struct seen *s = &seen[i];

		if (s->rax != op) {
			test_fail("%s: interrupted with rax %lu", what, s->rax);
		} else if (s->rdi == (u64)req && s->rsi == (1 | MMU_UPDATE_PREEMPTED) &&
			   s->rdx == (u64)pdone) {
			(*validating)++;
		} else if (s->rdi == 0 && (u32)s->rsi == MMU_UPDATE_PREEMPTED &&
			   (s32)s->r10 == result) {
			(*owed)++;
		} else {
			test_fail("%s: interrupted with rdi %#lx rsi %#lx rdx %#lx r10 %#lx",
				  what, s->rdi, s->rsi, s->rdx, s->r10);
		}
	}
	printk("mm_partial: %s: %lu ticks, interrupted %lu times validating, %lu in the null continuation\n",
	       what, ticks, *validating, *owed);
}

/*
 * One request, long: mmu_update of the L4 slot to val, or mmuext_op cmd
 * on the L3. Returns its result; checks *pdone and how it was interrupted
 * (validating and owed: whether each must have been seen).
 */
static long long_call(const char *what, bool mmuext, u64 val, unsigned cmd,
		      long expect, bool validating, bool owed)
{
	static struct mmu_update req;
	static struct mmuext_op op;
	static u32 pdone;
	u64 nval, nowed;
	const void *r = mmuext ? (const void *)&op : (const void *)&req;
	u64 nr = mmuext ? __HYPERVISOR_mmuext_op : __HYPERVISOR_mmu_update;
	long rc;

	req = (struct mmu_update){ .ptr = l4e, .val = val };
	op = (struct mmuext_op){ .cmd = cmd, .arg1.mfn = l3_mfn };
	pdone = 0xdead;
	ticking(true);
	rc = hcall(nr, (u64)r, 1, (u64)&pdone, DOMID_SELF);
	ticking(false);
	if (rc != expect)
		test_fail("%s: %ld, expected %ld", what, rc, expect);
	if (pdone != (expect ? 0 : 1))
		test_fail("%s: *pdone %u, expected %d", what, pdone, expect ? 0 : 1);
	count_seen(what, nr, r, &pdone, expect, &nval, &nowed);
	if (validating && nval == 0)
		test_fail("%s: never interrupted while validating (%lu ticks)", what, ticks);
	if (owed && nowed == 0)
		test_fail("%s: never interrupted in the null continuation (%lu ticks)", what, ticks);
	return rc;
}

static void expect_translates(const char *what)
{
	EXPECT_EQ(mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
	if (*(volatile u64 *)TREE_VA != MARK_FIRST || *(volatile u64 *)LAST_VA != MARK_LAST)
		test_fail("%s: the tree maps %#lx at its first page, %#lx at its last",
			  what, *(volatile u64 *)TREE_VA, *(volatile u64 *)LAST_VA);
}

/* In use, no table of the tree can be mapped writable: what tables_typed() relies on. */
static void expect_typed(void)
{
	EXPECT_EQ(window_map(window, l1_mfn[0], PTE_FLAGS), -XEN_EBUSY);
	EXPECT_EQ(window_map(window, l1_mfn[NR_L1 - 1], PTE_FLAGS), -XEN_EBUSY);
	EXPECT_EQ(window_map(window, l3_mfn, PTE_FLAGS), -XEN_EBUSY);
	window_restore(window);
}

/* ---- Into a half-validated tree, from the event handler -------------------------------- */

static struct mmu_update mid_req;
static volatile bool mid_done;
static long mid_rc[5];

static long give_back(u64 mfn)
{
	struct xen_memory_reservation r = {
		.extent_start = (u64)&mfn, .nr_extents = 1, .extent_order = 0,
		.domid = DOMID_SELF,
	};

	return HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
}

/*
 * The first tick that finds the request stopped in the middle of its
 * validation (the L3 is part validated then): what the guest can do to
 * the L3 meanwhile.
 */
static void mid_tick(evtchn_port_t port, struct trap_frame *f)
{
	(void)port;
	ticks++;
	if (mid_done || f->rip != (u64)hcall_site || f->regs->rdi != (u64)&mid_req ||
	    f->regs->rsi != (1 | MMU_UPDATE_PREEMPTED))
		return;
	mid_done = true;
	mid_rc[0] = pin(2, l3_mfn);
	mid_rc[1] = window_map(window, l3_mfn, PTE_FLAGS);
	window_restore(window);
	mid_rc[2] = mmu1((l3_mfn << 12) + 7 * 8, 0);
	mid_rc[3] = unpin(l3_mfn);
	mid_rc[4] = give_back(l3_mfn);
}

/*
 * While the request that puts the tree in is stopped in the middle, its
 * half-validated L3 is no use as anything else: pinned as an L2
 * (-EINVAL: Xen's answer for a frame of another type), mapped writable
 * (-EBUSY), written by mmu_update (-EINVAL: not a validated table),
 * unpinned (-EINVAL: not pinned). Given back (decrease_reservation: 1,
 * done, as Xen allows with a frame still in use) it stays alive while
 * the tree uses it: the request, made again, takes it over and finishes
 * (0), the tree translates, and taking it out frees the L3 and leaves
 * every other table writable. (A partial table with no reference of its
 * own would be freed under its entries here, the hypervisor stopping on
 * its check that a freed frame has no type.)
 */
static void into_partial_tree(void)
{
	u32 pdone = 0;
	long rc;

	evtchn_set_handler(timer_port, mid_tick);
	mid_req = (struct mmu_update){ .ptr = l4e, .val = (l3_mfn << 12) | TABLE };
	ticking(true);
	rc = hcall(__HYPERVISOR_mmu_update, (u64)&mid_req, 1, (u64)&pdone, DOMID_SELF);
	ticking(false);
	evtchn_set_handler(timer_port, tick);
	if (!mid_done)
		test_fail("into a half-validated tree: never interrupted while validating (%lu ticks)",
			  ticks);
	if (mid_done) {
		printk("mm_partial: from the handler, into the half-validated L3: pin as L2 %ld, "
		       "writable %ld, mmu_update %ld, unpin %ld, given back %ld\n",
		       mid_rc[0], mid_rc[1], mid_rc[2], mid_rc[3], mid_rc[4]);
		EXPECT_EQ(mid_rc[0], -XEN_EINVAL);
		EXPECT_EQ(mid_rc[1], -XEN_EBUSY);
		EXPECT_EQ(mid_rc[2], -XEN_EINVAL);
		EXPECT_EQ(mid_rc[3], -XEN_EINVAL);
		EXPECT_EQ(mid_rc[4], 1);
	}
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(pdone, 1);
	if (!mid_done || rc)
		return;
	expect_translates("with its L3 given back");
	EXPECT_EQ(long_call("mmu_update taking out the tree whose L3 was given back", false, 0, 0,
			    0, false, true), 0);
	tables_typed("after taking out the tree whose L3 was given back", false);
}

/* ---- role=tree ----------------------------------------------------------------------- */

static void tree_by_mmu_update(void)
{
	u64 l3e = (l3_mfn << 12) | TABLE;

	if (long_call("mmu_update putting the tree in", false, l3e, 0, 0, true, false))
		return;
	EXPECT_EQ(entry_read(l4e) & PTE_MFN_MASK, l3_mfn << 12);
	expect_translates("mmu_update");
	expect_typed();
	long_call("mmu_update taking the tree out", false, 0, 0, 0, false, true);
	EXPECT_EQ(entry_read(l4e), 0);
	tables_typed("after mmu_update took the tree out", true);
}

static void tree_by_pin(void)
{
	u64 l3e = (l3_mfn << 12) | TABLE;

	if (long_call("PIN_L3_TABLE of the tree", true, 0, MMUEXT_PIN_L3_TABLE, 0, true, false))
		return;
	expect_typed();
	/* Validated already: putting it in and out is one reference each. */
	EXPECT_EQ(mmu1(l4e, l3e), 0);
	expect_translates("pinned");
	EXPECT_EQ(mmu1(l4e, 0), 0);
	expect_typed();
	long_call("UNPIN_TABLE of the tree", true, 0, MMUEXT_UNPIN_TABLE, 0, false, true);
	tables_typed("after UNPIN_TABLE", true);
}

/*
 * The error a tree of one L1 (the last one, with the bad entry) gets:
 * not preempted (a few tens of us), so it is the plain answer.
 */
static long small_tree_error(void)
{
	u64 l2 = frame(), l3 = frame();
	long rc;

	frame_fill_table(window, l2, NULL, 0, (l1_mfn[NR_L1 - 1] << 12) | TABLE);
	frame_fill_table(window, l3, NULL, 0, (l2 << 12) | TABLE);
	rc = mmu1(l4e, (l3 << 12) | TABLE);
	if (rc == 0)
		EXPECT_EQ(mmu1(l4e, 0), 0);
	spare -= 2;
	return rc;
}

static void bad_tree(const char *bad, u64 entry, long xen_error)
{
	char what[96];
	long small;

	set_last_entry(entry);
	small = small_tree_error();
	if (small != xen_error)
		test_fail("%s: a tree of one such L1 gets %ld, Xen's answer is %ld",
			  bad, small, xen_error);
	hv_snprintf(what, sizeof(what), "mmu_update of a tree with %s", bad);
	long_call(what, false, (l3_mfn << 12) | TABLE, 0, xen_error, true, true);
	EXPECT_EQ(entry_read(l4e), 0);
	tables_typed(what, true);
	hv_snprintf(what, sizeof(what), "PIN_L3_TABLE of a tree with %s", bad);
	long_call(what, true, 0, MMUEXT_PIN_L3_TABLE, xen_error, true, true);
	EXPECT_EQ(unpin(l3_mfn), -XEN_EINVAL);
	tables_typed(what, true);
	set_last_entry((data_last << 12) | LEAF);
}

static void role_tree(void)
{
	u64 boot_l4 = virt_to_mfn((const void *)start_info->pt_base);

	tree_by_mmu_update();
	tree_by_pin();
	bad_tree("a writable mapping of the L4", (boot_l4 << 12) | LEAF | PTE_RW,
		 -XEN_EBUSY);
	bad_tree("an L1 entry with PCD", (data_last << 12) | LEAF | PTE_PCD, -XEN_EINVAL);
	/* And the tree still works after all that. */
	tree_by_mmu_update();
	into_partial_tree();
}

/* ---- role=die ------------------------------------------------------------------------- */

static bool die_validating;		/* kind=validate, else devalidate */
static struct mmu_update die_req;
static volatile u64 die_tries, die_misses;

/* The single-shot timer: die if the call is caught in the state asked for. */
static void die_tick(evtchn_port_t port, struct trap_frame *f)
{
	bool at_call = f->rip == (u64)hcall_site && f->regs->rax == __HYPERVISOR_mmu_update;
	bool validating = f->regs->rdi == (u64)&die_req &&
			  f->regs->rsi == (1 | MMU_UPDATE_PREEMPTED);
	bool owed = f->regs->rdi == 0 && (u32)f->regs->rsi == MMU_UPDATE_PREEMPTED;

	(void)port;
	if (at_call && (die_validating ? validating : owed)) {
		printk("mm_partial: try %lu: dying in the middle of %s the tree\n",
		       die_tries, die_validating ? "validating" : "devalidating");
		test_exit();
	}
	die_misses++;
}

static long die_call(u64 val)
{
	u32 pdone = 0;

	die_req = (struct mmu_update){ .ptr = l4e, .val = val };
	return hcall(__HYPERVISOR_mmu_update, (u64)&die_req, 1, (u64)&pdone, DOMID_SELF);
}

static void role_die(void)
{
	char kind[16] = "";
	u64 l3e = (l3_mfn << 12) | TABLE, t0, t_in, t_out;

	cmdline_get("kind", kind, sizeof(kind));
	if (strcmp(kind, "validate") && strcmp(kind, "devalidate"))
		test_error("kind=%s: validate or devalidate", kind);
	die_validating = !strcmp(kind, "validate");
	/* How long each takes here, with nothing due: no preemption. */
	t0 = system_time();
	ASSERT_EQ(die_call(l3e), 0);
	t_in = system_time() - t0;
	t0 = system_time();
	ASSERT_EQ(die_call(0), 0);
	t_out = system_time() - t0;
	printk("mm_partial: putting the tree in takes %lu us, taking it out %lu us\n",
	       t_in / NSEC_PER_USEC, t_out / NSEC_PER_USEC);
	evtchn_set_handler(timer_port, die_tick);
	events_enable();
	for (die_tries = 1; die_tries <= 10; die_tries++) {
		if (die_validating)
			ASSERT_EQ(timer_set_singleshot(system_time() + t_in / 3), 0);
		ASSERT_EQ(die_call(l3e), 0);
		if (!die_validating)
			ASSERT_EQ(timer_set_singleshot(system_time() + t_out / 3), 0);
		ASSERT_EQ(die_call(0), 0);
	}
	events_disable();
	test_skip("in 10 tries, the timer never caught the call in the middle of %s the tree (%lu misses)",
		  die_validating ? "validating" : "devalidating", die_misses);
}

void test_main(const struct start_info *si)
{
	char role[16] = "tree";

	(void)si;
	timer_setup();
	evtchn_set_handler(timer_port, tick);
	tree_build();
	cmdline_get("role", role, sizeof(role));
	if (!strcmp(role, "tree"))
		role_tree();
	else if (!strcmp(role, "die"))
		role_die();
	else
		test_error("role=%s: tree or die", role);
}
