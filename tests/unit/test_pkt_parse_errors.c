/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the reasons dataplane/pkt_parse.c gives across all layers: pkt_err_name(),
 * every truncation point of a set of valid frames (each refused with exactly the expected
 * reason, or parsed consistently), and a seeded mutation fuzz loop that must never read past
 * the frame and only return known reasons.
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
		cmocka_unit_test(test_err_names_are_distinct_snake_case),
		cmocka_unit_test(test_every_prefix_of_valid_frames_is_refused_exactly),
		cmocka_unit_test(test_every_datagram_cut_of_valid_frames_is_consistent),
		cmocka_unit_test(test_fuzzed_frames_never_overread_and_stay_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
