/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the streaming Content-Encoding decoders (dataplane/decode_comp.c,
 * decode_comp_chain.c). Inputs are made here with the real encoders (zlib's deflate,
 * libbrotlienc, libzstd) from a seeded text full of the values the sensors look for.
 * Every piece is fed from an exactly-sized heap copy so ASan catches a read past it, and
 * every test ends with the pool's in-use bytes back to 0.
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

#include "decode_comp.h"
#include "decode_pool.h"
#include "comp_build.h"

/* ---------------------------------------------------------------------------------- */
/* Round trips. */

static void
round_trip(enum decode_comp_coding coding, const uint8_t *enc, size_t len,
	   const uint8_t *text, size_t tlen, uint16_t want_flags)
{
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t *cuts, i;

	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(&coding, 1, enc, len, NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(out.len, tlen);
	assert_memory_equal(out.p, text, tlen);
	assert_int_equal(st.in_bytes, len);
	assert_int_equal(st.out_bytes, tlen);
	assert_int_equal(st.ignored_bytes, 0);
	assert_int_equal(st.flags, want_flags);
	assert_int_equal(st.mem, 0);
	assert_true(out.max_chunk <= DECODE_COMP_DEF_OUT_CHUNK);
	sink_free(&out);

	/* Byte by byte: the same bytes and flags. */
	cuts = malloc(len * sizeof(*cuts));
	assert_non_null(cuts);
	for (i = 0; i + 1 < len; i++)
		cuts[i] = i + 1;
	assert_int_equal(decode_all(&coding, 1, enc, len, cuts, len - 1, &conf, &out, &st), 0);
	assert_int_equal(out.len, tlen);
	assert_memory_equal(out.p, text, tlen);
	assert_int_equal(st.flags, want_flags);
	sink_free(&out);
	free(cuts);
}

#define ENDED	(DECODE_COMP_F_END | DECODE_COMP_F_FINISHED)

static void
test_gzip_round_trip_is_exact(void **state)
{
	uint8_t text[6000], enc[8000];
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 1);
	len = zlib_encode(text, sizeof(text), 16 + 15, 0, enc, sizeof(enc));
	round_trip(DECODE_COMP_GZIP, enc, len, text, sizeof(text), ENDED);
}

static void
test_deflate_zlib_wrapped_round_trip_is_exact(void **state)
{
	uint8_t text[6000], enc[8000];
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 2);
	len = zlib_encode(text, sizeof(text), 15, 0, enc, sizeof(enc));
	assert_int_equal(enc[0], 0x78);
	round_trip(DECODE_COMP_DEFLATE, enc, len, text, sizeof(text), ENDED);
}

static void
test_deflate_raw_round_trip_is_exact_and_flagged_raw(void **state)
{
	uint8_t text[6000], enc[8000];
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 3);
	len = zlib_encode(text, sizeof(text), -15, 0, enc, sizeof(enc));
	round_trip(DECODE_COMP_DEFLATE, enc, len, text, sizeof(text),
		   ENDED | DECODE_COMP_F_RAW);
}

static void
test_deflate_raw_and_zlib_of_small_windows_both_decode(void **state)
{
	uint8_t text[3000], enc[4000];
	size_t len;
	int wbits;

	(void)state;
	make_text(text, sizeof(text), 4);
	for (wbits = 9; wbits <= 15; wbits++) {
		len = zlib_encode(text, sizeof(text), wbits, 0, enc, sizeof(enc));
		round_trip(DECODE_COMP_DEFLATE, enc, len, text, sizeof(text), ENDED);
		len = zlib_encode(text, sizeof(text), -wbits, 0, enc, sizeof(enc));
		round_trip(DECODE_COMP_DEFLATE, enc, len, text, sizeof(text),
			   ENDED | DECODE_COMP_F_RAW);
	}
}

static void
test_br_round_trip_is_exact(void **state)
{
	uint8_t text[6000], enc[8000];
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 5);
	len = br_encode(text, sizeof(text), 22, 0, enc, sizeof(enc));
	round_trip(DECODE_COMP_BR, enc, len, text, sizeof(text), ENDED);
}

static void
test_zstd_round_trip_is_exact(void **state)
{
	uint8_t text[6000], enc[8000];
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 6);
	len = zstd_encode(text, sizeof(text), 0, enc, sizeof(enc));
	round_trip(DECODE_COMP_ZSTD, enc, len, text, sizeof(text), ENDED);
}

static void
test_gzip_three_members_decode_back_to_back(void **state)
{
	uint8_t text[4500], enc[8000];
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	enum decode_comp_coding c = DECODE_COMP_GZIP;
	struct sink out = { 0 };
	size_t len = 0;
	int i;

	(void)state;
	make_text(text, sizeof(text), 7);
	for (i = 0; i < 3; i++)
		len += zlib_encode(text + 1500 * i, 1500, 16 + 15, 0, enc + len,
				   sizeof(enc) - len);
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(&c, 1, enc, len, NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(out.len, sizeof(text));
	assert_memory_equal(out.p, text, sizeof(text));
	assert_int_equal(st.members, 3);
	assert_int_equal(st.flags, ENDED);
	sink_free(&out);
}

static void
test_zstd_two_frames_and_a_skippable_frame_decode_back_to_back(void **state)
{
	static const uint8_t skip[12] = { 0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4 };
	uint8_t text[4000], enc[8000];
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	enum decode_comp_coding c = DECODE_COMP_ZSTD;
	struct sink out = { 0 };
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 8);
	len = zstd_encode(text, 2000, 0, enc, sizeof(enc));
	memcpy(enc + len, skip, sizeof(skip));
	len += sizeof(skip);
	len += zstd_encode(text + 2000, 2000, 0, enc + len, sizeof(enc) - len);
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(&c, 1, enc, len, NULL, 0, &conf, &out, &st), 0);
	assert_int_equal(out.len, sizeof(text));
	assert_memory_equal(out.p, text, sizeof(text));
	assert_int_equal(st.members, 3);
	assert_int_equal(st.flags, ENDED);
	sink_free(&out);
}

/* ---------------------------------------------------------------------------------- */
/* The cut does not matter. */

/*
 * Decode enc whole, then cut at every offset, then byte by byte, then in seeded random
 * pieces: every output equals the first, with the same flags.
 */
static void
check_every_cut(const enum decode_comp_coding *codings, unsigned n, const uint8_t *enc,
		size_t len, const uint8_t *text, size_t tlen)
{
	struct decode_comp_conf conf;
	struct decode_comp_stats st, st1;
	struct sink whole = { 0 }, out;
	size_t cut, *cuts = malloc(len * sizeof(*cuts)), i, nc;
	uint32_t x = 99;
	int r;

	assert_non_null(cuts);
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(codings, n, enc, len, NULL, 0, &conf, &whole, &st1), 0);
	assert_int_equal(whole.len, tlen);
	assert_memory_equal(whole.p, text, tlen);
	assert_int_equal(st1.flags & ENDED, ENDED);

	for (cut = 0; cut <= len; cut++) {
		out = (struct sink){ 0 };
		assert_int_equal(decode_all(codings, n, enc, len, &cut, 1, &conf, &out, &st), 0);
		assert_int_equal(out.len, whole.len);
		assert_memory_equal(out.p, whole.p, whole.len);
		assert_int_equal(st.flags, st1.flags);
		assert_int_equal(st.in_bytes, st1.in_bytes);
		sink_free(&out);
	}
	for (i = 0; i + 1 < len; i++)
		cuts[i] = i + 1;
	out = (struct sink){ 0 };
	assert_int_equal(decode_all(codings, n, enc, len, cuts, len - 1, &conf, &out, &st), 0);
	assert_int_equal(out.len, whole.len);
	assert_memory_equal(out.p, whole.p, whole.len);
	assert_int_equal(st.flags, st1.flags);
	sink_free(&out);

	for (r = 0; r < 200; r++) {
		nc = 0;
		for (i = 1; i < len; i++) {
			x = x * 1103515245u + 12345u;
			if ((x >> 16) % 23 == 0)
				cuts[nc++] = i;
		}
		out = (struct sink){ 0 };
		assert_int_equal(decode_all(codings, n, enc, len, cuts, nc, &conf, &out, &st), 0);
		assert_int_equal(out.len, whole.len);
		assert_memory_equal(out.p, whole.p, whole.len);
		sink_free(&out);
	}
	sink_free(&whole);
	free(cuts);
}

#define SMALL	900

static void
test_gzip_any_cut_gives_the_one_piece_output(void **state)
{
	enum decode_comp_coding c = DECODE_COMP_GZIP;
	uint8_t text[SMALL], enc[2 * SMALL];
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 10);
	/* Two members, so a cut also falls between them. */
	len = zlib_encode(text, 400, 16 + 15, 0, enc, sizeof(enc));
	len += zlib_encode(text + 400, SMALL - 400, 16 + 15, 0, enc + len, sizeof(enc) - len);
	check_every_cut(&c, 1, enc, len, text, sizeof(text));
}

static void
test_deflate_any_cut_gives_the_one_piece_output(void **state)
{
	enum decode_comp_coding c = DECODE_COMP_DEFLATE;
	uint8_t text[SMALL], enc[2 * SMALL];
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 11);
	len = zlib_encode(text, sizeof(text), 15, 300, enc, sizeof(enc));
	check_every_cut(&c, 1, enc, len, text, sizeof(text));
	len = zlib_encode(text, sizeof(text), -15, 300, enc, sizeof(enc));
	check_every_cut(&c, 1, enc, len, text, sizeof(text));
}

static void
test_br_any_cut_gives_the_one_piece_output(void **state)
{
	enum decode_comp_coding c = DECODE_COMP_BR;
	uint8_t text[SMALL], enc[2 * SMALL];
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 12);
	len = br_encode(text, sizeof(text), 18, 300, enc, sizeof(enc));
	check_every_cut(&c, 1, enc, len, text, sizeof(text));
}

static void
test_zstd_any_cut_gives_the_one_piece_output(void **state)
{
	enum decode_comp_coding c = DECODE_COMP_ZSTD;
	uint8_t text[SMALL], enc[2 * SMALL];
	size_t len;

	(void)state;
	make_text(text, sizeof(text), 13);
	len = zstd_encode(text, sizeof(text), 300, enc, sizeof(enc));
	check_every_cut(&c, 1, enc, len, text, sizeof(text));
}

static void
test_stacked_gzip_br_any_cut_gives_the_text(void **state)
{
	enum decode_comp_coding c[DECODE_COMP_MAX_CODINGS];
	uint8_t text[SMALL], mid[2 * SMALL], enc[2 * SMALL];
	size_t mlen, len;
	unsigned n;

	(void)state;
	make_text(text, sizeof(text), 14);
	/* Content-Encoding: gzip, br  =>  body = br(gzip(text)) */
	assert_int_equal(decode_comp_parse("gzip, br", 8, c, &n), 0);
	assert_int_equal(n, 2);
	mlen = zlib_encode(text, sizeof(text), 16 + 15, 0, mid, sizeof(mid));
	len = br_encode(mid, mlen, 18, 0, enc, sizeof(enc));
	check_every_cut(c, n, enc, len, text, sizeof(text));
}

static void
test_stacked_four_codings_decode_in_reverse(void **state)
{
	enum decode_comp_coding c[DECODE_COMP_MAX_CODINGS];
	static const char hdr[] = "deflate, zstd, gzip, br";
	uint8_t text[SMALL], a[3 * SMALL], b[3 * SMALL];
	size_t len;
	unsigned n;

	(void)state;
	make_text(text, sizeof(text), 15);
	assert_int_equal(decode_comp_parse(hdr, sizeof(hdr) - 1, c, &n), 0);
	assert_int_equal(n, 4);
	len = zlib_encode(text, sizeof(text), 15, 0, a, sizeof(a));
	len = zstd_encode(a, len, 0, b, sizeof(b));
	len = zlib_encode(b, len, 16 + 15, 0, a, sizeof(a));
	len = br_encode(a, len, 18, 0, b, sizeof(b));
	check_every_cut(c, n, b, len, text, sizeof(text));
}

/* A card number cut by a full flush: the two halves sit in separate deflate blocks. */
static void
test_value_split_across_deflate_blocks_is_output_intact(void **state)
{
	static const char card[] = "4111 1111 1111 1111";
	enum decode_comp_coding c = DECODE_COMP_GZIP;
	uint8_t text[2000], enc[3000];
	struct decode_comp_conf conf;
	struct decode_comp_stats st;
	struct sink out = { 0 };
	size_t len, half = 1000, cut;
	const uint8_t *m;

	(void)state;
	make_text(text, sizeof(text), 16);
	memcpy(text + half - 10, card, sizeof(card) - 1);	/* "4111 1111 " | "1111 1111" */
	len = zlib_encode(text, sizeof(text), 16 + 15, half, enc, sizeof(enc));
	/* The full flush ends with an empty stored block: 00 00 ff ff. */
	m = memmem(enc, len, "\x00\x00\xff\xff", 4);
	assert_non_null(m);
	cut = (size_t)(m - enc) + 4;
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_all(&c, 1, enc, len, &cut, 1, &conf, &out, &st), 0);
	assert_int_equal(out.len, sizeof(text));
	assert_memory_equal(out.p, text, sizeof(text));
	assert_non_null(memmem(out.p, out.len, card, sizeof(card) - 1));
	/* Everything before the flush came out before the second block arrived. */
	assert_true(out.cut_out[0] >= half);
	sink_free(&out);
}

/* ---------------------------------------------------------------------------------- */
/* The Content-Encoding header, arguments. */

/* Parse v; returns the result and writes the codings' names, space-separated, to names. */
static int
parse(const char *v, char *names, size_t cap)
{
	enum decode_comp_coding c[DECODE_COMP_MAX_CODINGS];
	unsigned n = 99, i;
	int rc = decode_comp_parse(v, strlen(v), c, &n);

	names[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(names + strlen(names), cap - strlen(names), "%s%s", i ? " " : "",
			 decode_comp_coding_name(c[i]));
	if (rc != 0)
		assert_int_equal(n, 0);
	return rc;
}

static void
test_header_parses_codings_in_order_without_case(void **state)
{
	char names[64];

	(void)state;
	assert_int_equal(parse("gzip", names, sizeof(names)), 0);
	assert_string_equal(names, "gzip");
	assert_int_equal(parse("x-gzip", names, sizeof(names)), 0);
	assert_string_equal(names, "gzip");
	assert_int_equal(parse("GZIP , br", names, sizeof(names)), 0);
	assert_string_equal(names, "gzip br");
	assert_int_equal(parse("\tDeflate,ZSTD\t,  Br ", names, sizeof(names)), 0);
	assert_string_equal(names, "deflate zstd br");
	/* Empty list elements (RFC 9110 5.6.1) and identity are skipped. */
	assert_int_equal(parse(", ,gzip,,identity, ", names, sizeof(names)), 0);
	assert_string_equal(names, "gzip");
	assert_int_equal(parse("identity", names, sizeof(names)), 0);
	assert_string_equal(names, "");
	assert_int_equal(parse("", names, sizeof(names)), 0);
	assert_string_equal(names, "");
	assert_int_equal(parse("identity, gzip, identity, br, identity, zstd, deflate",
			       names, sizeof(names)), 0);
	assert_string_equal(names, "gzip br zstd deflate");
}

static void
test_header_rejects_unknown_codings_and_more_than_four(void **state)
{
	enum decode_comp_coding c[DECODE_COMP_MAX_CODINGS];
	char names[64];
	unsigned n;

	(void)state;
	assert_int_equal(parse("compress", names, sizeof(names)), DECODE_COMP_UNKNOWN);
	assert_int_equal(parse("x-compress", names, sizeof(names)), DECODE_COMP_UNKNOWN);
	assert_int_equal(parse("gzip, lzma", names, sizeof(names)), DECODE_COMP_UNKNOWN);
	assert_int_equal(parse("gzip;q=1", names, sizeof(names)), DECODE_COMP_UNKNOWN);
	assert_int_equal(parse("gzip br", names, sizeof(names)), DECODE_COMP_UNKNOWN);
	assert_int_equal(parse("gzi", names, sizeof(names)), DECODE_COMP_UNKNOWN);
	assert_int_equal(parse("gzipp", names, sizeof(names)), DECODE_COMP_UNKNOWN);
	assert_int_equal(parse("\"gzip\"", names, sizeof(names)), DECODE_COMP_UNKNOWN);
	assert_int_equal(parse("gzip, br, zstd, deflate, gzip", names, sizeof(names)),
			 DECODE_COMP_TOOMANY);
	/* A NUL inside the value is a byte like any other, not the end. */
	assert_int_equal(decode_comp_parse("gzip\0", 5, c, &n), DECODE_COMP_UNKNOWN);
	/* The value is len bytes, not a C string. */
	assert_int_equal(decode_comp_parse("brXYZ", 2, c, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0], DECODE_COMP_BR);
	assert_int_equal(decode_comp_parse(NULL, 0, c, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(decode_comp_parse(NULL, 1, c, &n), DECODE_COMP_EINVAL);
}

static void
test_init_rejects_bad_arguments_and_holds_nothing(void **state)
{
	enum decode_comp_coding two[2] = { DECODE_COMP_GZIP, DECODE_COMP_IDENTITY };
	struct decode_comp_conf conf;
	struct decode_comp_chain ch;
	struct decode_comp d;
	struct sink out = { 0 };

	(void)state;
	decode_comp_conf_default(&conf);
	assert_int_equal(decode_comp_init(&d, DECODE_COMP_IDENTITY, &conf, &pool, sink_out, &out),
			 DECODE_COMP_EINVAL);
	assert_int_equal(decode_comp_init(&d, DECODE_COMP__COUNT, &conf, &pool, sink_out, &out),
			 DECODE_COMP_EINVAL);
	assert_int_equal(decode_comp_init(&d, DECODE_COMP_GZIP, &conf, &pool, NULL, &out),
			 DECODE_COMP_EINVAL);
	assert_int_equal(decode_comp_init(&d, DECODE_COMP_GZIP, NULL, &pool, sink_out, &out),
			 DECODE_COMP_EINVAL);
	assert_int_equal(decode_comp_init(NULL, DECODE_COMP_GZIP, &conf, &pool, sink_out, &out),
			 DECODE_COMP_EINVAL);
	conf.out_chunk = DECODE_COMP_OUT_CHUNK_MIN - 1;
	assert_int_equal(decode_comp_init(&d, DECODE_COMP_GZIP, &conf, &pool, sink_out, &out),
			 DECODE_COMP_EINVAL);
	decode_comp_conf_default(&conf);
	conf.zstd_window_log_max = DECODE_COMP_ZSTD_WLOG_MAX + 1;
	assert_int_equal(decode_comp_init(&d, DECODE_COMP_ZSTD, &conf, &pool, sink_out, &out),
			 DECODE_COMP_EINVAL);
	assert_int_equal(d.stats.err, DECODE_COMP_EINVAL);
	assert_int_equal(decode_comp_feed(&d, (const uint8_t *)"x", 1), DECODE_COMP_EINVAL);
	decode_comp_end(&d);
	decode_comp_end(NULL);

	decode_comp_conf_default(&conf);
	assert_int_equal(decode_comp_chain_init(&ch, two, 0, &conf, &pool, sink_out, &out),
			 DECODE_COMP_EINVAL);
	assert_int_equal(decode_comp_chain_init(&ch, two, 5, &conf, &pool, sink_out, &out),
			 DECODE_COMP_EINVAL);
	/* identity is never a stage: stage[0] (identity) fails, nothing is held. */
	assert_int_equal(decode_comp_chain_init(&ch, two, 2, &conf, &pool, sink_out, &out),
			 DECODE_COMP_EINVAL);
	decode_comp_chain_end(&ch);
	decode_comp_chain_end(NULL);
	assert_int_equal(decode_pool_in_use(&pool), 0);

	/* A fed NULL with a length is refused without stopping the decoder. */
	assert_int_equal(decode_comp_init(&d, DECODE_COMP_GZIP, &conf, &pool, sink_out, &out), 0);
	assert_int_equal(decode_comp_feed(&d, NULL, 3), DECODE_COMP_EINVAL);
	assert_int_equal(decode_comp_feed(&d, NULL, 0), 0);
	assert_int_equal(decode_comp_finish(&d), 0);
	assert_int_equal(d.stats.flags, DECODE_COMP_F_FINISHED);
	decode_comp_end(&d);
	assert_int_equal(decode_pool_in_use(&pool), 0);
	assert_string_equal(decode_comp_strerror(DECODE_COMP_BOMB),
			    "compression ratio limit passed");
}

/* ---------------------------------------------------------------------------------- */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_round_trip_is_exact),
		cmocka_unit_test(test_deflate_zlib_wrapped_round_trip_is_exact),
		cmocka_unit_test(test_deflate_raw_round_trip_is_exact_and_flagged_raw),
		cmocka_unit_test(test_deflate_raw_and_zlib_of_small_windows_both_decode),
		cmocka_unit_test(test_br_round_trip_is_exact),
		cmocka_unit_test(test_zstd_round_trip_is_exact),
		cmocka_unit_test(test_gzip_three_members_decode_back_to_back),
		cmocka_unit_test(test_zstd_two_frames_and_a_skippable_frame_decode_back_to_back),
		cmocka_unit_test(test_gzip_any_cut_gives_the_one_piece_output),
		cmocka_unit_test(test_deflate_any_cut_gives_the_one_piece_output),
		cmocka_unit_test(test_br_any_cut_gives_the_one_piece_output),
		cmocka_unit_test(test_zstd_any_cut_gives_the_one_piece_output),
		cmocka_unit_test(test_stacked_gzip_br_any_cut_gives_the_text),
		cmocka_unit_test(test_stacked_four_codings_decode_in_reverse),
		cmocka_unit_test(test_value_split_across_deflate_blocks_is_output_intact),
		cmocka_unit_test(test_header_parses_codings_in_order_without_case),
		cmocka_unit_test(test_header_rejects_unknown_codings_and_more_than_four),
		cmocka_unit_test(test_init_rejects_bad_arguments_and_holds_nothing),
	};

	return cmocka_run_group_tests(tests, pool_setup, pool_teardown);
}
