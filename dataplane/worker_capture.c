/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Automatic captures in the worker (worker_capture.h): which flows keep a history, the
 * history slots they take from the worker's pool (capture.history_memcap, preallocated by
 * the pcap layer), and the event captures written from them into the worker's copy ring.
 * A slot stays with its flow until the flow ends; while an event capture is written from
 * it, it is on the pool's active list, which housekeeping walks for capture.event_seconds.
 *
 * The records of one event capture, in ring order (the writer thread needs no other
 * signal):  START  history copies...  packets and resets after the event...  END
 * A START that finds the ring full is not written and the event gets no capture; other
 * copies lost that way are counted in the capture (its END) and in ev_lost.
 */
#include <string.h>
#include <netinet/in.h>
#include <rte_common.h>
#include "capture_hist.h"
#include "capture_tap.h"
#include "dlp.h"
#include "runtime_types.h"
#include "snapshot_types.h"
#include "worker_capture.h"
#include "worker_flow.h"

static inline struct capture_hist_pool *
wc_pool(const struct worker *w)
{
	return w->cap != NULL ? w->cap->hist : NULL;
}

static inline struct capture_hist_slot *
wc_slot(const struct worker *w, const struct flow *f)
{
	return f->cap_slot != 0 ? capture_hist_slot_at(w->cap->hist, f->cap_slot - 1) : NULL;
}

int
worker_capture_wanted(const struct worker *w, uint8_t capture, int blocks)
{
	if (wc_pool(w) == NULL || capture == POLICY_CAPTURE_OFF)
		return 0;
	return capture == POLICY_CAPTURE_ON || blocks || w->rt->cfg.capture.auto_alert;
}

void
worker_capture_policy(struct worker *w, struct flow *f)
{
	const struct snapshot *s = w->snap;
	const struct snapshot_rule *r;
	uint8_t tri;
	int want = 0, alerting;
	uint32_t i;

	if (wc_pool(w) == NULL)
		return;
	r = f->rule >= 0 && (uint32_t)f->rule < s->nrules ? &s->rules[f->rule] : NULL;
	tri = r != NULL ? r->capture : POLICY_CAPTURE_DEFAULT;
	if (f->mode != POLICY_MODE_DISCOVER) {
		/* The verdict's own alerts (a deny, require_tls): like alert bindings, only
		 * when said (a port scan against a deny rule makes no captures by default). */
		alerting = r != NULL ? r->action == POLICY_ACTION_DENY || r->require_tls :
				       s->default_action == POLICY_ACTION_DENY;
		want = alerting && worker_capture_wanted(w, tri, 0);
		/* Its DLP bindings, or every sensor at dlp.action. */
		if (!want && w->dlp != NULL && r != NULL && r->ndlp > 0) {
			for (i = 0; i < r->ndlp && !want; i++)
				want = worker_capture_wanted(w, s->dlp_capture[r->dlp_first + i],
					s->dlp[r->dlp_first + i].action == POLICY_DLP_BLOCK);
		} else if (!want && w->dlp != NULL && s->dlp_default) {
			want = worker_capture_wanted(w, tri, dlp_ctx_default_action(w->dlp) ==
							     CONFIG_DLP_BLOCK);
		}
	}
	if (want) {
		f->cap_flags |= FLOW_CAP_WANT;
		return;
	}
	f->cap_flags &= (uint8_t)~FLOW_CAP_WANT;
	/* Nothing to capture any more: the history goes back, unless a capture is written. */
	if (f->cap_slot != 0 && wc_slot(w, f)->seq == 0) {
		capture_hist_put(w->cap->hist, wc_slot(w, f));
		f->cap_slot = 0;
		w->cap->st.hist_in_use--;
	}
}

/* A history slot for f, or NULL (the pool is empty: counted once per flow). */
static struct capture_hist_slot *
wc_take(struct worker *w, struct flow *f)
{
	struct capture_hist_slot *s = capture_hist_take(w->cap->hist, f);

	if (s == NULL) {
		if (!(f->cap_flags & FLOW_CAP_REFUSED)) {
			f->cap_flags |= FLOW_CAP_REFUSED;
			w->cap->st.hist_refused++;
		}
		return NULL;
	}
	f->cap_slot = s->index + 1;
	w->cap->st.hist_taken++;
	w->cap->st.hist_in_use++;
	return s;
}

/*
 * capture.event_rate: one more start this second? A budget of one second's worth of starts
 * that refills at the rate (packet time): each start takes 1/rate s of it.
 */
static int
wc_rate_ok(const struct worker *w, struct capture_tap *t)
{
	uint64_t step, tat;

	if (t->au.event_rate == 0)
		return 1;
	step = 1000000 / t->au.event_rate;
	tat = RTE_MAX(t->ev_tokens_us, w->now_us);
	if (tat + step > w->now_us + 1000000)
		return 0;
	t->ev_tokens_us = tat + step;
	return 1;
}

/* One copy into the event capture of s; a lost one is counted in the capture too. */
static void
wc_copy(struct worker *w, struct capture_hist_slot *s, uint8_t kind, uint64_t ts_us,
	const void *data, uint32_t caplen, uint32_t origlen)
{
	if (capture_tap_event_rec(w->cap, s->seq, kind, ts_us, data, caplen, origlen) != 0)
		s->end.lost++;
}

/* The event capture of s is complete: END, and s records a new history (nothing pinned). */
static void
wc_end(struct worker *w, struct capture_hist_slot *s, uint8_t why)
{
	s->end.why = why;
	wc_copy(w, s, CAPTURE_REC_END, w->now_us, &s->end, sizeof(s->end), sizeof(s->end));
	capture_hist_deactivate(w->cap->hist, s);
	s->seq = 0;
	capture_hist_reset(&s->h, 0);
}

void
worker_capture_packet(struct worker *w, struct flow *f, const uint8_t *pkt, uint32_t len,
		      uint64_t ts_us)
{
	struct capture_hist_pool *p = wc_pool(w);
	struct capture_hist_slot *s;
	uint32_t evicted;

	if (p == NULL)
		return;
	s = wc_slot(w, f);
	if (s == NULL) {
		if (!(f->cap_flags & FLOW_CAP_WANT) || (s = wc_take(w, f)) == NULL)
			return;
	}
	if (s->seq != 0) {
		if (s->left > 0 && ts_us < s->until_us) {
			s->left--;
			s->end.after++;
			wc_copy(w, s, CAPTURE_REC_PACKET, ts_us, pkt,
				RTE_MIN(len, p->conf.snaplen), len);
			return;
		}
		wc_end(w, s, s->left == 0 ? CAPTURE_END_PACKETS : CAPTURE_END_TIME);
	}
	if (!(f->cap_flags & FLOW_CAP_WANT))
		return;
	evicted = s->h.evicted;
	capture_hist_add(&s->h, &p->conf, pkt, len, ts_us);
	w->cap->st.hist_evicted += s->h.evicted - evicted;
}

uint32_t
worker_capture_event(struct worker *w, struct flow *f, enum capture_event_type type, int wanted)
{
	struct capture_event_start st;
	struct capture_hist_iter it;
	const struct capture_hist_rec *r;
	struct capture_hist_slot *s;
	struct capture_tap *t = w->cap;

	if (!wanted || wc_pool(w) == NULL)
		return 0;
	s = wc_slot(w, f);
	if (s != NULL && s->seq != 0)
		return s->seq;		/* the capture being written holds this event too */
	if (s == NULL && (s = wc_take(w, f)) == NULL) {
		t->st.ev_missed++;
		return 0;
	}
	if (!wc_rate_ok(w, t)) {
		t->st.ev_limited++;
		return 0;
	}
	if (++t->ev_seq == 0)
		t->ev_seq = 1;
	memset(&st, 0, sizeof(st));
	st.flow_id = f->flow_id;
	st.ts_us = w->now_us;
	st.type = (uint8_t)type;
	if (capture_tap_event_rec(t, t->ev_seq, CAPTURE_REC_START, w->now_us, &st, sizeof(st),
				  sizeof(st)) != 0)
		return 0;	/* the writer never hears of it: no capture (ev_lost) */
	s->seq = t->ev_seq;
	memset(&s->end, 0, sizeof(s->end));
	s->end.evicted = s->h.evicted;
	capture_hist_iter_init(&s->h, &it);
	while ((r = capture_hist_next(&s->h, &it)) != NULL) {
		wc_copy(w, s, CAPTURE_REC_PACKET, r->ts_us, r + 1, r->caplen, r->origlen);
		s->end.history++;
	}
	capture_hist_reset(&s->h, 0);
	s->left = t->au.event_packets;
	s->until_us = w->now_us + t->au.event_us;
	capture_hist_activate(t->hist, s);
	t->st.ev_started++;
	return s->seq;
}

void
worker_capture_rst(struct worker *w, struct flow *f, const uint8_t *p, uint32_t len)
{
	struct capture_hist_slot *s;

	if (wc_pool(w) == NULL || (s = wc_slot(w, f)) == NULL || s->seq == 0)
		return;
	s->end.rsts++;
	wc_copy(w, s, CAPTURE_REC_PACKET, w->now_us, p, len, len);
}

void
worker_capture_flow_end(struct worker *w, struct flow *f)
{
	struct capture_hist_slot *s;

	if (wc_pool(w) == NULL || (s = wc_slot(w, f)) == NULL)
		return;
	if (s->seq != 0)
		wc_end(w, s, CAPTURE_END_FLOW);
	capture_hist_put(w->cap->hist, s);
	f->cap_slot = 0;
	w->cap->st.hist_in_use--;
}

void
worker_capture_expire(struct worker *w)
{
	struct capture_hist_pool *p = wc_pool(w);
	struct capture_hist_slot *s, *next;

	if (p == NULL)
		return;
	for (s = capture_hist_first_active(p); s != NULL; s = next) {
		next = capture_hist_next_active(p, s);
		if (w->now_us >= s->until_us)
			wc_end(w, s, CAPTURE_END_TIME);
	}
}
