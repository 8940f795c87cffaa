/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow histories (dataplane/capture_hist.c): the first copies are pinned, the ring keeps
 * the newest copies that fit (and no more than `last`), in order and byte for byte, cut
 * at the snaplen with the wire length kept; a copy that straddles the end of the block
 * starts again at 0 behind a pad; a copy larger than the ring is refused and changes
 * nothing; a long random run keeps exactly a suffix of what was added, evicting no more
 * than it must; the pool hands out every slot inside its memory cap, then refuses, and
 * keeps its active list in order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture_hist.h"

#define HDR CAPTURE_HIST_REC_HDR

/* The bytes of packet id: derived from id, so every copy can be checked. */
static void
pkt_fill(uint8_t *p, uint32_t len, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(id * 131 + i * 7 + 1);
}

/* Add packet id of len bytes at time 1000 + id. */
static int
add(struct capture_hist *h, const struct capture_hist_conf *c, uint32_t id, uint32_t len)
{
	static uint8_t buf[70000];

	pkt_fill(buf, len, id);
	return capture_hist_add(h, c, buf, len, 1000 + id);
}

/* The history holds exactly the packets ids[0..n) (each of lens[k] bytes on the wire). */
static void
expect(const struct capture_hist *h, const struct capture_hist_conf *c, const uint32_t *ids,
       const uint32_t *lens, uint32_t n)
{
	static uint8_t want[70000];
	const struct capture_hist_rec *r;
	struct capture_hist_iter it;
	uint32_t k = 0, caplen, i;

	capture_hist_iter_init(h, &it);
	while ((r = capture_hist_next(h, &it)) != NULL) {
		assert_true(k < n);
		caplen = lens[k] < c->snaplen ? lens[k] : c->snaplen;
		assert_int_equal(r->ts_us, 1000 + ids[k]);
		assert_int_equal(r->origlen, lens[k]);
		assert_int_equal(r->caplen, caplen);
		assert_int_equal(r->size, capture_hist_rec_size(caplen));
		pkt_fill(want, caplen, ids[k]);
		assert_memory_equal((const uint8_t *)r + HDR, want, caplen);
		for (i = HDR + caplen; i < r->size; i++)
			assert_int_equal(((const uint8_t *)r)[i], 0);
		k++;
	}
	assert_int_equal(k, n);
	assert_int_equal(capture_hist_count(h), n);
}

static uint8_t block[1 << 16] __attribute__((aligned(64)));

static void
test_capture_hist_ring_keeps_the_newest_copies_that_fit(void **state)
{
	struct capture_hist_conf c = { .bytes = 1024, .first = 0, .last = 1000, .snaplen = 2048 };
	struct capture_hist h;
	uint32_t ids[16], lens[16], i;

	(void)state;
	capture_hist_init(&h, block, 1024, 1);
	/* 40-byte packets: 64-byte records, 16 to the block. */
	for (i = 0; i < 20; i++)
		assert_int_equal(add(&h, &c, i, 40), 0);
	for (i = 0; i < 16; i++) {
		ids[i] = 4 + i;
		lens[i] = 40;
	}
	expect(&h, &c, ids, lens, 16);
	assert_int_equal(h.evicted, 4);
	assert_int_equal(h.n_first, 0);
}

static void
test_capture_hist_copy_at_the_end_wraps_behind_a_pad(void **state)
{
	struct capture_hist_conf c = { .bytes = 1024, .first = 0, .last = 1000, .snaplen = 2048 };
	uint32_t ids[5] = { 1, 2, 3, 4, 5 }, lens[5] = { 176, 176, 176, 176, 176 };
	struct capture_hist h;
	uint32_t i;

	(void)state;
	capture_hist_init(&h, block, 1024, 1);
	/* 200-byte records: five take 1000 bytes; the sixth does not fit in the 24 left at
	 * the end, so it goes to offset 0 behind a pad, and only the oldest copy goes. */
	for (i = 0; i < 6; i++)
		assert_int_equal(add(&h, &c, i, 176), 0);
	expect(&h, &c, ids, lens, 5);
	assert_int_equal(h.evicted, 1);
	assert_int_equal(h.wr, 200);
	assert_int_equal(h.used, 1024);		/* four records, the pad and the new one */
}

static void
test_capture_hist_first_copies_are_pinned_and_last_caps_the_ring(void **state)
{
	struct capture_hist_conf c = { .bytes = 2048, .first = 3, .last = 1000, .snaplen = 2048 };
	uint32_t ids[32], lens[32], i;
	struct capture_hist h;

	(void)state;
	capture_hist_init(&h, block, 2048, 1);
	for (i = 0; i < 100; i++)
		assert_int_equal(add(&h, &c, i, 40), 0);
	/* 3 pinned (192 bytes), then (2048 - 192) / 64 = 29 in the ring. */
	for (i = 0; i < 3; i++)
		ids[i] = i;
	for (i = 0; i < 29; i++)
		ids[3 + i] = 71 + i;
	for (i = 0; i < 32; i++)
		lens[i] = 40;
	expect(&h, &c, ids, lens, 32);
	assert_int_equal(h.n_first, 3);
	assert_int_equal(h.evicted, 68);

	/* last = 5: the ring keeps five copies whatever room is left. */
	c.last = 5;
	capture_hist_reset(&h, 1);
	for (i = 0; i < 100; i++)
		assert_int_equal(add(&h, &c, i, 40), 0);
	for (i = 0; i < 5; i++)
		ids[3 + i] = 95 + i;
	expect(&h, &c, ids, lens, 8);

	/* Started again without pinning (after an event capture): no copy is pinned. */
	capture_hist_reset(&h, 0);
	for (i = 0; i < 7; i++)
		assert_int_equal(add(&h, &c, i, 40), 0);
	for (i = 0; i < 5; i++)
		ids[i] = 2 + i;
	expect(&h, &c, ids, lens, 5);
	assert_int_equal(h.n_first, 0);
}

static void
test_capture_hist_pinned_copies_take_at_most_half(void **state)
{
	struct capture_hist_conf c = { .bytes = 2048, .first = 4, .last = 1000, .snaplen = 2048 };
	uint32_t ids[3] = { 0, 1, 2 }, lens[3] = { 40, 1100, 40 };
	struct capture_hist h;

	(void)state;
	capture_hist_init(&h, block, 2048, 1);
	assert_int_equal(add(&h, &c, 0, 40), 0);
	/* 1128 bytes would pass half the block: it closes the pinned part, goes to the ring,
	 * and so does every copy after it. */
	assert_int_equal(add(&h, &c, 1, 1100), 0);
	assert_int_equal(add(&h, &c, 2, 40), 0);
	expect(&h, &c, ids, lens, 3);
	assert_int_equal(h.n_first, 1);
	assert_int_equal(h.base, 64);
	assert_int_equal(h.pinning, 0);
}

static void
test_capture_hist_cuts_at_snaplen_and_keeps_wire_length(void **state)
{
	struct capture_hist_conf c = { .bytes = 4096, .first = 1, .last = 10, .snaplen = 100 };
	uint32_t ids[2] = { 7, 8 }, lens[2] = { 3000, 61 };
	struct capture_hist h;

	(void)state;
	memset(block, 0xee, sizeof(block));	/* the padding must not show old bytes */
	capture_hist_init(&h, block, 4096, 1);
	assert_int_equal(add(&h, &c, 7, 3000), 0);
	assert_int_equal(add(&h, &c, 8, 61), 0);
	expect(&h, &c, ids, lens, 2);
	assert_int_equal(capture_hist_rec_size(100), 128);
	assert_int_equal(capture_hist_rec_size(61), 88);
}

static void
test_capture_hist_refuses_a_copy_larger_than_the_ring(void **state)
{
	struct capture_hist_conf c = { .bytes = 1024, .first = 1, .last = 10, .snaplen = 4096 };
	uint32_t ids[2] = { 0, 1 }, lens[2] = { 40, 40 };
	struct capture_hist h;

	(void)state;
	capture_hist_init(&h, block, 1024, 1);
	assert_int_equal(add(&h, &c, 0, 40), 0);
	assert_int_equal(add(&h, &c, 1, 40), 0);
	/* 2000 bytes: more than the 960 of the ring, even emptied. */
	assert_int_equal(add(&h, &c, 2, 2000), -EINVAL);
	expect(&h, &c, ids, lens, 2);
	assert_int_equal(h.evicted, 0);
}

/*
 * 200000 copies of random sizes into a small history: after each one the copies held are
 * the pinned ones and the newest ones, contiguous, at most `last`, within the ring; and
 * the ring let go no more than it had to (with the youngest copy it let go, and room for
 * a pad, the copies held would not fit).
 */
static void
test_capture_hist_random_run_keeps_a_suffix(void **state)
{
	struct capture_hist_conf c = { .bytes = 8192, .first = 2, .last = 40, .snaplen = 900 };
	static uint32_t lens[200000];
	struct capture_hist_iter it;
	const struct capture_hist_rec *r;
	struct capture_hist h;
	uint32_t i, k, n, first_ring, evicted = 0, max_rec = capture_hist_rec_size(900);

	(void)state;
	srand(11);
	capture_hist_init(&h, block, 8192, 1);
	for (i = 0; i < 200000; i++) {
		lens[i] = 1 + (uint32_t)rand() % 1500;
		assert_int_equal(add(&h, &c, i, lens[i]), 0);
		assert_true(h.n_last <= c.last);
		assert_true(h.used <= h.cap - h.base);
		/* The pinned copies are packets 0 and 1; the ring ends with packet i. */
		n = capture_hist_count(&h);
		first_ring = i + 1 - h.n_last;
		capture_hist_iter_init(&h, &it);
		k = 0;
		while ((r = capture_hist_next(&h, &it)) != NULL) {
			uint32_t id = k < h.n_first ? k : first_ring + (k - h.n_first);

			assert_int_equal(r->ts_us, 1000 + id);
			assert_int_equal(r->origlen, lens[id]);
			k++;
		}
		assert_int_equal(k, n);
		if (h.evicted != evicted && h.n_last < c.last && first_ring > h.n_first) {
			uint32_t held = 0, j;

			for (j = first_ring; j <= i; j++)
				held += capture_hist_rec_size(lens[j] < 900 ? lens[j] : 900);
			j = first_ring - 1;
			assert_true(held + capture_hist_rec_size(lens[j] < 900 ? lens[j] : 900) +
				    2 * max_rec > h.cap - h.base);
		}
		evicted = h.evicted;
	}
	assert_int_equal(h.n_first, 2);
}

static void
test_capture_hist_pool_stays_within_its_memory(void **state)
{
	struct capture_hist_conf c = { .bytes = 4096, .first = 4, .last = 64, .snaplen = 1000 };
	const uint64_t memsize = 100000;
	struct capture_hist_slot *s[64], *again;
	struct capture_hist_pool *p;
	uint8_t *mem = NULL;
	uint32_t i, j;
	int owner;

	(void)state;
	assert_int_equal(posix_memalign((void **)&mem, 64, memsize), 0);
	assert_null(capture_hist_pool_init(NULL, memsize, &c));
	assert_null(capture_hist_pool_init(mem, 100, &c));
	c.last = 0;
	assert_null(capture_hist_pool_init(mem, memsize, &c));
	c.last = 64;
	p = capture_hist_pool_init(mem, memsize, &c);
	assert_non_null(p);
	/* Slots of 4096 bytes and a header: 23 fit in 100000 bytes with the pool's own. */
	assert_int_equal(p->n, 23);
	for (i = 0; i < p->n; i++) {
		s[i] = capture_hist_take(p, &owner);
		assert_non_null(s[i]);
		assert_ptr_equal(s[i]->owner, &owner);
		assert_true((uint8_t *)s[i] >= mem);
		assert_true(s[i]->h.data + s[i]->h.cap <= mem + memsize);
		for (j = 0; j < i; j++)
			assert_true(s[j]->h.data + s[j]->h.cap <= (uint8_t *)s[i] ||
				    s[i]->h.data + s[i]->h.cap <= (uint8_t *)s[j]);
		/* A whole history's worth of copies stays inside its slot. */
		for (j = 0; j < 40; j++)
			assert_int_equal(add(&s[i]->h, &c, j, 900), 0);
	}
	assert_null(capture_hist_take(p, &owner));
	assert_int_equal(p->nfree, 0);
	capture_hist_put(p, s[5]);
	again = capture_hist_take(p, &owner);
	assert_ptr_equal(again, s[5]);
	assert_int_equal(capture_hist_count(&again->h), 0);
	assert_int_equal(again->h.pinning, 1);
	free(mem);
}

static void
test_capture_hist_pool_active_list_in_order(void **state)
{
	struct capture_hist_conf c = { .bytes = 1024, .first = 0, .last = 8, .snaplen = 100 };
	struct capture_hist_slot *s[4], *a;
	struct capture_hist_pool *p;
	uint8_t *mem = NULL;
	uint32_t i, n;

	(void)state;
	assert_int_equal(posix_memalign((void **)&mem, 64, 65536), 0);
	p = capture_hist_pool_init(mem, 65536, &c);
	assert_non_null(p);
	for (i = 0; i < 4; i++) {
		s[i] = capture_hist_take(p, NULL);
		capture_hist_activate(p, s[i]);
		capture_hist_activate(p, s[i]);		/* idempotent */
	}
	capture_hist_deactivate(p, s[2]);
	capture_hist_deactivate(p, s[2]);
	/* Newest first: 3, 1, 0. */
	a = capture_hist_first_active(p);
	assert_ptr_equal(a, s[3]);
	a = capture_hist_next_active(p, a);
	assert_ptr_equal(a, s[1]);
	a = capture_hist_next_active(p, a);
	assert_ptr_equal(a, s[0]);
	assert_null(capture_hist_next_active(p, a));
	/* Given back while active: it leaves the list. */
	capture_hist_put(p, s[3]);
	for (n = 0, a = capture_hist_first_active(p); a != NULL; a = capture_hist_next_active(p, a))
		n++;
	assert_int_equal(n, 2);
	assert_ptr_equal(capture_hist_first_active(p), s[1]);
	free(mem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_hist_ring_keeps_the_newest_copies_that_fit),
		cmocka_unit_test(test_capture_hist_copy_at_the_end_wraps_behind_a_pad),
		cmocka_unit_test(test_capture_hist_first_copies_are_pinned_and_last_caps_the_ring),
		cmocka_unit_test(test_capture_hist_pinned_copies_take_at_most_half),
		cmocka_unit_test(test_capture_hist_cuts_at_snaplen_and_keeps_wire_length),
		cmocka_unit_test(test_capture_hist_refuses_a_copy_larger_than_the_ring),
		cmocka_unit_test(test_capture_hist_random_run_keeps_a_suffix),
		cmocka_unit_test(test_capture_hist_pool_stays_within_its_memory),
		cmocka_unit_test(test_capture_hist_pool_active_list_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
