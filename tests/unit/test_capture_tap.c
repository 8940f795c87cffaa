/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker side of capture (dataplane/capture_tap.c) with filters compiled by
 * pcap/capture_bpf.c: a frame a capture's filter accepts is copied, cut at its snaplen,
 * with its time and wire length, into the worker's copy ring; JIT, interpreter and libpcap
 * agree on every frame; a full ring drops the copy and counts it for its capture; a new
 * capture in a slot counts from zero; a frame in two segments is matched and copied whole.
 * Automatic captures (dataplane/worker_capture.c): an event writes START, the flow's
 * history, the packets and resets after it and END with its counts, in ring order; later
 * events join it; event_packets and event_seconds end it; an empty pool counts the flow
 * refused and its event missed; event_rate limits the captures started; `capture` and
 * auto_alert decide which events capture.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <rte_bpf.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "capture_bpf.h"
#include "capture_hist.h"
#include "capture_ring.h"
#include "capture_tap.h"
#include "runtime_types.h"
#include "worker_capture.h"
#include "worker_flow.h"

static struct rte_mempool *pool;

/* Ethernet + IPv4 + TCP (proto 6) or UDP (17) from sport to dport, len bytes in all. */
static struct rte_mbuf *
frame(uint8_t proto, uint16_t sport, uint16_t dport, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;
	uint16_t i, ip_len = (uint16_t)(len - 14);

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 3 + sport);
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	p[14] = 0x45;
	p[15] = 0;
	p[16] = (uint8_t)(ip_len >> 8);
	p[17] = (uint8_t)ip_len;
	p[20] = 0x40;	/* DF, offset 0 */
	p[21] = 0;
	p[22] = 64;
	p[23] = proto;
	memcpy(p + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	p[34] = (uint8_t)(sport >> 8);
	p[35] = (uint8_t)sport;
	p[36] = (uint8_t)(dport >> 8);
	p[37] = (uint8_t)dport;
	if (proto == 6)
		p[46] = 0x50;	/* data offset 5 */
	return m;
}

struct set1 {
	struct capture_set s;
	struct capture_set *pub;
	struct capture_bpf *b;
};

static void
set_one(struct set1 *x, const char *expr, uint32_t snaplen, uint8_t slot, uint32_t serial,
	int jit)
{
	char err[256];

	memset(x, 0, sizeof(*x));
	x->b = capture_bpf_compile(expr, snaplen, err, sizeof(err));
	if (x->b == NULL)
		fail_msg("%s: %s", expr, err);
	x->s.n = 1;
	x->s.f[0].serial = serial;
	x->s.f[0].snaplen = snaplen;
	x->s.f[0].slot = slot;
	x->s.f[0].bpf = capture_bpf_program(x->b);
	x->s.f[0].jit = jit ? capture_bpf_jit(x->b) : NULL;
	x->pub = &x->s;
}

static void
test_capture_tap_copies_matching_frames_cut_at_snaplen(void **state)
{
	struct set1 x;
	struct capture_tap *t;
	struct rte_mbuf *m[3];
	const struct capture_rec *r;
	uint64_t matched, dropped;

	(void)state;
	set_one(&x, "tcp dst port 80", 64, 3, 7, 1);
	t = capture_tap_create(&x.pub, 1 << 16, 0);
	assert_non_null(t);
	m[0] = frame(6, 1000, 80, 100);
	m[1] = frame(17, 1000, 80, 80);
	m[2] = frame(6, 1001, 443, 1500);
	capture_tap_packet(t, m[0], 1714557600000007ull);
	capture_tap_packet(t, m[1], 1714557600000008ull);
	capture_tap_packet(t, m[2], 1714557600000009ull);
	r = capture_ring_peek(t->ring);
	assert_non_null(r);
	assert_int_equal(r->size, capture_rec_size(64));
	assert_int_equal(r->serial, 7);
	assert_int_equal(r->slot, 3);
	assert_int_equal(r->ts_us, 1714557600000007ull);
	assert_int_equal(r->caplen, 64);
	assert_int_equal(r->origlen, 100);
	assert_memory_equal(r + 1, rte_pktmbuf_mtod(m[0], void *), 64);
	capture_ring_release(t->ring, r->size);
	assert_null(capture_ring_peek(t->ring));
	capture_tap_counts(&t, 1, 3, 7, &matched, &dropped);
	assert_int_equal(matched, 1);
	assert_int_equal(dropped, 0);
	assert_int_equal(t->st.matched, 1);
	assert_int_equal(t->st.bytes, 64);
	/* Nothing published: nothing copied. */
	x.pub = NULL;
	capture_tap_packet(t, m[0], 1);
	assert_null(capture_ring_peek(t->ring));
	assert_int_equal(t->st.matched, 1);
	rte_pktmbuf_free_bulk(m, 3);
	capture_tap_free(t);
	capture_bpf_free(x.b);
}

static void
test_capture_tap_jit_interpreter_and_libpcap_agree(void **state)
{
	static const char *const exprs[] = {
		"tcp", "udp", "port 80", "tcp port 443 or udp port 53", "src port 1000",
		"ip[23] == 17", "len > 200", "ether dst 02:00:00:00:00:02", "host 10.0.0.2",
		"not tcp", "vlan", "ip6", "tcp[13] & 2 != 0", "greater 1000",
		"tcp[13] == 0x76", "ether[47] & 2 != 0", "ether[47] == 0x76", "ether[47] & 2 = 2",
		"tcp[13] & 0x40 != 0", "ip[0] & 0xf0 = 0x40", "tcp[12:2] = 0x5079",
		"tcp[12:4] & 0xff00 != 0", "udp[4:2] > 100", "tcp[tcpflags] & tcp-syn != 0",
	};
	struct rte_mbuf *m[6];
	unsigned int i, k, hits = 0;

	(void)state;
	m[0] = frame(6, 1000, 80, 100);
	m[1] = frame(17, 1000, 53, 80);
	m[2] = frame(6, 1001, 443, 1500);
	m[3] = frame(17, 5353, 5353, 300);
	m[4] = frame(6, 80, 2000, 60);
	m[5] = frame(1, 0, 0, 98);
	for (i = 0; i < RTE_DIM(exprs); i++) {
		struct set1 x;

		set_one(&x, exprs[i], 262144, 0, 1, 1);
		for (k = 0; k < RTE_DIM(m); k++) {
			int want = capture_bpf_match(x.b, rte_pktmbuf_mtod(m[k], uint8_t *),
						     m[k]->data_len, m[k]->pkt_len);
			int interp = rte_bpf_exec(capture_bpf_program(x.b), m[k]) != 0;

			if (interp != want)
				fail_msg("%s, frame %u: rte_bpf %d, libpcap %d", exprs[i], k, interp,
					 want);
			if (capture_bpf_jit(x.b) != NULL &&
			    (capture_bpf_jit(x.b)(m[k]) != 0) != want)
				fail_msg("%s, frame %u: JIT differs from libpcap", exprs[i], k);
			hits += want;
		}
		capture_bpf_free(x.b);
	}
	/* The table is not degenerate: filters match some frames and not others. The byte and
	 * word loads past the IP header (tcp[13], tcp[12:4]) are the ones DPDK's conversion
	 * gets wrong without capture_bpf.c's fix. */
	assert_true(hits > 10 && hits < RTE_DIM(exprs) * RTE_DIM(m) - 10);
	rte_pktmbuf_free_bulk(m, RTE_DIM(m));
}

static void
test_capture_tap_full_ring_drops_copies_and_counts_them(void **state)
{
	struct set1 x;
	struct capture_tap *t;
	struct rte_mbuf *m = frame(6, 1000, 80, 1500);
	uint64_t matched, dropped;
	const struct capture_rec *r;
	int i;

	(void)state;
	set_one(&x, "tcp", 1500, 5, 9, 0);	/* interpreted */
	t = capture_tap_create(&x.pub, 4096, 0);
	assert_non_null(t);
	/* A record is 32 + 1500 -> 1536 bytes: two fit in 4096. */
	for (i = 0; i < 5; i++)
		capture_tap_packet(t, m, (uint64_t)i);
	capture_tap_counts(&t, 1, 5, 9, &matched, &dropped);
	assert_int_equal(matched, 5);
	assert_int_equal(dropped, 3);
	assert_int_equal(t->st.dropped, 3);
	r = capture_ring_peek(t->ring);
	assert_int_equal(r->ts_us, 0);
	capture_ring_release(t->ring, r->size);
	r = capture_ring_peek(t->ring);
	assert_int_equal(r->ts_us, 1);
	capture_ring_release(t->ring, r->size);
	/* Drained: copies fit again. */
	capture_tap_packet(t, m, 5);
	capture_tap_counts(&t, 1, 5, 9, &matched, &dropped);
	assert_int_equal(matched, 6);
	assert_int_equal(dropped, 3);
	r = capture_ring_peek(t->ring);
	assert_int_equal(r->ts_us, 5);
	/* Another serial in the slot is not this capture's count. */
	capture_tap_counts(&t, 1, 5, 10, &matched, &dropped);
	assert_int_equal(matched, 0);
	rte_pktmbuf_free(m);
	capture_tap_free(t);
	capture_bpf_free(x.b);
}

static void
test_capture_tap_new_capture_in_a_slot_counts_from_zero(void **state)
{
	struct set1 a, b;
	struct capture_tap *t[2] = { NULL, NULL };
	struct rte_mbuf *m = frame(6, 1000, 80, 100);
	uint64_t matched, dropped;

	(void)state;
	set_one(&a, "tcp", 100, 2, 11, 1);
	set_one(&b, "tcp", 100, 2, 12, 1);
	t[1] = capture_tap_create(&a.pub, 1 << 16, 0);
	capture_tap_packet(t[1], m, 1);
	capture_tap_packet(t[1], m, 2);
	capture_tap_counts(t, 2, 2, 11, &matched, &dropped);
	assert_int_equal(matched, 2);
	/* The slot now belongs to serial 12 (as after a stop, a grace period and a start). */
	t[1]->set = (struct capture_set *const *)&b.pub;
	capture_tap_packet(t[1], m, 3);
	capture_tap_counts(t, 2, 2, 12, &matched, &dropped);
	assert_int_equal(matched, 1);
	capture_tap_counts(t, 2, 2, 11, &matched, &dropped);
	assert_int_equal(matched, 0);
	rte_pktmbuf_free(m);
	capture_tap_free(t[1]);
	capture_bpf_free(a.b);
	capture_bpf_free(b.b);
}

static void
test_capture_tap_two_segment_frame_is_matched_and_copied_whole(void **state)
{
	struct set1 x;
	struct capture_tap *t;
	struct rte_mbuf *m = frame(6, 1000, 80, 100), *tail = rte_pktmbuf_alloc(pool);
	const struct capture_rec *r;
	uint8_t *p, want[160];

	(void)state;
	p = (uint8_t *)rte_pktmbuf_append(tail, 60);
	memset(p, 0x5a, 60);
	assert_int_equal(rte_pktmbuf_chain(m, tail), 0);
	assert_int_equal(m->pkt_len, 160);
	/* A byte only the second segment holds. */
	set_one(&x, "ether[130] == 0x5a", 1000, 0, 1, 1);
	t = capture_tap_create(&x.pub, 1 << 16, 0);
	capture_tap_packet(t, m, 42);
	r = capture_ring_peek(t->ring);
	assert_non_null(r);
	assert_int_equal(r->caplen, 160);
	memcpy(want, rte_pktmbuf_mtod(m, void *), 100);
	memset(want + 100, 0x5a, 60);
	assert_memory_equal(r + 1, want, 160);
	capture_ring_release(t->ring, r->size);
	capture_bpf_free(x.b);
	set_one(&x, "ether[130] == 0x5b", 1000, 0, 1, 1);
	capture_tap_packet(t, m, 43);
	assert_null(capture_ring_peek(t->ring));
	rte_pktmbuf_free(m);
	capture_tap_free(t);
	capture_bpf_free(x.b);
}

static void
test_capture_bpf_jit_is_used_unless_the_program_hits_a_jit_defect(void **state)
{
	char err[256];
	struct capture_bpf *b = capture_bpf_compile("tcp port 80 or udp port 53", 100, err,
						    sizeof(err));

	(void)state;
	assert_non_null(b);
	assert_non_null(capture_bpf_program(b));
	assert_non_null(capture_bpf_jit(b));
	capture_bpf_free(b);
	/* A bit test against a small constant: interpreted. */
	b = capture_bpf_compile("tcp[13] & 2 != 0", 100, err, sizeof(err));
	assert_non_null(b);
	assert_non_null(capture_bpf_program(b));
	assert_null(capture_bpf_jit(b));
	capture_bpf_free(b);
	/* No expression: no program, every frame. */
	b = capture_bpf_compile("", 100, err, sizeof(err));
	assert_null(capture_bpf_program(b));
	assert_true(capture_bpf_match(b, (const uint8_t *)"x", 1, 1));
	capture_bpf_free(b);
}

static void
test_capture_bpf_refusal_carries_libpcap_message(void **state)
{
	char err[256];

	(void)state;
	assert_null(capture_bpf_compile("tcp port", 100, err, sizeof(err)));
	assert_string_equal(err, "can't parse filter expression: syntax error");
	assert_null(capture_bpf_compile("port 99999", 100, err, sizeof(err)));
	assert_string_equal(err, "illegal port number 99999 > 65535");
	assert_null(capture_bpf_compile("host nosuchhost.invalid", 100, err, sizeof(err)));
	assert_non_null(strstr(err, "nosuchhost.invalid"));
}

/* ---- automatic captures ---- */

struct wc_env {
	struct runtime *rt;
	struct worker *w;
	struct capture_tap *t;
	struct capture_set *none;
};

static void
wc_setup(struct wc_env *e, uint64_t memcap, uint32_t event_packets, uint64_t event_us)
{
	struct capture_tap_auto au = {
		.memcap = memcap, .bytes = 4096, .first = 2, .last = 8, .snaplen = 200,
		.event_packets = event_packets, .event_us = event_us,
	};

	e->none = NULL;
	e->rt = calloc(1, sizeof(*e->rt));
	e->w = aligned_alloc(64, sizeof(*e->w));
	assert_non_null(e->rt);
	assert_non_null(e->w);
	memset(e->w, 0, sizeof(*e->w));
	e->t = capture_tap_create(&e->none, 1 << 16, 0);
	assert_non_null(e->t);
	assert_int_equal(capture_tap_auto_init(e->t, &au, 0), 0);
	e->w->cap = e->t;
	e->w->rt = e->rt;
	e->w->now_us = 1000;
}

static void
wc_teardown(struct wc_env *e)
{
	capture_tap_free(e->t);
	free(e->w);
	free(e->rt);
}

/* The next record of the ring: kind, event capture seq, time, caplen; its data. */
static const uint8_t *
wc_next(struct capture_tap *t, uint8_t kind, uint32_t seq, uint64_t ts, uint32_t caplen)
{
	static uint8_t copy[4096];
	const struct capture_rec *r = capture_ring_peek(t->ring);

	assert_non_null(r);
	assert_int_equal(r->slot, CAPTURE_SLOT_EVENT);
	assert_int_equal(r->kind, kind);
	assert_int_equal(r->serial, seq);
	assert_int_equal(r->ts_us, ts);
	assert_int_equal(r->caplen, caplen);
	memcpy(copy, r + 1, caplen);
	capture_ring_release(t->ring, r->size);
	return copy;
}

static void
wc_pkt(uint8_t *p, uint32_t len, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(id * 17 + i);
}

static void
test_worker_capture_event_writes_history_after_resets_and_end(void **state)
{
	struct capture_event_start st;
	struct capture_event_end end;
	struct flow f;
	struct wc_env e;
	uint8_t p[300], want[300];
	const uint8_t *d;
	uint32_t i, seq;

	(void)state;
	wc_setup(&e, 64 << 10, 2, 5000000);
	memset(&f, 0, sizeof(f));
	f.flow_id = 77;
	f.cap_flags = FLOW_CAP_WANT;
	/* Twelve frames of 300 bytes, kept cut at 200: 2 pinned, the last 8 in the ring. */
	for (i = 0; i < 12; i++) {
		wc_pkt(p, sizeof(p), i);
		worker_capture_packet(e.w, &f, p, sizeof(p), 100 + i);
	}
	assert_int_equal(e.t->st.hist_taken, 1);
	assert_int_equal(e.t->st.hist_in_use, 1);
	assert_int_equal(e.t->st.hist_evicted, 2);
	assert_null(capture_ring_peek(e.t->ring));	/* nothing leaves before an event */
	assert_int_equal(worker_capture_event(e.w, &f, CAPTURE_EVENT_DLP, 0), 0);
	seq = worker_capture_event(e.w, &f, CAPTURE_EVENT_DLP, 1);
	assert_int_equal(seq, 1);
	/* A second event while it is written: the same capture. */
	assert_int_equal(worker_capture_event(e.w, &f, CAPTURE_EVENT_ALERT, 1), 1);
	memset(p, 0xab, 60);
	worker_capture_rst(e.w, &f, p, 60);
	for (i = 12; i < 15; i++) {
		wc_pkt(p, sizeof(p), i);
		worker_capture_packet(e.w, &f, p, sizeof(p), 100 + i);
	}
	/* START, 10 history copies (frames 0, 1, 4..11), the RST, frames 12 and 13, END: the
	 * third frame after the event (event_packets 2) ended it and went to a new history. */
	d = wc_next(e.t, CAPTURE_REC_START, 1, 1000, sizeof(st));
	memcpy(&st, d, sizeof(st));
	assert_int_equal(st.flow_id, 77);
	assert_int_equal(st.ts_us, 1000);
	assert_int_equal(st.type, CAPTURE_EVENT_DLP);
	for (i = 0; i < 12; i++) {
		if (i == 2 || i == 3)
			continue;
		d = wc_next(e.t, CAPTURE_REC_PACKET, 1, 100 + i, 200);
		wc_pkt(want, 200, i);
		assert_memory_equal(d, want, 200);
	}
	d = wc_next(e.t, CAPTURE_REC_PACKET, 1, 1000, 60);
	assert_int_equal(d[0], 0xab);
	for (i = 12; i < 14; i++) {
		d = wc_next(e.t, CAPTURE_REC_PACKET, 1, 100 + i, 200);
		wc_pkt(want, 200, i);
		assert_memory_equal(d, want, 200);
	}
	d = wc_next(e.t, CAPTURE_REC_END, 1, 1000, sizeof(end));
	memcpy(&end, d, sizeof(end));
	assert_int_equal(end.history, 10);
	assert_int_equal(end.evicted, 2);
	assert_int_equal(end.after, 2);
	assert_int_equal(end.rsts, 1);
	assert_int_equal(end.lost, 0);
	assert_int_equal(end.why, CAPTURE_END_PACKETS);
	assert_null(capture_ring_peek(e.t->ring));
	/* A later event: a capture of its own, from the new history (frame 14 only), ended
	 * by event_seconds at housekeeping. */
	e.w->now_us = 2000;
	assert_int_equal(worker_capture_event(e.w, &f, CAPTURE_EVENT_ALERT, 1), 2);
	e.w->now_us = 2000 + 4999999;
	worker_capture_expire(e.w);
	d = wc_next(e.t, CAPTURE_REC_START, 2, 2000, sizeof(st));
	memcpy(&st, d, sizeof(st));
	assert_int_equal(st.type, CAPTURE_EVENT_ALERT);
	wc_next(e.t, CAPTURE_REC_PACKET, 2, 114, 200);
	assert_null(capture_ring_peek(e.t->ring));
	e.w->now_us = 2000 + 5000000;
	worker_capture_expire(e.w);
	d = wc_next(e.t, CAPTURE_REC_END, 2, 2000 + 5000000, sizeof(end));
	memcpy(&end, d, sizeof(end));
	assert_int_equal(end.history, 1);
	assert_int_equal(end.why, CAPTURE_END_TIME);
	/* The flow ends: its history goes back. */
	worker_capture_flow_end(e.w, &f);
	assert_int_equal(f.cap_slot, 0);
	assert_int_equal(e.t->st.hist_in_use, 0);
	assert_int_equal(e.t->st.ev_started, 2);
	assert_null(capture_ring_peek(e.t->ring));
	wc_teardown(&e);
}

static void
test_worker_capture_empty_pool_refuses_history_and_misses_event(void **state)
{
	struct flow f[2];
	struct wc_env e;
	uint8_t p[100];

	(void)state;
	/* Room for one history of 4096 bytes, not two. */
	wc_setup(&e, 6000, 10, 1000000);
	assert_int_equal(e.t->hist->n, 1);
	memset(f, 0, sizeof(f));
	f[0].cap_flags = f[1].cap_flags = FLOW_CAP_WANT;
	memset(p, 1, sizeof(p));
	worker_capture_packet(e.w, &f[0], p, sizeof(p), 1);
	worker_capture_packet(e.w, &f[1], p, sizeof(p), 2);
	worker_capture_packet(e.w, &f[1], p, sizeof(p), 3);
	assert_int_equal(e.t->st.hist_taken, 1);
	assert_int_equal(e.t->st.hist_refused, 1);	/* once per flow */
	assert_int_equal(f[1].cap_flags & FLOW_CAP_REFUSED, FLOW_CAP_REFUSED);
	assert_int_equal(worker_capture_event(e.w, &f[1], CAPTURE_EVENT_DLP, 1), 0);
	assert_int_equal(e.t->st.ev_missed, 1);
	assert_null(capture_ring_peek(e.t->ring));
	/* The first flow ends: the second takes its history on its next packet. */
	worker_capture_flow_end(e.w, &f[0]);
	worker_capture_packet(e.w, &f[1], p, sizeof(p), 4);
	assert_int_equal(e.t->st.hist_taken, 2);
	assert_int_equal(worker_capture_event(e.w, &f[1], CAPTURE_EVENT_DLP, 1), 1);
	worker_capture_flow_end(e.w, &f[1]);
	assert_int_equal(e.t->st.hist_in_use, 0);
	wc_teardown(&e);
}

static void
test_worker_capture_event_rate_limits_new_captures(void **state)
{
	struct flow f[4];
	struct wc_env e;
	uint8_t p[100];
	uint32_t i;

	(void)state;
	wc_setup(&e, 64 << 10, 10, 1000000);
	e.t->au.event_rate = 2;		/* two a second, a burst of two */
	memset(f, 0, sizeof(f));
	memset(p, 1, sizeof(p));
	for (i = 0; i < 4; i++) {
		f[i].cap_flags = FLOW_CAP_WANT;
		worker_capture_packet(e.w, &f[i], p, sizeof(p), 1);
	}
	e.w->now_us = 10000000;
	assert_int_equal(worker_capture_event(e.w, &f[0], CAPTURE_EVENT_DLP, 1), 1);
	assert_int_equal(worker_capture_event(e.w, &f[1], CAPTURE_EVENT_DLP, 1), 2);
	assert_int_equal(worker_capture_event(e.w, &f[2], CAPTURE_EVENT_DLP, 1), 0);
	assert_int_equal(e.t->st.ev_limited, 1);
	/* Joining a capture being written is not a start. */
	assert_int_equal(worker_capture_event(e.w, &f[1], CAPTURE_EVENT_DLP, 1), 2);
	/* Half a second later, one more. */
	e.w->now_us += 499999;
	assert_int_equal(worker_capture_event(e.w, &f[2], CAPTURE_EVENT_DLP, 1), 0);
	e.w->now_us += 1;
	assert_int_equal(worker_capture_event(e.w, &f[2], CAPTURE_EVENT_DLP, 1), 3);
	assert_int_equal(worker_capture_event(e.w, &f[3], CAPTURE_EVENT_DLP, 1), 0);
	assert_int_equal(e.t->st.ev_limited, 3);
	assert_int_equal(e.t->st.ev_started, 3);
	for (i = 0; i < 4; i++)
		worker_capture_flow_end(e.w, &f[i]);
	wc_teardown(&e);
}

static void
test_worker_capture_wanted_follows_capture_blocks_and_auto_alert(void **state)
{
	struct wc_env e;

	(void)state;
	wc_setup(&e, 64 << 10, 10, 1000000);
	assert_int_equal(worker_capture_wanted(e.w, POLICY_CAPTURE_DEFAULT, 1), 1);
	assert_int_equal(worker_capture_wanted(e.w, POLICY_CAPTURE_DEFAULT, 0), 0);
	assert_int_equal(worker_capture_wanted(e.w, POLICY_CAPTURE_ON, 0), 1);
	assert_int_equal(worker_capture_wanted(e.w, POLICY_CAPTURE_OFF, 1), 0);
	e.rt->cfg.capture.auto_alert = 1;
	assert_int_equal(worker_capture_wanted(e.w, POLICY_CAPTURE_DEFAULT, 0), 1);
	assert_int_equal(worker_capture_wanted(e.w, POLICY_CAPTURE_OFF, 0), 0);
	/* Without histories (history_memcap 0), nothing captures. */
	e.w->cap = NULL;
	assert_int_equal(worker_capture_wanted(e.w, POLICY_CAPTURE_ON, 1), 0);
	wc_teardown(&e);
}

int
main(void)
{
	char prefix[64];
	char *argv[] = { "test_capture_tap", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			 "--no-telemetry", "--log-level=warning", prefix, NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_tap_copies_matching_frames_cut_at_snaplen),
		cmocka_unit_test(test_capture_tap_jit_interpreter_and_libpcap_agree),
		cmocka_unit_test(test_capture_tap_full_ring_drops_copies_and_counts_them),
		cmocka_unit_test(test_capture_tap_new_capture_in_a_slot_counts_from_zero),
		cmocka_unit_test(test_capture_tap_two_segment_frame_is_matched_and_copied_whole),
		cmocka_unit_test(test_capture_bpf_jit_is_used_unless_the_program_hits_a_jit_defect),
		cmocka_unit_test(test_capture_bpf_refusal_carries_libpcap_message),
		cmocka_unit_test(test_worker_capture_event_writes_history_after_resets_and_end),
		cmocka_unit_test(test_worker_capture_empty_pool_refuses_history_and_misses_event),
		cmocka_unit_test(test_worker_capture_event_rate_limits_new_captures),
		cmocka_unit_test(test_worker_capture_wanted_follows_capture_blocks_and_auto_alert),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=test_capture_tap%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
