/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stream reassembly, one direction at a time: turns the segments of a direction into
 * the in-order byte stream the application layer reads, once, with holes declared as gaps.
 * Sequence space per RFC 9293 (the SYN and the FIN each take one number); comparisons modulo
 * 2^32 per RFC 1982 serial number arithmetic. Overlaps keep the first copy and report
 * differing bytes, the evasion Ptacek & Newsham describe ("Insertion, Evasion, and Denial
 * of Service", 1998).
 *
 * A direction keeps next_seq, the first byte not yet delivered, and the bytes it received
 * beyond a hole in a sorted list of pool blocks. In-order bytes are delivered straight from
 * the caller's packet (no copy); only bytes beyond a hole are copied into blocks.
 *
 *      delivered            next_seq    held in d->ooo: sorted, non-overlapping blocks
 *   ====================.......|          +------+------+              +------+
 *                              |          |  A   |  B   |              |  C   |
 *   ---------------------------+----------+------+------+--------------+------+---> seq
 *                              [============ new segment ===============]
 *                                  (1)       (2)    (2)        (3)
 *
 *   (1) new bytes up to A: delivered from the packet;
 *   (2) new bytes under A and B (one earlier segment split over two blocks): compared with
 *       the held copy, then dropped; A and B are delivered as held (first copy wins);
 *   (3) new bytes after B: delivered from the packet; C still waits behind its hole.
 *
 * A segment that starts beyond next_seq fills only the holes between held blocks (its bytes
 * under held blocks are compared and dropped the same way), or is dropped whole when the
 * per-direction byte cap or the worker's pool cannot take its new bytes. Bytes that will
 * never come become gaps: when the peer acknowledges data we never saw (tcp_reasm_ack; only
 * as far as the sender was seen to send, seen_end) and at flow end (tcp_reasm_flush).
 * Invariant between calls: every held block starts after next_seq (a block that starts at
 * next_seq is delivered at once).
 *
 * Stream offsets count delivered plus gap bytes from the first byte after the SYN (or the
 * first sequence number seen when a direction is picked up midstream); they are 64-bit and
 * keep growing across sequence wraps. conf.depth applies to that offset, gaps included.
 *
 * Urgent data. The byte an urgent pointer marks is read out of band by a Linux receiver
 * (SO_OOBINLINE off, the default; RFC 6093 describes this common implementation): its
 * application never sees it in the stream. Linux (tcp_check_urg, tcp_recvmsg) takes the
 * byte at seq + urp - 1 (seq when urp is 0), keeps one pending mark per direction, ignores
 * a pointer to a byte it already has in order or not newer than the pending one, and
 * replaces the pending mark with a newer one, whose older byte then stays inline. The
 * direction does the same with urg_seq, the reader being the delivery in order:
 *
 *   seq=100 urp=5 "41113111" ─► mark 104 ─► delivered "4111" + "111" (104 never delivered;
 *                                            offsets continue: the byte takes a sequence
 *                                            number but no stream offset, like the SYN)
 *
 * A mark past its segment (or from a segment held out of order) waits for its byte. A
 * retransmission cannot remove a second byte: its pointer is then behind next_seq or equal
 * to the pending one. With conf.urgent_inline the marks are followed and counted, and the
 * bytes delivered. Linux forgets a mark whose byte its application has read: that depends on
 * when the application reads, which the wire does not show; delivery in order stands for an
 * application that reads as soon as bytes arrive.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pkt_parse_types.h"
#include "tcp_reasm.h"
#include "tcp_reasm_priv.h"

/* What a segment's bytes met while being placed (bit mask). */
#define OVL_SEEN	0x1	/* overlapped delivered or held bytes */
#define OVL_DIFF	0x2	/* ... and some held bytes differed */

static inline uint32_t
seq_min(uint32_t a, uint32_t b)
{
	return tcp_seq_lt(a, b) ? a : b;
}

static void
reasm_event(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, enum tcp_reasm_event ev)
{
	if (ctx->ops.event != NULL)
		ctx->ops.event(ctx->ops.cookie, owner, dir, ev);
}

static struct tcp_reasm_seg *
blk_get(struct tcp_reasm_ctx *ctx)
{
	struct tcp_reasm_pool *pool = &ctx->pool;
	struct tcp_reasm_seg *b = pool->free;

	assert(pool->nfree > 0);
	if (b != NULL) {
		pool->free = b->next;
	} else {
		/* Carved on first use, in address order: memory never used is never touched. */
		assert(pool->fresh < pool->nblocks);
		b = (struct tcp_reasm_seg *)(void *)(pool->base +
						     (size_t)pool->fresh++ * pool->block_size);
	}
	pool->nfree--;
	ctx->stats.blocks_in_use++;
	b->next = NULL;
	return b;
}

static void
blk_put(struct tcp_reasm_ctx *ctx, struct tcp_reasm_seg *b)
{
	b->next = ctx->pool.free;
	ctx->pool.free = b;
	ctx->pool.nfree++;
	ctx->stats.blocks_in_use--;
}

static void
held_free_all(struct tcp_reasm_ctx *ctx, struct tcp_reasm_dir *d)
{
	struct tcp_reasm_seg *b;

	while ((b = d->ooo) != NULL) {
		d->ooo = b->next;
		blk_put(ctx, b);
	}
	d->ooo_bytes = 0;
}

/* Forget held bytes at or after limit (the FIN): they can never be part of the stream. */
static void
held_trim(struct tcp_reasm_ctx *ctx, struct tcp_reasm_dir *d, uint32_t limit)
{
	struct tcp_reasm_seg **link = &d->ooo;
	struct tcp_reasm_seg *b;

	while ((b = *link) != NULL) {
		if (!tcp_seq_lt(b->seq, limit)) {
			*link = b->next;
			d->ooo_bytes -= b->len;
			blk_put(ctx, b);
			continue;
		}
		if (tcp_seq_lt(limit, b->seq + b->len)) {
			d->ooo_bytes -= b->seq + b->len - limit;
			b->len = limit - b->seq;
		}
		link = &b->next;
	}
}

/* Bytes conf.depth still lets through at the current offset; UINT64_MAX when unlimited. */
static uint64_t
depth_room(const struct tcp_reasm_ctx *ctx, const struct tcp_reasm_dir *d)
{
	if (ctx->conf.depth == 0)
		return UINT64_MAX;
	return ctx->conf.depth > d->delivered ? ctx->conf.depth - d->delivered : 0;
}

static void
depth_reached(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d)
{
	d->flags |= TCP_REASM_DEPTH;
	ctx->stats.depth_reached++;
	reasm_event(ctx, owner, dir, TCP_REASM_EV_DEPTH);
}

/* Hand len (> 0) stream bytes at the current offset to the consumer, clipped to the depth. */
static void
emit_run(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
	 const uint8_t *data, uint32_t len)
{
	if (!(d->flags & TCP_REASM_DEPTH)) {
		uint64_t room = depth_room(ctx, d);
		uint32_t n = room < len ? (uint32_t)room : len;

		if (n > 0)
			ctx->ops.deliver(ctx->ops.cookie, owner, dir, data, n, d->delivered);
		if (room <= len)
			depth_reached(ctx, owner, dir, d);
	}
	d->delivered += len;
}

/* next_seq moved past the pending urgent byte without delivering it (a gap, the depth). */
static void
urgent_passed(struct tcp_reasm_dir *d)
{
	if ((d->flags & TCP_REASM_URG) && tcp_seq_lt(d->urg_seq, d->next_seq))
		d->flags &= (uint16_t)~TCP_REASM_URG;
}

/*
 * The len bytes at next_seq are in order: hand them to the consumer (clipped to the depth)
 * and move next_seq past them, less the pending urgent byte when it is among them and
 * urgent bytes are removed. Past the depth only next_seq and the offset move.
 */
static void
emit_data(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
	  const uint8_t *data, uint32_t len)
{
	uint32_t k = d->urg_seq - d->next_seq;

	if ((d->flags & TCP_REASM_URG) && k < len) {
		d->flags &= (uint16_t)~TCP_REASM_URG;
		if (!ctx->conf.urgent_inline) {
			if (k > 0)
				emit_run(ctx, owner, dir, d, data, k);
			if (len - k > 1)
				emit_run(ctx, owner, dir, d, data + k + 1, len - k - 1);
			ctx->stats.urgent_removed++;
			d->next_seq += len;
			return;
		}
	}
	if (len > 0)
		emit_run(ctx, owner, dir, d, data, len);
	d->next_seq += len;
}

/* The len bytes at next_seq will never come: declare them a gap and skip them. */
static void
emit_gap(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
	 uint32_t len)
{
	if (!(d->flags & TCP_REASM_DEPTH)) {
		uint64_t room = depth_room(ctx, d);
		uint64_t n = room < len ? room : len;

		if (n > 0) {
			ctx->ops.gap(ctx->ops.cookie, owner, dir, d->delivered, n);
			d->gaps++;
			d->gap_bytes += n;
			ctx->stats.gaps++;
			ctx->stats.gap_bytes += n;
		}
		if (room <= len)
			depth_reached(ctx, owner, dir, d);
	}
	d->next_seq += len;
	d->delivered += len;
	urgent_passed(d);
}

/* Deliver the held blocks that are now in order, in order, and give their blocks back. */
static void
drain(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d)
{
	struct tcp_reasm_seg *b;

	while ((b = d->ooo) != NULL && b->seq == d->next_seq) {
		d->ooo = b->next;
		d->ooo_bytes -= b->len;
		emit_data(ctx, owner, dir, d, b->data, b->len);
		blk_put(ctx, b);
	}
}

/* The FIN takes one sequence number once every byte before it is delivered or skipped. */
static void
fin_check(struct tcp_reasm_dir *d)
{
	if ((d->flags & (TCP_REASM_FIN | TCP_REASM_FIN_DONE)) == TCP_REASM_FIN &&
	    d->next_seq == d->fin_seq) {
		d->flags |= TCP_REASM_FIN_DONE;
		d->next_seq++;
	}
}

/* Once the depth is reached nothing held will ever be delivered: give the blocks back. */
static void
depth_release(struct tcp_reasm_ctx *ctx, struct tcp_reasm_dir *d)
{
	if ((d->flags & TCP_REASM_DEPTH) && d->ooo != NULL)
		held_free_all(ctx, d);
}

static void
overlap_count(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
	      unsigned int ovl)
{
	if (ovl == 0)
		return;
	ctx->stats.overlaps++;
	if (d->overlaps != UINT32_MAX)
		d->overlaps++;
	if (!(ovl & OVL_DIFF))
		return;
	ctx->stats.overlaps_diff++;
	if (d->overlaps_diff == 0)
		reasm_event(ctx, owner, dir, TCP_REASM_EV_OVERLAP_DIFF);
	if (d->overlaps_diff != UINT32_MAX)
		d->overlaps_diff++;
}

/*
 * In-order segment [seq, end), seq == next_seq: deliver new bytes from the packet up to the
 * next held block, then that block (after comparing the bytes under it), then new bytes
 * again, until the segment and every block it made contiguous are delivered.
 */
static unsigned int
place_in_order(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
	       const uint8_t *data, uint32_t seq, uint32_t end)
{
	struct tcp_reasm_seg *b;
	unsigned int ovl = 0;
	uint32_t cur = seq;

	while (tcp_seq_lt(cur, end)) {
		uint32_t lim = end;

		/* Here cur == next_seq and every held block starts after it. */
		b = d->ooo;
		if (b != NULL && tcp_seq_lt(b->seq, end))
			lim = b->seq;
		if (cur != lim) {
			emit_data(ctx, owner, dir, d, data + (cur - seq), lim - cur);
			cur = lim;
		}
		while ((b = d->ooo) != NULL && b->seq == d->next_seq) {
			if (tcp_seq_lt(cur, end)) {
				uint32_t ov_end = seq_min(end, b->seq + b->len);

				ovl |= OVL_SEEN;
				if (memcmp(data + (cur - seq), b->data, ov_end - cur) != 0)
					ovl |= OVL_DIFF;
				cur = ov_end;
			}
			d->ooo = b->next;
			d->ooo_bytes -= b->len;
			emit_data(ctx, owner, dir, d, b->data, b->len);
			blk_put(ctx, b);
		}
	}
	return ovl;
}

/* Blocks a new piece [seq, seq + len) needs, after filling the spare room of a block that
 * ends right where it starts. */
static uint32_t
piece_blocks(const struct tcp_reasm_seg *prev, uint32_t seq, uint32_t len, uint32_t room)
{
	if (prev != NULL && prev->seq + prev->len == seq) {
		uint32_t spare = room - prev->len;

		if (spare >= len)
			return 0;
		len -= spare;
	}
	return len / room + (len % room != 0);
}

/*
 * Copy the new piece [seq, seq + len) in at *link, prev being the block before *link (or
 * NULL). Fills prev's spare room first when it is contiguous, so that a run of small
 * segments does not take a block each. Returns the link after the last block inserted.
 */
static struct tcp_reasm_seg **
piece_insert(struct tcp_reasm_ctx *ctx, struct tcp_reasm_dir *d, struct tcp_reasm_seg **link,
	     struct tcp_reasm_seg *prev, uint32_t seq, const uint8_t *data, uint32_t len)
{
	const uint32_t room = tcp_reasm_block_payload(&ctx->pool);

	d->ooo_bytes += len;
	if (prev != NULL && prev->seq + prev->len == seq && prev->len < room) {
		uint32_t n = room - prev->len < len ? room - prev->len : len;

		memcpy(prev->data + prev->len, data, n);
		prev->len += n;
		seq += n;
		data += n;
		len -= n;
	}
	while (len > 0) {
		struct tcp_reasm_seg *b = blk_get(ctx);
		uint32_t n = len < room ? len : room;

		b->seq = seq;
		b->len = n;
		memcpy(b->data, data, n);
		b->next = *link;
		*link = b;
		link = &b->next;
		seq += n;
		data += n;
		len -= n;
	}
	return link;
}

/*
 * Out-of-order segment [seq, end), seq after next_seq. First pass: compare the bytes under
 * held blocks and size the new pieces in between; the segment is held whole or not at all,
 * so the caps are checked before anything is copied. Second pass: copy the pieces in.
 */
static unsigned int
place_out_of_order(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir,
		   struct tcp_reasm_dir *d, const uint8_t *data, uint32_t seq, uint32_t end)
{
	const uint32_t room = tcp_reasm_block_payload(&ctx->pool);
	struct tcp_reasm_seg *prev = NULL;
	struct tcp_reasm_seg **link;
	struct tcp_reasm_seg *b;
	uint32_t need_bytes = 0;
	uint32_t need_blocks = 0;
	unsigned int ovl = 0;
	uint32_t cur = seq;

	for (b = d->ooo; b != NULL && tcp_seq_lt(cur, end); prev = b, b = b->next) {
		uint32_t b_end = b->seq + b->len;
		uint32_t ov_end;

		if (tcp_seq_leq(b_end, cur))
			continue;
		if (tcp_seq_leq(end, b->seq))
			break;
		if (tcp_seq_lt(cur, b->seq)) {
			need_blocks += piece_blocks(prev, cur, b->seq - cur, room);
			need_bytes += b->seq - cur;
			cur = b->seq;
		}
		ov_end = seq_min(end, b_end);
		ovl |= OVL_SEEN;
		if (memcmp(data + (cur - seq), b->data + (cur - b->seq), ov_end - cur) != 0)
			ovl |= OVL_DIFF;
		cur = ov_end;
	}
	if (tcp_seq_lt(cur, end)) {
		need_blocks += piece_blocks(prev, cur, end - cur, room);
		need_bytes += end - cur;
	}

	if (need_bytes == 0)
		return ovl;	/* every byte is already held */
	if ((uint64_t)d->ooo_bytes + need_bytes > ctx->conf.max_ooo_per_dir) {
		ctx->stats.ooo_flow_cap++;
		if (!(d->flags & TCP_REASM_OOO_CAPPED)) {
			d->flags |= TCP_REASM_OOO_CAPPED;
			reasm_event(ctx, owner, dir, TCP_REASM_EV_OOO_FLOW_CAP);
		}
		return ovl;
	}
	if (need_blocks > ctx->pool.nfree) {
		ctx->stats.pool_empty++;
		if (!(d->flags & TCP_REASM_POOL_EMPTY)) {
			d->flags |= TCP_REASM_POOL_EMPTY;
			reasm_event(ctx, owner, dir, TCP_REASM_EV_POOL_EMPTY);
		}
		return ovl;
	}

	link = &d->ooo;
	prev = NULL;
	cur = seq;
	while (tcp_seq_lt(cur, end)) {
		uint32_t b_end;

		b = *link;
		if (b == NULL || tcp_seq_leq(end, b->seq)) {
			piece_insert(ctx, d, link, prev, cur, data + (cur - seq), end - cur);
			break;
		}
		b_end = b->seq + b->len;
		if (tcp_seq_lt(cur, b->seq)) {
			link = piece_insert(ctx, d, link, prev, cur, data + (cur - seq),
					    b->seq - cur);
			cur = b->seq;
		}
		if (tcp_seq_lt(cur, b_end))
			cur = seq_min(end, b_end);
		prev = b;
		link = &b->next;
	}
	ctx->stats.ooo_held++;
	return ovl;
}

/*
 * The urgent pointer urp of a segment whose header carries sequence number hseq (the SYN's
 * own number included) and whose payload is [seq, seq + len), as tcp_check_urg reads it:
 * the byte at hseq + urp - 1 (hseq for urp 0) becomes the pending mark unless it is already
 * in order, not newer than the pending mark, or at or past the FIN (it will never come).
 */
static void
urgent_mark(struct tcp_reasm_ctx *ctx, struct tcp_reasm_dir *d, uint32_t hseq, uint16_t urp,
	    uint32_t seq, uint32_t len)
{
	uint32_t ptr = hseq + (urp != 0 ? urp - 1u : 0u);

	if (tcp_seq_lt(ptr, d->next_seq))
		return;
	if ((d->flags & TCP_REASM_URG) && !tcp_seq_lt(d->urg_seq, ptr))
		return;
	if ((d->flags & TCP_REASM_FIN) && !tcp_seq_lt(ptr, d->fin_seq))
		return;
	if (d->flags & TCP_REASM_URG)
		ctx->stats.urgent_replaced++;
	d->urg_seq = ptr;
	d->flags |= TCP_REASM_URG;
	ctx->stats.urgent_marks++;
	if (ptr - seq >= len)
		ctx->stats.urgent_beyond++;
}

/* Place the payload [seq, seq + len) of a started direction that is below its depth. */
static void
place_data(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
	   const uint8_t *data, uint32_t seq, uint32_t len)
{
	uint32_t end = seq + len;
	unsigned int ovl = 0;

	if (tcp_seq_leq(end, d->next_seq)) {
		/* Already delivered: nothing left to compare it with. */
		ctx->stats.retransmits++;
		return;
	}
	if (tcp_seq_lt(seq, d->next_seq)) {
		data += d->next_seq - seq;
		seq = d->next_seq;
		ovl = OVL_SEEN;
	}
	if (seq == d->next_seq) {
		ctx->stats.in_order++;
		ovl |= place_in_order(ctx, owner, dir, d, data, seq, end);
	} else {
		ovl |= place_out_of_order(ctx, owner, dir, d, data, seq, end);
	}
	overlap_count(ctx, owner, dir, d, ovl);
}

/*
 * Carve the caller's memory into blocks for one worker. Accepts any mem of memlen bytes:
 * the first block starts at the first 8-byte boundary and block_size is rounded up to a
 * multiple of 8 (pool->block_size holds the rounded size). Nothing in mem is written
 * here: a block is laid out when it is first handed out, so pages of mem that reassembly
 * never needs are never touched (never faulted in). Rejects with -EINVAL a NULL pool
 * or mem, a block_size below TCP_REASM_MIN_BLOCK, and memory that holds no block. mem stays
 * the caller's: it must outlive the pool and every direction that uses it, and the caller
 * frees it. Called at init by the thread that sets the worker up, before the worker runs.
 */
int
tcp_reasm_pool_init(struct tcp_reasm_pool *pool, void *mem, size_t memlen, uint32_t block_size)
{
	const uintptr_t mask = TCP_REASM_BLOCK_ALIGN - 1;
	uintptr_t pad;
	uint32_t bs;
	size_t n;

	if (pool == NULL || mem == NULL || block_size < TCP_REASM_MIN_BLOCK ||
	    block_size > UINT32_MAX - mask)
		return -EINVAL;
	bs = (uint32_t)((block_size + mask) & ~mask);
	pad = (TCP_REASM_BLOCK_ALIGN - ((uintptr_t)mem & mask)) & mask;
	if (memlen < pad)
		return -EINVAL;
	n = (memlen - pad) / bs;
	if (n == 0)
		return -EINVAL;
	if (n > UINT32_MAX)
		n = UINT32_MAX;

	pool->mem = mem;
	pool->memlen = memlen;
	pool->base = (uint8_t *)mem + pad;
	pool->block_size = bs;
	pool->nblocks = (uint32_t)n;
	pool->nfree = (uint32_t)n;
	pool->fresh = 0;
	pool->free = NULL;	/* blocks are carved as they are first needed (blk_get) */
	return 0;
}

/*
 * Offer one segment of direction d. Accepts any seq, flags (PKT_TCP_*), urgent pointer
 * (read only with PKT_TCP_URG; one pointing past the segment waits for its byte) and payload
 * (data may be NULL only when len is 0). The caller keeps data: it is read during the call
 * and delivered in place when in order; out-of-order bytes are copied into ctx's pool,
 * owned by d until delivered, flushed or released. Rejects nothing with an error: every
 * byte not placed is counted (retransmits, not_started, ooo_flow_cap, pool_empty,
 * urgent_removed) or, past the FIN or the depth, dropped by design. Called only by the
 * worker that owns ctx and d.
 */
void
tcp_reasm_segment(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir,
		  struct tcp_reasm_dir *d, uint32_t seq, uint8_t flags, uint16_t urp,
		  const uint8_t *data, uint32_t len)
{
	const uint32_t hseq = seq;

	assert(ctx != NULL && d != NULL && (data != NULL || len == 0));
	if (len > 0)
		ctx->stats.segments++;
	if (flags & PKT_TCP_RST)
		d->flags |= TCP_REASM_RST;

	if (flags & PKT_TCP_SYN) {
		if (!(d->flags & TCP_REASM_STARTED)) {
			d->isn = seq;
			d->next_seq = seq + 1;
			d->seen_end = d->next_seq;
			d->delivered = 0;
			d->flags |= TCP_REASM_STARTED | TCP_REASM_SYN;
		} else if (!(d->flags & TCP_REASM_SYN) || seq != d->isn) {
			return;	/* a SYN that contradicts the one we started from */
		}
		seq++;		/* the SYN takes one sequence number before the data */
	} else if (!(d->flags & TCP_REASM_STARTED)) {
		if (!ctx->conf.midstream) {
			if (len > 0)
				ctx->stats.not_started++;
			return;
		}
		d->next_seq = seq;
		d->seen_end = seq;
		d->delivered = 0;
		d->flags |= TCP_REASM_STARTED;
	}
	assert(d->ooo == NULL || tcp_seq_lt(d->next_seq, d->ooo->seq));
	/* The sender sent this far, whatever becomes of the bytes (held, dropped at a cap). */
	if (tcp_seq_lt(d->seen_end, seq + len))
		d->seen_end = seq + len;

	/* The first FIN at or after next_seq ends the stream; one before it is bogus. */
	if ((flags & PKT_TCP_FIN) && !(d->flags & TCP_REASM_FIN) &&
	    tcp_seq_leq(d->next_seq, seq + len)) {
		d->fin_seq = seq + len;
		d->flags |= TCP_REASM_FIN;
		held_trim(ctx, d, d->fin_seq);
	}
	if (d->flags & TCP_REASM_FIN) {
		/*
		 * Keep the bytes before the FIN, both measured from next_seq (the FIN is less
		 * than 2^31 ahead of it, or just behind once reached): comparing the segment's
		 * start with the FIN directly fails when they are 2^31 apart, which made an
		 * empty segment 2^31 bytes long and dropped a segment that starts before
		 * next_seq and carries new bytes. Only ever shortens.
		 */
		int64_t room = (int64_t)(int32_t)(d->fin_seq - d->next_seq) -
			       (int32_t)(seq - d->next_seq);

		if (room <= 0)
			len = 0;
		else if (room < (int64_t)len)
			len = (uint32_t)room;
	}
	if (flags & PKT_TCP_URG)
		urgent_mark(ctx, d, hseq, urp, seq, len);

	if (len > 0) {
		if (!(d->flags & TCP_REASM_DEPTH)) {
			place_data(ctx, owner, dir, d, data, seq, len);
		} else if (tcp_seq_leq(seq, d->next_seq) &&
			   tcp_seq_lt(d->next_seq, seq + len)) {
			/* Past the depth: only follow the stream. */
			d->delivered += seq + len - d->next_seq;
			d->next_seq = seq + len;
			urgent_passed(d);
		}
	}
	fin_check(d);
	depth_release(ctx, d);
}

void
tcp_reasm_ttl_seen(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
		   uint8_t ttl)
{
	assert(ctx != NULL && d != NULL);
	if (!(d->flags & TCP_REASM_TTL)) {
		d->ttl = ttl;
		d->flags |= TCP_REASM_TTL;
		return;
	}
	ctx->stats.ttl_changed++;
	if (!(d->flags & TCP_REASM_TTL_CHANGED)) {
		d->flags |= TCP_REASM_TTL_CHANGED;
		reasm_event(ctx, owner, dir, TCP_REASM_EV_TTL_CHANGED);
	}
}

void
tcp_reasm_ts_seen(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
		  uint32_t tsval, uint32_t len)
{
	assert(ctx != NULL && d != NULL);
	if (!(d->flags & TCP_REASM_TS)) {
		d->ts_max = tsval;
		d->flags |= TCP_REASM_TS;
		return;
	}
	if (len == 0)
		return;	/* PAWS drops old pure ACKs too, but they carry no bytes to hide */
	ctx->stats.ts_old++;
	if (!(d->flags & TCP_REASM_TS_OLD)) {
		d->flags |= TCP_REASM_TS_OLD;
		reasm_event(ctx, owner, dir, TCP_REASM_EV_TS_OLD);
	}
}

/*
 * Record a RST sent on d (o: the opposite direction). TCP_REASM_RST_SEQ says its receiver
 * takes it: on a started direction, its sequence number is exactly next_seq (RFC 5961
 * section 3.2: any other, even in the window, only draws a challenge ACK); before d sent
 * anything, it acknowledges everything o sent (the answer to a SYN, RFC 9293 3.10.7.3); on
 * a connection of which nothing was seen yet (a stray RST picked up midstream), it is
 * taken as it comes, having nothing to end. Accepts any values. Called only by the worker
 * that owns d and o.
 */
void
tcp_reasm_rst(struct tcp_reasm_dir *d, const struct tcp_reasm_dir *o, uint32_t seq,
	      uint32_t ack, uint8_t flags)
{
	int taken;

	assert(d != NULL && o != NULL);
	d->flags |= TCP_REASM_RST;
	if (d->flags & TCP_REASM_STARTED)
		taken = seq == d->next_seq;
	else if (o->flags & TCP_REASM_STARTED)
		taken = (flags & PKT_TCP_ACK) && ack == o->next_seq;
	else
		taken = 1;
	if (taken)
		d->flags |= TCP_REASM_RST_SEQ;
}

/*
 * A bare ACK on d before d's SYN-ACK, in a connection that began with o's SYN: it belongs to
 * an older connection on the same addresses and ports (typically the TIME_WAIT of the old
 * server answering the new SYN), so neither its sequence number (a midstream start of d)
 * nor its acknowledgment (a gap on o) may be taken. A data segment still starts d midstream
 * (the SYN-ACK may be missing from a capture). Pure; any thread.
 */
int
tcp_reasm_stale(const struct tcp_reasm_dir *d, const struct tcp_reasm_dir *o, uint8_t flags,
		uint32_t len)
{
	return !(d->flags & TCP_REASM_STARTED) && (o->flags & TCP_REASM_SYN) && len == 0 &&
	       !(flags & (PKT_TCP_SYN | PKT_TCP_FIN | PKT_TCP_RST));
}

/*
 * A SYN or SYN-ACK (flags, sequence number seq) sent on d starts a new connection on the
 * addresses and ports of d and o when that connection is over for both hosts:
 *   - a RST its receiver took (tcp_reasm_rst): any SYN is a new attempt, even with the
 *     ISN of the old one (a client that reset the stale ACK of a TIME_WAIT retransmits its
 *     SYN, RFC 9293 3.10.7.4); a SYN-ACK only with a new ISN (else a late duplicate);
 *   - both FINs reached in sequence (TIME_WAIT and after): a SYN or SYN-ACK with another
 *     ISN than d's own SYN (the same one is a late retransmission of the old SYN).
 * A connection that is not over keeps its segments, whatever their ISN: a SYN in the middle
 * of a live connection only draws a challenge ACK (RFC 5961 section 4). A segment with RST
 * or FIN is never a start. Pure; any thread.
 */
int
tcp_reasm_syn_restarts(const struct tcp_reasm_dir *d, const struct tcp_reasm_dir *o,
		       uint32_t seq, uint8_t flags)
{
	int same_isn = (d->flags & TCP_REASM_SYN) && seq == d->isn;

	if ((flags & (PKT_TCP_SYN | PKT_TCP_RST | PKT_TCP_FIN)) != PKT_TCP_SYN)
		return 0;
	if ((d->flags | o->flags) & TCP_REASM_RST_SEQ)
		return !(flags & PKT_TCP_ACK) || !same_isn;
	if (d->flags & o->flags & TCP_REASM_FIN_DONE)
		return !same_isn;
	return 0;
}

/*
 * The peer of direction d acknowledged everything before ack (the caller passes the ACK
 * field of an opposite-direction segment that has the ACK flag). Bytes acknowledged but
 * never seen become gaps, and held blocks that become in order are delivered. Ignores an
 * ack on a direction not started, at or before next_seq, beyond the FIN's sequence number
 * plus one, or more than TCP_REASM_MAX_ACK_AHEAD ahead. The ack of the FIN itself covers the
 * FIN's sequence number, not a byte. Called only by the worker that owns ctx and d.
 *
 * Only bytes the sender was seen to send (up to the end of its furthest segment, seen_end)
 * become gaps: a receiver that acknowledges data not sent yet (counted as ack_unseen) must
 * not make the sender's next bytes look like retransmissions of a gap, which would leave
 * them uninspected. A real sender ignores such an ack (RFC 9293 3.10.7.4: an ACK of
 * something not yet sent is dropped) and goes on sending those bytes.
 */
void
tcp_reasm_ack(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d,
	      uint32_t ack)
{
	uint32_t limit = ack;

	assert(ctx != NULL && d != NULL);
	if (!(d->flags & TCP_REASM_STARTED) || (d->flags & TCP_REASM_FIN_DONE))
		return;
	if (!tcp_seq_lt(d->next_seq, ack) || ack - d->next_seq > TCP_REASM_MAX_ACK_AHEAD)
		return;
	if (d->flags & TCP_REASM_FIN) {
		if (tcp_seq_lt(d->fin_seq + 1, ack))
			return;
		limit = seq_min(ack, d->fin_seq);
	}
	if (tcp_seq_lt(d->seen_end, limit)) {
		ctx->stats.ack_unseen++;
		limit = d->seen_end;
	}
	while (tcp_seq_lt(d->next_seq, limit)) {
		struct tcp_reasm_seg *b = d->ooo;
		uint32_t to = limit;

		if (b != NULL && tcp_seq_lt(b->seq, limit))
			to = b->seq;
		emit_gap(ctx, owner, dir, d, to - d->next_seq);
		drain(ctx, owner, dir, d);
	}
	fin_check(d);
	depth_release(ctx, d);
}

/*
 * Flow end: deliver every held block in order, declaring the hole before each as a gap.
 * Missing bytes after the last held block were never seen nor acknowledged and are not
 * declared. Leaves d with no blocks; d stays usable. Called only by the owning worker.
 */
void
tcp_reasm_flush(struct tcp_reasm_ctx *ctx, void *owner, uint8_t dir, struct tcp_reasm_dir *d)
{
	struct tcp_reasm_seg *b;

	assert(ctx != NULL && d != NULL);
	while ((b = d->ooo) != NULL) {
		emit_gap(ctx, owner, dir, d, b->seq - d->next_seq);
		drain(ctx, owner, dir, d);
	}
	fin_check(d);
	depth_release(ctx, d);
}

/*
 * Give every block d holds back to ctx's pool, undelivered, and zero d. Accepts NULL and a
 * zeroed direction (no-op beyond the zeroing). Called only by the owning worker.
 */
void
tcp_reasm_release(struct tcp_reasm_ctx *ctx, struct tcp_reasm_dir *d)
{
	if (d == NULL)
		return;
	held_free_all(ctx, d);
	memset(d, 0, sizeof(*d));
}
