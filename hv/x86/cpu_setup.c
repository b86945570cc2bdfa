/*
 * cpu_setup.c - decide what every CPU's control registers and MSRs hold.
 *
 * Runs in: hypervisor at boot (x86/cpu.c, once per CPU), and host tests.
 * Trusts: the CPUID words it is given (the hardware's).
 *
 * The hypervisor writes each of these registers whole instead of trusting
 * what the firmware, the boot loader or the reset left there: a bit it did
 * not choose is a bit it cannot reason about. What it chooses:
 *
 * - CR0: protected mode and paging, WP (read-only pages bind the hypervisor
 *   too), NE (native x87 errors), MP, AM (guests may use alignment checks,
 *   as on Xen); no TS (the scheduler sets it per vCPU), caches on.
 * - CR4: PAE, PGE (the hypervisor's global pages survive CR3 switches),
 *   OSFXSR and OSXMMEXCPT (SSE); and the protections where the CPU has
 *   them: SMEP (ring 0 never executes a guest's page: a jump there faults
 *   instead of running guest code with the hypervisor's privilege), UMIP
 *   (sgdt, sidt, sldt, str and smsw fault in ring 3, where every guest
 *   runs, instead of telling it where the hypervisor's tables are) and,
 *   only when asked for (smap=on, docs/boot.md), SMAP (ring 0 reads and
 *   writes a guest's page only inside the copy routine's stac/clac). No
 *   TSD, PCE, FSGSBASE, OSXSAVE, PCIDE: nothing a guest could use that the
 *   hypervisor does not handle.
 * - EFER: SCE (SYSCALL), LME, NXE; not FFXSR (fast FXSAVE would skip the
 *   XMM registers in ring 0: one domain's would show in the next), LMSLE,
 *   SVME or TCE.
 * - Whether the SYSENTER MSRs exist (SEP), whether TSC_AUX does (RDTSCP or
 *   RDPID), and whether FXRSTOR leaves the last x87 instruction and data
 *   pointers of the previous domain in place (AMD CPUs without
 *   RSTR_FP_ERR_PTRS restore them only with an exception pending; the
 *   scheduler then scrubs them, as Xen does).
 */
#include "hv.h"
#include "x86/cpu_setup.h"

/* Vendors whose FXRSTOR skips FIP/FDP/FOP unless CPUID says otherwise. */
static bool vendor_amd_like(const char *vendor)
{
	return !strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine");
}

void cpu_setup_decide(const struct cpuid_info *id, bool want_smap,
		      struct cpu_setup *s)
{
	bool has_smap = id->l7_ebx & CPUID_7_EBX_SMAP;
	u32 e8_ebx = id->max_ext >= 0x80000008 ? id->e8_ebx : 0;
	u32 e1_edx = id->max_ext >= 0x80000001 ? id->e1_edx : 0;

	memset(s, 0, sizeof(*s));
	s->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		 X86_CR0_WP | X86_CR0_AM | X86_CR0_PG;
	s->cr4 = X86_CR4_PAE | X86_CR4_PGE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (id->l7_ebx & CPUID_7_EBX_SMEP)
		s->cr4 |= X86_CR4_SMEP;
	if (id->l7_ecx & CPUID_7_ECX_UMIP)
		s->cr4 |= X86_CR4_UMIP;
	if (want_smap && has_smap)
		s->cr4 |= X86_CR4_SMAP;
	s->smap_unavailable = want_smap && !has_smap;
	s->efer = X86_EFER_SCE | X86_EFER_LME | X86_EFER_NXE;
	s->sysenter = id->l1_edx & CPUID_1_EDX_SEP;
	s->tsc_aux = (e1_edx & CPUID_E1_EDX_RDTSCP) ||
		     (id->l7_ecx & CPUID_7_ECX_RDPID);
	s->fpu_ptr_scrub = vendor_amd_like(id->vendor) &&
			   !(e8_ebx & CPUID_E8_EBX_RSTR_FP_ERR_PTRS);
}

/*
 * The names of the CR4 bits set, "PAE PGE ...", for the boot log. Returns
 * the length the whole text needs, as snprintf; truncates to size.
 */
int cpu_cr4_describe(u64 cr4, char *buf, size_t size)
{
	static const struct {
		u64 bit;
		const char *name;
	} names[] = {
		{ 1ULL << 0, "VME" }, { 1ULL << 1, "PVI" }, { 1ULL << 2, "TSD" },
		{ 1ULL << 3, "DE" }, { 1ULL << 4, "PSE" }, { X86_CR4_PAE, "PAE" },
		{ 1ULL << 6, "MCE" }, { X86_CR4_PGE, "PGE" }, { 1ULL << 8, "PCE" },
		{ X86_CR4_OSFXSR, "OSFXSR" }, { X86_CR4_OSXMMEXCPT, "OSXMMEXCPT" },
		{ X86_CR4_UMIP, "UMIP" }, { 1ULL << 12, "LA57" },
		{ 1ULL << 16, "FSGSBASE" }, { 1ULL << 17, "PCIDE" },
		{ 1ULL << 18, "OSXSAVE" }, { X86_CR4_SMEP, "SMEP" },
		{ X86_CR4_SMAP, "SMAP" }, { 1ULL << 22, "PKE" }, { 1ULL << 23, "CET" },
	};
	size_t used = 0, left = size;
	char *p = buf;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n;

		if (!(cr4 & names[i].bit))
			continue;
		n = (size_t)hv_snprintf(p, left, "%s%s", used ? " " : "",
					names[i].name);
		used += n;
		if (n < left) {
			p += n;
			left -= n;
		} else {
			left = 0;	/* truncated: count the rest, write no more */
		}
	}
	return (int)used;
}
