/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DEFRAG_TABLE_H
#define TOLLGATE_DEFRAG_TABLE_H

#include <stddef.h>
#include "defrag_table_types.h"

/*
 * A worker's table of IP datagrams being reassembled (pure: no EAL, no allocation after
 * init). The fragments themselves stay the caller's objects (mbufs in the daemon); the
 * table keeps, per datagram, the list of held fragments by offset and decides when the
 * datagram is complete, or why it is given up. Only the owning worker calls these.
 */

/* Every held fragment is charged at least this much against the memcap. */
#define DEFRAG_TABLE_MIN_COST 1024u
/* Largest end offset of a fragment's data (an IPv4 total length or IPv6 payload length). */
#define DEFRAG_TABLE_MAX_END 65535u
/* Range of conf.max_frags (8192 fragments of 8 bytes make 64 KiB). */
#define DEFRAG_TABLE_FRAGS_MIN 2u
#define DEFRAG_TABLE_FRAGS_MAX 8192u

/* What defrag_table_add did with the fragment. */
enum defrag_add {
	DEFRAG_ADD_HELD = 0,	/* held, waiting for the rest of its datagram */
	DEFRAG_ADD_DONE,	/* it completed its datagram: see defrag_table_done_* */
	DEFRAG_ADD_RELEASED,	/* it left the table (release callback already called) */
};

/*
 * Bytes defrag_table_init needs for conf: header, hash buckets, datagram records and
 * fragment records (enough for memcap / DEFRAG_TABLE_MIN_COST fragments). 0 when conf is
 * invalid: max_dgrams 0, max_frags outside DEFRAG_TABLE_FRAGS_MIN..MAX, timeout 0, memcap
 * below one fragment of DEFRAG_TABLE_MIN_COST, or a size that overflows. Any thread.
 */
size_t defrag_table_memsize(const struct defrag_table_conf *conf);

/*
 * Lay a table out in mem (defrag_table_memsize(conf) bytes, 64-byte aligned, owned by the
 * caller for the table's life). ops is copied; ops->release is required. Returns NULL when
 * mem, conf or ops is NULL or invalid, or mem is misaligned. At init.
 */
struct defrag_table *defrag_table_init(void *mem, const struct defrag_table_conf *conf,
				       const struct defrag_table_ops *ops);

/*
 * Offer fragment f of datagram k at now_us (a clock that does not go back). First ages
 * the table (datagrams past their timeout leave, DEFRAG_TIMEOUT). Then, in this order:
 *   - f->len 0 or f->off + f->len past DEFRAG_TABLE_MAX_END: f leaves, DEFRAG_INVALID;
 *   - a datagram given up (too many, overlap, invalid) keeps a record until its timeout:
 *     f leaves at once for the same reason;
 *   - ends that disagree (two last fragments with different ends, data past the last
 *     fragment's end): the datagram is given up, DEFRAG_INVALID;
 *   - f's bytes are all held already: f leaves, DEFRAG_DUPLICATE (the datagram goes on;
 *     a last fragment still tells where the datagram ends);
 *   - f partly overlaps held bytes: the datagram is given up, DEFRAG_OVERLAP (RFC 5722);
 *   - the datagram holds max_frags fragments already: given up, DEFRAG_TOO_MANY;
 *   - no room under the memcap: the oldest other datagrams are evicted (DEFRAG_MEMCAP)
 *     until f fits; if none is left to evict, this one is given up (DEFRAG_MEMCAP);
 *   - a new datagram with the table full evicts the oldest record (a given-up one first,
 *     else the oldest datagram, DEFRAG_TABLE_FULL).
 * Given up means every held fragment of it and f leave for that reason. Returns what
 * became of f; DONE when f completed its datagram, which then stays until
 * defrag_table_done_release (the next add, expire or flush releases it if the caller did
 * not, as reassembled). Owning worker only.
 */
enum defrag_add defrag_table_add(struct defrag_table *t, const struct defrag_key *k,
				 const struct defrag_frag *f, uint64_t now_us);

/* A fragment refused before it reached the table (the caller found it bad): it is counted
 * as offered and leaves for why (not DEFRAG_REASSEMBLED) through the release callback. */
void defrag_table_refuse(struct defrag_table *t, void *obj, enum defrag_reason why);

/* After DEFRAG_ADD_DONE: the datagram's data length and its fragments by offset (they
 * cover [0, length) without overlap). NULL when there is none. */
uint32_t defrag_table_done_len(const struct defrag_table *t);
const struct defrag_node *defrag_table_done_first(const struct defrag_table *t);
const struct defrag_node *defrag_table_done_next(const struct defrag_table *t,
						 const struct defrag_node *n);

/*
 * Let the completed datagram's fragments go, in offset order, for why: DEFRAG_REASSEMBLED
 * (counted as a datagram), or DEFRAG_INVALID when the caller could not rebuild it (the
 * failed callback runs). No-op when there is none.
 */
void defrag_table_done_release(struct defrag_table *t, enum defrag_reason why);

/* Datagrams past their timeout at now_us leave (their fragments: DEFRAG_TIMEOUT). */
void defrag_table_expire(struct defrag_table *t, uint64_t now_us);

/* Everything leaves: held fragments for why, records of given-up datagrams silently. */
void defrag_table_flush(struct defrag_table *t, enum defrag_reason why);

/* The table's counters (updated by every call above). */
const struct defrag_table_stats *defrag_table_stats(const struct defrag_table *t);

#endif
