/*
 * symbols.c - find the function that contains an address.
 *
 * Runs in: hypervisor, any context (used by panic and exception reports).
 *
 * The table is generated after a first link by tools/gensyms from `nm`
 * (sorted addresses of text symbols plus their names) and linked in a
 * second pass; hv.lds.S places it after everything else so the second link
 * moves no symbol. An empty table (first pass) simply finds nothing.
 */
#include "hv.h"
#include "core/symbols.h"

extern const u64 hv_symtab_count;
extern const u64 hv_symtab_addrs[];
extern const u32 hv_symtab_name_offsets[];
extern const char hv_symtab_names[];
extern const char __text_start[], __text_end[];

const char *symbol_lookup(u64 addr, u64 *offset)
{
	u64 lo = 0, hi = hv_symtab_count;

	if (addr < (u64)__text_start || addr >= (u64)__text_end || hi == 0)
		return NULL;
	/* The last symbol whose address is <= addr. */
	while (hi - lo > 1) {
		u64 mid = lo + (hi - lo) / 2;

		if (hv_symtab_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (hv_symtab_addrs[lo] > addr)
		return NULL;
	*offset = addr - hv_symtab_addrs[lo];
	return &hv_symtab_names[hv_symtab_name_offsets[lo]];
}
