/* segments.h - loading guest-chosen selectors safely (segments.S). */
#ifndef HV_X86_SEGMENTS_H
#define HV_X86_SEGMENTS_H

#include "hv.h"

void load_ds(u16 sel);
void load_es(u16 sel);
void load_fs(u16 sel);
void load_gs(u16 sel);
void load_user_gs_selector(u16 sel);
int segment_lar(u16 sel, u32 *rights);	/* rights: AR_* of mm/segdesc.h */

#endif
