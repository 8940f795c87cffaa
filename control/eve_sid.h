/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_EVE_SID_H
#define TOLLGATE_EVE_SID_H

#include <stddef.h>
#include <stdint.h>
#include "config_types.h"
#include "policy_types.h"

/*
 * Signature ids of Tollgate's EVE alerts (docs/events.md "Signature ids"): all under
 * Tollgate's own generator id, none in 1000000-1999999 (the range Suricata and Snort users
 * keep for their local rules):
 *
 *   8470001                    no rule allows the flow (default deny)
 *   8471001 .. 8471999         built-in sensors, a fixed number each (new ones append)
 *   100000000 .. 199999999     custom sensors: 100000000 + FNV-1a-32(name) % 100000000
 *   200000000 .. 2147483646    policy rules: 200000000 + FNV-1a-32(id) % 1947483647
 *
 * A name always gives the same id, across restarts, machines and edits of other rules.
 * Every function here is pure (no state, no allocation): any thread may call it.
 */
#define EVE_GID 8470
#define EVE_SID_DEFAULT_DENY 8470001u
#define EVE_SID_BUILTIN_BASE 8471000u
#define EVE_SID_CUSTOM_BASE 100000000u
#define EVE_SID_CUSTOM_SPAN 100000000u
#define EVE_SID_RULE_BASE 200000000u
#define EVE_SID_RULE_SPAN 1947483647u

/* FNV-1a, 32 bits, over the bytes of s (the documented hash of the two ranges above). */
uint32_t eve_sid_fnv1a(const char *s);

/* The signature id of a sensor: its fixed number if built-in, else its name's hash. */
uint32_t eve_sid_sensor(const char *sensor);

/* The signature id of a policy rule, from its id. */
uint32_t eve_sid_rule(const char *rule);

/* 1-based number of a built-in sensor id in the fixed table, or 0 if not built-in. */
unsigned int eve_sid_builtin_number(const char *sensor);

/*
 * Two rules, or two custom sensors, whose names hash to the same signature id (a chance of
 * about 1 in 1.9 billion for a pair of rules, 1 in 100 million for a pair of custom
 * sensors): returns 1 and writes which into msg, so the caller can warn and the operator
 * rename one; 0 when every id is distinct. dlp may be NULL. Any thread.
 */
int eve_sid_collision(const struct policy *p, const struct config_dlp *dlp, char *msg,
		      size_t len);

#endif
