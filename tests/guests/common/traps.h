/*
 * traps.h - exception handlers, the event and syscall callbacks, and the
 * iret hypercall, for test guests.
 *
 * Runs in: test guests, guest kernel mode (ring 3, or ring 1 in fast mode).
 *
 * A PV kernel has no IDT: it gives the hypervisor a virtual one
 * (set_trap_table) and callbacks (callback_op), and the hypervisor enters
 * them with Xen's x86-64 bounce frame on the guest kernel stack, lowest
 * address first (docs/pv-mechanisms.md §3):
 *
 *	rcx, r11, [error code: vectors 8, 10-14, 17], rip,
 *	cs | saved upcall mask << 32, rflags (IF = !saved mask), rsp, ss
 *
 * trap_entry.S has one entry stub per vector (0-255) and one for each of the
 * event, syscall, syscall32 and sysenter callbacks. Every stub saves the registers and calls
 * trap_dispatch(), which decodes the frame into a struct trap_frame, runs
 * the handler set for that vector (or the default one, below), and
 * returns with HYPERVISOR_iret: {rax, r11, rcx, flags, rip, cs, rflags,
 * rsp, ss} pushed over the frame, syscall with rax = 23. Whatever the
 * handler changed in the trap_frame (rip, rflags, registers, ...) is what
 * the interrupted code resumes with.
 *
 * The default handler serves the common test pattern "this instruction
 * must raise that exception": the test stores the address to resume at in
 * trap_resume_rip (TRAP_EXPECT below does it from inline assembly), and
 * the handler copies the frame into trap_last, counts it in trap_count and
 * resumes there. An exception nobody expected fails the test with the
 * frame's contents instead of crashing the domain.
 */
#ifndef GUEST_TRAPS_H
#define GUEST_TRAPS_H

#ifndef __ASSEMBLER__
#include "guest.h"
#endif

/* Pseudo-vectors: which callback a stub serves. */
#define TRAP_EVENT		256	/* CALLBACKTYPE_event */
#define TRAP_SYSCALL		257	/* CALLBACKTYPE_syscall */
#define TRAP_SYSCALL32		258	/* CALLBACKTYPE_syscall32 */
#define TRAP_SYSENTER		259	/* CALLBACKTYPE_sysenter */
#define TRAP_NR_ENTRIES		260

/* trap_info.flags */
#define TI_DPL(dpl)		((dpl) & 3)
#define TI_MASK_EVENTS		4	/* enter with events masked */

#define RFLAGS_CF		(1UL << 0)
#define RFLAGS_TF		(1UL << 8)
#define RFLAGS_IF		(1UL << 9)
#define RFLAGS_DF		(1UL << 10)
#define RFLAGS_IOPL		(3UL << 12)
#define RFLAGS_NT		(1UL << 14)
#define RFLAGS_RF		(1UL << 16)
#define RFLAGS_AC		(1UL << 18)

#ifndef __ASSEMBLER__

/* The registers at entry, as trap_entry.S saved them (lowest address first). */
struct trap_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
};

/* One entry into a handler, decoded. */
struct trap_frame {
	unsigned vector;	/* 0-255, or a TRAP_* pseudo-vector */
	bool has_error_code;	/* the frame has an error code slot */
	u64 error_code;
	/* The frame's return state: the handler may change any of it. */
	u64 rip, cs, rflags, rsp, ss;
	u8 saved_mask;		/* bits 32-39 of the cs slot */
	u64 iret_flags;		/* 0 or VGCF_in_syscall, for the iret */
	/* What the handler found on entry. */
	u64 frame;		/* address of the bounce frame (rsp at entry) */
	u64 entry_rflags;	/* rflags as the handler's first instruction saw them */
	int entry_mask;		/* vcpu_info's upcall mask then; -1 if unknown */
	u64 cr2;		/* vcpu_info's arch.cr2 then; 0 if unknown */
	/*
	 * All general registers; rcx and r11 as the frame had them. The
	 * iret restores them, rax included.
	 */
	struct trap_regs *regs;
};

typedef void (*trap_handler_fn)(struct trap_frame *f);

/*
 * Register handlers for vectors 0-31 and set_trap_table them: DPL 0
 * (DPL 3 for #BP and #OF, as Linux), events masked on entry. Errors end
 * the test.
 */
void traps_init(void);

/* (Re)register one vector's entry with trap_info flags; returns the hypercall's result. */
long trap_register(unsigned vector, u8 flags);

/* The handler for a vector or pseudo-vector; NULL restores the default. */
void trap_set_handler(unsigned vector, trap_handler_fn fn);

/* Register a callback's entry: event, syscall, syscall32, sysenter (CALLBACKF_* flags). */
long trap_register_callback(unsigned type, u16 flags);

/* The entry stub the hypervisor is given for a vector or pseudo-vector. */
u64 trap_entry_address(unsigned vector);

/*
 * The trap table as traps_init() and trap_register() have given it, all
 * 256 entries (address 0: none), for a vcpu_guest_context (smp.c).
 */
void trap_table_copy(struct trap_info out[256]);

/* The failsafe callback's entry: it fails the test (trap_entry.S). */
u64 trap_failsafe_address(void);

/*
 * The default handler's state: set trap_resume_rip before an instruction
 * that must trap; afterwards trap_count has grown and trap_last says how
 * the exception arrived. trap_resume_rip is cleared by each trap.
 */
extern volatile u64 trap_resume_rip;
extern volatile u64 trap_count;
extern struct trap_frame trap_last;

/*
 * The default handler: record the frame in trap_last and resume at
 * trap_resume_rip, or fail the test if that is 0. Handlers of the tests'
 * own may call it, before or after changing the frame.
 */
void trap_default_handler(struct trap_frame *f);

/* Reset trap_last and trap_count (trap_resume_rip too). */
void trap_record_reset(void);

/* Mnemonic of a vector ("#PF"), for messages. */
const char *trap_name(unsigned vector);

/*
 * TRAP_EXPECT(insn, ...): run the instruction(s) insn, expecting an
 * exception; the default handler resumes after them. Evaluates to the
 * address of insn's first byte. Extra arguments are asm inputs (%1 on)
 * with "memory" and "cc" clobbered.
 */
#define TRAP_EXPECT(insn, ...) ({					\
	u64 _at;							\
	asm volatile("leaq 800f(%%rip), %0\n\t"				\
		     "movq $801f, trap_resume_rip(%%rip)\n"		\
		     "800:\n\t" insn "\n801:"				\
		     : "=&r"(_at) : __VA_ARGS__ : "memory", "cc");	\
	_at;								\
})

/*
 * The RIP after the trapping instruction(s) of the last TRAP_EXPECT is
 * where it resumed: to check trap semantics (RIP = next instruction),
 * tests put a label of their own in insn.
 */

/* Current rflags. */
static inline u64 read_rflags(void)
{
	u64 f;

	asm volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

/* Current rsp (approximately: the caller's). */
static inline u64 read_rsp(void)
{
	u64 sp;

	asm volatile("movq %%rsp, %0" : "=r"(sp));
	return sp;
}

#endif /* !__ASSEMBLER__ */

#endif /* GUEST_TRAPS_H */
