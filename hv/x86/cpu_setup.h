/*
 * cpu_setup.h - what the hypervisor writes into every CPU's control
 * registers and MSRs, decided from CPUID (a mechanism: x86/cpu_setup.c,
 * also compiled into the host unit tests; x86/cpu.c applies it).
 */
#ifndef HV_X86_CPU_SETUP_H
#define HV_X86_CPU_SETUP_H

#include "hv.h"

/* Control-register bits the hypervisor sets or decides on. */
#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_MP	(1ULL << 1)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_NE	(1ULL << 5)
#define X86_CR0_WP	(1ULL << 16)
#define X86_CR0_AM	(1ULL << 18)
#define X86_CR0_PG	(1ULL << 31)

#define X86_CR4_PAE		(1ULL << 5)
#define X86_CR4_PGE		(1ULL << 7)
#define X86_CR4_OSFXSR		(1ULL << 9)
#define X86_CR4_OSXMMEXCPT	(1ULL << 10)
#define X86_CR4_UMIP		(1ULL << 11)
#define X86_CR4_SMEP		(1ULL << 20)
#define X86_CR4_SMAP		(1ULL << 21)

#define X86_EFER_SCE	(1ULL << 0)
#define X86_EFER_LME	(1ULL << 8)
#define X86_EFER_LMA	(1ULL << 10)
#define X86_EFER_NXE	(1ULL << 11)

/*
 * The PAT in force on every CPU: Xen's, which a PV guest reads with rdmsr
 * (hv/pv/emulate.c) and Linux builds its cache modes from. Entries 0-7:
 * WB, WT, UC-, UC, WC, WP, UC, UC. Entries 0-3 are those of the PAT after
 * reset, so a page-table entry that never sets the PAT bit means the same
 * before and after the write: the hypervisor's own tables use only entries
 * 0 (WB, no PWT/PCD) and 3 (UC, PWT|PCD for the local APIC), and guests
 * get no cache attributes at all (mm/pgtype.c).
 */
#define CPU_PAT			0x0000050100070406ULL
#define CPU_PAT_AFTER_RESET	0x0007040600070406ULL

/* The CPUID words the decisions depend on. */
struct cpuid_info {
	char vendor[13];	/* leaf 0: "GenuineIntel", "AuthenticAMD", ... */
	u32 l1_edx;		/* leaf 1 EDX: SEP (bit 11) */
	u32 l7_ebx;		/* leaf 7.0 EBX: SMEP (7), SMAP (20) */
	u32 l7_ecx;		/* leaf 7.0 ECX: UMIP (2), RDPID (22) */
	u32 max_ext;		/* leaf 0x80000000 EAX */
	u32 e1_edx;		/* leaf 0x80000001 EDX: RDTSCP (27) */
	u32 e8_ebx;		/* leaf 0x80000008 EBX: RSTR_FP_ERR_PTRS (2) */
};

#define CPUID_1_EDX_SEP			(1u << 11)
#define CPUID_7_EBX_SMEP		(1u << 7)
#define CPUID_7_EBX_SMAP		(1u << 20)
#define CPUID_7_ECX_UMIP		(1u << 2)
#define CPUID_7_ECX_RDPID		(1u << 22)
#define CPUID_E1_EDX_RDTSCP		(1u << 27)
#define CPUID_E8_EBX_RSTR_FP_ERR_PTRS	(1u << 2)

/* What to write. */
struct cpu_setup {
	u64 cr0;
	u64 cr4;
	u64 efer;		/* EFER.LMA is read-only: the caller keeps it */
	bool sysenter;		/* the CPU has SYSENTER: point its MSRs at us */
	bool tsc_aux;		/* the CPU has TSC_AUX (RDTSCP or RDPID) */
	bool fpu_ptr_scrub;	/* FXRSTOR keeps FIP/FDP/FOP: scrub on switch */
	bool smap_unavailable;	/* smap=on was asked for on a CPU without SMAP */
};

void cpu_setup_decide(const struct cpuid_info *id, bool want_smap,
		      struct cpu_setup *s);
int cpu_cr4_describe(u64 cr4, char *buf, size_t size);

#endif /* HV_X86_CPU_SETUP_H */
