/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_EVENT_JSON_H
#define TOLLGATE_EVENT_JSON_H

#include <stdint.h>
#include <stdio.h>
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

/* The EVE object of an event message (flow end, anomaly, dlp, alert), a new reference;
 * NULL for other messages or out of memory. */
json_t *event_json_build(const struct msg *m);

/* One object as one compact line. 0 or -EIO. */
int event_json_write_obj(const json_t *o, FILE *f);

/*
 * Write one EVE JSON line for an event message (flow end, anomaly, dlp, alert) to f.
 * Returns 0, or -EIO when the write failed, -EINVAL for another message type. Control
 * thread.
 */
int event_json_write(const struct msg *m, FILE *f);

#endif
