/*
 * pvabi/abi-check.h - compile-time layout checks for the pvabi headers.
 *
 * Every structure in pvabi/ is followed by PVABI_CHECK_SIZE and
 * PVABI_CHECK_OFFSET lines that pin it to the byte layout Xen's x86-64 PV
 * ABI gives the same structure. A field moved by mistake, a missing pad or
 * a compiler with different alignment rules then fails the build instead of
 * corrupting a guest. The checks cost nothing at run time.
 *
 * Works in C11 (_Static_assert) and C++11 (static_assert); GCC also accepts
 * _Static_assert in older C modes. Included from assembly, it defines
 * nothing, so the other headers may use the macros unconditionally inside
 * their C-only sections.
 */
#ifndef PVABI_ABI_CHECK_H
#define PVABI_ABI_CHECK_H

#ifndef __ASSEMBLER__

#include <stddef.h>

#if defined(__cplusplus)
#if __cplusplus < 201103L
#error "pvabi headers need C++11 or later (static_assert)"
#endif
#define PVABI_STATIC_ASSERT(cond, msg)	static_assert(cond, msg)
#elif (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L) || \
	defined(__GNUC__)
#define PVABI_STATIC_ASSERT(cond, msg)	_Static_assert(cond, msg)
#else
#error "pvabi headers need C11 or later (_Static_assert)"
#endif

/* sizeof(type) must be exactly size bytes. */
#define PVABI_CHECK_SIZE(type, size)					\
	PVABI_STATIC_ASSERT(sizeof(type) == (size),			\
			    "pvabi: sizeof(" #type ") != " #size)

/* member must start exactly off bytes into type. */
#define PVABI_CHECK_OFFSET(type, member, off)				\
	PVABI_STATIC_ASSERT(offsetof(type, member) == (off),		\
			    "pvabi: offsetof(" #type ", " #member ") != " #off)

#endif /* !__ASSEMBLER__ */

#endif /* PVABI_ABI_CHECK_H */
