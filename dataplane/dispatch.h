/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DISPATCH_H
#define TOLLGATE_DISPATCH_H

#include <stdint.h>
#include "runtime_types.h"

struct rte_mbuf;

/*
 * Symmetric hash of a frame's IP addresses: the same for both directions and for every
 * fragment of a datagram (ports are not used, so fragments without an L4 header stay with
 * their flow). Non-IP and unparsable frames hash to 0. Pure; any thread.
 */
uint32_t dispatch_hash(const uint8_t *frame, uint32_t len);

/* Worker index in [0, n) for a hash (multiply-shift, no modulo bias to speak of). */
static inline unsigned int
dispatch_pick(uint32_t hash, unsigned int n)
{
	return (unsigned int)(((uint64_t)hash * n) >> 32);
}

/*
 * Stage n mbufs into per-worker bursts and enqueue them on the workers' rings. In
 * lossless mode (offline) waits for ring space; otherwise drops and counts what does not
 * fit in rt->in.ring_full. Consumes every mbuf. Input lcore only.
 */
void dispatch_burst(struct runtime *rt, struct rte_mbuf **pkts, uint16_t n, int lossless);

/* Input lcore entry for live ports without RSS: poll every port queue 0 and dispatch. */
int dispatch_main(void *arg);

#endif
