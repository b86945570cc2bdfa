/*
 * ptwr.c - the writable page-table assist: a guest kernel's direct write
 * to one of its (read-only) L1 page tables, emulated and validated.
 *
 * Runs in: hypervisor, on a #PF from guest code (pv/traps.c), interrupts
 * off, on the guest's kernel page tables.
 * Trusts: nothing: the instruction bytes and the new entry are the
 * guest's. The entry is validated exactly as mmu_update would.
 *
 * Linux PV writes L1 entries with plain stores, xchg, cmpxchg and locked
 * bit operations (linux-pv-guest.md 4) once it has enabled
 * VMASST_TYPE_writable_pagetables; the L1 is mapped read-only, so the
 * store faults and lands here (Xen: pv/ro-page-fault.c). The conditions,
 * in order: a write to a present page in guest kernel mode, the assist
 * enabled, the address a guest one, mapped read-only by an L1 entry in the
 * kernel tables, the frame it maps an L1 page table in use of this domain,
 * and an instruction ptwr_decode.c knows, naturally aligned, writing
 * within that page. Then the new entry (a partial write merged into the
 * whole 8 bytes) goes through pgt_mod_entry(): new references first, one
 * atomic store, old references dropped. Anything else is not ours: the
 * caller delivers the page fault to the guest as usual. The cost is one
 * trap and a decode, ~2 us under QEMU, against one mmu_update hypercall.
 */
#include "hv.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "mm/page_info.h"
#include "mm/pgtype.h"
#include "mm/ptwr_decode.h"
#include "mm/pv_mm.h"
#include "x86/regs.h"
#include "pvabi/xen.h"

#define PFEC_PRESENT	(1ULL << 0)
#define PFEC_WRITE	(1ULL << 1)
#define PFEC_RSVD	(1ULL << 3)
#define PFEC_INSN	(1ULL << 4)

/* The L1 table frame that the read-only mapping of va shows, or 0. */
static mfn_t l1_behind(const struct vcpu *v, u64 va)
{
	const struct page_info *pg;
	mfn_t l1, target;
	u64 pte;

	if (pgt_find_l1(v->cr3_kernel, va, &l1))
		return 0;
	pte = ((u64 *)mfn_to_virt(l1))[(va >> PAGE_SHIFT) & 511];
	if (!(pte & PTE_P) || (pte & PTE_RW))
		return 0;
	target = pte_mfn(pte);
	pg = mfn_to_page(target);
	if (!pg || pg->owner != v->domain->id || pg->type != PGT_l1 ||
	    !pg->type_count || !(pg->flags & PGF_validated))
		return 0;
	return target;
}

/* Up to 15 instruction bytes at rip, fewer if the next page is not mapped. */
static unsigned fetch_insn(u64 rip, u8 *buf)
{
	unsigned n = 15, to_page_end = (unsigned)(PAGE_SIZE - (rip & (PAGE_SIZE - 1)));

	if (copy_from_guest(buf, rip, n) == 0)
		return n;
	n = MIN(n, to_page_end);
	return copy_from_guest(buf, rip, n) == 0 ? n : 0;
}

static void regs_to_gpr(const struct cpu_regs *r, u64 g[16])
{
	g[0] = r->rax; g[1] = r->rcx; g[2] = r->rdx; g[3] = r->rbx;
	g[4] = r->rsp; g[5] = r->rbp; g[6] = r->rsi; g[7] = r->rdi;
	g[8] = r->r8; g[9] = r->r9; g[10] = r->r10; g[11] = r->r11;
	g[12] = r->r12; g[13] = r->r13; g[14] = r->r14; g[15] = r->r15;
}

static void gpr_to_regs(const u64 g[16], struct cpu_regs *r)
{
	r->rax = g[0]; r->rcx = g[1]; r->rdx = g[2]; r->rbx = g[3];
	r->rsp = g[4]; r->rbp = g[5]; r->rsi = g[6]; r->rdi = g[7];
	r->r8 = g[8]; r->r9 = g[9]; r->r10 = g[10]; r->r11 = g[11];
	r->r12 = g[12]; r->r13 = g[13]; r->r14 = g[14]; r->r15 = g[15];
}

/*
 * Emulate the faulting write if it is a page-table write we handle.
 * Returns true when done (registers and RIP updated); false: not ours or
 * refused, and the guest gets its page fault.
 */
/*H:610 Writing to a read-only page table
 * Linux's Xen code still writes some page-table entries directly, with
 * ordinary instructions, into tables it knows are read-only. The write
 * faults; the hypervisor decodes the instruction, validates the new entry
 * as mmu_update would, performs it and skips the instruction. The guest
 * patches (guest-patches/linux-6.1) show how to make those writes explicit
 * hypercalls instead, and `make bench` what that changes.
 */
bool ptwr_do_page_fault(struct cpu_regs *r, u64 cr2)
{
	struct vcpu *v = current;
	struct ptwr_insn in;
	u64 gpr[16], rflags = r->rflags, addr, mask, full, old, val;
	unsigned shift, n;
	u8 code[15];
	bool store;
	mfn_t l1;

	if (!v->kernel_mode ||
	    !(v->domain->vm_assist & (1ULL << VMASST_TYPE_writable_pagetables)) ||
	    (r->error_code & (PFEC_PRESENT | PFEC_WRITE | PFEC_RSVD | PFEC_INSN)) !=
	    (PFEC_PRESENT | PFEC_WRITE) || !pgt_guest_va_ok(cr2))
		return false;
	l1 = l1_behind(v, cr2);
	if (!l1)
		return false;
	n = fetch_insn(r->rip, code);
	if (!n || ptwr_decode(code, n, &in))
		return false;
	regs_to_gpr(r, gpr);
	addr = ptwr_address(&in, gpr, r->rip);
	if ((addr & (in.size - 1)) || (addr & PAGE_MASK) != (cr2 & PAGE_MASK))
		return false;

	/* The whole entry, the part the instruction sees, and its result. */
	full = ((u64 *)mfn_to_virt(l1))[(addr & (PAGE_SIZE - 1)) >> 3];
	shift = (unsigned)(addr & 7) * 8;
	mask = in.size == 8 ? ~0ULL : ((1ULL << (8 * in.size)) - 1);
	old = (full >> shift) & mask;
	val = ptwr_execute(&in, gpr, &rflags, old, &store);
	if (store && pgt_mod_entry(l1, (unsigned)((addr & (PAGE_SIZE - 1)) >> 3),
				   (full & ~(mask << shift)) | ((val & mask) << shift),
				   false))
		return false;
	mm_flush_deferred();
	gpr_to_regs(gpr, r);
	r->rflags = rflags;
	r->rip += in.len;
	return true;
}
