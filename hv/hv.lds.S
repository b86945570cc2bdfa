/*
 * hv.lds.S - link map of build/hv.elf (preprocessed with layout.h).
 *
 * .boot runs where GRUB puts it, at physical HV_LOAD_PHYS with virtual ==
 * physical. Everything after it is linked at DIRECTMAP_BASE + physical, so
 * the boot page tables that map the first 4 GiB at DIRECTMAP_BASE reach it.
 * The symbol table for stack traces (.rodata.symtab) comes last so that the
 * second link, which fills it in, moves no other symbol.
 */
#include "layout.h"

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(_start)

PHDRS
{
	boot PT_LOAD FLAGS(7);
	text PT_LOAD FLAGS(5);
	data PT_LOAD FLAGS(6);
	syms PT_LOAD FLAGS(4);
}

SECTIONS
{
	. = HV_LOAD_PHYS;
	__image_start_phys = .;
	.boot : { *(.boot) } :boot
	.boot.bss (NOLOAD) : { *(.boot.bss) } :boot

	. = ALIGN(4096) + DIRECTMAP_BASE;
	__image_start = . ;
	.text : AT(ADDR(.text) - DIRECTMAP_BASE) {
		__text_start = .;
		*(.text .text.*)
		. = ALIGN(4096);	/* the switcher's pages: aliased, alone */
		*(.switcher.text)
		. = ALIGN(4096);
		__text_end = .;
	} :text
	. = ALIGN(4096);		/* text and read-only data get their own pages */
	__rodata_start = .;
	.rodata : AT(ADDR(.rodata) - DIRECTMAP_BASE) {
		*(.rodata .rodata.*)
		. = ALIGN(8);
		__ex_table_start = .;
		*(.ex_table)
		__ex_table_end = .;
	} :text

	. = ALIGN(4096);
	__data_start = .;
	.data : AT(ADDR(.data) - DIRECTMAP_BASE) {
		*(.data .data.*)
	} :data
	.bss : AT(ADDR(.bss) - DIRECTMAP_BASE) {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		. = ALIGN(4096);
		__bss_end = .;
	} :data
	.symtab.hv : AT(ADDR(.symtab.hv) - DIRECTMAP_BASE) {
		*(.symtab.hv)
	} :syms
	. = ALIGN(4096);
	__image_end = .;

	/DISCARD/ : { *(.comment) *(.note.*) *(.eh_frame) }
}
