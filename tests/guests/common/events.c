/*
 * events.c - vcpu_info placement, event channels and the event callback
 * (events.h).
 *
 * Runs in: test guests, guest kernel mode; event_upcall() in the event
 * callback, events masked (the hypervisor always masks them on entry).
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "smp.h"
#include "traps.h"
#include "pvabi/callback.h"

struct vcpu_info *vcpu;
struct shared_info *shinfo;

volatile u64 event_upcalls;
volatile u32 evtchn_seen[EVTCHN_MAX];
volatile u64 event_upcalls_on[SMP_MAX_VCPUS];
volatile u8 evtchn_seen_by[EVTCHN_MAX];
static evtchn_handler_fn port_handlers[EVTCHN_MAX];

#define EVTCHN_WORDS	(EVTCHN_MAX / 64)

/* The ports each vCPU's upcall takes: all of them are vCPU 0's at first. */
static u64 vcpu_ports[SMP_MAX_VCPUS][EVTCHN_WORDS] = {
	[0] = { [0 ... EVTCHN_WORDS - 1] = ~0UL },
};

struct vcpu_info *vcpu_info_of(unsigned int id)
{
	if (id == 0)
		return vcpu;
	if (!shinfo || id >= SMP_MAX_VCPUS)
		return NULL;
	return &shinfo->vcpu_info[id];
}

struct vcpu_info *this_vcpu(void)
{
	return vcpu_info_of(smp_id());
}

void evtchn_set_vcpu(evtchn_port_t port, unsigned int id)
{
	if (port >= EVTCHN_MAX || id >= SMP_MAX_VCPUS)
		return;
	for (unsigned int i = 0; i < SMP_MAX_VCPUS; i++)
		__atomic_and_fetch(&vcpu_ports[i][port / 64], ~(1UL << (port % 64)),
				   __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&vcpu_ports[id][port / 64], 1UL << (port % 64),
			  __ATOMIC_SEQ_CST);
}

/* Ports beyond EVTCHN_MAX: vCPU 0's, as before there were others. */
static u64 ports_of(unsigned int id, unsigned int word)
{
	if (word < EVTCHN_WORDS)
		return __atomic_load_n(&vcpu_ports[id][word], __ATOMIC_SEQ_CST);
	return id == 0 ? ~0UL : 0;
}

/* A page of our own for vcpu_info (VCPUOP_register_vcpu_info). */
static u8 vcpu_info_page[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

long vcpu_info_register(void)
{
	struct vcpu_register_vcpu_info r = {
		.mfn = virt_to_mfn(vcpu_info_page),
		.offset = 0,
	};
	long rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r);

	if (rc == 0)
		vcpu = (struct vcpu_info *)vcpu_info_page;
	return rc;
}

/* ---- bits in shared memory: locked, as the hypervisor writes them too -- */

static void set_bit(volatile u64 *words, unsigned bit)
{
	asm volatile("lock btsq %1, %0" : "+m"(words[bit / 64])
		     : "r"((u64)(bit % 64)) : "memory", "cc");
}

static void clear_bit(volatile u64 *words, unsigned bit)
{
	asm volatile("lock btrq %1, %0" : "+m"(words[bit / 64])
		     : "r"((u64)(bit % 64)) : "memory", "cc");
}

static bool test_bit(const volatile u64 *words, unsigned bit)
{
	return (words[bit / 64] >> (bit % 64)) & 1;
}

void evtchn_mask(evtchn_port_t port)
{
	set_bit(shinfo->evtchn_mask, port);
}

void evtchn_clear_mask(evtchn_port_t port)
{
	clear_bit(shinfo->evtchn_mask, port);
}

bool evtchn_is_pending(evtchn_port_t port)
{
	return test_bit(shinfo->evtchn_pending, port);
}

bool evtchn_is_masked(evtchn_port_t port)
{
	return test_bit(shinfo->evtchn_mask, port);
}

void evtchn_clear_pending(evtchn_port_t port)
{
	clear_bit(shinfo->evtchn_pending, port);
}

/* ---- the callback ---------------------------------------------------- */

static void dispatch(evtchn_port_t port, struct trap_frame *f, unsigned int id)
{
	if (port < EVTCHN_MAX) {
		__atomic_add_fetch(&evtchn_seen[port], 1, __ATOMIC_SEQ_CST);
		evtchn_seen_by[port] = (u8)id;
		if (port_handlers[port])
			port_handlers[port](port, f);
	}
}

/*
 * Mini-OS's scan: clear upcall_pending, take the selector with xchg, and
 * for each word it names, handle the pending and unmasked ports, clearing
 * each pending bit before its handler runs (an event raised during the
 * handler is then not lost). Look again if something came in meanwhile.
 * On the running vCPU's vcpu_info, for that vCPU's ports only (Linux's
 * per-CPU mask): another vCPU's port in the same word is left pending for
 * its own upcall.
 */
void event_upcall(struct trap_frame *f)
{
	unsigned int id = smp_id();
	struct vcpu_info *vi = vcpu_info_of(id);

	event_upcalls++;
	if (id < SMP_MAX_VCPUS)
		event_upcalls_on[id]++;
	do {
		u64 sel;

		vi->evtchn_upcall_pending = 0;
		asm volatile("" ::: "memory");
		sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0,
					  __ATOMIC_SEQ_CST);
		while (sel) {
			unsigned w = (unsigned)__builtin_ctzl(sel);
			u64 active;

			sel &= sel - 1;
			while ((active = shinfo->evtchn_pending[w] &
					 ~shinfo->evtchn_mask[w] & ports_of(id, w))) {
				unsigned port = w * 64 + (unsigned)__builtin_ctzl(active);

				evtchn_clear_pending(port);
				dispatch(port, f, id);
			}
		}
	} while (vi->evtchn_upcall_pending);
}

void evtchn_set_handler(evtchn_port_t port, evtchn_handler_fn fn)
{
	if (port < EVTCHN_MAX)
		port_handlers[port] = fn;
}

void events_init(void)
{
	long rc;

	if (!shared_info_map()) {
		/* The hypervisor owes every domain a mappable shared_info. */
		test_fail("shared_info cannot be mapped with update_va_mapping");
		test_exit();
	}
	vcpu->evtchn_upcall_mask = 1;
	rc = trap_register_callback(CALLBACKTYPE_event, CALLBACKF_mask_events);
	if (rc)
		test_error("callback_op(register event) returned %ld", rc);
}

/* ---- the virtual interrupt flag ------------------------------------------ */

/* On the running vCPU's vcpu_info. */
void events_disable(void)
{
	this_vcpu()->evtchn_upcall_mask = 1;
	asm volatile("" ::: "memory");
}

/* As Linux's xen_irq_enable: unmask, then make a hypercall if something waits. */
void events_enable(void)
{
	struct vcpu_info *vi = this_vcpu();

	asm volatile("" ::: "memory");
	vi->evtchn_upcall_mask = 0;
	asm volatile("" ::: "memory");
	if (vi->evtchn_upcall_pending)
		HYPERVISOR_xen_version(XENVER_version, NULL);
}

bool events_enabled(void)
{
	return !this_vcpu()->evtchn_upcall_mask;
}

/* ---- EVTCHNOP_* ------------------------------------------------------------ */

long evtchn_bind_virq_vcpu(u32 virq, unsigned int id)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = id };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b);

	if (rc)
		return rc;
	evtchn_set_vcpu(b.port, id);
	return b.port;
}

long evtchn_bind_virq(u32 virq)
{
	return evtchn_bind_virq_vcpu(virq, 0);
}

long evtchn_bind_ipi_vcpu(unsigned int id)
{
	struct evtchn_bind_ipi b = { .vcpu = id };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &b);

	if (rc)
		return rc;
	evtchn_set_vcpu(b.port, id);
	return b.port;
}

long evtchn_bind_ipi(void)
{
	return evtchn_bind_ipi_vcpu(0);
}

long evtchn_bind_vcpu(evtchn_port_t port, unsigned int id)
{
	struct evtchn_bind_vcpu b = { .port = port, .vcpu = id };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &b);

	if (rc == 0)
		evtchn_set_vcpu(port, id);
	return rc;
}

long evtchn_alloc_unbound(domid_t remote)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a);

	if (rc)
		return rc;
	evtchn_set_vcpu(a.port, 0);	/* a new port notifies vCPU 0 */
	return a.port;
}

long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port)
{
	struct evtchn_bind_interdomain b = {
		.remote_dom = remote,
		.remote_port = remote_port,
	};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &b);

	if (rc)
		return rc;
	evtchn_set_vcpu(b.local_port, 0);
	return b.local_port;
}

long evtchn_send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };

	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

long evtchn_close(evtchn_port_t port)
{
	struct evtchn_close c = { .port = port };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);

	if (rc == 0)
		evtchn_set_vcpu(port, 0);
	return rc;
}

long evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask u = { .port = port };

	return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
}

long evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = port;
	return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}
