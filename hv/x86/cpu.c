/*
 * cpu.c - put one CPU's control registers and MSRs in a known state.
 *
 * Runs in: hypervisor, ring 0, interrupts off, once per CPU at boot (the
 * boot CPU from hv_main; a CPU brought up later calls cpu_init() too), after
 * the descriptor tables are loaded and before any guest runs.
 *
 * Everything the hypervisor relies on is written here rather than taken
 * from the reset or the firmware: CR0, CR4, EFER, PAT, DEBUGCTL, the FS and
 * GS bases, TSC_AUX, the SYSENTER and SYSCALL entry points. What goes in is
 * decided from CPUID by x86/cpu_setup.c (which says why each bit is there);
 * this file only reads CPUID, writes the registers and says in the boot log
 * what is in force. Costs: a few dozen register writes per CPU, once.
 */
#include "hv.h"
#include "core/cmdline.h"
#include "pv/mode.h"
#include "x86/cpu.h"
#include "x86/cpu_setup.h"
#include "x86/desc.h"

u8 cpu_smap;
bool cpu_fpu_ptr_scrub;

static void cpuid_read(struct cpuid_info *id)
{
	u32 a, b, c, d, max;

	memset(id, 0, sizeof(*id));
	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(id->vendor, &b, 4);
	memcpy(id->vendor + 4, &d, 4);
	memcpy(id->vendor + 8, &c, 4);
	cpuid(1, 0, &a, &b, &c, &id->l1_edx);
	if (max >= 7)
		cpuid(7, 0, &a, &id->l7_ebx, &id->l7_ecx, &d);
	cpuid(0x80000000, 0, &id->max_ext, &b, &c, &d);
	if (id->max_ext >= 0x80000001)
		cpuid(0x80000001, 0, &a, &b, &c, &id->e1_edx);
	if (id->max_ext >= 0x80000008)
		cpuid(0x80000008, 0, &a, &id->e8_ebx, &c, &d);
}

/* What is in force, read back from the registers themselves. */
static void print_setup(const struct cpuid_info *id, const struct cpu_setup *s)
{
	char names[160], aux[24] = "absent";
	u64 cr4 = read_cr4();

	cpu_cr4_describe(cr4, names, sizeof(names));
	printk("cpu: %s, CR4 %#llx: %s%s\n", id->vendor, (unsigned long long)cr4,
	       names, cr4 & X86_CR4_SMAP ? "" : " (SMAP off; smap=on turns it on)");
	if (s->tsc_aux)
		hv_snprintf(aux, sizeof(aux), "%llu",
			    (unsigned long long)rdmsr(MSR_TSC_AUX));
	printk("cpu: CR0 %#llx, EFER %#llx, PAT %#018llx, SYSENTER %s, TSC_AUX %s, "
	       "x87 pointer scrub %s\n",
	       (unsigned long long)read_cr0(), (unsigned long long)rdmsr(MSR_EFER),
	       (unsigned long long)rdmsr(MSR_PAT),
	       !s->sysenter ? "absent" :
	       rdmsr(MSR_SYSENTER_CS) == HV_CS ? "on" : "NOT SET",
	       aux, s->fpu_ptr_scrub ? "on" : "off");
}

/* The registers every CPU writes the same way (not the guest entry MSRs). */
static void write_registers(const struct cpu_setup *s)
{
	write_cr0(s->cr0);
	write_cr4(s->cr4);
	wrmsr(MSR_EFER, (rdmsr(MSR_EFER) & X86_EFER_LMA) | s->efer);
	/*
	 * No mapping uses PAT entries 4-7 (cpu_setup.h), the only ones that
	 * change, so no cache or TLB flush is needed around this write.
	 */
	wrmsr(MSR_PAT, CPU_PAT);
	/* No branch single-step (BTF), no branch records of ours to read. */
	wrmsr(MSR_DEBUGCTL, 0);
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, 0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	/*
	 * What rdtscp and rdpid show: 0 for every guest, as for a Xen PV vCPU
	 * that never wrote it (pvisor lets no guest write it), never a CPU
	 * number or anything of another domain's.
	 */
	if (s->tsc_aux)
		wrmsr(MSR_TSC_AUX, 0);
}

static u64 boot_cr4;	/* what the boot CPU has, for the APs to match */

/* Put this CPU's registers in the state the hypervisor relies on. */
void cpu_init(void)
{
	struct cpuid_info id;
	struct cpu_setup s;

	cpuid_read(&id);
	cpu_setup_decide(&id, hv_opts.smap, &s);
	if (s.smap_unavailable)
		pr_warn("smap=on: this CPU has no SMAP; it stays off\n");

	write_registers(&s);
	boot_cr4 = s.cr4;
	pv_mode_cpu_init(s.sysenter);		/* pv/mode.c: SYSCALL, SYSENTER */

	cpu_smap = (s.cr4 & X86_CR4_SMAP) != 0;
	cpu_fpu_ptr_scrub = s.fpu_ptr_scrub;
	print_setup(&id, &s);
}

/*
 * The same on an application processor (x86/smp.c), decided the same way
 * from its own CPUID, except the guest entry MSRs (SYSCALL, SYSENTER):
 * no guest runs there yet, and no SYSCALL can come from ring 0. Returns
 * false if its CR4 differs from the boot CPU's (a mixed machine, which
 * pvisor does not handle: guests would see one CPU's features and run on
 * another's).
 */
bool cpu_init_ap(void)
{
	struct cpuid_info id;
	struct cpu_setup s;

	cpuid_read(&id);
	cpu_setup_decide(&id, hv_opts.smap, &s);
	write_registers(&s);
	return s.cr4 == boot_cr4;
}
