/*
 * uart.c - COM1 at 115200 8N1, polled.
 *
 * Runs in: hypervisor, any context. Output is polled, not interrupt driven:
 * a panic must be able to print with interrupts off and nothing else
 * working. Under QEMU the transmitter is always ready, so polling costs one
 * port read per character.
 */
#include "hv.h"
#include "x86/cpu.h"
#include "x86/uart.h"

#define COM1		0x3f8
#define UART_DATA	0	/* DLAB=0: transmit/receive */
#define UART_IER	1	/* DLAB=0: interrupt enable */
#define UART_DLL	0	/* DLAB=1: divisor low */
#define UART_DLM	1	/* DLAB=1: divisor high */
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DATA_READY	0x01
#define LSR_THR_EMPTY	0x20

void uart_init(void)
{
	outb(COM1 + UART_IER, 0x00);	/* no interrupts (yet) */
	outb(COM1 + UART_LCR, 0x80);	/* DLAB on: set the divisor */
	outb(COM1 + UART_DLL, 1);	/* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, 0x03);	/* 8 bits, no parity, 1 stop */
	outb(COM1 + UART_FCR, 0xc7);	/* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x0b);	/* DTR, RTS, OUT2 */
}

void uart_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
		cpu_relax();
	outb(COM1 + UART_DATA, (u8)c);
}

int uart_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
}
