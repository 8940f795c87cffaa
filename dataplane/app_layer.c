/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application layer of a worker (app_layer.h): a pool of flow states, the
 * decompressors' memory pool, and the HTTP glue between the message parser (app_http.c,
 * RFC 9112) and the decoding pipelines (app_pipe.c). SMTP is in app_layer_smtp.c.
 *
 * HTTP, per message: the request target is scanned as a decoded buffer of its own when it
 * holds a query or percent escapes ("http.url > form"); the body is scanned as
 * "http.body" plus the codings undone ("http.body > gzip > json"). Bodies arrive from the
 * parser de-chunked, straight from the reassembled bytes, so the raw ranges they came
 * from can be covered (app_layer_sink.cover).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "app_http.h"
#include "app_layer.h"
#include "app_layer_priv.h"
#include "app_meta.h"
#include "app_mime.h"
#include "decode_comp.h"
#include "decode_pool.h"
#include "decode_text.h"

size_t
app_layer_memsize(const struct config_app *conf)
{
	return sizeof(struct app_layer) + sizeof(struct app_flow) * (size_t)conf->max_flows +
	       conf->decode_memcap;
}

struct app_layer *
app_layer_create(const struct config_app *conf, char *err, size_t errlen)
{
	struct app_layer *al = calloc(1, sizeof(*al));

	if (al == NULL)
		goto nomem;
	al->conf = *conf;
	app_http_conf_default(&al->http_conf);
	al->http_conf.max_line = conf->max_header_line < APP_HTTP_LINE_MAX ?
				 conf->max_header_line : APP_HTTP_LINE_MAX;
	al->http_conf.max_headers = conf->max_headers;
	al->flows = calloc(conf->max_flows, sizeof(*al->flows));
	al->pool_mem = malloc(conf->decode_memcap);
	if (al->flows == NULL || al->pool_mem == NULL)
		goto nomem;
	if (decode_pool_init(&al->pool, al->pool_mem, conf->decode_memcap,
			     conf->decode_memcap) != 0) {
		snprintf(err, errlen, "app: decode_memcap %llu: too small for a pool",
			 (unsigned long long)conf->decode_memcap);
		app_layer_free(al);
		return NULL;
	}
	decode_comp_conf_default(&al->env.comp_conf);
	al->env.comp_conf.out_max = conf->max_decoded;
	al->env.comp_conf.ratio_max = conf->max_ratio;
	al->env.pool = &al->pool;
	al->env.max_decoded = conf->max_decoded;
	al->env.b64_min = conf->base64_min;
	al->env.stats = &al->stats;
	al->env.count_bodies = 1;
	al->mime_env = al->env;
	al->mime_env.count_bodies = 0;
	al->mime_env.sink = &app_layer_mime_sink;
	al->mime_env.cookie = al;
	al->env.batch = al->batch;	/* the MIME parser takes its pieces as they come */
	al->env.nest_batch = al->nest_batch;
	app_mime_conf_default(&al->mime_conf);
	return al;	/* flow states are handed out in order as first needed (app_layer_attach) */
nomem:
	snprintf(err, errlen, "app: no memory for %u flow states and %llu bytes of decoders",
		 conf->max_flows, (unsigned long long)conf->decode_memcap);
	app_layer_free(al);
	return NULL;
}

void
app_layer_free(struct app_layer *al)
{
	if (al == NULL)
		return;
	free(al->flows);
	free(al->pool_mem);
	free(al);
}

const struct app_layer_stats *
app_layer_stats(const struct app_layer *al)
{
	return &al->stats;
}

/* ---- HTTP ---- */

/* The text decoder a body's Content-Type asks for (RFC 9110 8.3; media types, RFC 6838). */
static int
app_http_text_kind(const char *ctype)
{
	const char *semi = strchr(ctype, ';');
	size_t n = semi != NULL ? (size_t)(semi - ctype) : strlen(ctype);

	while (n > 0 && (ctype[n - 1] == ' ' || ctype[n - 1] == '\t'))
		n--;
	if (n == 33 && strncasecmp(ctype, "application/x-www-form-urlencoded", n) == 0)
		return DECODE_TEXT_FORM;
	if ((n == 16 && strncasecmp(ctype, "application/json", n) == 0) ||
	    (n > 5 && strncasecmp(ctype + n - 5, "+json", 5) == 0))
		return DECODE_TEXT_JSON;
	return APP_PIPE_NO_TEXT;
}

static void
app_http_meta(struct app_flow *af, const struct app_http_msg *msg)
{
	struct app_meta *m = &af->meta[msg->dir];

	m->kind = APP_META_HTTP;
	if (msg->dir == APP_HTTP_REQUEST) {
		memset(&m->http, 0, sizeof(m->http));
		app_meta_copy(m->http.hostname, APP_META_HOST_LEN, msg->host);
		app_meta_url(m->http.url, APP_META_URL_LEN, msg->url);
		app_meta_copy(m->http.method, APP_META_METHOD_LEN, msg->method);
		app_meta_copy(m->http.content_type, APP_META_CTYPE_LEN, msg->content_type);
		af->reqs[msg->txn % APP_LAYER_PIPELINE] = *m;
		af->reqs_set |= (uint8_t)(1u << (msg->txn % APP_LAYER_PIPELINE));
	} else {
		/* The response speaks of its own request (msg->txn), pipelined or not; of
		 * none when no request came in that slot. */
		if (af->reqs_set & (1u << (msg->txn % APP_LAYER_PIPELINE)))
			*m = af->reqs[msg->txn % APP_LAYER_PIPELINE];
		else
			memset(m, 0, sizeof(*m));
		m->kind = APP_META_HTTP;
		m->http.status = msg->status;
		app_meta_copy(m->http.content_type, APP_META_CTYPE_LEN, msg->content_type);
		if (msg->txn + 1 == af->next_req)
			af->meta[0].http.status = msg->status;
	}
}

/*
 * A request target with a query or escapes is scanned decoded, as a buffer of its own;
 * its raw bytes are then covered, so that what only looks like a value while still
 * percent-encoded (a keyword inside encoded markup, digits around an encoded space) is
 * judged on the decoded text alone. The target follows the method and one space at the
 * start of the request line (RFC 9112 3), whose place the parser keeps.
 */
static void
app_http_url(struct app_layer *al, struct app_flow *af, const struct app_http_msg *msg)
{
	struct app_pipe *pp = &af->pipe[APP_HTTP_REQUEST];
	const struct app_layer_sink *s = al->env.sink;
	size_t n = strlen(msg->url);
	uint64_t at;
	int scanned;

	if (strchr(msg->url, '?') == NULL && strchr(msg->url, '%') == NULL)
		return;
	if (app_pipe_begin(pp, &al->env, APP_HTTP_REQUEST, "http.url", NULL,
			   DECODE_TEXT_FORM) != 0)
		return;
	app_pipe_feed(pp, (const uint8_t *)msg->url, n);
	scanned = app_pipe_scanning(pp);
	if (scanned && s->cover != NULL &&
	    !(msg->truncated & (APP_HTTP_TRUNC_URL | APP_HTTP_TRUNC_METHOD))) {
		at = msg->start_offset + strlen(msg->method) + 1;
		s->cover(al->env.cookie, APP_HTTP_REQUEST, at, at + n);
	}
	app_pipe_end(pp);
}

static void
app_http_headers(void *cookie, const struct app_http_msg *msg)
{
	struct app_layer *al = cookie;
	struct app_flow *af = al->cur;
	struct app_pipe *pp = &af->pipe[msg->dir];

	app_http_meta(af, msg);
	if (msg->dir == APP_HTTP_REQUEST)
		app_http_url(al, af, msg);
	app_pipe_end(pp);
	app_layer_mime_end(al, af, msg->dir);
	af->raw_held[msg->dir] = 0;
	if (msg->body == APP_HTTP_BODY_NONE || msg->body == APP_HTTP_BODY_TUNNEL ||
	    (msg->body == APP_HTTP_BODY_LENGTH && msg->content_length == 0))
		return;
	if (strncasecmp(msg->content_type, "multipart/", 10) == 0 &&
	    app_layer_mime_begin(al, af, msg->dir, "http.body", msg->content_encoding,
				 msg->content_type) >= 0)
		return;
	app_pipe_begin(pp, &al->env, msg->dir, "http.body", msg->content_encoding,
		       app_http_text_kind(msg->content_type));
}

static void
app_http_body(void *cookie, const struct app_http_msg *msg, const uint8_t *p, size_t n)
{
	struct app_layer *al = cookie;
	struct app_flow *af = al->cur;
	struct app_pipe *pp = &af->pipe[msg->dir];

	if (af->mime_on[msg->dir]) {
		app_layer_mime_feed(al, af, msg->dir, p, n);
		return;
	}
	app_pipe_feed(pp, p, n);
	app_layer_cover_fed(al, af, msg->dir, pp, p, n);
}

static void
app_http_done(void *cookie, const struct app_http_msg *msg)
{
	struct app_layer *al = cookie;

	app_layer_mime_end(al, al->cur, msg->dir);
	app_pipe_end(&al->cur->pipe[msg->dir]);
	al->stats.http_messages++;
	if (msg->dir == APP_HTTP_REQUEST) {
		al->cur->next_req = msg->txn + 1;
	} else if (!(msg->flags & APP_HTTP_MSG_INTERIM)) {
		al->cur->resp_done++;
		app_layer_txn(al, msg->dir, &al->cur->meta[msg->dir]);
	}
}

static void
app_http_tunnel(void *cookie, const struct app_http_msg *msg)
{
	struct app_layer *al = cookie;

	app_layer_mime_end(al, al->cur, msg->dir);
	app_pipe_end(&al->cur->pipe[msg->dir]);
}

static void
app_http_error(void *cookie, const struct app_http_msg *msg, enum app_http_err err)
{
	struct app_layer *al = cookie;
	uint8_t dir = msg != NULL ? msg->dir : al->cur_dir;

	al->stats.parse_errors++;
	if (app_http_err_is_limit(err))
		app_layer_limit(al, dir);
	app_layer_mime_end(al, al->cur, dir);
	app_pipe_end(&al->cur->pipe[dir]);
}

static const struct app_http_callbacks app_http_cb = {
	.on_headers_complete = app_http_headers,
	.on_body = app_http_body,
	.on_message_complete = app_http_done,
	.on_tunnel = app_http_tunnel,
	.on_error = app_http_error,
};

/* ---- flows ---- */

struct app_flow *
app_layer_attach(struct app_layer *al, enum app_layer_proto proto)
{
	struct app_flow *af = al->free;

	if (af != NULL) {
		al->free = af->next_free;
	} else if (al->fresh < al->conf.max_flows) {
		af = &al->flows[al->fresh++];	/* first use: its pages are touched now */
	} else {
		al->stats.flows_refused++;
		return NULL;
	}
	memset(af, 0, offsetof(struct app_flow, reqs));
	app_pipe_reset(&af->pipe[0]);
	app_pipe_reset(&af->pipe[1]);
	app_pipe_reset(&af->pre[0]);
	app_pipe_reset(&af->pre[1]);
	af->proto = (uint8_t)proto;
	if (proto == APP_LAYER_HTTP)
		app_http_conn_init(&af->u.http, &al->http_conf, &app_http_cb, al);
	else
		app_layer_smtp_init(al, af);
	al->stats.flows++;
	return af;
}

void
app_layer_data(struct app_layer *al, struct app_flow *af, uint8_t dir, const uint8_t *data,
	       uint32_t len, uint64_t off, const struct app_layer_sink *sink, void *cookie)
{
	app_layer_enter(al, af, dir & 1, data, len, off, sink, cookie);
	if (af->proto == APP_LAYER_HTTP)
		app_http_feed(&af->u.http.dir[dir & 1], data, len);
	else
		app_layer_smtp_data(al, af, dir & 1, data, len);
	app_pipe_flush(&al->env);
	al->in = NULL;
}

void
app_layer_gap(struct app_layer *al, struct app_flow *af, uint8_t dir,
	      const struct app_layer_sink *sink, void *cookie)
{
	app_layer_enter(al, af, dir & 1, NULL, 0, 0, sink, cookie);
	if (af->proto == APP_LAYER_HTTP)
		app_http_gap(&af->u.http.dir[dir & 1]);
	else
		app_layer_smtp_gap(al, af, dir & 1);
	app_pipe_flush(&al->env);
}

void
app_layer_eof(struct app_layer *al, struct app_flow *af, uint8_t dir,
	      const struct app_layer_sink *sink, void *cookie)
{
	app_layer_enter(al, af, dir & 1, NULL, 0, 0, sink, cookie);
	if (af->proto == APP_LAYER_HTTP)
		app_http_eof(&af->u.http.dir[dir & 1]);
	app_pipe_flush(&al->env);
}

void
app_layer_finish(struct app_layer *al, struct app_flow *af, const struct app_layer_sink *sink,
		 void *cookie)
{
	uint8_t dir;

	if (af == NULL)
		return;
	app_layer_enter(al, af, 0, NULL, 0, 0, sink, cookie);
	if (af->proto == APP_LAYER_SMTP)
		app_layer_smtp_finish(al, af);
	for (dir = 0; dir < 2; dir++) {
		/* A response read until close ends with the connection. */
		app_layer_enter(al, af, dir, NULL, 0, 0, sink, cookie);
		if (af->proto == APP_LAYER_HTTP)
			app_http_eof(&af->u.http.dir[dir]);
		app_layer_mime_end(al, af, dir);
		app_pipe_end(&af->pipe[dir]);
	}
	app_pipe_flush(&al->env);
	/* Requests the connection's end left unanswered are transactions too (the last
	 * APP_LAYER_PIPELINE of them). */
	if (af->proto == APP_LAYER_HTTP) {
		uint32_t i = af->resp_done;

		if (af->next_req > i + APP_LAYER_PIPELINE)
			i = af->next_req - APP_LAYER_PIPELINE;
		for (; i < af->next_req; i++)
			app_layer_txn(al, 0, &af->reqs[i % APP_LAYER_PIPELINE]);
		af->resp_done = af->next_req;
	}
}

void
app_layer_detach(struct app_layer *al, struct app_flow *af)
{
	if (af == NULL)
		return;
	af->next_free = al->free;
	al->free = af;
}

void
app_layer_meta(const struct app_flow *af, uint8_t dir, struct app_meta *out)
{
	*out = af->meta[dir & 1];
}
