/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parser types: the metadata a pure L2-L4 parse produces, and the reasons a packet
 * can be refused. Shared by the parser, the software dispatcher, defrag and the worker.
 */
#ifndef TOLLGATE_PKT_PARSE_TYPES_H
#define TOLLGATE_PKT_PARSE_TYPES_H

#include <stdint.h>

/* Most VLAN tags we accept in front of the network header (802.1Q, QinQ, one more). */
#define PKT_MAX_VLANS 3
/* Most IPv6 extension headers we walk before giving up (RFC 8200 suggests few). */
#define PKT_MAX_IPV6_EXT 8

/* Why a packet was refused. Each reason has its own counter (pkt_err_name gives the name). */
enum pkt_err {
	PKT_OK = 0,
	PKT_ERR_ETH_TRUNC,	/* shorter than an Ethernet header */
	PKT_ERR_VLAN_TRUNC,	/* VLAN tag cut short */
	PKT_ERR_VLAN_DEPTH,	/* more than PKT_MAX_VLANS tags */
	PKT_ERR_IPV4_TRUNC,	/* shorter than 20 bytes */
	PKT_ERR_IPV4_VERSION,	/* version field is not 4 */
	PKT_ERR_IPV4_HLEN,	/* IHL < 5 or beyond the packet */
	PKT_ERR_IPV4_TOTLEN,	/* total length < IHL or beyond the packet */
	PKT_ERR_IPV4_OPTIONS,	/* malformed option list */
	PKT_ERR_IPV6_TRUNC,	/* shorter than 40 bytes */
	PKT_ERR_IPV6_VERSION,	/* version field is not 6 */
	PKT_ERR_IPV6_PLEN,	/* payload length beyond the packet */
	PKT_ERR_IPV6_EXT_TRUNC,	/* extension header cut short */
	PKT_ERR_IPV6_EXT_DEPTH,	/* more than PKT_MAX_IPV6_EXT extension headers */
	PKT_ERR_TCP_TRUNC,	/* shorter than 20 bytes */
	PKT_ERR_TCP_HLEN,	/* data offset < 5 or beyond the segment */
	PKT_ERR_TCP_OPTIONS,	/* malformed option list */
	PKT_ERR_UDP_TRUNC,	/* shorter than 8 bytes */
	PKT_ERR_UDP_LEN,	/* UDP length < 8 or beyond the datagram */
	PKT_ERR_ICMP_TRUNC,	/* ICMP or ICMPv6 header shorter than 4 bytes */
	PKT_ERR__COUNT
};

enum pkt_l3 {
	PKT_L3_NONE = 0,	/* not IP (ARP, LLDP, ...) */
	PKT_L3_IPV4,
	PKT_L3_IPV6,
};

/* TCP flag bits as on the wire. */
#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10
#define PKT_TCP_URG 0x20
#define PKT_TCP_ECE 0x40
#define PKT_TCP_CWR 0x80

/*
 * What pkt_parse() learned about one frame. All offsets are from the first byte of the
 * frame. Addresses are 16 bytes: IPv4 uses the first 4 and leaves the rest zero.
 */
struct pkt_meta {
	uint32_t l3_off;		/* start of the IP header */
	uint32_t l4_off;		/* start of the L4 header (after options / ext headers) */
	uint32_t payload_off;		/* start of the L4 payload */
	uint32_t payload_len;		/* L4 payload bytes, trimmed to the IP length (no padding) */
	uint32_t ip_end;		/* end of the IP datagram (frame may carry padding after) */
	uint16_t ethertype;		/* innermost ethertype, host order */
	uint16_t vlan[PKT_MAX_VLANS];	/* VLAN IDs, outermost first */
	uint8_t vlan_count;
	uint8_t l3;			/* enum pkt_l3 */
	uint8_t l4_proto;		/* IPPROTO_* of the L4 header (after ext headers) */
	uint8_t ttl;			/* IPv4 TTL or IPv6 hop limit */

	/* Fragments: set when the datagram is a fragment (then no L4 fields are filled in). */
	uint8_t is_fragment;
	uint8_t frag_more;		/* MF bit */
	uint16_t frag_offset;		/* in bytes */
	uint32_t frag_id;
	uint32_t frag_hdr_off;		/* IPv6: offset of the fragment header */

	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;			/* host order; ICMP: 0 */
	uint16_t dport;

	/* TCP */
	uint32_t seq;
	uint32_t ack;
	uint16_t win;
	uint16_t urp;			/* urgent pointer (meaningful with PKT_TCP_URG) */
	uint8_t tcp_flags;		/* PKT_TCP_* */
	uint8_t wscale;			/* 0xff when absent */
	uint16_t mss;			/* 0 when absent */
	uint8_t sack_permitted;
	uint8_t has_ts;			/* a timestamp option (RFC 7323): tsval is its TSval */
	uint32_t tsval;

	/* ICMP / ICMPv6 */
	uint8_t icmp_type;
	uint8_t icmp_code;
};

#endif
