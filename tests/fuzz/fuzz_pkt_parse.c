/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the L2-L4 packet parser (dataplane/pkt_parse.h) on the raw input as
 * one Ethernet frame, in a block of exactly its size (libFuzzer's copy), so a read past
 * the frame is caught.
 *
 * Checks, aborting on failure (pkt_parse.h, pkt_parse_types.h):
 *   - the result is PKT_OK or a reason with a name;
 *   - on PKT_OK the offsets are ordered inside the frame:
 *       l3_off <= l4_off <= payload_off, payload_off + payload_len <= ip_end <= len
 *     for IP, and l3_off <= len for a frame that is not IP; at most PKT_MAX_VLANS tags;
 *   - pkt_parse_l3(), which checks a subset, accepts what pkt_parse() accepts and agrees
 *     on the L3 protocol, addresses and VLAN tags;
 *   - checksums (pkt_cksum.h) of what parsed: results as documented for the frame's
 *     kind, and one bit changed in the L4 bytes of a TCP or UDP frame whose checksum is
 *     good makes it bad (a ones' complement sum catches any single-bit error).
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pkt_cksum.h"
#include "pkt_parse.h"

static void
check_cksums(const uint8_t *data, uint32_t len, const struct pkt_meta *m)
{
	enum pkt_cksum ip = pkt_cksum_ip(data, len, m), l4 = pkt_cksum_l4(data, len, m);
	uint8_t *copy;
	uint32_t o, udp0;

	FUZZ_CHECK(ip == (m->l3 == PKT_L3_IPV4 ? ip : PKT_CKSUM_UNCHECKED));
	FUZZ_CHECK(ip == PKT_CKSUM_OK || ip == PKT_CKSUM_BAD_IP || ip == PKT_CKSUM_UNCHECKED);
	FUZZ_CHECK(l4 == PKT_CKSUM_OK || l4 == PKT_CKSUM_BAD_L4 || l4 == PKT_CKSUM_UNCHECKED);
	if (m->is_fragment || (m->l4_proto != IPPROTO_TCP && m->l4_proto != IPPROTO_UDP))
		FUZZ_CHECK(l4 == PKT_CKSUM_UNCHECKED);
	if (l4 != PKT_CKSUM_OK)
		return;
	udp0 = m->l4_proto == IPPROTO_UDP && data[m->l4_off + 6] == 0 && data[m->l4_off + 7] == 0;
	if (udp0)	/* no checksum (IPv4): nothing to catch */
		return;
	copy = malloc(len);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, len);
	o = m->l4_off + (m->ip_end - m->l4_off) / 2;
	if (m->l4_proto == IPPROTO_UDP)	/* UDP's own length may cover less */
		o = m->l4_off + 8 + ((uint32_t)data[m->l4_off + 4] << 8 | data[m->l4_off + 5]) / 2 - 4;
	copy[o] ^= 0x04;
	FUZZ_CHECK(pkt_cksum_l4(copy, len, m) != PKT_CKSUM_OK);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m, l3;
	uint32_t len = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	enum pkt_err e, e3;

	memset(&m, 0, sizeof(m));
	e = pkt_parse(data, len, &m);
	FUZZ_CHECK(e < PKT_ERR__COUNT);
	FUZZ_CHECK(strcmp(pkt_err_name(e), "unknown") != 0);
	memset(&l3, 0, sizeof(l3));
	e3 = pkt_parse_l3(data, len, &l3);
	FUZZ_CHECK(e3 < PKT_ERR__COUNT);
	if (e != PKT_OK)
		return 0;
	FUZZ_CHECK(m.vlan_count <= PKT_MAX_VLANS);
	FUZZ_CHECK(m.l3 <= PKT_L3_IPV6);
	FUZZ_CHECK(m.l3_off <= len);
	if (m.l3 != PKT_L3_NONE) {
		FUZZ_CHECK(m.l3_off <= m.l4_off);
		FUZZ_CHECK(m.l4_off <= m.payload_off);
		FUZZ_CHECK(m.payload_off <= m.ip_end);
		FUZZ_CHECK(m.payload_len <= m.ip_end - m.payload_off);
		FUZZ_CHECK(m.ip_end <= len);
		fuzz_touch(data + m.payload_off, m.payload_len);
		check_cksums(data, len, &m);
	}
	/* pkt_parse_l3 checks a subset of what pkt_parse does. */
	FUZZ_CHECK(e3 == PKT_OK);
	FUZZ_CHECK(l3.l3 == m.l3);
	FUZZ_CHECK(l3.vlan_count == m.vlan_count);
	FUZZ_CHECK(memcmp(l3.vlan, m.vlan, sizeof(m.vlan[0]) * m.vlan_count) == 0);
	FUZZ_CHECK(memcmp(l3.src, m.src, sizeof(m.src)) == 0);
	FUZZ_CHECK(memcmp(l3.dst, m.dst, sizeof(m.dst)) == 0);
	return 0;
}
