/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of TCP stream reassembly (dataplane/tcp_reasm.c, RFC 9293 sequence space with
 * RFC 1982 wraparound). A recording consumer appends every delivered byte to a buffer and
 * checks that deliveries and gaps arrive at consecutive stream offsets; each test then
 * asserts the exact bytes, offsets, counters, flags and events. Random tests use a seeded
 * PRNG, so every run feeds the same segments.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pkt_parse_types.h"
#include "tcp_reasm.h"
#include "tcp_reasm_priv.h"

#define TEST_BLOCK_SIZE		256	/* 240 payload bytes per block */
#define TEST_NBLOCKS		4096
#define TEST_OUT_MAX		(128 * 1024)
#define TEST_MAX_CALLS		64
#define TEST_MAX_GAPS		16
#define TEST_DIR		1
#define TEST_ISN		1000u	/* data starts at 1001 */

static int test_owner;			/* its address is the owner passed through */
#define TEST_OWNER		((void *)&test_owner)

struct rec_call {
	const uint8_t *data;
	uint32_t len;
	uint64_t off;
};

struct rec_gap {
	uint64_t off;
	uint64_t len;
};

/* What the consumer saw. */
struct recorder {
	uint8_t *out;			/* delivered bytes, concatenated */
	size_t out_len;
	uint64_t next_off;		/* where the next delivery or gap must start */
	unsigned int ncalls;		/* deliveries; the first TEST_MAX_CALLS kept in calls */
	struct rec_call calls[TEST_MAX_CALLS];
	unsigned int ngaps;
	struct rec_gap gaps[TEST_MAX_GAPS];
	unsigned int events[TCP_REASM_EV__COUNT];
};

struct fx {
	struct tcp_reasm_ctx ctx;
	struct tcp_reasm_dir d;
	struct recorder rec;
	void *mem;
};

static void
rec_deliver(void *cookie, void *owner, uint8_t dir, const uint8_t *data, uint32_t len,
	    uint64_t off)
{
	struct recorder *r = cookie;

	assert_ptr_equal(owner, TEST_OWNER);
	assert_int_equal(dir, TEST_DIR);
	assert_true(len > 0);
	assert_int_equal(off, r->next_off);
	assert_true(r->out_len + len <= TEST_OUT_MAX);
	if (r->ncalls < TEST_MAX_CALLS) {
		r->calls[r->ncalls].data = data;
		r->calls[r->ncalls].len = len;
		r->calls[r->ncalls].off = off;
	}
	r->ncalls++;
	memcpy(r->out + r->out_len, data, len);
	r->out_len += len;
	r->next_off += len;
}

static void
rec_gap(void *cookie, void *owner, uint8_t dir, uint64_t off, uint64_t len)
{
	struct recorder *r = cookie;

	assert_ptr_equal(owner, TEST_OWNER);
	assert_int_equal(dir, TEST_DIR);
	assert_true(len > 0);
	assert_int_equal(off, r->next_off);
	assert_true(r->ngaps < TEST_MAX_GAPS);
	r->gaps[r->ngaps].off = off;
	r->gaps[r->ngaps].len = len;
	r->ngaps++;
	r->next_off += len;
}

static void
rec_event(void *cookie, void *owner, uint8_t dir, enum tcp_reasm_event ev)
{
	struct recorder *r = cookie;

	assert_ptr_equal(owner, TEST_OWNER);
	assert_int_equal(dir, TEST_DIR);
	assert_true(ev < TCP_REASM_EV__COUNT);
	r->events[ev]++;
}

static void
rec_reset(struct recorder *r)
{
	uint8_t *out = r->out;

	memset(r, 0, sizeof(*r));
	r->out = out;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->mem = calloc(TEST_NBLOCKS, TEST_BLOCK_SIZE);
	f->rec.out = calloc(1, TEST_OUT_MAX);
	if (f->mem == NULL || f->rec.out == NULL ||
	    tcp_reasm_pool_init(&f->ctx.pool, f->mem, (size_t)TEST_NBLOCKS * TEST_BLOCK_SIZE,
				TEST_BLOCK_SIZE) != 0) {
		free(f->mem);
		free(f->rec.out);
		free(f);
		return -1;
	}
	f->ctx.conf.max_ooo_per_dir = 1024 * 1024;
	f->ctx.conf.depth = 0;
	f->ctx.conf.midstream = 0;
	f->ctx.ops.deliver = rec_deliver;
	f->ctx.ops.gap = rec_gap;
	f->ctx.ops.event = rec_event;
	f->ctx.ops.cookie = &f->rec;
	*state = f;
	return 0;
}

/* Every test must leave the pool whole once its direction is released. */
static int
teardown(void **state)
{
	struct fx *f = *state;
	int ok;

	tcp_reasm_release(&f->ctx, &f->d);
	ok = f->ctx.pool.nfree == f->ctx.pool.nblocks && f->ctx.stats.blocks_in_use == 0;
	free(f->mem);
	free(f->rec.out);
	free(f);
	return ok ? 0 : -1;
}

static void
seg(struct fx *f, uint32_t seq, uint8_t flags, const uint8_t *data, uint32_t len)
{
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, seq, flags, 0, data, len);
}

/* Data segment of the stream started by syn(): stream bytes [off, off + len). */
static void
data_at(struct fx *f, const uint8_t *stream, uint32_t off, uint32_t len)
{
	seg(f, TEST_ISN + 1 + off, PKT_TCP_ACK, stream + off, len);
}

static void
syn(struct fx *f)
{
	seg(f, TEST_ISN, PKT_TCP_SYN, NULL, 0);
}

static void
ack(struct fx *f, uint32_t a)
{
	tcp_reasm_ack(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, a);
}

static void
flush(struct fx *f)
{
	tcp_reasm_flush(&f->ctx, TEST_OWNER, TEST_DIR, &f->d);
}

/* splitmix64: small, seeded, identical on every run. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint32_t
rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(rng_next(s) % n);
}

static void
fill_random(uint64_t *s, uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)rng_next(s);
}

static void
fill_pattern(uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
}

/* One segment of a random test: stream bytes [off, off + len), or the bare FIN. */
struct tseg {
	uint32_t off;
	uint32_t len;
	uint8_t fin;
};

/*
 * Cut a stream of len bytes into segments of 1..maxseg bytes (a quarter of them 1..16),
 * add ndup segments that repeat random ranges across the cuts, add the bare FIN at the end,
 * and shuffle them all. Returns how many segments segs holds (room: len + ndup + 1).
 */
static uint32_t
cut_and_shuffle(uint64_t *s, struct tseg *segs, uint32_t len, uint32_t maxseg, uint32_t ndup)
{
	uint32_t n = 0;
	uint32_t pos = 0;
	uint32_t i;

	while (pos < len) {
		uint32_t sz = (maxseg > 16 && rng_below(s, 4) == 0) ? 1 + rng_below(s, 16) :
			      1 + rng_below(s, maxseg);

		if (sz > len - pos)
			sz = len - pos;
		segs[n].off = pos;
		segs[n].len = sz;
		segs[n].fin = 0;
		n++;
		pos += sz;
	}
	for (i = 0; i < ndup; i++) {
		uint32_t off = rng_below(s, len);
		uint32_t sz = 1 + rng_below(s, 2 * maxseg);

		if (sz > len - off)
			sz = len - off;
		segs[n].off = off;
		segs[n].len = sz;
		segs[n].fin = 0;
		n++;
	}
	segs[n].off = len;
	segs[n].len = 0;
	segs[n].fin = 1;
	n++;
	for (i = n - 1; i > 0; i--) {
		uint32_t j = rng_below(s, i + 1);
		struct tseg t = segs[i];

		segs[i] = segs[j];
		segs[j] = t;
	}
	return n;
}

static void
feed(struct fx *f, const uint8_t *stream, uint32_t isn, const struct tseg *segs, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		seg(f, isn + 1 + segs[i].off, PKT_TCP_ACK | (segs[i].fin ? PKT_TCP_FIN : 0),
		    stream + segs[i].off, segs[i].len);
}

/* After a clean random run: the stream exactly once, no gap, no diff, no block left. */
static void
assert_whole_stream(struct fx *f, const uint8_t *stream, uint32_t len, uint32_t isn)
{
	assert_int_equal(f->rec.out_len, len);
	assert_memory_equal(f->rec.out, stream, len);
	assert_int_equal(f->rec.ngaps, 0);
	assert_int_equal(f->d.overlaps_diff, 0);
	assert_int_equal(f->d.delivered, len);
	assert_true(f->d.flags & TCP_REASM_FIN_DONE);
	assert_int_equal(f->d.next_seq, (uint32_t)(isn + 1 + len + 1));
	assert_null(f->d.ooo);
	assert_int_equal(f->d.ooo_bytes, 0);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
	assert_int_equal(f->ctx.pool.nfree, f->ctx.pool.nblocks);
}

static void
test_tcp_reasm_pool_init_rejects_small_blocks_and_memory(void **state)
{
	struct tcp_reasm_pool pool;
	uint64_t mem[64];

	(void)state;
	assert_int_equal(tcp_reasm_pool_init(&pool, mem, sizeof(mem), 127), -EINVAL);
	assert_int_equal(tcp_reasm_pool_init(&pool, NULL, sizeof(mem), 128), -EINVAL);
	assert_int_equal(tcp_reasm_pool_init(NULL, mem, sizeof(mem), 128), -EINVAL);
	assert_int_equal(tcp_reasm_pool_init(&pool, mem, 127, 128), -EINVAL);
	assert_int_equal(tcp_reasm_pool_init(&pool, mem, sizeof(mem), 128), 0);
	assert_int_equal(pool.nblocks, 4);
	assert_int_equal(pool.nfree, 4);
	assert_int_equal(pool.block_size, 128);
}

static void
test_tcp_reasm_pool_init_aligns_blocks_to_8_bytes(void **state)
{
	struct tcp_reasm_pool pool;
	uint8_t *raw = malloc(1003);
	uint8_t *mem = raw + 3;	/* malloc is 16-aligned: 5 bytes of padding to skip */
	size_t i;

	(void)state;
	assert_non_null(raw);
	memset(raw, 0xa5, 1003);
	assert_int_equal(tcp_reasm_pool_init(&pool, mem, 1000, 130), 0);
	assert_int_equal(pool.block_size, 136);
	assert_int_equal(pool.nblocks, 7);	/* (1000 - 5) / 136 */
	assert_int_equal(pool.nfree, 7);
	assert_ptr_equal(pool.base, raw + 8);
	/* Laid out lazily: init writes nothing into the memory (blocks are carved as they
	 * are first needed), so pages reassembly never uses are never faulted in. */
	assert_null(pool.free);
	assert_int_equal(pool.fresh, 0);
	for (i = 0; i < 1003; i++)
		assert_int_equal(raw[i], 0xa5);
	free(raw);
}

static void
test_tcp_reasm_in_order_delivers_from_caller_buffer(void **state)
{
	struct fx *f = *state;
	uint8_t stream[300];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 0, 100);
	data_at(f, stream, 100, 100);
	data_at(f, stream, 200, 100);

	assert_int_equal(f->rec.out_len, 300);
	assert_memory_equal(f->rec.out, stream, 300);
	assert_int_equal(f->rec.ncalls, 3);
	assert_ptr_equal(f->rec.calls[0].data, stream);
	assert_ptr_equal(f->rec.calls[1].data, stream + 100);
	assert_ptr_equal(f->rec.calls[2].data, stream + 200);
	assert_int_equal(f->rec.calls[2].off, 200);
	assert_int_equal(f->d.isn, TEST_ISN);
	assert_int_equal(f->d.next_seq, TEST_ISN + 301);
	assert_int_equal(f->d.delivered, 300);
	assert_int_equal(f->d.flags, TCP_REASM_STARTED | TCP_REASM_SYN);
	assert_int_equal(f->ctx.stats.segments, 3);
	assert_int_equal(f->ctx.stats.in_order, 3);
	assert_int_equal(f->ctx.stats.ooo_held, 0);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
}

static void
test_tcp_reasm_reversed_order_delivers_stream(void **state)
{
	struct fx *f = *state;
	uint8_t stream[5000];
	int i;

	fill_pattern(stream, sizeof(stream));
	syn(f);
	for (i = 49; i >= 1; i--)
		data_at(f, stream, (uint32_t)i * 100, 100);
	assert_int_equal(f->rec.out_len, 0);
	assert_int_equal(f->d.ooo_bytes, 4900);
	data_at(f, stream, 0, 100);

	assert_int_equal(f->rec.out_len, 5000);
	assert_memory_equal(f->rec.out, stream, 5000);
	assert_int_equal(f->ctx.stats.in_order, 1);
	assert_int_equal(f->ctx.stats.ooo_held, 49);
	assert_int_equal(f->ctx.stats.overlaps, 0);
	assert_int_equal(f->d.next_seq, TEST_ISN + 5001);
	assert_int_equal(f->d.ooo_bytes, 0);
	assert_null(f->d.ooo);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
}

static void
test_tcp_reasm_random_order_with_duplicates_reassembles_exactly(void **state)
{
	struct fx *f = *state;
	uint64_t rng = 0x7011ea7e;
	uint8_t *stream = malloc(21 * 1024);
	struct tseg *segs = malloc((21 * 1024 + 64) * sizeof(*segs));
	unsigned int iter;

	assert_non_null(stream);
	assert_non_null(segs);
	for (iter = 0; iter < 200; iter++) {
		uint32_t len = 20 * 1024 + rng_below(&rng, 1024);
		uint32_t isn = (uint32_t)rng_next(&rng);
		uint32_t n;

		fill_random(&rng, stream, len);
		n = cut_and_shuffle(&rng, segs, len, 1460, 16);
		seg(f, isn, PKT_TCP_SYN, NULL, 0);
		feed(f, stream, isn, segs, n);
		assert_whole_stream(f, stream, len, isn);

		tcp_reasm_release(&f->ctx, &f->d);
		rec_reset(&f->rec);
	}
	free(segs);
	free(stream);
}

static void
test_tcp_reasm_duplicate_held_segment_is_stored_once(void **state)
{
	struct fx *f = *state;
	uint8_t stream[200];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 100, 100);
	data_at(f, stream, 100, 100);

	assert_int_equal(f->d.ooo_bytes, 100);
	assert_int_equal(f->ctx.stats.blocks_in_use, 1);
	assert_int_equal(f->ctx.stats.ooo_held, 1);
	assert_int_equal(f->d.overlaps, 1);
	assert_int_equal(f->d.overlaps_diff, 0);
	assert_int_equal(f->ctx.stats.overlaps, 1);

	data_at(f, stream, 0, 100);
	assert_int_equal(f->rec.out_len, 200);
	assert_memory_equal(f->rec.out, stream, 200);
	assert_int_equal(f->rec.events[TCP_REASM_EV_OVERLAP_DIFF], 0);
}

static void
test_tcp_reasm_retransmit_of_delivered_data_is_counted_not_delivered(void **state)
{
	struct fx *f = *state;
	uint8_t stream[150];
	uint8_t other[100];

	fill_pattern(stream, sizeof(stream));
	memset(other, 0xAA, sizeof(other));
	syn(f);
	data_at(f, stream, 0, 100);
	seg(f, TEST_ISN + 1, PKT_TCP_ACK, other, 100);	/* different bytes: cannot tell */

	assert_int_equal(f->ctx.stats.retransmits, 1);
	assert_int_equal(f->ctx.stats.overlaps, 0);
	assert_int_equal(f->d.overlaps, 0);
	assert_int_equal(f->rec.out_len, 100);

	data_at(f, stream, 50, 100);		/* half old, half new */
	assert_int_equal(f->rec.out_len, 150);
	assert_memory_equal(f->rec.out, stream, 150);
	assert_int_equal(f->rec.calls[1].off, 100);
	assert_int_equal(f->rec.calls[1].len, 50);
	assert_ptr_equal(f->rec.calls[1].data, stream + 100);
	assert_int_equal(f->ctx.stats.retransmits, 1);
	assert_int_equal(f->d.overlaps, 1);
	assert_int_equal(f->d.overlaps_diff, 0);
}

static void
test_tcp_reasm_overlap_with_same_bytes_is_not_a_diff(void **state)
{
	struct fx *f = *state;
	uint8_t stream[300];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 100, 100);
	data_at(f, stream, 150, 100);		/* 50 bytes under the held copy */

	assert_int_equal(f->d.ooo_bytes, 150);
	assert_int_equal(f->d.overlaps, 1);
	assert_int_equal(f->d.overlaps_diff, 0);
	assert_int_equal(f->ctx.stats.overlaps_diff, 0);
	assert_int_equal(f->ctx.stats.ooo_held, 2);

	data_at(f, stream, 0, 100);
	data_at(f, stream, 250, 50);
	assert_int_equal(f->rec.out_len, 300);
	assert_memory_equal(f->rec.out, stream, 300);
	assert_int_equal(f->rec.events[TCP_REASM_EV_OVERLAP_DIFF], 0);
}

static void
test_tcp_reasm_overlap_keeps_first_copy(void **state)
{
	struct fx *f = *state;
	uint8_t first[100];
	uint8_t second[100];
	uint8_t third[20];
	uint8_t head[100];

	memset(first, 'X', sizeof(first));
	memset(second, 'Y', 50);		/* differs under the held copy */
	memset(second + 50, 'Z', 50);
	memset(third, 'W', sizeof(third));
	memset(head, 'H', sizeof(head));
	syn(f);
	seg(f, TEST_ISN + 101, PKT_TCP_ACK, first, 100);	/* [100, 200) */
	seg(f, TEST_ISN + 151, PKT_TCP_ACK, second, 100);	/* [150, 250) */

	assert_int_equal(f->d.overlaps, 1);
	assert_int_equal(f->d.overlaps_diff, 1);
	assert_int_equal(f->ctx.stats.overlaps_diff, 1);
	assert_int_equal(f->rec.events[TCP_REASM_EV_OVERLAP_DIFF], 1);
	assert_int_equal(f->d.ooo_bytes, 150);

	seg(f, TEST_ISN + 191, PKT_TCP_ACK, third, 20);		/* [190, 210): differs again */
	assert_int_equal(f->d.overlaps, 2);
	assert_int_equal(f->d.overlaps_diff, 2);
	assert_int_equal(f->ctx.stats.overlaps_diff, 2);
	assert_int_equal(f->rec.events[TCP_REASM_EV_OVERLAP_DIFF], 1);
	assert_int_equal(f->d.ooo_bytes, 150);

	seg(f, TEST_ISN + 1, PKT_TCP_ACK, head, 100);
	assert_int_equal(f->rec.out_len, 250);
	assert_memory_equal(f->rec.out, head, 100);
	assert_memory_equal(f->rec.out + 100, first, 100);
	assert_memory_equal(f->rec.out + 200, second + 50, 50);
	assert_int_equal(f->rec.events[TCP_REASM_EV_OVERLAP_DIFF], 1);
}

static void
test_tcp_reasm_in_order_segment_keeps_held_copy_where_they_overlap(void **state)
{
	struct fx *f = *state;
	uint8_t held[50];
	uint8_t fresh[200];

	memset(held, 'H', sizeof(held));
	memset(fresh, 'N', sizeof(fresh));
	syn(f);
	seg(f, TEST_ISN + 101, PKT_TCP_ACK, held, 50);		/* [100, 150) */
	seg(f, TEST_ISN + 1, PKT_TCP_ACK, fresh, 200);		/* [0, 200) in order */

	assert_int_equal(f->rec.out_len, 200);
	assert_int_equal(f->rec.ncalls, 3);
	assert_ptr_equal(f->rec.calls[0].data, fresh);
	assert_int_equal(f->rec.calls[0].len, 100);
	assert_int_equal(f->rec.calls[1].off, 100);
	assert_int_equal(f->rec.calls[1].len, 50);
	assert_ptr_equal(f->rec.calls[2].data, fresh + 150);
	assert_int_equal(f->rec.calls[2].off, 150);
	assert_int_equal(f->rec.calls[2].len, 50);
	assert_memory_equal(f->rec.out, fresh, 100);
	assert_memory_equal(f->rec.out + 100, held, 50);
	assert_memory_equal(f->rec.out + 150, fresh, 50);
	assert_int_equal(f->d.overlaps, 1);
	assert_int_equal(f->d.overlaps_diff, 1);
	assert_int_equal(f->rec.events[TCP_REASM_EV_OVERLAP_DIFF], 1);
	assert_int_equal(f->d.next_seq, TEST_ISN + 201);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
}

static void
test_tcp_reasm_ack_beyond_hole_declares_gap(void **state)
{
	struct fx *f = *state;
	uint8_t stream[300];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 0, 100);
	data_at(f, stream, 200, 100);			/* [100, 200) never seen */
	ack(f, TEST_ISN + 301);

	assert_int_equal(f->rec.ngaps, 1);
	assert_int_equal(f->rec.gaps[0].off, 100);
	assert_int_equal(f->rec.gaps[0].len, 100);
	assert_int_equal(f->rec.out_len, 200);
	assert_memory_equal(f->rec.out, stream, 100);
	assert_memory_equal(f->rec.out + 100, stream + 200, 100);
	assert_int_equal(f->rec.calls[1].off, 200);
	assert_int_equal(f->d.gaps, 1);
	assert_int_equal(f->d.gap_bytes, 100);
	assert_int_equal(f->ctx.stats.gaps, 1);
	assert_int_equal(f->ctx.stats.gap_bytes, 100);
	assert_int_equal(f->d.next_seq, TEST_ISN + 301);
	assert_int_equal(f->d.delivered, 300);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
}

static void
test_tcp_reasm_ack_past_held_data_declares_each_hole(void **state)
{
	struct fx *f = *state;
	uint8_t stream[500];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 0, 100);
	data_at(f, stream, 200, 100);
	ack(f, TEST_ISN + 401);		/* hole [100, 200); [300, 400) was not seen sent */

	assert_int_equal(f->rec.ngaps, 1);
	assert_int_equal(f->rec.gaps[0].off, 100);
	assert_int_equal(f->rec.gaps[0].len, 100);
	assert_int_equal(f->d.next_seq, TEST_ISN + 301);
	assert_int_equal(f->ctx.stats.ack_unseen, 1);

	data_at(f, stream, 400, 100);			/* held: the sender did send [300, 400) */
	assert_int_equal(f->rec.out_len, 200);
	ack(f, TEST_ISN + 501);
	assert_int_equal(f->rec.ngaps, 2);
	assert_int_equal(f->rec.gaps[1].off, 300);
	assert_int_equal(f->rec.gaps[1].len, 100);
	assert_int_equal(f->d.gap_bytes, 200);
	assert_int_equal(f->d.next_seq, TEST_ISN + 501);
	assert_int_equal(f->rec.out_len, 300);
	assert_memory_equal(f->rec.out + 200, stream + 400, 100);
	assert_int_equal(f->rec.calls[2].off, 400);
	assert_int_equal(f->ctx.stats.ack_unseen, 1);
}

/*
 * A receiver that acknowledges bytes not sent yet (a sender ignores such an ack): those
 * bytes, when they come, are the stream, in order and inspected, not retransmissions of a
 * gap. Evasion otherwise: the exfiltration's own server acks ahead, the client's data after
 * it would go uninspected.
 */
static void
test_tcp_reasm_ack_of_unsent_data_leaves_the_bytes_to_come_in_the_stream(void **state)
{
	struct fx *f = *state;
	uint8_t stream[500];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 0, 100);
	ack(f, TEST_ISN + 1 + 1000);
	assert_int_equal(f->rec.ngaps, 0);
	assert_int_equal(f->d.next_seq, TEST_ISN + 101);
	assert_int_equal(f->ctx.stats.ack_unseen, 1);

	data_at(f, stream, 100, 400);
	assert_int_equal(f->rec.ngaps, 0);
	assert_int_equal(f->rec.out_len, 500);
	assert_memory_equal(f->rec.out, stream, 500);
	assert_int_equal(f->ctx.stats.retransmits, 0);
	/* an ack at what was seen, or short of it, is not counted */
	ack(f, TEST_ISN + 501);
	ack(f, TEST_ISN + 301);
	assert_int_equal(f->ctx.stats.ack_unseen, 1);
}

static void
test_tcp_reasm_flush_declares_holes_before_held_data(void **state)
{
	struct fx *f = *state;
	uint8_t stream[600];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 0, 100);
	data_at(f, stream, 200, 100);
	data_at(f, stream, 350, 50);			/* [400, 600) never seen, never acked */
	flush(f);

	assert_int_equal(f->rec.ngaps, 2);
	assert_int_equal(f->rec.gaps[0].off, 100);
	assert_int_equal(f->rec.gaps[0].len, 100);
	assert_int_equal(f->rec.gaps[1].off, 300);
	assert_int_equal(f->rec.gaps[1].len, 50);
	assert_int_equal(f->rec.out_len, 250);
	assert_memory_equal(f->rec.out + 100, stream + 200, 100);
	assert_memory_equal(f->rec.out + 200, stream + 350, 50);
	assert_int_equal(f->d.next_seq, TEST_ISN + 401);
	assert_int_equal(f->d.delivered, 400);
	assert_int_equal(f->d.gaps, 2);
	assert_int_equal(f->d.gap_bytes, 150);
	assert_null(f->d.ooo);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
}

/*
 * Bytes held out of order that start exactly where a later FIN ends the stream are past
 * it: dropped with their blocks at once (not kept as empty blocks until the release),
 * and only the bytes before the FIN are delivered.
 */
static void
test_tcp_reasm_held_bytes_at_fin_are_dropped_with_their_blocks(void **state)
{
	struct fx *f = *state;
	uint8_t stream[300];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 100, 50);		/* held: [100, 150) */
	data_at(f, stream, 200, 30);		/* held: [200, 230) */
	assert_int_equal(f->ctx.pool.nfree, f->ctx.pool.nblocks - 2);
	/* The FIN ends the stream at 100: both held runs are past it. */
	seg(f, TEST_ISN + 1, PKT_TCP_FIN | PKT_TCP_ACK, stream, 100);
	assert_int_equal(f->ctx.pool.nfree, f->ctx.pool.nblocks);
	assert_int_equal(f->rec.out_len, 100);
	assert_memory_equal(f->rec.out, stream, 100);
	assert_true(f->d.flags & TCP_REASM_FIN_DONE);
	/* A retransmission that reaches past the FIN brings nothing new. */
	data_at(f, stream, 50, 120);
	assert_int_equal(f->rec.out_len, 100);
}

static void
test_tcp_reasm_ack_of_fin_creates_no_gap(void **state)
{
	struct fx *f = *state;
	uint8_t stream[100];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 0, 100);
	seg(f, TEST_ISN + 101, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
	assert_true(f->d.flags & TCP_REASM_FIN_DONE);
	assert_int_equal(f->d.fin_seq, TEST_ISN + 101);
	assert_int_equal(f->d.next_seq, TEST_ISN + 102);
	ack(f, TEST_ISN + 102);

	assert_int_equal(f->rec.ngaps, 0);
	assert_int_equal(f->d.gaps, 0);
	assert_int_equal(f->d.delivered, 100);
	assert_int_equal(f->d.next_seq, TEST_ISN + 102);
}

static void
test_tcp_reasm_ack_of_fin_after_lost_data_gaps_only_the_data(void **state)
{
	struct fx *f = *state;

	syn(f);
	seg(f, TEST_ISN + 101, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);	/* [0, 100) lost */
	assert_int_equal(f->d.flags & TCP_REASM_FIN_DONE, 0);
	ack(f, TEST_ISN + 102);

	assert_int_equal(f->rec.ngaps, 1);
	assert_int_equal(f->rec.gaps[0].off, 0);
	assert_int_equal(f->rec.gaps[0].len, 100);
	assert_true(f->d.flags & TCP_REASM_FIN_DONE);
	assert_int_equal(f->d.next_seq, TEST_ISN + 102);
	assert_int_equal(f->d.delivered, 100);
}

static void
test_tcp_reasm_ack_ignores_garbage(void **state)
{
	struct fx *f = *state;
	uint8_t stream[100];

	fill_pattern(stream, sizeof(stream));
	ack(f, 12345);					/* not started */
	assert_int_equal(f->d.flags, 0);

	syn(f);
	data_at(f, stream, 0, 100);
	ack(f, TEST_ISN + 101 + (UINT32_C(1) << 30) + 1);	/* absurdly far ahead */
	ack(f, TEST_ISN + 50);				/* behind next_seq */
	ack(f, TEST_ISN + 101);				/* exactly next_seq */
	seg(f, TEST_ISN + 201, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);
	ack(f, TEST_ISN + 203);				/* beyond the FIN + 1 */

	assert_int_equal(f->rec.ngaps, 0);
	assert_int_equal(f->ctx.stats.gaps, 0);
	assert_int_equal(f->d.next_seq, TEST_ISN + 101);
	assert_int_equal(f->d.delivered, 100);
}

static void
test_tcp_reasm_sequence_wraparound_random_order(void **state)
{
	struct fx *f = *state;
	const uint32_t isn = 0xFFFFFF00u;
	const uint32_t len = 100 * 1024;
	uint64_t rng = 0xc0ffee;
	uint8_t *stream = malloc(len);
	struct tseg *segs = malloc((len + 64) * sizeof(*segs));
	uint32_t n;

	assert_non_null(stream);
	assert_non_null(segs);
	fill_random(&rng, stream, len);
	n = cut_and_shuffle(&rng, segs, len, 1460, 40);
	seg(f, isn, PKT_TCP_SYN, NULL, 0);
	assert_int_equal(f->d.next_seq, 0xFFFFFF01u);
	feed(f, stream, isn, segs, n);

	assert_whole_stream(f, stream, len, isn);
	assert_int_equal(f->d.next_seq, 0x00018F02u);	/* wrapped past 2^32 */
	assert_int_equal(f->rec.next_off, len);
	free(segs);
	free(stream);
}

static void
test_tcp_reasm_overlaps_across_sequence_wrap(void **state)
{
	struct fx *f = *state;
	const uint32_t isn = 0xFFFFFF00u;	/* stream offset 255 is sequence number 0 */
	uint8_t stream[300];
	uint8_t early[40];
	uint8_t head[300];

	/* The segments' own bytes end before 2^32; what follows in their buffers must never
	 * be compared, so it differs from the stream. */
	fill_pattern(stream, sizeof(stream));
	memcpy(early, stream + 240, 14);
	memset(early + 14, 0xEE, sizeof(early) - 14);
	memcpy(head, stream, 252);
	memset(head + 252, 0xEE, sizeof(head) - 252);

	seg(f, isn, PKT_TCP_SYN, NULL, 0);
	seg(f, isn + 1 + 250, PKT_TCP_ACK, stream + 250, 20);	/* held [250, 270): wraps */
	seg(f, isn + 1 + 240, PKT_TCP_ACK, early, 14);		/* [240, 254): ends before */
	assert_int_equal(f->d.ooo_bytes, 30);
	assert_int_equal(f->d.overlaps, 1);
	seg(f, isn + 1, PKT_TCP_ACK, head, 252);		/* [0, 252) in order */

	assert_int_equal(f->rec.out_len, 270);
	assert_memory_equal(f->rec.out, stream, 270);
	assert_int_equal(f->d.overlaps, 2);
	assert_int_equal(f->d.overlaps_diff, 0);
	assert_int_equal(f->d.next_seq, 0x0000000Fu);
	assert_int_equal(f->d.delivered, 270);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
}

static void
test_tcp_reasm_one_byte_segments_random_order(void **state)
{
	struct fx *f = *state;
	const uint32_t len = 2000;
	uint64_t rng = 0x1b17e5;
	uint8_t stream[2000];
	struct tseg segs[2001];
	uint32_t n;

	fill_random(&rng, stream, len);
	n = cut_and_shuffle(&rng, segs, len, 1, 0);
	assert_int_equal(n, 2001);
	syn(f);
	feed(f, stream, TEST_ISN, segs, n);

	assert_whole_stream(f, stream, len, TEST_ISN);
	assert_int_equal(f->ctx.stats.segments, 2000);
	assert_int_equal(f->ctx.stats.in_order + f->ctx.stats.ooo_held, 2000);
	assert_int_equal(f->ctx.stats.overlaps, 0);
	assert_int_equal(f->ctx.stats.retransmits, 0);
}

static void
test_tcp_reasm_small_contiguous_segments_share_a_block(void **state)
{
	struct fx *f = *state;
	uint8_t stream[1200];
	uint32_t i;

	fill_pattern(stream, sizeof(stream));
	syn(f);
	for (i = 0; i < 10; i++)
		data_at(f, stream, 100 + i * 10, 10);
	assert_int_equal(f->ctx.stats.blocks_in_use, 1);
	assert_int_equal(f->d.ooo_bytes, 100);
	assert_int_equal(f->ctx.stats.ooo_held, 10);

	data_at(f, stream, 200, 1000);			/* 140 fill the block, 860 in 4 more */
	assert_int_equal(f->ctx.stats.blocks_in_use, 5);
	assert_int_equal(f->d.ooo_bytes, 1100);

	data_at(f, stream, 0, 100);
	assert_int_equal(f->rec.out_len, 1200);
	assert_memory_equal(f->rec.out, stream, 1200);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
}

static void
test_tcp_reasm_ooo_cap_drops_segment_then_gap(void **state)
{
	struct fx *f = *state;
	uint8_t stream[600];

	fill_pattern(stream, sizeof(stream));
	f->ctx.conf.max_ooo_per_dir = 300;
	syn(f);
	data_at(f, stream, 100, 100);
	data_at(f, stream, 200, 100);
	data_at(f, stream, 300, 100);
	assert_int_equal(f->d.ooo_bytes, 300);
	data_at(f, stream, 400, 100);			/* would hold 400 */

	assert_int_equal(f->ctx.stats.ooo_flow_cap, 1);
	assert_int_equal(f->rec.events[TCP_REASM_EV_OOO_FLOW_CAP], 1);
	assert_true(f->d.flags & TCP_REASM_OOO_CAPPED);
	assert_int_equal(f->d.ooo_bytes, 300);

	data_at(f, stream, 450, 150);
	assert_int_equal(f->ctx.stats.ooo_flow_cap, 2);
	assert_int_equal(f->rec.events[TCP_REASM_EV_OOO_FLOW_CAP], 1);
	assert_int_equal(f->ctx.stats.pool_empty, 0);

	data_at(f, stream, 0, 100);
	assert_int_equal(f->rec.out_len, 400);
	assert_memory_equal(f->rec.out, stream, 400);
	ack(f, TEST_ISN + 601);
	assert_int_equal(f->rec.ngaps, 1);
	assert_int_equal(f->rec.gaps[0].off, 400);
	assert_int_equal(f->rec.gaps[0].len, 200);
	assert_int_equal(f->d.next_seq, TEST_ISN + 601);
}

static void
test_tcp_reasm_pool_exhaustion_drops_segment(void **state)
{
	struct fx *f = *state;
	uint8_t stream[600];

	fill_pattern(stream, sizeof(stream));
	/* Three blocks of 112 payload bytes. */
	assert_int_equal(tcp_reasm_pool_init(&f->ctx.pool, f->mem, 3 * 128, 128), 0);
	assert_int_equal(f->ctx.pool.nblocks, 3);
	syn(f);
	data_at(f, stream, 100, 100);
	data_at(f, stream, 300, 100);
	data_at(f, stream, 500, 50);
	assert_int_equal(f->ctx.pool.nfree, 0);
	assert_int_equal(f->ctx.stats.blocks_in_use, 3);
	data_at(f, stream, 560, 20);

	assert_int_equal(f->ctx.stats.pool_empty, 1);
	assert_int_equal(f->rec.events[TCP_REASM_EV_POOL_EMPTY], 1);
	assert_true(f->d.flags & TCP_REASM_POOL_EMPTY);
	assert_int_equal(f->d.flags & TCP_REASM_OOO_CAPPED, 0);

	data_at(f, stream, 580, 20);
	assert_int_equal(f->ctx.stats.pool_empty, 2);
	assert_int_equal(f->rec.events[TCP_REASM_EV_POOL_EMPTY], 1);
	assert_int_equal(f->ctx.stats.ooo_flow_cap, 0);

	data_at(f, stream, 200, 10);			/* fits in the spare room of [100, 200) */
	assert_int_equal(f->ctx.stats.pool_empty, 2);
	assert_int_equal(f->d.ooo_bytes, 260);

	data_at(f, stream, 0, 100);
	flush(f);
	assert_int_equal(f->rec.out_len, 360);
	assert_memory_equal(f->rec.out, stream, 210);
	assert_memory_equal(f->rec.out + 210, stream + 300, 100);
	assert_memory_equal(f->rec.out + 310, stream + 500, 50);
	assert_int_equal(f->rec.ngaps, 2);
	assert_int_equal(f->rec.gaps[0].off, 210);
	assert_int_equal(f->rec.gaps[0].len, 90);
	assert_int_equal(f->rec.gaps[1].off, 400);
	assert_int_equal(f->rec.gaps[1].len, 100);
	assert_int_equal(f->ctx.pool.nfree, 3);
	/* Blocks were carved in address order, each once; given back, they are reused
	 * before anything past them (there is nothing past them here). */
	assert_int_equal(f->ctx.pool.fresh, 3);
	assert_non_null(f->ctx.pool.free);
	assert_true((uint8_t *)f->ctx.pool.free >= (uint8_t *)f->mem &&
		    (uint8_t *)f->ctx.pool.free < (uint8_t *)f->mem + 3 * 128);
}

static void
test_tcp_reasm_depth_limits_delivered_bytes(void **state)
{
	struct fx *f = *state;
	uint8_t stream[2000];

	fill_pattern(stream, sizeof(stream));
	f->ctx.conf.depth = 1000;
	syn(f);
	data_at(f, stream, 0, 400);
	data_at(f, stream, 400, 400);
	data_at(f, stream, 800, 400);

	assert_int_equal(f->rec.out_len, 1000);
	assert_memory_equal(f->rec.out, stream, 1000);
	assert_int_equal(f->rec.ncalls, 3);
	assert_int_equal(f->rec.calls[2].off, 800);
	assert_int_equal(f->rec.calls[2].len, 200);
	assert_true(f->d.flags & TCP_REASM_DEPTH);
	assert_int_equal(f->ctx.stats.depth_reached, 1);
	assert_int_equal(f->rec.events[TCP_REASM_EV_DEPTH], 1);

	data_at(f, stream, 1200, 400);			/* in order: followed, not delivered */
	data_at(f, stream, 1700, 300);			/* out of order: not held */
	assert_int_equal(f->rec.out_len, 1000);
	assert_int_equal(f->rec.ncalls, 3);
	assert_int_equal(f->d.next_seq, TEST_ISN + 1601);
	assert_int_equal(f->d.delivered, 1600);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
	assert_int_equal(f->ctx.stats.ooo_held, 0);
	assert_int_equal(f->ctx.stats.depth_reached, 1);
	assert_int_equal(f->rec.events[TCP_REASM_EV_DEPTH], 1);

	ack(f, TEST_ISN + 1701);			/* no gap reported past the depth */
	assert_int_equal(f->rec.ngaps, 0);
	assert_int_equal(f->d.next_seq, TEST_ISN + 1701);
}

static void
test_tcp_reasm_depth_reached_exactly_at_segment_end(void **state)
{
	struct fx *f = *state;
	uint8_t stream[300];

	fill_pattern(stream, sizeof(stream));
	f->ctx.conf.depth = 200;
	syn(f);
	data_at(f, stream, 0, 100);
	assert_int_equal(f->d.flags & TCP_REASM_DEPTH, 0);
	data_at(f, stream, 100, 100);

	assert_int_equal(f->rec.out_len, 200);
	assert_true(f->d.flags & TCP_REASM_DEPTH);
	assert_int_equal(f->ctx.stats.depth_reached, 1);
	assert_int_equal(f->rec.events[TCP_REASM_EV_DEPTH], 1);
	data_at(f, stream, 200, 100);
	assert_int_equal(f->rec.out_len, 200);
	assert_int_equal(f->rec.ncalls, 2);
	assert_int_equal(f->d.next_seq, TEST_ISN + 301);
}

static void
test_tcp_reasm_depth_returns_held_blocks(void **state)
{
	struct fx *f = *state;
	uint8_t stream[400];

	fill_pattern(stream, sizeof(stream));
	f->ctx.conf.depth = 150;
	syn(f);
	data_at(f, stream, 300, 100);
	assert_int_equal(f->ctx.stats.blocks_in_use, 1);
	data_at(f, stream, 0, 100);
	data_at(f, stream, 100, 100);

	assert_int_equal(f->rec.out_len, 150);
	assert_memory_equal(f->rec.out, stream, 150);
	assert_true(f->d.flags & TCP_REASM_DEPTH);
	assert_null(f->d.ooo);
	assert_int_equal(f->d.ooo_bytes, 0);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
	assert_int_equal(f->ctx.pool.nfree, f->ctx.pool.nblocks);
}

static void
test_tcp_reasm_midstream_pickup_starts_at_first_segment(void **state)
{
	struct fx *f = *state;
	struct tcp_reasm_dir bare;
	uint8_t stream[200];

	fill_pattern(stream, sizeof(stream));
	f->ctx.conf.midstream = 1;
	seg(f, 5000, PKT_TCP_ACK, stream, 100);
	seg(f, 4950, PKT_TCP_ACK, stream, 50);		/* before the pickup point */

	assert_int_equal(f->rec.out_len, 100);
	assert_int_equal(f->rec.calls[0].off, 0);
	assert_int_equal(f->d.flags, TCP_REASM_STARTED);
	assert_int_equal(f->d.next_seq, 5100);
	assert_int_equal(f->ctx.stats.retransmits, 1);
	assert_int_equal(f->ctx.stats.not_started, 0);

	/* A bare ACK picks a direction up too: the next data starts the stream there. */
	memset(&bare, 0, sizeof(bare));
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, &bare, 7000, PKT_TCP_ACK, 0, NULL, 0);
	assert_int_equal(bare.flags, TCP_REASM_STARTED);
	assert_int_equal(bare.next_seq, 7000);
	rec_reset(&f->rec);
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, &bare, 7000, PKT_TCP_ACK, 0, stream, 200);
	assert_int_equal(f->rec.out_len, 200);
	assert_int_equal(f->rec.calls[0].off, 0);
	assert_int_equal(bare.delivered, 200);
	tcp_reasm_release(&f->ctx, &bare);
}

static void
test_tcp_reasm_without_midstream_ignores_data_before_syn(void **state)
{
	struct fx *f = *state;
	uint8_t stream[100];

	fill_pattern(stream, sizeof(stream));
	seg(f, 5000, PKT_TCP_ACK, stream, 100);
	seg(f, 5100, PKT_TCP_ACK, NULL, 0);		/* bare ACK: not counted */

	assert_int_equal(f->rec.out_len, 0);
	assert_int_equal(f->d.flags, 0);
	assert_int_equal(f->ctx.stats.not_started, 1);
	assert_int_equal(f->ctx.stats.segments, 1);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);

	syn(f);
	data_at(f, stream, 0, 100);
	assert_int_equal(f->rec.out_len, 100);
	assert_int_equal(f->ctx.stats.not_started, 1);
}

static void
test_tcp_reasm_syn_with_data_starts_after_syn(void **state)
{
	struct fx *f = *state;
	uint8_t stream[10];

	fill_pattern(stream, sizeof(stream));
	seg(f, 100, PKT_TCP_SYN, stream, 10);

	assert_int_equal(f->d.isn, 100);
	assert_int_equal(f->d.next_seq, 111);
	assert_int_equal(f->rec.out_len, 10);
	assert_memory_equal(f->rec.out, stream, 10);
	assert_int_equal(f->rec.calls[0].off, 0);

	seg(f, 100, PKT_TCP_SYN, stream, 10);		/* the same SYN again */
	assert_int_equal(f->ctx.stats.retransmits, 1);
	assert_int_equal(f->rec.out_len, 10);
}

static void
test_tcp_reasm_syn_with_other_seq_after_start_is_ignored(void **state)
{
	struct fx *f = *state;
	uint8_t stream[100];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 0, 50);
	seg(f, 90000, PKT_TCP_SYN, stream, 100);
	seg(f, TEST_ISN + 51, PKT_TCP_SYN, stream + 50, 50);	/* at next_seq - 1 */

	assert_int_equal(f->d.isn, TEST_ISN);
	assert_int_equal(f->d.next_seq, TEST_ISN + 51);
	assert_int_equal(f->rec.out_len, 50);
	assert_int_equal(f->ctx.stats.retransmits, 0);
	assert_int_equal(f->ctx.stats.ooo_held, 0);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
}

static void
test_tcp_reasm_data_after_fin_is_ignored(void **state)
{
	struct fx *f = *state;
	uint8_t stream[300];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 50, 100);			/* held [50, 150) */
	seg(f, TEST_ISN + 101, PKT_TCP_FIN | PKT_TCP_ACK, NULL, 0);	/* FIN at 100 */
	assert_int_equal(f->d.ooo_bytes, 50);		/* [100, 150) forgotten */
	data_at(f, stream, 100, 100);			/* beyond the FIN */
	assert_int_equal(f->d.ooo_bytes, 50);

	data_at(f, stream, 0, 50);
	assert_int_equal(f->rec.out_len, 100);
	assert_memory_equal(f->rec.out, stream, 100);
	assert_true(f->d.flags & TCP_REASM_FIN_DONE);
	assert_int_equal(f->d.next_seq, TEST_ISN + 102);

	data_at(f, stream, 101, 50);
	assert_int_equal(f->rec.out_len, 100);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
}

static void
test_tcp_reasm_fin_with_data_completes_at_once(void **state)
{
	struct fx *f = *state;
	uint8_t stream[100];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	seg(f, TEST_ISN + 1, PKT_TCP_FIN | PKT_TCP_ACK, stream, 100);

	assert_int_equal(f->rec.out_len, 100);
	assert_int_equal(f->d.fin_seq, TEST_ISN + 101);
	assert_int_equal(f->d.flags, TCP_REASM_STARTED | TCP_REASM_SYN | TCP_REASM_FIN |
			 TCP_REASM_FIN_DONE);
	assert_int_equal(f->d.next_seq, TEST_ISN + 102);
}

static void
test_tcp_reasm_rst_only_sets_flag(void **state)
{
	struct fx *f = *state;
	uint8_t stream[100];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	seg(f, TEST_ISN + 1, PKT_TCP_RST | PKT_TCP_ACK, stream, 100);

	assert_int_equal(f->d.flags, TCP_REASM_STARTED | TCP_REASM_SYN | TCP_REASM_RST);
	assert_int_equal(f->rec.out_len, 100);
	assert_int_equal(f->d.next_seq, TEST_ISN + 101);
	assert_int_equal(f->rec.ngaps, 0);
}

static void
test_tcp_reasm_release_returns_every_block(void **state)
{
	struct fx *f = *state;
	struct tcp_reasm_dir zero;
	uint8_t stream[3000];

	fill_pattern(stream, sizeof(stream));
	syn(f);
	data_at(f, stream, 100, 1000);
	data_at(f, stream, 1500, 1500);
	assert_int_equal(f->ctx.stats.blocks_in_use, 5 + 7);
	assert_int_equal(f->ctx.pool.nfree, TEST_NBLOCKS - 12);

	tcp_reasm_release(&f->ctx, &f->d);
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&f->d, &zero, sizeof(zero));
	assert_int_equal(f->ctx.pool.nfree, f->ctx.pool.nblocks);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
	assert_int_equal(f->rec.out_len, 0);

	tcp_reasm_release(&f->ctx, &f->d);		/* zeroed direction: no-op */
	tcp_reasm_release(&f->ctx, NULL);
	assert_int_equal(f->ctx.pool.nfree, f->ctx.pool.nblocks);
}

/* ---- urgent data (Linux: SO_OOBINLINE off takes the byte at seq + urp - 1 out) ---- */

/* "4111111" "X" "111111111": a card number with one byte inserted at stream offset 7. */
static const uint8_t urg_stream[] = "4111111X111111111";
#define URG_LEN		17u
#define URG_AT		7u
static const uint8_t urg_card[] = "4111111111111111";

static void
urg_seg(struct fx *f, uint32_t off, uint32_t len, uint8_t flags, uint16_t urp)
{
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, TEST_ISN + 1 + off,
			  PKT_TCP_ACK | flags, urp, urg_stream + off, len);
}

static void
assert_card_delivered(struct fx *f)
{
	assert_int_equal(f->rec.out_len, 16);
	assert_memory_equal(f->rec.out, urg_card, 16);
	assert_int_equal(f->d.delivered, 16);
	assert_int_equal(f->d.next_seq, TEST_ISN + 1 + URG_LEN);
	assert_int_equal(f->d.flags & TCP_REASM_URG, 0);
}

static void
test_tcp_reasm_urgent_byte_in_segment_is_removed_once(void **state)
{
	struct fx *f = *state;

	syn(f);
	urg_seg(f, 0, URG_LEN, PKT_TCP_URG, URG_AT + 1);	/* byte at seq + urp - 1 */
	assert_card_delivered(f);
	assert_int_equal(f->rec.ncalls, 2);
	assert_int_equal(f->rec.calls[0].off, 0);
	assert_int_equal(f->rec.calls[0].len, URG_AT);
	assert_int_equal(f->rec.calls[1].off, URG_AT);		/* offsets stay contiguous */
	assert_int_equal(f->rec.calls[1].len, URG_LEN - URG_AT - 1);
	assert_int_equal(f->ctx.stats.urgent_marks, 1);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);
	assert_int_equal(f->ctx.stats.urgent_beyond, 0);

	/* The same segment again, URG and all: a retransmission, nothing removed twice. */
	urg_seg(f, 0, URG_LEN, PKT_TCP_URG, URG_AT + 1);
	urg_seg(f, 3, 10, PKT_TCP_URG, URG_AT - 3 + 1);
	assert_card_delivered(f);
	assert_int_equal(f->ctx.stats.retransmits, 2);
	assert_int_equal(f->ctx.stats.urgent_marks, 1);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);

	/* Later data flows on, nothing else removed. */
	seg(f, TEST_ISN + 1 + URG_LEN, PKT_TCP_ACK, urg_card, 4);
	assert_int_equal(f->rec.out_len, 20);
	assert_int_equal(f->d.delivered, 20);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);
}

static void
test_tcp_reasm_urgent_inline_keeps_the_byte_and_counts_the_mark(void **state)
{
	struct fx *f = *state;

	f->ctx.conf.urgent_inline = 1;
	syn(f);
	urg_seg(f, 0, URG_LEN, PKT_TCP_URG, URG_AT + 1);
	assert_int_equal(f->rec.out_len, URG_LEN);
	assert_memory_equal(f->rec.out, urg_stream, URG_LEN);
	assert_int_equal(f->d.delivered, URG_LEN);
	assert_int_equal(f->d.flags & TCP_REASM_URG, 0);
	assert_int_equal(f->ctx.stats.urgent_marks, 1);
	assert_int_equal(f->ctx.stats.urgent_removed, 0);
}

static void
test_tcp_reasm_urgent_pointer_zero_marks_the_first_byte(void **state)
{
	struct fx *f = *state;

	syn(f);
	urg_seg(f, 0, URG_AT, 0, 0);
	urg_seg(f, URG_AT, URG_LEN - URG_AT, PKT_TCP_URG, 0);	/* Linux: urp 0 = seq */
	assert_card_delivered(f);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);
}

static void
test_tcp_reasm_urgent_in_out_of_order_segment_is_removed_when_in_order(void **state)
{
	struct fx *f = *state;

	syn(f);
	urg_seg(f, URG_AT, URG_LEN - URG_AT, PKT_TCP_URG, 1);	/* held: "X111111111" */
	assert_int_equal(f->rec.out_len, 0);
	assert_true(f->d.flags & TCP_REASM_URG);
	assert_int_equal(f->d.urg_seq, TEST_ISN + 1 + URG_AT);
	urg_seg(f, URG_AT, URG_LEN - URG_AT, PKT_TCP_URG, 1);	/* held copy again */
	urg_seg(f, 0, URG_AT, 0, 0);				/* fills the hole */
	assert_card_delivered(f);
	assert_int_equal(f->ctx.stats.urgent_marks, 1);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);

	/* Retransmitted after delivery: its pointer is behind next_seq. */
	urg_seg(f, URG_AT, URG_LEN - URG_AT, PKT_TCP_URG, 1);
	urg_seg(f, 0, URG_LEN, PKT_TCP_URG, URG_AT + 1);
	assert_card_delivered(f);
	assert_int_equal(f->ctx.stats.urgent_marks, 1);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);
	assert_int_equal(f->ctx.stats.blocks_in_use, 0);
}

static void
test_tcp_reasm_urgent_pointer_beyond_segment_waits_for_its_byte(void **state)
{
	struct fx *f = *state;

	syn(f);
	urg_seg(f, 0, 4, PKT_TCP_URG, URG_AT + 1);		/* "4111", urgent byte at 7 */
	assert_int_equal(f->rec.out_len, 4);
	assert_int_equal(f->ctx.stats.urgent_beyond, 1);
	assert_true(f->d.flags & TCP_REASM_URG);
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, TEST_ISN + 5,
			  PKT_TCP_ACK | PKT_TCP_URG, URG_AT - 4 + 1, NULL, 0);	/* bare ACK */
	urg_seg(f, 4, URG_LEN - 4, 0, 0);
	assert_card_delivered(f);
	assert_int_equal(f->ctx.stats.urgent_marks, 1);
	assert_int_equal(f->ctx.stats.urgent_beyond, 1);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);
}

static void
test_tcp_reasm_newer_urgent_pointer_leaves_older_byte_inline(void **state)
{
	struct fx *f = *state;
	static const uint8_t want[] = "4111111X11111111";

	syn(f);
	urg_seg(f, 0, 4, PKT_TCP_URG, URG_AT + 1);		/* pending: byte 7 */
	urg_seg(f, 4, 2, PKT_TCP_URG, 9 - 4 + 1);		/* newer: byte 9 */
	urg_seg(f, 6, 2, PKT_TCP_URG, URG_AT - 6 + 1);		/* older again: ignored */
	urg_seg(f, 8, URG_LEN - 8, 0, 0);

	assert_int_equal(f->rec.out_len, 16);
	assert_memory_equal(f->rec.out, want, 16);		/* byte 9 ('1') is gone */
	assert_int_equal(f->ctx.stats.urgent_marks, 2);
	assert_int_equal(f->ctx.stats.urgent_replaced, 1);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);
	assert_int_equal(f->ctx.stats.urgent_beyond, 2);
}

static void
test_tcp_reasm_urgent_removal_counts_no_offset_against_depth(void **state)
{
	struct fx *f = *state;

	f->ctx.conf.depth = 10;
	syn(f);
	urg_seg(f, 0, URG_LEN, PKT_TCP_URG, URG_AT + 1);
	assert_int_equal(f->rec.out_len, 10);
	assert_memory_equal(f->rec.out, urg_card, 10);
	assert_true(f->d.flags & TCP_REASM_DEPTH);
	assert_int_equal(f->d.delivered, 16);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);
}

static void
test_tcp_reasm_urgent_byte_under_a_gap_is_forgotten(void **state)
{
	struct fx *f = *state;

	syn(f);
	urg_seg(f, 0, 4, PKT_TCP_URG, URG_AT + 1);		/* pending: byte 7 */
	urg_seg(f, 10, 0, 0, 0);		/* an ACK of the sender's from byte 10: [4, 10) sent */
	ack(f, TEST_ISN + 1 + 10);				/* ... and lost: a gap */
	assert_int_equal(f->rec.ngaps, 1);
	assert_int_equal(f->d.flags & TCP_REASM_URG, 0);
	urg_seg(f, 10, URG_LEN - 10, PKT_TCP_URG, 3);		/* a new mark: byte 12 */
	assert_int_equal(f->ctx.stats.urgent_replaced, 0);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);
	assert_int_equal(f->rec.out_len, 4 + URG_LEN - 10 - 1);
}

static void
test_tcp_reasm_urgent_across_sequence_wrap(void **state)
{
	struct fx *f = *state;
	const uint32_t isn = 0xFFFFFFF9u;			/* byte 7 is at seq 1 */

	seg(f, isn, PKT_TCP_SYN, NULL, 0);
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, isn + 1 + 3,
			  PKT_TCP_ACK | PKT_TCP_URG, URG_AT - 3 + 1, urg_stream + 3, URG_LEN - 3);
	assert_int_equal(f->d.urg_seq, 1);
	seg(f, isn + 1, PKT_TCP_ACK, urg_stream, 3);
	assert_int_equal(f->rec.out_len, 16);
	assert_memory_equal(f->rec.out, urg_card, 16);
	assert_int_equal(f->ctx.stats.urgent_removed, 1);
	assert_int_equal(f->d.next_seq, isn + 1 + URG_LEN);
}

/* ---- RST and new connections on the same addresses and ports ---- */

static void
test_tcp_reasm_rst_taken_only_at_next_seq_or_acking_the_syn(void **state)
{
	struct fx *f = *state;
	struct tcp_reasm_dir srv;

	memset(&srv, 0, sizeof(srv));
	syn(f);
	data_at(f, urg_stream, 0, 10);
	tcp_reasm_rst(&f->d, &srv, TEST_ISN + 1 + 9, 0, PKT_TCP_RST);	/* in window only */
	assert_int_equal(f->d.flags & (TCP_REASM_RST | TCP_REASM_RST_SEQ), TCP_REASM_RST);
	tcp_reasm_rst(&f->d, &srv, TEST_ISN + 1 + 10, 0, PKT_TCP_RST);
	assert_true(f->d.flags & TCP_REASM_RST_SEQ);

	/* The answer to a SYN: it must acknowledge exactly what the SYN side sent. */
	assert_int_equal(srv.flags, 0);
	tcp_reasm_rst(&srv, &f->d, 0, TEST_ISN + 1 + 10, PKT_TCP_RST);	/* no ACK flag */
	assert_int_equal(srv.flags, TCP_REASM_RST);
	tcp_reasm_rst(&srv, &f->d, 0, TEST_ISN + 1, PKT_TCP_RST | PKT_TCP_ACK);
	assert_int_equal(srv.flags, TCP_REASM_RST);
	tcp_reasm_rst(&srv, &f->d, 0, TEST_ISN + 1 + 10, PKT_TCP_RST | PKT_TCP_ACK);
	assert_int_equal(srv.flags, TCP_REASM_RST | TCP_REASM_RST_SEQ);

	/* Nothing seen of either direction (a stray RST): nothing to protect, taken. */
	memset(&srv, 0, sizeof(srv));
	tcp_reasm_release(&f->ctx, &f->d);
	tcp_reasm_rst(&srv, &f->d, 12345, 0, PKT_TCP_RST);
	assert_int_equal(srv.flags, TCP_REASM_RST | TCP_REASM_RST_SEQ);
}

/* A client direction (isn 1000) and a server one (isn 5000), each with 10 bytes. */
static void
two_dirs(struct fx *f, struct tcp_reasm_dir *c, struct tcp_reasm_dir *s)
{
	memset(c, 0, sizeof(*c));
	memset(s, 0, sizeof(*s));
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, c, 1000, PKT_TCP_SYN, 0, NULL, 0);
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, s, 5000, PKT_TCP_SYN | PKT_TCP_ACK, 0,
			  NULL, 0);
	rec_reset(&f->rec);		/* each direction's offsets start at 0 */
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, c, 1001, PKT_TCP_ACK, 0, urg_card, 10);
	rec_reset(&f->rec);
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, s, 5001, PKT_TCP_ACK, 0, urg_card, 10);
	rec_reset(&f->rec);
}

static void
test_tcp_reasm_syn_restarts_only_a_connection_that_is_over(void **state)
{
	const uint8_t syn_f = PKT_TCP_SYN, synack = PKT_TCP_SYN | PKT_TCP_ACK;
	struct fx *f = *state;
	struct tcp_reasm_dir c, s;

	/* Live connection: a SYN with a new ISN is not a new connection (challenge ACK). */
	two_dirs(f, &c, &s);
	assert_false(tcp_reasm_syn_restarts(&c, &s, 77777, syn_f));
	assert_false(tcp_reasm_syn_restarts(&c, &s, 1000, syn_f));

	/* One FIN: still half open. */
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, &c, 1011, PKT_TCP_FIN | PKT_TCP_ACK, 0,
			  NULL, 0);
	assert_true(c.flags & TCP_REASM_FIN_DONE);
	assert_false(tcp_reasm_syn_restarts(&c, &s, 77777, syn_f));
	assert_false(tcp_reasm_syn_restarts(&s, &c, 77777, syn_f));

	/* A FIN not reached in sequence (data before it missing) does not close. */
	rec_reset(&f->rec);
	f->rec.next_off = 10;
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, &s, 5021, PKT_TCP_FIN | PKT_TCP_ACK, 0,
			  NULL, 0);
	assert_true(s.flags & TCP_REASM_FIN);
	assert_false(tcp_reasm_syn_restarts(&c, &s, 77777, syn_f));

	/* Both FINs in sequence (TIME_WAIT): a new ISN starts anew, the old one does not. */
	tcp_reasm_ack(&f->ctx, TEST_OWNER, TEST_DIR, &s, 5022);	/* the client ACKs it all */
	assert_true(s.flags & TCP_REASM_FIN_DONE);
	assert_true(tcp_reasm_syn_restarts(&c, &s, 77777, syn_f));
	assert_false(tcp_reasm_syn_restarts(&c, &s, 1000, syn_f));
	assert_true(tcp_reasm_syn_restarts(&s, &c, 88888, synack));
	assert_false(tcp_reasm_syn_restarts(&s, &c, 5000, synack));
	assert_true(tcp_reasm_syn_restarts(&s, &c, 1000, syn_f));	/* roles reversed */
	assert_false(tcp_reasm_syn_restarts(&c, &s, 77777, PKT_TCP_ACK));
	assert_false(tcp_reasm_syn_restarts(&c, &s, 77777, syn_f | PKT_TCP_RST));
	assert_false(tcp_reasm_syn_restarts(&c, &s, 77777, syn_f | PKT_TCP_FIN));
	tcp_reasm_release(&f->ctx, &c);
	tcp_reasm_release(&f->ctx, &s);

	/* A RST the receiver would not take (in the window, not exact) does not close. */
	two_dirs(f, &c, &s);
	tcp_reasm_rst(&c, &s, 1005, 5011, PKT_TCP_RST | PKT_TCP_ACK);
	assert_false(tcp_reasm_syn_restarts(&c, &s, 77777, syn_f));

	/* A RST it takes does: any SYN after it is a new attempt, even with the old ISN
	 * (a client that reset a stale TIME_WAIT answer retries its SYN); a SYN-ACK with the
	 * old ISN is a late duplicate. */
	tcp_reasm_rst(&s, &c, 5011, 1011, PKT_TCP_RST | PKT_TCP_ACK);
	assert_true(tcp_reasm_syn_restarts(&c, &s, 77777, syn_f));
	assert_true(tcp_reasm_syn_restarts(&c, &s, 1000, syn_f));
	assert_false(tcp_reasm_syn_restarts(&s, &c, 5000, synack));
	assert_true(tcp_reasm_syn_restarts(&s, &c, 88888, synack));
	tcp_reasm_release(&f->ctx, &c);
	tcp_reasm_release(&f->ctx, &s);
}

static void
test_tcp_reasm_bare_ack_before_synack_is_stale(void **state)
{
	struct fx *f = *state;
	struct tcp_reasm_dir c, s;

	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	/* Nothing seen yet: a midstream pickup, not stale. */
	assert_false(tcp_reasm_stale(&s, &c, PKT_TCP_ACK, 0));
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, &c, 1000, PKT_TCP_SYN, 0, NULL, 0);
	/* The client's SYN seen: a bare ACK from the server side is an older connection's. */
	assert_true(tcp_reasm_stale(&s, &c, PKT_TCP_ACK, 0));
	assert_false(tcp_reasm_stale(&s, &c, PKT_TCP_ACK, 1));		/* data: SYN-ACK lost */
	assert_false(tcp_reasm_stale(&s, &c, PKT_TCP_SYN | PKT_TCP_ACK, 0));
	assert_false(tcp_reasm_stale(&s, &c, PKT_TCP_FIN | PKT_TCP_ACK, 0));
	assert_false(tcp_reasm_stale(&s, &c, PKT_TCP_RST | PKT_TCP_ACK, 0));
	assert_false(tcp_reasm_stale(&c, &s, PKT_TCP_ACK, 0));		/* c has started */
	tcp_reasm_segment(&f->ctx, TEST_OWNER, TEST_DIR, &s, 5000, PKT_TCP_SYN | PKT_TCP_ACK, 0,
			  NULL, 0);
	assert_false(tcp_reasm_stale(&s, &c, PKT_TCP_ACK, 0));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/*
 * The TTL insertion: a copy of the data with a TTL meant to run out between the tap and
 * the receiver, then the real data (the SYN's TTL) over the same sequence numbers. The
 * first segment sets the direction's TTL; each data segment with another is counted, the
 * event comes once; a bare ACK (no data) with another TTL is not counted; the bytes
 * delivered are unchanged (the first copy: the TTL is only reported).
 */
static void
test_tcp_reasm_ttl_other_than_the_first_is_counted_and_reported_once(void **state)
{
	static const uint8_t fake[] = "harmless", real[] = "41111111";
	struct fx *f = *state;

	tcp_reasm_ttl(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 64, 0);
	syn(f);
	tcp_reasm_ttl(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 63, 0);	/* a bare ACK */
	assert_int_equal(f->ctx.stats.ttl_changed, 0);
	tcp_reasm_ttl(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 64, 8);
	assert_int_equal(f->ctx.stats.ttl_changed, 0);
	tcp_reasm_ttl(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 3, 8);
	data_at(f, fake, 0, 8);
	assert_int_equal(f->ctx.stats.ttl_changed, 1);
	assert_int_equal(f->rec.events[TCP_REASM_EV_TTL_CHANGED], 1);
	tcp_reasm_ttl(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 64, 8);
	data_at(f, real, 0, 8);
	tcp_reasm_ttl(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 200, 8);
	assert_int_equal(f->ctx.stats.ttl_changed, 2);
	assert_int_equal(f->rec.events[TCP_REASM_EV_TTL_CHANGED], 1);
	assert_int_equal(f->d.ttl, 64);
	assert_int_equal(f->rec.out_len, 8);
	assert_memory_equal(f->rec.out, fake, 8);
	assert_int_equal(f->ctx.stats.retransmits, 1);
	/* a released direction (a new connection on the 4-tuple) takes the TTL anew */
	tcp_reasm_release(&f->ctx, &f->d);
	tcp_reasm_ttl(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 3, 0);
	tcp_reasm_ttl(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 3, 8);
	assert_int_equal(f->ctx.stats.ttl_changed, 2);
	assert_int_equal(f->d.ttl, 3);
}

/*
 * The PAWS insertion: a copy of the data with a timestamp older than the sender's newest
 * (the receiver drops it, RFC 7323), then the real data with a new one over the same
 * sequence numbers. The first timestamp sets the newest; one tick older passes (Linux
 * allows it), more is counted for data only and reported once; a newer one moves the
 * newest on, across the 2^32 wrap (serial arithmetic); the bytes delivered are unchanged.
 */
static void
test_tcp_reasm_timestamp_older_than_the_newest_is_counted_and_reported_once(void **state)
{
	static const uint8_t fake[] = "harmless", real[] = "41111111";
	struct fx *f = *state;

	tcp_reasm_ts(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 0xfffffff0u, 0);
	syn(f);
	tcp_reasm_ts(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 0x10, 0);	/* wrapped: newer */
	assert_int_equal(f->d.ts_max, 0x10);
	tcp_reasm_ts(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 0xf, 8);	/* one tick older */
	tcp_reasm_ts(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 0x2, 0);	/* a bare old ACK */
	assert_int_equal(f->ctx.stats.ts_old, 0);
	tcp_reasm_ts(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 0xfffffff0u, 8);
	data_at(f, fake, 0, 8);
	assert_int_equal(f->ctx.stats.ts_old, 1);
	assert_int_equal(f->rec.events[TCP_REASM_EV_TS_OLD], 1);
	tcp_reasm_ts(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 0x11, 8);
	data_at(f, real, 0, 8);
	assert_int_equal(f->d.ts_max, 0x11);
	tcp_reasm_ts(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 0x3, 8);
	assert_int_equal(f->ctx.stats.ts_old, 2);
	assert_int_equal(f->rec.events[TCP_REASM_EV_TS_OLD], 1);
	assert_int_equal(f->d.ts_max, 0x11);
	assert_int_equal(f->rec.out_len, 8);
	assert_memory_equal(f->rec.out, fake, 8);
	/* a released direction (a new connection on the 4-tuple) takes the timestamp anew */
	tcp_reasm_release(&f->ctx, &f->d);
	tcp_reasm_ts(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 0x1, 0);
	tcp_reasm_ts(&f->ctx, TEST_OWNER, TEST_DIR, &f->d, 0x1, 8);
	assert_int_equal(f->ctx.stats.ts_old, 2);
	assert_int_equal(f->d.ts_max, 0x1);
}

/*
 * fuzz_tcp_reasm's finding (tests/fuzz/regressions/tcp_reasm/empty_segment_2_31_past_fin):
 * after a FIN, an empty segment 2^31 sequence numbers away is both before the FIN and
 * after it in sequence space; trimming it to the FIN made it 2^31 bytes long, read from
 * the packet. It is empty and stays so: nothing placed, nothing held, nothing counted.
 */
static void
test_tcp_reasm_empty_segment_2_31_from_the_fin_stays_empty(void **state)
{
	static const uint8_t data[8] = "abcdefgh";
	struct fx *f = *state;
	uint32_t fin = TEST_ISN + 1 + 100 + 8;
	uint64_t held, retrans;

	syn(f);
	/* the FIN comes first, 100 bytes ahead: held, the stream waits for the hole */
	seg(f, TEST_ISN + 1 + 100, PKT_TCP_ACK | PKT_TCP_FIN, data, 8);
	assert_int_equal(f->rec.out_len, 0);
	held = f->ctx.stats.ooo_held;
	retrans = f->ctx.stats.retransmits;
	seg(f, fin + 0x80000000u, PKT_TCP_ACK, NULL, 0);
	seg(f, fin - 0x80000000u, PKT_TCP_ACK, data, 0);
	assert_int_equal(f->rec.out_len, 0);
	assert_int_equal(f->ctx.stats.ooo_held, held);
	assert_int_equal(f->ctx.stats.retransmits, retrans);
	/* the hole filled: the stream is what was sent, up to the FIN */
	seg(f, TEST_ISN + 1, PKT_TCP_ACK, (const uint8_t *)"0123456789", 10);
	assert_int_equal(f->rec.out_len, 10);
}

/*
 * fuzz_tcp_reasm's finding (tests/fuzz/regressions/tcp_reasm/fin_2_31_ahead_of_overlap): a
 * FIN almost 2^31 ahead of next_seq, then a segment that starts a little before next_seq
 * and carries new bytes. Its start and the FIN are more than 2^31 apart, so the start
 * compared "after" the FIN and the whole segment was dropped: its new bytes were never
 * inspected (and a later flush declared them a gap). They are delivered.
 */
static void
test_tcp_reasm_overlap_before_a_far_fin_delivers_its_new_bytes(void **state)
{
	struct fx *f = *state;
	uint8_t stream[1100];
	uint32_t i, next = TEST_ISN + 1 + 1000;

	for (i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)('a' + i % 26);
	syn(f);
	data_at(f, stream, 0, 1000);
	assert_int_equal(f->rec.out_len, 1000);
	seg(f, next + 0x7FFFFE00u, PKT_TCP_ACK | PKT_TCP_FIN, NULL, 0);
	assert_true(f->d.flags & TCP_REASM_FIN);
	/* 600 bytes already delivered, then 100 new ones */
	data_at(f, stream, 400, 700);
	assert_int_equal(f->rec.out_len, 1100);
	assert_memory_equal(f->rec.out, stream, 1100);
	assert_int_equal(f->rec.ngaps, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_reasm_pool_init_rejects_small_blocks_and_memory),
		cmocka_unit_test(test_tcp_reasm_pool_init_aligns_blocks_to_8_bytes),
		cmocka_unit_test_setup_teardown(
			test_tcp_reasm_empty_segment_2_31_from_the_fin_stays_empty, setup, teardown),
		T(test_tcp_reasm_overlap_before_a_far_fin_delivers_its_new_bytes),
		T(test_tcp_reasm_in_order_delivers_from_caller_buffer),
		T(test_tcp_reasm_reversed_order_delivers_stream),
		T(test_tcp_reasm_random_order_with_duplicates_reassembles_exactly),
		T(test_tcp_reasm_duplicate_held_segment_is_stored_once),
		T(test_tcp_reasm_retransmit_of_delivered_data_is_counted_not_delivered),
		T(test_tcp_reasm_ttl_other_than_the_first_is_counted_and_reported_once),
		T(test_tcp_reasm_timestamp_older_than_the_newest_is_counted_and_reported_once),
		T(test_tcp_reasm_overlap_with_same_bytes_is_not_a_diff),
		T(test_tcp_reasm_overlap_keeps_first_copy),
		T(test_tcp_reasm_in_order_segment_keeps_held_copy_where_they_overlap),
		T(test_tcp_reasm_ack_beyond_hole_declares_gap),
		T(test_tcp_reasm_ack_past_held_data_declares_each_hole),
		T(test_tcp_reasm_ack_of_unsent_data_leaves_the_bytes_to_come_in_the_stream),
		T(test_tcp_reasm_flush_declares_holes_before_held_data),
		T(test_tcp_reasm_held_bytes_at_fin_are_dropped_with_their_blocks),
		T(test_tcp_reasm_ack_of_fin_creates_no_gap),
		T(test_tcp_reasm_ack_of_fin_after_lost_data_gaps_only_the_data),
		T(test_tcp_reasm_ack_ignores_garbage),
		T(test_tcp_reasm_sequence_wraparound_random_order),
		T(test_tcp_reasm_overlaps_across_sequence_wrap),
		T(test_tcp_reasm_one_byte_segments_random_order),
		T(test_tcp_reasm_small_contiguous_segments_share_a_block),
		T(test_tcp_reasm_ooo_cap_drops_segment_then_gap),
		T(test_tcp_reasm_pool_exhaustion_drops_segment),
		T(test_tcp_reasm_depth_limits_delivered_bytes),
		T(test_tcp_reasm_depth_reached_exactly_at_segment_end),
		T(test_tcp_reasm_depth_returns_held_blocks),
		T(test_tcp_reasm_midstream_pickup_starts_at_first_segment),
		T(test_tcp_reasm_without_midstream_ignores_data_before_syn),
		T(test_tcp_reasm_syn_with_data_starts_after_syn),
		T(test_tcp_reasm_syn_with_other_seq_after_start_is_ignored),
		T(test_tcp_reasm_data_after_fin_is_ignored),
		T(test_tcp_reasm_fin_with_data_completes_at_once),
		T(test_tcp_reasm_rst_only_sets_flag),
		T(test_tcp_reasm_release_returns_every_block),
		T(test_tcp_reasm_urgent_byte_in_segment_is_removed_once),
		T(test_tcp_reasm_urgent_inline_keeps_the_byte_and_counts_the_mark),
		T(test_tcp_reasm_urgent_pointer_zero_marks_the_first_byte),
		T(test_tcp_reasm_urgent_in_out_of_order_segment_is_removed_when_in_order),
		T(test_tcp_reasm_urgent_pointer_beyond_segment_waits_for_its_byte),
		T(test_tcp_reasm_newer_urgent_pointer_leaves_older_byte_inline),
		T(test_tcp_reasm_urgent_removal_counts_no_offset_against_depth),
		T(test_tcp_reasm_urgent_byte_under_a_gap_is_forgotten),
		T(test_tcp_reasm_urgent_across_sequence_wrap),
		T(test_tcp_reasm_rst_taken_only_at_next_seq_or_acking_the_syn),
		T(test_tcp_reasm_syn_restarts_only_a_connection_that_is_over),
		T(test_tcp_reasm_bare_ack_before_synack_is_stale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
