/*
 * privop: the privileged instructions a PV kernel still executes in ring 3
 * are emulated as Xen does, and the others fault.
 *
 * A PV kernel replaces most ring-0 instructions with hypercalls, but some
 * it executes and expects emulated (docs/pv-mechanisms.md §16.1-§16.5): reads
 * of the control registers, CR0.TS through mov/clts (the lazy FPU
 * switch), CR2 and CR4 writes, the debug registers, wbinvd, and port I/O
 * and cli/sti once it has an I/O privilege level (PHYSDEVOP_set_iopl).
 * Checked:
 *
 *	- CR0 reads with PE and PG set and TS as fpu_taskswitch left it;
 *	  clts clears TS; mov to CR0 changing only TS is fpu_taskswitch; a
 *	  mov to CR0 changing another bit is #GP(0);
 *	- a mov to CR2 reads back, and shows in vcpu_info.arch.cr2;
 *	- CR3 reads as the machine address of the current kernel L4;
 *	- CR4 reads PAE, OSFXSR, OSXMMEXCPT and none of PGE, PCIDE, VMXE,
 *	  SMEP, SMAP; a mov to CR4 with such bits never faults and reads back
 *	  filtered, Xen's rule: PAE, OSFXSR and OSXMMEXCPT stay whatever is
 *	  written, DE is the guest's to set and clear (where CPUID has it),
 *	  TSD, FSGSBASE, OSXSAVE, UMIP are dropped; with DE set, DR4/DR5 are
 *	  #UD and an I/O breakpoint is accepted;
 *	- the decoder: mov to/from CR with ModRM.mod not 3 is still a
 *	  register move (the CPU ignores mod), 3 bytes long; 13 prefixes and
 *	  clts (15 bytes) are emulated, 14 (16 bytes) are #GP(0) with nothing
 *	  done; an 8-bit port read with 14 prefixes (15 bytes) is emulated;
 *	- wbinvd runs (nothing to do for a domU);
 *	- in/out and cli/sti are #GP(0) at virtual IOPL 0; at IOPL 1 port
 *	  reads give all ones (no devices) as wide as the instruction (a
 *	  32-bit in clears RAX's upper half), writes are dropped, cli/sti do
 *	  nothing, not even to the event mask; set_iopl(4) is -EINVAL;
 *	- with VMASST_TYPE_architectural_iopl the virtual IOPL is RFLAGS.IOPL
 *	  of the iret frames and shows in the bounce frames, and the kernel
 *	  counts as CPL 0 (cli at IOPL 0 runs); without it bounce frames show
 *	  IOPL 0 and iret's IOPL is ignored. The real IOPL stays 0 throughout;
 *	- the debug registers: set_debugreg/get_debugreg and the emulated mov
 *	  to and from %dr0-3 agree; DR6 and DR7 start at their reset values; a
 *	  hypervisor address in DR0-3 is -EPERM (a mov of one is #GP); the
 *	  reserved upper half of DR7 is -EINVAL, and DR7.GD (general detect,
 *	  which would trap the guest's own debug-register accesses) -EPERM,
 *	  an I/O breakpoint without CR4.DE -EPERM, as on Xen; reserved bits
 *	  read as fixed; DR4/DR5 are DR6/DR7 (CR4.DE is clear); DR8 and up
 *	  are -ENODEV (dbreg tests that breakpoints fire);
 *	- instructions nobody emulates for a PV kernel: hlt, lidt, swapgs,
 *	  invlpg, mov to CR3 are #GP(0), reflected to the guest.
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "traps.h"
#include "pvabi/physdev.h"

const char test_title[] = "privileged-instruction emulation";

#define CR0_PE		(1UL << 0)
#define CR4_TSD		(1UL << 2)
#define CR4_DE		(1UL << 3)
#define CR4_UMIP	(1UL << 11)
#define CR4_FSGSBASE	(1UL << 16)
#define CR4_OSXSAVE	(1UL << 18)
#define CR0_TS		(1UL << 3)
#define CR0_WP		(1UL << 16)
#define CR0_PG		(1UL << 31)
#define CR4_PAE		(1UL << 5)
#define CR4_PGE		(1UL << 7)
#define CR4_OSFXSR	(1UL << 9)
#define CR4_OSXMMEXCPT	(1UL << 10)
#define CR4_VMXE	(1UL << 13)
#define CR4_PCIDE	(1UL << 17)
#define CR4_SMEP	(1UL << 20)
#define CR4_SMAP	(1UL << 21)
#define DR7_GD		(1UL << 13)

static u64 read_cr0(void)
{
	u64 v;

	asm volatile("movq %%cr0, %0" : "=r"(v));
	return v;
}

static u64 read_cr4(void)
{
	u64 v;

	asm volatile("movq %%cr4, %0" : "=r"(v));
	return v;
}

/*
 * One instruction that must raise #GP(0), resuming after it. As in
 * TRAP_EXPECT, the instruction's operands are %1 on (%0 is its address).
 */
#define EXPECT_GP(what, insn, ...)					\
	do {								\
		trap_record_reset();					\
		TRAP_EXPECT(insn, ##__VA_ARGS__);			\
		if (trap_count != 1 || trap_last.vector != 13 ||	\
		    trap_last.error_code != 0)				\
			test_fail("%s: %lu exceptions, the last %s error %#lx; expected #GP(0)", \
				  what, trap_count, trap_name(trap_last.vector), \
				  trap_last.error_code);			\
	} while (0)

/* ... and one that must not trap at all. */
#define EXPECT_RUNS(what, insn, ...)					\
	do {								\
		trap_record_reset();					\
		TRAP_EXPECT(insn, ##__VA_ARGS__);			\
		if (trap_count)						\
			test_fail("%s: %s (error %#lx)", what,		\
				  trap_name(trap_last.vector),		\
				  trap_last.error_code);		\
		trap_resume_rip = 0;					\
	} while (0)

/* CPUID leaf 1 EDX, as the hypervisor's policy shows it (forced emulation). */
static u32 cpuid1_edx(void)
{
	u32 a = 1, b, c = 0, d;

	asm volatile("ud2; .ascii \"xen\"; cpuid"
		     : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d;
}

/* CR4.DE, the guest's to set where CPUID shows DE (Xen's rule). */
static void cr4_de(u64 cr4)
{
	u64 v;

	if (!(cpuid1_edx() & (1u << 2))) {
		EXPECT_RUNS("mov to CR4 with DE, no DE in CPUID", "movq %1, %%cr4",
			    "r"(cr4 | CR4_DE));
		EXPECT_EQ(read_cr4(), cr4);
		return;
	}
	EXPECT_RUNS("mov to CR4 with DE", "movq %1, %%cr4", "r"(cr4 | CR4_DE));
	EXPECT_EQ(read_cr4(), cr4 | CR4_DE);
	trap_record_reset();
	TRAP_EXPECT("movq %%dr4, %%rax", "a"(0));
	EXPECT(trap_count == 1 && trap_last.vector == 6);	/* DR4 does not exist */
	/* L0 with R/W = 10 (I/O): accepted with CR4.DE, kept when DE goes. */
	EXPECT_EQ(HYPERVISOR_set_debugreg(7, 1UL | (2UL << 16)), 0);
	EXPECT_RUNS("mov to CR4 clearing DE", "movq %1, %%cr4", "r"(cr4));
	EXPECT_EQ(read_cr4(), cr4);
	EXPECT_EQ(HYPERVISOR_get_debugreg(7), (long)(0x400UL | 1UL | (2UL << 16)));
	EXPECT_EQ(HYPERVISOR_set_debugreg(7, 0x400UL), 0);
	asm volatile("movq %%dr4, %0" : "=r"(v));	/* DR6 again */
	EXPECT_EQ(v, 0xffff0ff0UL);
}

/* What only the decoder decides: ModRM.mod of mov CR, and the 15-byte limit. */
static void decoding(void)
{
	u64 v = 0;

	/*
	 * 0f 20 05: mov %cr0, %rbp with mod 0 (as memory, rm 5 would take a
	 * 4-byte displacement: the next instruction's bytes).
	 */
	asm volatile("pushq %%rbp\n\t"
		     ".byte 0x0f, 0x20, 0x05\n\t"
		     "movq %%rbp, %%rax\n\t"
		     "popq %%rbp" : "=a"(v));
	EXPECT_EQ(v, read_cr0());
	EXPECT_EQ(HYPERVISOR_fpu_taskswitch(1), 0);
	EXPECT_RUNS("clts with 13 prefixes (15 bytes)",
		    ".byte 0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x0f,0x06");
	EXPECT(!(read_cr0() & CR0_TS));
	EXPECT_EQ(HYPERVISOR_fpu_taskswitch(1), 0);
	EXPECT_GP("clts with 14 prefixes (16 bytes)",
		  ".byte 0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x0f,0x06");
	EXPECT(read_cr0() & CR0_TS);
	EXPECT_EQ(HYPERVISOR_fpu_taskswitch(0), 0);
}

static void control_registers(const struct start_info *si)
{
	u64 cr0, cr2, cr3, cr4;

	cr0 = read_cr0();
	EXPECT(cr0 & CR0_PE);
	EXPECT(cr0 & CR0_PG);
	EXPECT(!(cr0 & CR0_TS));
	EXPECT_EQ(HYPERVISOR_fpu_taskswitch(1), 0);
	EXPECT(read_cr0() & CR0_TS);
	EXPECT_RUNS("clts", "clts");
	EXPECT(!(read_cr0() & CR0_TS));
	EXPECT_RUNS("mov to CR0 setting TS", "movq %1, %%cr0", "r"(cr0 | CR0_TS));
	EXPECT(read_cr0() & CR0_TS);
	EXPECT_RUNS("mov to CR0 clearing TS", "movq %1, %%cr0", "r"(cr0 & ~CR0_TS));
	EXPECT(!(read_cr0() & CR0_TS));
	EXPECT_GP("mov to CR0 clearing WP", "movq %1, %%cr0", "r"(cr0 & ~CR0_WP));
	EXPECT_GP("mov to CR0 clearing PG", "movq %1, %%cr0", "r"(cr0 & ~CR0_PG));
	EXPECT_EQ(read_cr0(), cr0);

	EXPECT_RUNS("mov to CR2", "movq %1, %%cr2", "r"(0x1234000UL));
	asm volatile("movq %%cr2, %0" : "=r"(cr2));
	EXPECT_EQ(cr2, 0x1234000UL);
	EXPECT_EQ(vcpu->arch.cr2, 0x1234000UL);

	asm volatile("movq %%cr3, %0" : "=r"(cr3));
	EXPECT_EQ(cr3, virt_to_mfn((const void *)si->pt_base) << 12);

	cr4 = read_cr4();
	printk("privop: cr0 %#lx cr3 %#lx cr4 %#lx\n", cr0, cr3, cr4);
	EXPECT_EQ(cr4 & (CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT),
		  CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT);
	EXPECT_EQ(cr4 & (CR4_PGE | CR4_PCIDE | CR4_VMXE | CR4_SMEP | CR4_SMAP), 0);
	EXPECT_RUNS("mov to CR4 with VMXE|PGE|SMEP", "movq %1, %%cr4",
		    "r"(cr4 | CR4_VMXE | CR4_PGE | CR4_SMEP));
	EXPECT_EQ(read_cr4() & (CR4_PGE | CR4_VMXE | CR4_SMEP), 0);
	EXPECT_EQ(read_cr4(), cr4);
	EXPECT_RUNS("mov of 0 to CR4", "movq %1, %%cr4", "r"(0UL));
	EXPECT_EQ(read_cr4(), cr4);	/* the hypervisor's bits stay */
	EXPECT_RUNS("mov to CR4 with TSD|FSGSBASE|OSXSAVE|UMIP", "movq %1, %%cr4",
		    "r"(cr4 | CR4_TSD | CR4_FSGSBASE | CR4_OSXSAVE | CR4_UMIP));
	EXPECT_EQ(read_cr4(), cr4);
	cr4_de(cr4);

	EXPECT_RUNS("wbinvd", "wbinvd");
}

static long set_iopl(u32 iopl)
{
	struct physdev_set_iopl s = { .iopl = iopl };

	return hypercall_raw(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl,
			     (u64)&s, 0, 0, 0);
}

static void port_io(void)
{
	u64 rax;

	EXPECT_GP("inb at IOPL 0", "inb $0x71, %%al", "a"(0));
	EXPECT_GP("outb at IOPL 0", "outb %%al, $0x80", "a"(0));
	EXPECT_GP("cli at IOPL 0", "cli");
	EXPECT_GP("sti at IOPL 0", "sti");

	EXPECT_EQ(set_iopl(4), -XEN_EINVAL);
	EXPECT_EQ(set_iopl(1), 0);
	rax = 0x1111111111111100UL;
	asm volatile("inb $0x71, %%al" : "+a"(rax));
	EXPECT_EQ(rax, 0x11111111111111ffUL);	/* only al changes */
	rax = 0;
	asm volatile("inw %%dx, %%ax" : "+a"(rax) : "d"(0x1f0));
	EXPECT_EQ(rax, 0xffff);
	rax = 0x2222222222222222UL;
	asm volatile("inl %%dx, %%eax" : "+a"(rax) : "d"(0xcfc));
	EXPECT_EQ(rax, 0xffffffffUL);		/* the upper half cleared */
	rax = 0x3333333333333300UL;
	asm volatile(".byte 0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0x3e,0xec"
		     : "+a"(rax) : "d"(0x60));	/* inb %dx, %al: 15 bytes */
	EXPECT_EQ(rax, 0x33333333333333ffUL);
	EXPECT_RUNS("outb at IOPL 1", "outb %%al, $0x80", "a"(0));
	EXPECT_RUNS("outl at IOPL 1", "outl %%eax, %%dx", "a"(0), "d"(0xcf8));
	vcpu->evtchn_upcall_mask = 1;
	EXPECT_RUNS("sti at IOPL 1", "sti");
	EXPECT_EQ(vcpu->evtchn_upcall_mask, 1);	/* sti is not the event flag */
	vcpu->evtchn_upcall_mask = 0;
	EXPECT_RUNS("cli at IOPL 1", "cli");
	EXPECT_EQ(vcpu->evtchn_upcall_mask, 0);
	vcpu->evtchn_upcall_mask = 1;
	EXPECT(read_rflags() & RFLAGS_IF);	/* the real IF stays on */
	EXPECT_EQ(set_iopl(0), 0);
	EXPECT_GP("inb at IOPL 0 again", "inb $0x71, %%al", "a"(0));
}

/* The #UD handler of iopl_assist(): resume with this IOPL in the frame. */
static u64 iopl_for_iret;

static void ud_with_iopl(struct trap_frame *f)
{
	trap_default_handler(f);
	f->rflags = (f->rflags & ~RFLAGS_IOPL) | (iopl_for_iret << 12);
}

/* The IOPL a bounce frame shows (a #UD's), and the real one after the iret. */
static u64 frame_iopl(void)
{
	trap_record_reset();
	TRAP_EXPECT("ud2");
	if (trap_count != 1 || trap_last.vector != 6)
		test_fail("ud2: %lu exceptions, the last %s", trap_count,
			  trap_name(trap_last.vector));
	if (read_rflags() & RFLAGS_IOPL)
		test_fail("the real IOPL is %lu after an iret", (read_rflags() >> 12) & 3);
	return (trap_last.rflags & RFLAGS_IOPL) >> 12;
}

static void iopl_assist(void)
{
	/* Without the assist: frames show 0, iret's IOPL is ignored. */
	EXPECT_EQ(set_iopl(2), 0);
	EXPECT_EQ(frame_iopl(), 0);
	trap_set_handler(6, ud_with_iopl);
	EXPECT_EQ(set_iopl(0), 0);
	iopl_for_iret = 3;
	frame_iopl();
	EXPECT_GP("cli at IOPL 0 after an iret with IOPL 3, no assist", "cli");

	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl), 0);
	EXPECT_RUNS("cli at IOPL 0 under the assist (the kernel is CPL 0)", "cli");
	EXPECT_RUNS("outb at IOPL 0 under the assist", "outb %%al, $0x80", "a"(0));
	iopl_for_iret = 2;
	EXPECT_EQ(frame_iopl(), 0);	/* then the iret sets 2 ... */
	iopl_for_iret = 1;
	EXPECT_EQ(frame_iopl(), 2);	/* ... which this frame shows */
	iopl_for_iret = 0;
	EXPECT_EQ(frame_iopl(), 1);
	EXPECT_EQ(set_iopl(3), 0);
	EXPECT_EQ(frame_iopl(), 3);	/* set_iopl's shows too; 0 again after */
	EXPECT_EQ(frame_iopl(), 0);

	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl), 0);
	trap_set_handler(6, NULL);
	EXPECT_GP("cli at IOPL 0 without the assist again", "cli");
}

static void debug_registers(void)
{
	static u64 watched;
	u64 v;

	EXPECT_EQ(HYPERVISOR_get_debugreg(6), 0xffff0ff0L);
	EXPECT_EQ(HYPERVISOR_get_debugreg(7), 0x400L);
	EXPECT_EQ(HYPERVISOR_set_debugreg(0, (u64)&watched), 0);
	EXPECT_EQ(HYPERVISOR_get_debugreg(0), (long)(u64)&watched);
	asm volatile("movq %%dr0, %0" : "=r"(v));
	EXPECT_EQ(v, (u64)&watched);
	EXPECT_RUNS("mov to DR1", "movq %1, %%dr1", "r"(0x400000UL));
	EXPECT_EQ(HYPERVISOR_get_debugreg(1), 0x400000L);
	EXPECT_EQ(HYPERVISOR_set_debugreg(2, 0xffff800000000000UL), -XEN_EPERM);
	EXPECT_EQ(HYPERVISOR_set_debugreg(3, 0x0000800000000000UL), -XEN_EPERM);
	EXPECT_GP("mov of a hypervisor address to DR2", "movq %1, %%dr2",
		  "r"(0xffff830000100000UL));
	EXPECT_EQ(HYPERVISOR_get_debugreg(2), 0);
	EXPECT_EQ(HYPERVISOR_set_debugreg(7, 1UL << 32), -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_set_debugreg(7, DR7_GD), -XEN_EPERM);
	/* L0 with R/W = 10 (I/O): only with CR4.DE. */
	EXPECT_EQ(HYPERVISOR_set_debugreg(7, 1UL | (2UL << 16)), -XEN_EPERM);
	EXPECT_EQ(HYPERVISOR_get_debugreg(7), 0x400L);
	EXPECT_EQ(HYPERVISOR_get_debugreg(8), -XEN_ENODEV);
	EXPECT_EQ(HYPERVISOR_set_debugreg(8, 0), -XEN_ENODEV);
	/* Reserved bits: DR6 bit 12 reads 0, bits 4-11 and 16-31 read 1. */
	EXPECT_EQ(HYPERVISOR_set_debugreg(6, 0x1000UL), 0);
	EXPECT_EQ(HYPERVISOR_get_debugreg(6), 0xffff0ff0L);
	/* With CR4.DE clear, DR4 and DR5 are DR6 and DR7 (as Xen). */
	EXPECT_EQ(HYPERVISOR_set_debugreg(4, 0xffff0ff1UL), 0);
	EXPECT_EQ(HYPERVISOR_get_debugreg(6), 0xffff0ff1L);
	asm volatile("movq %%dr4, %0" : "=r"(v));
	EXPECT_EQ(v, 0xffff0ff1UL);
	EXPECT_RUNS("mov to DR6", "movq %1, %%dr6", "r"(0xffff0ff0UL));
	asm volatile("movq %%dr5, %0" : "=r"(v));
	EXPECT_EQ(v, 0x400UL);
	EXPECT_EQ(HYPERVISOR_set_debugreg(0, 0), 0);
	EXPECT_EQ(HYPERVISOR_set_debugreg(1, 0), 0);
}

static void not_emulated(const struct start_info *si)
{
	u64 idtr[2] = { 0, 0 };

	EXPECT_GP("hlt", "hlt");
	EXPECT_GP("lidt", "lidt %1", "m"(idtr));
	EXPECT_GP("swapgs", "swapgs");
	EXPECT_GP("invlpg", "invlpg (%1)", "r"(si));
	EXPECT_GP("mov to CR3", "movq %1, %%cr3",
		  "r"(virt_to_mfn((const void *)si->pt_base) << 12));
}

void test_main(const struct start_info *si)
{
	long rc;

	traps_init();
	rc = vcpu_info_register();
	if (rc)
		test_error("VCPUOP_register_vcpu_info returned %ld", rc);
	control_registers(si);
	decoding();
	port_io();
	iopl_assist();
	debug_registers();
	not_emulated(si);
}
