/*
 * pvabi/cpuid.h - the hypervisor CPUID leaves (0x40000000 and up).
 *
 * A guest finds out it runs on a Xen-compatible hypervisor by reading
 * CPUID leaf 0x40000000 (or the first 0x100-aligned leaf above it that
 * carries the signature) through the forced-emulation prefix
 * (XEN_CPUID in xen.h). Linux requires the "XenVMMXenVMM" signature and a
 * maximum leaf of at least base + 2 before it takes its Xen PV path.
 *
 * Leaves, relative to the base:
 *  +0: eax = highest leaf (base + XEN_CPUID_MAX_NUM_LEAVES at most),
 *      ebx:ecx:edx = signature.
 *  +1: eax = major << 16 | minor version; others 0.
 *  +2: eax = number of hypercall pages (1), ebx = base MSR that asks for
 *      a hypercall page to be written (Xen: 0x40000000), ecx = XEN_CPUID_FEAT1_*.
 *  +3: TSC mode and scale (sub-leaves 0-2).
 *  +4: HVM features; 0 for a PV guest (Linux reads it anyway).
 *  +5: PV parameters: ebx bits 0-7 = machine address width (0 = unknown;
 *      above 44 makes Linux ask for grant table version 2).
 *
 * Constants only: safe to include from C, C++ and assembly.
 */
#ifndef PVABI_CPUID_H
#define PVABI_CPUID_H

#define XEN_CPUID_FIRST_LEAF		0x40000000
#define XEN_CPUID_LEAF(i)		(XEN_CPUID_FIRST_LEAF + (i))
#define XEN_CPUID_MAX_NUM_LEAVES	5

/* "XenVMMXenVMM" in ebx, ecx, edx of leaf +0 */
#define XEN_CPUID_SIGNATURE_EBX		0x566e6558	/* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX		0x65584d4d	/* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX		0x4d4d566e	/* "nVMM" */

/* Leaf +2, ecx */
#define _XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD	0
#define XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD	(1 << 0)

/* Leaf +3, sub-leaf 0, eax */
#define XEN_CPUID_TSC_EMULATED		(1 << 0)
#define XEN_CPUID_HOST_TSC_RELIABLE	(1 << 1)
#define XEN_CPUID_RDTSCP_INSTR_AVAIL	(1 << 2)
/* Leaf +3, sub-leaf 0, ebx: TSC mode */
#define XEN_CPUID_TSC_MODE_DEFAULT		0
#define XEN_CPUID_TSC_MODE_ALWAYS_EMULATE	1
#define XEN_CPUID_TSC_MODE_NEVER_EMULATE	2
#define XEN_CPUID_TSC_MODE_PVRDTSCP		3

/* Leaf +4, eax (HVM only; a PV guest must see 0) */
#define XEN_HVM_CPUID_APIC_ACCESS_VIRT	(1 << 0)
#define XEN_HVM_CPUID_X2APIC_VIRT	(1 << 1)
#define XEN_HVM_CPUID_IOMMU_MAPPINGS	(1 << 2)
#define XEN_HVM_CPUID_VCPU_ID_PRESENT	(1 << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT	(1 << 4)
#define XEN_HVM_CPUID_EXT_DEST_ID	(1 << 5)
#define XEN_HVM_CPUID_UPCALL_VECTOR	(1 << 6)

/* Leaf +5, ebx */
#define XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK	0xff

#endif /* PVABI_CPUID_H */
