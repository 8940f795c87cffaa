/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: TCP reassembly (dataplane/tcp_reasm.h), structure-aware. The input is
 * turned into a configuration, an initial sequence number per direction and a list of
 * operations on both directions of one flow: segments (flags, a sequence number relative
 * to the direction's ISN, a payload length), acknowledgements, flushes and releases.
 * Payloads are not taken from the input: every byte is a function of its sequence number
 * (the "true" stream of its direction), or its complement for a segment marked corrupt,
 * so the harness knows what each byte offered was and which copy came first. A corrupt
 * segment with a payload also comes with another IP TTL (3, the others 64), offered
 * through tcp_reasm_ttl first, as the worker does.
 *
 * Input:  byte 0      bit 0 midstream pickup; bit 1 a depth (byte 1); bits 2-3 the
 *                     per-direction out-of-order cap (100, 1000, 16384 bytes, 1 MiB);
 *                     bits 4-5 the block size (128, 136, 256, 1024); bits 6-7 the pool
 *                     (2, 8, 64, 512 blocks, shared by both directions)
 *         byte 1      depth = 1 + 40 * byte 1 when bit 1 of byte 0 is set
 *         byte 2      bit 0 flush both directions before releasing them at the end
 *         bytes 3-10  ISN of direction 0, then of direction 1 (little endian)
 *         then operations, each an op byte:
 *           bit 0     the direction
 *           bits 1-2  0 or 1: a segment, 2: an ack of the direction's bytes (sent by the
 *                     other side), 3: flush (bit 3 clear) or release (bit 3 set)
 *           segment:  bit 3 payload corrupt (the complement of the true bytes); bit 4 a
 *                     raw 32-bit sequence number; then the TCP flags byte (PKT_TCP_*:
 *                     SYN, FIN, RST, URG... all passed as they are), the sequence number
 *                     (2 bytes: ISN + a signed 16-bit offset; 4 bytes raw with bit 4) and
 *                     a length byte L (L < 192: L bytes, else (L - 191) * 64 bytes)
 *           ack:      bit 4 raw; the ack number (ISN + signed 16-bit offset, or 4 bytes)
 *
 * Checks, aborting on failure (tcp_reasm.h, tcp_reasm_types.h):
 *   - deliveries and gaps of a direction come at consecutive stream offsets from 0 (each
 *     offset handed over once, in order), never empty, never past conf.depth;
 *   - every delivered byte is the first copy of that offset the reassembler accepted: the
 *     byte of the first segment offered at that offset while it was still ahead of the
 *     stream and not refused by a cap (an out-of-order segment is held whole or not at
 *     all, so a cap counter that moved means nothing of it was kept); a byte offered that
 *     way is never declared a gap; offsets the harness does not track hold a true byte or
 *     its complement;
 *   - without corrupt segments no overlap is counted as differing and no
 *     TCP_REASM_EV_OVERLAP_DIFF or TCP_REASM_EV_TTL_CHANGED comes; each event kind at
 *     most once per direction;
 *   - after every operation: the held blocks are sorted, non-overlapping, each 1..block
 *     payload bytes, all after next_seq, their bytes sum to ooo_bytes <= the cap, and the
 *     blocks held by both directions are the pool's blocks in use (stats.blocks_in_use);
 *     nothing is held once FIN_DONE or DEPTH is set; delivered and gap_bytes agree with
 *     what the callbacks saw (below the depth);
 *   - after the final flush, every byte accepted before the FIN and below the depth has
 *     been delivered; after both directions are released the pool is whole again
 *     (nfree == nblocks, blocks_in_use 0) and each direction is zeroed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pkt_parse_types.h"
#include "tcp_reasm.h"
#include "tcp_reasm_priv.h"

/* Stream offsets whose first accepted copy the harness remembers, per direction. */
#define TRACK		(1u << 17)

struct pos {
	uint32_t gen;		/* == model.gen: this entry is of the current run */
	uint8_t val;		/* the first accepted copy */
	uint8_t delivered;
};

struct dir_model {
	uint32_t gen;		/* bumped at each run and release: forgets every pos */
	uint32_t isn;		/* the true byte of seq s is truth(s - isn - 1) */
	uint32_t start;		/* seq of stream offset 0, once started */
	bool started;
	uint64_t next_off;	/* where the next delivery or gap must start */
	uint64_t gap_bytes;
	uint64_t max_rec;	/* 1 + the largest offset recorded */
	uint64_t complete_to;	/* check_complete found every recorded offset below delivered */
	unsigned int events[TCP_REASM_EV__COUNT];
	bool corrupt_seen;
	/* The segment being offered: its bytes may be delivered during the call. */
	bool cur_valid;
	uint32_t cur_seq;	/* sequence number of its first payload byte */
	uint32_t cur_len;
	const uint8_t *cur_data;
};

struct harness {
	struct tcp_reasm_ctx ctx;
	struct tcp_reasm_dir d[2];
	struct dir_model m[2];
	void *mem;
};

static struct pos positions[2][TRACK];
static void *pool_mem[16];		/* by pool shape: byte 0 bits 4-7 */
static uint32_t gen_counter;
static int owner_token;

static FUZZ_NOCOV uint8_t
truth(uint8_t dir, uint32_t k)
{
	return (uint8_t)(((k * 0x9E3779B1u) >> 24) ^ (dir ? 0xA5u : 0x00u) ^ (k & 0xff));
}

static FUZZ_NOCOV void
model_reset(struct dir_model *m, uint32_t isn)
{
	memset(m, 0, sizeof(*m));
	m->isn = isn;
	m->gen = ++gen_counter;
	if (m->gen == 0)
		m->gen = ++gen_counter;
}

static FUZZ_NOCOV void
h_deliver(void *cookie, void *owner, uint8_t dir, const uint8_t *data, uint32_t len,
	  uint64_t off)
{
	struct harness *h = cookie;
	struct dir_model *m;
	uint32_t i;

	FUZZ_CHECK(owner == &owner_token);
	FUZZ_CHECK(dir <= 1);
	m = &h->m[dir];
	FUZZ_CHECK(m->started);
	FUZZ_CHECK(len > 0 && data != NULL);
	FUZZ_CHECK(off == m->next_off);
	FUZZ_CHECK(h->ctx.conf.depth == 0 || off + len <= h->ctx.conf.depth);
	fuzz_touch(data, len);
	for (i = 0; i < len; i++) {
		uint64_t p = off + i;
		uint32_t seq = m->start + (uint32_t)p;
		uint8_t t = truth(dir, seq - m->isn - 1);

		if (p < TRACK) {
			struct pos *e = &positions[dir][p];

			if (e->gen != m->gen) {
				/* Not accepted before: it must be a byte of this segment. */
				FUZZ_CHECK(m->cur_valid);
				FUZZ_CHECK(seq - m->cur_seq < m->cur_len);
				FUZZ_CHECK(data[i] == m->cur_data[seq - m->cur_seq]);
				e->gen = m->gen;
				e->val = data[i];
				e->delivered = 0;
				if (p + 1 > m->max_rec)
					m->max_rec = p + 1;
			}
			FUZZ_CHECK(data[i] == e->val);
			FUZZ_CHECK(!e->delivered);
			e->delivered = 1;
		} else {
			FUZZ_CHECK(data[i] == t || data[i] == (uint8_t)~t);
		}
		if (!m->corrupt_seen)
			FUZZ_CHECK(data[i] == t);
	}
	m->next_off += len;
}

static FUZZ_NOCOV void
h_gap(void *cookie, void *owner, uint8_t dir, uint64_t off, uint64_t len)
{
	struct harness *h = cookie;
	struct dir_model *m;
	uint64_t p;

	FUZZ_CHECK(owner == &owner_token);
	FUZZ_CHECK(dir <= 1);
	m = &h->m[dir];
	FUZZ_CHECK(m->started);
	FUZZ_CHECK(len > 0);
	FUZZ_CHECK(off == m->next_off);
	FUZZ_CHECK(h->ctx.conf.depth == 0 || off + len <= h->ctx.conf.depth);
	/* Bytes accepted earlier are held or delivered: never skipped as a gap. */
	for (p = off; p < off + len && p < m->max_rec; p++)
		FUZZ_CHECK(positions[dir][p].gen != m->gen);
	m->next_off += len;
	m->gap_bytes += len;
}

static FUZZ_NOCOV void
h_event(void *cookie, void *owner, uint8_t dir, enum tcp_reasm_event ev)
{
	struct harness *h = cookie;

	FUZZ_CHECK(owner == &owner_token);
	FUZZ_CHECK(dir <= 1);
	FUZZ_CHECK((unsigned int)ev < TCP_REASM_EV__COUNT);
	h->m[dir].events[ev]++;
	FUZZ_CHECK(h->m[dir].events[ev] == 1);
	if (ev == TCP_REASM_EV_OVERLAP_DIFF || ev == TCP_REASM_EV_TTL_CHANGED)
		FUZZ_CHECK(h->m[dir].corrupt_seen);
}

/* The invariants between calls, for both directions and the pool. */
static FUZZ_NOCOV void
check_state(struct harness *h)
{
	const uint32_t room = tcp_reasm_block_payload(&h->ctx.pool);
	uint64_t blocks = 0;
	unsigned int dir;

	for (dir = 0; dir < 2; dir++) {
		const struct tcp_reasm_dir *d = &h->d[dir];
		const struct dir_model *m = &h->m[dir];
		const struct tcp_reasm_seg *b;
		uint64_t bytes = 0;

		for (b = d->ooo; b != NULL; b = b->next) {
			FUZZ_CHECK(b->len >= 1 && b->len <= room);
			if (b == d->ooo)
				FUZZ_CHECK(tcp_seq_lt(d->next_seq, b->seq));
			if (b->next != NULL)
				FUZZ_CHECK(tcp_seq_leq(b->seq + b->len, b->next->seq));
			FUZZ_CHECK((uintptr_t)b >= (uintptr_t)h->ctx.pool.mem &&
				   (uintptr_t)b + h->ctx.pool.block_size <=
				   (uintptr_t)h->ctx.pool.mem + h->ctx.pool.memlen);
			bytes += b->len;
			blocks++;
		}
		FUZZ_CHECK(bytes == d->ooo_bytes);
		FUZZ_CHECK(d->ooo_bytes <= h->ctx.conf.max_ooo_per_dir);
		if (d->flags & (TCP_REASM_FIN_DONE | TCP_REASM_DEPTH))
			FUZZ_CHECK(d->ooo == NULL);
		FUZZ_CHECK(!!(d->flags & TCP_REASM_STARTED) == m->started);
		FUZZ_CHECK(d->gap_bytes == m->gap_bytes);
		if (!(d->flags & TCP_REASM_DEPTH))
			FUZZ_CHECK(d->delivered == m->next_off);
		if (!m->corrupt_seen)
			FUZZ_CHECK(d->overlaps_diff == 0);
	}
	FUZZ_CHECK(blocks == (uint64_t)h->ctx.pool.nblocks - h->ctx.pool.nfree);
	FUZZ_CHECK(blocks == h->ctx.stats.blocks_in_use);
}

static FUZZ_NOCOV uint32_t
rd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static FUZZ_NOCOV void
segment(struct harness *h, uint8_t dir, uint32_t seq, uint8_t flags, uint32_t len,
	bool corrupt)
{
	struct tcp_reasm_dir *d = &h->d[dir];
	struct dir_model *m = &h->m[dir];
	uint32_t data_seq = seq + ((flags & PKT_TCP_SYN) ? 1 : 0);
	uint64_t refused, next_before = m->next_off;
	bool ignored = false, depth_before = (d->flags & TCP_REASM_DEPTH) != 0;
	uint8_t *buf = NULL;
	uint32_t i;

	if (len > 0) {
		buf = malloc(len);
		if (buf == NULL)
			abort();
		for (i = 0; i < len; i++) {
			uint8_t t = truth(dir, data_seq + i - m->isn - 1);

			buf[i] = corrupt ? (uint8_t)~t : t;
		}
		if (corrupt)
			m->corrupt_seen = true;
	}
	/* What tcp_reasm_segment promises about starting a direction. */
	if (flags & PKT_TCP_SYN) {
		if ((d->flags & TCP_REASM_STARTED) &&
		    (!(d->flags & TCP_REASM_SYN) || seq != d->isn))
			ignored = true;
	}
	if (!m->started && !ignored &&
	    ((flags & PKT_TCP_SYN) || h->ctx.conf.midstream)) {
		m->started = true;
		m->start = data_seq;
	}
	m->cur_valid = !ignored && m->started;
	m->cur_seq = data_seq;
	m->cur_len = len;
	m->cur_data = buf;
	refused = h->ctx.stats.ooo_flow_cap + h->ctx.stats.pool_empty;

	tcp_reasm_ttl(&h->ctx, &owner_token, dir, d, corrupt && len > 0 ? 3 : 64, len);
	tcp_reasm_segment(&h->ctx, &owner_token, dir, d, seq, flags, 0, buf, len);

	m->cur_valid = false;
	/* Out-of-order bytes kept now: they are the first accepted copy of their offsets. */
	if (!ignored && m->started && !depth_before &&
	    refused == h->ctx.stats.ooo_flow_cap + h->ctx.stats.pool_empty) {
		for (i = 0; i < len; i++) {
			int32_t p = (int32_t)(data_seq + i - m->start);
			struct pos *e;

			if (p < 0 || (uint64_t)p < next_before || (uint64_t)p >= TRACK)
				continue;
			e = &positions[dir][p];
			if (e->gen == m->gen)
				continue;
			e->gen = m->gen;
			e->val = buf[i];
			e->delivered = 0;
			if ((uint64_t)p + 1 > m->max_rec)
				m->max_rec = (uint64_t)p + 1;
		}
	}
	free(buf);
}

/* After a flush: every accepted byte before the FIN and the depth was delivered. */
static FUZZ_NOCOV void
check_complete(struct harness *h, uint8_t dir)
{
	const struct tcp_reasm_dir *d = &h->d[dir];
	struct dir_model *m = &h->m[dir];
	uint64_t lim = m->max_rec, p;

	FUZZ_CHECK(d->ooo == NULL && d->ooo_bytes == 0);
	if (!m->started)
		return;
	if (d->flags & TCP_REASM_FIN) {
		uint64_t fin_off = (uint32_t)(d->fin_seq - m->start);

		if (fin_off < lim)
			lim = fin_off;
	}
	if (h->ctx.conf.depth != 0 && h->ctx.conf.depth < lim)
		lim = h->ctx.conf.depth;
	for (p = m->complete_to; p < lim; p++) {
		const struct pos *e = &positions[dir][p];

		if (e->gen == m->gen)
			FUZZ_CHECK(e->delivered);
	}
	/*
	 * Offsets are recorded only at or after next_off, and delivered ones stay delivered:
	 * the next flush need not look below here again.
	 */
	if (lim > m->complete_to)
		m->complete_to = lim < m->next_off ? lim : m->next_off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t ooo_caps[4] = { 100, 1000, 16384, 1u << 20 };
	static const uint32_t block_sizes[4] = { 128, 136, 256, 1024 };
	static const uint32_t pool_blocks[4] = { 2, 8, 64, 512 };
	struct harness *h;
	const uint8_t *p = data, *end = data + size;
	size_t memlen;
	uint8_t conf, dir;
	bool final_flush;
	static const struct tcp_reasm_dir zero;
	uint8_t hdr[11] = { 0 };

	/* A short input is a header padded with zeros and no operation. */
	if (size > 0)
		memcpy(hdr, data, size < sizeof(hdr) ? size : sizeof(hdr));
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		abort();
	conf = hdr[0];
	h->ctx.conf.midstream = conf & 1;
	h->ctx.conf.depth = (conf & 2) ? 1 + 40u * hdr[1] : 0;
	h->ctx.conf.max_ooo_per_dir = ooo_caps[(conf >> 2) & 3];
	/* Urgent bytes stay in the stream: the first-copy model knows nothing of their
	 * removal (tested on its own in tests/unit/test_tcp_reasm.c). */
	h->ctx.conf.urgent_inline = 1;
	memlen = (size_t)pool_blocks[conf >> 6] * block_sizes[(conf >> 4) & 3] + 8;
	/*
	 * One block of exactly memlen bytes per pool shape, kept across runs (a fresh one
	 * each run costs more in page faults than the run itself); AddressSanitizer still
	 * sees a write past its end.
	 */
	if (pool_mem[conf >> 4] == NULL) {
		pool_mem[conf >> 4] = malloc(memlen);
		if (pool_mem[conf >> 4] == NULL)
			abort();
	}
	h->mem = pool_mem[conf >> 4];
	FUZZ_CHECK(tcp_reasm_pool_init(&h->ctx.pool, h->mem, memlen,
				       block_sizes[(conf >> 4) & 3]) == 0);
	FUZZ_CHECK(h->ctx.pool.nblocks >= pool_blocks[conf >> 6]);
	FUZZ_CHECK(h->ctx.pool.nfree == h->ctx.pool.nblocks);
	h->ctx.ops.deliver = h_deliver;
	h->ctx.ops.gap = h_gap;
	h->ctx.ops.event = h_event;
	h->ctx.ops.cookie = h;
	final_flush = hdr[2] & 1;
	model_reset(&h->m[0], rd_le32(hdr + 3));
	model_reset(&h->m[1], rd_le32(hdr + 7));
	p += size < sizeof(hdr) ? size : sizeof(hdr);

	while (p < end) {
		uint8_t op = *p++;
		unsigned int kind = (op >> 1) & 3;
		bool raw = (op >> 4) & 1;
		struct dir_model *m;

		dir = op & 1;
		m = &h->m[dir];
		if (kind <= 1) {
			uint8_t flags;
			uint32_t seq, len;

			if (end - p < (raw ? 6 : 4))
				break;
			flags = *p++;
			if (raw) {
				seq = rd_le32(p);
				p += 4;
			} else {
				seq = m->isn + (uint32_t)(int32_t)(int16_t)fuzz_le16(p);
				p += 2;
			}
			len = *p < 192 ? *p : (uint32_t)(*p - 191) * 64;
			p++;
			segment(h, dir, seq, flags, len, (op >> 3) & 1);
		} else if (kind == 2) {
			uint32_t ack;

			if (end - p < (raw ? 4 : 2))
				break;
			if (raw) {
				ack = rd_le32(p);
				p += 4;
			} else {
				ack = m->isn + (uint32_t)(int32_t)(int16_t)fuzz_le16(p);
				p += 2;
			}
			tcp_reasm_ack(&h->ctx, &owner_token, dir, &h->d[dir], ack);
		} else if (!(op & 8)) {
			tcp_reasm_flush(&h->ctx, &owner_token, dir, &h->d[dir]);
			check_complete(h, dir);
		} else {
			tcp_reasm_release(&h->ctx, &h->d[dir]);
			FUZZ_CHECK(memcmp(&h->d[dir], &zero, sizeof(zero)) == 0);
			model_reset(m, m->isn);
		}
		check_state(h);
	}

	for (dir = 0; dir < 2; dir++) {
		if (final_flush) {
			tcp_reasm_flush(&h->ctx, &owner_token, dir, &h->d[dir]);
			check_state(h);
			check_complete(h, dir);
		}
		tcp_reasm_release(&h->ctx, &h->d[dir]);
		FUZZ_CHECK(memcmp(&h->d[dir], &zero, sizeof(zero)) == 0);
		model_reset(&h->m[dir], h->m[dir].isn);
		check_state(h);
	}
	FUZZ_CHECK(h->ctx.pool.nfree == h->ctx.pool.nblocks);
	FUZZ_CHECK(h->ctx.stats.blocks_in_use == 0);
	free(h);
	return 0;
}
