/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The incident store: findings about personal data (DLP threshold alerts and dlp events,
 * struct msg MSG_DLP) grouped into incidents by destination group, rule and time window
 * (config incidents:), for GET /v1/incidents and the GDPR Art. 33 breach report
 * (incident_report.h). Bounded: incidents.max incidents (the one seen last longest ago
 * goes first, counted), incidents.max_values distinct values per incident, and the
 * INCIDENT_* caps of incident_types.h; a cap reached makes the counts lower bounds.
 *
 * Control thread only.
 */
#ifndef TOLLGATE_INCIDENT_H
#define TOLLGATE_INCIDENT_H

#include <stdint.h>
#include "config_types.h"
#include "incident_types.h"
#include "msg_types.h"

struct incident_store;
struct policy_store;

/*
 * A store for conf (copied). ps (borrowed, may be NULL) gives the policy revision in force
 * and the names learned from DNS and SNI for destinations; inline_ports says the
 * appliance resets the blocked TCP flows it forwards. NULL when out of memory.
 */
struct incident_store *incident_store_create(const struct config_incidents *conf,
					     const struct policy_store *ps, int inline_ports);
/* NULL is a no-op. */
void incident_store_free(struct incident_store *st);

/*
 * Take message m: a MSG_DLP with a flow joins (or opens) the incident of its destination
 * group and rule whose findings are within the window of its time; any other message is
 * ignored. Nothing of m is kept but its redacted facts: hashes, counts, names, addresses.
 * capture: the id of the automatic capture the finding's event carries, or NULL; the
 * report lists it as evidence.
 */
void incident_store_add(struct incident_store *st, const struct msg *m, const char *capture);

/* Incidents held, and the i-th of them by id (oldest first); NULL past the end. */
uint32_t incident_store_count(const struct incident_store *st);
const struct incident *incident_store_at(const struct incident_store *st, uint32_t i);
/* The incident of that id, or NULL (never was, or dropped). */
const struct incident *incident_store_get(const struct incident_store *st, uint64_t id);

/* Incidents dropped for room (incidents.max). */
uint64_t incident_store_dropped(const struct incident_store *st);
/* The newest finding time seen (microseconds since 1970): an incident is open while its
 * last finding is within the window of it. */
uint64_t incident_store_clock(const struct incident_store *st);
uint64_t incident_store_window_us(const struct incident_store *st);

/* Distinct values of the incident, all categories (the sum over categories). */
uint64_t incident_subjects(const struct incident *inc);

#endif
