/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the offline reader's link types (dataplane/pcap_link.c): which libpcap link
 * types are taken, and the Ethernet header each frame gets: none for Ethernet, a synthetic
 * one carrying the Linux cooked header's protocol field (SLL: bytes 14-15 of 16; SLL2:
 * bytes 0-1 of 20) or the raw IP packet's version. Frames sit in exactly-sized heap
 * copies so ASan catches a read past the end.
 */

#include <pcap/dlt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pcap_link.h"

/* pcap_link_frame over a copy of f[0..len) in a block of exactly len bytes. */
static int
frame(int dlt, const uint8_t *f, uint32_t len, uint8_t eth[PCAP_LINK_ETH_LEN], uint32_t *hlen,
      uint32_t *strip)
{
	uint8_t *c = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(c);
	if (len > 0)
		memcpy(c, f, len);
	rc = pcap_link_frame(dlt, c, len, eth, hlen, strip);
	free(c);
	return rc;
}

static void
assert_eth(const uint8_t eth[PCAP_LINK_ETH_LEN], uint16_t ethertype)
{
	static const uint8_t zero[12];

	assert_memory_equal(eth, zero, sizeof(zero));
	assert_int_equal(eth[12], ethertype >> 8);
	assert_int_equal(eth[13], ethertype & 0xff);
}

static void
test_pcap_link_supports_ethernet_raw_ip_and_cooked(void **state)
{
	(void)state;
	assert_true(pcap_link_supported(DLT_EN10MB));
	assert_true(pcap_link_supported(DLT_RAW));
	assert_true(pcap_link_supported(228));
	assert_true(pcap_link_supported(229));
	assert_true(pcap_link_supported(DLT_LINUX_SLL));
	assert_true(pcap_link_supported(276));
	assert_false(pcap_link_supported(DLT_NULL));
	assert_false(pcap_link_supported(DLT_IEEE802_11));
	assert_false(pcap_link_supported(-1));
	assert_false(pcap_link_supported(65535));
}

static void
test_pcap_link_ethernet_passes_as_it_is(void **state)
{
	static const uint8_t f[] = { 1, 2, 3 };
	uint8_t eth[PCAP_LINK_ETH_LEN];
	uint32_t hlen = 99, strip = 99;

	(void)state;
	assert_int_equal(frame(DLT_EN10MB, f, sizeof(f), eth, &hlen, &strip), 0);
	assert_int_equal(hlen, 0);
	assert_int_equal(strip, 0);
	assert_int_equal(frame(DLT_EN10MB, f, 0, eth, &hlen, &strip), 0);
	assert_int_equal(hlen, 0);
	assert_int_equal(strip, 0);
}

static void
test_pcap_link_raw_ip_gets_ethertype_from_version(void **state)
{
	static const uint8_t v4[] = { 0x45, 0, 0, 20 }, v6[] = { 0x60, 0, 0, 0 };
	uint8_t eth[PCAP_LINK_ETH_LEN];
	uint32_t hlen, strip;

	(void)state;
	assert_int_equal(frame(DLT_RAW, v4, sizeof(v4), eth, &hlen, &strip), 0);
	assert_int_equal(hlen, PCAP_LINK_ETH_LEN);
	assert_int_equal(strip, 0);
	assert_eth(eth, 0x0800);
	assert_int_equal(frame(229, v6, sizeof(v6), eth, &hlen, &strip), 0);
	assert_eth(eth, 0x86dd);
	assert_int_equal(frame(228, v6, 1, eth, &hlen, &strip), 0);
	assert_eth(eth, 0x86dd);	/* the version nibble decides, not the link type */
	/* An empty raw frame gets ethertype 0, which the parser does not take for IP. */
	assert_int_equal(frame(DLT_RAW, v4, 0, eth, &hlen, &strip), 0);
	assert_eth(eth, 0);
}

static void
test_pcap_link_cooked_headers_give_their_protocol(void **state)
{
	/* SLL: packet type, ARPHRD, address length, 8 address bytes, protocol 0x86dd. */
	static const uint8_t sll[] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x86, 0xdd,
				       0x60 };
	/* SLL2: protocol 0x0800, reserved, interface index, ARPHRD, type, length, address. */
	static const uint8_t sll2[] = { 0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0,
					1, 0, 0, 0x45 };
	uint8_t eth[PCAP_LINK_ETH_LEN];
	uint32_t hlen, strip;

	(void)state;
	assert_int_equal(frame(DLT_LINUX_SLL, sll, sizeof(sll), eth, &hlen, &strip), 0);
	assert_int_equal(hlen, PCAP_LINK_ETH_LEN);
	assert_int_equal(strip, 16);
	assert_eth(eth, 0x86dd);
	assert_int_equal(frame(276, sll2, sizeof(sll2), eth, &hlen, &strip), 0);
	assert_int_equal(strip, 20);
	assert_eth(eth, 0x0800);
	/* Exactly the header: nothing left, still a frame. */
	assert_int_equal(frame(DLT_LINUX_SLL, sll, 16, eth, &hlen, &strip), 0);
	assert_int_equal(strip, 16);
}

static void
test_pcap_link_refuses_short_frames_and_unknown_types(void **state)
{
	static const uint8_t f[20];
	uint8_t eth[PCAP_LINK_ETH_LEN];
	uint32_t hlen, strip;

	(void)state;
	assert_int_equal(frame(DLT_LINUX_SLL, f, 15, eth, &hlen, &strip), -1);
	assert_int_equal(frame(276, f, 19, eth, &hlen, &strip), -1);
	assert_int_equal(frame(DLT_LINUX_SLL, f, 0, eth, &hlen, &strip), -1);
	assert_int_equal(frame(DLT_NULL, f, sizeof(f), eth, &hlen, &strip), -1);
	assert_int_equal(frame(DLT_IEEE802_11, f, sizeof(f), eth, &hlen, &strip), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_link_supports_ethernet_raw_ip_and_cooked),
		cmocka_unit_test(test_pcap_link_ethernet_passes_as_it_is),
		cmocka_unit_test(test_pcap_link_raw_ip_gets_ethertype_from_version),
		cmocka_unit_test(test_pcap_link_cooked_headers_give_their_protocol),
		cmocka_unit_test(test_pcap_link_refuses_short_frames_and_unknown_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
