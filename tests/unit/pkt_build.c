/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame assembly for the pkt_parse unit tests: Ethernet, 802.1Q/802.1ad tags, IPv4 and its
 * options, IPv6 and its extension headers, TCP and UDP written field by field in network
 * byte order into a struct frame, and the canned frames that several test programs share.
 * Each writer asserts (cmocka) that the frame stays within FRAME_MAX.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pkt_parse.h"
#include "pkt_build.h"

const uint8_t mac_dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
const uint8_t mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
const uint8_t ip4_src[4] = { 192, 0, 2, 1 };
const uint8_t ip4_dst[4] = { 198, 51, 100, 2 };
const uint8_t ip6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
const uint8_t ip6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

/* ---- frame assembly ------------------------------------------------------------------ */

void
put(struct frame *f, const void *d, uint32_t n)
{
	assert_true(f->len + n <= FRAME_MAX);
	if (n > 0)
		memcpy(f->b + f->len, d, n);
	f->len += n;
}

void
put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

void
put16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(f, b, 2);
}

void
put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

void
put_zero(struct frame *f, uint32_t n)
{
	assert_true(f->len + n <= FRAME_MAX);
	memset(f->b + f->len, 0, n);
	f->len += n;
}

void
set16(struct frame *f, uint32_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

/* Ethernet header with n VLAN tags (tpid[i], tci[i]) in front of type. */
void
eth_put(struct frame *f, const uint16_t *tpid, const uint16_t *tci, int n, uint16_t type)
{
	int i;

	f->len = 0;
	put(f, mac_dst, 6);
	put(f, mac_src, 6);
	for (i = 0; i < n; i++) {
		put16(f, tpid[i]);
		put16(f, tci[i]);
	}
	put16(f, type);
}

/* IPv4 header (+ optlen bytes of options, a multiple of 4); ipv4_end sets total length. */
uint32_t
ipv4_begin(struct frame *f, uint8_t proto, const uint8_t *opt, uint32_t optlen, uint16_t frag)
{
	uint32_t off = f->len;

	assert_int_equal(optlen % 4, 0);
	put8(f, (uint8_t)(0x40 | (5 + optlen / 4)));
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, ip4_src, 4);
	put(f, ip4_dst, 4);
	put(f, opt, optlen);
	return off;
}

void
ipv4_end(struct frame *f, uint32_t ip)
{
	set16(f, ip + 2, (uint16_t)(f->len - ip));
}

uint32_t
ipv6_begin(struct frame *f, uint8_t nh)
{
	uint32_t off = f->len;

	put32(f, 0x60000000);
	put16(f, 0);
	put8(f, nh);
	put8(f, 64);
	put(f, ip6_src, 16);
	put(f, ip6_dst, 16);
	return off;
}

void
ipv6_end(struct frame *f, uint32_t ip)
{
	set16(f, ip + 4, (uint16_t)(f->len - ip - 40));
}

/* Options-type extension header (HBH, dest opts, routing) of (hl + 1) * 8 bytes. */
void
ipv6_ext_put(struct frame *f, uint8_t nh, uint8_t hl)
{
	uint32_t total = ((uint32_t)hl + 1) * 8;

	put8(f, nh);
	put8(f, hl);
	put8(f, 1);	/* PadN covering the rest */
	put8(f, (uint8_t)(total - 4));
	put_zero(f, total - 4);
}

void
ipv6_frag_put(struct frame *f, uint8_t nh, uint16_t off_bytes, int more, uint32_t id)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, (uint16_t)(off_bytes | (more ? 1 : 0)));
	put32(f, id);
}

void
tcp_put(struct frame *f, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *opt,
	uint32_t optlen)
{
	assert_int_equal(optlen % 4, 0);
	put16(f, 43210);
	put16(f, 80);
	put32(f, seq);
	put32(f, ack);
	put8(f, (uint8_t)((5 + optlen / 4) << 4));
	put8(f, flags);
	put16(f, 64240);
	put16(f, 0);
	put16(f, 0);
	put(f, opt, optlen);
}

void
udp_put(struct frame *f, const void *payload, uint16_t n)
{
	put16(f, 5353);
	put16(f, 53);
	put16(f, (uint16_t)(8 + n));
	put16(f, 0);
	put(f, payload, n);
}

/* Linux-style SYN options: MSS 1460, SACK-permitted, timestamps, NOP, wscale 7. */
static const uint8_t syn_opts[20] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01,
	0xe2, 0x40, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* eth / IPv4 / TCP SYN-ACK with syn_opts / "hello": 79 bytes. */
void
build_ipv4_tcp_syn(struct frame *f)
{
	uint32_t ip;

	eth_put(f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(f, 6, NULL, 0, 0);
	tcp_put(f, 0x01020304, 0xa1b2c3d4, PKT_TCP_SYN | PKT_TCP_ACK, syn_opts, sizeof(syn_opts));
	put(f, "hello", 5);
	ipv4_end(f, ip);
}

/* eth / IPv4 with TCP (no options), payload_n bytes of payload. */
void
build_ipv4_tcp_plain(struct frame *f, uint32_t payload_n)
{
	uint32_t ip;

	eth_put(f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(f, 6, NULL, 0, 0);
	tcp_put(f, 1000, 2000, PKT_TCP_ACK | PKT_TCP_PSH, NULL, 0);
	put_zero(f, payload_n);
	ipv4_end(f, ip);
}

/* eth / IPv4 + 8 option bytes / UDP "abcd": 62 bytes. */
void
build_ipv4_opts_udp(struct frame *f, const uint8_t opts[8])
{
	uint32_t ip;

	eth_put(f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(f, 17, opts, 8, 0);
	udp_put(f, "abcd", 4);
	ipv4_end(f, ip);
}

const uint8_t ipv4_ra_opts[8] = { 0x01, 0x94, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00 };

/* 802.1ad 10 / 802.1Q 20 / IPv6 / HBH(8) / DstOpts(16) / TCP / "xyz": 109 bytes. */
void
build_qinq_ipv6_hbh_dst_tcp(struct frame *f)
{
	static const uint16_t tpid[2] = { 0x88a8, 0x8100 };
	static const uint16_t tci[2] = { 10, 20 };
	uint32_t ip;

	eth_put(f, tpid, tci, 2, 0x86dd);
	ip = ipv6_begin(f, 0);
	ipv6_ext_put(f, 60, 0);
	ipv6_ext_put(f, 6, 1);
	tcp_put(f, 7, 8, PKT_TCP_ACK, NULL, 0);
	put(f, "xyz", 3);
	ipv6_end(f, ip);
}

/* eth / IPv6 / Frag(offset, more, id) carrying TCP / n bytes of data. */
void
build_ipv6_frag(struct frame *f, uint16_t off_bytes, int more, uint32_t n)
{
	uint32_t ip, i;

	eth_put(f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(f, 44);
	ipv6_frag_put(f, 6, off_bytes, more, 0xdeadbeef);
	for (i = 0; i < n; i++)
		put8(f, (uint8_t)i);
	ipv6_end(f, ip);
}

/* eth / IPv4 fragment (frag field as on the wire) carrying TCP, n bytes of data. */
void
build_ipv4_frag(struct frame *f, uint16_t frag, uint32_t n)
{
	uint32_t ip, i;

	eth_put(f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(f, 6, NULL, 0, frag);
	for (i = 0; i < n; i++)
		put8(f, (uint8_t)i);
	ipv4_end(f, ip);
}

/* eth / IPv4 / ICMP echo request id 1 seq 2 / 16 bytes: 58 bytes. */
void
build_ipv4_icmp_echo(struct frame *f)
{
	uint32_t ip;

	eth_put(f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(f, 1, NULL, 0, 0);
	put8(f, 8);
	put8(f, 0);
	put16(f, 0);
	put16(f, 1);
	put16(f, 2);
	put_zero(f, 16);
	ipv4_end(f, ip);
}

/* eth / IPv6 / ICMPv6 echo request / 4 bytes: 66 bytes. */
void
build_ipv6_icmpv6_echo(struct frame *f)
{
	uint32_t ip;

	eth_put(f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(f, 58);
	put8(f, 128);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x0102);
	put16(f, 1);
	put32(f, 0xcafef00d);
	ipv6_end(f, ip);
}

/* eth / IPv6 / atomic Frag / UDP "hi": 72 bytes. */
void
build_ipv6_atomic_frag_udp(struct frame *f)
{
	uint32_t ip;

	eth_put(f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(f, 44);
	ipv6_frag_put(f, 17, 0, 0, 7);
	udp_put(f, "hi", 2);
	ipv6_end(f, ip);
}

/* eth / IPv6 / Routing(8) / AH(len 4 = 24 bytes) / UDP "q": 95 bytes. */
void
build_ipv6_rh_ah_udp(struct frame *f)
{
	uint32_t ip;

	eth_put(f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(f, 43);
	ipv6_ext_put(f, 51, 0);
	put8(f, 17);
	put8(f, 4);
	put_zero(f, 22);
	udp_put(f, "q", 1);
	ipv6_end(f, ip);
}

/* eth / ARP request: 42 bytes. */
void
build_arp(struct frame *f)
{
	eth_put(f, NULL, NULL, 0, 0x0806);
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, 1);
	put(f, mac_src, 6);
	put(f, ip4_src, 4);
	put_zero(f, 6);
	put(f, ip4_dst, 4);
}

/* n destination-options headers then UDP with no payload. */
void
build_ipv6_dstopts_chain(struct frame *f, int n)
{
	uint32_t ip;
	int i;

	eth_put(f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(f, 60);
	for (i = 0; i < n; i++)
		ipv6_ext_put(f, i == n - 1 ? 17 : 60, 0);
	udp_put(f, NULL, 0);
	ipv6_end(f, ip);
}
