/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checksums of a parsed frame (pkt_cksum.h): RFC 791 (IPv4 header), RFC 793 and RFC 768
 * (TCP and UDP over IPv4), RFC 8200 section 8.1 (over IPv6, final destination of a
 * routing header), RFC 8754 (segment routing header: segment 0 is the final one).
 */
#include <netinet/in.h>
#include <string.h>
#include "pkt_cksum.h"

#define IPV6_HDR_LEN 40

uint32_t
pkt_cksum_sum(const uint8_t *p, uint32_t n, uint32_t sum)
{
	uint64_t s = sum;
	uint32_t i = 0;

	/* 32 bits at a time into 64: no carry is lost before the fold. */
	for (; i + 4 <= n; i += 4)
		s += ((uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 | (uint32_t)p[i + 2] << 8 |
		      p[i + 3]);
	for (; i + 2 <= n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n)
		s += (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
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
	return pkt_cksum_sum(p + m->l3_off, hlen, 0) == 0xffff ? PKT_CKSUM_OK :
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
		sum = pkt_cksum_sum(p + m->l3_off + 12, 8, 0);
	} else {
		if (ipv6_final_dst(p, m, &dst) != 0)
			return PKT_CKSUM_UNCHECKED;
		sum = pkt_cksum_sum(p + m->l3_off + 8, 16, 0);
		sum = pkt_cksum_sum(dst, 16, sum);
	}
	sum += m->l4_proto + (l4len & 0xffff) + (l4len >> 16);
	sum = pkt_cksum_sum(p + m->l4_off, l4len, sum);
	return sum == 0xffff ? PKT_CKSUM_OK : PKT_CKSUM_BAD_L4;
}
