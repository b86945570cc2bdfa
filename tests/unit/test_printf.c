/*
 * test_printf.c - hv/lib/printf.c against the C library's snprintf.
 *
 * The hypervisor's only window to the world is what it prints, so the
 * formatter must be right in every corner the code uses: widths, padding,
 * sign, 64-bit extremes, truncation and the return value.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv.h"
#include "harness.h"

/* Some cases are deliberately what -Wformat warns about. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

/* Format with both formatters and require identical output and length. */
#define SAME(fmt, ...)							\
	do {								\
		char ours[128], libc[128];				\
		int n1 = hv_snprintf(ours, sizeof(ours), fmt, __VA_ARGS__); \
		int n2 = snprintf(libc, sizeof(libc), fmt, __VA_ARGS__); \
		ck_assert_str_eq(ours, libc);				\
		ck_assert_int_eq(n1, n2);				\
	} while (0)

START_TEST(test_integers)
{
	SAME("%d|%i|%u", 0, -1, 4000000000u);
	SAME("%d", INT_MIN);				/* negating INT_MIN overflows naively */
	SAME("%lld|%llu", LLONG_MIN, ULLONG_MAX);	/* 64-bit extremes */
	SAME("%ld|%lu|%zu", -5L, 5UL, (size_t)7);
	SAME("%hhd|%hd|%hhu", 300, 70000, 511);		/* truncation to char/short */
	SAME("%x|%X|%o|%#x|%#X|%#o", 0xbeefu, 0xbeefu, 8u, 0xabu, 0xabu, 8u);
	SAME("%#x|%#o", 0u, 0u);			/* no prefix for zero */
	SAME("%016llx", 0x1234ULL);
	SAME("%+d|% d|%+d", 5, 5, -5);
}
END_TEST

START_TEST(test_width_precision)
{
	SAME("[%5d][%-5d][%05d][%-05d]", 42, 42, -42, 42);
	SAME("[%.3d][%8.3d][%.0d]", 7, -7, 0);		/* precision forces digits */
	SAME("[%*d][%-*d][%*d]", 6, 1, 6, 2, -6, 3);	/* '*' width, negative = left */
	SAME("[%.*s][%10s][%-10s]", 3, "abcdef", "hi", "hi");
	SAME("[%c][%3c][%-3c]", 'a', 'b', 'c');
	SAME("[%%]%d", 0);
}
END_TEST

START_TEST(test_pointer_and_null_string)
{
	char buf[64];
	int x;

	hv_snprintf(buf, sizeof(buf), "%p", (void *)&x);
	ck_assert(strncmp(buf, "0x", 2) == 0);
	ck_assert_uint_eq(strtoull(buf, NULL, 16), (uintptr_t)&x);
	hv_snprintf(buf, sizeof(buf), "%s", (char *)NULL);
	ck_assert_str_eq(buf, "(null)");
}
END_TEST

START_TEST(test_truncation)
{
	char buf[8];
	int n;

	memset(buf, 'X', sizeof(buf));
	n = hv_snprintf(buf, sizeof(buf), "%s-%d", "abcdef", 12345);
	ck_assert_int_eq(n, 12);		/* full length, as C99 says */
	ck_assert_str_eq(buf, "abcdef-");	/* 7 characters and the NUL */
	n = hv_snprintf(buf, 0, "%d", 123);	/* size 0 writes nothing */
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(buf[0], 'a');
	n = hv_snprintf(buf, 1, "%d", 123);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(buf[0], '\0');
}
END_TEST

START_TEST(test_unknown_conversion)
{
	char buf[32];

	/* An unsupported conversion is printed literally, not skipped. */
	hv_snprintf(buf, sizeof(buf), "a%qb");
	ck_assert_str_eq(buf, "a%qb");
	hv_snprintf(buf, sizeof(buf), "end%");	/* lone % at the end */
	ck_assert_str_eq(buf, "end%");
}
END_TEST

Suite *printf_suite(void)
{
	Suite *s = suite_create("printf");
	TCase *tc = tcase_create("formats");

	tcase_add_test(tc, test_integers);
	tcase_add_test(tc, test_width_precision);
	tcase_add_test(tc, test_pointer_and_null_string);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_unknown_conversion);
	suite_add_tcase(s, tc);
	return s;
}

/* parse.c lives beside printf.c in hv/lib; its tests live here too. */
START_TEST(test_parse_numbers)
{
	const char *end;
	u64 v;

	ck_assert(parse_u64("1234x", &end, &v) && v == 1234 && *end == 'x');
	ck_assert(parse_u64("0x1fF", &end, &v) && v == 0x1ff && *end == '\0');
	ck_assert(parse_u64("18446744073709551615", NULL, &v) && v == UINT64_MAX);
	ck_assert(!parse_u64("18446744073709551616", NULL, &v));	/* overflow */
	ck_assert(!parse_u64("0x", NULL, &v));			/* no digits */
	ck_assert(!parse_u64("", NULL, &v));
	ck_assert(!parse_u64("-1", NULL, &v));
}
END_TEST

START_TEST(test_parse_sizes)
{
	const char *end;
	u64 v;

	ck_assert(parse_size("256M", &end, &v) && v == 256ULL << 20 && !*end);
	ck_assert(parse_size("4k", NULL, &v) && v == 4096);
	ck_assert(parse_size("2G", NULL, &v) && v == 2ULL << 30);
	ck_assert(parse_size("4096", NULL, &v) && v == 4096);
	ck_assert(!parse_size("17179869184G", NULL, &v));	/* 2^34 G overflows */
	ck_assert(parse_size("1T", &end, &v) && v == 1 && *end == 'T');
}
END_TEST

START_TEST(test_parse_hex_bytes)
{
	u8 b = 0x5a;

	ck_assert(parse_hex_byte("00", &b) && b == 0x00);
	ck_assert(parse_hex_byte("9f", &b) && b == 0x9f);
	ck_assert(parse_hex_byte("Ab:", &b) && b == 0xab);	/* what follows: the caller's */
	ck_assert(parse_hex_byte("FF", &b) && b == 0xff);
	b = 0x5a;
	ck_assert(!parse_hex_byte("g0", &b));
	ck_assert(!parse_hex_byte("0g", &b));
	ck_assert(!parse_hex_byte("0", &b));		/* one digit, then the end */
	ck_assert(!parse_hex_byte("", &b));
	ck_assert(!parse_hex_byte(":0", &b));
	ck_assert(!parse_hex_byte("0x", &b));
	ck_assert_uint_eq(b, 0x5a);			/* untouched on failure */
}
END_TEST

Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse_numbers);
	tcase_add_test(tc, test_parse_sizes);
	tcase_add_test(tc, test_parse_hex_bytes);
	suite_add_tcase(s, tc);
	return s;
}
