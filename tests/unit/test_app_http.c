/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the streaming HTTP/1.x parser (dataplane/app_http.c; RFC 9112, RFC 9110):
 * messages, their fields and their body framing (how answers are matched to requests,
 * and tunnels, are in test_app_http_link.c). Every script goes through harness_check(),
 * which plays it whole, cut in two at every offset of every piece, and byte by byte, and
 * fails unless all of those give the same event log (body events merged), counters and
 * link state; each test then asserts the exact log. Hostile input is in
 * test_app_http_hostile.c.
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

static void
test_http_get_without_body_has_no_body_events(void **state)
{
	static const struct piece s[] = {
		REQ("GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\n"
		    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET /index.html?q=1 HTTP/1.1\n"
			    "req#0 headers body=none host=www.example.com +keepalive hdrs=3\n"
			    "req#0 complete\n");
	assert_int_equal(REQS->stats.messages, 1);
	assert_int_equal(REQS->stats.completed, 1);
	assert_int_equal(REQS->stats.body_bytes, 0);
	assert_int_equal(app_http_mode(REQS), APP_HTTP_MODE_HTTP);
	assert_int_equal(harness_conn.link.count, 1);	/* awaiting its answer */
}

static void
test_http_post_with_content_length_delivers_body(void **state)
{
	static const struct piece s[] = {
		REQ("POST /api/users HTTP/1.1\r\nHost: api.example.com\r\n"
		    "Content-Type: application/x-www-form-urlencoded\r\n"
		    "Content-Length: 38\r\n\r\n"
		    "name=Jane+Doe&email=jane%40example.com"),
		RSP("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin POST /api/users HTTP/1.1\n"
			    "req#0 headers body=length host=api.example.com "
			    "ct=application/x-www-form-urlencoded cl=38 +keepalive hdrs=3\n"
			    "req#0 body \"name=Jane+Doe&email=jane%40example.com\"\n"
			    "req#0 complete\n"
			    "rsp#0 begin 201 POST HTTP/1.1\n"
			    "rsp#0 headers body=length cl=2 +keepalive hdrs=1\n"
			    "rsp#0 body \"ok\"\n"
			    "rsp#0 complete\n");
	assert_int_equal(REQS->stats.body_bytes, 38);
	assert_int_equal(harness_conn.link.count, 0);
}

static void
test_http_chunked_with_extensions_and_trailers_is_dechunked(void **state)
{
	static const struct piece s[] = {
		REQ("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
		    "Trailer: X-Checksum\r\n\r\n"
		    "7;name=value;flag\r\nabc=123\r\n"
		    "0000A ; ext=\"quoted; string\"\r\n&def=45678\r\n"
		    "0;last\r\nX-Checksum: 1234\r\nX-Other: y\r\n\r\n"
		    "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin POST /upload HTTP/1.1\n"
			    "req#0 headers body=chunked host=h te=chunked +keepalive +chunked "
			    "hdrs=3\n"
			    "req#0 body \"abc=123&def=45678\"\n"
			    "req#0 complete\n"
			    "req#1 begin GET /next HTTP/1.1\n"
			    "req#1 headers body=none host=h +keepalive hdrs=1\n"
			    "req#1 complete\n");
	assert_int_equal(REQS->stats.body_bytes, 17);
}

/* The miss: a card number that a chunk-size line cuts in two. */
static void
test_http_chunk_boundary_inside_a_value_gives_contiguous_body(void **state)
{
	static const struct piece s[] = {
		REQ("PUT /profile HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n"
		    "11\r\n{\"card\":\"4111 111\r\n"
		    "3\r\n1 1\r\n"
		    "b\r\n111 1111\"}\n\r\n"
		    "0\r\n\r\n"),
	};
	const char *log;

	(void)state;
	log = harness_check(NULL, s, NPIECES(s));
	assert_string_equal(log,
			    "req#0 begin PUT /profile HTTP/1.1\n"
			    "req#0 headers body=chunked host=h ct=application/json te=chunked "
			    "+keepalive +chunked hdrs=3\n"
			    "req#0 body \"{\\\"card\\\":\\\"4111 1111 1111 1111\\\"}\\n\"\n"
			    "req#0 complete\n");
	assert_int_equal(REQS->stats.body_bytes, 0x11 + 3 + 0xb);
}

static void
test_http_pipelined_requests_in_one_buffer(void **state)
{
	static const struct piece s[] = {
		REQ("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
		    "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
		    "HEAD /c HTTP/1.1\r\nHost: h\r\n\r\n"
		    "DELETE /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET /a HTTP/1.1\n"
			    "req#0 headers body=none host=h +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "req#1 begin POST /b HTTP/1.1\n"
			    "req#1 headers body=length host=h cl=3 +keepalive hdrs=2\n"
			    "req#1 body \"xyz\"\n"
			    "req#1 complete\n"
			    "req#2 begin HEAD /c HTTP/1.1\n"
			    "req#2 headers body=none host=h +keepalive hdrs=1\n"
			    "req#2 complete\n"
			    "req#3 begin DELETE /d HTTP/1.1\n"
			    "req#3 headers body=none host=h conn=close hdrs=2\n"
			    "req#3 complete\n");
	assert_int_equal(REQS->stats.completed, 4);
	assert_int_equal(harness_conn.link.count, 4);
}

static void
test_http_response_without_length_is_read_until_close(void **state)
{
	static const struct piece s[] = {
		REQ("GET /stream HTTP/1.1\r\nHost: h\r\n\r\n"),
		RSP("HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n"
		    "name,iban\r\nJane,DE89370400440532013000\r\n"),
		RSP("HTTP/1.1 200 OK\r\n\r\n"),	/* body bytes, however they look */
		RSP_EOF,
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET /stream HTTP/1.1\n"
			    "req#0 headers body=none host=h +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "rsp#0 begin 200 GET HTTP/1.1\n"
			    "rsp#0 headers body=close ct=text/csv conn=close hdrs=2\n"
			    "rsp#0 body \"name,iban\\r\\nJane,DE89370400440532013000\\r\\n"
			    "HTTP/1.1 200 OK\\r\\n\\r\\n\"\n"
			    "rsp#0 complete\n");
	assert_int_equal(app_http_mode(RSPS), APP_HTTP_MODE_CLOSED);
	assert_int_equal(RSPS->stats.body_bytes, 40 + 19);
}

static void
test_http_1_0_request_and_response(void **state)
{
	static const struct piece s[] = {
		REQ("GET /old HTTP/1.0\r\nUser-Agent: Wget/1.0\r\n\r\n"),
		RSP("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>bye</html>"),
		RSP_EOF,
		REQ_EOF,
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET /old HTTP/1.0\n"
			    "req#0 headers body=none hdrs=1\n"
			    "req#0 complete\n"
			    "rsp#0 begin 200 GET HTTP/1.0\n"
			    "rsp#0 headers body=close ct=text/html hdrs=1\n"
			    "rsp#0 body \"<html>bye</html>\"\n"
			    "rsp#0 complete\n");
}

static void
test_http_1_0_keep_alive_with_content_length(void **state)
{
	static const struct piece s[] = {
		REQ("GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"
		    "GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
		RSP("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nA"
		    "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nB"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET /a HTTP/1.0\n"
			    "req#0 headers body=none conn=Keep-Alive +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "req#1 begin GET /b HTTP/1.0\n"
			    "req#1 headers body=none conn=keep-alive +keepalive hdrs=1\n"
			    "req#1 complete\n"
			    "rsp#0 begin 200 GET HTTP/1.0\n"
			    "rsp#0 headers body=length cl=1 conn=keep-alive +keepalive hdrs=2\n"
			    "rsp#0 body \"A\"\n"
			    "rsp#0 complete\n"
			    "rsp#1 begin 200 GET HTTP/1.0\n"
			    "rsp#1 headers body=length cl=1 hdrs=1\n"
			    "rsp#1 body \"B\"\n"
			    "rsp#1 complete\n");
}

/* Recorded fields: names in any case, OWS trimmed, lists joined, first Host kept. */
static void
test_http_recorded_fields_are_trimmed_joined_and_case_insensitive(void **state)
{
	static const struct piece s[] = {
		REQ("POST /up HTTP/1.1\r\nHOST:\t h.example \r\ncontent-TYPE: multipart/form-data;"
		    " boundary=xyz\r\nContent-Encoding: gzip\r\ncontent-encoding:\r\n"
		    "Content-Encoding: br \r\nContent-Disposition: attachment; filename=\"a b.csv\""
		    "\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin POST /up HTTP/1.1\n"
			    "req#0 headers body=length host=h.example "
			    "ct=multipart/form-data; boundary=xyz ce=gzip, br cl=0 "
			    "cd=attachment; filename=\"a b.csv\" expect=100-continue +keepalive "
			    "+continue hdrs=8\n"
			    "req#0 complete\n");
}

/* RFC 9110 8.6: a list of one value repeated may be read as that value. */
static void
test_http_content_length_list_of_equal_values_is_accepted(void **state)
{
	static const struct piece s[] = {
		REQ("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 003\r\n\r\nabc"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req#0 headers body=length cl=3 +keepalive hdrs=2\n"
			    "req#0 body \"abc\"\n"
			    "req#0 complete\n");
}

static void
test_http_duplicate_host_is_an_anomaly_and_first_is_kept(void **state)
{
	static const struct piece s[] = {
		REQ("GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET / HTTP/1.1\n"
			    "req anomaly duplicate_host\n"
			    "req#0 headers body=none host=a.example +keepalive hdrs=2\n"
			    "req#0 complete\n");
	assert_int_equal(REQS->stats.anomalies[APP_HTTP_ANOM_DUPLICATE_HOST], 1);
}

/* A URL longer than its copy is cut to APP_HTTP_URL_LEN - 1 bytes and flagged, once. */
static void
test_http_long_url_is_cut_and_flagged(void **state)
{
	static char req[APP_HTTP_URL_LEN + 64];
	struct piece s[1];
	size_t n;

	(void)state;
	n = (size_t)snprintf(req, sizeof(req), "GET /");
	memset(req + n, 'u', APP_HTTP_URL_LEN);
	n += APP_HTTP_URL_LEN;
	n += (size_t)snprintf(req + n, sizeof(req) - n, " HTTP/1.1\r\n\r\n");
	s[0] = (struct piece){ APP_HTTP_REQUEST, false, req, n };
	harness_check(NULL, s, 1);
	assert_int_equal(strlen(REQS->msg.url), APP_HTTP_URL_LEN - 1);
	assert_int_equal(REQS->msg.truncated, APP_HTTP_TRUNC_URL);
	assert_int_equal(REQS->stats.anomalies[APP_HTTP_ANOM_FIELD_TRUNCATED], 1);
	assert_non_null(strstr(harness_run(NULL, s, 1), "req anomaly field_truncated\n"));
	assert_int_equal(REQS->stats.completed, 1);
}

/* RFC 9112 2.2: empty lines before a request line are skipped; a lone LF ends lines. */
static void
test_http_empty_lines_and_bare_lf_line_ends_are_accepted(void **state)
{
	static const struct piece s[] = {
		REQ("\r\n\nGET /lf HTTP/1.1\nHost: h\n\nPOST /x HTTP/1.1\r\nContent-Length: 1\n"
		    "\r\nZ"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET /lf HTTP/1.1\n"
			    "req#0 headers body=none host=h +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "req#1 begin POST /x HTTP/1.1\n"
			    "req#1 headers body=length cl=1 +keepalive hdrs=1\n"
			    "req#1 body \"Z\"\n"
			    "req#1 complete\n");
}

static void
test_http_status_line_without_reason_is_accepted(void **state)
{
	static const struct piece s[] = {
		REQ("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
		RSP("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\nHTTP/1.1 404 \r\n"
		    "Content-Length: 0\r\n\r\n"),
	};
	const char *log;

	(void)state;
	log = harness_check(NULL, s, NPIECES(s));
	assert_non_null(strstr(log, "rsp#0 begin 200 GET HTTP/1.1\nrsp#0 headers body=length"));
	assert_non_null(strstr(log, "rsp#1 begin 404 GET HTTP/1.1\nrsp#1 headers body=length"));
	assert_int_equal(RSPS->stats.completed, 2);
}

static void
test_http_eof_inside_a_message_is_truncated(void **state)
{
	static const struct piece s[] = {
		REQ("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345"),
		REQ_EOF,
		RSP("HTTP/1.1 2"),
		RSP_EOF,
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin POST / HTTP/1.1\n"
			    "req#0 headers body=length cl=10 +keepalive hdrs=1\n"
			    "req#0 body \"12345\"\n"
			    "req error truncated\n"
			    "rsp error truncated\n");
	assert_int_equal(app_http_mode(REQS), APP_HTTP_MODE_RAW);
}

static void
test_http_eof_between_messages_closes_quietly(void **state)
{
	static const struct piece s[] = {
		REQ("GET / HTTP/1.1\r\n\r\n\r"),
		REQ_EOF,
		REQ("late"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET / HTTP/1.1\n"
			    "req#0 headers body=none +keepalive hdrs=0\n"
			    "req#0 complete\n");
	assert_int_equal(app_http_mode(REQS), APP_HTTP_MODE_CLOSED);
	assert_int_equal(REQS->stats.raw_bytes, 4);
	assert_int_equal(REQS->stats.errors, 0);
}

static void
test_http_gap_switches_the_direction_to_raw(void **state)
{
	struct app_http_conn *c = &harness_conn;
	struct app_http_conf conf;
	struct app_http_callbacks cb;
	static const char part[] = "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc";

	(void)state;
	memset(&cb, 0, sizeof(cb));
	app_http_conf_default(&conf);
	assert_int_equal(app_http_conn_init(c, &conf, &cb, NULL), 0);
	assert_int_equal(app_http_feed(&c->dir[0], (const uint8_t *)part, sizeof(part) - 1),
			 APP_HTTP_MODE_HTTP);
	app_http_gap(&c->dir[0]);
	assert_int_equal(app_http_mode(&c->dir[0]), APP_HTTP_MODE_RAW);
	assert_int_equal(c->dir[0].err, APP_HTTP_ERR_GAP);
	assert_int_equal(app_http_feed(&c->dir[0], (const uint8_t *)"xyz", 3), APP_HTTP_MODE_RAW);
	assert_int_equal(c->dir[0].stats.raw_bytes, 3);
	assert_int_equal(c->dir[0].stats.body_bytes, 3);
	app_http_gap(&c->dir[0]);	/* once raw, nothing more is counted */
	assert_int_equal(c->dir[0].stats.errors, 1);
}

/*
 * Bytes real programs sent, recorded by a Python socket listener on 127.0.0.1: curl 7.88.1
 * with `-F "file=@pd.csv;type=text/csv" -F note=hi` and with `-H "Transfer-Encoding:
 * chunked" --data-binary @pd.csv`, and Python 3.11's `http.server` answering a GET.
 */
static void
test_http_messages_from_curl_and_python_http_server(void **state)
{
	static const struct piece multipart[] = {
		REQ("POST /upload HTTP/1.1\r\nHost: 127.0.0.1:18081\r\nUser-Agent: curl/7.88.1\r\n"
		    "Accept: */*\r\nContent-Length: 312\r\nContent-Type: multipart/form-data; "
		    "boundary=------------------------c09b0c00fa5db8d5\r\n\r\n"
		    "--------------------------c09b0c00fa5db8d5\r\nContent-Disposition: form-data; "
		    "name=\"file\"; filename=\"pd.csv\"\r\nContent-Type: text/csv\r\n\r\n"
		    "name,card\nJane,4111 1111 1111 1111\n\r\n"
		    "--------------------------c09b0c00fa5db8d5\r\nContent-Disposition: form-data; "
		    "name=\"note\"\r\n\r\nhi\r\n--------------------------c09b0c00fa5db8d5--\r\n"),
	};
	static const struct piece chunked[] = {
		REQ("POST /chunked HTTP/1.1\r\nHost: 127.0.0.1:18081\r\nUser-Agent: curl/7.88.1\r\n"
		    "Accept: */*\r\nTransfer-Encoding: chunked\r\n"
		    "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
		    "23\r\nname,card\nJane,4111 1111 1111 1111\n\r\n0\r\n\r\n"),
	};
	static const struct piece python[] = {
		REQ("GET /pd.csv HTTP/1.1\r\nHost: 127.0.0.1:18082\r\n\r\n"),
		RSP("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\n"
		    "Date: Fri, 04 Dec 2026 14:15:24 GMT\r\nContent-type: text/csv\r\n"
		    "Content-Length: 35\r\nLast-Modified: Fri, 04 Dec 2026 14:15:23 GMT\r\n\r\n"
		    "name,card\nJane,4111 1111 1111 1111\n"),
		RSP_EOF,
	};

	(void)state;
	assert_string_equal(strstr(harness_check(NULL, multipart, 1), "req#0 headers"),
			    "req#0 headers body=length host=127.0.0.1:18081 "
			    "ct=multipart/form-data; boundary=------------------------"
			    "c09b0c00fa5db8d5 cl=312 +keepalive hdrs=5\n"
			    "req#0 body \"--------------------------c09b0c00fa5db8d5\\r\\n"
			    "Content-Disposition: form-data; name=\\\"file\\\"; "
			    "filename=\\\"pd.csv\\\"\\r\\nContent-Type: text/csv\\r\\n\\r\\n"
			    "name,card\\nJane,4111 1111 1111 1111\\n\\r\\n"
			    "--------------------------c09b0c00fa5db8d5\\r\\nContent-Disposition: "
			    "form-data; name=\\\"note\\\"\\r\\n\\r\\nhi\\r\\n"
			    "--------------------------c09b0c00fa5db8d5--\\r\\n\"\n"
			    "req#0 complete\n");
	assert_int_equal(REQS->stats.body_bytes, 312);
	assert_string_equal(harness_check(NULL, chunked, 1),
			    "req#0 begin POST /chunked HTTP/1.1\n"
			    "req#0 headers body=chunked host=127.0.0.1:18081 "
			    "ct=application/x-www-form-urlencoded te=chunked +keepalive +chunked "
			    "hdrs=5\n"
			    "req#0 body \"name,card\\nJane,4111 1111 1111 1111\\n\"\n"
			    "req#0 complete\n");
	assert_string_equal(harness_check(NULL, python, NPIECES(python)),
			    "req#0 begin GET /pd.csv HTTP/1.1\n"
			    "req#0 headers body=none host=127.0.0.1:18082 +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "rsp#0 begin 200 GET HTTP/1.0\n"
			    "rsp#0 headers body=length ct=text/csv cl=35 hdrs=5\n"
			    "rsp#0 body \"name,card\\nJane,4111 1111 1111 1111\\n\"\n"
			    "rsp#0 complete\n");
	assert_int_equal(app_http_mode(RSPS), APP_HTTP_MODE_CLOSED);
}

static void
test_http_conf_check_names_the_bad_limit(void **state)
{
	static struct app_http_parser h;
	struct app_http_conf conf;
	struct app_http_callbacks cb;
	const char *field = "x";

	(void)state;
	memset(&cb, 0, sizeof(cb));
	app_http_conf_default(&conf);
	assert_int_equal(app_http_conf_check(&conf, &field), 0);
	assert_null(field);
	conf.max_line = APP_HTTP_LINE_MAX + 1;
	assert_int_equal(app_http_conf_check(&conf, &field), -EINVAL);
	assert_string_equal(field, "max_line");
	assert_int_equal(app_http_init(&h, APP_HTTP_REQUEST, &conf, &cb, NULL, NULL), -EINVAL);
	assert_int_equal(app_http_feed(&h, (const uint8_t *)"GET", 3), APP_HTTP_MODE_RAW);
	app_http_conf_default(&conf);
	conf.max_headers = 0;
	assert_int_equal(app_http_conf_check(&conf, &field), -EINVAL);
	assert_string_equal(field, "max_headers");
	app_http_conf_default(&conf);
	conf.max_header_bytes = 0;
	assert_int_equal(app_http_conf_check(&conf, &field), -EINVAL);
	assert_string_equal(field, "max_header_bytes");
	assert_int_equal(app_http_init(&h, 7, &conf, &cb, NULL, NULL), -EINVAL);
	assert_int_equal(app_http_init(&h, APP_HTTP_REQUEST, &conf, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(app_http_init(NULL, APP_HTTP_REQUEST, &conf, &cb, NULL, NULL), -EINVAL);
}

static void
test_http_names_of_errors_anomalies_and_methods(void **state)
{
	int i;

	(void)state;
	assert_string_equal(app_http_err_name(APP_HTTP_ERR_CHUNK_SIZE_OVERFLOW),
			    "chunk_size_overflow");
	assert_string_equal(app_http_err_name(APP_HTTP_ERR_COUNT), "unknown");
	assert_string_equal(app_http_anom_name(APP_HTTP_ANOM_TE_AND_CL), "te_and_cl");
	assert_string_equal(app_http_anom_name(APP_HTTP_ANOM_COUNT), "unknown");
	assert_string_equal(app_http_method_name(APP_HTTP_M_PATCH), "PATCH");
	assert_string_equal(app_http_method_name((enum app_http_method)99), "unknown");
	for (i = 0; i < APP_HTTP_ERR_COUNT; i++)
		assert_string_not_equal(app_http_err_name((enum app_http_err)i), "unknown");
	for (i = 0; i < APP_HTTP_ANOM_COUNT; i++)
		assert_string_not_equal(app_http_anom_name((enum app_http_anom)i), "unknown");
	assert_true(app_http_err_is_limit(APP_HTTP_ERR_LINE_TOO_LONG));
	assert_true(app_http_err_is_limit(APP_HTTP_ERR_TOO_MANY_HEADERS));
	assert_true(app_http_err_is_limit(APP_HTTP_ERR_HEADERS_TOO_BIG));
	assert_false(app_http_err_is_limit(APP_HTTP_ERR_BAD_HEADER));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_get_without_body_has_no_body_events),
		cmocka_unit_test(test_http_post_with_content_length_delivers_body),
		cmocka_unit_test(test_http_chunked_with_extensions_and_trailers_is_dechunked),
		cmocka_unit_test(test_http_chunk_boundary_inside_a_value_gives_contiguous_body),
		cmocka_unit_test(test_http_pipelined_requests_in_one_buffer),
		cmocka_unit_test(test_http_response_without_length_is_read_until_close),
		cmocka_unit_test(test_http_1_0_request_and_response),
		cmocka_unit_test(test_http_1_0_keep_alive_with_content_length),
		cmocka_unit_test(test_http_recorded_fields_are_trimmed_joined_and_case_insensitive),
		cmocka_unit_test(test_http_content_length_list_of_equal_values_is_accepted),
		cmocka_unit_test(test_http_duplicate_host_is_an_anomaly_and_first_is_kept),
		cmocka_unit_test(test_http_long_url_is_cut_and_flagged),
		cmocka_unit_test(test_http_empty_lines_and_bare_lf_line_ends_are_accepted),
		cmocka_unit_test(test_http_status_line_without_reason_is_accepted),
		cmocka_unit_test(test_http_eof_inside_a_message_is_truncated),
		cmocka_unit_test(test_http_eof_between_messages_closes_quietly),
		cmocka_unit_test(test_http_gap_switches_the_direction_to_raw),
		cmocka_unit_test(test_http_messages_from_curl_and_python_http_server),
		cmocka_unit_test(test_http_conf_check_names_the_bad_limit),
		cmocka_unit_test(test_http_names_of_errors_anomalies_and_methods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
