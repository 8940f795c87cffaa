/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_TCP_REASM_H
#define TOLLGATE_TCP_REASM_H

#include "tcp_reasm_types.h"

/*
 * All functions are called by the one worker that owns ctx and the directions; none
 * allocates from the heap, sleeps or logs. dir (0 or 1) is passed through to the callbacks
 * unchanged; the opposite direction of a flow is the caller's business.
 */

/*
 * Carve mem (memlen bytes) into blocks of block_size bytes (header included; at least
 * 128). Returns 0, or -EINVAL when block_size is too small or mem holds no block.
 */
int tcp_reasm_pool_init(struct tcp_reasm_pool *pool, void *mem, size_t memlen,
			uint32_t block_size);

/*
 * Offer one segment of direction d: seq, flags (PKT_TCP_*) and urgent pointer urp from the
 * header, len bytes of payload at data (may be 0, e.g. a bare SYN or FIN). Delivers every
 * byte that becomes in order through ctx->ops.deliver, copying out-of-order bytes into the
 * pool first. Overlaps keep the first copy; differing overlaps are counted. Sequence numbers
 * wrap. A SYN starts the direction at seq + 1. Without a SYN, the direction starts at seq
 * when conf.midstream is set, otherwise the data is counted in stats.not_started and
 * ignored. With PKT_TCP_URG, urp marks an urgent byte as Linux reads it: unless
 * conf.urgent_inline, that byte is left out of the delivered stream (see tcp_reasm.c).
 */
void tcp_reasm_segment(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir,
		       struct tcp_reasm_dir *d, uint32_t seq, uint8_t flags, uint16_t urp,
		       const uint8_t *data, uint32_t len);

/* The part of tcp_reasm_ttl past its check: d's first segment, or data with another TTL. */
void tcp_reasm_ttl_seen(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir,
			struct tcp_reasm_dir *d, uint8_t ttl);

/*
 * The IP TTL (IPv6: hop limit) of a segment of d with len payload bytes, before it is
 * offered (tcp_reasm_segment). The first segment of d sets d's TTL; a data segment with
 * another one is counted (stats.ttl_changed) and reported once per direction
 * (TCP_REASM_EV_TTL_CHANGED): a sender's segments reach the tap over one path, with one
 * TTL, so another is the sign of an insertion (a copy meant to expire between the tap and
 * the receiver). Reassembly itself does not change. Inline: called for every segment.
 */
static inline void
tcp_reasm_ttl(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
	      uint8_t ttl, uint32_t len)
{
	if ((d->flags & TCP_REASM_TTL) && (len == 0 || ttl == d->ttl))
		return;
	tcp_reasm_ttl_seen(ctx, owner, dir, d, ttl);
}

/* The part of tcp_reasm_ts past its check: d's first timestamp, or data with an old one. */
void tcp_reasm_ts_seen(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir,
		       struct tcp_reasm_dir *d, uint32_t tsval, uint32_t len);

/*
 * The timestamp (RFC 7323 TSval) of a segment of d with len payload bytes that carries one,
 * before it is offered. d keeps the newest TSval of its segments; a data segment whose
 * TSval is older than that by more than one tick (serial arithmetic) is counted
 * (stats.ts_old) and reported once per direction (TCP_REASM_EV_TS_OLD). A receiver that
 * took the newer one drops it (PAWS, RFC 7323 section 5; Linux allows one tick), and a
 * sender's retransmissions carry new timestamps, so it is the sign of an insertion (a
 * copy the receiver refuses, sent before the real one). Reassembly itself does not change:
 * which copy a receiver keeps depends on what it acknowledged, which a tap does not
 * always see. Inline: called for every segment with a timestamp.
 */
static inline void
tcp_reasm_ts(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
	     uint32_t tsval, uint32_t len)
{
	if ((d->flags & TCP_REASM_TS) && (int32_t)(tsval - d->ts_max) >= -1) {
		if ((int32_t)(tsval - d->ts_max) > 0)
			d->ts_max = tsval;
		return;
	}
	tcp_reasm_ts_seen(ctx, owner, dir, d, tsval, len);
}

/*
 * A RST (flags has PKT_TCP_RST; seq and ack from its header) was sent on direction d, o
 * being the opposite direction. Records it, and whether its receiver's stack would take it
 * (RFC 5961 section 3: the exact next sequence number; before the sender's first segment,
 * an ACK of everything the receiver sent, RFC 9293 SYN-SENT; with neither direction
 * started, any RST).
 */
void tcp_reasm_rst(struct tcp_reasm_dir *d, const struct tcp_reasm_dir *o, uint32_t seq,
		   uint32_t ack, uint8_t flags);

/*
 * Is a segment on d (flags, len payload bytes) one that cannot belong to this connection:
 * d has not started, o began with a SYN (d's SYN-ACK is awaited), and it is a bare ACK
 * (no SYN, FIN, RST nor payload)? A server answers a SYN with a SYN-ACK; what comes first
 * is an older connection's (a TIME_WAIT's ACK to the new SYN, RFC 9293 3.10.7.4), whose
 * sequence and acknowledgment numbers mean nothing here. Pure.
 */
int tcp_reasm_stale(const struct tcp_reasm_dir *d, const struct tcp_reasm_dir *o,
		    uint8_t flags, uint32_t len);

/*
 * Is a segment with flags (a SYN or a SYN-ACK) and sequence number seq, sent on direction d
 * of a connection whose opposite direction is o, the start of a new connection on the same
 * addresses and ports? Yes once the old connection is over for both hosts (both FINs
 * reached in sequence, or a RST its receiver took), unless it repeats the ISN of d's own
 * SYN after FINs (a late retransmission of the old SYN). Pure.
 */
int tcp_reasm_syn_restarts(const struct tcp_reasm_dir *d, const struct tcp_reasm_dir *o,
			   uint32_t seq, uint8_t flags);

/*
 * The opposite direction acknowledged up to ack for direction d. If the peer acked bytes
 * we never saw (ack beyond next_seq), the missing range is a gap: report it, skip it, and
 * deliver any held segments that become in order.
 */
void tcp_reasm_ack(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir,
		   struct tcp_reasm_dir *d, uint32_t ack);

/* Flow end: deliver every held segment in order, declaring the holes as gaps. */
void tcp_reasm_flush(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir,
		     struct tcp_reasm_dir *d);

/* Return every block of d to the pool and zero d. Safe on a zeroed direction. */
void tcp_reasm_release(struct tcp_reasm_ctx *ctx, struct tcp_reasm_dir *d);

/* Sequence arithmetic modulo 2^32 (RFC 793 / RFC 1982 comparisons). */
static inline int
tcp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline int
tcp_seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

#endif
