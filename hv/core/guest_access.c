/*
 * guest_access.c - read and write guest memory by guest virtual address.
 *
 * Runs in: hypervisor, on the guest's page tables (a hypercall runs with the
 * caller's CR3 loaded; the hypervisor is mapped in every guest L4).
 *
 * Every read or write of guest memory goes through copy_from_guest() and
 * copy_to_guest(). Two things make them safe against a hostile pointer:
 * the range check refuses anything that is not a canonical guest address
 * (so a guest cannot name the hypervisor's own memory, which is mapped
 * right there), and the copy itself is one instruction listed in the
 * exception table, so a page fault on an unmapped or read-only guest page
 * resumes at the fixup and returns -EFAULT instead of crashing us. CR0.WP
 * is on, so writes respect the guest's read-only mappings too.
 */
#include "hv.h"
#include "layout.h"
#include "core/guest_access.h"
#include "pvabi/errno.h"

#define GUEST_LOW_END	0x0000800000000000UL	/* end of the lower canonical half */

/* copy.S: returns the number of bytes NOT copied. */
u64 raw_copy(void *dst, const void *src, u64 len);

struct ex_entry {
	u64 insn, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

bool guest_range_ok(u64 va, u64 len)
{
	u64 end = va + len;

	/*
	 * A range may end at the very top of the address space (end wraps to
	 * exactly 0): a SYSENTER from guest kernel mode bounces to a frame
	 * just below RSP 0, as on Xen.
	 */
	if (end < va)
		return end == 0 && va >= HV_VIRT_END;
	if (end <= GUEST_LOW_END)
		return true;
	return va >= HV_VIRT_END;	/* upper half, above the hypervisor */
}

int copy_from_guest(void *dst, u64 guest_va, u64 len)
{
	if (!guest_range_ok(guest_va, len))
		return -XEN_EFAULT;
	return raw_copy(dst, (const void *)guest_va, len) ? -XEN_EFAULT : 0;
}

int copy_to_guest(u64 guest_va, const void *src, u64 len)
{
	if (!guest_range_ok(guest_va, len))
		return -XEN_EFAULT;
	return raw_copy((void *)guest_va, src, len) ? -XEN_EFAULT : 0;
}

/* Called for faults in the hypervisor: resume at the fixup if listed. */
bool fixup_exception(u64 *rip)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == *rip) {
			*rip = e->fixup;
			return true;
		}
	}
	return false;
}
