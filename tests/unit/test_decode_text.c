/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the form urlencoding (WHATWG URL 5.1) and JSON string (RFC 8259 7)
 * decoders and of the common interface (dataplane/decode_text.c). Each piece is fed from
 * an exactly-sized heap copy so ASan catches a read past it (decode_check.c). Samples are
 * cut at every offset, at every pair of offsets and byte by byte, seeded random inputs
 * at random; a seeded round trip encodes random fields with the small encoder below and
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
#include <cmocka.h>

#include "decode_check.h"
#include "decode_text.h"

/* ---- form urlencoding ---- */

static void
test_form_plus_and_percent_20_give_a_spaced_card_number(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_FORM, S("card=4111+1111%201111+1111"),
		  S("card=4111 1111 1111 1111"), 0);
}

static void
test_form_percent_40_gives_an_email_and_ampersand_a_newline(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_FORM, S("email=jane%40example.com&next=%2Fhome"),
		  S("email=jane@example.com\nnext=/home"), 0);
}

static void
test_form_digits_of_two_fields_never_join(void **state)
{
	struct decode_text d;
	struct outbuf o;

	(void)state;
	check_one(DECODE_TEXT_FORM, S("a=4111&b=1111&1111"), S("a=4111\nb=1111\n1111"), 0);
	run_cut(&d, DECODE_TEXT_FORM, S("a=1&&b=2&"), NULL, 0, &o);
	assert_int_equal(o.n, 9);
	assert_memory_equal(o.p, "a=1\n\nb=2\n", 9);
	assert_int_equal(d.u.form.fields, 2);
	outbuf_free(&o);
}

static void
test_form_hex_digits_in_either_case(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_FORM, S("%2f%2F%aB%Cd%e9"), S("//\xab\xcd\xe9"), 0);
}

static void
test_form_invalid_escapes_pass_through_literally_and_are_counted(void **state)
{
	static const struct vec v[] = {
		{ "%", "%", 0, 1 },
		{ "100%", "100%", 0, 1 },
		{ "%4", "%4", 0, 1 },
		{ "%zz", "%zz", 0, 1 },
		{ "%G0", "%G0", 0, 1 },
		{ "%4G", "%4G", 0, 1 },
		{ "%%41", "%A", 0, 1 },
		{ "%4%41", "%4A", 0, 1 },
		{ "a%+b", "a% b", 0, 1 },
		{ "%4&x=1", "%4\nx=1", 0, 1 },
		{ "%%%", "%%%", 0, 3 },
	};

	(void)state;
	check_vecs(DECODE_TEXT_FORM, v, sizeof(v) / sizeof(v[0]));
}

static void
test_form_escape_cut_between_pieces_decodes(void **state)
{
	struct decode_form f;
	struct outbuf o = { 0 };

	(void)state;
	decode_form_init(&f);
	decode_form_feed(&f, S("n=%4"), out_append, &o);
	decode_form_feed(&f, S("1%"), out_append, &o);
	decode_form_feed(&f, S("4"), out_append, &o);
	decode_form_feed(&f, S("0x"), out_append, &o);
	decode_form_finish(&f, out_append, &o);
	assert_int_equal(o.n, 5);
	assert_memory_equal(o.p, "n=A@x", 5);
	assert_int_equal(f.st.invalid, 0);
	outbuf_free(&o);
}

static void
test_form_escaped_separators_are_data(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_FORM, S("q=a%26b%3Dc%2Bd%0Ae"), S("q=a&b=c+d\ne"), 0);
}

static void
test_form_nul_bytes_pass_and_decode(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_FORM, S("a\0b=%00&%"), S("a\0b=\0\n%"), 1);
}

static void
test_form_megabyte_of_percent_signs_is_bounded_and_linear(void **state)
{
	size_t n = 1 << 20;
	uint8_t *in = malloc(n);
	struct decode_form f;
	struct outbuf o = { 0 };

	(void)state;
	assert_non_null(in);
	memset(in, '%', n);
	decode_form_init(&f);
	decode_form_feed(&f, in, n, out_append, &o);
	decode_form_finish(&f, out_append, &o);
	assert_int_equal(o.n, n);
	assert_memory_equal(o.p, in, n);
	assert_int_equal(f.st.invalid, n);
	/* output leaves in buffer-sized calls (2 KiB): nothing grows with the input */
	assert_in_range(o.calls, n / 2048, n / 2048 + 2);
	free(in);
	outbuf_free(&o);
}

/* ---- JSON strings ---- */

static void
test_json_u0020_reads_as_a_space_in_a_card_number(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_JSON, S("{\"card\": \"4111\\u00201111\\u00201111\\u00201111\"}"),
		  S("{\"card\": \"4111 1111 1111 1111\"}"), 0);
}

static void
test_json_u0040_reads_as_at_in_an_email(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_JSON, S("[\"jane\\u0040example.com\"]"),
		  S("[\"jane@example.com\"]"), 0);
}

static void
test_json_simple_escapes_decode_to_their_bytes(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_JSON, S("\"\\/\\\"\\\\\\b\\f\\n\\r\\t\""),
		  S("\"/\"\\\b\f\n\r\t\""), 0);
}

static void
test_json_unicode_escapes_give_utf8(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_JSON, S("\"\\u00e9\\u20AC\\u0000\\u0041\\u07ff\\uFFFF\""),
		  S("\"\xc3\xa9\xe2\x82\xac\0A\xdf\xbf\xef\xbf\xbf\""), 0);
}

static void
test_json_surrogate_pairs_give_four_byte_utf8(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_JSON, S("\"\\ud83d\\ude00 \\uD83D\\uDE00 \\udbff\\udfff\""),
		  S("\"\xf0\x9f\x98\x80 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\""), 0);
}

static void
test_json_lone_surrogates_become_replacement_and_are_counted(void **state)
{
	static const struct vec v[] = {
		{ "\"\\ud800\"", "\"\xef\xbf\xbd\"", 0, 1 },
		{ "\"\\udc00\"", "\"\xef\xbf\xbd\"", 0, 1 },
		{ "\"\\ud800x", "\"\xef\xbf\xbdx", 0, 1 },
		{ "\"\\ud800\\n", "\"\xef\xbf\xbd\n", 0, 1 },
		{ "\"\\ud800\\u0041", "\"\xef\xbf\xbd" "A", 0, 1 },
		{ "\"\\ud800\\ud800\\udc00", "\"\xef\xbf\xbd\xf0\x90\x80\x80", 0, 1 },
		{ "\"\\udc00\\ud800", "\"\xef\xbf\xbd\xef\xbf\xbd", 0, 2 },
		{ "\"\\ud800", "\"\xef\xbf\xbd", 0, 1 },
		{ "\"\\ud800\\", "\"\xef\xbf\xbd\\", 0, 2 },
		{ "\"\\ud800\\u12", "\"\xef\xbf\xbd\\u12", 0, 2 },
		{ "\"\\ud800\\x", "\"\xef\xbf\xbd\\x", 0, 2 },
	};

	(void)state;
	check_vecs(DECODE_TEXT_JSON, v, sizeof(v) / sizeof(v[0]));
}

static void
test_json_escapes_outside_strings_pass_through(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_JSON, S("{\"a\":1} \\u0041 \\n \"\\u0041\""),
		  S("{\"a\":1} \\u0041 \\n \"A\""), 0);
}

static void
test_json_invalid_escapes_pass_through_and_are_counted(void **state)
{
	static const struct vec v[] = {
		{ "\"\\x\"", "\"\\x\"", 0, 1 },
		{ "\"\\'\"", "\"\\'\"", 0, 1 },
		{ "\"\\u12G4\"", "\"\\u12G4\"", 0, 1 },
		{ "\"\\u\"", "\"\\u\"", 0, 1 },
		{ "\"\\u00e\"", "\"\\u00e\"", 0, 1 },
		{ "\"\\u12", "\"\\u12", 0, 1 },
		{ "\"\\", "\"\\", 0, 1 },
		{ "\"\\u004\\u0041\"", "\"\\u004A\"", 0, 1 },
	};

	(void)state;
	check_vecs(DECODE_TEXT_JSON, v, sizeof(v) / sizeof(v[0]));
}

static void
test_json_string_state_survives_piece_boundaries(void **state)
{
	struct decode_json j;
	struct outbuf o = { 0 };
	static const char *const pieces[] = { "{\"k\":\"a", "\\", "u00", "4", "1\\ud83d", "\\",
		"ude00\"} \\u0041" };
	static const char want[] = "{\"k\":\"aA\xf0\x9f\x98\x80\"} \\u0041";

	(void)state;
	decode_json_init(&j);
	for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++)
		decode_json_feed(&j, (const uint8_t *)pieces[k], strlen(pieces[k]), out_append, &o);
	decode_json_finish(&j, out_append, &o);
	assert_int_equal(o.n, sizeof(want) - 1);
	assert_memory_equal(o.p, want, sizeof(want) - 1);
	assert_int_equal(j.st.invalid, 0);
	outbuf_free(&o);
}

static void
test_json_raw_line_break_ends_a_string_and_is_counted(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_JSON, S("\"it's 5\" long\n\\u0041 \"\\u0041\""),
		  S("\"it's 5\" long\n\\u0041 \"A\""), 0);
	check_one(DECODE_TEXT_JSON, S("\"abc\n\\u0041 \"\\u0041\""),
		  S("\"abc\n\\u0041 \"A\""), 1);
}

static void
test_json_nul_bytes_pass_through(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_JSON, S("\0\"a\0\\u0000\"\0"), S("\0\"a\0\0\"\0"), 0);
}

/* Form-encode one name or value: unreserved bytes as they are, space as '+' or %20. */
static size_t
form_encode_part(const uint8_t *p, size_t n, uint8_t *o)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++) {
		uint8_t c = p[k];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '*';

		if (c == ' ' && rng() % 2)
			o[m++] = '+';
		else if (plain && rng() % 4 != 0)
			o[m++] = c;
		else
			m += put_hex(o + m, c, '%');
	}
	return m;
}

static void
test_form_random_round_trip(void **state)
{
	uint8_t part[40], enc[2048], want[512];

	(void)state;
	rng_seed(0xf0f0f0f0c0ffeeull);
	for (int round = 0; round < 3000; round++) {
		size_t m = 0, w = 0, fields = 1 + rng() % 6;

		for (size_t f = 0; f < fields; f++) {
			size_t nn = rng() % 10, nv = rng() % sizeof(part);

			if (f > 0) {
				enc[m++] = '&';
				want[w++] = '\n';
			}
			random_bytes(part, nn);
			for (size_t k = 0; k < nn; k++)
				if (part[k] % 3 == 0)
					part[k] = (uint8_t)('a' + part[k] % 26);
			m += form_encode_part(part, nn, enc + m);
			memcpy(want + w, part, nn);
			w += nn;
			if (rng() % 8 == 0)
				continue; /* a name alone */
			enc[m++] = '=';
			want[w++] = '=';
			random_bytes(part, nv);
			for (size_t k = 0; k < nv; k++) { /* half spaces and digits */
				uint8_t r = part[k];

				if (r % 2 == 0)
					part[k] = r % 4 == 0 ? ' ' : (uint8_t)('0' + r % 10);
			}
			m += form_encode_part(part, nv, enc + m);
			memcpy(want + w, part, nv);
			w += nv;
		}
		check_random_cuts(DECODE_TEXT_FORM, enc, m, want, w);
	}
}

/* ---- every cut ---- */

static void
test_form_and_json_give_the_same_output_at_every_cut(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_FORM,
		  S("card=4111+1111%201111+1111&e=jane%40ex.com&b=%4&x=%zz%%41%+&\0y=%4"),
		  S("card=4111 1111 1111 1111\ne=jane@ex.com\nb=%4\nx=%zz%A% \n\0y=%4"), 5);
	check_every_cut(DECODE_TEXT_FORM,
			S("card=4111+1111%201111+1111&e=jane%40ex.com&b=%4&x=%zz%%41%+&\0y=%4"));
	check_every_cut(DECODE_TEXT_JSON,
			S("{\"c\":\"4111\\u00201111\",\"s\":\"\\ud83d\\ude00\\ud800x\\udc00"
			  "\\\\\\/\\\"\\b\\t\\x\\u12G4\",\"r\":\"a\nb\\u0041\"} "
			  "\"\0\\u00e9\\uD83D"));
}

static void
test_form_and_json_random_input_gives_the_same_output_however_cut(void **state)
{
	(void)state;
	rng_seed(0x7011a7e5eedull);
	check_random_noise(DECODE_TEXT_FORM, 3000);
	check_random_noise(DECODE_TEXT_JSON, 3000);
}

/* ---- the common interface ---- */

static void
test_decode_text_rejects_unknown_kinds_and_names_known_ones(void **state)
{
	struct decode_text d;

	(void)state;
	memset(&d, 0x5a, sizeof(d));
	assert_int_equal(decode_text_init(&d, DECODE_TEXT_KIND_COUNT), -EINVAL);
	assert_int_equal(decode_text_init(&d, (enum decode_text_kind)-1), -EINVAL);
	assert_int_equal(d.kind, 0x5a);
	assert_string_equal(decode_text_name(DECODE_TEXT_FORM), "form");
	assert_string_equal(decode_text_name(DECODE_TEXT_JSON), "json");
	assert_string_equal(decode_text_name(DECODE_TEXT_B64), "base64");
	assert_string_equal(decode_text_name(DECODE_TEXT_QP), "qp");
	assert_string_equal(decode_text_name(DECODE_TEXT_KIND_COUNT), "?");
}

static void
test_null_callback_counts_and_finish_readies_a_new_body(void **state)
{
	struct decode_text d;
	struct outbuf o = { 0 };

	(void)state;
	assert_int_equal(decode_text_init(&d, DECODE_TEXT_FORM), 0);
	decode_text_feed(&d, S("a=%41%4"), NULL, NULL);
	decode_text_finish(&d, NULL, NULL);
	assert_int_equal(decode_text_stats(&d)->bytes_in, 7);
	assert_int_equal(decode_text_stats(&d)->bytes_out, 5);
	assert_int_equal(decode_text_stats(&d)->invalid, 1);
	decode_text_feed(&d, S("1"), out_append, &o);
	decode_text_feed(&d, NULL, 0, out_append, &o);
	decode_text_finish(&d, out_append, &o);
	assert_int_equal(o.n, 1);
	assert_memory_equal(o.p, "1", 1);
	assert_int_equal(decode_text_stats(&d)->bytes_in, 8);
	assert_int_equal(decode_text_stats(&d)->bytes_out, 6);
	outbuf_free(&o);
}

/* A decoder with an AVX2 plain-run search and its byte-loop reference, for the
 * differential tests below. */
union text_state {
	struct decode_json json;
	struct decode_form form;
};

struct vector_case {
	const char *const *bits;	/* special sequences mixed into printable text */
	size_t nbits;
	void (*init)(union text_state *st);
	void (*feed)(union text_state *st, const uint8_t *p, size_t n, int vec, struct outbuf *o);
	void (*finish)(union text_state *st, struct outbuf *o);
	uint64_t (*invalid)(const union text_state *st);
	uint64_t seed;
};

static void
json_init_u(union text_state *st)
{
	decode_json_init(&st->json);
}

static void
json_feed_u(union text_state *st, const uint8_t *p, size_t n, int vec, struct outbuf *o)
{
	if (vec)
		decode_json_feed(&st->json, p, n, out_append, o);
	else
		decode_json_feed_scalar(&st->json, p, n, out_append, o);
}

static void
json_finish_u(union text_state *st, struct outbuf *o)
{
	decode_json_finish(&st->json, out_append, o);
}

static uint64_t
json_invalid_u(const union text_state *st)
{
	return st->json.st.invalid;
}

static void
form_init_u(union text_state *st)
{
	decode_form_init(&st->form);
}

static void
form_feed_u(union text_state *st, const uint8_t *p, size_t n, int vec, struct outbuf *o)
{
	if (vec)
		decode_form_feed(&st->form, p, n, out_append, o);
	else
		decode_form_feed_scalar(&st->form, p, n, out_append, o);
}

static void
form_finish_u(union text_state *st, struct outbuf *o)
{
	decode_form_finish(&st->form, out_append, o);
}

static uint64_t
form_invalid_u(const union text_state *st)
{
	return st->form.st.invalid + st->form.fields;	/* fields: the '&' seen right */
}

/*
 * Random text of c's kind fed in random pieces through exact-size copies (ASan sees a
 * read past one) to the vector path and to the byte loop: the same bytes out and the same
 * counts.
 */
static void
check_vector_equals_scalar(const struct vector_case *c)
{
	uint8_t in[4096];

	rng_seed(c->seed);
	for (int round = 0; round < 3000; round++) {
		size_t n = 0, cap = rng() % sizeof(in), odd = 1 + rng() % 200, i = 0;
		union text_state v, sc;
		struct outbuf ov = { 0 }, os = { 0 };

		while (n < cap) {
			if (rng() % odd == 0) {
				const char *b = c->bits[rng() % c->nbits];
				size_t k = strlen(b);

				if (n + k > cap)
					break;
				memcpy(in + n, b, k);
				n += k;
			} else {
				in[n++] = (uint8_t)(' ' + rng() % 94);
			}
		}
		c->init(&v);
		c->init(&sc);
		while (i < n) {
			size_t k = rng() % 3 == 0 ? n - i : 1 + rng() % (n - i);
			uint8_t *copy = malloc(k);

			assert_non_null(copy);
			memcpy(copy, in + i, k);
			c->feed(&v, copy, k, 1, &ov);
			c->feed(&sc, copy, k, 0, &os);
			free(copy);
			i += k;
		}
		c->finish(&v, &ov);
		c->finish(&sc, &os);
		assert_int_equal(ov.n, os.n);
		if (os.n > 0)
			assert_memory_equal(ov.p, os.p, os.n);
		assert_int_equal(c->invalid(&v), c->invalid(&sc));
		outbuf_free(&ov);
		outbuf_free(&os);
	}
}

/* JSON: long plain runs, quotes, backslashes and escapes, \u sequences, raw line breaks,
 * high bytes. */
static void
test_json_vector_path_equals_scalar(void **state)
{
	static const char *const bits[] = {
		"\"", "\\", "\\n", "\\u0041", "\\ud83d\\ude00", "\\ud800", "\\x", "\r",
		"\n", "\xc3\xa9", "{\"k\": ", ", ", "\\u00", "\\\"",
	};
	const struct vector_case c = { bits, sizeof(bits) / sizeof(bits[0]), json_init_u,
				       json_feed_u, json_finish_u, json_invalid_u, 0x5eed150 };

	(void)state;
	check_vector_equals_scalar(&c);
}

/* Forms: '%' escapes (valid, cut, invalid), '+', '&' and '=' among long plain runs. */
static void
test_form_vector_path_equals_scalar(void **state)
{
	static const char *const bits[] = {
		"%", "%4", "%40", "%zz", "+", "&", "=", "&card=", "%2B", "%%", "%0a", "\xc3\xa9",
	};
	const struct vector_case c = { bits, sizeof(bits) / sizeof(bits[0]), form_init_u,
				       form_feed_u, form_finish_u, form_invalid_u, 0xf0e3 };

	(void)state;
	check_vector_equals_scalar(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_plus_and_percent_20_give_a_spaced_card_number),
		cmocka_unit_test(test_form_percent_40_gives_an_email_and_ampersand_a_newline),
		cmocka_unit_test(test_form_digits_of_two_fields_never_join),
		cmocka_unit_test(test_form_hex_digits_in_either_case),
		cmocka_unit_test(test_form_invalid_escapes_pass_through_literally_and_are_counted),
		cmocka_unit_test(test_form_escape_cut_between_pieces_decodes),
		cmocka_unit_test(test_form_escaped_separators_are_data),
		cmocka_unit_test(test_form_nul_bytes_pass_and_decode),
		cmocka_unit_test(test_form_megabyte_of_percent_signs_is_bounded_and_linear),
		cmocka_unit_test(test_json_u0020_reads_as_a_space_in_a_card_number),
		cmocka_unit_test(test_json_u0040_reads_as_at_in_an_email),
		cmocka_unit_test(test_json_simple_escapes_decode_to_their_bytes),
		cmocka_unit_test(test_json_unicode_escapes_give_utf8),
		cmocka_unit_test(test_json_surrogate_pairs_give_four_byte_utf8),
		cmocka_unit_test(test_json_lone_surrogates_become_replacement_and_are_counted),
		cmocka_unit_test(test_json_escapes_outside_strings_pass_through),
		cmocka_unit_test(test_json_invalid_escapes_pass_through_and_are_counted),
		cmocka_unit_test(test_json_string_state_survives_piece_boundaries),
		cmocka_unit_test(test_json_raw_line_break_ends_a_string_and_is_counted),
		cmocka_unit_test(test_json_vector_path_equals_scalar),
		cmocka_unit_test(test_form_vector_path_equals_scalar),
		cmocka_unit_test(test_json_nul_bytes_pass_through),
		cmocka_unit_test(test_form_random_round_trip),
		cmocka_unit_test(test_form_and_json_give_the_same_output_at_every_cut),
		cmocka_unit_test(test_form_and_json_random_input_gives_the_same_output_however_cut),
		cmocka_unit_test(test_decode_text_rejects_unknown_kinds_and_names_known_ones),
		cmocka_unit_test(test_null_callback_counts_and_finish_readies_a_new_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
