/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Defrag unit tests (dataplane/defrag.c) under an EAL started with --no-huge: hand-built
 * IPv4 and IPv6 fragments in real mbufs, in every order, single- and multi-segment. Checks
 * the reassembled frame byte for byte, that every mbuf comes back through the out
 * callback exactly once with its reason (and only after defrag_done for a datagram), the
 * defrag_* counters (fragments = held + every reason), the cost charged per mbuf, and that
 * the pool is whole again after each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include "defrag.h"
#include "pkt_parse.h"

static struct rte_mempool *pool;

#define PAYLOAD 3000
#define BIG 65000

static uint8_t payload[BIG];
static uint8_t frame[65536 + 256];

/* What came back through the out callback, in order. */
static struct {
	unsigned int n;
	struct rte_mbuf *m[4096];
	uint8_t why[4096];
	unsigned int nfail;
	uint8_t fail_why;
	uint32_t fail_frags;
	struct defrag_key fail_key;
} got;

static void
out_cb(void *cookie, struct rte_mbuf *m, enum defrag_reason why)
{
	assert_ptr_equal(cookie, &got);
	assert_true(got.n < RTE_DIM(got.m));
	got.m[got.n] = m;
	got.why[got.n] = (uint8_t)why;
	got.n++;
	rte_pktmbuf_free(m);
}

static void
failed_cb(void *cookie, const struct defrag_key *k, uint8_t proto, enum defrag_reason why,
	  uint32_t frags)
{
	assert_ptr_equal(cookie, &got);
	assert_int_equal(proto, 17);
	got.nfail++;
	got.fail_why = (uint8_t)why;
	got.fail_frags = frags;
	got.fail_key = *k;
}

/* The UDP datagram 12345 -> 53 of dlen payload bytes, as the fragments carry it. */
static void
udp_datagram(uint8_t *dgram, uint32_t dlen)
{
	dgram[0] = 0x30; dgram[1] = 0x39; dgram[2] = 0x00; dgram[3] = 0x35;
	dgram[4] = (uint8_t)((8 + dlen) >> 8); dgram[5] = (uint8_t)(8 + dlen);
	dgram[6] = dgram[7] = 0;
	memcpy(dgram + 8, payload, dlen);
}

/*
 * An Ethernet + IPv4 fragment [off, off + len) of the UDP datagram of dlen payload bytes;
 * split: the data goes in a second segment from that many data bytes on (0: one segment).
 */
static struct rte_mbuf *
v4_fragment(uint16_t id, uint32_t off, uint32_t len, int more, uint32_t dlen, uint32_t split)
{
	static uint8_t dgram[8 + BIG + 2048];
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t first = split != 0 ? split : len;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + first);
	uint16_t fo = (uint16_t)((off / 8) | (more ? 0x2000 : 0));

	assert_non_null(p);
	udp_datagram(dgram, dlen);
	memset(p, 0, 14 + 20);
	p[12] = 0x08;
	p[14] = 0x45;
	p[16] = (uint8_t)((20 + len) >> 8);
	p[17] = (uint8_t)(20 + len);
	p[18] = id >> 8;
	p[19] = id & 0xff;
	p[20] = fo >> 8;
	p[21] = fo & 0xff;
	p[22] = 64;
	p[23] = 17;
	p[26] = 10; p[29] = 1;
	p[30] = 10; p[33] = 2;
	memcpy(p + 34, dgram + off, first);
	if (split != 0) {
		struct rte_mbuf *t = rte_pktmbuf_alloc(pool);
		uint8_t *q = (uint8_t *)rte_pktmbuf_append(t, len - split);

		assert_non_null(q);
		memcpy(q, dgram + off + split, len - split);
		assert_int_equal(rte_pktmbuf_chain(m, t), 0);
	}
	return m;
}

/* An Ethernet + IPv6 + fragment header fragment of the same UDP datagram. */
static struct rte_mbuf *
v6_fragment(uint32_t id, uint32_t off, uint32_t len, int more, uint32_t dlen)
{
	static uint8_t dgram[8 + BIG + 2048];
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 14 + 40 + 8 + len);
	uint16_t fo = (uint16_t)(off | (more ? 1 : 0));

	assert_non_null(p);
	udp_datagram(dgram, dlen);
	memset(p, 0, 14 + 40 + 8);
	p[12] = 0x86;
	p[13] = 0xdd;
	p[14] = 0x60;
	p[18] = (uint8_t)((8 + len) >> 8);
	p[19] = (uint8_t)(8 + len);
	p[20] = 44;
	p[21] = 64;
	p[22] = 0xfd; p[37] = 1;
	p[38] = 0xfd; p[53] = 2;
	p[54] = 17;
	p[56] = fo >> 8;
	p[57] = fo & 0xff;
	p[58] = id >> 24; p[59] = id >> 16; p[60] = id >> 8; p[61] = id & 0xff;
	memcpy(p + 62, dgram + off, len);
	return m;
}

static struct defrag *
make_defrag(uint32_t max_flows, uint32_t max_frags, uint32_t timeout_ms)
{
	struct config_defrag c = { .max_flows = max_flows, .max_frags = max_frags,
				   .memcap = 16 << 20, .timeout_ms = timeout_ms };
	struct defrag *d = defrag_create(&c, 0, "test_defrag", out_cb, failed_cb, &got);

	assert_non_null(d);
	memset(&got, 0, sizeof(got));
	return d;
}

/* Offer m; returns the reassembled frame's length (in frame[]) or 0. */
static uint32_t
offer(struct defrag *d, struct rte_mbuf *m, uint64_t now, struct counters *ctr)
{
	static uint8_t lin[65536 + 256];
	struct pkt_meta meta;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *p = rte_pktmbuf_read(m, 0, len, lin);

	assert_int_equal(pkt_parse(p, len, &meta), PKT_OK);
	assert_int_equal(meta.is_fragment, 1);
	return defrag_packet(d, m, &meta, now, frame, sizeof(frame), ctr);
}

static uint64_t
frags_out(const struct counters *c)
{
	uint64_t n = 0;
	unsigned int k;

	for (k = CTR_defrag_frags_reassembled; k <= CTR_defrag_frags_shutdown; k++)
		n += c->c[k];
	return n;
}

/* fragments = held + every defrag_frags_* counter, and as many came back. */
static void
check_counters(const struct counters *c)
{
	assert_int_equal(c->c[CTR_defrag_fragments], c->c[CTR_defrag_held] + frags_out(c));
	assert_int_equal(got.n, frags_out(c));
}

static void
check_udp_datagram(uint32_t len, uint32_t dlen, int v6)
{
	struct pkt_meta meta;

	assert_int_equal(len, 14 + (v6 ? 40 : 20) + 8 + dlen);
	assert_int_equal(pkt_parse(frame, len, &meta), PKT_OK);
	assert_int_equal(meta.is_fragment, 0);
	assert_int_equal(meta.l3, v6 ? PKT_L3_IPV6 : PKT_L3_IPV4);
	assert_int_equal(meta.l4_proto, 17);
	assert_int_equal(meta.sport, 12345);
	assert_int_equal(meta.dport, 53);
	assert_int_equal(meta.payload_len, dlen);
	assert_memory_equal(frame + meta.payload_off, payload, dlen);
}

static void
check_pool_whole(void)
{
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

static void
run_v4_order(const int order[3], uint32_t split)
{
	static const uint32_t off[3] = { 0, 1480, 2960 }, len[3] = { 1480, 1480, 48 };
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 64, 1000);
	struct rte_mbuf *m[3];
	uint32_t n = 0, cost = 0;
	int i;

	for (i = 0; i < 3; i++) {
		int k = order[i];

		m[k] = v4_fragment(7, off[k], len[k], k != 2, PAYLOAD, k == 2 ? 0 : split);
		cost += (split != 0 && k != 2 ? 2 : 1) * (sizeof(struct rte_mbuf) + m[k]->buf_len);
		n = offer(d, m[k], 1000 + i, &ctr);
		if (i < 2)
			assert_int_equal(n, 0);
	}
	check_udp_datagram(n, PAYLOAD, 0);
	/* held until the datagram was dealt with */
	assert_int_equal(got.n, 0);
	assert_int_equal(ctr.c[CTR_defrag_held], 3);
	assert_int_equal(ctr.c[CTR_defrag_held_bytes], cost);
	defrag_done(d, &ctr);
	assert_int_equal(got.n, 3);
	for (i = 0; i < 3; i++) {
		assert_ptr_equal(got.m[i], m[i]);		/* in offset order */
		assert_int_equal(got.why[i], DEFRAG_REASSEMBLED);
	}
	assert_int_equal(ctr.c[CTR_defrag_fragments], 3);
	assert_int_equal(ctr.c[CTR_defrag_reassembled], 1);
	assert_int_equal(ctr.c[CTR_defrag_frags_reassembled], 3);
	assert_int_equal(ctr.c[CTR_defrag_held], 0);
	assert_int_equal(ctr.c[CTR_defrag_held_bytes], 0);
	check_counters(&ctr);
	defrag_free(d);
	check_pool_whole();
}

static void
test_defrag_ipv4_in_order_reassembles_datagram(void **state)
{
	static const int order[3] = { 0, 1, 2 };

	(void)state;
	run_v4_order(order, 0);
}

static void
test_defrag_ipv4_any_order_reassembles_datagram(void **state)
{
	static const int orders[5][3] = {
		{ 2, 1, 0 }, { 1, 0, 2 }, { 2, 0, 1 }, { 0, 2, 1 }, { 1, 2, 0 },
	};
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		run_v4_order(orders[i], 0);
}

static void
test_defrag_multisegment_fragments_are_reassembled(void **state)
{
	static const int orders[2][3] = { { 0, 1, 2 }, { 2, 1, 0 } };

	(void)state;
	run_v4_order(orders[0], 100);
	run_v4_order(orders[1], 1);
	run_v4_order(orders[0], 1479);
}

static void
test_defrag_ipv6_reassembles_datagram(void **state)
{
	static const uint32_t off[3] = { 0, 1232, 2464 }, len[3] = { 1232, 1232, 544 };
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 64, 1000);
	uint32_t n;

	(void)state;
	assert_int_equal(offer(d, v6_fragment(99, off[2], len[2], 0, PAYLOAD), 1, &ctr), 0);
	assert_int_equal(offer(d, v6_fragment(99, off[0], len[0], 1, PAYLOAD), 2, &ctr), 0);
	n = offer(d, v6_fragment(99, off[1], len[1], 1, PAYLOAD), 3, &ctr);
	check_udp_datagram(n, PAYLOAD, 1);
	defrag_done(d, &ctr);
	assert_int_equal(ctr.c[CTR_defrag_reassembled], 1);
	assert_int_equal(ctr.c[CTR_defrag_frags_reassembled], 3);
	check_counters(&ctr);
	defrag_free(d);
	check_pool_whole();
}

/* A datagram of dlen payload bytes in n fragments of the same size (the last: the rest). */
static uint32_t
offer_v4_in(struct defrag *d, uint16_t id, uint32_t n, uint32_t dlen, struct counters *ctr)
{
	uint32_t step = ((8 + dlen) / n) & ~7u, i, r = 0;

	for (i = 0; i < n; i++) {
		uint32_t off = i * step, len = i + 1 < n ? step : 8 + dlen - off;

		r = offer(d, v4_fragment(id, off, len, i + 1 < n, dlen, 0), 10 + i, ctr);
		if (i + 1 < n)
			assert_int_equal(r, 0);
	}
	return r;
}

static void
test_defrag_nine_to_64_fragments_reassemble(void **state)
{
	static const uint32_t counts[] = { 9, 20, 64 };
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 64, 1000);
	unsigned int i;
	uint64_t frags = 0;

	(void)state;
	for (i = 0; i < RTE_DIM(counts); i++) {
		uint32_t n = offer_v4_in(d, (uint16_t)(200 + i), counts[i], PAYLOAD, &ctr);

		check_udp_datagram(n, PAYLOAD, 0);
		defrag_done(d, &ctr);
		frags += counts[i];
		assert_int_equal(ctr.c[CTR_defrag_reassembled], i + 1);
		assert_int_equal(ctr.c[CTR_defrag_frags_reassembled], frags);
	}
	/* the largest datagram: 65000 payload bytes in 64 fragments */
	check_udp_datagram(offer_v4_in(d, 300, 64, BIG - 1000, &ctr), BIG - 1000, 0);
	defrag_done(d, &ctr);
	check_counters(&ctr);
	assert_int_equal(got.nfail, 0);
	defrag_free(d);
	check_pool_whole();
}

static void
test_defrag_more_than_max_frags_is_given_up_reported_and_counted(void **state)
{
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 64, 1000);
	unsigned int i;

	(void)state;
	assert_int_equal(offer_v4_in(d, 77, 65, PAYLOAD, &ctr), 0);
	assert_int_equal(ctr.c[CTR_defrag_frags_too_many], 65);
	assert_int_equal(ctr.c[CTR_defrag_reassembled], 0);
	assert_int_equal(ctr.c[CTR_defrag_held], 0);
	assert_int_equal(got.n, 65);
	for (i = 0; i < 65; i++)
		assert_int_equal(got.why[i], DEFRAG_TOO_MANY);
	assert_int_equal(got.nfail, 1);
	assert_int_equal(got.fail_why, DEFRAG_TOO_MANY);
	assert_int_equal(got.fail_frags, 65);
	assert_int_equal(got.fail_key.id, 77);
	assert_int_equal(got.fail_key.family, 4);
	assert_int_equal(got.fail_key.src[0], 10);
	assert_int_equal(got.fail_key.src[3], 1);
	/* a retransmitted fragment of it leaves at once, for the same reason */
	assert_int_equal(offer(d, v4_fragment(77, 0, 8, 1, PAYLOAD, 0), 100, &ctr), 0);
	assert_int_equal(ctr.c[CTR_defrag_frags_too_many], 66);
	check_counters(&ctr);
	defrag_free(d);
	check_pool_whole();
}

static void
test_defrag_incomplete_datagram_times_out_and_is_counted(void **state)
{
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 64, 10);	/* 10 ms */
	struct rte_mbuf *a = v4_fragment(1, 0, 1480, 1, PAYLOAD, 0);
	struct rte_mbuf *b = v4_fragment(1, 1480, 1480, 1, PAYLOAD, 0);

	(void)state;
	assert_int_equal(offer(d, b, 1000, &ctr), 0);
	assert_int_equal(offer(d, a, 2000, &ctr), 0);
	defrag_expire(d, 10999, &ctr);		/* just before 10 ms after the first */
	assert_int_equal(got.n, 0);
	assert_int_equal(ctr.c[CTR_defrag_held], 2);
	defrag_expire(d, 11000, &ctr);
	assert_int_equal(ctr.c[CTR_defrag_frags_timeout], 2);
	assert_int_equal(ctr.c[CTR_defrag_reassembled], 0);
	assert_int_equal(got.n, 2);
	assert_ptr_equal(got.m[0], a);
	assert_ptr_equal(got.m[1], b);
	assert_int_equal(got.why[0], DEFRAG_TIMEOUT);
	check_counters(&ctr);
	defrag_free(d);
	check_pool_whole();
}

static void
test_defrag_table_cap_evicts_and_flush_counts_the_rest(void **state)
{
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(4, 64, 1000);
	uint16_t id;

	(void)state;
	for (id = 0; id < 64; id++)
		assert_int_equal(offer(d, v4_fragment(id, 0, 1480, 1, PAYLOAD, 0), 100, &ctr), 0);
	/* 4 datagrams in flight: each new one evicted the oldest */
	assert_int_equal(ctr.c[CTR_defrag_frags_table_full], 60);
	assert_int_equal(ctr.c[CTR_defrag_held], 4);
	check_counters(&ctr);
	defrag_flush(d, &ctr);
	assert_int_equal(ctr.c[CTR_defrag_frags_shutdown], 4);
	assert_int_equal(ctr.c[CTR_defrag_held], 0);
	check_counters(&ctr);
	defrag_free(d);
	check_pool_whole();
}

static void
test_defrag_bad_fragments_are_invalid_and_given_back(void **state)
{
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 64, 1000);

	(void)state;
	/* IPv6, more to come, 13 bytes: not a multiple of 8 */
	assert_int_equal(offer(d, v6_fragment(5, 0, 13, 1, PAYLOAD), 1, &ctr), 0);
	/* IPv4 reaching past 65535 bytes */
	assert_int_equal(offer(d, v4_fragment(6, 65000, 600, 0, BIG - 8, 0), 2, &ctr), 0);
	assert_int_equal(ctr.c[CTR_defrag_frags_invalid], 2);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.why[1], DEFRAG_INVALID);
	assert_int_equal(got.nfail, 0);		/* fragments alone, no datagram given up */
	check_counters(&ctr);
	defrag_free(d);
	check_pool_whole();
}

static void
test_defrag_free_releases_held_fragments(void **state)
{
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 64, 1000);

	(void)state;
	assert_int_equal(offer(d, v4_fragment(1, 0, 1480, 1, PAYLOAD, 0), 1, &ctr), 0);
	assert_int_equal(offer(d, v6_fragment(2, 0, 1232, 1, PAYLOAD), 1, &ctr), 0);
	assert_int_equal(rte_mempool_in_use_count(pool), 2);
	defrag_free(d);
	assert_int_equal(got.n, 0);		/* freed, not handed to the worker */
	check_pool_whole();
	defrag_free(NULL);
}

int
main(void)
{
	char prefix[64];
	char *argv[] = { "test_defrag", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			 "--no-telemetry", "--log-level=warning", prefix, NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defrag_ipv4_in_order_reassembles_datagram),
		cmocka_unit_test(test_defrag_ipv4_any_order_reassembles_datagram),
		cmocka_unit_test(test_defrag_multisegment_fragments_are_reassembled),
		cmocka_unit_test(test_defrag_ipv6_reassembles_datagram),
		cmocka_unit_test(test_defrag_nine_to_64_fragments_reassemble),
		cmocka_unit_test(test_defrag_more_than_max_frags_is_given_up_reported_and_counted),
		cmocka_unit_test(test_defrag_incomplete_datagram_times_out_and_is_counted),
		cmocka_unit_test(test_defrag_table_cap_evicts_and_flush_counts_the_rest),
		cmocka_unit_test(test_defrag_bad_fragments_are_invalid_and_given_back),
		cmocka_unit_test(test_defrag_free_releases_held_fragments),
	};
	unsigned int i;

	snprintf(prefix, sizeof(prefix), "--file-prefix=test_defrag%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		return 1;
	for (i = 0; i < BIG; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
