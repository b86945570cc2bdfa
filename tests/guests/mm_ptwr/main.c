/*
 * mm_ptwr: the writable page-table assist. Direct writes to a pinned L1,
 * with each instruction form Linux uses, take effect and are validated.
 *
 * With VMASST_TYPE_writable_pagetables on, Linux writes L1 entries with
 * ordinary instructions although its L1s are mapped read-only; each write
 * faults and the hypervisor emulates it after validating the new entry as
 * mmu_update would (docs/linux-pv.md §6, docs/pv-mechanisms.md §15). The test
 * pins a fresh L1, hooks it into the builder's L2 (mapping the 2 MiB at
 * REGION), maps it read-only at `pt`, and writes its entries with: mov
 * from a register, mov of an immediate, xchg, lock cmpxchg (matching and
 * not), lock and of a byte, lock btr, bts, lock or, a 4-byte mov into the
 * upper half, a 1-byte mov. After each: the entry reads back as written
 * (plus the user bit the hypervisor forces), the registers and flags are
 * as the instruction leaves them, and REGION shows the mapped frame.
 * Refused, each with a page fault delivered to the guest and the entry
 * untouched: a hypervisor frame, a frame beyond RAM, a writable mapping of
 * the L1 itself, an instruction the assist does not emulate, a write to
 * the L4 (never emulated), and any write with the assist turned off.
 */
#include "guest.h"
#include "events.h"
#include "mmu.h"
#include "traps.h"

const char test_title[] = "the writable page-table assist";

#define REGION		(GUEST_VIRT_BASE + 128 * 1024 * 1024UL)	/* L2 slot 64 */
#define MAGIC_A		0xaaaa0000aaaa0001UL
#define MAGIC_B		0xbbbb0000bbbb0002UL
#define HV_MFN		0x100UL		/* 1 MiB: the hypervisor image */

static u8 pt_page[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);
static volatile u64 *const pt = (volatile u64 *)pt_page;
static u64 a, b, l1;

static u64 region(int i)
{
	EXPECT_EQ(mmuext1(MMUEXT_INVLPG_LOCAL, REGION + i * GUEST_PAGE_SIZE, 0), 0);
	return *(volatile u64 *)(REGION + i * GUEST_PAGE_SIZE);
}

static u64 pte(u64 mfn, u64 flags)
{
	return (mfn << 12) | flags;
}

#define RFLAGS_ZF	(1UL << 6)

static void stores(void)
{
	u64 rax, rflags, v;

	/* mov %rax, (%rdi): native_set_pte */
	asm volatile("movq %%rax, (%%rdi)" : : "D"(&pt[0]), "a"(pte(a, PTE_P | PTE_RW)) : "memory");
	EXPECT_EQ(pt[0] & ~(PTE_A | PTE_D), pte(a, PTE_P | PTE_RW | PTE_US_ADDED));
	EXPECT_EQ(region(0), MAGIC_A);
	/* movq $0, (%rdi): ptep_get_and_clear on UP */
	asm volatile("movq $0, (%%rdi)" : : "D"(&pt[0]) : "memory");
	EXPECT_EQ(pt[0], 0);

	/* xchg %rax, (%rdi): ptep_get_and_clear on SMP */
	rax = pte(b, PTE_P | PTE_RW);
	asm volatile("xchgq %0, (%%rdi)" : "+a"(rax) : "D"(&pt[1]) : "memory");
	EXPECT_EQ(rax, 0);
	EXPECT_EQ(pt[1] & ~(PTE_A | PTE_D), pte(b, PTE_P | PTE_RW | PTE_US_ADDED));
	EXPECT_EQ(region(1), MAGIC_B);

	/* lock cmpxchg that matches, then one that does not */
	v = pt[1];
	rax = v;
	asm volatile("lock cmpxchgq %%rsi, (%%rdi)\n\tpushfq\n\tpopq %1"
		     : "+a"(rax), "=r"(rflags)
		     : "D"(&pt[1]), "S"(pte(a, PTE_P | PTE_RW)) : "memory", "cc");
	EXPECT(rflags & RFLAGS_ZF);
	EXPECT_EQ(pt[1] & ~(PTE_A | PTE_D), pte(a, PTE_P | PTE_RW | PTE_US_ADDED));
	EXPECT_EQ(region(1), MAGIC_A);
	v = pt[1];
	rax = 0x1234;
	asm volatile("lock cmpxchgq %%rsi, (%%rdi)\n\tpushfq\n\tpopq %1"
		     : "+a"(rax), "=r"(rflags)
		     : "D"(&pt[1]), "S"(pte(b, PTE_P)) : "memory", "cc");
	EXPECT(!(rflags & RFLAGS_ZF));
	EXPECT_EQ(rax, v);
	EXPECT_EQ(pt[1], v);

	/* lock andb $~RW: ptep_set_wrprotect */
	asm volatile("lock andb $0xfd, (%%rdi)" : : "D"(&pt[1]) : "memory");
	EXPECT_EQ(pt[1], v & ~PTE_RW);
	/* lock btr $5: ptep_test_and_clear_young; the CPU set Accessed on use */
	region(1);
	asm volatile("lock btrq $5, (%%rdi)\n\tpushfq\n\tpopq %0"
		     : "=r"(rflags) : "D"(&pt[1]) : "memory", "cc");
	EXPECT(rflags & 1);			/* CF: it was set */
	EXPECT(!(pt[1] & PTE_A));
	/* bts $1: writable again; lock or $0x40: Dirty */
	asm volatile("btsq $1, (%%rdi)" : : "D"(&pt[1]) : "memory");
	asm volatile("lock orq $0x40, (%%rdi)" : : "D"(&pt[1]) : "memory");
	EXPECT_EQ(pt[1] & ~PTE_A, pte(a, PTE_P | PTE_RW | PTE_US_ADDED | PTE_D));
	EXPECT_EQ(mmuext1(MMUEXT_INVLPG_LOCAL, REGION + GUEST_PAGE_SIZE, 0), 0);
	*(volatile u64 *)(REGION + GUEST_PAGE_SIZE + 8) = 42;	/* really writable */

	/* A 4-byte store into the upper half: NX */
	v = pt[1];
	asm volatile("movl %%eax, 4(%%rdi)"
		     : : "D"(&pt[1]), "a"((u32)(v >> 32) | 0x80000000u) : "memory");
	EXPECT_EQ(pt[1], v | PTE_NX);
	/* A 1-byte store: present, user, accessed only (read-only) */
	asm volatile("movb $0x25, (%%rdi)" : : "D"(&pt[1]) : "memory");
	EXPECT_EQ(pt[1], ((v | PTE_NX) & ~0xffUL) | 0x25);
	EXPECT_EQ(region(1), MAGIC_A);
}

/* A store that must be refused: a #PF at it, and the entry left as it was. */
static void refused(const char *what, int i, u64 val)
{
	u64 before = pt[i], at;

	trap_record_reset();
	at = TRAP_EXPECT("movq %1, (%2)", "r"(val), "r"(&pt[i]));
	if (trap_count != 1 || trap_last.vector != 14)
		test_fail("%s: no page fault (%lu traps, vector %u)", what, trap_count,
			  trap_last.vector);
	else if (trap_last.rip != at || (trap_last.error_code & 3) != 3 ||
		 trap_last.cr2 != (u64)&pt[i])
		test_fail("%s: #PF at %#lx error %#lx cr2 %#lx", what, trap_last.rip,
			  trap_last.error_code, trap_last.cr2);
	EXPECT_EQ(pt[i], before);
}

static void refusals(const struct start_info *si)
{
	struct xen_machphys_mapping m;
	u64 at;

	ASSERT_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mapping, &m), 0);
	refused("a hypervisor frame", 2, pte(HV_MFN, PTE_P));
	refused("a frame beyond RAM", 2, pte(m.max_mfn + 1, PTE_P));
	refused("the L1 itself, writable", 2, pte(l1, PTE_P | PTE_RW));
	refused("cache attributes", 2, pte(a, PTE_P | PTE_PCD));

	/* An instruction the assist does not emulate */
	trap_record_reset();
	at = TRAP_EXPECT("addq %1, (%2)", "r"(pte(a, PTE_P)), "r"(&pt[3]));
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.rip, at);
	EXPECT_EQ(pt[3], 0);

	/* The L4 is never written directly */
	trap_record_reset();
	TRAP_EXPECT("movq %1, (%2)", "r"(*(const u64 *)si->pt_base), "r"(si->pt_base));
	EXPECT_EQ(trap_count, 1);
	EXPECT_EQ(trap_last.vector, 14);

	/* With the assist off, even a good entry faults */
	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables), 0);
	refused("with the assist off", 2, pte(a, PTE_P));
	EXPECT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
}

void test_main(const struct start_info *si)
{
	u64 l2e = entry_maddr((void *)REGION, 2);
	u64 *w;

	traps_init();
	if (!shared_info_map())		/* for the CR2 the page faults report */
		test_error("cannot map shared_info");
	a = spare_mfn(0, NULL);
	b = spare_mfn(1, NULL);
	l1 = spare_mfn(2, NULL);
	w = (u64 *)pt_page;
	ASSERT_EQ(window_map(pt_page, a, PTE_FLAGS), 0);
	w[0] = MAGIC_A;
	ASSERT_EQ(window_map(pt_page, b, PTE_FLAGS), 0);
	w[0] = MAGIC_B;
	frame_zero(pt_page, l1);

	ASSERT(l2e != 0);
	ASSERT_EQ(entry_read(l2e), 0);
	ASSERT_EQ(pin(1, l1), 0);
	ASSERT_EQ(mmu1(l2e | MMU_NORMAL_PT_UPDATE, pte(l1, PTE_P | PTE_RW | PTE_A)), 0);
	ASSERT_EQ(window_map(pt_page, l1, PTE_P | PTE_A), 0);	/* read-only */
	ASSERT_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);

	stores();
	refusals(si);

	/* Clean up: the entries, the L2 slot, the pin; the window gets its page back. */
	for (int i = 0; i < 4; i++)
		asm volatile("movq $0, (%%rdi)" : : "D"(&pt[i]) : "memory");
	EXPECT_EQ(mmu1(l2e | MMU_NORMAL_PT_UPDATE, 0), 0);
	EXPECT_EQ(unpin(l1), 0);
	window_restore(pt_page);
}
