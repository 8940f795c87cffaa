/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt_cksum: frames written by scapy (which computes IPv4, TCP and UDP checksums, with the
 * final destination of IPv6 routing headers, as hosts do) are OK; one byte changed in the
 * covered bytes makes them bad; what is not covered (the TTL for L4) changes nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "pkt_cksum.h"
#include "pkt_parse.h"

struct vec {
	const char *name;
	const char *hex;
};

/* scapy: Ether()/IP or IPv6 [/extension headers]/TCP or UDP/Raw, bytes(p). */
static const struct vec good[] = {
	{ "v4_tcp", "02000000000202000000000108004500004100010000400666b40a0000010a00000204d20050"
		    "00000001000000015018200023b60000636172642034313131313131313131313131313131"
		    "206f6464" },
	{ "v4_udp", "02000000000202000000000108004500002300010000401166c70a0000010a00000214e90035"
		    "000f80a9123468656c6c6f" },
	{ "v6_tcp", "02000000000202000000000186dd6000000000200640fd00000000000000000000000000000"
		    "1fd00000000000000000000000000000204d20050000000000000000050182000feaa000068"
		    "656c6c6f20776f726c6421" },
	{ "v6_udp", "02000000000202000000000186dd60000000000b1140fd00000000000000000000000000000"
		    "1fd00000000000000000000000000000200010002000b135778797a" },
	/* routing header type 0, two addresses, segments left: the last one is final */
	{ "v6_rh0", "02000000000202000000000186dd6000000000422b40fd00000000000000000000000000000"
		    "1fd0000000000000000000000000000020604000200000000fd00000000000000000000000"
		    "0000003fd00000000000000000000000000000400010002000000000000000050022000488b"
		    "0000726f75746564" },
	/* segment routing header (RFC 8754): segment 0 is final */
	{ "v6_srh", "02000000000202000000000186dd6000000000372b40fd00000000000000000000000000000"
		    "1fd0000000000000000000000000000091104040101000000fd000000000000000000000000"
		    "00000afd00000000000000000000000000000900010002000f517f7365676d656e74" },
	{ "v6_hop_tcp", "02000000000202000000000186dd60000000001f0040fd000000000000000000000000"
			"000001fd00000000000000000000000000000206000104000000000001000200000000"
			"0000000050022000bd680000686f70" },
};

static uint32_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	uint32_t n = 0;
	unsigned int b;

	while (hex[0] != '\0' && hex[1] != '\0' && n < cap && sscanf(hex, "%2x", &b) == 1) {
		out[n++] = (uint8_t)b;
		hex += 2;
	}
	return n;
}

static void
parse(const char *hex, uint8_t *frame, uint32_t *len, struct pkt_meta *m)
{
	*len = unhex(hex, frame, 256);
	assert_int_equal(pkt_parse(frame, *len, m), PKT_OK);
}

static void
test_cksum_frames_from_scapy_are_good(void **state)
{
	uint8_t f[256];
	struct pkt_meta m;
	uint32_t len, i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		parse(good[i].hex, f, &len, &m);
		assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_OK);
		assert_int_equal(pkt_cksum_ip(f, len, &m),
				 m.l3 == PKT_L3_IPV4 ? PKT_CKSUM_OK : PKT_CKSUM_UNCHECKED);
	}
}

/* Every covered byte matters: each one changed in turn makes the checksum bad. */
static void
test_cksum_any_covered_byte_changed_is_bad(void **state)
{
	uint8_t f[256];
	struct pkt_meta m;
	uint32_t len, i, o;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		parse(good[i].hex, f, &len, &m);
		for (o = m.l4_off; o < m.ip_end; o++) {
			f[o] ^= 0x41;
			assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_BAD_L4);
			f[o] ^= 0x41;
		}
		if (m.l3 == PKT_L3_IPV4) {
			for (o = m.l3_off; o < m.l4_off; o++) {
				f[o] ^= 0x10;
				assert_int_equal(pkt_cksum_ip(f, len, &m), PKT_CKSUM_BAD_IP);
				f[o] ^= 0x10;
			}
		}
	}
}

/* The TTL is not in the pseudo-header: L4 stays good when only it changed. A source
 * address is: L4 goes bad. */
static void
test_cksum_pseudo_header_fields(void **state)
{
	uint8_t f[256];
	struct pkt_meta m;
	uint32_t len;

	(void)state;
	parse(good[0].hex, f, &len, &m);
	f[m.l3_off + 8]--;				/* TTL */
	assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_OK);
	assert_int_equal(pkt_cksum_ip(f, len, &m), PKT_CKSUM_BAD_IP);
	parse(good[0].hex, f, &len, &m);
	f[m.l3_off + 15] ^= 1;				/* source address */
	m.src[3] ^= 1;
	assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_BAD_L4);
	/* IPv6 routing header: the final address is in, the header's destination is not */
	parse(good[4].hex, f, &len, &m);
	f[m.l3_off + 39] ^= 1;				/* destination (not final) */
	assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_OK);
	f[m.l3_off + 40 + 8 + 16 + 15] ^= 1;		/* the last address: final */
	assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_BAD_L4);
}

static void
test_cksum_udp_zero_and_unknown_routing(void **state)
{
	uint8_t f[256];
	struct pkt_meta m;
	uint32_t len;

	(void)state;
	/* UDP over IPv4 with checksum 0: none, OK; over IPv6: bad (RFC 8200 8.1) */
	parse("02000000000202000000000108004500001f00010000401166cb0a0000010a00000214e90035000b"
	      "0000616263", f, &len, &m);
	assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_OK);
	parse(good[3].hex, f, &len, &m);
	f[m.l4_off + 6] = 0;
	f[m.l4_off + 7] = 0;
	assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_BAD_L4);
	/* a routing header type nobody knows, segments left: its final destination is
	 * unknown, the checksum cannot be checked */
	parse(good[4].hex, f, &len, &m);
	f[m.l3_off + 40 + 2] = 3;
	assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_UNCHECKED);
	/* ... with none left, the header's destination is final */
	f[m.l3_off + 40 + 3] = 0;
	assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_BAD_L4);
	/* not TCP or UDP */
	m.l4_proto = 1;
	assert_int_equal(pkt_cksum_l4(f, len, &m), PKT_CKSUM_UNCHECKED);
}

static void
test_cksum_sum_odd_lengths_and_carries(void **state)
{
	static const uint8_t ff[9] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t b[3] = { 0x12, 0x34, 0x56 };

	(void)state;
	assert_int_equal(pkt_cksum_sum(b, 3, 0), 0x1234 + 0x5600);
	assert_int_equal(pkt_cksum_sum(b, 1, 0), 0x1200);
	assert_int_equal(pkt_cksum_sum(ff, 9, 0), 0xff00);	/* 4 x 0xffff + 0xff00, folded */
	assert_int_equal(pkt_cksum_sum(ff, 8, 0xffff), 0xffff);
	assert_int_equal(pkt_cksum_sum(b, 2, 0xedcb), 0xffff);
}

static uint32_t
rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/* RFC 1071 as written: big-endian 16-bit words, an odd last byte padded with a zero. */
static uint32_t
ref_sum(const uint8_t *p, uint32_t n, uint32_t sum)
{
	uint64_t s = sum;
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n)
		s += (uint32_t)p[i] << 8;
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

/*
 * Both sums (scalar and, with AVX2, vector) against the reference: every length up to 600
 * (each tail of 1-7 bytes after the 8-byte words, with and without a 64-byte block before
 * it) at 8 alignments, random bytes or mostly 0xff, a random sum to add.
 */
static void
test_cksum_sum_equals_rfc1071_reference(void **state)
{
	uint8_t buf[600 + 8];
	const char *env = getenv("TOLLGATE_TEST_SEED");
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	uint32_t n, a, i;

	(void)state;
	print_message("seed %llu (TOLLGATE_TEST_SEED)\n", (unsigned long long)seed);
	for (n = 0; n <= 600; n++) {
		for (a = 0; a < 8; a++) {
			uint32_t sum = rnd(&seed) & 0xffff, want;
			int dense = rnd(&seed) & 1;

			for (i = 0; i < n; i++) {
				uint32_t r = rnd(&seed);

				buf[a + i] = dense && (r & 7) != 0 ? 0xff : (uint8_t)(r >> 8);
			}
			want = ref_sum(buf + a, n, sum);
			if (pkt_cksum_sum_scalar(buf + a, n, sum) != want ||
			    pkt_cksum_sum(buf + a, n, sum) != want)
				fail_msg("length %u at +%u: scalar %#x, vector %#x, want %#x", n, a,
					 pkt_cksum_sum_scalar(buf + a, n, sum),
					 pkt_cksum_sum(buf + a, n, sum), want);
		}
	}
}

/*
 * The AVX2 sum against the scalar one: random bytes (half the buffers mostly 0xff, where
 * the carries are), every length up to 3000 at 8 alignments, a random sum to add, and
 * 3 MiB of 0xff and 3 MiB of zeros (the vector lanes are emptied before they could
 * overflow, either way).
 */
static void
test_cksum_sum_vector_equals_scalar(void **state)
{
	static uint8_t big[3u << 20];
	uint8_t buf[3000 + 64];
	const char *env = getenv("TOLLGATE_TEST_SEED");
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	uint32_t n, a, i;

	(void)state;
	if (!pkt_cksum_have_avx2())
		skip();
	print_message("seed %llu (TOLLGATE_TEST_SEED)\n", (unsigned long long)seed);
	for (n = 0; n <= 3000; n++) {
		for (a = 0; a < 8; a++) {
			uint32_t sum = rnd(&seed) & 0xffff;
			int dense = rnd(&seed) & 1;

			for (i = 0; i < n; i++) {
				uint32_t r = rnd(&seed);

				buf[a + i] = dense && (r & 7) != 0 ? 0xff : (uint8_t)(r >> 8);
			}
			assert_int_equal(pkt_cksum_sum(buf + a, n, sum),
					 pkt_cksum_sum_scalar(buf + a, n, sum));
		}
	}
	memset(big, 0xff, sizeof(big));
	big[12345] = 0x12;
	assert_int_equal(pkt_cksum_sum(big, sizeof(big), 0),
			 pkt_cksum_sum_scalar(big, sizeof(big), 0));
	assert_int_equal(pkt_cksum_sum(big + 1, sizeof(big) - 1, 0x8000),
			 pkt_cksum_sum_scalar(big + 1, sizeof(big) - 1, 0x8000));
	/* Words below 0x8000 are negative in the vector lanes: 3 MiB of them. */
	memset(big, 0, sizeof(big));
	big[777] = 0x01;
	assert_int_equal(pkt_cksum_sum(big, sizeof(big), 0),
			 pkt_cksum_sum_scalar(big, sizeof(big), 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cksum_frames_from_scapy_are_good),
		cmocka_unit_test(test_cksum_any_covered_byte_changed_is_bad),
		cmocka_unit_test(test_cksum_pseudo_header_fields),
		cmocka_unit_test(test_cksum_udp_zero_and_unknown_routing),
		cmocka_unit_test(test_cksum_sum_odd_lengths_and_carries),
		cmocka_unit_test(test_cksum_sum_equals_rfc1071_reference),
		cmocka_unit_test(test_cksum_sum_vector_equals_scalar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
