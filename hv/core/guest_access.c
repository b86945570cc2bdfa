/*
 * guest_access.c - read and write guest memory by guest virtual address.
 *
 * Runs in: hypervisor, on the guest's page tables (a hypercall runs with the
 * caller's CR3 loaded; the hypervisor is mapped in every guest L4).
 *
 * Every read or write of guest memory goes through copy_from_guest() and
 * copy_to_guest(), or their two variants that say how far they got (for
 * instruction fetch and emulation). Two things make them safe against a
 * hostile pointer: the range check refuses anything that is not a
 * canonical guest address (so a guest cannot name the hypervisor's own
 * memory, which is mapped right there), and the copy itself is one
 * instruction listed in the exception table, so a page fault on an
 * unmapped or read-only guest page resumes at the fixup and returns
 * -EFAULT instead of crashing us. CR0.WP is on, so writes respect the
 * guest's read-only mappings too.
 */
#include "hv.h"
#include "vaddr.h"
#include "layout.h"
#include "core/guest_access.h"
#include "pvabi/errno.h"

/* copy.S: returns the number of bytes NOT copied. */
u64 raw_copy(void *dst, const void *src, u64 len);

struct ex_entry {
	u64 insn, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

/*
 * [va, va + len) lies in one of the two ranges a guest owns: the lower
 * canonical half, or the upper half above the hypervisor. Computed on
 * the last byte, so the last page of the address space is a guest page
 * too; an empty range touches nothing and is always fine.
 */
bool guest_range_ok(u64 va, u64 len)
{
	u64 last = va + len - 1;

	if (len == 0)
		return true;
	if (last < va)
		return false;			/* wraps past 2^64 */
	if (last < CANON_LOW_END)
		return true;
	return va >= HYPERVISOR_VIRT_END;	/* upper half, above the hypervisor */
}

/*H:450 Touching guest memory
 * The one gate to guest memory. A hypercall runs on the caller's page
 * tables, so a guest address can be dereferenced, but two things must
 * hold first: the range is the guest's (guest_range_ok above, or the
 * guest could name the hypervisor's own memory, mapped right there), and
 * a fault on the way (an unmapped or read-only page) must not be fatal.
 * The copy is one instruction listed in the exception table, so the page
 * fault handler resumes at its fixup and the caller gets -EFAULT.
 */
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

/*
 * The readable beginning of [va, va + len): copies as far as the guest's
 * mappings allow (stopping at the first byte that faults, or where the
 * guest's half of the address space ends) and returns how many bytes it
 * copied, 0 if va is not a readable guest address. For instruction fetch
 * (pv/insn.c), where an instruction may end right before an unmapped page.
 */
u64 copy_from_guest_upto(void *dst, u64 guest_va, u64 len)
{
	if (len == 0 || !guest_range_ok(guest_va, 1))
		return 0;
	if (guest_va < CANON_LOW_END)
		len = MIN(len, CANON_LOW_END - guest_va);
	else
		len = MIN(len, 0 - guest_va);	/* the last byte is 2^64 - 1 */
	return len - raw_copy(dst, (const void *)guest_va, len);
}

/*
 * copy_to_guest(), saying where it stopped: 0, or -EFAULT with *fault_va
 * the first byte not written (va itself for a range that is not the
 * guest's). The bytes before it are written, as a fault in the middle of
 * copy_to_guest() leaves them too. For instruction emulation
 * (pv/emulate.c), whose page fault must name the faulting address.
 */
int copy_to_guest_fault(u64 guest_va, const void *src, u64 len, u64 *fault_va)
{
	u64 left;

	*fault_va = guest_va;
	if (!guest_range_ok(guest_va, len))
		return -XEN_EFAULT;
	left = raw_copy((void *)guest_va, src, len);
	*fault_va = guest_va + (len - left);
	return left ? -XEN_EFAULT : 0;
}

/*
 * Called for faults in the hypervisor: resume at the fixup if listed. The
 * switcher's instructions are listed at slice 0's alias, and run at every
 * CPU's (layout.h).
 */
bool fixup_exception(u64 *rip)
{
	u64 at = switcher_ex_rip(*rip);

	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == at) {
			*rip = e->fixup;
			return true;
		}
	}
	return false;
}
