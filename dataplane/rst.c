/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reset generation for an inline gateway that cuts a connection: from the frame it is
 * dropping, build the RST for either end. Reset rules of RFC 9293 3.10.7.1 (RFC 793 3.4),
 * the Internet checksum of RFC 1071, the IPv4 header of RFC 791, the IPv6 header and
 * upper-layer pseudo-header of RFC 8200 (8.1), VLAN tags of IEEE 802.1Q / 802.1ad.
 *
 * The gateway is invisible (a bump in the wire), so each reset wears the addresses of the
 * end it claims to come from:
 *
 *   sender A ----- frame (A -> B, seq S, ack K) -----X gateway     receiver B
 *            <---- RST  B -> A, seq K (or seq 0, ack S + len + SYN + FIN if no ACK)
 *                                                      RST A -> B, seq S ---->
 *
 * B never saw the dropped segment, so S is exactly the sequence number it expects and the
 * reset lands in its window; A's last ACK value K is B's next sequence number as far as A
 * knows. Only the L2 header is copied from the frame; everything else comes from the
 * parsed metadata, so IPv4 options, IPv6 extension headers and TCP options never leak
 * into the reset.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rst.h"

#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#define ETH_ADDR_LEN 6
#define ETH_HDR_LEN 14
#define ETH_TYPE_OFF 12
#define VLAN_TAG_LEN 4
#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define TCP_HDR_LEN 20

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

#define PROTO_TCP 6
#define RST_TTL 64
#define IPV4_DF 0x4000
#define TCP_DOFF_5 0x50	/* data offset 5 words, reserved bits 0 */

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/*
 * RFC 1071 one's-complement sum of n bytes at p (big-endian 16-bit words, an odd last
 * byte padded with zero) added to sum. Unfolded: at most 60 bytes go through here, far
 * from overflowing 32 bits.
 */
static uint32_t
rst_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += rd16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

/* Fold the carries back in and complement: the value to store in a checksum field. */
static uint16_t
rst_csum_fold(uint32_t sum)
{
	while (sum >> 16 != 0)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int
is_vlan_tpid(uint16_t type)
{
	return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD;
}

/*
 * Does m describe a whole, unfragmented TCP segment inside pkt[0..len), as a successful
 * pkt_parse() of that frame leaves it? Checked field by field so that a partial parse (or
 * a caller's mistake) can never make us read past len or write a nonsense reset.
 */
static int
meta_ok(const uint8_t *pkt, uint32_t len, const struct pkt_meta *m)
{
	uint32_t ip_hlen, i;
	uint16_t want;

	if (m->l3 == PKT_L3_IPV4) {
		ip_hlen = IPV4_HDR_LEN;
		want = ETHERTYPE_IPV4;
	} else if (m->l3 == PKT_L3_IPV6) {
		ip_hlen = IPV6_HDR_LEN;
		want = ETHERTYPE_IPV6;
	} else {
		return 0;
	}
	if (m->l4_proto != PROTO_TCP || m->is_fragment)
		return 0;
	if ((m->tcp_flags & PKT_TCP_RST) != 0)
		return 0;

	/* L2: Ethernet, then exactly vlan_count tags, then the IP ethertype. */
	if (m->vlan_count > PKT_MAX_VLANS)
		return 0;
	if (m->l3_off != ETH_HDR_LEN + (uint32_t)m->vlan_count * VLAN_TAG_LEN || m->l3_off > len)
		return 0;
	for (i = 0; i < m->vlan_count; i++)
		if (!is_vlan_tpid(rd16(pkt + ETH_TYPE_OFF + i * VLAN_TAG_LEN)))
			return 0;
	if (rd16(pkt + m->l3_off - 2) != want)
		return 0;

	/* l3_off + IP header <= l4_off, l4_off + 20 <= payload_off <= ip_end <= len. */
	if (m->l4_off < m->l3_off + ip_hlen || m->payload_off < m->l4_off)
		return 0;
	if (m->payload_off - m->l4_off < TCP_HDR_LEN)
		return 0;
	if (m->ip_end > len || m->payload_off > m->ip_end)
		return 0;
	return m->payload_len == m->ip_end - m->payload_off;
}

/* IPv4 header, no options, for a 20-byte TCP segment from src to dst. */
static void
put_ipv4(uint8_t *ip, const uint8_t *src, const uint8_t *dst)
{
	ip[0] = 0x45;		/* version 4, IHL 5 */
	ip[1] = 0;		/* DSCP/ECN */
	wr16(ip + 2, IPV4_HDR_LEN + TCP_HDR_LEN);
	wr16(ip + 4, 0);	/* id: DF is set, nothing will be reassembled (RFC 6864) */
	wr16(ip + 6, IPV4_DF);
	ip[8] = RST_TTL;
	ip[9] = PROTO_TCP;
	wr16(ip + 10, 0);
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	wr16(ip + 10, rst_csum_fold(rst_csum_add(0, ip, IPV4_HDR_LEN)));
}

/* IPv6 header, no extension headers, for a 20-byte TCP segment from src to dst. */
static void
put_ipv6(uint8_t *ip, const uint8_t *src, const uint8_t *dst)
{
	wr32(ip, 0x60000000u);	/* version 6, traffic class 0, flow label 0 */
	wr16(ip + 4, TCP_HDR_LEN);
	ip[6] = PROTO_TCP;
	ip[7] = RST_TTL;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

/*
 * TCP checksum over the pseudo-header: RFC 9293 3.1 for IPv4 (src, dst, zero, protocol,
 * TCP length), RFC 8200 8.1 for IPv6 (src, dst, 32-bit length, 3 zero bytes, next header).
 * Both sum to the same words for a 20-byte segment, only the address size differs.
 */
static uint16_t
tcp_csum(const uint8_t *src, const uint8_t *dst, size_t alen, const uint8_t *tcp)
{
	uint32_t sum = 0;

	sum = rst_csum_add(sum, src, alen);
	sum = rst_csum_add(sum, dst, alen);
	sum += PROTO_TCP + TCP_HDR_LEN;
	sum = rst_csum_add(sum, tcp, TCP_HDR_LEN);
	return rst_csum_fold(sum);
}

/* See rst.h. */
int
rst_build(const uint8_t *pkt, uint32_t len, const struct pkt_meta *m, enum rst_target t,
	uint8_t *out, size_t outlen)
{
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack, ip_hlen, flen;
	uint8_t flags;
	size_t alen;
	uint8_t *ip, *tcp;

	if (unlikely(pkt == NULL || m == NULL || out == NULL || outlen < RST_FRAME_MAX))
		return -EINVAL;
	if (unlikely(t != RST_TO_SENDER && t != RST_TO_RECEIVER))
		return -EINVAL;
	if (unlikely(!meta_ok(pkt, len, m)))
		return -EINVAL;

	if (t == RST_TO_RECEIVER) {
		memcpy(out, pkt, 2 * ETH_ADDR_LEN);
		src = m->src;
		dst = m->dst;
		sport = m->sport;
		dport = m->dport;
		seq = m->seq;
		ack = 0;
		flags = PKT_TCP_RST;
	} else {
		memcpy(out, pkt + ETH_ADDR_LEN, ETH_ADDR_LEN);
		memcpy(out + ETH_ADDR_LEN, pkt, ETH_ADDR_LEN);
		src = m->dst;
		dst = m->src;
		sport = m->dport;
		dport = m->sport;
		if ((m->tcp_flags & PKT_TCP_ACK) != 0) {
			seq = m->ack;
			ack = 0;
			flags = PKT_TCP_RST;
		} else {
			/* Acknowledge everything the segment occupied in sequence space. */
			seq = 0;
			ack = m->seq + m->payload_len + ((m->tcp_flags & PKT_TCP_SYN) != 0) +
				((m->tcp_flags & PKT_TCP_FIN) != 0);
			flags = PKT_TCP_RST | PKT_TCP_ACK;
		}
	}
	/* VLAN tags (TPID + TCI each) and the IP ethertype, as the frame had them. */
	memcpy(out + ETH_TYPE_OFF, pkt + ETH_TYPE_OFF, m->l3_off - ETH_TYPE_OFF);

	ip = out + m->l3_off;
	if (m->l3 == PKT_L3_IPV4) {
		ip_hlen = IPV4_HDR_LEN;
		alen = 4;
		put_ipv4(ip, src, dst);
	} else {
		ip_hlen = IPV6_HDR_LEN;
		alen = 16;
		put_ipv6(ip, src, dst);
	}

	tcp = ip + ip_hlen;
	wr16(tcp, sport);
	wr16(tcp + 2, dport);
	wr32(tcp + 4, seq);
	wr32(tcp + 8, ack);
	tcp[12] = TCP_DOFF_5;
	tcp[13] = flags;
	wr16(tcp + 14, 0);	/* window */
	wr16(tcp + 16, 0);	/* checksum, computed below */
	wr16(tcp + 18, 0);	/* urgent pointer */
	wr16(tcp + 16, tcp_csum(src, dst, alen, tcp));

	flen = m->l3_off + ip_hlen + TCP_HDR_LEN;
	if (flen < RST_FRAME_MIN) {
		memset(out + flen, 0, RST_FRAME_MIN - flen);
		flen = RST_FRAME_MIN;
	}
	return (int)flen;
}
