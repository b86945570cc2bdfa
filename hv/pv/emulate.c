/*
 * emulate.c - instructions a PV guest executes in ring 3 that fault there
 * and that the hypervisor emulates.
 *
 * Runs in: hypervisor, on a #GP or #UD from the guest, interrupts off.
 * Trusts: nothing; the instruction is fetched and decoded by pv/insn.c
 * from guest memory, results are stored through the guest's own page
 * tables (core/guest_access.c), and whatever this file does not recognise
 * goes back to the guest as the fault it was.
 *
 * A guest kernel runs in ring 3, so instructions that need ring 0 fault.
 * Most of them Linux replaces with hypercalls (its pv-ops), but a few it
 * still executes and expects to work: the very first instruction of
 * startup_xen is a raw wrmsr of GS_BASE, before any trap handler exists;
 * cpuid arrives with the "forced emulation" prefix (ud2; .ascii "xen") so
 * the hypervisor can filter what the guest sees; the control-register
 * reads at boot; rdmsr/wrmsr of a handful of MSRs. Port I/O and cli/sti
 * run as the guest's virtual IOPL allows, in either guest mode. The five
 * instructions CR4.UMIP stops in ring 3 (sgdt, sidt, sldt, str, smsw) are
 * emulated for guest kernel and guest user mode alike (pv/umip.c). And
 * software interrupts: "int $n" always faults (every IDT gate but #BP/#OF
 * has DPL 0), and is delivered to the guest's handler for n if its DPL
 * allows.
 */
#include "hv.h"
#include "layout.h"
#include "vaddr.h"
#include "version.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "mm/segdesc.h"
#include "pv/bounce.h"
#include "pv/emulate.h"
#include "pv/insn.h"
#include "pv/mode.h"
#include "pv/traps.h"
#include "pv/umip.h"
#include "x86/cpu.h"
#include "x86/cpu_setup.h"
#include "x86/desc.h"
#include "x86/segments.h"
#include "x86/percpu.h"
#include "x86/traps.h"
#include "pvabi/cpuid.h"
#include "pvabi/errno.h"
#include "pvabi/physdev.h"
#include "pvabi/version.h"
#include "pvabi/xen.h"

#define MSR_TSC			0x10
#define MSR_APIC_BASE		0x1b
#define MSR_UCODE_REV		0x8b
#define MSR_MISC_ENABLE		0x1a0

#define GUEST_CR4		(X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)	/* always seen */
#define CPUID_1_EDX_DE		(1u << 2)

/* ---- CPUID policy ---------------------------------------------------- */

struct cpuid_regs {
	u32 a, b, c, d;
};

/* Leaf 1: hide what a PV guest cannot use or must not believe it has. */
static void policy_leaf1(struct cpuid_regs *r)
{
	r->b &= 0x00ffffff;		/* APIC ID */
	r->c &= ~((1u << 3) |		/* MONITOR */
		  (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) |
					/* DS-CPL, VMX, SMX, EIST, TM2 */
		  (1u << 12) |		/* FMA (needs XSAVE) */
		  (1u << 15) |		/* PDCM */
		  (1u << 17) |		/* PCID */
		  (1u << 21) |		/* x2APIC */
		  (1u << 24) |		/* TSC deadline */
		  (1u << 26) | (1u << 27) |	/* XSAVE, OSXSAVE: xsetbv would trap */
		  (1u << 28) | (1u << 29));	/* AVX, F16C (need XSAVE) */
	r->c |= 1u << 31;		/* running on a hypervisor */
	r->d &= ~((1u << 1) |		/* VME */
		  (1u << 3) |		/* PSE: no superpages for PV */
		  (1u << 7) |		/* MCE */
		  (1u << 12) |		/* MTRR */
		  (1u << 13) |		/* PGE */
		  (1u << 14) |		/* MCA */
		  (1u << 17) |		/* PSE36 */
		  (1u << 21) | (1u << 22) |	/* DS, ACPI */
		  (1u << 29) | (1u << 31));	/* TM, PBE */
}

static void policy_leaf7(struct cpuid_regs *r, u32 subleaf)
{
	/* Keep plain user-level instruction extensions only. */
	const u32 keep_b = (1u << 3) | (1u << 8) | (1u << 9) | (1u << 18) |
			   (1u << 19) | (1u << 23) | (1u << 24);
	/* BMI1, BMI2, ERMS, RDSEED, ADX, CLFLUSHOPT, CLWB. Hidden: FSGSBASE,
	 * SMEP, SMAP, INVPCID, AVX2 (needs XSAVE), UMIP, PKU, LA57, RDPID. */
	if (subleaf != 0) {
		r->a = r->b = r->c = r->d = 0;
		return;
	}
	r->b &= keep_b;
	r->c = 0;
	r->d = 0;
}

static void policy_hypervisor_leaf(u32 leaf, struct cpuid_regs *r)
{
	r->a = r->b = r->c = r->d = 0;
	switch (leaf - XEN_CPUID_FIRST_LEAF) {
	case 0:
		r->a = XEN_CPUID_LEAF(XEN_CPUID_MAX_NUM_LEAVES);
		r->b = XEN_CPUID_SIGNATURE_EBX;
		r->c = XEN_CPUID_SIGNATURE_ECX;
		r->d = XEN_CPUID_SIGNATURE_EDX;
		break;
	case 1:
		r->a = (XEN_COMPAT_MAJOR << 16) | XEN_COMPAT_MINOR;
		break;
	case 2:
		r->a = 1;			/* hypercall pages */
		r->b = 0x40000000;		/* MSR base (unused by PV) */
		if (PVISOR_FEATURES & (1u << XENFEAT_mmu_pt_update_preserve_ad))
			r->c = XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD;
		break;
	default:
		break;	/* 3: TSC mode, 4: HVM only, 5: grant v2 width: all 0 */
	}
}

/* What the guest sees for CPUID leaf/subleaf. */
void pv_cpuid(u32 leaf, u32 subleaf, u32 out[4])
{
	struct cpuid_regs r;

	if ((leaf & 0xffff0000) == 0x40000000) {
		policy_hypervisor_leaf(leaf, &r);
		if (leaf > XEN_CPUID_LEAF(XEN_CPUID_MAX_NUM_LEAVES))
			r.a = r.b = r.c = r.d = 0;
	} else {
		cpuid(leaf, subleaf, &r.a, &r.b, &r.c, &r.d);
		switch (leaf) {
		case 1: policy_leaf1(&r); break;
		case 5: case 6: case 0xa: case 0xd:
			r.a = r.b = r.c = r.d = 0;	/* MWAIT, power, PMU, XSAVE */
			break;
		case 7: policy_leaf7(&r, subleaf); break;
		case 0x80000001:
			r.c &= ~(1u << 2);		/* SVM */
			r.d &= ~((1u << 26) | (1u << 27));	/* 1G pages, RDTSCP */
			break;
		default: break;
		}
	}
	out[0] = r.a, out[1] = r.b, out[2] = r.c, out[3] = r.d;
}

/*H:650 Instructions that need ring 0
 * CPUID does not fault, so the guest marks the ones it wants filtered with
 * the "ud2; .ascii xen" prefix; the resulting #UD lands here, and gets an
 * emulated, filtered CPUID. rdmsr, wrmsr, mov to and from control
 * registers and port I/O fault with #GP and are emulated further down,
 * just enough for Linux.
 */
bool pv_emulate_forced_cpuid(struct cpu_regs *r)
{
	static const u8 sig[7] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
	u8 code[INSN_MAX_LEN];
	u32 out[4];

	if (insn_fetch(r->rip, code) < sizeof(sig) || memcmp(code, sig, sizeof(sig)))
		return false;
	pv_cpuid((u32)r->rax, (u32)r->rcx, out);
	r->rax = out[0], r->rbx = out[1], r->rcx = out[2], r->rdx = out[3];
	r->rip += sizeof(sig);
	current->domain->stats.emul_cpuid++;
	return true;
}

/* ---- MSRs ------------------------------------------------------------ */

static bool read_msr(struct vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_EFER:
		*val = rdmsr(msr);
		return true;
	case MSR_TSC:
		*val = rdtsc();
		return true;
	case MSR_APIC_BASE:
		*val = 0xfee00000 | (1u << 11) | (v->id == 0 ? 1u << 8 : 0);
		return true;
	case MSR_UCODE_REV:
		*val = 0;
		return true;
	case MSR_MISC_ENABLE:
		*val = (1u << 0) | (1u << 11) | (1u << 12);	/* no BTS/PEBS */
		return true;
	case MSR_PAT:
		*val = CPU_PAT;		/* Xen's, and the one in force (x86/cpu.c) */
		return true;
	case MSR_DEBUGCTL:	/* the one in force (x86/cpu.c): no LBR, no BTF */
		*val = 0;	/* Xen 4.17: only with msr_relaxed (pvabi/README.md) */
		return true;
	default:
		/* Before the guest has a #GP handler, unknown reads give 0. */
		if (!v->trap_ctxt[13].address) {
			*val = 0;
			return true;
		}
		return false;
	}
}

static bool write_msr(struct vcpu *v, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		if (!canonical_va(val))
			return false;
		wrmsr(msr, val);
		return true;
	case MSR_EFER:
		return val == rdmsr(MSR_EFER);	/* writing back what was read */
	case MSR_MISC_ENABLE:
	case MSR_UCODE_REV:
	case MSR_STAR: case MSR_LSTAR: case MSR_CSTAR: case MSR_SYSCALL_MASK:
		return true;			/* ignored, as Xen does */
	default:
		(void)v;
		return false;
	}
}

/* ---- decoding ---------------------------------------------------------- */

/*
 * The mode of the guest code that faulted: 64-bit (the ABI's flat CS, or
 * a guest segment with L set), compatibility mode with a 32-bit segment,
 * or -1: 16-bit code, or a CS that LAR cannot read, which nothing here
 * decodes (its fault goes back to the guest as it was).
 */
int pv_insn_mode(const struct cpu_regs *r)
{
	u16 cs = (u16)r->cs;
	u32 ar;

	if (cs == FLAT_RING3_CS64)
		return INSN_MODE_64;
	if (cs == FLAT_RING3_CS32)
		return INSN_MODE_32;
	if (segment_lar(cs, &ar) != 1 || !(ar & AR_TYPE_CODE))
		return -1;
	if (segdesc_code_is_64bit(ar))
		return INSN_MODE_64;
	return (ar & AR_DB) ? INSN_MODE_32 : -1;
}

/* The instruction at the guest's RIP, fetched and decoded (pv/insn.c). */
static bool decode_at_rip(const struct cpu_regs *r, struct insn *in)
{
	u8 code[INSN_MAX_LEN];
	int mode = pv_insn_mode(r);
	unsigned n;

	if (mode < 0)
		return false;
	n = insn_fetch(r->rip, code);
	return n && !insn_decode(code, n, (enum insn_mode)mode, in);
}

/* The guest's virtual CR0: the real one, with its own TS. */
static u64 guest_cr0(const struct vcpu *v)
{
	return (read_cr0() & ~X86_CR0_TS) | (v->vcr0_ts ? X86_CR0_TS : 0);
}

/*
 * A write of the guest's virtual CR4, by Xen's rules (pv_fixup_guest_cr4):
 * it never faults; the guest chooses the bits of PV_CR4_GUEST_MASK (TSD,
 * DE, FSGSBASE, OSXSAVE) its CPUID allows, and always sees the
 * hypervisor's PAE, OSFXSR and OSXMMEXCPT (MCE too on Xen, where the
 * hypervisor has it). Of the four, pvisor grants DE, which it emulates
 * entirely (I/O breakpoints and DR4/DR5, pv/debugreg.c), where CPUID shows
 * DE. Its CPUID hides FSGSBASE and XSAVE, so Xen's rule grants neither;
 * TSD it does not offer (the real CR4.TSD would have to follow the vCPU
 * and rdtsc be emulated in guest kernel mode): pvabi/README.md.
 */
static u64 guest_cr4(u64 val)
{
	u32 leaf1[4];
	u64 choosable = 0;

	pv_cpuid(1, 0, leaf1);
	if (leaf1[3] & CPUID_1_EDX_DE)
		choosable |= X86_CR4_DE;
	return (val & choosable) | GUEST_CR4;
}

/* What became of an emulated mov to or from a control or debug register. */
enum mov_result { MOV_FAULT_GP, MOV_DONE, MOV_FAULT_UD };

/* mov from CRn: false for a register the guest may not read. */
static bool read_cr(const struct vcpu *v, int crn, u64 *val)
{
	switch (crn) {
	case 0: *val = guest_cr0(v); return true;
	case 2: *val = v->vcpu_info->arch.cr2; return true;
	case 3: *val = v->cr3_kernel << PAGE_SHIFT; return true;
	case 4: *val = v->vcr4; return true;
	default: return false;
	}
}

/* mov to CRn: false for a register or a value the guest may not write. */
static bool write_cr(struct vcpu *v, int crn, u64 val)
{
	switch (crn) {
	case 0:		/* only TS may change: it is fpu_taskswitch */
		if ((val ^ read_cr0()) & ~X86_CR0_TS)
			return false;
		do_fpu_taskswitch(!!(val & X86_CR0_TS), 0, 0, 0, 0);
		return true;
	case 2:
		v->vcpu_info->arch.cr2 = val;
		return true;
	case 4:
		v->vcr4 = guest_cr4(val);
		return true;
	default:
		return false;
	}
}

/*
 * mov to/from CRn or DRn: 0F 20-23, always a register operand (the CPU
 * ignores ModRM.mod); 64-bit registers, 32-bit ones in compatibility
 * mode. The debug registers follow Xen's set_debugreg()/read_dr
 * (pv/debugreg.c): a value it refuses is #GP, a register that does not
 * exist (DR4/DR5 with CR4.DE) #UD.
 */
static enum mov_result emulate_mov_cr_dr(struct vcpu *v, struct cpu_regs *r,
					 const struct insn *in)
{
	int n = in->reg;			/* with REX.R: CR8 and up */
	unsigned size = in->mode == INSN_MODE_64 ? 8 : 4;
	u64 *reg = insn_gpr(r, in->rm), val = size == 8 ? *reg : (u32)*reg;
	int rc;

	if (n > 7)
		return MOV_FAULT_GP;
	switch (in->op) {
	case INSN_OP_0F(0x20):	/* mov crN, reg */
		if (!read_cr(v, n, &val))
			return MOV_FAULT_GP;
		insn_reg_write(reg, size, val);
		return MOV_DONE;
	case INSN_OP_0F(0x22):	/* mov reg, crN */
		return write_cr(v, n, val) ? MOV_DONE : MOV_FAULT_GP;
	case INSN_OP_0F(0x21):	/* mov drN, reg */
		rc = dbg_get(&v->dbg, (u64)n, pv_cr4_de(v), &val);
		if (rc == 0)
			insn_reg_write(reg, size, val);
		break;
	default:		/* 0F 23: mov reg, drN */
		rc = (int)pv_set_debugreg(v, (u64)n, val);
		break;
	}
	return rc == 0 ? MOV_DONE : rc == -XEN_ENODEV ? MOV_FAULT_UD : MOV_FAULT_GP;
}

/*
 * Port I/O: allowed when the virtual IOPL allows it (bounce.c:pv_iopl_ok).
 * A read gives all ones (no devices), as wide as the instruction (a 32-bit
 * in clears the upper half of RAX, as on the CPU); writes are dropped.
 * RIP moves past the instruction, and then an I/O breakpoint on the port
 * (CR4.DE, pv/debugreg.c) raises #DB, a trap, as on bare metal and Xen.
 */
static bool emulate_port_io(struct vcpu *v, struct cpu_regs *r,
			    const struct insn *in, u32 port)
{
	u8 op = (u8)in->op;
	u32 size = (op & 1) ? (in->opsize == 2 ? 2 : 4) : 1;
	u32 hit;

	if (!pv_iopl_ok(v))
		return false;
	if (!(op & 2))				/* E4, E5, EC, ED: in */
		insn_reg_write(&r->rax, size, ~0ULL);
	r->rip += in->len;
	hit = dbg_io_match(&v->dbg, pv_cr4_de(v), port, size);
	if (hit) {
		v->dbg.dr6 |= hit | DR6_DEFAULT;
		pv_inject_trap(r, 1, false, 0);
	}
	return true;
}

/*
 * Store an emulated result into the instruction's memory operand as the
 * guest's own store would go: at base + index * scale + disp (+ the FS or
 * GS base under that override), a non-canonical address (or one whose
 * last byte wraps past 2^64) is #GP(0), #SS(0) through the stack segment;
 * then byte by byte through the guest's page tables, and where they
 * refuse, #PF at the first byte not written with the CPU's error code as
 * the guest would see it (an address in the hypervisor's range: present,
 * write). Returns true when stored, false when it delivered the fault.
 * Bytes before a page that faults stay written, as with Linux's own UMIP
 * emulation (a CPU writes none).
 */
static bool store_operand(struct vcpu *v, struct cpu_regs *r, const struct insn *in,
			  const void *buf, unsigned len)
{
	u64 seg = in->seg == INSN_SEG_FS ? rdmsr(MSR_FS_BASE) :
		  in->seg == INSN_SEG_GS ? rdmsr(MSR_GS_BASE) : 0;
	u64 va = insn_address(in, r, seg), last = va + len - 1, at, err;

	if (!canonical_va(va) || !canonical_va(last) || last < va) {
		pv_inject_trap(r, insn_stack_segment(in) ? 12 : 13, true, 0);
		return false;
	}
	if (!copy_to_guest_fault(va, buf, len, &at))
		return true;
	if (guest_range_ok(at, 1))
		err = PFEC_WRITE | (this_cpu()->fixup_error & (PFEC_PRESENT | PFEC_RSVD));
	else
		err = PFEC_WRITE | PFEC_PRESENT;
	v->vcpu_info->arch.cr2 = at;
	pv_inject_trap(r, 14, true, guest_pf_error(v, err));
	return false;
}

/*
 * sgdt, sidt, sldt, str, smsw: #GP(0) in ring 3 under CR4.UMIP, from
 * guest kernel and guest user mode alike; emulated with values that say
 * nothing of the hypervisor (pv/umip.c).
 */
static bool emulate_umip(struct vcpu *v, struct cpu_regs *r, const struct insn *in)
{
	const struct umip_view view = {
		.cr0 = guest_cr0(v),
		.gdt_limit = desc_gdt_limit(),
		.idt_limit = desc_idt_limit(),
		.ldtr = v->ldt_ents ? HV_LDT : 0,
		.tr = HV_TSS,
	};
	struct umip_result res;

	if (!umip_emulate(in, &view, &res))
		return false;
	if (res.to_reg)
		insn_reg_write(insn_gpr(r, res.reg), res.size, res.value);
	else if (!store_operand(v, r, in, res.bytes, res.size))
		return true;		/* the guest has the fault its store would take */
	r->rip += in->len;
	return true;
}

/* The privileged instructions of guest kernel mode. */
static bool emulate_kernel_op(struct vcpu *v, struct cpu_regs *r,
			      const struct insn *in)
{
	u64 val;

	switch (in->op) {
	case INSN_OP_0F(0x30):	/* wrmsr */
		if (!write_msr(v, (u32)r->rcx, (r->rdx << 32) | (u32)r->rax))
			return false;
		break;
	case INSN_OP_0F(0x32):	/* rdmsr */
		if (!read_msr(v, (u32)r->rcx, &val))
			return false;
		r->rax = (u32)val;
		r->rdx = val >> 32;
		break;
	case INSN_OP_0F(0x06):	/* clts */
		do_fpu_taskswitch(0, 0, 0, 0, 0);
		break;
	case INSN_OP_0F(0x08): case INSN_OP_0F(0x09):	/* invd, wbinvd: nothing for a domU */
		break;
	case INSN_OP_0F(0x20): case INSN_OP_0F(0x21):
	case INSN_OP_0F(0x22): case INSN_OP_0F(0x23):
		switch (emulate_mov_cr_dr(v, r, in)) {
		case MOV_DONE:
			break;
		case MOV_FAULT_UD:
			pv_inject_trap(r, 6, false, 0);
			return true;
		default:
			return false;
		}
		break;
	default:
		return false;
	}
	r->rip += in->len;
	return true;
}

/*
 * #GP with error code 0 from the guest: try the instructions a PV guest
 * may execute and have emulated. Returns true if emulated (RIP advanced)
 * or if emulating delivered another fault; false: the #GP is the guest's.
 */
bool pv_emulate_priv_op(struct cpu_regs *r)
{
	struct vcpu *v = current;
	struct insn in;

	if (!decode_at_rip(r, &in))
		return false;
	switch (in.op) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:	/* in/out imm8 */
		return emulate_port_io(v, r, &in, (u8)in.imm);
	case 0xec: case 0xed: case 0xee: case 0xef:	/* in/out dx */
		return emulate_port_io(v, r, &in, (u16)r->rdx);
	case 0xfa: case 0xfb:				/* cli, sti */
		if (!pv_iopl_ok(v))
			return false;
		r->rip += in.len;			/* no effect on the event mask */
		return true;
	case INSN_OP_0F(0x00): case INSN_OP_0F(0x01):	/* UMIP: any mode */
		return emulate_umip(v, r, &in);
	default:
		break;
	}
	if (!pv_in_kernel(v))
		return false;
	return emulate_kernel_op(v, r, &in);
}

/*
 * #GP from "int $n": deliver vector n if the guest's trap table allows it
 * from the current mode (DPL >= 1 from the kernel, 3 from user). The CPU's
 * error code says n, but QEMU 7.2 reports n*16+2 instead of n*8+2
 * (docs/design.md §9.1), so n comes from decoding "cd ib" at RIP.
 * Returns true if delivered; *errcode gets the #GP error code the guest
 * should see otherwise.
 */
bool pv_emulate_int(struct cpu_regs *r, u64 *errcode)
{
	struct vcpu *v = current;
	struct insn in;
	unsigned n;
	int dpl;

	if (!decode_at_rip(r, &in) || in.op != 0xcd)
		return false;
	n = (u8)in.imm;
	*errcode = ((u64)n << 3) | 2;
	dpl = v->trap_ctxt[n].flags & 3;
	if (!v->trap_ctxt[n].address || dpl < pv_guest_cpl(v))
		return false;
	r->rip += in.len;	/* a software interrupt returns after itself */
	pv_bounce(r, v->trap_ctxt[n].address, false, 0, TI_GET_IF(&v->trap_ctxt[n]));
	return true;
}

/*
 * do_physdev_op - only PHYSDEVOP_set_iopl {iopl}: the virtual IOPL that
 * decides whether port I/O and cli/sti are emulated (reads give all ones,
 * writes are dropped: a domU owns no devices). Returns 0, -EINVAL for
 * iopl > 3, -EFAULT; other commands -ENOSYS.
 */
long do_physdev_op(u64 cmd, u64 arg, u64 a3, u64 a4, u64 a5)
{
	struct physdev_set_iopl si;

	(void)a3, (void)a4, (void)a5;
	if (cmd != PHYSDEVOP_set_iopl)
		return -XEN_ENOSYS;
	if (copy_from_guest(&si, arg, sizeof(si)))
		return -XEN_EFAULT;
	if (si.iopl > 3)
		return -XEN_EINVAL;
	current->iopl = (u8)si.iopl;
	return 0;
}
