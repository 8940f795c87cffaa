/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An incident told the way GDPR Art. 33(3) asks a controller to notify a personal data
 * breach: its nature, the categories and approximate numbers of data subjects and records,
 * the destinations, the time line, the measures taken, and the policy in force; as JSON
 * (GET /v1/incidents/{id}/report) and as a printable, self-contained HTML page made from
 * that JSON (?format=html). Nothing in either is a raw value: only counts, names of
 * groups, rules, sensors and hosts, and addresses of destinations. docs/operations.md
 * ("Breach reports") describes every field.
 *
 * Control thread only.
 */
#ifndef TOLLGATE_INCIDENT_REPORT_H
#define TOLLGATE_INCIDENT_REPORT_H

#include <stddef.h>
#include <jansson.h>
#include "incident.h"

/* The incident's summary as GET /v1/incidents lists it; a new reference (NULL: no memory). */
json_t *incident_report_summary(const struct incident_store *st, const struct incident *inc);

/* The whole report; a new reference (NULL: no memory). now_us is the report's time. */
json_t *incident_report_json(const struct incident_store *st, const struct incident *inc,
			     uint64_t now_us);

/*
 * The report (as incident_report_json made it) as an HTML document: UTF-8, no script, no
 * external resource, every text escaped. Returns a malloc'd string of *len bytes (the
 * caller frees it), or NULL when out of memory.
 */
char *incident_report_html(const json_t *report, size_t *len);

#endif
