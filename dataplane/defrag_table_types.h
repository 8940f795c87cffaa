/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types of the fragment table (defrag_table.h): the key of a datagram being reassembled,
 * what a caller tells about one fragment, the table's limits and counters, and the reasons
 * a fragment leaves the table. Every fragment offered leaves it for exactly one reason
 * (or is still held), which is how the defrag counters add up.
 */
#ifndef TOLLGATE_DEFRAG_TABLE_TYPES_H
#define TOLLGATE_DEFRAG_TABLE_TYPES_H

#include <stdint.h>

/* Why a fragment left the table. Each has its own counter (counters_types.h). */
enum defrag_reason {
	DEFRAG_REASSEMBLED = 0,	/* part of a datagram that was handed on whole */
	DEFRAG_DUPLICATE,	/* every byte of it was held already: not needed */
	DEFRAG_TIMEOUT,		/* its datagram was incomplete at defrag.timeout_ms */
	DEFRAG_TOO_MANY,	/* its datagram came in more than defrag.max_frags fragments */
	DEFRAG_OVERLAP,		/* its datagram had fragments that partly overlapped */
	DEFRAG_INVALID,		/* bad length/offset, past 64 KiB, or ends that disagree */
	DEFRAG_TABLE_FULL,	/* its datagram was evicted: defrag.max_flows in flight */
	DEFRAG_MEMCAP,		/* its datagram was evicted: defrag.memcap held */
	DEFRAG_SHUTDOWN,	/* still held when the worker stopped */
	DEFRAG_REASON__COUNT
};

/*
 * A datagram: RFC 791 keys IPv4 on (source, destination, protocol, id), RFC 8200 keys
 * IPv6 on (source, destination, id). The outer VLAN is part of it, as of the flow key.
 * Compared with memcmp: build it zeroed.
 */
struct defrag_key {
	uint8_t src[16];	/* IPv4: the first 4 bytes, the rest zero */
	uint8_t dst[16];
	uint32_t id;		/* IPv4: 16 bits */
	uint16_t vlan;		/* outermost VLAN ID, 0 when untagged */
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* IPv4 protocol; 0 for IPv6 */
};

/* One fragment as the caller offers it. */
struct defrag_frag {
	uint32_t off;		/* offset of its first data byte in the datagram's data */
	uint32_t len;		/* data bytes, at least 1 */
	uint32_t cost;		/* memory the held fragment takes, charged to the memcap */
	uint32_t aux;		/* the caller's, kept with the fragment (where its data is) */
	void *obj;		/* the caller's fragment, handed back when it leaves */
	uint8_t more;		/* more fragments follow (IPv4 MF, IPv6 M) */
	uint8_t proto;		/* protocol of the datagram, for reports (IPv6: next header) */
};

/* A held fragment, as defrag_table_done_* list those of a reassembled datagram. */
struct defrag_node {
	uint32_t off;		/* data offset in the datagram */
	uint32_t len;		/* data bytes */
	uint32_t cost;		/* as charged (at least DEFRAG_TABLE_MIN_COST) */
	uint32_t aux;		/* as offered */
	void *obj;		/* as offered */
	uint32_t next;		/* next by offset (index + 1; 0: last) */
};

/* Limits of one table (one worker's). */
struct defrag_table_conf {
	uint32_t max_dgrams;	/* datagrams in the table at once (defrag.max_flows) */
	uint32_t max_frags;	/* distinct fragments per datagram (defrag.max_frags), >= 2 */
	uint64_t memcap;	/* cost of the fragments held at once (defrag.memcap) */
	uint64_t timeout_us;	/* a datagram not complete this long after its first fragment
				 * is dropped (defrag.timeout_ms) */
	uint64_t seed;		/* of the key hash (random in the daemon) */
};

/*
 * Counters of one table. Always: frags == held + the sum of out[]. A fragment of a
 * datagram handed on is counted in out[DEFRAG_REASSEMBLED] when the caller releases it.
 */
struct defrag_table_stats {
	uint64_t frags;				/* fragments offered */
	uint64_t datagrams;			/* datagrams reassembled and released */
	uint64_t out[DEFRAG_REASON__COUNT];	/* fragments that left, by reason */
	uint64_t held;				/* fragments held now (gauge) */
	uint64_t held_cost;			/* their cost (gauge) */
	uint64_t in_table;			/* datagrams in the table now (gauge) */
};

/* A fragment leaves the table: the caller frees or forwards obj. Must not call the table. */
typedef void (*defrag_release_fn)(void *cookie, void *obj, enum defrag_reason why);

/*
 * A datagram was given up for a reason that its sender caused (DEFRAG_TOO_MANY,
 * DEFRAG_OVERLAP, DEFRAG_INVALID): k and proto name it, frags is how many distinct
 * fragments of it had come, the last one included. Must not call the table.
 */
typedef void (*defrag_failed_fn)(void *cookie, const struct defrag_key *k, uint8_t proto,
				 enum defrag_reason why, uint32_t frags);

struct defrag_table_ops {
	defrag_release_fn release;	/* required */
	defrag_failed_fn failed;	/* may be NULL */
	void *cookie;
};

#endif
