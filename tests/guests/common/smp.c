/*
 * smp.c - starting secondary vCPUs and knowing which one runs (smp.h).
 *
 * Runs in: test guests, guest kernel mode; smp_trampoline and
 * smp_secondary_main() on a secondary vCPU, first thing after VCPUOP_up.
 *
 * Linux starts its secondary vCPUs the same way (cpu_initialize_context():
 * a context copied from the boot CPU's tables, VCPUOP_initialise, then
 * VCPUOP_up); the trampoline here only aligns the stack and calls C with
 * the three registers the context gave it.
 */
#include "guest.h"
#include "events.h"
#include "memory.h"
#include "smp.h"
#include "traps.h"
#include "pvabi/callback.h"

volatile u32 smp_entered[SMP_MAX_VCPUS];
volatile u32 smp_returned[SMP_MAX_VCPUS];

/* The secondaries' stacks: vCPU id has smp_stacks[id - 1]. */
static u8 smp_stacks[SMP_MAX_VCPUS - 1][SMP_STACK_SIZE] __aligned(GUEST_PAGE_SIZE);

/* vcpu_start()'s context: 5 KiB, too much for a test's stack. */
static struct vcpu_guest_context start_ctx;

unsigned int smp_id(void)
{
	u64 off = read_rsp() - (u64)smp_stacks;

	if (off < sizeof(smp_stacks))
		return (unsigned int)(off / SMP_STACK_SIZE) + 1;
	return 0;
}

void smp_yield(void)
{
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

long vcpu_initialise(unsigned int id, struct vcpu_guest_context *c)
{
	return HYPERVISOR_vcpu_op(VCPUOP_initialise, id, c);
}

long vcpu_up(unsigned int id)
{
	return HYPERVISOR_vcpu_op(VCPUOP_up, id, NULL);
}

long vcpu_down(unsigned int id)
{
	return HYPERVISOR_vcpu_op(VCPUOP_down, id, NULL);
}

long vcpu_is_up(unsigned int id)
{
	return HYPERVISOR_vcpu_op(VCPUOP_is_up, id, NULL);
}

unsigned int smp_nr_vcpus(void)
{
	unsigned int n = 0;

	while (n < 64 && vcpu_is_up(n) >= 0)
		n++;
	return n;
}

void smp_init(void)
{
	struct callback_register cb = {
		.type = CALLBACKTYPE_failsafe,
		.address = trap_failsafe_address(),
	};
	long rc;

	if (!shared_info_map()) {
		test_fail("shared_info cannot be mapped with update_va_mapping");
		test_exit();
	}
	rc = HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
	if (rc)
		test_error("callback_op(register failsafe) returned %ld", rc);
}

/*
 * Entered from the trampoline with the context's rdi, rsi, rdx, rbx, r15.
 * What the hypervisor owed the new vCPU is checked before fn runs: the
 * registers, the stack (smp_id() reads it), the kernel's CS and events
 * masked as its vcpu_info said.
 */
void __noreturn smp_secondary_main(u64 id, vcpu_fn fn, void *arg, u64 rbx, u64 r15);
void smp_secondary_main(u64 id, vcpu_fn fn, void *arg, u64 rbx, u64 r15)
{
	struct vcpu_info *vi = this_vcpu();
	u64 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	if (id == 0 || id >= SMP_MAX_VCPUS || smp_id() != id)
		test_fail("a secondary vCPU started with rdi %lu on the stack of vCPU %u",
			  id, smp_id());
	if (rbx != SMP_RBX_MAGIC || r15 != SMP_R15_MAGIC)
		test_fail("vCPU %lu started with rbx %#lx, r15 %#lx: not its context's",
			  id, rbx, r15);
	if ((cs & 3) != KERNEL_RPL)
		test_fail("vCPU %lu started on CS %#lx, not in %s mode's kernel ring",
			  id, cs, guest_mode_name());
	if (!vi || !vi->evtchn_upcall_mask)
		test_fail("vCPU %lu started with events enabled; its vcpu_info masked them",
			  id);
	if (id >= SMP_MAX_VCPUS)
		test_exit();
	__atomic_add_fetch(&smp_entered[id], 1, __ATOMIC_SEQ_CST);
	for (;;) {
		fn((unsigned int)id, arg);
		__atomic_add_fetch(&smp_returned[id], 1, __ATOMIC_SEQ_CST);
		vcpu_down((unsigned int)id);
	}
}

/* rdi, rsi, rdx are already the first three arguments; rbx, r15 the next. */
asm(".pushsection .text\n"
    ".globl smp_trampoline\n"
    "smp_trampoline:\n\t"
    "movq %rbx, %rcx\n\t"
    "movq %r15, %r8\n\t"
    "andq $-16, %rsp\n\t"
    "xorl %ebp, %ebp\n\t"
    "call smp_secondary_main\n\t"
    "ud2\n"
    ".popsection");
extern char smp_trampoline[];

void vcpu_context_fill(struct vcpu_guest_context *c, unsigned int id,
		       vcpu_fn fn, void *arg)
{
	u64 top = (u64)smp_stacks[id - 1] + SMP_STACK_SIZE;

	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel;
	c->user_regs.rip = (u64)smp_trampoline;
	c->user_regs.rsp = top;
	c->user_regs.rflags = RFLAGS_IF | 2;
	c->user_regs.cs = (u16)KERNEL_CS;
	c->user_regs.ss = (u16)KERNEL_SS;
	c->user_regs.rdi = id;
	c->user_regs.rsi = (u64)fn;
	c->user_regs.rdx = (u64)arg;
	c->user_regs.rbx = SMP_RBX_MAGIC;
	c->user_regs.r15 = SMP_R15_MAGIC;
	trap_table_copy(c->trap_ctxt);
	c->kernel_ss = KERNEL_SS;
	c->kernel_sp = top;
	c->ctrlreg[3] = xen_pfn_to_cr3(virt_to_mfn((const void *)start_info->pt_base));
	c->event_callback_eip = trap_entry_address(TRAP_EVENT);
	c->failsafe_callback_eip = trap_failsafe_address();
	c->syscall_callback_eip = trap_entry_address(TRAP_SYSCALL);
}

long vcpu_start(unsigned int id, vcpu_fn fn, void *arg)
{
	long rc;

	if (id == 0 || id >= SMP_MAX_VCPUS)
		test_error("vcpu_start: vCPU %u: 1..%d only", id, SMP_MAX_VCPUS - 1);
	if (!shinfo)
		test_error("vcpu_start: smp_init() first (shared_info)");
	shinfo->vcpu_info[id].evtchn_upcall_mask = 1;
	vcpu_context_fill(&start_ctx, id, fn, arg);
	rc = vcpu_initialise(id, &start_ctx);
	if (rc)
		return rc;
	return vcpu_up(id);
}
