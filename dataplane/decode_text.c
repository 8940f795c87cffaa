/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming text decoders for the DLP sensors, so they read a value as the user wrote it:
 * application/x-www-form-urlencoded (WHATWG URL 5.1) and JSON string escapes (RFC 8259
 * 7) here; quoted-printable (RFC 2045 6.7) in decode_qp.c and base64 (RFC 4648, RFC 2045
 * 6.8) in decode_b64.c. decode_text_* puts the four behind one interface.
 *
 * Each decoder is a byte-at-a-time state machine whose state is the few bytes of an
 * escape cut by the end of a piece, so a body decodes the same however TCP, chunked
 * coding or MIME lines cut it. When a byte proves an escape invalid, the bytes held back
 * are output as written and that byte is read again in the plain state ("reprocess"),
 * which is why some branches below do not advance i; the plain state always consumes
 * it, so a byte is read at most twice. Runs of bytes that need no decoding are copied
 * as a whole.
 *
 *   form:  PLAIN --'%'--> PCT --hex--> PCT1 --hex--> PLAIN (one byte out)
 *                          \ other      \ other: '%' (and the digit) out, reprocess
 *   json:  OUT --'"'--> STR --'\'--> ESC --'u'--> U (4 hex) --> STR
 *           ^            |  ^--------' valid / invalid (reprocess)
 *           '--- '"' ----'  (or a raw CR/LF, counted)
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <immintrin.h>

#include "decode_b64.h"
#include "decode_priv.h"
#include "decode_qp.h"
#include "decode_text.h"

enum { FORM_PLAIN, FORM_PCT, FORM_PCT1 };
enum { JSON_OUT, JSON_STR, JSON_ESC, JSON_U };

/* ---- plain runs ---- */

/* The length of the prefix of p[0..n) holding none of the bytes a, b, c and d, 32 bytes
 * at a time (the tail byte by byte). */
__attribute__((target("avx2"))) static size_t
span4_avx2(const uint8_t *p, size_t n, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const __m256i va = _mm256_set1_epi8((char)a), vb = _mm256_set1_epi8((char)b);
	const __m256i vc = _mm256_set1_epi8((char)c), vd = _mm256_set1_epi8((char)d);
	size_t j = 0;

	for (; j + 32 <= n; j += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + j));
		uint32_t m = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
			_mm256_or_si256(_mm256_cmpeq_epi8(v, va), _mm256_cmpeq_epi8(v, vb)),
			_mm256_or_si256(_mm256_cmpeq_epi8(v, vc), _mm256_cmpeq_epi8(v, vd))));

		if (m != 0)
			return j + (unsigned int)__builtin_ctz(m);
	}
	for (; j < n && p[j] != a && p[j] != b && p[j] != c && p[j] != d; j++)
		;
	return j;
}

/* ---- application/x-www-form-urlencoded ---- */

void
decode_form_init(struct decode_form *st)
{
	memset(st, 0, sizeof(*st));
	st->state = FORM_PLAIN;
}

static bool
form_special(uint8_t c)
{
	return c == '%' || c == '+' || c == '&';
}

static void
form_field_byte(struct decode_form *st)
{
	if (!st->in_field) {
		st->in_field = 1;
		st->fields++;
	}
}

static void
form_feed(struct decode_form *st, const uint8_t *p, size_t n, decode_out_fn out, void *cookie,
	  bool vec)
{
	struct decode_sink s;
	size_t i = 0;

	decode_sink_init(&s, out, cookie, &st->st);
	st->st.bytes_in += n;
	while (i < n) {
		uint8_t c = p[i];

		if (st->state == FORM_PLAIN) {
			size_t j = i;

			if (vec && n - i >= 32)
				j += span4_avx2(p + i, n - i, '%', '+', '&', '&');
			else
				while (j < n && !form_special(p[j]))
					j++;
			if (j > i) {
				form_field_byte(st);
				decode_sink_write(&s, p + i, j - i);
				i = j;
				continue;
			}
			i++;
			if (c == '&') {
				decode_sink_put(&s, '\n');
				st->in_field = 0;
			} else if (c == '+') {
				form_field_byte(st);
				decode_sink_put(&s, ' ');
			} else {
				form_field_byte(st);
				st->state = FORM_PCT;
			}
		} else if (st->state == FORM_PCT) {
			if (decode_hexval(c) >= 0) {
				st->hi = c;
				st->state = FORM_PCT1;
				i++;
			} else {
				/* "%" then not hex: the '%' is literal, c is read again */
				decode_sink_put(&s, '%');
				st->st.invalid++;
				st->state = FORM_PLAIN;
			}
		} else {
			int lo = decode_hexval(c);

			if (lo >= 0) {
				decode_sink_put(&s, (uint8_t)(decode_hexval(st->hi) << 4 | lo));
				i++;
			} else {
				decode_sink_put(&s, '%');
				decode_sink_put(&s, st->hi);
				st->st.invalid++;
			}
			st->state = FORM_PLAIN;
		}
	}
	decode_sink_flush(&s);
}

void
decode_form_feed(struct decode_form *st, const uint8_t *p, size_t n, decode_out_fn out,
		 void *cookie)
{
	form_feed(st, p, n, out, cookie, decode_b64_have_avx2());	/* decode_b64's CPU check */
}

void
decode_form_feed_scalar(struct decode_form *st, const uint8_t *p, size_t n, decode_out_fn out,
			void *cookie)
{
	form_feed(st, p, n, out, cookie, false);
}

void
decode_form_finish(struct decode_form *st, decode_out_fn out, void *cookie)
{
	struct decode_sink s;

	decode_sink_init(&s, out, cookie, &st->st);
	if (st->state != FORM_PLAIN) {
		decode_sink_put(&s, '%');
		if (st->state == FORM_PCT1)
			decode_sink_put(&s, st->hi);
		st->st.invalid++;
	}
	decode_sink_flush(&s);
	st->state = FORM_PLAIN;
	st->in_field = 0;
}

/* ---- JSON strings ---- */

void
decode_json_init(struct decode_json *st)
{
	memset(st, 0, sizeof(*st));
	st->state = JSON_OUT;
}

static void
put_utf8(struct decode_sink *s, uint32_t cp)
{
	if (cp < 0x80) {
		decode_sink_put(s, (uint8_t)cp);
	} else if (cp < 0x800) {
		decode_sink_put(s, (uint8_t)(0xc0 | cp >> 6));
		decode_sink_put(s, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		decode_sink_put(s, (uint8_t)(0xe0 | cp >> 12));
		decode_sink_put(s, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
		decode_sink_put(s, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		decode_sink_put(s, (uint8_t)(0xf0 | cp >> 18));
		decode_sink_put(s, (uint8_t)(0x80 | (cp >> 12 & 0x3f)));
		decode_sink_put(s, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
		decode_sink_put(s, (uint8_t)(0x80 | (cp & 0x3f)));
	}
}

#define REPLACEMENT_CHAR	0xfffd

/* A high surrogate that will get no low half: U+FFFD in its place. */
static void
json_drop_high(struct decode_json *st, struct decode_sink *s)
{
	if (st->high != 0) {
		put_utf8(s, REPLACEMENT_CHAR);
		st->st.invalid++;
		st->high = 0;
	}
}

static void
json_code_unit(struct decode_json *st, struct decode_sink *s, uint32_t u)
{
	if (u >= 0xd800 && u <= 0xdbff) {
		json_drop_high(st, s);
		st->high = (uint16_t)u;
	} else if (u >= 0xdc00 && u <= 0xdfff) {
		if (st->high != 0) {
			put_utf8(s, 0x10000 + ((uint32_t)(st->high - 0xd800) << 10) + (u - 0xdc00));
			st->high = 0;
		} else {
			put_utf8(s, REPLACEMENT_CHAR);
			st->st.invalid++;
		}
	} else {
		json_drop_high(st, s);
		put_utf8(s, u);
	}
}

/* The byte a one-character escape stands for, or -1. */
static int
json_simple_escape(uint8_t c)
{
	switch (c) {
	case '"':
	case '\\':
	case '/':
		return c;
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	default:
		return -1;
	}
}

/* An invalid "\u" escape: output as written, after the surrogate it may have followed. */
static void
json_bad_u(struct decode_json *st, struct decode_sink *s)
{
	json_drop_high(st, s);
	decode_sink_put(s, '\\');
	decode_sink_put(s, 'u');
	for (unsigned int k = 0; k < st->nhex; k++)
		decode_sink_put(s, st->hex[k]);
	st->nhex = 0;
	st->st.invalid++;
}

/*
 * The bytes of p[0..n) (n <= 64) that can change the decoder's state, one bit each:
 * *quote the '"' (the only one outside a string), *stop the '"', '\', CR and LF (the ones
 * inside).
 */
static void
json_masks_table(const uint8_t *p, size_t n, uint64_t *quote, uint64_t *stop)
{
	uint64_t q = 0, t = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		q |= (uint64_t)(c == '"') << i;
		t |= (uint64_t)(c == '"' || c == '\\' || c == '\r' || c == '\n') << i;
	}
	*quote = q;
	*stop = t;
}

__attribute__((target("avx2"))) static void
json_masks_avx2(const uint8_t *p, uint64_t *quote, uint64_t *stop)
{
	const __m256i dq = _mm256_set1_epi8('"'), bs = _mm256_set1_epi8('\\');
	const __m256i cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
	uint64_t q[2], t[2];
	unsigned int h;

	for (h = 0; h < 2; h++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * h));
		__m256i isq = _mm256_cmpeq_epi8(v, dq);
		__m256i any = _mm256_or_si256(
			_mm256_or_si256(isq, _mm256_cmpeq_epi8(v, bs)),
			_mm256_or_si256(_mm256_cmpeq_epi8(v, cr), _mm256_cmpeq_epi8(v, lf)));

		q[h] = (uint32_t)_mm256_movemask_epi8(isq);
		t[h] = (uint32_t)_mm256_movemask_epi8(any);
	}
	*quote = q[0] | q[1] << 32;
	*stop = t[0] | t[1] << 32;
}

/*
 * One byte the block scan leaves to the state machine: in a string a '\' or a byte after
 * a pending high surrogate, or one of an escape. Returns the bytes consumed (0 or 1).
 */
static size_t
json_step(struct decode_json *st, struct decode_sink *s, uint8_t c)
{
	int e;

	switch (st->state) {
	case JSON_STR:
		if (c != '\\') {
			json_drop_high(st, s);	/* c is read again by the block scan */
			return 0;
		}
		st->state = JSON_ESC;
		return 1;
	case JSON_ESC:
		if (c == 'u') {
			st->nhex = 0;
			st->state = JSON_U;
			return 1;
		}
		json_drop_high(st, s);
		st->state = JSON_STR;
		e = json_simple_escape(c);
		if (e >= 0) {
			decode_sink_put(s, (uint8_t)e);
			return 1;
		}
		/* not an escape: the '\' is literal, c is read again */
		decode_sink_put(s, '\\');
		st->st.invalid++;
		return 0;
	default: /* JSON_U */
		if (decode_hexval(c) < 0) {
			json_bad_u(st, s);
			st->state = JSON_STR;
			return 0;
		}
		st->hex[st->nhex++] = c;
		if (st->nhex == 4) {
			uint32_t u = 0;

			for (unsigned int k = 0; k < 4; k++)
				u = u << 4 | (uint32_t)decode_hexval(st->hex[k]);
			st->nhex = 0;
			json_code_unit(st, s, u);
			st->state = JSON_STR;
		}
		return 1;
	}
}

/*
 * Outside an escape the output is the input: text outside strings, string bytes, the
 * quotes, and a CR or LF that ends a string (counted invalid). So the bytes from the last
 * escape on are written in one piece when the next escape (or the end) comes, and the
 * state is followed 64 bytes at a time by the '"' (outside a string) or the '"', '\', CR
 * and LF (inside) of each block.
 */
static void
json_feed(struct decode_json *st, const uint8_t *p, size_t n, decode_out_fn out, void *cookie,
	  bool vec)
{
	struct decode_sink s;
	size_t i = 0, from = 0;	/* p[from..i) passes through, not yet written */

	decode_sink_init(&s, out, cookie, &st->st);
	st->st.bytes_in += n;
	while (i < n) {
		size_t base = i, len = n - i < 64 ? n - i : 64;
		uint64_t quote, stop;

		if (st->state != JSON_OUT &&
		    (st->state != JSON_STR || st->high != 0 || p[i] == '\\')) {
			if (i > from)
				decode_sink_write(&s, p + from, i - from);
			i += json_step(st, &s, p[i]);
			from = i;
			continue;
		}
		if (vec && len == 64) {
			json_masks_avx2(p + base, &quote, &stop);
		} else if (vec && n >= 64) {
			/* the last block: the 64 bytes that end at n, read from this one on */
			json_masks_avx2(p + n - 64, &quote, &stop);
			quote >>= 64 - len;
			stop >>= 64 - len;
		} else {
			json_masks_table(p + base, len, &quote, &stop);
		}
		while (i < base + len) {
			uint64_t m = (st->state == JSON_OUT ? quote : stop) >> (i - base);
			const uint8_t *q;
			size_t at;

			if (m == 0 && st->state == JSON_OUT && base + len < n) {
				/* no string opens in this block: memchr goes faster over a long
				 * stretch outside strings (numbers, markup) */
				q = memchr(p + base + len, '"', n - base - len);
				i = q == NULL ? n : (size_t)(q - p);
				break;
			}
			if (m == 0) {
				i = base + len;
				break;
			}
			at = i + (unsigned int)__builtin_ctzll(m);
			if (p[at] == '\\') {
				i = at;		/* the state machine's */
				break;
			}
			if (st->state == JSON_OUT) {
				st->state = JSON_STR;
			} else {
				if (p[at] != '"')
					st->st.invalid++;	/* a line break ends the string */
				st->state = JSON_OUT;
			}
			i = at + 1;
		}
	}
	if (n > from)	/* p may be NULL when n is 0 */
		decode_sink_write(&s, p + from, n - from);
	decode_sink_flush(&s);
}

void
decode_json_feed(struct decode_json *st, const uint8_t *p, size_t n, decode_out_fn out,
		 void *cookie)
{
	json_feed(st, p, n, out, cookie, decode_b64_have_avx2());	/* the CPU check is decode_b64's */
}

void
decode_json_feed_scalar(struct decode_json *st, const uint8_t *p, size_t n,
			decode_out_fn out, void *cookie)
{
	json_feed(st, p, n, out, cookie, false);
}

void
decode_json_finish(struct decode_json *st, decode_out_fn out, void *cookie)
{
	struct decode_sink s;

	decode_sink_init(&s, out, cookie, &st->st);
	if (st->state == JSON_U) {
		json_bad_u(st, &s);
	} else {
		json_drop_high(st, &s);
		if (st->state == JSON_ESC) {
			decode_sink_put(&s, '\\');
			st->st.invalid++;
		}
	}
	decode_sink_flush(&s);
	st->state = JSON_OUT;
	st->high = 0;
	st->nhex = 0;
}

/* ---- one interface ---- */

int
decode_text_init(struct decode_text *st, enum decode_text_kind kind)
{
	switch (kind) {
	case DECODE_TEXT_FORM:
		decode_form_init(&st->u.form);
		break;
	case DECODE_TEXT_JSON:
		decode_json_init(&st->u.json);
		break;
	case DECODE_TEXT_B64:
		decode_b64_init(&st->u.b64, DECODE_B64_ANY);
		break;
	case DECODE_TEXT_QP:
		decode_qp_init(&st->u.qp);
		break;
	default:
		return -EINVAL;
	}
	st->kind = (uint8_t)kind;
	return 0;
}

void
decode_text_feed(struct decode_text *st, const uint8_t *p, size_t n, decode_out_fn out,
		 void *cookie)
{
	switch (st->kind) {
	case DECODE_TEXT_FORM:
		decode_form_feed(&st->u.form, p, n, out, cookie);
		break;
	case DECODE_TEXT_JSON:
		decode_json_feed(&st->u.json, p, n, out, cookie);
		break;
	case DECODE_TEXT_B64:
		decode_b64_feed(&st->u.b64, p, n, out, cookie);
		break;
	default:
		decode_qp_feed(&st->u.qp, p, n, out, cookie);
		break;
	}
}

void
decode_text_finish(struct decode_text *st, decode_out_fn out, void *cookie)
{
	switch (st->kind) {
	case DECODE_TEXT_FORM:
		decode_form_finish(&st->u.form, out, cookie);
		break;
	case DECODE_TEXT_JSON:
		decode_json_finish(&st->u.json, out, cookie);
		break;
	case DECODE_TEXT_B64:
		decode_b64_finish(&st->u.b64, out, cookie);
		break;
	default:
		decode_qp_finish(&st->u.qp, out, cookie);
		break;
	}
}

const struct decode_stats *
decode_text_stats(const struct decode_text *st)
{
	switch (st->kind) {
	case DECODE_TEXT_FORM:
		return &st->u.form.st;
	case DECODE_TEXT_JSON:
		return &st->u.json.st;
	case DECODE_TEXT_B64:
		return &st->u.b64.st;
	default:
		return &st->u.qp.st;
	}
}

const char *
decode_text_name(enum decode_text_kind kind)
{
	static const char *const names[DECODE_TEXT_KIND_COUNT] = {
		[DECODE_TEXT_FORM] = "form",
		[DECODE_TEXT_JSON] = "json",
		[DECODE_TEXT_B64] = "base64",
		[DECODE_TEXT_QP] = "qp",
	};

	if ((unsigned int)kind >= DECODE_TEXT_KIND_COUNT)
		return "?";
	return names[kind];
}
