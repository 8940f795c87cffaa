/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header values of MIME entities: the leading token and the parameters of Content-Type
 * and Content-Disposition (RFC 2045 5.1, RFC 2183), parameter value continuations and
 * charset/percent encoding (RFC 2231 3-4), and encoded words (RFC 2047 2-6) as mail
 * clients put them in Subject and, against the RFC but commonly, in quoted file names.
 * Everything works on a bounded copy of one unfolded header value; outputs are bounded
 * and cut (reported) rather than overrun. No charset conversion: bytes pass through.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_mime_hdr.h"

#define SEG_MAX		64	/* RFC 2231 continuation segments joined */
#define VALUE_MAX	4096	/* plain parameter value unescaped before word decoding */

struct out {
	uint8_t *p;
	size_t cap;	/* bytes usable, the NUL excluded */
	size_t len;
	bool cut;
};

static void
put(struct out *o, uint8_t b)
{
	if (o->len < o->cap)
		o->p[o->len++] = b;
	else
		o->cut = true;
}

static int
out_end(struct out *o, size_t *outlen)
{
	o->p[o->len] = '\0';
	*outlen = o->len;
	return o->cut ? -ENOSPC : 0;
}

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}

static int
hexval(uint8_t b)
{
	if (b >= '0' && b <= '9')
		return b - '0';
	b = (uint8_t)lower(b);
	if (b >= 'a' && b <= 'f')
		return b - 'a' + 10;
	return -1;
}

static bool
is_ws(uint8_t b)
{
	return b == ' ' || b == '\t' || b == '\r' || b == '\n';
}

/* Past a comment starting at v[i] == '(' (nested, with quoted pairs), or to the end. */
static size_t
skip_comment(const uint8_t *v, size_t n, size_t i)
{
	unsigned int depth = 0;

	while (i < n) {
		if (v[i] == '\\') {
			i += 2;
			continue;
		}
		if (v[i] == '(')
			depth++;
		else if (v[i] == ')' && --depth == 0)
			return i + 1;
		i++;
	}
	return n;
}

/* Past a quoted string starting at v[i] == '"', or to the end. */
static size_t
skip_quoted(const uint8_t *v, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (v[i] == '\\')
			i++;
		else if (v[i] == '"')
			return i + 1;
	}
	return n;
}

static size_t
skip_cfws(const uint8_t *v, size_t n, size_t i)
{
	while (i < n) {
		if (is_ws(v[i]))
			i++;
		else if (v[i] == '(')
			i = skip_comment(v, n, i);
		else
			break;
	}
	return i;
}

int
app_mime_hdr_token(const uint8_t *v, size_t n, char *out, size_t cap)
{
	size_t i = skip_cfws(v, n, 0), k = 0;

	out[0] = '\0';
	while (i < n && !is_ws(v[i]) && v[i] != ';' && v[i] != '(') {
		if (k + 1 >= cap) {
			out[0] = '\0';
			return -ENOSPC;
		}
		out[k++] = (char)lower(v[i++]);
	}
	out[k] = '\0';
	return k == 0 ? -ENOENT : (int)k;
}

/* ---- parameters ---- */

struct param {
	const uint8_t *attr;
	size_t alen;
	const uint8_t *val;	/* raw: a quoted string without its quotes, escapes kept */
	size_t vlen;
	bool quoted;
};

/* The parameter after the next ';' from *pos; false when there is none. */
static bool
param_next(const uint8_t *v, size_t n, size_t *pos, struct param *p)
{
	size_t i = *pos, s;

	for (;;) {
		while (i < n && v[i] != ';') {
			if (v[i] == '"')
				i = skip_quoted(v, n, i);
			else if (v[i] == '(')
				i = skip_comment(v, n, i);
			else
				i++;
		}
		if (i >= n)
			return false;
		i = skip_cfws(v, n, i + 1);
		s = i;
		while (i < n && !is_ws(v[i]) && v[i] != '=' && v[i] != ';' && v[i] != '(' &&
		       v[i] != '"')
			i++;
		if (i > s)
			break;
	}
	p->attr = v + s;
	p->alen = i - s;
	p->val = NULL;
	p->vlen = 0;
	p->quoted = false;
	i = skip_cfws(v, n, i);
	if (i < n && v[i] == '=') {
		i = skip_cfws(v, n, i + 1);
		if (i < n && v[i] == '"') {
			size_t e = skip_quoted(v, n, i);

			p->val = v + i + 1;
			/* without the closing quote when there is one */
			p->vlen = e - i - 1 - (e > i + 1 && v[e - 1] == '"' ? 1 : 0);
			p->quoted = true;
			i = e;
		} else {
			s = i;
			while (i < n && v[i] != ';')
				i++;
			p->val = v + s;
			p->vlen = i - s;
			while (p->vlen > 0 && is_ws(p->val[p->vlen - 1]))
				p->vlen--;
		}
	}
	*pos = i;
	return true;
}

enum attr_form { A_NONE, A_PLAIN, A_EXT, A_SEG, A_SEG_EXT };

/* Which form of name the attribute is: name, name*, name*k or name*k* (index in *k). */
static enum attr_form
attr_form(const struct param *p, const char *name, unsigned int *k)
{
	size_t nl = strlen(name), i;
	unsigned int idx = 0;

	if (p->alen < nl)
		return A_NONE;
	for (i = 0; i < nl; i++)
		if (lower(p->attr[i]) != lower((uint8_t)name[i]))
			return A_NONE;
	if (p->alen == nl)
		return A_PLAIN;
	if (p->attr[i++] != '*')
		return A_NONE;
	if (i == p->alen)
		return A_EXT;
	if (p->alen - i > 4 + 1)
		return A_NONE;
	while (i < p->alen && p->attr[i] >= '0' && p->attr[i] <= '9')
		idx = idx * 10 + (unsigned int)(p->attr[i++] - '0');
	if (i == nl + 1)
		return A_NONE;	/* no digits */
	*k = idx;
	if (i == p->alen)
		return A_SEG;
	if (i + 1 == p->alen && p->attr[i] == '*')
		return A_SEG_EXT;
	return A_NONE;
}

/* A quoted string's bytes without their backslashes, or a token as it is. */
static void
put_plain(struct out *o, const struct param *p)
{
	size_t i;

	for (i = 0; i < p->vlen; i++) {
		if (p->quoted && p->val[i] == '\\' && i + 1 < p->vlen)
			i++;
		put(o, p->val[i]);
	}
}

/* RFC 2231 extended value: %XX decoded; with_charset drops a leading charset'lang'. */
static void
put_ext(struct out *o, const struct param *p, bool with_charset)
{
	const uint8_t *v = p->val;
	size_t n = p->vlen, i = 0;

	if (with_charset) {
		const uint8_t *q1 = memchr(v, '\'', n);
		const uint8_t *q2 = q1 != NULL ? memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - v)) :
				    NULL;

		if (q2 != NULL)
			i = (size_t)(q2 + 1 - v);
	}
	for (; i < n; i++) {
		if (v[i] == '%' && i + 2 < n && hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
			put(o, (uint8_t)(hexval(v[i + 1]) * 16 + hexval(v[i + 2])));
			i += 2;
		} else {
			put(o, v[i]);
		}
	}
}

/* Find the first parameter of the given form (and index for segments). */
static bool
param_find(const uint8_t *v, size_t n, const char *name, enum attr_form want, unsigned int k,
	   struct param *out, enum attr_form *got)
{
	struct param p;
	size_t pos = 0;

	while (param_next(v, n, &pos, &p)) {
		unsigned int idx = 0;
		enum attr_form f = attr_form(&p, name, &idx);

		if (f == A_NONE || p.val == NULL)
			continue;
		if (want == A_SEG ? (f == A_SEG || f == A_SEG_EXT) && idx == k : f == want) {
			*out = p;
			*got = f;
			return true;
		}
	}
	return false;
}

int
app_mime_hdr_param(const uint8_t *v, size_t n, const char *name, unsigned int flags,
		   uint8_t *out, size_t cap, size_t *outlen)
{
	struct out o = { .p = out, .cap = cap - 1 };
	struct param p;
	enum attr_form f;
	unsigned int k;

	if (param_find(v, n, name, A_EXT, 0, &p, &f)) {
		put_ext(&o, &p, true);
		return out_end(&o, outlen);
	}
	if (param_find(v, n, name, A_SEG, 0, &p, &f)) {
		for (k = 0; k < SEG_MAX && param_find(v, n, name, A_SEG, k, &p, &f); k++) {
			if (f == A_SEG_EXT)
				put_ext(&o, &p, k == 0);
			else
				put_plain(&o, &p);
		}
		return out_end(&o, outlen);
	}
	if (param_find(v, n, name, A_PLAIN, 0, &p, &f)) {
		uint8_t tmp[VALUE_MAX + 1];
		struct out t = { .p = tmp, .cap = VALUE_MAX };
		size_t tl;
		int rc;

		if ((flags & APP_MIME_HDR_WORDS) == 0) {
			put_plain(&o, &p);
			return out_end(&o, outlen);
		}
		put_plain(&t, &p);
		out_end(&t, &tl);
		rc = app_mime_hdr_words(tmp, tl, out, cap, outlen);
		return t.cut ? -ENOSPC : rc;
	}
	out[0] = '\0';
	*outlen = 0;
	return -ENOENT;
}

/* ---- RFC 2047 encoded words ---- */

static int
b64val(uint8_t b)
{
	if (b >= 'A' && b <= 'Z')
		return b - 'A';
	if (b >= 'a' && b <= 'z')
		return b - 'a' + 26;
	if (b >= '0' && b <= '9')
		return b - '0' + 52;
	if (b == '+')
		return 62;
	if (b == '/')
		return 63;
	return -1;
}

/*
 * An encoded word at s (s[0..1] == "=?"): its length, encoding ('b' or 'q') and text
 * s[*ts..*te); 0 when malformed.
 */
static size_t
word_parse(const uint8_t *s, size_t n, uint8_t *enc, size_t *ts, size_t *te)
{
	size_t i = 2;

	while (i < n && s[i] != '?') {
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '=')
			return 0;
		i++;
	}
	if (i == 2 || i + 2 >= n || s[i + 2] != '?')
		return 0;
	*enc = (uint8_t)lower(s[i + 1]);
	if (*enc != 'b' && *enc != 'q')
		return 0;
	i += 3;
	*ts = i;
	while (i < n && s[i] != '?') {
		if (s[i] <= ' ' || s[i] >= 0x7f)
			return 0;
		if (*enc == 'b' && s[i] != '=' && b64val(s[i]) < 0)
			return 0;
		i++;
	}
	if (i + 1 >= n || s[i + 1] != '=')
		return 0;
	*te = i;
	return i + 2;
}

static void
word_decode(struct out *o, const uint8_t *t, size_t n, uint8_t enc)
{
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (enc == 'b') {
			int v = b64val(t[i]);

			if (v < 0)
				continue;	/* padding */
			acc = (acc << 6) | (uint32_t)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				put(o, (uint8_t)(acc >> bits));
			}
		} else if (t[i] == '_') {
			put(o, ' ');
		} else if (t[i] == '=' && i + 2 < n && hexval(t[i + 1]) >= 0 &&
			   hexval(t[i + 2]) >= 0) {
			put(o, (uint8_t)(hexval(t[i + 1]) * 16 + hexval(t[i + 2])));
			i += 2;
		} else {
			put(o, t[i]);
		}
	}
}

int
app_mime_hdr_words(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	struct out o = { .p = out, .cap = cap - 1 };
	size_t i = 0, lit = 0, j;
	bool after_word = false;

	while (i < n) {
		uint8_t enc;
		size_t ts, te, wl;

		if (in[i] != '=' || i + 1 >= n || in[i + 1] != '?' ||
		    (wl = word_parse(in + i, n - i, &enc, &ts, &te)) == 0) {
			i++;
			continue;
		}
		/* Text before the word; only whitespace between two words goes. */
		for (j = lit; j < i && after_word && is_ws(in[j]); j++)
			;
		if (!(after_word && j == i))
			for (j = lit; j < i; j++)
				put(&o, in[j]);
		word_decode(&o, in + i + ts, te - ts, enc);
		i += wl;
		lit = i;
		after_word = true;
	}
	for (j = lit; j < n; j++)
		put(&o, in[j]);
	return out_end(&o, outlen);
}
