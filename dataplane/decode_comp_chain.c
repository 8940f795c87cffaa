/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stacked content codings (RFC 9110 8.4: "Content-Encoding: gzip, br" lists the codings
 * in the order they were applied, so the body is br(gzip(data)) and decoding runs the
 * list backwards), and the parser of the header value into that list.
 *
 *   header:  gzip, br            codings[] = { gzip, br }
 *   body ──► stage[0] (br) ──► stage[1] (gzip) ──► out(cookie, p, n)
 *              ^ head: the encoded bytes every stage's ratio counts against
 *
 * Each stage is a struct decode_comp whose output, instead of a callback, is the next
 * stage's feed (decode_comp.c emit()), so the pipe streams with one output buffer per
 * stage and no copy of the whole intermediate body.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode_comp.h"

static const struct {
	const char *name;
	enum decode_comp_coding coding;
} coding_names[] = {
	{ "gzip", DECODE_COMP_GZIP },
	{ "x-gzip", DECODE_COMP_GZIP },		/* RFC 9110 8.4.1.3: same as gzip */
	{ "deflate", DECODE_COMP_DEFLATE },
	{ "br", DECODE_COMP_BR },
	{ "zstd", DECODE_COMP_ZSTD },
	{ "identity", DECODE_COMP_IDENTITY },
};

static char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* The coding named by t[0..len) (no spaces around), or -1. */
static int
coding_of(const char *t, size_t len)
{
	size_t i, k;

	for (i = 0; i < sizeof(coding_names) / sizeof(coding_names[0]); i++) {
		const char *name = coding_names[i].name;

		if (strlen(name) != len)
			continue;
		for (k = 0; k < len && ascii_lower(t[k]) == name[k]; k++)
			;
		if (k == len)
			return (int)coding_names[i].coding;
	}
	return -1;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int
decode_comp_parse(const char *v, size_t len, enum decode_comp_coding *codings,
		  unsigned *n)
{
	size_t i = 0, s, e;
	unsigned k = 0;
	int c;

	*n = 0;
	if (v == NULL && len != 0)
		return DECODE_COMP_EINVAL;
	while (i <= len) {
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i++;	/* element v[s..e); i steps over the comma (or past the end) */
		while (s < e && is_ows(v[s]))
			s++;
		while (e > s && is_ows(v[e - 1]))
			e--;
		if (s == e)
			continue;	/* empty list element */
		c = coding_of(v + s, e - s);
		if (c < 0)
			return DECODE_COMP_UNKNOWN;
		if (c == DECODE_COMP_IDENTITY)
			continue;
		if (k == DECODE_COMP_MAX_CODINGS)
			return DECODE_COMP_TOOMANY;
		codings[k++] = (enum decode_comp_coding)c;
	}
	*n = k;
	return 0;
}

int
decode_comp_chain_init(struct decode_comp_chain *c,
		       const enum decode_comp_coding *codings, unsigned n,
		       const struct decode_comp_conf *conf, struct decode_pool *pool,
		       decode_comp_out_fn out, void *cookie)
{
	unsigned k;
	int rc;

	if (c == NULL)
		return DECODE_COMP_EINVAL;
	memset(c, 0, sizeof(*c));
	if (codings == NULL || n == 0 || n > DECODE_COMP_MAX_CODINGS) {
		c->err = DECODE_COMP_EINVAL;
		return c->err;
	}
	for (k = 0; k < n; k++) {
		rc = decode_comp_init(&c->stage[k], codings[n - 1 - k], conf, pool, out, cookie);
		if (rc != 0) {
			c->n = (uint8_t)k;
			decode_comp_chain_end(c);
			c->err = (int16_t)rc;
			return rc;
		}
	}
	c->n = (uint8_t)n;
	for (k = 0; k < n; k++) {
		c->stage[k].head = &c->stage[0];
		c->stage[k].next = k + 1 < n ? &c->stage[k + 1] : NULL;
	}
	return 0;
}

int
decode_comp_chain_feed(struct decode_comp_chain *c, const uint8_t *p, size_t n)
{
	int rc;

	if (c->err != 0)
		return c->err;
	if (c->n == 0)
		return DECODE_COMP_EINVAL;
	rc = decode_comp_feed(&c->stage[0], p, n);
	if (rc != 0 && rc != DECODE_COMP_EINVAL)
		c->err = (int16_t)rc;
	return rc;
}

int
decode_comp_chain_finish(struct decode_comp_chain *c)
{
	unsigned k;
	int rc;

	if (c->err != 0)
		return c->err;
	if (c->n == 0)
		return DECODE_COMP_EINVAL;
	/* Each stage has delivered all it decoded; finishing it leaves the next complete. */
	for (k = 0; k < c->n; k++) {
		rc = decode_comp_finish(&c->stage[k]);
		if (rc != 0) {
			if (rc != DECODE_COMP_EINVAL)
				c->err = (int16_t)rc;
			return rc;
		}
	}
	return 0;
}

void
decode_comp_chain_end(struct decode_comp_chain *c)
{
	unsigned k;

	if (c == NULL)
		return;
	for (k = 0; k < c->n; k++)
		decode_comp_end(&c->stage[k]);
}

void
decode_comp_chain_stats(const struct decode_comp_chain *c, struct decode_comp_stats *st)
{
	unsigned k;

	memset(st, 0, sizeof(*st));
	st->err = c->err;
	if (c->n == 0)
		return;
	st->in_bytes = c->stage[0].stats.in_bytes;
	st->ignored_bytes = c->stage[0].stats.ignored_bytes;
	st->out_bytes = c->stage[c->n - 1].stats.out_bytes;
	st->members = c->stage[c->n - 1].stats.members;
	for (k = 0; k < c->n; k++) {
		st->mem += c->stage[k].stats.mem;
		st->mem_peak += c->stage[k].stats.mem_peak;
		st->flags |= c->stage[k].stats.flags;
	}
}
