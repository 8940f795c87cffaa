/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy store of the control thread: the running policy (groups, rules, modes) and
 * DLP sensor configuration, the file they came from, and their publication to the workers
 * as snapshots (snapshot.h). Every change goes through policy_store_commit, which is
 * all-or-nothing:
 *
 *   candidate policy / sensors --compile sensors--> --compile snapshot--> (dry run: stop)
 *        --persist to the config file (splice, temp + fsync + rename)--> publish (RCU)
 *
 * A refusal at any step leaves the running policy, the file and the workers untouched.
 * Label-map and FQDN changes republish the same policy with new addresses
 * (policy_store_refresh), without touching the file.
 *
 * Control thread only.
 */
#ifndef TOLLGATE_POLICY_STORE_H
#define TOLLGATE_POLICY_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "config_types.h"
#include "runtime_types.h"
#include "snapshot_types.h"

struct policy;
struct label_map;
struct fqdn_cache;
struct msg_fqdn;
struct policy_store;

#define POLICY_STORE_FQDN_MAX	65536	/* (name, address) pairs learned from the wire */

/*
 * Take policy p (owned by the store from now on, even on failure) and rt->sensor_db (taken:
 * rt->sensor_db becomes NULL), open a DLP context per worker, compile and publish the first
 * snapshot into rt->snap. rt->config_path (or NULL) is where changes are written back; the
 * "<file>.tmp.<pid>" files an interrupted write-back left next to it are removed first
 * (state_remove_stale, each logged). labels is the control thread's label map (borrowed).
 * NULL with err on failure.
 */
struct policy_store *policy_store_create(struct runtime *rt, struct policy *p,
					 struct label_map *labels, char *err, size_t errlen);
void policy_store_free(struct policy_store *ps);

/*
 * Call fn(arg, set) whenever a sensor set (the running one and every later one) is about
 * to be freed, after the workers left it (/metrics keeps its final counters). NULL stops
 * it. Control thread.
 */
void policy_store_on_sensors_retire(struct policy_store *ps, snapshot_sensors_retire_fn fn,
				    void *arg);

/* Flags of policy_store_commit. */
#define POLICY_STORE_DRY_RUN	0x1	/* validate and compile only */
#define POLICY_STORE_NO_PERSIST	0x2	/* the change came from the file (reload) */

/*
 * Make np (taken on success and on refusal alike; NULL = keep the policy) and dlp (copied;
 * NULL = keep the sensors) the running configuration. Returns 0, or:
 *   -EINVAL  refused: a custom sensor does not compile, or a rule binds an unknown sensor
 *            (err says which, as "policy.rules[I].dlp[J].sensor: ..." or
 *            "dlp.custom[I] (NAME): ...")
 *   -EIO     the config file could not be written (err names it): nothing changed
 *   -ENOMEM
 */
int policy_store_commit(struct policy_store *ps, struct policy *np, const struct config_dlp *dlp,
			unsigned int flags, char *err, size_t errlen);

/* Recompile the running policy with the current labels and FQDN cache and publish it. */
int policy_store_refresh(struct policy_store *ps, char *err, size_t errlen);

/*
 * Read the config file again (SIGHUP): its policy and dlp sections replace the running
 * ones, as one commit that is not written back. A bad file is refused (err, -EINVAL) and
 * the running policy stays. -ENOENT when running on the built-in configuration.
 */
int policy_store_reload(struct policy_store *ps, char *err, size_t errlen);

/* Names seen on the wire: into the FQDN cache; a pair a group pattern wants triggers a
 * republish at the next tick. */
void policy_store_fqdn(struct policy_store *ps, const struct msg_fqdn *m);

/* Housekeeping from the control loop: free old snapshots, expire names, republish when
 * the labels or names changed (at most every 20 ms). */
void policy_store_tick(struct policy_store *ps);

/* Mark the label map changed (republished at the next tick). */
void policy_store_labels_changed(struct policy_store *ps);

const struct policy *policy_store_policy(const struct policy_store *ps);
const struct config_dlp *policy_store_dlp(const struct policy_store *ps);
const struct snapshot *policy_store_snapshot(const struct policy_store *ps);
const struct fqdn_cache *policy_store_fqdns(const struct policy_store *ps);

/* Opaque tag of the running policy; changes with every commit (ETag of /v1/policy ...). */
const char *policy_store_etag(const struct policy_store *ps);
uint64_t policy_store_revision(const struct policy_store *ps);

/* Snapshots published / replaced but not freed yet (a gauge for tests and metrics). */
uint64_t policy_store_published(const struct policy_store *ps);
unsigned int policy_store_pending(const struct policy_store *ps);

/* Bytes held by the published snapshot and those waiting to be freed. */
size_t policy_store_snapshot_bytes(const struct policy_store *ps);

/* The config file changes are written to, or NULL. */
const char *policy_store_path(const struct policy_store *ps);

#endif
