/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Application identification from the first payload bytes of one direction of a flow, so
 * that rules filtering on an application (DESIGN.md "Policy model") apply before the flow
 * has moved much data. Signatures: HTTP/1.x request line and status line (RFC 9112 3 and
 * 4, methods of RFC 9110 9.3 and RFC 5789), the TLS record header and handshake type
 * (RFC 8446 5.1 and 4), the SMTP greeting and EHLO/HELO (RFC 5321 4.1.1.1 and 4.2), and the
 * DNS header (RFC 1035 4.1.1, TCP framing 4.2.2 / RFC 7766).
 *
 * Each signature answers one of three things about the bytes so far: it matches, it can
 * never match, or they are a proper prefix of something it would match. The verdict is the
 * first match in signature order; it is final when no earlier signature is still waiting
 * for bytes. Everything is a fixed-length comparison except the search for "SMTP" in a
 * greeting's first line, bounded by APP_DETECT_LINE_MAX.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_detect.h"

#define IPPROTO_NUM_TCP	6
#define IPPROTO_NUM_UDP	17
#define DNS_PORT	53
#define DNS_HDR_LEN	12

enum sig {
	SIG_NO = 0,	/* can never match, whatever follows */
	SIG_MAYBE,	/* the bytes are a proper prefix of a match */
	SIG_YES,
};

struct detect_args {
	const uint8_t *p;
	uint32_t len;
	uint8_t proto;
	uint16_t server_port;
	uint8_t from_client;
};

static const char *const http_methods[] = {
	"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ",
};

static const uint16_t smtp_ports[] = { 25, 465, 587, 2525 };

static inline uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* Compare p[0..len) with the literal s: YES when p starts with all of s, MAYBE when p is a
 * proper prefix of s, NO otherwise. icase folds ASCII letters of p (s is lower case). */
static enum sig
match_literal(const uint8_t *p, uint32_t len, const char *s, bool icase)
{
	size_t n = strlen(s);
	size_t i;

	for (i = 0; i < n; i++) {
		if (i >= len)
			return SIG_MAYBE;
		if ((icase ? lower(p[i]) : p[i]) != (uint8_t)s[i])
			return SIG_NO;
	}
	return SIG_YES;
}

static enum sig
sig_tls(const struct detect_args *a)
{
	if (a->proto != IPPROTO_NUM_TCP || a->len == 0)
		return a->proto == IPPROTO_NUM_TCP ? SIG_MAYBE : SIG_NO;
	if (a->p[0] != 0x16)
		return SIG_NO;
	if (a->len < 2)
		return SIG_MAYBE;
	if (a->p[1] != 0x03)
		return SIG_NO;
	if (a->len < 3)
		return SIG_MAYBE;
	if (a->p[2] > 0x04)
		return SIG_NO;
	if (a->len < 6)
		return SIG_YES;	/* provisional: see app_detect_need_more() */
	return a->p[5] == (a->from_client ? 1 : 2) ? SIG_YES : SIG_NO;
}

static enum sig
sig_http(const struct detect_args *a)
{
	enum sig best = SIG_NO;
	size_t i;

	if (a->proto != IPPROTO_NUM_TCP)
		return SIG_NO;
	if (!a->from_client)
		return match_literal(a->p, a->len, "HTTP/1.", false);
	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		enum sig s = match_literal(a->p, a->len, http_methods[i], false);

		if (s == SIG_YES)
			return SIG_YES;
		if (s == SIG_MAYBE)
			best = SIG_MAYBE;
	}
	return best;
}

/* "SMTP" anywhere in the first line, any case; the line ends at CR or LF. */
static enum sig
smtp_first_line(const uint8_t *p, uint32_t len)
{
	uint32_t n = len < APP_DETECT_LINE_MAX ? len : APP_DETECT_LINE_MAX;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n')
			return SIG_NO;
		if (i + 4 <= n && lower(p[i]) == 's' && lower(p[i + 1]) == 'm' &&
		    lower(p[i + 2]) == 't' && lower(p[i + 3]) == 'p')
			return SIG_YES;
	}
	return len < APP_DETECT_LINE_MAX ? SIG_MAYBE : SIG_NO;
}

static enum sig
sig_smtp(const struct detect_args *a)
{
	enum sig s1, s2;
	size_t i;

	if (a->proto != IPPROTO_NUM_TCP)
		return SIG_NO;
	if (a->from_client) {
		s1 = match_literal(a->p, a->len, "ehlo ", true);
		s2 = match_literal(a->p, a->len, "helo ", true);
		return s1 > s2 ? s1 : s2;
	}
	s1 = match_literal(a->p, a->len, "220 ", false);
	s2 = match_literal(a->p, a->len, "220-", false);
	s1 = s1 > s2 ? s1 : s2;
	if (s1 != SIG_YES)
		return s1;
	for (i = 0; i < sizeof(smtp_ports) / sizeof(smtp_ports[0]); i++)
		if (a->server_port == smtp_ports[i])
			return SIG_YES;
	return smtp_first_line(a->p, a->len);
}

static enum sig
sig_dns(const struct detect_args *a)
{
	const uint8_t *h = a->p;
	uint32_t n = a->len;

	if (a->server_port != DNS_PORT)
		return SIG_NO;
	if (a->proto == IPPROTO_NUM_TCP) {
		/* A length prefix below a header's size cannot frame a DNS message. */
		if (n >= 2 && (((uint32_t)h[0] << 8) | h[1]) < DNS_HDR_LEN)
			return SIG_NO;
		if (n < 2)
			return SIG_MAYBE;
		h += 2;
		n -= 2;
	} else if (a->proto != IPPROTO_NUM_UDP) {
		return SIG_NO;
	}
	/* OPCODE is bits 3..6 of the third byte (RFC 1035 4.1.1; 0..5 are assigned). */
	if (n >= 3 && ((h[2] >> 3) & 0x0f) > 5)
		return SIG_NO;
	if (n >= 6 && h[4] == 0 && h[5] == 0)
		return SIG_NO;
	if (n < DNS_HDR_LEN)
		return a->proto == IPPROTO_NUM_TCP ? SIG_MAYBE : SIG_NO;
	return SIG_YES;
}

/* The verdict, and whether an earlier signature (or a provisional TLS match) could still
 * change it with more bytes. */
static unsigned int
detect(const struct detect_args *a, bool *more)
{
	static const struct {
		enum sig (*fn)(const struct detect_args *);
		unsigned int app;
	} sigs[] = {
		{ sig_tls, POLICY_APP_TLS },
		{ sig_http, POLICY_APP_HTTP },
		{ sig_smtp, POLICY_APP_SMTP },
		{ sig_dns, POLICY_APP_DNS },
	};
	size_t i;

	*more = false;
	if (a->p == NULL && a->len > 0)
		return POLICY_APP_ANY;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		enum sig s = sigs[i].fn(a);

		if (s == SIG_MAYBE)
			*more = true;
		if (s == SIG_YES) {
			if (sigs[i].app == POLICY_APP_TLS && a->len < 6)
				*more = true;
			return sigs[i].app;
		}
	}
	return POLICY_APP_ANY;
}

unsigned int
app_detect(const uint8_t *p, uint32_t len, uint8_t proto, uint16_t client_port,
	   uint16_t server_port, uint8_t from_client)
{
	struct detect_args a = {
		.p = p, .len = len, .proto = proto, .server_port = server_port,
		.from_client = from_client,
	};
	bool more;

	(void)client_port;
	return detect(&a, &more);
}

bool
app_detect_need_more(const uint8_t *p, uint32_t len, uint8_t proto, uint16_t client_port,
		     uint16_t server_port, uint8_t from_client)
{
	struct detect_args a = {
		.p = p, .len = len, .proto = proto, .server_port = server_port,
		.from_client = from_client,
	};
	bool more;

	(void)client_port;
	if (proto == IPPROTO_NUM_UDP)
		return false;
	detect(&a, &more);
	return more;
}
