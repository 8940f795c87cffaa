/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the streaming text decoders (dataplane/decode_text.h: form, JSON and
 * the decode_text_* interface; decode_b64.h with each alphabet; decode_qp.h).
 *
 * Input:  byte 0   the decoder: 0 form, 1 JSON, 2 base64 standard, 3 base64 URL-safe,
 *                  4 base64 either, 5 quoted-printable (modulo 6)
 *         byte 1-2 the cut offset (little endian, modulo the body length + 1)
 *         byte 3   seed of a second, random segmentation
 *         then the body.
 *
 * Structure-aware properties (decode_text.h: "The output does not depend on how the body
 * is cut into pieces, never exceeds the input in length"), each aborting on failure:
 *   - the output of the body fed whole equals the output with the body cut at the chosen
 *     offset, and with the body cut into random pieces (each piece in a block of its own
 *     size, so a read of p[n] is caught); so do the invalid and field counters;
 *   - the output is no longer than the input (base64: no more than 3/4 of it), and the
 *     counters say how many bytes went in and out;
 *   - after finish the state decodes the next body the same (counters kept);
 *   - decode_text_* with the same kind gives the same bytes as the decoder itself;
 *   - a body decode_b64_looks_like() accepts decodes without one invalid character.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode_b64.h"
#include "decode_qp.h"
#include "decode_text.h"
#include "fuzz_common.h"

enum kind {
	K_FORM = 0,
	K_JSON,
	K_B64_STD,
	K_B64_URL,
	K_B64_ANY,
	K_QP,
	K_COUNT,
};

/* Where the decoded bytes go: a buffer as long as the input, which they must not pass. */
struct out {
	uint8_t *buf;
	size_t cap;
	size_t len;
};

static void
out_fn(void *cookie, const uint8_t *p, size_t n)
{
	struct out *o = cookie;

	FUZZ_CHECK(p != NULL && n > 0);
	FUZZ_CHECK(n <= o->cap - o->len);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* One decoder of any kind, driven through its own functions. */
struct dec {
	enum kind kind;
	union {
		struct decode_form form;
		struct decode_json json;
		struct decode_b64 b64;
		struct decode_qp qp;
	} u;
};

static void
dec_init(struct dec *d, enum kind kind)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	switch (kind) {
	case K_FORM:
		decode_form_init(&d->u.form);
		break;
	case K_JSON:
		decode_json_init(&d->u.json);
		break;
	case K_B64_STD:
		decode_b64_init(&d->u.b64, DECODE_B64_STD);
		break;
	case K_B64_URL:
		decode_b64_init(&d->u.b64, DECODE_B64_URL);
		break;
	case K_B64_ANY:
		decode_b64_init(&d->u.b64, DECODE_B64_ANY);
		break;
	default:
		decode_qp_init(&d->u.qp);
		break;
	}
}

static void
dec_feed(struct dec *d, const uint8_t *p, size_t n, struct out *o)
{
	switch (d->kind) {
	case K_FORM:
		decode_form_feed(&d->u.form, p, n, out_fn, o);
		break;
	case K_JSON:
		decode_json_feed(&d->u.json, p, n, out_fn, o);
		break;
	case K_B64_STD:
	case K_B64_URL:
	case K_B64_ANY:
		decode_b64_feed(&d->u.b64, p, n, out_fn, o);
		break;
	default:
		decode_qp_feed(&d->u.qp, p, n, out_fn, o);
		break;
	}
}

static void
dec_finish(struct dec *d, struct out *o)
{
	switch (d->kind) {
	case K_FORM:
		decode_form_finish(&d->u.form, out_fn, o);
		break;
	case K_JSON:
		decode_json_finish(&d->u.json, out_fn, o);
		break;
	case K_B64_STD:
	case K_B64_URL:
	case K_B64_ANY:
		decode_b64_finish(&d->u.b64, out_fn, o);
		break;
	default:
		decode_qp_finish(&d->u.qp, out_fn, o);
		break;
	}
}

static const struct decode_stats *
dec_stats(const struct dec *d)
{
	switch (d->kind) {
	case K_FORM:
		return &d->u.form.st;
	case K_JSON:
		return &d->u.json.st;
	case K_B64_STD:
	case K_B64_URL:
	case K_B64_ANY:
		return &d->u.b64.st;
	default:
		return &d->u.qp.st;
	}
}

/* Feed p[0..n) in a block of its own (NULL when n is 0: allowed). */
static void
dec_feed_copy(struct dec *d, const uint8_t *p, size_t n, struct out *o)
{
	uint8_t *c = fuzz_dup(p, n);

	dec_feed(d, c, n, o);
	free(c);
}

/*
 * Decode the body with the cuts given: cut offsets ascending (ncut of them), or random
 * pieces when rng is not NULL. Returns the invalid counter; the output is in o.
 */
static uint64_t
decode(struct dec *d, enum kind kind, const uint8_t *p, size_t n, const size_t *cut,
       size_t ncut, struct fuzz_rng *rng, struct out *o, uint64_t *fields)
{
	size_t pos = 0, i;

	dec_init(d, kind);
	o->len = 0;
	if (rng != NULL) {
		while (pos < n) {
			size_t k = fuzz_piece(rng, n - pos);

			dec_feed_copy(d, p + pos, k, o);
			pos += k;
		}
	} else {
		for (i = 0; i < ncut; i++) {
			dec_feed_copy(d, p + pos, cut[i] - pos, o);
			pos = cut[i];
		}
		dec_feed_copy(d, p + pos, n - pos, o);
	}
	dec_finish(d, o);
	FUZZ_CHECK(dec_stats(d)->bytes_in == n);
	FUZZ_CHECK(dec_stats(d)->bytes_out == o->len);
	*fields = kind == K_FORM ? d->u.form.fields : 0;
	return dec_stats(d)->invalid;
}

static bool
same(const struct out *a, const struct out *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

/* The same body through decode_text_*: the kind's decoder behind the generic interface. */
static void
generic(enum decode_text_kind tk, const uint8_t *p, size_t n, size_t cut, struct out *o)
{
	struct decode_text st;
	uint8_t *c;

	FUZZ_CHECK(decode_text_init(&st, tk) == 0);
	FUZZ_CHECK(strcmp(decode_text_name(tk), "?") != 0);
	o->len = 0;
	c = fuzz_dup(p, cut);
	decode_text_feed(&st, c, cut, out_fn, o);
	free(c);
	c = fuzz_dup(p + cut, n - cut);
	decode_text_feed(&st, c, n - cut, out_fn, o);
	free(c);
	decode_text_finish(&st, out_fn, o);
	FUZZ_CHECK(decode_text_stats(&st)->bytes_in == n);
	FUZZ_CHECK(decode_text_stats(&st)->bytes_out == o->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct out o[4];
	struct fuzz_rng rng;
	struct dec d;
	enum kind kind;
	size_t n, cut, i;
	uint64_t inv[3], fields[3], again_in;
	int tk = -1;

	if (size < 4)
		return 0;
	kind = (enum kind)(data[0] % K_COUNT);
	fuzz_rng_seed(&rng, data[3]);
	n = size - 4;
	cut = fuzz_le16(data + 1) % (n + 1);
	data += 4;
	for (i = 0; i < 4; i++) {
		free(o[i].buf);
		o[i].buf = malloc(n + 1);
		FUZZ_CHECK(o[i].buf != NULL);
		o[i].cap = n;
		o[i].len = 0;
	}

	/* Whole, cut once at the chosen offset, cut at random. */
	inv[0] = decode(&d, kind, data, n, NULL, 0, NULL, &o[0], &fields[0]);
	if (kind >= K_B64_STD && kind <= K_B64_ANY)
		FUZZ_CHECK(o[0].len * 4 <= n * 3);
	/* The state after finish takes the next body: the same bytes decode the same. */
	again_in = dec_stats(&d)->bytes_in;
	o[3].len = 0;
	dec_feed_copy(&d, data, n, &o[3]);
	dec_finish(&d, &o[3]);
	FUZZ_CHECK(same(&o[0], &o[3]));
	FUZZ_CHECK(dec_stats(&d)->bytes_in == again_in + n);
	FUZZ_CHECK(dec_stats(&d)->invalid == 2 * inv[0]);

	inv[1] = decode(&d, kind, data, n, &cut, 1, NULL, &o[1], &fields[1]);
	FUZZ_CHECK(same(&o[0], &o[1]));
	inv[2] = decode(&d, kind, data, n, NULL, 0, &rng, &o[2], &fields[2]);
	FUZZ_CHECK(same(&o[0], &o[2]));
	FUZZ_CHECK(inv[0] == inv[1] && inv[0] == inv[2]);
	FUZZ_CHECK(fields[0] == fields[1] && fields[0] == fields[2]);

	switch (kind) {
	case K_FORM:
		tk = DECODE_TEXT_FORM;
		break;
	case K_JSON:
		tk = DECODE_TEXT_JSON;
		break;
	case K_B64_ANY:
		tk = DECODE_TEXT_B64;
		break;
	case K_QP:
		tk = DECODE_TEXT_QP;
		break;
	default:
		break;
	}
	if (tk >= 0) {
		generic((enum decode_text_kind)tk, data, n, cut, &o[3]);
		FUZZ_CHECK(same(&o[0], &o[3]));
	}

	/* What looks like base64 as a whole decodes as base64 without complaint. */
	if (decode_b64_looks_like(data, n, 1)) {
		FUZZ_CHECK(decode(&d, K_B64_ANY, data, n, NULL, 0, NULL, &o[3], &fields[0]) == 0);
		FUZZ_CHECK(o[3].len * 4 <= n * 3);
	}
	return 0;
}
