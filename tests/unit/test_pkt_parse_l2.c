/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dataplane/pkt_parse.c at the link layer: Ethernet II and 802.3 length
 * frames, ARP and LLDP (no L3), 802.1Q / 802.1ad / 0x9100 tags up to PKT_MAX_VLANS, cut
 * tags, the zeroing of pkt_meta, and Ethernet padding trimmed by the IP length.
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
		cmocka_unit_test(test_ethernet_padding_is_trimmed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
