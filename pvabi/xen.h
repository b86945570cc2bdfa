/*
 * pvabi/xen.h - the core of pvisor's guest ABI.
 *
 * pvisor speaks a binary-compatible subset of Xen's x86-64 PV ABI, so that
 * an unmodified Linux 6.1 Xen PV kernel (and Xen-style test kernels) boots
 * on it. This file holds what every other pvabi header builds on: the
 * hypercall numbers, the start-of-day structures a guest finds in memory
 * (start_info, shared_info, vcpu_info, vcpu_time_info), page-table update
 * requests, the trap table and iret frame, and the fixed x86-64 selectors
 * and address-space constants. Names, numbers and layouts are Xen's; the
 * text is ours. pvabi/README.md says which operations pvisor implements.
 *
 * Included by: the hypervisor, the test guests, host unit tests, and
 * assembly (constants only; structures are hidden under __ASSEMBLER__).
 *
 * Conventions used in every pvabi header:
 *  - x86-64 only. Fixed-width types only; Xen's "unsigned long" fields are
 *    uint64_t here, so a structure has the same layout wherever it is
 *    compiled.
 *  - A guest pointer inside a structure (Xen's XEN_GUEST_HANDLE) is a
 *    uint64_t holding a guest virtual address. The hypervisor never
 *    dereferences it directly: it goes through copy_from_guest() and
 *    copy_to_guest().
 *  - Each structure says who writes it (guest, hypervisor, or which field
 *    by whom), groups hypercall arguments as IN / OUT, ends with its size,
 *    and is followed by PVABI_CHECK_* lines pinning Xen's layout.
 *  - Padding that the compiler would insert is written out as pad fields,
 *    which a writer sets to zero.
 *  - No struct typedefs (Linux style): write struct start_info, not
 *    start_info_t. Scalar typedefs (domid_t, xen_pfn_t, ...) are kept.
 */
#ifndef PVABI_XEN_H
#define PVABI_XEN_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif
#include "abi-check.h"

/* A 64-bit constant that also assembles (no suffix in .S files). */
#ifdef __ASSEMBLER__
#define PVABI_UL(x)	x
#else
#define PVABI_UL(x)	x##UL
#endif

/*H:400 The hypercall calling convention
 * A hypercall is a `syscall` executed in guest kernel mode with the number
 * in rax and up to five arguments in rdi, rsi, rdx, r10, r8; the result
 * (0 or a positive value, or -XEN_E* on failure) comes back in rax. The
 * argument registers are clobbered. The numbers below are Xen's, and so
 * is every structure an argument points at. See README.md for the
 * semantics of each one and which pvisor implements.
 */
#define __HYPERVISOR_set_trap_table		0
#define __HYPERVISOR_mmu_update			1
#define __HYPERVISOR_set_gdt			2
#define __HYPERVISOR_stack_switch		3
#define __HYPERVISOR_set_callbacks		4
#define __HYPERVISOR_fpu_taskswitch		5
#define __HYPERVISOR_sched_op_compat		6	/* old form of 29 */
#define __HYPERVISOR_platform_op		7	/* dom0 only */
#define __HYPERVISOR_set_debugreg		8
#define __HYPERVISOR_get_debugreg		9
#define __HYPERVISOR_update_descriptor		10
/* 11 is unused */
#define __HYPERVISOR_memory_op			12
#define __HYPERVISOR_multicall			13
#define __HYPERVISOR_update_va_mapping		14
#define __HYPERVISOR_set_timer_op		15
#define __HYPERVISOR_event_channel_op_compat	16	/* old form of 32 */
#define __HYPERVISOR_xen_version		17
#define __HYPERVISOR_console_io			18
#define __HYPERVISOR_physdev_op_compat		19	/* old form of 33 */
#define __HYPERVISOR_grant_table_op		20
#define __HYPERVISOR_vm_assist			21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret			23
#define __HYPERVISOR_vcpu_op			24
#define __HYPERVISOR_set_segment_base		25
#define __HYPERVISOR_mmuext_op			26
#define __HYPERVISOR_xsm_op			27
#define __HYPERVISOR_nmi_op			28
#define __HYPERVISOR_sched_op			29
#define __HYPERVISOR_callback_op		30
#define __HYPERVISOR_xenoprof_op		31
#define __HYPERVISOR_event_channel_op		32
#define __HYPERVISOR_physdev_op			33
#define __HYPERVISOR_hvm_op			34
#define __HYPERVISOR_sysctl			35
#define __HYPERVISOR_domctl			36
#define __HYPERVISOR_kexec_op			37
#define __HYPERVISOR_tmem_op			38
#define __HYPERVISOR_argo_op			39	/* Linux 6.1: xc_reserved_op */
#define __HYPERVISOR_xenpmu_op			40
#define __HYPERVISOR_dm_op			41
#define __HYPERVISOR_hypfs_op			42

/* Reserved for architecture-specific hypercalls. */
#define __HYPERVISOR_arch_0			48
#define __HYPERVISOR_arch_1			49
#define __HYPERVISOR_arch_2			50
#define __HYPERVISOR_arch_3			51
#define __HYPERVISOR_arch_4			52
#define __HYPERVISOR_arch_5			53
#define __HYPERVISOR_arch_6			54
#define __HYPERVISOR_arch_7			55

/* x86: machine-check architecture operations (dom0 only). */
#define __HYPERVISOR_mca			__HYPERVISOR_arch_0

/*
 * The hypercall page (XEN_ELFNOTE_HYPERCALL_PAGE): one 4 KiB page of
 * 32-byte stubs, stub n at offset n * 32, for images that call through it
 * instead of issuing `syscall` themselves.
 */
#define PVABI_HYPERCALL_STUB_SIZE		32

/*
 * ---------------------------------------------------------------------
 * Virtual interrupts (VIRQs): events the hypervisor itself raises. A guest
 * binds one to an event-channel port with EVTCHNOP_bind_virq.
 * Per-vCPU VIRQs can be bound once on every vCPU; global ones once per
 * domain, on vCPU 0.
 * ---------------------------------------------------------------------
 */
#define VIRQ_TIMER		0	/* per-vCPU: a timer deadline passed */
#define VIRQ_DEBUG		1	/* per-vCPU: please dump debug state */
#define VIRQ_CONSOLE		2	/* global: input on the emergency console */
#define VIRQ_DOM_EXC		3	/* global: some domain changed state */
#define VIRQ_TBUF		4	/* global: trace buffer has records */
#define VIRQ_DEBUGGER		6	/* global: a domain paused for debugging */
#define VIRQ_XENOPROF		7	/* per-vCPU: profiling sample ready */
#define VIRQ_CON_RING		8	/* global: console ring has input */
#define VIRQ_PCPU_STATE		9	/* global: a physical CPU changed state */
#define VIRQ_MEM_EVENT		10	/* global: a memory event happened */
#define VIRQ_ARGO		11	/* per-domain: Argo message arrived */
#define VIRQ_ENOMEM		12	/* global: hypervisor heap is low */
#define VIRQ_XENPMU		13	/* per-vCPU: performance counter overflow */
#define VIRQ_ARCH_0		16
#define VIRQ_ARCH_1		17
#define VIRQ_ARCH_2		18
#define VIRQ_ARCH_3		19
#define VIRQ_ARCH_4		20
#define VIRQ_ARCH_5		21
#define VIRQ_ARCH_6		22
#define VIRQ_ARCH_7		23
#define NR_VIRQS		24

/*
 * ---------------------------------------------------------------------
 * Domain identifiers. Real domains are numbered from 0; the values from
 * DOMID_FIRST_RESERVED up are names with special meanings.
 * ---------------------------------------------------------------------
 */
#define DOMID_FIRST_RESERVED	0x7FF0
#define DOMID_SELF		0x7FF0	/* the calling domain */
#define DOMID_IO		0x7FF1	/* owner of I/O (MMIO) frames */
#define DOMID_XEN		0x7FF2	/* owner of hypervisor frames */
#define DOMID_COW		0x7FF3	/* owner of shared copy-on-write frames */
#define DOMID_INVALID		0x7FF4	/* no owner */
#define DOMID_ANY		0x7FF5	/* "pick one" in creation requests */
#define DOMID_IDLE		0x7FFF	/* the idle domain */
#define DOMID_MASK		0x7FFF

/*
 * ---------------------------------------------------------------------
 * Limits and the x86-64 address-space split.
 * ---------------------------------------------------------------------
 */

/* vCPUs whose vcpu_info lives in shared_info (more need register_vcpu_info). */
#define XEN_LEGACY_MAX_VCPUS	32
#define MAX_VIRT_CPUS		XEN_LEGACY_MAX_VCPUS

/*
 * The hypervisor owns L4 slots 256-271 of every guest address space:
 * [HYPERVISOR_VIRT_START, HYPERVISOR_VIRT_END). Guests may map nothing
 * there; the hypervisor fills those slots when it validates a guest L4.
 */
#define HYPERVISOR_VIRT_START	PVABI_UL(0xFFFF800000000000)
#define HYPERVISOR_VIRT_END	PVABI_UL(0xFFFF880000000000)

/*
 * The read-only machine-to-physical table (M2P): one uint64_t per machine
 * frame, holding the guest pfn that frame backs, readable by every guest
 * at the start of the hypervisor hole. XENMEM_machphys_mapping reports
 * the same range (and the largest mfn with an entry).
 */
#define MACH2PHYS_VIRT_START	PVABI_UL(0xFFFF800000000000)
#define MACH2PHYS_VIRT_END	PVABI_UL(0xFFFF804000000000)
#define MACH2PHYS_NR_ENTRIES	((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)

/*
 * ---------------------------------------------------------------------
 * x86-64 segment selectors.
 *
 * The hypervisor reserves the GDT from page 14 on (entry 7168, byte
 * 0xE000) for itself; a guest's own GDT (HYPERVISOR_set_gdt) may use
 * entries 0-7167. The flat selectors below live in the reserved part and
 * exist in every vCPU's GDT, so a guest needs no GDT of its own to run.
 * Guest kernel and guest user both run in ring 3: kernel and user
 * selectors are the same values.
 * ---------------------------------------------------------------------
 */
#define FIRST_RESERVED_GDT_PAGE		14
#define FIRST_RESERVED_GDT_BYTE		(FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY	(FIRST_RESERVED_GDT_BYTE / 8)

#define FLAT_RING3_CS32		0xe023	/* GDT entry 7172: 32-bit code, DPL 3 */
#define FLAT_RING3_DS32		0xe02b	/* GDT entry 7173: data, DPL 3 */
#define FLAT_RING3_CS64		0xe033	/* GDT entry 7174: 64-bit code, DPL 3 */
#define FLAT_RING3_DS64		0x0000	/* the null selector */
#define FLAT_RING3_SS32		0xe02b
#define FLAT_RING3_SS64		0xe02b

/*
 * pvisor's fast mode (not Xen's): a 64-bit guest kernel in ring 1, on
 * 64-bit code and data of DPL 1 in two free entries of the reserved page
 * (the code at Xen's 32-bit FLAT_RING1_CS entry). A fast-mode kernel starts on them and every bounce enters it on them;
 * a frame that interrupted it says 0xe018 (RPL cleared, as Xen clears a
 * ring-3 kernel's: Linux's user_mode() is CS & 3). README.md, fast mode.
 */
#define FLAT_RING1_CS64		0xe019	/* GDT entry 7171: 64-bit code, DPL 1 */
#define FLAT_RING1_SS64		0xe061	/* GDT entry 7180: data, DPL 1 */

#define FLAT_KERNEL_DS64	FLAT_RING3_DS64
#define FLAT_KERNEL_DS32	FLAT_RING3_DS32
#define FLAT_KERNEL_DS		FLAT_KERNEL_DS64
#define FLAT_KERNEL_CS64	FLAT_RING3_CS64
#define FLAT_KERNEL_CS32	FLAT_RING3_CS32
#define FLAT_KERNEL_CS		FLAT_KERNEL_CS64
#define FLAT_KERNEL_SS64	FLAT_RING3_SS64
#define FLAT_KERNEL_SS32	FLAT_RING3_SS32
#define FLAT_KERNEL_SS		FLAT_KERNEL_SS64

#define FLAT_USER_DS64		FLAT_RING3_DS64
#define FLAT_USER_DS32		FLAT_RING3_DS32
#define FLAT_USER_DS		FLAT_USER_DS64
#define FLAT_USER_CS64		FLAT_RING3_CS64
#define FLAT_USER_CS32		FLAT_RING3_CS32
#define FLAT_USER_CS		FLAT_USER_CS64
#define FLAT_USER_SS64		FLAT_RING3_SS64
#define FLAT_USER_SS32		FLAT_RING3_SS32
#define FLAT_USER_SS		FLAT_USER_SS64

/* HYPERVISOR_set_segment_base(which, base): which segment base to set. */
#define SEGBASE_FS		0	/* FS base of the current context */
#define SEGBASE_GS_USER		1	/* GS base used in guest user mode */
#define SEGBASE_GS_KERNEL	2	/* GS base used in guest kernel mode */
#define SEGBASE_GS_USER_SEL	3	/* load user %gs selector (base[15:0]) */

/* cr3 values in vcpu_guest_context.ctrlreg[] hold a frame number shifted. */
#define xen_pfn_to_cr3(pfn)	((uint64_t)(pfn) << 12)
#define xen_cr3_to_pfn(cr3)	((uint64_t)(cr3) >> 12)

/*
 * Forced emulation: `ud2; .ascii "xen"` placed before an instruction that
 * does not trap by itself (only `cpuid` is supported) makes the hypervisor
 * emulate it: its CPUID policy is applied and rip moves past both.
 */
#ifdef __ASSEMBLER__
#define XEN_EMULATE_PREFIX	.byte 0x0f, 0x0b, 0x78, 0x65, 0x6e ;
#define XEN_CPUID		XEN_EMULATE_PREFIX cpuid
#else
#define XEN_EMULATE_PREFIX	".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e ; "
#define XEN_CPUID		XEN_EMULATE_PREFIX "cpuid"
#endif

/*
 * ---------------------------------------------------------------------
 * HYPERVISOR_mmu_update(reqs, count, pdone, foreigndom)
 *
 * Apply count checked 8-byte writes, each described by a struct
 * mmu_update. The low 2 bits of ptr select the command; the rest is the
 * machine address of the target. *pdone (if pdone != 0) receives how many
 * requests completed; processing stops at the first failure.
 * ---------------------------------------------------------------------
 */
#define MMU_NORMAL_PT_UPDATE		0 /* validated write of a PTE at ptr */
#define MMU_MACHPHYS_UPDATE		1 /* M2P[ptr >> 12] = val (a pfn) */
#define MMU_PT_UPDATE_PRESERVE_AD	2 /* as NORMAL, keep the entry's A/D bits */
#define MMU_PT_UPDATE_NO_TRANSLATE	3 /* as NORMAL, val never translated */

/*
 * Set in count by a hypervisor that stopped a batch to continue it later
 * (Xen's continuations); *pdone then accumulates. pvisor runs every batch
 * to completion and only strips it if a guest passes it.
 */
#define MMU_UPDATE_PREEMPTED		0x80000000	/* unsigned int in C */

/*
 * ---------------------------------------------------------------------
 * HYPERVISOR_mmuext_op(ops, count, pdone, foreigndom): extended MMU
 * operations, one struct mmuext_op each. arg1/arg2 use depends on cmd.
 * ---------------------------------------------------------------------
 */
#define MMUEXT_PIN_L1_TABLE		0  /* arg1.mfn: validate as L1, pin */
#define MMUEXT_PIN_L2_TABLE		1  /* arg1.mfn: validate as L2, pin */
#define MMUEXT_PIN_L3_TABLE		2  /* arg1.mfn: validate as L3, pin */
#define MMUEXT_PIN_L4_TABLE		3  /* arg1.mfn: validate as L4, pin */
#define MMUEXT_UNPIN_TABLE		4  /* arg1.mfn: drop the pin */
#define MMUEXT_NEW_BASEPTR		5  /* arg1.mfn: new kernel L4 (cr3) */
#define MMUEXT_TLB_FLUSH_LOCAL		6  /* flush this vCPU's TLB */
#define MMUEXT_INVLPG_LOCAL		7  /* arg1.linear_addr: invlpg here */
#define MMUEXT_TLB_FLUSH_MULTI		8  /* arg2.vcpumask: flush those vCPUs */
#define MMUEXT_INVLPG_MULTI		9  /* arg1.linear_addr, arg2.vcpumask */
#define MMUEXT_TLB_FLUSH_ALL		10 /* flush every vCPU of the domain */
#define MMUEXT_INVLPG_ALL		11 /* arg1.linear_addr on every vCPU */
#define MMUEXT_FLUSH_CACHE		12 /* wbinvd on this CPU */
#define MMUEXT_SET_LDT			13 /* arg1.linear_addr, arg2.nr_ents */
/* 14 is unused */
#define MMUEXT_NEW_USER_BASEPTR		15 /* arg1.mfn: user-mode L4 (0: none) */
#define MMUEXT_CLEAR_PAGE		16 /* arg1.mfn: zero the frame */
#define MMUEXT_COPY_PAGE		17 /* arg1.mfn <- arg2.src_mfn */
#define MMUEXT_FLUSH_CACHE_GLOBAL	18 /* wbinvd on every CPU */
#define MMUEXT_MARK_SUPER		19 /* superpage tracking (obsolete) */
#define MMUEXT_UNMARK_SUPER		20

/*
 * ---------------------------------------------------------------------
 * HYPERVISOR_update_va_mapping(va, val, flags): write the L1 entry that
 * maps va in the current address space, validated as MMU_NORMAL_PT_UPDATE,
 * then flush as flags ask. flags = flush type | flush scope, where the
 * scope may also be the guest address of a vCPU bitmap (UVMF_MULTI).
 * ---------------------------------------------------------------------
 */
#define UVMF_NONE		0x0	/* no flush */
#define UVMF_TLB_FLUSH		0x1	/* flush the whole TLB */
#define UVMF_INVLPG		0x2	/* flush the one entry for va */
#define UVMF_FLUSHTYPE_MASK	0x3
#define UVMF_MULTI		0x0	/* scope: vCPUs in bitmap (flags & ~3) */
#define UVMF_LOCAL		0x0	/* scope: this vCPU (bitmap pointer 0) */
#define UVMF_ALL		0x4	/* scope: every vCPU of the domain */

/* HYPERVISOR_console_io(cmd, count, buffer) commands. */
#define CONSOLEIO_write		0	/* print count bytes from buffer */
#define CONSOLEIO_read		1	/* read up to count bytes of input */

/*
 * ---------------------------------------------------------------------
 * HYPERVISOR_vm_assist(cmd, type): switch an optional hypervisor
 * behaviour on or off for the calling domain.
 * ---------------------------------------------------------------------
 */
#define VMASST_CMD_enable			0
#define VMASST_CMD_disable			1

#define VMASST_TYPE_4gb_segments		0  /* x86-32 only */
#define VMASST_TYPE_4gb_segments_notify		1  /* x86-32 only */
#define VMASST_TYPE_writable_pagetables		2  /* emulate writes to L1s */
#define VMASST_TYPE_pae_extended_cr3		3  /* x86-32 PAE only */
#define VMASST_TYPE_architectural_iopl		4  /* iret/bounce carry IOPL */
#define VMASST_TYPE_runstate_update_flag	5  /* XEN_RUNSTATE_UPDATE bit */
#define VMASST_TYPE_m2p_strict			32 /* hide M2P from user L4s */

#ifndef __ASSEMBLER__

/* A guest frame number (for a PV guest: a machine frame number). */
typedef uint64_t xen_pfn_t;

/* The natural register-sized value of the ABI: 64 bits on x86-64. */
typedef uint64_t xen_ulong_t;

/* A domain identifier: 0..DOMID_FIRST_RESERVED-1, or a DOMID_* name. */
typedef uint16_t domid_t;

/* A callback entry point: a guest kernel virtual address. */
typedef uint64_t xen_callback_t;

/*
 * struct mmu_update - one request of HYPERVISOR_mmu_update.
 * Written by the guest, read by the hypervisor.
 */
struct mmu_update {
	uint64_t ptr;		/* IN: machine address | MMU_* command */
	uint64_t val;		/* IN: new entry (or pfn for MACHPHYS) */
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct mmu_update, 16);
PVABI_CHECK_OFFSET(struct mmu_update, ptr, 0);
PVABI_CHECK_OFFSET(struct mmu_update, val, 8);

/*
 * struct mmuext_op - one request of HYPERVISOR_mmuext_op.
 * Written by the guest, read by the hypervisor.
 */
struct mmuext_op {
	uint32_t cmd;			/* IN: MMUEXT_* */
	uint32_t pad0;
	union {
		xen_pfn_t mfn;		/* PIN/UNPIN, NEW_*BASEPTR, CLEAR/COPY_PAGE */
		uint64_t linear_addr;	/* INVLPG_*, SET_LDT */
	} arg1;
	union {
		uint32_t nr_ents;	/* SET_LDT: entries in the LDT */
		uint64_t vcpumask;	/* *_MULTI: guest VA of a vCPU bitmap */
		xen_pfn_t src_mfn;	/* COPY_PAGE: source frame */
	} arg2;
}; /* 24 bytes */
PVABI_CHECK_SIZE(struct mmuext_op, 24);
PVABI_CHECK_OFFSET(struct mmuext_op, cmd, 0);
PVABI_CHECK_OFFSET(struct mmuext_op, arg1, 8);
PVABI_CHECK_OFFSET(struct mmuext_op, arg1.mfn, 8);
PVABI_CHECK_OFFSET(struct mmuext_op, arg1.linear_addr, 8);
PVABI_CHECK_OFFSET(struct mmuext_op, arg2, 16);
PVABI_CHECK_OFFSET(struct mmuext_op, arg2.nr_ents, 16);
PVABI_CHECK_OFFSET(struct mmuext_op, arg2.vcpumask, 16);
PVABI_CHECK_OFFSET(struct mmuext_op, arg2.src_mfn, 16);

/*
 * struct multicall_entry - one call of HYPERVISOR_multicall(list, nr).
 * The guest writes op and args; the hypervisor runs op(args[0..4]) and
 * writes only result. args[5] is never used (hypercalls take at most 5).
 */
struct multicall_entry {
	xen_ulong_t op;		/* IN: __HYPERVISOR_* number */
	xen_ulong_t result;	/* OUT: what the call returned */
	xen_ulong_t args[6];	/* IN: its arguments */
}; /* 64 bytes */
PVABI_CHECK_SIZE(struct multicall_entry, 64);
PVABI_CHECK_OFFSET(struct multicall_entry, op, 0);
PVABI_CHECK_OFFSET(struct multicall_entry, result, 8);
PVABI_CHECK_OFFSET(struct multicall_entry, args, 16);

/*H:600 The guest's virtual IDT
 * A PV kernel cannot load an IDT: the CPU's is the hypervisor's, and every
 * exception lands there. Instead HYPERVISOR_set_trap_table(traps) takes
 * an array of these, ended by an entry whose address is 0, and the
 * hypervisor keeps it per vCPU (hv/pv/callbacks.c checks every address is
 * a guest one). Entry points that are not vectors (events, system calls,
 * the failsafe) are registered with callback_op (pvabi/callback.h).
 * flags bits 0-1: the lowest privilege allowed to raise the vector with
 * `int $n` (0: nobody, 1 or 2: guest kernel, 3: guest user too).
 * flags bit 2: mask events (set evtchn_upcall_mask) on entry, like an
 * interrupt gate clearing IF.
 * On x86-64, cs is ignored: handlers run on FLAT_KERNEL_CS.
 */
#define TI_GET_DPL(ti)		((ti)->flags & 3)
#define TI_GET_IF(ti)		((ti)->flags & 4)
#define TI_SET_DPL(ti, dpl)	((ti)->flags |= (dpl))
#define TI_SET_IF(ti, i)	((ti)->flags |= ((!!(i)) << 2))

/* struct trap_info - one virtual IDT entry. Written by the guest. */
struct trap_info {
	uint8_t vector;		/* IN: exception or interrupt vector */
	uint8_t flags;		/* IN: DPL (bits 0-1), mask events (bit 2) */
	uint16_t cs;		/* IN: ignored on x86-64 */
	uint32_t pad0;
	uint64_t address;	/* IN: handler address; 0 ends the table */
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct trap_info, 16);
PVABI_CHECK_OFFSET(struct trap_info, vector, 0);
PVABI_CHECK_OFFSET(struct trap_info, flags, 1);
PVABI_CHECK_OFFSET(struct trap_info, cs, 2);
PVABI_CHECK_OFFSET(struct trap_info, address, 8);

/*H:640 The iret hypercall
 * A guest kernel cannot execute a real iretq back to user mode (it would
 * need its page tables switched and its GS swapped), so it asks the
 * hypervisor (hv/pv/iret.c: pv_do_iret): it pushes this frame and issues
 * the iret hypercall with rsp pointing at rax. The hypervisor restores
 * rax, rip, rflags and rsp, and either returns to guest user mode
 * (cs & 3 == 3: switches to the user L4 and GS base) or stays in guest
 * kernel mode. The event mask becomes !rflags.IF. Xen's ABI for flags:
 * without VGCF_in_syscall, r11, rcx, cs and ss are restored too; with it
 * they are discarded, because Xen then leaves by sysret: rcx and r11 come
 * back holding rip and rflags, cs and ss are sysret's flat user
 * selectors. pvisor always leaves by iretq: with the flag it sets rcx and
 * r11 so by hand, and cs and ss come from the frame with or without it
 * (pvabi/README.md, iret). The hypercall never returns to its caller.
 * Every field that could give the guest more than ring 3 is forced (CS
 * and SS RPL, IOPL, IF).
 */
#define _VGCF_in_syscall	8
#define VGCF_in_syscall		(1 << _VGCF_in_syscall)

/* struct iret_context - the frame at guest rsp. Written by the guest. */
struct iret_context {
	uint64_t rax;		/* lowest address: rsp at the hypercall */
	uint64_t r11;
	uint64_t rcx;
	uint64_t flags;		/* VGCF_in_syscall or 0 */
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;		/* highest address */
}; /* 72 bytes */
PVABI_CHECK_SIZE(struct iret_context, 72);
PVABI_CHECK_OFFSET(struct iret_context, rax, 0);
PVABI_CHECK_OFFSET(struct iret_context, r11, 8);
PVABI_CHECK_OFFSET(struct iret_context, rcx, 16);
PVABI_CHECK_OFFSET(struct iret_context, flags, 24);
PVABI_CHECK_OFFSET(struct iret_context, rip, 32);
PVABI_CHECK_OFFSET(struct iret_context, cs, 40);
PVABI_CHECK_OFFSET(struct iret_context, rflags, 48);
PVABI_CHECK_OFFSET(struct iret_context, rsp, 56);
PVABI_CHECK_OFFSET(struct iret_context, ss, 64);

/*
 * struct cpu_user_regs - a vCPU's general registers, as carried in
 * struct vcpu_guest_context. error_code and entry_vector are the
 * hypervisor's own bookkeeping; a guest leaves them 0. The byte after cs
 * holds the saved event mask, as in a bounce frame.
 */
struct cpu_user_regs {
	uint64_t r15;
	uint64_t r14;
	uint64_t r13;
	uint64_t r12;
	uint64_t rbp;
	uint64_t rbx;
	uint64_t r11;
	uint64_t r10;
	uint64_t r9;
	uint64_t r8;
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rsi;
	uint64_t rdi;
	uint32_t error_code;
	uint32_t entry_vector;
	uint64_t rip;
	uint16_t cs;
	uint16_t pad0;
	uint8_t saved_upcall_mask;
	uint8_t pad1[3];
	uint64_t rflags;	/* IF reads as !saved_upcall_mask */
	uint64_t rsp;
	uint16_t ss, pad2[3];
	uint16_t es, pad3[3];
	uint16_t ds, pad4[3];
	uint16_t fs, pad5[3];
	uint16_t gs, pad6[3];
}; /* 200 bytes */
PVABI_CHECK_SIZE(struct cpu_user_regs, 200);
PVABI_CHECK_OFFSET(struct cpu_user_regs, r15, 0);
PVABI_CHECK_OFFSET(struct cpu_user_regs, rbp, 32);
PVABI_CHECK_OFFSET(struct cpu_user_regs, rbx, 40);
PVABI_CHECK_OFFSET(struct cpu_user_regs, r11, 48);
PVABI_CHECK_OFFSET(struct cpu_user_regs, r8, 72);
PVABI_CHECK_OFFSET(struct cpu_user_regs, rax, 80);
PVABI_CHECK_OFFSET(struct cpu_user_regs, rcx, 88);
PVABI_CHECK_OFFSET(struct cpu_user_regs, rdx, 96);
PVABI_CHECK_OFFSET(struct cpu_user_regs, rsi, 104);
PVABI_CHECK_OFFSET(struct cpu_user_regs, rdi, 112);
PVABI_CHECK_OFFSET(struct cpu_user_regs, error_code, 120);
PVABI_CHECK_OFFSET(struct cpu_user_regs, entry_vector, 124);
PVABI_CHECK_OFFSET(struct cpu_user_regs, rip, 128);
PVABI_CHECK_OFFSET(struct cpu_user_regs, cs, 136);
PVABI_CHECK_OFFSET(struct cpu_user_regs, saved_upcall_mask, 140);
PVABI_CHECK_OFFSET(struct cpu_user_regs, rflags, 144);
PVABI_CHECK_OFFSET(struct cpu_user_regs, rsp, 152);
PVABI_CHECK_OFFSET(struct cpu_user_regs, ss, 160);
PVABI_CHECK_OFFSET(struct cpu_user_regs, es, 168);
PVABI_CHECK_OFFSET(struct cpu_user_regs, ds, 176);
PVABI_CHECK_OFFSET(struct cpu_user_regs, fs, 184);
PVABI_CHECK_OFFSET(struct cpu_user_regs, gs, 192);

/* vcpu_guest_context.flags */
#define _VGCF_i387_valid		0
#define VGCF_i387_valid			(1 << _VGCF_i387_valid)
#define _VGCF_in_kernel			2
#define VGCF_in_kernel			(1 << _VGCF_in_kernel)
#define _VGCF_failsafe_disables_events	3
#define VGCF_failsafe_disables_events	(1 << _VGCF_failsafe_disables_events)
#define _VGCF_syscall_disables_events	4
#define VGCF_syscall_disables_events	(1 << _VGCF_syscall_disables_events)
#define _VGCF_online			5
#define VGCF_online			(1 << _VGCF_online)

/*
 * struct vcpu_guest_context - the complete initial state of a vCPU, as
 * passed to VCPUOP_initialise (how Linux starts its secondary vCPUs).
 * Written by the guest. ctrlreg[3] is the kernel L4 as xen_pfn_to_cr3(),
 * ctrlreg[1] the user L4 (0: none). kernel_ss and every cs are ignored on
 * x86-64; trap_ctxt is a full 256-entry table (no terminator needed).
 */
struct vcpu_guest_context {
	uint8_t fpu_ctxt[512];		/* FXSAVE image, if VGCF_i387_valid */
	uint64_t flags;			/* VGCF_* */
	struct cpu_user_regs user_regs;
	struct trap_info trap_ctxt[256];
	uint64_t ldt_base, ldt_ents;	/* as MMUEXT_SET_LDT */
	uint64_t gdt_frames[16], gdt_ents; /* as HYPERVISOR_set_gdt */
	uint64_t kernel_ss, kernel_sp;	/* as HYPERVISOR_stack_switch */
	uint64_t ctrlreg[8];		/* cr0-cr7 */
	uint64_t debugreg[8];		/* dr0-dr7 */
	uint64_t event_callback_eip;	/* CALLBACKTYPE_event */
	uint64_t failsafe_callback_eip;	/* CALLBACKTYPE_failsafe */
	uint64_t syscall_callback_eip;	/* CALLBACKTYPE_syscall */
	uint64_t vm_assist;		/* bitmap of VMASST_TYPE_* */
	uint64_t fs_base;
	uint64_t gs_base_kernel;
	uint64_t gs_base_user;
}; /* 5168 bytes */
PVABI_CHECK_SIZE(struct vcpu_guest_context, 5168);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, fpu_ctxt, 0);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, flags, 512);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, user_regs, 520);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, trap_ctxt, 720);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, ldt_base, 4816);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, ldt_ents, 4824);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, gdt_frames, 4832);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, gdt_ents, 4960);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, kernel_ss, 4968);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, kernel_sp, 4976);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, ctrlreg, 4984);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, debugreg, 5048);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, event_callback_eip, 5112);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, failsafe_callback_eip, 5120);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, syscall_callback_eip, 5128);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, vm_assist, 5136);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, fs_base, 5144);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, gs_base_kernel, 5152);
PVABI_CHECK_OFFSET(struct vcpu_guest_context, gs_base_user, 5160);

/*H:810 pvclock: the guest's clock
 * struct vcpu_time_info is the per-vCPU clock, inside vcpu_info: a
 * snapshot (a TSC value and the system time at it) and the scale. Written
 * by the hypervisor, read by the guest. The hypervisor makes version odd,
 * writes the other fields, then makes version even again; a reader retries
 * while version is odd or changed under it. System time in ns is
 *
 *   system_time + ((((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32)
 *
 * where a negative tsc_shift means a right shift. Linux's pvclock code
 * (arch/x86/kernel/pvclock.c) is the reader. The wall clock is in
 * shared_info, with the same version protocol.
 */
#define XEN_PVCLOCK_TSC_STABLE_BIT	(1 << 0) /* TSC is synchronised */
#define XEN_PVCLOCK_GUEST_STOPPED	(1 << 1) /* guest was paused */

struct vcpu_time_info {
	uint32_t version;		/* odd while being updated */
	uint32_t pad0;
	uint64_t tsc_timestamp;		/* TSC when system_time was taken */
	uint64_t system_time;		/* ns since the hypervisor booted */
	uint32_t tsc_to_system_mul;	/* TSC ticks to ns, a 32.32 fraction */
	int8_t tsc_shift;		/* applied to the TSC delta first */
	uint8_t flags;			/* XEN_PVCLOCK_* */
	uint8_t pad1[2];
}; /* 32 bytes */
PVABI_CHECK_SIZE(struct vcpu_time_info, 32);
PVABI_CHECK_OFFSET(struct vcpu_time_info, version, 0);
PVABI_CHECK_OFFSET(struct vcpu_time_info, tsc_timestamp, 8);
PVABI_CHECK_OFFSET(struct vcpu_time_info, system_time, 16);
PVABI_CHECK_OFFSET(struct vcpu_time_info, tsc_to_system_mul, 24);
PVABI_CHECK_OFFSET(struct vcpu_time_info, tsc_shift, 28);
PVABI_CHECK_OFFSET(struct vcpu_time_info, flags, 29);

/*
 * struct arch_vcpu_info - x86 part of vcpu_info. cr2 is written by the
 * hypervisor when it bounces a page fault to the guest.
 */
struct arch_vcpu_info {
	uint64_t cr2;		/* hypervisor: faulting address of the last #PF */
	uint64_t pad;
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct arch_vcpu_info, 16);
PVABI_CHECK_OFFSET(struct arch_vcpu_info, cr2, 0);

/*H:700 The guest's interrupt flag
 * A PV guest never turns real interrupts off: its "interrupts disabled"
 * flag is a byte in memory it shares with the hypervisor, in this
 * per-vCPU structure (event flags, cr2, clock). cli and sti are plain
 * stores, which is why they are cheap; the price is that the hypervisor
 * must check the flag before every entry into the guest's event
 * callback. The first XEN_LEGACY_MAX_VCPUS of them live in shared_info; a guest may
 * move its own with VCPUOP_register_vcpu_info, after which the hypervisor
 * uses only the new copy. Ownership:
 *  evtchn_upcall_pending: hypervisor sets it when it marks an event
 *	pending for this vCPU; the guest clears it before scanning.
 *  evtchn_upcall_mask: the guest's virtual "interrupts disabled" flag.
 *	Guest-written; the hypervisor sets it when it delivers an event or a
 *	trap with masking, and iret sets it from the frame's rflags.IF.
 *	While it is non-zero no event callback is entered.
 *  evtchn_pending_sel: bit i set by the hypervisor means word i of
 *	shared_info.evtchn_pending may hold a pending, unmasked port; the
 *	guest clears bits (atomically) as it scans.
 *  arch.cr2, time: written by the hypervisor only.
 */
struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	uint8_t pad0[6];
	xen_ulong_t evtchn_pending_sel;
	struct arch_vcpu_info arch;
	struct vcpu_time_info time;
}; /* 64 bytes */
PVABI_CHECK_SIZE(struct vcpu_info, 64);
PVABI_CHECK_OFFSET(struct vcpu_info, evtchn_upcall_pending, 0);
PVABI_CHECK_OFFSET(struct vcpu_info, evtchn_upcall_mask, 1);
PVABI_CHECK_OFFSET(struct vcpu_info, evtchn_pending_sel, 8);
PVABI_CHECK_OFFSET(struct vcpu_info, arch, 16);
PVABI_CHECK_OFFSET(struct vcpu_info, arch.cr2, 16);
PVABI_CHECK_OFFSET(struct vcpu_info, time, 32);

/*
 * struct arch_shared_info - x86 part of shared_info. Written by the guest
 * (it describes the guest's P2M for tools that save or inspect it), except
 * nmi_reason, which the hypervisor writes. pvisor reads none of the guest
 * fields.
 */
struct arch_shared_info {
	uint64_t max_pfn;			/* guest: entries in the P2M */
	xen_pfn_t pfn_to_mfn_frame_list_list;	/* guest: 3-level P2M root */
	uint64_t nmi_reason;			/* hypervisor: why an NMI came */
	uint64_t p2m_cr3;			/* guest: L4 where p2m_vaddr works */
	uint64_t p2m_vaddr;			/* guest: VA of the linear P2M */
	uint64_t p2m_generation;		/* guest: odd while remapping */
}; /* 48 bytes */
PVABI_CHECK_SIZE(struct arch_shared_info, 48);
PVABI_CHECK_OFFSET(struct arch_shared_info, max_pfn, 0);
PVABI_CHECK_OFFSET(struct arch_shared_info, pfn_to_mfn_frame_list_list, 8);
PVABI_CHECK_OFFSET(struct arch_shared_info, nmi_reason, 16);
PVABI_CHECK_OFFSET(struct arch_shared_info, p2m_cr3, 24);
PVABI_CHECK_OFFSET(struct arch_shared_info, p2m_vaddr, 32);
PVABI_CHECK_OFFSET(struct arch_shared_info, p2m_generation, 40);

/*
 * ---------------------------------------------------------------------
 * struct shared_info - the page the hypervisor shares with each domain.
 *
 * start_info.shared_info gives its machine address; the guest maps it
 * read-write (update_va_mapping). It fills the start of one 4 KiB frame.
 *  vcpu_info[]: see struct vcpu_info.
 *  evtchn_pending: bit p set means port p has an event. The hypervisor
 *	sets bits, the guest clears them; both use locked operations.
 *  evtchn_mask: bit p set means port p never triggers an upcall. Written
 *	only by the guest; the hypervisor reads it.
 *  wc_*: wall-clock time (seconds and ns since 1970) at system time 0,
 *	written by the hypervisor with the odd/even wc_version protocol of
 *	vcpu_time_info. Seconds are wc_sec_hi << 32 | wc_sec.
 *  arch: see struct arch_shared_info.
 * ---------------------------------------------------------------------
 */
struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	xen_ulong_t evtchn_pending[64];	/* 4096 ports, one bit each */
	xen_ulong_t evtchn_mask[64];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
	struct arch_shared_info arch;
}; /* 3136 bytes */
PVABI_CHECK_SIZE(struct shared_info, 3136);
PVABI_CHECK_OFFSET(struct shared_info, vcpu_info, 0);
PVABI_CHECK_OFFSET(struct shared_info, evtchn_pending, 2048);
PVABI_CHECK_OFFSET(struct shared_info, evtchn_mask, 2560);
PVABI_CHECK_OFFSET(struct shared_info, wc_version, 3072);
PVABI_CHECK_OFFSET(struct shared_info, wc_sec, 3076);
PVABI_CHECK_OFFSET(struct shared_info, wc_nsec, 3080);
PVABI_CHECK_OFFSET(struct shared_info, wc_sec_hi, 3084);
PVABI_CHECK_OFFSET(struct shared_info, arch, 3088);

#endif /* !__ASSEMBLER__ */

/*H:350 start_info: what a new kernel is handed
 * A PV kernel has no firmware to ask, so the domain builder writes
 * everything it needs into this page, inside the initial mapping (the
 * previous stops: pseudo-physical page n at VIRT_BASE + n * 4096, the
 * bootstrap page tables read-only, the region ending on a 4 MiB
 * boundary): how many pages it owns, the machine address of shared_info
 * (which it must map itself), where its page tables, its P2M list and its
 * ramdisk are, the console ring and its event channel, and its command
 * line. The kernel is entered with rsi = the virtual address of
 * start_info and rsp = the top of the boot stack. Written by the builder
 * (hypervisor, core/domain_build.c: write_start_info) before the guest
 * runs; the guest only reads it.
 */
#define PVABI_START_INFO_MAGIC	"xen-3.0-x86_64"	/* start_info.magic */
#define MAX_GUEST_CMDLINE	1024

/* start_info.flags */
#define SIF_PRIVILEGED		(1 << 0)	/* domain may access hardware */
#define SIF_INITDOMAIN		(1 << 1)	/* the control domain (dom0) */
#define SIF_MULTIBOOT_MOD	(1 << 2)	/* mod_start is a module package */
#define SIF_MOD_START_PFN	(1 << 3)	/* mod_start is a pfn, not a VA */
#define SIF_VIRT_P2M_4TOOLS	(1 << 4)	/* tools understand linear P2M */
#define SIF_PM_MASK		(0xFF << 8)	/* reserved for power management */

#ifndef __ASSEMBLER__

struct start_info {
	char magic[32];		/* PVABI_START_INFO_MAGIC, NUL-padded */
	uint64_t nr_pages;	/* pages the domain owns (P2M entries) */
	uint64_t shared_info;	/* MACHINE address of struct shared_info */
	uint32_t flags;		/* SIF_* */
	uint32_t pad0;
	xen_pfn_t store_mfn;	/* MACHINE frame of the xenstore ring, or 0 */
	uint32_t store_evtchn;	/* its event channel; 0 = no xenstore */
	uint32_t pad1;
	union {
		struct {
			xen_pfn_t mfn;	  /* MACHINE frame of the console ring */
			uint32_t evtchn;  /* its event channel */
			uint32_t pad;
		} domU;
		struct {
			uint32_t info_off;  /* offset of dom0 console info */
			uint32_t info_size; /* its size */
		} dom0;
	} console;
	/* The fields below are set at first boot only, not on resume. */
	uint64_t pt_base;	/* VIRTUAL address of the bootstrap L4 */
	uint64_t nr_pt_frames;	/* frames of bootstrap page tables */
	uint64_t mfn_list;	/* VIRTUAL address of the P2M (pfn -> mfn) */
	uint64_t mod_start;	/* VIRTUAL address (or pfn) of the ramdisk */
	uint64_t mod_len;	/* ramdisk size in bytes; 0 = none */
	int8_t cmd_line[MAX_GUEST_CMDLINE];	/* NUL-terminated */
	uint64_t first_p2m_pfn;	/* first pfn of a separately mapped P2M */
	uint64_t nr_p2m_frames;	/* its frame count (XEN_ELFNOTE_INIT_P2M) */
}; /* 1168 bytes */
PVABI_CHECK_SIZE(struct start_info, 1168);
PVABI_CHECK_OFFSET(struct start_info, magic, 0);
PVABI_CHECK_OFFSET(struct start_info, nr_pages, 32);
PVABI_CHECK_OFFSET(struct start_info, shared_info, 40);
PVABI_CHECK_OFFSET(struct start_info, flags, 48);
PVABI_CHECK_OFFSET(struct start_info, store_mfn, 56);
PVABI_CHECK_OFFSET(struct start_info, store_evtchn, 64);
PVABI_CHECK_OFFSET(struct start_info, console, 72);
PVABI_CHECK_OFFSET(struct start_info, console.domU.mfn, 72);
PVABI_CHECK_OFFSET(struct start_info, console.domU.evtchn, 80);
PVABI_CHECK_OFFSET(struct start_info, console.dom0.info_off, 72);
PVABI_CHECK_OFFSET(struct start_info, console.dom0.info_size, 76);
PVABI_CHECK_OFFSET(struct start_info, pt_base, 88);
PVABI_CHECK_OFFSET(struct start_info, nr_pt_frames, 96);
PVABI_CHECK_OFFSET(struct start_info, mfn_list, 104);
PVABI_CHECK_OFFSET(struct start_info, mod_start, 112);
PVABI_CHECK_OFFSET(struct start_info, mod_len, 120);
PVABI_CHECK_OFFSET(struct start_info, cmd_line, 128);
PVABI_CHECK_OFFSET(struct start_info, first_p2m_pfn, 1152);
PVABI_CHECK_OFFSET(struct start_info, nr_p2m_frames, 1160);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_XEN_H */
