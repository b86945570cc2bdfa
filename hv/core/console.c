/*
 * console.c - line-prefixed output to COM1.
 *
 * Runs in: hypervisor, any context.
 * Trusts: nothing in a guest's console ring or console_io buffer: the
 * ring's indexes are clamped to the ring, and a long write is preempted
 * (a guest's output is paid for with its own CPU time).
 *
 * Every line on the serial console says who wrote it: "(hv) " for the
 * hypervisor, "(name) " for a domain. Output from different sources may
 * interleave, so each source keeps its own "at start of line" state and a
 * switch of source in the middle of a line starts a new line: a test that
 * greps the log for "(web) RESULT: PASS" never finds a line split between
 * two writers.
 *
 * Several CPUs: a source is a prefix and a CPU, and each write is whole
 * under console_lock, the innermost lock (core/spinlock.h), so two CPUs'
 * output never mixes inside a line. Most output comes from under the
 * hypervisor lock already; the console lock is for what does not: a #DB
 * in the hypervisor reported on its IST stack, an exception report or a
 * panic on any CPU. A panicking CPU waits for the lock a bounded time,
 * then prints anyway (the panic may have come from inside the console
 * or from the lock checker, with the lock held).
 *
 * The UART is slow (a few us a byte under QEMU, where each byte is an
 * exit to QEMU and a write to its log file; ~87 us at 115200 baud), and
 * the hypervisor lock is everyone's: a guest printing 32 KiB kept every
 * other CPU waiting for 60 to 80 ms at a time (tests/guests/avail,
 * avail-console on 2 CPUs). So once guests run, what is written under the
 * hypervisor lock goes into an output buffer, and the CPU that wrote it
 * sends it to the UART on its way back to its guest, after it dropped the
 * hypervisor lock (console_drain_owed, from core/hvlock.c), or before it
 * halts: a domain's output is paid for with its own vCPU's time, and
 * nobody waits for the UART but the vCPU whose output it is. A guest whose output
 * finds the buffer nearly full is stopped with a continuation until its
 * CPU has drained some (console_io_write, ring_drain). Everything else
 * (boot, a panic, output from outside the lock) goes to the UART at once,
 * through the same buffer so that the order stays the order of writing.
 */
#include "hv.h"
#include "core/console.h"
#include "x86/uart.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "pvabi/errno.h"
#include "pvabi/xen.h"
#include "pvabi/console.h"
#include "core/evtchn.h"
#include "core/spinlock.h"
#include "core/time.h"
#include "x86/cpu.h"
#include "x86/percpu.h"
#include "core/xenstore_ring.h"
#include "core/cmdline.h"
#include "core/ratelimit.h"

int hv_loglvl = LOG_INFO;

/*
 * The output buffer and the two below it: the source of the unfinished
 * line, if any. out_prod and out_cons count bytes from boot (they wrap
 * at 4 GiB, and only their difference is used); bytes before out_cons
 * are on the UART.
 */
static struct spinlock console_lock =
	SPINLOCK_INIT("console_lock", LOCK_LEVEL_CONSOLE, LOCK_IRQ_OFF);
#define OUT_BUF_SIZE	(16u << 10)
static char out_buf[OUT_BUF_SIZE];
static u32 out_prod, out_cons;
static const char *last_prefix;
static u32 last_cpu;		/* its CPU (initial APIC id) */

/*
 * The UART's transmitter: one CPU at a time sends bytes of the buffer,
 * without console_lock (taken only to copy a chunk out and to move
 * out_cons past it once sent), so writers are never held up by the UART.
 */
static struct spinlock uart_lock =
	SPINLOCK_INIT("uart_lock", LOCK_LEVEL_UART, LOCK_IRQ_OFF);

/* Guests run (core/sched.c): output under the hypervisor lock waits. */
static bool deferring;

/*
 * A guest's piece of output (LINE_PIECE below) may print a whole line
 * buffer with its prefix: after its first piece, a call goes on only
 * with this much room. The first piece of a call goes ahead whatever the
 * room (a full buffer is then emptied a chunk at a time: out_put), so
 * every call makes progress, as every continuation must; only a domain
 * whose allowance is spent (H:445 below) waits with none, for time to
 * pass, which it always does.
 */
#define GUEST_ROOM	1024

/*
 * What a CPU leaving the hypervisor sends at most (console_drain_owed):
 * enough for the next call's first piece to find room, a few ms under
 * QEMU, less if its time slice ends first. A new holder of the
 * hypervisor lock may wait that long for this CPU's answer to a TLB sync
 * (core/hvlock.c), which it gives once back in its guest.
 */
#define DRAIN_ON_LEAVE	GUEST_ROOM

/* A panicking CPU's wait for the lock: tens of ms under QEMU, then it prints. */
#define PANIC_WAIT_SPINS	(1u << 22)
static bool panic_has_console;	/* the panicking CPU waited once: no more */

void console_init(void)
{
	uart_init();
}

/* Take console_lock; false if a panic prints without it. */
static bool console_take(void)
{
	if (likely(!panic_on_this_cpu())) {
		spin_lock(&console_lock);
		return true;
	}
	if (!panic_has_console) {
		for (u32 i = 0; i < PANIC_WAIT_SPINS && !spin_trylock_raw(&console_lock); i++)
			cpu_relax();
		panic_has_console = true;	/* it keeps the lock, if it got it */
	}
	return false;
}

/*
 * Send up to max bytes of the buffer to the UART, a chunk at a time (the
 * caller holds no console lock; it may hold the hypervisor lock). If
 * another CPU is sending, wait for it only if wait says so: it sends
 * what is there as well. With until_due, stop after a chunk once this
 * CPU's timer is due (a time slice ends: the vCPU on its way out pays
 * only with its own time). Returns the bytes this call sent.
 */
static u32 drain(u32 max, bool wait, bool until_due)
{
	char chunk[64];
	u32 sent = 0, n;

	if (wait)
		spin_lock(&uart_lock);
	else if (!spin_trylock(&uart_lock))
		return 0;
	do {
		spin_lock(&console_lock);
		n = MIN(MIN(out_prod - out_cons, (u32)sizeof(chunk)), max - sent);
		for (u32 i = 0; i < n; i++)
			chunk[i] = out_buf[(out_cons + i) % OUT_BUF_SIZE];
		spin_unlock(&console_lock);
		for (u32 i = 0; i < n; i++)
			uart_putc(chunk[i]);
		spin_lock(&console_lock);
		out_cons += n;	/* only now: the room is free once the bytes are out */
		spin_unlock(&console_lock);
		sent += n;
	} while (n && sent < max && !(until_due && time_deadline_passed()));
	spin_unlock(&uart_lock);
	return sent;
}

/* A panicking CPU: whatever is in the buffer, then its own, straight out. */
static void panic_flush(void)
{
	for (; out_cons != out_prod; out_cons++)
		uart_putc(out_buf[out_cons % OUT_BUF_SIZE]);
}

/*
 * One byte into the buffer (console_lock held, unless panicking). A full
 * buffer is emptied a chunk at a time here, even under the hypervisor
 * lock: output is never dropped, and a guest that could fill it is
 * stopped before (console_room_for_guest).
 */
static void out_put(bool locked, char c)
{
	if (!locked) {
		panic_flush();
		uart_putc(c);
		return;
	}
	while (out_prod - out_cons == OUT_BUF_SIZE) {
		spin_unlock(&console_lock);
		drain(64, true, false);	/* just the room it needs, a chunk */
		spin_lock(&console_lock);
	}
	out_buf[out_prod++ % OUT_BUF_SIZE] = c;
}

/*
 * This CPU's struct pcpu, or NULL where this_cpu() does not work (early
 * boot, an IST stack): only its address is computed until it is found.
 */
static struct pcpu *cpu_here(void)
{
	struct pcpu *c = this_cpu();

	for (int i = 0; i < NR_CPUS; i++)
		if (pcpus[i] == c)
			return c;
	return NULL;
}

/* Write len bytes from one source, starting each line with its prefix. */
void console_write(const char *prefix, const char *buf, size_t len)
{
	u32 cpu = cpu_initial_apic_id();
	bool locked = console_take();
	u32 prod0 = out_prod;
	struct pcpu *c;

	for (size_t i = 0; i < len; i++) {
		if (last_prefix && (last_prefix != prefix || last_cpu != cpu)) {
			out_put(locked, '\n');
			last_prefix = NULL;
		}
		if (!last_prefix) {
			for (const char *p = prefix; *p; p++)
				out_put(locked, *p);
			last_prefix = prefix;
			last_cpu = cpu;
		}
		if (buf[i] == '\n')
			last_prefix = NULL;
		out_put(locked, buf[i]);
	}
	if (!locked)
		return;
	spin_unlock(&console_lock);
	c = cpu_here();
	if (deferring && c && c->holds_hv_lock && c->curr)	/* console_drain_owed */
		c->curr->cons_owed += out_prod - prod0;
	else
		drain(~0u, true, false);
}

/* Guests run from now on (core/sched.c, on the boot CPU). */
void console_defer_start(void)
{
	deferring = true;
}

/*
 * On the way back to a guest, without the hypervisor lock
 * (core/hvlock.c): a vCPU whose output went into the buffer sends as
 * many bytes of it as it wrote (at most DRAIN_ON_LEAVE at a time, and
 * not past its CPU's next timer), on its own time. The bytes at the head
 * of the buffer may be another's: what each vCPU pays is its own volume,
 * whoever's bytes it moves. Counted per vCPU, not per CPU, and in bytes,
 * not "until the buffer is empty": a neighbour that printed one line
 * would otherwise pay for a flooder's backlog (measured: avail-console
 * on one CPU, the victim at 9-18%, then 68-86%, of its throughput).
 *
 * Output whose writer does not come back to send it (a domain blocked
 * for good, or dead) is sent by an idle CPU (hv_idle_halt), or, when no
 * CPU idles, a little at a time by anyone once nothing was sent for
 * STALE_NS.
 */
#define STALE_NS	(20 * 1000 * 1000)
#define STALE_DRAIN	256
static u64 last_sent;	/* NOW() of the last drain on a way out */

void console_drain_owed(struct pcpu *c)
{
	struct vcpu *v = c->curr;
	u32 sent;

	if (!v)
		return;
	if (v->cons_owed) {
		sent = drain(MIN(v->cons_owed, DRAIN_ON_LEAVE), false, true);
		v->cons_owed -= MIN(sent, v->cons_owed);
		if (__atomic_load_n(&out_prod, __ATOMIC_RELAXED) ==
		    __atomic_load_n(&out_cons, __ATOMIC_RELAXED))
			v->cons_owed = 0;	/* others sent it */
		last_sent = NOW();
	} else if (__atomic_load_n(&out_prod, __ATOMIC_RELAXED) !=
		   __atomic_load_n(&out_cons, __ATOMIC_RELAXED) &&
		   NOW() - last_sent > STALE_NS) {
		drain(STALE_DRAIN, false, true);
		last_sent = NOW();
	}
}

/* Before a halt or the end of the run: everything out. */
void console_flush(void)
{
	if (panic_on_this_cpu()) {
		panic_flush();
		return;
	}
	drain(~0u, true, false);
}

/*
 * A guest's output may go on (under the hypervisor lock): the buffer has
 * room for another piece of it. If not, its call stops (a continuation)
 * and its CPU sends some of the buffer on its way back to it.
 */
static bool console_room_for_guest(void)
{
	return OUT_BUF_SIZE - (out_prod - out_cons) >= GUEST_ROOM;
}

static void vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);

	console_write("(hv) ", buf, MIN((size_t)n, sizeof(buf) - 1));
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void printk_lvl(int lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > hv_loglvl)
		return;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

/* ---- the PV console ring, served by the hypervisor ------------------- */

static struct domain *focus;	/* who gets serial input */
static int ctrl_a_count;

/* ---- a domain's output: whole lines --------------------------------- */

/*
 * A domain's output (console_io writes and its console ring) is taken
 * LINE_PIECE bytes at a time: the unit of work between two preemption
 * checks (core/hypercall.c), so a write or a ring of any length gives
 * the CPU back after at most one piece when something else is due, well
 * under 1 ms under QEMU (a few us a byte to a log file), ~11 ms on a real
 * 115200-baud UART. What it prints is whole lines (below): a line longer
 * than the domain's 512-byte line buffer comes out in pieces.
 */
#define LINE_PIECE	128

/*
 * A domain's output is gathered into its own line buffer (struct domain's
 * cons_line), printed when a line ends or the buffer fills, and when a
 * call completes (a prompt with no newline yet must show). A call that
 * is preempted keeps its partial line for its continuation: with guests
 * on several CPUs another domain's output often comes between the two,
 * and a line must not come out in two pieces under two prefixes.
 */
static void line_print(struct domain *d)
{
	if (d->cons_line_len)
		console_write(d->prefix, d->cons_line, d->cons_line_len);
	d->cons_line_len = 0;
}

/*H:445 A domain's console allowance
 * The output buffer keeps a flood off the hypervisor lock, not off the
 * machine: under QEMU every byte to the UART is a port read and a port
 * write that QEMU serves under its one global mutex, which the other
 * CPUs' threads need for their interrupts. A neighbour printing as fast
 * as it could (95 KB/s here) left a victim on the other CPU 3-9% of its
 * throughput (tests/guests/avail, avail-console@smp2 on an idle host);
 * the same flood with its bytes dropped before the UART left it 175%.
 * A real UART has a rate of its own (115200 baud: 11.5 KB/s); QEMU's has
 * none, so pvisor gives each domain one: CONS_RATE_DEFAULT bytes a
 * second (conrate=N, or off), with a burst of CONS_BURST saved up while
 * it was quiet, enough for a Linux boot log. Past it, the domain's
 * console_io write stops (a continuation) and its ring is left unread
 * (its EVTCHNOP_send is made again) until the allowance has grown back:
 * the flooder waits on its own time and nothing is dropped, as with a
 * serial line's flow control. Measured on 2 CPUs: a flood paced to
 * ~33 KB/s left the victim 96-97%, one paced to ~84 KB/s 78%.
 */
#define CONS_RATE_DEFAULT	16384u
#define CONS_BURST		(64u << 10)

void console_domain_init(struct domain *d)
{
	ratelimit_init(&d->cons_rate, NOW(), CONS_BURST);
}

/* May d's output go on? Counted each time it may not (stats). */
static bool console_allowed(struct domain *d)
{
	u32 rate = hv_opts.conrate == CONRATE_OFF ? 0 :
		   hv_opts.conrate ? hv_opts.conrate : CONS_RATE_DEFAULT;

	if (ratelimit_may(&d->cons_rate, NOW(), rate, CONS_BURST))
		return true;
	d->stats.cons_stops++;
	return false;
}

/* One byte of d's output, paid for from its allowance. */
static void line_put(struct domain *d, char c)
{
	ratelimit_take(&d->cons_rate, 1);
	d->stats.cons_bytes++;
	d->cons_line[d->cons_line_len++] = c;
	if (c == '\n' || d->cons_line_len == sizeof(d->cons_line))
		line_print(d);
}

/*
 * Print what the guest put in its ring, and tell it there is room again.
 * A full ring is 2 KiB, about 180 ms on a real UART, so between two
 * pieces the drain asks whether something else is due; if so, out_cons
 * says how far it got and the guest's EVTCHNOP_send is made again (a
 * continuation with the same arguments), which prints the rest.
 */
static void ring_drain(struct domain *d)
{
	struct xencons_interface *r = d->console_ring;
	u32 cons = r->out_cons, prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
	u32 n = 0;

	if (prod - cons > sizeof(r->out))	/* a guest lying about its indexes */
		cons = prod - (u32)sizeof(r->out);
	for (; cons != prod; cons++, n++) {
		if (n % LINE_PIECE == 0 &&
		    ((n && (hypercall_preempt_check() || !console_room_for_guest())) ||
		     !console_allowed(d))) {
			__atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
			hypercall_restart();
			return;
		}
		line_put(d, r->out[MASK_XENCONS_IDX(cons, r->out)]);
	}
	line_print(d);
	__atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
	evtchn_notify(d, d->console_port);
}

/* EVTCHNOP_send on a hypervisor port: the guest kicked its console or store ring. */
void evtchn_hypervisor_port_sent(struct domain *d, u32 port)
{
	if (d->console_ring && port == d->console_port)
		ring_drain(d);
	else if (d->store_conn && port == d->store_port)
		xenstore_port_sent(d);
}

/* Give a domain its console ring: the page at mfn, and a port for it. */
int console_ring_init(struct domain *d, void *ring)
{
	int port = evtchn_alloc_hypervisor_port(d);

	if (port < 0)
		return port;
	d->console_ring = ring;
	d->console_port = (u32)port;
	if (!focus)
		focus = d;
	return port;
}

/* The next running domain after from, by id, round robin (a key press: not hot). */
static struct domain *next_focus(struct domain *from)
{
	int n = domains_count(), start = from ? from->id : 0;

	for (int i = 0; i < n; i++) {
		struct domain *d = domain_get((u16)((start + i) % n + 1));

		if (d->state == DOM_RUNNING)
			return d;
	}
	return NULL;
}

static void input_char(struct domain *d, char c)
{
	struct xencons_interface *r = d->console_ring;

	if (r) {
		if (r->in_prod - r->in_cons < sizeof(r->in)) {
			r->in[MASK_XENCONS_IDX(r->in_prod, r->in)] = c;
			__atomic_store_n(&r->in_prod, r->in_prod + 1, __ATOMIC_RELEASE);
		}
		evtchn_notify(d, d->console_port);
	} else if (d->input_len < sizeof(d->input)) {
		d->input[d->input_len++] = c;
	}
}

/*
 * Serial input, polled from the timer interrupt: it goes to the domain
 * that has the focus. Ctrl-A pressed three times moves the focus to the
 * next domain, as on Xen's console.
 */
void console_poll_input(void)
{
	int c;

	while ((c = uart_getc()) >= 0) {
		if (c == 1 && ++ctrl_a_count == 3) {
			ctrl_a_count = 0;
			focus = next_focus(focus);
			printk("console input now goes to %s (Ctrl-A three times to switch)\n",
			       focus ? focus->name : "nobody");
			continue;
		}
		if (c != 1)
			ctrl_a_count = 0;
		if (!focus || focus->state != DOM_RUNNING)
			focus = next_focus(focus);
		if (focus)
			input_char(focus, (char)c);
	}
}

/*H:440 A handler: console_io's write
 * Short enough to read whole, and it has what every handler has. The
 * guest names a buffer by its address and length; the handler copies it
 * in, in chunks, through copy_from_guest() (next stop), never through the
 * pointer, and an unreadable chunk is -EFAULT, not a crash. It prints a
 * piece at a time (a line, prefixed with the domain's name), and after
 * each piece asks whether it should give the CPU back: a guest may name
 * 4 GiB. Stopped, it goes on later as console_io(CONSOLEIO_write,
 * count - done, buffer + done).
 */
static long console_io_write(struct domain *d, u32 count, u64 buffer)
{
	char chunk[LINE_PIECE];
	u32 done = 0;

	while (done < count) {
		u32 n = MIN(count - done, (u32)sizeof(chunk));

		/* the partial line waits; so does a piece with no room or allowance yet */
		if ((done && (hypercall_preempt_check() || !console_room_for_guest())) ||
		    !console_allowed(d))
			return hypercall_create_continuation(__HYPERVISOR_console_io, 3,
				CONSOLEIO_write, count - done, buffer + done, 0, 0);
		if (copy_from_guest(chunk, buffer + done, n)) {
			line_print(d);
			return -XEN_EFAULT;
		}
		for (u32 j = 0; j < n; j++, done++)
			line_put(d, chunk[j]);
	}
	line_print(d);
	return 0;
}

/*
 * do_console_io - the guest's direct line to the hypervisor console.
 *   CONSOLEIO_write: print count bytes (count is 32 bits, as Xen's) from
 *                    the guest buffer, each line prefixed with the
 *                    domain's name. Returns 0.
 *   CONSOLEIO_read:  copy up to count bytes of serial input that arrived
 *                    while the domain had the focus (and no console ring)
 *                    into buffer; returns the number of bytes, 0 if none;
 *                    -E2BIG for a count above INT_MAX (Xen).
 * Errors: -EFAULT if the buffer cannot be read (what was read before the
 * fault has been printed); -ENOSYS for another cmd. Never blocks. A write
 * is preemptible (console_io_write): its continuation is another write of
 * the rest.
 */
long do_console_io(u64 cmd, u64 count_arg, u64 buffer, u64 a4, u64 a5)
{
	struct domain *d = current->domain;
	u32 count = (u32)count_arg, n;

	(void)a4, (void)a5;
	switch ((u32)cmd) {
	case CONSOLEIO_write:
		return console_io_write(d, count, buffer);
	case CONSOLEIO_read:
		if (count > INT32_MAX)
			return -XEN_E2BIG;
		n = MIN(count, d->input_len);
		if (copy_to_guest(buffer, d->input, n))
			return -XEN_EFAULT;
		memmove(d->input, d->input + n, d->input_len - n);
		d->input_len -= n;
		return n;
	default:
		return -XEN_ENOSYS;
	}
}
