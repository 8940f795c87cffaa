/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * REST handlers of the policy resources (docs/api/openapi.yaml): /v1/policy, /v1/groups,
 * /v1/rules, /v1/sensors, /v1/mode, /v1/learned, /v1/labels/groups, /v1/flows and
 * /v1/events. The
 * route table lives in control_api.c; every handler runs on the control thread inside
 * api_poll, with the struct services (services.h) as cookie.
 *
 * Where they live: control_policy_api.c (/v1/policy, /v1/mode), control_groups_api.c,
 * control_rules_api.c, control_sensors_api.c, and control_runtime_api.c (/v1/learned,
 * /v1/labels/groups, /v1/flows, /v1/events). The policy writers share the request checks
 * and the commit path of control_policy_api_write.c (control_policy_api_priv.h).
 */
#ifndef TOLLGATE_CONTROL_POLICY_API_H
#define TOLLGATE_CONTROL_POLICY_API_H

#include "api.h"

int control_policy_api_get(void *cookie, const struct api_request *req,
			   struct api_response *resp);
int control_policy_api_put(void *cookie, const struct api_request *req,
			   struct api_response *resp);
int control_groups_api_list(void *cookie, const struct api_request *req,
			    struct api_response *resp);
int control_groups_api_get(void *cookie, const struct api_request *req,
			   struct api_response *resp);
/* POST (create), PUT (replace), DELETE (remove), by req->method. */
int control_groups_api_write(void *cookie, const struct api_request *req,
			   struct api_response *resp);
int control_rules_api_list(void *cookie, const struct api_request *req,
			   struct api_response *resp);
int control_rules_api_create(void *cookie, const struct api_request *req,
			     struct api_response *resp);
int control_rules_api_get(void *cookie, const struct api_request *req,
			  struct api_response *resp);
int control_rules_api_replace(void *cookie, const struct api_request *req,
			      struct api_response *resp);
int control_rules_api_move(void *cookie, const struct api_request *req,
			   struct api_response *resp);
int control_rules_api_delete(void *cookie, const struct api_request *req,
			     struct api_response *resp);
int control_sensors_api_list(void *cookie, const struct api_request *req,
			     struct api_response *resp);
int control_sensors_api_get(void *cookie, const struct api_request *req,
			    struct api_response *resp);
/* POST (create), PUT (replace), DELETE (remove), by req->method. */
int control_sensors_api_write(void *cookie, const struct api_request *req,
			   struct api_response *resp);
int control_mode_api_get(void *cookie, const struct api_request *req,
			 struct api_response *resp);
int control_mode_api_put(void *cookie, const struct api_request *req,
			 struct api_response *resp);
int control_learned_api_get(void *cookie, const struct api_request *req,
			    struct api_response *resp);
int control_learned_api_clear(void *cookie, const struct api_request *req,
			      struct api_response *resp);
int control_labels_api_groups(void *cookie, const struct api_request *req,
			      struct api_response *resp);
int control_events_api_list(void *cookie, const struct api_request *req,
			    struct api_response *resp);
int control_flows_api_list(void *cookie, const struct api_request *req,
			   struct api_response *resp);

#endif
