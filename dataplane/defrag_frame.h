/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DEFRAG_FRAME_H
#define TOLLGATE_DEFRAG_FRAME_H

#include <stdint.h>
#include "defrag_table_types.h"
#include "pkt_parse_types.h"

/*
 * The frame side of reassembly (pure): what a parsed fragment is to the fragment table,
 * and the header of the rebuilt datagram. Any thread; nothing is kept.
 */

/*
 * Fill *k and *f (obj and cost left to the caller; aux says where the data starts) from
 * fragment m (pkt_parse output with is_fragment set). Returns 0, or -EINVAL for a
 * fragment no datagram can use (it is dropped and counted as invalid):
 *   - no data, or data reaching past 65535 bytes of IPv4 total length / IPv6 payload;
 *   - IPv6: a fragment with more to follow whose length is not a multiple of 8 (RFC 8200
 *     4.5). IPv4 is cut down to a multiple of 8 instead, as Linux does (the receiver
 *     ignores the rest); when that leaves nothing, -EINVAL.
 */
int defrag_frame_describe(const struct pkt_meta *m, struct defrag_key *k, struct defrag_frag *f);

/*
 * Rewrite in place the headers of the first fragment (offset 0) into those of the
 * datagram of data_len data bytes: hdr holds the first fragment's frame up to its data
 * (hdr_len bytes, aux as defrag_frame_describe set it). IPv4: total length, fragment
 * field (DF kept) and checksum. IPv6: the fragment header is removed (the header before it
 * takes its next header) and the payload length set. Returns the new header length, or 0
 * when the datagram would pass 65535 bytes or hdr does not match aux.
 */
uint32_t defrag_frame_header(uint8_t *hdr, uint32_t hdr_len, uint32_t aux, uint32_t data_len);

/* Where the data starts in the frame, and the start of the IP header, from aux. */
static inline uint32_t
defrag_frame_data_off(uint32_t aux)
{
	return aux & 0xffffff;
}

static inline uint32_t
defrag_frame_l3_off(uint32_t aux)
{
	return aux >> 24;
}

#endif
