/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the streaming MIME parser (dataplane/app_mime.c; RFC 2045, RFC 2046,
 * RFC 2183, RFC 2231, RFC 2047): part trees, names, HTTP multipart bodies, boundary
 * syntax, and SMTP content chained into it. Callbacks are recorded into a string
 * (mime_rec.c); each input is fed whole, cut in two at every offset, byte by byte and in
 * seeded random pieces, and every run must give the same string. Hostile input:
 * test_app_mime_limits.c; header-value helpers: test_app_mime_hdr.c.
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
#include "app_smtp.h"
#include "mime_rec.h"

/* ---- part trees ---- */


static void
test_mime_mixed_text_and_base64_attachment_with_filename(void **state)
{
	(void)state;
	mime_rec_check_mail(mime_rec_mixed_mail,
		   "MSG ct=multipart/mixed subject=Monthly report\n"
		   "BEGIN 1 #1 depth=1 text/plain charset=utf-8 cte=4 disp=0 flags=0\n"
		   "DATA[Hello =E2=82=AC\r\ncard 4111 1111 1111 1111]\n"
		   "END 1 size=41 flags=0\n"
		   "BEGIN 2 #2 depth=1 text/csv cte=3 disp=2 file=report.csv flags=0\n"
		   "DATA[bmFtZSxpYmFuCkphbmUsREU4OTM3MDQwMDQ0MDUzMjAxMzAwMAo=]\n"
		   "END 2 size=52 flags=0\n"
		   "flags=0 parts=2 multiparts=1\n");
}

static void
test_mime_alternative_nested_in_mixed_gives_dotted_paths(void **state)
{
	(void)state;
	mime_rec_check_mail("Content-Type: multipart/mixed; boundary=outer\r\n"
		   "\r\n"
		   "--outer\r\n"
		   "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
		   "\r\n"
		   "--inner\r\n"
		   "Content-Type: text/plain\r\n"
		   "\r\n"
		   "plain body\r\n"
		   "--inner\r\n"
		   "Content-Type: text/html\r\n"
		   "Content-Transfer-Encoding: 8bit\r\n"
		   "\r\n"
		   "<p>html body</p>\r\n"
		   "--inner--\r\n"
		   "\r\n"
		   "--outer\r\n"
		   "Content-Type: application/pdf; name=scan.pdf\r\n"
		   "Content-Transfer-Encoding: base64\r\n"
		   "\r\n"
		   "JVBERi0=\r\n"
		   "--outer--\r\n",
		   "MSG ct=multipart/mixed subject=\n"
		   "BEGIN 1.1 #1 depth=2 text/plain cte=0 disp=0 flags=0\n"
		   "DATA[plain body]\n"
		   "END 1.1 size=10 flags=0\n"
		   "BEGIN 1.2 #2 depth=2 text/html cte=1 disp=0 flags=0\n"
		   "DATA[<p>html body</p>]\n"
		   "END 1.2 size=16 flags=0\n"
		   "BEGIN 2 #3 depth=1 application/pdf cte=3 disp=0 file=scan.pdf flags=0\n"
		   "DATA[JVBERi0=]\n"
		   "END 2 size=8 flags=0\n"
		   "flags=0 parts=3 multiparts=2\n");
}

static void
test_mime_single_part_message_is_part_one(void **state)
{
	(void)state;
	mime_rec_check_mail("Subject: =?utf-8?Q?caf=C3=A9?=\r\n"
		   "Content-Transfer-Encoding: base64\r\n"
		   "\r\n"
		   "aGVsbG8=\r\n"
		   "--not-a-boundary\r\n",
		   "MSG ct=text/plain subject=caf\xc3\xa9\n"
		   "BEGIN 1 #1 depth=0 text/plain cte=3 disp=0 flags=0\n"
		   "DATA[aGVsbG8=\r\n--not-a-boundary\r\n]\n"
		   "END 1 size=28 flags=0\n"
		   "flags=0 parts=1 multiparts=0\n");
}

static void
test_mime_rfc2231_and_rfc2047_file_names_are_decoded(void **state)
{
	(void)state;
	mime_rec_check_mail("Subject: =?utf-8?B?4oKs?= =?iso-8859-1?Q?_r=E9sum=E9?= and\r\n"
		   " =?utf-8?q?more?=\r\n"
		   "Content-Type: multipart/mixed; boundary=b\r\n"
		   "\r\n"
		   "--b\r\n"
		   "Content-Disposition: attachment; filename*=utf-8''%E2%82%AC.csv\r\n"
		   "\r\n"
		   "a\r\n"
		   "--b\r\n"
		   "Content-Disposition: attachment;\r\n"
		   " filename*1=\"rates 2024.csv\"; filename*0*=utf-8'en'%E2%82%AC%20\r\n"
		   "\r\n"
		   "b\r\n"
		   "--b\r\n"
		   "Content-Disposition: attachment; filename=\"=?utf-8?B?4oKsLmNzdg==?=\"\r\n"
		   "\r\n"
		   "c\r\n"
		   "--b\r\n"
		   "Content-Type: application/pdf; name=\"=?iso-8859-1?Q?caf=E9_menu.pdf?=\"\r\n"
		   "\r\n"
		   "d\r\n"
		   "--b\r\n"
		   "Content-Disposition: form-data; name=\"iban\"; filename=\"a \\\"q\\\".txt\"\r\n"
		   "\r\n"
		   "e\r\n"
		   "--b--\r\n",
		   "MSG ct=multipart/mixed subject=\xe2\x82\xac r\xe9sum\xe9 and more\n"
		   "BEGIN 1 #1 depth=1 text/plain cte=0 disp=2 file=\xe2\x82\xac.csv flags=0\n"
		   "DATA[a]\n"
		   "END 1 size=1 flags=0\n"
		   "BEGIN 2 #2 depth=1 text/plain cte=0 disp=2 file=\xe2\x82\xac rates 2024.csv "
		   "flags=0\n"
		   "DATA[b]\n"
		   "END 2 size=1 flags=0\n"
		   "BEGIN 3 #3 depth=1 text/plain cte=0 disp=2 file=\xe2\x82\xac.csv flags=0\n"
		   "DATA[c]\n"
		   "END 3 size=1 flags=0\n"
		   "BEGIN 4 #4 depth=1 application/pdf cte=0 disp=0 file=caf\xe9 menu.pdf flags=0\n"
		   "DATA[d]\n"
		   "END 4 size=1 flags=0\n"
		   "BEGIN 5 #5 depth=1 text/plain cte=0 disp=3 file=a \"q\".txt field=iban "
		   "flags=0\n"
		   "DATA[e]\n"
		   "END 5 size=1 flags=0\n"
		   "flags=0 parts=5 multiparts=1\n");
}

static void
test_mime_multipart_form_data_body_from_http(void **state)
{
	static const char body[] =
		"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
		"Content-Disposition: form-data; name=\"email\"\r\n"
		"\r\n"
		"jane@example.org\r\n"
		"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
		"Content-Disposition: form-data; name=\"upload\"; filename=\"ids.csv\"\r\n"
		"Content-Type: text/csv\r\n"
		"\r\n"
		"id\r\n123-45-6789\r\n\r\n"
		"------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n";
	struct mime_rec_setup su = {
		.body_ct = "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
	};

	(void)state;
	free(mime_rec_check(body, strlen(body), &su, 1,
		       "BEGIN 1 #1 depth=1 text/plain cte=0 disp=3 field=email flags=0\n"
		       "DATA[jane@example.org]\n"
		       "END 1 size=16 flags=0\n"
		       "BEGIN 2 #2 depth=1 text/csv cte=0 disp=3 file=ids.csv field=upload "
		       "flags=0\n"
		       "DATA[id\r\n123-45-6789\r\n]\n"
		       "END 2 size=17 flags=0\n"
		       "flags=0 parts=2 multiparts=1\n"));
}

static void
test_mime_http_form_body_with_close_delimiter_at_the_end(void **state)
{
	static const char body[] =
		"--AaB03x\r\n"
		"Content-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n"
		"Content-Type: application/octet-stream\r\n"
		"\r\n"
		"\x7f\x01\r\x02\n\r\n-\r\n--AaB03\r\n"
		"--AaB03x--";
	struct mime_rec_setup su = { .body_ct = "Multipart/Form-Data; boundary=AaB03x" };
	struct mime_rec_setup plain = { .body_ct = "application/json" };

	(void)state;
	free(mime_rec_check(body, sizeof(body) - 1, &su, 1,
		       "BEGIN 1 #1 depth=1 application/octet-stream cte=0 disp=3 file=x.bin "
		       "field=f flags=0\n"
		       "DATA[\x7f\x01\r\x02\n\r\n-\r\n--AaB03]\n"
		       "END 1 size=17 flags=0\n"
		       "flags=0 parts=1 multiparts=1\n"));
	free(mime_rec_check("{\"a\":1}\r\n--AaB03x--", 19, &plain, 1,
		       "BEGIN 1 #1 depth=0 application/json cte=0 disp=0 flags=0\n"
		       "DATA[{\"a\":1}\r\n--AaB03x--]\n"
		       "END 1 size=19 flags=0\n"
		       "flags=0 parts=1 multiparts=0\n"));
}

static void
test_mime_boundary_padding_bare_lf_and_junk(void **state)
{
	(void)state;
	mime_rec_check_mail("Content-Type: multipart/mixed; boundary=zz\n"
		   "\n"
		   "--zz \t\n"
		   "\n"
		   "one\n"
		   "--zz\n"
		   "\n"
		   "two\n"
		   "--zzz\n"
		   "\n"
		   "three\n"
		   "--zz-- \t \n",
		   "MSG ct=multipart/mixed subject=\n"
		   "BEGIN 1 #1 depth=1 text/plain cte=0 disp=0 flags=0\n"
		   "DATA[one]\n"
		   "END 1 size=3 flags=0\n"
		   "BEGIN 2 #2 depth=1 text/plain cte=0 disp=0 flags=0\n"
		   "DATA[two]\n"
		   "END 2 size=3 flags=0\n"
		   "BEGIN 3 #3 depth=1 text/plain cte=0 disp=0 flags=0\n"
		   "DATA[three]\n"
		   "END 3 size=5 flags=0\n"
		   "flags=0x40 parts=3 multiparts=1\n");
}

static void
test_mime_near_boundaries_stay_in_the_part(void **state)
{
	(void)state;
	mime_rec_check_mail("Content-Type: multipart/mixed; boundary=\"abc\"\r\n"
		   "\r\n"
		   "--abc\r\n"
		   "\r\n"
		   "x\r\n--ab\r\n-abc\r\n\r\n--abd--\r\n --abc\r\nend\r\n"
		   "--abc--\r\n",
		   "MSG ct=multipart/mixed subject=\n"
		   "BEGIN 1 #1 depth=1 text/plain cte=0 disp=0 flags=0\n"
		   "DATA[x\r\n--ab\r\n-abc\r\n\r\n--abd--\r\n --abc\r\nend]\n"
		   "END 1 size=37 flags=0\n"
		   "flags=0 parts=1 multiparts=1\n");
}

static void
test_mime_digest_children_default_to_message_rfc822(void **state)
{
	(void)state;
	mime_rec_check_mail("Content-Type: multipart/digest; boundary=d\r\n"
		   "\r\n"
		   "--d\r\n"
		   "\r\n"
		   "Subject: inner\r\n"
		   "\r\n"
		   "hi\r\n"
		   "--d--\r\n",
		   "MSG ct=multipart/digest subject=\n"
		   "BEGIN 1 #1 depth=1 message/rfc822 cte=0 disp=0 flags=0\n"
		   "DATA[Subject: inner\r\n\r\nhi]\n"
		   "END 1 size=20 flags=0\n"
		   "flags=0 parts=1 multiparts=1\n");
}

/* ---- SMTP content into MIME, as the worker will chain them ---- */

struct chain {
	struct app_mime mime;
	struct mime_rec rec;
};

static void
chain_begin(void *cookie, const struct app_smtp_envelope *env)
{
	struct chain *c = cookie;

	(void)env;
	assert_int_equal(app_mime_init(&c->mime, NULL, &mime_rec_cb, &c->rec), 0);
}

static void
chain_data(void *cookie, const uint8_t *p, size_t n)
{
	struct chain *c = cookie;

	assert_int_equal(app_mime_feed(&c->mime, p, n), 0);
}

static void
chain_end(void *cookie, const struct app_smtp_envelope *env)
{
	struct chain *c = cookie;

	(void)env;
	app_mime_finish(&c->mime);
}

static void
test_mime_fed_from_smtp_data_sees_unstuffed_attachment(void **state)
{
	static const struct app_smtp_cb cb = {
		.on_mail_begin = chain_begin,
		.on_data = chain_data,
		.on_mail_end = chain_end,
	};
	static const char client[] =
		"EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\nContent-Type: text/plain\r\n\r\n..leading dot\r\n"
		"--b--\r\n.\r\n";
	static const char server[] = "220 mx\r\n250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n";
	struct app_smtp_conn *smtp = malloc(sizeof(*smtp));
	struct chain *c = calloc(1, sizeof(*c));
	size_t i;

	(void)state;
	assert_non_null(smtp);
	assert_non_null(c);
	c->rec.buf = malloc(MIME_REC_MAX);
	assert_non_null(c->rec.buf);
	c->rec.buf[0] = '\0';
	assert_int_equal(app_smtp_init(smtp, NULL, &cb, c), 0);
	assert_int_equal(app_smtp_feed(smtp, APP_SMTP_SERVER, (const uint8_t *)server,
				       sizeof(server) - 1), 0);
	for (i = 0; i < sizeof(client) - 1; i++)
		assert_int_equal(app_smtp_feed(smtp, APP_SMTP_CLIENT,
					       (const uint8_t *)client + i, 1), 0);
	mime_rec_close(&c->rec);
	assert_string_equal(c->rec.buf,
			    "MSG ct=multipart/mixed subject=\n"
			    "BEGIN 1 #1 depth=1 text/plain cte=0 disp=0 flags=0\n"
			    "DATA[.leading dot]\n"
			    "END 1 size=12 flags=0\n");
	assert_int_equal(app_mime_flags(&c->mime), 0);
	free(c->rec.buf);
	free(c);
	free(smtp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime_mixed_text_and_base64_attachment_with_filename),
		cmocka_unit_test(test_mime_alternative_nested_in_mixed_gives_dotted_paths),
		cmocka_unit_test(test_mime_single_part_message_is_part_one),
		cmocka_unit_test(test_mime_rfc2231_and_rfc2047_file_names_are_decoded),
		cmocka_unit_test(test_mime_multipart_form_data_body_from_http),
		cmocka_unit_test(test_mime_http_form_body_with_close_delimiter_at_the_end),
		cmocka_unit_test(test_mime_boundary_padding_bare_lf_and_junk),
		cmocka_unit_test(test_mime_near_boundaries_stay_in_the_part),
		cmocka_unit_test(test_mime_digest_children_default_to_message_rfc822),
		cmocka_unit_test(test_mime_fed_from_smtp_data_sees_unstuffed_attachment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
