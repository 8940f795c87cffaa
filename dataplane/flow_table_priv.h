/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table layout, private to flow_table.c and its unit test (which walks it to check
 * the invariants). Everyone else sees struct flow_table as opaque.
 *
 * The table lives in one caller-provided block, each region starting on 64 bytes:
 *
 *   mem ─► +---------------------------+
 *          | struct flow_table (header) |
 *          +---------------------------+ recs
 *          | struct flow [max_flows]    |
 *          +---------------------------+ buckets
 *          | struct flow * [nbuckets]   |
 *          +---------------------------+
 *
 * A record is on exactly one of: the free list (linked through hnext), or a hash chain
 * (hnext) plus the timeout list of its state (lprev/lnext).
 */
#ifndef TOLLGATE_FLOW_TABLE_PRIV_H
#define TOLLGATE_FLOW_TABLE_PRIV_H

#include <stdint.h>
#include "flow_types.h"

#define FLOW_TABLE_ALIGN 64

/* Doubly linked timeout list of one state: head = least recently touched. */
struct flow_list {
	struct flow *head;
	struct flow *tail;
	uint32_t count;
};

struct flow_table {
	struct flow_table_stats stats;
	struct flow_list lists[FLOW_STATE__COUNT];
	struct flow *recs;		/* conf.max_flows records */
	struct flow **buckets;		/* conf.nbuckets chain heads */
	struct flow *free;		/* records given back, linked through hnext */
	uint32_t nfree;			/* free-list records + records never handed out */
	uint32_t fresh;			/* records handed out at least once: recs[0, fresh) */
	uint32_t mask;			/* conf.nbuckets - 1 */
	flow_end_fn end_fn;		/* may be NULL */
	void *cookie;
	struct flow_table_conf conf;
} __attribute__((aligned(FLOW_TABLE_ALIGN)));

#endif
