/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pure L2-L4 packet parser: turns the bytes of one Ethernet frame into a struct pkt_meta
 * (offsets, addresses, ports, TCP header fields, fragment fields) or names the first thing
 * wrong with it. No EAL, no allocation, no logging: the worker counts the returned reason.
 *
 * Follows IEEE 802.1Q (C-tags 0x8100, S-tags 0x88a8 and the pre-standard 0x9100),
 * RFC 791 (IPv4 header and option list), RFC 8200 (IPv6 header, extension headers and the
 * fragment header; an atomic fragment is not a fragment, RFC 6946), RFC 4302 (AH length in
 * 32-bit words), RFC 9293 (TCP header and option list), RFC 7323 (window scale, capped at
 * 14), RFC 2018 (SACK), RFC 768 (UDP), RFC 792 and RFC 4443 (ICMP, ICMPv6).
 *
 * Every read is preceded by a length check against the bytes we have: the captured frame
 * for L2 and the IP header, then the IP datagram (total length / payload length) for what
 * follows, so Ethernet padding is never taken for L4 bytes.
 *
 *   | eth | vlan*n | IPv4 hdr+opts / IPv6 hdr+ext* | L4 hdr+opts | payload | padding |
 *   0              l3_off                          l4_off        payload_off ip_end   len
 */

#include <stddef.h>
#include <string.h>

#include "pkt_parse.h"

#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4
#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define IPV6_EXT_MIN_LEN 8
#define TCP_HDR_LEN 20
#define UDP_HDR_LEN 8
#define ICMP_HDR_MIN 4
#define ICMP_HDR_LEN 8

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

#define PROTO_HOPOPTS 0
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_NONE 59
#define PROTO_DSTOPTS 60

#define IPV4_MF 0x2000
#define IPV4_OFFMASK 0x1fff
#define IPV6_FRAG_OFFMASK 0xfff8	/* 13-bit offset in 8-byte units, already in bytes */
#define IPV6_FRAG_M 0x0001

#define IPOPT_EOL 0
#define IPOPT_NOP 1
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TIMESTAMP 8
#define TCPOLEN_MSS 4
#define TCPOLEN_WSCALE 3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TIMESTAMP 10
#define TCP_WSCALE_MAX 14	/* RFC 7323 2.3: a larger shift MUST be taken as 14 */
#define TCP_WSCALE_NONE 0xff

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline int
is_vlan_tpid(uint16_t type)
{
	return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD;
}

/*
 * Walk the Ethernet header and up to PKT_MAX_VLANS tags. Fills ethertype, vlan[],
 * vlan_count and l3_off (first byte after L2).
 */
static enum pkt_err
parse_l2(const uint8_t *p, uint32_t len, struct pkt_meta *m)
{
	uint32_t off = ETH_HDR_LEN;
	uint16_t type;

	if (unlikely(len < ETH_HDR_LEN))
		return PKT_ERR_ETH_TRUNC;
	type = rd16(p + 12);
	while (is_vlan_tpid(type)) {
		if (unlikely(m->vlan_count == PKT_MAX_VLANS))
			return PKT_ERR_VLAN_DEPTH;
		if (unlikely(len - off < VLAN_TAG_LEN))
			return PKT_ERR_VLAN_TRUNC;
		/* TCI: PCP(3) DEI(1) VID(12); only the VID names the VLAN. */
		m->vlan[m->vlan_count++] = rd16(p + off) & 0x0fff;
		type = rd16(p + off + 2);
		off += VLAN_TAG_LEN;
	}
	m->ethertype = type;
	m->l3_off = off;
	return PKT_OK;
}

/* Fixed IPv4 fields both parsers need: version check, addresses, TTL. */
static enum pkt_err
parse_ipv4_fixed(const uint8_t *p, uint32_t len, struct pkt_meta *m)
{
	const uint8_t *ip = p + m->l3_off;

	if (unlikely(len - m->l3_off < IPV4_HDR_LEN))
		return PKT_ERR_IPV4_TRUNC;
	if (unlikely(ip[0] >> 4 != 4))
		return PKT_ERR_IPV4_VERSION;
	m->l3 = PKT_L3_IPV4;
	m->ttl = ip[8];
	memcpy(m->src, ip + 12, 4);
	memcpy(m->dst, ip + 16, 4);
	return PKT_OK;
}

/* Fixed IPv6 fields both parsers need: version check, addresses, hop limit. */
static enum pkt_err
parse_ipv6_fixed(const uint8_t *p, uint32_t len, struct pkt_meta *m)
{
	const uint8_t *ip = p + m->l3_off;

	if (unlikely(len - m->l3_off < IPV6_HDR_LEN))
		return PKT_ERR_IPV6_TRUNC;
	if (unlikely(ip[0] >> 4 != 6))
		return PKT_ERR_IPV6_VERSION;
	m->l3 = PKT_L3_IPV6;
	m->ttl = ip[7];
	memcpy(m->src, ip + 8, 16);
	memcpy(m->dst, ip + 24, 16);
	return PKT_OK;
}

/*
 * RFC 791 option list of n bytes: EOL ends it, NOP is one byte, every other option is
 * type, length (>= 2, counting both), data, and must end inside the header.
 */
static int
ipv4_options_ok(const uint8_t *o, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t l;

		if (o[i] == IPOPT_EOL)
			break;
		if (o[i] == IPOPT_NOP) {
			i++;
			continue;
		}
		if (unlikely(n - i < 2))
			return 0;
		l = o[i + 1];
		if (unlikely(l < 2 || l > n - i))
			return 0;
		i += l;
	}
	return 1;
}

/*
 * RFC 9293 option list of n bytes (same shape as IPv4's). Records MSS, window scale,
 * SACK-permitted and the timestamp's TSval (RFC 7323) when they carry their defined length; a known kind with another length
 * is skipped like an unknown one (as Linux does). A repeated option: the last one wins.
 */
static enum pkt_err
parse_tcp_options(const uint8_t *o, uint32_t n, struct pkt_meta *m)
{
	uint32_t i = 0;

	while (i < n) {
		uint8_t l;

		if (o[i] == TCPOPT_EOL)
			break;
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (unlikely(n - i < 2))
			return PKT_ERR_TCP_OPTIONS;
		l = o[i + 1];
		if (unlikely(l < 2 || l > n - i))
			return PKT_ERR_TCP_OPTIONS;
		switch (o[i]) {
		case TCPOPT_MSS:
			if (l == TCPOLEN_MSS)
				m->mss = rd16(o + i + 2);
			break;
		case TCPOPT_WSCALE:
			if (l == TCPOLEN_WSCALE)
				m->wscale = o[i + 2] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : o[i + 2];
			break;
		case TCPOPT_SACK_PERM:
			if (l == TCPOLEN_SACK_PERM)
				m->sack_permitted = 1;
			break;
		case TCPOPT_TIMESTAMP:
			if (l == TCPOLEN_TIMESTAMP) {
				m->tsval = rd32(o + i + 2);
				m->has_ts = 1;
			}
			break;
		default:
			/* SACK blocks and unknown kinds: length-checked, skipped. */
			break;
		}
		i += l;
	}
	return PKT_OK;
}

/* L4 header at m->l4_off, protocol m->l4_proto, bounded by the datagram end m->ip_end. */
static enum pkt_err
parse_l4(const uint8_t *p, struct pkt_meta *m)
{
	const uint8_t *h = p + m->l4_off;
	uint32_t avail = m->ip_end - m->l4_off;
	uint32_t hlen;
	uint16_t ulen;

	switch (m->l4_proto) {
	case PROTO_TCP:
		if (unlikely(avail < TCP_HDR_LEN))
			return PKT_ERR_TCP_TRUNC;
		hlen = (uint32_t)(h[12] >> 4) * 4;
		if (unlikely(hlen < TCP_HDR_LEN || hlen > avail))
			return PKT_ERR_TCP_HLEN;
		m->sport = rd16(h);
		m->dport = rd16(h + 2);
		m->seq = rd32(h + 4);
		m->ack = rd32(h + 8);
		m->tcp_flags = h[13];
		m->win = rd16(h + 14);
		m->urp = rd16(h + 18);
		m->wscale = TCP_WSCALE_NONE;
		m->has_ts = 0;
		m->payload_off = m->l4_off + hlen;
		m->payload_len = avail - hlen;
		return parse_tcp_options(h + TCP_HDR_LEN, hlen - TCP_HDR_LEN, m);
	case PROTO_UDP:
		if (unlikely(avail < UDP_HDR_LEN))
			return PKT_ERR_UDP_TRUNC;
		ulen = rd16(h + 4);
		if (unlikely(ulen < UDP_HDR_LEN || ulen > avail))
			return PKT_ERR_UDP_LEN;
		m->sport = rd16(h);
		m->dport = rd16(h + 2);
		m->payload_off = m->l4_off + UDP_HDR_LEN;
		m->payload_len = ulen - UDP_HDR_LEN;
		return PKT_OK;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		/* Protocol 1 is ICMP only over IPv4, 58 ICMPv6 only over IPv6. */
		if ((m->l4_proto == PROTO_ICMP) != (m->l3 == PKT_L3_IPV4))
			break;
		if (unlikely(avail < ICMP_HDR_MIN))
			return PKT_ERR_ICMP_TRUNC;
		m->icmp_type = h[0];
		m->icmp_code = h[1];
		/* Most types carry 4 more header bytes (id/seq, MTU, pointer) before the data. */
		hlen = avail >= ICMP_HDR_LEN ? ICMP_HDR_LEN : ICMP_HDR_MIN;
		m->payload_off = m->l4_off + hlen;
		m->payload_len = avail - hlen;
		return PKT_OK;
	default:
		break;
	}
	m->payload_off = m->l4_off;
	m->payload_len = avail;
	return PKT_OK;
}

/* A fragment's L4 header is read after reassembly: describe the fragment's data only. */
static enum pkt_err
set_fragment_data(struct pkt_meta *m, uint32_t data_off)
{
	m->is_fragment = 1;
	m->l4_off = data_off;
	m->payload_off = data_off;
	m->payload_len = m->ip_end - data_off;
	return PKT_OK;
}

static enum pkt_err
parse_ipv4(const uint8_t *p, uint32_t len, struct pkt_meta *m)
{
	const uint8_t *ip = p + m->l3_off;
	uint32_t avail = len - m->l3_off;
	uint32_t hlen;
	uint16_t tot, frag;
	enum pkt_err rc;

	rc = parse_ipv4_fixed(p, len, m);
	if (unlikely(rc != PKT_OK))
		return rc;
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (unlikely(hlen < IPV4_HDR_LEN || hlen > avail))
		return PKT_ERR_IPV4_HLEN;
	tot = rd16(ip + 2);
	if (unlikely(tot < hlen || tot > avail))
		return PKT_ERR_IPV4_TOTLEN;
	if (unlikely(!ipv4_options_ok(ip + IPV4_HDR_LEN, hlen - IPV4_HDR_LEN)))
		return PKT_ERR_IPV4_OPTIONS;
	m->ip_end = m->l3_off + tot;
	m->l4_proto = ip[9];

	frag = rd16(ip + 6);
	if ((frag & (IPV4_MF | IPV4_OFFMASK)) != 0) {
		m->frag_more = (frag & IPV4_MF) != 0;
		m->frag_offset = (uint16_t)((frag & IPV4_OFFMASK) * 8);
		m->frag_id = rd16(ip + 4);
		return set_fragment_data(m, m->l3_off + hlen);
	}
	m->l4_off = m->l3_off + hlen;
	return parse_l4(p, m);
}

/*
 * Walk the RFC 8200 extension headers we know how to skip. Anything else (including ESP,
 * whose length we cannot see) is taken as the upper-layer header.
 */
static enum pkt_err
parse_ipv6(const uint8_t *p, uint32_t len, struct pkt_meta *m)
{
	const uint8_t *ip = p + m->l3_off;
	uint32_t off, hlen;
	uint16_t plen, fo;
	uint8_t nh;
	unsigned int n_ext = 0;
	enum pkt_err rc;

	rc = parse_ipv6_fixed(p, len, m);
	if (unlikely(rc != PKT_OK))
		return rc;
	plen = rd16(ip + 4);
	nh = ip[6];
	/* Payload length 0 + hop-by-hop is a jumbogram (RFC 2675): not supported. */
	if (unlikely(plen == 0 && nh == PROTO_HOPOPTS))
		return PKT_ERR_IPV6_PLEN;
	if (unlikely(plen > len - m->l3_off - IPV6_HDR_LEN))
		return PKT_ERR_IPV6_PLEN;
	m->ip_end = m->l3_off + IPV6_HDR_LEN + plen;
	off = m->l3_off + IPV6_HDR_LEN;

	for (;;) {
		const uint8_t *h = p + off;

		switch (nh) {
		case PROTO_HOPOPTS:
		case PROTO_ROUTING:
		case PROTO_DSTOPTS:
		case PROTO_AH:
		case PROTO_FRAGMENT:
			break;
		case PROTO_NONE:
			/* Nothing follows; bytes up to ip_end are to be ignored (RFC 8200 4.7). */
			m->l4_proto = nh;
			m->l4_off = off;
			m->payload_off = off;
			return PKT_OK;
		default:
			m->l4_proto = nh;
			m->l4_off = off;
			return parse_l4(p, m);
		}
		if (unlikely(n_ext == PKT_MAX_IPV6_EXT))
			return PKT_ERR_IPV6_EXT_DEPTH;
		n_ext++;
		/* Every extension header is at least 8 bytes, the fragment header exactly 8. */
		if (unlikely(m->ip_end - off < IPV6_EXT_MIN_LEN))
			return PKT_ERR_IPV6_EXT_TRUNC;
		if (nh == PROTO_FRAGMENT) {
			fo = rd16(h + 2);
			if ((fo & (IPV6_FRAG_OFFMASK | IPV6_FRAG_M)) != 0) {
				m->l4_proto = h[0];
				m->frag_hdr_off = off;
				m->frag_id = rd32(h + 4);
				m->frag_offset = fo & IPV6_FRAG_OFFMASK;
				m->frag_more = fo & IPV6_FRAG_M;
				return set_fragment_data(m, off + IPV6_EXT_MIN_LEN);
			}
			/* Atomic fragment (RFC 6946): the whole datagram is here, keep going. */
			hlen = IPV6_EXT_MIN_LEN;
		} else if (nh == PROTO_AH) {
			hlen = ((uint32_t)h[1] + 2) * 4;
		} else {
			hlen = ((uint32_t)h[1] + 1) * 8;
		}
		if (unlikely(hlen > m->ip_end - off))
			return PKT_ERR_IPV6_EXT_TRUNC;
		nh = h[0];
		off += hlen;
	}
}

/*
 * Full parse of one frame (see pkt_parse.h). Details the header leaves open:
 * - Non-IP frames: l3 = PKT_L3_NONE, l3_off = first byte after L2, ip_end and payload 0.
 * - Fragments (IPv4 MF/offset, IPv6 fragment header with M/offset): l4_proto is the
 *   protocol of the fragmented datagram (IPv6: the fragment header's next header, which
 *   may itself be an extension header), l4_off = payload_off = first byte of fragment data,
 *   payload_len = fragment data bytes. Ports and TCP fields stay zero.
 *   IPv6 atomic fragments leave every frag field zero and parse L4.
 * - TCP: options are recorded whatever the flags (the tracker decides whether a SYN carried
 *   them); tcp_flags is the whole wire byte, ECE and CWR included.
 * - ICMP: payload starts after 8 header bytes when the datagram has them, else after 4.
 * - IPv6 No Next Header: l4_proto 59, payload_len 0.
 * Any thread; p is only read, m is owned by the caller.
 */
enum pkt_err
pkt_parse(const uint8_t *p, uint32_t len, struct pkt_meta *m)
{
	enum pkt_err rc;

	memset(m, 0, sizeof(*m));
	rc = parse_l2(p, len, m);
	if (unlikely(rc != PKT_OK))
		return rc;
	switch (m->ethertype) {
	case ETHERTYPE_IPV4:
		return parse_ipv4(p, len, m);
	case ETHERTYPE_IPV6:
		return parse_ipv6(p, len, m);
	default:
		return PKT_OK;
	}
}

/*
 * L2 and the fixed IP header only: fills vlan, ethertype, l3, l3_off, ttl, src and dst.
 * Checks only what it reads (header present, version), so fragments, bad options and cut
 * L4 headers all pass; the worker's pkt_parse() counts those. Any thread.
 */
enum pkt_err
pkt_parse_l3(const uint8_t *p, uint32_t len, struct pkt_meta *m)
{
	enum pkt_err rc;

	memset(m, 0, sizeof(*m));
	rc = parse_l2(p, len, m);
	if (unlikely(rc != PKT_OK))
		return rc;
	switch (m->ethertype) {
	case ETHERTYPE_IPV4:
		return parse_ipv4_fixed(p, len, m);
	case ETHERTYPE_IPV6:
		return parse_ipv6_fixed(p, len, m);
	default:
		return PKT_OK;
	}
}

static const char *const pkt_err_names[PKT_ERR__COUNT] = {
	[PKT_OK] = "ok",
	[PKT_ERR_ETH_TRUNC] = "eth_trunc",
	[PKT_ERR_VLAN_TRUNC] = "vlan_trunc",
	[PKT_ERR_VLAN_DEPTH] = "vlan_depth",
	[PKT_ERR_IPV4_TRUNC] = "ipv4_trunc",
	[PKT_ERR_IPV4_VERSION] = "ipv4_version",
	[PKT_ERR_IPV4_HLEN] = "ipv4_hlen",
	[PKT_ERR_IPV4_TOTLEN] = "ipv4_totlen",
	[PKT_ERR_IPV4_OPTIONS] = "ipv4_options",
	[PKT_ERR_IPV6_TRUNC] = "ipv6_trunc",
	[PKT_ERR_IPV6_VERSION] = "ipv6_version",
	[PKT_ERR_IPV6_PLEN] = "ipv6_plen",
	[PKT_ERR_IPV6_EXT_TRUNC] = "ipv6_ext_trunc",
	[PKT_ERR_IPV6_EXT_DEPTH] = "ipv6_ext_depth",
	[PKT_ERR_TCP_TRUNC] = "tcp_trunc",
	[PKT_ERR_TCP_HLEN] = "tcp_hlen",
	[PKT_ERR_TCP_OPTIONS] = "tcp_options",
	[PKT_ERR_UDP_TRUNC] = "udp_trunc",
	[PKT_ERR_UDP_LEN] = "udp_len",
	[PKT_ERR_ICMP_TRUNC] = "icmp_trunc",
};

/* Static table lookup; any thread. Out-of-range values (and a missing entry) give "unknown". */
const char *
pkt_err_name(enum pkt_err e)
{
	if ((unsigned int)e >= PKT_ERR__COUNT || pkt_err_names[e] == NULL)
		return "unknown";
	return pkt_err_names[e];
}
