/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the event sinks (control/sink.c and the senders sink_syslog.c, sink_webhook.c,
 * sink_kafka.c) share: one event as queued for the senders, and a sink's counters.
 */
#ifndef TOLLGATE_SINK_TYPES_H
#define TOLLGATE_SINK_TYPES_H

#include <stddef.h>
#include <stdint.h>

#define SINK_TYPE_LEN 33	/* event_type, as syslog's MSGID: at most 32 characters */
#define SINK_TS_LEN 40

/*
 * One event, shared by every sink whose filter passed it: the control thread makes it
 * with one reference per queue it enters, and each sender drops its reference when it is
 * done with the event (sink_item_put). Read-only once queued.
 */
struct sink_item {
	uint32_t refs;			/* atomic */
	uint8_t severity;		/* 1 (high) .. 4 (informational), see docs/outputs.md */
	uint8_t has_flow_id;
	uint64_t flow_id;
	char type[SINK_TYPE_LEN];	/* event_type */
	char ts[SINK_TS_LEN];		/* the event's timestamp, EVE form; "" when it has none */
	size_t len;			/* bytes of line, no NUL counted */
	char line[];			/* the EVE JSON, one line without newline, NUL-terminated */
};

/*
 * A sink's counters since start. Every event handed to a sink ends as exactly one of sent,
 * dropped and failed; retried counts extra attempts, not events.
 */
struct sink_stats {
	uint64_t sent;		/* accepted by the receiver (see docs/outputs.md per type) */
	uint64_t dropped;	/* queue full, or still queued when the exit flush ran out */
	uint64_t retried;	/* attempts after a failed one */
	uint64_t failed;	/* given up: retries exhausted or refused (dead letters) */
	uint64_t queued;	/* now waiting in the queue or in flight (a level) */
};

/* How a sender reports an event it is done with. */
enum sink_outcome {
	SINK_SENT = 0,
	SINK_DROPPED,
	SINK_FAILED,
};

#endif
