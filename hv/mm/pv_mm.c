/*
 * pv_mm.c - the page-table hypercalls of a PV guest, and the end of its
 * memory when the domain dies.
 *
 * Runs in: hypervisor, on the calling guest's page tables (kernel mode),
 * one CPU, interrupts off.
 * Trusts: nothing the guest passes. Requests are copied in once, then
 * checked by mm/pgtype.c, which is the security boundary (docs/isolation.md).
 *
 * The hypercalls are Xen's (docs/pv-mechanisms.md §14) with its numbers,
 * structures, batch semantics and errors: a batch stops at the first
 * failing request, *pdone says how many were done, and a refused request
 * changes nothing. A batch may name 2^31 - 1 requests, so, as on Xen, it
 * is preemptible between two requests (core/continuation.c): the call
 * goes on later as (rest of reqs, (count - done) | MMU_UPDATE_PREEMPTED,
 * pdone, foreigndom), *pdone accumulating over the pieces. One request
 * can be long too: writing an L2-L4 entry, a base pointer, a pin or an
 * unpin validates or devalidates a whole tree. mm/pgtype.c stops that
 * part of the way as well ("Preemption"): a request whose validation is
 * cut short is not done, and the continuation makes it again, going on
 * where it stopped; a request whose devalidation is cut short is done,
 * and the rest is owed by the vCPU (v->pt_deferred) and finished before
 * its next request, preemptibly. A batch that ends owing such work ends
 * with Xen's null continuation, so its result (a refused request's error
 * among them) reaches the guest only when nothing is left half done.
 */
#include "hv.h"
#include "core/hvlock.h"
#include "layout.h"
#include "core/continuation.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "mm/m2p.h"
#include "mm/page_info.h"
#include "mm/paging.h"
#include "mm/pgtype.h"
#include "mm/pv_mm.h"
#include "pv/descriptor_tables.h"
#include "pv/mode.h"
#include "x86/cpu.h"
#include "pvabi/errno.h"
#include "pvabi/xen.h"

/*
 * The foreigndom argument: whose frames the requests name. pvisor has no
 * privileged domain, so only the caller itself (DOMID_SELF or its own id;
 * Xen refuses the latter, pvisor accepts it). For mmu_update, bits 16-31
 * name the owner of the page tables plus one (0 = the caller). Another
 * domain: -EPERM (Xen's XSM answer); no such domain: -ESRCH.
 */
static int foreign_error(u32 id)
{
	if (id == DOMID_IO || id == DOMID_XEN || domain_by_id((u16)id))
		return -XEN_EPERM;
	return -XEN_ESRCH;
}

static int check_foreigndom(const struct domain *d, u64 fd, bool pt_owner)
{
	u32 pg = (u32)fd & 0xffff, pt = ((u32)fd >> 16) & 0xffff;

	if (pg != DOMID_SELF && pg != d->id)
		return foreign_error(pg);
	if (pt_owner && pt && pt - 1 != d->id)
		return foreign_error(pt - 1);
	return 0;
}

/* Xen's *pdone is an unsigned int: 4 bytes. */
static void write_pdone(u64 pdone, u32 done)
{
	if (pdone)
		copy_to_guest(pdone, &done, sizeof(done));
}

/*
 * The count argument (core/continuation.c): with MMU_UPDATE_PREEMPTED the
 * call continues an earlier one, and *pdone holds what that did so far.
 */
static u32 start_count(u64 count_arg, u64 pdone, u32 *done)
{
	bool resumed;
	u32 count = batch_count(count_arg, &resumed);

	*done = 0;
	if (resumed && pdone)
		copy_from_guest(done, pdone, sizeof(*done));
	return count;
}

/*
 * A request costs a few hundred ns under QEMU, about what the preemption
 * check costs (a TSC read): ask every 16 (core/continuation.c).
 */
#define BATCH_CHECK_EVERY	16

/* One request of either batch hypercall, copied in whole before it is read. */
union batch_req {
	struct mmu_update mmu;
	struct mmuext_op ext;
};

/*
 * What tells mmu_update and mmuext_op apart for batch_do(), the driver
 * they share: their requests, and how a bad foreigndom is answered. Xen's
 * two functions differ there, and a guest can see it: mmu_update treats
 * it as the batch's failure (bits 16-31 name the page tables' owner too;
 * *pdone is written, 0 more done), mmuext_op returns it before anything
 * (only bits 0-15 count; *pdone is left alone).
 */
struct batch_kind {
	unsigned int op;	/* __HYPERVISOR_*, for the continuation */
	u32 req_size;		/* bytes of one request in the list */
	bool pt_owner;		/* foreigndom's bits 16-31 count */
	bool foreign_ends_batch;	/* bad foreigndom: *pdone written */
};

/* The two kinds: op, req_size, pt_owner, foreign_ends_batch. */
static const struct batch_kind mmu_update_kind = {
	__HYPERVISOR_mmu_update, sizeof(struct mmu_update), true, true
};
static const struct batch_kind mmuext_kind = {
	__HYPERVISOR_mmuext_op, sizeof(struct mmuext_op), false, false
};

/* A batch's requests, for batch_run(). */
struct batch {
	struct vcpu *v;
	u64 list;		/* guest address of the first request */
	const struct batch_kind *kind;
};

static bool batch_preempt(void *ctx)
{
	(void)ctx;
	return hypercall_preempt_check();
}

/*
 * Xen ends a batch that left a page-table release owed with a
 * continuation of no requests (reqs NULL, count MMU_UPDATE_PREEMPTED)
 * that carries the batch's result in foreigndom: made again, the call
 * first finishes what is owed (owed_work), then returns (int)foreigndom.
 * A guest that makes that call itself gets the same answer.
 */
static bool null_continuation(u64 list, u64 count_arg)
{
	return list == 0 && (u32)count_arg == MMU_UPDATE_PREEMPTED;
}

/*
 * What the vCPU owes from an earlier request (a devalidation cut short),
 * finished first: true if that was preempted (then nothing else is done).
 */
static bool owed_work(struct vcpu *v)
{
	return v->pt_deferred && pgt_finish_deferred(&v->pt_deferred, v->domain->id);
}

/*
 * Before each request of a batch but the first: the work a request before
 * it left owed, and a preemption check if page-table work went on long
 * enough since the last one (a request can be an L1 validated whole,
 * 40 us: 16 of them, the batch's own interval, would be too long).
 * -ERESTART: stop the batch before this request.
 */
static long before_request(struct vcpu *v, u32 i)
{
	if (i && (owed_work(v) || pgt_preempt_due()))
		return -XEN_ERESTART;
	return 0;
}

/* The batch's result, after the null continuation if work is owed. */
static long batch_result(struct vcpu *v, u64 op, long rc)
{
	if (!v->pt_deferred)
		return rc;
	return hypercall_create_continuation(op, 4, 0, MMU_UPDATE_PREEMPTED, 0,
					     (u32)rc, 0);
}

/* ---- mmu_update ------------------------------------------------------------ */

/*H:540 mmu_update, one request
 * What a guest does instead of writing a page-table entry: it names the
 * entry by machine address, and the low bits of the address say what to
 * do. A normal update goes to pgtype.c (a checked write into a validated
 * table; a plain store into a frame that is not a page table in use); an
 * M2P update is allowed for frames of the guest's own. Each request is
 * copied in once (batch_item), and a batch stops at the first one
 * refused, with the count of those done in *pdone.
 */
static inline __attribute__((always_inline)) long
mmu_update_one(struct vcpu *v, const struct mmu_update *req)
{
	struct domain *d = v->domain;
	u64 cmd = req->ptr & 7;
	mfn_t mfn = req->ptr >> PAGE_SHIFT;

	switch (cmd) {
	case MMU_NORMAL_PT_UPDATE:
	case MMU_PT_UPDATE_PRESERVE_AD:
		return pgt_mmu_normal_update(req->ptr - cmd, req->val,
					     cmd == MMU_PT_UPDATE_PRESERVE_AD, d->id,
					     &v->pt_deferred);
	case MMU_MACHPHYS_UPDATE:
		/* Any pfn: the M2P entry of a frame of its own is the guest's. */
		if (!get_page(mfn, d->id))
			return -XEN_EINVAL;
		m2p_set(mfn, req->val);
		put_page(mfn);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

/* ---- Base pointers ----------------------------------------------------------- */

/*
 * VMASST_TYPE_m2p_strict (Xen's fill_ro_mpt/zap_ro_mpt): guest user mode
 * must not see the M2P. Every validated L4 gets it in slot 256; an L4 that
 * becomes the user base loses it, one that becomes the kernel base gets it
 * back. The slot is the hypervisor's, so only we write it.
 */
static void set_ro_mpt(const struct domain *d, mfn_t l4, bool present)
{
	u64 *slot = (u64 *)mfn_to_virt(l4) + pt_index(RO_MPT_VIRT_START, L4_SHIFT);

	if (d->vm_assist & (1ULL << VMASST_TYPE_m2p_strict))
		*slot = present ? m2p_l4_entry() : 0;
}

/*
 * MMUEXT_NEW_BASEPTR: the new kernel L4, loaded now (hypercalls run in
 * kernel mode). Its validation may be preempted (-ERESTART: made again),
 * the old one's devalidation left owed.
 */
static int new_baseptr(struct vcpu *v, mfn_t mfn)
{
	mfn_t old = v->cr3_kernel;
	int rc;

	if (mfn != old) {
		rc = get_page_and_type_preemptible(mfn, v->domain->id, PGT_l4,
						   &v->pt_deferred);
		if (rc)
			return rc;
		v->cr3_kernel = mfn;
		set_ro_mpt(v->domain, mfn, true);
		/*
		 * As Xen: the LDT's linear address may map other frames in
		 * the new tables, so its shadow goes.
		 */
		pv_destroy_ldt(v);	/* the CR3 write below flushes */
	}
	write_cr3(mfn << PAGE_SHIFT);		/* flushes, as on Xen */
	mm_local_flush_done();
	pv_l4_loaded(v);			/* fast mode: the guest's view */
	if (mfn != old && old)
		put_page_and_type_preemptible(old, &v->pt_deferred);
	return 0;
}

/*
 * VCPUOP_initialise (pv/vcpu_context.c): the page tables of a vCPU that
 * has none yet, as NEW_BASEPTR and NEW_USER_BASEPTR (user: 0 = none)
 * would set them; neither is loaded, the vCPU does not run. The kernel L4
 * is validated here if it is not yet, preemptibly, as Xen does (XTF's
 * xsa-296 hands over a fresh one with an event pending): -ERESTART, the
 * frame left partial, and the caller's continuation takes it over. Any
 * validation v's earlier attempt left owed is finished first. The user
 * L4 must be a validated L4 already (pinned, or some vCPU's): a
 * reference count, so nothing after the kernel L4 can fail (no guest
 * passes one; pvabi/README.md). 0, -ERESTART, or -EINVAL and v holds
 * nothing.
 */
int mm_vcpu_initial_l4s(struct vcpu *v, mfn_t kernel, mfn_t user)
{
	struct domain *d = v->domain;
	int rc;

	BUG_ON(v->cr3_kernel || v->compat.cr3_user);
	rc = pgt_finish_deferred(&v->pt_deferred, d->id);
	if (rc)
		return rc;
	if (user && !pgt_is_validated(user, PGT_l4))
		return -XEN_EINVAL;
	rc = get_page_and_type_preemptible(kernel, d->id, PGT_l4, &v->pt_deferred);
	if (rc)
		return rc == -XEN_ERESTART ? rc : -XEN_EINVAL;
	if (user && get_page_and_type(user, d->id, PGT_l4)) {
		put_page_and_type_preemptible(kernel, &v->pt_deferred);
		return -XEN_EINVAL;
	}
	v->cr3_kernel = kernel;
	set_ro_mpt(d, kernel, true);
	v->compat.cr3_user = user;
	if (user)
		set_ro_mpt(d, user, false);
	return 0;
}

/*
 * Undo mm_vcpu_initial_l4s (the rest of the context was refused): a
 * devalidation cut short is owed by v, finished at its next try or at
 * teardown.
 */
void mm_vcpu_drop_l4s(struct vcpu *v)
{
	if (v->compat.cr3_user)
		put_page_and_type(v->compat.cr3_user);	/* validated elsewhere too */
	v->compat.cr3_user = 0;
	put_page_and_type_preemptible(v->cr3_kernel, &v->pt_deferred);
	v->cr3_kernel = 0;
}

/*
 * MMUEXT_NEW_USER_BASEPTR: the L4 of guest user mode; 0 = none. Compat
 * mode's own ABI (a ring-3 kernel needs a second L4 to hide itself from
 * its processes), so it sets compat mode's state (pv/compat.h).
 */
static int new_user_baseptr(struct vcpu *v, mfn_t mfn)
{
	mfn_t old = v->compat.cr3_user;
	int rc;

	if (mfn == old)
		return 0;
	if (mfn) {
		rc = get_page_and_type_preemptible(mfn, v->domain->id, PGT_l4,
						   &v->pt_deferred);
		if (rc)
			return rc;
		set_ro_mpt(v->domain, mfn, false);
	}
	v->compat.cr3_user = mfn;
	if (old)
		put_page_and_type_preemptible(old, &v->pt_deferred);
	return 0;
}

/* ---- mmuext_op --------------------------------------------------------------- */

/*
 * The vCPUs named by a guest bitmap, for the *_MULTI flushes. The bitmap
 * only has to be readable (one word covers every vCPU a domain can have):
 * a flush of other vCPUs reaches every other CPU (core/hvlock.c's sync),
 * whichever vCPUs run there, which is more than was asked and never less.
 */
static int read_vcpumask(u64 mask)
{
	u64 word;

	return copy_from_guest(&word, mask, sizeof(word));
}

/* What the guest asked for itself alone: this CPU's TLB. */
static void flush_this_cpu(void)
{
	write_cr3(read_cr3());
	mm_local_flush_done();
}

/* INVLPG here, and on other CPUs too unless only this vCPU was named. */
static void invlpg_guest(u64 va, bool others)
{
	if (guest_va_ok(va))
		invlpg(va);
	if (others)
		hv_sync_others();	/* a full flush there: simpler than a remote invlpg */
}

static int clear_page(struct domain *d, mfn_t mfn)
{
	if (get_page_and_type(mfn, d->id, PGT_writable))
		return -XEN_EINVAL;
	memset(mfn_to_virt(mfn), 0, PAGE_SIZE);
	put_page_and_type(mfn);
	return 0;
}

static int copy_page(struct domain *d, mfn_t dst, mfn_t src)
{
	if (!get_page(src, d->id))
		return -XEN_EINVAL;
	if (get_page_and_type(dst, d->id, PGT_writable)) {
		put_page(src);
		return -XEN_EINVAL;
	}
	memcpy(mfn_to_virt(dst), mfn_to_virt(src), PAGE_SIZE);
	put_page_and_type(dst);
	put_page(src);
	return 0;
}

/*
 * MMUEXT_SET_LDT: the LDT is nr_ents descriptors at guest address
 * linear_addr (ignored when nr_ents is 0: no LDT). Xen's checks: the
 * address page-aligned and a guest address, at most 8192 entries;
 * otherwise -EINVAL and nothing changes. Nothing is read yet: each LDT page
 * is checked and mapped when the CPU first uses it (pv/descriptor_tables.c).
 */
static int set_ldt(struct vcpu *v, u64 linear_addr, u32 ents)
{
	u64 ptr = ents ? linear_addr : 0;

	if ((ptr & (PAGE_SIZE - 1)) || !guest_va_ok(ptr) || ents > 8192)
		return -XEN_EINVAL;
	pv_set_ldt(v, ptr, ents);
	return 0;
}

static inline __attribute__((always_inline)) long
mmuext_one(struct vcpu *v, const struct mmuext_op *op)
{
	struct domain *d = v->domain;
	mfn_t mfn = op->arg1.mfn;

	switch (op->cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
	case MMUEXT_PIN_L4_TABLE:
		return pgt_pin(mfn, (enum page_type)(PGT_l1 + op->cmd - MMUEXT_PIN_L1_TABLE),
			       d->id, &v->pt_deferred);
	case MMUEXT_UNPIN_TABLE:
		return pgt_unpin(mfn, d->id, &v->pt_deferred);
	case MMUEXT_NEW_BASEPTR:
		return new_baseptr(v, mfn);
	case MMUEXT_NEW_USER_BASEPTR:
		if (!pv_mode(v)->user_l4)	/* fast mode: one L4 per process */
			return -XEN_EINVAL;
		return new_user_baseptr(v, mfn);
	case MMUEXT_TLB_FLUSH_MULTI:
		if (read_vcpumask(op->arg2.vcpumask))
			return -XEN_EINVAL;
		/* fall through */
	case MMUEXT_TLB_FLUSH_ALL:
		mm_flush_local();	/* every CPU */
		return 0;
	case MMUEXT_TLB_FLUSH_LOCAL:
		flush_this_cpu();
		return 0;
	case MMUEXT_INVLPG_MULTI:
		if (read_vcpumask(op->arg2.vcpumask))
			return -XEN_EINVAL;
		/* fall through */
	case MMUEXT_INVLPG_LOCAL:
	case MMUEXT_INVLPG_ALL:
		invlpg_guest(op->arg1.linear_addr, op->cmd != MMUEXT_INVLPG_LOCAL);
		return 0;
	case MMUEXT_FLUSH_CACHE:
		return -XEN_EACCES;	/* no I/O rights: no wbinvd */
	case MMUEXT_FLUSH_CACHE_GLOBAL:
		return -XEN_EINVAL;	/* the same, as Xen answers it */
	case MMUEXT_SET_LDT:
		return set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents);
	case MMUEXT_CLEAR_PAGE:
		return clear_page(d, mfn);
	case MMUEXT_COPY_PAGE:
		return copy_page(d, mfn, op->arg2.src_mfn);
	case MMUEXT_MARK_SUPER:
	case MMUEXT_UNMARK_SUPER:
		return -XEN_EOPNOTSUPP;
	default:
		return -XEN_ENOSYS;
	}
}

/* ---- The two batch hypercalls ---------------------------------------------- */

/*
 * Request i of a batch: what is owed first, then the request, copied in
 * once. Inlined into batch_do() with its constant kind, so the test of
 * the kind folds away, and so are the request functions (each then
 * stands in one loop): each hypercall's code is what its own copy was.
 */
static inline __attribute__((always_inline)) long
batch_item(void *ctx, u32 i)
{
	const struct batch *b = ctx;
	union batch_req req;
	u32 size = b->kind->req_size;

	if (before_request(b->v, i))
		return -XEN_ERESTART;
	if (copy_from_guest(&req, b->list + (u64)i * size, size))
		return -XEN_EFAULT;
	if (b->kind->op == __HYPERVISOR_mmu_update)
		return mmu_update_one(b->v, &req.mmu);
	return mmuext_one(b->v, &req.ext);
}

/*
 * The batch driver of mmu_update and mmuext_op (their comments below give
 * the semantics): owed work first, the null continuation, the count (and
 * *pdone so far, if continued), the list's range, foreigndom, then the
 * requests in order until one fails or time is up; *pdone, and a
 * continuation for the rest if preempted. Always inlined, into each
 * hypercall with its own constant kind: the code is what two copies
 * were (mmu_update's request inlined into its loop), and a batch of
 * cheap requests pays no call through a pointer per request (under QEMU
 * TCG each call ends a translated block; core/continuation.c).
 */
static inline __attribute__((always_inline)) long
batch_do(const struct batch_kind *k, u64 list, u64 count_arg, u64 pdone,
	 u64 foreigndom)
{
	struct batch b = { current, list, k };
	u32 done, count, i = 0;
	bool preempted = false;
	long rc;

	if (owed_work(b.v))
		return hypercall_restart();
	if (null_continuation(list, count_arg))
		return (s32)foreigndom;
	count = start_count(count_arg, pdone, &done);
	if (!guest_range_ok(list, (u64)count * k->req_size))
		return -XEN_EFAULT;
	rc = check_foreigndom(b.v->domain, foreigndom, k->pt_owner);
	if (rc && !k->foreign_ends_batch)
		return rc;
	if (!rc)
		preempted = batch_run(count, BATCH_CHECK_EVERY, batch_item,
				      batch_preempt, &b, &i, &rc);
	mm_flush_deferred();
	write_pdone(pdone, done + i);
	if (preempted)
		return hypercall_create_continuation(k->op, 4,
			list + (u64)i * k->req_size, batch_cont_count(count, i),
			pdone, (u32)foreigndom, 0);
	return batch_result(b.v, k->op, rc);
}

/*
 * do_mmu_update - checked writes of page-table entries and M2P entries.
 *   IN  reqs: guest address of count struct mmu_update {ptr, val};
 *       ptr & 7 = MMU_NORMAL_PT_UPDATE (validated write of the entry at
 *       machine address ptr; a plain store if the frame is not a page table
 *       in use), MMU_PT_UPDATE_PRESERVE_AD (the same, keeping the entry's
 *       Accessed/Dirty bits) or MMU_MACHPHYS_UPDATE (M2P[ptr >> 12] = val)
 *   OUT *pdone (if pdone != 0, 4 bytes): requests done
 *   foreigndom: DOMID_SELF or the caller's id
 * Stops at the first failure and returns its error: -EINVAL (a bad entry,
 * a frame not the caller's, a slot of the hypervisor), -EBUSY (a mapping of
 * another domain's frame, or a writable mapping of a page table or
 * descriptor page), -EPERM (not RAM), -ENOSYS (unknown command), -EFAULT;
 * -EPERM/-ESRCH for a foreign domain (*pdone written: no more done).
 * Never blocks. Preemptible between two requests: continued as
 * mmu_update(reqs + done, (count - done) | MMU_UPDATE_PREEMPTED, pdone,
 * foreigndom), *pdone accumulating; a count
 * with that flag from the guest itself means the same (Xen's semantics).
 * Also inside a request that validates a tree (it is made again, not
 * counted as done until it is) or devalidates one (done; the rest is
 * owed, see the top of this file), and with the null continuation.
 */
long do_mmu_update(u64 reqs, u64 count_arg, u64 pdone, u64 foreigndom, u64 a5)
{
	(void)a5;
	return batch_do(&mmu_update_kind, reqs, count_arg, pdone, foreigndom);
}

/*
 * do_mmuext_op - pin and unpin page tables, switch base pointers, flush.
 *   IN  ops: guest address of count struct mmuext_op {cmd, arg1, arg2}
 *       PIN_L1..L4_TABLE (arg1.mfn): validate as that level and keep it so;
 *       UNPIN_TABLE; NEW_BASEPTR (kernel L4, loaded now); NEW_USER_BASEPTR
 *       (0 = none); TLB_FLUSH_LOCAL/MULTI/ALL; INVLPG_LOCAL/MULTI/ALL
 *       (arg1.linear_addr; MULTI: arg2.vcpumask, a guest bitmap);
 *       SET_LDT (arg1.linear_addr, arg2.nr_ents); CLEAR_PAGE (arg1.mfn); COPY_PAGE (arg1.mfn
 *       <- arg2.src_mfn)
 *   OUT *pdone (if pdone != 0, 4 bytes): operations done
 * Stops at the first failure and returns its error: -EINVAL (not the
 * caller's frame, already pinned / not pinned, wrong type, an invalid
 * table, a bad vCPU mask, bad SET_LDT arguments), -EBUSY and -EPERM from
 * validation, -EACCES (FLUSH_CACHE), -EOPNOTSUPP (MARK_SUPER),
 * -ENOSYS (unknown), -EFAULT; -EPERM/-ESRCH for a foreign domain (at
 * once, *pdone untouched, as on Xen). Never blocks. Preemptible between
 * two operations, and inside a pin, unpin or base pointer change, as
 * mmu_update.
 */
long do_mmuext_op(u64 ops, u64 count_arg, u64 pdone, u64 foreigndom, u64 a5)
{
	(void)a5;
	return batch_do(&mmuext_kind, ops, count_arg, pdone, foreigndom);
}

/* ---- update_va_mapping -------------------------------------------------------- */

static long update_l1_of(struct vcpu *v, u64 va, u64 val)
{
	struct domain *d = v->domain;
	mfn_t l1;
	long rc = pgt_find_l1(v->cr3_kernel, va, &l1);

	if (rc)
		return rc;
	/*
	 * The walk went down the validated tree of the current L4, so l1 is
	 * the domain's and a validated L1 (invariant 3 of docs/isolation.md;
	 * pgt_mod_entry() asserts it is a validated table and treats it as
	 * the level its type says). The reference keeps it one meanwhile.
	 */
	if (!get_page(l1, d->id))
		return -XEN_EINVAL;
	rc = pgt_mod_entry(l1, (va >> PAGE_SHIFT) & 511, val, false);
	put_page(l1);
	return rc;
}

/*
 * do_update_va_mapping - write the L1 entry that maps va in the current
 * (kernel) address space, validated as MMU_NORMAL_PT_UPDATE, then flush.
 *   IN va: a guest address; val: the new entry;
 *      flags: UVMF_NONE, UVMF_TLB_FLUSH or UVMF_INVLPG, | UVMF_LOCAL,
 *      UVMF_ALL, or the guest address of a vCPU bitmap
 * Returns 0; -EINVAL if no L1 maps va (or va is the hypervisor's) and the
 * entry's errors as mmu_update; -EFAULT for an unreadable bitmap. The
 * flush happens whatever the outcome, as on Xen. Never blocks.
 */
long do_update_va_mapping(u64 va, u64 val, u64 flags, u64 a4, u64 a5)
{
	struct vcpu *v = current;
	long rc = update_l1_of(v, va, val);
	u64 scope = flags & ~(u64)UVMF_FLUSHTYPE_MASK;

	(void)a4, (void)a5;
	mm_flush_deferred();
	if (!(flags & UVMF_FLUSHTYPE_MASK))
		return rc;
	if (scope != UVMF_LOCAL && scope != UVMF_ALL && read_vcpumask(scope) && !rc)
		rc = -XEN_EFAULT;
	if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_TLB_FLUSH && scope == UVMF_LOCAL)
		flush_this_cpu();
	else if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_TLB_FLUSH)
		mm_flush_local();	/* every CPU */
	else if ((flags & UVMF_FLUSHTYPE_MASK) == UVMF_INVLPG)
		invlpg_guest(va, scope != UVMF_LOCAL);
	return rc;
}

/* ---- Frames the hypervisor writes into ------------------------------------------ */

/*
 * The hypervisor keeps writing into some guest frames (the vcpu_info a
 * guest registers, its console ring). Each is held writable for the
 * domain's life, so it can never become a page table or a descriptor page
 * under our writes. Returns 0, -EINVAL (not the domain's frame), -EACCES
 * (a page table or descriptor page now), -ENOMEM (too many).
 */
int mm_hold_frame(struct domain *d, mfn_t mfn)
{
	if (d->nr_mm_held == (int)ARRAY_SIZE(d->mm_held))
		return -XEN_ENOMEM;
	if (!get_page(mfn, d->id))
		return -XEN_EINVAL;
	if (get_page_type(mfn, PGT_writable)) {
		put_page(mfn);
		return -XEN_EACCES;
	}
	d->mm_held[d->nr_mm_held++] = mfn;
	return 0;
}

/*
 * A frame of the hypervisor's lent to a domain (Xen's share_xen_page_with_guest:
 * shared info, grant-table frames): owned by it, so it may map it, but of
 * type writable for good (one type reference nobody drops until the
 * teardown), so it can never become a page table or a descriptor page,
 * and with no pfn (PGF_hv_owned: not counted, never given back). The
 * frame must be free and is zeroed here. Its owner drops the permanent
 * type reference when the domain ends (put_page_type); mm_domain_teardown()
 * then frees it with the domain's other frames.
 */
void mm_share_hv_frame(struct domain *d, mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	memset(__va(mfn << PAGE_SHIFT), 0, PAGE_SIZE);
	memset(pg, 0, sizeof(*pg));
	pg->owner = d->id;
	pg->count = 1;
	pg->flags = PGF_allocated | PGF_hv_owned | PGF_validated;
	pg->type = PGT_writable;
	pg->type_count = 1;
}

/* ---- The end of a domain ------------------------------------------------------- */

/* Drop every root of the domain's trees: they devalidate all the way down. */
static void drop_roots(struct domain *d)
{
	for (int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpus[i];

		pv_destroy_gdt(v);
		pv_destroy_ldt(v);	/* flushed at the end of mm_domain_teardown */
		if (v->compat.cr3_user)		/* compat mode's user L4 */
			put_page_and_type(v->compat.cr3_user);
		if (v->cr3_kernel)
			put_page_and_type(v->cr3_kernel);
		v->compat.cr3_user = v->cr3_kernel = 0;
		v->pt_deferred = 0;	/* holds nothing: finished below */
	}
	while (d->nr_mm_held > 0)
		put_page_and_type(d->mm_held[--d->nr_mm_held]);
	for (mfn_t mfn = 0; mfn < frame_table_size; mfn++) {
		struct page_info *pg = &frame_table[mfn];

		if (pg->owner == d->id && (pg->flags & PGF_pinned)) {
			pg->flags &= ~PGF_pinned;
			put_page_and_type(mfn);
		}
	}
	if (d->shared_info)	/* its permanent writable type (domain_build.c) */
		put_page_type(d->shared_info_mfn);
	/* Tables left part (de)validated by preempted requests, never resumed. */
	pgt_finish_partials(d->id);
}

/*
 * Called by domain_destroy() on the hypervisor's own page tables. With
 * every root dropped, each frame the domain owns must be back to its
 * allocation reference alone; anything else is a reference the hypervisor
 * lost track of, reported as a leak (the frame is then never reused, and
 * the run fails: domains_all_clean()).
 */
void mm_domain_teardown(struct domain *d)
{
	static struct vcpu_info dead_vcpu_info;	/* for late writes: harmless */
	u64 leaks = 0;

	drop_roots(d);
	memory_op_teardown(d);	/* an extent half zeroed is nobody's yet */
	for (mfn_t mfn = 0; mfn < frame_table_size; mfn++) {
		struct page_info *pg = &frame_table[mfn];
		u32 want = (pg->flags & PGF_allocated) ? 1 : 0;

		if (pg->owner != d->id)
			continue;
		if (pg->count > want && (pg->flags & PGF_granted)) {
			/*
			 * Another domain maps it by grant (core/grant_map.c):
			 * the mapping holds it, so the domain's reference
			 * goes (if it still has it: a frame given back is
			 * already without) and the last mapping's put_page
			 * frees it. mm_orphans_left() checks that happens.
			 */
			if (want) {
				pg->flags &= ~PGF_allocated;
				put_page(mfn);
			}
			continue;
		}
		if (pg->count != want || pg->type_count) {
			if (leaks++ < 16)
				printk("domain %s: leak: mfn %#llx count %u type %u tc %u\n",
				       d->name, (unsigned long long)mfn, pg->count,
				       pg->type, pg->type_count);
			d->mm_leak = true;
			continue;
		}
		pg->flags &= ~PGF_allocated;
		put_page(mfn);		/* frees it: pgt_env_frame_free() */
	}
	if (leaks > 16)
		printk("domain %s: leak: %llu frames in all\n", d->name,
		       (unsigned long long)leaks);
	/* Its vcpu_info and shared info pages are free now: nothing may write there. */
	for (int i = 0; i < d->nr_vcpus; i++)
		d->vcpus[i].vcpu_info = &dead_vcpu_info;
	d->shared_info = NULL;
	mm_flush_local();
}

/*
 * At the end of the run: frames that outlived their domain because another
 * domain mapped them by grant must all be gone by now (every mapper ended
 * too). Each one left is a leak: reported, and the count returned.
 */
u64 mm_orphans_left(void)
{
	u64 left = 0;

	for (mfn_t mfn = 0; mfn < frame_table_size; mfn++) {
		const struct page_info *pg = &frame_table[mfn];

		if (pg->count && (pg->flags & PGF_granted) && !(pg->flags & PGF_allocated)) {
			if (left++ < 16)
				printk("domain %s: leak: mfn %#llx outlived it (granted): count %u type %u tc %u\n",
				       domain_get(pg->owner) ? domain_get(pg->owner)->name : "?",
				       (unsigned long long)mfn, pg->count, pg->type, pg->type_count);
		}
	}
	return left;
}
