/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's messages to the control thread (msg_types.h): take one from the shared pool,
 * fill the flow header, send it on the worker's own SP/SC ring. A message never points
 * into worker memory. Without lossless mode a worker never waits: a message that cannot
 * be had or sent is counted in the counter the caller names. At shutdown every worker
 * waits (until drain_until) so that the events of the flows it ends still reach the
 * control thread, which keeps draining until every worker is done. Owning worker only.
 */
#include <errno.h>
#include <string.h>
#include <rte_cycles.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include "backoff.h"
#include "runtime_types.h"
#include "worker_msg.h"
#include "worker_types.h"

/* Whether to wait for a message or ring slot rather than drop: offline until told to
 * quit, and during the shutdown drain until its deadline. */
static int
worker_msg_wait(struct worker *w)
{
	if (w->drain_until != 0)
		return rte_rdtsc() < w->drain_until;
	return w->lossless && !w->rt->quit;
}

static struct msg *
worker_msg_get(struct worker *w)
{
	unsigned int spins = 0;
	void *obj;

	while (rte_mempool_get(w->rt->msg_pool, &obj) != 0) {
		if (!worker_msg_wait(w))
			return NULL;
		backoff_wait(&spins);
	}
	return obj;
}

static int
worker_msg_send(struct worker *w, struct msg *m)
{
	unsigned int spins = 0;

	m->worker = w->index;
	while (rte_ring_sp_enqueue(w->msg_ring, m) != 0) {
		if (!worker_msg_wait(w)) {
			rte_mempool_put(w->rt->msg_pool, m);
			return -ENOBUFS;
		}
		backoff_wait(&spins);
	}
	w->ctr.c[CTR_events_sent]++;
	return 0;
}

static void
worker_flow_copy(const struct flow *f, struct msg_flow *out)
{
	out->key = f->key;
	out->flow_id = f->flow_id;
	out->start_us = f->start_us;
	out->end_us = f->last_us;
	out->pkts[0] = f->pkts[0];
	out->pkts[1] = f->pkts[1];
	out->bytes[0] = f->bytes[0];
	out->bytes[1] = f->bytes[1];
	out->gaps = f->tcp[0].gaps + f->tcp[1].gaps;
	out->overlaps_diff = f->tcp[0].overlaps_diff + f->tcp[1].overlaps_diff;
	out->client = f->client;
	out->state = f->state;
	out->reason = f->end_reason;
	out->flags = f->flags;
	out->app = f->app;
	out->mode = f->mode;
	out->action = f->action;
	memcpy(out->rule, f->rule_id, sizeof(out->rule));
	memcpy(out->from_group, f->from_name, sizeof(out->from_group));
	memcpy(out->to_group, f->to_name, sizeof(out->to_group));
}

/*
 * A message of type about flow f (or none), header filled, ready for its payload; NULL
 * when none can be had, counted in counter `lost`.
 */
struct msg *
worker_msg_new(struct worker *w, uint16_t type, const struct flow *f, uint8_t dir,
	       enum ctr_id lost)
{
	struct msg *m = worker_msg_get(w);

	if (m == NULL) {
		w->ctr.c[lost]++;
		return NULL;
	}
	m->type = type;
	m->dir = dir;
	m->flags = 0;
	m->anomaly = 0;
	m->len = 0;
	m->count = 0;
	m->capture = 0;
	m->ts_us = w->now_us;
	m->has_flow = f != NULL;
	if (f != NULL)
		worker_flow_copy(f, &m->flow);
	return m;
}

/* Send m; when it cannot go, count it in `lost`. Returns 0 or -ENOBUFS. */
int
worker_msg_post(struct worker *w, struct msg *m, enum ctr_id lost)
{
	if (worker_msg_send(w, m) == 0)
		return 0;
	w->ctr.c[lost]++;
	return -ENOBUFS;
}

/* Report anomaly kind for flow f (once per flow and kind), or an aggregate one (f NULL). */
void
worker_anomaly(struct worker *w, struct flow *f, uint8_t dir, enum msg_anomaly kind,
	       uint64_t count)
{
	struct msg *m;

	_Static_assert(MSG_ANOM__COUNT <= 8 * sizeof(f->anomalies),
		       "struct flow's anomalies has a bit per anomaly kind");

	if (f != NULL) {
		if (f->anomalies & (1u << kind))
			return;
		f->anomalies |= 1u << kind;
	}
	m = worker_msg_new(w, MSG_ANOMALY, f, dir, CTR_events_dropped);
	if (m == NULL)
		return;
	m->anomaly = kind;
	m->count = count;
	worker_msg_post(w, m, CTR_events_dropped);
}
