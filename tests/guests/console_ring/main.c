/*
 * console_ring: what a guest writes into its PV console ring reaches the
 * serial log intact, in order, however much it writes.
 *
 * Linux's hvc0 (drivers/tty/hvc/hvc_xen.c) does not use console_io: it
 * writes into the ring page start_info.console.domU names, advances
 * out_prod and kicks the port console.domU.evtchn; the console back end
 * (here the hypervisor itself, hv/core/console.c) copies out up to
 * out_prod, advances out_cons and notifies the port back. The ring holds
 * 2 KiB, so a writer with more to say must wait for out_cons to move,
 * i.e. flow-control, exactly as hvc_xen does.
 *
 * The guest finds the ring as a PV kernel must: start_info gives the
 * frame's machine number; the M2P (read-only at MACH2PHYS_VIRT_START)
 * gives its pfn, which must be in the initial mapping (the builder puts
 * the ring there), and the P2M must map that pfn back to the same frame.
 * It writes 10 short lines, each kicked separately; a burst of 100 lines
 * (6.4 KiB, three times the ring) as one stream; a single 2500-byte line;
 * and a last line. It checks on the way that out_cons never passes
 * out_prod, that each kick is eventually followed by out_cons reaching
 * out_prod (waiting with yields, as the back end may be slow) and by an
 * event on the console port, and that the port's status is interdomain.
 * tests/guests/run compares the domain's console_ring lines with the
 * exact text.
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "pvabi/console.h"

const char test_title[] = "output through the PV console ring";

#define LONG_LINE	2500

static volatile struct xencons_interface *ring;
static evtchn_port_t port;
static u64 kicks, waits;

/* Kick the back end and wait until it has taken everything. */
static void flush(void)
{
	u32 prod = ring->out_prod;
	u64 deadline;

	__atomic_thread_fence(__ATOMIC_RELEASE);
	EXPECT_EQ(evtchn_send(port), 0);
	kicks++;
	deadline = system_time() + 2 * NSEC_PER_SEC;
	while (ring->out_cons != prod) {
		if ((s32)(prod - ring->out_cons) < 0) {
			test_fail("out_cons %u passed out_prod %u", ring->out_cons, prod);
			test_exit();
		}
		if (system_time() > deadline) {
			test_fail("out_cons stuck at %u, out_prod %u", ring->out_cons, prod);
			test_exit();
		}
		waits++;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

/* Put bytes in the ring, flushing whenever it is full (flow control). */
static void ring_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		u32 prod = ring->out_prod;

		if (prod - ring->out_cons >= sizeof(ring->out)) {
			flush();
			prod = ring->out_prod;
		}
		ring->out[MASK_XENCONS_IDX(prod, ring->out)] = s[i];
		__atomic_store_n(&ring->out_prod, prod + 1, __ATOMIC_RELEASE);
	}
}

static void ring_printf(const char *fmt, ...) __printf(1, 2);
static void ring_printf(const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ring_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

static void find_ring(const struct start_info *si)
{
	u64 mfn = si->console.domU.mfn, pfn;
	struct evtchn_status st;

	if (!mfn || !si->console.domU.evtchn)
		test_error("start_info has no console ring (mfn %#lx, port %u)",
			   mfn, si->console.domU.evtchn);
	pfn = mfn_to_pfn(mfn);
	printk("console_ring: mfn %#lx is pfn %#lx, port %u\n", mfn, pfn,
	       si->console.domU.evtchn);
	ASSERT(pfn < si->nr_pages);
	ASSERT_EQ(pfn_to_mfn(pfn), mfn);
	ASSERT(pte_of(pfn_to_virt(pfn)) & PTE_P);	/* in the initial mapping */
	ASSERT_EQ((pte_of(pfn_to_virt(pfn)) & PTE_MFN_MASK) >> 12, mfn);
	ring = pfn_to_virt(pfn);
	port = si->console.domU.evtchn;
	EXPECT_EQ(evtchn_status(port, &st), 0);
	EXPECT_EQ(st.status, EVTCHNSTAT_interdomain);
	EXPECT_EQ(ring->out_prod - ring->out_cons, 0);	/* nothing written yet */
}

void test_main(const struct start_info *si)
{
	static char line[LONG_LINE + 32];
	size_t n;

	if (!shared_info_map())
		test_skip("shared_info cannot be mapped");
	find_ring(si);

	for (int i = 0; i < 10; i++) {
		ring_printf("console_ring: short %02d\n", i);
		evtchn_clear_pending(port);
		flush();
		/* The back end says it consumed: an event on our port. */
		EXPECT(evtchn_is_pending(port));
	}

	for (int i = 0; i < 100; i++) {
		char c = (char)('a' + i % 26);

		n = (size_t)hv_snprintf(line, sizeof(line), "console_ring: burst %03d ", i);
		while (n < 64)
			line[n++] = c;
		line[n++] = '\n';
		ring_write(line, n);
	}
	flush();

	n = (size_t)hv_snprintf(line, sizeof(line), "console_ring: long ");
	for (int j = 0; j < LONG_LINE; j++)
		line[n++] = (char)('0' + j % 10);
	line[n++] = '\n';
	ring_write(line, n);
	ring_printf("console_ring: done\n");
	flush();
	printk("console_ring: %lu kicks, %lu waits, out_prod %u\n", kicks, waits,
	       ring->out_prod);
	EXPECT(kicks >= 10 + 3);	/* the burst could not fit in one ring */
}
