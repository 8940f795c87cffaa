/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event ring (event_ring.h): a fixed array of (sequence, event) used circularly. Queries
 * walk from the oldest kept event; the cursor is a sequence number, so a page boundary
 * survives events being added (and old ones dropped) between two requests. Events are
 * kept as their EVE lines (a slot's buffer is reused), with the type and flow id the
 * filters need: only the events a query returns are parsed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "event_ring.h"

struct event_ring_slot {
	uint64_t seq;
	const char *type;		/* event_type, a static string */
	uint64_t flow_id;		/* 0 when the event has none */
	char *line;			/* the EVE line, NUL-terminated; NULL: empty slot */
	size_t cap;			/* bytes allocated for line, kept from one event to the next */
};

struct event_ring {
	uint32_t max;
	uint32_t count;
	uint32_t head;			/* slot of the oldest event */
	uint64_t next_seq;		/* the first event gets 1: cursor 0 is the start */
	uint64_t dropped;
	struct event_ring_slot *slots;
};

struct event_ring *
event_ring_create(uint32_t max)
{
	struct event_ring *r;

	if (max == 0 || max > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->slots = calloc(max, sizeof(*r->slots));
	if (r->slots == NULL) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->max = max;
	r->next_seq = 1;
	return r;
}

void
event_ring_free(struct event_ring *r)
{
	uint32_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->max; i++)
		free(r->slots[i].line);
	free(r->slots);
	free(r);
}

void
event_ring_add(struct event_ring *r, const struct eve_info *info, const char *line, size_t len)
{
	struct event_ring_slot *s;

	if (r->count == r->max) {
		r->head = (r->head + 1) % r->max;
		r->count--;
		r->dropped++;
	}
	s = &r->slots[(r->head + r->count) % r->max];
	if (s->cap < len + 1) {
		char *p = realloc(s->line, len + 1);

		if (p == NULL) {	/* the event is not kept: counted as pushed out */
			r->dropped++;
			return;
		}
		s->line = p;
		s->cap = len + 1;
	}
	memcpy(s->line, line, len);
	s->line[len] = '\0';
	s->seq = r->next_seq++;
	s->type = info->type != NULL ? info->type : "";
	s->flow_id = info->has_flow_id ? info->flow_id : 0;
	r->count++;
}

uint64_t
event_ring_dropped(const struct event_ring *r)
{
	return r->dropped;
}

/* A decimal 0..max in s; -1 when it is not one. */
static int
er_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9' || strlen(s) > 20)
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

static const char *const er_types[] = {
	"flow", "alert", "dlp", "anomaly", "http", "smtp", "tls", "dns", NULL,
};

json_t *
event_ring_query(const struct event_ring *r, event_ring_param_fn get, void *ctx, char *param,
		 size_t paramlen, char *err, size_t errlen)
{
	const char *type = get(ctx, "event_type"), *fid = get(ctx, "flow_id");
	const char *lim = get(ctx, "limit"), *cur = get(ctx, "cursor");
	uint64_t limit = EVENT_RING_LIMIT_DEFAULT, cursor = 0, flow_id = 0, last = 0;
	json_t *out, *list;
	uint32_t i, n = 0;
	int more = 0;

	if (type != NULL) {
		for (i = 0; er_types[i] != NULL && strcmp(er_types[i], type) != 0; i++)
			;
		if (er_types[i] == NULL) {
			snprintf(param, paramlen, "event_type");
			snprintf(err, errlen, "event_type: \"%.32s\" is not an event type (expected "
				 "flow, alert, dlp, anomaly, http, smtp, tls or dns)", type);
			return NULL;
		}
	}
	if (fid != NULL && er_uint(fid, UINT64_MAX, &flow_id) != 0) {
		snprintf(param, paramlen, "flow_id");
		snprintf(err, errlen, "flow_id: \"%.32s\" is not a flow id (expected an integer)",
			 fid);
		return NULL;
	}
	if (lim != NULL && (er_uint(lim, EVENT_RING_LIMIT_MAX, &limit) != 0 || limit == 0)) {
		snprintf(param, paramlen, "limit");
		snprintf(err, errlen, "limit: \"%.32s\" is out of range (expected 1..%u)", lim,
			 EVENT_RING_LIMIT_MAX);
		return NULL;
	}
	if (cur != NULL && er_uint(cur, UINT64_MAX, &cursor) != 0) {
		snprintf(param, paramlen, "cursor");
		snprintf(err, errlen, "cursor: \"%.32s\" is not a cursor (expected a next_cursor "
			 "value)", cur);
		return NULL;
	}
	list = json_array();
	for (i = 0; i < r->count; i++) {
		const struct event_ring_slot *s = &r->slots[(r->head + i) % r->max];

		if (s->seq <= cursor)
			continue;
		if (type != NULL && strcmp(s->type, type) != 0)
			continue;
		if (fid != NULL && s->flow_id != flow_id)
			continue;
		if (n == limit) {
			more = 1;
			break;
		}
		json_array_append_new(list, json_loads(s->line, 0, NULL));
		last = s->seq;
		n++;
	}
	out = json_pack("{s:o, s:i, s:I}", "events", list, "returned", (int)n, "dropped",
			(json_int_t)r->dropped);
	if (more) {
		char c[24];

		snprintf(c, sizeof(c), "%" PRIu64, last);
		json_object_set_new(out, "next_cursor", json_string(c));
	} else {
		json_object_set_new(out, "next_cursor", json_null());
	}
	return out;
}
