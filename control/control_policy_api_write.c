/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every policy resource handler shares (control_policy_api_priv.h): the request checks
 * (dry_run, If-Match, the JSON body, the id in the path), problem replies built from loader
 * and compiler messages, and the commit path. Every write builds a whole candidate policy
 * from the running one, runs it through the same loader as the YAML file (so the API and the
 * file accept exactly the same things, with the same messages), and hands it to
 * policy_store_commit, which compiles, persists and publishes it or changes nothing:
 *
 *   body --schema (policy_json_check_*: types, unknown fields)--> 400
 *        --merge into the running policy's JSON--> loader (policy.c) --> 422 field/problem
 *        --policy_store_commit (sensors, snapshot, file)--> 422 / 500 --> 200/201/204 + ETag
 *
 * Writes honour If-Match: a tag other than the running policy's gets 412. Problems name
 * the field at fault as a JSON pointer into the request body. The handlers of each resource
 * call in here; nothing here calls them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "services.h"
#include "control_policy_api_priv.h"
#include "policy.h"
#include "policy_json.h"
#include "policy_store.h"

int
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

int
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
int
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
int
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

int
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
int
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
int
cp_commit_doc(struct services *c, const struct api_request *req, struct api_response *resp,
	      const json_t *doc, const char *rel, unsigned int status, json_t *body)
{
	struct policy_store *ps = c->policy;
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
json_t *
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
int
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

int
cp_not_found(struct api_response *resp, const char *what, const char *id)
{
	char d[256];

	snprintf(d, sizeof(d), "no %s named \"%.128s\"", what, id);
	return api_reply_problem(resp, 404, NULL, d, NULL);
}

/* The id in the path and the body's name/id must agree when both are given. */
int
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
