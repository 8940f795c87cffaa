/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dataplane/pkt_parse.c at L4: TCP (RFC 9293) flags, options (MSS, window
 * scale, SACK-permitted, timestamps, skipped and malformed ones) and hostile data offsets, UDP ports,
 * payload and length, ICMP and ICMPv6 type / code / payload, and other IP protocols whose
 * payload is the rest of the datagram.
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

/* ---- TCP ----------------------------------------------------------------------------- */

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

static void
test_tcp_urgent_pointer_is_read_in_host_order(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	eth_put(&f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(&f, 6, NULL, 0, 0);
	tcp_put(&f, 1, 2, PKT_TCP_ACK | PKT_TCP_URG, NULL, 0);
	put(&f, "41113", 5);
	ipv4_end(&f, ip);
	set16(&f, 14 + 20 + 18, 0x0104);	/* urgent pointer 260 */
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.tcp_flags, PKT_TCP_ACK | PKT_TCP_URG);
	assert_int_equal(m.urp, 260);
	assert_int_equal(m.payload_len, 5);
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

/* RFC 7323's timestamp option (kind 8, length 10): its TSval in host order; a timestamp of
 * another length is skipped; a segment without one says so (has_ts 0). */
static void
test_tcp_timestamp_tsval_is_read_in_host_order(void **state)
{
	/* NOP NOP TS(TSval 0x81020304, TSecr 5) / kind 8 length 6 (skipped) + NOP NOP */
	static const uint8_t ts[12] = { 0x01, 0x01, 0x08, 0x0a, 0x81, 0x02, 0x03, 0x04,
					0, 0, 0, 5 };
	static const uint8_t odd[8] = { 0x08, 0x06, 0x00, 0x00, 0x00, 0x09, 0x01, 0x01 };
	struct frame f;
	struct pkt_meta m;
	uint32_t ip;

	(void)state;
	eth_put(&f, NULL, NULL, 0, 0x0800);
	ip = ipv4_begin(&f, 6, NULL, 0, 0);
	tcp_put(&f, 1, 2, PKT_TCP_ACK, ts, sizeof(ts));
	put(&f, "data", 4);
	ipv4_end(&f, ip);
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.has_ts, 1);
	assert_int_equal(m.tsval, 0x81020304u);
	assert_int_equal(m.payload_len, 4);
	assert_int_equal(parse_tcp_with_opts(odd, 1, &m), PKT_OK);
	assert_int_equal(m.has_ts, 0);
	build_ipv4_tcp_plain(&f, 10);
	m.has_ts = 1;
	assert_int_equal(parse_frame(&f, &m), PKT_OK);
	assert_int_equal(m.has_ts, 0);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_without_options_reports_options_absent),
		cmocka_unit_test(test_tcp_flags_keep_ece_and_cwr),
		cmocka_unit_test(test_tcp_urgent_pointer_is_read_in_host_order),
		cmocka_unit_test(test_tcp_wscale_above_14_is_clamped_to_14),
		cmocka_unit_test(test_tcp_known_option_with_wrong_length_is_skipped),
		cmocka_unit_test(test_tcp_sack_timestamp_and_unknown_options_are_skipped),
		cmocka_unit_test(test_tcp_timestamp_tsval_is_read_in_host_order),
		cmocka_unit_test(test_tcp_malformed_option_lengths_are_tcp_options),
		cmocka_unit_test(test_tcp_eol_ends_option_list),
		cmocka_unit_test(test_tcp_header_reaching_into_padding_is_tcp_hlen),
		cmocka_unit_test(test_tcp_hostile_data_offset_is_refused),
		cmocka_unit_test(test_ipv4_tcp_cut_inside_segment_is_tcp_trunc_then_tcp_hlen),
		cmocka_unit_test(test_udp_fills_ports_and_payload),
		cmocka_unit_test(test_udp_hostile_length_is_refused),
		cmocka_unit_test(test_icmp_echo_fills_type_code_and_payload),
		cmocka_unit_test(test_icmp_short_header_payload_and_trunc),
		cmocka_unit_test(test_icmpv6_echo_fills_type_code_and_payload),
		cmocka_unit_test(test_icmpv6_protocol_over_ipv4_is_other_protocol),
		cmocka_unit_test(test_other_ip_protocol_payload_is_rest_of_datagram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
