/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software dispatch: when the port cannot spread flows over queues with symmetric RSS
 * (pcap files, net_pcap, af_packet without fanout, a single queue), one input lcore reads
 * the packets and hands each to a worker's ring by a symmetric hash of its IP addresses,
 * so both directions of a flow and all its fragments meet on one worker (DESIGN.md).
 */
#include <nmmintrin.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include "backoff.h"
#include "dispatch.h"
#include "pkt_parse.h"

#define DISPATCH_BURST 32

static inline uint32_t
dispatch_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352dU;
	h ^= h >> 15;
	h *= 0x846ca68bU;
	h ^= h >> 16;
	return h;
}

/* An address's 16 bytes (IPv4: the first 4, the rest zero) through two CRC32C steps
 * (SSE4.2, in the x86-64-v2 baseline): a few cycles, where four mixes took about 50
 * instructions an address. */
static uint32_t
dispatch_addr(const uint8_t *a)
{
	uint64_t w[2];

	memcpy(w, a, sizeof(w));
	return (uint32_t)_mm_crc32_u64(_mm_crc32_u64(0x9e3779b9u, w[0]), w[1]);
}

uint32_t
dispatch_hash(const uint8_t *frame, uint32_t len)
{
	struct pkt_meta m;

	if (pkt_parse_l3(frame, len, &m) != PKT_OK || m.l3 == PKT_L3_NONE)
		return 0;
	/* Sum is commutative: A->B and B->A hash alike. */
	return dispatch_mix(dispatch_addr(m.src) + dispatch_addr(m.dst));
}

void
dispatch_burst(struct runtime *rt, struct rte_mbuf **pkts, uint16_t n, int lossless)
{
	struct rte_mbuf *stage[RUNTIME_MAX_WORKERS][DISPATCH_BURST];
	uint16_t cnt[RUNTIME_MAX_WORKERS] = { 0 };
	unsigned int nw = rt->n_workers, i, k;

	if (nw == 1) {		/* one ring: nothing to hash */
		memcpy(stage[0], pkts, n * sizeof(*pkts));
		cnt[0] = n;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t h = dispatch_hash(rte_pktmbuf_mtod(m, const uint8_t *),
					   rte_pktmbuf_data_len(m));

		k = dispatch_pick(h, nw);
		stage[k][cnt[k]++] = m;
	}
	for (k = 0; k < nw; k++) {
		struct rte_ring *r = rt->workers[k]->in_ring;
		unsigned int done = 0, spins = 0;

		while (done < cnt[k]) {
			done += rte_ring_sp_enqueue_burst(r, (void **)&stage[k][done],
							  cnt[k] - done, NULL);
			if (done == cnt[k])
				break;
			if (!lossless || rt->quit) {
				rt->in.ring_full += cnt[k] - done;
				rte_pktmbuf_free_bulk(&stage[k][done], cnt[k] - done);
				break;
			}
			backoff_wait(&spins);
		}
	}
}

int
dispatch_main(void *arg)
{
	struct runtime *rt = arg;
	struct rte_mbuf *pkts[DISPATCH_BURST];
	uint16_t port;

	while (!rt->quit) {
		unsigned int got = 0;

		RTE_ETH_FOREACH_DEV(port) {
			uint16_t q, nq = port < RUNTIME_MAX_PORTS && rt->port_rxq[port] ?
					 rt->port_rxq[port] : 1;

			for (q = 0; q < nq; q++) {
				uint16_t n = rte_eth_rx_burst(port, q, pkts, DISPATCH_BURST);

				if (n == 0)
					continue;
				got += n;
				rt->in.packets += n;
				dispatch_burst(rt, pkts, n, 0);
			}
		}
		if (got == 0 && !rt->cfg.dp.idle.busy_poll)
			rte_delay_us_sleep(rt->cfg.dp.idle.max_sleep_us);
	}
	return 0;
}
