/*
 * uart.h - the 16550 serial port COM1, the hypervisor's console.
 */
#ifndef HV_X86_UART_H
#define HV_X86_UART_H

#include "hv.h"

void uart_init(void);
void uart_putc(char c);
int uart_getc(void);	/* -1 when nothing is waiting */

#endif /* HV_X86_UART_H */
