/*
 * hcall_site.h - a hypercall made by `syscall` at one known address.
 *
 * Runs in: test guests.
 *
 * A test that watches hypercalls being preempted (its timer handler looks
 * at the frame it interrupted) needs to know where a continuation puts
 * RIP back: at the `syscall` of the call it made. hcall() makes every
 * call from the one instruction at hcall_site, with the arguments in
 * rdi, rsi, rdx, r10 (r8 zero), and returns rax.
 */
#ifndef GUEST_HCALL_SITE_H
#define GUEST_HCALL_SITE_H

#include "hv.h"

extern const u8 hcall_site[];
long hcall(u64 nr, u64 a1, u64 a2, u64 a3, u64 a4);

#endif
