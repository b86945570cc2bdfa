/*
 * cmdline.c - read the guest command line (start_info.cmd_line).
 *
 * Runs in: test guests.
 *
 * A domain list line ends with the guest's command line (tools/mkiso), and
 * tests that run as several domains use it to tell them apart:
 * "fault=ud", "side=L lines=200". Words are separated by spaces; a word is
 * "key=value" or a bare "key" (value "").
 */
#include "guest.h"

/* The value of key: its first byte and length, or NULL. */
static const char *find(const char *key, size_t *len)
{
	const char *s = (const char *)start_info->cmd_line;
	const char *end = s + strnlen(s, MAX_GUEST_CMDLINE);
	size_t klen = strlen(key);

	while (s < end) {
		const char *w = s, *we;

		while (s < end && *s != ' ')
			s++;
		we = s;
		while (s < end && *s == ' ')
			s++;
		if ((size_t)(we - w) < klen || memcmp(w, key, klen))
			continue;
		if (w + klen == we) {
			*len = 0;
			return we;
		}
		if (w[klen] == '=') {
			*len = (size_t)(we - w - klen - 1);
			return w + klen + 1;
		}
	}
	return NULL;
}

/* Copy key's value into val (size bytes, NUL-terminated, cut short). */
bool cmdline_get(const char *key, char *val, size_t size)
{
	size_t len;
	const char *v = find(key, &len);

	if (!v)
		return false;
	if (size) {
		len = MIN(len, size - 1);
		memcpy(val, v, len);
		val[len] = '\0';
	}
	return true;
}

/* key's value as a number (decimal or 0x...); dflt when absent or bad. */
u64 cmdline_u64(const char *key, u64 dflt)
{
	char buf[32];
	const char *end;
	u64 v;

	if (!cmdline_get(key, buf, sizeof(buf)) ||
	    !parse_u64(buf, &end, &v) || *end)
		return dflt;
	return v;
}
