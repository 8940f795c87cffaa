/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feed-and-check helpers for the text decoder unit tests: see decode_check.h.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "decode_check.h"

void
out_append(void *cookie, const uint8_t *p, size_t n)
{
	struct outbuf *o = cookie;

	assert_true(n > 0);
	if (o->n + n > o->cap) {
		o->cap = (o->n + n) * 2 + 64;
		o->p = realloc(o->p, o->cap);
		assert_non_null(o->p);
	}
	memcpy(o->p + o->n, p, n);
	o->n += n;
	o->calls++;
}

void
outbuf_free(struct outbuf *o)
{
	free(o->p);
	memset(o, 0, sizeof(*o));
}

void
run_cut(struct decode_text *d, enum decode_text_kind kind, const uint8_t *in, size_t n,
	const size_t *cuts, size_t ncuts, struct outbuf *o)
{
	size_t at = 0;

	memset(o, 0, sizeof(*o));
	assert_int_equal(decode_text_init(d, kind), 0);
	for (size_t k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : n;
		uint8_t *piece = end > at ? malloc(end - at) : NULL;

		if (end > at) {
			assert_non_null(piece);
			memcpy(piece, in + at, end - at);
		}
		decode_text_feed(d, piece, end - at, out_append, o);
		free(piece);
		at = end;
	}
	decode_text_finish(d, out_append, o);
	assert_int_equal(decode_text_stats(d)->bytes_in, n);
	assert_int_equal(decode_text_stats(d)->bytes_out, o->n);
	assert_true(o->n <= n);
}

/* o holds exactly want[0..want_n) (want may be NULL when want_n is 0). */
static void
assert_output(const struct outbuf *o, const uint8_t *want, size_t want_n)
{
	assert_int_equal(o->n, want_n);
	if (want_n > 0)
		assert_memory_equal(o->p, want, want_n);
}

void
check_one(enum decode_text_kind kind, const uint8_t *in, size_t n, const uint8_t *want,
	  size_t want_n, uint64_t invalid)
{
	struct decode_text d;
	struct outbuf o;

	run_cut(&d, kind, in, n, NULL, 0, &o);
	if (o.n != want_n || (want_n > 0 && memcmp(o.p, want, want_n) != 0))
		print_error("input \"%.*s\": got \"%.*s\", want \"%.*s\"\n", (int)n, in, (int)o.n,
			    o.p != NULL ? (char *)o.p : "", (int)want_n, want);
	assert_output(&o, want, want_n);
	assert_int_equal(decode_text_stats(&d)->invalid, invalid);
	outbuf_free(&o);
}

void
check_vecs(enum decode_text_kind kind, const struct vec *v, size_t nv)
{
	for (size_t k = 0; k < nv; k++)
		check_one(kind, (const uint8_t *)v[k].in, strlen(v[k].in),
			  (const uint8_t *)v[k].want,
			  v[k].want_n != 0 ? v[k].want_n : strlen(v[k].want), v[k].invalid);
}

void
check_every_cut(enum decode_text_kind kind, const uint8_t *in, size_t n)
{
	struct decode_text d;
	struct outbuf one, o;
	struct decode_stats ref;
	size_t *cuts = malloc((n + 1) * sizeof(*cuts));

	assert_non_null(cuts);
	run_cut(&d, kind, in, n, NULL, 0, &one);
	ref = *decode_text_stats(&d);
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i; j <= n; j++) {
			size_t c[2] = { i, j };

			run_cut(&d, kind, in, n, c, 2, &o);
			assert_output(&o, one.p, one.n);
			assert_int_equal(decode_text_stats(&d)->invalid, ref.invalid);
			outbuf_free(&o);
		}
	}
	for (size_t i = 0; i < n; i++)
		cuts[i] = i;
	run_cut(&d, kind, in, n, cuts, n, &o);
	assert_output(&o, one.p, one.n);
	assert_int_equal(decode_text_stats(&d)->invalid, ref.invalid);
	outbuf_free(&o);
	outbuf_free(&one);
	free(cuts);
}

static uint64_t rng_state = 1;

void
rng_seed(uint64_t seed)
{
	rng_state = seed != 0 ? seed : 1;
}

uint32_t
rng(void)
{
	/* xorshift64*, fixed seeds: the same inputs every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

void
check_random_cuts(enum decode_text_kind kind, const uint8_t *in, size_t n, const uint8_t *want,
		  size_t want_n)
{
	struct decode_text d;
	struct outbuf one, o;
	uint64_t invalid;
	size_t cuts[8], ncuts = n == 0 ? 0 : rng() % 8;

	run_cut(&d, kind, in, n, NULL, 0, &one);
	invalid = decode_text_stats(&d)->invalid;
	if (want != NULL) {
		assert_output(&one, want, want_n);
		assert_int_equal(invalid, 0);
	}
	for (size_t k = 0; k < ncuts; k++)
		cuts[k] = rng() % n;
	for (size_t k = 1; k < ncuts; k++) /* insertion sort; repeats give empty pieces */
		for (size_t m = k; m > 0 && cuts[m - 1] > cuts[m]; m--) {
			size_t t = cuts[m];

			cuts[m] = cuts[m - 1];
			cuts[m - 1] = t;
		}
	run_cut(&d, kind, in, n, cuts, ncuts, &o);
	assert_output(&o, one.p, one.n);
	assert_int_equal(decode_text_stats(&d)->invalid, invalid);
	outbuf_free(&o);
	outbuf_free(&one);
}

void
random_bytes(uint8_t *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		p[k] = (uint8_t)rng();
}

size_t
put_hex(uint8_t *o, uint8_t c, char lead)
{
	static const char upper[] = "0123456789ABCDEF", lower[] = "0123456789abcdef";
	const char *h = rng() % 2 ? upper : lower;

	o[0] = (uint8_t)lead;
	o[1] = (uint8_t)h[c >> 4];
	o[2] = (uint8_t)h[c & 15];
	return 3;
}

static const char noise[] = "%+&=\\\"u0123456789abcdefABCDEFGZz/_- \t\r\n";

void
check_random_noise(enum decode_text_kind kind, int rounds)
{
	uint8_t in[160];

	for (int round = 0; round < rounds; round++) {
		size_t n = rng() % sizeof(in);

		for (size_t k = 0; k < n; k++) {
			uint32_t r = rng();

			in[k] = r % 8 == 0 ? (uint8_t)(r >> 8)
					   : (uint8_t)noise[(r >> 8) % (sizeof(noise) - 1)];
		}
		check_random_cuts(kind, in, n, NULL, 0);
	}
}
