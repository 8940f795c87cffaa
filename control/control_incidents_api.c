/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The incident routes: the list (newest first), one incident's summary, and its GDPR
 * Art. 33 breach report as JSON or as a printable HTML page. Read-only; handlers run on the
 * control thread inside api_poll, where the store is fed, so they need no lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "capture.h"
#include "control_incidents_api.h"
#include "incident.h"
#include "incident_report.h"
#include "services.h"

/* The page asks for nothing outside itself: no script, no fetch, its own inline style. */
#define REPORT_CSP "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; " \
		   "form-action 'none'; frame-ancestors 'none'"

int
control_incidents_api_list(void *cookie, const struct api_request *req,
			   struct api_response *resp)
{
	const struct services *s = cookie;
	const struct incident_store *st = s->incidents;
	json_t *list = json_array();
	uint32_t i;

	(void)req;
	for (i = incident_store_count(st); i-- > 0;)
		json_array_append_new(list, incident_report_summary(st, incident_store_at(st, i)));
	return api_reply_json(resp, 200, json_pack("{s:o, s:I, s:I}", "incidents", list,
		"window_s", (json_int_t)(incident_store_window_us(st) / 1000000),
		"dropped", (json_int_t)incident_store_dropped(st)), NULL);
}

/* The incident named by the {id} segment (a decimal id), or NULL with a 404 problem sent. */
static const struct incident *
control_incidents_api_find(const struct services *s, const struct api_request *req,
			   struct api_response *resp)
{
	const struct incident *inc = NULL;
	char detail[128];
	size_t n = strlen(req->id);

	if (n >= 1 && n <= 19 && strspn(req->id, "0123456789") == n && req->id[0] != '0')
		inc = incident_store_get(s->incidents, strtoull(req->id, NULL, 10));
	if (inc == NULL) {
		snprintf(detail, sizeof(detail), "no incident \"%.40s\" (expected the id of one "
			 "GET /v1/incidents lists)", req->id);
		api_reply_problem(resp, 404, NULL, detail, NULL);
	}
	return inc;
}

int
control_incidents_api_get(void *cookie, const struct api_request *req,
			  struct api_response *resp)
{
	const struct services *s = cookie;
	const struct incident *inc = control_incidents_api_find(s, req, resp);

	if (inc == NULL)
		return 0;
	return api_reply_json(resp, 200, incident_report_summary(s->incidents, inc), NULL);
}

/*
 * The report's captures as the capture store has them now: "available" (false once a
 * capture is deleted, by the operator or the disk quota) and each file's download URL.
 */
static void
control_incidents_api_captures(const struct services *s, json_t *report)
{
	json_t *c, *got, *fi, *files;
	size_t i, j;

	json_array_foreach(json_object_get(report, "captures"), i, c) {
		got = s->captures != NULL ?
		      capture_get_json(s->captures, json_string_value(json_object_get(c, "id"))) :
		      NULL;
		files = json_array();
		json_array_foreach(json_object_get(got, "files"), j, fi)
			json_array_append_new(files, json_pack("{s:O, s:O, s:O, s:O}",
				"name", json_object_get(fi, "name"), "url", json_object_get(fi, "url"),
				"size", json_object_get(fi, "size"),
				"packets", json_object_get(fi, "packets")));
		json_object_set_new(c, "available", json_boolean(got != NULL));
		json_object_set_new(c, "state", got != NULL ?
				    json_incref(json_object_get(got, "state")) : json_null());
		json_object_set_new(c, "files", files);
		json_decref(got);
	}
}

int
control_incidents_api_report(void *cookie, const struct api_request *req,
			     struct api_response *resp)
{
	const struct services *s = cookie;
	const char *format = api_request_query(req, "format");
	const struct incident *inc;
	struct timespec now;
	json_t *report;
	size_t len;
	char *html;
	int rc;

	if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "html") != 0)
		return api_reply_problem(resp, 400, "Invalid query", "format: expected json "
					 "(the default) or html", "format");
	inc = control_incidents_api_find(s, req, resp);
	if (inc == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	report = incident_report_json(s->incidents, inc, (uint64_t)now.tv_sec * 1000000 +
				      (uint64_t)now.tv_nsec / 1000);
	if (report == NULL)
		return api_reply_problem(resp, 500, NULL, "out of memory", NULL);
	control_incidents_api_captures(s, report);
	if (format == NULL || strcmp(format, "json") == 0)
		return api_reply_json(resp, 200, report, NULL);
	html = incident_report_html(report, &len);
	json_decref(report);
	if (html == NULL)
		return api_reply_problem(resp, 500, NULL, "out of memory", NULL);
	rc = api_reply_text(resp, 200, "text/html; charset=utf-8", html, len);
	free(html);
	if (rc == 0)
		rc = api_reply_header(resp, "Content-Security-Policy", REPORT_CSP);
	return rc;
}
