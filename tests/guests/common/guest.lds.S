/*
 * guest.lds.S - the linker script of every test guest (preprocessed by
 * guests.mk into build/guests/guest.lds).
 *
 * Three loadable segments, each starting on a page: text (R X), read-only
 * data with the Xen notes (R), data and bss (R W); and a PT_NOTE segment
 * over the notes, where the builder looks first. Virtual addresses start
 * at GUEST_VIRT_BASE; AT() makes each p_paddr = vaddr - GUEST_VIRT_BASE,
 * which is how the builder places segments (by p_paddr, see elf.c).
 */
#include "image.h"

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(_start)

PHDRS
{
	text	PT_LOAD FLAGS(5);	/* R X */
	rodata	PT_LOAD FLAGS(4);	/* R */
	data	PT_LOAD FLAGS(6);	/* R W */
	note	PT_NOTE FLAGS(4);
}

SECTIONS
{
	. = GUEST_VIRT_BASE;
	_image_start = .;

	.text : AT(ADDR(.text) - GUEST_VIRT_BASE) {
		*(.text.hypercall_page)		/* page-aligned, if present */
		*(.text.head)
		*(.text .text.*)
	} :text

	. = ALIGN(GUEST_PAGE_SIZE);
	.rodata : AT(ADDR(.rodata) - GUEST_VIRT_BASE) {
		*(.rodata .rodata.*)
	} :rodata
	.note.Xen : AT(ADDR(.note.Xen) - GUEST_VIRT_BASE) {
		*(.note.Xen)
	} :rodata :note

	. = ALIGN(GUEST_PAGE_SIZE);
	.data : AT(ADDR(.data) - GUEST_VIRT_BASE) {
		*(.data .data.*)
	} :data
	.bss : AT(ADDR(.bss) - GUEST_VIRT_BASE) {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		. = ALIGN(8);
		__bss_end = .;
	} :data

	. = ALIGN(GUEST_PAGE_SIZE);
	_image_end = .;

	/DISCARD/ : {
		*(.eh_frame .eh_frame_hdr)
		*(.note.gnu.property .note.GNU-stack)
		*(.comment)
	}
}
