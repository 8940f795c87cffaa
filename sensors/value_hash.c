/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 ("SipHash: a fast short-input PRF", Aumasson & Bernstein, INDOCRYPT 2012)
 * for counting distinct personal-data values without storing them, and the redaction
 * every output uses instead of the value.
 */
#include <string.h>
#include "value_hash.h"

static inline uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t
load64_le(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define SIPROUND(v0, v1, v2, v3) do { \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
	} while (0)

uint64_t
value_hash(const uint8_t key[VALUE_HASH_KEY_LEN], const uint8_t *data, size_t len)
{
	uint64_t k0 = load64_le(key), k1 = load64_le(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, full = len & ~(size_t)7;

	for (i = 0; i < full; i += 8) {
		m = load64_le(data + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		b |= (uint64_t)data[full + i] << (8 * i);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

size_t
value_redact(size_t len, const uint8_t *tail, size_t tail_len, char *out, size_t outlen)
{
	size_t shown = len > 4 ? (tail_len < 4 ? tail_len : 4) : 0;
	size_t stars = len - shown, n = 0, i;

	if (outlen == 0)
		return 0;
	if (stars > VALUE_REDACT_MAX - 4)
		stars = VALUE_REDACT_MAX - 4;
	for (i = 0; i < stars && n + 1 < outlen; i++)
		out[n++] = '*';
	for (i = tail_len - shown; i < tail_len && n + 1 < outlen; i++)
		out[n++] = (char)tail[i];
	out[n] = '\0';
	return n;
}
