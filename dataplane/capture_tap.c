/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker side of packet capture (capture_tap.h): filters run as compiled BPF on the
 * mbuf (the program converted from pcap_compile's cBPF reads the frame through
 * rte_pktmbuf_read, so multi-segment frames match like linear ones), copies go into the
 * worker's copy ring. Per-capture counters live in the tap, one set per slot, tagged with
 * the serial of the capture they count for: when a new capture takes a slot, the worker
 * zeroes the counts before storing the new serial (release), so a reader that sees the
 * serial it asks for reads counts of that capture only.
 */
#include <errno.h>
#include <string.h>
#include <rte_bpf.h>
#include <rte_common.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include "capture_hist.h"
#include "capture_ring.h"
#include "capture_tap.h"

RTE_LOG_REGISTER_SUFFIX(capture_tap_logtype, capture.tap, INFO);
#define TAP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, capture_tap_logtype, "tollgate.capture.tap: " fmt "\n", \
		##__VA_ARGS__)

struct capture_tap *
capture_tap_create(struct capture_set *const *set, uint64_t ring_size, int socket)
{
	struct capture_tap *t;

	if (set == NULL || ring_size < 64 || (ring_size & (ring_size - 1)) != 0) {
		TAP_LOG(ERR, "copy ring of %" PRIu64 " bytes: expected a power of two", ring_size);
		return NULL;
	}
	t = rte_zmalloc_socket("capture_tap", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL)
		goto nomem;
	t->mem = rte_malloc_socket("capture_ring", capture_ring_memsize(ring_size), 64, socket);
	if (t->mem == NULL)
		goto nomem;
	t->ring = capture_ring_init(t->mem, ring_size);
	t->set = set;
	return t;
nomem:
	TAP_LOG(ERR, "no memory for a copy ring of %" PRIu64 " bytes (capture.ring_size)",
		ring_size);
	capture_tap_free(t);
	return NULL;
}

int
capture_tap_auto_init(struct capture_tap *t, const struct capture_tap_auto *a, int socket)
{
	struct capture_hist_conf hc = {
		.bytes = a->bytes, .first = a->first, .last = a->last, .snaplen = a->snaplen,
	};

	if (a->memcap == 0)
		return 0;
	t->hist_mem = rte_malloc_socket("capture_hist", a->memcap, 64, socket);
	if (t->hist_mem == NULL) {
		TAP_LOG(ERR, "no memory for %" PRIu64 " bytes of flow histories "
			"(capture.history_memcap)", a->memcap);
		return -ENOMEM;
	}
	t->hist = capture_hist_pool_init(t->hist_mem, a->memcap, &hc);
	if (t->hist == NULL) {
		rte_free(t->hist_mem);
		t->hist_mem = NULL;
		return -EINVAL;
	}
	t->au = *a;
	return 0;
}

void
capture_tap_free(struct capture_tap *t)
{
	if (t == NULL)
		return;
	rte_free(t->hist_mem);
	rte_free(t->mem);
	rte_free(t);
}

int
capture_tap_event_rec(struct capture_tap *t, uint32_t seq, uint8_t kind, uint64_t ts_us,
		      const void *data, uint32_t caplen, uint32_t origlen)
{
	uint32_t size = capture_rec_size(caplen);
	struct capture_rec *r = capture_ring_reserve(t->ring, size);

	while (unlikely(r == NULL && t->wait_when_full)) {
		rte_pause();
		r = capture_ring_reserve(t->ring, size);
	}
	if (unlikely(r == NULL)) {
		t->st.ev_lost++;
		return -ENOBUFS;
	}
	r->size = size;
	r->serial = seq;
	r->ts_us = ts_us;
	r->caplen = caplen;
	r->origlen = origlen;
	r->slot = CAPTURE_SLOT_EVENT;
	r->kind = kind;
	memset(r->pad, 0, sizeof(r->pad));
	memcpy(r + 1, data, caplen);
	capture_ring_commit(t->ring);
	t->st.ev_copies++;
	return 0;
}

static inline int
capture_tap_match(const struct capture_filter *f, struct rte_mbuf *m)
{
	if (f->bpf == NULL)
		return 1;
	if (f->jit != NULL)
		return f->jit(m) != 0;
	return rte_bpf_exec(f->bpf, m) != 0;
}

void
capture_tap_run(struct capture_tap *t, const struct capture_set *s, struct rte_mbuf *m,
		uint64_t ts_us)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		const struct capture_filter *f = &s->f[i];
		struct capture_tap_count *c = &t->cnt[f->slot];
		uint32_t caplen = RTE_MIN(len, f->snaplen);
		uint32_t size = capture_rec_size(caplen);
		struct capture_rec *r;
		const void *p;

		if (unlikely(c->serial != f->serial)) {
			/* A new capture in this slot: its counts start at zero. */
			c->matched = 0;
			c->dropped = 0;
			__atomic_store_n(&c->serial, f->serial, __ATOMIC_RELEASE);
		}
		if (!capture_tap_match(f, m))
			continue;
		c->matched++;
		t->st.matched++;
		r = capture_ring_reserve(t->ring, size);
		while (unlikely(r == NULL && t->wait_when_full)) {
			rte_pause();
			r = capture_ring_reserve(t->ring, size);
		}
		if (unlikely(r == NULL)) {
			c->dropped++;
			t->st.dropped++;
			continue;
		}
		r->size = size;
		r->serial = f->serial;
		r->ts_us = ts_us;
		r->caplen = caplen;
		r->origlen = len;
		r->slot = f->slot;
		r->kind = CAPTURE_REC_PACKET;
		p = rte_pktmbuf_read(m, 0, caplen, r + 1);
		if (p != NULL && p != (const void *)(r + 1))
			memcpy(r + 1, p, caplen);
		capture_ring_commit(t->ring);
		t->st.bytes += caplen;
	}
}

void
capture_tap_counts(struct capture_tap *const *taps, unsigned int n, uint8_t slot,
		   uint32_t serial, uint64_t *matched, uint64_t *dropped)
{
	unsigned int i;

	*matched = 0;
	*dropped = 0;
	if (slot >= CAPTURE_SLOTS)
		return;
	for (i = 0; i < n; i++) {
		const struct capture_tap_count *c;

		if (taps[i] == NULL)
			continue;
		c = &taps[i]->cnt[slot];
		if (__atomic_load_n(&c->serial, __ATOMIC_ACQUIRE) != serial)
			continue;
		*matched += c->matched;
		*dropped += c->dropped;
	}
}
