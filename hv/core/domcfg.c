/*
 * domcfg.c - parse a boot module's command line, or a line of a domain
 * list, into a domain description.
 *
 * Runs in: hypervisor at boot, and host tests. Trusts nothing: the strings
 * come from the boot loader's configuration, typed by a person.
 *
 * There is no toolstack: every domain is described where GRUB loads it
 * (docs/boot.md). A kernel module says
 *
 *	module2 /boot/web.elf name=web mem=256M vcpus=1 -- console=hvc0 quiet
 *
 * (and mode=fast runs its kernel in ring 1, pv/fast.c; mode=compat, the
 * default, in ring 3),
 * and a ramdisk module names the domain it belongs to:
 *
 *	module2 /boot/web.cpio ramdisk=web
 *
 * For many domains from one kernel, a module names an image once and a
 * text module lists the domains, each naming its images:
 *
 *	module2 /boot/vmlinux image=linux
 *	module2 /boot/initrd image=initrd
 *	module2 /boot/domains.cfg domains
 *
 * where domains.cfg holds lines such as
 *
 *	name=s1 kernel=linux ramdisk=initrd mem=40M vcpus=1 -- console=hvc0
 *
 * Everything after " -- " is the guest's own command line, untouched.
 *
 * Either kind of line may give the domain split-driver devices, each
 * served by another domain of the boot (docs/devices.md):
 *
 *	vif=backend=nd,mac=00:16:3e:00:00:01,bridge=xenbr0
 *	disk=backend=nd,target=/dev/ram0,vdev=xvda,access=rw
 *
 * Only the syntax is checked here; that the backend exists is known when
 * every domain of the boot is built (core/domain_build.c).
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

/* "XX:XX:XX:XX:XX:XX", unicast (a multicast address is no NIC's own). */
static bool parse_mac(const char *s, u8 mac[6])
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		if (!parse_hex_byte(s + 3 * i, &mac[i]) || (i < 5 && s[3 * i + 2] != ':'))
			return false;
	}
	return !(mac[0] & 1);
}

/* Decimal digits only, at most max: no sign, no base prefix, no suffix. */
static bool parse_dec(const char *s, u32 max, u32 *out)
{
	u64 x = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		x = x * 10 + (u64)(*s - '0');
		if (x > max)
			return false;
	}
	*out = (u32)x;
	return true;
}

/*
 * A disk's target, in the backend domain: "/dev/ramN" (Linux's brd,
 * major 1, minor N) or "MAJ:MIN" in decimal, within Linux's dev_t (12-bit
 * major, 20-bit minor).
 */
static bool parse_target(const char *s, u32 *major, u32 *minor)
{
	const char *colon = strchr(s, ':');
	char maj[8];

	if (!strncmp(s, "/dev/ram", 8)) {
		*major = 1;
		return parse_dec(s + 8, 0xfffff, minor);
	}
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(maj))
		return false;
	memcpy(maj, s, (size_t)(colon - s));
	maj[colon - s] = '\0';
	return parse_dec(maj, 0xfff, major) && parse_dec(colon + 1, 0xfffff, minor) &&
	       *major != 0;
}

/* A Linux interface name: 1-15 of [A-Za-z0-9_.-]. */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DOMAIN_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '.' && !valid_name(&s[i], 1))
			return false;
	}
	return true;
}

/*
 * The options of a vif= or disk= value, "k=v,k=v": calls opt() for each,
 * which returns 0 or -1 (with err written). The value is split in place.
 */
typedef int (*devopt_fn)(void *dev, const char *k, const char *v, u32 *seen,
			 char *err, size_t errlen);

static int dev_options(char *val, const char *key, void *dev, devopt_fn opt,
		       u32 *seen, char *err, size_t errlen)
{
	char *p = val;

	while (*p) {
		char *comma = strchr(p, ',');
		char *eq;

		if (comma)
			*comma = '\0';
		eq = strchr(p, '=');
		if (!eq || eq == p)
			return errorf(err, errlen, "%s=: '%s': expected option=value", key, p);
		*eq = '\0';
		if (opt(dev, p, eq + 1, seen, err, errlen) < 0)
			return -1;
		if (!comma)
			break;
		p = comma + 1;
		if (!*p)
			return errorf(err, errlen, "%s=: empty option after ','", key);
	}
	return 0;
}

/* The bit of option k in names[], or -1 (so a repeated option is refused). */
static int opt_bit(const char *const *names, int n, const char *k)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(names[i], k))
			return i;
	}
	return -1;
}

/* A device key's options: backend= first (bit 0), then the key's own. */
struct dev_key {
	const char *key;		/* "vif" */
	const char *const *names;	/* its options, in their bits' order */
	int n;
};

/*
 * What vif= and disk= options share: which of the key's options k is (an
 * unknown or repeated one refused), and backend=, stored in backend.
 * Returns the option's bit for the caller to parse, 0 once backend= is
 * done, -1 with err written.
 */
static int dev_opt_common(const struct dev_key *dk, const char *k, const char *v,
			  u32 *seen, char *backend, char *err, size_t errlen)
{
	int bit = opt_bit(dk->names, dk->n, k);
	char all[64];
	size_t o = 0;

	if (bit < 0) {		/* the list, cut short should it outgrow all[] */
		for (int i = 0; i < dk->n && o < sizeof(all) - 1; i++)
			o += (size_t)hv_snprintf(all + o, sizeof(all) - o, "%s%s", i ? ", " : "",
						 dk->names[i]);
		return errorf(err, errlen, "%s=: unknown option '%s' (%s)", dk->key, k, all);
	}
	if (*seen & (1u << bit))
		return errorf(err, errlen, "%s=: %s= given twice", dk->key, k);
	*seen |= 1u << bit;
	if (bit == 0) {
		if (!valid_name(v, strlen(v)))
			return errorf(err, errlen, "%s=: bad backend name '%s'", dk->key, v);
		memcpy(backend, v, strlen(v) + 1);
	}
	return bit;
}

static int vif_opt(void *dev, const char *k, const char *v, u32 *seen,
		   char *err, size_t errlen)
{
	static const char *const names[] = { "backend", "mac", "bridge" };
	static const struct dev_key key = { "vif", names, ARRAY_SIZE(names) };
	struct domcfg_vif *vif = dev;
	int bit = dev_opt_common(&key, k, v, seen, vif->backend, err, errlen);

	if (bit == 1) {
		if (!parse_mac(v, vif->mac))
			return errorf(err, errlen, "vif=: bad mac '%s' (XX:XX:XX:XX:XX:XX, hex, not multicast)", v);
		vif->mac_set = true;
	} else if (bit == 2) {
		if (!valid_ifname(v))
			return errorf(err, errlen, "vif=: bad bridge '%s' (1-15 of [A-Za-z0-9_.-])", v);
		memcpy(vif->bridge, v, strlen(v) + 1);
	}
	return bit < 0 ? -1 : 0;
}

static int disk_opt(void *dev, const char *k, const char *v, u32 *seen,
		    char *err, size_t errlen)
{
	static const char *const names[] = { "backend", "target", "vdev", "access" };
	static const struct dev_key key = { "disk", names, ARRAY_SIZE(names) };
	struct domcfg_disk *dk = dev;
	int bit = dev_opt_common(&key, k, v, seen, dk->backend, err, errlen);

	if (bit == 1) {
		if (strlen(v) >= sizeof(dk->target) || !parse_target(v, &dk->major, &dk->minor))
			return errorf(err, errlen, "disk=: bad target '%s' (/dev/ramN or MAJ:MIN in decimal)", v);
		memcpy(dk->target, v, strlen(v) + 1);
	} else if (bit == 2) {
		if (strlen(v) != 4 || strncmp(v, "xvd", 3) || v[3] < 'a' || v[3] > 'z')
			return errorf(err, errlen, "disk=: bad vdev '%s' (xvda to xvdz)", v);
		memcpy(dk->vdev, v, 5);
		dk->vdev_nr = 202u << 8 | (u32)(v[3] - 'a') << 4;
	} else if (bit == 3) {
		if (strcmp(v, "rw") && strcmp(v, "ro"))
			return errorf(err, errlen, "disk=: bad access '%s' (rw or ro)", v);
		dk->ro = !strcmp(v, "ro");
	}
	return bit < 0 ? -1 : 0;
}

/* vif=VALUE: the next vif of the domain (its devid is its index). */
static int add_vif(struct domcfg *c, char *val, char *err, size_t errlen)
{
	struct domcfg_vif *vif;
	u32 seen = 0;

	if (c->devs.nr_vifs == DOMCFG_VIFS_MAX)
		return errorf(err, errlen, "vif=: more than %d vifs", DOMCFG_VIFS_MAX);
	vif = &c->devs.vif[c->devs.nr_vifs];
	memset(vif, 0, sizeof(*vif));
	memcpy(vif->bridge, DOMCFG_BRIDGE_DEFAULT, sizeof(DOMCFG_BRIDGE_DEFAULT));
	if (dev_options(val, "vif", vif, vif_opt, &seen, err, errlen) < 0)
		return -1;
	if (!vif->backend[0])
		return errorf(err, errlen, "vif=: no backend=NAME");
	c->devs.nr_vifs++;
	return 0;
}

/* disk=VALUE: backend, target and vdev are required; vdevs are unique. */
static int add_disk(struct domcfg *c, char *val, char *err, size_t errlen)
{
	struct domcfg_disk *dk;
	u32 seen = 0;

	if (c->devs.nr_disks == DOMCFG_DISKS_MAX)
		return errorf(err, errlen, "disk=: more than %d disks", DOMCFG_DISKS_MAX);
	dk = &c->devs.disk[c->devs.nr_disks];
	memset(dk, 0, sizeof(*dk));
	if (dev_options(val, "disk", dk, disk_opt, &seen, err, errlen) < 0)
		return -1;
	if (!dk->backend[0] || !dk->target[0] || !dk->vdev[0])
		return errorf(err, errlen, "disk=: needs backend=NAME,target=TARGET,vdev=xvdX");
	for (int i = 0; i < c->devs.nr_disks; i++) {
		if (c->devs.disk[i].vdev_nr == dk->vdev_nr)
			return errorf(err, errlen, "disk=: vdev %s used twice", dk->vdev);
	}
	c->devs.nr_disks++;
	return 0;
}

/* vif= or disk= (klen 3 or 4 at w): its value may be longer than others'. */
static int apply_dev(struct domcfg *c, const char *w, size_t klen, const char *v,
		     size_t vlen, char *err, size_t errlen)
{
	char val[DOMCFG_DEV_VALUE_MAX];

	if (vlen >= sizeof(val))
		return errorf(err, errlen, "value of '%.*s' is too long (at most %d)",
			      (int)klen, w, DOMCFG_DEV_VALUE_MAX - 1);
	memcpy(val, v, vlen);
	val[vlen] = '\0';
	return klen == 3 ? add_vif(c, val, err, errlen) : add_disk(c, val, err, errlen);
}

/* A domain may not serve its own devices: its name is known at the end. */
static int check_devs(const struct domcfg *c, char *err, size_t errlen)
{
	for (int i = 0; i < c->devs.nr_vifs; i++) {
		if (!strcmp(c->devs.vif[i].backend, c->name))
			return errorf(err, errlen, "vif=backend=%s: a domain cannot be its own backend",
				      c->name);
	}
	for (int i = 0; i < c->devs.nr_disks; i++) {
		if (!strcmp(c->devs.disk[i].backend, c->name))
			return errorf(err, errlen, "disk=backend=%s: a domain cannot be its own backend",
				      c->name);
	}
	return 0;
}

/* One "key=value" word of n characters. */
static int apply(struct domcfg *c, const char *w, size_t n, bool *named,
		 bool listed, char *err, size_t errlen)
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
	if ((klen == 3 && !memcmp(w, "vif", 3)) || (klen == 4 && !memcmp(w, "disk", 4)))
		return apply_dev(c, w, klen, v, vlen, err, errlen);
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
			return errorf(err, errlen, "vcpus=%s: at most %d vCPUs supported",
				    val, DOMAIN_VCPUS_MAX);
		c->vcpus = (u32)x;
	} else if (klen == 4 && !memcmp(w, "mode", 4)) {
		if (!strcmp(val, "compat"))
			c->mode = DOMCFG_MODE_COMPAT;
		else if (!strcmp(val, "fast"))
			c->mode = DOMCFG_MODE_FAST;
		else
			return errorf(err, errlen, "bad mode '%s': compat or fast", val);
	} else if (listed && klen == 6 && !memcmp(w, "kernel", 6)) {
		if (!valid_name(val, vlen))
			return errorf(err, errlen, "bad image name in 'kernel=%s'", val);
		memcpy(c->kernel, val, vlen + 1);
	} else if (listed && klen == 7 && !memcmp(w, "ramdisk", 7)) {
		if (!valid_name(val, vlen))
			return errorf(err, errlen, "bad image name in 'ramdisk=%s'", val);
		memcpy(c->ramdisk, val, vlen + 1);
	} else if (listed) {
		return errorf(err, errlen, "unknown key '%.*s' (name, mem, vcpus, mode, kernel, ramdisk, vif, disk)",
			    (int)klen, w);
	} else if (klen == 7 && !memcmp(w, "ramdisk", 7)) {
		if (!valid_name(val, vlen))
			return errorf(err, errlen, "bad domain name in 'ramdisk=%s'", val);
		memcpy(c->name, val, vlen + 1);
		c->kind = DOMCFG_RAMDISK;
	} else if (klen == 5 && !memcmp(w, "image", 5)) {
		if (!valid_name(val, vlen))
			return errorf(err, errlen, "bad image name in 'image=%s': 1-%d of [A-Za-z0-9_-]",
				    val, DOMAIN_NAME_MAX);
		memcpy(c->name, val, vlen + 1);
		c->kind = DOMCFG_IMAGE;
	} else {
		return errorf(err, errlen, "unknown key '%.*s' (name, mem, vcpus, mode, ramdisk, image, vif, disk)",
			    (int)klen, w);
	}
	return 0;
}

/* The words of s, up to " -- ": 0, or -1 with the reason in err. */
static int parse_words(const char *s, struct domcfg *c, bool listed,
		       bool *named, int *words, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->kind = listed ? DOMCFG_LISTED : DOMCFG_KERNEL;
	c->mem = DOMAIN_MEM_DEFAULT;
	c->vcpus = 1;
	c->cmdline = "";
	*named = false;
	*words = 0;
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
		if (!listed && *words == 0 && n == 7 && !memcmp(s, "domains", 7))
			c->kind = DOMCFG_LIST;
		else if (apply(c, s, n, named, listed, err, errlen) < 0)
			return -1;
		(*words)++;
		s += n;
	}
	if (strlen(c->cmdline) >= GUEST_CMDLINE_MAX)
		return errorf(err, errlen, "guest command line is %zu bytes; at most %d",
			    strlen(c->cmdline), GUEST_CMDLINE_MAX - 1);
	return 0;
}

/* A module's command line. Returns 0, or -1 with a one-line reason in err. */
int domcfg_parse(const char *s, struct domcfg *c, char *err, size_t errlen)
{
	bool named;
	int words;

	if (parse_words(s, c, false, &named, &words, err, errlen) < 0)
		return -1;
	switch (c->kind) {
	case DOMCFG_RAMDISK:
		if (words != 1 || c->cmdline[0])
			return errorf(err, errlen, "a ramdisk module takes only ramdisk=NAME");
		return 0;
	case DOMCFG_IMAGE:
		if (words != 1 || c->cmdline[0])
			return errorf(err, errlen, "an image module takes only image=NAME");
		return 0;
	case DOMCFG_LIST:
		if (words != 1 || c->cmdline[0])
			return errorf(err, errlen, "a domain list module takes only the word 'domains'");
		return 0;
	default:
		break;
	}
	if (!named)
		return errorf(err, errlen, "no name=: not a domain (name=N [mem=M] [vcpus=V] [-- cmdline])");
	return check_devs(c, err, errlen);
}

/* ---- Domain lists ----------------------------------------------------- */

void domlist_init(struct domlist *l, const void *text, size_t len)
{
	l->p = text;
	l->end = l->p + len;
	l->lineno = 0;
}

/* Is the line [p, e) blank or a comment (first non-blank is '#')? */
static bool skip_line(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p == e || *p == '#';
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

/*
 * How many lines of the list would name a domain: the size of the domain
 * table is chosen from this before any is built. Cheap: one pass, no parse.
 */
int domlist_count(const void *text, size_t len)
{
	const char *p = text, *end = p + len;
	int n = 0;

	while (p < end) {
		const char *e = line_end(p, end);

		n += !skip_line(p, e);
		p = e + (e < end);
	}
	return n;
}

/*
 * The next line that is not blank or a comment, parsed. Returns 1 with the
 * domain in c (its cmdline inside buf), 0 at the end of the list, or -1
 * with the reason in err; l->lineno is that line's number (from 1) either
 * way, and the next call goes on with the next line.
 */
int domlist_next(struct domlist *l, char *buf, size_t buflen,
		 struct domcfg *c, char *err, size_t errlen)
{
	const char *p, *e;
	bool named;
	int words;
	size_t n;

	for (;;) {
		if (l->p >= l->end)
			return 0;
		p = l->p;
		e = line_end(p, l->end);
		l->p = e + (e < l->end);
		l->lineno++;
		if (!skip_line(p, e))
			break;
	}
	n = (size_t)(e - p);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n >= buflen)
		return errorf(err, errlen, "line %d is %zu bytes; at most %zu",
			      l->lineno, n, buflen - 1);
	if (memchr(p, '\0', n))
		return errorf(err, errlen, "line %d holds a NUL byte", l->lineno);
	for (size_t i = 0; i < n; i++)
		buf[i] = p[i] == '\t' ? ' ' : p[i];
	buf[n] = '\0';
	if (parse_words(buf, c, true, &named, &words, err, errlen) < 0)
		return -1;
	if (!named)
		return errorf(err, errlen, "no name= (name=N kernel=IMG [ramdisk=IMG] [mem=M] [vcpus=V] [-- cmdline])");
	if (!c->kernel[0])
		return errorf(err, errlen, "no kernel=IMG");
	if (check_devs(c, err, errlen) < 0)
		return -1;
	return 1;
}

/* ---- Images ------------------------------------------------------------ */

const struct domcfg_image *domcfg_find_image(const struct domcfg_image *imgs,
					     int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(imgs[i].name, name))
			return &imgs[i];
	}
	return NULL;
}

/* A listed domain's kernel and ramdisk images: 0, or -1 naming the missing one. */
int domcfg_resolve(const struct domcfg *c, const struct domcfg_image *imgs,
		   int n, const struct domcfg_image **kernel,
		   const struct domcfg_image **ramdisk, char *err, size_t errlen)
{
	*kernel = domcfg_find_image(imgs, n, c->kernel);
	*ramdisk = NULL;
	if (!*kernel)
		return errorf(err, errlen, "no image '%s' (kernel=%s)", c->kernel, c->kernel);
	if (c->ramdisk[0]) {
		*ramdisk = domcfg_find_image(imgs, n, c->ramdisk);
		if (!*ramdisk)
			return errorf(err, errlen, "no image '%s' (ramdisk=%s)",
				      c->ramdisk, c->ramdisk);
	}
	return 0;
}
