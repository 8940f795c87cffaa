/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_LEARNED_H
#define TOLLGATE_LEARNED_H

/*
 * What discover mode learned, for GET /v1/learned: the connections workers reported
 * (MSG_LEARN, once per flow) folded into one record per candidate rule, so that a user can
 * review them and POST the ones they want back to /v1/rules.
 *
 * A record is keyed by (from_group, to_group, protocol, port, app) as a rule would match
 * it: IP protocol 6 is tcp, 17 udp, 1 and 58 icmp (a rule's icmp covers ICMPv6), anything
 * else any; the port counts for tcp and udp only (0 otherwise, and a rule without ports);
 * an app beyond smtp counts as any. Each record counts its flows and keeps the packet time
 * of the first and last.
 *
 * At most max_records records are held, allocated by learned_create; a connection that
 * would need a new record past that is dropped and counted.
 *
 * Not thread-safe: only the control thread calls these. No global state.
 */

#include <stdint.h>

#include <jansson.h>

#include "msg_types.h"

#define LEARNED_MAX_RECORDS	(1u << 20)

struct learned;

/*
 * An empty store for at most max_records records (1..LEARNED_MAX_RECORDS), allocated now.
 * Returns NULL with errno EINVAL (max_records out of range) or ENOMEM. Free with
 * learned_free.
 */
struct learned *learned_create(uint32_t max_records);

/* Free the store. NULL is a no-op. */
void learned_free(struct learned *l);

/*
 * Count one connection m (copied, not kept) seen at ts_us (packet time, microseconds since
 * the epoch): its record's flows + 1 and first/last seen widened to ts_us, or a new record,
 * or, when max_records are held, a dropped connection. Group names are taken up to their
 * first NUL (at most POLICY_NAME_LEN - 1 bytes); bytes outside printable ASCII become '?'.
 */
void learned_add(struct learned *l, const struct msg_learn *m, uint64_t ts_us);

/*
 * The records as candidate rules (a new reference the caller decrefs; NULL when out of
 * memory):
 *   {"rules": [{"id", "from", "to", "protocol": "tcp"|"udp"|"icmp"|"any",
 *     "ports": ["443"] ([] without a port), "app": "any"|"http"|"tls"|"dns"|"smtp",
 *     "action": "allow", "require_tls": false, "dlp": [],
 *     "comment": "learned: 12 flows, first <ts>, last <ts>"}, ...],
 *    "observations": [{"id", "flows", "first_seen": <ts>, "last_seen": <ts>}, ...],
 *    "dropped": <connections dropped at the cap>}
 * the shape of a rule in the API (policy_json.h), both lists in the same order: by from,
 * to, protocol name, port (numerically), app name. Times are event_json_ts() text.
 *
 * An id is "learned-<from>-<to>-<protocol>-<port>-<app>" (port 0 without one), e.g.
 * learned-web-db-tcp-5432-any. It is a valid rule id (1 to 63 of A-Z, a-z, 0-9, _ and -)
 * and unique in the answer: when the text is longer than 63, holds another character
 * (replaced by '_'), or reads the same as another record's (group names may hold '-'), it
 * is cut to 54 characters and "-" plus 8 hex digits of a hash of the record's key (FNV-1a
 * 32) are appended.
 */
json_t *learned_json(const struct learned *l);

/* Forget every record and the dropped count (after the user reviewed them). */
void learned_clear(struct learned *l);

/* Number of records held. */
uint32_t learned_count(const struct learned *l);

#endif
