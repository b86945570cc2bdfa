/*
 * console.c - the test guest's console: printk() through console_io.
 *
 * Runs in: test guests.
 *
 * Every printk() is one CONSOLEIO_write hypercall of the formatted text;
 * the hypervisor starts each line on the serial log with "(DOMAIN) ". The
 * formatter is the hypervisor's own hv/lib/printf.c, compiled into the
 * guest. A message longer than the 512-byte buffer is cut short (tests that
 * need long writes call console_write() on their own buffer).
 */
#include "guest.h"

/* Write len bytes as they are. A console that fails leaves no way to
 * report anything: end the domain as crashed, which the hypervisor logs. */
void console_write(const void *buf, size_t len)
{
	if (HYPERVISOR_console_io(CONSOLEIO_write, len, buf) != 0)
		guest_shutdown(SHUTDOWN_crash);
}

void printk(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}
