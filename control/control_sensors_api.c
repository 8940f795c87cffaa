/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /v1/sensors (control_policy_api.h): the built-in sensors (read-only: they are tuned in
 * the config file) and the custom ones (dlp.custom), listed, read, created, replaced and
 * deleted. A custom sensor is parsed by the config loader, as the file's would be, and the
 * new dlp section is committed with the running policy (policy_store_commit).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_common.h>
#include "config.h"
#include "services.h"
#include "control_policy_api.h"
#include "control_policy_api_priv.h"
#include "policy_json.h"
#include "policy_store.h"
#include "sensor_engine.h"
#include "snapshot.h"
#include "validators.h"

static const char *const cp_sev_names[] = { "", "low", "medium", "high", "critical" };

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
	const struct services *svc = cookie;
	struct policy_store *ps = svc->policy;
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
	const struct services *svc = cookie;
	struct policy_store *ps = svc->policy;
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
cp_sensor_write(struct services *c, const struct api_request *req, struct api_response *resp,
		const char *method)
{
	struct policy_store *ps = c->policy;
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
