/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_MEM_PLAN_H
#define TOLLGATE_MEM_PLAN_H

#include <stddef.h>
#include <stdio.h>
#include "config_types.h"

/*
 * What a configuration takes in memory, computed from the same sizes the allocations
 * use: the EAL heap (-m without hugepages: packet pool, message pool, every worker's flow
 * table, reassembly and defrag memory, DLP direction state, rings) and the libc heap
 * (Hyperscan sensor streams, the app layer's flow states and decompressor pools). All
 * sizes in bytes.
 */
struct mem_plan {
	unsigned int workers;
	size_t flow_each;		/* one flow record + its bucket pointer */
	size_t flows;			/* per worker */
	size_t reasm;			/* per worker: reassembly.memcap */
	size_t defrag;			/* per worker */
	size_t dlp_state;		/* per worker: DLP direction state (EAL, x2 on a swap) */
	size_t dir_each;		/* one open direction's accounting */
	size_t park_each;		/* one parked (idle) direction's accounting */
	size_t stream_each;		/* one open sensor stream (Hyperscan state + lookback) */
	size_t streams;			/* per worker: dlp.max_streams streams, x2 on a swap */
	size_t app;			/* per worker: app flow states + decompressor pool */
	size_t capture;			/* per worker: packet copy ring (EAL), capture on */
	size_t history;			/* per worker: flow histories (EAL), capture on */
	size_t worker_eal;		/* per worker, EAL: all of the above that is EAL */
	size_t pools;			/* packet and message pools, rings */
	size_t eal;			/* -m: pools + workers + fixed EAL overhead */
	size_t heap;			/* libc heap the workers take: streams + app */
	size_t total;			/* eal + heap */
};

/* Fill p for cfg with workers workers; stream_each from sensor_db_stream_size (0: DLP
 * off). msg_pool/msg_size: the control message pool. */
void mem_plan_compute(struct mem_plan *p, const struct tg_config *cfg, unsigned int workers,
		      size_t stream_each, size_t msg_pool, size_t msg_size);

/* The plan as a few lines, each a product of configured numbers ("memory plan: ..."). */
void mem_plan_print(const struct mem_plan *p, const struct tg_config *cfg, FILE *f);

/* Its last line: "total N MiB = EAL ... + heap ...". */
void mem_plan_summary(const struct mem_plan *p, char *buf, size_t len);

#endif
