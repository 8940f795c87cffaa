/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /v1/rules (control_policy_api.h): the ordered rule list of the policy, listed, read,
 * created at a position (?before, ?after, ?position), replaced, moved (PATCH) and deleted.
 * A write edits the rule list of the running policy's JSON and commits the whole result
 * (control_policy_api_write.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "services.h"
#include "control_policy_api.h"
#include "control_policy_api_priv.h"
#include "policy.h"
#include "policy_json.h"
#include "policy_store.h"

/* ---- /v1/rules ---- */

int
control_rules_api_list(void *cookie, const struct api_request *req, struct api_response *resp)
{
	const struct services *svc = cookie;
	struct policy_store *ps = svc->policy;
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
	const struct services *svc = cookie;
	struct policy_store *ps = svc->policy;
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
	struct services *c = cookie;
	struct policy_store *ps = c->policy;
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
	struct services *c = cookie;
	struct policy_store *ps = c->policy;
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
	struct services *c = cookie;
	struct policy_store *ps = c->policy;
	json_t *doc, *rules, *body, *rule, *v;
	const char *before, *after;
	char pos[24], *position = NULL;
	int from, at, rc;

	if (cp_precondition(req, resp, ps))
		return 0;
	body = cp_body(req, resp, policy_json_check_move);
	if (body == NULL)
		return 0;
	before = json_string_value(json_object_get(body, "before"));
	after = json_string_value(json_object_get(body, "after"));
	v = json_object_get(body, "position");
	if (v != NULL) {
		snprintf(pos, sizeof(pos), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		position = pos;
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
	struct services *c = cookie;
	struct policy_store *ps = c->policy;
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
