/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frame side of IP reassembly (pure, no EAL): turn a parsed fragment into the key
 * and extent the fragment table works on, and rewrite the first fragment's headers into
 * those of the whole datagram.
 *
 *   IPv4 fragment  | L2 | IPv4 hdr (MF, offset) | data |
 *   IPv4 datagram  | L2 | IPv4 hdr (total length, no MF/offset, new checksum) | all data |
 *
 *   IPv6 fragment  | L2 | IPv6 | unfragmentable ext* | Fragment hdr | data |
 *   IPv6 datagram  | L2 | IPv6 | unfragmentable ext* | all data |      (RFC 8200 4.5:
 *                  the header before the fragment header takes its next header, and the
 *                  payload length counts the extension headers kept and the data)
 *
 * Headers come from the fragment at offset 0, whatever order the fragments came in.
 */
#include <errno.h>
#include <string.h>
#include "defrag_frame.h"

#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40
#define IPV6_FRAG_HDR_LEN 8
#define PROTO_FRAGMENT 44
#define PROTO_AH 51
#define IP_MAX_LEN 65535u
#define IPV4_DF 0x40		/* in the first byte of the fragment field */
#define AUX_DATA_MAX 0xffffffu
#define AUX_L3_MAX 0xffu

static inline void
wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
ipv4_checksum(const uint8_t *h, uint32_t len)
{
	uint32_t sum = 0, i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int
defrag_frame_describe(const struct pkt_meta *m, struct defrag_key *k, struct defrag_frag *f)
{
	uint32_t len = m->payload_len, hdr, max_end;

	memset(k, 0, sizeof(*k));
	memset(f, 0, sizeof(*f));
	if (!m->is_fragment || m->l3_off > AUX_L3_MAX || m->payload_off > AUX_DATA_MAX)
		return -EINVAL;
	k->vlan = m->vlan_count != 0 ? m->vlan[0] : 0;
	k->id = m->frag_id;
	if (m->l3 == PKT_L3_IPV4) {
		k->family = 4;
		k->proto = m->l4_proto;
		memcpy(k->src, m->src, 4);
		memcpy(k->dst, m->dst, 4);
		/* What counts against 65535 is the header (options included) and the data. */
		hdr = m->payload_off - m->l3_off;
		if (m->frag_more)
			len &= ~7u;
	} else if (m->l3 == PKT_L3_IPV6) {
		k->family = 6;
		memcpy(k->src, m->src, 16);
		memcpy(k->dst, m->dst, 16);
		if (m->frag_hdr_off < m->l3_off + IPV6_HDR_LEN ||
		    m->payload_off != m->frag_hdr_off + IPV6_FRAG_HDR_LEN)
			return -EINVAL;
		/* The payload length counts the extension headers before the fragment one. */
		hdr = m->frag_hdr_off - m->l3_off - IPV6_HDR_LEN;
		if (m->frag_more && (len & 7u) != 0)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (len == 0 || hdr >= IP_MAX_LEN)
		return -EINVAL;
	max_end = IP_MAX_LEN - hdr;
	if (m->frag_offset > max_end || len > max_end - m->frag_offset)
		return -EINVAL;
	f->off = m->frag_offset;
	f->len = len;
	f->more = m->frag_more != 0;
	f->proto = m->l4_proto;
	f->aux = m->payload_off | m->l3_off << 24;
	return 0;
}

uint32_t
defrag_frame_header(uint8_t *hdr, uint32_t hdr_len, uint32_t aux, uint32_t data_len)
{
	uint32_t l3 = defrag_frame_l3_off(aux);
	uint8_t *ip;

	if (defrag_frame_data_off(aux) != hdr_len || hdr_len < l3 + IPV4_HDR_MIN)
		return 0;
	ip = hdr + l3;
	if (ip[0] >> 4 == 4) {
		uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;

		if (ihl < IPV4_HDR_MIN || l3 + ihl != hdr_len || data_len > IP_MAX_LEN - ihl)
			return 0;
		wr16(ip + 2, ihl + data_len);
		ip[6] &= IPV4_DF;
		ip[7] = 0;
		ip[10] = ip[11] = 0;
		wr16(ip + 10, ipv4_checksum(ip, ihl));
		return hdr_len;
	}
	if (ip[0] >> 4 == 6) {
		uint32_t fh, unfrag, pos, off;
		uint8_t nh;

		if (hdr_len < l3 + IPV6_HDR_LEN + IPV6_FRAG_HDR_LEN)
			return 0;
		fh = hdr_len - IPV6_FRAG_HDR_LEN;
		unfrag = fh - l3 - IPV6_HDR_LEN;
		if (data_len > IP_MAX_LEN - unfrag)
			return 0;
		/* Find the next-header byte that names the fragment header. */
		pos = l3 + 6;
		nh = ip[6];
		off = l3 + IPV6_HDR_LEN;
		while (off < fh) {
			uint32_t hl;

			if (fh - off < 2)
				return 0;
			hl = nh == PROTO_AH ? ((uint32_t)hdr[off + 1] + 2) * 4 :
			     ((uint32_t)hdr[off + 1] + 1) * 8;
			pos = off;
			nh = hdr[off];
			off += hl;
		}
		if (off != fh || nh != PROTO_FRAGMENT)
			return 0;
		hdr[pos] = hdr[fh];
		wr16(ip + 4, unfrag + data_len);
		return fh;
	}
	return 0;
}
