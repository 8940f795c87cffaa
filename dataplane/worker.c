/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcores: run-to-completion packet processing. Each worker owns its RX queues (or
 * its ring from the software dispatcher), flow table, reassembly pool, defrag table and
 * counters, and talks to the control thread only through its message ring.
 *
 *   rx burst ─► capture tap (capture_tap.c: copies for running captures)
 *            ─► parse L2-L4 ─► defrag ─► flow lookup/create ─► policy (worker_policy.c)
 *            ─► flow history / event capture (worker_capture.c)
 *            ─► TCP tracking ─► in-order reassembly per direction ─► consumers: first
 *               bytes (app, SNI), DLP sensors, stream dump
 *            ─► verdict: forward on the peer port (inline), drop, or reset both ends
 *   flow end (timeout / eviction / end of input / a new connection on its 4-tuple)
 *            ─► flush reassembly ─► flow event
 *
 * Nothing here allocates from the heap, logs, or blocks per packet. The one wait is in
 * offline mode, where a full message ring makes the worker wait for the control thread
 * instead of losing an event (there is no line rate to keep up with when reading a file).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include "app_detect.h"
#include "app_layer.h"
#include "app_dns.h"
#include "app_tls.h"
#include "capture_tap.h"
#include "defrag.h"
#include "dlp.h"
#include "flow_policy.h"
#include "flow_table.h"
#include "msg_types.h"
#include "pkt_cksum.h"
#include "pkt_parse.h"
#include "rst.h"
#include "runtime_types.h"
#include "tcp_reasm.h"
#include "worker.h"
#include "worker_app.h"
#include "worker_capture.h"
#include "worker_dlp.h"
#include "worker_msg.h"
#include "worker_meta.h"
#include "worker_flow.h"
#include "worker_frag.h"
#include "worker_policy.h"
#include "worker_prof.h"

RTE_LOG_REGISTER_SUFFIX(worker_logtype, worker, INFO);
#define WORKER_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, worker_logtype, "tollgate.worker: " fmt "\n", ##__VA_ARGS__)

#define WORKER_BURST_MAX 64
#define WORKER_EXPIRE_PERIOD_US 100000	/* flow and defrag ageing scan */
#define WORKER_EXPIRE_BUDGET 1024
#define WORKER_ANOM_PERIOD_US 1000000	/* aggregate anomaly reports at most once a second */

#ifdef TOLLGATE_WORKER_PROF
struct worker_prof worker_prof[WORKER_PROF_MAX];
uint8_t worker_prof_on;
#endif

size_t
worker_memsize(const struct tg_config *cfg)
{
	/* The DLP directions and sensor streams are libc heap (mem_plan.c). */
	return sizeof(struct worker) + flow_table_memsize(&cfg->flow) + cfg->reasm.memcap +
	       defrag_memsize(&cfg->defrag) + (1u << 20);
}

/* Caps hit outside any flow (table full, defrag drops), n more times: one report per
 * period, carrying how many times since the last one. */
static void
worker_anomaly_aggregate(struct worker *w, enum msg_anomaly kind, uint64_t n)
{
	w->anom_pending[kind] += n;
	if (w->now_us < w->anom_next_us)
		return;
	w->anom_next_us = w->now_us + WORKER_ANOM_PERIOD_US;
	worker_anomaly(w, NULL, 0, kind, w->anom_pending[kind]);
	w->anom_pending[kind] = 0;
}

/* Report every aggregate anomaly still pending (its period passed, or the worker stops). */
static void
worker_anomaly_flush(struct worker *w)
{
	unsigned int k;

	for (k = 0; k < RTE_DIM(w->anom_pending); k++) {
		if (w->anom_pending[k] == 0)
			continue;
		worker_anomaly(w, NULL, 0, k, w->anom_pending[k]);
		w->anom_pending[k] = 0;
		w->anom_next_us = w->now_us + WORKER_ANOM_PERIOD_US;
	}
}

/* ---- reassembly consumers ---- */


static void
worker_deliver(void *cookie, void *owner, uint8_t dir, const uint8_t *data, uint32_t len,
	       uint64_t off)
{
	struct worker *w = cookie;
	struct flow *f = owner;
	uint8_t first_bit = dir == FLOW_TOSERVER ? FLOW_F_DUMPED_TS : FLOW_F_DUMPED_TC;
	uint8_t ps = WORKER_PROF_PUSH(w, WORKER_ST_APP);

	worker_app_first(w, f, dir, data, len);
	if (w->dlp != NULL) {
		worker_app_data(w, f, dir, data, len, off);
		WORKER_PROF(w, WORKER_ST_SENSORS);
		worker_dlp_data(w, f, dir, data, len, off);
	}
	WORKER_PROF_END(w, ps);
	if (!w->dump)
		return;
	while (len > 0) {
		uint32_t n = RTE_MIN(len, (uint32_t)MSG_DATA_MAX);
		struct msg *m = worker_msg_new(w, MSG_STREAM_DATA, f, dir, CTR_dump_dropped);

		if (m == NULL)
			return;
		m->flags = (f->flags & first_bit) ? 0 : MSG_F_FIRST;
		m->len = n;
		m->count = off;
		memcpy(m->data, data, n);
		if (worker_msg_post(w, m, CTR_dump_dropped) != 0)
			return;
		f->flags |= first_bit;
		data += n;
		len -= n;
		off += n;
	}
}

static void
worker_gap(void *cookie, void *owner, uint8_t dir, uint64_t off, uint64_t len)
{
	struct worker *w = cookie;
	struct flow *f = owner;

	/* Counted by the reassembler in the flow and its stats; the dump leaves gaps out;
	 * the sensors must not join a value across the hole, and the parsers lose their
	 * place. */
	uint8_t ps = WORKER_PROF_PUSH(w, WORKER_ST_APP);

	RTE_SET_USED(off);
	worker_app_gap(w, f, dir);
	WORKER_PROF(w, WORKER_ST_SENSORS);
	worker_dlp_gap(w, f, dir, len);
	WORKER_PROF_END(w, ps);
}

static void
worker_reasm_event(void *cookie, void *owner, uint8_t dir, enum tcp_reasm_event ev)
{
	static const uint8_t map[TCP_REASM_EV__COUNT] = {
		[TCP_REASM_EV_OVERLAP_DIFF] = MSG_ANOM_OVERLAP_DIFF,
		[TCP_REASM_EV_OOO_FLOW_CAP] = MSG_ANOM_OOO_FLOW_CAP,
		[TCP_REASM_EV_POOL_EMPTY] = MSG_ANOM_REASM_MEMCAP,
		[TCP_REASM_EV_DEPTH] = MSG_ANOM_DEPTH,
		[TCP_REASM_EV_TTL_CHANGED] = MSG_ANOM_TTL_CHANGED,
		[TCP_REASM_EV_TS_OLD] = MSG_ANOM_TS_OLD,
	};

	if (ev < TCP_REASM_EV__COUNT)
		worker_anomaly(cookie, owner, dir, map[ev], 1);
}

/*
 * The flow's parsers end: what the app layer's finish completes is scanned, the sensor
 * streams are closed (their last matches reported), the parser's slot goes back to the
 * pool. At the flow's end, and as soon as both directions of a TCP connection ended (both
 * FINs reached in order, or a RST the receiver took): nothing more can be parsed then,
 * and holding the slot until the closed timeout would hold app.max_flows slots for
 * connections that are over and leave new ones unparsed (app_flows_refused).
 */
static void
worker_parsers_end(struct worker *w, struct flow *f)
{
	uint8_t ps = WORKER_PROF_PUSH(w, WORKER_ST_APP);

	worker_app_end(w, f);
	WORKER_PROF(w, WORKER_ST_SENSORS);
	worker_dlp_close(w, f);
	WORKER_PROF(w, WORKER_ST_APP);
	worker_app_free(w, f);
	WORKER_PROF_END(w, ps);
}

/* Flow table end callback: drain reassembly, report the flow, release its blocks. */
static void
worker_flow_end(void *cookie, struct flow *f)
{
	struct worker *w = cookie;
	struct msg *m;
	uint8_t dir;

	if (f->key.proto == IPPROTO_TCP) {
		for (dir = 0; dir < 2; dir++)
			tcp_reasm_flush(&w->reasm, f, dir, &f->tcp[dir]);
	}
	if (f->first_slot != 0) {
		struct worker_first *h = worker_first_slot(w, f);

		worker_first_decide(w, f, h->buf, h->len, 1);
		worker_first_release(w, f);
	}
	worker_meta_flow_end(w, f);	/* a tls event still waiting for its ServerHello */
	worker_parsers_end(w, f);
	worker_learn(w, f);
	/* After every event the end could raise: they may still join its capture. */
	worker_capture_flow_end(w, f);
	switch (f->end_reason) {
	case FLOW_END_TIMEOUT:
		w->ctr.c[CTR_flows_timeout]++;
		break;
	case FLOW_END_EVICTED:
		w->ctr.c[CTR_flows_evicted]++;
		break;
	case FLOW_END_REUSED:
		w->ctr.c[CTR_flows_reused]++;
		break;
	default:
		w->ctr.c[CTR_flows_shutdown]++;
		break;
	}
	w->ctr.c[CTR_flows_ended]++;

	m = worker_msg_new(w, MSG_FLOW_END, f, 0, CTR_events_dropped);
	if (m != NULL) {
		m->ts_us = f->last_us;
		worker_msg_post(w, m, CTR_events_dropped);
	}
	for (dir = 0; dir < 2; dir++)
		tcp_reasm_release(&w->reasm, &f->tcp[dir]);
}

/* ---- per-packet processing ---- */

static inline uint64_t
worker_live_us(const struct runtime *rt)
{
	uint64_t d = rte_rdtsc() - rt->tsc_base;

	return rt->us_base + d / rt->tsc_hz * 1000000 + (d % rt->tsc_hz) * 1000000 / rt->tsc_hz;
}

static inline uint64_t
worker_pkt_time(struct worker *w, const struct rte_mbuf *m)
{
	const struct runtime *rt = w->rt;

	if (rt->ts_offset >= 0 && (m->ol_flags & rt->ts_flag)) {
		uint64_t ts = *RTE_MBUF_DYNFIELD(m, rt->ts_offset, const rte_mbuf_timestamp_t *);

		/* First stamped packet: packet time replaces the TSC clock for good. */
		if (unlikely(!w->pkt_clock)) {
			w->pkt_clock = 1;
			w->now_us = ts;
			w->next_expire_us = 0;
		}
		return ts;
	}
	return worker_live_us(rt);
}

/* Which key side is the client of a new TCP flow, from its first packet. */
static uint8_t
worker_tcp_client(const struct pkt_meta *meta, uint8_t side)
{
	if (meta->tcp_flags & PKT_TCP_SYN)
		return (meta->tcp_flags & PKT_TCP_ACK) ? !side : side;
	/* Midstream: the server is the side with the lower port. */
	if (meta->sport < meta->dport)
		return !side;
	return side;
}

/* A flow was just created (or restarted) for the packet meta, whose source is key side. */
static void
worker_flow_start(struct worker *w, struct flow *f, const struct pkt_meta *meta, uint8_t side)
{
	w->ctr.c[CTR_flows_created]++;
	f->worker = w->index;
	if (meta->l4_proto != IPPROTO_TCP) {
		f->client = side;
		return;
	}
	f->client = worker_tcp_client(meta, side);
	if (!(meta->tcp_flags & PKT_TCP_SYN)) {
		f->flags |= FLOW_F_MIDSTREAM;
		flow_table_set_state(w->flows, f, FLOW_STATE_ESTABLISHED);
	}
}

/*
 * Is the packet meta (source on key side) a SYN that starts a new connection on the
 * addresses and ports of f, which is over (port reuse, TIME_WAIT)? See tcp_reasm_syn_restarts.
 */
static int
worker_tcp_restarts(const struct flow *f, const struct pkt_meta *meta, uint8_t side)
{
	uint8_t d = side == f->client ? FLOW_TOSERVER : FLOW_TOCLIENT;

	return meta->l4_proto == IPPROTO_TCP &&
	       tcp_reasm_syn_restarts(&f->tcp[d], &f->tcp[!d], meta->seq, meta->tcp_flags);
}

/*
 * A direction ended (its FIN reached in order, or a RST): its parser completes what the
 * end completes, and its sensor streams are flushed now, under the policy in force, not
 * when the flow times out (DESIGN.md: released when that direction ends). Idempotent: a
 * direction whose streams are closed has nothing left to do.
 */
static void
worker_dir_end(struct worker *w, struct flow *f, uint8_t dir)
{
	uint8_t ps;

	if (f->dlp[dir] == NULL) {
		if (f->dlp_park[dir] != NULL)
			dlp_park_free(w->dlp, f->dlp_park[dir]);
		return;
	}
	ps = WORKER_PROF_PUSH(w, WORKER_ST_APP);
	worker_app_eof(w, f, dir);
	WORKER_PROF(w, WORKER_ST_SENSORS);
	worker_dlp_close_dir(w, f, dir);
	WORKER_PROF_END(w, ps);
}

static void
worker_tcp(struct worker *w, struct flow *f, uint8_t dir, const struct pkt_meta *meta,
	   const uint8_t *pkt)
{
	struct tcp_reasm_dir *d = &f->tcp[dir];
	struct tcp_reasm_dir *o = &f->tcp[!dir];
	uint8_t fl = meta->tcp_flags;
	uint8_t state = f->state;

	if (fl & PKT_TCP_RST) {
		/* Only a RST its receiver takes ends the connection: any other one (RFC 5961:
		 * not at the exact next sequence number) is ignored by the host, and must not
		 * end the parsers and sensors while the connection goes on. */
		tcp_reasm_rst(d, o, meta->seq, meta->ack, fl);
		if (!(d->flags & TCP_REASM_RST_SEQ)) {
			w->ctr.c[CTR_tcp_rst_ignored]++;
			return;
		}
		state = FLOW_STATE_CLOSED;
		worker_dir_end(w, f, 0);
		worker_dir_end(w, f, 1);
		worker_parsers_end(w, f);
	} else if (tcp_reasm_stale(d, o, fl, meta->payload_len)) {
		/* Before the SYN-ACK: an older connection's ACK (a TIME_WAIT answering the new
		 * SYN). Its numbers mean nothing here. */
		w->ctr.c[CTR_tcp_stale_acks]++;
		return;
	} else {
		tcp_reasm_ttl(&w->reasm, f, dir, d, meta->ttl, meta->payload_len);
		if (meta->has_ts)
			tcp_reasm_ts(&w->reasm, f, dir, d, meta->tsval, meta->payload_len);
		tcp_reasm_segment(&w->reasm, f, dir, d, meta->seq, fl, meta->urp,
				  pkt + meta->payload_off, meta->payload_len);
		if (fl & PKT_TCP_ACK)
			tcp_reasm_ack(&w->reasm, f, !dir, o, meta->ack);
		if (d->flags & TCP_REASM_FIN_DONE)
			worker_dir_end(w, f, dir);
		if (o->flags & TCP_REASM_FIN_DONE)
			worker_dir_end(w, f, !dir);
		if ((d->flags & TCP_REASM_FIN_DONE) && (o->flags & TCP_REASM_FIN_DONE))
			worker_parsers_end(w, f);
		if (fl & PKT_TCP_SYN) {
			f->flags |= (fl & PKT_TCP_ACK) ? FLOW_F_SYNACK_SEEN : FLOW_F_SYN_SEEN;
		} else if (state == FLOW_STATE_NEW &&
			   (meta->payload_len > 0 || (f->flags & FLOW_F_SYNACK_SEEN) ||
			    (f->flags & FLOW_F_MIDSTREAM))) {
			state = FLOW_STATE_ESTABLISHED;
		}
		if ((d->flags & TCP_REASM_FIN) || (fl & PKT_TCP_FIN)) {
			if ((o->flags & TCP_REASM_FIN) && state != FLOW_STATE_CLOSED)
				state = FLOW_STATE_CLOSED;
			else if (state != FLOW_STATE_CLOSED)
				state = FLOW_STATE_CLOSING;
		}
	}
	if (state != f->state)
		flow_table_set_state(w->flows, f, state);
}

/* Fragments not reassembled for want of time or room, or refused (the aggregate
 * defrag_dropped report; too many and overlap are reported per datagram). */
static inline uint64_t
worker_defrag_drops(const struct worker *w)
{
	return w->ctr.c[CTR_defrag_frags_timeout] + w->ctr.c[CTR_defrag_frags_invalid] +
	       w->ctr.c[CTR_defrag_frags_table_full] + w->ctr.c[CTR_defrag_frags_memcap] +
	       w->ctr.c[CTR_defrag_frags_shutdown];
}

static void
worker_defrag_report(struct worker *w, uint64_t dropped_before)
{
	if (worker_defrag_drops(w) != dropped_before)
		worker_anomaly_aggregate(w, MSG_ANOM_DEFRAG_DROPPED,
					 worker_defrag_drops(w) - dropped_before);
}

/* Age the fragment table (flush: the worker stops); drops are reported like others. */
static void
worker_defrag_expire(struct worker *w, uint64_t now_us, int flush)
{
	uint64_t dropped = worker_defrag_drops(w);

	defrag_expire(w->defrag, now_us, &w->ctr);
	if (flush)
		defrag_flush(w->defrag, &w->ctr);
	worker_defrag_report(w, dropped);
}

/* ---- verdicts and forwarding (inline ports) ---- */

enum worker_verdict {
	WORKER_PASS = 0,	/* forward (inline) */
	WORKER_DROP,		/* do not forward */
	WORKER_RESET,		/* do not forward; RST sent to both ends */
};

static inline void
worker_tx(struct worker *w, uint16_t port, struct rte_mbuf *m)
{
	w->ctr.c[CTR_tx_packets]++;
	rte_eth_tx_buffer(port, (uint16_t)w->index, w->txb[port], m);
}

static void
worker_tx_flush(struct worker *w)
{
	uint16_t p;

	for (p = 0; p < WORKER_MAX_PORTS; p++)
		if (w->txb[p] != NULL)
			rte_eth_tx_buffer_flush(p, (uint16_t)w->index, w->txb[p]);
}

/* A RST for the connection of the frame pkt (parsed in meta) of flow f out of port. */
static void
worker_rst(struct worker *w, struct flow *f, uint16_t port, const uint8_t *pkt, uint32_t len,
	   const struct pkt_meta *meta, enum rst_target t)
{
	struct rte_mbuf *r;
	uint8_t *p;
	int n;

	if (port >= WORKER_MAX_PORTS || w->txb[port] == NULL)
		return;
	r = rte_pktmbuf_alloc(w->rt->pkt_pool);
	if (r == NULL) {
		w->ctr.c[CTR_tx_dropped]++;
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(r, RST_FRAME_MAX);
	n = p != NULL ? rst_build(pkt, len, meta, t, p, RST_FRAME_MAX) : -EINVAL;
	if (n <= 0) {
		/* A segment that may not be answered (RST), or a mbuf too small. */
		w->ctr.c[CTR_rst_not_sent]++;
		rte_pktmbuf_free(r);
		return;
	}
	rte_pktmbuf_trim(r, (uint16_t)(RST_FRAME_MAX - n));
	w->ctr.c[CTR_rst_sent]++;
	/* Evidence of the block: the flow's event capture holds what the gateway sent. */
	worker_capture_rst(w, f, p, (uint32_t)n);
	worker_tx(w, port, r);
}

/* What the app layer could not parse for a cap: bodies whose content coding stopped
 * (app.decode_memcap, max_decoded, max_ratio), flows refused a parser (app.max_flows
 * connections open at once). Either leaves the rest of the flow scanned raw only. */
static uint64_t
worker_decode_caps_hit(const struct worker *w)
{
	const struct app_layer_stats *s = w->app != NULL ? app_layer_stats(w->app) : NULL;

	return s != NULL ? s->decode_limits + s->flows_refused : 0;
}

static uint64_t
worker_caps_hit(const struct worker *w)
{
	uint64_t n = w->reasm.stats.pool_empty + w->reasm.stats.ooo_flow_cap;

	if (w->dlp != NULL)
		n += dlp_ctx_stats(w->dlp)->dirs_refused;
	return n + worker_decode_caps_hit(w);
}

/*
 * Would the receiving host drop this frame for its checksum (dataplane.checksums)? Then it
 * is not inspected: counted, and forwarded unchanged inline for the receiver to drop. A
 * NIC's verdict in the mbuf is believed (the offline reader marks the packets of a
 * capture whose checksums were offloaded as good); a datagram rebuilt from fragments is
 * checked in software (the fragments' IP headers were checked one by one).
 */
static int
worker_cksum_bad(struct worker *w, const struct rte_mbuf *m, const uint8_t *pkt, uint32_t len,
		 const struct pkt_meta *meta, int l4)
{
	uint64_t fl = w->pkt_dgram ? 0 : m->ol_flags;
	uint64_t ipf = fl & RTE_MBUF_F_RX_IP_CKSUM_MASK, l4f = fl & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (w->rt->cfg.dp.checksums == CONFIG_CKSUM_IGNORE) {
		w->ctr.c[CTR_checksum_trusted] += l4;
		return 0;
	}
	if (!l4) {
		if (ipf == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
			return 0;
		if (ipf == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
		    pkt_cksum_ip(pkt, len, meta) == PKT_CKSUM_BAD_IP) {
			w->ctr.c[CTR_checksum_bad_ip]++;
			return 1;
		}
		return 0;
	}
	if (meta->l4_proto != IPPROTO_TCP && meta->l4_proto != IPPROTO_UDP)
		return 0;
	if (l4f == RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		w->ctr.c[CTR_checksum_trusted]++;
		return 0;
	}
	if (l4f == RTE_MBUF_F_RX_L4_CKSUM_BAD || pkt_cksum_l4(pkt, len, meta) == PKT_CKSUM_BAD_L4) {
		w->ctr.c[CTR_checksum_bad_l4]++;
		return 1;
	}
	return 0;
}

/*
 * A frame parsed ahead of its turn (worker_process_burst): its headers, and for a
 * non-fragment IP packet its flow key and hash, whose bucket is then being prefetched.
 * NONE: a frame whose headers are not in its first segment, parsed in its turn instead.
 */
enum { WORKER_PRE_NONE, WORKER_PRE_PARSED, WORKER_PRE_KEYED };

struct worker_pre {
	struct pkt_meta meta;
	struct flow_key key;
	uint32_t hash;
	enum pkt_err err;
	uint8_t side;
	uint8_t state;
};

#define WORKER_PRE_BURST	32	/* frames parsed ahead at a time */
#define WORKER_PRE_AHEAD	4	/* the chain of the frame this many ahead is prefetched */

static void
worker_pre_parse(struct worker *w, struct rte_mbuf *m, struct worker_pre *pre)
{
	uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)WORKER_LINBUF);

	pre->state = WORKER_PRE_NONE;
	if (rte_pktmbuf_data_len(m) < len)
		return;		/* would be linearised into w->linbuf: in its turn */
	pre->err = pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), len, &pre->meta);
	pre->state = WORKER_PRE_PARSED;
	if (pre->err != PKT_OK || pre->meta.l3 == PKT_L3_NONE || pre->meta.is_fragment)
		return;
	pre->side = flow_key_make(&pre->meta, &pre->key);
	pre->hash = flow_key_hash(&pre->key);
	pre->state = WORKER_PRE_KEYED;
	flow_table_prefetch_bucket(w->flows, pre->hash);
}

/*
 * Inspect one frame. The frame m stays the caller's (it forwards or frees it), except a
 * fragment, which defrag takes (*consumed = 1): when it completes a datagram, the datagram
 * is inspected here (w->pkt_dgram) and the verdict returned is its fragments'. inl: the
 * frame came in on an inline port and the verdict is enforced; RSTs are sent from here.
 * pre: what worker_pre_parse found, or NULL.
 */
static enum worker_verdict
worker_inspect(struct worker *w, struct rte_mbuf *m, int inl, int *consumed,
	       const struct worker_pre *pre)
{
	enum worker_verdict v = WORKER_PASS;
	struct pkt_meta meta;
	struct flow_key key;
	const struct flow_key *kp = &key;
	const uint8_t *pkt;
	struct flow *f;
	uint32_t len, hash, fwd_seq = 0;
	uint64_t caps, decode_caps, ooo;
	int fwd_known = 0;
	enum pkt_err err;
	uint8_t side, dir;
	uint64_t ts;

	ts = worker_pkt_time(w, m);
	if (ts > w->now_us)
		w->now_us = ts;
	capture_tap_packet(w->cap, m, ts);
	len = rte_pktmbuf_pkt_len(m);
	w->ctr.c[CTR_packets]++;
	w->ctr.c[CTR_bytes] += len;

	WORKER_PROF(w, WORKER_ST_PARSE);
	if (pre != NULL && pre->state != WORKER_PRE_NONE) {
		pkt = rte_pktmbuf_mtod(m, const uint8_t *);
		err = pre->err;
		meta = pre->meta;
	} else {
		pkt = rte_pktmbuf_read(m, 0, RTE_MIN(len, (uint32_t)WORKER_LINBUF), w->linbuf);
		err = pkt_parse(pkt, RTE_MIN(len, (uint32_t)WORKER_LINBUF), &meta);
	}
	if (unlikely(err != PKT_OK)) {
		w->ctr.c[CTR_parse_errors]++;
		w->ctr.parse_err[err]++;
		w->ctr.c[CTR_bridged_non_ip] += inl;
		return WORKER_PASS;
	}
	if (meta.l3 == PKT_L3_NONE) {
		w->ctr.c[CTR_non_ip]++;
		w->ctr.c[CTR_bridged_non_ip] += inl;
		return WORKER_PASS;
	}
	if (worker_cksum_bad(w, m, pkt, RTE_MIN(len, (uint32_t)WORKER_LINBUF), &meta, 0))
		return WORKER_PASS;
	if (meta.is_fragment) {
		uint64_t dropped = worker_defrag_drops(w);

		/* Held until its datagram is whole and inspected (worker_frag.c): the
		 * datagram's fragments then leave together, with its verdict. */
		*consumed = 1;
		len = defrag_packet(w->defrag, m, &meta, w->now_us, w->linbuf, sizeof(w->linbuf),
				    &w->ctr);
		worker_defrag_report(w, dropped);
		if (len == 0)
			return WORKER_PASS;
		w->pkt_dgram = 1;
		pkt = w->linbuf;
		err = pkt_parse(pkt, len, &meta);
		if (unlikely(err != PKT_OK || meta.is_fragment)) {
			w->ctr.c[CTR_parse_errors]++;
			w->ctr.parse_err[err]++;
			goto out;
		}
	}

	if (worker_cksum_bad(w, m, pkt, w->pkt_dgram ? len : RTE_MIN(len, (uint32_t)WORKER_LINBUF),
			     &meta, 1))
		goto out;
	WORKER_PROF(w, WORKER_ST_FLOW);
	if (pre != NULL && pre->state == WORKER_PRE_KEYED && !w->pkt_dgram) {
		side = pre->side;
		kp = &pre->key;
		hash = pre->hash;
	} else {
		side = flow_key_make(&meta, &key);
		hash = flow_key_hash(&key);
	}
	f = flow_table_lookup(w->flows, kp, hash, w->now_us);
	if (f != NULL && worker_tcp_restarts(f, &meta, side)) {
		/* A new connection on the addresses and ports of one that is over: the old
		 * flow ends first (its events go out), the new one is a flow of its own. */
		f = flow_table_restart(w->flows, f, w->now_us);
		worker_flow_start(w, f, &meta, side);
	} else if (f == NULL) {
		uint8_t is_tcp = meta.l4_proto == IPPROTO_TCP;

		if (is_tcp && !(meta.tcp_flags & PKT_TCP_SYN) && !w->reasm.conf.midstream) {
			w->ctr.c[CTR_tcp_no_syn]++;
			goto out;
		}
		f = flow_table_create(w->flows, kp, hash,
				      is_tcp ? FLOW_STATE_NEW : FLOW_STATE_UDP, w->now_us);
		if (unlikely(f == NULL)) {
			w->ctr.c[CTR_flows_refused]++;
			worker_anomaly_aggregate(w, MSG_ANOM_FLOW_TABLE_FULL, 1);
			w->pkt_exception = 1;
			goto out;
		}
		worker_flow_start(w, f, &meta, side);
	}
	dir = side == f->client ? FLOW_TOSERVER : FLOW_TOCLIENT;
	f->pkts[dir]++;
	f->bytes[dir] += len;
	flow_table_touch(w->flows, f, w->now_us);
	if (inl && worker_flow_blocked(f)) {
		/* Cut already: every later frame of it is dropped until it times out. */
		worker_capture_packet(w, f, pkt, len, ts);
		v = WORKER_DROP;
		goto out;
	}
	worker_policy_current(w, f);
	/* Into the flow's history before its bytes are inspected: the frame that raises an
	 * event is part of the event's capture. */
	worker_capture_packet(w, f, pkt, len, ts);
	caps = worker_caps_hit(w);
	decode_caps = worker_decode_caps_hit(w);
	ooo = w->reasm.stats.ooo_held;
	/* What the receiver has had of this direction: everything before this frame. */
	fwd_seq = f->tcp[dir].next_seq;
	fwd_known = (f->tcp[dir].flags & TCP_REASM_STARTED) != 0;
	if (meta.l4_proto == IPPROTO_TCP) {
		WORKER_PROF(w, WORKER_ST_REASM);
		worker_tcp(w, f, dir, &meta, pkt);
	} else if (meta.l4_proto == IPPROTO_UDP && meta.payload_len > 0) {
		const uint8_t *pl = pkt + meta.payload_off;

		WORKER_PROF(w, WORKER_ST_APP);
		worker_app_first(w, f, dir, pl, meta.payload_len);
		if (f->app == POLICY_APP_DNS && dir == FLOW_TOCLIENT)
			worker_fqdn_dns(w, f, pl, meta.payload_len);
		if (f->app == POLICY_APP_DNS && w->rt->cfg.events.dns)
			worker_meta_dns(w, f, dir, pl, meta.payload_len);
	}
	WORKER_PROF(w, WORKER_ST_VERDICT);
	if (inl && w->reasm.stats.ooo_held != ooo && !w->pkt_block && worker_flow_strict(w, f)) {
		/* Later bytes than the scan has reached: they wait for the sender's
		 * retransmission, after the bytes before them were scanned. */
		w->ctr.c[CTR_inline_ooo_dropped]++;
		w->pkt_hold = 1;
	}
	if (worker_caps_hit(w) != caps) {
		w->pkt_exception = 1;
		/* A direction without sensors cannot be inspected at all, nor a body its
		 * decoder gave up on past that point, nor a flow refused a parser (a
		 * retransmission would not help): closed means cut. */
		if (inl && w->rt->cfg.dp.exception_policy == CONFIG_FAIL_CLOSED &&
		    ((f->flags & (FLOW_F_DLP_OFF_TS | FLOW_F_DLP_OFF_TC)) ||
		     worker_decode_caps_hit(w) != decode_caps) &&
		    !worker_flow_blocked(f)) {
			f->pflags |= FLOW_P_BLOCKED;
			f->action = POLICY_ACTION_DENY;
			w->pkt_block = 1;
			w->pkt_exception = 0;	/* counted here: the flow is cut, not the frame */
			w->ctr.c[CTR_exception_fail_closed]++;
		}
	}
	if (w->pkt_block) {
		v = meta.l4_proto == IPPROTO_TCP ? WORKER_RESET : WORKER_DROP;
		if (inl && v == WORKER_RESET) {
			uint16_t peer = w->rt->port_peer[m->port];

			struct pkt_meta back = meta;
			const struct tcp_reasm_dir *rd = &f->tcp[!dir];

			/* The sender expects exactly the end of what was forwarded to it, which
			 * may be past the ack this frame carries (data in flight towards it). */
			if ((back.tcp_flags & PKT_TCP_ACK) && (rd->flags & TCP_REASM_STARTED) &&
			    (int32_t)(rd->next_seq - back.ack) > 0)
				back.ack = rd->next_seq;
			struct pkt_meta fwd = meta;

			/* The receiver expects the first byte not forwarded to it. */
			if (fwd_known && (int32_t)(fwd_seq - fwd.seq) > 0)
				fwd.seq = fwd_seq;
			worker_rst(w, f, m->port, pkt, len, &back, RST_TO_SENDER);
			worker_rst(w, f, peer, pkt, len, &fwd, RST_TO_RECEIVER);
			/* Both ends were reset: the flow is over (closed timeout). */
			if (f->state != FLOW_STATE_CLOSED)
				flow_table_set_state(w->flows, f, FLOW_STATE_CLOSED);
		}
		worker_flow_report(w, f);
	} else if (w->now_us - f->reported_us >= WORKER_REPORT_US) {
		worker_flow_report(w, f);
	}
out:
	WORKER_PROF(w, WORKER_ST_VERDICT);
	if (v == WORKER_PASS && w->pkt_hold)
		v = WORKER_DROP;
	if (v == WORKER_PASS && w->pkt_exception) {
		if (w->rt->cfg.dp.exception_policy == CONFIG_FAIL_CLOSED && inl) {
			w->ctr.c[CTR_exception_fail_closed]++;
			v = WORKER_DROP;
		} else {
			w->ctr.c[CTR_exception_fail_open]++;
		}
	}
	return v;
}

static void
worker_packet(struct worker *w, struct rte_mbuf *m, const struct worker_pre *pre)
{
	uint16_t peer = worker_inline_peer(w, m);
	int inl = peer != RUNTIME_NO_PEER;
	enum worker_verdict v;
	int consumed = 0;

	w->pkt_block = 0;
	w->pkt_hold = 0;
	w->pkt_exception = 0;
	w->pkt_dgram = 0;
	v = worker_inspect(w, m, inl, &consumed, pre);
	if (consumed) {
		if (w->pkt_dgram) {
			/* Every fragment of the datagram shares its verdict (worker_frag_out). */
			w->frag_forward = v == WORKER_PASS;
			if (inl && v == WORKER_RESET)
				w->ctr.c[CTR_verdict_resets]++;
			defrag_done(w->defrag, &w->ctr);
		}
		return;
	}
	if (!inl) {
		rte_pktmbuf_free(m);
		return;
	}
	if (v == WORKER_PASS) {
		worker_tx(w, peer, m);
		return;
	}
	w->ctr.c[CTR_verdict_drops]++;
	if (v == WORKER_RESET)
		w->ctr.c[CTR_verdict_resets]++;
	rte_pktmbuf_free(m);
}

/* The rest of a frame's first segment (parsing ahead read its first line) into L2. */
static inline void
worker_prefetch_frame(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t o;

	for (o = RTE_CACHE_LINE_SIZE; o < m->data_len; o += RTE_CACHE_LINE_SIZE)
		rte_prefetch1(p + o);
}

/*
 * Frames go through in groups of WORKER_PRE_BURST, in two passes: the first parses each
 * one's headers and hashes its flow key, prefetching the bucket; the second inspects them
 * in order, prefetching the chain of the flow WORKER_PRE_AHEAD frames on (its bucket has
 * arrived by then). So a lookup in a table far larger than the cache does not wait for
 * memory, as with a bulk hash lookup. Parsing ahead reads only the frame. The second pass
 * also prefetches the next frame's bytes into L2 while this one is inspected: its
 * checksum, the first pass over them, would otherwise wait for each line.
 */
void
worker_process_burst(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct worker_pre pre[WORKER_PRE_BURST];
	uint16_t base, k, i;

	for (base = 0; base < n; base += k) {
		k = RTE_MIN((uint16_t)(n - base), (uint16_t)WORKER_PRE_BURST);
		WORKER_PROF(w, WORKER_ST_PARSE);
		for (i = 0; i < k; i++) {
			if (i + 2 < k)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[base + i + 2], void *));
			worker_pre_parse(w, pkts[base + i], &pre[i]);
		}
		for (i = 0; i < k; i++) {
			if (i + WORKER_PRE_AHEAD < k && pre[i + WORKER_PRE_AHEAD].state == WORKER_PRE_KEYED)
				flow_table_prefetch_chain(w->flows, pre[i + WORKER_PRE_AHEAD].hash);
			if (i + 1 < k)
				worker_prefetch_frame(pkts[base + i + 1]);
			worker_packet(w, pkts[base + i], &pre[i]);
			WORKER_PROF(w, WORKER_ST_OTHER);
		}
	}
}

/* Periodic ageing of flows and fragments, and the gauges control reads. */
static void
worker_housekeeping(struct worker *w)
{
	const struct flow_table_stats *fs;

	if (w->now_us >= w->next_expire_us) {
		flow_table_expire(w->flows, w->now_us, WORKER_EXPIRE_BUDGET);
		worker_defrag_expire(w, w->now_us, 0);
		worker_capture_expire(w);
		if (w->dlp != NULL)
			dlp_ctx_refresh_today(w->dlp);
		w->next_expire_us = w->now_us + WORKER_EXPIRE_PERIOD_US;
	}
	fs = flow_table_stats(w->flows);
	w->ctr.c[CTR_flows_active] = fs->active;
	w->ctr.c[CTR_reasm_segments] = w->reasm.stats.segments;
	w->ctr.c[CTR_reasm_in_order] = w->reasm.stats.in_order;
	w->ctr.c[CTR_reasm_ooo_held] = w->reasm.stats.ooo_held;
	w->ctr.c[CTR_reasm_retransmits] = w->reasm.stats.retransmits;
	w->ctr.c[CTR_reasm_overlaps] = w->reasm.stats.overlaps;
	w->ctr.c[CTR_reasm_overlaps_diff] = w->reasm.stats.overlaps_diff;
	w->ctr.c[CTR_reasm_gaps] = w->reasm.stats.gaps;
	w->ctr.c[CTR_reasm_gap_bytes] = w->reasm.stats.gap_bytes;
	w->ctr.c[CTR_reasm_ooo_flow_cap] = w->reasm.stats.ooo_flow_cap;
	w->ctr.c[CTR_reasm_pool_empty] = w->reasm.stats.pool_empty;
	w->ctr.c[CTR_reasm_depth_reached] = w->reasm.stats.depth_reached;
	w->ctr.c[CTR_reasm_not_started] = w->reasm.stats.not_started;
	w->ctr.c[CTR_reasm_urgent_marks] = w->reasm.stats.urgent_marks;
	w->ctr.c[CTR_reasm_urgent_removed] = w->reasm.stats.urgent_removed;
	w->ctr.c[CTR_reasm_urgent_beyond] = w->reasm.stats.urgent_beyond;
	w->ctr.c[CTR_reasm_urgent_replaced] = w->reasm.stats.urgent_replaced;
	w->ctr.c[CTR_reasm_ack_unseen] = w->reasm.stats.ack_unseen;
	w->ctr.c[CTR_reasm_ttl_changed] = w->reasm.stats.ttl_changed;
	w->ctr.c[CTR_reasm_ts_old] = w->reasm.stats.ts_old;
	w->ctr.c[CTR_reasm_blocks_in_use] = w->reasm.stats.blocks_in_use;
	if (w->dlp != NULL)
		worker_dlp_counters(w);
	if (w->app != NULL)
		worker_app_counters(w);
	if (w->now_us >= w->anom_next_us)
		worker_anomaly_flush(w);
}

/* Idle back-off: spin, then pause, then sleep in growing steps up to max_sleep_us. */
static void
worker_idle(struct worker *w, uint32_t empty, uint32_t *sleep_us)
{
	const struct config_idle *idle = &w->rt->cfg.dp.idle;
	struct timespec ts;

	w->ctr.c[CTR_idle_polls]++;
	if (idle->busy_poll || empty <= idle->empty_polls)
		return;
	if (empty <= idle->empty_polls + idle->pause_polls) {
		rte_pause();
		return;
	}
	*sleep_us = *sleep_us == 0 ? 1 : RTE_MIN(*sleep_us * 2, idle->max_sleep_us);
	ts.tv_sec = 0;
	ts.tv_nsec = (long)*sleep_us * 1000;
	nanosleep(&ts, NULL);
	w->ctr.c[CTR_idle_sleeps]++;
}

static void
worker_dlp_drop(void *cookie, struct flow *f)
{
	worker_dlp_close(cookie, f);
}

/*
 * Take the snapshot the control thread published last. When its sensors are a new
 * database, every open sensor stream is closed on the old one (its events go out) and
 * flows continue on the new one from their next bytes. The streams outlive this worker's
 * quiescent reports, so the grace periods do not keep the old set alive: the worker holds
 * it (snapshot_sensors.held) from taking it until its streams on it are closed.
 */
static void
worker_snapshot_load(struct worker *w)
{
	const struct snapshot *s = __atomic_load_n(&w->rt->snap, __ATOMIC_ACQUIRE);
	struct snapshot_sensors *old = w->sensors;
	struct dlp_ctx *dlp;

	if (s == w->snap)
		return;
	dlp = s->sensors != NULL ? s->sensors->dlp[w->index] : NULL;
	if (s->sensors != old && s->sensors != NULL)
		__atomic_add_fetch(&s->sensors->held, 1, __ATOMIC_ACQ_REL);
	if (dlp != w->dlp) {
		if (w->dlp != NULL && w->snap != NULL)
			flow_table_foreach(w->flows, worker_dlp_drop, w);
		if (w->dlp != NULL) {
			worker_dlp_counters_keep(w);
			w->ctr.c[CTR_sensor_swaps]++;
		}
		w->dlp = dlp;
		if (dlp != NULL)
			dlp_ctx_refresh_today(dlp);
	}
	w->sensors = s->sensors;
	/* Nothing of the old set is touched from here: the control thread may free it. */
	if (old != s->sensors && old != NULL)
		__atomic_sub_fetch(&old->held, 1, __ATOMIC_RELEASE);
	w->snap = s;
}

void
worker_turn_begin(struct worker *w)
{
	worker_snapshot_load(w);
}

void
worker_turn_end(struct worker *w)
{
	worker_housekeeping(w);
	/* Nothing of the snapshot is held past here: the control thread may free the one
	 * this worker used before the last load. */
	rte_rcu_qsbr_quiescent(w->rt->qsbr, w->index);
}

void
worker_finish(struct worker *w)
{
	struct runtime *rt = w->rt;
	uint64_t lost = w->ctr.c[CTR_events_dropped];

	/* From here on events wait for room (the control thread drains until every worker is
	 * done), up to events.drain_timeout_ms; what still does not fit is counted lost. */
	w->drain_until = rte_rdtsc() + rte_get_tsc_hz() / 1000 * rt->cfg.events.drain_timeout_ms;
	/* End of input: age by the capture's last timestamp so the outcome (timeout or
	 * shutdown) does not depend on how packets were spread over workers. */
	if (rt->offline) {
		uint64_t end = __atomic_load_n(&rt->input_end_us, __ATOMIC_ACQUIRE);

		if (end > w->now_us)
			w->now_us = end;
		flow_table_expire(w->flows, w->now_us, UINT32_MAX);
	}
	flow_table_flush(w->flows);
	/* Datagrams past their time at the end are timeouts, the rest were cut short. */
	worker_defrag_expire(w, w->now_us, 1);
	w->next_expire_us = 0;
	worker_housekeeping(w);
	worker_anomaly_flush(w);
	if (w->ctr.c[CTR_events_dropped] > lost)
		WORKER_LOG(WARNING, "worker %u: %" PRIu64 " events lost at shutdown (no room "
			   "within events.drain_timeout_ms %u)", w->index,
			   w->ctr.c[CTR_events_dropped] - lost, rt->cfg.events.drain_timeout_ms);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct runtime *rt = w->rt;
	struct rte_mbuf *pkts[WORKER_BURST_MAX];
	uint32_t burst = RTE_MIN(rt->cfg.dp.burst, (uint32_t)WORKER_BURST_MAX);
	uint32_t empty = 0, sleep_us = 0;
	uint64_t loop_start;
	unsigned int q;

	WORKER_LOG(DEBUG, "worker %u running on lcore %u (%u rx queues%s)", w->index, w->lcore,
		   w->n_rxq, w->in_ring != NULL ? ", dispatcher ring" : "");
	rte_rcu_qsbr_thread_online(rt->qsbr, w->index);
	w->tx_flush_cycles = rte_get_tsc_hz() / 1000000 * rt->cfg.dp.tx_flush_us;
	loop_start = rte_rdtsc();
	while (!rt->quit) {
		uint16_t got = 0, n;
		uint64_t loop_end;

		worker_turn_begin(w);

		if (w->in_ring != NULL) {
			int input_done = __atomic_load_n(&rt->input_done, __ATOMIC_ACQUIRE);

			n = rte_ring_sc_dequeue_burst(w->in_ring, (void **)pkts, burst, NULL);
			if (n == 0 && input_done)
				break;
			worker_process_burst(w, pkts, n);
			got += n;
		}
		for (q = 0; q < w->n_rxq; q++) {
			n = rte_eth_rx_burst(w->rxq[q].port, w->rxq[q].queue, pkts, burst);
			worker_process_burst(w, pkts, n);
			got += n;
		}
		if (got == 0) {
			/* Idle: the TSC moves the clock on, unless the port gives packet time
			 * (net_pcap replays), where only packets may move it. */
			if (!rt->offline && !w->pkt_clock)
				w->now_us = worker_live_us(rt);
			worker_idle(w, ++empty, &sleep_us);
		} else {
			empty = 0;
			sleep_us = 0;
		}
		if (w->rt->n_inline != 0) {
			uint64_t now = rte_rdtsc();

			if (got == 0 || now >= w->tx_next_flush) {
				worker_tx_flush(w);
				w->tx_next_flush = now + w->tx_flush_cycles;
			}
		}
		worker_turn_end(w);
		/* Busy ratio: one TSC read a turn, the turn counted busy if it found packets. */
		loop_end = rte_rdtsc();
		if (got != 0) {
			w->ctr.c[CTR_busy_polls]++;
			w->ctr.c[CTR_busy_cycles] += loop_end - loop_start;
		} else {
			w->ctr.c[CTR_idle_cycles] += loop_end - loop_start;
		}
		loop_start = loop_end;
	}
	worker_turn_begin(w);
	worker_finish(w);
	worker_tx_flush(w);
	rte_rcu_qsbr_thread_offline(rt->qsbr, w->index);
	WORKER_LOG(DEBUG, "worker %u done", w->index);
	return 0;
}

struct worker *
worker_create(struct runtime *rt, unsigned int index, unsigned int lcore, int socket)
{
	const struct tg_config *cfg = &rt->cfg;
	char name[RTE_RING_NAMESIZE];
	size_t fsz;
	struct worker *w;

	w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL) {
		WORKER_LOG(ERR, "worker %u: no memory for its state", index);
		return NULL;
	}
	w->index = index;
	w->lcore = lcore;
	w->rt = rt;
	w->lossless = rt->offline;
	for (fsz = WORKER_FIRST_SLOTS; fsz > 0; fsz--) {
		w->first[fsz - 1].next_free = w->first_free;
		w->first_free = (uint16_t)fsz;
	}
	w->dump = rt->dump_dir != NULL;

	fsz = flow_table_memsize(&cfg->flow);
	w->flow_mem = rte_zmalloc_socket("flows", fsz, RTE_CACHE_LINE_SIZE, socket);
	if (w->flow_mem == NULL) {
		WORKER_LOG(ERR, "worker %u: no memory for %u flows (%zu bytes)", index,
			   cfg->flow.max_flows, fsz);
		goto fail;
	}
	w->flows = flow_table_init(w->flow_mem, &cfg->flow, worker_flow_end, w);
	if (w->flows == NULL) {
		WORKER_LOG(ERR, "worker %u: invalid flow table configuration", index);
		goto fail;
	}

	w->reasm_mem = rte_malloc_socket("reasm", cfg->reasm.memcap, RTE_CACHE_LINE_SIZE, socket);
	if (w->reasm_mem == NULL ||
	    tcp_reasm_pool_init(&w->reasm.pool, w->reasm_mem, cfg->reasm.memcap,
				cfg->reasm.block_size) != 0) {
		WORKER_LOG(ERR, "worker %u: no memory for %" PRIu64 " reassembly bytes", index,
			   cfg->reasm.memcap);
		goto fail;
	}
	w->reasm.conf.max_ooo_per_dir = cfg->reasm.max_ooo_per_dir;
	w->reasm.conf.depth = cfg->reasm.depth;
	w->reasm.conf.midstream = cfg->reasm.midstream;
	w->reasm.conf.urgent_inline = cfg->reasm.urgent == CONFIG_URGENT_INLINE;
	w->reasm.ops.deliver = worker_deliver;
	w->reasm.ops.gap = worker_gap;
	w->reasm.ops.event = worker_reasm_event;
	w->reasm.ops.cookie = w;

	if (cfg->app.enabled) {
		char err[256];

		w->app = app_layer_create(&cfg->app, err, sizeof(err));
		if (w->app == NULL) {
			WORKER_LOG(ERR, "worker %u: %s", index, err);
			goto fail;
		}
	}

	snprintf(name, sizeof(name), "defrag%u", index);
	w->defrag = defrag_create(&cfg->defrag, socket, name, worker_frag_out, worker_frag_failed,
				  w);
	if (w->defrag == NULL)
		goto fail;

	snprintf(name, sizeof(name), "msg%u", index);
	w->msg_ring = rte_ring_create(name, cfg->events.ring_size, socket,
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->msg_ring == NULL) {
		WORKER_LOG(ERR, "worker %u: cannot create its event ring: %s", index,
			   rte_strerror(rte_errno));
		goto fail;
	}
	return w;
fail:
	worker_free(w);
	return NULL;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	rte_free(w->reasm_mem);
	rte_free(w->flow_mem);
	worker_free_at_exit(w);
}

void
worker_free_at_exit(struct worker *w)
{
	if (w == NULL)
		return;
	rte_ring_free(w->msg_ring);
	rte_ring_free(w->in_ring);
	for (unsigned int p = 0; p < WORKER_MAX_PORTS; p++)
		rte_free(w->txb[p]);
	defrag_free(w->defrag);
	app_layer_free(w->app);
	rte_free(w);
}
