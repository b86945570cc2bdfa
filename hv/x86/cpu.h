/*
 * cpu.h - inline access to x86 registers, MSRs and I/O ports.
 *
 * Runs in: hypervisor, ring 0. Never included by mechanism files, which
 * must compile on the host.
 */
#ifndef HV_X86_CPU_H
#define HV_X86_CPU_H

#include "hv.h"
#include "x86/cr.h"
#include "x86/eflags.h"

#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_DEBUGCTL		0x1d9
#define MSR_PAT			0x277
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103

/* Page-fault error code bits. */
#define PFEC_PRESENT	(1ULL << 0)
#define PFEC_WRITE	(1ULL << 1)
#define PFEC_USER	(1ULL << 2)
#define PFEC_RSVD	(1ULL << 3)
#define PFEC_INSN	(1ULL << 4)


/* x86/cpu.c: what cpu_init() put in force on this machine. */
extern u8 cpu_smap;		/* CR4.SMAP is on: guest accesses need stac/clac */
extern bool cpu_fpu_ptr_scrub;	/* FXRSTOR keeps FIP/FDP/FOP: scrub them */
void cpu_init(void);
bool cpu_init_ap(void);

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

#define DEFINE_CR_ACCESS(n)						\
	static inline u64 read_cr##n(void)				\
	{								\
		u64 v;							\
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));		\
		return v;						\
	}								\
	static inline void write_cr##n(u64 v)				\
	{								\
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory");	\
	}
DEFINE_CR_ACCESS(0)
DEFINE_CR_ACCESS(2)
DEFINE_CR_ACCESS(3)
DEFINE_CR_ACCESS(4)
#undef DEFINE_CR_ACCESS

/* The debug registers (a guest's are loaded by pv/callbacks.c). */
#define DEFINE_DR_ACCESS(n)						\
	static inline u64 read_dr##n(void)				\
	{								\
		u64 v;							\
		asm volatile("mov %%dr" #n ", %0" : "=r"(v));		\
		return v;						\
	}								\
	static inline void write_dr##n(u64 v)				\
	{								\
		asm volatile("mov %0, %%dr" #n : : "r"(v));		\
	}
DEFINE_DR_ACCESS(0)
DEFINE_DR_ACCESS(1)
DEFINE_DR_ACCESS(2)
DEFINE_DR_ACCESS(3)
DEFINE_DR_ACCESS(6)
DEFINE_DR_ACCESS(7)
#undef DEFINE_DR_ACCESS

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline void cpuid(u32 leaf, u32 subleaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(subleaf));
}

static inline u64 read_rflags(void)
{
	u64 f;

	asm volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void invlpg(unsigned long va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void clts(void)
{
	asm volatile("clts");
}

/*
 * This CPU's initial APIC id (CPUID leaf 1): who it is, from any stack
 * and before the local APIC is mapped (panic, the console).
 */
static inline u32 cpu_initial_apic_id(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

static inline void cpu_relax(void)
{
	asm volatile("pause");
}

static inline __noreturn void halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#endif /* HV_X86_CPU_H */
