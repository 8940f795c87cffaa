/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One decoding pipeline: the bytes of one body, part or URL on their way to a decoded
 * buffer of the sensors (app_layer.h). Content codings first (decode_comp chain), then
 * one text decoder (form, JSON, base64, quoted-printable), then the sink, which opens the
 * buffer at the first decoded byte. Caps (app.max_decoded) and decoder failures stop
 * the pipeline and are counted; what was decoded before stays scanned. Owning worker
 * only; a pipeline lives in its flow's state and allocates nothing but the
 * decompressors' pool memory, returned by app_pipe_end.
 */
#ifndef TOLLGATE_APP_PIPE_H
#define TOLLGATE_APP_PIPE_H

#include <stddef.h>
#include <stdint.h>
#include "app_layer_types.h"
#include "decode_comp_types.h"
#include "decode_pool_types.h"
#include "decode_types.h"
#include "dlp_types.h"

/* Longest run of base64 characters held before it counts as a value (app.base64_min). */
#define APP_PIPE_B64_HOLD 1024

/* Decoded bytes held to go to the sink together (app_pipe_env.batch). */
#define APP_PIPE_BATCH 2048

/* What every pipeline of a worker shares: limits, pool, counters, and the sink of the
 * call under way. */
struct app_pipe_env {
	struct decode_pool *pool;
	struct decode_comp_conf comp_conf;
	uint64_t max_decoded;
	uint32_t b64_min;		/* base64 values this long in form/JSON text: decoded */
	struct app_layer_stats *stats;
	uint8_t count_bodies;		/* its buffers are the sensors' (bodies counted) */
	const struct app_layer_sink *sink;
	void *cookie;
	/*
	 * Decoded pieces shorter than half of APP_PIPE_BATCH (a MIME line, a JSON string)
	 * are gathered here, one pipe's at a time, and go to the sink (and the base64
	 * sniffer) together: a sensor call per batch, not per piece. Held only within one
	 * call of the app layer (app_pipe_flush at its end, and before the pipe ends).
	 * NULL: every piece goes at once.
	 */
	uint8_t *batch;			/* APP_PIPE_BATCH bytes */
	struct app_pipe *batch_pp;	/* whose bytes they are */
	uint32_t batch_n;
	/*
	 * The same for the level-1 (base64) bytes the sniffer decodes out of one delivered
	 * piece: a JSON body's values come out a few dozen bytes each, a call of the
	 * decoder each. Held only within the sniffer's call over one piece (sent before a
	 * value's buffer closes and when the sniffer returns). NULL: sent as they come.
	 */
	uint8_t *nest_batch;		/* APP_PIPE_BATCH bytes */
	uint32_t nest_n;
};

struct app_pipe {
	struct app_pipe_env *env;
	uint8_t dir;
	uint8_t active;		/* between begin and end */
	uint8_t opened;		/* the sink took the buffer */
	uint8_t refused;	/* the sink refused it */
	uint8_t stopped;	/* a decoder failed or the cap was reached */
	uint8_t comp_on;
	uint8_t text_on;
	uint8_t anom;		/* the decode anomaly was reported for this direction */
	uint64_t out;		/* bytes given to the sink */
	/* Base64 values inside form or JSON text: after b64_min base64 characters in a row,
	 * the value is decoded into a level-1 buffer until the run ends. */
	uint8_t sniff;		/* look for them (form, JSON, bodies without transfer coding) */
	uint8_t sniff_json;	/* JSON or plain: line breaks inside a run are base64 wrapping */
	uint8_t nest_on;	/* a value is being decoded */
	uint8_t nest_opened;	/* the sink took its buffer */
	uint8_t nest_refused;
	uint16_t run;		/* base64 characters in a row, held in hold[] until b64_min */
	struct decode_b64 nest;
	uint8_t hold[APP_PIPE_B64_HOLD];
	char path[DLP_PATH_LEN];
	struct decode_comp_chain chain;
	struct decode_text text;
};

/* The decoded bytes env holds go to their pipe's sink now. */
void app_pipe_flush(struct app_pipe_env *env);

/* A pipe not begun yet: what app_pipe_feed, app_pipe_end and app_pipe_scanning read of
 * it (it is idle, no anomaly reported); app_pipe_begin sets the rest. */
void app_pipe_reset(struct app_pipe *pp);

/* No text decoder (app_pipe_begin's text argument). */
#define APP_PIPE_NO_TEXT (-1)

/*
 * Start a pipeline for direction dir named base ("http.body"), undoing the Content-Encoding
 * value cenc (NULL or "": none) and then text decoder text (enum decode_text_kind or
 * APP_PIPE_NO_TEXT). Returns 0, or -1 when the coding is unknown or its decompressor
 * cannot be had (counted; the body is then scanned raw only and the pipe stays inactive).
 */
int app_pipe_begin(struct app_pipe *pp, struct app_pipe_env *env, uint8_t dir, const char *base,
		   const char *cenc, int text);

/* The next bytes of the body, encoded as it was sent (framing removed). */
void app_pipe_feed(struct app_pipe *pp, const uint8_t *p, size_t n);

/* The body ended: flush the decoders, close the buffer, give the pool memory back.
 * Harmless on an inactive pipe. */
void app_pipe_end(struct app_pipe *pp);

/* Whether decoded bytes of this body are being scanned (raw bytes fed may be covered). */
static inline int
app_pipe_scanning(const struct app_pipe *pp)
{
	return pp->active && pp->opened && !pp->stopped;
}

#endif
