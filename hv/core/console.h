/*
 * console.h - everything the hypervisor and its guests print.
 */
#ifndef HV_CORE_CONSOLE_H
#define HV_CORE_CONSOLE_H

#include "hv.h"

void console_init(void);
void console_write(const char *prefix, const char *buf, size_t len);
void console_flush(void);
void console_defer_start(void);
struct pcpu;
void console_drain_owed(struct pcpu *c);

struct domain;
int console_ring_init(struct domain *d, void *ring);
void console_domain_init(struct domain *d);	/* its output allowance, full */
void console_poll_input(void);

#endif /* HV_CORE_CONSOLE_H */
