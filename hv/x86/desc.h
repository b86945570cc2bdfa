/*
 * desc.h - the hypervisor's GDT, TSS and IDT, and its segment selectors.
 *
 * The selectors are Xen's x86-64 ones (pvabi/xen.h repeats the guest-visible
 * ones): the hypervisor's descriptors live in the GDT page that starts at
 * entry 0x1c00 (byte 0xe000), leaving entries 0-7167 (14 pages) to a guest's
 * own GDT (set_gdt), as on Xen.
 */
#ifndef HV_X86_DESC_H
#define HV_X86_DESC_H

#define HV_GDT_FIRST_ENTRY	0x1c00	/* FIRST_RESERVED_GDT_ENTRY in pvabi/xen.h */
#define HV_CS		0xe008	/* ring 0, 64-bit */
#define HV_DS		0xe010	/* ring 0 data */
#define GUEST_CS32	0xe023	/* ring 3, compatibility mode */
#define GUEST_DS	0xe02b	/* ring 3 data and stack */
#define GUEST_CS64	0xe033	/* ring 3, 64-bit: FLAT_RING3_CS64 */
#define HV_CS32		0xe038	/* ring 0, compatibility mode */
#define HV_TSS		0xe040
#define HV_LDT		0xe050
#define RING1_CS64	0xe019	/* fast mode's kernel: FLAT_RING1_CS64 */
#define RING1_DS	0xe061	/* ... and its stack: FLAT_RING1_SS64 */

/* Interrupt stacks (TSS IST slots) for the vectors that must not trust RSP. */
#define IST_DF		1
#define IST_NMI		2
#define IST_MC		3
#define IST_DB		4	/* #DB: may arrive before SYSCALL's stack switch */

#ifndef __ASSEMBLER__
struct pcpu;
extern u64 hv_stack_top;
void desc_describe_boot(struct pcpu *c);
u64 desc_gdt_bytes(void);
void desc_prepare_ap(struct pcpu *c);
void desc_load_ap(struct pcpu *c);
void desc_init(void);
paddr_t desc_hv_gdt_page(void);
u16 desc_gdt_limit(void);
u16 desc_idt_limit(void);
void desc_set_ldt(u64 base, u32 limit);
void desc_load_entries(u64 idt_base, u64 rsp0);
void desc_scrub_ist(void);
void desc_fill_idt(void *table, const u64 exceptions[32], u64 timer, u64 spurious);
void desc_check_tables(u64 gdt_base, u64 ldt_base, u32 ldt_ents);
#endif

#endif /* HV_X86_DESC_H */
