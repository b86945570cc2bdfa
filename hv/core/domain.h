/*
 * domain.h - domains and their virtual CPUs.
 *
 * A domain is a guest: its memory (a list of machine frames, pfn -> mfn),
 * its shared-info page, and its vCPUs. A vCPU is the saved state of one
 * virtual processor while it is not running on the physical CPU.
 */
#ifndef HV_CORE_DOMAIN_H
#define HV_CORE_DOMAIN_H

#include "hv.h"
#include "core/domcfg.h"
#include "core/grant_table.h"
#include "core/gnttab_pin.h"
#include "core/ratelimit.h"
#include "core/timer_heap.h"
#include "pv/compat.h"
#include "pv/fast.h"
#include "pv/debugreg.h"
#include "pv/descriptor_tables.h"
#include "x86/percpu.h"
#include "x86/regs.h"
#include "pvabi/xen.h"
#include "pvabi/vcpu.h"

/*
 * The most domains one boot may have: each vCPU needs a 128 KiB GDT/LDT
 * area in the 1 GiB per-vCPU range (pv/descriptor_tables.c), handed out in
 * order, so PV_AREA_SLOTS vCPUs in all, however they are spread over
 * domains. Below that, the domain table is sized at boot from the modules.
 */
#define DOMAINS_LIMIT		PV_AREA_SLOTS
#define NR_HYPERCALLS		64
#define EVTCHN_PORTS		1024	/* of the 2-level ABI's 4096 */
#define PV_LDT_PAGES		16	/* 8192 descriptors: Xen's largest LDT */

/* One event channel port (hv/core/evtchn.c). */
enum evtchn_state {
	ECS_FREE = 0,
	ECS_RESERVED,		/* port 0 */
	ECS_UNBOUND,		/* remote_dom may bind to it */
	ECS_INTERDOMAIN,	/* connected to remote_dom:remote_port */
	ECS_VIRQ,		/* virq */
	ECS_IPI,
	ECS_HYPERVISOR,		/* served by the hypervisor (console ring) */
};

struct evtchn {
	u8 state;		/* enum evtchn_state */
	u8 notify_vcpu;
	u16 remote_dom;		/* UNBOUND, INTERDOMAIN */
	u32 remote_port;	/* INTERDOMAIN; the VIRQ number for ECS_VIRQ */
};

struct domain;
struct pv_mode;
struct xs_conn;

struct vcpu {
	struct domain *domain;
	int id;
	bool runnable;		/* may be picked: up, and not blocked */
	bool initialised;	/* has a state: vCPU 0 from the builder, others
				 * from VCPUOP_initialise (core/vcpu_op.c) */
	bool down;		/* VCPUOP_down, or never brought up: not run */
	unsigned area_slot;	/* its GDT/LDT area (pv/descriptor_tables.c) */
	u32 cons_owed;		/* bytes of output it caused that its CPU
				 * still has to send to the UART, some each
				 * time it returns to it (core/console.c) */

	/* Guest state while not running (the live copy is on the hv stack). */
	struct cpu_regs regs;
	mfn_t cr3_kernel;	/* the kernel L4 (holds an L4 type reference) */
	bool kernel_mode;		/* guest kernel or guest user context (pv/mode.h) */
	struct compat_vcpu compat;	/* compat mode's own (pv/mode.h) */
	mfn_t pt_deferred;	/* a page table whose devalidation it owes,
				 * 0 = none: finished before its next
				 * page-table request (mm/pgtype.c, pv_mm.c) */
	u64 fs_base, gs_base_kernel, gs_base_user;
	u8 fpu[512] __aligned(16);	/* fxsave image */

	struct vcpu_info *vcpu_info;	/* in shared_info, hypervisor address */

	/* Its GDT (hv/pv/descriptor_tables.c): frames typed seg_desc, 0 = none. */
	mfn_t gdt_frames[FIRST_RESERVED_GDT_PAGE];
	u32 gdt_ents;
	/* Its LDT (MMUEXT_SET_LDT): where and how big, and the pages shadowed. */
	u64 ldt_base;
	u32 ldt_ents;				/* 0 = no LDT (LDTR null) */
	mfn_t ldt_frames[PV_LDT_PAGES];		/* typed seg_desc while mapped, 0 = not */

	/* PV CPU (hv/pv/): what the guest registered and its virtual CPU state. */
	struct trap_info trap_ctxt[256];	/* set_trap_table */
	u64 kernel_sp;				/* stack_switch: kernel stack for bounces from user */
	u64 event_callback;			/* CALLBACKTYPE_event */
	u64 failsafe_callback;			/* CALLBACKTYPE_failsafe */
	u64 syscall_callback;			/* CALLBACKTYPE_syscall */
	bool syscall_masks_events;		/* CALLBACKF_mask_events on it */
	u64 syscall32_callback;			/* CALLBACKTYPE_syscall32 */
	bool syscall32_masks_events;
	u64 sysenter_callback;			/* CALLBACKTYPE_sysenter */
	bool sysenter_masks_events;
	bool failsafe_masks_events;
	bool vcr0_ts;				/* virtual CR0.TS (fpu_taskswitch) */
	u8 iopl;				/* virtual IOPL (PHYSDEVOP_set_iopl) */
	u64 vcr4;				/* virtual CR4 the guest reads */
	struct debugregs dbg;			/* hv/pv/debugreg.c */
	u16 sel_ds, sel_es, sel_fs, sel_gs;	/* data selectors while descheduled */

	/* Scheduling and time (hv/core/sched.c, hv/core/time.c). */
	bool blocked;				/* SCHEDOP_block/poll: waits for an event */
	bool polling;				/* SCHEDOP_poll: also wakes on poll_ports */
	u64 poll_deadline;			/* system time (ns) for SCHEDOP_poll, 0 none */
	int poll_port;				/* SCHEDOP_poll's one port, -1 for several */
	u64 singleshot_deadline;		/* ns of system time, 0 = stopped */
	u64 periodic_period;			/* ns, 0 = stopped */
	u64 periodic_last;			/* system time it last fired */
	u64 runstate_area;			/* guest VA (register_runstate_memory_area) */
	struct vcpu_runstate_info runstate;
	u16 virq_to_port[24];			/* VIRQ_* -> event channel port, 0 = none */
	bool vcpu_info_registered;		/* VCPUOP_register_vcpu_info done */
	u64 slice_end;				/* TSC when its time slice ends */
	struct vcpu *rq_next, *rq_prev;		/* the run queue (core/sched.c) */
	struct theap_node tnode;		/* the timer heap (core/time.c) */
	bool on_runq;
	bool running;				/* on a CPU now (its state is there) */
	u32 processor;				/* ... the CPU it runs or last ran on */
	bool in_multicall;			/* a multicall is its hypercall now */
	struct memop_partial {	/* an extent it is being given, being zeroed
				 * (hv/mm/memory_op.c) */
		mfn_t first;
		u64 frames;	/* 0 = none */
		u64 zeroed;
		u64 op, index;	/* the batch and the extent it is for */
	} memop_partial;
};

enum domain_state {
	DOM_FREE = 0,	/* zeroed: never "running" */
	DOM_RUNNING,
	DOM_DEAD,	/* shut down or crashed; resources freed */
};

struct domain {
	u16 id;
	char name[DOMAIN_NAME_MAX + 1];
	char prefix[DOMAIN_NAME_MAX + 4];	/* "(name) " on the console */
	enum domain_state state;
	const struct pv_mode *mode;	/* its PV mode, for life (pv/mode.h) */

	u64 nr_pages;
	mfn_t *p2m;		/* hypervisor's copy: pfn -> mfn */
	mfn_t p2m_first;	/* contiguous frames holding p2m[] */
	u64 p2m_frames;

	struct shared_info *shared_info;
	mfn_t shared_info_mfn;

	/* Its grant table (hv/core/grant_table.c): frames lent like shared info. */
	mfn_t gnttab_frames[GNTTAB_MAX_FRAMES];
	u32 gnttab_nr_frames;
	/* ... the active entries of each frame's 512 (2 frames of ours each). */
	struct gnt_active *gnttab_active[GNTTAB_MAX_FRAMES];
	/* Its format (1 or 2), and in version 2 its status frames, lent too. */
	u32 gnttab_version;
	mfn_t gnttab_status[GNTTAB_MAX_STATUS_FRAMES];
	u32 gnttab_nr_status;
	/* The grant mappings it made (hv/core/grant_map.c), once it makes one. */
	struct gnt_maptrack maptrack;
	mfn_t maptrack_first;	/* MAPTRACK_FRAMES contiguous frames */

	/* Memory accounting (hv/mm/pv_mm.c, hv/mm/memory_op.c). */
	u64 tot_pages;		/* frames it owns now (shared info not counted) */
	u64 max_pages;		/* the most it may own: XENMEM_maximum_reservation */
	mfn_t mm_held[DOMAIN_VCPUS_MAX + 4];	/* guest frames the hypervisor writes
					 * (mm_hold_frame): a vcpu_info per vCPU,
					 * the console ring, room to spare */
	int nr_mm_held;
	bool mm_leak;		/* teardown found a frame still referenced */

	u64 vm_assist;		/* VMASST_TYPE_* bits enabled */
	int shutdown_reason;	/* SHUTDOWN_*, valid once DOM_DEAD */
	u32 shutdown_code;	/* SCHEDOP_shutdown_code, -1 = none */
	bool crashed;

	int nr_vcpus;		/* vcpus= (1..DOMAIN_VCPUS_MAX) */
	struct vcpu *vcpus;	/* nr_vcpus of them, in frames of their own */
	mfn_t vcpus_first;	/* ... the first of those frames */

	u64 hypercalls[NR_HYPERCALLS];	/* per-number counters */
	struct {			/* what the hypervisor did for it (core/stats.c) */
		u64 traps[32];		/* exceptions taken from guest code, by vector */
		u64 bounces;		/* frames written to the guest kernel stack */
		u64 syscalls;		/* user-mode SYSCALLs bounced to the kernel */
		u64 events;		/* upcalls delivered to the event callback */
		u64 emul_priv;		/* privileged instructions emulated */
		u64 emul_cpuid;		/* forced-emulation CPUIDs */
		u64 ptwr;		/* page-table writes emulated (ptwr) */
		u64 switches;		/* times this domain's vCPU was switched in */
		u64 returns;		/* returns to it (core/sched.c) */
		u64 ss_lar;		/* of those, the ones whose SS needed a LAR */
		u64 continuations;	/* hypercalls preempted, to go on later */
		u64 fast_syscalls;	/* fast mode: of syscalls, bounced in the switcher */
		u64 fast_irets;		/* ... iret hypercalls served there */
		u64 fast_pfs;		/* ... user page faults bounced there */
		u64 fast_hypercalls;	/* ... stack_switch, set_segment_base served there */
		u64 gnt_copies;		/* GNTTABOP_copy requests done (core/grant_table.c) */
		u64 gnt_copy_bytes;	/* ... the bytes they copied */
		u64 gnt_maps;		/* grant mappings made (core/grant_map.c) */
		u64 gnt_unmaps;		/* ... and undone */
		u64 cons_bytes;		/* console output taken (core/console.c) */
		u64 cons_stops;		/* ... times it stopped for its rate */
		/* With `stats` only (core/hypercall.c): */
		u64 longest_ns;		/* the longest hypercall (one piece of it) */
		u64 longest_nr;		/* ... its number */
		u64 late_ns;		/* the longest one went on after its time was up */
		u64 late_nr;		/* ... its number */
	} stats;

	struct evtchn evtchn[EVTCHN_PORTS];

	/* The PV console ring (start_info.console.domU), served by us. */
	void *console_ring;		/* struct xencons_interface, hypervisor address */
	u32 console_port;
	char cons_line[512];		/* its output line being gathered (core/console.c) */
	u32 cons_line_len;
	struct ratelimit cons_rate;	/* its output allowance (conrate=) */
	char input[64];			/* serial input waiting for console_io read */
	u32 input_len;

	/* The store (start_info.store_mfn/evtchn), served by us (core/xenstore_ring.c). */
	struct xs_conn *store_conn;	/* its connection, NULL = none */
	u32 store_port;

	/* Its split-driver devices (docs/devices.md) and their backends' ids,
	 * known once every domain of the boot is built (domain_build.c). */
	struct domcfg_devs devs;
	u16 vif_be[DOMCFG_VIFS_MAX];
	u16 disk_be[DOMCFG_DISKS_MAX];
	bool devs_up;		/* their store entries were (being) written */
};

/* The vCPU running on this CPU (x86/percpu.h: found from the stack). */
#define current (this_cpu()->curr)

int domains_reserve(int n);
int domains_count(void);
struct domain *domain_get(u16 id);
struct domain *domain_alloc(const struct domcfg *cfg, char *err, size_t errlen);
struct domain *domain_by_id(u16 id);
void domain_start(struct domain *d);
u64 domain_hv_bytes(const struct domain *d);

/* Every domain ever created, in id order, whatever its state. */
#define for_each_domain(d, i) \
	for (int i = 1; i <= domains_count() && ((d) = domain_get((u16)i)); i++)

void vcpu_kick(struct vcpu *v);
void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);
void domain_shutdown(struct domain *d, int reason);
void domain_destroy(struct domain *d);
int domains_alive(void);
bool domains_all_clean(void);
void domains_note_refused(int n);
const char *shutdown_reason_name(int reason);
void domain_print_stats(const struct domain *d);

#endif /* HV_CORE_DOMAIN_H */
