/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /v1/incidents, /v1/incidents/{id} and /v1/incidents/{id}/report (JSON, or HTML with
 * ?format=html): the incident store (incident.h) and its breach reports
 * (incident_report.h). The cookie is the control thread's struct services.
 */
#ifndef TOLLGATE_CONTROL_INCIDENTS_API_H
#define TOLLGATE_CONTROL_INCIDENTS_API_H

#include "api.h"

int control_incidents_api_list(void *cookie, const struct api_request *req,
			       struct api_response *resp);
int control_incidents_api_get(void *cookie, const struct api_request *req,
			      struct api_response *resp);
int control_incidents_api_report(void *cookie, const struct api_request *req,
				 struct api_response *resp);

#endif
