/*
 * segdesc.h - checking guest segment descriptors (mm/segdesc.c).
 */
#ifndef HV_MM_SEGDESC_H
#define HV_MM_SEGDESC_H

#include "hv.h"

/*
 * A PV mode's descriptor rules (pv/mode.h): the lowest DPL a guest
 * descriptor keeps (its kernel's ring) and the flat kernel code segment a
 * call gate may target besides the guest's own.
 */
struct segdesc_rules {
	u32 kernel_dpl;
	u32 kernel_cs;
	bool accessed;	/* set Accessed in code and data: the CPU sees them read-only */
};

extern const struct segdesc_rules segdesc_ring3;	/* compat mode's */
extern const struct segdesc_rules segdesc_ring1;	/* fast mode's */

bool check_descriptor(u64 *desc, const struct segdesc_rules *rules);
int validate_segdesc_page(u64 *descs, const struct segdesc_rules *rules);

/* Access rights as LAR gives them (bits 8-23 of the descriptor's high word). */
#define AR_TYPE_WRITE	(1U << 9)	/* data: writable */
#define AR_TYPE_CODE	(1U << 11)
#define AR_CONFORMING	(1U << 10)	/* code: conforming */
#define AR_DPL		(3U << 13)
#define AR_S		(1U << 12)	/* code or data */
#define AR_P		(1U << 15)
#define AR_L		(1U << 21)	/* code: 64-bit */
#define AR_DB		(1U << 22)	/* data: 32-bit stack (B); code: 32-bit (D) */

bool segdesc_stack_is_16bit(u32 ss_ar);
bool segdesc_code_is_64bit(u32 cs_ar);

#endif /* HV_MM_SEGDESC_H */
