/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker state. Everything here belongs to one worker lcore: its flow table,
 * reassembly pool, defrag table, linearisation buffer and counters. Other threads only
 * read the counters and the done flag.
 */
#ifndef TOLLGATE_WORKER_TYPES_H
#define TOLLGATE_WORKER_TYPES_H

#include <stdint.h>
#include <rte_common.h>
#include "counters_types.h"
#include "tcp_reasm_types.h"

struct rte_ring;
struct rte_mempool;
struct rte_eth_dev_tx_buffer;
struct flow_table;
struct defrag;
struct runtime;
struct dlp_ctx;
struct app_layer;
struct snapshot;
struct capture_tap;

/* Where a worker's packets come from. */
struct worker_rxq {
	uint16_t port;
	uint16_t queue;
};

#define WORKER_MAX_RXQ 16
#define WORKER_MAX_PORTS 32	/* port ids with a transmit buffer */
#define WORKER_LINBUF (65536 + 256)
#define WORKER_DLP_BASE 21	/* DLP totals carried over sensor database changes */
/* A sensor stream with no bytes for this long goes to a new direction when all are taken. */
#define WORKER_DLP_EVICT_IDLE_US 1000000
#define WORKER_FIRST_SLOTS 64	/* flows gathering their first client bytes at once */
#define WORKER_FIRST_BYTES 4096	/* bytes gathered per flow (a ClientHello with PQ shares) */
#define WORKER_TLS_HELD 64	/* tls events held at once, waiting for their ServerHello */

/* First client bytes of a flow, gathered over segments until app/SNI are decided. */
struct worker_first {
	uint16_t next_free;	/* free list (slot number + 1), 0 = end */
	uint32_t len;
	uint8_t buf[WORKER_FIRST_BYTES];
};

struct worker {
	struct counters ctr;		/* first: cache aligned, summed by control */
	unsigned int index;		/* 0..n-1 */
	unsigned int lcore;
	struct runtime *rt;
	struct rte_ring *in_ring;	/* from the dispatcher (software dispatch), or NULL */
	unsigned int n_rxq;		/* RX queues polled directly (RSS) */
	struct worker_rxq rxq[WORKER_MAX_RXQ];
	struct rte_ring *msg_ring;	/* to the control thread */
	struct flow_table *flows;
	struct tcp_reasm_ctx reasm;
	struct defrag *defrag;
	struct dlp_ctx *dlp;		/* sensors of the snapshot in use (not owned), or NULL */
	struct snapshot_sensors *sensors;	/* the set dlp belongs to (held: see there) */
	struct app_layer *app;		/* HTTP/SMTP parsers and decoders, or NULL (app off) */
	struct capture_tap *cap;	/* packet capture (pcap/ sets it before start), or NULL */
	const struct snapshot *snap;	/* policy in use until the next quiescent point */
	uint64_t dlp_base[WORKER_DLP_BASE];	/* DLP totals of earlier sensor databases */
	uint16_t first_free;		/* free first-bytes slots (slot number + 1), 0 = none */
	uint32_t tls_held;		/* tls events held on flows (worker_meta.c) */
	/* Inline forwarding: a transmit buffer per inline port (queue = worker index). */
	struct rte_eth_dev_tx_buffer *txb[WORKER_MAX_PORTS];	/* by port id; NULL: not inline */
	uint64_t tx_flush_cycles;	/* dataplane.tx_flush_us in TSC cycles */
	uint64_t tx_next_flush;		/* TSC deadline of the next buffer flush */
	uint8_t pkt_block;		/* the packet being processed blocked its flow */
	uint8_t pkt_hold;		/* ... must not go out (out of order on a strict flow) */
	uint8_t pkt_exception;		/* ... hit a cap: the exception policy applies */
	uint8_t pkt_dgram;		/* ... completed a datagram (inspected from linbuf) */
	uint8_t frag_forward;		/* the datagram's fragments go out (its verdict: pass) */
	struct worker_first first[WORKER_FIRST_SLOTS];
	uint64_t now_us;		/* worker clock: packet time (offline) or TSC time */
	uint64_t next_expire_us;	/* next periodic flow expiry scan */
	uint64_t anom_pending[8];	/* aggregate anomalies not yet reported */
	uint64_t anom_next_us;		/* earliest next aggregate anomaly report */
	uint8_t lossless;		/* offline: wait for ring space instead of dropping */
	uint64_t drain_until;		/* shutdown: TSC until which it waits too; 0 = not */
	uint8_t dump;			/* --dump-streams active */
	uint8_t pkt_clock;		/* packets carry their own time (pcap input) */
	volatile uint8_t done;		/* set when the worker has flushed and exited */
	void *flow_mem;
	void *reasm_mem;
	uint8_t linbuf[WORKER_LINBUF];	/* linearised copy of multi-segment packets, or a
					 * reassembled datagram */
} __rte_cache_aligned;

#endif
