/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the streaming HTTP/1.x parser (dataplane/app_http.c) against hostile and
 * malformed input: limits (huge lines, too many fields, big header sections), framing
 * that request smuggling relies on (bad, overflowing and conflicting Content-Length,
 * Transfer-Encoding with Content-Length, chunk sizes past 64 bits, missing CRLF after
 * chunk data), NUL and bare CR, binary garbage, and a seeded mutation loop. Every script
 * goes through harness_check() (whole, cut at every offset, byte by byte, all giving the
 * same events and counters; pieces from exactly-sized heap copies for ASan); each test
 * asserts the exact events, so a parser that went on after an error would fail it.
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

#include "app_http.h"
#include "app_http_harness.h"

#define REQS	(&harness_conn.dir[APP_HTTP_REQUEST])
#define RSPS	(&harness_conn.dir[APP_HTTP_RESPONSE])

/* One request-side piece from a heap buffer. */
static struct piece
req_piece(const char *p, size_t n)
{
	return (struct piece){ APP_HTTP_REQUEST, false, p, n };
}

/* Play one request-side text and return the log. */
static const char *
check_req(const char *text)
{
	struct piece s[1] = { req_piece(text, strlen(text)) };

	return harness_check(NULL, s, 1);
}

/* Play one response to a GET and return the log after the GET's three lines. */
static const char *
check_rsp(const char *text)
{
	struct piece s[2] = {
		REQ("GET / HTTP/1.1\r\n\r\n"),
		{ APP_HTTP_RESPONSE, false, text, strlen(text) },
	};
	const char *log = harness_check(NULL, s, 2);
	const char *skip = "req#0 begin GET / HTTP/1.1\n"
			   "req#0 headers body=none +keepalive hdrs=0\n"
			   "req#0 complete\n";

	assert_memory_equal(log, skip, strlen(skip));
	return log + strlen(skip);
}

/* The request side failed with err, once, as a limit or not, and counts what followed. */
static void
assert_req_failed(enum app_http_err err, size_t raw_after)
{
	assert_int_equal(app_http_mode(REQS), APP_HTTP_MODE_RAW);
	assert_int_equal(REQS->err, err);
	assert_int_equal(REQS->stats.errors, 1);
	assert_int_equal(REQS->stats.limit_hits, app_http_err_is_limit(err) ? 1 : 0);
	assert_int_equal(REQS->stats.raw_bytes, raw_after);
}

static void
test_http_100k_header_line_is_a_limit_error(void **state)
{
	static const char head[] = "GET / HTTP/1.1\r\nX-Big: ";
	static const char tail[] = "\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
	size_t big = 100 * 1024, n = 0;
	char *buf = malloc(sizeof(head) + big + sizeof(tail));
	struct piece s[1];

	(void)state;
	assert_non_null(buf);
	memcpy(buf, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	memset(buf + n, 'a', big);
	n += big;
	memcpy(buf + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	s[0] = req_piece(buf, n);
	assert_string_equal(harness_check(NULL, s, 1),
			    "req#0 begin GET / HTTP/1.1\n"
			    "req error line_too_long\n");
	/* the error sits on the line's 8193rd byte: everything after it is raw */
	assert_req_failed(APP_HTTP_ERR_LINE_TOO_LONG, n - 16 - (APP_HTTP_DEFAULT_MAX_LINE + 1));
	assert_int_equal(REQS->stats.messages, 1);
	assert_int_equal(REQS->stats.completed, 0);
	free(buf);
}

/* A line of exactly max_line bytes passes; one more byte does not, CR or not. */
static void
test_http_line_limit_is_exact(void **state)
{
	struct app_http_conf conf;
	struct piece s[1];
	char buf[64];

	(void)state;
	app_http_conf_default(&conf);
	conf.max_line = 20;
	snprintf(buf, sizeof(buf), "GET /%s HTTP/1.1\r\n\r\n", "234567");	/* 20 bytes */
	s[0] = req_piece(buf, strlen(buf));
	assert_string_equal(harness_check(&conf, s, 1),
			    "req#0 begin GET /234567 HTTP/1.1\n"
			    "req#0 headers body=none +keepalive hdrs=0\n"
			    "req#0 complete\n");
	snprintf(buf, sizeof(buf), "GET /%s HTTP/1.1\n\n", "234567");	/* bare LF */
	s[0] = req_piece(buf, strlen(buf));
	assert_int_equal(harness_check(&conf, s, 1)[0], 'r');
	assert_int_equal(REQS->stats.completed, 1);
	snprintf(buf, sizeof(buf), "GET /%s HTTP/1.1\r\n\r\n", "2345678");	/* 21 bytes */
	s[0] = req_piece(buf, strlen(buf));
	assert_string_equal(harness_check(&conf, s, 1), "req error line_too_long\n");
	assert_req_failed(APP_HTTP_ERR_LINE_TOO_LONG, 4);
	snprintf(buf, sizeof(buf), "GET /%s HTTP/1.1\r\r\n\r\n", "234567");	/* CR at 21 */
	s[0] = req_piece(buf, strlen(buf));
	assert_string_equal(harness_check(&conf, s, 1), "req error line_too_long\n");
	assert_req_failed(APP_HTTP_ERR_LINE_TOO_LONG, 3);	/* the error is on the 2nd CR */
}

static void
test_http_10000_headers_is_a_limit_error(void **state)
{
	size_t cap = 32 + 10000 * 16, n;
	char *buf = malloc(cap);
	struct piece s[1];
	int i;

	(void)state;
	assert_non_null(buf);
	n = (size_t)snprintf(buf, cap, "POST /x HTTP/1.1\r\n");
	for (i = 0; i < 10000; i++)
		n += (size_t)snprintf(buf + n, cap - n, "X-H%d: v\r\n", i % 10);
	n += (size_t)snprintf(buf + n, cap - n, "\r\n");
	s[0] = req_piece(buf, n);
	assert_string_equal(harness_check(NULL, s, 1),
			    "req#0 begin POST /x HTTP/1.1\n"
			    "req error too_many_headers\n");
	assert_int_equal(REQS->msg.header_count, APP_HTTP_DEFAULT_MAX_HEADERS);
	assert_req_failed(APP_HTTP_ERR_TOO_MANY_HEADERS,
			  n - 18 - (APP_HTTP_DEFAULT_MAX_HEADERS + 1) * 9);
	free(buf);
}

static void
test_http_header_section_over_max_bytes_is_a_limit_error(void **state)
{
	struct app_http_conf conf;
	char buf[4096];
	struct piece s[1];
	size_t n;
	int i;

	(void)state;
	app_http_conf_default(&conf);
	conf.max_header_bytes = 1024;
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\n");
	for (i = 0; i < 30; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-Field-%02d: %040d\r\n", i, i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	s[0] = req_piece(buf, n);
	/* 16 + 18 * 54 = 988 bytes fit, the 19th field line passes 1024 */
	assert_string_equal(harness_check(&conf, s, 1),
			    "req#0 begin GET / HTTP/1.1\n"
			    "req error headers_too_big\n");
	assert_int_equal(REQS->msg.header_count, 18);
	assert_req_failed(APP_HTTP_ERR_HEADERS_TOO_BIG, n - 16 - 19 * 54);
}

static void
test_http_flood_of_empty_lines_is_a_limit_error(void **state)
{
	struct app_http_conf conf;
	char buf[4000];
	struct piece s[1];
	size_t i;

	(void)state;
	app_http_conf_default(&conf);
	conf.max_header_bytes = 1000;	/* empty lines count: 500 of them fit */
	for (i = 0; i < sizeof(buf); i += 2)
		memcpy(buf + i, "\r\n", 2);
	s[0] = req_piece(buf, sizeof(buf));
	assert_string_equal(harness_check(&conf, s, 1), "req error headers_too_big\n");
	assert_req_failed(APP_HTTP_ERR_HEADERS_TOO_BIG, sizeof(buf) - 1002);
}

static void
test_http_too_many_trailers_is_a_limit_error(void **state)
{
	char buf[8192];
	struct piece s[1];
	size_t n;
	int i;

	(void)state;
	n = (size_t)snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nTransfer-Encoding: chunked"
					       "\r\n\r\n1\r\nA\r\n0\r\n");
	for (i = 0; i < 200; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "T: %d\r\n", i % 10);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	s[0] = req_piece(buf, n);
	assert_string_equal(harness_check(NULL, s, 1),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req#0 headers body=chunked te=chunked +keepalive +chunked hdrs=1\n"
			    "req#0 body \"A\"\n"
			    "req error too_many_headers\n");
}

static void
test_http_bad_content_lengths_are_errors(void **state)
{
	static const char *const bad[] = {
		"-1", "+5", "5a", "0x10", "5 5", "", ",", "5,", "1.0", "\xd9\xa5",
		"18446744073709551616", "99999999999999999999999",
	};
	char buf[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nContent-Length: %s\r\n\r\nabc",
			 bad[i]);
		assert_string_equal(check_req(buf), "req#0 begin POST / HTTP/1.1\n"
						    "req error bad_content_length\n");
		assert_req_failed(APP_HTTP_ERR_BAD_CONTENT_LENGTH, 5);
	}
	assert_string_equal(check_rsp("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n"),
			    "rsp#0 begin 200 GET HTTP/1.1\n"
			    "rsp error bad_content_length\n");
}

/* 2^64 - 1 is the largest length; the body then runs until the stream ends early. */
static void
test_http_largest_content_length_is_accepted(void **state)
{
	static const struct piece s[] = {
		REQ("PUT / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\nxy"),
		REQ_EOF,
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin PUT / HTTP/1.1\n"
			    "req#0 headers body=length cl=18446744073709551615 +keepalive hdrs=1\n"
			    "req#0 body \"xy\"\n"
			    "req error truncated\n");
}

static void
test_http_conflicting_duplicate_content_length_is_an_error(void **state)
{
	(void)state;
	assert_string_equal(check_req("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
				      "Content-Length: 6\r\n\r\nhello!"),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req error conflicting_content_length\n");
	assert_req_failed(APP_HTTP_ERR_CONFLICTING_CONTENT_LENGTH, 8);
	assert_string_equal(check_req("POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nhello!"),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req error conflicting_content_length\n");
	assert_string_equal(check_rsp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
				      "Content-Length: 10\r\n\r\nx"),
			    "rsp#0 begin 200 GET HTTP/1.1\n"
			    "rsp error conflicting_content_length\n");
}

static void
test_http_chunk_size_overflowing_64_bits_is_an_error(void **state)
{
	(void)state;
	assert_string_equal(check_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "FFFFFFFFFFFFFFFFF\r\nabc"),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req#0 headers body=chunked te=chunked +keepalive +chunked hdrs=1\n"
			    "req error chunk_size_overflow\n");
	assert_req_failed(APP_HTTP_ERR_CHUNK_SIZE_OVERFLOW, 5);
	/* 16 digits fit, leading zeros do not count */
	assert_string_equal(check_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "FFFFFFFFFFFFFFFF\r\nabc"),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req#0 headers body=chunked te=chunked +keepalive +chunked hdrs=1\n"
			    "req#0 body \"abc\"\n");
	assert_int_equal(REQS->remaining, UINT64_MAX - 3);
	assert_string_equal(check_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "00000000000000000000002\r\nab\r\n0\r\n\r\n"),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req#0 headers body=chunked te=chunked +keepalive +chunked hdrs=1\n"
			    "req#0 body \"ab\"\n"
			    "req#0 complete\n");
}

static void
test_http_bad_chunk_size_lines_are_errors(void **state)
{
#define BAD(l, e) { l, sizeof(l) - 1, e }
	static const struct {
		const char *line;
		size_t len;	/* the lines may hold a NUL */
		const char *err;
	} bad[] = {
		BAD("\r\n", "bad_chunk_size"),      BAD("\n", "bad_chunk_size"),
		BAD("g\r\n", "bad_chunk_size"),     BAD("-1\r\n", "bad_chunk_size"),
		BAD(";x\r\n", "bad_chunk_size"),    BAD("5 5\r\n", "bad_chunk_size"),
		BAD("5;a\0b\r\n", "bad_chunk_size"), BAD("5\rx", "bare_cr"),
		BAD(" 5\r\n", "bad_chunk_size"),    BAD("0x5\r\n", "bad_chunk_size"),
	};
#undef BAD
	char buf[256], expect[512];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct piece s[1];

		n = (size_t)snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nTransfer-Encoding:"
						       " chunked\r\n\r\n");
		memcpy(buf + n, bad[i].line, bad[i].len);
		n += bad[i].len;
		s[0] = req_piece(buf, n);
		snprintf(expect, sizeof(expect),
			 "req#0 begin POST / HTTP/1.1\n"
			 "req#0 headers body=chunked te=chunked +keepalive +chunked hdrs=1\n"
			 "req error %s\n", bad[i].err);
		assert_string_equal(harness_check(NULL, s, 1), expect);
	}
}

static void
test_http_chunk_extension_over_max_line_is_a_limit_error(void **state)
{
	size_t n = 0, cap = 20000;
	char *buf = malloc(cap);
	struct piece s[1];

	(void)state;
	assert_non_null(buf);
	n = (size_t)snprintf(buf, cap, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				       "5;");
	memset(buf + n, 'e', 9000);
	n += 9000;
	memcpy(buf + n, "\r\nhello\r\n0\r\n\r\n", 14);
	n += 14;
	s[0] = req_piece(buf, n);
	assert_string_equal(harness_check(NULL, s, 1),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req#0 headers body=chunked te=chunked +keepalive +chunked hdrs=1\n"
			    "req error line_too_long\n");
	assert_req_failed(APP_HTTP_ERR_LINE_TOO_LONG,
			  9000 + 2 + 14 - APP_HTTP_DEFAULT_MAX_LINE - 1);
	free(buf);
}

/* RFC 9112 6.3: Transfer-Encoding overrides Content-Length; both is a smuggling sign. */
static void
test_http_te_with_content_length_is_chunked_and_flagged(void **state)
{
	static const struct piece s[] = {
		REQ("POST /a HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"),
		RSP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 100\r\n\r\n"
		    "2\r\nok\r\n0\r\n\r\n"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin POST /a HTTP/1.1\n"
			    "req anomaly te_and_cl\n"
			    "req#0 headers body=chunked te=chunked cl=4 +keepalive +chunked "
			    "hdrs=2\n"
			    "req#0 body \"hello\"\n"
			    "req#0 complete\n"
			    "req#1 begin GET /smuggled HTTP/1.1\n"
			    "req#1 headers body=none +keepalive hdrs=0\n"
			    "req#1 complete\n"
			    "rsp#0 begin 200 POST HTTP/1.1\n"
			    "rsp anomaly te_and_cl\n"
			    "rsp#0 headers body=chunked te=chunked cl=100 +keepalive +chunked "
			    "hdrs=2\n"
			    "rsp#0 body \"ok\"\n"
			    "rsp#0 complete\n");
	assert_int_equal(REQS->stats.anomalies[APP_HTTP_ANOM_TE_AND_CL], 1);
}

static void
test_http_transfer_encodings_not_ending_in_chunked(void **state)
{
	static const char *const bad_req[] = {
		"gzip", "chunked, gzip", "chunked, chunked", "", "chunkedx",
		"chunked\r\nTransfer-Encoding: chunked",
	};
	char buf[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_req) / sizeof(bad_req[0]); i++) {
		snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nTransfer-Encoding: %s\r\n\r\n",
			 bad_req[i]);
		assert_string_equal(check_req(buf), "req#0 begin POST / HTTP/1.1\n"
						    "req error bad_transfer_encoding\n");
	}
	/* HTTP/1.0 has no transfer codings (RFC 9112 6.1) */
	assert_string_equal(check_req("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
			    "req#0 begin POST / HTTP/1.0\n"
			    "req error bad_transfer_encoding\n");
	/* a response whose last coding is not chunked runs until close */
	assert_string_equal(check_rsp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n"
				      "\r\n\x1f\x8b"),
			    "rsp#0 begin 200 GET HTTP/1.1\n"
			    "rsp#0 headers body=close te=chunked, gzip +keepalive hdrs=1\n"
			    "rsp#0 body \"\\x1f\\x8b\"\n");
	assert_string_equal(check_rsp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED;q=1\r\n"
				      "\r\n1\r\nz\r\n0\r\n\r\n"),
			    "rsp#0 begin 200 GET HTTP/1.1\n"
			    "rsp#0 headers body=chunked te=gzip, CHUNKED;q=1 +keepalive +chunked "
			    "hdrs=1\n"
			    "rsp#0 body \"z\"\n"
			    "rsp#0 complete\n");
}

static void
test_http_missing_crlf_after_chunk_data_is_an_error(void **state)
{
	(void)state;
	assert_string_equal(check_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "5\r\nhelloX\r\n0\r\n\r\n"),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req#0 headers body=chunked te=chunked +keepalive +chunked hdrs=1\n"
			    "req#0 body \"hello\"\n"
			    "req error bad_chunk_end\n");
	assert_req_failed(APP_HTTP_ERR_BAD_CHUNK_END, 7);
	assert_string_equal(check_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "5\r\nhello\r0\r\n\r\n"),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req#0 headers body=chunked te=chunked +keepalive +chunked hdrs=1\n"
			    "req#0 body \"hello\"\n"
			    "req error bad_chunk_end\n");
}

static void
test_http_nul_bytes_in_headers_are_errors(void **state)
{
	static const struct piece name[] = { REQ("GET / HTTP/1.1\r\nHo\0st: h\r\n\r\n") };
	static const struct piece value[] = { REQ("GET / HTTP/1.1\r\nHost: h\0evil\r\n\r\n") };
	static const struct piece line[] = { REQ("GET /\0 HTTP/1.1\r\n\r\n") };
	static const struct piece status[] = {
		REQ("GET / HTTP/1.1\r\n\r\n"), RSP("HTTP/1.1 200 O\0K\r\n\r\n"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, name, 1),
			    "req#0 begin GET / HTTP/1.1\nreq error bad_header\n");
	assert_string_equal(harness_check(NULL, value, 1),
			    "req#0 begin GET / HTTP/1.1\nreq error bad_header\n");
	assert_req_failed(APP_HTTP_ERR_BAD_HEADER, 2);
	assert_string_equal(harness_check(NULL, line, 1), "req error bad_request_line\n");
	assert_int_equal(REQS->stats.messages, 0);
	assert_non_null(strstr(harness_check(NULL, status, 2), "rsp error bad_status_line\n"));
}

static void
test_http_field_syntax_errors(void **state)
{
	static const struct {
		const char *text;
		const char *log;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
		  "req#0 begin GET / HTTP/1.1\nreq error obs_fold\n" },
		{ "GET / HTTP/1.1\r\n Host: h\r\n\r\n",
		  "req#0 begin GET / HTTP/1.1\nreq error obs_fold\n" },
		{ "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
		  "req#0 begin GET / HTTP/1.1\nreq error bad_header\n" },
		{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		  "req#0 begin GET / HTTP/1.1\nreq error bad_header\n" },
		{ "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
		  "req#0 begin GET / HTTP/1.1\nreq error bad_header\n" },
		{ "GET / HTTP/1.1\r\nX: a\x01\r\n\r\n",
		  "req#0 begin GET / HTTP/1.1\nreq error bad_header\n" },
		{ "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
		  "req#0 begin GET / HTTP/1.1\nreq error bad_header\n" },
		{ "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
		  "req#0 begin GET / HTTP/1.1\nreq error bare_cr\n" },
		{ "GET / HTTP/1.1\r\r\n\r\n", "req error bare_cr\n" },
		{ "GET / HTTP/1.1\r\n\r\r\n", "req#0 begin GET / HTTP/1.1\nreq error bare_cr\n" },
		{ "GET /\r\n\r\n", "req error bad_version\n" },
		{ "GET / HTTP/2.0\r\n\r\n", "req error bad_version\n" },
		{ "GET / HTTP/1.1 x\r\n\r\n", "req error bad_request_line\n" },
		{ "GET  / HTTP/1.1\r\n\r\n", "req error bad_request_line\n" },
		{ "GET\t/ HTTP/1.1\r\n\r\n", "req error bad_request_line\n" },
		{ "get / http/1.1\r\n\r\n", "req error bad_request_line\n" },
		{ "GET / HTTP/1.10\r\n\r\n", "req error bad_request_line\n" },
		{ "G(T / HTTP/1.1\r\n\r\n", "req error bad_request_line\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(check_req(cases[i].text), cases[i].log);
	assert_string_equal(check_rsp("HTTP/2 200 OK\r\n\r\n"), "rsp error bad_version\n");
	assert_string_equal(check_rsp("HTTP/1.1 600 Odd\r\n\r\n"), "rsp error bad_status_line\n");
	assert_string_equal(check_rsp("HTTP/1.1 20 OK\r\n\r\n"), "rsp error bad_status_line\n");
	assert_string_equal(check_rsp("HTTP/1.1 200OK\r\n\r\n"), "rsp error bad_status_line\n");
	assert_string_equal(check_rsp("HTTP/1.1 2x0 OK\r\n\r\n"), "rsp error bad_status_line\n");
	assert_string_equal(check_rsp("http/1.1 200 OK\r\n\r\n"), "rsp error bad_status_line\n");
	assert_string_equal(check_rsp("SSH-2.0-OpenSSH_9.2\r\n"), "rsp error bad_status_line\n");
}

/* Random bytes on both sides: one error each, then only counting; no crash, no overread. */
static void
test_http_binary_garbage_goes_raw(void **state)
{
	size_t n = 65536, i;
	char *req = malloc(n), *rsp = malloc(n);
	struct piece s[2];
	uint32_t x = 0x2545f491u;

	(void)state;
	assert_non_null(req);
	assert_non_null(rsp);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		req[i] = (char)(x >> 24);
		rsp[i] = (char)(x >> 16);
	}
	s[0] = req_piece(req, n);
	s[1] = (struct piece){ APP_HTTP_RESPONSE, false, rsp, n };
	harness_check(NULL, s, 2);
	for (i = 0; i < 2; i++) {
		const struct app_http_parser *h = &harness_conn.dir[i];

		assert_int_equal(app_http_mode(h), APP_HTTP_MODE_RAW);
		assert_int_equal(h->stats.errors, 1);
		assert_int_equal(h->stats.messages, 0);
		assert_int_equal(h->stats.bytes, n);
		assert_true(h->stats.raw_bytes > n - APP_HTTP_DEFAULT_MAX_LINE - 2);
	}
	free(req);
	free(rsp);
}

/* Seeded mutations of a conversation: the harness checks every cut against the whole. */
static void
test_http_mutated_conversations_never_depend_on_cuts(void **state)
{
	static const char req[] =
		"POST /f?a=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		"Content-Type: text/plain\r\n\r\n4;x=y\r\nabcd\r\n0\r\nT: 1\r\n\r\n"
		"HEAD / HTTP/1.1\r\nContent-Length: 2\r\n\r\nzz"
		"CONNECT h:1 HTTP/1.1\r\n\r\n";
	static const char rsp[] =
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"HTTP/1.1 200 OK\r\n\r\nxyz";
	char mreq[sizeof(req) + 8], mrsp[sizeof(rsp) + 8];
	uint32_t x = 12345;
	unsigned int counts[4] = { 0 };
	int round;

	(void)state;
	for (round = 0; round < 300; round++) {
		struct piece s[3];
		size_t nq = sizeof(req) - 1, ns = sizeof(rsp) - 1;
		int k;

		memcpy(mreq, req, nq);
		memcpy(mrsp, rsp, ns);
		for (k = 0; k < 3; k++) {
			char *b = (k & 1) ? mrsp : mreq;
			size_t len = (k & 1) ? ns : nq;

			x = x * 1103515245u + 12345u;
			b[(x >> 8) % len] = "\r\n:; \0\x80" "Aa0F-"[(x >> 4) % 12];
		}
		s[0] = req_piece(mreq, nq);
		s[1] = (struct piece){ APP_HTTP_RESPONSE, false, mrsp, ns };
		s[2] = (struct piece){ APP_HTTP_RESPONSE, true, NULL, 0 };
		harness_check(NULL, s, 3);
		counts[app_http_mode(REQS)]++;
		counts[app_http_mode(RSPS)]++;
	}
	/* the mutations reach more than one outcome */
	assert_true(counts[APP_HTTP_MODE_RAW] > 50);
	assert_true(counts[APP_HTTP_MODE_TUNNEL] + counts[APP_HTTP_MODE_HTTP] +
		    counts[APP_HTTP_MODE_CLOSED] > 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_100k_header_line_is_a_limit_error),
		cmocka_unit_test(test_http_line_limit_is_exact),
		cmocka_unit_test(test_http_10000_headers_is_a_limit_error),
		cmocka_unit_test(test_http_header_section_over_max_bytes_is_a_limit_error),
		cmocka_unit_test(test_http_flood_of_empty_lines_is_a_limit_error),
		cmocka_unit_test(test_http_too_many_trailers_is_a_limit_error),
		cmocka_unit_test(test_http_bad_content_lengths_are_errors),
		cmocka_unit_test(test_http_largest_content_length_is_accepted),
		cmocka_unit_test(test_http_conflicting_duplicate_content_length_is_an_error),
		cmocka_unit_test(test_http_chunk_size_overflowing_64_bits_is_an_error),
		cmocka_unit_test(test_http_bad_chunk_size_lines_are_errors),
		cmocka_unit_test(test_http_chunk_extension_over_max_line_is_a_limit_error),
		cmocka_unit_test(test_http_te_with_content_length_is_chunked_and_flagged),
		cmocka_unit_test(test_http_transfer_encodings_not_ending_in_chunked),
		cmocka_unit_test(test_http_missing_crlf_after_chunk_data_is_an_error),
		cmocka_unit_test(test_http_nul_bytes_in_headers_are_errors),
		cmocka_unit_test(test_http_field_syntax_errors),
		cmocka_unit_test(test_http_binary_garbage_goes_raw),
		cmocka_unit_test(test_http_mutated_conversations_never_depend_on_cuts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
