/*
 * smp_ipi: event channels between the vCPUs of one domain, each vCPU's
 * events on its own vcpu_info, and each vCPU's own timer.
 *
 * Linux's SMP on Xen rests on this: its IPIs (reschedule, call-function)
 * are EVTCHNOP_bind_ipi ports, one per CPU and purpose; a device's port is
 * moved to another CPU with EVTCHNOP_bind_vcpu (irq affinity); and each
 * CPU's clockevent is its own VIRQ_TIMER and singleshot timer, woken out
 * of SCHEDOP_block. An event for vCPU 1 must set vCPU 1's
 * evtchn_upcall_pending and selector, enter vCPU 1's callback, and wake
 * vCPU 1 if it blocked; never vCPU 0's. Two vCPUs (domains.list); vCPU 1
 * (smp.h) follows a phase vCPU 0 sets, kicked by an IPI port of its own
 * when it sleeps in SCHEDOP_block.
 *
 *  1. EVTCHNOP_bind_ipi {vcpu 1}: vCPU 0 sends 100 times, each time waiting
 *     for vCPU 1's handler: every one handled on vCPU 1, none on vCPU 0.
 *     bind_ipi and bind_virq to vCPU 2 (there is none) are -ENOENT.
 *  2. Round trips: vCPU 0 sends to vCPU 1, whose handler sends back on an
 *     IPI port of vCPU 0, 200 times, vCPU 0 blocked (SCHEDOP_block) in
 *     between: both directions wake a blocked vCPU.
 *  3. EVTCHNOP_bind_vcpu: a port allocated unbound to ourselves is moved to
 *     vCPU 1 while unbound, then bound (loopback interdomain). With both
 *     vCPUs' events masked, a send must mark vCPU 1's vcpu_info
 *     (upcall_pending, the selector bit) and leave vCPU 0's clear; unmasked
 *     on vCPU 1, the handler runs there. Moved back to vCPU 0, the same the
 *     other way round. bind_vcpu of an IPI port or of VIRQ_TIMER is
 *     -EINVAL (Xen: they are per vCPU), to vCPU 2 -ENOENT.
 *  4. VIRQ_TIMER bound per vCPU, periodic timers stopped: both vCPUs set a
 *     singleshot timer (vCPU 1 at 15 ms, vCPU 0 at 30 ms) and block. Each
 *     wakes by its own timer, on its own port, not early. Setting vCPU 1's
 *     singleshot timer from vCPU 0 is -EINVAL (only the calling vCPU).
 */
#include "guest.h"
#include "events.h"
#include "smp.h"
#include "traps.h"

const char test_title[] = "IPIs, bind_vcpu and per-vCPU timers between two vCPUs";

#define SENDS		100
#define ROUNDS		200
#define V1_DEADLINE	(15 * NSEC_PER_MSEC)
#define V0_DEADLINE	(30 * NSEC_PER_MSEC)
#define TIMER_LATE_MAX	(2 * NSEC_PER_SEC)	/* a busy host stops QEMU now and then */

enum phase { PH_BLOCK = 1, PH_MASKED, PH_TIMER, PH_EXIT };

static volatile int phase, phase_ack, v1_timer_done;
static evtchn_port_t kick1;		/* IPI to vCPU 1: "look at phase" */
static evtchn_port_t ipi1;		/* IPI to vCPU 1: counted */
static evtchn_port_t pong0;		/* IPI to vCPU 0: the answer */
static volatile bool answer;		/* vCPU 1 answers ipi1 on pong0 */
static volatile u32 ipi_on[SMP_MAX_VCPUS], pong_on[SMP_MAX_VCPUS];
static volatile u32 moved_on[SMP_MAX_VCPUS];

static evtchn_port_t timer_of[2];
static volatile u32 fired_on[2];
static volatile u64 fired_at[2], deadline_of[2];
static volatile int fired_by[2] = { -1, -1 };

/* ---- handlers (on whichever vCPU takes the event) ----------------------- */

static void on_ipi(evtchn_port_t port, struct trap_frame *f)
{
	unsigned int id = smp_id();

	(void)port, (void)f;
	ipi_on[id]++;
	if (READ_ONCE(answer))
		evtchn_send(pong0);
}

static void on_pong(evtchn_port_t port, struct trap_frame *f)
{
	(void)port, (void)f;
	pong_on[smp_id()]++;
}

static void on_moved(evtchn_port_t port, struct trap_frame *f)
{
	(void)port, (void)f;
	moved_on[smp_id()]++;
}

static void on_timer(evtchn_port_t port, struct trap_frame *f)
{
	unsigned int id = smp_id();
	unsigned int which = port == timer_of[1];

	(void)f;
	fired_at[which] = system_time();
	fired_by[which] = (int)id;
	fired_on[which]++;
}

/* ---- vCPU 1 ---------------------------------------------------------------- */

/* Sleep with events enabled until one arrives: SCHEDOP_block unmasks. */
static void block_once(void)
{
	events_disable();
	HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	/* The event was delivered on the way back; events stay enabled. */
}

static void v1_timer(void)
{
	u64 deadline = system_time() + V1_DEADLINE;

	deadline_of[1] = deadline;
	if (timer_set_singleshot(deadline))
		test_fail("vCPU 1: its singleshot timer was refused");
	for (unsigned long n = 0; !READ_ONCE(fired_on[1]) && n < 100000; n++)
		block_once();
	events_disable();
}

static void v1_main(unsigned int id, void *arg)
{
	(void)id, (void)arg;
	for (;;) {
		int ph = READ_ONCE(phase);

		switch (ph) {
		case PH_BLOCK:
			WRITE_ONCE(phase_ack, ph);
			block_once();
			break;
		case PH_MASKED:
			events_disable();
			WRITE_ONCE(phase_ack, ph);
			smp_yield();
			break;
		case PH_TIMER:
			WRITE_ONCE(phase, PH_MASKED);
			v1_timer();
			WRITE_ONCE(v1_timer_done, 1);
			break;
		default:
			WRITE_ONCE(phase_ack, ph);
			return;
		}
	}
}

/* Give vCPU 1 a phase and wait until it is in it. */
static void v1_phase(int ph)
{
	WRITE_ONCE(phase, ph);
	evtchn_send(kick1);
	smp_wait(READ_ONCE(phase_ack) == ph, "vCPU 1 did not enter phase %d", ph);
}

/* ---- vCPU 0 ------------------------------------------------------------------ */

static void ipis(void)
{
	for (u32 i = 1; i <= SENDS; i++) {
		ASSERT_EQ(evtchn_send(ipi1), 0);
		smp_wait(READ_ONCE(ipi_on[1]) >= i, "IPI %u of %u never reached vCPU 1", i, SENDS);
	}
	EXPECT_EQ(ipi_on[1], SENDS);
	EXPECT_EQ(ipi_on[0], 0);
	EXPECT_EQ(evtchn_seen_by[ipi1], 1);
	EXPECT_EQ(evtchn_bind_ipi_vcpu(2), -XEN_ENOENT);
	EXPECT_EQ(evtchn_bind_virq_vcpu(VIRQ_TIMER, 2), -XEN_ENOENT);
}

static void round_trips(void)
{
	u32 base1 = ipi_on[1];

	WRITE_ONCE(answer, true);
	events_enable();
	for (u32 i = 1; i <= ROUNDS; i++) {
		ASSERT_EQ(evtchn_send(ipi1), 0);
		for (unsigned long n = 0; READ_ONCE(pong_on[0]) < i; n++) {
			if (n > 100000) {
				test_fail("round trip %u of %u: no answer on vCPU 0", i, ROUNDS);
				test_exit();
			}
			block_once();
		}
	}
	events_disable();
	WRITE_ONCE(answer, false);
	EXPECT_EQ(pong_on[0], ROUNDS);
	EXPECT_EQ(pong_on[1], 0);
	EXPECT_EQ(ipi_on[1] - base1, ROUNDS);
	EXPECT_EQ(ipi_on[0], 0);
}

static bool sel_has(const struct vcpu_info *vi, evtchn_port_t port)
{
	return (READ_ONCE(vi->evtchn_pending_sel) >> (port / 64)) & 1;
}

/* Whatever is pending for vCPU 0 now: handled, then events masked again. */
static void v0_drain(void)
{
	events_enable();
	events_disable();
}

/*
 * With both vCPUs masked, send on `from` (the loopback's other end): the
 * port `to` must be marked pending on vCPU `on`'s vcpu_info only; then
 * vCPU `on` handles it.
 */
static void moved_send(evtchn_port_t from, evtchn_port_t to, unsigned int on)
{
	struct vcpu_info *vi[2] = { vcpu_info_of(0), vcpu_info_of(1) };
	unsigned int off = !on;
	u32 before = moved_on[on];

	v1_phase(PH_MASKED);
	v0_drain();
	if (vi[0]->evtchn_upcall_pending || vi[1]->evtchn_upcall_pending)
		test_error("before the send: upcall_pending %u on vCPU 0, %u on vCPU 1",
			   vi[0]->evtchn_upcall_pending, vi[1]->evtchn_upcall_pending);
	ASSERT_EQ(evtchn_send(from), 0);
	EXPECT(evtchn_is_pending(to));
	if (!vi[on]->evtchn_upcall_pending || !sel_has(vi[on], to))
		test_fail("port %u bound to vCPU %u: its vcpu_info has upcall_pending %u, selector %#lx",
			  to, on, vi[on]->evtchn_upcall_pending, vi[on]->evtchn_pending_sel);
	if (vi[off]->evtchn_upcall_pending || sel_has(vi[off], to))
		test_fail("port %u bound to vCPU %u: vCPU %u's vcpu_info was marked (upcall_pending %u, selector %#lx)",
			  to, on, off, vi[off]->evtchn_upcall_pending, vi[off]->evtchn_pending_sel);
	if (on == 1) {
		v1_phase(PH_BLOCK);
		smp_wait(READ_ONCE(moved_on[1]) > before, "vCPU 1 never handled port %u", to);
	} else {
		v0_drain();
		EXPECT_EQ(moved_on[0], before + 1);
	}
	EXPECT_EQ(evtchn_seen_by[to], on);
}

static void bind_vcpu(void)
{
	long p, q;

	p = evtchn_alloc_unbound(DOMID_SELF);
	ASSERT(p > 0);
	evtchn_set_handler((evtchn_port_t)p, on_moved);
	ASSERT_EQ(evtchn_bind_vcpu((evtchn_port_t)p, 1), 0);	/* unbound: moves */
	q = evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)p);
	ASSERT(q > 0);
	moved_send((evtchn_port_t)q, (evtchn_port_t)p, 1);
	EXPECT_EQ(moved_on[0], 0);
	ASSERT_EQ(evtchn_bind_vcpu((evtchn_port_t)p, 0), 0);	/* interdomain: moves */
	moved_send((evtchn_port_t)q, (evtchn_port_t)p, 0);
	EXPECT_EQ(moved_on[1], 1);
	EXPECT_EQ(evtchn_bind_vcpu((evtchn_port_t)p, 2), -XEN_ENOENT);
	EXPECT_EQ(evtchn_bind_vcpu(ipi1, 0), -XEN_EINVAL);
	EXPECT_EQ(evtchn_bind_vcpu(timer_of[1], 0), -XEN_EINVAL);
	v1_phase(PH_BLOCK);
}

static void timers(void)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = system_time() + NSEC_PER_SEC };
	u64 deadline;

	EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 1, &t), -XEN_EINVAL);
	WRITE_ONCE(phase, PH_TIMER);
	evtchn_send(kick1);
	deadline = system_time() + V0_DEADLINE;
	deadline_of[0] = deadline;
	ASSERT_EQ(timer_set_singleshot(deadline), 0);
	for (unsigned long n = 0; !READ_ONCE(fired_on[0]) && n < 100000; n++)
		block_once();
	events_disable();
	smp_wait(READ_ONCE(v1_timer_done), "vCPU 1 did not come back from its timer");
	for (unsigned int i = 0; i < 2; i++) {
		if (fired_on[i] != 1 || fired_by[i] != (int)i) {
			test_fail("vCPU %u's timer: fired %u times, handled on vCPU %d",
				  i, fired_on[i], fired_by[i]);
			continue;
		}
		if (fired_at[i] < deadline_of[i])
			test_fail("vCPU %u's timer fired %lu ns early", i,
				  deadline_of[i] - fired_at[i]);
		else if (fired_at[i] > deadline_of[i] + TIMER_LATE_MAX)
			test_fail("vCPU %u's timer fired %lu ms late", i,
				  (fired_at[i] - deadline_of[i]) / NSEC_PER_MSEC);
		else
			printk("smp_ipi: vCPU %u's timer woke it %lu us after its deadline\n",
			       i, (fired_at[i] - deadline_of[i]) / NSEC_PER_USEC);
	}
}

static evtchn_port_t bound(long rc, const char *what)
{
	if (rc <= 0)
		test_fail("%s: %ld", what, rc);
	if (rc <= 0)
		test_exit();
	return (evtchn_port_t)rc;
}

void test_main(const struct start_info *si)
{
	(void)si;
	traps_init();
	events_init();
	smp_init();
	ASSERT_EQ(smp_nr_vcpus(), 2);
	kick1 = bound(evtchn_bind_ipi_vcpu(1), "bind_ipi to vCPU 1");
	ipi1 = bound(evtchn_bind_ipi_vcpu(1), "bind_ipi to vCPU 1");
	pong0 = bound(evtchn_bind_ipi_vcpu(0), "bind_ipi to vCPU 0");
	evtchn_set_handler(ipi1, on_ipi);
	evtchn_set_handler(pong0, on_pong);
	/* Each vCPU's VIRQ_TIMER, with its periodic timer stopped first. */
	for (unsigned int i = 0; i < 2; i++) {
		ASSERT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, i, NULL), 0);
		timer_of[i] = bound(evtchn_bind_virq_vcpu(VIRQ_TIMER, i), "bind_virq(VIRQ_TIMER)");
		evtchn_clear_pending(timer_of[i]);
		evtchn_set_handler(timer_of[i], on_timer);
	}
	WRITE_ONCE(phase, PH_BLOCK);
	ASSERT_EQ(vcpu_start(1, v1_main, NULL), 0);
	smp_wait(READ_ONCE(phase_ack) == PH_BLOCK, "vCPU 1 did not start");

	ipis();
	round_trips();
	bind_vcpu();
	timers();

	v1_phase(PH_EXIT);
	smp_wait(vcpu_is_up(1) == 0, "vCPU 1 did not go down at the end");
}
