/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP and TCP/UDP checksums of a parsed frame, as the receiving host checks them: a segment
 * the receiver drops for its checksum must not reach the reassembly either, or an attacker
 * inserts bytes the receiver never sees (first copy wins) and sends the real ones after
 * them unseen. Pure: no EAL, any thread; reads only [p, p + len).
 */
#ifndef TOLLGATE_PKT_CKSUM_H
#define TOLLGATE_PKT_CKSUM_H

#include <stdbool.h>
#include <stdint.h>
#include "pkt_parse_types.h"

enum pkt_cksum {
	PKT_CKSUM_OK = 0,
	PKT_CKSUM_BAD_IP,	/* IPv4 header checksum */
	PKT_CKSUM_BAD_L4,	/* TCP or UDP checksum (UDP over IPv6: 0 is bad too) */
	PKT_CKSUM_UNCHECKED,	/* not TCP or UDP, or an IPv6 routing header of a kind whose
				 * final destination is unknown */
};

/*
 * The IPv4 header checksum of the frame of len bytes at p that pkt_parse() parsed into m
 * (PKT_OK; fragments too): PKT_CKSUM_OK, PKT_CKSUM_BAD_IP, or PKT_CKSUM_UNCHECKED when
 * it is not IPv4.
 */
enum pkt_cksum pkt_cksum_ip(const uint8_t *p, uint32_t len, const struct pkt_meta *m);

/*
 * The TCP or UDP checksum of the frame (PKT_OK, not a fragment): over the pseudo-header
 * and [m->l4_off, m->ip_end) (UDP: its own length), with the final destination of an
 * IPv6 routing header (types 0 and 2: its last address; segment routing, type 4: segment
 * 0) when segments are left. UDP over IPv4 with a checksum of 0 has none, and is OK.
 * PKT_CKSUM_OK, PKT_CKSUM_BAD_L4 or PKT_CKSUM_UNCHECKED.
 */
enum pkt_cksum pkt_cksum_l4(const uint8_t *p, uint32_t len, const struct pkt_meta *m);

/* Ones' complement sum of n bytes at p folded to 16 bits, added to sum (host order of
 * the big-endian words). */
uint32_t pkt_cksum_sum(const uint8_t *p, uint32_t n, uint32_t sum);

/* The same without the AVX2 path (the reference the tests hold the vector one to), and
 * whether pkt_cksum_sum takes that path on this CPU. */
uint32_t pkt_cksum_sum_scalar(const uint8_t *p, uint32_t n, uint32_t sum);
bool pkt_cksum_have_avx2(void);

#endif
