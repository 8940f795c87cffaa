/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application layer in front of the DLP sensors (DESIGN.md "Data flow": detect,
 * parse HTTP/SMTP, decode bodies). For each flow it parses, it runs the protocol parser
 * of both directions and sends what the messages carry, decoded, to a sink the worker
 * implements over its sensor streams:
 *
 *   reassembled bytes ─► app_http / app_smtp ─► body, part or URL
 *        ─► Content-Encoding chain (gzip, deflate, br, zstd)
 *        ─► MIME parts (multipart bodies, mail) ─► transfer decoding (base64, qp)
 *        ─► form / JSON unescaping ─► sink: one decoded buffer at a time per direction,
 *           named by its decoding path ("http.body > gzip > json")
 *
 * The raw stream is still scanned by the worker; the raw bytes that reached a decoded
 * buffer are reported to the sink (cover) so the same value is not counted twice. A parse
 * error, a limit or a decoder failure only stops decoding: the raw scan goes on, and the
 * failure is counted.
 *
 * Memory: a pool of max_flows flow states and the decompressors' memory pool, both taken
 * at create (control thread); the data path allocates nothing. Owning worker only.
 */
#ifndef TOLLGATE_APP_LAYER_H
#define TOLLGATE_APP_LAYER_H

#include <stddef.h>
#include <stdint.h>
#include "app_layer_types.h"
#include "config_types.h"

struct app_layer;	/* per worker */
struct app_flow;	/* per parsed flow */

/* Control thread at init: NULL with err set when memory cannot be had. */
struct app_layer *app_layer_create(const struct config_app *conf, char *err, size_t errlen);
void app_layer_free(struct app_layer *al);
/* Bytes app_layer_create takes for conf. */
size_t app_layer_memsize(const struct config_app *conf);

/* ---- owning worker only ---- */

/* Parser state for a new flow of proto; NULL (counted in flows_refused) when none is left. */
struct app_flow *app_layer_attach(struct app_layer *al, enum app_layer_proto proto);

/*
 * The next in-order bytes of direction dir (0: to server), starting at raw stream offset
 * off. Events reach sink with cookie from inside the call. data is read during the call.
 */
void app_layer_data(struct app_layer *al, struct app_flow *af, uint8_t dir, const uint8_t *data,
		    uint32_t len, uint64_t off, const struct app_layer_sink *sink, void *cookie);

/* Bytes of dir were lost: its parser cannot resynchronise and stops (counted). */
void app_layer_gap(struct app_layer *al, struct app_flow *af, uint8_t dir,
		   const struct app_layer_sink *sink, void *cookie);

/* Direction dir ended (FIN or RST): a body read until close is complete. */
void app_layer_eof(struct app_layer *al, struct app_flow *af, uint8_t dir,
		   const struct app_layer_sink *sink, void *cookie);

/* Flow end, first: complete what the end completes (bodies read until close) and close
 * every buffer. The metadata stays readable until app_layer_detach. NULL af: no-op. */
void app_layer_finish(struct app_layer *al, struct app_flow *af,
		      const struct app_layer_sink *sink, void *cookie);

/* Flow end, last: return the state to the pool. NULL af is a no-op. */
void app_layer_detach(struct app_layer *al, struct app_flow *af);

/* The application metadata of direction dir now (the dlp event's http/smtp object). */
void app_layer_meta(const struct app_flow *af, uint8_t dir, struct app_meta *out);

const struct app_layer_stats *app_layer_stats(const struct app_layer *al);

#endif
