/*
 * probe.c - probe_hypercall(): one hypercall, and a check of every register
 * the ABI says must survive it (probe.h).
 *
 * Runs in: test guests.
 */
#include "guest.h"
#include "probe.h"

#define RFLAGS_IF	(1UL << 9)
#define RFLAGS_DF	(1UL << 10)

static const char *const reg_names[HP_NR_REGS] = {
	"rbx", "rbp", "r9", "r12", "r13", "r14", "r15", "rcx", "r11",
};

long probe_hypercall(const char *what, u64 nr, u64 stub, u64 a1, u64 a2)
{
	struct hc_probe p = {
		.nr = nr,
		.stub = stub,
		.args = { a1, a2, 0, 0, 0 },
	};
	/* rcx and r11 survive only a call through a hypercall page stub. */
	int nr_kept = stub ? HP_NR_REGS : HP_NR_REGS - 2;

	for (int i = 0; i < HP_NR_REGS; i++)
		p.in[i] = (0x0101010101010101UL * (u64)(i + 1)) ^ (1UL << 63);
	hypercall_probe(&p);

	for (int i = 0; i < nr_kept; i++) {
		if (p.out[i] != p.in[i])
			test_fail("%s: %s was %#lx before, %#lx after", what,
				  reg_names[i], p.in[i], p.out[i]);
	}
	if (p.rsp_after != p.rsp_before)
		test_fail("%s: rsp was %#lx before, %#lx after", what,
			  p.rsp_before, p.rsp_after);
	if (!(p.rflags_after & RFLAGS_IF) || (p.rflags_after & RFLAGS_DF))
		test_fail("%s: rflags %#lx after (want IF set, DF clear)", what,
			  p.rflags_after);
	return (long)p.ret;
}
