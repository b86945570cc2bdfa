/*
 * domain_build.c - turn a kernel module (and a ramdisk) into a running PV domain.
 *
 * Runs in: hypervisor at boot, on the hypervisor's own page tables.
 * Trusts: nothing in the image (elf.c checks it) or the module line
 * (domcfg.c parses it).
 *
 * This is Xen's PV domain builder, cut down to what a domU needs and
 * described in docs/pv-mechanisms.md §22 and docs/linux-pv.md §1-§2. In order:
 *
 *	alloc_memory     nr_pages frames, the P2M (ours) and the M2P entries
 *	load_kernel      ELF segments copied by physical address
 *	load_ramdisk     the ramdisk module, copied after the kernel
 *	write_p2m        the guest's P2M list (pfn -> mfn), in its memory
 *	build_pagetables L4, L3s, L2s, L1s mapping [v_start, v_end)
 *	write_start_info start_info and shared_info
 *	gnttab_init      the grant table's first frame (core/grant_table.c)
 *	init_vcpu        RIP = entry, RSP = boot stack, RSI = start_info
 *
 * A failure at any step refuses the domain with a message naming it and
 * the reason, gives its frames back, and the other domains still start.
 */
#include "hv.h"
#include "layout.h"
#include "boot/mb2.h"
#include "core/domain.h"
#include "core/domain_build.h"
#include "core/domcfg.h"
#include "core/elf.h"
#include "core/xenstore.h"
#include "core/grant_table.h"
#include "core/pv_layout.h"
#include "core/sched.h"
#include "core/console.h"
#include "core/time.h"
#include "core/xenstore_ring.h"
#include "mm/frame.h"
#include "mm/m2p.h"
#include "mm/page_info.h"
#include "mm/paging.h"
#include "mm/pv_mm.h"
#include "pv/mode.h"
#include "pv/descriptor_tables.h"
#include "x86/cpu.h"
#include "pvabi/xen.h"
#include "pvabi/errno.h"

struct build {
	struct domain *d;
	const struct domcfg *cfg;
	const void *image;		/* read-only sources: copied, never */
	u64 image_len;			/* mapped into the domain */
	const void *ramdisk;		/* NULL = none */
	u64 ramdisk_len;
	struct pv_image img;
	struct pv_layout lay;
	char err[160];
};

static int refuse(struct build *b, const char *fmt, ...) __printf(2, 3);
static int refuse(struct build *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	return -1;
}

static void *pfn_ptr(struct domain *d, u64 pfn)
{
	return __va(d->p2m[pfn] << PAGE_SHIFT);
}

static u64 va_to_pfn(const struct build *b, u64 va)
{
	return (va - b->lay.v_start) >> PAGE_SHIFT;
}

/* Hypervisor pointer to guest virtual va inside the initial mapping. */
static void *gva_ptr(struct build *b, u64 va)
{
	return (u8 *)pfn_ptr(b->d, va_to_pfn(b, va)) + (va & (PAGE_SIZE - 1));
}

/* Copy (or zero, src NULL) len bytes to guest virtual va, page by page. */
static int write_guest(void *ctx, u64 va, const void *src, u64 len)
{
	struct build *b = ctx;

	if (va < b->lay.v_start || va + len > b->lay.v_end || va + len < va)
		return -XEN_EINVAL;
	while (len) {
		u64 n = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));

		if (src) {
			memcpy(gva_ptr(b, va), src, n);
			src = (const u8 *)src + n;
		} else {
			memset(gva_ptr(b, va), 0, n);
		}
		va += n;
		len -= n;
	}
	return 0;
}

static int alloc_memory(struct build *b)
{
	struct domain *d = b->d;
	u64 p2m_bytes = d->nr_pages * sizeof(mfn_t);

	d->p2m_frames = DIV_ROUND_UP(p2m_bytes, PAGE_SIZE);
	if (frame_nr_free() < d->nr_pages + d->p2m_frames + 1)
		return refuse(b, "out of memory: needs %llu MiB, %llu MiB free",
			      (unsigned long long)(d->nr_pages >> 8),
			      (unsigned long long)(frame_nr_free() >> 8));
	d->p2m_first = frame_alloc_contig(d->p2m_frames, 1);
	if (d->p2m_first == INVALID_MFN)
		return refuse(b, "no contiguous %llu KiB for the P2M",
			      (unsigned long long)(p2m_bytes >> 10));
	d->p2m = __va(d->p2m_first << PAGE_SHIFT);
	memset(d->p2m, 0, d->p2m_frames * PAGE_SIZE);

	d->max_pages = d->nr_pages;
	for (u64 pfn = 0; pfn < d->nr_pages; pfn++) {
		mfn_t mfn = frame_alloc();
		struct page_info *pg = mfn_to_page(mfn);

		BUG_ON(mfn == INVALID_MFN);	/* counted above */
		memset(__va(mfn << PAGE_SHIFT), 0, PAGE_SIZE);
		d->p2m[pfn] = mfn;
		memset(pg, 0, sizeof(*pg));
		pg->owner = d->id;
		pg->count = 1;		/* the allocation itself */
		pg->flags = PGF_allocated;
		d->tot_pages++;
		m2p_set(mfn, pfn);
	}
	return 0;
}

static int load_kernel(struct build *b)
{
	if (elf_load(b->image, &b->img, write_guest, b) < 0)
		return refuse(b, "kernel segments do not fit the initial mapping");
	return 0;
}

/*
 * A copy into the domain's own frames: a ramdisk image may serve many
 * domains, and each writes its own (Linux frees and reuses those pages).
 */
static int load_ramdisk(struct build *b)
{
	if (!b->ramdisk)
		return 0;
	return write_guest(b, b->lay.ramdisk, b->ramdisk, b->ramdisk_len);
}

static int write_p2m(struct build *b)
{
	return write_guest(b, b->lay.p2m, b->d->p2m, b->d->nr_pages * sizeof(mfn_t));
}

/*
 * Mark a frame as typed by the initial mapping (docs/pv-mechanisms.md §22.3):
 * refs type references, each with its general reference. The counts must
 * be exactly what pgtype.c would have taken: every table gets one from its
 * parent entry (the L4 one from CR3 and one from its pin), every frame one
 * general reference per mapping of it and a writable type reference per
 * writable mapping. The teardown checks them to the last one.
 */
static void set_type(struct domain *d, u64 pfn, enum page_type type, u32 refs)
{
	struct page_info *pg = mfn_to_page(d->p2m[pfn]);

	BUG_ON(pg->type_count);		/* typed once, at its first mapping */
	pg->type = (u8)type;
	pg->type_count = refs;
	pg->count += refs;
	pg->flags |= PGF_validated;	/* built valid: tables by construction */
}

/*H:330 Page tables built valid
 * The bootstrap tables, top level first (L4, L3s, L2s, L1s), as Xen's domU
 * builder lays them out; Linux's check_pt_base() can then give the first
 * three back. Table frames are mapped read-only, everything else
 * read-write. No validation runs: set_type() gives every frame exactly the
 * type and the counts validation would have given it (chapter 5), and the
 * L4 is pinned and held by CR3, as Linux expects. The domain's teardown
 * checks those counts to the last one.
 */
static int build_pagetables(struct build *b)
{
	struct pv_layout *l = &b->lay;
	struct domain *d = b->d;
	u64 pt_pfn = va_to_pfn(b, l->pt_start);
	u64 next[4] = {		/* next free table frame, per level below L4 */
		[1] = pt_pfn + 1 + l->nr_l3 + l->nr_l2,
		[2] = pt_pfn + 1 + l->nr_l3,
		[3] = pt_pfn + 1,
	};
	u64 limit[4] = { [1] = next[1] + l->nr_l1, [2] = next[2] + l->nr_l2,
			 [3] = next[3] + l->nr_l3 };
	u64 *l4 = pfn_ptr(d, pt_pfn);
	u64 table_flags = PTE_P | PTE_RW | PTE_US | PTE_A |
			  PTE_D;
	/* A ring-1 kernel's own pages are supervisor pages (pgt_adjust_entry). */
	u64 leaf_us = d->mode->user_pages ? PTE_US : 0;

	for (u64 va = l->v_start; va < l->v_end; va += PAGE_SIZE) {
		u64 *t = l4;
		u64 pfn = va_to_pfn(b, va);
		bool is_pt = pfn >= pt_pfn && pfn < pt_pfn + pv_layout_nr_pt(l);

		/* Walk down from L4 (level 3 below it) to the L1, making tables. */
		for (int level = 3; level >= 1; level--) {
			unsigned idx = pt_index(va, L1_SHIFT + 9 * level);

			if (!(t[idx] & PTE_P)) {
				BUG_ON(next[level] >= limit[level]);
				t[idx] = (d->p2m[next[level]] << PAGE_SHIFT) | table_flags;
				set_type(d, next[level], (enum page_type)(PGT_l1 + level - 1), 1);
				next[level]++;
			}
			t = __va(t[idx] & PTE_ADDR);
		}
		t[pt_index(va, L1_SHIFT)] = (d->p2m[pfn] << PAGE_SHIFT) |
			PTE_P | leaf_us | PTE_A | PTE_D |
			(is_pt ? 0 : PTE_RW);
		if (!is_pt)
			set_type(d, pfn, PGT_writable, 1);
		else
			mfn_to_page(d->p2m[pfn])->count++;	/* the RO mapping */
	}
	d->mode->install_hv_l4_slots(l4);
	/* The L4: referenced by CR3 and pinned, as Linux expects to unpin it. */
	set_type(d, pt_pfn, PGT_l4, 2);
	mfn_to_page(d->p2m[pt_pfn])->flags |= PGF_pinned;
	d->vcpus[0].cr3_kernel = d->p2m[pt_pfn];	/* holds one of the two */
	return 0;
}

/*H:405 The hypercall page
 * A guest does not write `syscall` itself: it calls entry nr of a page
 * the builder fills (named by the HYPERCALL_PAGE note), as Linux's
 * HYPERVISOR_* wrappers do, so the hypervisor chooses the instructions.
 * 32-byte stubs: push %rcx; push %r11; mov $nr, %eax; syscall;
 * pop %r11; pop %rcx; ret. SYSCALL clobbers RCX and R11, so the stub
 * keeps them for the caller. The iret stub does not return: it is
 * jumped to with the iret frame already on the stack, and pushes rcx,
 * r11 and rax to complete struct iret_context (rax lowest).
 */
static void write_hypercall_page(struct build *b)
{
	u8 *page = gva_ptr(b, b->img.hypercall_page);
	static const u8 iret_stub[] = { 0x51, 0x41, 0x53, 0x50, 0xb8,
					__HYPERVISOR_iret, 0, 0, 0, 0x0f, 0x05 };

	for (u32 nr = 0; nr < PAGE_SIZE / 32; nr++) {
		u8 *p = page + nr * 32;
		u8 stub[] = { 0x51, 0x41, 0x53, 0xb8, (u8)nr, 0, 0, 0, 0x0f, 0x05,
			      0x41, 0x5b, 0x59, 0xc3 };

		memset(p, 0xcc, 32);	/* int3 padding */
		if (nr == __HYPERVISOR_iret)
			memcpy(p, iret_stub, sizeof(iret_stub));
		else
			memcpy(p, stub, sizeof(stub));
	}
}

static int write_start_info(struct build *b)
{
	struct domain *d = b->d;
	struct pv_layout *l = &b->lay;
	struct start_info *si = gva_ptr(b, l->start_info);
	mfn_t shinfo = frame_alloc();
	int port;

	if (shinfo == INVALID_MFN)
		return refuse(b, "out of memory for the shared-info page");
	/* The hypervisor's page, lent to the domain: writable for good, no pfn. */
	mm_share_hv_frame(d, shinfo);
	d->shared_info_mfn = shinfo;
	d->shared_info = __va(shinfo << PAGE_SHIFT);
	for (int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
	d->shared_info->arch.max_pfn = d->nr_pages;
	for (int i = 0; i < d->nr_vcpus; i++)
		d->vcpus[i].vcpu_info = &d->shared_info->vcpu_info[i];
	time_init_domain(d);

	memset(si, 0, sizeof(*si));
	memcpy(si->magic, PVABI_START_INFO_MAGIC, sizeof(PVABI_START_INFO_MAGIC));
	si->nr_pages = d->nr_pages;
	si->shared_info = shinfo << PAGE_SHIFT;
	si->flags = 0;			/* a domU: neither privileged nor dom0 */
	/* The store's page, in its memory as the console's (core/xenstore_ring.c). */
	si->store_mfn = d->p2m[va_to_pfn(b, l->store)];
	if (mm_hold_frame(d, si->store_mfn))
		return refuse(b, "cannot hold the xenstore page");
	port = xenstore_domain_init(d, gva_ptr(b, l->store));
	if (port < 0)
		return refuse(b, "no xenstore for it (out of memory or ports)");
	si->store_evtchn = (u32)port;
	si->console.domU.mfn = d->p2m[va_to_pfn(b, l->console)];
	/* We write into the console ring: it must stay writable memory. */
	if (mm_hold_frame(d, si->console.domU.mfn))
		return refuse(b, "cannot hold the console page");
	port = console_ring_init(d, gva_ptr(b, l->console));
	if (port < 0)
		return refuse(b, "no event channel for the console");
	si->console.domU.evtchn = (u32)port;
	si->pt_base = l->pt_start;
	si->nr_pt_frames = pv_layout_nr_pt(l);
	si->mfn_list = l->p2m;
	if (l->ramdisk_len) {
		si->mod_start = l->ramdisk;
		si->mod_len = l->ramdisk_len;
	}
	memcpy(si->cmd_line, b->cfg->cmdline, strlen(b->cfg->cmdline) + 1);
	return 0;
}

static void init_vcpu(struct build *b)
{
	struct vcpu *v = &b->d->vcpus[0];

	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rip = b->img.entry;
	v->regs.rsp = b->lay.stack + PAGE_SIZE;
	v->regs.rsi = b->lay.start_info;
	v->regs.rflags = X86_EFLAGS_IF | X86_EFLAGS_FIXED;	/* hardware IF; events stay masked */
	v->regs.cs = b->d->mode->kernel_cs;
	v->regs.ss = b->d->mode->kernel_ss;
	b->d->mode->vcpu_init(v);	/* in guest kernel context */
	v->vcr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	dbg_init(&v->dbg);		/* DR6 and DR7 as after reset (Xen too) */
	v->initialised = true;
	v->runnable = true;
}

static int parse_and_place(struct build *b)
{
	struct pv_layout_in in;
	char why[160];

	if (elf_parse(b->image, b->image_len, &b->img, why, sizeof(why)) < 0)
		return refuse(b, "%s", why);
	if (b->d->mode->xenfeat & ~b->img.features_supported)	/* choose_mode() */
		return refuse(b, "mode=%s: the kernel does not say it can run so "
			      "(no pv_ring1_kernel in its ELF notes); use mode=compat",
			      b->d->mode->name);
	in.virt_base = b->img.virt_base;
	in.kstart = b->img.virt_kstart;
	in.kend = b->img.virt_kend;
	in.ramdisk_len = b->ramdisk ? b->ramdisk_len : 0;
	in.nr_pages = b->d->nr_pages;
	if (pv_layout_compute(&in, &b->lay, why, sizeof(why)) < 0)
		return refuse(b, "%s (mem=%lluM)", why,
			      (unsigned long long)(b->cfg->mem >> 20));
	return 0;
}

/*
 * The domain's PV mode (pv/mode.h), for its whole life: what its module
 * line or domain-list line asked (mode=, compat by default). Fast mode
 * runs the kernel in ring 1, so the kernel must say it can (its ELF notes
 * name XENFEAT_pv_ring1_kernel); a kernel that does not would fault on
 * its first return, so it is refused (parse_and_place(), once the notes
 * are read), with the reason. Fast mode
 * also needs SMAP off: a ring-1 kernel's accesses to its processes'
 * pages are supervisor accesses, which SMAP forbids, and it cannot stac.
 */
static int choose_mode(struct build *b)
{
	enum pv_mode_id id = (enum pv_mode_id)b->cfg->mode;

	b->d->mode = pv_mode_find(id);
	if (!b->d->mode)
		return refuse(b, "PV mode %d is not one this hypervisor has", (int)id);
	if (id == PV_MODE_FAST && cpu_smap)
		return refuse(b, "mode=fast needs SMAP off (hypervisor option smap=off): "
			      "a ring-1 kernel cannot reach its processes' pages with SMAP on");
	return 0;
}

/*H:300 Building a PV domain
 * A PV guest starts life already running in virtual memory, so the
 * builder does what a bootloader and early kernel would: it gives the
 * domain frames (pfn -> mfn in the P2M, mfn -> pfn in the M2P), loads the
 * ELF segments by physical address, lays out Xen's initial mapping and
 * builds its page tables, with every page-table frame mapped read-only:
 * from here on the guest may change them only through the hypervisor.
 * build_one() is the list of steps; the next stops follow them.
 */
static int build_one(struct build *b)
{
	if (parse_and_place(b) < 0 || alloc_memory(b) < 0 || load_kernel(b) < 0)
		return -1;
	if (load_ramdisk(b) < 0 || write_p2m(b) < 0)
		return refuse(b, "ramdisk or P2M outside the mapping");
	build_pagetables(b);
	if (b->img.has_hypercall_page)
		write_hypercall_page(b);
	if (write_start_info(b) < 0)
		return -1;
	if (gnttab_init(b->d) < 0)
		return refuse(b, "out of memory for the grant table");
	init_vcpu(b);
	return 0;
}

static void print_domain(const struct build *b)
{
	const struct pv_layout *l = &b->lay;

	printk("domain %s: id %u, %s mode, %llu MiB, %d vCPU%s, entry %#llx, mapping %#llx-%#llx\n",
	       b->d->name, b->d->id, b->d->mode->name, (unsigned long long)(b->cfg->mem >> 20),
	       b->d->nr_vcpus, b->d->nr_vcpus == 1 ? "" : "s",
	       (unsigned long long)b->img.entry, (unsigned long long)l->v_start,
	       (unsigned long long)l->v_end);
	/* What it costs the hypervisor beyond its own frames (docs/boot.md). */
	printk("domain %s: hypervisor memory %llu KiB (struct domain and vCPUs %llu KiB, P2M %llu KiB), page tables %llu KiB of its own\n",
	       b->d->name, (unsigned long long)(domain_hv_bytes(b->d) >> 10),
	       (unsigned long long)((domain_hv_bytes(b->d) -
				     b->d->p2m_frames * PAGE_SIZE) >> 10),
	       (unsigned long long)(b->d->p2m_frames * PAGE_SIZE >> 10),
	       (unsigned long long)(pv_layout_nr_pt(l) * PAGE_SIZE >> 10));
	pr_debug("domain %s: kernel %#llx-%#llx ramdisk %#llx+%#llx p2m %#llx start_info %#llx pt %#llx (%llu frames) stack %#llx\n",
		 b->d->name, (unsigned long long)l->kstart,
		 (unsigned long long)l->kend, (unsigned long long)l->ramdisk,
		 (unsigned long long)l->ramdisk_len, (unsigned long long)l->p2m,
		 (unsigned long long)l->start_info,
		 (unsigned long long)l->pt_start,
		 (unsigned long long)pv_layout_nr_pt(l),
		 (unsigned long long)l->stack);
}

/* The ramdisk module that names this domain, if any. */
static const struct boot_module *find_ramdisk(const struct boot_info *bi,
					      const char *name)
{
	struct domcfg c;
	char err[8];

	for (int i = 0; i < bi->nr_mods; i++) {
		if (domcfg_parse(bi->mods[i].cmdline, &c, err, sizeof(err)) == 0 &&
		    c.kind == DOMCFG_RAMDISK && !strcmp(c.name, name))
			return &bi->mods[i];
	}
	return NULL;
}

static bool name_taken(const char *name)
{
	struct domain *d;

	for_each_domain(d, i) {
		if (!strcmp(d->name, name))
			return true;
	}
	return false;
}

static int nr_built;	/* domains built (with dryrun: placed) */

/*
 * Build one domain from its description, kernel and ramdisk (NULL: none);
 * 0, or -1 after printing "domain NAME: refused: why". The sources are
 * only read: every byte the domain gets is copied into its own frames.
 */
static int create_domain(const struct domcfg *cfg, const void *kernel,
			 u64 kernel_len, const void *ramdisk, u64 ramdisk_len,
			 bool dryrun)
{
	static struct build b;

	if (name_taken(cfg->name)) {
		printk("domain %s: refused: the name is used by an earlier domain\n",
		       cfg->name);
		return -1;
	}
	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.image = kernel;
	b.image_len = kernel_len;
	b.ramdisk = ramdisk;
	b.ramdisk_len = ramdisk_len;
	b.d = domain_alloc(cfg, b.err, sizeof(b.err));
	if (!b.d) {
		printk("domain %s: refused: %s\n", cfg->name, b.err);
		return -1;
	}
	if (choose_mode(&b) < 0 || (dryrun ? parse_and_place(&b) : build_one(&b))) {
		printk("domain %s: refused: %s\n", cfg->name, b.err);
		domain_destroy(b.d);
		b.d->crashed = true;
		return -1;
	}
	print_domain(&b);
	nr_built++;
	if (!dryrun) {
		domain_start(b.d);
		for (int i = 0; i < b.d->nr_vcpus; i++)	/* the others down */
			sched_add(&b.d->vcpus[i]);
	}
	return 0;
}

/* A kernel module (the per-module syntax): 0, or -1 after reporting why not. */
static int create_from_module(const struct boot_info *bi, int i,
			      const struct domcfg *cfg, bool dryrun)
{
	const struct boot_module *m = &bi->mods[i], *rd;

	rd = find_ramdisk(bi, cfg->name);
	return create_domain(cfg, __va(m->start), m->end - m->start,
			     rd ? __va(rd->start) : NULL,
			     rd ? rd->end - rd->start : 0, dryrun);
}

/*
 * A domain list module: one domain per line. A bad line, an unknown
 * image, a refusal: one message naming the line or the domain, and the
 * next line goes on. Returns how many were refused.
 */
static int create_from_list(const struct boot_info *bi, int i,
			    const struct domcfg_image *imgs, int nr_imgs,
			    bool dryrun)
{
	static char line[DOMLIST_LINE_MAX];
	const struct boot_module *m = &bi->mods[i];
	const struct domcfg_image *k, *r;
	struct domlist l;
	struct domcfg c;
	char err[160];
	int refused = 0, rc;

	domlist_init(&l, __va(m->start), m->end - m->start);
	while ((rc = domlist_next(&l, line, sizeof(line), &c, err, sizeof(err))) != 0) {
		if (rc < 0 && c.name[0]) {	/* named before the bad word */
			printk("domain %s: refused: domain list line %d: %s\n",
			       c.name, l.lineno, err);
			refused++;
			continue;
		}
		if (rc < 0) {
			printk("domain list (module %d) line %d: refused: %s\n",
			       i, l.lineno, err);
			refused++;
			continue;
		}
		if (domcfg_resolve(&c, imgs, nr_imgs, &k, &r, err, sizeof(err)) < 0) {
			printk("domain %s: refused: %s\n", c.name, err);
			refused++;
			continue;
		}
		refused += create_domain(&c, k->data, k->len, r ? r->data : NULL,
					 r ? r->len : 0, dryrun) < 0;
	}
	return refused;
}

static u64 img_frames;	/* the image table's, 0 = none */

static struct domcfg_image *img_table_alloc(int n)
{
	mfn_t m;

	img_frames = DIV_ROUND_UP((u64)n * sizeof(struct domcfg_image), PAGE_SIZE);
	m = frame_alloc_contig(img_frames, 1);
	if (m == INVALID_MFN)
		panic("no memory for a table of %d images", n);
	memset(__va(m << PAGE_SHIFT), 0, img_frames * PAGE_SIZE);
	return __va(m << PAGE_SHIFT);
}

/*
 * The image modules, by name, in a table from the frame allocator (the
 * builder's alone: freed when every domain is built). A second image of
 * one name is refused; the first keeps it.
 */
static int collect_images(const struct boot_info *bi,
			  struct domcfg_image **out, int *refused)
{
	struct domcfg_image *imgs;
	struct domcfg c;
	char err[160];
	int n = 0;

	*out = NULL;
	for (int i = 0; i < bi->nr_mods; i++)
		n += domcfg_parse(bi->mods[i].cmdline, &c, err, sizeof(err)) == 0 &&
		     c.kind == DOMCFG_IMAGE;
	if (!n)
		return 0;
	imgs = img_table_alloc(n);
	n = 0;
	for (int i = 0; i < bi->nr_mods; i++) {
		const struct boot_module *m = &bi->mods[i];

		if (domcfg_parse(m->cmdline, &c, err, sizeof(err)) < 0 ||
		    c.kind != DOMCFG_IMAGE)
			continue;
		if (domcfg_find_image(imgs, n, c.name)) {
			printk("module %d: image '%s' refused: the name is used by an earlier image\n",
			       i, c.name);
			(*refused)++;
			continue;
		}
		memcpy(imgs[n].name, c.name, sizeof(imgs[n].name));
		imgs[n].data = __va(m->start);
		imgs[n].len = m->end - m->start;
		n++;
	}
	*out = imgs;
	return n;
}

/* ---- Devices: once every domain of the boot exists ---------------------- */

/* Built (or, with dryrun, placed) and not refused since. */
static bool usable(const struct domain *d, bool dryrun)
{
	return dryrun ? !d->crashed : d->state == DOM_RUNNING;
}

/*
 * The id of the domain called name, for key (e.g. "vif=backend=nd"):
 * 0 after writing the reason into err. Every domain of the boot has a
 * struct domain by now (a refused one too, marked crashed).
 */
static u16 backend_id(const char *key, const char *name, bool dryrun,
		      char *err, size_t errlen)
{
	struct domain *b;

	for_each_domain(b, i) {
		if (strcmp(b->name, name))
			continue;
		if (!usable(b, dryrun)) {
			errorf(err, errlen, "%s=backend=%s: domain %s was refused", key, name, name);
			return 0;
		}
		return b->id;
	}
	errorf(err, errlen, "%s=backend=%s: no domain %s in this boot", key, name, name);
	return 0;
}

/* Every backend of d by name: 0, or -1 with the reason in err. */
static int resolve_backends(struct domain *d, bool dryrun, char *err, size_t errlen)
{
	for (int i = 0; i < d->devs.nr_vifs; i++) {
		d->vif_be[i] = backend_id("vif", d->devs.vif[i].backend, dryrun, err, errlen);
		if (!d->vif_be[i])
			return -1;
	}
	for (int i = 0; i < d->devs.nr_disks; i++) {
		d->disk_be[i] = backend_id("disk", d->devs.disk[i].backend, dryrun, err, errlen);
		if (!d->disk_be[i])
			return -1;
	}
	return 0;
}

/* Refuse a domain that was built: it has not run yet (the lock is ours). */
static void refuse_built(struct domain *d, bool dryrun, const char *why)
{
	printk("domain %s: refused: %s\n", d->name, why);
	if (!dryrun)
		domain_destroy(d);
	d->crashed = true;
	nr_built--;
}

/*
 * Connect every domain's devices to their backends (docs/devices.md).
 * A frontend whose backend is missing (never described, or refused) is
 * refused in turn, which may take another's backend away: repeat until
 * a pass refuses nobody (at most once per domain). Then write every
 * device's store entries, before any domain runs. Returns how many were
 * refused.
 */
static int devices_connect(bool dryrun)
{
	struct domain *d;
	char err[160];
	int refused = 0;
	bool again = true;

	while (again) {
		again = false;
		for_each_domain(d, i) {
			if (usable(d, dryrun) && resolve_backends(d, dryrun, err, sizeof(err)) < 0) {
				refuse_built(d, dryrun, err);
				refused++;
				again = true;
			}
		}
	}
	for_each_domain(d, i) {
		int r;

		if (!usable(d, dryrun) || (!d->devs.nr_vifs && !d->devs.nr_disks))
			continue;
		for (int k = 0; k < d->devs.nr_vifs; k++)
			printk("domain %s: vif %d served by %s\n", d->name, k,
			       domain_get(d->vif_be[k])->name);
		for (int k = 0; k < d->devs.nr_disks; k++)
			printk("domain %s: disk %s (%s) served by %s\n", d->name,
			       d->devs.disk[k].vdev, d->devs.disk[k].target,
			       domain_get(d->disk_be[k])->name);
		if (dryrun)
			continue;
		r = xenstore_devices_write(d);
		if (r) {
			errorf(err, sizeof(err), "its devices' store entries not written (%s)",
			       xs_error_name(-r));
			refuse_built(d, dryrun, err);
			refused++;
		}
	}
	return refused;
}

/* How many domains the modules describe: the domain table's size. */
static int count_domains(const struct boot_info *bi)
{
	struct domcfg c;
	char err[8];
	int n = 0;

	for (int i = 0; i < bi->nr_mods; i++) {
		const struct boot_module *m = &bi->mods[i];

		if (domcfg_parse(m->cmdline, &c, err, sizeof(err)) < 0)
			continue;
		if (c.kind == DOMCFG_KERNEL)
			n++;
		else if (c.kind == DOMCFG_LIST)
			n += domlist_count(__va(m->start), m->end - m->start);
	}
	return n;
}

/*
 * Every module line that names a domain, and every line of a domain
 * list, becomes one, in module order. Returns how many were refused.
 */
int domains_create(const struct boot_info *bi, bool dryrun)
{
	struct domcfg_image *imgs;
	int refused = 0, nr_imgs, wanted, room;
	u64 t0 = NOW();

	wanted = count_domains(bi);
	room = domains_reserve(wanted);
	/* core/time.c: the timer heap, room for every vCPU there can be */
	timers_init((u32)MIN((u64)room * DOMAIN_VCPUS_MAX, (u64)PV_AREA_SLOTS));
	nr_imgs = collect_images(bi, &imgs, &refused);
	printk("domains: %d described, table for %d; struct domain %zu bytes; %d image(s)\n",
	       wanted, room, sizeof(struct domain), nr_imgs);
	for (int i = 0; i < bi->nr_mods; i++) {
		struct domcfg cfg;
		char err[160];

		if (domcfg_parse(bi->mods[i].cmdline, &cfg, err, sizeof(err)) < 0) {
			printk("module %d ('%s'): refused: %s\n", i,
			       bi->mods[i].cmdline, err);
			refused++;
		} else if (cfg.kind == DOMCFG_KERNEL) {
			refused += create_from_module(bi, i, &cfg, dryrun) < 0;
		} else if (cfg.kind == DOMCFG_LIST) {
			refused += create_from_list(bi, i, imgs, nr_imgs, dryrun);
		}
	}
	if (imgs)
		frame_free_contig(__pa(imgs) >> PAGE_SHIFT, img_frames);
	refused += devices_connect(dryrun);
	printk("domains: %d built, %d refused, in %llu ms; %llu MiB free\n",
	       nr_built, refused, (unsigned long long)((NOW() - t0) / 1000000),
	       (unsigned long long)(frame_nr_free() >> (20 - PAGE_SHIFT)));
	/* A ramdisk whose domain does not exist is a configuration error. */
	for (int i = 0; i < bi->nr_mods; i++) {
		struct domcfg c;
		char err[8];

		if (domcfg_parse(bi->mods[i].cmdline, &c, err, sizeof(err)) == 0 &&
		    c.kind == DOMCFG_RAMDISK && !name_taken(c.name)) {
			printk("module %d: ramdisk for unknown domain '%s' ignored\n",
			       i, c.name);
			refused++;
		}
	}
	return refused;
}
