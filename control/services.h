/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control thread serves: the runtime, the label map, the running policy, the flow
 * list, discover-mode records, the last events, the packet captures and the event sinks'
 * counters. control.c creates these and runs the loop that feeds them; the REST handlers (control_api.c, control_*_api.c) receive this
 * struct as their cookie and read or change what it points to. Keeping it apart from the
 * control loop is what lets the loop start the API without the API calling back into the
 * loop: control.c -> control_api.c -> services.c, never the other way.
 *
 * Control thread only.
 */
#ifndef TOLLGATE_SERVICES_H
#define TOLLGATE_SERVICES_H

#include "counters_types.h"
#include "runtime_types.h"

struct label_map;
struct policy_store;
struct flow_list;
struct learned;
struct event_ring;
struct sink_set;
struct capture_mgr;
struct control_metrics;
struct incident_store;
struct event_file;

struct services {
	struct runtime *rt;
	struct label_map *labels;	/* pod IP -> labels, fed through /v1/labels */
	struct policy_store *policy;	/* running policy, snapshots */
	struct flow_list *flows;	/* /v1/flows */
	struct learned *learned;	/* /v1/learned */
	struct event_ring *recent;	/* /v1/events; NULL when the API is off or events_kept 0 */
	struct sink_set *sinks;		/* events.sinks; NULL when there is none */
	struct capture_mgr *captures;	/* /v1/captures (pcap/capture.h) */
	struct control_metrics *metrics;	/* /metrics state (control_metrics.h) */
	struct incident_store *incidents;	/* /v1/incidents; NULL when the API is off */
	const struct event_file *events_file;	/* --events (events.file); NULL without */
	/* Events that could not be written as JSON (no memory for the line): lost to the
	 * events file, /v1/events and the sinks alike, and counted lost. */
	uint64_t events_unwritable;
	double t0;			/* CLOCK_MONOTONIC seconds at start */
};

/* Seconds on the monotonic clock (the base of t0 and services_uptime). */
double services_now(void);

/* Counters summed over workers and the input stage. */
void services_counters(const struct services *s, struct counters *sum);

/* Seconds since s->t0. */
double services_uptime(const struct services *s);

/* The state directory: --state-dir, else the config's state_dir. */
const char *services_state_dir(const struct services *s);

#endif
