/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dataplane/pkt_parse.c at the IPv4 layer (RFC 791): every field of an IPv4
 * TCP SYN, options skipped or refused, hostile version / IHL / total-length fields, and
 * fragments (first, later, DF alone), whose L4 header is left for reassembly.
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

/* ---- IPv4 ---------------------------------------------------------------------------- */

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp_syn_fills_every_field),
		cmocka_unit_test(test_ipv4_options_valid_are_skipped),
		cmocka_unit_test(test_ipv4_options_malformed_are_ipv4_options),
		cmocka_unit_test(test_ipv4_hostile_header_fields_are_refused),
		cmocka_unit_test(test_ipv4_first_fragment_skips_l4),
		cmocka_unit_test(test_ipv4_last_fragment_with_offset_skips_l4),
		cmocka_unit_test(test_ipv4_df_alone_is_not_a_fragment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
