/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reassembly types: per-direction stream state, the per-worker segment block pool,
 * configuration, counters, and the consumer callbacks.
 */
#ifndef TOLLGATE_TCP_REASM_TYPES_H
#define TOLLGATE_TCP_REASM_TYPES_H

#include <stdint.h>
#include <stddef.h>

/* Direction flags of struct tcp_reasm_dir.flags */
#define TCP_REASM_STARTED	0x01	/* next_seq is known (SYN seen or midstream pickup) */
#define TCP_REASM_SYN		0x02	/* SYN seen: isn valid */
#define TCP_REASM_FIN		0x04	/* FIN seen (fin_seq valid) */
#define TCP_REASM_FIN_DONE	0x08	/* FIN reached in order: no more data */
#define TCP_REASM_RST		0x10	/* RST seen */
#define TCP_REASM_DEPTH		0x20	/* depth limit reached: no more delivery */
#define TCP_REASM_OOO_CAPPED	0x40	/* an OOO cap was hit on this direction */
#define TCP_REASM_POOL_EMPTY	0x80	/* the worker's block pool ran dry on this direction */
#define TCP_REASM_URG		0x100	/* urg_seq is an urgent byte not delivered yet */
#define TCP_REASM_RST_SEQ	0x200	/* a RST at the sequence number its receiver expects */
#define TCP_REASM_TTL		0x400	/* ttl holds the TTL of the direction's first segment */
#define TCP_REASM_TTL_CHANGED	0x800	/* a data segment came with another TTL (reported) */
#define TCP_REASM_TS		0x1000	/* ts_max holds the newest TSval of the direction */
#define TCP_REASM_TS_OLD	0x2000	/* a data segment came with an older one (reported) */

/* One block of the pool: an out-of-order chunk of at most the block's payload size. */
struct tcp_reasm_seg;

/* Per-direction state. Lives inside struct flow; zero-initialised = unused. */
struct tcp_reasm_dir {
	uint32_t isn;			/* initial sequence number (when SYN seen) */
	uint32_t next_seq;		/* next byte expected in order */
	uint32_t fin_seq;		/* sequence number of the FIN */
	uint32_t ooo_bytes;		/* bytes held out of order */
	uint64_t delivered;		/* stream offset of next_seq: bytes delivered + gap bytes */
	struct tcp_reasm_seg *ooo;	/* held segments, sorted by seq, non-overlapping */
	uint32_t gaps;			/* number of gaps declared */
	uint32_t urg_seq;		/* the pending urgent byte (with TCP_REASM_URG) */
	uint64_t gap_bytes;		/* bytes skipped by gaps */
	uint32_t overlaps;		/* segments overlapping data already held or delivered */
	uint32_t overlaps_diff;		/* ... whose overlapping bytes differed (first copy kept) */
	uint16_t flags;			/* TCP_REASM_* */
	uint8_t ttl;			/* IPv4 TTL or IPv6 hop limit of the first segment */
	uint32_t seen_end;		/* end of the furthest segment seen (acks are capped at it) */
	uint32_t ts_max;		/* the newest timestamp (TSval) of its segments */
};

/* Events the reassembler reports to its owner, once per direction and kind. */
enum tcp_reasm_event {
	TCP_REASM_EV_OVERLAP_DIFF,	/* overlap with different bytes (first copy kept) */
	TCP_REASM_EV_OOO_FLOW_CAP,	/* per-direction OOO byte cap hit: segment dropped */
	TCP_REASM_EV_POOL_EMPTY,	/* per-worker block pool exhausted: segment dropped */
	TCP_REASM_EV_DEPTH,		/* depth limit reached: delivery stops */
	TCP_REASM_EV_TTL_CHANGED,	/* data with another TTL than the first segment's */
	TCP_REASM_EV_TS_OLD,		/* data with a timestamp older than the newest one */
	TCP_REASM_EV__COUNT
};

/* Consumer callbacks. owner is the opaque pointer passed with each call (the flow). */
struct tcp_reasm_ops {
	/* In-order bytes of direction dir, starting at stream offset off. */
	void (*deliver)(void *cookie, void *owner, uint8_t dir, const uint8_t *data,
			uint32_t len, uint64_t off);
	/* A hole of len bytes at stream offset off that will never be filled. */
	void (*gap)(void *cookie, void *owner, uint8_t dir, uint64_t off, uint64_t len);
	/* A cap or anomaly; called once per direction per kind. May be NULL. */
	void (*event)(void *cookie, void *owner, uint8_t dir, enum tcp_reasm_event ev);
	void *cookie;
};

struct tcp_reasm_conf {
	uint32_t max_ooo_per_dir;	/* bytes held out of order per direction */
	uint64_t depth;			/* bytes delivered per direction; 0 = unlimited */
	uint8_t midstream;		/* start a direction without its SYN */
	uint8_t urgent_inline;		/* 1: leave urgent bytes in the stream (RFC 6093 inline) */
};

/* Per-worker counters (owned by one worker, summed by the control thread). */
struct tcp_reasm_stats {
	uint64_t segments;		/* segments with payload offered */
	uint64_t in_order;		/* segments delivered straight away */
	uint64_t ooo_held;		/* segments (or parts) buffered out of order */
	uint64_t retransmits;		/* segments entirely before next_seq */
	uint64_t overlaps;		/* segments overlapping held or delivered data */
	uint64_t overlaps_diff;		/* ... with different bytes */
	uint64_t gaps;			/* gaps declared */
	uint64_t gap_bytes;
	uint64_t ooo_flow_cap;		/* segments dropped: per-direction cap */
	uint64_t pool_empty;		/* segments dropped: pool exhausted */
	uint64_t depth_reached;		/* directions that hit the depth limit */
	uint64_t not_started;		/* data on a direction with no SYN and midstream off */
	uint64_t urgent_marks;		/* urgent pointers taken (a new pending urgent byte) */
	uint64_t urgent_removed;	/* urgent bytes taken out of the stream */
	uint64_t urgent_beyond;		/* urgent pointers past their segment's payload */
	uint64_t urgent_replaced;	/* pending urgent bytes a newer pointer left inline */
	uint64_t ack_unseen;		/* acks beyond anything the sender was seen to send */
	uint64_t ttl_changed;		/* data segments with another TTL than their first */
	uint64_t ts_old;		/* data segments with a timestamp older than the newest */
	uint64_t blocks_in_use;		/* gauge */
};

/*
 * Per-worker block pool. Memory comes from the caller (rte_zmalloc_socket on the worker's
 * socket in the daemon, calloc in unit tests); tcp_reasm_pool_init carves it into blocks.
 */
struct tcp_reasm_pool {
	void *mem;
	size_t memlen;
	uint32_t block_size;		/* bytes per block, header included */
	uint32_t nblocks;
	uint32_t nfree;			/* free-list blocks + blocks never handed out */
	uint32_t fresh;			/* blocks handed out at least once: the first fresh */
	uint8_t *base;			/* block 0 (mem rounded up to 8 bytes) */
	struct tcp_reasm_seg *free;	/* blocks given back */
};

/* Everything a reassembly call needs besides the direction state. One per worker. */
struct tcp_reasm_ctx {
	struct tcp_reasm_pool pool;
	struct tcp_reasm_conf conf;
	struct tcp_reasm_ops ops;
	struct tcp_reasm_stats stats;
};

#endif
