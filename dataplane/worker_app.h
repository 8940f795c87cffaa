/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker's app-layer glue (worker_app.c). Owning worker only. */
#ifndef TOLLGATE_WORKER_APP_H
#define TOLLGATE_WORKER_APP_H

#include <stdint.h>
#include "flow_types.h"
#include "worker_types.h"

/* In-order bytes of a direction at raw stream offset off, before the raw DLP scan. */
void worker_app_data(struct worker *w, struct flow *f, uint8_t dir, const uint8_t *data,
		     uint32_t len, uint64_t off);

/*
 * The first len client bytes, held while the application was being told and delivered
 * before it was known: the parser starts on them (offset 0), so a request whose first
 * segments were tiny is parsed whole.
 */
void worker_app_preload(struct worker *w, struct flow *f, const uint8_t *data, uint32_t len);

/* The direction ended (FIN in order, RST): a body read until close is complete. */
void worker_app_eof(struct worker *w, struct flow *f, uint8_t dir);

/* Bytes of the direction were lost: its parser stops. */
void worker_app_gap(struct worker *w, struct flow *f, uint8_t dir);

/* Flow end, before its DLP directions close: complete what can be, close the buffers. */
void worker_app_end(struct worker *w, struct flow *f);

/* Flow end, after its DLP directions closed (their events carry the app metadata). */
void worker_app_free(struct worker *w, struct flow *f);

/* The app layer's counters into the worker's (housekeeping). */
void worker_app_counters(struct worker *w);

#endif
