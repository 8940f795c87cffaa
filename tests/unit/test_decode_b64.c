/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the base64 decoder and of decode_b64_looks_like (dataplane/decode_b64.c;
 * RFC 4648 and its section 10 test vectors, RFC 2045 6.8), fed from exactly-sized heap
 * copies (decode_check.c). A sample is cut at every offset, every pair of offsets and
 * byte by byte, seeded random inputs at random; a seeded round trip encodes random bytes
 * with the small encoder below (either alphabet, padded or not, MIME lines or not) and
 * decodes them back.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "decode_b64.h"
#include "decode_check.h"

/* ---- base64 ---- */

static void
check_b64(enum decode_b64_alphabet a, const char *in, const uint8_t *want, size_t want_n,
	  uint64_t invalid)
{
	struct decode_b64 b;
	struct outbuf o = { 0 };
	size_t n = strlen(in);
	uint8_t *copy = malloc(n + 1);

	assert_non_null(copy);
	memcpy(copy, in, n);
	decode_b64_init(&b, a);
	decode_b64_feed(&b, copy, n, out_append, &o);
	decode_b64_finish(&b, out_append, &o);
	assert_int_equal(o.n, want_n);
	if (want_n > 0)
		assert_memory_equal(o.p, want, want_n);
	assert_int_equal(b.st.invalid, invalid);
	assert_int_equal(b.st.bytes_out, want_n);
	free(copy);
	outbuf_free(&o);
}

static void
test_b64_rfc4648_test_vectors(void **state)
{
	static const struct vec v[] = {
		{ "", "", 0, 0 },
		{ "Zg==", "f", 0, 0 },
		{ "Zm8=", "fo", 0, 0 },
		{ "Zm9v", "foo", 0, 0 },
		{ "Zm9vYg==", "foob", 0, 0 },
		{ "Zm9vYmE=", "fooba", 0, 0 },
		{ "Zm9vYmFy", "foobar", 0, 0 },
	};

	(void)state;
	check_vecs(DECODE_TEXT_B64, v, sizeof(v) / sizeof(v[0]));
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
		check_b64(DECODE_B64_STD, v[k].in, (const uint8_t *)v[k].want, strlen(v[k].want),
			  0);
}

static void
test_b64_mime_lines_and_blanks_are_skipped_uncounted(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_B64, S("NDExMSAx\r\nMTExIDEx\r\nMTEg MTEx\tMQ==\r\n"),
		  S("4111 1111 1111 1111"), 0);
}

static void
test_b64_url_safe_and_standard_alphabets(void **state)
{
	static const uint8_t fbffbf[] = { 0xfb, 0xff, 0xbf };

	(void)state;
	check_b64(DECODE_B64_STD, "+/+/", fbffbf, 3, 0);
	check_b64(DECODE_B64_URL, "-_-_", fbffbf, 3, 0);
	check_b64(DECODE_B64_ANY, "+/-_", fbffbf, 3, 0);
	check_b64(DECODE_B64_STD, "-_-_", NULL, 0, 4);
	check_b64(DECODE_B64_URL, "+/+/", NULL, 0, 4);
	check_b64(DECODE_B64_STD, "Zm-9_v", (const uint8_t *)"foo", 3, 2);
	check_b64((enum decode_b64_alphabet)7, "-_+/", fbffbf, 3, 0);
}

static void
test_b64_garbage_is_skipped_and_counted(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_B64, S("Zm9v!Ym*Fy\x80"), S("foobar"), 3);
	check_one(DECODE_TEXT_B64, S("\0\0Zm9v\0"), S("foo"), 3);
	check_one(DECODE_TEXT_B64, S("AAAA"), S("\0\0\0"), 0);
}

static void
test_b64_padding_and_truncation(void **state)
{
	static const struct vec v[] = {
		{ "Zg", "f", 0, 0 },
		{ "Zm8", "fo", 0, 0 },
		{ "Zg=", "f", 0, 1 },
		{ "Z", "", 0, 1 },
		{ "Z===", "", 0, 3 },
		{ "Zg===", "f", 0, 1 },
		{ "Zm9v=", "foo", 0, 1 },
		{ "=Zm9v", "foo", 0, 1 },
		{ "====", "", 0, 4 },
		{ "Zg==Zm8=", "ffo", 0, 0 },
		{ "Zg=Zm8=", "ffo", 0, 1 },
		{ "Zh==", "f", 0, 0 },	/* non-zero pad bits are ignored */
	};

	(void)state;
	check_vecs(DECODE_TEXT_B64, v, sizeof(v) / sizeof(v[0]));
}

static void
test_b64_looks_like_accepts_whole_base64_fields(void **state)
{
	(void)state;
	assert_true(decode_b64_looks_like(S("Zm9vYmFy"), 8));
	assert_true(decode_b64_looks_like(S("Zm9vYg=="), 8));
	assert_true(decode_b64_looks_like(S("Zm9vYmE="), 0));
	assert_true(decode_b64_looks_like(S("Zm9v\r\nYmFy\r\n"), 8));
	assert_true(decode_b64_looks_like(S("Zm9v\nYmFy"), 8));
	assert_true(decode_b64_looks_like(S("+/+/"), 4));
	assert_true(decode_b64_looks_like(S("-_-_"), 4));
}

static void
test_b64_looks_like_rejects_anything_else(void **state)
{
	(void)state;
	assert_false(decode_b64_looks_like(S("Zm9vYmFy"), 9));
	assert_false(decode_b64_looks_like(NULL, 0, 0));
	assert_false(decode_b64_looks_like(S("\r\n"), 0));
	assert_false(decode_b64_looks_like(S("Zm9v YmFy"), 4));
	assert_false(decode_b64_looks_like(S("Zm9vYmFy\t"), 4));
	assert_false(decode_b64_looks_like(S("Zm9vYmF"), 4));
	assert_false(decode_b64_looks_like(S("Zm9vYmFyZ"), 4));
	assert_false(decode_b64_looks_like(S("Zm9v!mFy"), 4));
	assert_false(decode_b64_looks_like(S("Zm9vYg==Zm9v"), 4));
	assert_false(decode_b64_looks_like(S("Zm9vY==="), 4));
	assert_false(decode_b64_looks_like(S("Zm9=YmFy"), 4));
	assert_false(decode_b64_looks_like(S("+/-_"), 4));
	assert_false(decode_b64_looks_like(S("Zm9v\0mFy"), 4));
	assert_false(decode_b64_looks_like(S("===="), 0));
}

static void
test_b64_gives_the_same_output_at_every_cut(void **state)
{
	(void)state;
	check_every_cut(DECODE_TEXT_B64, S("Zm9v\r\nYmFy!Zg==Zm8=Zg=Zm9-_+/vYmE \0Z"));
}

static void
test_b64_random_input_gives_the_same_output_however_cut(void **state)
{
	(void)state;
	rng_seed(0xb64);
	check_random_noise(DECODE_TEXT_B64, 5000);
}

static const char digits62[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* RFC 4648 encoding, either alphabet, with or without padding and 76-character lines. */
static size_t
b64_encode(const uint8_t *p, size_t n, uint8_t *o)
{
	const char *last2 = rng() % 2 ? "+/" : "-_";
	char a[64];
	bool pad = rng() % 2, wrap = rng() % 2;
	size_t m = 0, line = 0;

	memcpy(a, digits62, 62);
	a[62] = last2[0];
	a[63] = last2[1];
	for (size_t k = 0; k < n; k += 3) {
		uint32_t v = (uint32_t)p[k] << 16 | (k + 1 < n ? (uint32_t)p[k + 1] << 8 : 0) |
			     (k + 2 < n ? p[k + 2] : 0);
		size_t chars = n - k >= 3 ? 4 : n - k + 1;

		for (size_t c = 0; c < 4; c++) {
			if (c < chars)
				o[m++] = (uint8_t)a[v >> (18 - 6 * c) & 63];
			else if (pad)
				o[m++] = '=';
		}
		line += 4;
		if (wrap && line == 76) {
			o[m++] = '\r';
			o[m++] = '\n';
			line = 0;
		}
	}
	return m;
}

static void
test_b64_random_round_trip(void **state)
{
	uint8_t raw[300], enc[500];

	(void)state;
	rng_seed(0xb64b64b64ull);
	for (int round = 0; round < 3000; round++) {
		size_t n = rng() % sizeof(raw);

		random_bytes(raw, n);
		check_random_cuts(DECODE_TEXT_B64, enc, b64_encode(raw, n, enc), raw, n);
	}
}

/*
 * The AVX2 path against the scalar one, in each alphabet: random runs of base64 text
 * (64 symbols plus both alphabets' last two, so that one alphabet's are garbage in the
 * other) with now and then padding, line breaks, blanks, bytes past 0x7f and other
 * garbage, fed in random pieces: the same bytes out and the same invalid count.
 */
static void
test_b64_vector_path_equals_scalar(void **state)
{
	static const char extra[] = "+/-_=\r\n \t\x80\xff@.:\0";
	const enum decode_b64_alphabet alph[3] = { DECODE_B64_ANY, DECODE_B64_STD, DECODE_B64_URL };
	uint8_t in[4096];

	(void)state;
	if (!decode_b64_have_avx2())
		skip();
	rng_seed(0x5eedb64);
	for (int round = 0; round < 3000; round++) {
		size_t n = rng() % sizeof(in), odd = 1 + rng() % 400;

		for (size_t i = 0; i < n; i++)
			in[i] = rng() % odd == 0 ? (uint8_t)extra[rng() % (sizeof(extra) - 1)]
						 : (uint8_t)digits62[rng() % 62];
		for (int a = 0; a < 3; a++) {
			struct decode_b64 v, sc;
			struct outbuf ov = { 0 }, os = { 0 };
			size_t i = 0;

			decode_b64_init(&v, alph[a]);
			decode_b64_init(&sc, alph[a]);
			while (i < n) {
				size_t k = rng() % 3 == 0 ? n - i : 1 + rng() % (n - i);
				uint8_t *copy = malloc(k);	/* exactly sized: ASan sees a read past it */

				assert_non_null(copy);
				memcpy(copy, in + i, k);
				decode_b64_feed(&v, copy, k, out_append, &ov);
				decode_b64_feed_scalar(&sc, copy, k, out_append, &os);
				free(copy);
				i += k;
			}
			decode_b64_finish(&v, out_append, &ov);
			decode_b64_finish(&sc, out_append, &os);
			assert_int_equal(ov.n, os.n);
			if (os.n > 0)
				assert_memory_equal(ov.p, os.p, os.n);
			assert_int_equal(v.st.invalid, sc.st.invalid);
			assert_int_equal(v.st.bytes_out, sc.st.bytes_out);
			outbuf_free(&ov);
			outbuf_free(&os);
		}
	}
}

/* The sniffer's classes: the AVX2 and table ways agree on every byte value at every
 * position, the table on a short block leaves the bits past it clear, and a short block
 * at the end of a longer piece reads the same through the 64 bytes that end it. */
static void
test_b64_classes_both_ways_agree(void **state)
{
	uint8_t blk[64];
	struct decode_b64_masks a, t;
	unsigned int v, i;

	(void)state;
	for (v = 0; v < 256; v++) {
		for (i = 0; i < 64; i++)
			blk[i] = (uint8_t)(v + i * 67);	/* every value, at every position */
		decode_b64_classes_table(blk, 64, &t);
		assert_int_equal(t.alpha & t.brk, 0);
		assert_int_equal(t.alpha & t.pad, 0);
		for (i = 0; i < 64; i++) {
			uint8_t c = blk[i];
			int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '-' ||
				    c == '_';

			assert_int_equal((t.alpha >> i) & 1, alpha);
			assert_int_equal((t.brk >> i) & 1, c == '\r' || c == '\n');
			assert_int_equal((t.pad >> i) & 1, c == '=');
		}
		if (decode_b64_have_avx2()) {
			decode_b64_classes_avx2(blk, &a);
			assert_int_equal(a.alpha, t.alpha);
			assert_int_equal(a.brk, t.brk);
			assert_int_equal(a.pad, t.pad);
		}
		decode_b64_classes(blk, 64, 0, &a);
		assert_int_equal(a.alpha, t.alpha);
		decode_b64_classes(blk, 13, 0, &a);
		assert_int_equal(a.alpha, t.alpha & ((1ULL << 13) - 1));
		assert_int_equal(a.brk, t.brk & ((1ULL << 13) - 1));
		assert_int_equal(a.pad, t.pad & ((1ULL << 13) - 1));
		/* a short block at the end of a longer piece: read as the 64 bytes that end it
		 * when enough come before it (every length), the table when not; an exact-size
		 * copy, so ASan sees a read before the piece */
		for (i = 1; i < 64; i++) {
			size_t before;

			for (before = 64 - i - 1; before <= 64 - i; before++) {
				uint8_t *piece = malloc(before + i);

				assert_non_null(piece);
				memcpy(piece, blk + 64 - i - before, before + i);
				decode_b64_classes(piece + before, i, before, &a);
				free(piece);
				assert_int_equal(a.alpha, t.alpha >> (64 - i));
				assert_int_equal(a.brk, t.brk >> (64 - i));
				assert_int_equal(a.pad, t.pad >> (64 - i));
			}
		}
	}
}

/*
 * decode_b64_quiet against the sniffer's rule byte by byte: in the bytes it passes over no
 * run (going on from the one carried in) reaches min, the last of them ends a run, and it
 * passes over exactly the whole blocks its rule allows (each block's run counted in
 * bytes from the carried run or the block's last byte that ended one), stopping at the
 * first other; *resume is that block's end. Random text of base64 characters, line
 * breaks and separators in stretches of every length around min, carried runs of every
 * length, both line-break rules, min 64, 65, 100, 200; min under 64 passes nothing.
 */
static void
test_b64_quiet_follows_the_sniffers_rule(void **state)
{
	static const unsigned int mins[] = { 64, 65, 100, 200 };
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
	static const char sep[] = " \",:;{}=.\t<>\x80\xff";
	uint8_t t[1200];
	unsigned int round, passed = 0, refused = 0;

	const char *env = getenv("TOLLGATE_TEST_SEED");
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);

	(void)state;
	print_message("seed %llu (TOLLGATE_TEST_SEED)\n", (unsigned long long)seed);
	rng_seed(seed);
	for (round = 0; round < 20000; round++) {
		unsigned int min = mins[rng() % 4], run = (unsigned int)(rng() % min), r, mean;
		bool brk_in = rng() % 2;
		size_t n = 0, skip, resume, want_skip = 0, at, i, hit = SIZE_MAX;
		uint64_t c = run;

		mean = 1 + (unsigned int)(rng() % (min + 20));
		while (n < sizeof(t) - 2) {
			unsigned int len = (unsigned int)(rng() % (2 * mean)), j;

			for (j = 0; j < len && n < sizeof(t) - 2; j++)
				t[n++] = rng() % 30 == 0 ? (rng() % 2 ? '\n' : '\r')
							 : (uint8_t)alpha[rng() % (sizeof(alpha) - 1)];
			t[n++] = (uint8_t)sep[rng() % (sizeof(sep) - 1)];
		}
		n -= (size_t)(rng() % 100);
		skip = decode_b64_quiet(t, n, run, min, brk_in, &resume);
		/* the rule, byte by byte: where the run first reaches min */
		for (i = 0, r = run; i < n && hit == SIZE_MAX; i++) {
			bool a = memchr(alpha, t[i], sizeof(alpha) - 1) != NULL;
			bool b = t[i] == '\r' || t[i] == '\n';

			if (a && ++r >= min)
				hit = i;
			else if (!a && !(b && brk_in))
				r = 0;
		}
		assert_true(skip <= n);
		if (skip > 0) {
			assert_true(hit == SIZE_MAX || hit >= skip);
			assert_null(memchr(alpha, t[skip - 1], sizeof(alpha) - 1));
			assert_false(brk_in && (t[skip - 1] == '\r' || t[skip - 1] == '\n'));
		}
		/* the blocks it may pass over, counted in bytes */
		for (at = 0; n - at >= 64; at += 64) {
			size_t f = SIZE_MAX, l = 0;

			for (i = at; i < at + 64; i++) {
				bool keep = memchr(alpha, t[i], sizeof(alpha) - 1) != NULL ||
					    (brk_in && (t[i] == '\r' || t[i] == '\n'));

				if (!keep) {
					if (f == SIZE_MAX)
						f = i - at;
					l = i;
				}
			}
			if (f == SIZE_MAX) {
				if ((c += 64) >= min)
					break;
				continue;
			}
			if (c + f >= min)
				break;
			c = at + 63 - l;
			want_skip = l + 1;
		}
		assert_int_equal(skip, want_skip);
		assert_int_equal(resume, n - at >= 64 ? at + 64 : at);
		if (skip > 0)
			passed++;
		if (n - at >= 64)
			refused++;
		skip = decode_b64_quiet(t, n, run, 63, brk_in, &resume);
		assert_int_equal(skip, 0);
		assert_int_equal(resume, n);
	}
	/* both outcomes were seen many times */
	assert_true(passed > 2000 && refused > 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_rfc4648_test_vectors),
		cmocka_unit_test(test_b64_mime_lines_and_blanks_are_skipped_uncounted),
		cmocka_unit_test(test_b64_url_safe_and_standard_alphabets),
		cmocka_unit_test(test_b64_garbage_is_skipped_and_counted),
		cmocka_unit_test(test_b64_padding_and_truncation),
		cmocka_unit_test(test_b64_looks_like_accepts_whole_base64_fields),
		cmocka_unit_test(test_b64_looks_like_rejects_anything_else),
		cmocka_unit_test(test_b64_gives_the_same_output_at_every_cut),
		cmocka_unit_test(test_b64_random_input_gives_the_same_output_however_cut),
		cmocka_unit_test(test_b64_random_round_trip),
		cmocka_unit_test(test_b64_classes_both_ways_agree),
		cmocka_unit_test(test_b64_quiet_follows_the_sniffers_rule),
		cmocka_unit_test(test_b64_vector_path_equals_scalar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
