/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame assembly for the pkt_parse unit tests (pkt_build.c). A struct frame is a fixed
 * buffer filled in network byte order; every writer asserts (cmocka) that it stays within
 * FRAME_MAX, so these may only be called from inside a running cmocka test.
 */
#ifndef TOLLGATE_TESTS_PKT_BUILD_H
#define TOLLGATE_TESTS_PKT_BUILD_H

#include <stdint.h>

#define FRAME_MAX 4096

struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
};

/* Addresses every built frame carries. */
extern const uint8_t mac_dst[6];
extern const uint8_t mac_src[6];
extern const uint8_t ip4_src[4];
extern const uint8_t ip4_dst[4];
extern const uint8_t ip6_src[16];
extern const uint8_t ip6_dst[16];

/* IPv4 options: NOP, Router Alert (RFC 2113), EOL and padding: 8 bytes. */
extern const uint8_t ipv4_ra_opts[8];

/* Append n bytes of d (or a 1/2/4-byte big-endian value, or n zero bytes) to f. */
void put(struct frame *f, const void *d, uint32_t n);
void put8(struct frame *f, uint8_t v);
void put16(struct frame *f, uint16_t v);
void put32(struct frame *f, uint32_t v);
void put_zero(struct frame *f, uint32_t n);

/* Overwrite the big-endian 16-bit field at byte off of f. */
void set16(struct frame *f, uint32_t off, uint16_t v);

/* Start f over with an Ethernet header carrying n VLAN tags (tpid[i], tci[i]) before type. */
void eth_put(struct frame *f, const uint16_t *tpid, const uint16_t *tci, int n, uint16_t type);

/*
 * Append an IPv4 header (+ optlen bytes of options, a multiple of 4) and return its offset;
 * ipv4_end sets the total length once the datagram is complete.
 */
uint32_t ipv4_begin(struct frame *f, uint8_t proto, const uint8_t *opt, uint32_t optlen,
	uint16_t frag);
void ipv4_end(struct frame *f, uint32_t ip);

/* Append an IPv6 fixed header and return its offset; ipv6_end sets the payload length. */
uint32_t ipv6_begin(struct frame *f, uint8_t nh);
void ipv6_end(struct frame *f, uint32_t ip);

/* Options-type extension header (HBH, dest opts, routing) of (hl + 1) * 8 bytes. */
void ipv6_ext_put(struct frame *f, uint8_t nh, uint8_t hl);

/* IPv6 fragment header: offset in bytes (a multiple of 8), M flag, identification. */
void ipv6_frag_put(struct frame *f, uint8_t nh, uint16_t off_bytes, int more, uint32_t id);

/* TCP header 43210 -> 80 with optlen (a multiple of 4) option bytes. */
void tcp_put(struct frame *f, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *opt,
	uint32_t optlen);

/* UDP header 5353 -> 53 and n bytes of payload. */
void udp_put(struct frame *f, const void *payload, uint16_t n);

/* Canned frames; each starts f over. Sizes and layouts are given in pkt_build.c. */
void build_ipv4_tcp_syn(struct frame *f);
void build_ipv4_tcp_plain(struct frame *f, uint32_t payload_n);
void build_ipv4_opts_udp(struct frame *f, const uint8_t opts[8]);
void build_qinq_ipv6_hbh_dst_tcp(struct frame *f);
void build_ipv6_frag(struct frame *f, uint16_t off_bytes, int more, uint32_t n);
void build_ipv4_frag(struct frame *f, uint16_t frag, uint32_t n);
void build_ipv4_icmp_echo(struct frame *f);
void build_ipv6_icmpv6_echo(struct frame *f);
void build_ipv6_atomic_frag_udp(struct frame *f);
void build_ipv6_rh_ah_udp(struct frame *f);
void build_arp(struct frame *f);
void build_ipv6_dstopts_chain(struct frame *f, int n);

#endif
