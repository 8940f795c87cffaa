/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bottom of the config module: the scalar parsers (config_parse_*, config.h), the
 * formatting of values for messages and the dump, and the one-line error messages with
 * their field paths (config_priv.h):
 *
 *   NAME:LINE:COL: field.path: problem (got VALUE, expected WHAT)
 *
 * Every section uses these: the walker (config_walk.c), the data-path sections (config.c),
 * dlp: (config_dlp.c) and the policy loader (policy.c). This file calls none of them. The
 * parsers are pure and may be called from any thread; the rest runs on the control thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_priv.h"
#include "yaml_tree.h"

/* ---- scalar parsers ---- */

/*
 * The n bytes at s as an unsigned decimal: -EINVAL unless [-]digits without leading
 * zeros, -ERANGE when signed or too big (the form is right, the value is not).
 */
static int
parse_digits(const char *s, size_t n, uint64_t *out)
{
	size_t i = 0;
	uint64_t v = 0;
	int range = 0;

	if (n > 0 && s[0] == '-') {
		range = 1;
		i = 1;
	}
	if (i == n || (s[i] == '0' && n - i > 1))
		return -EINVAL;
	for (; i < n; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			range = 1;
		else
			v = v * 10 + d;
	}
	if (range)
		return -ERANGE;
	*out = v;
	return 0;
}

int
config_parse_uint(const char *s, uint64_t *out)
{
	return parse_digits(s, strlen(s), out);
}

int
config_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *sfx;
		uint64_t mul;
	} units[] = {
		{ "", 1 },
		{ "KiB", KIB }, { "MiB", MIB }, { "GiB", GIB },
		{ "K", KIB }, { "M", MIB }, { "G", GIB },
	};
	size_t n = (s[0] == '-') + strspn(s + (s[0] == '-'), "0123456789"), i;
	uint64_t v;
	int rc;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s + n, units[i].sfx) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -EINVAL;
	rc = parse_digits(s, n, &v);
	if (rc != 0)
		return rc;
	if (v > UINT64_MAX / units[i].mul)
		return -ERANGE;
	*out = v * units[i].mul;
	return 0;
}

int
config_parse_seconds(const char *s, uint64_t *out_us)
{
	const char *dot = strchr(s, '.');
	size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);
	uint64_t sec, frac = 0, scale = US_PER_S;
	int rc;

	if (dot != NULL) {
		const char *p = dot + 1;

		/* 1 to 6 decimals: microseconds are the unit of storage */
		if (*p == '\0' || strlen(p) > 6 || strspn(p, "0123456789") != strlen(p))
			return -EINVAL;
		for (; *p != '\0'; p++) {
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
	}
	rc = parse_digits(s, n, &sec);
	if (rc != 0)
		return rc;
	if (sec > (UINT64_MAX - frac) / US_PER_S)
		return -ERANGE;
	*out_us = sec * US_PER_S + frac;
	return 0;
}

int
config_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- formatting ---- */

const char *
cfg_fmt_size(uint64_t v, char *buf, size_t len)
{
	if (v != 0 && v % GIB == 0)
		snprintf(buf, len, "%lluGiB", (unsigned long long)(v / GIB));
	else if (v != 0 && v % MIB == 0)
		snprintf(buf, len, "%lluMiB", (unsigned long long)(v / MIB));
	else if (v != 0 && v % KIB == 0)
		snprintf(buf, len, "%lluKiB", (unsigned long long)(v / KIB));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

const char *
cfg_fmt_seconds(uint64_t us, char *buf, size_t len)
{
	unsigned long long frac = us % US_PER_S;
	int digits = 6;

	if (frac == 0) {
		snprintf(buf, len, "%llu", (unsigned long long)(us / US_PER_S));
		return buf;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%llu.%0*llu", (unsigned long long)(us / US_PER_S), digits, frac);
	return buf;
}

/*
 * A value as the person wrote it, for "got ...": plain scalars bare, quoted ones in
 * double quotes, control characters escaped, long values cut (on a UTF-8 boundary).
 */
const char *
cfg_fmt_got(const struct yaml_node *n, char *buf, size_t len)
{
	const char *s;
	size_t o = 0, slen, i;
	int quoted;

	if (yaml_tree_kind(n) != YAML_TREE_SCALAR) {
		snprintf(buf, len, "a %s", yaml_tree_kind_name(yaml_tree_kind(n)));
		return buf;
	}
	s = yaml_tree_str(n);
	quoted = !yaml_tree_is_plain(n);
	if (!quoted && s[0] == '\0') {
		snprintf(buf, len, "an empty value");
		return buf;
	}
	slen = strlen(s);
	if (slen > GOT_MAX) {
		slen = GOT_MAX;
		while (slen > 0 && ((unsigned char)s[slen] & 0xc0) == 0x80)
			slen--;
	}
	if (quoted)
		buf[o++] = '"';
	for (i = 0; i < slen && o + 8 < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02X", ch);
		else if (quoted && (ch == '"' || ch == '\\'))
			o += (size_t)snprintf(buf + o, len - o, "\\%c", ch);
		else
			buf[o++] = (char)ch;
	}
	if (i < strlen(s))
		o += (size_t)snprintf(buf + o, len - o, "...");
	if (quoted)
		buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* ---- errors and paths ---- */

int
cfg_err_path(struct cfg_ctx *x, const struct yaml_node *n, const char *path, const char *fmt,
	     ...)
{
	char msg[1024], where[64] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL)
		snprintf(where, sizeof(where), ":%u:%u", yaml_tree_line(n), yaml_tree_col(n));
	if (x->err != NULL && x->errlen != 0)
		snprintf(x->err, x->errlen, "%s%s: %s%s%s", x->name, where, path,
			 path[0] != '\0' ? ": " : "", msg);
	return -EINVAL;
}

size_t
cfg_path_push_key(struct cfg_ctx *x, const char *key)
{
	size_t old = x->pathlen;

	size_t i;

	snprintf(x->path + old, sizeof(x->path) - old, "%s%s", old != 0 ? "." : "", key);
	x->pathlen = strlen(x->path);
	/* A key is any scalar: keep a stray control character out of the one-line message. */
	for (i = old; i < x->pathlen; i++)
		if ((unsigned char)x->path[i] < 0x20 || x->path[i] == 0x7f)
			x->path[i] = '?';
	return old;
}

size_t
cfg_path_push_index(struct cfg_ctx *x, size_t i)
{
	size_t old = x->pathlen;

	snprintf(x->path + old, sizeof(x->path) - old, "[%zu]", i);
	x->pathlen = strlen(x->path);
	return old;
}

void
cfg_path_pop(struct cfg_ctx *x, size_t old)
{
	x->pathlen = old;
	x->path[old] = '\0';
}

int
cfg_err_wrong_type(struct cfg_ctx *x, const struct yaml_node *n, const char *expected)
{
	char got[GOT_BUF];

	return cfg_err(x, n, "wrong type (got %s, expected %s)", cfg_fmt_got(n, got, sizeof(got)),
		       expected);
}

const char *
cfg_fmt_names(const char *const *names, char *buf, size_t len)
{
	size_t o = 0, i, n = 0, k = 0;

	for (i = 0; names[i] != NULL; i++)
		n += names[i][0] != '\0';
	buf[0] = '\0';
	for (i = 0; names[i] != NULL && o < len; i++) {
		if (names[i][0] == '\0')
			continue;	/* placeholder: no value has this index */
		k++;
		o += (size_t)snprintf(buf + o, len - o, "%s%s",
				      k == 1 ? "" : k == n ? " or " : ", ", names[i]);
	}
	return buf;
}
