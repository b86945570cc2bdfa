/*
 * emulate.c - privileged instructions a PV kernel executes in ring 3.
 *
 * Runs in: hypervisor, on a #GP or #UD from the guest, interrupts off.
 * Trusts: nothing; instruction bytes are read with copy_from_guest, and
 * whatever this file does not recognise goes back to the guest as the
 * fault it was.
 *
 * A guest kernel runs in ring 3, so instructions that need ring 0 fault.
 * Most of them Linux replaces with hypercalls (its pv-ops), but a few it
 * still executes and expects to work: the very first instruction of
 * startup_xen is a raw wrmsr of GS_BASE, before any trap handler exists;
 * cpuid arrives with the "forced emulation" prefix (ud2; .ascii "xen") so
 * the hypervisor can filter what the guest sees; the control-register
 * reads at boot; rdmsr/wrmsr of a handful of MSRs. And software interrupts:
 * "int $n" always faults (every IDT gate but #BP/#OF has DPL 0), and is
 * delivered to the guest's handler for n if its DPL allows.
 */
#include "hv.h"
#include "layout.h"
#include "version.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "pv/bounce.h"
#include "pv/emulate.h"
#include "pv/traps.h"
#include "x86/cpu.h"
#include "x86/cpu_setup.h"
#include "pvabi/cpuid.h"
#include "pvabi/errno.h"
#include "pvabi/physdev.h"
#include "pvabi/version.h"

#define MSR_TSC			0x10
#define MSR_APIC_BASE		0x1b
#define MSR_UCODE_REV		0x8b
#define MSR_MISC_ENABLE		0x1a0

#define CR0_TS_BIT		(1UL << 3)
#define GUEST_CR4		(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT)

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

/* #UD: "ud2; .ascii "xen"; cpuid" asks for an emulated, filtered CPUID. */
/*H:530 Instructions that need ring 0
 * CPUID does not fault, so the guest marks the ones it wants filtered with
 * the "ud2; .ascii xen" prefix; the resulting #UD lands here. rdmsr,
 * wrmsr, mov to and from control registers and port I/O fault with #GP
 * and are emulated further down, just enough for Linux.
 */
bool pv_emulate_forced_cpuid(struct cpu_regs *r)
{
	static const u8 sig[7] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };
	u8 insn[7];
	u32 out[4];

	if (copy_from_guest(insn, r->rip, sizeof(insn)) ||
	    memcmp(insn, sig, sizeof(sig)))
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
	bool canon = (u64)((s64)(val << 16) >> 16) == val;

	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		if (!canon)
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

struct insn {
	u8 bytes[15];
	int len;	/* bytes consumed so far */
	u8 rex;
	bool opsize;	/* 0x66 */
};

static u64 *gpr(struct cpu_regs *r, int n)
{
	switch (n) {
	case 0: return &r->rax;
	case 1: return &r->rcx;
	case 2: return &r->rdx;
	case 3: return &r->rbx;
	case 4: return &r->rsp;
	case 5: return &r->rbp;
	case 6: return &r->rsi;
	case 7: return &r->rdi;
	case 8: return &r->r8;
	case 9: return &r->r9;
	case 10: return &r->r10;
	case 11: return &r->r11;
	case 12: return &r->r12;
	case 13: return &r->r13;
	case 14: return &r->r14;
	default: return &r->r15;
	}
}

/* Read up to 15 bytes at RIP (fewer near the end of a mapping) and skip prefixes. */
static bool fetch(struct cpu_regs *r, struct insn *in)
{
	int n = 15;

	memset(in, 0, sizeof(*in));
	while (n > 0 && copy_from_guest(in->bytes, r->rip, (u64)n))
		n--;
	if (n == 0)
		return false;
	for (; in->len < n; in->len++) {
		u8 b = in->bytes[in->len];

		if (b == 0x66)
			in->opsize = true;
		else if (b != 0x67 && b != 0xf2 && b != 0xf3 && b != 0x2e &&
			 b != 0x36 && b != 0x3e && b != 0x26 && b != 0x64 && b != 0x65)
			break;
	}
	if (in->len < n && (in->bytes[in->len] & 0xf0) == 0x40)
		in->rex = in->bytes[in->len++];
	return in->len < n;
}

/* What became of an emulated mov to or from a control or debug register. */
enum mov_result { MOV_FAULT_GP, MOV_DONE, MOV_FAULT_UD };

/*
 * mov to/from CRn or DRn: 0f 20-23 with a register ModRM. The debug
 * registers follow Xen's set_debugreg()/read_dr (pv/debugreg.c): a value
 * it refuses is #GP, a register that does not exist (DR4/DR5 with CR4.DE)
 * #UD.
 */
static enum mov_result emulate_mov_cr_dr(struct vcpu *v, struct cpu_regs *r,
					 u8 op, u8 modrm, u8 rex)
{
	int crn = ((modrm >> 3) & 7) | ((rex & 4) << 1);	/* REX.R: CR8+ */
	u64 *reg = gpr(r, (modrm & 7) | ((rex & 1) << 3));	/* REX.B */
	u64 val;
	int rc;

	if ((modrm & 0xc0) != 0xc0 || crn > 7)
		return MOV_FAULT_GP;
	switch (op) {
	case 0x20:	/* mov crN, reg */
		if (crn == 0)
			*reg = (read_cr0() & ~CR0_TS_BIT) | (v->vcr0_ts ? CR0_TS_BIT : 0);
		else if (crn == 2)
			*reg = v->vcpu_info->arch.cr2;
		else if (crn == 3)
			*reg = v->cr3_kernel << PAGE_SHIFT;
		else if (crn == 4)
			*reg = v->vcr4;
		else
			return MOV_FAULT_GP;
		return MOV_DONE;
	case 0x22:	/* mov reg, crN */
		if (crn == 0) {
			/* Only TS may change: it is fpu_taskswitch. */
			if ((*reg ^ read_cr0()) & ~CR0_TS_BIT)
				return MOV_FAULT_GP;
			do_fpu_taskswitch(!!(*reg & CR0_TS_BIT), 0, 0, 0, 0);
		} else if (crn == 2) {
			v->vcpu_info->arch.cr2 = *reg;
		} else if (crn == 4) {
			v->vcr4 = *reg & GUEST_CR4;	/* stored filtered, never faults */
		} else {
			return MOV_FAULT_GP;
		}
		return MOV_DONE;
	case 0x21:	/* mov drN, reg */
		rc = dbg_get(&v->dbg, (u64)crn, pv_cr4_de(v), &val);
		if (rc == 0)
			*reg = val;
		break;
	case 0x23:	/* mov reg, drN */
		rc = (int)pv_set_debugreg(v, (u64)crn, *reg);
		break;
	default:
		return MOV_FAULT_GP;
	}
	return rc == 0 ? MOV_DONE : rc == -XEN_ENODEV ? MOV_FAULT_UD : MOV_FAULT_GP;
}

/*
 * Port I/O: allowed when the virtual IOPL allows it (bounce.c:pv_iopl_ok).
 * len is the instruction's length: RIP moves past it, and then an I/O
 * breakpoint on the port (CR4.DE, pv/debugreg.c) raises #DB, a trap, as
 * on bare metal and Xen.
 */
static bool emulate_port_io(struct vcpu *v, struct cpu_regs *r, u8 op,
			    bool opsize, u32 port, int len)
{
	u32 size = (op & 1) ? (opsize ? 2 : 4) : 1;
	u64 ones = size == 4 ? 0xffffffffULL : size == 2 ? 0xffffULL : 0xffULL;
	u32 hit;

	if (!pv_iopl_ok(v))
		return false;
	if (op == 0xe4 || op == 0xe5 || op == 0xec || op == 0xed)
		r->rax = (r->rax & ~ones) | ones;	/* no devices: all ones */
	r->rip += (u64)len;				/* writes are dropped */
	hit = dbg_io_match(&v->dbg, pv_cr4_de(v), port, size);
	if (hit) {
		v->dbg.dr6 |= hit | DR6_DEFAULT;
		pv_inject_trap(r, 1, false, 0);
	}
	return true;
}

/*
 * #GP with error code 0 from guest kernel mode: try the privileged
 * instructions a PV kernel may use. Returns true if emulated (RIP advanced).
 */
bool pv_emulate_priv_op(struct cpu_regs *r)
{
	struct vcpu *v = current;
	struct insn in;
	u8 op, op2;
	u64 val;

	if (!fetch(r, &in))
		return false;
	op = in.bytes[in.len];
	op2 = in.bytes[in.len + 1];
	switch (op) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:	/* in/out imm8 */
		return emulate_port_io(v, r, op, in.opsize, op2, in.len + 2);
	case 0xec: case 0xed: case 0xee: case 0xef:	/* in/out dx */
		return emulate_port_io(v, r, op, in.opsize, (u16)r->rdx, in.len + 1);
	case 0xfa: case 0xfb:				/* cli, sti */
		if (!pv_iopl_ok(v))
			return false;
		r->rip += (u64)in.len + 1;		/* no effect on the event mask */
		return true;
	case 0x0f:
		break;
	default:
		return false;
	}
	if (!v->kernel_mode)
		return false;
	switch (op2) {
	case 0x30:	/* wrmsr */
		if (!write_msr(v, (u32)r->rcx, (r->rdx << 32) | (u32)r->rax))
			return false;
		r->rip += (u64)in.len + 2;
		return true;
	case 0x32:	/* rdmsr */
		if (!read_msr(v, (u32)r->rcx, &val))
			return false;
		r->rax = (u32)val;
		r->rdx = val >> 32;
		r->rip += (u64)in.len + 2;
		return true;
	case 0x06:	/* clts */
		do_fpu_taskswitch(0, 0, 0, 0, 0);
		r->rip += (u64)in.len + 2;
		return true;
	case 0x08: case 0x09:	/* invd, wbinvd: nothing to do for a domU */
		r->rip += (u64)in.len + 2;
		return true;
	case 0x20: case 0x21: case 0x22: case 0x23:
		switch (emulate_mov_cr_dr(v, r, op2, in.bytes[in.len + 2], in.rex)) {
		case MOV_DONE:
			r->rip += (u64)in.len + 3;
			return true;
		case MOV_FAULT_UD:
			pv_inject_trap(r, 6, false, 0);
			return true;
		default:
			return false;
		}
	default:
		return false;
	}
}

/*
 * #GP from "int $n": deliver vector n if the guest's trap table allows it
 * from the current mode (DPL >= 1 from the kernel, 3 from user). The CPU's
 * error code says n, but QEMU 7.2 reports n*16+2 instead of n*8+2
 * (DESIGN.md section 9), so n comes from decoding "cd ib" at RIP.
 * Returns true if delivered; *errcode gets the #GP error code the guest
 * should see otherwise.
 */
bool pv_emulate_int(struct cpu_regs *r, u64 *errcode)
{
	struct vcpu *v = current;
	u8 insn[2];
	unsigned n;
	int dpl;

	if (copy_from_guest(insn, r->rip, 2) || insn[0] != 0xcd)
		return false;
	n = insn[1];
	*errcode = ((u64)n << 3) | 2;
	dpl = v->trap_ctxt[n].flags & 3;
	if (!v->trap_ctxt[n].address || dpl < (v->kernel_mode ? 1 : 3))
		return false;
	r->rip += 2;	/* a software interrupt returns after itself */
	pv_bounce(r, v->trap_ctxt[n].address, false, 0, v->trap_ctxt[n].flags & 4);
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
