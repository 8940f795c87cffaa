/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_RST_H
#define TOLLGATE_RST_H

#include <stddef.h>
#include <stdint.h>

#include "pkt_parse_types.h"

/*
 * Largest frame rst_build() writes: Ethernet 14 + PKT_MAX_VLANS tags of 4 + IPv6 40 +
 * TCP 20 = 86 bytes, rounded up. Callers hand it a buffer at least this long.
 */
#define RST_FRAME_MAX 128
/* Shortest Ethernet frame without its FCS (IEEE 802.3); shorter resets are zero-padded. */
#define RST_FRAME_MIN 60

/* Which end of the connection a reset is for, relative to the frame being dropped. */
enum rst_target {
	RST_TO_SENDER = 0,	/* back to the frame's sender: MACs, IPs and ports swapped */
	RST_TO_RECEIVER = 1,	/* on to the frame's receiver: same addressing as the frame */
};

/*
 * Write into out (outlen >= RST_FRAME_MAX) the Ethernet frame of a TCP RST for the
 * connection of the frame pkt[0..len), which pkt_parse() turned into m. The gateway is a
 * bump in the wire, so the reset borrows the endpoints' own MACs and addresses.
 *
 * Addressing: RST_TO_SENDER swaps MACs, IP addresses and ports; RST_TO_RECEIVER keeps
 * them. The frame's VLAN tags (802.1Q, 802.1ad QinQ, 0x9100; TPIDs and whole TCIs, PCP
 * and DEI included) are copied as they are.
 *
 * Sequence numbers (RFC 9293 3.10.7.1; the dropped segment is never delivered, so the
 * receiver still expects m->seq):
 *   to the receiver: seq = m->seq, ack = 0, flags RST.
 *   to the sender, segment with ACK: seq = m->ack, ack = 0, flags RST.
 *   to the sender, segment without ACK (a bare SYN): seq = 0,
 *     ack = m->seq + payload_len + SYN + FIN (mod 2^32), flags RST|ACK.
 * IPv4 (RFC 791): version 4, IHL 5 (no options), TOS 0, id 0, DF, TTL 64, protocol 6,
 * header checksum. IPv6 (RFC 8200): traffic class 0, flow label 0, hop limit 64, next
 * header 6, no extension headers. TCP: data offset 5, no options, window 0, urgent
 * pointer 0, checksum over the RFC 9293 / RFC 8200 8.1 pseudo-header (RFC 1071 sum).
 * A frame shorter than RST_FRAME_MIN is padded with zeros after the IP packet (the IP
 * lengths do not count the padding).
 *
 * Returns the frame length (RST_FRAME_MIN..86), or -EINVAL, with out left untouched, for:
 * a NULL pointer, outlen < RST_FRAME_MAX, t not an enum rst_target, m not IPv4/IPv6 TCP,
 * an IP fragment, a segment with RST set (RFC 9293: a reset is never answered with a
 * reset), or m inconsistent with pkt[0..len) (a failed or partial parse: L2 not made of
 * Ethernet + m->vlan_count tags ending in the IP ethertype, offsets out of order or past
 * len). Only pkt[0..m->l3_off) (the L2 header) is read from pkt; the rest comes from m.
 *
 * Pure, no allocation: any thread. The caller owns pkt, m and out; nothing is kept.
 */
int rst_build(const uint8_t *pkt, uint32_t len, const struct pkt_meta *m, enum rst_target t,
	uint8_t *out, size_t outlen);

#endif
