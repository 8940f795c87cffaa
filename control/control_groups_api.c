/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /v1/groups (control_policy_api.h): the user groups of the policy, listed, read, created,
 * replaced and deleted. A write edits the group list of the running policy's JSON and
 * commits the whole result (control_policy_api_write.c).
 */
#include <stdio.h>
#include <string.h>
#include "services.h"
#include "control_policy_api.h"
#include "control_policy_api_priv.h"
#include "policy.h"
#include "policy_json.h"
#include "policy_store.h"

/* ---- /v1/groups ---- */

int
control_groups_api_list(void *cookie, const struct api_request *req, struct api_response *resp)
{
	const struct services *svc = cookie;
	struct policy_store *ps = svc->policy;
	json_t *doc = policy_json_export(policy_store_policy(ps));
	json_t *out = json_pack("{s:O}", "groups", json_object_get(doc, "groups"));

	(void)req;
	json_decref(doc);
	return cp_reply_policy_json(resp, 200, out, ps);
}

int
control_groups_api_get(void *cookie, const struct api_request *req, struct api_response *resp)
{
	const struct services *svc = cookie;
	struct policy_store *ps = svc->policy;
	const struct policy *p = policy_store_policy(ps);
	int g = policy_group_index(p, req->id);

	if (g < (int)POLICY_GROUP_FIRST_USER)
		return cp_not_found(resp, "user group", req->id);
	return cp_reply_policy_json(resp, 200, policy_json_group(p, (unsigned int)g), ps);
}

/* Create (POST), replace (PUT) or delete (DELETE) a group in a copy of the policy. */
static int
cp_group_write(struct services *c, const struct api_request *req, struct api_response *resp,
	       const char *method)
{
	struct policy_store *ps = c->policy;
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
