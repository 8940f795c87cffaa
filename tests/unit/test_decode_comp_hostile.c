/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile and broken bodies for the Content-Encoding decoders (dataplane/decode_comp.c,
 * decode_comp_chain.c): decompression bombs, the output cap, corrupt, truncated and
 * trailing data, pool exhaustion, zstd windows over the limit, the Content-Encoding
 * header parser, bad arguments, and the memory one decoder of each coding takes.
 * Every test leaves the pool with 0 bytes in use.
 */

#include <errno.h>
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

#define ENDED	(DECODE_COMP_F_END | DECODE_COMP_F_FINISHED)

static const enum decode_comp_coding GZ = DECODE_COMP_GZIP;
static const enum decode_comp_coding DF = DECODE_COMP_DEFLATE;
static const enum decode_comp_coding BR = DECODE_COMP_BR;
static const enum decode_comp_coding ZS = DECODE_COMP_ZSTD;

/* n zero bytes, gzip-compressed (level 9) into a heap buffer; *len its length. */
static uint8_t *
gzip_zeros(size_t n, size_t *len)
{
	static uint8_t zeros[1 << 20];
	size_t cap = n / 500 + 4096;
	uint8_t *dst = malloc(cap);
	z_stream z = { 0 };

	assert_non_null(dst);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_out = dst;
	z.avail_out = (uInt)cap;
	while (n > 0) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);

		z.next_in = zeros;
		z.avail_in = (uInt)k;
		n -= k;
		assert_true(deflate(&z, n == 0 ? Z_FINISH : Z_NO_FLUSH) >= 0);
		assert_int_equal(z.avail_in, 0);
	}
	*len = z.total_out;
	deflateEnd(&z);
	return dst;
}

/* n zero bytes as one zstd frame (level 3) or brotli stream (quality 5) on the heap. */
static uint8_t *
zeros_encode(enum decode_comp_coding c, size_t n, size_t *len)
{
	static const uint8_t zeros[1 << 20];
	size_t cap = n / 100 + 4096, avail_in, avail_out = cap, k, r;
	uint8_t *dst = malloc(cap), *next_out = dst;
	const uint8_t *next_in;

	assert_non_null(dst);
	if (c == DECODE_COMP_ZSTD) {
		ZSTD_CCtx *cc = ZSTD_createCCtx();
		ZSTD_outBuffer out = { dst, cap, 0 };

		assert_non_null(cc);
		for (; n > 0; n -= k) {
			k = n < sizeof(zeros) ? n : sizeof(zeros);
			ZSTD_inBuffer in = { zeros, k, 0 };

			do {
				r = ZSTD_compressStream2(cc, &out, &in, n == k ? ZSTD_e_end :
							 ZSTD_e_continue);
				assert_false(ZSTD_isError(r));
			} while (in.pos < in.size || (n == k && r != 0));
		}
		ZSTD_freeCCtx(cc);
		*len = out.pos;
		return dst;
	}
	BrotliEncoderState *s = BrotliEncoderCreateInstance(NULL, NULL, NULL);

	assert_non_null(s);
	assert_true(BrotliEncoderSetParameter(s, BROTLI_PARAM_QUALITY, 5));
	for (; n > 0; n -= k) {
		k = n < sizeof(zeros) ? n : sizeof(zeros);
		next_in = zeros;
		avail_in = k;
		do {
			assert_true(BrotliEncoderCompressStream(s, n == k ?
				BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS, &avail_in,
				&next_in, &avail_out, &next_out, NULL));
		} while (avail_in > 0 || (n == k && !BrotliEncoderIsFinished(s)));
	}
	BrotliEncoderDestroyInstance(s);
	*len = cap - avail_out;
	return dst;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* ---------------------------------------------------------------------------------- */
/* Bombs and the output cap. */

static void
test_gzip_bomb_of_100_mb_stops_at_the_ratio_limit(void **state)
{
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t len, *cuts, i;
	uint8_t *bomb = gzip_zeros(100u << 20, &len);

	(void)state;
	assert_true(len < 200000);	/* about 1000:1 */
	decode_comp_conf_default(&conf);
	/* In one piece: the grace (64 KiB) is all that comes out, in 16 callbacks. */
	assert_int_equal(decode_all(&GZ, 1, bomb, len, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_BOMB);
	assert_int_equal(st.out_bytes, DECODE_COMP_DEF_RATIO_GRACE);
	assert_int_equal(out.len, DECODE_COMP_DEF_RATIO_GRACE);
	assert_true(all_zero(out.p, out.len));
	assert_int_equal(out.calls, DECODE_COMP_DEF_RATIO_GRACE / DECODE_COMP_DEF_OUT_CHUNK);
	assert_true(st.in_bytes < 1000);
	assert_int_equal(st.err, DECODE_COMP_BOMB);
	assert_true(st.flags & DECODE_COMP_F_BOMB);
	sink_free(&out);

	/* Without grace the output stops at exactly 100 times what was consumed. */
	conf.ratio_grace = 0;
	assert_int_equal(decode_all(&GZ, 1, bomb, len, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_BOMB);
	assert_true(st.in_bytes > 0);
	assert_int_equal(st.out_bytes, 100 * st.in_bytes);
	assert_int_equal(out.len, st.out_bytes);
	sink_free(&out);

	/* Byte by byte: the same limit, reached after a few hundred bytes. */
	cuts = malloc(len * sizeof(*cuts));
	assert_non_null(cuts);
	for (i = 0; i + 1 < len; i++)
		cuts[i] = i + 1;
	assert_int_equal(decode_all(&GZ, 1, bomb, len, cuts, len - 1, &conf, &out, &st),
			 DECODE_COMP_BOMB);
	assert_int_equal(st.out_bytes, 100 * st.in_bytes);
	assert_true(st.out_bytes < (1u << 20));
	sink_free(&out);
	free(cuts);
	free(bomb);
}

static void
test_zstd_and_br_bombs_stop_at_the_ratio_limit(void **state)
{
	static const enum decode_comp_coding cs[2] = { DECODE_COMP_ZSTD, DECODE_COMP_BR };
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	uint8_t *bomb;
	size_t len;
	int k;

	(void)state;
	decode_comp_conf_default(&conf);
	for (k = 0; k < 2; k++) {
		bomb = zeros_encode(cs[k], 100u << 20, &len);
		assert_true(len < 100000);
		assert_int_equal(decode_all(&cs[k], 1, bomb, len, NULL, 0, &conf, &out, &st),
				 DECODE_COMP_BOMB);
		assert_int_equal(out.len, DECODE_COMP_DEF_RATIO_GRACE);
		assert_int_equal(st.out_bytes, DECODE_COMP_DEF_RATIO_GRACE);
		assert_true(100 * st.in_bytes < DECODE_COMP_DEF_RATIO_GRACE);
		assert_true(all_zero(out.p, out.len));
		sink_free(&out);
		free(bomb);
	}
}

static void
test_stacked_bomb_counts_against_the_encoded_bytes(void **state)
{
	enum decode_comp_coding c[2] = { DECODE_COMP_GZIP, DECODE_COMP_GZIP };
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t ilen, len;
	uint8_t *inner = gzip_zeros(100u << 20, &ilen);
	uint8_t *outer = malloc(ilen + 1024);

	(void)state;
	assert_non_null(outer);
	len = zlib_encode(inner, ilen, 16 + 15, 0, outer, ilen + 1024);
	decode_comp_conf_default(&conf);
	conf.ratio_grace = 0;
	/* Neither stage may pass 100 times the bytes of the body on the wire. */
	assert_int_equal(decode_all(c, 2, outer, len, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_BOMB);
	assert_true(st.out_bytes <= 100 * st.in_bytes);
	assert_true(out.len < (1u << 20));
	assert_true(all_zero(out.p, out.len));
	sink_free(&out);
	free(outer);
	free(inner);
}

static void
test_output_cap_stops_at_exactly_out_max(void **state)
{
	uint8_t text[6000], enc[8000];
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 20);
	len = zlib_encode(text, sizeof(text), 16 + 15, 0, enc, sizeof(enc));
	decode_comp_conf_default(&conf);
	conf.out_max = 1000;
	assert_int_equal(decode_all(&GZ, 1, enc, len, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_CAP);
	assert_int_equal(out.len, 1000);
	assert_memory_equal(out.p, text, 1000);
	assert_int_equal(st.flags, DECODE_COMP_F_CAP);
	sink_free(&out);

	conf.out_max = sizeof(text) - 1;
	assert_int_equal(decode_all(&GZ, 1, enc, len, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_CAP);
	assert_int_equal(out.len, sizeof(text) - 1);
	sink_free(&out);

	/* A body of exactly out_max bytes is not capped. */
	conf.out_max = sizeof(text);
	assert_int_equal(decode_all(&GZ, 1, enc, len, NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(out.len, sizeof(text));
	assert_int_equal(st.flags, ENDED);
	sink_free(&out);
}

static void
test_small_output_chunks_are_never_exceeded(void **state)
{
	uint8_t text[3000], enc[4000];
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 21);
	len = br_encode(text, sizeof(text), 18, 0, enc, sizeof(enc));
	decode_comp_conf_default(&conf);
	conf.out_chunk = DECODE_COMP_OUT_CHUNK_MIN;
	assert_int_equal(decode_all(&BR, 1, enc, len, NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(out.len, sizeof(text));
	assert_memory_equal(out.p, text, sizeof(text));
	assert_int_equal(out.max_chunk, DECODE_COMP_OUT_CHUNK_MIN);
	assert_int_equal(out.calls, (sizeof(text) + 63) / 64);
	sink_free(&out);
}

/* ---------------------------------------------------------------------------------- */
/* Corrupt, truncated, trailing. */

/*
 * text[0..1000) in a first flushed block, then a byte that cannot start a block. Cut
 * before the bad byte, the first 1000 bytes come out, then CORRUPT. In one piece the
 * same for zlib; libbrotli loses what it decoded in the call that fails, so the decoder
 * feeds it slices of 256 bytes (BR_SLICE) and what the slices before the failing one
 * decode to comes out.
 */
static void
check_bad_second_block(enum decode_comp_coding coding, int wbits, uint8_t bad)
{
	uint8_t text[2000], enc[3000];
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t len, cut, want;
	uint16_t flags = DECODE_COMP_F_CORRUPT | (wbits < 0 ? DECODE_COMP_F_RAW : 0);
	const uint8_t *m;

	make_text(text, sizeof(text), 22);
	if (coding == DECODE_COMP_BR) {
		/* The first half flushed (byte-aligned), then the empty last meta-block
		 * (ISLAST, ISLASTEMPTY: 0x03), which the bad byte replaces. */
		len = br_encode(text, 1000, 18, 1000, enc, sizeof(enc));
		assert_int_equal(enc[len - 1], 0x03);
		len--;
	} else {
		len = zlib_encode(text, sizeof(text), wbits, 1000, enc, sizeof(enc));
		m = memmem(enc, len, "\x00\x00\xff\xff", 4);
		assert_non_null(m);
		len = (size_t)(m - enc) + 4;
	}
	cut = len;
	enc[len++] = bad;
	decode_comp_conf_default(&conf);

	assert_int_equal(decode_all(&coding, 1, enc, len, &cut, 1, &conf, &out, &st),
			 DECODE_COMP_CORRUPT);
	assert_int_equal(out.cut_out[0], 1000);
	assert_int_equal(out.len, 1000);
	assert_memory_equal(out.p, text, 1000);
	assert_int_equal(st.flags, flags);
	assert_int_equal(st.err, DECODE_COMP_CORRUPT);
	sink_free(&out);

	want = 1000;
	if (coding == DECODE_COMP_BR) {
		/* What the whole slices before the bad byte's decode to, truncated. */
		assert_true(cut > 256);
		assert_int_equal(decode_all(&coding, 1, enc, cut / 256 * 256, NULL, 0, &conf,
					    &out, &st), 0);
		want = out.len;
		assert_true(want > 0 && want < 1000);
		sink_free(&out);
	}
	assert_int_equal(decode_all(&coding, 1, enc, len, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_CORRUPT);
	assert_true(out.len >= want && out.len <= 1000);
	assert_memory_equal(out.p, text, out.len);
	assert_int_equal(st.flags, flags);
	sink_free(&out);
}

static void
test_corrupt_block_delivers_what_came_before(void **state)
{
	(void)state;
	/* deflate: BFINAL 1, BTYPE 11 (reserved). */
	check_bad_second_block(DECODE_COMP_GZIP, 16 + 15, 0xff);
	check_bad_second_block(DECODE_COMP_DEFLATE, 15, 0xff);
	check_bad_second_block(DECODE_COMP_DEFLATE, -15, 0xff);
	/* br: ISLAST 0, MNIBBLES 0 (metadata), reserved bit 1. */
	check_bad_second_block(DECODE_COMP_BR, 0, 0x0e);
}

static void
test_zstd_reserved_block_type_after_a_good_block_is_corrupt(void **state)
{
	/* Single-segment frame of 10 bytes: raw block "hello", then a reserved block. */
	static const uint8_t frame[] = {
		0x28, 0xb5, 0x2f, 0xfd, 0x20, 10,
		0x28, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o',
		0x2f, 0x00, 0x00, 'w', 'o', 'r', 'l', 'd',
	};
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };

	(void)state;
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(&ZS, 1, frame, sizeof(frame), NULL, 0, &conf, &out, &st),
			 DECODE_COMP_CORRUPT);
	assert_int_equal(out.len, 5);
	assert_memory_equal(out.p, "hello", 5);
	sink_free(&out);

	/* The same frame with its last block raw decodes. */
	uint8_t good[sizeof(frame)];

	memcpy(good, frame, sizeof(frame));
	good[14] = 0x29;
	assert_int_equal(decode_all(&ZS, 1, good, sizeof(good), NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(out.len, 10);
	assert_memory_equal(out.p, "helloworld", 10);
	assert_int_equal(st.flags, ENDED);
	sink_free(&out);
}

static void
test_checksum_mismatch_is_corrupt_after_the_whole_output(void **state)
{
	uint8_t text[3000], enc[4000];
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 23);
	decode_comp_conf_default(&conf);
	/* gzip CRC-32 (first trailer byte), zlib Adler-32 (last byte). */
	len = zlib_encode(text, sizeof(text), 16 + 15, 0, enc, sizeof(enc));
	enc[len - 8] ^= 1;
	assert_int_equal(decode_all(&GZ, 1, enc, len, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_CORRUPT);
	assert_int_equal(out.len, sizeof(text));
	assert_memory_equal(out.p, text, sizeof(text));
	sink_free(&out);
	len = zlib_encode(text, sizeof(text), 15, 0, enc, sizeof(enc));
	enc[len - 1] ^= 1;
	assert_int_equal(decode_all(&DF, 1, enc, len, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_CORRUPT);
	assert_int_equal(out.len, sizeof(text));
	sink_free(&out);
}

static void
test_not_a_stream_at_all_is_corrupt_with_no_output(void **state)
{
	static const uint8_t junk[] = "<html>not compressed</html>";
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };

	(void)state;
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(&GZ, 1, junk, sizeof(junk) - 1, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_CORRUPT);
	assert_int_equal(decode_all(&ZS, 1, junk, sizeof(junk) - 1, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_CORRUPT);
	/* '<' = 0x3c: a raw block of type 10 with BFINAL 0 ... that fails later. */
	assert_int_equal(decode_all(&DF, 1, junk, sizeof(junk) - 1, NULL, 0, &conf, &out, &st),
			 DECODE_COMP_CORRUPT);
	assert_int_equal(out.len, 0);
	sink_free(&out);
}

static void
test_errors_are_sticky(void **state)
{
	static const uint8_t junk[] = "plain text";
	struct decode_comp_conf conf;
	struct decode_comp d;
	struct sink out = { 0 };

	(void)state;
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_comp_init(&d, DECODE_COMP_GZIP, &conf, &pool, sink_out, &out), 0);
	assert_int_equal(decode_comp_feed(&d, junk, sizeof(junk) - 1), DECODE_COMP_CORRUPT);
	assert_int_equal(decode_comp_feed(&d, junk, sizeof(junk) - 1), DECODE_COMP_CORRUPT);
	assert_int_equal(decode_comp_finish(&d), DECODE_COMP_CORRUPT);
	assert_int_equal(d.stats.in_bytes, 2);
	assert_int_equal(out.calls, 0);
	decode_comp_end(&d);
	decode_comp_end(&d);
	assert_int_equal(decode_pool_in_use(&pool), 0);
	assert_int_equal(decode_comp_feed(&d, junk, 1), DECODE_COMP_CORRUPT);
}

/* Encode text with a flush at 1000, cut the body short: the first 1000 bytes come out. */
static void
check_truncated(enum decode_comp_coding coding, size_t cut_from_end)
{
	uint8_t text[2000], enc[3000];
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t len;

	make_text(text, sizeof(text), 24);
	if (coding == DECODE_COMP_BR)
		len = br_encode(text, sizeof(text), 18, 1000, enc, sizeof(enc));
	else if (coding == DECODE_COMP_ZSTD)
		len = zstd_encode(text, sizeof(text), 1000, enc, sizeof(enc));
	else
		len = zlib_encode(text, sizeof(text), coding == DECODE_COMP_GZIP ? 31 : -15, 1000,
				  enc, sizeof(enc));
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(&coding, 1, enc, len - cut_from_end, NULL, 0, &conf, &out,
				    &st), 0);
	assert_true(out.len >= 1000 && out.len < sizeof(text));
	assert_memory_equal(out.p, text, out.len);
	assert_true(st.flags & DECODE_COMP_F_TRUNCATED);
	assert_false(st.flags & DECODE_COMP_F_END);
	assert_int_equal(st.err, 0);
	sink_free(&out);
}

static void
test_truncated_body_is_flagged_and_keeps_its_output(void **state)
{
	uint8_t text[3000], enc[4000];
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t len;

	(void)state;
	check_truncated(DECODE_COMP_GZIP, 100);
	check_truncated(DECODE_COMP_DEFLATE, 100);
	check_truncated(DECODE_COMP_BR, 100);
	check_truncated(DECODE_COMP_ZSTD, 100);

	/* gzip missing its length field: all the text is there, still truncated. */
	make_text(text, sizeof(text), 25);
	len = zlib_encode(text, sizeof(text), 31, 0, enc, sizeof(enc));
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(&GZ, 1, enc, len - 4, NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(out.len, sizeof(text));
	assert_int_equal(st.flags, DECODE_COMP_F_TRUNCATED | DECODE_COMP_F_FINISHED);
	sink_free(&out);

	/* One byte of deflate cannot even say zlib or raw. */
	assert_int_equal(decode_all(&DF, 1, enc, 1, NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(st.flags, DECODE_COMP_F_TRUNCATED | DECODE_COMP_F_FINISHED);
	assert_int_equal(st.in_bytes, 0);

	/* An empty body is neither ended nor truncated. */
	assert_int_equal(decode_all(&BR, 1, enc, 0, NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(st.flags, DECODE_COMP_F_FINISHED);
	assert_int_equal(out.len, 0);
}

static void
check_trailing(enum decode_comp_coding coding, const char *tail, size_t tlen,
	       size_t want_ignored)
{
	uint8_t text[2000], enc[3000];
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t len;

	make_text(text, sizeof(text), 26);
	if (coding == DECODE_COMP_BR)
		len = br_encode(text, sizeof(text), 18, 0, enc, sizeof(enc));
	else if (coding == DECODE_COMP_ZSTD)
		len = zstd_encode(text, sizeof(text), 0, enc, sizeof(enc));
	else
		len = zlib_encode(text, sizeof(text), coding == DECODE_COMP_GZIP ? 31 : 15, 0,
				  enc, sizeof(enc));
	memcpy(enc + len, tail, tlen);
	len += tlen;
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(&coding, 1, enc, len, NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(out.len, sizeof(text));
	assert_memory_equal(out.p, text, sizeof(text));
	assert_int_equal(st.flags, ENDED | DECODE_COMP_F_TRAILING);
	assert_int_equal(st.ignored_bytes, want_ignored);
	assert_int_equal(st.members, 1);
	sink_free(&out);
}

static void
test_bytes_after_the_end_are_ignored_and_counted(void **state)
{
	(void)state;
	check_trailing(DECODE_COMP_GZIP, "\r\n<junk>", 8, 8);
	/* Zero padding, and a gzip magic byte followed by something else. */
	check_trailing(DECODE_COMP_GZIP, "\0\0\0\0", 4, 4);
	check_trailing(DECODE_COMP_GZIP, "\x1f\x00pad", 5, 5);
	check_trailing(DECODE_COMP_DEFLATE, "xyz", 3, 3);
	check_trailing(DECODE_COMP_BR, "xyz", 3, 3);
	check_trailing(DECODE_COMP_ZSTD, "<html></html>", 13, 13);
}

/* ---------------------------------------------------------------------------------- */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_bomb_of_100_mb_stops_at_the_ratio_limit),
		cmocka_unit_test(test_zstd_and_br_bombs_stop_at_the_ratio_limit),
		cmocka_unit_test(test_stacked_bomb_counts_against_the_encoded_bytes),
		cmocka_unit_test(test_output_cap_stops_at_exactly_out_max),
		cmocka_unit_test(test_small_output_chunks_are_never_exceeded),
		cmocka_unit_test(test_corrupt_block_delivers_what_came_before),
		cmocka_unit_test(test_zstd_reserved_block_type_after_a_good_block_is_corrupt),
		cmocka_unit_test(test_checksum_mismatch_is_corrupt_after_the_whole_output),
		cmocka_unit_test(test_not_a_stream_at_all_is_corrupt_with_no_output),
		cmocka_unit_test(test_errors_are_sticky),
		cmocka_unit_test(test_truncated_body_is_flagged_and_keeps_its_output),
		cmocka_unit_test(test_bytes_after_the_end_are_ignored_and_counted),
	};

	return cmocka_run_group_tests(tests, pool_setup, pool_teardown);
}
