/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy emitter (policy_emit.h): struct policy and the dlp.custom classes back to YAML
 * that the loaders (policy.c, config_dlp.c) read back to identical values.
 *
 * Scalars follow YAML 1.1 (libyaml is the reader): a value is written plain only when it
 * is made of letters, digits and "_-./:", starts with a letter, a digit or '/', does not
 * end with ':', and cannot be resolved as anything but a string by a YAML 1.1 reader (no
 * y/n/yes/no/on/off/true/false/null/~, and nothing that starts like a number, timestamp or
 * sexagesimal unless it holds a '/', as every CIDR does). Everything else is
 * double-quoted with escapes for what libyaml refuses to read raw (its reader accepts
 * TAB, LF, CR, U+0085 and the printable ranges; U+0085, U+2028 and U+2029 are line
 * breaks that a quoted scalar would fold).
 *
 * Output goes into a growing buffer; an allocation failure is remembered and reported
 * once at the end, so the writers below stay straight-line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "policy_emit.h"

/* The loader's names (policy.c, config_dlp.c); the round-trip tests keep them equal. */
static const char *const mode_names[] = { "inherit", "discover", "monitor", "protect" };
static const char *const action_names[] = { "allow", "deny" };
static const char *const app_names[] = { "any", "http", "tls", "dns", "smtp" };
static const char *const dlp_action_names[] = { "alert", "block" };
static const char *const severity_names[] = { "", "low", "medium", "high", "critical" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* YAML 1.1 booleans and nulls (yaml.org/type/bool.html, null.html), compared any case. */
static const char *const reserved_words[] = {
	"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", NULL
};

struct sbuf {
	char *p;
	size_t len, cap;
	int err;		/* first failure: -ENOMEM or -EINVAL */
};

static void
sb_fail(struct sbuf *b, int err)
{
	if (b->err == 0)
		b->err = err;
}

/* Room for n more bytes plus a NUL; false (and the failure recorded) when there is none. */
static bool
sb_reserve(struct sbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->err != 0)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap != 0 ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		sb_fail(b, -ENOMEM);
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void
sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* Only short numbers and names go through here. */
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		sb_fail(b, -EINVAL);
		return;
	}
	sb_putn(b, tmp, (size_t)n);
}

static void
sb_indent(struct sbuf *b, unsigned int n)
{
	if (!sb_reserve(b, n))
		return;
	memset(b->p + b->len, ' ', n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Hand the buffer to the caller, or free it and return the failure. */
static int
sb_finish(struct sbuf *b, char **out, size_t *len)
{
	if (b->err == 0)
		sb_reserve(b, 0);	/* an empty output is still a string */
	if (b->err != 0) {
		free(b->p);
		*out = NULL;
		return b->err;
	}
	*out = b->p;
	if (len != NULL)
		*len = b->len;
	return 0;
}

/* ---- scalars ---- */

/*
 * Decode one UTF-8 sequence at s[0..len) (RFC 3629: no overlong forms, no surrogates, at
 * most U+10FFFF) into *cp; returns its length or 0 when it is not valid.
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1fu;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0fu;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07u;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* The escape for code point c, or NULL when c may be written raw inside double quotes. */
static const char *
quote_escape(uint32_t c, char *buf, size_t len)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\t':
		return "\\t";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case 0x85:
		return "\\N";
	case 0x2028:
		return "\\L";
	case 0x2029:
		return "\\P";
	default:
		break;
	}
	if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
		snprintf(buf, len, "\\x%02X", (unsigned int)c);
		return buf;
	}
	if (c == 0xfeff || c == 0xfffe || c == 0xffff) {
		snprintf(buf, len, "\\u%04X", (unsigned int)c);
		return buf;
	}
	return NULL;
}

size_t
policy_emit_quote(const char *s, size_t len, char *dst, size_t dstlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, n, k;
	const char *esc;
	char buf[12];
	uint32_t c;

#define PUT(ch) do {						\
		if (o + 1 < dstlen)				\
			dst[o] = (ch);				\
		o++;						\
	} while (0)

	PUT('"');
	while (i < len) {
		n = utf8_decode(u + i, len - i, &c);
		if (n == 0)
			return (size_t)-1;
		esc = quote_escape(c, buf, sizeof(buf));
		if (esc != NULL) {
			for (k = 0; esc[k] != '\0'; k++)
				PUT(esc[k]);
		} else {
			for (k = 0; k < n; k++)
				PUT((char)u[i + k]);
		}
		i += n;
	}
	PUT('"');
#undef PUT
	if (dstlen > 0)
		dst[o < dstlen ? o : dstlen - 1] = '\0';
	return o;
}

/* Whether s can be written as a plain scalar that every YAML 1.1 reader takes as s. */
static bool
plain_ok(const char *s)
{
	size_t len = strlen(s), i;
	char c0 = s[0];

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("_-./:", ch) != NULL))
			return false;
	}
	if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') ||
	      (c0 >= '0' && c0 <= '9') || c0 == '/'))
		return false;
	if (s[len - 1] == ':')
		return false;
	/* Ints, floats, sexagesimals and timestamps all start with a digit; none has a '/'. */
	if (c0 >= '0' && c0 <= '9' && strchr(s, '/') == NULL)
		return false;
	for (i = 0; reserved_words[i] != NULL; i++)
		if (strcasecmp(s, reserved_words[i]) == 0)
			return false;
	return true;
}

/* A string value: plain when plain_ok, double-quoted otherwise. */
static void
emit_str(struct sbuf *b, const char *s)
{
	size_t len = strlen(s), n;

	if (plain_ok(s)) {
		sb_putn(b, s, len);
		return;
	}
	n = policy_emit_quote(s, len, NULL, 0);
	if (n == (size_t)-1) {
		sb_fail(b, -EINVAL);
		return;
	}
	if (!sb_reserve(b, n))
		return;
	policy_emit_quote(s, len, b->p + b->len, n + 1);
	b->len += n;
}

/* "key: " at indent (col columns of which are already written: a list item's "- "). */
static void
emit_key(struct sbuf *b, unsigned int indent, unsigned int col, const char *key)
{
	sb_indent(b, indent - col);
	sb_puts(b, key);
	sb_puts(b, ":");
}

/* "key: value\n" with a string value. */
static void
emit_kv(struct sbuf *b, unsigned int indent, unsigned int col, const char *key,
	const char *val)
{
	emit_key(b, indent, col, key);
	sb_puts(b, " ");
	emit_str(b, val);
	sb_puts(b, "\n");
}

/* "key: true\n": booleans are plain (the loaders refuse a quoted one). */
static void
emit_true(struct sbuf *b, unsigned int indent, const char *key)
{
	emit_key(b, indent, 0, key);
	sb_puts(b, " true\n");
}

/* capture: true or false when said (enum policy_capture); nothing for the default. */
static void
emit_capture(struct sbuf *b, unsigned int indent, uint8_t capture)
{
	if (capture == POLICY_CAPTURE_DEFAULT)
		return;
	if (capture > POLICY_CAPTURE_ON) {
		sb_fail(b, -EINVAL);
		return;
	}
	emit_key(b, indent, 0, "capture");
	sb_puts(b, capture == POLICY_CAPTURE_ON ? " true\n" : " false\n");
}

/* names[v], or a recorded -EINVAL (and "") when v is out of range. */
static const char *
enum_name(struct sbuf *b, const char *const *names, size_t n, unsigned int v)
{
	if (v >= n || names[v][0] == '\0') {
		sb_fail(b, -EINVAL);
		return "";
	}
	return names[v];
}

/* "- TEXT\n" at indent + 2, TEXT quoted when it needs to be. */
static void
emit_item(struct sbuf *b, unsigned int indent, const char *text)
{
	sb_indent(b, indent + 2);
	sb_puts(b, "- ");
	emit_str(b, text);
	sb_puts(b, "\n");
}

/*
 * "key:" then the n strings at items (stride bytes apart) as a block sequence at
 * indent + 2; nothing when n is 0 (the caller decides whether an empty list is written).
 */
static void
emit_list(struct sbuf *b, unsigned int indent, const char *key, const char *items,
	  size_t stride, unsigned int n)
{
	unsigned int i;

	if (n == 0)
		return;
	emit_key(b, indent, 0, key);
	sb_puts(b, "\n");
	for (i = 0; i < n; i++)
		emit_item(b, indent, items + (size_t)i * stride);
}

/* ---- policy ---- */

/* inet_ntop of addr into buf (INET6_ADDRSTRLEN bytes); false for a bad family. */
static bool
addr_text(int family, const uint8_t *addr, char *buf)
{
	return (family == AF_INET || family == AF_INET6) &&
	       inet_ntop(family, addr, buf, INET6_ADDRSTRLEN) != NULL;
}

static void
emit_cidrs(struct sbuf *b, unsigned int indent, const struct policy_group *g)
{
	char lo[INET6_ADDRSTRLEN], txt[INET6_ADDRSTRLEN + 8];
	unsigned int i;

	emit_key(b, indent, 0, "cidrs");
	sb_puts(b, "\n");
	for (i = 0; i < g->ncidrs; i++) {
		if (!addr_text(g->cidrs[i].family, g->cidrs[i].addr, lo)) {
			sb_fail(b, -EINVAL);
			return;
		}
		snprintf(txt, sizeof(txt), "%s/%u", lo, (unsigned int)g->cidrs[i].prefix);
		emit_item(b, indent, txt);
	}
}

static void
emit_ranges(struct sbuf *b, unsigned int indent, const struct policy_group *g)
{
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN], txt[INET6_ADDRSTRLEN * 2 + 2];
	unsigned int i;

	emit_key(b, indent, 0, "ranges");
	sb_puts(b, "\n");
	for (i = 0; i < g->nranges; i++) {
		if (!addr_text(g->ranges[i].family, g->ranges[i].lo, lo) ||
		    !addr_text(g->ranges[i].family, g->ranges[i].hi, hi)) {
			sb_fail(b, -EINVAL);
			return;
		}
		snprintf(txt, sizeof(txt), "%s-%s", lo, hi);
		emit_item(b, indent, txt);
	}
}

/* A group as a sequence item; indent is the column of its keys. */
static void
emit_group(struct sbuf *b, unsigned int indent, const struct policy_group *g)
{
	sb_indent(b, indent - 2);
	sb_puts(b, "- ");
	emit_kv(b, indent, indent, "name", g->name);
	if (g->ncidrs > POLICY_MAX_CIDRS || g->nranges > POLICY_MAX_RANGES ||
	    g->nfqdns > POLICY_MAX_FQDNS) {
		sb_fail(b, -EINVAL);
		return;
	}
	if (g->ncidrs > 0)
		emit_cidrs(b, indent, g);
	if (g->nranges > 0)
		emit_ranges(b, indent, g);
	emit_list(b, indent, "fqdns", g->fqdns[0], sizeof(g->fqdns[0]), g->nfqdns);
	if (g->selector_text != NULL)
		emit_kv(b, indent, 0, "selector", g->selector_text);
	if (g->mode != POLICY_MODE_INHERIT)
		emit_kv(b, indent, 0, "mode", enum_name(b, mode_names, NELEM(mode_names), g->mode));
}

static const char *
group_name(struct sbuf *b, const struct policy *p, unsigned int idx)
{
	if (idx >= p->ngroups) {
		sb_fail(b, -EINVAL);
		return "";
	}
	return p->groups[idx].name;
}

static const char *
proto_name(struct sbuf *b, uint8_t proto)
{
	switch (proto) {
	case POLICY_PROTO_TCP:
		return "tcp";
	case POLICY_PROTO_UDP:
		return "udp";
	case POLICY_PROTO_ICMP:
		return "icmp";
	default:
		sb_fail(b, -EINVAL);
		return "";
	}
}

static void
emit_ports(struct sbuf *b, unsigned int indent, const struct policy_rule *r)
{
	char txt[16];
	unsigned int i;

	emit_key(b, indent, 0, "ports");
	sb_puts(b, "\n");
	for (i = 0; i < r->nports; i++) {
		sb_indent(b, indent + 2);
		sb_puts(b, "- ");
		if (r->ports[i].lo == r->ports[i].hi)
			snprintf(txt, sizeof(txt), "%u", (unsigned int)r->ports[i].lo);
		else
			snprintf(txt, sizeof(txt), "%u-%u", (unsigned int)r->ports[i].lo,
				 (unsigned int)r->ports[i].hi);
		/* A single port stays a plain integer; a range is quoted. */
		if (r->ports[i].lo == r->ports[i].hi)
			sb_puts(b, txt);
		else
			emit_str(b, txt);
		sb_puts(b, "\n");
	}
}

static void
emit_dlp(struct sbuf *b, unsigned int indent, const struct policy_rule *r)
{
	unsigned int i;

	emit_key(b, indent, 0, "dlp");
	sb_puts(b, "\n");
	for (i = 0; i < r->ndlp; i++) {
		const struct policy_dlp *d = &r->dlp[i];

		sb_indent(b, indent + 2);
		sb_puts(b, "- ");
		emit_kv(b, indent + 4, indent + 4, "sensor", d->sensor);
		emit_kv(b, indent + 4, 0, "action",
			enum_name(b, dlp_action_names, NELEM(dlp_action_names), d->action));
		if (d->threshold != 1) {
			emit_key(b, indent + 4, 0, "threshold");
			sb_printf(b, " %u\n", (unsigned int)d->threshold);
		}
		emit_capture(b, indent + 4, d->capture);
	}
}

/* A rule as a sequence item; indent is the column of its keys. */
static void
emit_rule(struct sbuf *b, unsigned int indent, const struct policy *p,
	  const struct policy_rule *r)
{
	sb_indent(b, indent - 2);
	sb_puts(b, "- ");
	emit_kv(b, indent, indent, "id", r->id);
	emit_kv(b, indent, 0, "from", group_name(b, p, r->from));
	emit_kv(b, indent, 0, "to", group_name(b, p, r->to));
	if (r->proto != POLICY_PROTO_ANY)
		emit_kv(b, indent, 0, "protocol", proto_name(b, r->proto));
	if (r->nports > POLICY_MAX_PORTS || r->ndlp > POLICY_MAX_DLP) {
		sb_fail(b, -EINVAL);
		return;
	}
	if (r->nports > 0)
		emit_ports(b, indent, r);
	if (r->app != POLICY_APP_ANY)
		emit_kv(b, indent, 0, "app", enum_name(b, app_names, NELEM(app_names), r->app));
	emit_kv(b, indent, 0, "action", enum_name(b, action_names, NELEM(action_names),
						  r->action));
	if (r->require_tls)
		emit_true(b, indent, "require_tls");
	emit_capture(b, indent, r->capture);
	if (r->ndlp > 0)
		emit_dlp(b, indent, r);
	if (r->comment[0] != '\0')
		emit_kv(b, indent, 0, "comment", r->comment);
}

int
policy_emit_yaml(const struct policy *p, unsigned int indent, char **out, size_t *len)
{
	struct sbuf b = { 0 };
	unsigned int i;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (p == NULL || p->ngroups < POLICY_GROUP_FIRST_USER ||
	    p->ngroups > POLICY_GROUP_FIRST_USER + POLICY_MAX_GROUPS ||
	    p->nrules > POLICY_MAX_RULES)
		return -EINVAL;
	if (p->mode == POLICY_MODE_INHERIT)
		sb_fail(&b, -EINVAL);
	emit_kv(&b, indent, 0, "mode", enum_name(&b, mode_names, NELEM(mode_names), p->mode));
	emit_kv(&b, indent, 0, "default_action",
		enum_name(&b, action_names, NELEM(action_names), p->default_action));
	emit_key(&b, indent, 0, "groups");
	sb_puts(&b, p->ngroups == POLICY_GROUP_FIRST_USER ? " []\n" : "\n");
	for (i = POLICY_GROUP_FIRST_USER; i < p->ngroups; i++)
		emit_group(&b, indent + 4, &p->groups[i]);
	emit_key(&b, indent, 0, "rules");
	sb_puts(&b, p->nrules == 0 ? " []\n" : "\n");
	for (i = 0; i < p->nrules; i++)
		emit_rule(&b, indent + 4, p, &p->rules[i]);
	return sb_finish(&b, out, len);
}

/* ---- custom DLP classes ---- */

static void
emit_custom(struct sbuf *b, unsigned int indent, const struct config_custom_sensor *s)
{
	sb_indent(b, indent - 2);
	sb_puts(b, "- ");
	emit_kv(b, indent, indent, "name", s->name);
	if (strcmp(s->category, "custom") != 0)
		emit_kv(b, indent, 0, "category", s->category);
	if (s->n_patterns > CONFIG_CUSTOM_PATTERNS || s->n_keywords > CONFIG_CUSTOM_KEYWORDS) {
		sb_fail(b, -EINVAL);
		return;
	}
	if (s->n_patterns == 0) {
		/* Required: written so that the loader names the missing patterns. */
		emit_key(b, indent, 0, "patterns");
		sb_puts(b, " []\n");
	}
	emit_list(b, indent, "patterns", s->patterns[0], sizeof(s->patterns[0]), s->n_patterns);
	if (strcmp(s->validator, "none") != 0)
		emit_kv(b, indent, 0, "validator", s->validator);
	emit_list(b, indent, "keywords", s->keywords[0], sizeof(s->keywords[0]), s->n_keywords);
	if (s->window != 0) {
		emit_key(b, indent, 0, "window");
		sb_printf(b, " %u\n", (unsigned int)s->window);
	}
	if (s->threshold != 0) {
		emit_key(b, indent, 0, "threshold");
		sb_printf(b, " %u\n", (unsigned int)s->threshold);
	}
	if (s->severity != CONFIG_SEV_MEDIUM)
		emit_kv(b, indent, 0, "severity",
			enum_name(b, severity_names, NELEM(severity_names), s->severity));
	if (s->context_required)
		emit_true(b, indent, "context_required");
}

int
policy_emit_custom_yaml(const struct config_custom_sensor *s, unsigned int n,
			unsigned int indent, char **out, size_t *len)
{
	struct sbuf b = { 0 };
	unsigned int i;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (s == NULL && n > 0)
		return -EINVAL;
	if (n == 0) {
		sb_indent(&b, indent);
		sb_puts(&b, "[]\n");
	}
	for (i = 0; i < n; i++)
		emit_custom(&b, indent + 2, &s[i]);
	return sb_finish(&b, out, len);
}
