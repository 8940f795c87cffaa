/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_FLOW_TABLE_H
#define TOLLGATE_FLOW_TABLE_H

#include <stddef.h>
#include "flow_types.h"
#include "pkt_parse_types.h"

/*
 * A worker's flow table: preallocated records, a chained hash, and one timeout list per
 * state kept oldest-first, so expiry and eviction cost O(flows ended). Only the owning
 * worker calls these; none allocates, sleeps or logs.
 */

/* Bytes of memory flow_table_init needs for conf (records, buckets, header). */
size_t flow_table_memsize(const struct flow_table_conf *conf);

/*
 * Lay a table out in mem (flow_table_memsize(conf) bytes, zeroed, 64-byte aligned).
 * end_fn is called for each flow that ends. Returns the table, or NULL when conf is
 * invalid (max_flows 0, nbuckets not a power of two).
 */
struct flow_table *flow_table_init(void *mem, const struct flow_table_conf *conf,
				   flow_end_fn end_fn, void *cookie);

/*
 * Build the canonical key of a parsed packet. Returns the key side (0/1) the packet's
 * source is on. The key's padding is zeroed, so keys compare with memcmp.
 */
uint8_t flow_key_make(const struct pkt_meta *m, struct flow_key *k);

/* Symmetric hash of a key (same for both directions, by construction of the key). */
uint32_t flow_key_hash(const struct flow_key *k);

/*
 * Find the flow of k. A flow found idle past its state's timeout at now_us is ended
 * (reason timeout) and NULL is returned, so the caller starts a new one.
 */
struct flow *flow_table_lookup(struct flow_table *t, const struct flow_key *k, uint32_t hash,
			       uint64_t now_us);

/*
 * A lookup of hash is coming: the two steps of bringing its memory into the cache ahead
 * of it, for a burst (worker_process_burst): first the bucket's chain head, then (once
 * that has arrived, a few packets later) the first record of the chain, both the line of
 * its key and the line of its table links. Neither reads more than the bucket.
 */
void flow_table_prefetch_bucket(const struct flow_table *t, uint32_t hash);
void flow_table_prefetch_chain(const struct flow_table *t, uint32_t hash);

/*
 * Create a flow for k in state (NEW or UDP), start time now_us. When the table is full,
 * evicts by the configured policy (the end callback runs first), or returns NULL and
 * counts stats.refused. The record is zeroed except key, hash, state, times, flow_id.
 */
struct flow *flow_table_create(struct flow_table *t, const struct flow_key *k, uint32_t hash,
			       uint8_t state, uint64_t now_us);

/*
 * End f (reason FLOW_END_REUSED, end callback run) and start the flow of its key anew in
 * state NEW at now_us: a new connection on the addresses and ports of one that is over. The
 * new flow has its own flow_id. Returns it (never NULL: it takes f's record); f is gone.
 */
struct flow *flow_table_restart(struct flow_table *t, struct flow *f, uint64_t now_us);

/* A packet of f was seen at now_us: update last_us and move f to its list's tail. */
void flow_table_touch(struct flow_table *t, struct flow *f, uint64_t now_us);

/* Move f to another state (and its timeout list). */
void flow_table_set_state(struct flow_table *t, struct flow *f, uint8_t state);

/* End up to budget flows idle past their timeout at now_us. Returns how many ended. */
uint32_t flow_table_expire(struct flow_table *t, uint64_t now_us, uint32_t budget);

/* End every flow (reason shutdown). */
void flow_table_flush(struct flow_table *t);

/* Every live flow, for a rare whole-table change (owning worker; see flow_table.c). */
typedef void (*flow_visit_fn)(void *cookie, struct flow *f);
void flow_table_foreach(struct flow_table *t, flow_visit_fn fn, void *cookie);

const struct flow_table_stats *flow_table_stats(const struct flow_table *t);

/* Names for events: "new", "established", ...; "timeout", "evicted", "shutdown", "reused". */
const char *flow_state_name(uint8_t state);
const char *flow_end_reason_name(uint8_t reason);

#endif
