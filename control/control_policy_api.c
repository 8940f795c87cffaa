/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole policy as a resource (control_policy_api.h): /v1/policy, read and replaced as
 * JSON or as the YAML of the config file, and /v1/mode, its enforcement mode. Writes go
 * through the shared commit path (control_policy_api_write.c). The other resources live
 * in control_groups_api.c, control_rules_api.c, control_sensors_api.c and
 * control_runtime_api.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_common.h>
#include "services.h"
#include "control_policy_api.h"
#include "control_policy_api_priv.h"
#include "policy.h"
#include "policy_emit.h"
#include "policy_json.h"
#include "policy_store.h"

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
	const struct services *svc = cookie;
	struct policy_store *ps = svc->policy;
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
	struct services *c = cookie;
	struct policy_store *ps = c->policy;
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
	const struct services *svc = cookie;
	struct policy_store *ps = svc->policy;

	(void)req;
	return cp_reply_policy_json(resp, 200, cp_mode_json(policy_store_policy(ps)), ps);
}

int
control_mode_api_put(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct services *c = cookie;
	struct policy_store *ps = c->policy;
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
