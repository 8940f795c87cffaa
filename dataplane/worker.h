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
 * Worker lcore entry point (rte_eal_remote_launch). Polls its RX queues or its input ring
 * until the input ends (offline) or rt->quit is set, flushes every flow, sets w->done.
 */
int worker_main(void *arg);

/* Process a burst of packets; consumes every mbuf. Exposed for tests and benchmarks. */
void worker_process_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n);

/* Bytes of rte memory one worker needs with cfg (for sizing --no-huge memory). */
size_t worker_memsize(const struct tg_config *cfg);

#endif
