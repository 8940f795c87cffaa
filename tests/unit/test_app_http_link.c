/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the streaming HTTP/1.x parser (dataplane/app_http.c; RFC 9112, RFC 9110):
 * both directions of a connection and the link between them: answers matched to their
 * requests (HEAD, 1xx, 204/304), CONNECT and Upgrade tunnels, the FIFO of pending
 * requests, a direction on its own. Every script goes through harness_check(), which
 * plays it whole, cut in two at every offset of every piece, and byte by byte, and fails
 * unless all of those give the same event log (body events merged), counters and link
 * state; each test then asserts the exact log. One direction's messages are tested in
 * test_app_http.c, hostile input in test_app_http_hostile.c.
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

/* Pipelined answers in one piece, each matched to its request: HEAD's has no body. */
static void
test_http_keep_alive_responses_are_matched_to_their_requests(void **state)
{
	static const struct piece s[] = {
		REQ("GET /a HTTP/1.1\r\nHost: h\r\n\r\nHEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"
		    "GET /c HTTP/1.1\r\nHost: h\r\n\r\n"),
		RSP("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n"
		    "hello"
		    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nbye\r\n0\r\n\r\n"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET /a HTTP/1.1\n"
			    "req#0 headers body=none host=h +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "req#1 begin HEAD /b HTTP/1.1\n"
			    "req#1 headers body=none host=h +keepalive hdrs=1\n"
			    "req#1 complete\n"
			    "req#2 begin GET /c HTTP/1.1\n"
			    "req#2 headers body=none host=h +keepalive hdrs=1\n"
			    "req#2 complete\n"
			    "rsp#0 begin 200 GET HTTP/1.1\n"
			    "rsp#0 headers body=length ct=text/plain cl=5 +keepalive hdrs=2\n"
			    "rsp#0 body \"hello\"\n"
			    "rsp#0 complete\n"
			    "rsp#1 begin 200 HEAD HTTP/1.1\n"
			    "rsp#1 headers body=none cl=5 +keepalive hdrs=1\n"
			    "rsp#1 complete\n"
			    "rsp#2 begin 200 GET HTTP/1.1\n"
			    "rsp#2 headers body=chunked te=chunked +keepalive +chunked hdrs=1\n"
			    "rsp#2 body \"bye\"\n"
			    "rsp#2 complete\n");
	assert_int_equal(harness_conn.link.count, 0);
	assert_int_equal(RSPS->stats.anomalies[APP_HTTP_ANOM_UNMATCHED_RESPONSE], 0);
}

static void
test_http_head_response_with_content_length_has_no_body(void **state)
{
	static const struct piece s[] = {
		REQ("HEAD /big.iso HTTP/1.1\r\nHost: h\r\n\r\n"),
		RSP("HTTP/1.1 200 OK\r\nContent-Length: 4700000000\r\n"
		    "Content-Type: application/octet-stream\r\n\r\n"),
		REQ("GET /small HTTP/1.1\r\nHost: h\r\n\r\n"),
		RSP("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin HEAD /big.iso HTTP/1.1\n"
			    "req#0 headers body=none host=h +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "rsp#0 begin 200 HEAD HTTP/1.1\n"
			    "rsp#0 headers body=none ct=application/octet-stream cl=4700000000 "
			    "+keepalive hdrs=2\n"
			    "rsp#0 complete\n"
			    "req#1 begin GET /small HTTP/1.1\n"
			    "req#1 headers body=none host=h +keepalive hdrs=1\n"
			    "req#1 complete\n"
			    "rsp#1 begin 200 GET HTTP/1.1\n"
			    "rsp#1 headers body=length cl=2 +keepalive hdrs=1\n"
			    "rsp#1 body \"hi\"\n"
			    "rsp#1 complete\n");
}

static void
test_http_204_and_304_have_no_body(void **state)
{
	static const struct piece s[] = {
		REQ("DELETE /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n"
		    "If-None-Match: \"abc\"\r\n\r\nGET /z HTTP/1.1\r\nHost: h\r\n\r\n"),
		RSP("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
		    "HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\nETag: \"abc\"\r\n\r\n"
		    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin DELETE /x HTTP/1.1\n"
			    "req#0 headers body=none host=h +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "req#1 begin GET /y HTTP/1.1\n"
			    "req#1 headers body=none host=h +keepalive hdrs=2\n"
			    "req#1 complete\n"
			    "req#2 begin GET /z HTTP/1.1\n"
			    "req#2 headers body=none host=h +keepalive hdrs=1\n"
			    "req#2 complete\n"
			    "rsp#0 begin 204 DELETE HTTP/1.1\n"
			    "rsp#0 headers body=none cl=0 +keepalive hdrs=1\n"
			    "rsp#0 complete\n"
			    "rsp#1 begin 304 GET HTTP/1.1\n"
			    "rsp#1 headers body=none cl=1234 +keepalive hdrs=2\n"
			    "rsp#1 complete\n"
			    "rsp#2 begin 200 GET HTTP/1.1\n"
			    "rsp#2 headers body=length cl=3 +keepalive hdrs=1\n"
			    "rsp#2 body \"new\"\n"
			    "rsp#2 complete\n");
}

/* RFC 9110 10.1.1: the client waits for 100 before the body; 100 is its own message. */
static void
test_http_expect_100_continue_then_final_response(void **state)
{
	static const struct piece s[] = {
		REQ("POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n"
		    "Expect: 100-Continue\r\n\r\n"),
		RSP("HTTP/1.1 100 Continue\r\n\r\n"),
		REQ("ssn=1234"),
		RSP("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin POST /form HTTP/1.1\n"
			    "req#0 headers body=length host=h cl=8 expect=100-Continue +keepalive "
			    "+continue hdrs=3\n"
			    "rsp#0 begin 100 POST HTTP/1.1\n"
			    "rsp#0 headers body=none +keepalive +interim hdrs=0\n"
			    "rsp#0 complete\n"
			    "req#0 body \"ssn=1234\"\n"
			    "req#0 complete\n"
			    "rsp#0 begin 200 POST HTTP/1.1\n"
			    "rsp#0 headers body=length cl=4 +keepalive hdrs=1\n"
			    "rsp#0 body \"done\"\n"
			    "rsp#0 complete\n");
	assert_int_equal(RSPS->stats.completed, 2);
	assert_int_equal(RSPS->next_txn, 1);
}

static void
test_http_connect_200_makes_both_directions_opaque(void **state)
{
	static const struct piece s[] = {
		REQ("CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n"),
		RSP("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03\x00\x02"),
		REQ("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03GET / HTTP/1.1\r\n\r\n"),
		RSP("more opaque"),
		REQ_EOF,
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin CONNECT api.example.com:443 HTTP/1.1\n"
			    "req#0 headers body=none host=api.example.com:443 +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "rsp#0 begin 200 CONNECT HTTP/1.1\n"
			    "rsp#0 headers body=tunnel +keepalive hdrs=0\n"
			    "rsp#0 complete\n"
			    "rsp tunnel\n"
			    "req tunnel\n");
	assert_int_equal(app_http_mode(REQS), APP_HTTP_MODE_TUNNEL);
	assert_int_equal(app_http_mode(RSPS), APP_HTTP_MODE_TUNNEL);
	assert_int_equal(REQS->stats.tunnel_bytes, 29);
	assert_int_equal(RSPS->stats.tunnel_bytes, 5 + 11);
	assert_int_equal(REQS->stats.errors + RSPS->stats.errors, 0);
}

/* 407: the tunnel is refused and the client retries with credentials on the connection. */
static void
test_http_connect_refused_goes_on_parsing(void **state)
{
	static const struct piece s[] = {
		REQ("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
		RSP("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 6\r\n\r\n"
		    "denied"),
		REQ("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nProxy-Authorization: Basic eDp5\r\n"
		    "\r\n"),
		RSP("HTTP/1.1 200 OK\r\n\r\n"),
		REQ("\x16\x03\x01"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin CONNECT h:443 HTTP/1.1\n"
			    "req#0 headers body=none host=h:443 +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "rsp#0 begin 407 CONNECT HTTP/1.1\n"
			    "rsp#0 headers body=length cl=6 +keepalive hdrs=1\n"
			    "rsp#0 body \"denied\"\n"
			    "rsp#0 complete\n"
			    "req#1 begin CONNECT h:443 HTTP/1.1\n"
			    "req#1 headers body=none host=h:443 +keepalive hdrs=2\n"
			    "req#1 complete\n"
			    "rsp#1 begin 200 CONNECT HTTP/1.1\n"
			    "rsp#1 headers body=tunnel +keepalive hdrs=0\n"
			    "rsp#1 complete\n"
			    "rsp tunnel\n"
			    "req tunnel\n");
}

/* Bytes after CONNECT before any answer: the client expects a tunnel; so does the parser. */
static void
test_http_bytes_after_connect_before_its_answer_are_a_speculative_tunnel(void **state)
{
	static const struct piece s[] = {
		REQ("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n\x16\x03\x01"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin CONNECT h:443 HTTP/1.1\n"
			    "req#0 headers body=none host=h:443 +keepalive hdrs=1\n"
			    "req#0 complete\n"
			    "req anomaly speculative_tunnel\n"
			    "req tunnel\n");
	assert_int_equal(REQS->stats.tunnel_bytes, 3);
}

static void
test_http_websocket_upgrade_101_makes_both_directions_opaque(void **state)
{
	static const struct piece s[] = {
		REQ("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
		    "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"),
		RSP("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		    "Connection: Upgrade\r\n\r\n\x81\x05hello"),
		REQ("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET /chat HTTP/1.1\n"
			    "req#0 headers body=none host=h conn=keep-alive, Upgrade +keepalive "
			    "+upgrade hdrs=4\n"
			    "req#0 complete\n"
			    "rsp#0 begin 101 GET HTTP/1.1\n"
			    "rsp#0 headers body=tunnel conn=Upgrade +keepalive +interim hdrs=2\n"
			    "rsp#0 complete\n"
			    "rsp tunnel\n"
			    "req tunnel\n");
	assert_int_equal(REQS->stats.tunnel_bytes, 11);
	assert_int_equal(RSPS->stats.tunnel_bytes, 7);
}

/* A server that ignores the Upgrade answers normally and the connection stays HTTP. */
static void
test_http_upgrade_answered_with_200_stays_http(void **state)
{
	static const struct piece s[] = {
		REQ("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\n"
		    "Connection: Upgrade, HTTP2-Settings\r\n"
		    "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"),
		RSP("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"),
		REQ("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "req#0 begin GET / HTTP/1.1\n"
			    "req#0 headers body=none host=h conn=Upgrade, HTTP2-Settings "
			    "+keepalive +upgrade hdrs=4\n"
			    "req#0 complete\n"
			    "rsp#0 begin 200 GET HTTP/1.1\n"
			    "rsp#0 headers body=length cl=1 +keepalive hdrs=1\n"
			    "rsp#0 body \"x\"\n"
			    "rsp#0 complete\n"
			    "req#1 begin GET /2 HTTP/1.1\n"
			    "req#1 headers body=none host=h +keepalive hdrs=1\n"
			    "req#1 complete\n");
}

/* Requests past the FIFO are answered, in order, as "method unknown". */
static void
test_http_fifo_overflow_keeps_responses_in_order(void **state)
{
	static char reqs[4096], rsps[4096];
	struct piece s[2];
	size_t rn = 0, sn = 0;
	const char *log;
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		rn += (size_t)snprintf(reqs + rn, sizeof(reqs) - rn, "%s /%d HTTP/1.1\r\n\r\n",
				       i == 0 ? "HEAD" : "GET", i);
		sn += (size_t)snprintf(rsps + sn, sizeof(rsps) - sn,
				       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	}
	s[0] = (struct piece){ APP_HTTP_REQUEST, false, reqs, rn };
	s[1] = (struct piece){ APP_HTTP_RESPONSE, false, rsps, sn };
	log = harness_check(NULL, s, 2);
	assert_non_null(strstr(log, "rsp#0 begin 200 HEAD HTTP/1.1\n"));
	assert_non_null(strstr(log, "rsp#15 begin 200 GET HTTP/1.1\n"));
	assert_non_null(strstr(log, "rsp#16 begin 200 - HTTP/1.1\n"));
	assert_non_null(strstr(log, "rsp#19 begin 200 - HTTP/1.1\n"));
	assert_int_equal(REQS->stats.anomalies[APP_HTTP_ANOM_FIFO_OVERFLOW], 4);
	assert_int_equal(RSPS->stats.anomalies[APP_HTTP_ANOM_UNMATCHED_RESPONSE], 0);
	assert_int_equal(RSPS->stats.completed, 20);
	assert_int_equal(harness_conn.link.count, 0);
	assert_int_equal(harness_conn.link.lost, 0);
}

static void
test_http_response_without_request_is_unmatched(void **state)
{
	static const struct piece s[] = {
		RSP("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"),
	};

	(void)state;
	assert_string_equal(harness_check(NULL, s, NPIECES(s)),
			    "rsp anomaly unmatched_response\n"
			    "rsp#0 begin 200 - HTTP/1.1\n"
			    "rsp#0 headers body=length cl=1 +keepalive hdrs=1\n"
			    "rsp#0 body \"x\"\n"
			    "rsp#0 complete\n");
}

/* Without a link a response cannot know its request; a request side tunnels after CONNECT. */
static void
test_http_unlinked_directions_work_alone(void **state)
{
	static struct app_http_parser h;
	struct app_http_conf conf;
	struct app_http_callbacks cb;
	static const char req[] = "CONNECT h:443 HTTP/1.1\r\n\r\n\x16\x03";

	(void)state;
	memset(&cb, 0, sizeof(cb));
	app_http_conf_default(&conf);
	assert_int_equal(app_http_init(&h, APP_HTTP_REQUEST, &conf, &cb, NULL, NULL), 0);
	assert_int_equal(app_http_feed(&h, (const uint8_t *)req, sizeof(req) - 1),
			 APP_HTTP_MODE_TUNNEL);
	assert_int_equal(h.stats.tunnel_bytes, 2);
	assert_int_equal(h.stats.anomalies[APP_HTTP_ANOM_SPECULATIVE_TUNNEL], 0);
	assert_int_equal(app_http_init(&h, APP_HTTP_RESPONSE, &conf, &cb, NULL, NULL), 0);
	assert_int_equal(app_http_feed(&h, (const uint8_t *)"HTTP/1.1 200 OK\r\n\r\nabc", 22),
			 APP_HTTP_MODE_HTTP);
	assert_int_equal(h.msg.body, APP_HTTP_BODY_UNTIL_CLOSE);
	assert_int_equal(h.stats.body_bytes, 3);
	assert_int_equal(h.stats.anomalies[APP_HTTP_ANOM_UNMATCHED_RESPONSE], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_keep_alive_responses_are_matched_to_their_requests),
		cmocka_unit_test(test_http_head_response_with_content_length_has_no_body),
		cmocka_unit_test(test_http_204_and_304_have_no_body),
		cmocka_unit_test(test_http_expect_100_continue_then_final_response),
		cmocka_unit_test(test_http_connect_200_makes_both_directions_opaque),
		cmocka_unit_test(test_http_connect_refused_goes_on_parsing),
		cmocka_unit_test(
			test_http_bytes_after_connect_before_its_answer_are_a_speculative_tunnel),
		cmocka_unit_test(test_http_websocket_upgrade_101_makes_both_directions_opaque),
		cmocka_unit_test(test_http_upgrade_answered_with_200_stays_http),
		cmocka_unit_test(test_http_fifo_overflow_keeps_responses_in_order),
		cmocka_unit_test(test_http_response_without_request_is_unmatched),
		cmocka_unit_test(test_http_unlinked_directions_work_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
