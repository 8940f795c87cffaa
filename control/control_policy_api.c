/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy resources of the REST API (control_policy_api.h). Every write builds a whole
 * candidate policy from the running one, runs it through the same loader as the YAML
 * file (so the API and the file accept exactly the same things, with the same messages),
 * and hands it to policy_store_commit, which compiles, persists and publishes it or
 * changes nothing:
 *
 *   body --schema (policy_json_check_*: types, unknown fields)--> 400
 *        --merge into the running policy's JSON--> loader (policy.c) --> 422 field/problem
 *        --policy_store_commit (sensors, snapshot, file)--> 422 / 500 --> 200/201/204 + ETag
 *
 * Writes honour If-Match: a tag other than the running policy's gets 412. Problems name
 * the field at fault as a JSON pointer into the request body.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <rte_common.h>
#include "config.h"
#include "control.h"
#include "control_policy_api.h"
#include "event_ring.h"
#include "flow_list.h"
#include "flow_policy.h"
#include "fqdn_cache.h"
#include "label_map.h"
#include "learned.h"
#include "policy.h"
#include "policy_emit.h"
#include "policy_json.h"
#include "policy_store.h"
#include "sensor_engine.h"
#include "snapshot.h"
#include "validators.h"
#include "yaml_tree.h"

#define CP_ERR 1024
#define CP_REQUEST "request"

static const char *const cp_sev_names[] = { "", "low", "medium", "high", "critical" };

/* ---- small helpers ---- */

static int
cp_reply_policy_json(struct api_response *resp, unsigned int status, json_t *body,
		     const struct policy_store *ps)
{
	return api_reply_json(resp, status, body, policy_store_etag(ps));
}

/* ?dry_run=true|1|"" (validate only) or false|0; -1 for anything else. */
static int
cp_dry_run_value(const struct api_request *req)
{
	const char *d = api_request_query(req, "dry_run");

	if (d == NULL || strcmp(d, "false") == 0 || strcmp(d, "0") == 0)
		return 0;
	if (strcmp(d, "true") == 0 || strcmp(d, "1") == 0 || d[0] == '\0')
		return 1;
	return -1;
}

static int
cp_dry_run(const struct api_request *req)
{
	return cp_dry_run_value(req) == 1;
}

/* 1 after replying 400 to a dry_run value that is neither true nor false. */
static int
cp_bad_dry_run(const struct api_request *req, struct api_response *resp)
{
	if (cp_dry_run_value(req) >= 0)
		return 0;
	api_reply_problem(resp, 400, "Invalid query", "dry_run: expected true or false",
			  "dry_run");
	return 1;
}

/*
 * If-Match against the running policy's tag (RFC 9110 13.1.1: strong comparison, so a
 * weak W/"..." tag never matches; "*" always does): 1 when a 412 was sent.
 */
static int
cp_precondition(const struct api_request *req, struct api_response *resp,
		const struct policy_store *ps)
{
	const char *im = api_request_header(req, "If-Match");
	const char *tag = policy_store_etag(ps);
	size_t tl = strlen(tag);
	const char *p;

	if (cp_bad_dry_run(req, resp))
		return 1;
	if (im == NULL)
		return 0;
	for (p = im; *p != '\0';) {
		const char *next, *end;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		next = strchr(p, ',');
		if (next == NULL)
			next = p + strlen(p);
		end = next;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if ((end - p == 1 && *p == '*') ||
		    ((size_t)(end - p) == tl + 2 && p[0] == '"' && end[-1] == '"' &&
		     memcmp(p + 1, tag, tl) == 0))
			return 0;
		p = next;
	}
	api_reply_problem_type(resp, 412, "tag:tollgate,2024:problem/stale-policy",
			       "Precondition Failed", "If-Match does not name the running "
			       "policy: read it again (GET) and retry with its ETag", NULL);
	return 1;
}

/*
 * A loader or compiler message as a problem: "[NAME:LINE:COL: ][policy.]path: text". The
 * path becomes a JSON pointer; under rel ("/groups/3") it is made relative to the body of
 * a single-resource request.
 */
static int
cp_problem(struct api_response *resp, unsigned int status, const char *title, const char *err,
	   const char *rel)
{
	const char *msg = policy_json_strip_location(err);
	const char *colon;
	char path[256], ptr[256] = "";

	if (strncmp(msg, "policy.", 7) == 0)
		msg += 7;
	colon = strstr(msg, ": ");
	if (colon != NULL && (size_t)(colon - msg) < sizeof(path) &&
	    memchr(msg, ' ', (size_t)(colon - msg)) == NULL) {
		memcpy(path, msg, (size_t)(colon - msg));
		path[colon - msg] = '\0';
		if (policy_json_pointer_from_path(path, ptr, sizeof(ptr)) != 0)
			ptr[0] = '\0';
	}
	if (rel != NULL && ptr[0] != '\0') {
		size_t n = strlen(rel);
		char name[64];
		unsigned int idx;

		if (strncmp(ptr, rel, n) == 0 && (ptr[n] == '/' || ptr[n] == '\0')) {
			memmove(ptr, ptr + n, strlen(ptr + n) + 1);
			/* "rules[2].to: ..." -> "to: ...": the body is the rule. */
			if (sscanf(rel, "/%63[a-z]/%u", name, &idx) == 2) {
				char pre[96];
				int pl = snprintf(pre, sizeof(pre), "%s[%u].", name, idx);

				if (pl > 0 && strncmp(msg, pre, (size_t)pl) == 0)
					msg += pl;
			}
		}
	}
	return api_reply_problem(resp, status, title, msg, ptr[0] != '\0' || rel == NULL ?
				 ptr : NULL);
}

static int
cp_commit_problem(struct api_response *resp, int rc, const char *err, const char *rel)
{
	if (rc == -EINVAL)
		return cp_problem(resp, 422, "Policy refused", err, rel);
	if (rc == -EIO)
		return api_reply_problem(resp, 500, "Cannot persist the policy", err, NULL);
	return api_reply_problem(resp, 500, "Internal Server Error", err[0] ? err : "out of "
				 "memory", NULL);
}

/* 200 for a dry run that passed: what was checked, nothing kept. */
static int
cp_reply_dry_run(struct api_response *resp, const char *what)
{
	char d[96];

	snprintf(d, sizeof(d), "dry run: the %s is valid; nothing changed", what);
	return api_reply_json(resp, 200, json_pack("{s:b, s:s}", "valid", 1, "detail", d), NULL);
}

/*
 * Load doc (a whole policy object, borrowed) as the YAML file would be and commit it.
 * On success replies status with body (stolen; NULL: the new policy's export).
 */
static int
cp_commit_doc(struct control *c, const struct api_request *req, struct api_response *resp,
	      const json_t *doc, const char *rel, unsigned int status, json_t *body)
{
	struct policy_store *ps = control_policy(c);
	unsigned int flags = cp_dry_run(req) ? POLICY_STORE_DRY_RUN : 0;
	char err[CP_ERR];
	struct policy *np;
	size_t len;
	char *yaml;
	int rc;

	yaml = policy_json_to_yaml(doc, &len);
	if (yaml == NULL) {
		json_decref(body);
		return api_reply_problem(resp, 500, NULL, "out of memory", NULL);
	}
	np = policy_load_buffer(CP_REQUEST, yaml, len, err, sizeof(err));
	free(yaml);
	if (np == NULL) {
		json_decref(body);
		return cp_problem(resp, 422, "Invalid policy", err, rel);
	}
	rc = policy_store_commit(ps, np, NULL, flags, err, sizeof(err));
	if (rc != 0) {
		json_decref(body);
		return cp_commit_problem(resp, rc, err, rel);
	}
	if (flags & POLICY_STORE_DRY_RUN) {
		json_decref(body);
		return cp_reply_dry_run(resp, "policy");
	}
	if (status == 204) {
		json_decref(body);
		return api_reply_json(resp, 204, NULL, policy_store_etag(ps));
	}
	if (body == NULL)
		body = policy_json_export(policy_store_policy(ps));
	return cp_reply_policy_json(resp, status, body, ps);
}

/* The body as a JSON object checked by check; NULL after replying 400. */
static json_t *
cp_body(const struct api_request *req, struct api_response *resp,
	int (*check)(const json_t *, char *, size_t, char *, size_t))
{
	char err[CP_ERR], ptr[256];
	json_t *body = api_request_json(req, err, sizeof(err));

	if (body == NULL) {
		api_reply_problem(resp, 400, "Invalid JSON", err, "");
		return NULL;
	}
	if (check != NULL && check(body, ptr, sizeof(ptr), err, sizeof(err)) != 0) {
		api_reply_problem(resp, 400, "Invalid request body", err, ptr);
		json_decref(body);
		return NULL;
	}
	return body;
}

/* Index of the item of arr whose key equals id, or -1. */
static int
cp_find(const json_t *arr, const char *key, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(json_object_get(v, key));

		if (s != NULL && strcmp(s, id) == 0)
			return (int)i;
	}
	return -1;
}

static int
cp_not_found(struct api_response *resp, const char *what, const char *id)
{
	char d[256];

	snprintf(d, sizeof(d), "no %s named \"%.128s\"", what, id);
	return api_reply_problem(resp, 404, NULL, d, NULL);
}

/* The id in the path and the body's name/id must agree when both are given. */
static int
cp_same_id(struct api_response *resp, json_t *body, const char *key, const char *id)
{
	const char *s = json_string_value(json_object_get(body, key));
	char d[256], f[32];

	if (s == NULL) {
		json_object_set_new(body, key, json_string(id));
		return 0;
	}
	if (strcmp(s, id) == 0)
		return 0;
	snprintf(d, sizeof(d), "%s: \"%.64s\" does not match the path's \"%.64s\" (rename by "
		 "deleting and creating)", key, s, id);
	snprintf(f, sizeof(f), "/%s", key);
	api_reply_problem(resp, 400, "Invalid request body", d, f);
	return -1;
}

/* ---- /v1/policy ---- */

static int
cp_wants_yaml(const char *accept)
{
	return accept != NULL && (strstr(accept, "application/yaml") != NULL ||
				  strstr(accept, "text/yaml") != NULL ||
				  strstr(accept, "application/x-yaml") != NULL);
}

int
control_policy_api_get(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct policy_store *ps = control_policy(cookie);
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!cp_wants_yaml(api_request_header(req, "Accept")))
		return cp_reply_policy_json(resp, 200, policy_json_export(policy_store_policy(ps)),
					    ps);
	if (policy_emit_yaml(policy_store_policy(ps), 0, &text, &len) != 0)
		return api_reply_problem(resp, 500, NULL, "out of memory", NULL);
	rc = api_reply_text(resp, 200, "application/yaml; charset=utf-8", text, len);
	free(text);
	if (rc == 0) {
		char tag[64];

		snprintf(tag, sizeof(tag), "\"%s\"", policy_store_etag(ps));
		rc = api_reply_header(resp, "ETag", tag);
	}
	return rc;
}

/* Nothing but blanks and comments. */
static int
cp_yaml_empty(const char *b, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (b[i] == '#') {
			while (i < len && b[i] != '\n')
				i++;
		} else if (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
			i++;
		} else {
			return 0;
		}
	}
	return 1;
}

int
control_policy_api_put(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct control *c = cookie;
	struct policy_store *ps = control_policy(c);
	const char *ct = api_request_header(req, "Content-Type");
	unsigned int flags = cp_dry_run(req) ? POLICY_STORE_DRY_RUN : 0;
	char err[CP_ERR];
	struct policy *np;
	json_t *body;
	int rc;

	if (cp_precondition(req, resp, ps))
		return 0;
	if (!cp_wants_yaml(ct)) {
		body = cp_body(req, resp, policy_json_check_policy);
		if (body == NULL)
			return 0;
		rc = cp_commit_doc(c, req, resp, body, NULL, 200, NULL);
		json_decref(body);
		return rc;
	}
	/* YAML: the loader reads the body itself; messages point at its lines. An empty
	 * document would be the empty policy: refuse it like an empty JSON body. */
	if (cp_yaml_empty(req->body, req->body_len))
		return api_reply_problem(resp, 400, "Invalid YAML", "request body is empty (send "
					 "the whole policy; {} or \"rules: []\" to empty it)", "");
	np = policy_load_buffer(CP_REQUEST, req->body != NULL ? req->body : "", req->body_len,
				err, sizeof(err));
	if (np == NULL)
		return api_reply_problem(resp, 422, "Invalid policy", err, "");
	rc = policy_store_commit(ps, np, NULL, flags, err, sizeof(err));
	if (rc != 0)
		return cp_commit_problem(resp, rc, err, NULL);
	if (flags & POLICY_STORE_DRY_RUN)
		return cp_reply_dry_run(resp, "policy");
	return cp_reply_policy_json(resp, 200, policy_json_export(policy_store_policy(ps)), ps);
}

/* ---- /v1/groups ---- */

int
control_groups_api_list(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct policy_store *ps = control_policy(cookie);
	json_t *doc = policy_json_export(policy_store_policy(ps));
	json_t *out = json_pack("{s:O}", "groups", json_object_get(doc, "groups"));

	(void)req;
	json_decref(doc);
	return cp_reply_policy_json(resp, 200, out, ps);
}

int
control_groups_api_get(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct policy_store *ps = control_policy(cookie);
	const struct policy *p = policy_store_policy(ps);
	int g = policy_group_index(p, req->id);

	if (g < (int)POLICY_GROUP_FIRST_USER)
		return cp_not_found(resp, "user group", req->id);
	return cp_reply_policy_json(resp, 200, policy_json_group(p, (unsigned int)g), ps);
}

/* Create (POST), replace (PUT) or delete (DELETE) a group in a copy of the policy. */
static int
cp_group_write(struct control *c, const struct api_request *req, struct api_response *resp,
	       const char *method)
{
	struct policy_store *ps = control_policy(c);
	json_t *doc, *groups, *body = NULL;
	char rel[32];
	int idx, rc;

	if (cp_precondition(req, resp, ps))
		return 0;
	if (strcmp(method, "DELETE") != 0) {
		body = cp_body(req, resp, policy_json_check_group);
		if (body == NULL)
			return 0;
		if (req->id != NULL && cp_same_id(resp, body, "name", req->id) != 0) {
			json_decref(body);
			return 0;
		}
	}
	doc = policy_json_export(policy_store_policy(ps));
	groups = json_object_get(doc, "groups");
	idx = cp_find(groups, "name", req->id != NULL ? req->id :
		      json_string_value(json_object_get(body, "name")));
	if (strcmp(method, "POST") == 0) {
		char d[128];

		if (idx >= 0 || strcmp(json_string_value(json_object_get(body, "name")), "any") == 0 ||
		    strcmp(json_string_value(json_object_get(body, "name")), "external") == 0) {
			snprintf(d, sizeof(d), "group \"%.64s\" exists: PUT /v1/groups/{name} "
				 "replaces it", json_string_value(json_object_get(body, "name")));
			json_decref(body);
			json_decref(doc);
			return api_reply_problem(resp, 409, "Group exists", d, "/name");
		}
		idx = (int)json_array_size(groups);
		json_array_append(groups, body);
	} else if (idx < 0) {
		json_decref(body);
		json_decref(doc);
		return cp_not_found(resp, "user group", req->id);
	} else if (strcmp(method, "PUT") == 0) {
		json_array_set(groups, (size_t)idx, body);
	} else {
		json_array_remove(groups, (size_t)idx);
	}
	snprintf(rel, sizeof(rel), "/groups/%d", idx);
	rc = cp_commit_doc(c, req, resp, doc, strcmp(method, "DELETE") ? rel : NULL,
			   strcmp(method, "POST") == 0 ? 201 : strcmp(method, "PUT") == 0 ?
			   200 : 204, NULL);
	if (rc == 0 && resp->status / 100 == 2 && resp->status != 204 && body != NULL &&
	    !cp_dry_run(req)) {
		const struct policy *p = policy_store_policy(ps);
		int g = policy_group_index(p, json_string_value(json_object_get(body, "name")));

		if (g >= 0)
			rc = cp_reply_policy_json(resp, resp->status,
						  policy_json_group(p, (unsigned int)g), ps);
	}
	json_decref(body);
	json_decref(doc);
	return rc;
}

/* POST creates, PUT replaces, DELETE removes (req->method). */
int
control_groups_api_write(void *cookie, const struct api_request *req, struct api_response *resp)
{
	return cp_group_write(cookie, req, resp, req->method);
}

/* ---- /v1/rules ---- */

int
control_rules_api_list(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct policy_store *ps = control_policy(cookie);
	json_t *doc = policy_json_export(policy_store_policy(ps));
	json_t *out = json_pack("{s:O}", "rules", json_object_get(doc, "rules"));

	(void)req;
	json_decref(doc);
	return cp_reply_policy_json(resp, 200, out, ps);
}

static int
cp_rule_index(const struct policy *p, const char *id)
{
	unsigned int i;

	for (i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].id, id) == 0)
			return (int)i;
	return -1;
}

int
control_rules_api_get(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct policy_store *ps = control_policy(cookie);
	const struct policy *p = policy_store_policy(ps);
	int r = cp_rule_index(p, req->id);

	if (r < 0)
		return cp_not_found(resp, "rule", req->id);
	return cp_reply_policy_json(resp, 200, policy_json_rule(p, (unsigned int)r), ps);
}

/*
 * Where a rule goes: ?before=ID, ?after=ID or ?position=N (0 = first), else the end.
 * Returns the index in rules (before insertion), or -1 after replying.
 */
static int
cp_rule_position(struct api_response *resp, const json_t *rules, const char *before,
		 const char *after, const char *position, const char *where)
{
	size_t n = json_array_size(rules);
	char d[256], f[32];
	int given = (before != NULL) + (after != NULL) + (position != NULL), i;

	if (given > 1) {
		snprintf(d, sizeof(d), "give one of before, after and position");
		return api_reply_problem(resp, 400, "Invalid position", d, NULL), -1;
	}
	if (before != NULL || after != NULL) {
		i = cp_find(rules, "id", before != NULL ? before : after);
		if (i < 0) {
			snprintf(d, sizeof(d), "%s: no rule \"%.64s\" to place it %s",
				 before != NULL ? "before" : "after", before != NULL ? before : after,
				 before != NULL ? "before" : "after");
			snprintf(f, sizeof(f), "%s%s", where, before != NULL ? "before" : "after");
			api_reply_problem(resp, 422, "Invalid position", d, f);
			return -1;
		}
		return before != NULL ? i : i + 1;
	}
	if (position != NULL) {
		char *end;
		unsigned long v = strtoul(position, &end, 10);

		if (*position == '\0' || *end != '\0' || v > n) {
			snprintf(d, sizeof(d), "position: \"%.32s\" (expected 0..%zu)", position, n);
			snprintf(f, sizeof(f), "%sposition", where);
			api_reply_problem(resp, 422, "Invalid position", d, f);
			return -1;
		}
		return (int)v;
	}
	return (int)n;
}

int
control_rules_api_create(void *cookie, const struct api_request *req,
			 struct api_response *resp)
{
	struct control *c = cookie;
	struct policy_store *ps = control_policy(c);
	json_t *doc, *rules, *body;
	char rel[32], d[160];
	int at, rc;

	if (cp_precondition(req, resp, ps))
		return 0;
	body = cp_body(req, resp, policy_json_check_rule);
	if (body == NULL)
		return 0;
	doc = policy_json_export(policy_store_policy(ps));
	rules = json_object_get(doc, "rules");
	if (cp_find(rules, "id", json_string_value(json_object_get(body, "id"))) >= 0) {
		snprintf(d, sizeof(d), "rule \"%.64s\" exists: PUT /v1/rules/{id} replaces it",
			 json_string_value(json_object_get(body, "id")));
		json_decref(body);
		json_decref(doc);
		return api_reply_problem(resp, 409, "Rule exists", d, "/id");
	}
	at = cp_rule_position(resp, rules, api_request_query(req, "before"),
			      api_request_query(req, "after"), api_request_query(req, "position"),
			      "");
	if (at < 0) {
		json_decref(body);
		json_decref(doc);
		return 0;
	}
	json_array_insert(rules, (size_t)at, body);
	snprintf(rel, sizeof(rel), "/rules/%d", at);
	rc = cp_commit_doc(c, req, resp, doc, rel, 201, NULL);
	if (rc == 0 && resp->status == 201) {
		const struct policy *p = policy_store_policy(ps);
		int r = cp_rule_index(p, json_string_value(json_object_get(body, "id")));

		if (r >= 0)
			rc = cp_reply_policy_json(resp, 201, policy_json_rule(p, (unsigned int)r),
						  ps);
	}
	json_decref(body);
	json_decref(doc);
	return rc;
}

int
control_rules_api_replace(void *cookie, const struct api_request *req,
			  struct api_response *resp)
{
	struct control *c = cookie;
	struct policy_store *ps = control_policy(c);
	json_t *doc, *rules, *body;
	char rel[32];
	int at, rc;

	if (cp_precondition(req, resp, ps))
		return 0;
	body = cp_body(req, resp, policy_json_check_rule);
	if (body == NULL)
		return 0;
	if (cp_same_id(resp, body, "id", req->id) != 0) {
		json_decref(body);
		return 0;
	}
	doc = policy_json_export(policy_store_policy(ps));
	rules = json_object_get(doc, "rules");
	at = cp_find(rules, "id", req->id);
	if (at < 0) {
		json_decref(body);
		json_decref(doc);
		return cp_not_found(resp, "rule", req->id);
	}
	json_array_set(rules, (size_t)at, body);
	snprintf(rel, sizeof(rel), "/rules/%d", at);
	rc = cp_commit_doc(c, req, resp, doc, rel, 200, NULL);
	if (rc == 0 && resp->status == 200 && !cp_dry_run(req)) {
		const struct policy *p = policy_store_policy(ps);
		int r = cp_rule_index(p, req->id);

		if (r >= 0)
			rc = cp_reply_policy_json(resp, 200, policy_json_rule(p, (unsigned int)r),
						  ps);
	}
	json_decref(body);
	json_decref(doc);
	return rc;
}

/* PATCH /v1/rules/{id}: move, with a body of {"before": ID} | {"after": ID} | {"position": N}. */
int
control_rules_api_move(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct control *c = cookie;
	struct policy_store *ps = control_policy(c);
	json_t *doc, *rules, *body, *rule, *v;
	const char *key, *before = NULL, *after = NULL;
	char pos[24], *position = NULL, d[160], f[64];
	int from, at, rc;

	if (cp_precondition(req, resp, ps))
		return 0;
	body = cp_body(req, resp, NULL);
	if (body == NULL)
		return 0;
	json_object_foreach(body, key, v) {
		if (strcmp(key, "before") == 0 || strcmp(key, "after") == 0) {
			if (!json_is_string(v)) {
				snprintf(d, sizeof(d), "%s: wrong type (expected a rule id string)",
					 key);
				snprintf(f, sizeof(f), "/%s", key);
				json_decref(body);
				return api_reply_problem(resp, 400, "Invalid request body", d, f);
			}
			*(key[0] == 'b' ? &before : &after) = json_string_value(v);
		} else if (strcmp(key, "position") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0) {
				json_decref(body);
				return api_reply_problem(resp, 400, "Invalid request body",
					"position: wrong type (expected an integer >= 0)",
					"/position");
			}
			snprintf(pos, sizeof(pos), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			position = pos;
		} else {
			snprintf(d, sizeof(d), "unknown field \"%.64s\" (expected one of: before, "
				 "after, position)", key);
			snprintf(f, sizeof(f), "/%.60s", key);
			json_decref(body);
			return api_reply_problem(resp, 400, "Invalid request body", d, f);
		}
	}
	if (before == NULL && after == NULL && position == NULL) {
		json_decref(body);
		return api_reply_problem(resp, 400, "Invalid request body", "give one of before, "
					 "after and position", "");
	}
	doc = policy_json_export(policy_store_policy(ps));
	rules = json_object_get(doc, "rules");
	from = cp_find(rules, "id", req->id);
	if (from < 0) {
		json_decref(body);
		json_decref(doc);
		return cp_not_found(resp, "rule", req->id);
	}
	rule = json_incref(json_array_get(rules, (size_t)from));
	json_array_remove(rules, (size_t)from);
	if ((before != NULL && strcmp(before, req->id) == 0) ||
	    (after != NULL && strcmp(after, req->id) == 0)) {
		json_decref(rule);
		json_decref(body);
		json_decref(doc);
		return api_reply_problem(resp, 422, "Invalid position", "a rule cannot be placed "
					 "relative to itself", before != NULL ? "/before" : "/after");
	}
	at = cp_rule_position(resp, rules, before, after, position, "/");
	if (at < 0) {
		json_decref(rule);
		json_decref(body);
		json_decref(doc);
		return 0;
	}
	json_array_insert_new(rules, (size_t)at, rule);
	rc = cp_commit_doc(c, req, resp, doc, NULL, 200, json_pack("{s:O}", "rules", rules));
	json_decref(body);
	json_decref(doc);
	return rc;
}

int
control_rules_api_delete(void *cookie, const struct api_request *req,
			 struct api_response *resp)
{
	struct control *c = cookie;
	struct policy_store *ps = control_policy(c);
	json_t *doc, *rules;
	int at, rc;

	if (cp_precondition(req, resp, ps))
		return 0;
	doc = policy_json_export(policy_store_policy(ps));
	rules = json_object_get(doc, "rules");
	at = cp_find(rules, "id", req->id);
	if (at < 0) {
		json_decref(doc);
		return cp_not_found(resp, "rule", req->id);
	}
	json_array_remove(rules, (size_t)at);
	rc = cp_commit_doc(c, req, resp, doc, NULL, 204, NULL);
	json_decref(doc);
	return rc;
}

/* ---- /v1/mode ---- */

static const char *
cp_mode_name(uint8_t m)
{
	static const char *const names[] = { "inherit", "discover", "monitor", "protect" };

	return m < RTE_DIM(names) ? names[m] : "unknown";
}

static json_t *
cp_mode_json(const struct policy *p)
{
	json_t *groups = json_object();
	unsigned int g;

	for (g = POLICY_GROUP_FIRST_USER; g < p->ngroups; g++)
		if (p->groups[g].mode != POLICY_MODE_INHERIT)
			json_object_set_new(groups, p->groups[g].name,
					    json_string(cp_mode_name(p->groups[g].mode)));
	return json_pack("{s:s, s:o}", "mode", cp_mode_name(p->mode), "group_overrides", groups);
}

int
control_mode_api_get(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct policy_store *ps = control_policy(cookie);

	(void)req;
	return cp_reply_policy_json(resp, 200, cp_mode_json(policy_store_policy(ps)), ps);
}

int
control_mode_api_put(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct control *c = cookie;
	struct policy_store *ps = control_policy(c);
	json_t *doc, *body;
	int rc;

	if (cp_precondition(req, resp, ps))
		return 0;
	body = cp_body(req, resp, policy_json_check_mode);
	if (body == NULL)
		return 0;
	doc = policy_json_export(policy_store_policy(ps));
	json_object_set(doc, "mode", json_object_get(body, "mode"));
	rc = cp_commit_doc(c, req, resp, doc, "", 200, NULL);
	if (rc == 0 && resp->status == 200 && !cp_dry_run(req))
		rc = cp_reply_policy_json(resp, 200, cp_mode_json(policy_store_policy(ps)), ps);
	json_decref(body);
	json_decref(doc);
	return rc;
}

/* ---- /v1/sensors ---- */

static json_t *
cp_builtin_json(const struct sensor_def *d)
{
	json_t *kw = json_array();
	unsigned int i;

	for (i = 0; i < d->n_keywords; i++)
		json_array_append_new(kw, json_string(d->keywords[i]));
	return json_pack("{s:s, s:s, s:b, s:s, s:s, s:I, s:I, s:o, s:b}",
		"id", d->id, "category", d->category, "builtin", 1,
		"severity", d->severity < RTE_DIM(cp_sev_names) ? cp_sev_names[d->severity] : "",
		"validator", validator_name(d->validator),
		"threshold", (json_int_t)d->threshold, "window", (json_int_t)d->window,
		"keywords", kw, "context_required", d->context_required != 0);
}

static int
cp_is_builtin_id(const char *name)
{
	unsigned int i;

	for (i = 0; config_dlp_builtin_ids[i] != NULL; i++)
		if (strcmp(config_dlp_builtin_ids[i], name) == 0)
			return 1;
	return 0;
}

static int
cp_custom_index(const struct config_dlp *dlp, const char *name)
{
	uint32_t i;

	for (i = 0; i < dlp->n_custom; i++)
		if (strcmp(dlp->custom[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const struct sensor_def *
cp_builtin_def(const struct policy_store *ps, const char *id)
{
	const struct snapshot *s = policy_store_snapshot(ps);
	unsigned int i, n;

	if (s->sensors == NULL)
		return NULL;
	n = sensor_db_count(s->sensors->db);
	for (i = 0; i < n; i++) {
		const struct sensor_def *d = sensor_db_def(s->sensors->db, i);

		if (d->builtin && strcmp(d->id, id) == 0)
			return d;
	}
	return NULL;
}

int
control_sensors_api_list(void *cookie, const struct api_request *req,
			 struct api_response *resp)
{
	struct policy_store *ps = control_policy(cookie);
	const struct snapshot *s = policy_store_snapshot(ps);
	const struct config_dlp *dlp = policy_store_dlp(ps);
	json_t *builtin = json_array(), *custom = json_array(), *disabled = json_array();
	unsigned int i, n = s->sensors != NULL ? sensor_db_count(s->sensors->db) : 0;

	(void)req;
	for (i = 0; i < n; i++) {
		const struct sensor_def *d = sensor_db_def(s->sensors->db, i);

		if (d->builtin)
			json_array_append_new(builtin, cp_builtin_json(d));
	}
	for (i = 0; i < dlp->n_custom; i++)
		json_array_append_new(custom, policy_json_custom(&dlp->custom[i]));
	for (i = 0; i < dlp->n_disabled; i++)
		json_array_append_new(disabled, json_string(dlp->disabled[i]));
	return cp_reply_policy_json(resp, 200, json_pack("{s:o, s:o, s:o}", "builtin", builtin,
							 "custom", custom, "disabled", disabled), ps);
}

int
control_sensors_api_get(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct policy_store *ps = control_policy(cookie);
	const struct config_dlp *dlp = policy_store_dlp(ps);
	const struct sensor_def *d = cp_builtin_def(ps, req->id);
	int i = cp_custom_index(dlp, req->id);

	if (i >= 0)
		return cp_reply_policy_json(resp, 200, policy_json_custom(&dlp->custom[i]), ps);
	if (d != NULL)
		return cp_reply_policy_json(resp, 200, cp_builtin_json(d), ps);
	return cp_not_found(resp, "sensor", req->id);
}

/*
 * Parse one custom class from body (checked) through the config loader, as dlp.custom[0]
 * of a configuration, into out. 0, or -1 after replying 422.
 */
static int
cp_custom_parse(struct api_response *resp, const json_t *body,
		struct config_custom_sensor *out)
{
	json_t *arr = json_pack("[O]", body);
	struct tg_config *cfg = malloc(sizeof(*cfg));
	char err[CP_ERR], *yaml = NULL, *doc = NULL;
	size_t len = 0;
	int rc = -1;

	if (arr == NULL || cfg == NULL || (yaml = policy_json_custom_to_yaml(arr, &len)) == NULL ||
	    (doc = malloc(len + 32)) == NULL) {
		api_reply_problem(resp, 500, NULL, "out of memory", NULL);
		goto out;
	}
	len = (size_t)snprintf(doc, len + 32, "dlp:\n  custom: %s\n", yaml);
	if (config_load_buffer(cfg, CP_REQUEST, doc, len, err, sizeof(err)) != 0) {
		const char *msg = policy_json_strip_location(err);

		if (strncmp(msg, "dlp.custom[0].", 14) == 0) {
			char ptr[256] = "/", path[128];
			const char *colon = strstr(msg + 14, ": ");
			size_t n = colon != NULL ? (size_t)(colon - msg - 14) : 0;

			if (n > 0 && n < sizeof(path)) {
				memcpy(path, msg + 14, n);
				path[n] = '\0';
				policy_json_pointer_from_path(path, ptr + 1, sizeof(ptr) - 1);
				if (ptr[1] == '/')
					memmove(ptr, ptr + 1, strlen(ptr));
			}
			api_reply_problem(resp, 422, "Invalid sensor", msg + 14, ptr);
		} else {
			api_reply_problem(resp, 422, "Invalid sensor", msg, "");
		}
		goto out;
	}
	*out = cfg->dlp.custom[0];
	rc = 0;
out:
	json_decref(arr);
	free(yaml);
	free(doc);
	free(cfg);
	return rc;
}

static int
cp_sensor_write(struct control *c, const struct api_request *req, struct api_response *resp,
		const char *method)
{
	struct policy_store *ps = control_policy(c);
	unsigned int flags = cp_dry_run(req) ? POLICY_STORE_DRY_RUN : 0;
	struct config_dlp *dlp = malloc(sizeof(*dlp));
	struct config_custom_sensor cs;
	const char *name;
	char err[CP_ERR], d[256];
	json_t *body = NULL;
	int i, rc = 0;

	if (dlp == NULL)
		return api_reply_problem(resp, 500, NULL, "out of memory", NULL);
	memcpy(dlp, policy_store_dlp(ps), sizeof(*dlp));
	if (cp_precondition(req, resp, ps))
		goto out;
	if (strcmp(method, "DELETE") != 0) {
		body = cp_body(req, resp, policy_json_check_custom);
		if (body == NULL)
			goto out;
		if (req->id != NULL && cp_same_id(resp, body, "name", req->id) != 0)
			goto out;
	}
	name = req->id != NULL ? req->id : json_string_value(json_object_get(body, "name"));
	i = cp_custom_index(dlp, name);
	if (cp_builtin_def(ps, name) != NULL || (i < 0 && strcmp(method, "POST") != 0 &&
	    cp_is_builtin_id(name))) {
		snprintf(d, sizeof(d), "\"%.64s\" is a built-in sensor: read-only (tune it under "
			 "dlp.sensors in the config file)", name);
		rc = api_reply_problem_type(resp, 409, "tag:tollgate,2024:problem/builtin-sensor",
					    "Built-in sensor", d, body != NULL ? "/name" : NULL);
		goto out;
	}
	if (strcmp(method, "POST") == 0 && i >= 0) {
		snprintf(d, sizeof(d), "sensor \"%.64s\" exists: PUT /v1/sensors/{name} replaces "
			 "it", name);
		rc = api_reply_problem(resp, 409, "Sensor exists", d, "/name");
		goto out;
	}
	if (strcmp(method, "POST") != 0 && i < 0) {
		rc = cp_not_found(resp, "custom sensor", name);
		goto out;
	}
	if (body != NULL && cp_custom_parse(resp, body, &cs) != 0)
		goto out;
	if (strcmp(method, "POST") == 0) {
		if (dlp->n_custom == CONFIG_MAX_CUSTOM) {
			snprintf(d, sizeof(d), "already %u custom sensors (the most there can be)",
				 CONFIG_MAX_CUSTOM);
			rc = api_reply_problem(resp, 422, "Too many sensors", d, NULL);
			goto out;
		}
		dlp->custom[dlp->n_custom++] = cs;
	} else if (strcmp(method, "PUT") == 0) {
		dlp->custom[i] = cs;
	} else {
		memmove(&dlp->custom[i], &dlp->custom[i + 1],
			sizeof(dlp->custom[0]) * (dlp->n_custom - (uint32_t)i - 1));
		dlp->n_custom--;
		memset(&dlp->custom[dlp->n_custom], 0, sizeof(dlp->custom[0]));
	}
	rc = policy_store_commit(ps, NULL, dlp, flags, err, sizeof(err));
	if (rc != 0) {
		/* "CONFIG: dlp.custom[i] (NAME): pattern ...": the body's patterns. */
		const char *why = strstr(err, "): ");

		if (rc == -EINVAL && why != NULL && strstr(err, "dlp.custom[") != NULL)
			rc = api_reply_problem(resp, 422, "Invalid sensor", why + 3,
					       strstr(why, "pattern") ? "/patterns" : "");
		else if (rc == -EINVAL && strstr(err, "unknown sensor") != NULL)
			rc = cp_problem(resp, 409, "Sensor in use", err, NULL);
		else
			rc = cp_commit_problem(resp, rc, err, NULL);
		goto out;
	}
	if (flags & POLICY_STORE_DRY_RUN)
		rc = cp_reply_dry_run(resp, "sensor");
	else if (strcmp(method, "DELETE") == 0)
		rc = api_reply_json(resp, 204, NULL, policy_store_etag(ps));
	else
		rc = cp_reply_policy_json(resp, strcmp(method, "POST") == 0 ? 201 : 200,
					  policy_json_custom(&cs), ps);
out:
	json_decref(body);
	free(dlp);
	return rc;
}

/* POST creates, PUT replaces, DELETE removes (req->method). */
int
control_sensors_api_write(void *cookie, const struct api_request *req, struct api_response *resp)
{
	return cp_sensor_write(cookie, req, resp, req->method);
}

/* ---- /v1/learned, /v1/labels/groups, /v1/flows ---- */

int
control_learned_api_get(void *cookie, const struct api_request *req, struct api_response *resp)
{
	(void)req;
	return api_reply_json(resp, 200, learned_json(control_learned(cookie)), NULL);
}

int
control_learned_api_clear(void *cookie, const struct api_request *req,
			  struct api_response *resp)
{
	(void)req;
	learned_clear(control_learned(cookie));
	return api_reply_json(resp, 204, NULL, NULL);
}

static void
cp_ip_text(const uint8_t ip[16], int family, char *buf, size_t len)
{
	if (inet_ntop(family, ip, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

static void
cp_add_label_ip(void *cookie, const uint8_t ip[16], int family)
{
	char buf[INET6_ADDRSTRLEN];

	cp_ip_text(ip, family, buf, sizeof(buf));
	json_array_append_new(cookie, json_string(buf));
}

struct cp_fqdn_ctx {
	const struct snapshot *s;	/* its patterns are the running policy's */
	unsigned int group;
	json_t *out;
};

static void
cp_add_fqdn_ip(void *cookie, const char *name, int family, const uint8_t ip[16],
	       uint64_t expires_s)
{
	struct cp_fqdn_ctx *x = cookie;
	char buf[INET6_ADDRSTRLEN];
	size_t len = strlen(name);
	unsigned int i;

	for (i = 0; i < x->s->nfqdns; i++) {
		if (x->s->fqdns[i].group != x->group ||
		    !flow_policy_fqdn_match(&x->s->fqdns[i], name, len))
			continue;
		cp_ip_text(ip, family, buf, sizeof(buf));
		json_array_append_new(x->out, json_pack("{s:s, s:s, s:I}", "ip", buf, "name", name,
							"expires", (json_int_t)expires_s));
		return;
	}
}

int
control_labels_api_groups(void *cookie, const struct api_request *req,
			  struct api_response *resp)
{
	struct control *c = cookie;
	struct policy_store *ps = control_policy(c);
	const struct policy *p = policy_store_policy(ps);
	json_t *groups = json_array();
	unsigned int g;

	(void)req;
	for (g = POLICY_GROUP_FIRST_USER; g < p->ngroups; g++) {
		const struct policy_group *pg = &p->groups[g];
		json_t *all = policy_json_group(p, g);
		json_t *labels = json_array(), *names = json_array();
		struct cp_fqdn_ctx x = { policy_store_snapshot(ps), g, names };

		if (pg->selector != NULL)
			label_map_select(control_labels(c), pg->selector, cp_add_label_ip, labels);
		if (pg->nfqdns > 0)
			fqdn_cache_foreach(policy_store_fqdns(ps), cp_add_fqdn_ip, &x);
		json_array_append_new(groups, json_pack("{s:s, s:O, s:O, s:O, s:o, s:o}",
			"name", pg->name, "selector", json_object_get(all, "selector"),
			"cidrs", json_object_get(all, "cidrs"),
			"ranges", json_object_get(all, "ranges"),
			"label_ips", labels, "fqdn_ips", names));
		json_decref(all);
	}
	return api_reply_json(resp, 200, json_pack("{s:I, s:I, s:o}",
		"generation", (json_int_t)label_map_generation(control_labels(c)),
		"snapshot", (json_int_t)policy_store_snapshot(ps)->version, "groups", groups), NULL);
}

static const char *
cp_query(void *ctx, const char *name)
{
	return api_request_query(ctx, name);
}

int
control_flows_api_list(void *cookie, const struct api_request *req, struct api_response *resp)
{
	char param[64] = "", err[512];
	json_t *out = flow_list_query(control_flows(cookie), cp_query, (void *)req, param,
				      sizeof(param), err, sizeof(err));

	if (out == NULL)
		return api_reply_problem(resp, 400, "Invalid query", err, param);
	return api_reply_json(resp, 200, out, NULL);
}

int
control_events_api_list(void *cookie, const struct api_request *req, struct api_response *resp)
{
	char param[64] = "", err[512];
	json_t *out;

	if (control_events(cookie) == NULL)	/* api.events_kept: 0 */
		return api_reply_json(resp, 200, json_pack("{s:[], s:i, s:i, s:n}", "events",
			"returned", 0, "dropped", 0, "next_cursor"), NULL);
	out = event_ring_query(control_events(cookie), cp_query, (void *)req, param,
			       sizeof(param), err, sizeof(err));
	if (out == NULL)
		return api_reply_problem(resp, 400, "Invalid query", err, param);
	return api_reply_json(resp, 200, out, NULL);
}
