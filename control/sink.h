/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_SINK_H
#define TOLLGATE_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "config_types.h"
#include "eve_types.h"
#include "sink_types.h"

struct sink_set;

/* One sink as /v1/stats, /metrics and the summary show it. */
struct sink_info {
	const char *name;		/* events.sinks[].name */
	const char *type;		/* syslog, webhook or kafka */
	struct sink_stats stats;
};

/*
 * The severity the sink filters use (1 high .. 4 informational, Suricata's scale with 4
 * added): an alert's alert.severity (clamped to 1..4), 3 for dlp (matches below a
 * threshold) and anomaly events, 4 for every other event (flow, http, smtp, tls, dns).
 * The daemon takes it from eve_write_event (struct eve_info); this is the definition its
 * test checks that against. Pure; any thread.
 */
uint8_t sink_event_severity(const json_t *ev);

/*
 * Start the sinks of ev->sinks (at least one): a queue and a sender thread each. Reads
 * what each needs from disk now (CA files, the webhook's HMAC key, with the same mode
 * checks as other secrets), so a bad file fails the start; receivers are contacted only
 * by the senders, so one that is down is no error here. NULL with err naming the sink.
 * Control thread, at start.
 */
struct sink_set *sink_set_create(const struct config_events *ev, char *err, size_t errlen);

/*
 * Hand one event to every sink whose filter passes it: info describes the event (type,
 * severity as sink_event_severity gives it, flow_id, timestamp; eve_write_event fills
 * it), line is its EVE JSON (len bytes, no newline), copied once and shared. A sink whose queue is full drops the event and counts it; nothing here
 * waits for a sender. Control thread.
 */
void sink_set_push(struct sink_set *set, const struct eve_info *info, const char *line,
		   size_t len);

/*
 * At exit: let each sink send what it holds for up to its flush_timeout_ms (all at once,
 * from this call), then stop the senders; events still queued or in flight are counted
 * dropped. Idempotent; the counters stay readable. Control thread.
 */
void sink_set_flush(struct sink_set *set);

/* How many sinks, and sink i's name, type and counters. Control thread. */
unsigned int sink_set_count(const struct sink_set *set);
void sink_set_info(const struct sink_set *set, unsigned int i, struct sink_info *out);

/* Stop the senders at once (sink_set_flush first to wait for them) and free. NULL: no-op. */
void sink_set_free(struct sink_set *set);

#endif
