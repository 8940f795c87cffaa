/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /metrics: the running instance in the Prometheus text exposition format 0.0.4, and the
 * little state it needs between scrapes (each worker's busy ratio over the last second,
 * the DLP match counts of sensor databases already freed, the SIGHUP reload results).
 * docs/operations.md ("Prometheus metrics") lists every family.
 *
 * Control thread only.
 */
#ifndef TOLLGATE_CONTROL_METRICS_H
#define TOLLGATE_CONTROL_METRICS_H

#include <stdio.h>
#include "runtime_types.h"
#include "snapshot_types.h"

struct control_metrics;
struct services;

/* State for rt's metrics; NULL when out of memory. rt is borrowed. */
struct control_metrics *control_metrics_create(const struct runtime *rt);
/* NULL is a no-op. Free it after the policy store (whose sensor sets report to it). */
void control_metrics_free(struct control_metrics *m);

/*
 * Once per control loop turn: notes the sensor set the workers run on (its counts stay
 * in the sum until it is retired) and, once a second, closes the busy-ratio window.
 * now is services_now(). m may be NULL.
 */
void control_metrics_tick(struct control_metrics *m, const struct snapshot_sensors *running,
			  double now);

/*
 * A snapshot_sensors_retire_fn (policy_store_on_sensors_retire): ss's counts are final;
 * they are added to the totals by sensor name. arg is the struct control_metrics.
 */
void control_metrics_sensors_retired(void *arg, const struct snapshot_sensors *ss);

/* A SIGHUP reload was tried: ok 1 when it was applied, 0 when it was refused. m may be NULL. */
void control_metrics_reload(struct control_metrics *m, int ok);

/*
 * Write every family but the REST server's own (control_api.c adds those) to f. s->metrics
 * must be set. Returns 0, or -EIO when f failed.
 */
int control_metrics_write(const struct services *s, FILE *f);

#endif
