/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the quoted-printable decoder (dataplane/decode_qp.c; RFC 2045 6.7 and its
 * example), through decode_text_* and exactly-sized heap copies (decode_check.c). A
 * sample is cut at every offset, every pair of offsets and byte by byte, seeded random
 * inputs at random; a seeded round trip encodes random bytes with the small encoder
 * below and decodes them back.
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
#include "decode_qp.h"

/* ---- quoted-printable ---- */

static void
test_qp_rfc2045_soft_line_break_example(void **state)
{
	(void)state;
	/* RFC 2045 6.7 (5) */
	check_one(DECODE_TEXT_QP,
		  S("Now's the time =\r\nfor all folk to come=\r\n to the aid of their country."),
		  S("Now's the time for all folk to come to the aid of their country."), 0);
}

static void
test_qp_hex_escapes_in_either_case(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_QP, S("4111=201111=3D=3d=e9=C3=A9=00"),
		  S("4111 1111==\xe9\xc3\xa9\0"), 0);
}

static void
test_qp_soft_breaks_with_crlf_lf_and_transport_padding(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_QP, S("4111 11=\r\n11 1111=\n 1111= \t \r\n 1111=  \n!"),
		  S("4111 1111 1111 1111 1111!"), 0);
}

static void
test_qp_trailing_blanks_are_deleted_inner_kept(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_QP, S("a b  \r\nc\t\t\nd \r e \t"), S("a b\r\nc\nd \r e"), 0);
}

static void
test_qp_invalid_equals_pass_through_and_are_counted(void **state)
{
	static const struct vec v[] = {
		{ "=", "=", 0, 1 },
		{ "a=", "a=", 0, 1 },
		{ "=G0", "=G0", 0, 1 },
		{ "=4G", "=4G", 0, 1 },
		{ "=4", "=4", 0, 1 },
		{ "= x", "= x", 0, 1 },
		{ "a = b", "a = b", 0, 1 },
		{ "=\rx", "=\rx", 0, 1 },
		{ "==41", "=A", 0, 1 },
		{ "=  ", "=", 0, 1 },
		{ "= \r", "= \r", 0, 1 },
		{ "=\r=\n", "=\r", 0, 1 },
	};

	(void)state;
	check_vecs(DECODE_TEXT_QP, v, sizeof(v) / sizeof(v[0]));
}

static void
test_qp_blank_runs_longer_than_the_hold_are_bounded(void **state)
{
	uint8_t in[64], want[64];
	size_t n = 0, m = 0;

	(void)state;
	/* 40 blanks then CRLF: the first 32 are out before the line end shows up */
	memset(in, ' ', 40);
	memcpy(in + 40, "\r\n", 2);
	memset(want, ' ', 32);
	memcpy(want + 32, "\r\n", 2);
	check_one(DECODE_TEXT_QP, in, 42, want, 34, 0);
	/* '=' then 40 blanks: too much padding for a soft break */
	in[n++] = '=';
	memset(in + n, '\t', 40);
	n += 40;
	memcpy(in + n, "\r\nX", 3);
	n += 3;
	want[m++] = '=';
	memset(want + m, '\t', 32);
	m += 32;
	memcpy(want + m, "\r\nX", 3);
	m += 3;
	check_one(DECODE_TEXT_QP, in, n, want, m, 1);
}

static void
test_qp_nul_bytes_pass_through(void **state)
{
	(void)state;
	check_one(DECODE_TEXT_QP, S("\0=00\0=\0"), S("\0\0\0=\0"), 1);
}

static void
test_qp_gives_the_same_output_at_every_cut(void **state)
{
	(void)state;
	check_every_cut(DECODE_TEXT_QP, S("Now's the =\r\ntime=3D=3d=G0=4G= x=\rx \t \r\n"
					  "end  \nsoft= \t\nl==41\0 ="));
}

static void
test_qp_random_input_gives_the_same_output_however_cut(void **state)
{
	(void)state;
	rng_seed(0x9b0a7d);
	check_random_noise(DECODE_TEXT_QP, 5000);
}

/*
 * RFC 2045 6.7 encoding: printable bytes as they are (or escaped), blanks as they are
 * unless last, everything else as =XX; soft line breaks (CRLF or LF, with 0-3 blanks of
 * transport padding) at random.
 */
static size_t
qp_encode(const uint8_t *p, size_t n, uint8_t *o)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++) {
		uint8_t c = p[k];
		bool blank = c == ' ' || c == '\t';
		bool plain = (c >= 33 && c <= 126 && c != '=') || (blank && k + 1 < n);

		if (plain && rng() % 4 != 0)
			o[m++] = c;
		else
			m += put_hex(o + m, c, '=');
		if (rng() % 16 == 0) {
			o[m++] = '=';
			for (uint32_t b = rng() % 4; b > 0; b--)
				o[m++] = rng() % 2 ? ' ' : '\t';
			if (rng() % 2)
				o[m++] = '\r';
			o[m++] = '\n';
		}
	}
	return m;
}

static void
test_qp_random_round_trip(void **state)
{
	uint8_t raw[300], enc[300 * 10];

	(void)state;
	rng_seed(0x9e3779b97f4a7c15ull);
	for (int round = 0; round < 3000; round++) {
		size_t n = rng() % sizeof(raw);

		for (size_t k = 0; k < n; k++) {
			uint32_t r = rng();

			/* half text (blanks included), half any byte */
			raw[k] = r % 2 ? (uint8_t)(32 + (r >> 8) % 95) : (uint8_t)(r >> 8);
			if (r % 11 == 0)
				raw[k] = r % 3 ? ' ' : '\t';
		}
		check_random_cuts(DECODE_TEXT_QP, enc, qp_encode(raw, n, enc), raw, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qp_rfc2045_soft_line_break_example),
		cmocka_unit_test(test_qp_hex_escapes_in_either_case),
		cmocka_unit_test(test_qp_soft_breaks_with_crlf_lf_and_transport_padding),
		cmocka_unit_test(test_qp_trailing_blanks_are_deleted_inner_kept),
		cmocka_unit_test(test_qp_invalid_equals_pass_through_and_are_counted),
		cmocka_unit_test(test_qp_blank_runs_longer_than_the_hold_are_bounded),
		cmocka_unit_test(test_qp_nul_bytes_pass_through),
		cmocka_unit_test(test_qp_gives_the_same_output_at_every_cut),
		cmocka_unit_test(test_qp_random_input_gives_the_same_output_however_cut),
		cmocka_unit_test(test_qp_random_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
