/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshot compile and publication (snapshot.h). A compiled snapshot is one calloc'd block
 * (groups, rules, bindings, FQDN patterns) plus its group table; nothing in it points into
 * the policy, the label map or the FQDN cache, so those may change right after.
 *
 * Publication follows the QSBR pattern (DPDK rcu_lib guide):
 *
 *   control                         worker i (every poll loop)
 *   ------------------------------  ----------------------------------------
 *   new = compile()                 s = load_acquire(slot)
 *   old = slot; store_release(new)  ... packets evaluated against s ...
 *   t = rte_rcu_qsbr_start()        rte_rcu_qsbr_quiescent(i)   <- s no longer used
 *   later: check(t) ok -> free(old)
 *
 * A worker that stops reading (end of input, shutdown) goes offline, so a grace period
 * never waits for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_common.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>
#include "backoff.h"
#include "dlp.h"
#include "flow_policy.h"
#include "fqdn_cache.h"
#include "group_table.h"
#include "label_map.h"
#include "policy.h"
#include "sensor_engine.h"
#include "snapshot.h"

#define SNAPSHOT_PENDING_MAX 64

struct snapshot_pending {
	struct snapshot *snap;
	uint64_t token;
};

struct snapshot_pub {
	struct snapshot **slot;
	struct rte_rcu_qsbr *qsbr;
	struct snapshot *current;
	uint64_t version;
	size_t bytes;			/* held by the current and pending snapshots */
	unsigned int n_pending;
	struct snapshot_pending pending[SNAPSHOT_PENDING_MAX];
};

/* ---- compile ---- */

struct compile_ctx {
	struct group_table_builder *b;
	const struct policy *p;
	const struct snapshot_fqdn *fqdns;
	uint32_t nfqdns;
	unsigned int group;
	int rc;
};

static void
compile_label_ip(void *cookie, const uint8_t ip[16], int family)
{
	struct compile_ctx *c = cookie;
	int rc = group_table_add_ip(c->b, family, ip, c->group);

	if (rc != 0 && c->rc == 0)
		c->rc = rc;
}

static void
compile_fqdn_ip(void *cookie, const char *name, int family, const uint8_t ip[16],
		uint64_t expires_s)
{
	struct compile_ctx *c = cookie;
	size_t len = strlen(name);
	uint32_t i;

	(void)expires_s;
	for (i = 0; i < c->nfqdns; i++) {
		int rc;

		if (!flow_policy_fqdn_match(&c->fqdns[i], name, len))
			continue;
		rc = group_table_add_ip(c->b, family, ip, c->fqdns[i].group);
		if (rc != 0 && c->rc == 0)
			c->rc = rc;
	}
}

static int
compile_addresses(struct compile_ctx *c, const struct label_map *labels,
		  const struct fqdn_cache *fqdns)
{
	const struct policy *p = c->p;
	unsigned int g, i;
	int rc;

	for (g = POLICY_GROUP_FIRST_USER; g < p->ngroups; g++) {
		const struct policy_group *pg = &p->groups[g];

		for (i = 0; i < pg->ncidrs; i++) {
			rc = group_table_add_cidr(c->b, pg->cidrs[i].family, pg->cidrs[i].addr,
						  pg->cidrs[i].prefix, g);
			if (rc != 0)
				return rc;
		}
		for (i = 0; i < pg->nranges; i++) {
			rc = group_table_add_range(c->b, pg->ranges[i].family, pg->ranges[i].lo,
						   pg->ranges[i].hi, g);
			if (rc != 0)
				return rc;
		}
		if (pg->selector != NULL && labels != NULL) {
			c->group = g;
			label_map_select(labels, pg->selector, compile_label_ip, c);
			if (c->rc != 0)
				return c->rc;
		}
	}
	if (fqdns != NULL && c->nfqdns != 0)
		fqdn_cache_foreach(fqdns, compile_fqdn_ip, c);
	return c->rc;
}

static int
compile_dlp(const struct policy *p, const struct sensor_db *db, struct snapshot *s,
	    struct dlp_binding *out, uint8_t *capture, char *err, size_t errlen)
{
	unsigned int r, j, k, n = db != NULL ? sensor_db_count(db) : 0;
	uint32_t nd = 0;

	for (r = 0; r < p->nrules; r++) {
		const struct policy_rule *pr = &p->rules[r];
		struct snapshot_rule *sr = (struct snapshot_rule *)&s->rules[r];

		sr->dlp_first = nd;
		sr->ndlp = pr->ndlp;
		for (j = 0; j < pr->ndlp; j++) {
			for (k = 0; k < n; k++) {
				const struct sensor_def *d = sensor_db_def(db, k);

				if (d->enabled && strcmp(d->id, pr->dlp[j].sensor) == 0)
					break;
			}
			if (k == n) {
				snprintf(err, errlen, "policy.rules[%u].dlp[%u].sensor: unknown sensor "
					 "(got %.63s, expected an enabled sensor id: see GET "
					 "/v1/sensors)", r, j, pr->dlp[j].sensor);
				return -EINVAL;
			}
			out[nd].sensor = (uint16_t)k;
			out[nd].action = pr->dlp[j].action;
			out[nd].threshold = pr->dlp[j].threshold;
			/* A binding that says nothing captures as its rule says. */
			capture[nd] = pr->dlp[j].capture != POLICY_CAPTURE_DEFAULT ?
				      pr->dlp[j].capture : pr->capture;
			nd++;
		}
	}
	s->ndlp = nd;
	return 0;
}

struct snapshot *
snapshot_compile(const struct policy *p, const struct label_map *labels,
		 const struct fqdn_cache *fqdns, const struct sensor_db *db,
		 struct snapshot_sensors *sensors, uint8_t dlp_default, char *err, size_t errlen)
{
	struct compile_ctx c;
	struct snapshot *s;
	struct snapshot_group *groups;
	struct snapshot_rule *rules;
	struct dlp_binding *dlp;
	uint8_t *dlp_capture;
	struct snapshot_fqdn *fq;
	unsigned int g, i, nfq = 0, ndlp = 0;
	size_t sz;
	char *blk;

	for (g = POLICY_GROUP_FIRST_USER; g < p->ngroups; g++)
		nfq += p->groups[g].nfqdns;
	for (i = 0; i < p->nrules; i++)
		ndlp += p->rules[i].ndlp;
	sz = RTE_ALIGN_CEIL(sizeof(*s), 64) + RTE_ALIGN_CEIL(sizeof(*groups) * p->ngroups, 64) +
	     RTE_ALIGN_CEIL(sizeof(*rules) * p->nrules, 64) +
	     RTE_ALIGN_CEIL(sizeof(*dlp) * ndlp, 64) + RTE_ALIGN_CEIL(ndlp, 64) +
	     sizeof(*fq) * nfq;
	blk = aligned_alloc(64, RTE_ALIGN_CEIL(sz, 64));
	if (blk == NULL) {
		snprintf(err, errlen, "snapshot: out of memory");
		return NULL;
	}
	memset(blk, 0, RTE_ALIGN_CEIL(sz, 64));
	s = (struct snapshot *)blk;
	blk += RTE_ALIGN_CEIL(sizeof(*s), 64);
	groups = (struct snapshot_group *)blk;
	blk += RTE_ALIGN_CEIL(sizeof(*groups) * p->ngroups, 64);
	rules = (struct snapshot_rule *)blk;
	blk += RTE_ALIGN_CEIL(sizeof(*rules) * p->nrules, 64);
	dlp = (struct dlp_binding *)blk;
	blk += RTE_ALIGN_CEIL(sizeof(*dlp) * ndlp, 64);
	dlp_capture = (uint8_t *)blk;
	blk += RTE_ALIGN_CEIL(ndlp, 64);
	fq = (struct snapshot_fqdn *)blk;

	s->mode = p->mode;
	s->default_action = p->default_action;
	s->dlp_default = dlp_default;
	s->ngroups = (uint16_t)p->ngroups;
	s->nrules = p->nrules;
	s->groups = groups;
	s->rules = rules;
	s->dlp = dlp;
	s->dlp_capture = dlp_capture;
	s->fqdns = fq;
	for (g = 0; g < p->ngroups; g++) {
		const struct policy_group *pg = &p->groups[g];

		memcpy(groups[g].name, pg->name, sizeof(groups[g].name));
		groups[g].mode = pg->mode;
		for (i = 0; i < pg->nfqdns; i++) {
			const char *name = pg->fqdns[i];
			struct snapshot_fqdn *f = &fq[s->nfqdns++];

			f->group = (uint16_t)g;
			f->wildcard = name[0] == '*';
			snprintf(f->name, sizeof(f->name), "%s", f->wildcard ? name + 1 : name);
			f->len = (uint8_t)strlen(f->name);
		}
	}
	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *pr = &p->rules[i];
		struct snapshot_rule *sr = &rules[i];

		memcpy(sr->id, pr->id, sizeof(sr->id));
		sr->from = pr->from;
		sr->to = pr->to;
		sr->proto = pr->proto;
		sr->app = pr->app;
		sr->action = pr->action;
		sr->require_tls = pr->require_tls;
		sr->capture = pr->capture;
		sr->nports = pr->nports;
		memcpy(sr->ports, pr->ports, sizeof(sr->ports[0]) * pr->nports);
	}
	if (compile_dlp(p, db, s, dlp, dlp_capture, err, errlen) != 0)
		goto fail;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.fqdns = fq;
	c.nfqdns = s->nfqdns;
	c.b = group_table_builder_create();
	if (c.b == NULL)
		goto nomem;
	if (compile_addresses(&c, labels, fqdns) != 0) {
		group_table_builder_free(c.b);
		goto nomem;
	}
	s->addr = group_table_build(c.b, p->ngroups - POLICY_GROUP_FIRST_USER, err, errlen);
	group_table_builder_free(c.b);
	if (s->addr == NULL)
		goto fail;
	s->memsize = RTE_ALIGN_CEIL(sz, 64) + group_table_memsize(s->addr);
	s->sensors = sensors;
	if (sensors != NULL)
		sensors->refs++;
	return s;
nomem:
	snprintf(err, errlen, "snapshot: out of memory");
fail:
	free(s);
	return NULL;
}

/* Sensor sets no snapshot holds any more whose streams a worker still has open (held):
 * control thread only, freed by snapshot_reclaim once no worker holds them. */
static struct snapshot_sensors *sensors_retired;

static void
sensors_free(struct snapshot_sensors *ss)
{
	unsigned int i;

	if (ss->retire != NULL)
		ss->retire(ss->retire_arg, ss);
	for (i = 0; i < ss->n_workers; i++)
		dlp_ctx_free(ss->dlp[i]);
	sensor_db_free(ss->db);
	free(ss);
}

void
snapshot_sensors_put(struct snapshot_sensors *ss)
{
	if (ss == NULL || --ss->refs > 0)
		return;
	if (__atomic_load_n(&ss->held, __ATOMIC_ACQUIRE) != 0) {
		ss->next_retired = sensors_retired;
		sensors_retired = ss;
		return;
	}
	sensors_free(ss);
}

/* Free the retired sets no worker holds any more (force: the workers have stopped). */
static unsigned int
sensors_reclaim(int force)
{
	struct snapshot_sensors **pp = &sensors_retired, *ss;
	unsigned int freed = 0;

	while ((ss = *pp) != NULL) {
		if (!force && __atomic_load_n(&ss->held, __ATOMIC_ACQUIRE) != 0) {
			pp = &ss->next_retired;
			continue;
		}
		*pp = ss->next_retired;
		sensors_free(ss);
		freed++;
	}
	return freed;
}

void
snapshot_sensors_free_retired(void)
{
	sensors_reclaim(1);
}

unsigned int
snapshot_sensors_retired(void)
{
	const struct snapshot_sensors *ss;
	unsigned int n = 0;

	for (ss = sensors_retired; ss != NULL; ss = ss->next_retired)
		n++;
	return n;
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	group_table_free((struct group_table *)(uintptr_t)s->addr);
	snapshot_sensors_put(s->sensors);
	free(s);
}

/* ---- publication ---- */

struct snapshot_pub *
snapshot_pub_create(struct snapshot **slot, struct rte_rcu_qsbr *qsbr)
{
	struct snapshot_pub *pub = calloc(1, sizeof(*pub));

	if (pub == NULL)
		return NULL;
	pub->slot = slot;
	pub->qsbr = qsbr;
	return pub;
}

void
snapshot_publish(struct snapshot_pub *pub, struct snapshot *s)
{
	struct snapshot *old = pub->current;
	unsigned int spins = 0;

	/* Too many grace periods in flight (workers stalled): free what we can first. The
	 * worker that would end one may be waiting for this CPU: spin, then yield. */
	while (pub->n_pending == SNAPSHOT_PENDING_MAX) {
		if (snapshot_reclaim(pub) == 0)
			backoff_wait(&spins);
	}
	s->version = ++pub->version;
	pub->current = s;
	pub->bytes += s->memsize;
	__atomic_store_n(pub->slot, s, __ATOMIC_RELEASE);
	if (old == NULL)
		return;
	pub->pending[pub->n_pending].snap = old;
	pub->pending[pub->n_pending].token = rte_rcu_qsbr_start(pub->qsbr);
	pub->n_pending++;
}

unsigned int
snapshot_reclaim(struct snapshot_pub *pub)
{
	unsigned int i = 0, k = 0, freed = 0;

	/* Tokens grow with publication order: stop at the first grace period not over. */
	for (i = 0; i < pub->n_pending; i++) {
		if (rte_rcu_qsbr_check(pub->qsbr, pub->pending[i].token, false) != 1)
			break;
		pub->bytes -= pub->pending[i].snap->memsize;
		snapshot_free(pub->pending[i].snap);
		freed++;
	}
	for (k = 0; i < pub->n_pending; i++, k++)
		pub->pending[k] = pub->pending[i];
	pub->n_pending = k;
	sensors_reclaim(0);
	return freed;
}

unsigned int
snapshot_pending(const struct snapshot_pub *pub)
{
	return pub->n_pending;
}

size_t
snapshot_bytes(const struct snapshot_pub *pub)
{
	return pub->bytes;
}

const struct snapshot *
snapshot_current(const struct snapshot_pub *pub)
{
	return pub->current;
}

void
snapshot_pub_free(struct snapshot_pub *pub)
{
	unsigned int i;

	if (pub == NULL)
		return;
	for (i = 0; i < pub->n_pending; i++) {
		rte_rcu_qsbr_check(pub->qsbr, pub->pending[i].token, true);
		snapshot_free(pub->pending[i].snap);
	}
	__atomic_store_n(pub->slot, NULL, __ATOMIC_RELEASE);
	snapshot_free(pub->current);
	snapshot_sensors_free_retired();
	free(pub);
}
