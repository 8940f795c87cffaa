/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dataplane/pkt_parse.c at the IPv6 layer (RFC 8200): hop-by-hop, destination
 * options, routing and AH headers walked to L4, fragment headers (first, later, after HBH,
 * atomic), the extension-header depth limit and truncation, No Next Header, and hostile
 * fixed-header fields.
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
#include "pkt_check.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
