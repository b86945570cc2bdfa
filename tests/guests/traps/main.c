/*
 * traps: every exception a guest kernel can raise reaches the handler it
 * registered with set_trap_table, in Xen's x86-64 bounce frame, and the
 * iret hypercall takes it back.
 *
 * A PV kernel's whole exception handling (Linux's xen_pv_trap entries)
 * rests on the frame being exactly Xen's (docs/pv-mechanisms.md §2-§3,
 * §7, §9): rcx and r11 at the bottom, the error code only for vectors
 * 8, 10-14 and 17, RIP at the faulting instruction for faults and after
 * it for traps, CS with its RPL cleared (0xe030; 0xe018 in fast mode)
 * because the guest kernel was interrupted, the upcall mask saved in bits 32-39 of the CS slot and
 * mirrored in RFLAGS.IF, the interrupted RSP and SS, the frame itself
 * 16-byte aligned below that RSP, and the handler entered with TF and AC
 * clear and events masked if its entry asked so. For each vector the
 * guest raises it and checks all of that:
 *
 *	#DE div by 0, #DB single step (TF set with popf; DR6.BS reported by
 *	get_debugreg(6), as Xen merges it), #BP int3, #OF int $4 (a DPL 3
 *	gate; `into` is #UD in 64-bit mode), #UD ud2, #NM an x87 insn after
 *	fpu_taskswitch(1) (the hypervisor clears TS before the handler runs:
 *	the insn then works), #SS a non-canonical stack access (QEMU's TCG
 *	raises #GP(0) instead, which is accepted), #GP hlt and a
 *	non-canonical access (error code 0), #PF a write to an unmapped page
 *	(error code W, U/S clear since the kernel faulted; CR2 in vcpu_info
 *	and in the emulated mov from %cr2), a write to its read-only L4 (P|W)
 *	and a read of an unmapped page (0), #AC an unaligned load with
 *	RFLAGS.AC (the hypervisor sets CR0.AM), #MF and #XM from unmasked x87
 *	and SSE division by zero.
 *
 * `int $N` for a vector registered with DPL 0, or not registered, is #GP
 * with error code N*8+2 (QEMU 7.2 reports N*16+2; the hypervisor must
 * decode the instruction, docs/design.md §9.1); with DPL 1 or 3 it is delivered
 * to vector N without an error code and RIP after the instruction.
 *
 * The saved mask: with events unmasked, the frame says mask 0 and IF=1,
 * a TI_MASK_EVENTS entry runs masked and one without it unmasked, and
 * iret restores the mask from the frame's IF. The iret itself: a handler
 * that changes rax, rcx, r11 and rbx sees them come back changed, and an
 * RFLAGS with IOPL 3 in the iret frame must not give the guest IOPL 3
 * (it could then disable real interrupts with cli), and an iret frame with
 * a CS the CPU refuses makes the hypervisor's iretq fault: the guest gets
 * #GP at the target RIP, and runs on.
 *
 * Registration: set_trap_table and callback_op refuse handlers at
 * non-canonical or hypervisor addresses (-EINVAL), unknown callback types
 * (-ENOSYS), and unregistering anything but the NMI callback (-EINVAL).
 * bad_stack.list boots it again twice with "bad_stack=RSP": an exception
 * with rsp unmapped, or inside the hypervisor, must crash the domain.
 *
 * #AC, #MF and #XM depend on the CPU raising them at all, and QEMU 7.2's
 * TCG implements neither alignment checks nor SSE exceptions. They run in
 * a boot of their own (cpu_dependent.list, command line "cpu_dependent"):
 * a vector that comes is checked like every other, and if one of them
 * never comes that boot reports SKIP naming it, so the summary shows what
 * was not checked instead of a PASS.
 */
#include "guest.h"
#include "events.h"
#include "traps.h"
#include "pvabi/callback.h"

const char test_title[] = "exceptions through set_trap_table and iret";

#define DR6_BS		(1UL << 14)

/* Where RUN put its labels, and rsp just before the instruction. */
static struct {
	u64 at, next, sp;
} run;

static u8 buf[64] __aligned(64);
static volatile u64 zero;

/*
 * RUN(setup, insn, clobbers...): run setup, record rsp, then insn at
 * run.at (run.next after it); an exception resumes at run.next.
 */
#define RUN(setup, insn, ...)						\
	asm volatile("leaq 1f(%%rip), %0\n\t"				\
		     "leaq 2f(%%rip), %1\n\t"				\
		     "movq $2f, trap_resume_rip(%%rip)\n\t"		\
		     setup "\n\t"					\
		     "movq %%rsp, %2\n"					\
		     "1: " insn "\n2:"					\
		     : "=&r"(run.at), "=&r"(run.next), "=&r"(run.sp)	\
		     : : "memory", "cc", __VA_ARGS__)

/* Did exactly one exception come, and in what frame? */
static bool check_frame(const char *what, unsigned vector, bool has_err,
			u64 err, u64 rip, int mask)
{
	const struct trap_frame *f = &trap_last;
	unsigned slots = has_err ? 8 : 7;
	bool ok = true;

	if (trap_count != 1) {
		test_fail("%s: %lu exceptions, expected 1", what, trap_count);
		return false;
	}
#define FRAME_EQ(field, want)						\
	do {								\
		if ((u64)(field) != (u64)(want)) {			\
			test_fail("%s: %s is %#lx, expected %#lx", what,	\
				  #field, (u64)(field), (u64)(want));	\
			ok = false;					\
		}							\
	} while (0)
	FRAME_EQ(f->vector, vector);
	FRAME_EQ(f->has_error_code, has_err);
	FRAME_EQ(f->error_code, err);
	FRAME_EQ(f->rip, rip);
	FRAME_EQ(f->cs, KERNEL_CS_FRAME);
	FRAME_EQ(f->ss, KERNEL_SS_FRAME);
	FRAME_EQ(f->rsp, run.sp);
	FRAME_EQ(f->frame, (run.sp & ~15UL) - slots * 8);
	FRAME_EQ(f->saved_mask, mask);
	FRAME_EQ(!!(f->rflags & RFLAGS_IF), !mask);
	FRAME_EQ(f->entry_rflags & (RFLAGS_TF | RFLAGS_AC | RFLAGS_NT), 0);
	FRAME_EQ(f->entry_mask, 1);	/* traps_init: TI_MASK_EVENTS */
#undef FRAME_EQ
	return ok;
}

/* One exception, events masked (as the test runs). */
static bool expect_one(const char *what, unsigned vector, bool has_err,
		       u64 err, u64 rip)
{
	return check_frame(what, vector, has_err, err, rip, 1);
}

/* ---- the vectors ---------------------------------------------------- */

static void divide_error(void)
{
	trap_record_reset();
	RUN("movl $1, %%eax; xorl %%edx, %%edx; xorl %%ecx, %%ecx",
	    "divl %%ecx", "rax", "rcx", "rdx");
	expect_one("#DE", 0, false, 0, run.at);
}

/* #DB: the frame has TF set; the handler clears it, or every insn traps. */
static u64 db_frame_rflags;

static void db_handler(struct trap_frame *f)
{
	db_frame_rflags = f->rflags;
	f->rflags &= ~RFLAGS_TF;
	trap_default_handler(f);
}

static void single_step(void)
{
	long dr6;

	trap_set_handler(1, db_handler);
	trap_record_reset();
	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "leaq 2f(%%rip), %1\n\t"
		     "movq $2f, trap_resume_rip(%%rip)\n\t"
		     "movq %%rsp, %2\n\t"
		     "pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n"
		     "1: nop\n"		/* runs, then #DB: a trap */
		     "2:"
		     : "=&r"(run.at), "=&r"(run.next), "=&r"(run.sp)
		     : : "memory", "cc");
	trap_set_handler(1, NULL);
	expect_one("#DB single step", 1, false, 0, run.next);
	EXPECT(db_frame_rflags & RFLAGS_TF);
	EXPECT(!(read_rflags() & RFLAGS_TF));
	dr6 = HYPERVISOR_get_debugreg(6);
	if (!(dr6 & DR6_BS))
		test_fail("#DB single step: get_debugreg(6) is %#lx, without DR6.BS (Xen merges the #DB's DR6 into the virtual one)",
			  dr6);
}

static void breakpoint(void)
{
	trap_record_reset();
	RUN("", "int3", "rax");
	expect_one("#BP int3", 3, false, 0, run.next);
}

static void overflow(void)
{
	trap_record_reset();
	RUN("", "int $4", "rax");
	expect_one("#OF int $4", 4, false, 0, run.next);
}

static void invalid_opcode(void)
{
	trap_record_reset();
	RUN("", "ud2", "rax");
	expect_one("#UD ud2", 6, false, 0, run.at);
}

/* #NM: the handler reads CR0 (emulated): TS must already be clear. */
static u64 nm_cr0;

static void nm_handler(struct trap_frame *f)
{
	asm volatile("movq %%cr0, %0" : "=r"(nm_cr0));
	trap_default_handler(f);
}

static void device_not_available(void)
{
	u64 cr0;
	long rc;

	rc = HYPERVISOR_fpu_taskswitch(1);
	EXPECT_EQ(rc, 0);
	asm volatile("movq %%cr0, %0" : "=r"(cr0));
	EXPECT(cr0 & (1UL << 3));		/* the virtual TS reads set */
	trap_set_handler(7, nm_handler);
	trap_record_reset();
	RUN("", "fnop", "rax");
	trap_set_handler(7, NULL);
	expect_one("#NM after fpu_taskswitch(1)", 7, false, 0, run.at);
	EXPECT(!(nm_cr0 & (1UL << 3)));	/* cleared before the handler */
	/* TS is clear now: the same instruction runs without a trap. */
	trap_record_reset();
	asm volatile("fnop; movaps %%xmm0, %%xmm0" ::: "memory");
	EXPECT_EQ(trap_count, 0);
}

static void stack_fault(void)
{
	trap_record_reset();
	RUN("movabsq $0x8000000000000000, %%rax",
	    "movq (%%rsp, %%rax), %%rcx", "rax", "rcx");
	/* Hardware raises #SS(0); QEMU's TCG raises #GP(0) for any non-canonical address. */
	if (trap_count == 1 && trap_last.vector == 13) {
		printk("note: #SS: a non-canonical stack access raised #GP(0), as under QEMU's TCG\n");
		expect_one("#SS (as #GP) non-canonical stack access", 13, true, 0, run.at);
		return;
	}
	expect_one("#SS non-canonical stack access", 12, true, 0, run.at);
}

static void general_protection(void)
{
	trap_record_reset();
	RUN("", "hlt", "rax");
	expect_one("#GP hlt", 13, true, 0, run.at);

	trap_record_reset();
	RUN("movabsq $0x8000000000000000, %%rax", "movq (%%rax), %%rcx",
	    "rax", "rcx");
	expect_one("#GP non-canonical load", 13, true, 0, run.at);
}

#define PFEC_P		(1UL << 0)
#define PFEC_W		(1UL << 1)

static void page_fault(const struct start_info *si)
{
	u64 cr2;

	trap_record_reset();
	RUN("movl $0x1000, %%eax", "movq %%rcx, (%%rax)", "rax");
	if (expect_one("#PF write to unmapped 0x1000", 14, true, PFEC_W, run.at)) {
		EXPECT_EQ(trap_last.cr2, 0x1000);
		asm volatile("movq %%cr2, %0" : "=r"(cr2));
		EXPECT_EQ(cr2, 0x1000);
	}

	trap_record_reset();
	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "leaq 2f(%%rip), %1\n\t"
		     "movq $2f, trap_resume_rip(%%rip)\n\t"
		     "movq (%3), %%rcx\n\t"
		     "movq %%rsp, %2\n"
		     "1: movq %%rcx, (%3)\n"	/* the same value: harmless if allowed */
		     "2:"
		     : "=&r"(run.at), "=&r"(run.next), "=&r"(run.sp)
		     : "r"(si->pt_base) : "memory", "cc", "rcx");
	if (expect_one("#PF write to the read-only L4", 14, true,
		       PFEC_P | PFEC_W, run.at))
		EXPECT_EQ(trap_last.cr2, si->pt_base);

	trap_record_reset();
	RUN("movabsq $0x0000100000000000, %%rax", "movq (%%rax), %%rcx",
	    "rax", "rcx");
	if (expect_one("#PF read of unmapped memory", 14, true, 0, run.at))
		EXPECT_EQ(trap_last.cr2, 0x0000100000000000UL);
}

static bool alignment_check(void)
{
	u64 cr0;

	asm volatile("movq %%cr0, %0" : "=r"(cr0));
	trap_record_reset();
	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "leaq 2f(%%rip), %1\n\t"
		     "movq $2f, trap_resume_rip(%%rip)\n\t"
		     "pushfq\n\t"
		     "orl $0x40000, (%%rsp)\n\t"
		     "popfq\n\t"
		     "movq %%rsp, %2\n"
		     "1: movl 1(%3), %%ecx\n"
		     "2: pushfq\n\t"
		     "andl $~0x40000, (%%rsp)\n\t"
		     "popfq"
		     : "=&r"(run.at), "=&r"(run.next), "=&r"(run.sp)
		     : "r"(buf) : "memory", "cc", "rcx");
	if (trap_count == 0) {
		/* The hypervisor must turn CR0.AM on; the CPU must then raise #AC. */
		EXPECT((cr0 >> 18) & 1);
		trap_resume_rip = 0;
		return false;
	}
	if (expect_one("#AC unaligned load", 17, true, 0, run.at))
		EXPECT(trap_last.rflags & RFLAGS_AC);
	return true;
}

/* #MF: an unmasked x87 zero divide is reported at the next x87 insn. */
static bool x87_error(void)
{
	u16 cw = 0x037b;	/* all masked but ZE (bit 2) */

	trap_record_reset();
	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "leaq 2f(%%rip), %1\n\t"
		     "movq $2f, trap_resume_rip(%%rip)\n\t"
		     "fninit\n\t"
		     "fldcw %3\n\t"
		     "fldz\n\t"
		     "fld1\n\t"
		     "fdiv %%st(1), %%st\n\t"	/* 1 / 0 */
		     "movq %%rsp, %2\n"
		     "1: fwait\n"
		     "2: fninit"
		     : "=&r"(run.at), "=&r"(run.next), "=&r"(run.sp)
		     : "m"(cw) : "memory", "cc");
	if (trap_count == 0) {
		trap_resume_rip = 0;
		return false;
	}
	expect_one("#MF x87 zero divide", 16, false, 0, run.at);
	return true;
}

/* #XM: an unmasked SSE zero divide faults on the divss itself. */
static bool simd_error(void)
{
	u32 mxcsr = 0x1f80 & ~(1u << 9);	/* unmask ZE */
	u32 restore = 0x1f80;
	static const u32 one = 0x3f800000;	/* 1.0f */

	trap_record_reset();
	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "leaq 2f(%%rip), %1\n\t"
		     "movq $2f, trap_resume_rip(%%rip)\n\t"
		     "ldmxcsr %3\n\t"
		     "movss %5, %%xmm0\n\t"
		     "xorps %%xmm1, %%xmm1\n\t"
		     "movq %%rsp, %2\n"
		     "1: divss %%xmm1, %%xmm0\n"
		     "2: ldmxcsr %4"
		     : "=&r"(run.at), "=&r"(run.next), "=&r"(run.sp)
		     : "m"(mxcsr), "m"(restore), "m"(one) : "memory", "cc");
	if (trap_count == 0) {
		trap_resume_rip = 0;
		return false;
	}
	expect_one("#XM SSE zero divide", 19, false, 0, run.at);
	return true;
}

/*
 * cpu_dependent.list: the three vectors the CPU may not raise at all.
 * Each one that comes is checked; any that never comes makes the result
 * SKIP with its name (a FAIL recorded meanwhile still wins).
 */
static void cpu_dependent(void)
{
	char missing[64] = "";
	size_t n = 0;

	/* Alignment checks are for CPL 3 only: never in a ring-1 kernel. */
	if (guest_fast_mode())
		n += (size_t)hv_snprintf(missing + n, sizeof(missing) - n, " #AC (ring 1)");
	else if (!alignment_check())
		n += (size_t)hv_snprintf(missing + n, sizeof(missing) - n, " #AC");
	if (!x87_error())
		n += (size_t)hv_snprintf(missing + n, sizeof(missing) - n, " #MF");
	if (!simd_error())
		n += (size_t)hv_snprintf(missing + n, sizeof(missing) - n, " #XM");
	if (n)
		test_skip("the CPU raised nothing for%s (QEMU's TCG implements neither alignment checks nor SSE exceptions)",
			  missing);
}

/* ---- int $N and the trap table's DPL ---------------------------------- */

static void software_interrupts(void)
{
	ASSERT_EQ(trap_register(0x40, TI_DPL(0) | TI_MASK_EVENTS), 0);
	trap_record_reset();
	RUN("", "int $0x40", "rax");
	expect_one("int $0x40 with DPL 0", 13, true, 0x40 * 8 + 2, run.at);

	ASSERT_EQ(trap_register(0x40, TI_DPL(3) | TI_MASK_EVENTS), 0);
	trap_record_reset();
	RUN("", "int $0x40", "rax");
	expect_one("int $0x40 with DPL 3", 0x40, false, 0, run.next);

	ASSERT_EQ(trap_register(0x80, TI_DPL(1) | TI_MASK_EVENTS), 0);
	trap_record_reset();
	RUN("", "int $0x80", "rax");
	expect_one("int $0x80 with DPL 1 (the kernel's ring counts as 1)", 0x80,
		   false, 0, run.next);

	trap_record_reset();
	RUN("", "int $0x81", "rax");
	expect_one("int $0x81, never registered", 13, true, 0x81 * 8 + 2, run.at);

	trap_record_reset();
	RUN("", "int $0x0e", "rax");
	expect_one("int $0x0e (#PF's entry has DPL 0)", 13, true, 0x0e * 8 + 2,
		   run.at);

	trap_record_reset();
	RUN("", "int $0x01", "rax");
	expect_one("int $0x01 (#DB's entry has DPL 0)", 13, true, 0x01 * 8 + 2,
		   run.at);
}

/* ---- the upcall mask in the frame, and iret restoring it ----------------- */

static void saved_mask(void)
{
	vcpu->evtchn_upcall_mask = 0;
	trap_record_reset();
	RUN("", "int3", "rax");
	check_frame("int3 with events unmasked", 3, false, 0, run.next, 0);
	EXPECT_EQ(vcpu->evtchn_upcall_mask, 0);	/* iret: !IF of the frame */

	/* An entry without TI_MASK_EVENTS leaves them unmasked. */
	ASSERT_EQ(trap_register(3, TI_DPL(3)), 0);
	trap_record_reset();
	RUN("", "int3", "rax");
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.entry_mask, 0);
	EXPECT_EQ(trap_last.saved_mask, 0);
	ASSERT_EQ(trap_register(3, TI_DPL(3) | TI_MASK_EVENTS), 0);
	vcpu->evtchn_upcall_mask = 1;

	trap_record_reset();
	RUN("", "int3", "rax");
	check_frame("int3 with events masked", 3, false, 0, run.next, 1);
	EXPECT_EQ(vcpu->evtchn_upcall_mask, 1);
}

/* ---- what iret gives back ------------------------------------------- */

static struct trap_regs seen;

static void regs_handler(struct trap_frame *f)
{
	seen = *f->regs;
	f->regs->rax = 0xaaaa0000aaaa0000UL;
	f->regs->rcx = 0xcccc0000cccc0000UL;
	f->regs->r11 = 0x1111000011110000UL;
	f->regs->rbx = 0xbbbb0000bbbb0000UL;
	f->rflags |= RFLAGS_IOPL;	/* asks for IOPL 3: must not get it */
	trap_default_handler(f);
}

static void iret_registers(void)
{
	u64 rax = 0x0123456789abcdefUL, rbx = 0x1, rcx = 0x2, rdx = 0x3;
	u64 rsi = 0x4, rdi = 0x5, r8 = 0x8, r9 = 0x9, r10 = 0x10, r11 = 0x11;
	u64 flags;

	trap_set_handler(3, regs_handler);
	trap_record_reset();
	asm volatile("movq $1f, trap_resume_rip(%%rip)\n\t"
		     "movq %[r8], %%r8\n\t"
		     "movq %[r9], %%r9\n\t"
		     "movq %[r10], %%r10\n\t"
		     "movq %[r11], %%r11\n\t"
		     "int3\n"
		     "1: movq %%r8, %[r8]\n\t"
		     "movq %%r9, %[r9]\n\t"
		     "movq %%r10, %[r10]\n\t"
		     "movq %%r11, %[r11]\n\t"
		     "pushfq\n\t"
		     "popq %[flags]"
		     : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi),
		       "+D"(rdi), [r8] "+m"(r8), [r9] "+m"(r9),
		       [r10] "+m"(r10), [r11] "+m"(r11), [flags] "=r"(flags)
		     : : "memory", "cc", "r8", "r9", "r10", "r11");
	trap_set_handler(3, NULL);
	EXPECT_EQ(trap_count, 1);
	/* The handler saw the interrupted registers, rcx/r11 from the frame. */
	EXPECT_EQ(seen.rax, 0x0123456789abcdefUL);
	EXPECT_EQ(seen.rbx, 1);
	EXPECT_EQ(seen.rcx, 2);
	EXPECT_EQ(seen.rdx, 3);
	EXPECT_EQ(seen.rsi, 4);
	EXPECT_EQ(seen.rdi, 5);
	EXPECT_EQ(seen.r8, 8);
	EXPECT_EQ(seen.r9, 9);
	EXPECT_EQ(seen.r10, 0x10);
	EXPECT_EQ(seen.r11, 0x11);
	/* iret gave back what the handler put in the context and registers. */
	EXPECT_EQ(rax, 0xaaaa0000aaaa0000UL);
	EXPECT_EQ(rbx, 0xbbbb0000bbbb0000UL);
	EXPECT_EQ(rcx, 0xcccc0000cccc0000UL);
	EXPECT_EQ(r11, 0x1111000011110000UL);
	EXPECT_EQ(rdx, 3);
	EXPECT_EQ(r10, 0x10);
	if (flags & RFLAGS_IOPL)
		test_fail("iret with IOPL 3 in the frame's rflags gave the guest IOPL %lu (rflags %#lx): it could now cli",
			  (flags & RFLAGS_IOPL) >> 12, flags);
}

/*
 * An iret frame asking for RPL 0 in CS and SS (0xe030, 0xe028; in fast
 * mode 0xe018, 0xe060): the guest must come back at its kernel's RPL in
 * both, 3 (Xen forces it) or 1 in fast mode, not with a ring-0 selector,
 * and not with an iretq that faults on the mismatch.
 */
static u64 rpl0_calls;

static void rpl0_handler(struct trap_frame *f)
{
	rpl0_calls++;
	f->cs = KERNEL_CS & ~3UL;
	f->ss = KERNEL_SS & ~3UL;
}

static void iret_rpl0(void)
{
	u64 cs, ss;

	trap_set_handler(3, rpl0_handler);
	trap_record_reset();
	asm volatile("int3\n\t"
		     "movq %%cs, %0\n\t"
		     "movq %%ss, %1"
		     : "=r"(cs), "=r"(ss) : : "memory");
	trap_set_handler(3, NULL);
	EXPECT_EQ(rpl0_calls, 1);
	EXPECT_EQ(cs, KERNEL_CS);
	EXPECT_EQ(ss, KERNEL_SS);
}

/*
 * An iret frame with a CS the CPU refuses (GDT entry 1: the guest has no
 * GDT): the hypervisor's own iretq faults, and the guest must get that as
 * an exception at the target RIP (Xen: no failsafe on 64-bit), not be
 * crashed, and certainly not take the hypervisor down.
 */
static u64 bad_cs_target;

static void bad_cs_handler(struct trap_frame *f)
{
	bad_cs_target = f->rip;
	f->cs = 0x0008;		/* RPL 0: stays in kernel mode, entry 1 */
}

static void bad_iret(void)
{
	trap_set_handler(3, bad_cs_handler);
	trap_record_reset();
	asm volatile("movq $1f, trap_resume_rip(%%rip)\n\t"
		     "int3\n"
		     "1:" ::: "memory", "rax");
	trap_set_handler(3, NULL);
	if (trap_count != 1) {
		test_fail("iret to CS 0x000b: %lu exceptions, expected 1", trap_count);
		return;
	}
	printk("traps: iret to CS 0x000b: %s error %#lx at the target\n",
	       trap_name(trap_last.vector), trap_last.error_code);
	if (trap_last.vector != 13 && trap_last.vector != 11)
		test_fail("iret to CS 0x000b gave %s, expected #GP (or #NP)",
			  trap_name(trap_last.vector));
	EXPECT_EQ(trap_last.rip, bad_cs_target);
	EXPECT_EQ(trap_last.cs, KERNEL_CS_FRAME);
	EXPECT_EQ(trap_last.ss, KERNEL_SS_FRAME);
}

/* What set_trap_table and callback_op refuse (docs/pv-mechanisms.md §11). */
static void registration_errors(void)
{
	struct trap_info t[2];
	struct callback_register cb = { .type = CALLBACKTYPE_event };
	struct callback_unregister un = { .type = CALLBACKTYPE_event };

	memset(t, 0, sizeof(t));
	t[0].vector = 0x50;
	t[0].address = 0x0000800000000000UL;		/* non-canonical */
	EXPECT_EQ(HYPERVISOR_set_trap_table(t), -XEN_EINVAL);
	t[0].address = 0xffff830000000000UL;		/* the hypervisor's */
	EXPECT_EQ(HYPERVISOR_set_trap_table(t), -XEN_EINVAL);

	cb.address = 0xffff800000000000UL;
	EXPECT_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_EINVAL);
	cb.address = 0x8000000000000000UL;
	EXPECT_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_EINVAL);
	cb.type = 99;
	cb.address = trap_entry_address(TRAP_EVENT);
	EXPECT_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &cb), -XEN_ENOSYS);
	EXPECT_EQ(HYPERVISOR_callback_op(CALLBACKOP_unregister, &un), -XEN_EINVAL);
	un.type = CALLBACKTYPE_nmi;
	EXPECT_EQ(HYPERVISOR_callback_op(CALLBACKOP_unregister, &un), 0);
	EXPECT_EQ(HYPERVISOR_callback_op(99, &un), -XEN_ENOSYS);
}

/*
 * bad_stack.list: an exception while rsp points where no frame can be
 * written (unmapped, or the hypervisor's own memory) crashes the domain,
 * as Xen does; it must not get a frame, and must not write one into the
 * hypervisor.
 */
static void bad_stack(u64 rsp)
{
	printk("traps: int3 with rsp %#lx\n", rsp);
	asm volatile("movq %%rsp, %%rbx\n\t"
		     "movq %0, %%rsp\n\t"
		     "int3\n\t"
		     "movq %%rbx, %%rsp"
		     : : "r"(rsp) : "rbx", "memory");
	test_fail("int3 with rsp %#lx came back", rsp);
}

void test_main(const struct start_info *si)
{
	long rc = vcpu_info_register();

	if (rc)
		test_error("VCPUOP_register_vcpu_info returned %ld", rc);
	traps_init();
	if (cmdline_get("bad_stack", NULL, 0)) {
		bad_stack(cmdline_u64("bad_stack", 0));
		return;
	}
	if (cmdline_get("cpu_dependent", NULL, 0)) {
		cpu_dependent();
		return;
	}

	registration_errors();
	divide_error();
	single_step();
	breakpoint();
	overflow();
	invalid_opcode();
	device_not_available();
	stack_fault();
	general_protection();
	page_fault(si);
	software_interrupts();
	saved_mask();
	iret_registers();
	iret_rpl0();
	bad_iret();
	(void)zero;
}
