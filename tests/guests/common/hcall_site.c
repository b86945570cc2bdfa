/*
 * hcall_site.c - a hypercall made by `syscall` at one known address
 * (hcall_site.h says why).
 *
 * Runs in: test guests.
 */
#include "hcall_site.h"

long __attribute__((noinline)) hcall(u64 nr, u64 a1, u64 a2, u64 a3, u64 a4)
{
	register u64 r1 asm("rdi") = a1;
	register u64 r2 asm("rsi") = a2;
	register u64 r3 asm("rdx") = a3;
	register u64 r4 asm("r10") = a4;
	register u64 r5 asm("r8") = 0;
	long res;

	asm volatile(".globl hcall_site\nhcall_site: syscall"
		     : "=a"(res), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5)
		     : "0"(nr)
		     : "rcx", "r11", "memory");
	return res;
}
