/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the app layer only: the per-worker state, the per-flow state and the helpers
 * every protocol glue of app_layer.c uses. Owning worker only.
 */
#ifndef TOLLGATE_APP_LAYER_PRIV_H
#define TOLLGATE_APP_LAYER_PRIV_H

#include <stdint.h>
#include "app_http_types.h"
#include "app_mime_types.h"
#include "app_layer.h"
#include "app_pipe.h"
#include "app_smtp_types.h"
#include "config_types.h"
#include "decode_pool_types.h"

/* Requests whose metadata is kept for their responses (deeper pipelines: the oldest go). */
#define APP_LAYER_PIPELINE 4

struct app_flow {
	struct app_flow *next_free;
	uint8_t proto;			/* enum app_layer_proto */
	uint8_t mime_on[2];		/* the direction's body goes through mime[] */
	uint8_t stopped[2];		/* SMTP: the direction's parser stopped (raw from here) */
	uint8_t raw_held[2];		/* raw bytes fed to the pipe before it opened a buffer */
	uint8_t reqs_set;		/* HTTP: the slots of reqs[] written, a bit each */
	uint64_t raw_from[2];		/* ... from this stream offset on */
	uint32_t next_req;		/* HTTP: requests complete */
	uint32_t resp_done;		/* HTTP: final responses complete */
	struct app_meta meta[2];	/* per direction: what its dlp events say */
	/*
	 * From here on not cleared at attach (about 22 KiB a connection, most of it never
	 * used by a short one): each part is set up before it is read. reqs[] is read only
	 * where reqs_set says; a pipe's header is cleared (app_pipe_reset), its decoders by
	 * app_pipe_begin; mime[dir] is initialised when mime_on[dir] is set; u by the
	 * protocol's parser.
	 */
	/* HTTP: the last requests by transaction index (pipelining), so a response is told
	 * with its own request's host, URL and method. */
	struct app_meta reqs[APP_LAYER_PIPELINE];
	struct app_pipe pipe[2];	/* per direction: the body, part or URL being decoded */
	struct app_pipe pre[2];		/* per direction: a MIME body's content codings */
	struct app_mime mime[2];
	union {
		struct app_http_conn http;
		struct app_smtp_conn smtp;
	} u;
};

struct app_layer {
	struct config_app conf;
	struct app_http_conf http_conf;
	struct decode_pool pool;	/* decompressor memory (app.decode_memcap) */
	void *pool_mem;
	struct app_pipe_env env;	/* shared by every pipeline; sink of the call under way */
	struct app_pipe_env mime_env;	/* of the pre pipelines: their sink is the MIME parser */
	struct app_mime_conf mime_conf;
	uint8_t mime_dir;		/* direction of the MIME parser under way */
	struct app_flow *flows;		/* app.max_flows states (calloc: zero until used) */
	struct app_flow *free;		/* states given back */
	uint32_t fresh;			/* states handed out at least once: flows[0, fresh) */
	struct app_layer_stats stats;
	/* The call under way. */
	struct app_flow *cur;
	uint8_t cur_dir;
	const uint8_t *in;		/* the reassembled bytes fed, NULL outside app_layer_data */
	uint32_t in_len;
	uint64_t in_off;		/* their raw stream offset */
	uint8_t batch[APP_PIPE_BATCH];	/* env.batch */
	uint8_t nest_batch[APP_PIPE_BATCH];	/* env.nest_batch */
};

/* Start a call: where sink events go, and which raw bytes are being fed. */
static inline void
app_layer_enter(struct app_layer *al, struct app_flow *af, uint8_t dir, const uint8_t *data,
		uint32_t len, uint64_t off, const struct app_layer_sink *sink, void *cookie)
{
	app_pipe_flush(&al->env);	/* what the last call gathered, to its own sink */
	al->cur = af;
	al->cur_dir = dir;
	al->in = data;
	al->in_len = len;
	al->in_off = off;
	al->env.sink = sink;
	al->env.cookie = cookie;
}

/*
 * Raw bytes p[0..n) of the input were fed to pipe pp of dir. Once the pipe scans, every
 * raw byte fed since its body began is covered, also those a decoder held back before its
 * first output, so what is covered does not depend on how the input was cut.
 */
static inline void
app_layer_cover_fed(struct app_layer *al, struct app_flow *af, uint8_t dir,
		    const struct app_pipe *pp, const uint8_t *p, size_t n)
{
	if (al->in == NULL || p < al->in || p + n > al->in + al->in_len)
		return;
	if (!af->raw_held[dir]) {
		af->raw_held[dir] = 1;
		af->raw_from[dir] = al->in_off + (uint64_t)(p - al->in);
	}
	if (app_pipe_scanning(pp) && al->env.sink->cover != NULL) {
		uint64_t end = al->in_off + (uint64_t)(p - al->in) + n;

		al->env.sink->cover(al->env.cookie, dir, af->raw_from[dir], end);
		af->raw_from[dir] = end;
	}
}

/* A transaction (HTTP request and response) or a mail is complete: its metadata event. */
static inline void
app_layer_txn(struct app_layer *al, uint8_t dir, const struct app_meta *meta)
{
	const struct app_layer_sink *s = al->env.sink;

	if (s->txn != NULL)
		s->txn(al->env.cookie, dir, meta);
}

/* A header limit stopped a parser: counted and reported. */
static inline void
app_layer_limit(struct app_layer *al, uint8_t dir)
{
	const struct app_layer_sink *s = al->env.sink;

	al->stats.limit_hits++;
	if (s->anomaly != NULL)
		s->anomaly(al->env.cookie, dir, APP_LAYER_ANOM_LIMIT);
}

/* app_layer_mime.c: the MIME glue. begin: the body of dir is a mail (ctype NULL) or a
 * body of Content-Type ctype, named base ("smtp", "http.body") with content codings cenc;
 * 0 started; 1 its coding cannot be undone (counted; leave the body to the raw scan);
 * negative: no MIME state (scan it as a plain body). */
extern const struct app_layer_sink app_layer_mime_sink;
int app_layer_mime_begin(struct app_layer *al, struct app_flow *af, uint8_t dir, const char *base,
			 const char *cenc, const char *ctype);
void app_layer_mime_feed(struct app_layer *al, struct app_flow *af, uint8_t dir,
			 const uint8_t *p, size_t n);
void app_layer_mime_end(struct app_layer *al, struct app_flow *af, uint8_t dir);

/* app_layer_smtp.c: the SMTP glue. */
void app_layer_smtp_init(struct app_layer *al, struct app_flow *af);
void app_layer_smtp_data(struct app_layer *al, struct app_flow *af, uint8_t dir, const uint8_t *data,
			 uint32_t len);
void app_layer_smtp_gap(struct app_layer *al, struct app_flow *af, uint8_t dir);
void app_layer_smtp_finish(struct app_layer *al, struct app_flow *af);

#endif
