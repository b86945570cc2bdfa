/*
 * hv.h - the one header every hypervisor C file includes.
 *
 * Runs in: hypervisor (ring 0) and, for mechanism files, host unit tests.
 *
 * Mechanism files (allocators, parsers, validators) include only this file
 * (with vaddr.h, the address predicates) and pvabi/ headers, so the very same .c file compiles into build/hv.elf and
 * into a Check test on the host (docs/style.md §6).
 * The host build defines HV_HOST_TEST; it then takes memcpy and friends from
 * the C library, and the test harness provides printk() and panic().
 */
#ifndef HV_HV_H
#define HV_HV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef u64 paddr_t;	/* a machine (physical) address */
typedef u64 mfn_t;	/* a machine frame number: paddr >> PAGE_SHIFT */

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define container_of(p, type, member) \
	((type *)((char *)(p) - __builtin_offsetof(type, member)))
#define ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((typeof(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((typeof(x))(a) - 1)) == 0)
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

#define __packed	__attribute__((packed))
#define __aligned(n)	__attribute__((aligned(n)))
#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __unused	__attribute__((unused))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define KiB(x)		((u64)(x) << 10)
#define MiB(x)		((u64)(x) << 20)
#define GiB(x)		((u64)(x) << 30)

/* Freestanding string functions (hv/lib/string.c; libc on the host). */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
void *memchr(const void *s, int c, size_t n);

/*
 * Little-endian loads from a byte buffer at any alignment: firmware tables
 * and boot-loader tags (boot/mb2.c, x86/acpi.c) are read through these,
 * so misaligned input is read correctly, not assumed away.
 */
static inline u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* hv/lib/printf.c: the formatter, pure and host-testable. */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int errorf(char *err, size_t errlen, const char *fmt, ...) __printf(3, 4);

/* hv/lib/parse.c: small parsers for command lines. */
bool parse_u64(const char *s, const char **end, u64 *out);
bool parse_size(const char *s, const char **end, u64 *out);
bool parse_hex_byte(const char *s, u8 *out);

/*
 * Log levels for loglvl= on the hypervisor command line. printk() prints a
 * message at LOG_INFO; the others print only when loglvl allows.
 */
enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
extern int hv_loglvl;

/* Console output, prefixed "(hv) " at the start of each line. */
void printk(const char *fmt, ...) __printf(1, 2);
void printk_lvl(int lvl, const char *fmt, ...) __printf(2, 3);
#define pr_err(...)	printk_lvl(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	printk_lvl(LOG_WARN, __VA_ARGS__)
#define pr_debug(...)	printk_lvl(LOG_DEBUG, __VA_ARGS__)

/* A broken hypervisor invariant: print where and stop the machine. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;
bool panic_on_this_cpu(void);
#define BUG_ON(cond)							\
	do {								\
		if (unlikely(cond))					\
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

#endif /* HV_HV_H */
