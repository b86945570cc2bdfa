/*
 * printf.c - the hypervisor's formatter.
 *
 * Runs in: hypervisor, any context (no locks, no allocation), and host tests.
 *
 * hv_vsnprintf() understands what the hypervisor prints: %d %i %u %x %X %o
 * %p %s %c %%, the flags '-' '0' '+' ' ' '#', a field width and a precision
 * (either may be '*'), and the length modifiers hh h l ll z t j. It always
 * NUL-terminates when size > 0 and returns the length the full output would
 * have had, as C's snprintf does, so callers can detect truncation.
 */
#include "hv.h"

struct out {
	char *buf;
	size_t size;
	size_t len;	/* characters produced so far, even past size */
};

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec;	/* -1: none given */
	int length;	/* 'H' hh, 'h', 'l', 'L' ll/j/z/t, 0 int */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	int len;

	if (!s)
		s = "(null)";
	len = (int)strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : (size_t)-1);
	if (!sp->left)
		pad(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - len);
}

/* Print an unsigned magnitude with its sign or prefix, honouring the spec. */
static void put_num(struct out *o, const struct spec *sp, u64 v, bool neg,
		    unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], prefix[3] = "";
	int n = 0, plen = 0, zeros, total;
	bool is_zero = v == 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0;

	if (neg)
		prefix[plen++] = '-';
	else if (sp->plus)
		prefix[plen++] = '+';
	else if (sp->space)
		prefix[plen++] = ' ';
	if (sp->alt && base == 16 && !is_zero) {
		prefix[plen++] = '0';
		prefix[plen++] = upper ? 'X' : 'x';
	} else if (sp->alt && base == 8 && (n == 0 || tmp[n - 1] != '0')) {
		prefix[plen++] = '0';
	}

	zeros = sp->prec > n ? sp->prec - n : 0;
	total = plen + zeros + n;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left)
		pad(o, ' ', sp->width - total);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9')
			sp->width = sp->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				sp->prec = sp->prec * 10 + (*f++ - '0');
		}
	}
	if (f[0] == 'h' && f[1] == 'h') {
		sp->length = 'H';
		f += 2;
	} else if (f[0] == 'l' && f[1] == 'l') {
		sp->length = 'L';
		f += 2;
	} else if (*f == 'h' || *f == 'l') {
		sp->length = *f++;
	} else if (*f == 'z' || *f == 't' || *f == 'j') {
		sp->length = 'L';
		f++;
	}
	return f;
}

static s64 signed_arg(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H': return (s8)va_arg(*ap, int);
	case 'h': return (s16)va_arg(*ap, int);
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	default:  return va_arg(*ap, int);
	}
}

static u64 unsigned_arg(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H': return (u8)va_arg(*ap, unsigned int);
	case 'h': return (u16)va_arg(*ap, unsigned int);
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	default:  return va_arg(*ap, unsigned int);
	}
}

static void format_one(struct out *o, char conv, struct spec *sp, va_list *ap)
{
	s64 sv;
	char c;

	switch (conv) {
	case 'd':
	case 'i':
		sv = signed_arg(sp, ap);
		put_num(o, sp, sv < 0 ? -(u64)sv : (u64)sv, sv < 0, 10, false);
		break;
	case 'u':
		put_num(o, sp, unsigned_arg(sp, ap), false, 10, false);
		break;
	case 'x':
	case 'X':
		put_num(o, sp, unsigned_arg(sp, ap), false, 16, conv == 'X');
		break;
	case 'o':
		put_num(o, sp, unsigned_arg(sp, ap), false, 8, false);
		break;
	case 'p':
		sp->alt = true;
		put_num(o, sp, (u64)(uintptr_t)va_arg(*ap, void *), false, 16,
			false);
		break;
	case 's':
		put_str(o, sp, va_arg(*ap, const char *));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		if (!sp->left)
			pad(o, ' ', sp->width - 1);
		put(o, c);
		if (sp->left)
			pad(o, ' ', sp->width - 1);
		break;
	case '%':
		put(o, '%');
		break;
	default:
		/* Unknown conversion: print it literally so the bug is visible. */
		put(o, '%');
		if (conv)
			put(o, conv);
		break;
	}
}

int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		format_one(&o, *fmt, &sp, &aq);
		if (*fmt)
			fmt++;
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int hv_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * A parser's failure: write a one-line reason into err (errlen bytes, may
 * be 0) and return -1, so "return errorf(err, len, ...);" ends the parse.
 */
int errorf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
