/*
 * pvabi/physdev.h - physical-device operations: HYPERVISOR_physdev_op.
 *
 * Most of these let a privileged domain drive real interrupts and PCI
 * devices; pvisor's domains own no hardware, so it implements none of
 * them. Two matter to an ordinary PV kernel: the virtual I/O privilege
 * level (Linux sets it to 1 at boot) and the I/O-port permission bitmap.
 *
 * HYPERVISOR_physdev_op(cmd, arg): cmd is PHYSDEVOP_*, arg the guest
 * address of the matching structure. Returns 0 or -XEN_E*.
 * HYPERVISOR_physdev_op_compat(arg) is the older form, with cmd as the
 * first 32-bit word of a single argument structure.
 */
#ifndef PVABI_PHYSDEV_H
#define PVABI_PHYSDEV_H

#include "xen.h"

#define PHYSDEVOP_IRQ_UNMASK_NOTIFY	4  /* old: EOI a pirq */
#define PHYSDEVOP_irq_status_query	5  /* does a pirq need an EOI call */
#define PHYSDEVOP_set_iopl		6  /* virtual IOPL */
#define PHYSDEVOP_set_iobitmap		7  /* I/O-port permission bitmap */
#define PHYSDEVOP_apic_read		8  /* read an IO-APIC register */
#define PHYSDEVOP_apic_write		9  /* write an IO-APIC register */
#define PHYSDEVOP_alloc_irq_vector	10 /* allocate a vector for an IRQ */
#define PHYSDEVOP_free_irq_vector	11
#define PHYSDEVOP_eoi			12 /* end of interrupt for a pirq */
#define PHYSDEVOP_map_pirq		13 /* map a GSI or MSI to a pirq */
#define PHYSDEVOP_unmap_pirq		14
#define PHYSDEVOP_manage_pci_add	15 /* report a PCI device */
#define PHYSDEVOP_manage_pci_remove	16
#define PHYSDEVOP_pirq_eoi_gmfn_v1	17 /* page of "needs EOI" bits */
/* 18 is unused */
#define PHYSDEVOP_restore_msi		19 /* reprogram MSI after resume */
#define PHYSDEVOP_manage_pci_add_ext	20 /* report a PCI device, extended */
#define PHYSDEVOP_setup_gsi		21 /* trigger mode of a GSI */
#define PHYSDEVOP_get_nr_pirqs		22 /* Linux only; Xen dropped it */
#define PHYSDEVOP_get_free_pirq		23
#define PHYSDEVOP_pci_mmcfg_reserved	24 /* MMCFG region is usable */
#define PHYSDEVOP_pci_device_add	25
#define PHYSDEVOP_pci_device_remove	26
#define PHYSDEVOP_restore_msi_ext	27
#define PHYSDEVOP_pirq_eoi_gmfn_v2	28 /* as 17, with a cleared page */
#define PHYSDEVOP_dbgp_op		29 /* USB debug port handover */
#define PHYSDEVOP_prepare_msix		30
#define PHYSDEVOP_release_msix		31
#define PHYSDEVOP_pci_device_reset	32

#ifndef __ASSEMBLER__

/*
 * PHYSDEVOP_set_iopl: set the calling vCPU's virtual IOPL (0-3). Port
 * I/O from guest kernel mode is then allowed when iopl >= 1, from guest
 * user mode when iopl == 3 (or per the bitmap below).
 */
struct physdev_set_iopl {
	uint32_t iopl;		/* IN */
}; /* 4 bytes */
PVABI_CHECK_SIZE(struct physdev_set_iopl, 4);
PVABI_CHECK_OFFSET(struct physdev_set_iopl, iopl, 0);

/*
 * PHYSDEVOP_set_iobitmap: ports 0..nr_ports-1 are governed by the bitmap
 * (bit clear = allowed, as in a TSS I/O bitmap), which stays in guest
 * memory and is read on each access.
 */
struct physdev_set_iobitmap {
	uint64_t bitmap;	/* IN: guest VA of the bitmap */
	uint32_t nr_ports;	/* IN */
	uint32_t pad0;
}; /* 16 bytes */
PVABI_CHECK_SIZE(struct physdev_set_iobitmap, 16);
PVABI_CHECK_OFFSET(struct physdev_set_iobitmap, bitmap, 0);
PVABI_CHECK_OFFSET(struct physdev_set_iobitmap, nr_ports, 8);

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_PHYSDEV_H */
