/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the streaming MIME parser (dataplane/app_mime.c): truncated and broken
 * input and limits (unterminated boundaries, missing boundaries, 10,000 nested
 * multiparts, a 1 MB header line, parts and header limits, mutated messages). Inputs are
 * checked as in test_app_mime.c (mime_rec.c): whole, cut at every offset (large ones at
 * a prime stride), byte by byte and at random, with identical records.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app_mime.h"
#include "mime_rec.h"

/* ---- broken and hostile input ---- */

static void
test_mime_truncated_message_is_flagged(void **state)
{
	(void)state;
	/* inside a part body, with "\r\n--=_fro" held as a possible delimiter */
	mime_rec_check_mail("Content-Type: multipart/mixed; boundary=\"=_frontier\"\r\n"
		   "\r\n"
		   "--=_frontier\r\n"
		   "Content-Type: text/plain\r\n"
		   "\r\n"
		   "cut here\r\n--=_fro",
		   "MSG ct=multipart/mixed subject=\n"
		   "BEGIN 1 #1 depth=1 text/plain cte=0 disp=0 flags=0\n"
		   "DATA[cut here\r\n--=_fro]\n"
		   "END 1 size=17 flags=0x40\n"
		   "flags=0x3 parts=1 multiparts=1\n");
	/* inside a part's header line */
	mime_rec_check_mail("Content-Type: multipart/mixed; boundary=b\r\n"
		   "\r\n"
		   "--b\r\n"
		   "Content-Type: text/csv\r\n"
		   "Content-Disposition: attachment; filename=\"a.c",
		   "MSG ct=multipart/mixed subject=\n"
		   "BEGIN 1 #1 depth=1 text/csv cte=0 disp=0 flags=0x40\n"
		   "END 1 size=0 flags=0x40\n"
		   "flags=0x3 parts=1 multiparts=1\n");
	/* inside the message headers; and a body-less message is not truncated */
	mime_rec_check_mail("Subject: hello\r\nContent-Ty",
		   "MSG ct=text/plain subject=hello\n"
		   "BEGIN 1 #1 depth=0 text/plain cte=0 disp=0 flags=0x40\n"
		   "END 1 size=0 flags=0x40\n"
		   "flags=0x1 parts=1 multiparts=0\n");
	mime_rec_check_mail("Subject: hello\r\n",
		   "MSG ct=text/plain subject=hello\n"
		   "BEGIN 1 #1 depth=0 text/plain cte=0 disp=0 flags=0\n"
		   "END 1 size=0 flags=0\n"
		   "flags=0 parts=1 multiparts=0\n");
}

static void
test_mime_unterminated_boundaries_are_flagged(void **state)
{
	(void)state;
	/* the inner multipart ends with the outer delimiter, the outer with the input */
	mime_rec_check_mail("Content-Type: multipart/mixed; boundary=outer\r\n"
		   "\r\n"
		   "--outer\r\n"
		   "Content-Type: multipart/alternative; boundary=inner\r\n"
		   "\r\n"
		   "--inner\r\n"
		   "\r\n"
		   "text\r\n"
		   "--outer\r\n"
		   "\r\n"
		   "last\r\n",
		   "MSG ct=multipart/mixed subject=\n"
		   "BEGIN 1.1 #1 depth=2 text/plain cte=0 disp=0 flags=0\n"
		   "DATA[text]\n"
		   "END 1.1 size=4 flags=0\n"
		   "BEGIN 2 #2 depth=1 text/plain cte=0 disp=0 flags=0\n"
		   "DATA[last\r\n]\n"
		   "END 2 size=6 flags=0x40\n"
		   "flags=0x3 parts=2 multiparts=2\n");
	/* a close delimiter cut after its boundary: "--b" at the very end */
	mime_rec_check_mail("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b",
		   "MSG ct=multipart/mixed subject=\n"
		   "BEGIN 1 #1 depth=1 text/plain cte=0 disp=0 flags=0\n"
		   "DATA[x]\n"
		   "END 1 size=1 flags=0\n"
		   "flags=0x3 parts=1 multiparts=1\n");
	/* a multipart whose first delimiter never comes */
	mime_rec_check_mail("Content-Type: multipart/mixed; boundary=b\r\n\r\nonly a preamble\r\n",
		   "MSG ct=multipart/mixed subject=\n"
		   "flags=0x3 parts=0 multiparts=1\n");
}

static void
test_mime_delimiter_inside_a_header_section_ends_that_part(void **state)
{
	(void)state;
	/* part 1 has headers and no blank line: it is an empty text/csv part */
	mime_rec_check_mail("Content-Type: multipart/mixed; boundary=b\r\n"
			    "\r\n"
			    "--b\r\n"
			    "Content-Type: text/csv\r\n"
			    "--b\r\n"
			    "\r\n"
			    "x\r\n"
			    "--b--\r\n",
			    "MSG ct=multipart/mixed subject=\n"
			    "BEGIN 1 #1 depth=1 text/csv cte=0 disp=0 flags=0\n"
			    "END 1 size=0 flags=0\n"
			    "BEGIN 2 #2 depth=1 text/plain cte=0 disp=0 flags=0\n"
			    "DATA[x]\n"
			    "END 2 size=1 flags=0\n"
			    "flags=0 parts=2 multiparts=1\n");
}

static void
test_mime_multipart_without_boundary_is_one_leaf(void **state)
{
	(void)state;
	mime_rec_check_mail("Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\ny\r\n",
		   "MSG ct=multipart/mixed subject=\n"
		   "BEGIN 1 #1 depth=0 multipart/mixed cte=0 disp=0 flags=0x2\n"
		   "DATA[--x\r\n\r\ny\r\n]\n"
		   "END 1 size=10 flags=0x2\n"
		   "flags=0x80 parts=1 multiparts=0\n");
	/* 71 characters is over the RFC 2046 limit */
	mime_rec_check_mail("Content-Type: multipart/mixed; boundary="
		   "12345678901234567890123456789012345678901234567890123456789012345678901"
		   "\r\n\r\nz",
		   "MSG ct=multipart/mixed subject=\n"
		   "BEGIN 1 #1 depth=0 multipart/mixed cte=0 disp=0 flags=0x2\n"
		   "DATA[z]\n"
		   "END 1 size=1 flags=0x2\n"
		   "flags=0x80 parts=1 multiparts=0\n");
}

static void
test_mime_unknown_transfer_encoding_is_flagged(void **state)
{
	(void)state;
	mime_rec_check_mail("Content-Transfer-Encoding: x-uuencode\r\n"
		   "Content-Transfer-Encoding: base64\r\n"
		   "Content-Type: text/plain; charset=\"ISO-8859-1\"\r\n"
		   "Content-Type: text/html\r\n"
		   "Content-Type\r\n"
		   "\r\nbody",
		   "MSG ct=text/plain subject=\n"
		   "BEGIN 1 #1 depth=0 text/plain charset=iso-8859-1 cte=5 disp=0 flags=0x4\n"
		   "DATA[body]\n"
		   "END 1 size=4 flags=0x4\n"
		   "flags=0x100 parts=1 multiparts=0\n");
}

/* Build a message of n multiparts nested in each other, boundaries b00000..b<n-1>. */
static char *
nested(unsigned int n, size_t *len)
{
	size_t cap = (size_t)n * 120 + 256, off = 0;
	char *s = malloc(cap);
	unsigned int i;

	assert_non_null(s);
	off += (size_t)snprintf(s + off, cap - off,
				"Content-Type: multipart/mixed; boundary=\"b00000\"\r\n\r\n");
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			off += (size_t)snprintf(s + off, cap - off, "--b%05u\r\nContent-Type: "
						"multipart/mixed; boundary=\"b%05u\"\r\n\r\n", i,
						i + 1);
		else
			off += (size_t)snprintf(s + off, cap - off,
						"--b%05u\r\nContent-Type: text/plain\r\n\r\n"
						"deep\r\n", i);
	}
	for (i = n; i-- > 0;)
		off += (size_t)snprintf(s + off, cap - off, "--b%05u--\r\n", i);
	assert_true(off < cap);
	*len = off;
	return s;
}

static void
test_mime_ten_thousand_nested_multiparts_stop_at_max_depth(void **state)
{
	static const char head[] = "MSG ct=multipart/mixed subject=\n"
		"BEGIN 1.1.1.1.1.1.1.1 #1 depth=8 multipart/mixed cte=0 disp=0 flags=0x1\nDATA[";
	struct mime_rec_setup su = { 0 };
	size_t len, from, to, off = 0;
	char *msg = nested(10000, &len), *expect = malloc(len + 512), *rec;
	const char *p;

	(void)state;
	assert_non_null(expect);
	assert_true(len > 10000u * 70);
	/*
	 * Depth 8: the multiparts of b00000..b00007 are parsed; the one of b00008 is a single
	 * opaque leaf, from its first line to the line end before "--b00007--".
	 */
	p = strstr(msg, "--b00008\r\n");
	assert_non_null(p);
	from = (size_t)(p - msg);
	p = strstr(msg, "\r\n--b00007--");
	assert_non_null(p);
	to = (size_t)(p - msg);
	off += (size_t)sprintf(expect, "%s", head);
	memcpy(expect + off, msg + from, to - from);
	off += to - from;
	sprintf(expect + off, "]\nEND 1.1.1.1.1.1.1.1 size=%zu flags=0x1\n"
		"flags=0x4 parts=1 multiparts=8\n", to - from);
	rec = mime_rec_check(msg, len, &su, 9973, expect);
	free(rec);
	free(expect);
	free(msg);
}

static void
test_mime_one_megabyte_header_line_ends_the_header_section(void **state)
{
	size_t big = 1u << 20, len, hl;
	char *msg = malloc(big + 256), *rec, expect[256];
	struct mime_rec_setup su = { 0 };
	const char *tail = "\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n";

	(void)state;
	assert_non_null(msg);
	hl = (size_t)sprintf(msg, "Subject: ");
	memset(msg + hl, 'A', big);
	len = hl + big;
	len += (size_t)sprintf(msg + len, "%s", tail);
	rec = mime_rec_check(msg, len, &su, 65521, NULL);
	/* The first 65536 bytes are the header section; the rest is the body of part 1. */
	/* The Subject line is cut by the limit: a field cut mid-line is dropped. */
	assert_int_equal(strncmp(rec, "MSG ct=text/plain subject=\nBEGIN 1 #1 depth=0 "
				 "text/plain cte=0 disp=0 flags=0x20\nDATA[AAAA", 72), 0);
	snprintf(expect, sizeof(expect), "%s]\nEND 1 size=%zu flags=0x20\n"
		 "flags=0x10 parts=1 multiparts=0\n", tail, len - 65536);
	assert_string_equal(rec + strlen(rec) - strlen(expect), expect);
	free(rec);
	free(msg);
}

static void
test_mime_parts_over_max_parts_stop_parsing(void **state)
{
	struct app_mime_conf conf;
	struct mime_rec_setup su = { .conf = &conf };
	static const char in[] = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
				 "--b\r\n\r\n1\r\n--b\r\n\r\n2\r\n--b\r\n\r\n3\r\n--b--\r\n";
	struct app_mime m;

	(void)state;
	app_mime_conf_default(&conf);
	conf.max_parts = 2;
	free(mime_rec_check(in, sizeof(in) - 1, &su, 1,
		       "MSG ct=multipart/mixed subject=\n"
		       "BEGIN 1 #1 depth=1 text/plain cte=0 disp=0 flags=0\n"
		       "DATA[1]\n"
		       "END 1 size=1 flags=0\n"
		       "BEGIN 2 #2 depth=1 text/plain cte=0 disp=0 flags=0\n"
		       "DATA[2]\n"
		       "END 2 size=1 flags=0\n"
		       "flags=0x8 parts=2 multiparts=1\n"));
	assert_int_equal(app_mime_init(&m, &conf, NULL, NULL), 0);
	assert_int_equal(app_mime_feed(&m, (const uint8_t *)in, sizeof(in) - 1), -ENOSPC);
	assert_int_equal(m.stats.unparsed_bytes, 10);	/* "3\r\n--b--\r\n" */
	app_mime_finish(&m);
	assert_int_equal(app_mime_feed(&m, (const uint8_t *)"x", 1), -EINVAL);
}

static void
test_mime_oversized_content_type_is_ignored_and_flagged(void **state)
{
	char msg[4096];
	int k;

	(void)state;
	k = snprintf(msg, sizeof(msg), "Content-Type: multipart/mixed; boundary=b; x=\"");
	memset(msg + k, 'x', 2100);
	snprintf(msg + k + 2100, sizeof(msg) - (size_t)k - 2100, "\"\r\n\r\n--b\r\n\r\nq\r\n");
	mime_rec_check_mail(msg,
		   "MSG ct=text/plain subject=\n"
		   "BEGIN 1 #1 depth=0 text/plain cte=0 disp=0 flags=0x10\n"
		   "DATA[--b\r\n\r\nq\r\n]\n"
		   "END 1 size=10 flags=0x10\n"
		   "flags=0x20 parts=1 multiparts=0\n");
}

static void
test_mime_init_rejects_limits_out_of_range(void **state)
{
	struct app_mime m;
	struct app_mime_conf conf;

	(void)state;
	assert_int_equal(app_mime_init(NULL, NULL, NULL, NULL), -EINVAL);
	app_mime_conf_default(&conf);
	conf.max_depth = 0;
	assert_int_equal(app_mime_init(&m, &conf, NULL, NULL), -EINVAL);
	conf.max_depth = APP_MIME_DEPTH_CAP + 1;
	assert_int_equal(app_mime_init(&m, &conf, NULL, NULL), -EINVAL);
	app_mime_conf_default(&conf);
	conf.header_max = 255;
	assert_int_equal(app_mime_init(&m, &conf, NULL, NULL), -EINVAL);
	app_mime_conf_default(&conf);
	conf.max_parts = 0;
	assert_int_equal(app_mime_init_body(&m, &conf, NULL, NULL, "text/plain", 10), -EINVAL);
	assert_int_equal(app_mime_init(&m, NULL, NULL, NULL), 0);
	assert_int_equal(app_mime_feed(&m, NULL, 1), -EINVAL);
	assert_int_equal(app_mime_feed(&m, NULL, 0), 0);
}

/* Seeded mutations of a real message: no crash, the byte balance holds, parts balance. */
static void
test_mime_mutated_messages_never_break_the_parser(void **state)
{
	static const char alphabet[] = "-\r\n=\"; :b*'%?\t";
	size_t len = strlen(mime_rec_mixed_mail);
	uint32_t seed = 4242;
	struct mime_rec r = { .buf = malloc(MIME_REC_MAX) };
	struct mime_rec_setup su = { 0 };
	char *msg = malloc(len);
	int round;

	(void)state;
	assert_non_null(r.buf);
	assert_non_null(msg);
	for (round = 0; round < 3000; round++) {
		int k;

		memcpy(msg, mime_rec_mixed_mail, len);
		for (k = 0; k < 8; k++) {
			seed = seed * 1103515245u + 12345u;
			msg[(seed >> 8) % len] = (seed >> 4) & 1 ?
				alphabet[(seed >> 20) % (sizeof(alphabet) - 1)] :
				(char)(seed >> 16);
		}
		mime_rec_run(msg, len, &su, MIME_REC_RANDOM, (size_t)round, &r);
	}
	free(msg);
	free(r.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime_truncated_message_is_flagged),
		cmocka_unit_test(test_mime_unterminated_boundaries_are_flagged),
		cmocka_unit_test(test_mime_delimiter_inside_a_header_section_ends_that_part),
		cmocka_unit_test(test_mime_multipart_without_boundary_is_one_leaf),
		cmocka_unit_test(test_mime_unknown_transfer_encoding_is_flagged),
		cmocka_unit_test(test_mime_ten_thousand_nested_multiparts_stop_at_max_depth),
		cmocka_unit_test(test_mime_one_megabyte_header_line_ends_the_header_section),
		cmocka_unit_test(test_mime_parts_over_max_parts_stop_parsing),
		cmocka_unit_test(test_mime_oversized_content_type_is_ignored_and_flagged),
		cmocka_unit_test(test_mime_init_rejects_limits_out_of_range),
		cmocka_unit_test(test_mime_mutated_messages_never_break_the_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
