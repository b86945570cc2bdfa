/*
 * smp_switcher: the switcher's slices and guest views with fast-mode
 * vCPUs on several CPUs (hv/pv/switcher.c). Fast mode only.
 *
 * Each CPU has its own slice of L4 slot 271 at SW_PAGE_VA(cpu, page)
 * (layout.h), and each CPU's guest view (the copy of the vCPU's L4 the CPU
 * walks while a fast-mode guest runs) maps that CPU's slice alone: the
 * writable pages of a slice (data page, entry stack, IST stacks) hold the
 * exit frames of whatever vCPU ran there last, so a guest that reached
 * another CPU's slice could read or corrupt another domain's frames while
 * that CPU's switcher uses them. Checked here from both vCPUs of one
 * domain, by reads and writes the #PF handler survives:
 *   - of the 32 slices' code pages, each vCPU reads exactly one (its
 *     CPU's), every time it looks;
 *   - the data page and the entry stack of every other slice fault on a
 *     read and on a write, not present;
 *   - while both vCPUs run at once (a ping-pong of ROUNDS rounds with no
 *     hypercall in between: on one CPU each turn would need a timer
 *     preemption), the slices they see differ: two CPUs, two slices. On
 *     one CPU they never differ and the result is SKIP for that part; the
 *     runner (check_smp_switcher) requires the "two slices" line on the
 *     boots of several CPUs.
 * Then the guest view's copy of an L4 is kept in step with every entry
 * written (switcher_l4_changed): vCPU 0 installs a 1 GiB region at L4
 * slot 5 of the L4 both vCPUs run on (mmu_update of an L4 entry), and
 * vCPU 1, running on its own CPU all along, must read it at once; vCPU 0
 * removes the entry and flushes every TLB (MMUEXT_TLB_FLUSH_ALL, the
 * guest's duty): vCPU 1's read must fault (a stale copy would keep an L3
 * the hypervisor no longer counts as referenced, whose frame could become
 * writable); a new region at the same slot: vCPU 1 reads its content.
 * With the copy updated on the writer's CPU only, vCPU 1 faults on the
 * first read (checked by hand: tests/mutate/smpf.checks).
 */
#include "guest.h"
#include "memory.h"
#include "mmu.h"
#include "smp.h"
#include "traps.h"
#include "layout.h"

const char test_title[] = "each CPU's guest view maps its own switcher slice only; an L4 entry written on one CPU reaches the others' guest views";

#define PF_P		1UL
#define PF_W		2UL
#define ROUNDS		50
#define REGION_SLOT	5
#define MARK_A		0x5111ce0a5111ce0aUL
#define MARK_B		0x5111ce0b5111ce0bUL

/* One access that may fault: 0, or 1 (the #PF handler skips it). */
int probe_read(const volatile u64 *p, u64 *v);
int probe_write(volatile u64 *p, u64 v);
extern const char probe_read_insn[], probe_read_fault[], probe_write_insn[],
	probe_write_fault[];
asm(".pushsection .text\n"
    ".globl probe_read, probe_write\n"
    "probe_read:\n"
    "probe_read_insn:\n\t"
    "movq (%rdi), %rax\n\t"
    "movq %rax, (%rsi)\n\t"
    "xorl %eax, %eax\n\t"
    "ret\n"
    "probe_read_fault:\n\t"
    "movl $1, %eax\n\t"
    "ret\n"
    "probe_write:\n"
    "probe_write_insn:\n\t"
    "movq %rsi, (%rdi)\n\t"
    "xorl %eax, %eax\n\t"
    "ret\n"
    "probe_write_fault:\n\t"
    "movl $1, %eax\n\t"
    "ret\n"
    ".popsection");

static volatile u64 pf_err[SMP_MAX_VCPUS], pf_cr2[SMP_MAX_VCPUS];

static void on_pf(struct trap_frame *f)
{
	unsigned int id = smp_id();

	if (f->rip == (u64)probe_read_insn)
		f->rip = (u64)probe_read_fault;
	else if (f->rip == (u64)probe_write_insn)
		f->rip = (u64)probe_write_fault;
	else {
		trap_default_handler(f);
		return;
	}
	pf_err[id] = f->error_code;
	pf_cr2[id] = f->cr2;
}

/* The one slice whose code this vCPU can read; -1 (and a FAIL) if not one. */
static int my_slice(unsigned int id)
{
	unsigned int n = 0;
	int found = -1;
	u64 v;

	for (unsigned int c = 0; c < SW_NR_SLICES; c++) {
		if (!probe_read((const u64 *)SW_PAGE_VA(c, SW_TEXT_PAGE), &v)) {
			n++;
			found = (int)c;
		}
	}
	if (n != 1) {
		test_fail("vCPU %u reads the code page of %u slices (the last %d): its guest view must map its CPU's alone",
			  id, n, found);
		return -1;
	}
	return found;
}

/* Every page of the other slices this test names faults, for a read and a write. */
static void other_slices(unsigned int id, int mine)
{
	static const unsigned int pages[] = { SW_DATA_PAGE, SW_STACK_PAGE, SW_STACK_PAGE + 1,
					      SW_IST_PAGE + 3, SW_CONF_PAGE };
	unsigned int bad = 0;
	u64 v;

	for (unsigned int c = 0; c < SW_NR_SLICES; c++) {
		if ((int)c == mine)
			continue;
		for (unsigned int i = 0; i < ARRAY_SIZE(pages); i++) {
			volatile u64 *p = (volatile u64 *)(SW_PAGE_VA(c, pages[i]) + 0x800);

			if (!probe_read(p, &v)) {
				if (!bad++)
					test_fail("vCPU %u (slice %d) read slice %u's page %u: %#lx",
						  id, mine, c, pages[i], v);
			} else if (pf_err[id] & PF_P || pf_cr2[id] != (u64)p) {
				test_fail("vCPU %u: the read of %p: #PF error %#lx cr2 %#lx, expected not present there",
					  id, (void *)p, pf_err[id], pf_cr2[id]);
			}
			if (!probe_write(p, 0x5eed)) {
				if (!bad++)
					test_fail("vCPU %u (slice %d) wrote slice %u's page %u",
						  id, mine, c, pages[i]);
			} else if ((pf_err[id] & (PF_P | PF_W)) != PF_W) {
				test_fail("vCPU %u: the write of %p: #PF error %#lx, expected not present, write",
					  id, (void *)p, pf_err[id]);
			}
		}
	}
}

/* ---- The ping-pong: both vCPUs at once ---------------------------------------- */

static volatile u32 tok0, tok1, v1_ready;
static volatile int seen0[ROUNDS], seen1[ROUNDS];

/* Spin until *p == want, yielding now and then (one CPU: let the other run). */
static void spin_for(const volatile u32 *p, u32 want)
{
	unsigned long n = 0;

	while (*p != want) {
		if (++n % 200000 == 0)
			smp_yield();
		if (n > 200000UL * 2000) {
			test_fail("waited too long for %u (have %u)", want, *p);
			test_exit();
		}
	}
}

/* ---- The L4 entry: vCPU 1 reads what vCPU 0 maps -------------------------------- */

enum { PH_NONE, PH_READ, PH_EXIT };
static volatile u32 phase, phase_seq, ack_seq;
static volatile u64 v1_value;
static volatile int v1_fault;
static volatile u64 v1_err;

static void v1_main(unsigned int id, void *arg)
{
	int mine;

	(void)arg;
	WRITE_ONCE(v1_ready, 1);
	for (u32 r = 0; r < ROUNDS; r++) {
		spin_for(&tok0, r + 1);
		seen1[r] = my_slice(id);
		WRITE_ONCE(tok1, r + 1);
	}
	mine = my_slice(id);
	other_slices(id, mine);
	for (u32 seq = 1; ; seq++) {
		u64 v = 0;

		spin_for(&phase_seq, seq);
		if (READ_ONCE(phase) == PH_EXIT) {
			WRITE_ONCE(ack_seq, seq);
			return;
		}
		WRITE_ONCE(v1_fault, probe_read((const u64 *)((u64)REGION_SLOT << 39), &v));
		WRITE_ONCE(v1_err, pf_err[id]);
		WRITE_ONCE(v1_value, v);
		WRITE_ONCE(ack_seq, seq);
	}
}

/* vCPU 1 reads the region's first word: 0 and its value, or 1 (a fault). */
static int v1_read(u64 *value)
{
	u32 seq = phase_seq + 1;

	WRITE_ONCE(phase, PH_READ);
	WRITE_ONCE(phase_seq, seq);
	spin_for(&ack_seq, seq);
	*value = v1_value;
	return v1_fault;
}

static u64 page_a[GUEST_PAGE_SIZE / 8] __aligned(GUEST_PAGE_SIZE) = { MARK_A };
static u64 page_b[GUEST_PAGE_SIZE / 8] __aligned(GUEST_PAGE_SIZE) = { MARK_B };
static u8 window[GUEST_PAGE_SIZE] __aligned(GUEST_PAGE_SIZE);

static void l4_entry(void)
{
	u64 l4 = virt_to_mfn((const void *)start_info->pt_base);
	u64 slot = (l4 << 12) + REGION_SLOT * 8, v;
	unsigned int spare = 0;

	alias_region(window, &spare, REGION_SLOT, page_a, false);
	if (v1_read(&v))
		test_fail("vCPU 1 faulted (error %#lx) reading the region vCPU 0 had just mapped at L4 slot %d: its CPU's guest view missed the new L4 entry",
			  v1_err, REGION_SLOT);
	else if (v != MARK_A)
		test_fail("vCPU 1 read %#lx in the new region, expected %#lx", v, MARK_A);

	ASSERT_EQ(mmu1(slot, 0), 0);
	ASSERT_EQ(mmuext1(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
	if (!v1_read(&v))
		test_fail("vCPU 1 still reads %#lx at L4 slot %d after vCPU 0 cleared the entry and flushed every TLB: a stale guest view",
			  v, REGION_SLOT);

	alias_region(window, &spare, REGION_SLOT, page_b, false);
	if (v1_read(&v))
		test_fail("vCPU 1 faulted (error %#lx) reading the region mapped again at L4 slot %d",
			  v1_err, REGION_SLOT);
	else if (v != MARK_B)
		test_fail("vCPU 1 read %#lx in the region mapped again, expected %#lx (the first region's %#lx: a stale guest view)",
			  v, MARK_B, MARK_A);
	ASSERT_EQ(mmu1(slot, 0), 0);
	ASSERT_EQ(mmuext1(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0);
}

void test_main(const struct start_info *si)
{
	unsigned int concurrent = 0;
	int mine;

	(void)si;
	traps_init();
	trap_set_handler(14, on_pf);
	smp_init();
	SKIP_UNLESS_FAST("the switcher's slices");
	ASSERT_EQ(smp_nr_vcpus(), 2);
	ASSERT_EQ(vcpu_start(1, v1_main, NULL), 0);
	smp_wait(READ_ONCE(v1_ready), "vCPU 1 did not start");

	for (u32 r = 0; r < ROUNDS; r++) {
		seen0[r] = my_slice(0);
		WRITE_ONCE(tok0, r + 1);
		spin_for(&tok1, r + 1);
		if (seen0[r] >= 0 && seen1[r] >= 0 && seen0[r] != seen1[r])
			concurrent++;
	}
	mine = my_slice(0);
	other_slices(0, mine);
	l4_entry();
	WRITE_ONCE(phase, PH_EXIT);
	WRITE_ONCE(phase_seq, phase_seq + 1);
	smp_wait(vcpu_is_up(1) == 0, "vCPU 1 did not go down at the end");

	if (!concurrent)
		test_skip("the two vCPUs never ran at once (one CPU: both saw slice %d); other slices and the L4 entry checked",
			  mine);
	printk("smp_switcher: two slices: vCPU 0 on slice %d, vCPU 1 on slice %d in %u of %d rounds\n",
	       seen0[ROUNDS - 1], seen1[ROUNDS - 1], concurrent, ROUNDS);
}
