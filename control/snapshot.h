/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compiling the policy into a snapshot, publishing it to the workers and freeing the ones
 * they no longer read (rte_rcu_qsbr). Control thread only.
 *
 *   snapshot_compile(policy, labels, fqdns, db) --> snapshot (or NULL + err: nothing changes)
 *   snapshot_publish(pub, snap):  old = *slot; *slot = snap (release); token = rcu start
 *   snapshot_reclaim(pub):        old snapshots whose token every worker passed are freed
 */
#ifndef TOLLGATE_SNAPSHOT_H
#define TOLLGATE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include "snapshot_types.h"

struct policy;
struct label_map;
struct fqdn_cache;
struct rte_rcu_qsbr;
struct snapshot_pub;

/*
 * Build a snapshot of policy p: groups with their effective CIDRs, ranges, the label-map
 * addresses of their selectors (labels may be NULL) and the cached addresses of their FQDN
 * patterns (fqdns may be NULL); rules with each DLP binding resolved against db (NULL:
 * no sensors, and any binding is refused). sensors (may be NULL) is attached with a
 * reference. A binding to a sensor db does not have fails with err =
 * "policy.rules[I].dlp[J].sensor: unknown sensor (got X, expected ...)" and NULL.
 * version is 0 until published.
 */
struct snapshot *snapshot_compile(const struct policy *p, const struct label_map *labels,
				  const struct fqdn_cache *fqdns, const struct sensor_db *db,
				  struct snapshot_sensors *sensors, uint8_t dlp_default, char *err,
				  size_t errlen);

/* Free a snapshot that was never published, or one snapshot_reclaim hands back. */
void snapshot_free(struct snapshot *s);

/*
 * Drop a reference on a sensor set; the last one frees the DLP contexts and database, or,
 * while a worker still holds the set (its flows' sensor streams are on it: held),
 * retires it: snapshot_reclaim frees it once no worker does, snapshot_pub_free or
 * snapshot_sensors_free_retired (the workers stopped) at the latest.
 */
void snapshot_sensors_put(struct snapshot_sensors *ss);

/* Sensor sets retired and not yet freed (control thread). */
unsigned int snapshot_sensors_retired(void);
/* Free every retired sensor set, held or not: only once the workers have stopped. */
void snapshot_sensors_free_retired(void);

/*
 * A publisher for slot (the pointer workers read) guarded by qsbr (workers registered as
 * thread ids 0..n-1, reporting quiescence once per poll loop).
 */
struct snapshot_pub *snapshot_pub_create(struct snapshot **slot, struct rte_rcu_qsbr *qsbr);

/*
 * Make s the snapshot workers read (version = previous + 1) and queue the one it replaces
 * for freeing after a grace period. Does not wait for the workers, except when
 * SNAPSHOT_PENDING_MAX (64) replaced snapshots are already waiting: it then waits (spins,
 * then yields the CPU) until the oldest grace period ends (a worker that stopped
 * reporting would hold it; workers report once per poll loop, or go offline when they
 * stop).
 */
void snapshot_publish(struct snapshot_pub *pub, struct snapshot *s);

/* Free every replaced snapshot whose grace period is over, and every retired sensor set
 * no worker holds any more; returns how many snapshots. Never blocks. */
unsigned int snapshot_reclaim(struct snapshot_pub *pub);

/* Snapshots replaced and not yet freed. */
unsigned int snapshot_pending(const struct snapshot_pub *pub);

/* Bytes held by the current snapshot and those waiting for their grace period. */
size_t snapshot_bytes(const struct snapshot_pub *pub);

/* The snapshot published last (control thread view), or NULL. */
const struct snapshot *snapshot_current(const struct snapshot_pub *pub);

/* Wait for every grace period and free everything, the current snapshot included; workers
 * must have stopped reading. NULL is a no-op. */
void snapshot_pub_free(struct snapshot_pub *pub);

#endif
