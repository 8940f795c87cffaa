/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the Content-Encoding decoder tests: see comp_build.h. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zlib.h>
#include <brotli/encode.h>
#include <zstd.h>

#include "comp_build.h"

struct decode_pool pool;
static uint8_t *pool_mem;

int
pool_setup(void **state)
{
	(void)state;
	pool_mem = malloc(COMP_POOL_LEN);
	if (pool_mem == NULL || decode_pool_init(&pool, pool_mem, COMP_POOL_LEN, 0) != 0)
		return -1;
	return 0;
}

int
pool_teardown(void **state)
{
	(void)state;
	free(pool_mem);
	return 0;
}

void
sink_out(void *cookie, const uint8_t *p, size_t n)
{
	struct sink *s = cookie;

	assert_true(n >= 1);
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->p = realloc(s->p, s->cap);
		assert_non_null(s->p);
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->calls++;
	if (n > s->max_chunk)
		s->max_chunk = n;
}

void
sink_free(struct sink *s)
{
	free(s->p);
	*s = (struct sink){ 0 };
}

void
make_text(uint8_t *p, size_t len, uint32_t seed)
{
	static const char *const words[] = {
		"the", "customer", "card", "payment", "order", "iban", "mail", "phone",
		"shipping", "address", "invoice", "total", "name", "Jane", "Doe", "account",
		"number", "reference", "date", "city", "Berlin", "Paris", "street", "amount",
	};
	static const char *const values[] = {
		"4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "jane.doe@example.com",
		"+44 20 7946 0958", "5500-0000-0000-0004", "FR14 2004 1010 0505 0001 3M02 606",
		"078-05-1120", "john_smith@mail.example.org",
	};
	char line[160];
	size_t off = 0, k;
	uint32_t x = seed * 2654435761u + 1;
	int w, nw;

	while (off < len) {
		int m = 0;

		x = x * 1103515245u + 12345u;
		nw = 4 + (int)((x >> 16) % 8);
		for (w = 0; w < nw; w++) {
			x = x * 1103515245u + 12345u;
			m += snprintf(line + m, sizeof(line) - (size_t)m, "%s ",
				      words[(x >> 16) % (sizeof(words) / sizeof(words[0]))]);
		}
		x = x * 1103515245u + 12345u;
		m += snprintf(line + m, sizeof(line) - (size_t)m, "%s; ref %u\n",
			      values[(x >> 16) % (sizeof(values) / sizeof(values[0]))],
			      (unsigned)(x % 100000));
		for (k = 0; k < (size_t)m && off < len; k++)
			p[off++] = (uint8_t)line[k];
	}
}

size_t
zlib_encode(const uint8_t *src, size_t n, int wbits, size_t flush_at, uint8_t *dst,
	    size_t cap)
{
	z_stream z = { 0 };
	size_t len;

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)src;
	z.next_out = dst;
	z.avail_out = (uInt)cap;
	if (flush_at > 0) {
		z.avail_in = (uInt)flush_at;
		assert_int_equal(deflate(&z, Z_FULL_FLUSH), Z_OK);
		assert_int_equal(z.avail_in, 0);
	}
	z.avail_in = (uInt)(n - flush_at);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	len = z.total_out;
	deflateEnd(&z);
	return len;
}

size_t
br_encode(const uint8_t *src, size_t n, int lgwin, size_t flush_at, uint8_t *dst, size_t cap)
{
	BrotliEncoderState *s = BrotliEncoderCreateInstance(NULL, NULL, NULL);
	const uint8_t *next_in = src;
	uint8_t *next_out = dst;
	size_t avail_in, avail_out = cap;

	assert_non_null(s);
	assert_true(BrotliEncoderSetParameter(s, BROTLI_PARAM_QUALITY, 5));
	assert_true(BrotliEncoderSetParameter(s, BROTLI_PARAM_LGWIN, (uint32_t)lgwin));
	if (flush_at > 0) {
		avail_in = flush_at;
		do {
			assert_true(BrotliEncoderCompressStream(s, BROTLI_OPERATION_FLUSH,
				&avail_in, &next_in, &avail_out, &next_out, NULL));
		} while (avail_in > 0 || BrotliEncoderHasMoreOutput(s));
	}
	avail_in = n - flush_at;
	do {
		assert_true(BrotliEncoderCompressStream(s, BROTLI_OPERATION_FINISH, &avail_in,
			&next_in, &avail_out, &next_out, NULL));
		assert_true(avail_out > 0);
	} while (!BrotliEncoderIsFinished(s));
	BrotliEncoderDestroyInstance(s);
	return cap - avail_out;
}

size_t
zstd_encode(const uint8_t *src, size_t n, size_t flush_at, uint8_t *dst, size_t cap)
{
	ZSTD_CCtx *cc;
	ZSTD_inBuffer in = { src, flush_at, 0 };
	ZSTD_outBuffer out = { dst, cap, 0 };
	size_t r;

	if (flush_at == 0) {
		r = ZSTD_compress(dst, cap, src, n, 3);
		assert_false(ZSTD_isError(r));
		return r;
	}
	cc = ZSTD_createCCtx();
	assert_non_null(cc);
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3)));
	do {
		r = ZSTD_compressStream2(cc, &out, &in, ZSTD_e_flush);
		assert_false(ZSTD_isError(r));
	} while (r != 0);
	in = (ZSTD_inBuffer){ src + flush_at, n - flush_at, 0 };
	do {
		r = ZSTD_compressStream2(cc, &out, &in, ZSTD_e_end);
		assert_false(ZSTD_isError(r));
	} while (r != 0);
	ZSTD_freeCCtx(cc);
	return out.pos;
}

int
decode_all(const enum decode_comp_coding *codings, unsigned n, const uint8_t *enc,
	   size_t len, const size_t *cuts, size_t ncuts, const struct decode_comp_conf *conf,
	   struct sink *out, struct decode_comp_stats *st)
{
	struct decode_comp_chain c;
	size_t start = 0, end, i;
	uint8_t *piece;
	int rc;

	rc = decode_comp_chain_init(&c, codings, n, conf, &pool, sink_out, out);
	for (i = 0; rc == 0 && i <= ncuts; i++) {
		end = i < ncuts ? cuts[i] : len;
		assert_true(end >= start && end <= len);
		piece = NULL;
		if (end > start) {
			piece = malloc(end - start);
			assert_non_null(piece);
			memcpy(piece, enc + start, end - start);
		}
		rc = decode_comp_chain_feed(&c, piece, end - start);
		free(piece);
		if (i < sizeof(out->cut_out) / sizeof(out->cut_out[0]))
			out->cut_out[i] = out->len;
		start = end;
	}
	if (rc == 0)
		rc = decode_comp_chain_finish(&c);
	decode_comp_chain_end(&c);
	decode_comp_chain_stats(&c, st);
	assert_int_equal(decode_pool_in_use(&pool), 0);
	assert_int_equal(decode_pool_check(&pool), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(c.stage[i].stats.mem, 0);
	return rc;
}
