/*
 * traps.c - registering the entry stubs, and the C half of every entry:
 * decode the bounce frame, run a handler, build the iret context.
 *
 * Runs in: test guests, guest kernel mode; trap_dispatch() on the stack
 * the hypervisor bounced to, called from trap_entry.S (traps.h has the frame).
 */
#include "guest.h"
#include "events.h"
#include "traps.h"
#include "memory.h"
#include "pvabi/callback.h"

extern const u64 trap_stubs[TRAP_NR_ENTRIES];

volatile u64 trap_resume_rip;
volatile u64 trap_count;
struct trap_frame trap_last;

static trap_handler_fn handlers[TRAP_NR_ENTRIES];

/* What set_trap_table has been given so far, for trap_table_copy(). */
static struct trap_info registered[256];

static const char *const names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *trap_name(unsigned vector)
{
	if (vector < 32)
		return names[vector];
	if (vector == TRAP_EVENT)
		return "event";
	if (vector == TRAP_SYSCALL)
		return "syscall";
	if (vector == TRAP_SYSCALL32)
		return "syscall32";
	if (vector == TRAP_SYSENTER)
		return "sysenter";
	return "int";
}

/* The vectors whose bounce frame has an error code (Xen's, x86's). */
static bool has_error_code(unsigned vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

u64 trap_entry_address(unsigned vector)
{
	return vector < TRAP_NR_ENTRIES ? trap_stubs[vector] : 0;
}

long trap_register(unsigned vector, u8 flags)
{
	struct trap_info t[2];
	long rc;

	memset(t, 0, sizeof(t));
	t[0].vector = (u8)vector;
	t[0].flags = flags;
	t[0].cs = (u16)KERNEL_CS;
	t[0].address = trap_entry_address(vector & 255);
	rc = HYPERVISOR_set_trap_table(t);
	if (rc == 0)
		registered[vector & 255] = t[0];
	return rc;
}

void traps_init(void)
{
	static struct trap_info table[33];
	long rc;

	for (unsigned v = 0; v < 32; v++) {
		table[v].vector = (u8)v;
		table[v].flags = TI_MASK_EVENTS | TI_DPL(v == 3 || v == 4 ? 3 : 0);
		table[v].cs = (u16)KERNEL_CS;
		table[v].address = trap_stubs[v];
	}
	table[32].address = 0;		/* the end */
	rc = HYPERVISOR_set_trap_table(table);
	if (rc)
		test_error("set_trap_table returned %ld", rc);
	memcpy(registered, table, 32 * sizeof(table[0]));
}

void trap_table_copy(struct trap_info out[256])
{
	memcpy(out, registered, sizeof(registered));
}

extern const char trap_failsafe_stub[];

u64 trap_failsafe_address(void)
{
	return (u64)trap_failsafe_stub;
}

/* The failsafe frame: ds, es, fs, gs, rcx, r11, rip, cs, rflags, rsp, ss. */
void __noreturn trap_failsafe(const u64 *frame);
void trap_failsafe(const u64 *frame)
{
	test_fail("failsafe callback: the iret to rip %#lx cs %#lx ss %#lx failed to load ds %#lx es %#lx fs %#lx gs %#lx",
		  frame[6], frame[7] & 0xffff, frame[10], frame[0], frame[1],
		  frame[2], frame[3]);
	test_exit();
}

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
	if (vector < TRAP_NR_ENTRIES)
		handlers[vector] = fn;
}

long trap_register_callback(unsigned type, u16 flags)
{
	unsigned vector = type == CALLBACKTYPE_syscall ? TRAP_SYSCALL :
			  type == CALLBACKTYPE_syscall32 ? TRAP_SYSCALL32 :
			  type == CALLBACKTYPE_sysenter ? TRAP_SYSENTER : TRAP_EVENT;
	struct callback_register cb = {
		.type = (u16)type,
		.flags = flags,
		.address = trap_stubs[vector],
	};

	return HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}

void trap_record_reset(void)
{
	memset(&trap_last, 0, sizeof(trap_last));
	trap_count = 0;
	trap_resume_rip = 0;
}

/* Record the frame, resume where the test asked, or fail: nobody expected it. */
void trap_default_handler(struct trap_frame *f)
{
	u64 resume = trap_resume_rip;

	if (!resume) {
		test_fail("unexpected %s (vector %u) at rip %#lx: error code %#lx, cr2 %#lx, rsp %#lx",
			  trap_name(f->vector), f->vector, f->rip, f->error_code,
			  f->cr2, f->rsp);
		test_exit();
	}
	/* A TRAP_EXPECT in fast mode's user code resumes in the alias (memory.h). */
	if ((f->cs & 3) == 3 && guest_fast_mode() && resume >= GUEST_VIRT_BASE)
		resume = user_va((const void *)resume);
	trap_last = *f;
	trap_last.regs = NULL;
	trap_count++;
	trap_resume_rip = 0;
	f->rip = resume;
}

/*
 * Called by trap_entry.S with the saved registers, entry rflags and vector
 * below the bounce frame. Returns where the iret context now is.
 */
u64 trap_dispatch(struct trap_regs *regs);
u64 trap_dispatch(struct trap_regs *regs)
{
	u64 *words = (u64 *)(regs + 1);	/* entry rflags, vector, frame... */
	u64 *frame = words + 2;
	struct trap_frame f;
	struct vcpu_info *vi;
	u64 *hw, *ctx;
	trap_handler_fn fn;

	memset(&f, 0, sizeof(f));
	f.vector = (unsigned)words[1];
	f.entry_rflags = words[0];
	f.frame = (u64)frame;
	f.has_error_code = f.vector < 256 && has_error_code(f.vector);
	f.error_code = f.has_error_code ? frame[2] : 0;
	hw = frame + 2 + f.has_error_code;	/* rip, cs, rflags, rsp, ss */
	f.rip = hw[0];
	f.cs = hw[1] & 0xffff;
	f.saved_mask = (u8)(hw[1] >> 32);
	f.rflags = hw[2];
	f.rsp = hw[3];
	f.ss = hw[4];
	vi = this_vcpu();
	f.entry_mask = vi ? vi->evtchn_upcall_mask : -1;
	f.cr2 = vi ? vi->arch.cr2 : 0;
	regs->rcx = frame[0];
	regs->r11 = frame[1];
	f.regs = regs;

	fn = handlers[f.vector];
	if (!fn && f.vector == TRAP_EVENT)
		fn = event_upcall;
	(fn ? fn : trap_default_handler)(&f);

	/* rip..ss stay where they are; rax, r11, rcx, flags go below them. */
	hw[0] = f.rip;
	hw[1] = f.cs | ((u64)f.saved_mask << 32);
	hw[2] = f.rflags;
	hw[3] = f.rsp;
	hw[4] = f.ss;
	ctx = hw - 4;
	ctx[3] = f.iret_flags;
	ctx[2] = regs->rcx;
	ctx[1] = regs->r11;
	ctx[0] = regs->rax;
	return (u64)ctx;
}
