/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frame side of reassembly (dataplane/defrag_frame.c): fragments built byte by byte
 * (pkt_build.c) and parsed by the real parser are turned into table keys and extents, and
 * the first fragment's headers into the datagram's, which the parser must then read as a
 * whole datagram with the exact lengths and checksum.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "defrag_frame.h"
#include "pkt_build.h"
#include "pkt_parse.h"

static void
parse_frag(const struct frame *f, struct pkt_meta *m)
{
	assert_int_equal(pkt_parse(f->b, f->len, m), PKT_OK);
	assert_int_equal(m->is_fragment, 1);
}

/* Ethernet (one VLAN tag, 42) + IPv4 with 8 option bytes + n data bytes, frag field. */
static void
v4_frag(struct frame *f, uint16_t frag, uint32_t n, uint8_t proto)
{
	static const uint16_t tpid[1] = { 0x8100 }, tci[1] = { 42 };
	uint32_t ip, i;

	eth_put(f, tpid, tci, 1, 0x0800);
	ip = ipv4_begin(f, proto, ipv4_ra_opts, 8, frag);
	for (i = 0; i < n; i++)
		put8(f, (uint8_t)(i * 3));
	ipv4_end(f, ip);
}

static void
test_defrag_frame_ipv4_key_and_extent(void **state)
{
	struct frame f;
	struct pkt_meta m;
	struct defrag_key k;
	struct defrag_frag d;

	(void)state;
	v4_frag(&f, 0x2000 | 185, 1480, 6);		/* offset 1480, MF */
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), 0);
	assert_int_equal(k.family, 4);
	assert_int_equal(k.proto, 6);
	assert_int_equal(k.id, 0x1234);
	assert_int_equal(k.vlan, 42);
	assert_memory_equal(k.src, ip4_src, 4);
	assert_memory_equal(k.dst, ip4_dst, 4);
	assert_int_equal(k.src[4] | k.src[15] | k.dst[4] | k.dst[15], 0);
	assert_int_equal(d.off, 1480);
	assert_int_equal(d.len, 1480);
	assert_int_equal(d.more, 1);
	assert_int_equal(d.proto, 6);
	assert_int_equal(defrag_frame_data_off(d.aux), 18 + 28);
	assert_int_equal(defrag_frame_l3_off(d.aux), 18);
}

static void
test_defrag_frame_ipv4_odd_length_is_cut_to_eight_bytes(void **state)
{
	struct frame f;
	struct pkt_meta m;
	struct defrag_key k;
	struct defrag_frag d;

	(void)state;
	v4_frag(&f, 0x2000, 13, 17);		/* first, MF, 13 bytes: 8 count (Linux) */
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), 0);
	assert_int_equal(d.len, 8);
	v4_frag(&f, 0x2000 | 1, 7, 17);		/* nothing left once cut */
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), -EINVAL);
	v4_frag(&f, 3, 7, 17);			/* a last fragment may end anywhere */
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), 0);
	assert_int_equal(d.off, 24);
	assert_int_equal(d.len, 7);
	assert_int_equal(d.more, 0);
	v4_frag(&f, 0x2000 | 4, 0, 17);		/* no data at all */
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), -EINVAL);
}

static void
test_defrag_frame_ipv4_past_64k_is_invalid(void **state)
{
	struct frame f;
	struct pkt_meta m;
	struct defrag_key k;
	struct defrag_frag d;

	(void)state;
	/* a 28-byte header leaves 65507 data bytes: 65496 + 11 fits, + 12 does not */
	v4_frag(&f, 8187, 11, 17);
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), 0);
	v4_frag(&f, 8187, 12, 17);
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), -EINVAL);
	v4_frag(&f, 0x2000 | 8191, 8, 17);	/* the ping of death's last piece */
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), -EINVAL);
}

/* Ethernet + IPv6 [+ HBH(8) + dest opts(16)] + fragment header + n data bytes. */
static void
v6_frag(struct frame *f, int ext, uint16_t off, int more, uint32_t n)
{
	uint32_t ip, i;

	eth_put(f, NULL, NULL, 0, 0x86dd);
	ip = ipv6_begin(f, ext ? 0 : 44);
	if (ext) {
		ipv6_ext_put(f, 60, 0);
		ipv6_ext_put(f, 44, 1);
	}
	ipv6_frag_put(f, 17, off, more, 0xa1b2c3d4);
	for (i = 0; i < n; i++)
		put8(f, (uint8_t)(i * 5 + 1));
	ipv6_end(f, ip);
}

static void
test_defrag_frame_ipv6_key_and_extent(void **state)
{
	struct frame f;
	struct pkt_meta m;
	struct defrag_key k;
	struct defrag_frag d;

	(void)state;
	v6_frag(&f, 1, 1232, 1, 1232);
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), 0);
	assert_int_equal(k.family, 6);
	assert_int_equal(k.proto, 0);		/* RFC 8200 keys on addresses and id */
	assert_int_equal(k.id, 0xa1b2c3d4);
	assert_int_equal(k.vlan, 0);
	assert_memory_equal(k.src, ip6_src, 16);
	assert_memory_equal(k.dst, ip6_dst, 16);
	assert_int_equal(d.off, 1232);
	assert_int_equal(d.len, 1232);
	assert_int_equal(d.proto, 17);
	assert_int_equal(defrag_frame_data_off(d.aux), 14 + 40 + 24 + 8);
	assert_int_equal(defrag_frame_l3_off(d.aux), 14);
	/* more to come and not a multiple of 8: RFC 8200 says discard */
	v6_frag(&f, 0, 0, 1, 1236);
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), -EINVAL);
	/* the payload length counts the 24 bytes of extension headers kept */
	v6_frag(&f, 1, 65504, 0, 7);
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), 0);
	v6_frag(&f, 1, 65504, 0, 8);
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), -EINVAL);
}

static uint16_t
sum16(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0, i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void
test_defrag_frame_ipv4_header_becomes_the_datagram_header(void **state)
{
	static uint8_t buf[70000];
	struct frame f;
	struct pkt_meta m, dm;
	struct defrag_key k;
	struct defrag_frag d;
	uint32_t hlen, i;

	(void)state;
	/* first fragment of a UDP datagram of 8 + 2992 bytes, DF|MF set as some stacks do */
	v4_frag(&f, 0x4000 | 0x2000, 16, 17);
	f.b[18 + 28] = 0x30;			/* UDP 12345 -> 53, length 3000 */
	f.b[18 + 29] = 0x39;
	f.b[18 + 30] = 0;
	f.b[18 + 31] = 53;
	f.b[18 + 32] = 3000 >> 8;
	f.b[18 + 33] = 3000 & 0xff;
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), 0);
	memcpy(buf, f.b, defrag_frame_data_off(d.aux));
	hlen = defrag_frame_header(buf, defrag_frame_data_off(d.aux), d.aux, 3000);
	assert_int_equal(hlen, 18 + 28);
	assert_int_equal(buf[18 + 2] << 8 | buf[18 + 3], 28 + 3000);
	assert_int_equal(buf[18 + 6], 0x40);	/* DF stays, MF and offset go */
	assert_int_equal(buf[18 + 7], 0);
	assert_int_equal(sum16(buf + 18, 28), 0xffff);
	assert_memory_equal(buf, f.b, 18);	/* L2 and the VLAN tag untouched */
	memcpy(buf + hlen, f.b + hlen, 16);
	for (i = 16; i < 3000; i++)
		buf[hlen + i] = (uint8_t)i;
	assert_int_equal(pkt_parse(buf, hlen + 3000, &dm), PKT_OK);
	assert_int_equal(dm.is_fragment, 0);
	assert_int_equal(dm.l4_proto, 17);
	assert_int_equal(dm.sport, 12345);
	assert_int_equal(dm.dport, 53);
	assert_int_equal(dm.payload_len, 2992);
	assert_int_equal(dm.vlan[0], 42);
	/* too long with this header, or a header that is not the fragment's */
	memcpy(buf, f.b, hlen);
	assert_int_equal(defrag_frame_header(buf, hlen, d.aux, 65508), 0);
	assert_int_equal(defrag_frame_header(buf, hlen - 4, d.aux, 100), 0);
}

static void
run_ipv6_header(int ext)
{
	static uint8_t buf[70000];
	struct frame f;
	struct pkt_meta m, dm;
	struct defrag_key k;
	struct defrag_frag d;
	uint32_t hlen, doff, i, unfrag = ext ? 24 : 0;

	v6_frag(&f, ext, 0, 1, 16);
	f.b[f.len - 16] = 0x30;			/* UDP 12345 -> 53, length 2000 */
	f.b[f.len - 15] = 0x39;
	f.b[f.len - 14] = 0;
	f.b[f.len - 13] = 53;
	f.b[f.len - 12] = 2000 >> 8;
	f.b[f.len - 11] = 2000 & 0xff;
	parse_frag(&f, &m);
	assert_int_equal(defrag_frame_describe(&m, &k, &d), 0);
	doff = defrag_frame_data_off(d.aux);
	memcpy(buf, f.b, doff);
	hlen = defrag_frame_header(buf, doff, d.aux, 2000);
	assert_int_equal(hlen, doff - 8);
	assert_int_equal(buf[14 + 4] << 8 | buf[14 + 5], unfrag + 2000);
	if (ext) {
		assert_int_equal(buf[14 + 6], 0);	/* HBH still first */
		assert_int_equal(buf[54], 60);		/* then dest opts */
		assert_int_equal(buf[62], 17);		/* whose next header is now UDP */
	} else {
		assert_int_equal(buf[14 + 6], 17);
	}
	memcpy(buf + hlen, f.b + doff, 16);
	for (i = 16; i < 2000; i++)
		buf[hlen + i] = (uint8_t)(i * 7);
	assert_int_equal(pkt_parse(buf, hlen + 2000, &dm), PKT_OK);
	assert_int_equal(dm.is_fragment, 0);
	assert_int_equal(dm.l4_proto, 17);
	assert_int_equal(dm.sport, 12345);
	assert_int_equal(dm.payload_len, 1992);
	assert_int_equal(dm.ip_end, hlen + 2000);
	/* 65535 counts the extension headers kept */
	memcpy(buf, f.b, doff);
	assert_int_equal(defrag_frame_header(buf, doff, d.aux, 65536 - unfrag), 0);
	memcpy(buf, f.b, doff);
	assert_int_equal(defrag_frame_header(buf, doff, d.aux, 65535 - unfrag), doff - 8);
}

static void
test_defrag_frame_ipv6_fragment_header_is_removed(void **state)
{
	(void)state;
	run_ipv6_header(0);
	run_ipv6_header(1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defrag_frame_ipv4_key_and_extent),
		cmocka_unit_test(test_defrag_frame_ipv4_odd_length_is_cut_to_eight_bytes),
		cmocka_unit_test(test_defrag_frame_ipv4_past_64k_is_invalid),
		cmocka_unit_test(test_defrag_frame_ipv6_key_and_extent),
		cmocka_unit_test(test_defrag_frame_ipv4_header_becomes_the_datagram_header),
		cmocka_unit_test(test_defrag_frame_ipv6_fragment_header_is_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
