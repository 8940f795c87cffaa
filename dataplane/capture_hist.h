/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow histories for automatic captures (docs/capture.md "Automatic captures"): the last
 * packets of a flow whose events are captured, kept in the worker's memory until the flow
 * raises an event, when they become the start of that event's capture. One history is a
 * fixed block of bytes holding copies of packets (each cut at a snaplen, with its time and
 * wire length): the flow's first packets (its handshake) are pinned at the start, and the
 * rest of the block is a ring of the last packets, where each new copy pushes out the
 * oldest ones until it fits (or until the ring holds no more than `last` copies):
 *
 *   0                base                                                        cap
 *   | SYN | SYN-ACK | ACK | rec(rd) | rec | rec | ... free ... | rec | PAD .. |
 *    pinned copies   ^ring from here  oldest                wr ^   newest
 *
 * Pinned copies take at most half the block; a copy that does not fit there (or the
 * first+1-th) closes the pinned part. A copy that would straddle the end of the block is
 * preceded by a pad marker and written at the ring's start. Nothing allocates: a worker's
 * histories are the slots of one pool laid out in one preallocated block of
 * capture.history_memcap bytes, taken by a flow and given back when it ends; when none is
 * left a flow has no history (the caller counts it).
 *
 * Pure: no EAL, one thread (the owning worker), testable on its own.
 */
#ifndef TOLLGATE_CAPTURE_HIST_H
#define TOLLGATE_CAPTURE_HIST_H

#include <stddef.h>
#include <stdint.h>
#include "capture_types.h"

/* A copy in a history: this header, then caplen bytes, padded to a multiple of 8. */
struct capture_hist_rec {
	uint32_t size;		/* the whole record (header and padding), or CAPTURE_HIST_PAD */
	uint32_t caplen;	/* bytes that follow */
	uint32_t origlen;	/* the frame's length on the wire */
	uint32_t pad;
	uint64_t ts_us;		/* the packet's time */
};

#define CAPTURE_HIST_REC_HDR 24u
#define CAPTURE_HIST_PAD 0xffffffffu

/* Bytes of the record holding caplen bytes of packet. */
static inline uint32_t
capture_hist_rec_size(uint32_t caplen)
{
	return (CAPTURE_HIST_REC_HDR + caplen + 7u) & ~7u;
}

/* What every history of a pool keeps (capture.history_* in the configuration). */
struct capture_hist_conf {
	uint32_t bytes;		/* of one history's data (copies and their headers) */
	uint32_t first;		/* first copies pinned, 0..64 */
	uint32_t last;		/* copies the ring keeps at most, >= 1 */
	uint32_t snaplen;	/* bytes kept of each packet, >= 1 */
};

struct capture_hist {
	uint8_t *data;
	uint32_t cap;		/* bytes of data, a multiple of 8 */
	uint32_t base;		/* end of the pinned copies: the ring is [base, cap) */
	uint32_t rd, wr;	/* oldest and next record of the ring, offsets from base */
	uint32_t used;		/* ring bytes in use, pad markers included */
	uint32_t n_first;	/* pinned copies */
	uint32_t n_last;	/* copies in the ring */
	uint32_t evicted;	/* copies pushed out of the ring since the last reset */
	uint8_t pinning;	/* the next copy may still be pinned */
};

/* Where a walk over a history stands (capture_hist_next). */
struct capture_hist_iter {
	uint32_t off;		/* next record: offset in data */
	uint32_t left;		/* ring bytes not walked yet (pads included) */
	uint8_t in_ring;
};

/*
 * An empty history over data[0..cap) (cap rounded down to a multiple of 8). pin: its
 * first copies are pinned (a flow's first history; a history started again after an
 * event capture pins nothing). Any thread; h's owner only afterwards.
 */
void capture_hist_init(struct capture_hist *h, uint8_t *data, uint32_t cap, int pin);

/* Empty h again, keeping its block; pin as in capture_hist_init. */
void capture_hist_reset(struct capture_hist *h, int pin);

/*
 * Copy the frame pkt[0..min(len, c->snaplen)) with its time and wire length len into h,
 * pushing out the oldest ring copies it needs room for (counted in h->evicted). Returns 0,
 * or -EINVAL when the copy cannot fit even in an empty ring (h is then left as it was).
 */
int capture_hist_add(struct capture_hist *h, const struct capture_hist_conf *c,
		     const uint8_t *pkt, uint32_t len, uint64_t ts_us);

/* Copies held: pinned and ring. */
static inline uint32_t
capture_hist_count(const struct capture_hist *h)
{
	return h->n_first + h->n_last;
}

/* Start a walk over h's copies, oldest first (pinned, then ring). */
void capture_hist_iter_init(const struct capture_hist *h, struct capture_hist_iter *it);

/* The next copy of the walk (its data follows the header), or NULL at the end. h must not
 * change during the walk. */
const struct capture_hist_rec *capture_hist_next(const struct capture_hist *h,
						 struct capture_hist_iter *it);

/*
 * A history slot of a pool, with what the worker's glue (worker_capture.c) keeps about the
 * flow holding it and the event capture being written from it.
 */
struct capture_hist_slot {
	struct capture_hist h;
	void *owner;			/* the flow holding it, NULL when free */
	uint32_t index;			/* in the pool */
	uint32_t seq;			/* the event capture being written, 0: recording */
	uint32_t left;			/* packets still to copy after the event */
	uint64_t until_us;		/* ... until this time */
	uint32_t prev, next;		/* list of slots writing a capture (index + 1; 0: end) */
	uint8_t active;			/* on that list */
	struct capture_event_end end;	/* counts of the capture being written */
};

struct capture_hist_pool {
	struct capture_hist_conf conf;
	uint32_t n;			/* slots */
	uint32_t nfree;
	uint32_t slot_size;		/* bytes of one slot: header and data */
	uint32_t active;		/* first slot writing a capture (index + 1; 0: none) */
	uint32_t *free;			/* stack of free slot indexes */
	uint8_t *slots;
};

/*
 * Lay out a pool in mem (memsize bytes, 64-byte aligned): as many slots of conf->bytes of
 * data as fit with their headers (possibly none). Returns the pool (at mem), or NULL when
 * mem is NULL, memsize is too small for the pool's own header, or conf is invalid (bytes
 * under 64, last 0, snaplen 0, first over 64). The caller owns mem. Before the worker
 * runs; its owner only afterwards.
 */
struct capture_hist_pool *capture_hist_pool_init(void *mem, uint64_t memsize,
						 const struct capture_hist_conf *conf);

/* A free slot, emptied, its first copies to be pinned, owned by owner; NULL when none is
 * left. */
struct capture_hist_slot *capture_hist_take(struct capture_hist_pool *p, void *owner);

/* Give s back (taken off the active list first). */
void capture_hist_put(struct capture_hist_pool *p, struct capture_hist_slot *s);

/* Slot i (0..n-1). */
struct capture_hist_slot *capture_hist_slot_at(const struct capture_hist_pool *p, uint32_t i);

/* Put s on / take s off the list of slots writing an event capture (idempotent). */
void capture_hist_activate(struct capture_hist_pool *p, struct capture_hist_slot *s);
void capture_hist_deactivate(struct capture_hist_pool *p, struct capture_hist_slot *s);

/* The first slot on the active list, and the one after s; NULL at the end. */
struct capture_hist_slot *capture_hist_first_active(const struct capture_hist_pool *p);
struct capture_hist_slot *capture_hist_next_active(const struct capture_hist_pool *p,
						   const struct capture_hist_slot *s);

#endif
