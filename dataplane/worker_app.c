/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's app-layer glue (worker_app.h): which flows get an HTTP or SMTP parser, and
 * the sink that turns the app layer's decoded buffers into sensor streams (worker_dlp.c).
 *
 *   reassembled bytes ─► worker_app_data ─► app_layer (parse, decode) ─► sink
 *        └────────────────► worker_dlp_data (raw stream), after it, so a raw match in a
 *                           range the app layer covered is known to be a duplicate
 *
 * A flow is offered to the app layer once, when its application is known (HTTP or SMTP,
 * app_detect on the first bytes). A direction that already had bytes by then is scanned
 * raw only (the parser cannot start in the middle of a message). Owning worker only.
 */
#include "app_layer.h"
#include "runtime_types.h"
#include "worker_app.h"
#include "worker_dlp.h"
#include "worker_prof.h"
#include "worker_msg.h"
#include "worker_flow.h"

/* The sink's cookie: the worker and the flow of the call. */
struct worker_app_call {
	struct worker *w;
	struct flow *f;
};

static int
worker_app_open(void *cookie, uint8_t dir, uint8_t level, const char *path)
{
	const struct worker_app_call *c = cookie;
	uint8_t ps = WORKER_PROF_PUSH(c->w, WORKER_ST_SENSORS);
	int rc = worker_dlp_buffer_open(c->w, c->f, dir, level, path);

	WORKER_PROF_END(c->w, ps);
	return rc;
}

static void
worker_app_scan(void *cookie, uint8_t dir, uint8_t level, const uint8_t *p, size_t n)
{
	const struct worker_app_call *c = cookie;
	uint8_t ps = WORKER_PROF_PUSH(c->w, WORKER_ST_SENSORS);

	while (n > 0) {
		uint32_t k = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;

		worker_dlp_buffer_data(c->w, c->f, dir, level, p, k);
		p += k;
		n -= k;
	}
	WORKER_PROF_END(c->w, ps);
}

static void
worker_app_close(void *cookie, uint8_t dir, uint8_t level)
{
	const struct worker_app_call *c = cookie;
	uint8_t ps = WORKER_PROF_PUSH(c->w, WORKER_ST_SENSORS);

	worker_dlp_buffer_close(c->w, c->f, dir, level);
	WORKER_PROF_END(c->w, ps);
}

static void
worker_app_cover(void *cookie, uint8_t dir, uint64_t start, uint64_t end)
{
	const struct worker_app_call *c = cookie;

	worker_dlp_cover(c->w, c->f, dir, start, end);
}

static void
worker_app_anomaly(void *cookie, uint8_t dir, enum app_layer_anom kind)
{
	const struct worker_app_call *c = cookie;

	worker_anomaly(c->w, c->f, dir,
		       kind == APP_LAYER_ANOM_LIMIT ? MSG_ANOM_APP_LIMIT : MSG_ANOM_APP_DECODE, 1);
}

static void
worker_app_txn(void *cookie, uint8_t dir, const struct app_meta *meta)
{
	const struct worker_app_call *c = cookie;
	const struct config_events *ev = &c->w->rt->cfg.events;
	struct msg *m;

	if (!(meta->kind == APP_META_HTTP && ev->http) && !(meta->kind == APP_META_SMTP && ev->smtp))
		return;
	m = worker_msg_new(c->w, MSG_APP, c->f, dir, CTR_events_dropped);
	if (m == NULL)
		return;
	m->app = *meta;
	worker_msg_post(c->w, m, CTR_events_dropped);
}

static const struct app_layer_sink worker_app_sink = {
	.open = worker_app_open,
	.data = worker_app_scan,
	.close = worker_app_close,
	.cover = worker_app_cover,
	.anomaly = worker_app_anomaly,
	.txn = worker_app_txn,
};

/* Offer the flow to the app layer once its application is known. */
static void
worker_app_attach(struct worker *w, struct flow *f, uint8_t dir, uint64_t off)
{
	struct worker_app_call c = { w, f };
	enum app_layer_proto proto;
	uint8_t d;

	if (f->app == POLICY_APP_HTTP)
		proto = APP_LAYER_HTTP;
	else if (f->app == POLICY_APP_SMTP)
		proto = APP_LAYER_SMTP;
	else
		return;
	f->pflags |= FLOW_P_APP_LAYER;
	f->app_flow = app_layer_attach(w->app, proto);
	if (f->app_flow == NULL) {
		worker_anomaly(w, f, dir, MSG_ANOM_APP_UNPARSED, 1);
		return;
	}
	/* A direction that began before the parser cannot be parsed. */
	for (d = 0; d < 2; d++) {
		uint64_t seen = d == dir ? off : f->tcp[d].delivered;

		if (seen != 0)
			app_layer_gap(w->app, f->app_flow, d, &worker_app_sink, &c);
	}
}

void
worker_app_data(struct worker *w, struct flow *f, uint8_t dir, const uint8_t *data, uint32_t len,
		uint64_t off)
{
	struct worker_app_call c = { w, f };

	if (w->app == NULL || w->dlp == NULL || worker_flow_blocked(f))
		return;
	if (f->app_flow == NULL) {
		if ((f->pflags & FLOW_P_APP_LAYER) || f->app == POLICY_APP_ANY)
			return;
		worker_app_attach(w, f, dir, off);
		if (f->app_flow == NULL)
			return;
	}
	app_layer_data(w->app, f->app_flow, dir, data, len, off, &worker_app_sink, &c);
}

void
worker_app_preload(struct worker *w, struct flow *f, const uint8_t *data, uint32_t len)
{
	struct worker_app_call c = { w, f };

	if (w->app == NULL || w->dlp == NULL || worker_flow_blocked(f) || f->app_flow != NULL ||
	    (f->pflags & FLOW_P_APP_LAYER) || f->app == POLICY_APP_ANY)
		return;
	worker_app_attach(w, f, FLOW_TOSERVER, 0);
	if (f->app_flow != NULL)
		app_layer_data(w->app, f->app_flow, FLOW_TOSERVER, data, len, 0, &worker_app_sink,
			       &c);
}

void
worker_app_eof(struct worker *w, struct flow *f, uint8_t dir)
{
	struct worker_app_call c = { w, f };

	if (f->app_flow != NULL)
		app_layer_eof(w->app, f->app_flow, dir, &worker_app_sink, &c);
}

void
worker_app_gap(struct worker *w, struct flow *f, uint8_t dir)
{
	struct worker_app_call c = { w, f };

	if (f->app_flow != NULL)
		app_layer_gap(w->app, f->app_flow, dir, &worker_app_sink, &c);
}

void
worker_app_end(struct worker *w, struct flow *f)
{
	struct worker_app_call c = { w, f };

	if (f->app_flow != NULL)
		app_layer_finish(w->app, f->app_flow, &worker_app_sink, &c);
}

void
worker_app_free(struct worker *w, struct flow *f)
{
	if (f->app_flow == NULL)
		return;
	app_layer_detach(w->app, f->app_flow);
	f->app_flow = NULL;
}

void
worker_app_counters(struct worker *w)
{
	const struct app_layer_stats *s = app_layer_stats(w->app);

	w->ctr.c[CTR_app_flows] = s->flows;
	w->ctr.c[CTR_app_flows_refused] = s->flows_refused;
	w->ctr.c[CTR_app_http_messages] = s->http_messages;
	w->ctr.c[CTR_app_smtp_mails] = s->smtp_mails;
	w->ctr.c[CTR_app_parse_errors] = s->parse_errors;
	w->ctr.c[CTR_app_limit_hits] = s->limit_hits;
	w->ctr.c[CTR_app_bodies] = s->bodies;
	w->ctr.c[CTR_app_decode_errors] = s->decode_errors;
	w->ctr.c[CTR_app_decode_nomem] = s->decode_nomem;
	w->ctr.c[CTR_app_decode_capped] = s->decode_capped;
	w->ctr.c[CTR_app_decode_bombs] = s->decode_bombs;
	w->ctr.c[CTR_app_unknown_coding] = s->unknown_coding;
}
