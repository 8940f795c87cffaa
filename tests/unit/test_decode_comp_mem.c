/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory of the Content-Encoding decoders (dataplane/decode_comp.c): what one decoder of
 * each coding takes from the pool (printed, and held to the bounds decode_comp.c
 * documents), streams that ask for the largest windows, zstd windows over the limit,
 * pools too small for one decoder, the per-decoder mem_max, and a seeded mutation run
 * over every coding. Every test leaves the pool with 0 bytes in use.
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

#include "comp_build.h"

#define KIB	1024u
#define MIB	(1024u * 1024u)

/*
 * A brotli stream (RFC 7932) that declares a 16 MiB window (WBITS 24) and a first,
 * uncompressed meta-block of 16 MiB (ISLAST 0, MNIBBLES 6, MLEN-1 = 0xffffff,
 * ISUNCOMPRESSED 1): 32 bits, so the stored bytes start at byte 4. The decoder needs
 * its whole ring buffer before the first byte comes out.
 */
static const uint8_t br_16mib[] = { 0xcf, 0xff, 0xff, 0xff, 'h', 'e', 'l', 'l', 'o' };

/*
 * A zstd frame (RFC 8878 3.1.1) with no content size and the window descriptor wd
 * (exponent << 3: window 2^(10 + exponent)), holding one raw last block "hello". The
 * decoder needs a window-sized buffer.
 */
static void
zstd_window_frame(uint8_t f[14], uint8_t wd)
{
	static const uint8_t head[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00 };

	memcpy(f, head, sizeof(head));
	f[5] = wd;
	f[6] = (5 << 3) | 1;	/* Block_Header: size 5, raw, last */
	f[7] = 0;
	f[8] = 0;
	memcpy(f + 9, "hello", 5);
}

/* Decode and return the decoder's peak pool bytes; the output must be want[0..wlen). */
static size_t
peak_of(enum decode_comp_coding c, const uint8_t *enc, size_t len, const void *want,
	size_t wlen, int want_rc)
{
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };

	decode_comp_conf_default(&conf);
	conf.ratio_max = 0;
	assert_int_equal(decode_all(&c, 1, enc, len, NULL, 0, &conf, &out, &st), want_rc);
	assert_int_equal(out.len, wlen);
	assert_memory_equal(out.p, want, wlen);
	assert_int_equal(st.mem, 0);
	sink_free(&out);
	return st.mem_peak;
}

/* Pool bytes a decoder takes at init, before any input. */
static size_t
init_mem(enum decode_comp_coding c)
{
	struct decode_comp_conf conf;
	struct decode_comp d;
	struct sink out = { 0 };
	size_t m;

	decode_comp_conf_default(&conf);
	assert_int_equal(decode_comp_init(&d, c, &conf, &pool, sink_out, &out), 0);
	m = d.stats.mem;
	assert_int_equal(decode_pool_in_use(&pool), m);
	decode_comp_end(&d);
	assert_int_equal(d.stats.mem, 0);
	assert_int_equal(decode_pool_in_use(&pool), 0);
	return m;
}

static void
test_memory_per_decoder_is_within_the_documented_bounds(void **state)
{
	size_t gz0 = init_mem(DECODE_COMP_GZIP), df0 = init_mem(DECODE_COMP_DEFLATE);
	size_t br0 = init_mem(DECODE_COMP_BR), zs0 = init_mem(DECODE_COMP_ZSTD);
	size_t n = 64 * KIB, len, gz, df, br, br16, zs, zs8;
	uint8_t *text = malloc(n), *enc = malloc(2 * n), frame[14];

	(void)state;
	assert_non_null(text);
	assert_non_null(enc);
	make_text(text, n, 30);

	len = zlib_encode(text, n, 16 + 15, 0, enc, 2 * n);
	gz = peak_of(DECODE_COMP_GZIP, enc, len, text, n, 0);
	len = zlib_encode(text, n, -15, 0, enc, 2 * n);
	df = peak_of(DECODE_COMP_DEFLATE, enc, len, text, n, 0);
	len = br_encode(text, n, 22, 0, enc, 2 * n);
	br = peak_of(DECODE_COMP_BR, enc, len, text, n, 0);
	br16 = peak_of(DECODE_COMP_BR, br_16mib, sizeof(br_16mib), "hello", 5, 0);
	len = zstd_encode(text, n, 0, enc, 2 * n);
	zs = peak_of(DECODE_COMP_ZSTD, enc, len, text, n, 0);
	zstd_window_frame(frame, 13 << 3);	/* 2^23: the default limit */
	zs8 = peak_of(DECODE_COMP_ZSTD, frame, sizeof(frame), "hello", 5, 0);

	print_message("decoder pool bytes at init: gzip %zu, deflate %zu, br %zu, zstd %zu\n",
		      gz0, df0, br0, zs0);
	print_message("decoder peak pool bytes (out_chunk 4096, headers included):\n"
		      "  gzip 64 KiB text          %zu\n"
		      "  deflate raw 64 KiB text   %zu\n"
		      "  br 64 KiB text (lgwin 22) %zu\n"
		      "  br declaring 16 MiB       %zu\n"
		      "  zstd 64 KiB text          %zu\n"
		      "  zstd 8 MiB window frame   %zu\n", gz, df, br, br16, zs, zs8);

	assert_true(gz0 <= 12 * KIB && df0 == gz0);
	assert_true(br0 <= 10 * KIB);
	assert_true(zs0 <= 100 * KIB);
	/* zlib: z_stream, inflate state, 32 KiB window, output buffer. */
	assert_true(gz > 32 * KIB + 4 * KIB && gz <= 48 * KIB);
	assert_true(df > 32 * KIB + 4 * KIB && df <= 48 * KIB);
	/* brotli: a ring buffer grown to the output (at most the window) plus tables. */
	assert_true(br > 64 * KIB && br <= 4 * MIB + 256 * KIB);
	assert_true(br16 > 16 * MIB && br16 <= 16 * MIB + 256 * KIB);
	/* zstd: the context, and buffers sized by the frame (content size or window). */
	assert_true(zs > 64 * KIB && zs <= 512 * KIB);
	assert_true(zs8 > 8 * MIB && zs8 <= 8 * MIB + 512 * KIB);
	free(enc);
	free(text);
}

static void
test_zstd_frame_over_the_window_limit_is_refused(void **state)
{
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	enum decode_comp_coding c = DECODE_COMP_ZSTD;
	uint8_t frame[14];

	(void)state;
	decode_comp_conf_default(&conf);
	zstd_window_frame(frame, 14 << 3);	/* 2^24 > 2^23 */
	assert_int_equal(decode_all(&c, 1, frame, sizeof(frame), NULL, 0, &conf, &out, &st),
			 DECODE_COMP_WINDOW);
	assert_int_equal(st.flags, DECODE_COMP_F_WINDOW);
	assert_int_equal(out.len, 0);
	assert_true(st.mem_peak < 256 * KIB);	/* the 16 MiB were never asked for */

	conf.zstd_window_log_max = 20;
	zstd_window_frame(frame, 11 << 3);	/* 2^21 */
	assert_int_equal(decode_all(&c, 1, frame, sizeof(frame), NULL, 0, &conf, &out, &st),
			 DECODE_COMP_WINDOW);
	zstd_window_frame(frame, 10 << 3);	/* 2^20 */
	assert_int_equal(decode_all(&c, 1, frame, sizeof(frame), NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(out.len, 5);
	sink_free(&out);
}

static void
test_brotli_large_window_stream_is_corrupt(void **state)
{
	/* WBITS 1 000 001: the large-window escape (not RFC 7932), then WBITS 30. */
	static const uint8_t lw[] = { 0x11, 0x1e, 0x00, 0x00 };
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	enum decode_comp_coding c = DECODE_COMP_BR;

	(void)state;
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(&c, 1, lw, sizeof(lw), NULL, 0, &conf, &out, &st),
			 DECODE_COMP_CORRUPT);
	assert_true(st.mem_peak < 64 * KIB);
}

/* Init and decode on a pool of pool_len bytes; returns the first error. */
static int
on_small_pool(enum decode_comp_coding c, size_t pool_len, const uint8_t *enc, size_t len,
	      const struct decode_comp_conf *conf, struct decode_comp_stats *st,
	      uint64_t *fails)
{
	uint8_t *mem = malloc(pool_len);
	struct decode_pool small;
	struct decode_comp d;
	struct sink out = { 0 };
	int rc;

	assert_non_null(mem);
	assert_int_equal(decode_pool_init(&small, mem, pool_len, 0), 0);
	rc = decode_comp_init(&d, c, conf, &small, sink_out, &out);
	if (rc == 0)
		rc = decode_comp_feed(&d, enc, len);
	if (rc == 0)
		rc = decode_comp_finish(&d);
	decode_comp_end(&d);
	*st = d.stats;
	*fails = small.fails;
	assert_int_equal(decode_pool_in_use(&small), 0);
	assert_int_equal(decode_pool_check(&small), 0);
	assert_int_equal(small.allocs, small.frees);
	sink_free(&out);
	free(mem);
	return rc;
}

static void
test_pool_too_small_for_one_decoder_is_enomem_and_leaks_nothing(void **state)
{
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	uint8_t text[20000], enc[24000];
	uint64_t fails;
	size_t len;

	(void)state;
	decode_comp_conf_default(&conf);
	make_text(text, sizeof(text), 31);

	/* zstd: the context alone does not fit in 64 KiB; init says so. */
	len = zstd_encode(text, sizeof(text), 0, enc, sizeof(enc));
	assert_int_equal(on_small_pool(DECODE_COMP_ZSTD, 64 * KIB, enc, len, &conf, &st,
				       &fails), DECODE_COMP_ENOMEM);
	assert_int_equal(st.err, DECODE_COMP_ENOMEM);
	assert_int_equal(st.flags, DECODE_COMP_F_ENOMEM);
	assert_true(fails >= 1);
	assert_int_equal(st.in_bytes, 0);

	/* br: starts in 64 KiB, then the 16 MiB ring buffer is refused. */
	assert_int_equal(on_small_pool(DECODE_COMP_BR, 1 * MIB, br_16mib, sizeof(br_16mib),
				       &conf, &st, &fails), DECODE_COMP_ENOMEM);
	assert_int_equal(st.flags, DECODE_COMP_F_ENOMEM);
	assert_int_equal(st.out_bytes, 0);
	assert_true(fails >= 1);

	/* gzip: starts in 16 KiB; the 32 KiB window (asked for at the first output that
	 * does not end the stream) is refused. */
	len = zlib_encode(text, sizeof(text), 31, 0, enc, sizeof(enc));
	assert_int_equal(on_small_pool(DECODE_COMP_GZIP, 16 * KIB, enc, len, &conf, &st,
				       &fails), DECODE_COMP_ENOMEM);
	assert_int_equal(st.flags, DECODE_COMP_F_ENOMEM);
	assert_int_equal(fails, 1);

	/* The same body on enough pool decodes. */
	assert_int_equal(on_small_pool(DECODE_COMP_GZIP, 64 * KIB, enc, len, &conf, &st,
				       &fails), 0);
	assert_int_equal(st.out_bytes, sizeof(text));
	assert_int_equal(fails, 0);
}

static void
test_mem_max_refuses_before_the_pool_does(void **state)
{
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	uint8_t text[20000], enc[24000];
	uint64_t fails;
	size_t len;

	(void)state;
	decode_comp_conf_default(&conf);
	conf.mem_max = 20 * KIB;
	make_text(text, sizeof(text), 32);
	len = zlib_encode(text, sizeof(text), 31, 0, enc, sizeof(enc));
	assert_int_equal(on_small_pool(DECODE_COMP_GZIP, 1 * MIB, enc, len, &conf, &st,
				       &fails), DECODE_COMP_ENOMEM);
	assert_int_equal(st.flags, DECODE_COMP_F_ENOMEM | DECODE_COMP_F_MEM_MAX);
	assert_true(st.mem_peak <= 20 * KIB);
	assert_int_equal(fails, 0);	/* the pool had room; the decoder's cap said no */
}

static void
test_chain_that_does_not_fit_gives_back_the_stages_it_made(void **state)
{
	enum decode_comp_coding c[2] = { DECODE_COMP_ZSTD, DECODE_COMP_GZIP };
	struct decode_comp_conf conf;
	struct decode_comp_chain ch;
	struct decode_pool small;
	struct sink out = { 0 };
	uint8_t *mem = malloc(64 * KIB);

	(void)state;
	assert_non_null(mem);
	assert_int_equal(decode_pool_init(&small, mem, 64 * KIB, 0), 0);
	decode_comp_conf_default(&conf);
	/* stage[0] (gzip) fits, stage[1] (zstd) does not. */
	assert_int_equal(decode_comp_chain_init(&ch, c, 2, &conf, &small, sink_out, &out),
			 DECODE_COMP_ENOMEM);
	assert_int_equal(ch.err, DECODE_COMP_ENOMEM);
	assert_int_equal(decode_pool_in_use(&small), 0);
	assert_true(small.allocs > 0);
	assert_int_equal(decode_comp_chain_feed(&ch, (const uint8_t *)"x", 1),
			 DECODE_COMP_ENOMEM);
	decode_comp_chain_end(&ch);
	assert_int_equal(decode_pool_in_use(&small), 0);
	free(mem);
}

/* Seeded byte flips, insertions and cuts of valid bodies: never a crash or a leak. */
static void
test_mutated_bodies_never_crash_or_leak(void **state)
{
	enum decode_comp_coding all[5][2] = {
		{ DECODE_COMP_GZIP }, { DECODE_COMP_DEFLATE }, { DECODE_COMP_BR },
		{ DECODE_COMP_ZSTD }, { DECODE_COMP_GZIP, DECODE_COMP_BR },
	};
	uint8_t text[1500], enc[5][2000], mid[2000], body[2100];
	size_t elen[5], len, cuts[4], i;
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out;
	uint32_t x = 7;
	int k, r, rc;

	(void)state;
	make_text(text, sizeof(text), 33);
	elen[0] = zlib_encode(text, sizeof(text), 31, 0, enc[0], sizeof(enc[0]));
	elen[1] = zlib_encode(text, sizeof(text), -15, 0, enc[1], sizeof(enc[1]));
	elen[2] = br_encode(text, sizeof(text), 18, 0, enc[2], sizeof(enc[2]));
	elen[3] = zstd_encode(text, sizeof(text), 0, enc[3], sizeof(enc[3]));
	len = zlib_encode(text, sizeof(text), 31, 0, mid, sizeof(mid));
	elen[4] = br_encode(mid, len, 18, 0, enc[4], sizeof(enc[4]));
	decode_comp_conf_default(&conf);
	conf.out_max = 1 * MIB;

	for (k = 0; k < 5; k++) {
		for (r = 0; r < 400; r++) {
			memcpy(body, enc[k], elen[k]);
			len = elen[k];
			for (i = 0; i < (size_t)(1 + r % 4); i++) {
				x = x * 1103515245u + 12345u;
				body[(x >> 8) % len] ^= (uint8_t)(1u << ((x >> 4) % 8));
			}
			x = x * 1103515245u + 12345u;
			if (r % 5 == 0)
				len = (x >> 8) % len;
			for (i = 0; i < 4; i++) {
				x = x * 1103515245u + 12345u;
				cuts[i] = len == 0 ? 0 : (x >> 8) % len;
			}
			for (i = 1; i < 4; i++)	/* sort the four cuts */
				for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
					size_t t = cuts[j];

					cuts[j] = cuts[j - 1];
					cuts[j - 1] = t;
				}
			out = (struct sink){ 0 };
			rc = decode_all(all[k], k == 4 ? 2 : 1, body, len, cuts, 4, &conf, &out,
					&st);
			assert_true(rc == 0 || rc == DECODE_COMP_CORRUPT ||
				    rc == DECODE_COMP_BOMB || rc == DECODE_COMP_CAP ||
				    rc == DECODE_COMP_WINDOW || rc == DECODE_COMP_ENOMEM);
			assert_true(out.len <= conf.out_max);
			assert_int_equal(out.len, st.out_bytes);
			sink_free(&out);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_per_decoder_is_within_the_documented_bounds),
		cmocka_unit_test(test_zstd_frame_over_the_window_limit_is_refused),
		cmocka_unit_test(test_brotli_large_window_stream_is_corrupt),
		cmocka_unit_test(test_pool_too_small_for_one_decoder_is_enomem_and_leaks_nothing),
		cmocka_unit_test(test_mem_max_refuses_before_the_pool_does),
		cmocka_unit_test(test_chain_that_does_not_fit_gives_back_the_stages_it_made),
		cmocka_unit_test(test_mutated_bodies_never_crash_or_leak),
	};

	return cmocka_run_group_tests(tests, pool_setup, pool_teardown);
}
