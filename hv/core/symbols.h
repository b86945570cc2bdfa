/*
 * symbols.h - address to function name, for stack traces.
 */
#ifndef HV_CORE_SYMBOLS_H
#define HV_CORE_SYMBOLS_H

#include "hv.h"

const char *symbol_lookup(u64 addr, u64 *offset);

#endif /* HV_CORE_SYMBOLS_H */
