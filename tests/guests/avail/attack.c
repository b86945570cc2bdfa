/*
 * attack.c - the neighbours of the availability test: each attacks in the
 * odd phases and behaves well, with the same runnable behaviour, in the
 * even ones (avail.h).
 *
 * Runs in: test guests, guest kernel mode, events masked.
 *
 * The attackers (role=NAME on the command line; count=N sets the size of
 * a batch where there is one):
 *
 *   timer_sleep  sleeps (SCHEDOP_poll with only a timeout) after arming
 *                the most extreme timers it can: a periodic timer of
 *                ~2^64, 2^63, 2^62 ns, the largest Xen allows, the
 *                smallest (1 ms); single-shot and set_timer_op deadlines
 *                of ~2^64, 2^63 and in the past; VIRQ_TIMER unbound, so
 *                nothing ever wakes it. Benign: it sleeps with no timer.
 *   wake_spin    wake-ups, against a scheduler that runs a woken vCPU at
 *                once (a wake-up boost, as Xen's credit scheduler has;
 *                pvisor's round robin has none, docs/isolation.md):
 *                sleeps sleep_us= (default 200 us; SCHEDOP_poll with a
 *                timeout), spins count us (default 2 ms), again and
 *                again. If every wake-up preempted the victim with no
 *                budget, it would take the 90% of the CPU it is
 *                runnable. With count=20 sleep_us=20 (avail-wake_storm)
 *                its wake-ups would cost the victim in context switches
 *                more than they run. Benign: it spins.
 *   pingpong     two neighbours that wake each other with events over an
 *                interdomain channel, back and forth as fast as they can
 *                (pp_peer=, pp_first=): under a wake-up boost, each
 *                woken one would run at once and wake the other. Benign:
 *                both spin (the victim has a third of the CPU).
 *   timer_spin   always runnable: periodic timers of ~2^64 and 1 ms,
 *                single-shot timers in the past, at ~2^64 and 1 ns ahead,
 *                set_timer_op in the past and far ahead, polls that time
 *                out at once, in a loop. Benign: it spins with no timer.
 *   mmu_update   one request frame (256 harmless MMU_MACHPHYS_UPDATEs:
 *                a frame's M2P entry set to what it is) mapped at every
 *                page of 1 GiB by legal page tables (an L1 of 512 entries
 *                for that frame, an L2 of 512 entries for that L1, an
 *                L3 for that L2), so one mmu_update can name count
 *                requests (default 2^20, 16 MiB of requests).
 *   mmuext_op    the same with MMUEXT_INVLPG_LOCAL requests (2^18).
 *   multicall    multicalls of four such mmu_updates (count/4 each), and
 *                multicalls of count xen_version entries (a writable
 *                frame of 64 entries mapped over 1 GiB).
 *   console      console_io writes of count bytes (default 32 KiB) of
 *                text from a frame mapped over 1 GiB, and full console
 *                rings (2 KiB) kicked one after another.
 *   memory_op    gives back count/2 spare frames (decrease_reservation)
 *                and takes them again (populate_physmap), in single calls;
 *                every other time, takes 4 extents of 2 MiB (order 9, the
 *                most a domU may: 512 frames zeroed each) and gives them
 *                back, for which it gave 8 MiB back at the start.
 *   validate     count L1 tables of 512 entries each (default 4096, 16
 *                MiB of them) under count/512 L2s, and an L3 for each
 *                number k of those L2s: one of them put into and taken
 *                out of its L4 by one mmu_update request each, so every
 *                put validates a tree of k * 512 L1s and every take
 *                devalidates it (the whole tree normally; smaller ones
 *                as a phase ends).
 *
 * Benign behaviour: "spin" for the attackers that are always runnable (a
 * busy loop: the victim then shares the CPU half and half), "sleep" for
 * timer_sleep (the victim has the CPU to itself). An attacker that sees a
 * call fail or report less work done than it asked for fails the test:
 * a preempted batch must look, to the guest, exactly like one that ran
 * whole.
 *
 * A long call cannot stop when its phase ends, so an attacker makes its
 * calls smaller as the phase ends (from the rate of its calls so far, so
 * that they still end in time), and spins (like its benign self) for the
 * rest of the phase. The victim's event channel (main.c) tells it when
 * to stop.
 */
#include "avail.h"
#include "mmu.h"
#include "pvabi/console.h"

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static unsigned spare_next;	/* spare frames used so far */
static u64 count;		/* the batch size (count=) */
static u64 calls, units;	/* calls made and work done, for the report */

/* ---- Running out a phase ------------------------------------------------ */

static void sleep_until(u64 t)
{
	struct sched_poll sp = { .ports = 0, .nr_ports = 0, .timeout = t };

	while (system_time() < t)
		HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
}

/*
 * Run calls back to back until the phase ends at `end`: each of `count`
 * units of work, or fewer when the phase is ending (from the rate of the
 * calls so far, so that the last ones still end in time; none smaller
 * than count / 32). Then spin out the phase.
 */
static void repeat(void (*one)(u64 n), u64 end)
{
	static u64 per_ms;	/* units per ms of system time, 0 = not known */
	u64 t, n, dt;

	while ((t = system_time()) < end) {
		n = count;
		if (per_ms)
			n = MIN(n, per_ms * ((end - t) / NSEC_PER_MSEC) * 3 / 4);
		if (n < count / 32 || n == 0)
			break;
		one(n);
		dt = system_time() - t;
		per_ms = MAX(n * NSEC_PER_MSEC / MAX(dt, 1UL), 1UL);
		calls++;
	}
	spin_until(end);
}

/* ---- The attackers -------------------------------------------------------- */

static struct mmu_update *mmu_reqs;	/* count of them, all alike */

static void mmu_update_setup(void)
{
	static struct mmu_update page[GUEST_PAGE_SIZE / sizeof(struct mmu_update)];
	u64 pfn, mfn = spare_mfn(spare_next++, &pfn);

	for (size_t i = 0; i < ARRAY_SIZE(page); i++)
		page[i] = (struct mmu_update){ (mfn << 12) | MMU_MACHPHYS_UPDATE, pfn };
	mmu_reqs = alias_region(window, &spare_next, 2, page, false);
	if (count > ALIAS_BYTES / sizeof(struct mmu_update))
		test_error("count=%lu: at most %lu", count,
			   ALIAS_BYTES / sizeof(struct mmu_update));
}

static void mmu_update_one(u64 n)
{
	u64 done = 0;
	long rc = HYPERVISOR_mmu_update(mmu_reqs, n, &done, DOMID_SELF);

	if (rc || (u32)done != n)
		test_fail("mmu_update of %lu requests: %ld, %lu done", n, rc, (u64)(u32)done);
	units += n;
}

static struct mmuext_op *mmuext_ops;

static void mmuext_op_setup(void)
{
	static u64 page[512];

	/*
	 * 24-byte requests tile a 4 KiB page only if every 8 bytes are alike:
	 * cmd (with its padding), arg1 and arg2 are all 7, INVLPG_LOCAL of
	 * address 7.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(page); i++)
		page[i] = MMUEXT_INVLPG_LOCAL;
	mmuext_ops = alias_region(window, &spare_next, 3, page, false);
	if (count > ALIAS_BYTES / sizeof(struct mmuext_op))
		test_error("count=%lu: at most %lu", count,
			   ALIAS_BYTES / sizeof(struct mmuext_op));
}

static void mmuext_op_one(u64 n)
{
	u64 done = 0;
	long rc = HYPERVISOR_mmuext_op(mmuext_ops, n, &done, DOMID_SELF);

	if (rc || (u32)done != n)
		test_fail("mmuext_op of %lu requests: %ld, %lu done", n, rc, (u64)(u32)done);
	units += n;
}

static struct multicall_entry *mc_giant;	/* count xen_version entries */
static struct multicall_entry mc_batches[4];
static long xen_version;

static void multicall_setup(void)
{
	static struct multicall_entry page[GUEST_PAGE_SIZE / sizeof(struct multicall_entry)];

	mmu_update_setup();
	for (size_t i = 0; i < ARRAY_SIZE(page); i++)
		page[i] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version,
						    .args = { XENVER_version } };
	mc_giant = alias_region(window, &spare_next, 4, page, true);
	xen_version = HYPERVISOR_xen_version(XENVER_version, NULL);
}

static void multicall_one(u64 n)
{
	static bool giant;
	long rc;

	giant = !giant;
	if (giant) {
		mc_giant[0].result = 0;
		rc = HYPERVISOR_multicall(mc_giant, n);
		if (rc || (long)mc_giant[0].result != xen_version)
			test_fail("multicall of %lu xen_version: %ld, result %ld", n, rc,
				  (long)mc_giant[0].result);
		units += n;
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(mc_batches); i++)
		mc_batches[i] = (struct multicall_entry){
			.op = __HYPERVISOR_mmu_update, .result = 1,
			.args = { (u64)mmu_reqs, n / 4, 0, DOMID_SELF } };
	rc = HYPERVISOR_multicall(mc_batches, ARRAY_SIZE(mc_batches));
	for (size_t i = 0; i < ARRAY_SIZE(mc_batches); i++) {
		if (rc || mc_batches[i].result)
			test_fail("multicall of 4 x %lu mmu_update: %ld, entry %zu: %ld",
				  n / 4, rc, i, (long)mc_batches[i].result);
	}
	units += n / 4 * 4;
}

static const char *console_text;
static volatile struct xencons_interface *ring;

static void console_setup(void)
{
	static char page[GUEST_PAGE_SIZE];
	u64 ring_mfn = start_info->console.domU.mfn;

	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = i % 64 == 63 ? '\n' : "flood-"[i % 6];
	console_text = alias_region(window, &spare_next, 5, page, false);
	if (count > ALIAS_BYTES)
		test_error("count=%lu: at most %lu", count, ALIAS_BYTES);
	if (ring_mfn)
		ring = pfn_to_virt(mfn_to_pfn(ring_mfn));
}

static void console_one(u64 n)
{
	static bool use_ring;
	long rc;

	use_ring = !use_ring && ring;
	if (use_ring) {
		u32 prod = ring->out_cons;

		for (u32 i = 0; i < sizeof(ring->out); i++, prod++)
			ring->out[MASK_XENCONS_IDX(prod, ring->out)] = console_text[i];
		__atomic_store_n(&ring->out_prod, prod, __ATOMIC_RELEASE);
		rc = evtchn_send(start_info->console.domU.evtchn);
		if (rc)
			test_fail("EVTCHNOP_send on the console port: %ld", rc);
		units += sizeof(ring->out);
		return;
	}
	rc = HYPERVISOR_console_io(CONSOLEIO_write, n, console_text);
	if (rc)
		test_fail("console_io write of %lu bytes: %ld", n, rc);
	units += n;
}

/* The frames memory_op gives back and takes again: pfns mapped nowhere. */
#define MEMOP_MAX	8192
static u64 memop_pfn[MEMOP_MAX], memop_ext[MEMOP_MAX];
static u64 memop_n;

#define ORDER9_EXTENTS	4
#define ORDER9_ROOM	(ORDER9_EXTENTS * 512)

static long reservation_of(unsigned op, u64 *list, u64 n, unsigned order)
{
	struct xen_memory_reservation r = {
		.extent_start = (u64)list, .nr_extents = n, .extent_order = order,
		.domid = DOMID_SELF,
	};

	return HYPERVISOR_memory_op(op, &r);
}

static void memory_op_setup(void)
{
	for (u64 p = start_info->nr_pages - 1; p > 0 && memop_n < MIN(count / 2, MEMOP_MAX); p--) {
		if (pte_of(pfn_to_virt(p)))
			break;
		memop_pfn[memop_n] = p;
		memop_ext[memop_n++] = pfn_to_mfn(p);
	}
	if (memop_n < 256 + ORDER9_ROOM)
		test_error("only %lu spare frames for memory_op", memop_n);
	/* The room for the order-9 extents: the last spare frames, for good. */
	memop_n -= ORDER9_ROOM;
	if (reservation_of(XENMEM_decrease_reservation, &memop_ext[memop_n],
			   ORDER9_ROOM, 0) != ORDER9_ROOM)
		test_error("cannot give back %d frames", ORDER9_ROOM);
}

static long reservation(unsigned op, u64 n)
{
	return reservation_of(op, memop_ext, n, 0);
}

/* 4 order-9 extents taken and given back. */
static void memory_op_order9(void)
{
	u64 ext[ORDER9_EXTENTS];
	long rc = reservation_of(XENMEM_increase_reservation, ext, ORDER9_EXTENTS, 9);

	if (rc != ORDER9_EXTENTS)
		test_fail("increase_reservation of %d extents of order 9: %ld", ORDER9_EXTENTS, rc);
	if (rc > 0 && reservation_of(XENMEM_decrease_reservation, ext, (u64)rc, 9) != rc)
		test_fail("decrease_reservation of %ld extents of order 9", rc);
	units += ORDER9_ROOM;
}

/* The first n frames given back and taken again: n counts both calls. */
static void memory_op_one(u64 n)
{
	static bool order9;
	long rc;

	order9 = !order9;
	if (order9) {
		memory_op_order9();
		return;
	}

	n = MIN(n / 2, memop_n);
	rc = reservation(XENMEM_decrease_reservation, n);
	if (rc != (long)n)
		test_fail("decrease_reservation of %lu frames: %ld", n, rc);
	memcpy(memop_ext, memop_pfn, n * sizeof(memop_ext[0]));
	rc = reservation(XENMEM_populate_physmap, n);
	if (rc != (long)n) {
		test_fail("populate_physmap of %lu frames: %ld", n, rc);
		test_exit();	/* the frames' mfns are unknown now */
	}
	units += 2 * n;
}

/*
 * count L1s (one data frame mapped 512 times each) under count/512 L2s;
 * tree_l3[k - 1] is an L3 of the first k L2s.
 */
#define TREE_MAX_L2	16
static u64 tree_l3[TREE_MAX_L2], tree_l4e, tree_l2s;

static void validate_setup(void)
{
	static u64 page[512];
	u64 data = spare_mfn(spare_next++, NULL), l2[TREE_MAX_L2];
	u64 table = PTE_P | PTE_RW | PTE_US | PTE_A;

	tree_l2s = count / 512;
	if (count % 512 || tree_l2s == 0 || tree_l2s > TREE_MAX_L2)
		test_error("count=%lu: a multiple of 512, at most %d", count, TREE_MAX_L2 * 512);
	for (int k = 0; k < 512; k++)
		page[k] = (data << 12) | PTE_P | PTE_US | PTE_A;
	for (u64 j = 0; j < tree_l2s; j++) {
		l2[j] = spare_mfn(spare_next++, NULL);
		frame_zero(window, l2[j]);
		for (u64 i = 0; i < 512; i++) {
			u64 l1 = spare_mfn(spare_next++, NULL);

			frame_fill_table(window, l1, page, 0, page[0]);
			if (window_map(window, l2[j], PTE_FLAGS))
				test_error("cannot map an L2");
			((u64 *)window)[i] = (l1 << 12) | table;
			window_restore(window);
		}
	}
	for (u64 k = 0; k < tree_l2s; k++) {
		tree_l3[k] = spare_mfn(spare_next++, NULL);
		frame_zero(window, tree_l3[k]);
		if (window_map(window, tree_l3[k], PTE_FLAGS))
			test_error("cannot map an L3");
		for (u64 j = 0; j <= k; j++)
			((u64 *)window)[j] = (l2[j] << 12) | table;
		window_restore(window);
	}
	tree_l4e = (virt_to_mfn((const void *)start_info->pt_base) << 12) + 6 * 8;
}

/* A tree of about n L1s put in and taken out (units: L1s of trees). */
static void validate_one(u64 n)
{
	u64 k = MIN(MAX(n / 512, 1UL), tree_l2s);
	long rc;

	rc = mmu1(tree_l4e, (tree_l3[k - 1] << 12) | PTE_P | PTE_RW | PTE_US | PTE_A);
	if (rc)
		test_fail("installing a tree of %lu L1s: %ld", k * 512, rc);
	rc = mmu1(tree_l4e, 0);
	if (rc)
		test_fail("removing a tree of %lu L1s: %ld", k * 512, rc);
	units += k * 512;
}

/* Timers: see the table at the top. */
#define STIME_DELTA_MAX	((1UL << 62) - 1)

static void periodic(u64 ns)
{
	struct vcpu_set_periodic_timer p = { .period_ns = ns };

	HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &p);
}

static void singleshot(u64 t)
{
	struct vcpu_set_singleshot_timer s = { .timeout_abs_ns = t };

	HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &s);
}

static void poll_timeout(u64 t)
{
	struct sched_poll sp = { .ports = 0, .nr_ports = 0, .timeout = t };

	HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
}

static void timer_sleep_attack(u64 end)
{
	static const u64 periods[] = {
		NSEC_PER_MSEC, STIME_DELTA_MAX, 1UL << 62, 1UL << 63,
		~0UL - 1000000, ~0UL,
	};

	while (system_time() < end) {
		for (size_t i = 0; i < ARRAY_SIZE(periods); i++)
			periodic(periods[i]);
		HYPERVISOR_set_timer_op(~0UL);
		HYPERVISOR_set_timer_op(1UL << 63);
		singleshot(~0UL);
		singleshot(1);
		calls += 9;
		poll_timeout(end);
	}
}

static void timer_sleep_benign(u64 end)
{
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL);
	HYPERVISOR_set_timer_op(0);
	sleep_until(end);
}


static void wake_spin_attack(u64 end)
{
	u64 now, sleep = cmdline_u64("sleep_us", 200) * NSEC_PER_USEC;

	while ((now = system_time()) < end) {
		poll_timeout(MIN(now + sleep, end));
		spin_until(MIN(system_time() + count * NSEC_PER_USEC, end));
		calls++;
	}
}

/*
 * pingpong: two neighbours (role=pingpong, pp_peer= each other's domain
 * id, pp_first=1 on the one that starts) wake each other with events, as
 * fast as they can: under a wake-up boost without a bound each woken one
 * would run at once and wake the other, and the two would keep the CPU
 * between them, in context switches, while the victim waited.
 */
static evtchn_port_t pp_port;
static bool pp_first;

static void pingpong_setup(void)
{
	domid_t peer = (domid_t)cmdline_u64("pp_peer", 3);
	u64 until = system_time() + 2 * NSEC_PER_SEC;
	struct evtchn_status st;
	long port = -1;

	pp_first = cmdline_u64("pp_first", 0);
	if (pp_first) {
		port = evtchn_alloc_unbound(peer);
		if (port < 0)
			test_error("EVTCHNOP_alloc_unbound for domain %u: %ld", peer, port);
		do {
			if (evtchn_status((evtchn_port_t)port, &st))
				test_error("EVTCHNOP_status of port %ld failed", port);
			if (st.status == EVTCHNSTAT_interdomain)
				break;
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		} while (system_time() < until);
		if (st.status != EVTCHNSTAT_interdomain)
			test_error("domain %u never bound port %ld", peer, port);
	} else {
		do {
			for (evtchn_port_t p = 1; p < 64 && port < 0; p++)
				port = evtchn_bind_interdomain(peer, p);
			if (port < 0)
				HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		} while (port < 0 && system_time() < until);
		if (port < 0)
			test_error("no port of domain %u to bind: %ld", peer, port);
	}
	pp_port = (evtchn_port_t)port;
	/* Masked, so that a poll on it wakes whatever the selector says. */
	evtchn_mask(pp_port);
}

static void pingpong_attack(u64 end)
{
	u64 now;

	if (pp_first)
		evtchn_send(pp_port);
	while ((now = system_time()) < end) {
		struct sched_poll sp = {
			.ports = (u64)&pp_port, .nr_ports = 1,
			.timeout = MIN(now + 5 * NSEC_PER_MSEC, end),
		};

		HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
		if (evtchn_is_pending(pp_port)) {
			evtchn_clear_pending(pp_port);
			calls++;
		} else if (!pp_first) {
			continue;	/* the first one starts again */
		}
		evtchn_send(pp_port);
	}
}

static void timer_spin_attack(u64 end)
{
	u64 now;

	while ((now = system_time()) < end) {
		periodic(NSEC_PER_MSEC);
		periodic(~0UL);
		singleshot(1);
		singleshot(~0UL);
		singleshot(now + 1);
		HYPERVISOR_set_timer_op(1);
		HYPERVISOR_set_timer_op(~0UL);
		HYPERVISOR_set_timer_op(now + 1000);
		poll_timeout(1);
		calls += 9;
	}
}

static void timer_spin_benign(u64 end)
{
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL);
	spin_until(end);
}

static void timer_spin_setup(void)
{
	long rc = evtchn_bind_virq(VIRQ_TIMER);	/* events stay masked */

	if (rc < 0)
		test_error("bind VIRQ_TIMER: %ld", rc);
}

/* ---- The table --------------------------------------------------------------- */

static void mmu_update_attack(u64 end) { repeat(mmu_update_one, end); }
static void mmuext_op_attack(u64 end) { repeat(mmuext_op_one, end); }
static void multicall_attack(u64 end) { repeat(multicall_one, end); }
static void console_attack(u64 end) { repeat(console_one, end); }
static void memory_op_attack(u64 end) { repeat(memory_op_one, end); }
static void validate_attack(u64 end) { repeat(validate_one, end); }

static const struct attacker {
	const char *name;
	u64 default_count;
	void (*setup)(void);
	void (*attack)(u64 end);
	void (*benign)(u64 end);	/* spin_until or sleep-like */
} attackers[] = {
	{ "timer_sleep", 0, NULL, timer_sleep_attack, timer_sleep_benign },
	{ "wake_spin", 2000, NULL, wake_spin_attack, spin_until },
	{ "pingpong", 0, pingpong_setup, pingpong_attack, spin_until },
	{ "timer_spin", 0, timer_spin_setup, timer_spin_attack, timer_spin_benign },
	{ "mmu_update", 1UL << 20, mmu_update_setup, mmu_update_attack, spin_until },
	{ "mmuext_op", 1UL << 18, mmuext_op_setup, mmuext_op_attack, spin_until },
	{ "multicall", 1UL << 20, multicall_setup, multicall_attack, spin_until },
	{ "console", 32UL << 10, console_setup, console_attack, spin_until },
	{ "memory_op", 8192 + 2 * ORDER9_ROOM, memory_op_setup, memory_op_attack, spin_until },
	{ "validate", 4096, validate_setup, validate_attack, spin_until },
	{ "spinner", 0, NULL, spin_until, spin_until },
};

void neighbour_main(const char *role)
{
	const struct attacker *a = NULL;
	u64 start, end, now, attack_phases = 0;
	long rc, done_port;

	for (size_t i = 0; i < ARRAY_SIZE(attackers); i++) {
		if (!strcmp(role, attackers[i].name))
			a = &attackers[i];
	}
	if (!a)
		test_error("unknown role=%s", role);
	rc = vcpu_info_register();
	if (rc)
		test_error("VCPUOP_register_vcpu_info returned %ld", rc);
	count = cmdline_u64("count", a->default_count);
	/* The victim binds this port and tells us when it is done (main.c). */
	if (!shared_info_map())
		test_error("cannot map shared_info");
	done_port = evtchn_alloc_unbound((domid_t)cmdline_u64("peer", 1));
	if (done_port < 0)
		test_error("EVTCHNOP_alloc_unbound for the victim: %ld", done_port);
	if (a->setup)
		a->setup();
	start = system_time();
	end = neighbour_end(start);
	while ((now = system_time()) < end) {
		u64 p = phase_of(now), pend = MIN(phase_start(p + 1), end);

		if (phase_is_attack(p)) {
			attack_phases++;
			a->attack(pend);
			continue;
		}
		if (evtchn_is_pending((evtchn_port_t)done_port))
			break;	/* the victim has measured all it wanted */
		a->benign(pend);
	}
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	printk("avail: %s: %lu calls, %lu units of work in %lu attack phases\n",
	       a->name, calls, units, attack_phases);
	if (a->attack != spin_until && calls == 0)
		test_fail("%s never got to attack", a->name);
}
