/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: application identification (dataplane/app_detect.h) on the first
 * bytes of one direction of a flow.
 *
 * Input:  byte 0   bits 0-1 the IP protocol (0 and 3 TCP, 1 UDP, 2 ICMP); bit 2 the
 *                  bytes come from the client; bits 3-5 the server port (53, 25, 80, 443,
 *                  2525, 465, 587, 8080)
 *         then the payload (the start of the stream, or one datagram).
 *
 * Checks, aborting on failure:
 *   - the verdict equals a reference written in the harness from app_detect.h's contract
 *     alone (the TLS, HTTP, SMTP and DNS signatures, first match wins), for the whole
 *     payload and for prefixes of its first APP_DETECT_LINE_MAX + 64 bytes (each of the
 *     first 64, then 48 spread over the rest, chosen by a generator seeded from the input);
 *   - for TCP, once app_detect_need_more() says the verdict is final for a prefix it stays
 *     final and the verdict no longer changes for the longer prefixes and the whole
 *     input; a provisional TLS verdict (fewer than 6 bytes) is never final; for UDP
 *     app_detect_need_more() is false;
 *   - the functions never read outside the payload (the payload and each prefix end where
 *     their heap block ends).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_detect.h"
#include "fuzz_common.h"
#include "policy_types.h"

static FUZZ_NOCOV bool
starts(const uint8_t *p, uint32_t len, const char *s, bool icase)
{
	size_t i, n = strlen(s);

	if (len < n)
		return false;
	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (icase && c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (c != (uint8_t)s[i])
			return false;
	}
	return true;
}

/* "smtp" in any case within the first line (up to CR or LF) of the first 512 bytes. */
static FUZZ_NOCOV bool
first_line_has_smtp(const uint8_t *p, uint32_t len)
{
	uint32_t n = len < APP_DETECT_LINE_MAX ? len : APP_DETECT_LINE_MAX, i, e = 0;

	while (e < n && p[e] != '\r' && p[e] != '\n')
		e++;
	for (i = 0; i + 4 <= e; i++)
		if (starts(p + i, e - i, "smtp", true))
			return true;
	return false;
}

/* app_detect.h's signatures, in its order of precedence. */
static FUZZ_NOCOV unsigned int
reference(const uint8_t *p, uint32_t len, uint8_t proto, uint16_t sport, bool client)
{
	static const char *const methods[] = {
		"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ",
		"TRACE ",
	};
	size_t i;

	if (proto == 6) {
		if (len >= 3 && p[0] == 22 && p[1] == 3 && p[2] <= 4 &&
		    (len < 6 || p[5] == (client ? 1 : 2)))
			return POLICY_APP_TLS;
		if (client) {
			for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
				if (starts(p, len, methods[i], false))
					return POLICY_APP_HTTP;
		} else if (starts(p, len, "HTTP/1.", false)) {
			return POLICY_APP_HTTP;
		}
		if (client && (starts(p, len, "ehlo ", true) || starts(p, len, "helo ", true)))
			return POLICY_APP_SMTP;
		if (!client && (starts(p, len, "220 ", false) || starts(p, len, "220-", false)) &&
		    (sport == 25 || sport == 465 || sport == 587 || sport == 2525 ||
		     first_line_has_smtp(p, len)))
			return POLICY_APP_SMTP;
	}
	if (sport == 53 && (proto == 6 || proto == 17)) {
		const uint8_t *h = p;
		uint32_t n = len;

		if (proto == 6) {
			if (n < 2 || ((uint32_t)h[0] << 8 | h[1]) < 12)
				return POLICY_APP_ANY;
			h += 2;
			n -= 2;
		}
		if (n >= 12 && ((h[2] >> 3) & 0x0f) <= 5 && ((uint32_t)h[4] << 8 | h[5]) >= 1)
			return POLICY_APP_DNS;
	}
	return POLICY_APP_ANY;
}

/*
 * The prefix after k to check, up to lim: every one of the first 64, then one in each
 * of 48 equal strides (where in the stride chosen by rng), then lim itself; lim + 1 ends.
 */
static FUZZ_NOCOV uint32_t
next_prefix(struct fuzz_rng *rng, uint32_t k, uint32_t lim)
{
	uint32_t stride, base;

	if (k < 64 || k == lim)
		return k + 1;
	stride = (lim - 64) / 48 + 1;
	base = k - (k - 64) % stride + stride;	/* the start of the next stride */
	if (base >= lim)
		return lim;
	return base + (uint32_t)fuzz_rng_below(rng, stride < lim - base ? stride : lim - base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t protos[4] = { 6, 17, 1, 6 };
	static const uint16_t ports[8] = { 53, 25, 80, 443, 2525, 465, 587, 8080 };
	uint8_t proto, client;
	uint16_t sport;
	uint32_t len, k, lim;
	unsigned int full, final_verdict = 0;
	bool final_seen = false;
	struct fuzz_rng rng;
	uint8_t *p, *blk;

	if (size < 1)
		return 0;
	proto = protos[data[0] & 3];
	client = (data[0] >> 2) & 1;
	sport = ports[(data[0] >> 3) & 7];
	len = (uint32_t)(size - 1);
	p = fuzz_dup(data + 1, len);

	full = app_detect(p, len, proto, 40000, sport, client);
	FUZZ_CHECK(full <= POLICY_APP_SMTP);
	FUZZ_CHECK(full == reference(p, len, proto, sport, client));
	if (proto == 17)
		FUZZ_CHECK(!app_detect_need_more(p, len, proto, 40000, sport, client));

	lim = len < APP_DETECT_LINE_MAX + 64 ? len : APP_DETECT_LINE_MAX + 64;
	blk = malloc(lim + 1);
	if (blk == NULL)
		abort();
	fuzz_rng_seed(&rng, size);
	for (k = 0; k <= lim; k = next_prefix(&rng, k, lim)) {
		/* A prefix at the end of a block, so a read past it is caught. */
		const uint8_t *q = fuzz_at_end(blk, lim + 1, p, k);
		unsigned int v = app_detect(k > 0 ? q : NULL, k, proto, 40000, sport, client);
		bool more = app_detect_need_more(k > 0 ? q : NULL, k, proto, 40000, sport, client);

		FUZZ_CHECK(v == reference(q, k, proto, sport, client));
		if (proto == 6) {
			if (v == POLICY_APP_TLS && k < 6)
				FUZZ_CHECK(more);
			if (final_seen) {
				FUZZ_CHECK(!more);
				FUZZ_CHECK(v == final_verdict);
			} else if (!more) {
				final_seen = true;
				final_verdict = v;
			}
		}
	}
	free(blk);
	if (proto == 6 && final_seen)
		FUZZ_CHECK(full == final_verdict);
	free(p);
	return 0;
}
