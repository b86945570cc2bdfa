/*
 * cpu_setup.h - what the hypervisor writes into every CPU's control
 * registers and MSRs, decided from CPUID (a mechanism: x86/cpu_setup.c,
 * also compiled into the host unit tests; x86/cpu.c applies it).
 */
#ifndef HV_X86_CPU_SETUP_H
#define HV_X86_CPU_SETUP_H

#include "hv.h"

#include "x86/cr.h"

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
