/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fragment table (dataplane/defrag_table.c), pure: fragments are numbered tokens, and
 * a recorder logs every one the table hands back with its reason. Checks, each with exact
 * values: completion in every order, duplicates, the overlap policy, max_frags, ends that
 * disagree, timeouts, the table cap, the memcap, flush, and the counter invariant
 * (fragments = held + every reason) after each of 10^5 never-completed chains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "defrag_table.h"

#define MAX_LOG 2000000

/* What the table handed back, in order. */
struct rec {
	uint32_t n;
	uint32_t obj[MAX_LOG];
	uint8_t why[MAX_LOG];
	uint32_t nfail;
	struct {
		struct defrag_key k;
		uint8_t proto;
		uint8_t why;
		uint32_t frags;
	} fail[64];
};

static struct rec *rec;

static void
rec_release(void *cookie, void *obj, enum defrag_reason why)
{
	(void)cookie;
	assert_true(rec->n < MAX_LOG);
	rec->obj[rec->n] = (uint32_t)(uintptr_t)obj;
	rec->why[rec->n] = (uint8_t)why;
	rec->n++;
}

static void
rec_failed(void *cookie, const struct defrag_key *k, uint8_t proto, enum defrag_reason why,
	   uint32_t frags)
{
	(void)cookie;
	if (rec->nfail < 64) {
		rec->fail[rec->nfail].k = *k;
		rec->fail[rec->nfail].proto = proto;
		rec->fail[rec->nfail].why = (uint8_t)why;
		rec->fail[rec->nfail].frags = frags;
	}
	rec->nfail++;
}

struct tbl {
	struct defrag_table *t;
	void *mem;
};

static struct tbl
make(uint32_t max_dgrams, uint32_t max_frags, uint64_t memcap, uint64_t timeout_us,
     uint64_t seed)
{
	struct defrag_table_conf c = { .max_dgrams = max_dgrams, .max_frags = max_frags,
				       .memcap = memcap, .timeout_us = timeout_us, .seed = seed };
	struct defrag_table_ops ops = { .release = rec_release, .failed = rec_failed };
	struct tbl t;
	size_t sz = defrag_table_memsize(&c);

	assert_true(sz > 0);
	assert_int_equal(posix_memalign(&t.mem, 64, sz), 0);
	t.t = defrag_table_init(t.mem, &c, &ops);
	assert_non_null(t.t);
	memset(rec, 0, offsetof(struct rec, obj));
	rec->n = 0;
	rec->nfail = 0;
	return t;
}

static void
drop(struct tbl *t)
{
	free(t->mem);
}

static struct defrag_key
key4(uint32_t id)
{
	struct defrag_key k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = 17;
	k.src[0] = 10;
	k.src[3] = 1;
	k.dst[0] = 10;
	k.dst[3] = 2;
	k.id = id;
	return k;
}

/* Offer fragment token obj of [off, off + len) with MF more, cost 2304. */
static enum defrag_add
add(struct tbl *t, const struct defrag_key *k, uint32_t obj, uint32_t off, uint32_t len,
    int more, uint64_t now)
{
	struct defrag_frag f = { .off = off, .len = len, .more = (uint8_t)more, .cost = 2304,
				 .aux = obj * 7, .obj = (void *)(uintptr_t)obj, .proto = 17 };

	return defrag_table_add(t->t, k, &f, now);
}

static uint64_t
out_sum(const struct defrag_table_stats *s)
{
	uint64_t n = 0;
	unsigned int r;

	for (r = 0; r < DEFRAG_REASON__COUNT; r++)
		n += s->out[r];
	return n;
}

static void
assert_invariant(const struct tbl *t)
{
	const struct defrag_table_stats *s = defrag_table_stats(t->t);

	assert_int_equal(s->frags, s->held + out_sum(s));
	assert_int_equal(rec->n, out_sum(s));
}

/* The log from position from on: every entry has reason why, tokens as listed. */
static void
assert_log(uint32_t from, const uint32_t *objs, uint32_t n, enum defrag_reason why)
{
	uint32_t i;

	assert_int_equal(rec->n - from, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(rec->obj[from + i], objs[i]);
		assert_int_equal(rec->why[from + i], why);
	}
}

/* A 3000-byte datagram in n fragments of 8 * k bytes (the last takes the rest). */
static uint32_t
cut(uint32_t n, uint32_t total, uint32_t *off, uint32_t *len)
{
	uint32_t step = (total / n) & ~7u, i;

	for (i = 0; i < n; i++) {
		off[i] = i * step;
		len[i] = i + 1 < n ? step : total - off[i];
	}
	return n;
}

static void
run_order(const uint32_t *order, uint32_t n)
{
	uint32_t off[64], len[64], i, want[64];
	struct defrag_key k = key4(7);
	struct tbl t = make(16, 64, 1 << 20, 1000000, 1);
	const struct defrag_node *nd;

	cut(n, 3000, off, len);
	for (i = 0; i < n; i++) {
		enum defrag_add r = add(&t, &k, order[i] + 1, off[order[i]], len[order[i]],
					order[i] + 1 < n, 100 + i);

		assert_int_equal(r, i + 1 < n ? DEFRAG_ADD_HELD : DEFRAG_ADD_DONE);
		assert_invariant(&t);
	}
	assert_int_equal(defrag_table_done_len(t.t), 3000);
	for (i = 0, nd = defrag_table_done_first(t.t); nd != NULL;
	     nd = defrag_table_done_next(t.t, nd), i++) {
		assert_int_equal(nd->off, off[i]);
		assert_int_equal(nd->len, len[i]);
		assert_int_equal(nd->aux, (i + 1) * 7);
		assert_int_equal((uintptr_t)nd->obj, i + 1);
		assert_int_equal(nd->cost, 2304);
		want[i] = i + 1;
	}
	assert_int_equal(i, n);
	assert_int_equal(rec->n, 0);
	assert_int_equal(defrag_table_stats(t.t)->held, n);
	defrag_table_done_release(t.t, DEFRAG_REASSEMBLED);
	assert_log(0, want, n, DEFRAG_REASSEMBLED);
	assert_int_equal(defrag_table_stats(t.t)->datagrams, 1);
	assert_int_equal(defrag_table_stats(t.t)->held, 0);
	assert_int_equal(defrag_table_stats(t.t)->held_cost, 0);
	assert_int_equal(defrag_table_stats(t.t)->in_table, 0);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_completes_in_every_order_of_three(void **state)
{
	static const uint32_t orders[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < 6; i++)
		run_order(orders[i], 3);
}

static void
test_defrag_table_completes_64_fragments_in_any_order(void **state)
{
	uint32_t order[64], i, j, tmp, r;
	unsigned int trial;

	(void)state;
	srand(5);
	for (trial = 0; trial < 50; trial++) {
		for (i = 0; i < 64; i++)
			order[i] = i;
		if (trial == 1) {		/* reverse */
			for (i = 0; i < 64; i++)
				order[i] = 63 - i;
		} else if (trial > 1) {
			for (i = 63; i > 0; i--) {
				r = (uint32_t)rand();
				j = r % (i + 1);
				tmp = order[i];
				order[i] = order[j];
				order[j] = tmp;
			}
		}
		run_order(order, 64);
	}
}

static void
test_defrag_table_duplicate_is_dropped_alone_and_first_copy_kept(void **state)
{
	struct defrag_key k = key4(9);
	struct tbl t = make(16, 64, 1 << 20, 1000000, 1);
	static const uint32_t dup[] = { 11, 12, 13 }, done[] = { 1, 2, 3 };

	(void)state;
	assert_int_equal(add(&t, &k, 1, 0, 16, 1, 1), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &k, 2, 16, 16, 1, 2), DEFRAG_ADD_HELD);
	/* the same fragment again; one inside the first; one spanning the first two */
	assert_int_equal(add(&t, &k, 11, 0, 16, 1, 3), DEFRAG_ADD_RELEASED);
	assert_int_equal(add(&t, &k, 12, 8, 8, 1, 4), DEFRAG_ADD_RELEASED);
	assert_int_equal(add(&t, &k, 13, 8, 16, 1, 5), DEFRAG_ADD_RELEASED);
	assert_log(0, dup, 3, DEFRAG_DUPLICATE);
	assert_int_equal(add(&t, &k, 3, 32, 5, 0, 6), DEFRAG_ADD_DONE);
	assert_int_equal((uintptr_t)defrag_table_done_first(t.t)->obj, 1);
	defrag_table_done_release(t.t, DEFRAG_REASSEMBLED);
	assert_log(3, done, 3, DEFRAG_REASSEMBLED);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_DUPLICATE], 3);
	assert_int_equal(rec->nfail, 0);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_last_fragment_duplicate_does_not_complete(void **state)
{
	struct defrag_key k = key4(9);
	struct tbl t = make(16, 64, 1 << 20, 1000, 1);
	static const uint32_t held[] = { 1 };

	(void)state;
	/* Linux: a last fragment whose bytes are held is a duplicate and completes nothing */
	assert_int_equal(add(&t, &k, 1, 0, 32, 1, 1), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &k, 2, 16, 16, 0, 2), DEFRAG_ADD_RELEASED);
	assert_int_equal(rec->why[0], DEFRAG_DUPLICATE);
	defrag_table_expire(t.t, 1001);
	assert_log(1, held, 1, DEFRAG_TIMEOUT);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_partial_overlap_gives_the_datagram_up(void **state)
{
	struct defrag_key k = key4(21);
	struct tbl t = make(16, 64, 1 << 20, 1000, 1);
	static const uint32_t gone[] = { 1, 2, 3 }, later[] = { 4, 5 };
	struct defrag_key k2 = key4(22);

	(void)state;
	assert_int_equal(add(&t, &k, 1, 0, 16, 1, 10), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &k, 2, 32, 16, 1, 11), DEFRAG_ADD_HELD);
	/* [8, 24) overlaps the first in part and covers a hole */
	assert_int_equal(add(&t, &k, 3, 8, 16, 1, 12), DEFRAG_ADD_RELEASED);
	assert_log(0, gone, 3, DEFRAG_OVERLAP);
	assert_int_equal(rec->nfail, 1);
	assert_int_equal(rec->fail[0].why, DEFRAG_OVERLAP);
	assert_int_equal(rec->fail[0].frags, 3);
	assert_int_equal(rec->fail[0].proto, 17);
	assert_memory_equal(&rec->fail[0].k, &k, sizeof(k));
	/* its later fragments leave at once, even ones that would have fit */
	assert_int_equal(add(&t, &k, 4, 16, 16, 1, 13), DEFRAG_ADD_RELEASED);
	assert_int_equal(add(&t, &k, 5, 48, 8, 0, 14), DEFRAG_ADD_RELEASED);
	assert_log(3, later, 2, DEFRAG_OVERLAP);
	assert_int_equal(rec->nfail, 1);
	/* other datagrams are not affected */
	assert_int_equal(add(&t, &k2, 6, 0, 8, 1, 15), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &k2, 7, 8, 8, 0, 16), DEFRAG_ADD_DONE);
	defrag_table_done_release(t.t, DEFRAG_REASSEMBLED);
	/* at its timeout the record is forgotten: the id may start a new datagram */
	assert_int_equal(defrag_table_stats(t.t)->in_table, 1);
	defrag_table_expire(t.t, 1010);
	assert_int_equal(defrag_table_stats(t.t)->in_table, 0);
	assert_int_equal(add(&t, &k, 8, 0, 8, 1, 1011), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &k, 9, 8, 8, 0, 1012), DEFRAG_ADD_DONE);
	defrag_table_done_release(t.t, DEFRAG_REASSEMBLED);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_OVERLAP], 5);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_REASSEMBLED], 4);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_overlap_with_the_last_fragment_gives_up(void **state)
{
	struct defrag_key k = key4(23);
	struct tbl t = make(16, 64, 1 << 20, 1000, 1);

	(void)state;
	assert_int_equal(add(&t, &k, 1, 40, 8, 0, 1), DEFRAG_ADD_HELD);
	/* ends at the datagram's end but starts inside nothing held: [32, 48) */
	assert_int_equal(add(&t, &k, 2, 32, 16, 1, 2), DEFRAG_ADD_RELEASED);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_OVERLAP], 2);
	assert_int_equal(rec->fail[0].why, DEFRAG_OVERLAP);
	drop(&t);
}

static void
test_defrag_table_more_than_max_frags_gives_up_and_reports(void **state)
{
	struct defrag_key k = key4(64), k2 = key4(65);
	struct tbl t = make(16, 64, 1 << 20, 1000, 1);
	uint32_t i, objs[66];

	(void)state;
	/* 64 fragments: reassembled */
	for (i = 0; i < 64; i++)
		assert_int_equal(add(&t, &k, i + 1, i * 8, 8, i < 63, i),
				 i < 63 ? DEFRAG_ADD_HELD : DEFRAG_ADD_DONE);
	defrag_table_done_release(t.t, DEFRAG_REASSEMBLED);
	assert_int_equal(rec->n, 64);
	/* 65 fragments: the 65th gives the datagram up, all 65 leave as too many */
	for (i = 0; i < 64; i++)
		assert_int_equal(add(&t, &k2, 101 + i, i * 8, 8, 1, 100 + i), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &k2, 165, 64 * 8, 8, 0, 200), DEFRAG_ADD_RELEASED);
	for (i = 0; i < 65; i++)
		objs[i] = 101 + i;
	assert_log(64, objs, 65, DEFRAG_TOO_MANY);
	assert_int_equal(rec->nfail, 1);
	assert_int_equal(rec->fail[0].why, DEFRAG_TOO_MANY);
	assert_int_equal(rec->fail[0].frags, 65);
	assert_memory_equal(&rec->fail[0].k, &k2, sizeof(k2));
	/* a 66th (a retransmission of the first) leaves too, counted the same way */
	assert_int_equal(add(&t, &k2, 166, 0, 8, 1, 201), DEFRAG_ADD_RELEASED);
	objs[0] = 166;
	assert_log(129, objs, 1, DEFRAG_TOO_MANY);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_TOO_MANY], 66);
	assert_int_equal(defrag_table_stats(t.t)->held, 0);
	assert_int_equal(rec->nfail, 1);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_duplicates_do_not_count_towards_max_frags(void **state)
{
	struct defrag_key k = key4(3);
	struct tbl t = make(16, 4, 1 << 20, 1000, 1);
	uint32_t i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(add(&t, &k, i + 1, i * 8, 8, 1, i), DEFRAG_ADD_HELD);
	for (i = 0; i < 10; i++)
		assert_int_equal(add(&t, &k, 10 + i, 8, 8, 1, 5), DEFRAG_ADD_RELEASED);
	assert_int_equal(add(&t, &k, 4, 24, 8, 0, 6), DEFRAG_ADD_DONE);
	defrag_table_done_release(t.t, DEFRAG_REASSEMBLED);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_DUPLICATE], 10);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_REASSEMBLED], 4);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_ends_that_disagree_are_invalid(void **state)
{
	struct tbl t = make(16, 64, 1 << 20, 1000, 1);
	struct defrag_key a = key4(1), b = key4(2), c = key4(3);

	(void)state;
	/* two last fragments with different ends */
	assert_int_equal(add(&t, &a, 1, 16, 8, 0, 1), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &a, 2, 32, 8, 0, 2), DEFRAG_ADD_RELEASED);
	/* a fragment past the end the last one set */
	assert_int_equal(add(&t, &b, 3, 16, 8, 0, 3), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &b, 4, 24, 8, 1, 4), DEFRAG_ADD_RELEASED);
	/* a last fragment that ends before data already held */
	assert_int_equal(add(&t, &c, 5, 40, 8, 1, 5), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &c, 6, 8, 8, 0, 6), DEFRAG_ADD_RELEASED);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_INVALID], 6);
	assert_int_equal(rec->nfail, 3);
	assert_int_equal(rec->fail[2].why, DEFRAG_INVALID);
	assert_int_equal(rec->fail[2].frags, 2);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_empty_or_oversized_fragment_is_invalid_alone(void **state)
{
	struct tbl t = make(16, 64, 1 << 20, 1000, 1);
	struct defrag_key k = key4(1);

	(void)state;
	assert_int_equal(add(&t, &k, 1, 0, 8, 1, 1), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &k, 2, 8, 0, 1, 2), DEFRAG_ADD_RELEASED);
	assert_int_equal(add(&t, &k, 3, 65528, 8, 0, 3), DEFRAG_ADD_RELEASED);
	assert_int_equal(add(&t, &k, 4, 65535, 1, 0, 3), DEFRAG_ADD_RELEASED);
	assert_int_equal(add(&t, &k, 5, 8, 8, 0, 4), DEFRAG_ADD_DONE);	/* not disturbed */
	defrag_table_done_release(t.t, DEFRAG_REASSEMBLED);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_INVALID], 3);
	assert_int_equal(defrag_table_stats(t.t)->datagrams, 1);
	assert_int_equal(rec->nfail, 0);
	/* the largest datagram: its data ends at 65535 */
	assert_int_equal(add(&t, &k, 6, 65528, 7, 0, 5), DEFRAG_ADD_HELD);
	defrag_table_refuse(t.t, (void *)(uintptr_t)7, DEFRAG_INVALID);
	assert_int_equal(rec->obj[rec->n - 1], 7);
	assert_int_equal(rec->why[rec->n - 1], DEFRAG_INVALID);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_incomplete_datagram_times_out(void **state)
{
	struct tbl t = make(16, 64, 1 << 20, 10000, 1);	/* 10 ms */
	struct defrag_key k = key4(5);
	static const uint32_t first[] = { 1, 2 }, second[] = { 3 };

	(void)state;
	assert_int_equal(add(&t, &k, 1, 0, 8, 1, 1000), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &k, 2, 16, 8, 0, 9000), DEFRAG_ADD_HELD);
	defrag_table_expire(t.t, 10999);		/* from the first fragment: 11000 */
	assert_int_equal(rec->n, 0);
	defrag_table_expire(t.t, 11000);
	assert_log(0, first, 2, DEFRAG_TIMEOUT);
	/* the missing piece comes late: a new datagram, which never completes either */
	assert_int_equal(add(&t, &k, 3, 8, 8, 1, 11001), DEFRAG_ADD_HELD);
	/* ageing also happens on add, before the fragment is looked at */
	assert_int_equal(add(&t, &k, 4, 0, 8, 1, 21001), DEFRAG_ADD_HELD);
	assert_log(2, second, 1, DEFRAG_TIMEOUT);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_TIMEOUT], 3);
	assert_int_equal(defrag_table_stats(t.t)->held, 1);
	assert_invariant(&t);
	defrag_table_flush(t.t, DEFRAG_SHUTDOWN);
	assert_int_equal(rec->obj[rec->n - 1], 4);
	assert_int_equal(rec->why[rec->n - 1], DEFRAG_SHUTDOWN);
	assert_int_equal(defrag_table_stats(t.t)->held, 0);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_full_table_evicts_the_oldest(void **state)
{
	struct tbl t = make(4, 64, 1 << 20, 1000000, 1);
	struct defrag_key k;
	uint32_t i;
	static const uint32_t oldest[] = { 1, 11 };

	(void)state;
	for (i = 0; i < 4; i++) {
		k = key4(100 + i);
		assert_int_equal(add(&t, &k, i + 1, 0, 8, 1, i), DEFRAG_ADD_HELD);
	}
	k = key4(100);
	assert_int_equal(add(&t, &k, 11, 8, 8, 1, 5), DEFRAG_ADD_HELD);
	k = key4(104);
	assert_int_equal(add(&t, &k, 5, 0, 8, 1, 6), DEFRAG_ADD_HELD);
	assert_log(0, oldest, 2, DEFRAG_TABLE_FULL);
	/* a given-up record is forgotten before a live datagram is evicted */
	k = key4(101);
	assert_int_equal(add(&t, &k, 6, 4, 8, 1, 7), DEFRAG_ADD_RELEASED);	/* overlap */
	k = key4(105);
	assert_int_equal(add(&t, &k, 7, 0, 8, 1, 8), DEFRAG_ADD_HELD);
	assert_int_equal(defrag_table_stats(t.t)->out[DEFRAG_TABLE_FULL], 2);
	k = key4(106);
	assert_int_equal(add(&t, &k, 8, 0, 8, 1, 9), DEFRAG_ADD_HELD);
	assert_int_equal(rec->obj[rec->n - 1], 3);	/* datagram 102, now the oldest */
	assert_int_equal(rec->why[rec->n - 1], DEFRAG_TABLE_FULL);
	assert_int_equal(defrag_table_stats(t.t)->in_table, 4);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_memcap_evicts_the_oldest_other_datagram(void **state)
{
	/* room for 4 fragments of 2304 (9216 of 10000) */
	struct tbl t = make(16, 8, 10000, 1000000, 1);
	struct defrag_key a = key4(1), b = key4(2);
	static const uint32_t first[] = { 1, 2 }, own[] = { 3, 4, 5, 6, 7 };
	uint32_t i;

	(void)state;
	assert_int_equal(add(&t, &a, 1, 0, 8, 1, 1), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &a, 2, 8, 8, 1, 2), DEFRAG_ADD_HELD);
	for (i = 0; i < 2; i++)
		assert_int_equal(add(&t, &b, 3 + i, i * 8, 8, 1, 3 + i), DEFRAG_ADD_HELD);
	assert_int_equal(defrag_table_stats(t.t)->held_cost, 4 * 2304);
	assert_int_equal(add(&t, &b, 5, 16, 8, 1, 5), DEFRAG_ADD_HELD);
	assert_log(0, first, 2, DEFRAG_MEMCAP);
	assert_int_equal(add(&t, &b, 6, 24, 8, 1, 6), DEFRAG_ADD_HELD);
	/* the fifth of b has nobody else to push out: b itself is given up */
	assert_int_equal(add(&t, &b, 7, 32, 8, 1, 7), DEFRAG_ADD_RELEASED);
	assert_log(2, own, 5, DEFRAG_MEMCAP);
	assert_int_equal(rec->nfail, 0);		/* a cap, not the sender's fault */
	assert_int_equal(defrag_table_stats(t.t)->held_cost, 0);
	assert_int_equal(defrag_table_stats(t.t)->in_table, 0);
	/* the cost of a small fragment is at least DEFRAG_TABLE_MIN_COST */
	{
		struct defrag_frag f = { .off = 0, .len = 8, .more = 1, .cost = 10,
					 .obj = (void *)(uintptr_t)9 };

		assert_int_equal(defrag_table_add(t.t, &a, &f, 8), DEFRAG_ADD_HELD);
		assert_int_equal(defrag_table_stats(t.t)->held_cost, DEFRAG_TABLE_MIN_COST);
	}
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_unreleased_datagram_is_released_next_call(void **state)
{
	struct tbl t = make(16, 8, 1 << 20, 1000, 1);
	struct defrag_key a = key4(1);
	static const uint32_t done[] = { 1, 2 };

	(void)state;
	assert_int_equal(add(&t, &a, 1, 0, 8, 1, 1), DEFRAG_ADD_HELD);
	assert_int_equal(add(&t, &a, 2, 8, 8, 0, 2), DEFRAG_ADD_DONE);
	assert_int_equal(add(&t, &a, 3, 0, 8, 1, 3), DEFRAG_ADD_HELD);
	assert_log(0, done, 2, DEFRAG_REASSEMBLED);
	assert_int_equal(defrag_table_stats(t.t)->datagrams, 1);
	/* a datagram the caller could not rebuild: invalid, reported */
	assert_int_equal(add(&t, &a, 4, 8, 8, 0, 4), DEFRAG_ADD_DONE);
	defrag_table_done_release(t.t, DEFRAG_INVALID);
	assert_int_equal(rec->why[rec->n - 1], DEFRAG_INVALID);
	assert_int_equal(rec->nfail, 1);
	assert_int_equal(rec->fail[0].frags, 2);
	assert_int_equal(defrag_table_stats(t.t)->datagrams, 1);
	assert_null(defrag_table_done_first(t.t));
	assert_int_equal(defrag_table_done_len(t.t), 0);
	assert_invariant(&t);
	drop(&t);
}

static void
test_defrag_table_rejects_bad_limits(void **state)
{
	struct defrag_table_conf c = { .max_dgrams = 16, .max_frags = 64, .memcap = 1 << 20,
				       .timeout_us = 1000 };
	struct defrag_table_ops ops = { .release = rec_release };
	uint8_t mem[64] __attribute__((aligned(64)));

	(void)state;
	assert_true(defrag_table_memsize(&c) > 0);
	c.max_frags = 1;
	assert_int_equal(defrag_table_memsize(&c), 0);
	c.max_frags = 8193;
	assert_int_equal(defrag_table_memsize(&c), 0);
	c.max_frags = 64;
	c.max_dgrams = 0;
	assert_int_equal(defrag_table_memsize(&c), 0);
	c.max_dgrams = 16;
	c.timeout_us = 0;
	assert_int_equal(defrag_table_memsize(&c), 0);
	c.timeout_us = 1000;
	c.memcap = DEFRAG_TABLE_MIN_COST - 1;
	assert_int_equal(defrag_table_memsize(&c), 0);
	assert_null(defrag_table_init(mem, &c, &ops));
	assert_int_equal(defrag_table_memsize(NULL), 0);
}

/*
 * 10^5 datagrams that never complete (the last fragment, or one in the middle, never
 * comes): first slowly, with duplicates, overlaps, too many fragments and bad ones, so
 * datagrams time out; then as a flood, so the table cap and then the memcap evict. After
 * every fragment, fragments = held + the sum of every reason, and at the end every token
 * came back exactly once.
 */
static void
test_defrag_table_flood_of_unfinished_chains_counts_each_fragment(void **state)
{
	struct tbl t = make(64, 16, 700 * 2304, 2000, 0x1234);
	uint8_t *seen;
	uint32_t obj = 0, i, d;
	uint64_t now = 1;
	const struct defrag_table_stats *s;

	(void)state;
	srand(77);
	for (d = 0; d < 100000; d++) {
		struct defrag_key k = key4(d & 0xffff);
		uint32_t n, kind;

		if (d < 40000) {		/* slow, every kind of trouble */
			n = 1 + (uint32_t)rand() % 24;
			kind = (uint32_t)rand() % 8;
		} else if (d < 70000) {		/* fast, fits max_frags: the table fills */
			static const uint32_t ok[] = { 0, 3, 4 };

			n = 1 + (uint32_t)rand() % 16;
			kind = ok[(uint32_t)rand() % 3];
		} else {			/* fast, 16 each: the memcap fills */
			n = 16;
			kind = 0;
		}
		k.src[1] = (uint8_t)(d >> 16);
		for (i = 0; i < n; i++) {
			uint32_t off = i * 8, len = 8;
			int more = 1;

			if (kind == 1 && i == n / 2)
				off += 4;			/* overlaps the next one */
			if (kind == 2 && i == 1)
				len = 0;			/* invalid */
			if (kind == 3 && i + 1 == n && n > 2) {
				more = 0;			/* last, a hole before it */
				off += 8;
			}
			add(&t, &k, ++obj, off, len, more, now);
			if (kind == 4)
				add(&t, &k, ++obj, off, len, more, now);	/* duplicate */
			assert_invariant(&t);
		}
		now += d < 40000 ? 100 + (uint64_t)(rand() % 100) : 1;
	}
	s = defrag_table_stats(t.t);
	assert_int_equal(s->frags, obj);
	assert_true(s->out[DEFRAG_TIMEOUT] > 0);
	assert_true(s->out[DEFRAG_TABLE_FULL] > 0);
	assert_true(s->out[DEFRAG_MEMCAP] > 0);
	assert_true(s->out[DEFRAG_TOO_MANY] > 0);
	assert_true(s->out[DEFRAG_OVERLAP] > 0);
	assert_true(s->out[DEFRAG_INVALID] > 0);
	assert_true(s->out[DEFRAG_DUPLICATE] > 0);
	assert_int_equal(s->out[DEFRAG_REASSEMBLED], 0);
	assert_int_equal(s->out[DEFRAG_SHUTDOWN], 0);
	assert_true(s->held > 0);
	defrag_table_flush(t.t, DEFRAG_SHUTDOWN);
	assert_true(s->out[DEFRAG_SHUTDOWN] > 0);
	assert_int_equal(s->held, 0);
	assert_int_equal(s->held_cost, 0);
	assert_int_equal(s->in_table, 0);
	assert_int_equal(s->frags, out_sum(s));
	assert_int_equal(rec->n, obj);
	seen = calloc(obj + 1, 1);
	assert_non_null(seen);
	for (i = 0; i < rec->n; i++) {
		assert_true(rec->obj[i] >= 1 && rec->obj[i] <= obj);
		assert_int_equal(seen[rec->obj[i]], 0);
		seen[rec->obj[i]] = 1;
	}
	free(seen);
	drop(&t);
}

/* The hash seed changes where records sit, never what becomes of a fragment. */
static void
test_defrag_table_outcome_does_not_depend_on_the_seed(void **state)
{
	static uint32_t obj_a[4096];
	static uint8_t why_a[4096];
	uint32_t n_a = 0, pass, d, i;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		struct tbl t = make(32, 8, 64 * 2304, 5000, pass == 0 ? 1 : 0xdeadbeefcafe);

		srand(3);
		for (d = 0; d < 400; d++) {
			struct defrag_key k = key4((uint32_t)rand() % 64);
			uint32_t off = ((uint32_t)rand() % 12) * 8;

			add(&t, &k, d + 1, off, 8 + ((uint32_t)rand() % 2) * 8,
			    (uint32_t)rand() % 6 != 0, d * 50);
			defrag_table_done_release(t.t, DEFRAG_REASSEMBLED);
		}
		defrag_table_flush(t.t, DEFRAG_SHUTDOWN);
		if (pass == 0) {
			n_a = rec->n;
			memcpy(obj_a, rec->obj, n_a * sizeof(obj_a[0]));
			memcpy(why_a, rec->why, n_a);
		} else {
			assert_int_equal(rec->n, n_a);
			for (i = 0; i < n_a; i++) {
				assert_int_equal(rec->obj[i], obj_a[i]);
				assert_int_equal(rec->why[i], why_a[i]);
			}
		}
		drop(&t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defrag_table_completes_in_every_order_of_three),
		cmocka_unit_test(test_defrag_table_completes_64_fragments_in_any_order),
		cmocka_unit_test(test_defrag_table_duplicate_is_dropped_alone_and_first_copy_kept),
		cmocka_unit_test(test_defrag_table_last_fragment_duplicate_does_not_complete),
		cmocka_unit_test(test_defrag_table_partial_overlap_gives_the_datagram_up),
		cmocka_unit_test(test_defrag_table_overlap_with_the_last_fragment_gives_up),
		cmocka_unit_test(test_defrag_table_more_than_max_frags_gives_up_and_reports),
		cmocka_unit_test(test_defrag_table_duplicates_do_not_count_towards_max_frags),
		cmocka_unit_test(test_defrag_table_ends_that_disagree_are_invalid),
		cmocka_unit_test(test_defrag_table_empty_or_oversized_fragment_is_invalid_alone),
		cmocka_unit_test(test_defrag_table_incomplete_datagram_times_out),
		cmocka_unit_test(test_defrag_table_full_table_evicts_the_oldest),
		cmocka_unit_test(test_defrag_table_memcap_evicts_the_oldest_other_datagram),
		cmocka_unit_test(test_defrag_table_unreleased_datagram_is_released_next_call),
		cmocka_unit_test(test_defrag_table_rejects_bad_limits),
		cmocka_unit_test(test_defrag_table_flood_of_unfinished_chains_counts_each_fragment),
		cmocka_unit_test(test_defrag_table_outcome_does_not_depend_on_the_seed),
	};
	int rc;

	rec = calloc(1, sizeof(*rec));
	if (rec == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(rec);
	return rc;
}
