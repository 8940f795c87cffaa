/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link types of offline input (dataplane/pcap_reader.c): which libpcap link types
 * (https://www.tcpdump.org/linktypes.html) the reader takes, and how a frame of each
 * becomes an Ethernet frame, so the parser sees one frame format. Ethernet passes as it
 * is; raw IPv4/IPv6 (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6) and Linux cooked captures
 * (LINKTYPE_LINUX_SLL, 16-byte header with the protocol at bytes 14-15; LINKTYPE_LINUX_SLL2,
 * 20-byte header with the protocol at bytes 0-1; what tcpdump -i any writes) lose their
 * link header and get a synthetic Ethernet header with the ethertype. Pure, no EAL, so
 * the fuzz target of the reader calls it as the reader does.
 */
#include <pcap/dlt.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pcap_link.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* Bytes of link header to strip, or -1 when the link type is not supported. */
static int
link_hdr(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return 0;
	case DLT_RAW:
	case 228:	/* DLT_IPV4 */
	case 229:	/* DLT_IPV6 */
		return 0;
	case DLT_LINUX_SLL:
		return 16;
	case DLT_LINUX_SLL2:
		return 20;
	default:
		return -1;
	}
}

bool
pcap_link_supported(int dlt)
{
	return link_hdr(dlt) >= 0;
}

/* Ethertype for a raw IP packet, from its version nibble. */
static uint16_t
ip_ethertype(const uint8_t *p, uint32_t len)
{
	if (len == 0)
		return 0;
	return (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
}

int
pcap_link_frame(int dlt, const uint8_t *data, uint32_t len, uint8_t eth[PCAP_LINK_ETH_LEN],
		uint32_t *hlen, uint32_t *strip)
{
	int h = link_hdr(dlt);
	uint16_t et;

	if (h < 0 || (uint32_t)h > len)
		return -1;
	*strip = (uint32_t)h;
	if (dlt == DLT_EN10MB) {
		*hlen = 0;
		return 0;
	}
	if (dlt == DLT_LINUX_SLL)
		et = (uint16_t)(data[14] << 8 | data[15]);
	else if (dlt == DLT_LINUX_SLL2)
		et = (uint16_t)(data[0] << 8 | data[1]);
	else
		et = ip_ethertype(data, len);
	memset(eth, 0, PCAP_LINK_ETH_LEN);
	eth[12] = et >> 8;
	eth[13] = et & 0xff;
	*hlen = PCAP_LINK_ETH_LEN;
	return 0;
}
