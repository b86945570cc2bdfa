/*
 * domcfg.c - parse a boot module's command line into a domain description.
 *
 * Runs in: hypervisor at boot, and host tests. Trusts nothing: the string
 * comes from the boot loader's configuration, typed by a person.
 *
 * There is no toolstack: every domain is described where GRUB loads it
 * (docs/domains.md). A kernel module says
 *
 *	module2 /boot/web.elf name=web mem=256M vcpus=1 -- console=hvc0 quiet
 *
 * and a ramdisk module names the domain it belongs to:
 *
 *	module2 /boot/web.cpio ramdisk=web
 *
 * Everything after " -- " is the guest's own command line, untouched.
 */
#include "hv.h"
#include "core/domcfg.h"

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || n > DOMAIN_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* One "key=value" word of n characters. */
static int apply(struct domcfg *c, const char *w, size_t n, bool *named,
		 char *err, size_t errlen)
{
	const char *eq = memchr(w, '=', n);
	size_t klen = eq ? (size_t)(eq - w) : n;
	const char *v = eq ? eq + 1 : "";
	size_t vlen = eq ? n - klen - 1 : 0;
	char val[32];
	const char *end;
	u64 x;

	if (!eq)
		return errorf(err, errlen, "'%.*s': expected key=value", (int)n, w);
	if (vlen >= sizeof(val))
		return errorf(err, errlen, "value of '%.*s' is too long", (int)klen, w);
	memcpy(val, v, vlen);
	val[vlen] = '\0';

	if (klen == 4 && !memcmp(w, "name", 4)) {
		if (!valid_name(val, vlen))
			return errorf(err, errlen, "bad name '%s': 1-%d of [A-Za-z0-9_-]",
				    val, DOMAIN_NAME_MAX);
		memcpy(c->name, val, vlen + 1);
		*named = true;
	} else if (klen == 3 && !memcmp(w, "mem", 3)) {
		if (!parse_size(val, &end, &x) || *end)
			return errorf(err, errlen, "bad mem '%s': e.g. 64M", val);
		if (x < DOMAIN_MEM_MIN || x > DOMAIN_MEM_MAX || x % PAGE_SIZE)
			return errorf(err, errlen, "mem=%s: must be whole pages from %lluM to %lluG",
				    val, (unsigned long long)(DOMAIN_MEM_MIN >> 20),
				    (unsigned long long)(DOMAIN_MEM_MAX >> 30));
		c->mem = x;
	} else if (klen == 5 && !memcmp(w, "vcpus", 5)) {
		if (!parse_u64(val, &end, &x) || *end || x < 1)
			return errorf(err, errlen, "bad vcpus '%s'", val);
		if (x > DOMAIN_VCPUS_MAX)
			return errorf(err, errlen, "vcpus=%s: at most %d vCPU supported",
				    val, DOMAIN_VCPUS_MAX);
		c->vcpus = (u32)x;
	} else if (klen == 7 && !memcmp(w, "ramdisk", 7)) {
		if (!valid_name(val, vlen))
			return errorf(err, errlen, "bad domain name in 'ramdisk=%s'", val);
		memcpy(c->name, val, vlen + 1);
		c->kind = DOMCFG_RAMDISK;
	} else {
		return errorf(err, errlen, "unknown key '%.*s' (name, mem, vcpus, ramdisk)",
			    (int)klen, w);
	}
	return 0;
}

/* Returns 0, or -1 with a one-line reason in err. */
int domcfg_parse(const char *s, struct domcfg *c, char *err, size_t errlen)
{
	bool named = false;
	int words = 0;

	memset(c, 0, sizeof(*c));
	c->kind = DOMCFG_KERNEL;
	c->mem = DOMAIN_MEM_DEFAULT;
	c->vcpus = 1;
	c->cmdline = "";
	for (;;) {
		size_t n = 0;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		while (s[n] && s[n] != ' ')
			n++;
		if (n == 2 && s[0] == '-' && s[1] == '-') {
			s += 2;
			while (*s == ' ')
				s++;
			c->cmdline = s;
			break;
		}
		if (apply(c, s, n, &named, err, errlen) < 0)
			return -1;
		words++;
		s += n;
	}
	if (strlen(c->cmdline) >= GUEST_CMDLINE_MAX)
		return errorf(err, errlen, "guest command line is %zu bytes; at most %d",
			    strlen(c->cmdline), GUEST_CMDLINE_MAX - 1);
	if (c->kind == DOMCFG_RAMDISK) {
		if (words != 1 || c->cmdline[0])
			return errorf(err, errlen, "a ramdisk module takes only ramdisk=NAME");
		return 0;
	}
	if (!named)
		return errorf(err, errlen, "no name=: not a domain (name=N [mem=M] [vcpus=V] [-- cmdline])");
	return 0;
}
