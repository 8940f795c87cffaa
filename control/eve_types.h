/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the event consumers (the sinks' filters, the recent-events ring of GET /v1/events)
 * need to know about an EVE line without parsing it; control/eve_write.c fills it.
 */
#ifndef TOLLGATE_EVE_TYPES_H
#define TOLLGATE_EVE_TYPES_H

#include <stdint.h>

#define EVE_TS_LEN 40

struct eve_info {
	const char *type;		/* event_type: a static string */
	uint8_t severity;		/* 1 (high) .. 4 (informational), sink_event_severity's */
	uint8_t has_flow_id;
	uint64_t flow_id;
	char ts[EVE_TS_LEN];		/* the event's timestamp, EVE form */
};

#endif
