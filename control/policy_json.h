/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy as JSON, for the REST API: export of a loaded policy (policy_types.h) and of
 * custom DLP classes (config_types.h), the schema check of request bodies (shape and JSON
 * types only, before the policy loader's semantic checks), and the conversion of a
 * checked body into YAML that policy_load_buffer (or the dlp.custom parser) reads, so that
 * a request and a file go through the same validation and produce the same messages.
 *
 * Field names in messages are RFC 6901 JSON pointers relative to the checked object ("~"
 * written "~0", "/" written "~1"), and a path in the loader's notation in the message
 * itself, e.g. ptr "/dlp/0/threshold" and msg
 *   dlp[0].threshold: wrong type (got string, expected an integer)
 * policy_json_pointer_from_path turns a loader message's path into such a pointer.
 *
 * Control thread (jansson allocates); no shared state.
 */
#ifndef TOLLGATE_POLICY_JSON_H
#define TOLLGATE_POLICY_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "config_types.h"
#include "policy_types.h"

/*
 * Export. Each returns a new reference owned by the caller (json_decref), or NULL with
 * errno EINVAL (index out of range, a value the loader never produces) or ENOMEM.
 *
 * policy_json_group: group idx of p->groups (built-in ones included: 0 is any, 1 is
 *   external) as {"name", "cidrs": [...], "ranges": ["lo-hi", ...], "fqdns": [...],
 *   "selector": "..." or null, "mode": "inherit"|"discover"|"monitor"|"protect"}.
 * policy_json_rule: rule idx as {"id", "from", "to", "protocol": "any"|"tcp"|"udp"|"icmp",
 *   "ports": ["80", "8000-8100"], "app": "any"|"http"|"tls"|"dns"|"smtp", "action",
 *   "require_tls": bool, "dlp": [{"sensor", "action", "threshold": int}], "comment"}.
 * policy_json_export: {"mode", "default_action", "groups": [user groups], "rules": [...]}.
 * policy_json_custom: {"name", "category", "patterns": [...], "validator", "keywords":
 *   [...], "window": int, "threshold": int, "severity": "low"|"medium"|"high"|"critical",
 *   "context_required": bool}.
 * Every key is always present; lists may be empty.
 */
json_t *policy_json_group(const struct policy *p, unsigned int idx);
json_t *policy_json_rule(const struct policy *p, unsigned int idx);
json_t *policy_json_export(const struct policy *p);
json_t *policy_json_custom(const struct config_custom_sensor *s);

/*
 * Schema checks of a request body (or a part of one) against the export shapes above:
 * j must be an object with no unknown member, each member present must have the JSON type
 * of its field, and the required members must be there:
 *   group:  name required; cidrs, ranges, fqdns arrays of strings; selector string or
 *           null; mode string.
 *   rule:   id, from, to, action required (strings); protocol, app, comment strings;
 *           ports an array of integers or strings; require_tls boolean; dlp an array of
 *           objects {sensor (string, required), action (string, required), threshold
 *           (integer)}.
 *   policy: mode, default_action strings; groups, rules arrays checked item by item as
 *           above; none required (the loader's defaults apply).
 *   custom: name and patterns required; name, category, validator, severity strings;
 *           patterns, keywords arrays of strings; window, threshold integers;
 *           context_required boolean.
 *   mode:   {"mode": string}, required.
 * Values are not checked beyond their type: the loader does that with its own messages.
 *
 * Returns 0, or -EINVAL with the first problem: ptr (ptrlen bytes) receives the JSON
 * pointer of the offending value ("" for j itself, the object for a missing member, the
 * member for an unknown one) and msg (msglen bytes) one line such as
 *   unknown field "x" (expected one of: name, cidrs, ranges, fqdns, selector, mode)
 *   ports[1]: wrong type (got object, expected a port number or "START-END" string)
 *   dlp[0]: missing field "sensor" (expected a string)
 * Both are NUL-terminated when their length is not 0; either may be NULL with length 0.
 * The message is cut to fit msglen; the pointer never is: one that does not fit in ptrlen
 * bytes (or is longer than 1023 bytes, e.g. for a very long member name) names the nearest
 * enclosing value whose pointer fits instead ("" at worst: the body itself).
 * Members are checked in the object's order for unknown names, then in the order listed
 * above.
 */
int policy_json_check_group(const json_t *j, char *ptr, size_t ptrlen, char *msg,
			    size_t msglen);
int policy_json_check_rule(const json_t *j, char *ptr, size_t ptrlen, char *msg,
			   size_t msglen);
int policy_json_check_policy(const json_t *j, char *ptr, size_t ptrlen, char *msg,
			     size_t msglen);
int policy_json_check_custom(const json_t *j, char *ptr, size_t ptrlen, char *msg,
			     size_t msglen);
int policy_json_check_mode(const json_t *j, char *ptr, size_t ptrlen, char *msg,
			   size_t msglen);

/*
 * The body of PATCH /v1/rules/{id} (move a rule): before and after rule id strings,
 * position an integer >= 0, at least one of them; reported as the checks above.
 */
int policy_json_check_move(const json_t *j, char *ptr, size_t ptrlen, char *msg,
			   size_t msglen);

/*
 * A checked policy object as YAML text for policy_load_buffer: JSON-style flow
 * collections, one member per line, strings double-quoted (so "80" and 80 are both
 * ports, and "yes" stays a string), integers, booleans and null plain. Two members of
 * the export shape that the loader spells by absence are left out of each group: "mode":
 * "inherit" and "selector": null. Returns a malloc'd NUL-terminated string (free) with
 * its length in *len (len may be NULL), or NULL with errno EINVAL (policy_obj is not an
 * object, or holds a string that is not UTF-8, which only json_stringn_nocheck makes) or
 * ENOMEM. policy_obj is not modified.
 */
char *policy_json_to_yaml(const json_t *policy_obj, size_t *len);

/*
 * Same for a JSON array of custom classes, as a flow sequence: the value of dlp.custom
 * (config_splice.h re-indents it under the key). NULL with errno EINVAL when arr is not an
 * array.
 */
char *policy_json_custom_to_yaml(const json_t *arr, size_t *len);

/*
 * The JSON pointer for a loader path: "rules[3].dlp[0].threshold" ->
 * "/rules/3/dlp/0/threshold", "" -> "". Conversion stops at the end of the string or at
 * the first ':', so the text after policy_json_strip_location can be passed as is.
 * Returns 0, -EINVAL when path is not a loader path (the message then names no field:
 * it is about the whole object), or -ENOSPC when ptr (len bytes) is too small; ptr is
 * NUL-terminated when len is not 0. Pure; any thread.
 */
int policy_json_pointer_from_path(const char *path, char *ptr, size_t len);

/*
 * err past its leading "NAME:LINE:COL: " (the loader's position in the YAML text, which
 * means nothing to an API client), or err itself when it has none. NULL gives NULL. Pure.
 */
const char *policy_json_strip_location(const char *err);

#endif
