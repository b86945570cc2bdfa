/*
 * percpu.h - what each physical CPU owns, and how a CPU finds its own.
 *
 * Runs in: hypervisor, ring 0, on any CPU.
 *
 * As on Xen, a CPU finds its data from its stack pointer, not from a
 * segment base: every CPU's hypervisor stack is HV_STACK_SIZE bytes,
 * aligned to its size, and its top PCPU_AREA bytes hold its struct pcpu.
 * Rounding RSP up to the stack's end and stepping back PCPU_AREA is two
 * instructions and needs no register a guest could see or load (GS stays
 * the guest's, untouched by every entry). The cost: this_cpu() is right
 * only on the CPU's own hypervisor stack, not on an IST stack (#DF, NMI,
 * #MC, #DB before its move); code reached from those uses no per-CPU data.
 */
#ifndef HV_X86_PERCPU_H
#define HV_X86_PERCPU_H

#define NR_CPUS		32	/* = ACPI_MAX_CPUS: the most x86/acpi.c keeps */
#define NR_IST		4	/* #DF, NMI, #MC, #DB (x86/desc.h) */

#ifndef __ASSEMBLER__	/* pv/compat_entry.S needs NR_CPUS */
#include "hv.h"
#include "layout.h"
#include "core/lockcheck.h"

enum pcpu_state {
	PCPU_OFFLINE,		/* found in the MADT, not started (maxcpus=, failure) */
	PCPU_STARTING,		/* INIT-SIPI-SIPI sent, not yet in C */
	PCPU_ONLINE,		/* its tables and local APIC are set up: idle */
};

struct pcpu {
	struct pcpu *self;	/* == itself: this_cpu() found a real one */
	u32 id;			/* 0: the boot CPU; then in MADT order */
	u32 apic_id;
	u64 stack_top;		/* entries start here (TSS rsp0): just below this struct */
	u64 *gdt;		/* the CPU's GDT (HV_GDT_FIRST_ENTRY + 16 entries) */
	void *task_state;	/* its TSS (struct tss64, x86/desc.c) */
	u8 *ist[NR_IST];	/* the bottoms of its IST stacks */
	volatile u32 state;	/* enum pcpu_state; written by the CPU itself once started */
	u32 boot_us;		/* from the first SIPI to online */
	volatile u64 wakeups;	/* times its idle loop came back from hlt (NMI, SMI) */

	/* Running guests (core/sched.c, core/hvlock.c). */
	struct vcpu *curr;	/* the vCPU it runs: `current` */
	bool need_resched;	/* pick again at the next return to a guest */
	bool holds_hv_lock;	/* it is in the hypervisor proper */
	bool idle_cr3;		/* CR3 holds the hypervisor's own L4 (no guest's) */
	bool ldtr_loaded;	/* LDTR is not null (pv/descriptor_tables.c) */
	bool idle_wake_claimed;	/* idle, and its idle loop runs a vCPU just woken (core/sched.c) */
	const void *entries;	/* the PV mode whose entries it has (pv/mode.c) */
	u64 timer_deadline;	/* system time its APIC timer is aimed at */
	volatile u32 where;	/* enum pcpu_where, for the TLB sync (core/hvlock.c) */
	volatile u32 sync_req;	/* another CPU waits for it to drop guest TLB entries */
	u64 lock_spins;		/* times it found the hypervisor lock taken */
	u64 lock_wait_ns;	/* time it spun for the lock, in all */
	u64 ldt_desc[2];	/* the LDT descriptor its last lldt loaded (x86/desc.c) */
	u64 exit_via;		/* 0, or the switcher's exit: a fast vCPU runs (pv/switcher.c) */
	u64 idt_base;		/* the IDT it loaded: ours, or its fast IDT (x86/desc.c) */

	/*
	 * The last fault in the hypervisor that resumed at an exception-table
	 * fixup (x86/traps.c): the vector and error code, for the fixup that
	 * reports them (pv/iret.c, pv/emulate.c). Per CPU: two CPUs may take
	 * fixups at once, one of them without the hypervisor lock (a fast
	 * vCPU's faulting iretq on the switcher's stack).
	 */
	u64 fixup_vector, fixup_error;
#ifdef LOCKDEBUG
	struct lockcheck_cpu locks;	/* the locks it holds (core/lockcheck.c) */
#endif
};

/* Where a CPU is, as another one holding the hypervisor lock sees it. */
enum pcpu_where {
	PCPU_IN_HV = 0,		/* in the hypervisor, or waiting for its lock */
	PCPU_IN_GUEST,		/* running a guest: may use guest TLB entries */
	PCPU_IDLE,		/* halted on the hypervisor's L4: no guest entries */
};
_Static_assert(sizeof(struct pcpu) <= PCPU_AREA, "struct pcpu fits its area");

/* The running CPU's struct pcpu: valid on its hypervisor stack only. */
static inline struct pcpu *this_cpu(void)
{
	u64 sp;

	asm volatile("movq %%rsp, %0" : "=r"(sp));
	return (struct pcpu *)(ALIGN_DOWN(sp, HV_STACK_SIZE) + HV_STACK_SIZE - PCPU_AREA);
}

/* x86/smp.c */
extern struct pcpu *pcpus[NR_CPUS];	/* by id; NULL above the CPUs found */
extern int nr_cpus_found, nr_cpus_online;
struct boot_info;
void percpu_init_boot(void);
void smp_init(const struct boot_info *bi, u64 mbi_phys, u64 mbi_size);
int smp_describe(char *buf, size_t size);

#endif /* !__ASSEMBLER__ */
#endif /* HV_X86_PERCPU_H */
