/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_WORKER_H
#define TOLLGATE_WORKER_H

#include "worker_types.h"
#include "runtime_types.h"

/*
 * Allocate worker index's state on socket: flow table, reassembly pool, defrag table,
 * message ring. Control thread, before launch. Returns NULL (reason logged) on failure.
 */
struct worker *worker_create(struct runtime *rt, unsigned int index, unsigned int lcore,
			     int socket);

/* Release everything worker_create allocated. NULL is a no-op. After the lcore stopped. */
void worker_free(struct worker *w);

/*
 * worker_free at the process's exit, right before rte_eal_cleanup, which releases the EAL's
 * memory whole: the flow table and the reassembly memory are left to it. rte_free zeroes
 * what it frees (DPDK keeps its free memory clean), which would fault in every page of them
 * the worker never used (they are laid out as used: most of them, on a short run).
 */
void worker_free_at_exit(struct worker *w);

/*
 * Worker lcore entry point (rte_eal_remote_launch). Polls its RX queues or its input ring
 * until the input ends (offline) or rt->quit is set, flushes every flow, sets w->done.
 */
int worker_main(void *arg);

/* Process a burst of packets; consumes every mbuf. Exposed for tests and benchmarks. */
void worker_process_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/*
 * One turn of worker_main's poll loop around the bursts it got: begin takes the snapshot
 * the control thread published last; end ages flows and fragments, refreshes the gauges
 * and reports quiescence. The worker's lcore only; exposed for tools/bench, which feeds
 * worker_process_burst from memory between the two.
 */
void worker_turn_begin(struct worker *w);
void worker_turn_end(struct worker *w);

/*
 * End of input: age the flows by the input's end (offline), flush every flow and fragment
 * (their events wait for ring room up to events.drain_timeout_ms), set w->done. The
 * worker's lcore, after its last turn.
 */
void worker_finish(struct worker *w);

/* Bytes of rte memory one worker needs with cfg (for sizing --no-huge memory). */
size_t worker_memsize(const struct tg_config *cfg);

#endif
