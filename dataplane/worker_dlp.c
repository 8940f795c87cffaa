/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's DLP glue (worker_dlp.h): which sensors a flow's rule asks for, the sensor
 * streams of its directions (the raw stream and one decoded buffer at a time), the dlp
 * events they produce (with the flow header and the app layer's metadata), the block
 * verdict a block binding gives in protect mode, whether an event captures (the `capture`
 * of the binding that raised it), and the DLP counters. Owning worker only.
 */
#include <string.h>
#include <rte_common.h>
#include "app_layer.h"
#include "dlp.h"
#include "flow_policy.h"
#include "runtime_types.h"
#include "sensor_engine.h"
#include "worker_capture.h"
#include "worker_dlp.h"
#include "worker_msg.h"
#include "worker_flow.h"

/* Copy a dlp event from the sensors into a message with the flow's header. */
struct worker_emit {
	struct worker *w;
	struct flow *f;
};

/* A block binding's threshold was reached in protect mode: the flow is cut here. */
static void
worker_dlp_block(struct worker *w, struct flow *f, const struct dlp_event *ev)
{
	if (ev->action != CONFIG_DLP_BLOCK || f->mode != POLICY_MODE_PROTECT ||
	    worker_flow_blocked(f))
		return;
	f->pflags |= FLOW_P_BLOCKED;
	f->action = POLICY_ACTION_DENY;
	w->pkt_block = 1;
	w->ctr.c[CTR_policy_flows_blocked]++;
}

/* The rule index the flow's DLP follows in the snapshot in use (-1: the default). */
static int32_t
worker_dlp_rule(const struct worker *w, const struct flow *f)
{
	const struct snapshot *s = w->snap;
	struct flow_verdict v;

	if (likely(f->policy_version == s->version))
		return f->rule;
	/* Flow end after a policy change, without a packet since: the bindings of the running
	 * policy decide what is still pending; the verdict stays. */
	flow_policy_eval(s, &f->key, f->client, f->app, NULL, &v);
	return v.rule;
}

/*
 * Does ev capture? A threshold crossing follows the binding of its sensor; the matches a
 * direction reports at its end follow the bindings of their action; a flow without
 * bindings (every sensor at dlp.action) follows its rule's `capture`.
 */
static int
worker_dlp_capture(const struct worker *w, const struct flow *f, const struct dlp_event *ev)
{
	const struct snapshot *s = w->snap;
	int32_t rule = worker_dlp_rule(w, f);
	const struct snapshot_rule *r = rule >= 0 ? &s->rules[rule] : NULL;
	int blocks = ev->action == CONFIG_DLP_BLOCK;
	uint32_t i, k;

	if (r == NULL || r->ndlp == 0)
		return worker_capture_wanted(w, r != NULL ? r->capture : POLICY_CAPTURE_DEFAULT,
					     blocks);
	for (i = 0; ev->crossing && s->sensors != NULL && i < r->ndlp; i++) {
		k = r->dlp_first + i;
		if (strcmp(sensor_db_def(s->sensors->db, s->dlp[k].sensor)->id, ev->sensor) == 0)
			return worker_capture_wanted(w, s->dlp_capture[k],
						     s->dlp[k].action == POLICY_DLP_BLOCK);
	}
	for (i = 0; i < r->ndlp; i++) {
		k = r->dlp_first + i;
		if ((s->dlp[k].action == POLICY_DLP_BLOCK) == blocks &&
		    worker_capture_wanted(w, s->dlp_capture[k], blocks))
			return 1;
	}
	return 0;
}

static void
worker_dlp_emit(void *cookie, uint8_t dir, const struct dlp_event *ev)
{
	const struct worker_emit *e = cookie;
	struct msg *m;
	uint32_t cap;

	worker_dlp_block(e->w, e->f, ev);
	cap = worker_capture_event(e->w, e->f, CAPTURE_EVENT_DLP,
				   worker_dlp_capture(e->w, e->f, ev));
	m = worker_msg_new(e->w, MSG_DLP, e->f, dir, CTR_events_dropped);
	if (m == NULL)
		return;
	m->capture = cap;
	m->dlp = *ev;
	m->dlp.blocked = ev->action == CONFIG_DLP_BLOCK && e->f->mode == POLICY_MODE_PROTECT;
	if (e->f->app_flow != NULL)
		app_layer_meta(e->f->app_flow, dir, &m->app);
	else
		m->app.kind = APP_META_NONE;
	worker_msg_post(e->w, m, CTR_events_dropped);
}


/* What the flow's rule asks of DLP; 0 when the flow is not inspected. */
int
worker_dlp_policy(const struct worker *w, const struct flow *f, struct dlp_policy *pol)
{
	const struct snapshot *s = w->snap;
	int32_t rule;

	memset(pol, 0, sizeof(*pol));
	if (w->dlp == NULL)
		return 0;
	rule = worker_dlp_rule(w, f);
	if (rule >= 0 && s->rules[rule].ndlp > 0) {
		const struct snapshot_rule *r = &s->rules[rule];

		pol->rule = r->id;
		pol->bind = &s->dlp[r->dlp_first];
		pol->nbind = r->ndlp;
		return 1;
	}
	return s->dlp_default;
}

/* dlp_evict_fn: an idle direction gives its stream to a new one and keeps its
 * accounting (f->dlp_park) for when it carries bytes again. */
static void
worker_dlp_evict(void *cookie, void *owner, uint8_t dir)
{
	struct worker *w = cookie;
	struct flow *f = owner;
	struct worker_emit e = { w, f };
	struct dlp_policy pol;

	worker_dlp_policy(w, f, &pol);
	dlp_dir_park(w->dlp, f->dlp[dir], dir, &pol, worker_dlp_emit, &e, &f->dlp_park[dir]);
	f->dlp[dir] = NULL;
}

/*
 * Open the direction's sensor stream on its first bytes, taking the stream of a direction
 * idle for WORKER_DLP_EVICT_IDLE_US when none is free; a direction parked so goes on
 * counting from where it stopped. When every stream is busy the direction goes
 * uninspected, and says so: a counter and one anomaly event for the flow.
 */
struct dlp_dir *
worker_dlp_dir(struct worker *w, struct flow *f, uint8_t dir)
{
	uint8_t off_bit = dir == FLOW_TOSERVER ? FLOW_F_DLP_OFF_TS : FLOW_F_DLP_OFF_TC;

	dlp_ctx_clock(w->dlp, w->now_us);
	if (f->dlp[dir] != NULL || (f->flags & off_bit))
		return f->dlp[dir];
	f->dlp[dir] = dlp_dir_open_lru(w->dlp, WORKER_DLP_EVICT_IDLE_US, worker_dlp_evict, w);
	if (f->dlp[dir] != NULL) {
		dlp_dir_own(f->dlp[dir], f, dir);
		if (f->dlp_park[dir] != NULL)
			dlp_dir_resume(w->dlp, f->dlp[dir], f->dlp_park[dir]);
	}
	if (f->dlp[dir] == NULL) {
		f->flags |= off_bit;
		worker_anomaly(w, f, dir, MSG_ANOM_DLP_UNINSPECTED, 1);
	}
	return f->dlp[dir];
}

void
worker_dlp_data(struct worker *w, struct flow *f, uint8_t dir, const uint8_t *data,
		uint32_t len, uint64_t off)
{
	struct worker_emit e = { w, f };
	struct dlp_policy pol;
	struct dlp_dir *d;

	/* A blocked flow is not inspected any further (its end still reports). */
	if (worker_flow_blocked(f) || !worker_dlp_policy(w, f, &pol))
		return;
	pol.commit = w->rt->n_inline != 0 && worker_flow_strict(w, f);
	d = worker_dlp_dir(w, f, dir);
	if (d != NULL)
		dlp_dir_data(w->dlp, d, dir, off, data, len, &pol, worker_dlp_emit, &e);
}

/* Close the flow's sensor streams (flow end, or a sensor database swap). */
void
worker_dlp_close_dir(struct worker *w, struct flow *f, uint8_t dir)
{
	struct worker_emit e = { w, f };
	struct dlp_policy pol;

	if (w->dlp == NULL)
		return;
	dlp_park_free(w->dlp, f->dlp_park[dir]);
	if (f->dlp[dir] == NULL)
		return;
	worker_dlp_policy(w, f, &pol);
	dlp_dir_close(w->dlp, f->dlp[dir], dir, &pol, worker_dlp_emit, &e);
	f->dlp[dir] = NULL;
}

void
worker_dlp_close(struct worker *w, struct flow *f)
{
	struct worker_emit e = { w, f };
	struct dlp_policy pol;
	uint8_t dir;

	worker_dlp_policy(w, f, &pol);
	for (dir = 0; dir < 2; dir++) {
		if (w->dlp != NULL)
			dlp_park_free(w->dlp, f->dlp_park[dir]);
		if (f->dlp[dir] == NULL)
			continue;
		dlp_dir_close(w->dlp, f->dlp[dir], dir, &pol, worker_dlp_emit, &e);
		f->dlp[dir] = NULL;
	}
}


/*
 * Strict flows cannot let a byte out before the bytes ahead of it were scanned: the inline
 * gateway may have to cut them (a DLP block binding in protect mode).
 */
int
worker_flow_strict(const struct worker *w, const struct flow *f)
{
	struct dlp_policy pol;
	unsigned int i;

	if (f->mode != POLICY_MODE_PROTECT || !worker_dlp_policy(w, f, &pol))
		return 0;
	if (pol.nbind == 0)
		return dlp_ctx_default_action(w->dlp) == CONFIG_DLP_BLOCK;
	for (i = 0; i < pol.nbind; i++)
		if (pol.bind[i].action == POLICY_DLP_BLOCK)
			return 1;
	return 0;
}


/* DLP counters: those of earlier sensor databases (dlp_base) plus the current one's. */
void
worker_dlp_counters(struct worker *w)
{
	const uint64_t *b = w->dlp_base;
	const struct dlp_stats *d = dlp_ctx_stats(w->dlp);
	const struct sensor_stats *s = dlp_ctx_sensor_stats(w->dlp);

	w->ctr.c[CTR_dlp_dirs_opened] = b[0] + d->dirs_opened;
	w->ctr.c[CTR_dlp_dirs_refused] = b[1] + d->dirs_refused;
	w->ctr.c[CTR_dlp_dirs_evicted] = b[16] + d->dirs_evicted;
	w->ctr.c[CTR_dlp_dirs_resumed] = b[18] + d->dirs_resumed;
	w->ctr.c[CTR_dlp_parks_dropped] = b[19] + d->parks_dropped;
	w->ctr.c[CTR_dlp_matches] = b[2] + d->matches;
	w->ctr.c[CTR_dlp_events] = b[3] + d->events;
	w->ctr.c[CTR_dlp_distinct_overflow] = b[4] + d->distinct_overflow;
	w->ctr.c[CTR_sensor_bytes_scanned] = b[5] + s->bytes_scanned;
	w->ctr.c[CTR_sensor_candidates] = b[6] + s->candidates;
	w->ctr.c[CTR_sensor_boundary_rejected] = b[7] + s->boundary_rejected;
	w->ctr.c[CTR_sensor_validator_rejected] = b[8] + s->validator_rejected;
	w->ctr.c[CTR_sensor_context_missing] = b[9] + s->context_missing;
	w->ctr.c[CTR_sensor_candidates_dropped] = b[10] + s->candidates_dropped;
	w->ctr.c[CTR_sensor_scan_errors] = b[11] + s->scan_errors;
	w->ctr.c[CTR_dlp_buffers_opened] = b[12] + d->buffers_opened;
	w->ctr.c[CTR_dlp_buffers_refused] = b[13] + d->buffers_refused;
	w->ctr.c[CTR_dlp_raw_dups] = b[14] + d->raw_dups;
	w->ctr.c[CTR_dlp_raw_skipped] = b[17] + d->raw_skipped;
	w->ctr.c[CTR_sensor_overlap_suppressed] = b[15] + s->overlap_suppressed;
	w->ctr.c[CTR_sensor_gate_restarts] = b[20] + s->gate_restarts;
	w->ctr.c[CTR_sensor_streams_active] = s->streams_active;
	w->ctr.c[CTR_sensor_stream_bytes] = s->stream_bytes;
}

/* Before leaving a DLP context: keep its totals in the base the counters add up from. */
void
worker_dlp_counters_keep(struct worker *w)
{
	static const enum ctr_id ids[WORKER_DLP_BASE] = {
		CTR_dlp_dirs_opened, CTR_dlp_dirs_refused, CTR_dlp_matches, CTR_dlp_events,
		CTR_dlp_distinct_overflow, CTR_sensor_bytes_scanned, CTR_sensor_candidates,
		CTR_sensor_boundary_rejected, CTR_sensor_validator_rejected,
		CTR_sensor_context_missing, CTR_sensor_candidates_dropped, CTR_sensor_scan_errors,
		CTR_dlp_buffers_opened, CTR_dlp_buffers_refused, CTR_dlp_raw_dups,
		CTR_sensor_overlap_suppressed, CTR_dlp_dirs_evicted, CTR_dlp_raw_skipped,
		CTR_dlp_dirs_resumed, CTR_dlp_parks_dropped, CTR_sensor_gate_restarts,
	};
	unsigned int i;

	worker_dlp_counters(w);
	for (i = 0; i < WORKER_DLP_BASE; i++)
		w->dlp_base[i] = w->ctr.c[ids[i]];
}

void
worker_dlp_gap(struct worker *w, struct flow *f, uint8_t dir, uint64_t len)
{
	struct worker_emit e = { w, f };
	struct dlp_policy pol;

	if (w->dlp == NULL || f->dlp[dir] == NULL)
		return;
	worker_dlp_policy(w, f, &pol);
	dlp_dir_buffer_gap(w->dlp, f->dlp[dir], dir, len, &pol, worker_dlp_emit, &e);
	dlp_dir_gap(w->dlp, f->dlp[dir], dir, len, &pol, worker_dlp_emit, &e);
}

int
worker_dlp_buffer_open(struct worker *w, struct flow *f, uint8_t dir, uint8_t level,
		       const char *path)
{
	struct dlp_policy pol;
	struct dlp_dir *d;

	if (w->dlp == NULL || worker_flow_blocked(f) || !worker_dlp_policy(w, f, &pol))
		return -1;
	d = worker_dlp_dir(w, f, dir);
	if (d == NULL)
		return -1;
	return dlp_dir_buffer_open(w->dlp, d, level, path);
}

void
worker_dlp_buffer_data(struct worker *w, struct flow *f, uint8_t dir, uint8_t level,
		       const uint8_t *p, uint32_t len)
{
	struct worker_emit e = { w, f };
	struct dlp_policy pol;

	if (w->dlp == NULL || f->dlp[dir] == NULL || worker_flow_blocked(f) ||
	    !worker_dlp_policy(w, f, &pol))
		return;
	pol.commit = w->rt->n_inline != 0 && worker_flow_strict(w, f);
	dlp_dir_buffer_data(w->dlp, f->dlp[dir], dir, level, p, len, &pol, worker_dlp_emit, &e);
}

void
worker_dlp_buffer_close(struct worker *w, struct flow *f, uint8_t dir, uint8_t level)
{
	struct worker_emit e = { w, f };
	struct dlp_policy pol;

	if (w->dlp == NULL || f->dlp[dir] == NULL)
		return;
	worker_dlp_policy(w, f, &pol);
	dlp_dir_buffer_close(w->dlp, f->dlp[dir], dir, level, &pol, worker_dlp_emit, &e);
}

void
worker_dlp_cover(struct worker *w, struct flow *f, uint8_t dir, uint64_t start, uint64_t end)
{
	if (w->dlp != NULL && f->dlp[dir] != NULL)
		dlp_dir_cover(f->dlp[dir], start, end);
}
