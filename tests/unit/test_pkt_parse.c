/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the pure L2-L4 parser (dataplane/pkt_parse.c). Frames are assembled by
 * hand; every parse goes through an exactly-sized heap copy so ASan and valgrind catch any
 * read past the end. Covers Ethernet/802.1Q/802.1ad, IPv4 (RFC 791) and its options,
 * IPv6 (RFC 8200) and its extension headers, TCP (RFC 9293) options, UDP, ICMP, ICMPv6,
 * every truncation point of a set of valid frames and a seeded mutation fuzz loop.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pkt_parse.h"

#define FRAME_MAX 4096

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
};

static const uint8_t mac_dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t ip4_src[4] = { 192, 0, 2, 1 };
static const uint8_t ip4_dst[4] = { 198, 51, 100, 2 };
static const uint8_t ip6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t ip6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

/* ---- frame assembly ------------------------------------------------------------------ */

static void
put(struct frame *f, const void *d, uint32_t n)
{
	assert_true(f->len + n <= FRAME_MAX);
	if (n > 0)
		memcpy(f->b + f->len, d, n);
	f->len += n;
}

static void
put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static void
put16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(f, b, 2);
}

static void
put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void
put_zero(struct frame *f, uint32_t n)
{
	assert_true(f->len + n <= FRAME_MAX);
	memset(f->b + f->len, 0, n);
	f->len += n;
}

static void
set16(struct frame *f, uint32_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

/* Ethernet header with n VLAN tags (tpid[i], tci[i]) in front of type. */
static void
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
static uint32_t
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

static void
ipv4_end(struct frame *f, uint32_t ip)
{
	set16(f, ip + 2, (uint16_t)(f->len - ip));
}

static uint32_t
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

static void
ipv6_end(struct frame *f, uint32_t ip)
{
	set16(f, ip + 4, (uint16_t)(f->len - ip - 40));
}

/* Options-type extension header (HBH, dest opts, routing) of (hl + 1) * 8 bytes. */
static void
ipv6_ext_put(struct frame *f, uint8_t nh, uint8_t hl)
{
	uint32_t total = ((uint32_t)hl + 1) * 8;

	put8(f, nh);
	put8(f, hl);
	put8(f, 1);	/* PadN covering the rest */
	put8(f, (uint8_t)(total - 4));
	put_zero(f, total - 4);
}

static void
ipv6_frag_put(struct frame *f, uint8_t nh, uint16_t off_bytes, int more, uint32_t id)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, (uint16_t)(off_bytes | (more ? 1 : 0)));
	put32(f, id);
}

static void
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

static void
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
static void
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
static void
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
static void
build_ipv4_opts_udp(struct frame *f, const uint8_t opts[8])
{
	uint32_t ip;

	eth_put(f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(f, 17, opts, 8, 0);
	udp_put(f, "abcd", 4);
	ipv4_end(f, ip);
}

static const uint8_t ipv4_ra_opts[8] = { 0x01, 0x94, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00 };

/* 802.1ad 10 / 802.1Q 20 / IPv6 / HBH(8) / DstOpts(16) / TCP / "xyz": 109 bytes. */
static void
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
static void
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
static void
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
static void
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
static void
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
static void
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
static void
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
static void
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

/* ---- parse helpers ------------------------------------------------------------------- */

/* Parse a heap copy of exactly n bytes (NULL when n is 0) so any overread is caught. */
static enum pkt_err
parse_exact(const uint8_t *d, uint32_t n, struct pkt_meta *m, int l3_only)
{
	uint8_t *copy = NULL;
	enum pkt_err rc;

	if (n > 0) {
		copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, d, n);
	}
	rc = l3_only ? pkt_parse_l3(copy, n, m) : pkt_parse(copy, n, m);
	free(copy);
	return rc;
}

static enum pkt_err
parse_frame(const struct frame *f, struct pkt_meta *m)
{
	return parse_exact(f->b, f->len, m, 0);
}

/* Offsets of a PKT_OK result are ordered and inside the frame. */
static void
assert_consistent(const struct pkt_meta *m, uint32_t len)
{
	assert_true(m->vlan_count <= PKT_MAX_VLANS);
	assert_true(m->l3_off <= len);
	if (m->l3 == PKT_L3_NONE) {
		assert_int_equal(m->ip_end, 0);
		assert_int_equal(m->payload_off, 0);
		assert_int_equal(m->payload_len, 0);
		return;
	}
	assert_true(m->l3 == PKT_L3_IPV4 || m->l3 == PKT_L3_IPV6);
	assert_true(m->l3_off + 20 <= m->l4_off);
	assert_true(m->l4_off <= m->payload_off);
	assert_true(m->payload_off + m->payload_len <= m->ip_end);
	assert_true(m->ip_end <= len);
	if (m->is_fragment) {
		assert_int_equal(m->sport, 0);
		assert_int_equal(m->seq, 0);
	} else if (m->l4_proto == 6) {
		assert_true(m->wscale <= 14 || m->wscale == 0xff);
	}
}

static void
assert_ip4_addrs(const struct pkt_meta *m)
{
	static const uint8_t zero[12];

	assert_memory_equal(m->src, ip4_src, 4);
	assert_memory_equal(m->dst, ip4_dst, 4);
	assert_memory_equal(m->src + 4, zero, 12);
	assert_memory_equal(m->dst + 4, zero, 12);
}

static void
assert_ip6_addrs(const struct pkt_meta *m)
{
	assert_memory_equal(m->src, ip6_src, 16);
	assert_memory_equal(m->dst, ip6_dst, 16);
}

/* ---- Ethernet, VLAN, non-IP ---------------------------------------------------------- */

static void
test_eth_shorter_than_header_is_eth_trunc(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t n;

	(void)state;
	build_arp(&f);
	for (n = 0; n < 14; n++)
		assert_int_equal(parse_exact(f.b, n, &m, 0), PKT_ERR_ETH_TRUNC);
}

static void
test_arp_is_ok_without_l3(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_arp(&f);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l3, PKT_L3_NONE);
	assert_int_equal(m.ethertype, 0x0806);
	assert_int_equal(m.l3_off, 14);
	assert_int_equal(m.ip_end, 0);
	assert_int_equal(m.l4_off, 0);
	assert_int_equal(m.payload_len, 0);
	assert_int_equal(m.vlan_count, 0);
}

static void
test_lldp_and_8023_length_frames_are_ok_without_l3(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	eth_put(&f, NULL, NULL, 0, 0x88cc);
	put_zero(&f, 46);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l3, PKT_L3_NONE);
	assert_int_equal(m.ethertype, 0x88cc);

	eth_put(&f, NULL, NULL, 0, 46);	/* 802.3 length field, LLC follows */
	put_zero(&f, 46);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l3, PKT_L3_NONE);
	assert_int_equal(m.ethertype, 46);
}

static void
test_parse_zeroes_meta_before_filling(void **state)
{
	struct frame f;
	struct pkt_meta m, want;

	(void)state;
	build_arp(&f);
	memset(&m, 0xa5, sizeof(m));
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	memset(&want, 0, sizeof(want));
	want.ethertype = 0x0806;
	want.l3_off = 14;
	assert_memory_equal(&m, &want, sizeof(m));

	memset(&m, 0xa5, sizeof(m));
	assert_int_equal(parse_exact(f.b, 10, &m, 0), PKT_ERR_ETH_TRUNC);
	memset(&want, 0, sizeof(want));
	assert_memory_equal(&m, &want, sizeof(m));

	memset(&m, 0xa5, sizeof(m));
	assert_int_equal(parse_exact(f.b, 10, &m, 1), PKT_ERR_ETH_TRUNC);
	assert_memory_equal(&m, &want, sizeof(m));
}

static void
test_vlan_8021q_tag_records_vid_without_priority_bits(void **state)
{
	static const uint16_t tpid[1] = { 0x8100 };
	static const uint16_t tci[1] = { 0xb064 };	/* PCP 5, DEI 1, VID 100 */
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	eth_put(&f, tpid, tci, 1, 0x0800);
	ip = ipv4_begin(&f, 17, NULL, 0, 0);
	udp_put(&f, "abc", 3);
	ipv4_end(&f, ip);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.vlan_count, 1);
	assert_int_equal(m.vlan[0], 100);
	assert_int_equal(m.ethertype, 0x0800);
	assert_int_equal(m.l3_off, 18);
	assert_int_equal(m.l4_off, 38);
	assert_int_equal(m.payload_off, 46);
	assert_int_equal(m.payload_len, 3);
	assert_int_equal(m.sport, 5353);
	assert_int_equal(m.dport, 53);
}

static void
test_qinq_records_tags_outermost_first(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_qinq_ipv6_hbh_dst_tcp(&f);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.vlan_count, 2);
	assert_int_equal(m.vlan[0], 10);
	assert_int_equal(m.vlan[1], 20);
	assert_int_equal(m.vlan[2], 0);
	assert_int_equal(m.ethertype, 0x86dd);
	assert_int_equal(m.l3_off, 22);
}

static void
test_three_tags_with_9100_are_accepted(void **state)
{
	static const uint16_t tpid[3] = { 0x9100, 0x88a8, 0x8100 };
	static const uint16_t tci[3] = { 4095, 1, 0x2fff };
	struct frame f;
	struct pkt_meta m;

	(void)state;
	eth_put(&f, tpid, tci, 3, 0x0806);
	put_zero(&f, 28);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.vlan_count, 3);
	assert_int_equal(m.vlan[0], 4095);
	assert_int_equal(m.vlan[1], 1);
	assert_int_equal(m.vlan[2], 0xfff);
	assert_int_equal(m.l3_off, 26);
	assert_int_equal(m.ethertype, 0x0806);
	assert_int_equal(m.l3, PKT_L3_NONE);
}

static void
test_four_tags_are_vlan_depth(void **state)
{
	static const uint16_t tpid[4] = { 0x88a8, 0x8100, 0x8100, 0x8100 };
	static const uint16_t tci[4] = { 1, 2, 3, 4 };
	struct frame f;
	struct pkt_meta m;

	(void)state;
	eth_put(&f, tpid, tci, 4, 0x0800);
	put_zero(&f, 40);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_VLAN_DEPTH);
	assert_int_equal(parse_exact(f.b, f.len, &m, 1), PKT_ERR_VLAN_DEPTH);
}

static void
test_cut_vlan_tag_is_vlan_trunc(void **state)
{
	static const uint16_t tpid[2] = { 0x88a8, 0x8100 };
	static const uint16_t tci[2] = { 1, 2 };
	struct frame f;
	struct pkt_meta m;
	uint32_t n;

	(void)state;
	eth_put(&f, tpid, tci, 2, 0x0800);
	/* f.len is 22: a tag needs 4 bytes after each TPID */
	for (n = 14; n < 18; n++)
		assert_int_equal(parse_exact(f.b, n, &m, 0), PKT_ERR_VLAN_TRUNC);
	for (n = 18; n < 22; n++) {
		assert_int_equal(parse_exact(f.b, n, &m, 0), PKT_ERR_VLAN_TRUNC);
		assert_int_equal(m.vlan_count, 1);
	}
	assert_int_equal(parse_exact(f.b, 22, &m, 0), PKT_ERR_IPV4_TRUNC);
}

/* ---- IPv4 + TCP ---------------------------------------------------------------------- */

static void
test_ipv4_tcp_syn_fills_every_field(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_tcp_syn(&f);
	assert_int_equal(f.len, 79);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.ethertype, 0x0800);
	assert_int_equal(m.l3, PKT_L3_IPV4);
	assert_int_equal(m.l3_off, 14);
	assert_int_equal(m.l4_off, 34);
	assert_int_equal(m.payload_off, 74);
	assert_int_equal(m.payload_len, 5);
	assert_int_equal(m.ip_end, 79);
	assert_int_equal(m.l4_proto, 6);
	assert_int_equal(m.ttl, 64);
	assert_int_equal(m.is_fragment, 0);
	assert_int_equal(m.frag_id, 0);
	assert_ip4_addrs(&m);
	assert_int_equal(m.sport, 43210);
	assert_int_equal(m.dport, 80);
	assert_int_equal(m.seq, 0x01020304);
	assert_int_equal(m.ack, 0xa1b2c3d4);
	assert_int_equal(m.tcp_flags, PKT_TCP_SYN | PKT_TCP_ACK);
	assert_int_equal(m.win, 64240);
	assert_int_equal(m.mss, 1460);
	assert_int_equal(m.wscale, 7);
	assert_int_equal(m.sack_permitted, 1);
	assert_memory_equal(f.b + m.payload_off, "hello", 5);
}

static void
test_tcp_without_options_reports_options_absent(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_tcp_plain(&f, 10);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.wscale, 0xff);
	assert_int_equal(m.mss, 0);
	assert_int_equal(m.sack_permitted, 0);
	assert_int_equal(m.tcp_flags, PKT_TCP_ACK | PKT_TCP_PSH);
	assert_int_equal(m.seq, 1000);
	assert_int_equal(m.ack, 2000);
	assert_int_equal(m.payload_off, 54);
	assert_int_equal(m.payload_len, 10);
}

static void
test_tcp_flags_keep_ece_and_cwr(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	eth_put(&f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(&f, 6, NULL, 0, 0);
	tcp_put(&f, 1, 0, PKT_TCP_SYN | PKT_TCP_ECE | PKT_TCP_CWR, NULL, 0);
	ipv4_end(&f, ip);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.tcp_flags, 0xc2);
}

/*
 * One TCP segment with the given 8 option bytes, followed by "zz" or by nothing (then the
 * options end the frame, so a read past them is a read past the buffer).
 */
static enum pkt_err
parse_tcp_with_opts(const uint8_t opts[8], int with_payload, struct pkt_meta *m)
{
	struct frame f;
	uint32_t ip;

	eth_put(&f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(&f, 6, NULL, 0, 0);
	tcp_put(&f, 1, 2, PKT_TCP_SYN, opts, 8);
	if (with_payload)
		put(&f, "zz", 2);
	ipv4_end(&f, ip);
	return parse_frame(&f, m);
}

static void
test_tcp_wscale_above_14_is_clamped_to_14(void **state)
{
	static const uint8_t opts[8] = { 0x03, 0x03, 0x0f, 0x01, 0x03, 0x03, 0xff, 0x00 };
	struct pkt_meta m;

	(void)state;
	assert_int_equal(parse_tcp_with_opts(opts, 1, &m), PKT_OK);
	assert_int_equal(m.wscale, 14);
}

static void
test_tcp_known_option_with_wrong_length_is_skipped(void **state)
{
	/* MSS with length 3, wscale with length 4, SACK-permitted with length 3 (+ 1 NOP pad) */
	static const uint8_t opts[12] = { 0x02, 0x03, 0x05, 0x03, 0x04, 0x07, 0x00,
					  0x04, 0x03, 0x00, 0x01, 0x01 };
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	eth_put(&f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(&f, 6, NULL, 0, 0);
	tcp_put(&f, 1, 2, PKT_TCP_SYN, opts, sizeof(opts));
	ipv4_end(&f, ip);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.mss, 0);
	assert_int_equal(m.wscale, 0xff);
	assert_int_equal(m.sack_permitted, 0);
	assert_int_equal(m.payload_off, 66);
	assert_int_equal(m.payload_len, 0);
}

static void
test_tcp_sack_timestamp_and_unknown_options_are_skipped(void **state)
{
	/* NOP NOP SACK(1 block) / experimental 0xfe len 4 / MSS 536 / EOL + garbage */
	static const uint8_t opts[24] = {
		0x01, 0x01, 0x05, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2,
		0xfe, 0x04, 0xab, 0xcd, 0x02, 0x04, 0x02, 0x18, 0x00, 0x02, 0x00, 0x00,
	};
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	eth_put(&f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(&f, 6, NULL, 0, 0);
	tcp_put(&f, 1, 2, PKT_TCP_ACK, opts, sizeof(opts));
	put(&f, "data", 4);
	ipv4_end(&f, ip);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.mss, 536);
	assert_int_equal(m.wscale, 0xff);
	assert_int_equal(m.payload_off, 78);
	assert_int_equal(m.payload_len, 4);
}

static void
test_tcp_malformed_option_lengths_are_tcp_options(void **state)
{
	static const uint8_t bad[][8] = {
		{ 0x02, 0x00, 0x05, 0xb4, 0x01, 0x01, 0x01, 0x01 },	/* length 0 */
		{ 0x01, 0x02, 0x01, 0x05, 0xb4, 0x01, 0x01, 0x01 },	/* length 1 */
		{ 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x04 },	/* MSS past the header */
		{ 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00 },	/* timestamps past it */
		{ 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x03 },	/* kind in the last byte */
		{ 0xfe, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },	/* unknown, length 255 */
	};
	struct pkt_meta m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_tcp_with_opts(bad[i], 1, &m), PKT_ERR_TCP_OPTIONS);
		assert_int_equal(parse_tcp_with_opts(bad[i], 0, &m), PKT_ERR_TCP_OPTIONS);
	}
}

static void
test_tcp_eol_ends_option_list(void **state)
{
	static const uint8_t opts[8] = { 0x01, 0x00, 0x02, 0x00, 0xff, 0xff, 0xff, 0xff };
	struct pkt_meta m;

	(void)state;
	assert_int_equal(parse_tcp_with_opts(opts, 1, &m), PKT_OK);
	assert_int_equal(m.mss, 0);
	assert_int_equal(m.payload_off, 62);
	assert_int_equal(m.payload_len, 2);
}

static void
test_ethernet_padding_is_trimmed(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	build_ipv4_tcp_plain(&f, 0);	/* 54 bytes, padded to the 60-byte minimum */
	put_zero(&f, 6);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.ip_end, 54);
	assert_int_equal(m.payload_off, 54);
	assert_int_equal(m.payload_len, 0);

	eth_put(&f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(&f, 17, NULL, 0, 0);
	udp_put(&f, "wxyz", 4);
	ipv4_end(&f, ip);
	put(&f, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 14);
	assert_int_equal(f.len, 60);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.ip_end, 46);
	assert_int_equal(m.payload_off, 42);
	assert_int_equal(m.payload_len, 4);

	eth_put(&f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(&f, 17);
	udp_put(&f, "uv", 2);
	ipv6_end(&f, ip);
	put_zero(&f, 4);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.ip_end, 64);
	assert_int_equal(m.payload_off, 62);
	assert_int_equal(m.payload_len, 2);
}

static void
test_tcp_header_reaching_into_padding_is_tcp_hlen(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_tcp_plain(&f, 0);
	put_zero(&f, 6);
	f.b[34 + 12] = 0x60;	/* data offset 6: 24 bytes, 4 of them Ethernet padding */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_TCP_HLEN);
}

static void
test_ipv4_options_valid_are_skipped(void **state)
{
	static const uint8_t rr_nop[8] = { 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01 };
	static const uint8_t eol_garbage[8] = { 0x00, 0x94, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_opts_udp(&f, ipv4_ra_opts);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_off, 42);
	assert_int_equal(m.payload_off, 50);
	assert_int_equal(m.payload_len, 4);
	assert_int_equal(m.ip_end, 54);
	assert_int_equal(m.l4_proto, 17);
	assert_ip4_addrs(&m);

	build_ipv4_opts_udp(&f, rr_nop);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_off, 42);

	build_ipv4_opts_udp(&f, eol_garbage);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_off, 42);
}

static void
test_ipv4_options_malformed_are_ipv4_options(void **state)
{
	static const uint8_t bad[][8] = {
		{ 0x94, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },	/* length 0 */
		{ 0x01, 0x94, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 },	/* length 1 */
		{ 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x07, 0x08 },	/* past the header */
		{ 0x07, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00 },	/* 9 bytes in 8 */
		{ 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x94 },	/* type in the last byte */
	};
	struct frame f;
	struct pkt_meta m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_ipv4_opts_udp(&f, bad[i]);
		assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_OPTIONS);
		/* Same header ending the frame: nothing after the options to read by mistake */
		f.len = 42;
		set16(&f, 16, 28);
		assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_OPTIONS);
	}
}

static void
test_ipv4_hostile_header_fields_are_refused(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_tcp_plain(&f, 0);	/* IPv4 at 14, total length 40, frame 54 */

	assert_int_equal(parse_exact(f.b, 33, &m, 0), PKT_ERR_IPV4_TRUNC);

	f.b[14] = 0x65;
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_VERSION);
	f.b[14] = 0x44;	/* IHL 4 */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_HLEN);
	f.b[14] = 0x40;	/* IHL 0 */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_HLEN);
	f.b[14] = 0x4f;	/* IHL 15: 60 bytes, only 40 here */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_HLEN);
	f.b[14] = 0x45;

	set16(&f, 16, 19);	/* total length below the header */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_TOTLEN);
	set16(&f, 16, 0);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_TOTLEN);
	f.b[14] = 0x46;	/* IHL 6 (24 bytes) with total length 22 */
	set16(&f, 16, 22);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_TOTLEN);
	f.b[14] = 0x45;
	set16(&f, 16, 41);	/* one byte more than the frame holds */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_TOTLEN);
	set16(&f, 16, 0xffff);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_TOTLEN);
	set16(&f, 16, 40);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
}

static void
test_tcp_hostile_data_offset_is_refused(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_tcp_plain(&f, 0);
	f.b[46] = 0x40;	/* data offset 4 */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_TCP_HLEN);
	f.b[46] = 0x00;
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_TCP_HLEN);
	f.b[46] = 0xf0;	/* 60 bytes in a 20-byte segment */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_TCP_HLEN);
	f.b[46] = 0x60;
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_TCP_HLEN);
	f.b[46] = 0x50;
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
}

static void
test_ipv4_tcp_cut_inside_segment_is_tcp_trunc_then_tcp_hlen(void **state)
{
	struct frame f, g;
	struct pkt_meta m;
	uint32_t k;

	(void)state;
	build_ipv4_tcp_syn(&f);	/* TCP header 40 bytes at 34, 5 payload bytes */
	for (k = 0; k <= 45; k++) {
		enum pkt_err want = k < 20 ? PKT_ERR_TCP_TRUNC :
				    k < 40 ? PKT_ERR_TCP_HLEN : PKT_OK;

		g = f;
		g.len = 34 + k;
		set16(&g, 16, (uint16_t)(20 + k));
		assert_int_equal(parse_frame(&g, &m), want);
		if (want == PKT_OK) {
			assert_int_equal(m.payload_off, 74);
			assert_int_equal(m.payload_len, k - 40);
			assert_int_equal(m.mss, 1460);
		}
	}
}

/* ---- UDP, ICMP, other protocols ------------------------------------------------------ */

static void
test_udp_fills_ports_and_payload(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_opts_udp(&f, ipv4_ra_opts);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.sport, 5353);
	assert_int_equal(m.dport, 53);
	assert_int_equal(m.wscale, 0);
	assert_memory_equal(f.b + m.payload_off, "abcd", 4);
}

static void
test_udp_hostile_length_is_refused(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	eth_put(&f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(&f, 17, NULL, 0, 0);
	udp_put(&f, "123456", 6);
	ipv4_end(&f, ip);	/* UDP at 34, length 14 */

	set16(&f, 38, 7);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_UDP_LEN);
	set16(&f, 38, 0);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_UDP_LEN);
	set16(&f, 38, 15);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_UDP_LEN);
	set16(&f, 38, 10);	/* shorter than the datagram: the UDP length wins */
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.payload_off, 42);
	assert_int_equal(m.payload_len, 2);
	set16(&f, 38, 8);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.payload_len, 0);

	f.len = 41;	/* 7 bytes of UDP */
	set16(&f, 16, 27);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_UDP_TRUNC);
}

static void
test_icmp_echo_fills_type_code_and_payload(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_icmp_echo(&f);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_proto, 1);
	assert_int_equal(m.icmp_type, 8);
	assert_int_equal(m.icmp_code, 0);
	assert_int_equal(m.l4_off, 34);
	assert_int_equal(m.payload_off, 42);
	assert_int_equal(m.payload_len, 16);
	assert_int_equal(m.sport, 0);
	assert_int_equal(m.dport, 0);
}

static void
test_icmp_short_header_payload_and_trunc(void **state)
{
	struct frame f, g;
	struct pkt_meta m;

	(void)state;
	build_ipv4_icmp_echo(&f);
	g = f;
	g.len = 38;	/* 4-byte ICMP header only */
	set16(&g, 16, 24);
	assert_int_equal(parse_frame(&g, &m), PKT_OK);
	assert_int_equal(m.payload_off, 38);
	assert_int_equal(m.payload_len, 0);

	g.len = 40;	/* 6 bytes: still short of the 8-byte header */
	set16(&g, 16, 26);
	assert_int_equal(parse_frame(&g, &m), PKT_OK);
	assert_int_equal(m.payload_off, 38);
	assert_int_equal(m.payload_len, 2);

	g.len = 37;
	set16(&g, 16, 23);
	assert_int_equal(parse_frame(&g, &m), PKT_ERR_ICMP_TRUNC);
}

static void
test_icmpv6_echo_fills_type_code_and_payload(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv6_icmpv6_echo(&f);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l3, PKT_L3_IPV6);
	assert_int_equal(m.l4_proto, 58);
	assert_int_equal(m.icmp_type, 128);
	assert_int_equal(m.icmp_code, 0);
	assert_int_equal(m.l4_off, 54);
	assert_int_equal(m.payload_off, 62);
	assert_int_equal(m.payload_len, 4);
	assert_ip6_addrs(&m);

	f.len = 57;	/* 3 bytes of ICMPv6 */
	set16(&f, 18, 3);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_ICMP_TRUNC);
}

static void
test_icmpv6_protocol_over_ipv4_is_other_protocol(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_icmp_echo(&f);
	f.b[23] = 58;
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_proto, 58);
	assert_int_equal(m.icmp_type, 0);
	assert_int_equal(m.payload_off, 34);
	assert_int_equal(m.payload_len, 24);
}

static void
test_other_ip_protocol_payload_is_rest_of_datagram(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	eth_put(&f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(&f, 47, NULL, 0, 0);	/* GRE */
	put32(&f, 0x00000800);
	put_zero(&f, 4);
	ipv4_end(&f, ip);
	put_zero(&f, 6);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_proto, 47);
	assert_int_equal(m.l4_off, 34);
	assert_int_equal(m.payload_off, 34);
	assert_int_equal(m.payload_len, 8);
	assert_int_equal(m.sport, 0);
	assert_int_equal(m.dport, 0);

	eth_put(&f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(&f, 50);	/* ESP */
	put_zero(&f, 12);
	ipv6_end(&f, ip);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_proto, 50);
	assert_int_equal(m.l4_off, 54);
	assert_int_equal(m.payload_len, 12);
}

/* ---- IPv4 fragments ------------------------------------------------------------------ */

static void
test_ipv4_first_fragment_skips_l4(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_frag(&f, 0x2000, 24);	/* MF, offset 0 */
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.is_fragment, 1);
	assert_int_equal(m.frag_more, 1);
	assert_int_equal(m.frag_offset, 0);
	assert_int_equal(m.frag_id, 0x1234);
	assert_int_equal(m.frag_hdr_off, 0);
	assert_int_equal(m.l4_proto, 6);
	assert_int_equal(m.l4_off, 34);
	assert_int_equal(m.payload_off, 34);
	assert_int_equal(m.payload_len, 24);
	assert_int_equal(m.ip_end, 58);
	assert_int_equal(m.sport, 0);
	assert_int_equal(m.seq, 0);
	assert_int_equal(m.wscale, 0);
	assert_ip4_addrs(&m);
}

static void
test_ipv4_last_fragment_with_offset_skips_l4(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_frag(&f, 185, 3);	/* offset 185 * 8 = 1480, no MF, 3 bytes: no TCP */
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.is_fragment, 1);
	assert_int_equal(m.frag_more, 0);
	assert_int_equal(m.frag_offset, 1480);
	assert_int_equal(m.payload_len, 3);

	build_ipv4_frag(&f, 0x2000 | 0x1fff, 8);	/* largest offset */
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.frag_offset, 65528);
	assert_int_equal(m.frag_more, 1);
}

static void
test_ipv4_df_alone_is_not_a_fragment(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_tcp_plain(&f, 1);
	set16(&f, 20, 0x4000);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.is_fragment, 0);
	assert_int_equal(m.frag_id, 0);
	assert_int_equal(m.sport, 43210);
	assert_int_equal(m.payload_len, 1);
}

/* ---- IPv6 ---------------------------------------------------------------------------- */

static void
test_ipv6_hbh_dstopts_tcp_fills_every_field(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_qinq_ipv6_hbh_dst_tcp(&f);
	assert_int_equal(f.len, 109);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l3, PKT_L3_IPV6);
	assert_int_equal(m.l3_off, 22);
	assert_int_equal(m.l4_off, 22 + 40 + 8 + 16);
	assert_int_equal(m.l4_proto, 6);
	assert_int_equal(m.payload_off, 106);
	assert_int_equal(m.payload_len, 3);
	assert_int_equal(m.ip_end, 109);
	assert_int_equal(m.ttl, 64);
	assert_int_equal(m.is_fragment, 0);
	assert_int_equal(m.seq, 7);
	assert_int_equal(m.ack, 8);
	assert_int_equal(m.sport, 43210);
	assert_int_equal(m.dport, 80);
	assert_int_equal(m.wscale, 0xff);
	assert_ip6_addrs(&m);
}

static void
test_ipv6_routing_and_ah_lengths_are_walked(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv6_rh_ah_udp(&f);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_proto, 17);
	assert_int_equal(m.l4_off, 54 + 8 + 24);	/* AH: (4 + 2) * 4 bytes */
	assert_int_equal(m.payload_off, 94);
	assert_int_equal(m.payload_len, 1);
	assert_int_equal(m.sport, 5353);
}

static void
test_ipv6_first_fragment_skips_l4(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv6_frag(&f, 0, 1, 24);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.is_fragment, 1);
	assert_int_equal(m.frag_more, 1);
	assert_int_equal(m.frag_offset, 0);
	assert_int_equal(m.frag_id, 0xdeadbeef);
	assert_int_equal(m.frag_hdr_off, 54);
	assert_int_equal(m.l4_proto, 6);
	assert_int_equal(m.l4_off, 62);
	assert_int_equal(m.payload_off, 62);
	assert_int_equal(m.payload_len, 24);
	assert_int_equal(m.ip_end, 86);
	assert_int_equal(m.sport, 0);
	assert_int_equal(m.seq, 0);
}

static void
test_ipv6_non_first_fragment_skips_l4(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv6_frag(&f, 1448, 0, 5);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.is_fragment, 1);
	assert_int_equal(m.frag_more, 0);
	assert_int_equal(m.frag_offset, 1448);
	assert_int_equal(m.frag_id, 0xdeadbeef);
	assert_int_equal(m.frag_hdr_off, 54);
	assert_int_equal(m.payload_len, 5);
	assert_int_equal(m.sport, 0);
}

static void
test_ipv6_fragment_after_hbh_records_its_offset(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	eth_put(&f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(&f, 0);
	ipv6_ext_put(&f, 44, 0);
	ipv6_frag_put(&f, 17, 8, 1, 42);
	put_zero(&f, 16);
	ipv6_end(&f, ip);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.is_fragment, 1);
	assert_int_equal(m.frag_hdr_off, 62);
	assert_int_equal(m.frag_offset, 8);
	assert_int_equal(m.frag_id, 42);
	assert_int_equal(m.l4_proto, 17);
	assert_int_equal(m.l4_off, 70);
	assert_int_equal(m.payload_len, 16);
}

static void
test_ipv6_atomic_fragment_parses_l4(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv6_atomic_frag_udp(&f);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.is_fragment, 0);
	assert_int_equal(m.frag_hdr_off, 0);
	assert_int_equal(m.frag_id, 0);
	assert_int_equal(m.l4_proto, 17);
	assert_int_equal(m.l4_off, 62);
	assert_int_equal(m.sport, 5353);
	assert_int_equal(m.dport, 53);
	assert_int_equal(m.payload_off, 70);
	assert_int_equal(m.payload_len, 2);
}

/* n destination-options headers then UDP with no payload. */
static void
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

static void
test_ipv6_ext_chain_longer_than_max_is_ext_depth(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv6_dstopts_chain(&f, PKT_MAX_IPV6_EXT);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_off, 54 + 8 * PKT_MAX_IPV6_EXT);
	assert_int_equal(m.l4_proto, 17);

	build_ipv6_dstopts_chain(&f, PKT_MAX_IPV6_EXT + 1);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_EXT_DEPTH);
}

static void
test_ipv6_ext_header_beyond_datagram_is_ext_trunc(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	/* Dest opts claiming 32 bytes in an 8-byte payload */
	eth_put(&f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(&f, 60);
	ipv6_ext_put(&f, 59, 0);
	ipv6_end(&f, ip);
	f.b[55] = 3;
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_EXT_TRUNC);

	/* 16-byte header of which 8 bytes lie in Ethernet padding */
	f.b[55] = 1;
	put_zero(&f, 8);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_EXT_TRUNC);

	/* Fewer than 8 bytes for a hop-by-hop header, and for a fragment header */
	eth_put(&f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(&f, 0);
	put_zero(&f, 4);
	ipv6_end(&f, ip);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_EXT_TRUNC);
	f.b[20] = 44;
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_EXT_TRUNC);
	f.b[20] = 51;
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_EXT_TRUNC);

	/* AH (len + 2) * 4 = 12 bytes in an 8-byte payload */
	eth_put(&f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(&f, 51);
	put8(&f, 59);
	put8(&f, 1);
	put_zero(&f, 6);
	ipv6_end(&f, ip);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_EXT_TRUNC);
	f.b[55] = 0;
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_proto, 59);
}

static void
test_ipv6_no_next_header_has_no_l4(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	eth_put(&f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(&f, 59);
	put32(&f, 0xffffffff);
	ipv6_end(&f, ip);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.l4_proto, 59);
	assert_int_equal(m.l4_off, 54);
	assert_int_equal(m.payload_off, 54);
	assert_int_equal(m.payload_len, 0);
	assert_int_equal(m.ip_end, 58);
	assert_int_equal(m.sport, 0);

	set16(&f, 18, 0);	/* zero payload length is fine without hop-by-hop */
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.ip_end, 54);
}

static void
test_ipv6_hostile_fixed_header_is_refused(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_qinq_ipv6_hbh_dst_tcp(&f);	/* IPv6 at 22, payload length 47 */
	assert_int_equal(parse_exact(f.b, 61, &m, 0), PKT_ERR_IPV6_TRUNC);
	f.b[22] = 0x40;
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_VERSION);
	f.b[22] = 0x60;
	set16(&f, 26, 48);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_PLEN);
	set16(&f, 26, 0xffff);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_PLEN);
	set16(&f, 26, 0);	/* jumbogram: zero payload length with hop-by-hop */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_PLEN);
	set16(&f, 26, 47);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
}

/* ---- pkt_parse_l3 -------------------------------------------------------------------- */

static void
test_parse_l3_accepts_fragments(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_frag(&f, 185, 3);
	memset(&m, 0xa5, sizeof(m));
	assert_int_equal(parse_exact(f.b, f.len, &m, 1), PKT_OK);
	assert_int_equal(m.l3, PKT_L3_IPV4);
	assert_int_equal(m.l3_off, 14);
	assert_int_equal(m.ethertype, 0x0800);
	assert_int_equal(m.ttl, 64);
	assert_int_equal(m.is_fragment, 0);
	assert_int_equal(m.l4_off, 0);
	assert_ip4_addrs(&m);

	build_ipv6_frag(&f, 1448, 0, 5);
	assert_int_equal(parse_exact(f.b, f.len, &m, 1), PKT_OK);
	assert_int_equal(m.l3, PKT_L3_IPV6);
	assert_int_equal(m.frag_hdr_off, 0);
	assert_ip6_addrs(&m);
}

static void
test_parse_l3_accepts_truncated_l4(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_tcp_syn(&f);
	f.len = 44;	/* 10 bytes of TCP, IPv4 total length says so */
	set16(&f, 16, 30);
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_TCP_TRUNC);
	assert_int_equal(parse_exact(f.b, f.len, &m, 1), PKT_OK);
	assert_int_equal(m.l3, PKT_L3_IPV4);
	assert_ip4_addrs(&m);

	build_ipv4_tcp_syn(&f);
	f.len = 40;	/* cut capture: total length beyond the frame */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV4_TOTLEN);
	assert_int_equal(parse_exact(f.b, f.len, &m, 1), PKT_OK);
	assert_ip4_addrs(&m);

	build_qinq_ipv6_hbh_dst_tcp(&f);
	f.len = 62;	/* fixed header only */
	assert_int_equal(parse_frame(&f, &m), PKT_ERR_IPV6_PLEN);
	assert_int_equal(parse_exact(f.b, f.len, &m, 1), PKT_OK);
	assert_int_equal(m.l3, PKT_L3_IPV6);
	assert_int_equal(m.l3_off, 22);
	assert_int_equal(m.vlan_count, 2);
	assert_int_equal(m.vlan[0], 10);
	assert_int_equal(m.vlan[1], 20);
	assert_ip6_addrs(&m);
}

static void
test_parse_l3_refuses_short_or_wrong_version_ip(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	build_ipv4_tcp_plain(&f, 0);
	assert_int_equal(parse_exact(f.b, 33, &m, 1), PKT_ERR_IPV4_TRUNC);
	f.b[14] = 0x65;
	assert_int_equal(parse_exact(f.b, f.len, &m, 1), PKT_ERR_IPV4_VERSION);
	build_ipv6_icmpv6_echo(&f);
	assert_int_equal(parse_exact(f.b, 53, &m, 1), PKT_ERR_IPV6_TRUNC);
	f.b[14] = 0x45;
	assert_int_equal(parse_exact(f.b, f.len, &m, 1), PKT_ERR_IPV6_VERSION);
	build_arp(&f);
	assert_int_equal(parse_exact(f.b, f.len, &m, 1), PKT_OK);
	assert_int_equal(m.l3, PKT_L3_NONE);
	assert_int_equal(m.ethertype, 0x0806);
}

/* ---- names --------------------------------------------------------------------------- */

static void
test_err_names_are_distinct_snake_case(void **state)
{
	int i, j;

	(void)state;
	assert_string_equal(pkt_err_name(PKT_OK), "ok");
	assert_string_equal(pkt_err_name(PKT_ERR_ETH_TRUNC), "eth_trunc");
	assert_string_equal(pkt_err_name(PKT_ERR_VLAN_DEPTH), "vlan_depth");
	assert_string_equal(pkt_err_name(PKT_ERR_IPV4_HLEN), "ipv4_hlen");
	assert_string_equal(pkt_err_name(PKT_ERR_IPV4_TOTLEN), "ipv4_totlen");
	assert_string_equal(pkt_err_name(PKT_ERR_IPV6_EXT_DEPTH), "ipv6_ext_depth");
	assert_string_equal(pkt_err_name(PKT_ERR_TCP_OPTIONS), "tcp_options");
	assert_string_equal(pkt_err_name(PKT_ERR_UDP_LEN), "udp_len");
	assert_string_equal(pkt_err_name(PKT_ERR_ICMP_TRUNC), "icmp_trunc");
	assert_string_equal(pkt_err_name(PKT_ERR__COUNT), "unknown");
	assert_string_equal(pkt_err_name((enum pkt_err)-1), "unknown");
	assert_string_equal(pkt_err_name((enum pkt_err)1000), "unknown");
	for (i = 0; i < PKT_ERR__COUNT; i++) {
		const char *n = pkt_err_name((enum pkt_err)i);

		assert_string_not_equal(n, "unknown");
		assert_true(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(n));
		for (j = 0; j < i; j++)
			assert_string_not_equal(n, pkt_err_name((enum pkt_err)j));
	}
}

/* ---- every truncation point, and fuzzing --------------------------------------------- */

typedef void build_fn(struct frame *f);

static void
build_ipv4_opts_udp_ra(struct frame *f)
{
	build_ipv4_opts_udp(f, ipv4_ra_opts);
}

static void
build_ipv6_frag_first(struct frame *f)
{
	build_ipv6_frag(f, 0, 1, 24);
}

static void
build_ipv4_frag_first(struct frame *f)
{
	build_ipv4_frag(f, 0x2000, 24);
}

static void
build_ipv6_dstopts_chain8(struct frame *f)
{
	build_ipv6_dstopts_chain(f, PKT_MAX_IPV6_EXT);
}

/* IPv4 with options, protocol 59, no payload: the option list ends the frame. */
static void
build_ipv4_opts_only(struct frame *f)
{
	uint32_t ip;

	eth_put(f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(f, 59, ipv4_ra_opts, 8, 0);
	ipv4_end(f, ip);
}

/* TCP SYN without payload: the TCP option list ends the frame. */
static void
build_ipv4_tcp_syn_no_payload(struct frame *f)
{
	static const uint8_t opts[8] = { 0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x01, 0x01 };
	uint32_t ip;

	eth_put(f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(f, 6, NULL, 0, 0);
	tcp_put(f, 9, 0, PKT_TCP_SYN, opts, sizeof(opts));
	ipv4_end(f, ip);
}

/* Valid, unpadded frames: each must parse to PKT_OK in full. */
static build_fn *const valid_frames[] = {
	build_ipv4_tcp_syn,
	build_ipv4_tcp_syn_no_payload,
	build_ipv4_opts_only,
	build_ipv4_opts_udp_ra,
	build_qinq_ipv6_hbh_dst_tcp,
	build_ipv6_frag_first,
	build_ipv4_frag_first,
	build_ipv4_icmp_echo,
	build_ipv6_icmpv6_echo,
	build_ipv6_atomic_frag_udp,
	build_ipv6_rh_ah_udp,
	build_ipv6_dstopts_chain8,
	build_arp,
};

#define N_VALID_FRAMES (sizeof(valid_frames) / sizeof(valid_frames[0]))

/* What a frame cut to n bytes must give when L2 and the IP header are all it can check. */
static enum pkt_err
prefix_err(const struct pkt_meta *full, uint32_t n)
{
	if (n < 14)
		return PKT_ERR_ETH_TRUNC;
	if (n < full->l3_off)
		return PKT_ERR_VLAN_TRUNC;
	if (full->l3 == PKT_L3_IPV4) {
		if (n < full->l3_off + 20)
			return PKT_ERR_IPV4_TRUNC;
		/* l4_off is the end of the IPv4 header, fragments included */
		return n < full->l4_off ? PKT_ERR_IPV4_HLEN : PKT_ERR_IPV4_TOTLEN;
	}
	return n < full->l3_off + 40 ? PKT_ERR_IPV6_TRUNC : PKT_ERR_IPV6_PLEN;
}

static void
test_every_prefix_of_valid_frames_is_refused_exactly(void **state)
{
	struct frame f;
	struct pkt_meta full, m;
	uint32_t n;
	size_t i;

	(void)state;
	for (i = 0; i < N_VALID_FRAMES; i++) {
		valid_frames[i](&f);
		assert_int_equal(parse_frame(&f, &full), PKT_OK);
		assert_int_equal(full.ip_end, full.l3 == PKT_L3_NONE ? 0 : f.len);
		assert_consistent(&full, f.len);
		for (n = 0; n < f.len; n++) {
			enum pkt_err rc = parse_exact(f.b, n, &m, 0);

			if (full.l3 == PKT_L3_NONE && n >= full.l3_off) {
				assert_int_equal(rc, PKT_OK);
				assert_consistent(&m, n);
			} else {
				assert_int_equal(rc, prefix_err(&full, n));
			}
		}
	}
}

/*
 * Shrink each IP datagram one byte at a time, fixing its length field so the IP layer
 * agrees: every L4 / extension-header truncation point is reached. Each must be refused
 * with an L4 / ext-header reason or parse consistently.
 */
static void
test_every_datagram_cut_of_valid_frames_is_consistent(void **state)
{
	struct frame f, g;
	struct pkt_meta full, m;
	uint32_t hdr_end, n, ok = 0, refused = 0;
	size_t i;

	(void)state;
	for (i = 0; i < N_VALID_FRAMES; i++) {
		valid_frames[i](&f);
		assert_int_equal(parse_frame(&f, &full), PKT_OK);
		if (full.l3 == PKT_L3_NONE)
			continue;
		hdr_end = full.l3 == PKT_L3_IPV4 ? full.l4_off : full.l3_off + 40;
		for (n = hdr_end; n <= f.len; n++) {
			enum pkt_err rc;

			g = f;
			g.len = n;
			if (full.l3 == PKT_L3_IPV4)
				set16(&g, full.l3_off + 2, (uint16_t)(n - full.l3_off));
			else
				set16(&g, full.l3_off + 4, (uint16_t)(n - hdr_end));
			assert_int_equal(parse_exact(g.b, g.len, &m, 1), PKT_OK);
			rc = parse_frame(&g, &m);
			if (rc == PKT_OK) {
				assert_consistent(&m, n);
				assert_int_equal(m.ip_end, n);
				ok++;
			} else {
				/* Never blamed on L2 or the IPv4 header, which are intact. */
				assert_true(rc >= (full.l3 == PKT_L3_IPV4 ? PKT_ERR_TCP_TRUNC :
						   PKT_ERR_IPV6_PLEN));
				assert_true(rc < PKT_ERR__COUNT);
				refused++;
			}
			if (n == f.len)
				assert_int_equal(rc, PKT_OK);
		}
	}
	assert_true(ok > 0);
	assert_true(refused > 0);
}

/* xorshift64*: the same sequence on every run. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

#define FUZZ_ROUNDS 100000

static void
test_fuzzed_frames_never_overread_and_stay_consistent(void **state)
{
	struct frame base[N_VALID_FRAMES];
	uint64_t seed = 0x70119a7e5eedULL;
	uint32_t counts[PKT_ERR__COUNT] = { 0 };
	struct pkt_meta m;
	uint8_t buf[FRAME_MAX];
	uint32_t r, i;

	(void)state;
	for (i = 0; i < N_VALID_FRAMES; i++)
		valid_frames[i](&base[i]);
	for (r = 0; r < FUZZ_ROUNDS; r++) {
		const struct frame *b = &base[rng_next(&seed) % N_VALID_FRAMES];
		uint32_t len = b->len;
		uint32_t flips = 1 + (uint32_t)(rng_next(&seed) % 4);
		enum pkt_err rc;

		memcpy(buf, b->b, len);
		for (i = 0; i < flips; i++) {
			uint64_t x = rng_next(&seed);
			/* Mostly hit the headers, which are what the parser reads. */
			uint32_t span = (x & 3) != 0 && len > 80 ? 80 : len;
			uint32_t pos = (uint32_t)((x >> 8) % span);

			if ((x >> 4) & 1)
				buf[pos] ^= (uint8_t)(1u << ((x >> 5) & 7));
			else
				buf[pos] = (uint8_t)(x >> 40);
		}
		if (rng_next(&seed) % 4 == 0)
			len = (uint32_t)(rng_next(&seed) % (len + 1));

		rc = parse_exact(buf, len, &m, 0);
		assert_true((unsigned int)rc < PKT_ERR__COUNT);
		counts[rc]++;
		if (rc == PKT_OK) {
			assert_consistent(&m, len);
			assert_true(m.payload_off + m.payload_len <= len);
		}
		rc = parse_exact(buf, len, &m, 1);
		assert_true((unsigned int)rc < PKT_ERR__COUNT);
		if (rc == PKT_OK)
			assert_true(m.l3_off <= len);
	}
	/* The mutations reach both outcomes and the deeper layers. */
	assert_true(counts[PKT_OK] > 0);
	assert_true(counts[PKT_ERR_ETH_TRUNC] > 0);
	assert_true(counts[PKT_ERR_IPV4_TOTLEN] > 0);
	assert_true(counts[PKT_ERR_TCP_HLEN] + counts[PKT_ERR_TCP_OPTIONS] > 0);
	assert_true(counts[PKT_ERR_IPV6_EXT_TRUNC] > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_shorter_than_header_is_eth_trunc),
		cmocka_unit_test(test_arp_is_ok_without_l3),
		cmocka_unit_test(test_lldp_and_8023_length_frames_are_ok_without_l3),
		cmocka_unit_test(test_parse_zeroes_meta_before_filling),
		cmocka_unit_test(test_vlan_8021q_tag_records_vid_without_priority_bits),
		cmocka_unit_test(test_qinq_records_tags_outermost_first),
		cmocka_unit_test(test_three_tags_with_9100_are_accepted),
		cmocka_unit_test(test_four_tags_are_vlan_depth),
		cmocka_unit_test(test_cut_vlan_tag_is_vlan_trunc),
		cmocka_unit_test(test_ipv4_tcp_syn_fills_every_field),
		cmocka_unit_test(test_tcp_without_options_reports_options_absent),
		cmocka_unit_test(test_tcp_flags_keep_ece_and_cwr),
		cmocka_unit_test(test_tcp_wscale_above_14_is_clamped_to_14),
		cmocka_unit_test(test_tcp_known_option_with_wrong_length_is_skipped),
		cmocka_unit_test(test_tcp_sack_timestamp_and_unknown_options_are_skipped),
		cmocka_unit_test(test_tcp_malformed_option_lengths_are_tcp_options),
		cmocka_unit_test(test_tcp_eol_ends_option_list),
		cmocka_unit_test(test_ethernet_padding_is_trimmed),
		cmocka_unit_test(test_tcp_header_reaching_into_padding_is_tcp_hlen),
		cmocka_unit_test(test_ipv4_options_valid_are_skipped),
		cmocka_unit_test(test_ipv4_options_malformed_are_ipv4_options),
		cmocka_unit_test(test_ipv4_hostile_header_fields_are_refused),
		cmocka_unit_test(test_tcp_hostile_data_offset_is_refused),
		cmocka_unit_test(test_ipv4_tcp_cut_inside_segment_is_tcp_trunc_then_tcp_hlen),
		cmocka_unit_test(test_udp_fills_ports_and_payload),
		cmocka_unit_test(test_udp_hostile_length_is_refused),
		cmocka_unit_test(test_icmp_echo_fills_type_code_and_payload),
		cmocka_unit_test(test_icmp_short_header_payload_and_trunc),
		cmocka_unit_test(test_icmpv6_echo_fills_type_code_and_payload),
		cmocka_unit_test(test_icmpv6_protocol_over_ipv4_is_other_protocol),
		cmocka_unit_test(test_other_ip_protocol_payload_is_rest_of_datagram),
		cmocka_unit_test(test_ipv4_first_fragment_skips_l4),
		cmocka_unit_test(test_ipv4_last_fragment_with_offset_skips_l4),
		cmocka_unit_test(test_ipv4_df_alone_is_not_a_fragment),
		cmocka_unit_test(test_ipv6_hbh_dstopts_tcp_fills_every_field),
		cmocka_unit_test(test_ipv6_routing_and_ah_lengths_are_walked),
		cmocka_unit_test(test_ipv6_first_fragment_skips_l4),
		cmocka_unit_test(test_ipv6_non_first_fragment_skips_l4),
		cmocka_unit_test(test_ipv6_fragment_after_hbh_records_its_offset),
		cmocka_unit_test(test_ipv6_atomic_fragment_parses_l4),
		cmocka_unit_test(test_ipv6_ext_chain_longer_than_max_is_ext_depth),
		cmocka_unit_test(test_ipv6_ext_header_beyond_datagram_is_ext_trunc),
		cmocka_unit_test(test_ipv6_no_next_header_has_no_l4),
		cmocka_unit_test(test_ipv6_hostile_fixed_header_is_refused),
		cmocka_unit_test(test_parse_l3_accepts_fragments),
		cmocka_unit_test(test_parse_l3_accepts_truncated_l4),
		cmocka_unit_test(test_parse_l3_refuses_short_or_wrong_version_ip),
		cmocka_unit_test(test_err_names_are_distinct_snake_case),
		cmocka_unit_test(test_every_prefix_of_valid_frames_is_refused_exactly),
		cmocka_unit_test(test_every_datagram_cut_of_valid_frames_is_consistent),
		cmocka_unit_test(test_fuzzed_frames_never_overread_and_stay_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
