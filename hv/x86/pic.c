/*
 * pic.c - silence the legacy 8259 interrupt controllers.
 *
 * Runs in: hypervisor, once at boot.
 *
 * The BIOS leaves the 8259 PICs delivering the PIT timer as IRQ 0 on vector
 * 8, the same vector as a double fault. The first time a guest runs with
 * interrupts on, that tick would arrive looking like #DF. Remap both PICs
 * above the exception vectors (32-47) and mask every line; the hypervisor's
 * interrupts come from the local APIC.
 */
#include "hv.h"
#include "x86/cpu.h"
#include "x86/pic.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1

void pic_disable(void)
{
	outb(PIC1_CMD, 0x11);	/* ICW1: initialise, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, 0x20);	/* ICW2: vectors 32-39 */
	outb(PIC2_DATA, 0x28);	/*       and 40-47 */
	outb(PIC1_DATA, 0x04);	/* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);	/* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff);	/* mask everything */
	outb(PIC2_DATA, 0xff);
}
