/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_PCAP_LINK_H
#define TOLLGATE_PCAP_LINK_H

#include <stdbool.h>
#include <stdint.h>

/* Length of the synthetic Ethernet header pcap_link_frame() writes. */
#define PCAP_LINK_ETH_LEN	14

/*
 * Whether the offline reader supports libpcap link type dlt: Ethernet (DLT_EN10MB), raw
 * IP (DLT_RAW, DLT_IPV4 228, DLT_IPV6 229) and Linux cooked captures (DLT_LINUX_SLL,
 * DLT_LINUX_SLL2). Pure: any thread.
 */
bool pcap_link_supported(int dlt);

/*
 * How one captured frame of link type dlt (its first len bytes at data) becomes the
 * Ethernet frame the parser reads: on success returns 0 with *strip the bytes of link
 * header to drop from data and *hlen the bytes of eth to put before what is left (0 for
 * Ethernet, which passes as it is; PCAP_LINK_ETH_LEN otherwise, eth then being zero
 * addresses and the ethertype: the cooked header's protocol field for Linux cooked
 * captures, 0x86dd or 0x0800 from the IP version nibble for raw IP, 0 for an empty raw
 * frame). Returns -1 for an unsupported link type or a frame shorter than its link header
 * (the reader counts both as oversized); eth, *hlen and *strip are then unspecified.
 * Reads only data[0..len). Pure: any thread.
 */
int pcap_link_frame(int dlt, const uint8_t *data, uint32_t len, uint8_t eth[PCAP_LINK_ETH_LEN],
		    uint32_t *hlen, uint32_t *strip);

#endif
