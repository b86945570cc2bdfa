/*
 * mm_foreign: a domain cannot reach another domain's memory.
 *
 * Two domains (domains.list). The victim fills a buffer, yields many
 * times and checks the buffer is intact. The attacker reads the M2P
 * (which every guest may) and takes a frame whose M2P entry names a pfn
 * its own P2M does not map to it: the victim's. Then it tries everything:
 * map it read-only or writable (-EBUSY), through mmu_update too, store
 * into it with mmu_update (-EINVAL), set its M2P entry (-EINVAL), pin it,
 * make it a base pointer, copy from it, clear it, load it as a GDT, write
 * a descriptor into it (-EINVAL), give it back as its own (0 extents),
 * register it as its vcpu_info (-EINVAL). It
 * names the other domain as foreigndom (-EPERM) or a domain that does not
 * exist (-ESRCH), and asks for its reservation (-EPERM); a refused
 * foreigndom writes mmu_update's *pdone and leaves mmuext_op's alone, as
 * on Xen (foreign_pdone). Every refusal
 * leaves the attacker running, and the victim's memory as it was.
 */
#include "guest.h"
#include "mmu.h"
#include "pvabi/vcpu.h"

const char test_title[] = "another domain's frames are out of reach";

static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static u8 pattern[64 * 1024];

static void victim(void)
{
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(pattern); i++)
			pattern[i] = (u8)(i * 7 + round);
		EXPECT_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
		for (size_t i = 0; i < sizeof(pattern); i++) {
			if (pattern[i] != (u8)(i * 7 + round)) {
				test_fail("round %d: byte %zu changed", round, i);
				return;
			}
		}
	}
	printk("mm_foreign: victim intact after 50 yields\n");
}

/* A frame of another domain: its M2P entry is valid, our P2M disagrees. */
static u64 find_foreign(const struct start_info *si)
{
	const u64 *p2m = (const u64 *)si->mfn_list;
	struct xen_machphys_mapping m;

	ASSERT_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mapping, &m), 0);
	for (u64 mfn = m.max_mfn; mfn > 0; mfn--) {
		u64 pfn = mfn_to_pfn(mfn);

		if (pfn == INVALID_M2P)
			continue;
		if (pfn >= si->nr_pages || p2m[pfn] != mfn)
			return mfn;
	}
	test_error("no frame of another domain in the M2P");
}

/*
 * Where Xen's two batch hypercalls part on a refused foreigndom:
 * mmu_update ends the batch there, so *pdone is written (0 more done, 4
 * bytes); mmuext_op refuses before anything and leaves *pdone alone. Only
 * mmu_update reads bits 16-31 (the page tables' owner, plus one);
 * mmuext_op's foreigndom is a domid_t, so they are ignored there.
 */
static void foreign_pdone(void)
{
	const u64 mark = 0x5a5a5a5a5a5a5a5aULL;
	const u64 other_pt_owner = DOMID_SELF | (78UL << 16);
	u64 done = mark;

	EXPECT_EQ(HYPERVISOR_mmu_update(NULL, 0, &done, 77), -XEN_ESRCH);
	EXPECT_EQ(done, mark & ~0xffffffffULL);
	done = mark;
	EXPECT_EQ(HYPERVISOR_mmuext_op(NULL, 0, &done, 77), -XEN_ESRCH);
	EXPECT_EQ(done, mark);
	EXPECT_EQ(HYPERVISOR_mmu_update(NULL, 0, NULL, other_pt_owner), -XEN_ESRCH);
	EXPECT_EQ(HYPERVISOR_mmuext_op(NULL, 0, NULL, other_pt_owner), 0);
}

static void attacker(const struct start_info *si)
{
	u64 f = find_foreign(si), own = spare_mfn(0, NULL), x = f;
	u64 ids_ok = 0, ids_perm = 0;
	struct mmu_update none;
	struct xen_memory_reservation r = {
		.extent_start = (u64)&x, .nr_extents = 1, .domid = DOMID_SELF,
	};
	u64 done = 0;

	printk("mm_foreign: attacking mfn %#lx (its pfn %#lx elsewhere)\n", f, mfn_to_pfn(f));
	EXPECT_EQ(window_map(window, f, PTE_P), -XEN_EBUSY);
	EXPECT_EQ(window_map(window, f, PTE_FLAGS), -XEN_EBUSY);
	EXPECT_EQ(mmu1(entry_maddr(window, 1), (f << 12) | PTE_P), -XEN_EBUSY);
	EXPECT_EQ(mmu1(f << 12, 0x41414141), -XEN_EINVAL);
	EXPECT_EQ(mmu1((f << 12) | MMU_MACHPHYS_UPDATE, 1), -XEN_EINVAL);
	for (int level = 1; level <= 4; level++)
		EXPECT_EQ(pin(level, f), -XEN_EINVAL);
	EXPECT_EQ(unpin(f), -XEN_EINVAL);
	EXPECT_EQ(mmuext1(MMUEXT_NEW_BASEPTR, f, 0), -XEN_EINVAL);
	EXPECT_EQ(mmuext1(MMUEXT_COPY_PAGE, own, f), -XEN_EINVAL);
	EXPECT_EQ(mmuext1(MMUEXT_CLEAR_PAGE, f, 0), -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_set_gdt(&x, 16), -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_update_descriptor(f << 12, 0), -XEN_EINVAL);
	EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0);
	EXPECT_EQ(mfn_to_pfn(f) == INVALID_M2P, false);
	{
		/* The hypervisor would write our vcpu_info into it. */
		struct vcpu_register_vcpu_info vi = { .mfn = f, .offset = 0 };

		EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &vi), -XEN_EINVAL);
	}

	/* Naming another domain. Ids are 1 and 2 here: one is ours. */
	for (domid_t id = 1; id <= 2; id++) {
		long rc = HYPERVISOR_mmu_update(&none, 0, &done, id);

		ids_ok += rc == 0;
		ids_perm += rc == -XEN_EPERM;
		EXPECT_EQ(HYPERVISOR_mmuext_op(NULL, 0, &done, id), rc);
		EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_current_reservation, &id),
			  rc ? -XEN_EPERM : (long)si->nr_pages);
	}
	EXPECT_EQ(ids_ok, 1);
	EXPECT_EQ(ids_perm, 1);
	EXPECT_EQ(HYPERVISOR_mmu_update(&none, 0, &done, 77), -XEN_ESRCH);
	EXPECT_EQ(HYPERVISOR_mmu_update(&none, 0, &done, DOMID_XEN), -XEN_EPERM);
	foreign_pdone();
	printk("mm_foreign: every attempt refused, still running\n");
}

void test_main(const struct start_info *si)
{
	char role[16];

	if (!cmdline_get("role", role, sizeof(role)))
		test_error("no role= on the command line");
	if (!strcmp(role, "victim"))
		victim();
	else
		attacker(si);
}
