/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the MIME header-value helpers (dataplane/app_mime_hdr.c): the leading
 * token (RFC 2045 5.1), parameters with RFC 2231 extended values and continuations, and
 * RFC 2047 encoded words; output bounds. Inputs go through exactly-sized heap copies so
 * ASan sees any read past them.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app_mime_hdr.h"

/* app_mime_hdr_param() over an exact heap copy of v. */
static int
param(const char *v, const char *name, unsigned int flags, uint8_t *out, size_t cap,
      size_t *len)
{
	size_t n = strlen(v);
	uint8_t *q = malloc(n ? n : 1);
	int rc;

	assert_non_null(q);
	memcpy(q, v, n);
	rc = app_mime_hdr_param(q, n, name, flags, out, cap, len);
	free(q);
	return rc;
}

static int
words(const char *v, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(v);
	uint8_t *q = malloc(n ? n : 1);
	int rc;

	assert_non_null(q);
	memcpy(q, v, n);
	rc = app_mime_hdr_words(q, n, out, cap, len);
	free(q);
	return rc;
}

static void
test_mime_hdr_token_is_lower_cased_and_bounded(void **state)
{
	static const uint8_t v[] = " (c) Multipart/Mixed; boundary=x";
	char out[16];

	(void)state;
	assert_int_equal(app_mime_hdr_token(v, sizeof(v) - 1, out, sizeof(out)), 15);
	assert_string_equal(out, "multipart/mixed");
	assert_int_equal(app_mime_hdr_token(v, sizeof(v) - 1, out, 15), -ENOSPC);
	assert_string_equal(out, "");
	assert_int_equal(app_mime_hdr_token(v, 4, out, sizeof(out)), -ENOENT);
	assert_int_equal(app_mime_hdr_token((const uint8_t *)"BASE64\r\n", 8, out, sizeof(out)),
			 6);
	assert_string_equal(out, "base64");
}

static void
test_mime_hdr_param_forms_and_limits(void **state)
{
	uint8_t out[16];
	size_t l;
	const char *v;

	(void)state;
	v = "attachment; x=\"a;b\"; FileName = plain name.txt ; size=3";
	assert_int_equal(param(v, "filename", 0, out,
					    sizeof(out), &l), 0);
	assert_string_equal((char *)out, "plain name.txt");
	assert_int_equal(l, 14);
	assert_int_equal(param(v, "x", 0, out,
					    sizeof(out), &l), 0);
	assert_string_equal((char *)out, "a;b");
	assert_int_equal(param(v, "name", 0, out,
					    sizeof(out), &l), -ENOENT);
	assert_int_equal(l, 0);
	v = "a; n*=utf-8''%41%4a%zz%4";
	assert_int_equal(param(v, "n", 0, out,
					    sizeof(out), &l), 0);
	assert_string_equal((char *)out, "AJ%zz%4");
	v = "a; n*2=c; n*0=a; n*1*=%62; n*4=e";
	assert_int_equal(param(v, "n", 0, out,
					    sizeof(out), &l), 0);
	assert_string_equal((char *)out, "abc");
	v = "a; n=0123456789abcdefXYZ";
	assert_int_equal(param(v, "n", 0, out,
					    sizeof(out), &l), -ENOSPC);
	assert_string_equal((char *)out, "0123456789abcde");
	assert_int_equal(l, 15);
	v = "a; n=\"unterminated";
	assert_int_equal(param(v, "n", 0, out,
					    sizeof(out), &l), 0);
	assert_string_equal((char *)out, "unterminated");
	v = "a (comment; n=no) ; n=yes";
	assert_int_equal(param(v, "n", 0, out,
					    sizeof(out), &l), 0);
	assert_string_equal((char *)out, "yes");
}

static void
test_mime_hdr_words_decode_and_keep_malformed(void **state)
{
	uint8_t out[64];
	size_t l;
	const char *v;

	(void)state;
	v = "=?UTF-8?B?SGVsbG8=?=   =?utf-8*en?Q?_W=C3=B6rld?= x =?utf-8?q?!?=";
	assert_int_equal(words(v, out, sizeof(out), &l),
			 0);
	assert_string_equal((char *)out, "Hello W\xc3\xb6rld x !");
	v = "=?utf-8?X?abc?= =?utf-8?B?@@@@?= =?utf-8?Q?a b?= =?x?B?QQ==";
	assert_int_equal(words(v, out, sizeof(out), &l),
			 0);
	assert_string_equal((char *)out, v);
	v = "=?utf-8?B?QUJDREVGR0g=?=";
	assert_int_equal(words(v, out, 5, &l), -ENOSPC);
	assert_string_equal((char *)out, "ABCD");
	v = "ok";
	assert_int_equal(app_mime_hdr_words((const uint8_t *)v, 0, out, sizeof(out), &l), 0);
	assert_int_equal(l, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime_hdr_token_is_lower_cased_and_bounded),
		cmocka_unit_test(test_mime_hdr_param_forms_and_limits),
		cmocka_unit_test(test_mime_hdr_words_decode_and_keep_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
