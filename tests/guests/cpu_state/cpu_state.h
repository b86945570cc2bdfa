/*
 * cpu_state.h - the cpu_state test's two halves: C (main.c) and the code
 * that runs in compatibility mode or changes mode (low.S).
 *
 * Runs in: test guests, guest kernel and guest user mode.
 */
#ifndef CPU_STATE_H
#define CPU_STATE_H

#include "image.h"

/*
 * 32-bit code runs below 4 GiB: the page of low.S's compat_page is mapped
 * a second time at LOW_CODE_VA, a stack of two pages after it.
 */
#define LOW_CODE_VA	GUEST_UL(0x00400000)
#define LOW_STACK_VA	GUEST_UL(0x00401000)
#define LOW_STACK_TOP	GUEST_UL(0x00403000)
#define UMIP_COMPAT_VA	GUEST_UL(0x00401000)	/* the low stack's bottom: c_umip's results */

/* The last two pages of the address space: where SYSENTER from the kernel bounces. */
#define TOP_VA		GUEST_UL(0xffffffffffffe000)

#define SEL_CS32	0xe023	/* FLAT_RING3_CS32 */
#define SEL_CS64	0xe033	/* FLAT_RING3_CS64 */
#define SEL_DS32	0xe02b	/* FLAT_RING3_DS32 = FLAT_RING3_SS64 */

#ifndef __ASSEMBLER__
#include "guest.h"

/* The address of a label of compat_page where it runs: below 4 GiB. */
#define LOW(sym)	(LOW_CODE_VA + ((u64)(sym) - (u64)compat_page))

/* low.S: the page itself and its entry points (32-bit code). */
extern char compat_page[];
extern char c_syscall[], c_syscall_insn[], c_syscall_next[];
extern char c_sysenter[], c_sysenter_insn[], c_sysenter_next[];
extern char c_sysenter_nt[], c_sysenter_nt_insn[], c_sysenter_nt_next[];
extern char c_sysenter_tf[], c_sysenter_tf_insn[], c_sysenter_tf_next[];
extern char c_int80[], c_int80_next[];
extern char c_umip[], c_umip_sgdt[], c_umip_next[];

/*
 * Run the 32-bit code at entry (a LOW() address) in compatibility mode
 * with DS/ES = SEL_DS32 and ESP = LOW_STACK_TOP, from guest kernel or
 * guest user mode alike; it ends by jumping back to 64-bit mode, and this
 * returns there.
 */
void compat_run(u64 entry);

/* 64-bit SYSENTER with the SYSEXIT convention: rcx = rsp, rdx = where to go on. */
void sysenter64(void);
extern char sysenter64_insn[], sysenter64_next[];

/* 64-bit SYSCALL, rax = 0x5c64; clobbers rax, rcx, r11. */
void syscall64(void);
extern char syscall64_insn[];

/*
 * Enter guest user mode at fn on user_rsp with events enabled; returns the
 * code the user program passes to user_exit() (int $0x82), whose handler
 * resumes the kernel at user_return.
 */
long user_run(void (*fn)(void), u64 user_rsp);
void __noreturn user_exit(u64 code);
extern char user_return[];
extern u64 user_kernel_rsp;
#endif

#endif /* CPU_STATE_H */
