/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's capture tap (docs/capture.md): once per received packet, every running
 * capture's filter runs on it (compiled BPF: JIT'd native code, or the rte_bpf interpreter)
 * and a matching packet is copied, cut at the capture's snaplen, with its time and length,
 * into the worker's copy ring (capture_ring.h). A copy that finds the ring full is dropped
 * and counted for its capture; the packet itself goes on untouched. No allocation, lock,
 * system call or wait per packet, except offline (wait_when_full), where the worker waits
 * for the writer as it waits for the control thread's event ring: there is no line rate
 * to keep up with, and a forensic cut of a trace must not miss a packet.
 *
 * The pcap layer creates one tap per worker before the workers start, publishes the set
 * of running captures through the slot it passed (RCU: the set a worker loaded stays valid
 * until its next quiescent report), drains the ring, and reads the counters.
 *
 * A tap may also hold the worker's flow histories (capture_hist.h) for automatic captures;
 * the worker's glue (worker_capture.c) writes their event captures into the same copy ring
 * through capture_tap_event_rec.
 */
#ifndef TOLLGATE_CAPTURE_TAP_H
#define TOLLGATE_CAPTURE_TAP_H

#include <stdint.h>
#include <rte_branch_prediction.h>
#include "capture_types.h"

struct rte_mbuf;
struct capture_ring;
struct capture_hist_pool;

/* Automatic captures: the histories of a worker's flows and what follows an event. */
struct capture_tap_auto {
	uint64_t memcap;		/* bytes of histories (capture.history_memcap) */
	uint32_t bytes;			/* one history (capture.history_bytes) */
	uint32_t first, last;		/* copies pinned, copies kept at most */
	uint32_t snaplen;		/* bytes kept of each packet */
	uint32_t event_packets;		/* packets copied after an event */
	uint64_t event_us;		/* ... for at most this long */
	uint32_t event_rate;		/* event captures started per second; 0: any */
};

struct capture_tap {
	struct capture_tap_stats st;		/* first: the worker's totals */
	struct capture_set *const *set;		/* published set (RCU), NULL: none */
	struct capture_ring *ring;
	struct capture_tap_count cnt[CAPTURE_SLOTS];
	void *mem;				/* the ring's memory (rte_malloc) */
	uint8_t wait_when_full;			/* offline: wait for the writer, drop nothing */
	/* Automatic captures (capture_tap_auto_init), or hist NULL: none. */
	struct capture_hist_pool *hist;
	void *hist_mem;
	struct capture_tap_auto au;
	uint32_t ev_seq;			/* the worker's last event capture */
	uint64_t ev_tokens_us;			/* rate: the time its budget is full again */
};

/*
 * A tap with a copy ring of ring_size bytes (a power of two, at least 64) allocated on
 * socket, reading the set published at *set. Returns NULL (with a log line) when out of
 * memory or ring_size is not a power of two. Control thread, before the worker starts;
 * the caller owns it (capture_tap_free).
 */
struct capture_tap *capture_tap_create(struct capture_set *const *set, uint64_t ring_size,
				       int socket);

/*
 * Give t the flow histories of automatic captures: a pool of a->memcap bytes on socket.
 * Returns 0, -EINVAL when a holds no history (memcap 0 is not an error: nothing is done,
 * 0), or -ENOMEM (logged). Control thread, before the worker starts.
 */
int capture_tap_auto_init(struct capture_tap *t, const struct capture_tap_auto *a, int socket);

/*
 * Write one record of event capture seq into t's copy ring: kind (enum capture_rec_kind),
 * time, caplen bytes of data and the wire length origlen. Returns 0, or -ENOBUFS when the
 * ring has no room (the copy is lost and counted in ev_lost; offline the worker waits
 * instead). Owning worker only.
 */
int capture_tap_event_rec(struct capture_tap *t, uint32_t seq, uint8_t kind, uint64_t ts_us,
			  const void *data, uint32_t caplen, uint32_t origlen);

/* Free a tap and its ring; the worker must have stopped. NULL is a no-op. */
void capture_tap_free(struct capture_tap *t);

/* The slow part of capture_tap_packet: the set is not empty. Worker only. */
void capture_tap_run(struct capture_tap *t, const struct capture_set *s, struct rte_mbuf *m,
		     uint64_t ts_us);

/*
 * Offer the received frame m (its time ts_us, microseconds since the epoch) to every
 * running capture. m is only read. t may be NULL (capture off). The owning worker only,
 * inside its poll loop (before its quiescent report).
 */
static inline void
capture_tap_packet(struct capture_tap *t, struct rte_mbuf *m, uint64_t ts_us)
{
	const struct capture_set *s;

	if (t == NULL)
		return;
	s = __atomic_load_n(t->set, __ATOMIC_ACQUIRE);
	if (likely(s == NULL || s->n == 0))
		return;
	capture_tap_run(t, s, m, ts_us);
}

/*
 * What the workers' taps counted for the capture with serial in slot: matched and dropped
 * summed over taps[0..n) (entries may be NULL). Any thread; exact once the capture left
 * the published set and a grace period passed, a moment's view before.
 */
void capture_tap_counts(struct capture_tap *const *taps, unsigned int n, uint8_t slot,
			uint32_t serial, uint64_t *matched, uint64_t *dropped);

#endif
