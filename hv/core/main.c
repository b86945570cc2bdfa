/*
 * main.c - the hypervisor from first C instruction to the end of the run.
 *
 * Runs in: hypervisor, ring 0, interrupts off, on the boot stack.
 *
 * This file is the table of contents: one commented call per step of
 * docs/design.md §3. Each step lives in the file named in its comment.
 */
#include "hv.h"
#include "layout.h"
#include "version.h"
#include "boot/mb2.h"
#include "core/cmdline.h"
#include "core/console.h"
#include "core/domain.h"
#include "core/domain_build.h"
#include "core/sched.h"
#include "core/time.h"
#include "mm/m2p.h"
#include "mm/page_info.h"
#include "mm/paging.h"
#include "mm/setup.h"
#include "pv/descriptor_tables.h"
#include "x86/cpu.h"
#include "x86/desc.h"
#include "x86/fpu.h"
#include "x86/percpu.h"
#include "x86/pic.h"
#include "x86/power.h"

#define MB2_BOOT_MAGIC	0x36d76289

static struct boot_info boot;
extern char __text_start[];	/* hv.lds.S */

static const char *mem_type_name(u32 type)
{
	switch (type) {
	case 1: return "RAM";
	case 3: return "ACPI reclaimable";
	case 4: return "ACPI NVS";
	case 5: return "bad RAM";
	default: return "reserved";
	}
}

static void print_boot_info(void)
{
	printk("boot loader: %s\n", boot.loader[0] ? boot.loader : "(unknown)");
	printk("command line: '%s'\n", boot.cmdline);
	printk("memory map (%d entries):\n", boot.nr_raw);
	for (int i = 0; i < boot.nr_raw; i++)
		printk("  %016llx-%016llx %s\n",
		       (unsigned long long)boot.raw[i].start,
		       (unsigned long long)(boot.raw[i].start + boot.raw[i].len),
		       mem_type_name(boot.raw[i].type));
	printk("usable RAM: %llu KiB in %d ranges\n",
	       (unsigned long long)(memmap_total(&boot.usable) >> 10),
	       boot.usable.n);
	printk("modules: %d\n", boot.nr_mods);
	for (int i = 0; i < boot.nr_mods; i++)
		printk("  module %d: %016llx-%016llx (%llu bytes) '%s'\n", i,
		       (unsigned long long)boot.mods[i].start,
		       (unsigned long long)boot.mods[i].end,
		       (unsigned long long)(boot.mods[i].end - boot.mods[i].start),
		       boot.mods[i].cmdline);
}

/*
 * crashtest=: crash on purpose, so the tests can check that a hypervisor
 * fault produces a complete report and the failure status. widt writes
 * the IDT, read-only once written (x86/desc.c). smep and smap
 * make ring 0 execute or read a page with the user bit (what every guest
 * page has): with CR4.SMEP (SMAP) on, that is a #PF, not a "ret" run or a
 * byte read.
 */
static void __attribute__((noinline)) crash_test(const char *how)
{
	const u64 user_va = 0x400000;

	if (!strcmp(how, "pf"))
		*(volatile u64 *)0xdead000UL = 1;	/* nothing is mapped low */
	else if (!strcmp(how, "ud"))
		asm volatile("ud2");
	else if (!strcmp(how, "wtext"))	/* our own code is read-only */
		*(volatile char *)__text_start = (char)0xcc;
	else if (!strcmp(how, "widt")) {	/* so is the IDT every CPU shares */
		struct { u16 limit; u64 base; } __packed idtr;

		asm volatile("sidt %0" : "=m"(idtr));
		*(volatile u8 *)idtr.base = 0;
	}
	else if (!strcmp(how, "smep") || !strcmp(how, "smap")) {
		*(u8 *)paging_map_user_page(user_va) = 0xc3;	/* ret */
		if (!strcmp(how, "smep"))
			((void (*)(void))user_va)();
		else
			(void)*(volatile u8 *)user_va;
	}
	panic("crashtest=%s", how);
}

void hv_main(u32 magic, u32 mbi_phys);
/*H:110 The table of contents
 * hv_main() is the whole boot, one commented call per step: console,
 * boot information, options, memory, descriptor tables, the CPU's control
 * registers and MSRs (SYSCALL and SYSENTER entries among them), the
 * silenced PIC, time, the other CPUs (started, then idle), the M2P, the domains, and finally the scheduler,
 * which never returns. Each step lives in the file its comment names.
 */
void hv_main(u32 magic, u32 mbi_phys)
{
	const void *mbi = __va(mbi_phys);
	u32 mbi_size;
	int refused;

	console_init();				/* x86/uart.c: COM1, 115200 8N1 */
	printk("pvisor %s: x86-64 paravirtualization hypervisor\n",
	       PVISOR_VERSION);
#ifdef LOCKDEBUG	/* make hv LOCKDEBUG=1: core/spinlock.h; tests/lockdebug/run looks for it */
	printk("lockdebug: on: lock order, interrupt state, no lock into a guest or a halt\n");
#endif
	if (magic != MB2_BOOT_MAGIC)		/* head.S checked; be sure */
		panic("bad boot magic %#x", magic);
	memcpy(&mbi_size, mbi, sizeof(mbi_size));
	if (mbi_size > MiB(1))			/* GRUB's is a few KiB */
		panic("boot information claims %u bytes", mbi_size);
	if (mb2_parse(mbi, mbi_size, &boot) < 0)	/* boot/mb2.c */
		panic("unusable Multiboot2 information");
	cmdline_parse(boot.cmdline, &hv_opts);	/* core/cmdline.c */
	hv_loglvl = hv_opts.loglvl;
	print_boot_info();
	mm_init(&boot, mbi_phys, mbi_size);	/* mm/setup.c, mm/paging.c */
	desc_init();				/* x86/desc.c: GDT, TSS, IDT */
	percpu_init_boot();			/* x86/smp.c: this CPU's struct pcpu */
	cpu_init();				/* x86/cpu.c: CR0, CR4, EFER, PAT, SYSCALL/SYSENTER */
	pic_disable();				/* x86/pic.c: no stray IRQ 0 as #DF */
	time_init();				/* core/time.c, x86/apic.c: TSC, APIC timer, RTC */
	smp_init(&boot, mbi_phys, mbi_size);	/* x86/smp.c, x86/acpi.c: find and start the other CPUs */
	if (hv_opts.crashtest[0])
		crash_test(hv_opts.crashtest);

	m2p_init(frame_table_size);		/* mm/m2p.c: read-only to guests */
	fpu_init();				/* x86/fpu.c: a clean FPU state */
	pv_gdt_init();				/* pv/descriptor_tables.c: per-vCPU GDT/LDT areas */

	refused = domains_create(&boot, hv_opts.dryrun);	/* core/domain_build.c */
	domains_note_refused(refused);		/* the run's end: core/domain.c */
	if (hv_opts.dryrun) {
		printk("dryrun: boot plan printed, no domain started\n");
		hv_exit(boot.nr_problems == 0 && refused == 0);	/* x86/power.c */
	}
	/* mm/setup.c: the images were copied; their frames are free again. */
	printk("mm: %llu KiB of boot modules returned to the allocator\n",
	       (unsigned long long)(mm_release_modules(&boot) >> 10));
	if (domains_alive() == 0) {
		printk("no domain to run\n");
		hv_exit(boot.nr_problems == 0 && refused == 0 && boot.nr_mods == 0);
	}
	sched_start();				/* core/sched.c: never returns */
}
