/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_CONTROL_H
#define TOLLGATE_CONTROL_H

#include <stdio.h>
#include "counters_types.h"
#include "runtime_types.h"

struct control;

/*
 * Open the event sink (--events FILE, appended to and created 0640, or "-" for stdout;
 * control/event_file.h) and the stream dump directory. Returns NULL with err naming what
 * failed. Main lcore.
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

/* Events the workers could not hand over (ring or message pool full), over the run.
 * Main lcore, after the workers stopped. */
uint64_t control_events_lost(struct control *c);

/* Counters summed over workers and the input stage, as JSON, to path. */
int control_write_stats(struct control *c, const char *path);

/* NULL is a no-op. Flushes and closes the sinks. */
void control_free(struct control *c);

#endif
