/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_FLOW_LIST_H
#define TOLLGATE_FLOW_LIST_H

/*
 * The flows of GET /v1/flows: what the control thread knows of the flows the workers are
 * tracking (MSG_FLOW_START: a flow began or its policy verdict changed) and of the flows
 * that ended recently (MSG_FLOW_END, with the final counters).
 *
 * An entry is keyed by (worker, flow_id) and gets a sequence number when it is first
 * inserted; later updates and its end keep that number, so the list reads in the order
 * flows were first seen and a page cursor (the last sequence number returned) stays valid
 * however the list changes between pages: entries added later come after it, entries
 * dropped just disappear.
 *
 * Memory is allocated once by flow_list_create: at most max_active active and max_ended
 * ended entries. A flow that begins while max_active entries are active is not listed
 * (stats untracked); when more than max_ended entries have ended, the one that ended
 * longest ago is dropped (stats ended_dropped).
 *
 * Counters of an active entry are those of its last update (MSG_FLOW_START is sent when a
 * flow begins or its verdict changes, not per packet): they are final only once the entry
 * has ended.
 *
 * Not thread-safe: only the control thread calls these. No global state.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "msg_types.h"

#define FLOW_LIST_MAX_ENTRIES	(1u << 24)	/* max_active + max_ended */
#define FLOW_LIST_LIMIT_DEFAULT	100u
#define FLOW_LIST_LIMIT_MAX	1000u

struct flow_list;

struct flow_list_stats {
	uint64_t tracked;	/* entries ever inserted (by an update or an end) */
	uint64_t untracked;	/* flows not listed: max_active entries were active */
	uint64_t ended_dropped;	/* ended entries dropped to keep at most max_ended */
	uint32_t active;	/* gauge: active entries */
	uint32_t ended;		/* gauge: ended entries */
};

/*
 * An empty list holding at most max_active active entries (1 or more) and max_ended ended
 * ones (0 keeps none: ended flows are dropped at once), all allocated now. Returns NULL
 * with errno EINVAL (max_active 0, or max_active + max_ended above FLOW_LIST_MAX_ENTRIES)
 * or ENOMEM. Free with flow_list_free.
 */
struct flow_list *flow_list_create(uint32_t max_active, uint32_t max_ended);

/* Free the list. NULL is a no-op. */
void flow_list_free(struct flow_list *fl);

/*
 * A flow began or its verdict changed (MSG_FLOW_START from worker; f is copied, not kept).
 * An unknown flow is inserted as active with the next sequence number, or counted in
 * stats.untracked when max_active entries are active; a known active entry takes f's
 * counters, state and verdict and keeps its place. An update of an ended entry is ignored:
 * the end carried the final values. ts_us (packet time of the message) stands for the
 * start when f->start_us is 0.
 */
void flow_list_update(struct flow_list *fl, uint16_t worker, const struct msg_flow *f,
		      uint64_t ts_us);

/*
 * A flow ended (MSG_FLOW_END from worker; f is copied, not kept, and holds the final
 * counters and end time). A known entry becomes ended and keeps its place (an ended one
 * takes the new values); an unknown flow, including one that was untracked, is inserted as
 * ended with the next sequence number. Then, while more than max_ended entries are ended,
 * the entry that ended longest ago is dropped (stats.ended_dropped).
 */
void flow_list_end(struct flow_list *fl, uint16_t worker, const struct msg_flow *f);

/*
 * The flow with flow_id (active or recently ended, any worker) into *out. Returns 0, or
 * -ENOENT when the list has none (it ended too long ago, or was never listed).
 */
int flow_list_find(const struct flow_list *fl, uint64_t flow_id, struct msg_flow *out);

/* The value of query parameter name, or NULL when the request has none. */
typedef const char *(*flow_list_param_fn)(void *ctx, const char *name);

/*
 * One page of the list as JSON (a new reference the caller decrefs). get(ctx, name) is
 * asked for each parameter below; all are optional, others are not asked for:
 *   state    active, ended or all (default all)
 *   src_ip   an IPv4 or IPv6 address: the flow's client address is that address
 *   dest_ip  same, for the server address
 *   port     1..65535: the server port
 *   proto    tcp, udp, icmp (1), ipv6-icmp (58) or a number 0..255
 *   app      any (not identified), http, tls, dns or smtp
 *   rule     a rule id (1 to 63 of A-Z, a-z, 0-9, _ and -): the rule of the verdict
 *   group    a group name (1 to 31 of a-z, 0-9, _ and -): from_group or to_group
 *   limit    1..FLOW_LIST_LIMIT_MAX entries per page (default FLOW_LIST_LIMIT_DEFAULT)
 *   cursor   next_cursor of a previous page: the entries after the last one it returned
 * Keywords (state, proto, app) are compared without regard to case. The result is
 *   {"flows": [{"flow_id", "worker", "state": "active"|"ended", "src_ip", "src_port",
 *     "dest_ip", "dest_port", "proto" (as in events: "TCP", "UDP", "ICMP", "IPv6-ICMP" or
 *     the number), "app_proto": "http"|"tls"|"dns"|"smtp"|null, "start", "end" (null while
 *     active), "pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient",
 *     "tcp_state": flow_state_name() for TCP or null, "rule": id or null (default action),
 *     "from_group", "to_group", "mode": "discover"|"monitor"|"protect" (null before a
 *     verdict), "action": "allow"|"deny"}, ...],
 *    "next_cursor": "<sequence number>" or null when no later entry matches,
 *    "returned": n}
 * with entries in sequence order; src is the client. Times are event_json_ts() text.
 *
 * On a bad parameter returns NULL, param (paramlen bytes) names it and err (errlen bytes)
 * says what was wrong, e.g. `limit: 0 is out of range (expected 1..1000)`; out of memory
 * gives param "" and err "flow list: out of memory". Both are NUL-terminated when their
 * length is not 0 and may be NULL when it is 0. Parameters are checked in the order above.
 */
json_t *flow_list_query(const struct flow_list *fl, flow_list_param_fn get, void *ctx,
			char *param, size_t paramlen, char *err, size_t errlen);

/* The list's counters and gauges; valid as long as fl. */
const struct flow_list_stats *flow_list_stats(const struct flow_list *fl);

#endif
