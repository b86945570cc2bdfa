/*
 * vaddr.h - which virtual addresses a guest may name: the two canonical
 * halves of x86-64 and the hypervisor's hole at the start of the upper
 * one, each defined once.
 *
 * Runs in: hypervisor and host unit tests (inline predicates, no state).
 *
 * They are different questions and keep different names:
 *
 *	canonical_va(va)	can the CPU access va at all? (bits 63-47
 *				equal; any other address faults)
 *	in_hv_hole(va)		is va in the hypervisor's L4 slots 256-271,
 *				[HYPERVISOR_VIRT_START, HYPERVISOR_VIRT_END)
 *				(pvabi/xen.h: the hole is ABI)?
 *	guest_va_ok(va)		may a guest name va as its own: canonical and
 *				outside the hole
 *	hv_hole_overlaps(s, e)	does [s, e) touch the hole?
 *
 * A range of bytes a guest names for a copy is a fourth question, decided
 * on its last byte: guest_range_ok() (core/guest_access.c).
 */
#ifndef HV_VADDR_H
#define HV_VADDR_H

#include "hv.h"
#include "pvabi/xen.h"

#define CANON_LOW_END		0x0000800000000000ULL	/* 2^47: the lower half ends */
#define CANON_HIGH_START	0xFFFF800000000000ULL	/* the upper half starts */

static inline bool canonical_va(u64 va)
{
	return (u64)((s64)(va << 16) >> 16) == va;
}

static inline bool in_hv_hole(u64 va)
{
	return va >= HYPERVISOR_VIRT_START && va < HYPERVISOR_VIRT_END;
}

static inline bool guest_va_ok(u64 va)
{
	return canonical_va(va) && !in_hv_hole(va);
}

/* [start, end), end exclusive. */
static inline bool hv_hole_overlaps(u64 start, u64 end)
{
	return start < HYPERVISOR_VIRT_END && end > HYPERVISOR_VIRT_START;
}

#endif /* HV_VADDR_H */
