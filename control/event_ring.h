/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The last events of the run, kept in memory for GET /v1/events (an analyst querying an
 * offline run with --serve, or a live one without a SIEM at hand). A ring of at most
 * max events (their EVE lines, copied); the oldest go first and are counted.
 * Each event gets a sequence number, the paging cursor. Control thread only.
 */
#ifndef TOLLGATE_EVENT_RING_H
#define TOLLGATE_EVENT_RING_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "eve_types.h"

#define EVENT_RING_LIMIT_DEFAULT 100u
#define EVENT_RING_LIMIT_MAX 1000u

struct event_ring;

/* A ring of max (>= 1) events; NULL with errno EINVAL or ENOMEM. */
struct event_ring *event_ring_create(uint32_t max);
void event_ring_free(struct event_ring *r);

/* Keep a copy of the EVE line (len bytes, no newline) of the event info describes. */
void event_ring_add(struct event_ring *r, const struct eve_info *info, const char *line,
		    size_t len);

typedef const char *(*event_ring_param_fn)(void *ctx, const char *name);

/*
 * A page of events, oldest first: {"events": [...], "next_cursor": "N" or null,
 * "returned": n, "dropped": events pushed out of the ring so far}. Query parameters
 * (read through get): event_type (flow, alert, dlp, anomaly), flow_id (integer), limit
 * (1..EVENT_RING_LIMIT_MAX, default 100), cursor (a next_cursor: events after it). NULL
 * with param and err set for a bad parameter.
 */
json_t *event_ring_query(const struct event_ring *r, event_ring_param_fn get, void *ctx,
			 char *param, size_t paramlen, char *err, size_t errlen);

uint64_t event_ring_dropped(const struct event_ring *r);

#endif
