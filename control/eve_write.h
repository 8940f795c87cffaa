/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EVE JSON lines written straight into a buffer, without a DOM: the control thread's
 * event path (docs/events.md is the schema, docs/performance.md "bench-events" the
 * figures). Each line is the one event_json_build + json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) would give: the same keys in the same order, the same escaping,
 * byte for byte (tests/unit/test_eve_write.c compares them over every event kind). The
 * one difference is a string that is not UTF-8 (a host name or path cut from traffic):
 * jansson refuses it, which loses the field, its object or the whole event; here each
 * byte that is not part of a well-formed UTF-8 sequence becomes U+FFFD, so the event is
 * kept and stays valid JSON.
 */
#ifndef TOLLGATE_EVE_WRITE_H
#define TOLLGATE_EVE_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include "eve_types.h"
#include "msg_types.h"

#define EVE_BUF_DEPTH 8

/* A growing line buffer and the writer's state. Zero-initialised is ready to use. */
struct eve_buf {
	char *p;
	size_t len;
	size_t cap;
	int oom;			/* a growth failed: the line is incomplete */
	uint8_t depth;
	uint8_t keyed;			/* a key was just written: its value takes no comma */
	uint8_t more[EVE_BUF_DEPTH];	/* this level holds a value: the next takes a comma */
	int64_t ts_sec[2];		/* the seconds of the last two timestamps made ... */
	char ts_base[2][20];		/* ... and their "YYYY-mm-ddTHH:MM:SS" */
};

/*
 * Replace b's content with the EVE line of event message m (flow end, anomaly, dlp, alert,
 * app), no newline; capture_id, when not NULL, adds the "capture" object of a dlp or alert
 * event's automatic capture. info gets what sinks and the recent-events ring filter on.
 * Returns the line's length, -EINVAL for a message that is no event (or an app message
 * without metadata), -ENOMEM. Control thread (b is not shared).
 */
long eve_write_event(struct eve_buf *b, const struct msg *m, const char *capture_id,
		     struct eve_info *info);

/* Free b's memory; b may be used again. */
void eve_buf_free(struct eve_buf *b);

#endif
