/*
 * parse.c - number, size and hex-byte parsers for command lines.
 *
 * Runs in: hypervisor and host tests. Pure functions over NUL-terminated
 * strings; overflow is an error, never a wrap.
 */
#include "hv.h"

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/*
 * Two hex digits, either case, as one byte (a MAC address's pieces):
 * exactly two, what follows them is the caller's to check.
 */
bool parse_hex_byte(const char *s, u8 *out)
{
	int hi = digit_value(s[0]), lo;

	if (hi > 15)
		return false;
	lo = digit_value(s[1]);
	if (lo > 15)
		return false;
	*out = (u8)(hi << 4 | lo);
	return true;
}

/*
 * Parse a decimal or 0x-prefixed hexadecimal number. On success stores the
 * value and, if end is not NULL, the first unparsed character.
 */
bool parse_u64(const char *s, const char **end, u64 *out)
{
	unsigned base = 10;
	u64 v = 0;
	int d, n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; (d = digit_value(*s)) < (int)base; s++, n++) {
		if (v > (UINT64_MAX - (u64)d) / base)
			return false;
		v = v * base + (u64)d;
	}
	if (n == 0)
		return false;
	if (end)
		*end = s;
	*out = v;
	return true;
}

/* A number with an optional K, M or G suffix (powers of 1024). */
bool parse_size(const char *s, const char **end, u64 *out)
{
	const char *e;
	unsigned shift = 0;
	u64 v;

	if (!parse_u64(s, &e, &v))
		return false;
	switch (*e) {
	case 'k': case 'K': shift = 10; e++; break;
	case 'm': case 'M': shift = 20; e++; break;
	case 'g': case 'G': shift = 30; e++; break;
	default: break;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return false;
	if (end)
		*end = e;
	*out = v << shift;
	return true;
}
