/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checksums of a parsed frame (pkt_cksum.h): RFC 791 (IPv4 header), RFC 793 and RFC 768
 * (TCP and UDP over IPv4), RFC 8200 section 8.1 (over IPv6, final destination of a
 * routing header), RFC 8754 (segment routing header: segment 0 is the final one).
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <immintrin.h>
#include "pkt_cksum.h"

#define IPV6_HDR_LEN 40

/* 16-bit ones' complement fold of a wide sum. */
static inline uint32_t
fold16(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static bool cksum_avx2;

__attribute__((constructor)) static void
cksum_cpu_init(void)
{
	__builtin_cpu_init();
	cksum_avx2 = __builtin_cpu_supports("avx2") != 0;
}

/*
 * AVX2: the 16-bit words of 64 bytes a step. Each word w is read as the signed w - 32768
 * (its top bit flipped), so that one multiply-add by 1 sums each pair into a 32-bit lane;
 * the 32768 taken from every word is added back at the end. A lane takes two pairs a
 * step (each at least -65536), so the lanes are emptied into the 64-bit sum every
 * CKSUM_VEC_STEPS steps, long before one could overflow. Returns the bytes summed (a
 * multiple of 64); *sum < 2^50.
 */
#define CKSUM_VEC_STEPS 8192

/* The signed 32-bit lanes 0-3, and 4-7, of a, widened to 64 bits. */
__attribute__((target("avx2"))) static inline __m256i
widen_lo(__m256i a)
{
	return _mm256_cvtepi32_epi64(_mm256_castsi256_si128(a));
}

__attribute__((target("avx2"))) static inline __m256i
widen_hi(__m256i a)
{
	return _mm256_cvtepi32_epi64(_mm256_extracti128_si256(a, 1));
}

__attribute__((target("avx2"))) static uint32_t
cksum_blocks_avx2(const uint8_t *p, uint32_t n, uint64_t *sum)
{
	const __m256i flip = _mm256_set1_epi16(INT16_MIN), one = _mm256_set1_epi16(1);
	int64_t lanes[4], s = 0;
	uint32_t i = 0, k;

	while (i + 64 <= n) {
		__m256i a0 = _mm256_setzero_si256(), a1 = a0, w;

		for (k = 0; k < CKSUM_VEC_STEPS && i + 64 <= n; k++, i += 64) {
			const __m256i *q = (const __m256i *)(const void *)(p + i);
			__m256i v0 = _mm256_xor_si256(_mm256_loadu_si256(q), flip);
			__m256i v1 = _mm256_xor_si256(_mm256_loadu_si256(q + 1), flip);

			a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(v0, one));
			a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(v1, one));
		}
		w = _mm256_add_epi64(widen_lo(a0), widen_hi(a0));
		w = _mm256_add_epi64(w, _mm256_add_epi64(widen_lo(a1), widen_hi(a1)));
		_mm256_storeu_si256((__m256i *)(void *)lanes, w);
		s += lanes[0] + lanes[1] + lanes[2] + lanes[3];
	}
	*sum = (uint64_t)(s + (int64_t)(i / 2) * 32768);
	return i;
}

/*
 * RFC 1071: the sum does not depend on byte order if both bytes of every word are swapped
 * the same way, so the words are added as the CPU loads them (with AVX2 64 bytes a step,
 * then) eight bytes at a time with the carries counted apart (end-around carry, added
 * back at the end), and the folded result is swapped to the big-endian order the caller
 * adds in.
 */
static inline uint32_t
cksum_sum(const uint8_t *p, uint32_t n, uint32_t sum, bool vec)
{
	uint64_t s = 0, c = 0, w[4];
	uint32_t i = 0, r;
	uint16_t h;

	if (vec && n >= 64)
		i = cksum_blocks_avx2(p, n, &s);
	for (; i + 32 <= n; i += 32) {
		memcpy(w, p + i, 32);
		s += w[0];
		c += s < w[0];
		s += w[1];
		c += s < w[1];
		s += w[2];
		c += s < w[2];
		s += w[3];
		c += s < w[3];
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(w, p + i, 8);
		s += w[0];
		c += s < w[0];
	}
	s += c;
	s += s < c;	/* c < 2^64 / 8: one more carry at most */
	s = (s & 0xffffffffu) + (s >> 32);
	for (; i + 2 <= n; i += 2) {
		memcpy(&h, p + i, 2);
		s += h;
	}
	if (i < n) {	/* a last odd byte is the high byte of a big-endian word */
		h = 0;
		memcpy(&h, p + i, 1);
		s += h;
	}
	r = fold16(s);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	r = ((r & 0xff) << 8) | (r >> 8);
#endif
	return fold16((uint64_t)r + sum);
}

uint32_t
pkt_cksum_sum(const uint8_t *p, uint32_t n, uint32_t sum)
{
	return cksum_sum(p, n, sum, cksum_avx2);
}

uint32_t
pkt_cksum_sum_scalar(const uint8_t *p, uint32_t n, uint32_t sum)
{
	return cksum_sum(p, n, sum, false);
}

bool
pkt_cksum_have_avx2(void)
{
	return cksum_avx2;
}

/*
 * The destination the IPv6 pseudo-header names: the header's, or the final one of a
 * routing header with segments left. Returns 0, or -1 when a routing header's kind is
 * not known (its final destination cannot be found).
 */
static int
ipv6_final_dst(const uint8_t *p, const struct pkt_meta *m, const uint8_t **dst)
{
	uint32_t off = m->l3_off + IPV6_HDR_LEN;
	uint8_t nh = p[m->l3_off + 6];

	*dst = p + m->l3_off + 24;
	/* pkt_parse walked these headers to l4_off: each is within the frame. */
	while (off < m->l4_off) {
		const uint8_t *h = p + off;
		uint32_t hlen = nh == IPPROTO_FRAGMENT ? 8 : nh == IPPROTO_AH ?
				((uint32_t)h[1] + 2) * 4 : ((uint32_t)h[1] + 1) * 8;

		if (nh == IPPROTO_ROUTING && h[3] != 0) {	/* segments left */
			uint32_t n = h[1] / 2;			/* addresses listed */

			if ((h[2] == 0 || h[2] == 2) && n >= 1 && off + 8 + n * 16 <= m->l4_off)
				*dst = h + 8 + (n - 1) * 16;
			else if (h[2] == 4 && n >= 1 && off + 8 + 16 <= m->l4_off)
				*dst = h + 8;
			else
				return -1;
		}
		nh = h[0];
		off += hlen;
	}
	return 0;
}

enum pkt_cksum
pkt_cksum_ip(const uint8_t *p, uint32_t len, const struct pkt_meta *m)
{
	uint32_t hlen;

	if (m->l3 != PKT_L3_IPV4 || m->l3_off + 20 > len)
		return PKT_CKSUM_UNCHECKED;
	hlen = (uint32_t)(p[m->l3_off] & 0x0f) * 4;
	if (hlen < 20 || m->l3_off + hlen > len)
		return PKT_CKSUM_UNCHECKED;
	return cksum_sum(p + m->l3_off, hlen, 0, cksum_avx2) == 0xffff ? PKT_CKSUM_OK :
								 PKT_CKSUM_BAD_IP;
}

enum pkt_cksum
pkt_cksum_l4(const uint8_t *p, uint32_t len, const struct pkt_meta *m)
{
	uint32_t l4len, sum, field;
	const uint8_t *dst;

	if (m->is_fragment || m->l3 == PKT_L3_NONE || m->ip_end > len ||
	    m->l4_off > m->ip_end ||
	    (m->l4_proto != IPPROTO_TCP && m->l4_proto != IPPROTO_UDP))
		return PKT_CKSUM_UNCHECKED;
	if (m->ip_end - m->l4_off < (m->l4_proto == IPPROTO_TCP ? 20u : 8u))
		return PKT_CKSUM_UNCHECKED;
	l4len = m->ip_end - m->l4_off;
	if (m->l4_proto == IPPROTO_UDP) {
		field = (uint32_t)p[m->l4_off + 6] << 8 | p[m->l4_off + 7];
		if (field == 0)
			return m->l3 == PKT_L3_IPV4 ? PKT_CKSUM_OK : PKT_CKSUM_BAD_L4;
		/* UDP's own length is what the checksum covers (trailing bytes are not). */
		l4len = (uint32_t)p[m->l4_off + 4] << 8 | p[m->l4_off + 5];
		if (l4len > m->ip_end - m->l4_off)
			return PKT_CKSUM_BAD_L4;
	}
	if (m->l3 == PKT_L3_IPV4) {
		sum = cksum_sum(p + m->l3_off + 12, 8, 0, false);
	} else {
		if (ipv6_final_dst(p, m, &dst) != 0)
			return PKT_CKSUM_UNCHECKED;
		sum = cksum_sum(p + m->l3_off + 8, 16, 0, false);
		sum = cksum_sum(dst, 16, sum, false);
	}
	sum += m->l4_proto + (l4len & 0xffff) + (l4len >> 16);
	sum = cksum_sum(p + m->l4_off, l4len, sum, cksum_avx2);
	return sum == 0xffff ? PKT_CKSUM_OK : PKT_CKSUM_BAD_L4;
}
