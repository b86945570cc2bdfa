/* segments.h - loading guest-chosen selectors safely (segments.S). */
#ifndef HV_X86_SEGMENTS_H
#define HV_X86_SEGMENTS_H

#include "hv.h"

void load_ds(u16 sel);
void load_es(u16 sel);
void load_fs(u16 sel);
void load_gs(u16 sel);
void load_user_gs_selector(u16 sel);
int segment_lar(u16 sel, u32 *rights);

/* segment_lar()'s access rights */
#define AR_TYPE_CODE	(1U << 11)
#define AR_TYPE_WRITE	(1U << 9)	/* data: writable */
#define AR_S		(1U << 12)	/* code or data */
#define AR_P		(1U << 15)
#define AR_L		(1U << 21)	/* code: 64-bit */
#define AR_DB		(1U << 22)	/* data: 32-bit stack (B); code: 32-bit (D) */

#endif
