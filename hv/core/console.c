/*
 * console.c - line-prefixed output to COM1.
 *
 * Runs in: hypervisor, any context.
 *
 * Every line on the serial console says who wrote it: "(hv) " for the
 * hypervisor, "(name) " for a domain. Output from different sources may
 * interleave, so each source keeps its own "at start of line" state and a
 * switch of source in the middle of a line starts a new line: a test that
 * greps the log for "(web) RESULT: PASS" never finds a line split between
 * two writers.
 */
#include "hv.h"
#include "core/console.h"
#include "x86/uart.h"
#include "core/domain.h"
#include "core/guest_access.h"
#include "core/hypercall.h"
#include "pvabi/errno.h"
#include "pvabi/xen.h"

int hv_loglvl = LOG_INFO;

static const char *last_prefix;	/* source of the unfinished line, if any */

void console_init(void)
{
	uart_init();
}

/* Write len bytes from one source, starting each line with its prefix. */
void console_write(const char *prefix, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (last_prefix && last_prefix != prefix) {
			uart_putc('\n');
			last_prefix = NULL;
		}
		if (!last_prefix) {
			for (const char *p = prefix; *p; p++)
				uart_putc(*p);
			last_prefix = prefix;
		}
		if (buf[i] == '\n')
			last_prefix = NULL;
		uart_putc(buf[i]);
	}
}

static void vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);

	console_write("(hv) ", buf, MIN((size_t)n, sizeof(buf) - 1));
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void printk_lvl(int lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > hv_loglvl)
		return;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

/*
 * do_console_io - the guest's direct line to the hypervisor console.
 *   CONSOLEIO_write: print count bytes from the guest buffer, each line
 *                    prefixed with the domain's name. Returns 0.
 * Errors: -EFAULT if the buffer cannot be read (what was read before the
 * fault has been printed); -ENOSYS for CONSOLEIO_read (input arrives with
 * the console ring) and any other cmd. Never blocks.
 */
long do_console_io(u64 cmd, u64 count, u64 buffer, u64 a4, u64 a5)
{
	const char *prefix = current->domain->prefix;
	char chunk[256];

	(void)a4, (void)a5;
	if (cmd != CONSOLEIO_write)
		return -XEN_ENOSYS;
	while (count) {
		u64 n = MIN(count, sizeof(chunk));

		if (copy_from_guest(chunk, buffer, n))
			return -XEN_EFAULT;
		console_write(prefix, chunk, n);
		buffer += n;
		count -= n;
	}
	return 0;
}
