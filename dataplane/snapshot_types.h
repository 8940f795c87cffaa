/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compiled policy the workers read (DESIGN.md "Publishing policy without stopping
 * traffic"). The control thread builds one from the policy, the label map and the FQDN
 * cache (snapshot.c), publishes its pointer, and frees the one it replaced once every
 * worker has passed a quiescent point (rte_rcu_qsbr). A snapshot never changes after
 * publication; workers only read it (flow_policy.c). The data plane, which consumes it,
 * defines it; the control plane (control/snapshot.c) compiles and publishes it.
 *
 *   control: policy + labels + fqdns --compile--> snapshot v(N+1) --publish--> rt->snap
 *   worker:  loop { snap = rt->snap; packets ...; rcu quiescent }
 *   control: rcu check(token of v(N+1)) passed --> free v(N)
 */
#ifndef TOLLGATE_SNAPSHOT_TYPES_H
#define TOLLGATE_SNAPSHOT_TYPES_H

#include <stdint.h>
#include "dlp_types.h"
#include "policy_types.h"

struct group_table;
struct sensor_db;
struct dlp_ctx;

#define SNAPSHOT_MAX_WORKERS 64

struct snapshot_rule {
	char id[POLICY_ID_LEN];
	uint16_t from, to;		/* group indexes */
	uint8_t proto;			/* POLICY_PROTO_* */
	uint8_t app;			/* enum policy_app */
	uint8_t action;			/* enum policy_action */
	uint8_t require_tls;
	uint8_t capture;		/* enum policy_capture of the rule (its own alerts) */
	uint16_t nports;
	uint16_t ndlp;
	uint32_t dlp_first;		/* first binding in snapshot.dlp */
	struct policy_port_range ports[POLICY_MAX_PORTS];
};

struct snapshot_group {
	char name[POLICY_NAME_LEN];
	uint8_t mode;			/* enum policy_mode; INHERIT: no override */
};

/* An FQDN pattern of a group, matched against TLS SNI names on the data path. */
struct snapshot_fqdn {
	uint16_t group;
	uint8_t wildcard;		/* "*.suffix": name[] holds ".suffix" */
	uint8_t len;			/* strlen(name) */
	char name[POLICY_FQDN_LEN];
};

struct snapshot_sensors;

/*
 * Told, on the control thread, that a sensor set is about to be freed: no worker uses it
 * any more, so its DLP contexts' counters are final (/metrics keeps them).
 */
typedef void (*snapshot_sensors_retire_fn)(void *arg, const struct snapshot_sensors *ss);

/*
 * The sensor database and, per worker, the DLP context opened on it. Shared by every
 * snapshot compiled while the sensors did not change (refcount, control thread only);
 * a worker that sees a new one moves its flows to it (worker.c).
 */
struct snapshot_sensors {
	uint64_t generation;
	uint32_t refs;			/* snapshots holding it (control thread) */
	/* Workers whose flows have sensor streams on it (atomic; each worker adds itself when
	 * it takes the set and leaves once it has closed them on the next one). A worker
	 * keeps its streams across its quiescent reports, so a set whose snapshots are all
	 * freed waits, with no refs, until it is 0 (snapshot_reclaim frees it then). */
	uint32_t held;
	struct snapshot_sensors *next_retired;	/* control thread: waiting for held == 0 */
	struct sensor_db *db;
	unsigned int n_workers;
	struct dlp_ctx *dlp[SNAPSHOT_MAX_WORKERS];
	snapshot_sensors_retire_fn retire;	/* called before it is freed, or NULL */
	void *retire_arg;
};

struct snapshot {
	uint64_t version;		/* 1, 2, ... in publication order */
	size_t memsize;			/* bytes held (block + group table), for the stats */
	uint8_t mode;			/* global enum policy_mode, never INHERIT */
	uint8_t default_action;		/* enum policy_action */
	uint8_t dlp_default;		/* dlp.enabled: flows without bindings get every sensor */
	uint16_t ngroups;		/* built-in ones included */
	uint32_t nrules, ndlp, nfqdns;
	const struct snapshot_group *groups;
	const struct snapshot_rule *rules;
	const struct dlp_binding *dlp;
	const uint8_t *dlp_capture;	/* enum policy_capture of each binding of dlp[], its
					 * rule's when it says nothing */
	const struct snapshot_fqdn *fqdns;
	const struct group_table *addr;	/* address -> groups (CIDRs, ranges, labels, DNS) */
	struct snapshot_sensors *sensors;	/* NULL: no sensors */
};

#endif
