/*
 * preempt: long hypercalls are preempted with Xen's continuations, and the
 * guest sees exactly what Xen's guests see.
 *
 * A hypercall that loops over work the guest names stops between two
 * pieces when something else is due and is made again by the guest: the
 * hypervisor rewrites the argument registers to say what is left and
 * steps RIP back onto the syscall instruction, and any event that is
 * pending is delivered first, on top (docs/pv-mechanisms.md §21). With a 1
 * ms periodic timer bound to a handler and events enabled, every long
 * call here is interrupted by timer events, and the handler records the
 * frames it interrupted. Checked:
 *
 *	- mmu_update of 2^20 requests (one request frame mapped over 1 GiB):
 *	  interrupted at the syscall instruction, with rax = mmu_update, rdi
 *	  = reqs + done, rsi = (count - done) | MMU_UPDATE_PREEMPTED, rdx and
 *	  r10 unchanged, and *pdone = done at that moment; it ends with 0 and
 *	  *pdone = count;
 *	- a batch of 65536 distinct requests (plain stores into 128 frames):
 *	  every one has its effect;
 *	- mmuext_op of 2^17 INVLPGs the same way, and pins made throughout
 *	  a long mmuext_op batch are all in effect;
 *	- a multicall of [xen_version, mmu_update of 2^20, console_io,
 *	  xen_version]: interrupted with rax = multicall, rdi = &entry[k],
 *	  rsi = 4 - k; when preempted inside the mmu_update, that entry holds
 *	  its own continuation (args[1] with MMU_UPDATE_PREEMPTED); every
 *	  result is right at the end;
 *	- XENMEM_decrease_reservation and populate_physmap of 2048 frames:
 *	  interrupted with rdi = op | done << 6, every frame given back and
 *	  taken again; increase_reservation of one 2 MiB extent (order 9: 512
 *	  frames to zero, milliseconds) interrupted in the middle of it (rdi
 *	  = op, extent 0 not done yet), and the extent whole in the end;
 *	- set_trap_table of a 2^16-entry list (all vector 0x80): interrupted
 *	  with rdi = the entry reached; the handler is in effect after;
 *	- console_io of 512 lines in one write (32 KiB: twice the
 *	  hypervisor's output buffer, which is sent to the UART only on the
 *	  way back to the guest, so the write must stop and go on), and then
 *	  a full console ring (2 KiB, 32 lines, filled before the write, so
 *	  its kick finds that buffer full) kicked with one EVTCHNOP_send,
 *	  which is made again until the ring is empty (seen only when a
 *	  tick lands on it: reported, not required): all lines whole and
 *	  in order (tests/guests/run checks the log);
 *	- an event the guest sends itself in a multicall (an IPI port,
 *	  events enabled) is delivered before the next entry runs (Xen's
 *	  check: an event waiting for the vCPU preempts);
 *	- memory_op's limits: a batch of 2^26 extents (more than the
 *	  continuation can encode) and a start past the end do nothing and
 *	  return the start; CONSOLEIO_read of more than INT_MAX is -E2BIG;
 *	- an iret entry in a multicall ends the batch: the multicall returns
 *	  iret's rax and the entry after it never runs (Xen, XSA-213);
 *	- the guest passing MMU_UPDATE_PREEMPTED itself: *pdone is read and
 *	  added to; mmu_update/mmuext_op(NULL, MMU_UPDATE_PREEMPTED, ..., fd)
 *	  returns (int)fd, as Xen does.
 */
#include "guest.h"
#include "events.h"
#include "hcall_site.h"
#include "mmu.h"
#include "traps.h"
#include "pvabi/console.h"

const char test_title[] = "long hypercalls are preempted, with Xen's continuations";

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static unsigned spare;

/* One hypercall site, so the handler knows where RIP must be: hcall_site.h. */

/* ---- What the timer handler saw -------------------------------------------- */

#define MAX_SEEN	64

struct seen {
	u64 rip, rax, rdi, rsi, rdx, r10;
	u64 pdone;		/* *watch_pdone at that moment */
	u64 arg1;		/* watch_entry->args[1] at that moment */
};

static struct seen seen[MAX_SEEN];
static volatile u64 nseen, ticks;
static volatile u32 *watch_pdone;
static volatile struct multicall_entry *watch_entry_base;

static u64 tick_ns = NSEC_PER_MSEC;	/* the period ticking(true) sets */

static void tick(evtchn_port_t port, struct trap_frame *f)
{
	(void)port;
	ticks++;
	if (tick_ns < NSEC_PER_MSEC)	/* under the periodic timer's minimum: by hand */
		timer_set_singleshot(system_time() + tick_ns);
	if (f->rip != (u64)hcall_site || nseen >= MAX_SEEN)
		return;
	seen[nseen] = (struct seen){
		.rip = f->rip, .rax = f->regs->rax, .rdi = f->regs->rdi,
		.rsi = f->regs->rsi, .rdx = f->regs->rdx, .r10 = f->regs->r10,
		.pdone = watch_pdone ? *watch_pdone : 0,
	};
	if (watch_entry_base && f->regs->rax == __HYPERVISOR_multicall) {
		u64 k = (f->regs->rdi - (u64)watch_entry_base) / sizeof(struct multicall_entry);

		if (k < 4)
			seen[nseen].arg1 = watch_entry_base[k].args[1];
	}
	nseen++;
}

static void ticking(bool on)
{
	struct vcpu_set_periodic_timer p = { .period_ns = tick_ns };

	if (on) {
		nseen = 0;
		if (tick_ns < NSEC_PER_MSEC)
			EXPECT_EQ(timer_set_singleshot(system_time() + tick_ns), 0);
		else
			EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &p), 0);
		events_enable();
	} else {
		events_disable();
		if (tick_ns < NSEC_PER_MSEC)
			EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
		else
			EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0);
		watch_pdone = NULL;
		watch_entry_base = NULL;
	}
}

static void expect_preempted(const char *what)
{
	printk("preempt: %s: interrupted %lu times at the hypercall\n", what, nseen);
	if (nseen == 0)
		test_fail("%s: never interrupted at its syscall (%lu ticks)", what, ticks);
}

/* ---- mmu_update and mmuext_op ------------------------------------------------- */

#define BIG		(1UL << 20)

static struct mmu_update *alias_reqs;

static void mmu_update_big(void)
{
	static struct mmu_update page[GUEST_PAGE_SIZE / sizeof(struct mmu_update)];
	u64 pfn, mfn = spare_mfn(spare++, &pfn);
	u32 pdone = 0;
	long rc;

	for (size_t i = 0; i < ARRAY_SIZE(page); i++)
		page[i] = (struct mmu_update){ (mfn << 12) | MMU_MACHPHYS_UPDATE, pfn };
	alias_reqs = alias_region(window, &spare, 2, page, false);
	watch_pdone = &pdone;
	ticking(true);
	rc = hcall(__HYPERVISOR_mmu_update, (u64)alias_reqs, BIG, (u64)&pdone, DOMID_SELF);
	ticking(false);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(pdone, BIG);
	expect_preempted("mmu_update of 2^20");
	for (u64 i = 0; i < nseen; i++) {
		const struct seen *s = &seen[i];
		u64 done = (s->rdi - (u64)alias_reqs) / sizeof(struct mmu_update);

		EXPECT_EQ(s->rax, __HYPERVISOR_mmu_update);
		EXPECT_EQ(s->rsi, (BIG - done) | MMU_UPDATE_PREEMPTED);
		EXPECT_EQ(s->rdx, (u64)&pdone);
		EXPECT_EQ(s->r10, DOMID_SELF);
		EXPECT_EQ(s->pdone, done);
		EXPECT(done > 0 && done < BIG);
		if (test_failed())
			break;
	}
}

/* 65536 different plain stores into 128 spare frames, in one batch. */
#define DISTINCT	65536
static struct mmu_update distinct[DISTINCT];

static void mmu_update_distinct(void)
{
	static u64 frames[DISTINCT / 512];
	u32 pdone = 0;
	long rc;

	for (size_t f = 0; f < ARRAY_SIZE(frames); f++) {
		frames[f] = spare_mfn(spare++, NULL);
		frame_zero(window, frames[f]);
	}
	for (u64 i = 0; i < DISTINCT; i++)
		distinct[i] = (struct mmu_update){
			(frames[i / 512] << 12) | (i % 512) * 8 | MMU_NORMAL_PT_UPDATE,
			0x5a00000000000000UL | i };
	ticking(true);
	rc = hcall(__HYPERVISOR_mmu_update, (u64)distinct, DISTINCT, (u64)&pdone, DOMID_SELF);
	ticking(false);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(pdone, DISTINCT);
	printk("preempt: mmu_update of 65536 stores: interrupted %lu times\n", nseen);
	for (size_t f = 0; f < ARRAY_SIZE(frames); f++) {
		const u64 *w = (const u64 *)window;

		ASSERT_EQ(window_map(window, frames[f], PTE_P | PTE_A), 0);
		for (u64 k = 0; k < 512; k++) {
			if (w[k] != (0x5a00000000000000UL | (f * 512 + k))) {
				test_fail("request %lu: its store is not there (%#lx)",
					  f * 512 + k, w[k]);
				break;
			}
		}
		window_restore(window);
	}
}

static void mmuext_op_big(void)
{
	static u64 page[512];
	struct mmuext_op *ops;
	u32 pdone = 0;
	long rc;

	for (size_t i = 0; i < ARRAY_SIZE(page); i++)
		page[i] = MMUEXT_INVLPG_LOCAL;	/* cmd, arg1, arg2: all 7 */
	ops = alias_region(window, &spare, 3, page, false);
	watch_pdone = &pdone;
	ticking(true);
	rc = hcall(__HYPERVISOR_mmuext_op, (u64)ops, BIG / 8, (u64)&pdone, DOMID_SELF);
	ticking(false);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(pdone, BIG / 8);
	expect_preempted("mmuext_op of 2^17 INVLPG");
	for (u64 i = 0; i < nseen; i++) {
		const struct seen *s = &seen[i];
		u64 done = (s->rdi - (u64)ops) / sizeof(struct mmuext_op);

		EXPECT_EQ(s->rax, __HYPERVISOR_mmuext_op);
		EXPECT_EQ(s->rsi, (BIG / 8 - done) | MMU_UPDATE_PREEMPTED);
		EXPECT_EQ(s->pdone, done);
		if (test_failed())
			break;
	}
}

/* 32 pins spread over a batch of 16384 operations; all in effect after. */
static void mmuext_op_pins(void)
{
	static struct mmuext_op ops[16384];
	static u64 tables[32];
	u32 pdone = 0;
	long rc;

	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		tables[t] = spare_mfn(spare++, NULL);
		frame_zero(window, tables[t]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		ops[i] = (struct mmuext_op){ .cmd = MMUEXT_INVLPG_LOCAL,
					     .arg1.linear_addr = (u64)window };
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
		ops[t * 512 + 300] = (struct mmuext_op){ .cmd = MMUEXT_PIN_L1_TABLE,
							 .arg1.mfn = tables[t] };
	ticking(true);
	rc = hcall(__HYPERVISOR_mmuext_op, (u64)ops, ARRAY_SIZE(ops), (u64)&pdone, DOMID_SELF);
	ticking(false);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(pdone, ARRAY_SIZE(ops));
	printk("preempt: mmuext_op of 16384 with 32 pins: interrupted %lu times\n", nseen);
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		EXPECT_EQ(unpin(tables[t]), 0);		/* it was pinned */
		EXPECT_EQ(unpin(tables[t]), -XEN_EINVAL);	/* once */
	}
}

/* ---- multicall ------------------------------------------------------------------ */

static const char mc_line[] = "preempt: console_io inside a preempted multicall\n";

static void multicall_big(void)
{
	static struct multicall_entry mc[4];
	long version = HYPERVISOR_xen_version(XENVER_version, NULL);
	bool inside = false;
	long rc;

	memset(mc, 0, sizeof(mc));
	mc[0] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version, .result = 1,
					  .args = { XENVER_version } };
	mc[1] = (struct multicall_entry){ .op = __HYPERVISOR_mmu_update, .result = 1,
					  .args = { (u64)alias_reqs, BIG, 0, DOMID_SELF } };
	mc[2] = (struct multicall_entry){ .op = __HYPERVISOR_console_io, .result = 1,
					  .args = { CONSOLEIO_write, sizeof(mc_line) - 1,
						    (u64)mc_line } };
	mc[3] = mc[0];
	watch_entry_base = mc;
	ticking(true);
	rc = hcall(__HYPERVISOR_multicall, (u64)mc, 4, 0, 0);
	ticking(false);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(mc[0].result, version);
	EXPECT_EQ(mc[1].result, 0);
	EXPECT_EQ(mc[2].result, 0);
	EXPECT_EQ(mc[3].result, version);
	expect_preempted("multicall with an mmu_update of 2^20");
	for (u64 i = 0; i < nseen; i++) {
		const struct seen *s = &seen[i];
		u64 k = (s->rdi - (u64)mc) / sizeof(mc[0]);

		EXPECT_EQ(s->rax, __HYPERVISOR_multicall);
		EXPECT(k >= 1 && k < 4 && (s->rdi - (u64)mc) % sizeof(mc[0]) == 0);
		EXPECT_EQ(s->rsi, 4 - k);
		if (k == 1 && (s->arg1 & MMU_UPDATE_PREEMPTED))
			inside = true;
		if (test_failed())
			break;
	}
	/* Most ticks come during the mmu_update: its own continuation is in the entry. */
	if (!inside)
		test_fail("the multicall was never seen preempted inside its mmu_update entry");
}

/* XSA-213: iret in a multicall ends it; the multicall returns iret's rax. */
#define IRET_MAGIC	0x1337c0deUL

static void multicall_iret(void)
{
	static struct multicall_entry mc[2];
	register u64 list asm("rdi") = (u64)mc;
	register u64 nr asm("rsi") = 2;
	long rc;

	mc[0] = (struct multicall_entry){ .op = __HYPERVISOR_iret };
	mc[1] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version, .result = 0x77,
					  .args = { XENVER_version } };
	asm volatile("mov %%rsp, %%r9\n\t"
		     "pushq %[ss]\n\t"		/* iret_context, from high to low */
		     "pushq %%r9\n\t"		/* rsp: as before the pushes */
		     "pushfq\n\t"
		     "andq $~0x200, (%%rsp)\n\t"	/* IF off: events stay masked */
		     "pushq %[cs]\n\t"
		     "leaq 1f(%%rip), %%r9\n\t"
		     "pushq %%r9\n\t"		/* rip: just after the syscall */
		     "pushq $0\n\t"		/* flags */
		     "pushq $0\n\t"		/* rcx */
		     "pushq $0\n\t"		/* r11 */
		     "pushq %[magic]\n\t"		/* rax */
		     "syscall\n"
		     "1:"
		     : "=a"(rc), "+r"(list), "+r"(nr)
		     : "0"((u64)__HYPERVISOR_multicall),
		       [ss] "r"(KERNEL_SS), [cs] "r"(KERNEL_CS_FRAME),
		       [magic] "i"(IRET_MAGIC)
		     : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory");
	EXPECT_EQ(rc, IRET_MAGIC);
	EXPECT_EQ(mc[1].result, 0x77);	/* never ran */
}

/* ---- memory_op, set_trap_table, console_io -------------------------------------------- */

#define MEMOP_N		2048
static u64 memop_pfn[MEMOP_N], memop_ext[MEMOP_N];

static void memory_op_big(void)
{
	struct xen_memory_reservation r = { .extent_start = (u64)memop_ext,
					    .nr_extents = MEMOP_N, .domid = DOMID_SELF };
	long rc;

	for (u64 i = 0; i < MEMOP_N; i++) {
		u64 pfn;

		memop_ext[i] = spare_mfn(spare++, &pfn);
		memop_pfn[i] = pfn;
	}
	ticking(true);
	rc = hcall(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, (u64)&r, 0, 0);
	ticking(false);
	EXPECT_EQ(rc, MEMOP_N);
	printk("preempt: decrease_reservation of %d: interrupted %lu times\n", MEMOP_N, nseen);
	memcpy(memop_ext, memop_pfn, sizeof(memop_ext));
	ticking(true);
	rc = hcall(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (u64)&r, 0, 0);
	ticking(false);
	EXPECT_EQ(rc, MEMOP_N);
	expect_preempted("populate_physmap of 2048");
	for (u64 i = 0; i < nseen; i++) {
		u64 done = seen[i].rdi >> 6;

		EXPECT_EQ(seen[i].rax, __HYPERVISOR_memory_op);
		EXPECT_EQ(seen[i].rdi & 0x3f, XENMEM_populate_physmap);
		EXPECT(done > 0 && done < MEMOP_N);
		EXPECT_EQ(seen[i].rsi, (u64)&r);
		if (test_failed())
			break;
	}
	for (u64 i = 0; i < MEMOP_N; i++) {
		if (mfn_to_pfn(memop_ext[i]) != memop_pfn[i]) {
			test_fail("pfn %lu: not populated (mfn %#lx)", memop_pfn[i], memop_ext[i]);
			break;
		}
	}
}

/* One order-9 extent: 512 frames zeroed, preempted in the middle of them. */
static void memory_op_order9(void)
{
	static u64 room[512];
	u64 ext[1];
	struct xen_memory_reservation r = { .extent_start = (u64)room, .nr_extents = 512,
					    .domid = DOMID_SELF };
	long rc;

	for (u64 i = 0; i < 512; i++)
		room[i] = spare_mfn(spare++, NULL);
	ASSERT_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 512);
	r = (struct xen_memory_reservation){ .extent_start = (u64)ext, .nr_extents = 1,
					     .extent_order = 9, .domid = DOMID_SELF };
	ticking(true);
	rc = hcall(__HYPERVISOR_memory_op, XENMEM_increase_reservation, (u64)&r, 0, 0);
	ticking(false);
	EXPECT_EQ(rc, 1);
	expect_preempted("increase_reservation of one order-9 extent");
	for (u64 i = 0; i < nseen; i++) {
		EXPECT_EQ(seen[i].rax, __HYPERVISOR_memory_op);
		EXPECT_EQ(seen[i].rdi, XENMEM_increase_reservation);	/* extent 0, still */
		if (test_failed())
			break;
	}
	EXPECT_EQ(ext[0] & 511, 0);			/* 2 MiB aligned */
	for (u64 j = 0; j < 512; j += 511)
		EXPECT_EQ(mfn_to_pfn(ext[0] + j), INVALID_M2P);	/* ours, no pfn */
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1);
}

static volatile u64 int80_seen;

static void int80(struct trap_frame *f)
{
	(void)f;
	int80_seen++;
}

static void set_trap_table_long(void)
{
	static struct trap_info list[65536 + 1];
	long rc;

	trap_set_handler(0x80, int80);
	for (size_t i = 0; i < 65536; i++)
		list[i] = (struct trap_info){ .vector = 0x80, .flags = TI_DPL(3),
					      .cs = (u16)KERNEL_CS,
					      .address = trap_entry_address(0x80) };
	ticking(true);
	rc = hcall(__HYPERVISOR_set_trap_table, (u64)list, 0, 0, 0);
	ticking(false);
	EXPECT_EQ(rc, 0);
	expect_preempted("set_trap_table of 65536 entries");
	for (u64 i = 0; i < nseen; i++) {
		EXPECT_EQ(seen[i].rax, __HYPERVISOR_set_trap_table);
		EXPECT(seen[i].rdi > (u64)list && seen[i].rdi < (u64)&list[65536] &&
		       (seen[i].rdi - (u64)list) % sizeof(list[0]) == 0);
		if (test_failed())
			break;
	}
	asm volatile("int $0x80" ::: "memory");
	EXPECT_EQ(int80_seen, 1);
}

#define LONG_LINES	512	/* of 64 bytes: 32 KiB */

/* seen[from, to) are console_io's continuations of a LONG_LINES write of text. */
static void check_long(const char *text, u64 from, u64 to)
{
	for (u64 i = from; i < to; i++) {
		u64 done = seen[i].rdx - (u64)text;

		EXPECT_EQ(seen[i].rax, __HYPERVISOR_console_io);
		EXPECT_EQ(seen[i].rdi, CONSOLEIO_write);
		EXPECT_EQ(seen[i].rsi, LONG_LINES * 64 - done);
		EXPECT(done > 0 && done < LONG_LINES * 64 && done % 64 == 0);	/* after a whole line */
		if (test_failed())
			break;
	}
}

/*
 * One console_io write of LONG_LINES lines, then one kick of a full
 * console ring (filled before, so that the kick comes right after the
 * write and finds the hypervisor's output buffer full): each drained in
 * pieces, the write by its continuations, the ring by the same
 * EVTCHNOP_send made again.
 */
static void console_long_and_ring(void)
{
	static char text[LONG_LINES * 64 + 1];
	volatile struct xencons_interface *ring;
	u64 mfn = start_info->console.domU.mfn;
	struct evtchn_send send = { .port = start_info->console.domU.evtchn };
	u64 nwrite;
	u32 prod;
	long rc;

	if (!mfn)
		test_error("no console ring");
	for (int i = 0; i < LONG_LINES; i++)	/* 64 bytes a line */
		hv_snprintf(&text[i * 64], 65, "preempt: line %03d %045d\n", i, i);
	ring = pfn_to_virt(mfn_to_pfn(mfn));
	prod = ring->out_prod;
	for (int i = 0; i < 32; i++) {	/* 32 lines of 64 bytes: the whole ring */
		char line[65];

		hv_snprintf(line, sizeof(line), "preempt: ring %03d %045d\n", i, i);
		for (int k = 0; k < 64; k++, prod++)
			ring->out[MASK_XENCONS_IDX(prod, ring->out)] = line[k];
	}
	__atomic_store_n(&ring->out_prod, prod, __ATOMIC_RELEASE);
	/*
	 * The pieces go into the output buffer in microseconds: the calls
	 * stop for want of room, not for time, and a stop is seen only when
	 * a tick is due at that moment (on its way out the CPU sends 1 KiB
	 * to the UART, a few hundred us): a tick every 50 us, a single shot
	 * set again by each tick (the periodic timer's minimum is 1 ms).
	 */
	tick_ns = 50 * 1000;
	ticking(true);
	EXPECT_EQ(hcall(__HYPERVISOR_console_io, CONSOLEIO_write, LONG_LINES * 64, (u64)text, 0),
		  0);
	nwrite = nseen;
	rc = hcall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (u64)&send, 0, 0);
	ticking(false);
	tick_ns = NSEC_PER_MSEC;
	printk("preempt: console_io of 512 lines: interrupted %lu times at the hypercall\n",
	       nwrite);
	if (nwrite == 0)
		test_fail("console_io of 512 lines: never interrupted at its syscall (%lu ticks)",
			  ticks);
	check_long(text, 0, nwrite);
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(ring->out_cons, prod);
	/*
	 * The kick stops for want of room only if the ticks' ways out did
	 * not empty the buffer meanwhile, and a stop is seen only if a tick
	 * lands on it: how often is reported, not required. What it must
	 * do whole is checked: every line once, in order (the runner), and
	 * every stop seen is the same call made again.
	 */
	printk("preempt: EVTCHNOP_send of a full console ring: interrupted %lu times at the hypercall\n",
	       nseen - nwrite);
	for (u64 i = nwrite; i < nseen; i++) {
		EXPECT_EQ(seen[i].rax, __HYPERVISOR_event_channel_op);
		EXPECT_EQ(seen[i].rdi, EVTCHNOP_send);
		EXPECT_EQ(seen[i].rsi, (u64)&send);
		if (test_failed())
			break;
	}
}

/* An event sent to ourselves in a multicall comes before the next entry. */
static struct multicall_entry ipi_mc[2];
static volatile u64 ipi_seen, ipi_result_then;

static void ipi(evtchn_port_t port, struct trap_frame *f)
{
	(void)port, (void)f;
	ipi_seen++;
	ipi_result_then = ipi_mc[1].result;
}

static void multicall_event(void)
{
	static struct evtchn_send send;
	long port = evtchn_bind_ipi();

	ASSERT(port > 0);
	evtchn_set_handler((evtchn_port_t)port, ipi);
	send.port = (evtchn_port_t)port;
	ipi_mc[0] = (struct multicall_entry){ .op = __HYPERVISOR_event_channel_op,
					      .args = { EVTCHNOP_send, (u64)&send } };
	ipi_mc[1] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version, .result = 0x55,
					      .args = { XENVER_version } };
	events_enable();
	EXPECT_EQ(hcall(__HYPERVISOR_multicall, (u64)ipi_mc, 2, 0, 0), 0);
	events_disable();
	EXPECT_EQ(ipi_seen, 1);
	EXPECT_EQ(ipi_result_then, 0x55);	/* the second entry had not run yet */
	EXPECT_EQ(ipi_mc[1].result, HYPERVISOR_xen_version(XENVER_version, NULL));
}

static void limits(void)
{
	u64 pfn, one = spare_mfn(spare++, &pfn), ext[1] = { one };
	struct xen_memory_reservation r = { .extent_start = (u64)ext, .nr_extents = 1,
					    .domid = DOMID_SELF };
	char buf[8];

	/* Room for one frame; a batch too big to encode takes none of it. */
	EXPECT_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, (u64)&r, 0, 0), 1);
	r.extent_start = 0;
	r.nr_extents = 1UL << 26;
	EXPECT_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_increase_reservation, (u64)&r, 0, 0), 0);
	/* A start past the end: returned as it is, nothing done. */
	r.nr_extents = 1;
	EXPECT_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_increase_reservation | (5 << 6),
			(u64)&r, 0, 0), 5);
	ext[0] = pfn;
	r.extent_start = (u64)ext;
	EXPECT_EQ(hcall(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (u64)&r, 0, 0), 1);
	EXPECT_EQ(hcall(__HYPERVISOR_console_io, CONSOLEIO_read, 0x80000000UL, (u64)buf, 0),
		  -XEN_E2BIG);
}

/* ---- The flag passed by the guest -------------------------------------------------- */

static void guest_flag(void)
{
	u64 pfn, mfn = spare_mfn(spare++, &pfn);
	struct mmu_update req[3];
	u32 pdone = 10;

	for (int i = 0; i < 3; i++)
		req[i] = (struct mmu_update){ (mfn << 12) | MMU_MACHPHYS_UPDATE, pfn };
	EXPECT_EQ(hcall(__HYPERVISOR_mmu_update, (u64)req, 3 | MMU_UPDATE_PREEMPTED,
			(u64)&pdone, DOMID_SELF), 0);
	EXPECT_EQ(pdone, 13);
	pdone = 10;
	EXPECT_EQ(hcall(__HYPERVISOR_mmu_update, (u64)req, 3, (u64)&pdone, DOMID_SELF), 0);
	EXPECT_EQ(pdone, 3);	/* without the flag *pdone is not read */
	/* The count is 32 bits: the register's high half is ignored. */
	EXPECT_EQ(hcall(__HYPERVISOR_mmu_update, (u64)req, 0x100000002UL, (u64)&pdone,
			DOMID_SELF), 0);
	EXPECT_EQ(pdone, 2);
	/* Xen's "null" continuation returns (int)foreigndom. */
	EXPECT_EQ(hcall(__HYPERVISOR_mmu_update, 0, MMU_UPDATE_PREEMPTED, 0, 7), 7);
	EXPECT_EQ(hcall(__HYPERVISOR_mmuext_op, 0, MMU_UPDATE_PREEMPTED, 0, 0xfffffffdUL), -3);
}

void test_main(const struct start_info *si)
{
	(void)si;
	timer_setup();
	evtchn_set_handler(timer_port, tick);
	guest_flag();
	mmu_update_big();
	mmu_update_distinct();
	mmuext_op_big();
	mmuext_op_pins();
	multicall_big();
	multicall_iret();
	memory_op_big();
	memory_op_order9();
	set_trap_table_long();
	console_long_and_ring();
	multicall_event();
	limits();
}
