/*
 * fpu.c - the x87/SSE state of guests: a clean one for new vCPUs, and the
 * save and restore of a context switch.
 *
 * Runs in: hypervisor, ring 0, interrupts off.
 *
 * Every vCPU keeps its FPU/SSE registers in a 512-byte FXSAVE image
 * (struct vcpu.fpu). The hypervisor itself never uses them (it is built
 * with -mgeneral-regs-only), so the registers in the CPU are always the
 * running vCPU's: a switch saves the outgoing image and restores the
 * incoming one, nothing more. Lazy switching (CR0.TS) is the guest's own
 * business, through its virtual TS (fpu_taskswitch).
 */
#include "hv.h"
#include "x86/cpu.h"
#include "x86/fpu.h"

static u8 fpu_initial[FPU_IMAGE_SIZE] __aligned(16);	/* the state after reset */

/*
 * Capture a clean FPU/SSE state for new vCPUs. x86/cpu.c has set CR0 (EM
 * off; MP, NE on; AM on so guests can use alignment checking, as Xen) and
 * CR4.OSFXSR/OSXMMEXCPT already.
 */
void fpu_init(void)
{
	u32 mxcsr = 0x1f80;	/* all SSE exceptions masked, round to nearest */

	asm volatile("fninit; ldmxcsr %1; fxsave64 %0"
		     : "=m"(fpu_initial) : "m"(mxcsr));
}

/* A new vCPU starts with the clean state. */
void fpu_reset(u8 *image)
{
	memcpy(image, fpu_initial, sizeof(fpu_initial));
}

void fpu_save(u8 *image)
{
	asm volatile("fxsave64 %0" : "=m"(*(u8 (*)[FPU_IMAGE_SIZE])image));
}

/*
 * AMD's FXRSTOR (before Zen 2: no RSTR_FP_ERR_PTRS) restores the last x87
 * instruction and data pointers and opcode (FIP, FDP, FOP) only when the
 * image has an unmasked exception pending; otherwise the CPU keeps the
 * previous domain's, and the next one reads them with fnstenv or fxsave:
 * where another domain's code and data are. Xen's remedy, run before the
 * FXRSTOR when nothing is pending: clear the exception flags, free st(7)
 * and load an integer, which sets all three to values of our own (this
 * code and this constant: the same for every domain, and in hv.elf's
 * symbols for anyone to read). QEMU's TCG restores them from the image
 * like Intel, so no test here can see either the leak or the scrub.
 */
static void scrub_pointers(const u8 *image)
{
	static const u32 scrub_word;
	u16 fcw, fsw;

	memcpy(&fcw, image, sizeof(fcw));
	memcpy(&fsw, image + 2, sizeof(fsw));
	if (fsw & ~fcw & 0x3f)
		return;		/* pending: FXRSTOR restores the image's own */
	asm volatile("fnclex; ffree %%st(7); fildl %0" : : "m"(scrub_word));
}

void fpu_restore(const u8 *image)
{
	if (cpu_fpu_ptr_scrub)		/* x86/cpu.c decided, from CPUID */
		scrub_pointers(image);
	asm volatile("fxrstor64 %0" : : "m"(*(const u8 (*)[FPU_IMAGE_SIZE])image));
}
