/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_EVENT_JSON_H
#define TOLLGATE_EVENT_JSON_H

#include <stdint.h>
#include <jansson.h>
#include "msg_types.h"

/* Suricata's timestamp format: 2026-11-23T13:25:37.123456+0000 (UTC). */
void event_json_ts(uint64_t us, char *buf, size_t len);

/* Textual address of key side `side` (inet_ntop form). */
void event_json_addr(const struct flow_key *k, uint8_t side, char *buf, size_t len);

/* "TCP", "UDP", "ICMP", "IPv6-ICMP" or the protocol number. */
const char *event_json_proto(uint8_t proto, char *buf, size_t len);

/* "http", "tls", "dns", "smtp"; "any" when not identified (enum policy_app). */
const char *event_json_app(uint8_t app);
/* "discover", "monitor", "protect" ("inherit" for a group without a mode). */
const char *event_json_mode(uint8_t mode);

/* Suricata's classification names (classification.config) and Tollgate's own one. */
#define EVE_CAT_PRIVACY "Potential Corporate Privacy Violation"
#define EVE_CAT_LEAK "Attempted Information Leak"
#define EVE_CAT_POLICY "Policy Violation"
#define EVE_SEV_POLICY 2	/* alert.severity of a policy verdict */

/*
 * The names both EVE writers use (this DOM builder and control/eve_write.c): anomaly
 * kinds (enum msg_anomaly, "unknown" past it), alert reasons (enum msg_alert_reason), a
 * flow's state as Suricata reports it, TLS versions (SSLVersionToString), DNS RR types and
 * RCODEs (buf for the numeric form), a DNS answer's name (offset into names[], "" when it
 * does not hold one), and Suricata's alert severity (1 high .. 3) of a sensor severity.
 */
const char *event_json_anomaly_name(uint16_t kind);
const char *event_json_alert_reason(uint8_t reason);
const char *event_json_state(const struct msg_flow *fl);
const char *event_json_tls_version(uint16_t v);
const char *event_json_rrtype(uint16_t t, char *buf, size_t len);
const char *event_json_rcode(unsigned int rcode, char *buf, size_t len);
const char *event_json_dns_name(const struct app_dns_meta *d, uint16_t off);
int event_json_severity(uint8_t sev);

/*
 * The EVE object of an event message (flow end, anomaly, dlp, alert, app), a new
 * reference; NULL for other messages, out of memory, or a string that is not UTF-8 where
 * jansson refuses it. The daemon writes events with eve_write_event (no DOM); this builder
 * is the reference its differential test compares with (tests/unit/test_eve_write.c).
 */
json_t *event_json_build(const struct msg *m);

#endif
