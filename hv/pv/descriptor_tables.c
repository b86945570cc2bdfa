/*
 * descriptor_tables.c - a PV guest's GDT and LDT: set_gdt,
 * update_descriptor, MMUEXT_SET_LDT's lazy LDT, and the per-vCPU area the
 * CPU really uses for both.
 *
 * Runs in: hypervisor, interrupts off, one CPU.
 * Trusts: nothing: every descriptor passes mm/segdesc.c's check before the
 * CPU can see it, and a frame holding a guest GDT is typed seg_desc, so
 * the guest can no longer map it writable (mm/pgtype.c).
 *
 * As on Xen (docs/pv-mechanisms.md §17.1), each vCPU has a 128 KiB area in
 * the hypervisor's per-vCPU range (L4 slot 260, shared into every guest
 * L4, supervisor-only):
 *
 *	pages 0-13   the guest's GDT frames (set_gdt), read-write for the CPU
 *	             (it sets Accessed bits); unused pages map a read-only
 *	             page of zeroes, whose descriptors are all not present
 *	page 14      the hypervisor's own GDT page: its code and data
 *	             segments, the guest-visible FLAT_* selectors, the TSS,
 *	             the LDT descriptor (HV_LDT)
 *	page 15      unmapped
 *	pages 16-31  the LDT: not present until the CPU first reads a
 *	             descriptor there (below)
 *
 * GDTR = {area, the hypervisor GDT's limit}, loaded on every switch to the
 * vCPU (pv_load_gdt, from sched.c; lgdt costs no TLB flush). A guest
 * selector thus reaches its own descriptors below entry 0x1c00 and the
 * hypervisor's above, exactly as on Xen, and no guest can see another's.
 *
 * The LDT (MMUEXT_SET_LDT {linear_addr, nr_ents}) is Xen's lazy shadow:
 * the hypercall only records base and size and points LDTR at the vCPU's
 * LDT pages (pv_load_ldt: the HV_LDT descriptor, rewritten on every switch
 * to the vCPU, since the hypervisor's GDT page is shared by all areas).
 * Those pages start not present. The CPU's first read of an LDT
 * descriptor page-faults there (an implicit supervisor access, from guest
 * code or from our own segment loads and iretq); pv_map_ldt_page() then
 * finds the frame the guest's kernel page tables map at base + offset,
 * types it seg_desc (all 512 descriptors pass check_descriptor(), and it
 * can no longer be mapped writable) and maps it, and the access is
 * retried. If that fails the guest gets the #PF at base + offset, as on
 * Xen. The mappings and their references go on SET_LDT changes, on
 * NEW_BASEPTR (the LDT's address may mean another frame now) and when the
 * domain dies, each followed by a TLB flush (pv_destroy_ldt's callers).
 * The cost is one fault per LDT page per change; Linux loads an LDT only
 * for processes that call modify_ldt(2).
 */
#include "hv.h"
#include "layout.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "mm/frame.h"
#include "mm/page_info.h"
#include "mm/paging.h"
#include "mm/pgtype.h"
#include "mm/pv_mm.h"
#include "pv/mode.h"
#include "mm/segdesc.h"
#include "pv/descriptor_tables.h"
#include "pv/switcher.h"
#include "x86/desc.h"
#include "pvabi/errno.h"
#include "pvabi/xen.h"

#define GDT_PAGES	16
#define LDT_PAGES	PV_LDT_PAGES		/* 8192 descriptors, Xen's maximum */
#define AREA_PAGES	(GDT_PAGES + LDT_PAGES)	/* per vCPU: 128 KiB */
#define SLOTS_PER_L1	(PT_ENTRIES / AREA_PAGES)	/* 16 */

#define HV_TABLE	(PTE_P | PTE_RW)
#define GDT_RW		(PTE_P | PTE_RW | PTE_NX | PTE_A | PTE_D)
#define GDT_RO		(PTE_P | PTE_NX | PTE_A)
#define PFEC_USER	(1ULL << 2)
#define PFEC_RSVD	(1ULL << 3)

_Static_assert(PV_AREA_SLOTS == SLOTS_PER_L1 * PT_ENTRIES,
	       "the GDT areas fill one L2");

/*
 * The L2 of the areas; its L1s are made on demand (pv_area_prepare), one
 * per 16 vCPUs, so a boot with few domains pays 4 KiB, not the 1 GiB
 * range's 2 MiB of L1s.
 */
static u64 *area_l2;
static mfn_t zero_mfn;

static u64 *alloc_zeroed(mfn_t *mfn)
{
	*mfn = frame_alloc();
	if (*mfn == INVALID_MFN)
		panic("out of memory for the GDT areas");
	memset(__va(*mfn << PAGE_SHIFT), 0, PAGE_SIZE);
	return __va(*mfn << PAGE_SHIFT);
}

/* Areas handed out so far: a vCPU keeps its slot, and slots are not reused. */
static unsigned nr_slots;

static unsigned slot_of(const struct vcpu *v)
{
	return v->area_slot;
}

static u64 area_va(const struct vcpu *v)
{
	return PERVCPU_VIRT_START + (u64)slot_of(v) * AREA_PAGES * PAGE_SIZE;
}

/* Its L1 exists: pv_area_prepare() made it before the vCPU first ran. */
static u64 *area_ptes(const struct vcpu *v)
{
	unsigned s = slot_of(v);
	u64 l2e = area_l2[s / SLOTS_PER_L1];

	BUG_ON(!(l2e & PTE_P));
	return (u64 *)__va(l2e & PTE_ADDR) + (s % SLOTS_PER_L1) * AREA_PAGES;
}

/*
 * A fast-mode vCPU's GDT and LDT are seen through the switcher's window
 * (pv/switcher.c): its guest view maps none of the areas, so the CPU
 * finds the current vCPU's pages there, read-only, copied from its area
 * on every switch to it and every change (window_sync). The area stays
 * the record of what is mapped; the window only shows it.
 */
static bool windowed(const struct vcpu *v)
{
	return v->domain->mode->id == PV_MODE_FAST;
}

static u64 gdt_va(const struct vcpu *v)
{
	return windowed(v) ? switcher_va(SW_DESC_PAGE) : area_va(v);
}

static u64 ldt_va(const struct vcpu *v)
{
	return gdt_va(v) + GDT_PAGES * PAGE_SIZE;
}

static void window_sync(const struct vcpu *v)
{
	const u64 *pte;

	if (!windowed(v) || v != current)
		return;
	pte = area_ptes(v);
	for (unsigned i = 0; i < AREA_PAGES; i++)
		switcher_set_desc_pte(i, pte[i]);
}

/*
 * Build the tables under L4 slot 260 at boot, before any guest L4 copies
 * the hypervisor's slots: L3 -> L2, the L1s below it made per 16 vCPUs
 * by pv_area_prepare(). A guest L4 shares the L3, so an L1 added later
 * is seen by every address space; the entry was not present before, so
 * no TLB holds it.
 */
void pv_gdt_init(void)
{
	mfn_t l3_mfn, l2_mfn;
	u64 *l4 = hv_l4(), *l3;

	if (l4[pt_index(PERVCPU_VIRT_START, L4_SHIFT)] & PTE_P)
		return;		/* done already */
	l3 = alloc_zeroed(&l3_mfn);
	area_l2 = alloc_zeroed(&l2_mfn);
	alloc_zeroed(&zero_mfn);
	l3[0] = (l2_mfn << PAGE_SHIFT) | HV_TABLE;
	l4[pt_index(PERVCPU_VIRT_START, L4_SHIFT)] = (l3_mfn << PAGE_SHIFT) | HV_TABLE;
}

/*
 * Give a new vCPU the next area and make sure it is mapped: the L1 holding
 * it, every area in it showing the zero page and the hypervisor's GDT
 * page. 0, or -1 when the areas ran out or out of memory (the builder
 * refuses the domain).
 */
int pv_area_prepare(struct vcpu *v)
{
	unsigned s = nr_slots;
	mfn_t l1_mfn, hv_page = desc_hv_gdt_page() >> PAGE_SHIFT;
	u64 *l1;

	if (s >= PV_AREA_SLOTS)
		return -1;
	if (area_l2[s / SLOTS_PER_L1] & PTE_P)
		goto done;
	l1_mfn = frame_alloc();
	if (l1_mfn == INVALID_MFN)
		return -1;
	l1 = __va(l1_mfn << PAGE_SHIFT);
	memset(l1, 0, PAGE_SIZE);
	for (unsigned a = 0; a < SLOTS_PER_L1; a++) {
		u64 *pte = &l1[a * AREA_PAGES];

		for (unsigned p = 0; p < FIRST_RESERVED_GDT_PAGE; p++)
			pte[p] = (zero_mfn << PAGE_SHIFT) | GDT_RO;
		pte[FIRST_RESERVED_GDT_PAGE] = (hv_page << PAGE_SHIFT) | GDT_RW;
	}
	area_l2[s / SLOTS_PER_L1] = (l1_mfn << PAGE_SHIFT) | HV_TABLE;
done:
	v->area_slot = s;
	nr_slots++;
	return 0;
}

/* On every switch to v (core/sched.c): its GDT area becomes the GDT. */
void pv_load_gdt(const struct vcpu *v)
{
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr = { desc_gdt_limit(), gdt_va(v) };

	window_sync(v);
	asm volatile("lgdt %0" : : "m"(gdtr));
}

/* Drop the guest's GDT frames; the area shows zeroes. The caller flushes. */
void pv_destroy_gdt(struct vcpu *v)
{
	u64 *pte = area_ptes(v);

	for (unsigned i = 0; i < FIRST_RESERVED_GDT_PAGE; i++) {
		if (v->gdt_frames[i])
			put_page_and_type(v->gdt_frames[i]);
		v->gdt_frames[i] = 0;
		pte[i] = (zero_mfn << PAGE_SHIFT) | GDT_RO;
	}
	v->gdt_ents = 0;
	window_sync(v);
}

/*
 * do_set_gdt - load a new GDT for the calling vCPU.
 *   IN frames: guest address of ceil(entries / 512) machine frame numbers;
 *      entries: at most 7168 (FIRST_RESERVED_GDT_ENTRY)
 * Every frame must be the caller's and become a descriptor page: all its
 * 512 descriptors pass check_descriptor() (DPL raised to 3, no system
 * descriptors but call gates), and it must not be mapped writable
 * anywhere. Returns 0; -EINVAL (too many entries, a frame refused; nothing
 * changes), -EFAULT. Never blocks.
 */
long do_set_gdt(u64 frame_list, u64 entries64, u64 a3, u64 a4, u64 a5)
{
	u32 entries = (u32)entries64;
	mfn_t frames[FIRST_RESERVED_GDT_PAGE];

	(void)a3, (void)a4, (void)a5;
	if (entries64 > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	if (copy_from_guest(frames, frame_list, DIV_ROUND_UP(entries, 512) * sizeof(frames[0])))
		return -XEN_EFAULT;
	return pv_set_gdt(current, frames, entries);
}

/*
 * v's GDT becomes the first `entries` descriptors of frames[] (set_gdt,
 * VCPUOP_initialise): each frame typed a descriptor page, or -EINVAL and
 * nothing changes.
 */
long pv_set_gdt(struct vcpu *v, const mfn_t *frames, u64 entries)
{
	u32 nr = DIV_ROUND_UP((u32)entries, 512), i;
	u64 *pte = area_ptes(v);

	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	for (i = 0; i < nr; i++) {
		if (get_page_and_type(frames[i], v->domain->id, PGT_seg_desc))
			goto fail;
	}
	pv_destroy_gdt(v);	/* after the new references: a frame may be in both */
	for (i = 0; i < nr; i++) {
		v->gdt_frames[i] = frames[i];
		pte[i] = (frames[i] << PAGE_SHIFT) | GDT_RW;
	}
	v->gdt_ents = (u32)entries;
	window_sync(v);
	mm_flush_local();
	return 0;
fail:
	while (i-- > 0)
		put_page_and_type(frames[i]);
	return -XEN_EINVAL;
}

/*
 * do_update_descriptor - write one descriptor into a GDT page.
 *   IN maddr: machine address (8-aligned) of the entry, in a frame of the
 *      caller's that is a descriptor page or can be typed writable;
 *      desc: the 8 bytes, checked by check_descriptor()
 * Returns 0; -EINVAL (misaligned, a bad descriptor, not the caller's
 * frame, a page table). Never blocks.
 */
long do_update_descriptor(u64 maddr, u64 desc, u64 a3, u64 a4, u64 a5)
{
	struct domain *d = current->domain;
	mfn_t mfn = maddr >> PAGE_SHIFT;
	enum page_type type;

	(void)a3, (void)a4, (void)a5;
	if ((maddr & 7) || !check_descriptor(&desc, d->mode->desc_rules) || !get_page(mfn, d->id))
		return -XEN_EINVAL;
	type = mfn_to_page(mfn)->type == PGT_seg_desc ? PGT_seg_desc : PGT_writable;
	if (get_page_type(mfn, type)) {
		put_page(mfn);
		return -XEN_EINVAL;
	}
	__atomic_store_n((u64 *)__va(maddr), desc, __ATOMIC_RELAXED);
	put_page_and_type(mfn);
	return 0;
}

/* ---- The LDT ---------------------------------------------------------------- */

/*
 * Does LDTR hold some vCPU's LDT now? False from desc_init()'s lldt 0 on
 * (x86/desc.c), so a switch between vCPUs without an LDT, the common
 * case, costs no lldt at all.
 */
static bool ldtr_loaded;

/*
 * On every switch to v and whenever its LDT changes: LDTR shows v's LDT
 * pages with v's limit, or is null. The descriptor lives in the
 * hypervisor's GDT page, which every vCPU's GDT shares, so it is rewritten
 * before each lldt (which caches it: a later rewrite for another vCPU does
 * not disturb a loaded LDTR).
 */
void pv_load_ldt(const struct vcpu *v)
{
	if (!v->ldt_ents) {
		if (ldtr_loaded)
			asm volatile("lldt %w0" : : "r"(0));
		ldtr_loaded = false;
		return;
	}
	desc_set_ldt(ldt_va(v), v->ldt_ents * 8 - 1);
	asm volatile("lldt %w0" : : "r"(HV_LDT));
	ldtr_loaded = true;
}

/*
 * Unmap every shadowed LDT page and drop its references. Returns whether
 * anything was mapped: then the caller must flush the TLB before the guest
 * runs again (the frames may become writable as soon as their seg_desc
 * type is gone).
 */
bool pv_destroy_ldt(struct vcpu *v)
{
	u64 *pte = area_ptes(v) + GDT_PAGES;
	bool mapped = false;

	for (unsigned i = 0; i < LDT_PAGES; i++) {
		if (!v->ldt_frames[i])
			continue;
		pte[i] = 0;
		put_page_and_type(v->ldt_frames[i]);
		v->ldt_frames[i] = 0;
		mapped = true;
	}
	if (mapped)
		window_sync(v);
	return mapped;
}

/*
 * MMUEXT_SET_LDT, its arguments already checked (mm/pv_mm.c): record the
 * new LDT and load it. The old one's pages are unmapped and flushed; the
 * new one's are mapped on first use.
 */
void pv_set_ldt(struct vcpu *v, u64 base, u32 ents)
{
	if (v->ldt_base == base && v->ldt_ents == ents)
		return;
	if (pv_destroy_ldt(v))
		mm_flush_local();
	v->ldt_base = base;
	v->ldt_ents = ents;
	pv_load_ldt(v);
}

/*
 * Is va, where the CPU faulted, a descriptor of v's LDT? Only an implicit
 * supervisor access (no user bit, no reserved bit) below the limit: a
 * guest touching the hypervisor's range itself faults with the user bit
 * and is never served here. The byte offset into the LDT goes to *off.
 */
bool pv_ldt_fault_offset(const struct vcpu *v, u64 va, u64 err, u32 *off)
{
	u64 start = ldt_va(v);

	if (va < start || va - start >= (u64)v->ldt_ents * 8 ||
	    (err & (PFEC_USER | PFEC_RSVD)))
		return false;
	*off = (u32)(va - start);
	return true;
}

/*
 * Xen's pv_map_ldt_shadow_page: map the LDT page holding byte off. The
 * frame is whatever the guest's kernel page tables map at ldt_base + off
 * (the guest's own, present), typed seg_desc: validated in full by
 * check_descriptor() the first time, and never writable while mapped here.
 * The CPU writes Accessed bits into it, so the shadow is read-write for
 * the hypervisor. Returns false if the guest's mapping does not allow it
 * (the caller reflects the fault) or the page is mapped already.
 */
bool pv_map_ldt_page(struct vcpu *v, u32 off)
{
	unsigned page = off >> PAGE_SHIFT;
	u64 va = v->ldt_base + off, l1e;
	mfn_t l1, mfn;

	if (page >= LDT_PAGES || v->ldt_frames[page] || !v->cr3_kernel)
		return false;
	if (pgt_find_l1(v->cr3_kernel, va, &l1))
		return false;
	l1e = ((u64 *)mfn_to_virt(l1))[(va >> PAGE_SHIFT) & (PT_ENTRIES - 1)];
	if (!(l1e & PTE_P))
		return false;
	mfn = pte_mfn(l1e);
	if (get_page_and_type(mfn, v->domain->id, PGT_seg_desc))
		return false;
	v->ldt_frames[page] = mfn;
	area_ptes(v)[GDT_PAGES + page] = (mfn << PAGE_SHIFT) | GDT_RW;
	window_sync(v);
	return true;
}

/* The desccheck option (core/sched.c): v's tables are the ones loaded. */
void pv_check_desc_tables(const struct vcpu *v)
{
	desc_check_tables(gdt_va(v), ldt_va(v), v->ldt_ents);
}
