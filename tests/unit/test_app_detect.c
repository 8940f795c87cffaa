/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of application identification (dataplane/app_detect.c): HTTP/1.x (RFC 9112),
 * TLS record header (RFC 8446 5.1), SMTP greeting and EHLO/HELO (RFC 5321), DNS header
 * (RFC 1035 4.1.1, TCP framing 4.2.2). Every call goes through an exactly-sized heap copy
 * so ASan catches any read past the end. Besides the examples, two properties are checked
 * over every prefix of the samples and of seeded mutations of them: a verdict that
 * app_detect_need_more() calls final never changes with more bytes, and APP_DETECT_MIN_BYTES
 * bytes decide everything but an SMTP greeting whose first line has not ended.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app_detect.h"

#define TCP 6
#define UDP 17
#define CLIENT 1
#define SERVER 0

struct sample {
	const char *what;
	const uint8_t *b;
	uint32_t len;
	uint8_t proto;
	uint16_t sport;		/* server port */
	uint8_t from_client;
	unsigned int app;	/* verdict on all the bytes */
};

static unsigned int
detect(const void *b, uint32_t len, uint8_t proto, uint16_t sport, uint8_t from_client)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	unsigned int app;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, b, len);
	app = app_detect(copy, len, proto, 40000, sport, from_client);
	free(copy);
	return app;
}

static bool
more(const void *b, uint32_t len, uint8_t proto, uint16_t sport, uint8_t from_client)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	bool r;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, b, len);
	r = app_detect_need_more(copy, len, proto, 40000, sport, from_client);
	free(copy);
	return r;
}

#define S(s) ((const uint8_t *)(s)), (uint32_t)(sizeof(s) - 1)

/* ClientHello / ServerHello record starts (first bytes of real handshakes). */
static const uint8_t tls_ch[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03 };
static const uint8_t tls_sh[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03 };
/* A DNS query for example.com A: id 0x1234, RD, QDCOUNT 1. */
static const uint8_t dns_q[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x01, 0x00, 0x01,
};
/* The same over TCP, behind its length prefix (29). */
static const uint8_t dns_tcp_q[] = {
	0x00, 0x1d,
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x01, 0x00, 0x01,
};
/* The response header (QR, RD, RA; one answer). */
static const uint8_t dns_r[] = {
	0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
};

static const struct sample samples[] = {
	{ "GET", S("GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n"), TCP, 80, CLIENT,
	  POLICY_APP_HTTP },
	{ "POST", S("POST /upload HTTP/1.1\r\n"), TCP, 8080, CLIENT, POLICY_APP_HTTP },
	{ "PUT", S("PUT /x HTTP/1.1\r\n"), TCP, 80, CLIENT, POLICY_APP_HTTP },
	{ "HEAD", S("HEAD / HTTP/1.0\r\n"), TCP, 80, CLIENT, POLICY_APP_HTTP },
	{ "DELETE", S("DELETE /x HTTP/1.1\r\n"), TCP, 80, CLIENT, POLICY_APP_HTTP },
	{ "OPTIONS", S("OPTIONS * HTTP/1.1\r\n"), TCP, 80, CLIENT, POLICY_APP_HTTP },
	{ "PATCH", S("PATCH /x HTTP/1.1\r\n"), TCP, 80, CLIENT, POLICY_APP_HTTP },
	{ "CONNECT", S("CONNECT api.example:443 HTTP/1.1\r\n"), TCP, 3128, CLIENT,
	  POLICY_APP_HTTP },
	{ "TRACE", S("TRACE / HTTP/1.1\r\n"), TCP, 80, CLIENT, POLICY_APP_HTTP },
	{ "status", S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), TCP, 80, SERVER,
	  POLICY_APP_HTTP },
	{ "status 1.0", S("HTTP/1.0 404 Not Found\r\n"), TCP, 8000, SERVER, POLICY_APP_HTTP },
	{ "http on dns port", S("GET / HTTP/1.1\r\n"), TCP, 53, CLIENT, POLICY_APP_HTTP },
	{ "ClientHello", tls_ch, sizeof(tls_ch), TCP, 443, CLIENT, POLICY_APP_TLS },
	{ "ServerHello", tls_sh, sizeof(tls_sh), TCP, 443, SERVER, POLICY_APP_TLS },
	{ "ClientHello on 8443", tls_ch, sizeof(tls_ch), TCP, 8443, CLIENT, POLICY_APP_TLS },
	{ "greeting 25", S("220 mx.example ESMTP Postfix\r\n"), TCP, 25, SERVER, POLICY_APP_SMTP },
	{ "greeting 587 bare", S("220 ready\r\n"), TCP, 587, SERVER, POLICY_APP_SMTP },
	{ "greeting 465", S("220-mx.example\r\n"), TCP, 465, SERVER, POLICY_APP_SMTP },
	{ "greeting 2525", S("220 hello\r\n"), TCP, 2525, SERVER, POLICY_APP_SMTP },
	{ "greeting text", S("220 relay.example ESMTP ready\r\n"), TCP, 10025, SERVER,
	  POLICY_APP_SMTP },
	{ "greeting smtp lower", S("220-relay.example smtp service\r\n"), TCP, 26, SERVER,
	  POLICY_APP_SMTP },
	{ "EHLO", S("EHLO client.example\r\n"), TCP, 25, CLIENT, POLICY_APP_SMTP },
	{ "helo lower", S("helo client.example\r\n"), TCP, 10025, CLIENT, POLICY_APP_SMTP },
	{ "dns udp query", dns_q, sizeof(dns_q), UDP, 53, CLIENT, POLICY_APP_DNS },
	{ "dns udp response", dns_r, sizeof(dns_r), UDP, 53, SERVER, POLICY_APP_DNS },
	{ "dns tcp query", dns_tcp_q, sizeof(dns_tcp_q), TCP, 53, CLIENT, POLICY_APP_DNS },
	{ "ftp greeting", S("220 ProFTPD Server (Debian) [::ffff:10.0.0.1]\r\n"), TCP, 21, SERVER,
	  POLICY_APP_ANY },
	{ "ssh", S("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), TCP, 22, SERVER, POLICY_APP_ANY },
	{ "http/2 preface", S("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), TCP, 80, CLIENT,
	  POLICY_APP_ANY },
	{ "lower-case method", S("get / HTTP/1.1\r\n"), TCP, 80, CLIENT, POLICY_APP_ANY },
	{ "method without space", S("GET/ HTTP/1.1\r\n"), TCP, 80, CLIENT, POLICY_APP_ANY },
	{ "http/2 status", S("HTTP/2 200\r\n"), TCP, 80, SERVER, POLICY_APP_ANY },
	{ "status from client", S("HTTP/1.1 200 OK\r\n"), TCP, 80, CLIENT, POLICY_APP_ANY },
	{ "ClientHello from server", tls_ch, sizeof(tls_ch), TCP, 443, SERVER, POLICY_APP_ANY },
	{ "ServerHello from client", tls_sh, sizeof(tls_sh), TCP, 443, CLIENT, POLICY_APP_ANY },
	{ "EHLOX", S("EHLOX\r\n"), TCP, 25, CLIENT, POLICY_APP_ANY },
	{ "greeting from client", S("220 mx.example ESMTP\r\n"), TCP, 25, CLIENT, POLICY_APP_ANY },
	{ "http over udp", S("GET / HTTP/1.1\r\n"), UDP, 80, CLIENT, POLICY_APP_ANY },
	{ "dns on 5353", dns_q, sizeof(dns_q), UDP, 5353, CLIENT, POLICY_APP_ANY },
	{ "dns udp on other proto", dns_q, sizeof(dns_q), 132, 53, CLIENT, POLICY_APP_ANY },
};

#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static void
test_detect_samples_give_their_application(void **state)
{
	uint32_t i;

	(void)state;
	for (i = 0; i < NSAMPLES; i++) {
		const struct sample *s = &samples[i];
		unsigned int app = detect(s->b, s->len, s->proto, s->sport, s->from_client);

		if (app != s->app)
			fail_msg("%s: got %u, want %u", s->what, app, s->app);
		if (more(s->b, s->len, s->proto, s->sport, s->from_client))
			fail_msg("%s: verdict on all bytes is not final", s->what);
	}
}

static void
test_detect_tls_needs_handshake_type_from_sixth_byte(void **state)
{
	uint8_t b[6] = { 0x16, 0x03, 0x01, 0x00, 0x10, 0x01 };
	uint8_t minor;

	(void)state;
	/* Three to five bytes: provisionally TLS, not final. */
	for (uint32_t len = 3; len < 6; len++) {
		assert_int_equal(detect(b, len, TCP, 443, CLIENT), POLICY_APP_TLS);
		assert_true(more(b, len, TCP, 443, CLIENT));
	}
	for (minor = 0; minor <= 4; minor++) {
		b[2] = minor;
		assert_int_equal(detect(b, 6, TCP, 443, CLIENT), POLICY_APP_TLS);
	}
	b[2] = 5;
	assert_int_equal(detect(b, 6, TCP, 443, CLIENT), POLICY_APP_ANY);
	assert_false(more(b, 3, TCP, 443, CLIENT));
	b[2] = 1;
	b[0] = 0x17;	/* application data */
	assert_int_equal(detect(b, 6, TCP, 443, CLIENT), POLICY_APP_ANY);
	b[0] = 0x16;
	b[5] = 0x0b;	/* Certificate */
	assert_int_equal(detect(b, 6, TCP, 443, SERVER), POLICY_APP_ANY);
	assert_false(more(b, 6, TCP, 443, SERVER));
}

static void
test_detect_short_prefixes_wait_for_more(void **state)
{
	(void)state;
	assert_int_equal(detect("GE", 2, TCP, 80, CLIENT), POLICY_APP_ANY);
	assert_true(more("GE", 2, TCP, 80, CLIENT));
	assert_true(more("OPTIONS", 7, TCP, 80, CLIENT));
	assert_false(more("GX", 2, TCP, 80, CLIENT));
	assert_true(more("HTTP/1", 6, TCP, 80, SERVER));
	assert_false(more("HTTP/2", 6, TCP, 80, SERVER));
	assert_true(more("eh", 2, TCP, 25, CLIENT));
	assert_true(more("22", 2, TCP, 25, SERVER));
	assert_true(more("", 0, TCP, 80, CLIENT));
	assert_true(app_detect_need_more(NULL, 0, TCP, 40000, 80, CLIENT));
	assert_int_equal(app_detect(NULL, 0, TCP, 40000, 80, CLIENT), POLICY_APP_ANY);
	assert_false(more("X", 1, TCP, 80, CLIENT));
	/* A TCP DNS message waits for its header. */
	assert_int_equal(detect(dns_tcp_q, 13, TCP, 53, CLIENT), POLICY_APP_ANY);
	assert_true(more(dns_tcp_q, 13, TCP, 53, CLIENT));
	assert_int_equal(detect(dns_tcp_q, 14, TCP, 53, CLIENT), POLICY_APP_DNS);
	assert_false(more(dns_tcp_q, 14, TCP, 53, CLIENT));
}

static void
test_detect_udp_never_waits(void **state)
{
	(void)state;
	assert_int_equal(detect(dns_q, 11, UDP, 53, CLIENT), POLICY_APP_ANY);
	assert_false(more(dns_q, 11, UDP, 53, CLIENT));
	assert_false(more("", 0, UDP, 53, CLIENT));
	assert_false(more("GE", 2, UDP, 80, CLIENT));
}

static void
test_detect_smtp_greeting_on_other_port_waits_for_end_of_line(void **state)
{
	static uint8_t longline[APP_DETECT_LINE_MAX + 8];

	(void)state;
	assert_int_equal(detect(S("220 relay.example"), TCP, 10025, SERVER), POLICY_APP_ANY);
	assert_true(more(S("220 relay.example"), TCP, 10025, SERVER));
	assert_int_equal(detect(S("220 relay.example ESM"), TCP, 10025, SERVER), POLICY_APP_ANY);
	assert_int_equal(detect(S("220 relay.example ESMTP"), TCP, 10025, SERVER),
			 POLICY_APP_SMTP);
	/* The first line ended without SMTP: an FTP server, final. */
	assert_int_equal(detect(S("220 relay.example\r\n220 ESMTP\r\n"), TCP, 10025, SERVER),
			 POLICY_APP_ANY);
	assert_false(more(S("220 relay.example\r\n"), TCP, 10025, SERVER));
	assert_false(more(S("220 relay.example\n"), TCP, 10025, SERVER));
	/* On an SMTP port four bytes are enough. */
	assert_int_equal(detect(S("220 "), TCP, 25, SERVER), POLICY_APP_SMTP);
	assert_false(more(S("220 "), TCP, 25, SERVER));
	/* A line with no end is searched up to APP_DETECT_LINE_MAX bytes. */
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "220 ", 4);
	assert_true(more(longline, APP_DETECT_LINE_MAX - 1, TCP, 10025, SERVER));
	assert_false(more(longline, APP_DETECT_LINE_MAX, TCP, 10025, SERVER));
	memcpy(longline + APP_DETECT_LINE_MAX - 4, "SMTP", 4);
	assert_int_equal(detect(longline, APP_DETECT_LINE_MAX, TCP, 10025, SERVER),
			 POLICY_APP_SMTP);
	memcpy(longline + APP_DETECT_LINE_MAX - 4, "aSMT", 4);
	memcpy(longline + APP_DETECT_LINE_MAX, "P", 1);
	assert_int_equal(detect(longline, sizeof(longline), TCP, 10025, SERVER), POLICY_APP_ANY);
}

static void
test_detect_dns_header_checks(void **state)
{
	uint8_t b[sizeof(dns_tcp_q)];
	uint8_t op;

	(void)state;
	memcpy(b, dns_q, sizeof(dns_q));
	for (op = 0; op < 16; op++) {
		b[2] = (uint8_t)(0x01 | (op << 3));
		assert_int_equal(detect(b, sizeof(dns_q), UDP, 53, CLIENT),
				 op <= 5 ? POLICY_APP_DNS : POLICY_APP_ANY);
	}
	b[2] = 0x01;
	b[5] = 0;	/* QDCOUNT 0 */
	assert_int_equal(detect(b, sizeof(dns_q), UDP, 53, CLIENT), POLICY_APP_ANY);
	b[4] = 1;	/* QDCOUNT 256 */
	assert_int_equal(detect(b, sizeof(dns_q), UDP, 53, CLIENT), POLICY_APP_DNS);
	/* TCP length prefix under a header's size. */
	memcpy(b, dns_tcp_q, sizeof(dns_tcp_q));
	b[0] = 0;
	b[1] = 11;
	assert_int_equal(detect(b, sizeof(b), TCP, 53, CLIENT), POLICY_APP_ANY);
	assert_false(more(b, 2, TCP, 53, CLIENT));
	b[1] = 12;
	assert_int_equal(detect(b, sizeof(b), TCP, 53, CLIENT), POLICY_APP_DNS);
	/* Port 53 on the client side only is not DNS. */
	assert_int_equal(detect(dns_q, sizeof(dns_q), UDP, 40000, SERVER), POLICY_APP_ANY);
}

static uint64_t
prng(uint64_t *s)
{
	/* splitmix64: deterministic across platforms */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Starts "220 " or "220-" with no CR/LF in the first len bytes (the undecided case). */
static bool
open_greeting(const uint8_t *b, uint32_t len)
{
	uint32_t i;

	if (len < 4 || memcmp(b, "220", 3) != 0 || (b[3] != ' ' && b[3] != '-'))
		return false;
	for (i = 0; i < len; i++)
		if (b[i] == '\r' || b[i] == '\n')
			return false;
	return true;
}

/*
 * The two properties on every prefix of b: a final verdict equals the verdict on all of
 * b, and from APP_DETECT_MIN_BYTES bytes on only an open greeting is not final. A UDP
 * payload is a whole datagram, never a prefix of a longer one: only its full length
 * counts.
 */
static void
check_prefixes(const uint8_t *b, uint32_t len, uint8_t proto, uint16_t sport, uint8_t fc)
{
	unsigned int full = detect(b, len, proto, sport, fc);
	uint32_t k;

	for (k = proto == UDP ? len : 0; k <= len; k++) {
		unsigned int app = detect(b, k, proto, sport, fc);
		bool m = more(b, k, proto, sport, fc);

		if (!m && app != full)
			fail_msg("final verdict %u at %u bytes became %u at %u", app, k, full, len);
		if (m && k >= APP_DETECT_MIN_BYTES && !open_greeting(b, k))
			fail_msg("undecided after %u bytes", k);
	}
}

static void
test_detect_final_verdicts_never_change_on_every_prefix(void **state)
{
	uint32_t i;

	(void)state;
	for (i = 0; i < NSAMPLES; i++)
		check_prefixes(samples[i].b, samples[i].len, samples[i].proto, samples[i].sport,
			       samples[i].from_client);
}

static void
test_detect_fuzzed_streams_keep_both_properties(void **state)
{
	static const uint16_t ports[] = { 25, 53, 80, 443, 10025 };
	uint64_t seed = 0x6170702d64657465ull;
	uint8_t b[64];
	uint32_t it, k;

	(void)state;
	for (it = 0; it < 100000; it++) {
		const struct sample *s = &samples[prng(&seed) % NSAMPLES];
		uint32_t len = s->len < sizeof(b) ? s->len : sizeof(b);
		uint32_t flips = (uint32_t)(prng(&seed) % 3);
		uint16_t sport = (prng(&seed) % 2) ? s->sport : ports[prng(&seed) % 5];
		uint8_t proto = (prng(&seed) % 8) ? s->proto : (s->proto == TCP ? UDP : TCP);

		memcpy(b, s->b, len);
		for (k = 0; k < flips; k++) {
			static const char pick[] = "\x16\x03\x01\x02 \r\n0SMTP";
			uint32_t at = (uint32_t)(prng(&seed) % len);

			/* Half the flips keep to the bytes the signatures care about. */
			if (prng(&seed) % 2)
				b[at] = (uint8_t)prng(&seed);
			else
				b[at] = (uint8_t)pick[prng(&seed) % (sizeof(pick) - 1)];
		}
		if (it % 16 == 0)
			check_prefixes(b, len, proto, sport, s->from_client);
		else
			(void)detect(b, len, proto, sport, s->from_client);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_samples_give_their_application),
		cmocka_unit_test(test_detect_tls_needs_handshake_type_from_sixth_byte),
		cmocka_unit_test(test_detect_short_prefixes_wait_for_more),
		cmocka_unit_test(test_detect_udp_never_waits),
		cmocka_unit_test(test_detect_smtp_greeting_on_other_port_waits_for_end_of_line),
		cmocka_unit_test(test_detect_dns_header_checks),
		cmocka_unit_test(test_detect_final_verdicts_never_change_on_every_prefix),
		cmocka_unit_test(test_detect_fuzzed_streams_keep_both_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
