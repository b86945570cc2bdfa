/*
 * fpu.h - guests' x87/SSE state (x86/fpu.c).
 */
#ifndef HV_X86_FPU_H
#define HV_X86_FPU_H

#include "hv.h"

#define FPU_IMAGE_SIZE	512	/* an FXSAVE image, 16-byte aligned */

void fpu_init(void);
void fpu_reset(u8 *image);
void fpu_save(u8 *image);
void fpu_restore(const u8 *image);

#endif
