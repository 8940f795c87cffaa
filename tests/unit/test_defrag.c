/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Defrag unit tests: real rte_ip_frag tables under an EAL started with --no-huge, fed
 * hand-built IPv4 and IPv6 fragments in every order; checks the reassembled bytes, the
 * timeout and the table cap, and that held fragments are released.
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

static uint8_t payload[PAYLOAD];

/* An Ethernet + IPv4 fragment of the UDP datagram (8-byte UDP header + payload). */
static struct rte_mbuf *
v4_fragment(uint16_t id, uint32_t off, uint32_t len, int more)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + len);
	uint8_t dgram[8 + PAYLOAD];
	uint16_t fo = (uint16_t)((off / 8) | (more ? 0x2000 : 0));

	dgram[0] = 0x30; dgram[1] = 0x39; dgram[2] = 0x00; dgram[3] = 0x35;
	dgram[4] = (8 + PAYLOAD) >> 8; dgram[5] = (8 + PAYLOAD) & 0xff;
	dgram[6] = dgram[7] = 0;
	memcpy(dgram + 8, payload, PAYLOAD);
	memset(p, 0, 14 + 20);
	p[12] = 0x08;
	p[14] = 0x45;
	p[16] = (20 + len) >> 8;
	p[17] = (20 + len) & 0xff;
	p[18] = id >> 8;
	p[19] = id & 0xff;
	p[20] = fo >> 8;
	p[21] = fo & 0xff;
	p[22] = 64;
	p[23] = 17;
	p[26] = 10; p[29] = 1;
	p[30] = 10; p[33] = 2;
	memcpy(p + 34, dgram + off, len);
	return m;
}

/* An Ethernet + IPv6 + fragment header fragment of the same UDP datagram. */
static struct rte_mbuf *
v6_fragment(uint32_t id, uint32_t off, uint32_t len, int more)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 14 + 40 + 8 + len);
	uint8_t dgram[8 + PAYLOAD];
	uint16_t fo = (uint16_t)(off | (more ? 1 : 0));

	dgram[0] = 0x30; dgram[1] = 0x39; dgram[2] = 0x00; dgram[3] = 0x35;
	dgram[4] = (8 + PAYLOAD) >> 8; dgram[5] = (8 + PAYLOAD) & 0xff;
	dgram[6] = dgram[7] = 0;
	memcpy(dgram + 8, payload, PAYLOAD);
	memset(p, 0, 14 + 40 + 8);
	p[12] = 0x86;
	p[13] = 0xdd;
	p[14] = 0x60;
	p[18] = (8 + len) >> 8;
	p[19] = (8 + len) & 0xff;
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
make_defrag(uint32_t max_flows, uint32_t timeout_ms)
{
	struct config_defrag c = { .max_flows = max_flows, .bucket_entries = 4,
				   .timeout_ms = timeout_ms };
	struct defrag *d = defrag_create(&c, 0, "test_defrag");

	assert_non_null(d);
	return d;
}

/* Offer m; returns the reassembled mbuf or NULL. */
static struct rte_mbuf *
offer(struct defrag *d, struct rte_mbuf *m, uint64_t now, struct counters *ctr)
{
	struct pkt_meta meta;

	assert_int_equal(pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_pkt_len(m), &meta),
			 PKT_OK);
	assert_int_equal(meta.is_fragment, 1);
	return defrag_packet(d, m, &meta, now, ctr);
}

static void
check_udp_datagram(struct rte_mbuf *m)
{
	static uint8_t lin[65536];
	const uint8_t *p = rte_pktmbuf_read(m, 0, rte_pktmbuf_pkt_len(m), lin);
	struct pkt_meta meta;

	assert_int_equal(pkt_parse(p, rte_pktmbuf_pkt_len(m), &meta), PKT_OK);
	assert_int_equal(meta.is_fragment, 0);
	assert_int_equal(meta.l4_proto, 17);
	assert_int_equal(meta.sport, 12345);
	assert_int_equal(meta.dport, 53);
	assert_int_equal(meta.payload_len, PAYLOAD);
	assert_memory_equal(p + meta.payload_off, payload, PAYLOAD);
}

static void
run_v4_order(const int order[3])
{
	static const uint32_t off[3] = { 0, 1480, 2960 }, len[3] = { 1480, 1480, 48 };
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 1000);
	struct rte_mbuf *out = NULL;
	int i;

	for (i = 0; i < 3; i++) {
		int k = order[i];

		out = offer(d, v4_fragment(7, off[k], len[k], k != 2), 1000 + i, &ctr);
		if (i < 2)
			assert_null(out);
	}
	assert_non_null(out);
	check_udp_datagram(out);
	assert_int_equal(ctr.c[CTR_defrag_fragments], 3);
	assert_int_equal(ctr.c[CTR_defrag_reassembled], 1);
	assert_int_equal(ctr.c[CTR_defrag_dropped], 0);
	rte_pktmbuf_free(out);
	defrag_free(d);
}

static void
test_defrag_ipv4_in_order_reassembles_datagram(void **state)
{
	static const int order[3] = { 0, 1, 2 };

	(void)state;
	run_v4_order(order);
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
		run_v4_order(orders[i]);
}

static void
test_defrag_ipv6_reassembles_datagram(void **state)
{
	static const uint32_t off[3] = { 0, 1232, 2464 }, len[3] = { 1232, 1232, 544 };
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 1000);
	struct rte_mbuf *out;

	(void)state;
	assert_null(offer(d, v6_fragment(99, off[2], len[2], 0), 1, &ctr));
	assert_null(offer(d, v6_fragment(99, off[0], len[0], 1), 2, &ctr));
	out = offer(d, v6_fragment(99, off[1], len[1], 1), 3, &ctr);
	assert_non_null(out);
	check_udp_datagram(out);
	assert_int_equal(ctr.c[CTR_defrag_reassembled], 1);
	rte_pktmbuf_free(out);
	defrag_free(d);
}

static void
test_defrag_incomplete_datagram_times_out_and_is_counted(void **state)
{
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 10);	/* 10 ms */
	unsigned int avail = rte_mempool_avail_count(pool);

	(void)state;
	assert_null(offer(d, v4_fragment(1, 0, 1480, 1), 1000, &ctr));
	assert_null(offer(d, v4_fragment(1, 1480, 1480, 1), 2000, &ctr));
	defrag_expire(d, 5000, &ctr);		/* 4 ms after the first: kept */
	assert_int_equal(ctr.c[CTR_defrag_dropped], 0);
	defrag_expire(d, 1000 + 10000 + 1, &ctr);
	assert_int_equal(ctr.c[CTR_defrag_dropped], 2);
	assert_int_equal(ctr.c[CTR_defrag_reassembled], 0);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
	defrag_free(d);
}

static void
test_defrag_table_cap_drops_excess_datagrams(void **state)
{
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(4, 1000);
	unsigned int avail = rte_mempool_avail_count(pool);
	uint16_t id;

	(void)state;
	for (id = 0; id < 64; id++)
		assert_null(offer(d, v4_fragment(id, 0, 1480, 1), 100, &ctr));
	/* At most 4 datagrams may be in flight; the rest were dropped and counted. */
	assert_true(ctr.c[CTR_defrag_dropped] >= 60);
	defrag_free(d);
	assert_int_equal(rte_mempool_avail_count(pool), avail);
}

static void
test_defrag_multisegment_fragment_is_dropped(void **state)
{
	struct counters ctr = { 0 };
	struct defrag *d = make_defrag(64, 1000);
	struct rte_mbuf *m = v4_fragment(5, 0, 1480, 1), *tail = rte_pktmbuf_alloc(pool);

	(void)state;
	rte_pktmbuf_append(tail, 8);
	assert_int_equal(rte_pktmbuf_chain(m, tail), 0);
	assert_null(offer(d, m, 1, &ctr));
	assert_int_equal(ctr.c[CTR_defrag_multiseg], 1);
	defrag_free(d);
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
		cmocka_unit_test(test_defrag_ipv6_reassembles_datagram),
		cmocka_unit_test(test_defrag_incomplete_datagram_times_out_and_is_counted),
		cmocka_unit_test(test_defrag_table_cap_drops_excess_datagrams),
		cmocka_unit_test(test_defrag_multisegment_fragment_is_dropped),
	};
	unsigned int i;
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=test_defrag%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		return 1;
	for (i = 0; i < PAYLOAD; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
