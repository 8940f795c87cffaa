/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_CONTROL_H
#define TOLLGATE_CONTROL_H

#include <stdio.h>
#include "counters_types.h"
#include "runtime_types.h"

struct control;
struct label_map;
struct policy_store;
struct flow_list;
struct learned;
struct event_ring;

/*
 * Open the event sink (--events FILE or "-" for stdout) and the stream dump directory.
 * Returns NULL with err naming what failed. Main lcore.
 */
struct control *control_create(struct runtime *rt, char *err, size_t errlen);

/*
 * The control loop on the main lcore: drain every worker's message ring (events, stream
 * chunks), until every worker has finished (offline) or rt->quit is set and they have
 * flushed (live). Returns 0, or -EIO when the event sink failed.
 */
int control_run(struct control *c);

/* --serve: keep answering the REST API (the offline input has ended) until a signal
 * sets rt->stop. */
void control_serve(struct control *c);

/* One-screen summary of the run. elapsed_s is wall time. */
void control_summary(struct control *c, FILE *f, double elapsed_s);

/* Counters summed over workers and the input stage, as JSON, to path. */
int control_write_stats(struct control *c, const char *path);

/* Counters summed over workers and the input stage (control thread). */
void control_counters(const struct control *c, struct counters *sum);

/* The label-to-IP map the API feeds (control thread only). */
struct label_map *control_labels(struct control *c);

/* The policy store, flow list and discover-mode records (control thread only). */
struct policy_store *control_policy(struct control *c);
struct flow_list *control_flows(struct control *c);
struct learned *control_learned(struct control *c);
/* The last events (GET /v1/events); NULL when the API is off. */
struct event_ring *control_events(struct control *c);

/* The runtime the control thread serves, and seconds since control_create. */
const struct runtime *control_runtime(const struct control *c);
double control_uptime(const struct control *c);

/* NULL is a no-op. Flushes and closes the sinks. */
void control_free(struct control *c);

#endif
