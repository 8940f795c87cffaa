/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the DNS response parser (dataplane/app_dns.h) on the raw input as one
 * DNS message (a UDP payload, or a TCP message without its length prefix): queries,
 * responses, compressed names, CNAME chains and junk alike.
 *
 * Checks, aborting on failure (app_dns.h):
 *   - the result is 0, -EINVAL or -ENOENT; on an error n is 0; qname is always NUL
 *     terminated within APP_DNS_NAME_LEN, at most 253 bytes of lower-case [a-z0-9_-]
 *     labels of 1..63 bytes joined by single dots, no trailing dot;
 *   - the question name: whenever the parser reports one, it equals the name a reference
 *     decoder in the harness reads at offset 12 (RFC 1035 4.1.4, pointers going backwards,
 *     at most APP_DNS_MAX_POINTERS);
 *   - on 0: 1..APP_DNS_MAX_ANSWERS addresses, each AF_INET (bytes 4..15 zero) or AF_INET6,
 *     each once, each present in the message as the 4 or 16 bytes of an RDATA, TTLs at
 *     most APP_DNS_TTL_MAX;
 *   - deterministic and complete: a second call over an output filled with other garbage
 *     gives the same result and output;
 *   - only the header, question and answers are read: unless the message is malformed,
 *     bytes appended after it (an authority section, trailing junk) change nothing;
 *   - nothing is read outside the message (it sits in a block of exactly its size).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "app_dns.h"
#include "fuzz_common.h"

/*
 * Reference decoder of the name at off: labels of 1..63 bytes of [A-Za-z0-9_-] (lower-cased),
 * compression pointers to an earlier offset, at most 16 of them, at most 253 characters.
 * Returns the length, or -1.
 */
static FUZZ_NOCOV int
ref_name(const uint8_t *p, uint32_t len, uint32_t off, char *out)
{
	uint32_t pos = off;
	unsigned int ptrs = 0;
	int n = 0;

	for (;;) {
		uint8_t b;
		uint32_t i;

		if (pos >= len)
			return -1;
		b = p[pos];
		if (b == 0)
			break;
		if ((b & 0xc0) == 0xc0) {
			uint32_t t;

			if (pos + 1 >= len || ++ptrs > APP_DNS_MAX_POINTERS)
				return -1;
			t = (uint32_t)(b & 0x3f) << 8 | p[pos + 1];
			if (t >= pos)
				return -1;
			pos = t;
			continue;
		}
		if (b > 63 || pos + 1 + b > len || n + (n > 0) + b > 253)
			return -1;
		if (n > 0)
			out[n++] = '.';
		for (i = 0; i < b; i++) {
			uint8_t c = p[pos + 1 + i];

			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c - 'A' + 'a');
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_'))
				return -1;
			out[n++] = (char)c;
		}
		pos += 1 + b;
	}
	out[n] = '\0';
	return n;
}

static FUZZ_NOCOV void
check_qname(const char *q)
{
	size_t n = strnlen(q, APP_DNS_NAME_LEN), i, label = 0;

	FUZZ_CHECK(n < APP_DNS_NAME_LEN);
	FUZZ_CHECK(n <= 253);
	if (n == 0)
		return;
	FUZZ_CHECK(q[n - 1] != '.');
	for (i = 0; i < n; i++) {
		if (q[i] == '.') {
			FUZZ_CHECK(label >= 1);
			label = 0;
			continue;
		}
		FUZZ_CHECK((q[i] >= 'a' && q[i] <= 'z') || (q[i] >= '0' && q[i] <= '9') ||
			   q[i] == '-' || q[i] == '_');
		label++;
		FUZZ_CHECK(label <= 63);
	}
}

static FUZZ_NOCOV bool
in_message(const uint8_t *p, uint32_t len, const uint8_t *a, uint32_t alen)
{
	uint32_t i;

	for (i = 12; i + alen <= len; i++)
		if (memcmp(p + i, a, alen) == 0)
			return true;
	return false;
}

/* The parser over a copy of p[0..len) in a block of its size, out filled with fill. */
static FUZZ_NOCOV int
parse(const uint8_t *p, uint32_t len, struct app_dns_result *out, uint8_t fill)
{
	uint8_t *q = fuzz_dup(p, len);
	int rc;

	memset(out, fill, sizeof(*out));
	rc = app_dns_parse_response(q, len, out);
	free(q);
	return rc;
}

static FUZZ_NOCOV bool
same(const struct app_dns_result *a, const struct app_dns_result *b)
{
	return strcmp(a->qname, b->qname) == 0 && a->n == b->n &&
	       memcmp(a->a, b->a, sizeof(a->a[0]) * a->n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct app_dns_result r1, r2;
	static uint8_t longer[65535];
	char ref[APP_DNS_NAME_LEN];
	uint32_t len = size > 65000 ? 65000 : (uint32_t)size, i, j, extra;
	int rc, rc2, rn;

	rc = parse(data, len, &r1, 0xAA);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOENT);
	check_qname(r1.qname);
	if (rc != 0)
		FUZZ_CHECK(r1.n == 0);

	rn = len >= 12 ? ref_name(data, len, 12, ref) : -1;
	if (r1.qname[0] != '\0') {
		FUZZ_CHECK(rn >= 0);
		FUZZ_CHECK(strcmp(ref, r1.qname) == 0);
	}
	if (rc == 0) {
		FUZZ_CHECK(rn >= 0);
		FUZZ_CHECK(r1.n >= 1 && r1.n <= APP_DNS_MAX_ANSWERS);
		for (i = 0; i < r1.n; i++) {
			const struct app_dns_answer *a = &r1.a[i];

			FUZZ_CHECK(a->ttl <= APP_DNS_TTL_MAX);
			FUZZ_CHECK(a->family == AF_INET || a->family == AF_INET6);
			if (a->family == AF_INET) {
				for (j = 4; j < 16; j++)
					FUZZ_CHECK(a->addr[j] == 0);
			}
			FUZZ_CHECK(in_message(data, len, a->addr, a->family == AF_INET ? 4 : 16));
			for (j = 0; j < i; j++)
				FUZZ_CHECK(r1.a[j].family != a->family ||
					   memcmp(r1.a[j].addr, a->addr, 16) != 0);
		}
	}

	rc2 = parse(data, len, &r2, 0x55);
	FUZZ_CHECK(rc2 == rc && same(&r1, &r2));

	if (rc != -EINVAL) {
		/* Bytes after the answers: a function of the input, up to 64 of them. */
		extra = 1 + (len > 0 ? data[len - 1] % 64 : 0);
		memcpy(longer, data, len);
		for (i = 0; i < extra; i++)
			longer[len + i] = (uint8_t)(i * 37 + len);
		rc2 = parse(longer, len + extra, &r2, 0x00);
		FUZZ_CHECK(rc2 == rc && same(&r1, &r2));
	}
	return 0;
}
