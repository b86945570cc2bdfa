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
 * bit operations (docs/linux-pv.md §6) once it has enabled
 * VMASST_TYPE_writable_pagetables; the L1 is mapped read-only, so the
 * store faults and lands here (Xen: pv/ro-page-fault.c). The conditions,
 * in order: a write to a present page in guest kernel mode, the assist
 * enabled, the address a guest one, mapped read-only by an L1 entry in the
 * kernel tables, the frame it maps an L1 page table in use of this domain,
 * and 64-bit code whose instruction (fetched and decoded by pv/insn.c)
 * ptwr_decode.c knows, naturally aligned, writing within that page. Then
 * the new entry (a partial write merged into the whole 8 bytes) goes
 * through pgt_mod_entry(): new references first, one atomic store, old
 * references dropped. Anything else is not ours: the
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
#include "pv/emulate.h"
#include "pv/insn.h"
#include "pv/mode.h"
#include "x86/cpu.h"
#include "x86/regs.h"
#include "pvabi/xen.h"

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

/* The general registers, by encoding number, for ptwr_execute(). */
static void regs_to_gpr(struct cpu_regs *r, u64 g[16])
{
	for (unsigned i = 0; i < 16; i++)
		g[i] = *insn_gpr(r, i);
}

static void gpr_to_regs(const u64 g[16], struct cpu_regs *r)
{
	for (unsigned i = 0; i < 16; i++)
		*insn_gpr(r, i) = g[i];
}

/*H:560 Writing to a read-only page table
 * Linux's Xen code still writes some L1 entries directly, with ordinary
 * instructions, into tables it knows are read-only. The write faults and
 * pv/traps.c offers the #PF here first: the hypervisor decodes the
 * instruction, validates the new entry as mmu_update would, performs it
 * and skips the instruction. Returns true when done (registers and RIP
 * updated); false: not ours or refused, and the guest gets its page
 * fault. The guest patches (chapter 9) make those writes explicit
 * hypercalls instead, and `make bench` shows what that changes.
 */
bool ptwr_do_page_fault(struct cpu_regs *r, u64 cr2)
{
	struct vcpu *v = current;
	struct ptwr_insn in;
	u64 gpr[16], rflags = r->rflags, addr, mask, full, old, val;
	unsigned shift, n;
	u8 code[INSN_MAX_LEN];
	bool store;
	mfn_t l1;

	if (!pv_in_kernel(v) ||
	    !(v->domain->vm_assist & (1ULL << VMASST_TYPE_writable_pagetables)) ||
	    (r->error_code & (PFEC_PRESENT | PFEC_WRITE | PFEC_RSVD | PFEC_INSN)) !=
	    (PFEC_PRESENT | PFEC_WRITE) || !guest_va_ok(cr2))
		return false;
	l1 = l1_behind(v, cr2);
	if (!l1 || pv_insn_mode(r) != INSN_MODE_64)
		return false;
	n = insn_fetch(r->rip, code);
	if (!n || ptwr_decode(code, n, &in))
		return false;
	addr = insn_address(&in.x, r, 0);
	if ((addr & (in.size - 1)) || (addr & PAGE_MASK) != (cr2 & PAGE_MASK))
		return false;
	regs_to_gpr(r, gpr);

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
	r->rip += in.x.len;
	return true;
}
