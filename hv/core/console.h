/*
 * console.h - everything the hypervisor and its guests print.
 */
#ifndef HV_CORE_CONSOLE_H
#define HV_CORE_CONSOLE_H

#include "hv.h"

void console_init(void);
void console_write(const char *prefix, const char *buf, size_t len);

#endif /* HV_CORE_CONSOLE_H */
