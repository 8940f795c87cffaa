/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of pkt_parse_l3() (dataplane/pkt_parse.c), the parse that stops at the IP
 * addresses for the software dispatcher: it accepts fragments and truncated L4 headers,
 * and refuses short or wrong-version IP headers.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_l3_accepts_fragments),
		cmocka_unit_test(test_parse_l3_accepts_truncated_l4),
		cmocka_unit_test(test_parse_l3_refuses_short_or_wrong_version_ip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
