/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kafka sink: how events leave a fleet of appliances for a central pipeline. One
 * librdkafka producer per sink, idempotent (enable.idempotence=true: librdkafka's own
 * retries never duplicate or reorder a message within a partition), keyed by the event's
 * flow_id so that every event of a flow lands in one partition, in order.
 *
 *   sender thread: sink_queue_pop ─► rd_kafka_producev ─► librdkafka's queue (bounded:
 *                  queue.buffering.max.messages = queue_size) ─► brokers
 *                  rd_kafka_poll ◄─ delivery reports: sent | retried later | failed
 *
 * A delivery report with an error for a message that never reached a broker (status
 * not persisted: a timeout with the cluster down, say) is produced again after a backoff,
 * `retries` times; past that, or when the message may have been written, it is failed, as
 * a retry could duplicate it. librdkafka's own protocol retries inside message.timeout.ms
 * are its business and not counted. At stop, what librdkafka holds is purged and counted
 * dropped. Everything but create and free runs on the sender thread, the callbacks
 * included (rd_kafka_poll serves them); librdkafka's log lines come from its threads.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include "sink_kafka.h"
#include "sink_queue.h"

#define SINK_KAFKA_PURGE_S 5.0		/* at stop: wait this long for purge reports */

/* One event in librdkafka's hands (or waiting to be produced again). */
struct sink_kafka_msg {
	struct sink_item *it;
	uint32_t attempt;		/* produced attempt + 1 times */
	double due;			/* retry: not before this monotonic time */
	struct sink_kafka_msg *next;
};

struct sink_kafka {
	struct config_sink conf;
	struct sink_queue *q;
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	struct sink_kafka_msg *retry;	/* failed, waiting for their backoff */
	struct sink_kafka_msg *held;	/* refused for a full local queue: next to go */
	int down_logged;		/* the current run of failures was logged */
};

static void
sink_kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	struct sink_kafka *k = rd_kafka_opaque(rk);

	/* librdkafka speaks syslog levels (0..7); DPDK's are the same plus one */
	rte_log((uint32_t)(level < 0 ? 0 : level > 7 ? 7 : level) + 1, sink_logtype,
		"tollgate.sink: %s: kafka: %s: %s\n", k->conf.name, fac, buf);
}

static void
sink_kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct sink_kafka *k = opaque;
	char why[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, why, sizeof(why));
		SINK_LOG(ERR, "%s: kafka: fatal error, no event will be delivered: %s",
			 k->conf.name, why);
	} else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
		SINK_LOG(WARNING, "%s: kafka %s: %s", k->conf.name, k->conf.address, reason);
	} else {
		SINK_LOG(DEBUG, "%s: kafka: %s", k->conf.name, reason);
	}
}

static void
sink_kafka_msg_done(struct sink_kafka *k, struct sink_kafka_msg *km, enum sink_outcome out)
{
	sink_queue_done(k->q, km->it, out);
	free(km);
}

/* A delivery report (on the sender thread, inside rd_kafka_poll). */
static void
sink_kafka_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct sink_kafka *k = opaque;
	struct sink_kafka_msg *km = m->_private;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (k->down_logged)
			SINK_LOG(NOTICE, "%s: kafka %s delivers again", k->conf.name,
				 k->conf.address);
		k->down_logged = 0;
		sink_kafka_msg_done(k, km, SINK_SENT);
		return;
	}
	if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
	    m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		sink_kafka_msg_done(k, km, SINK_DROPPED);
		return;
	}
	if (!k->down_logged)
		SINK_LOG(WARNING, "%s: kafka %s, topic %s: delivery failed: %s", k->conf.name,
			 k->conf.address, k->conf.topic, rd_kafka_err2str(m->err));
	k->down_logged = 1;
	if (rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_NOT_PERSISTED &&
	    km->attempt <= k->conf.retries && !sink_queue_stopping(k->q)) {
		sink_queue_retried(k->q);
		km->due = sink_queue_now() + sink_queue_backoff_ms(k->q, km->attempt) / 1000.0;
		km->next = k->retry;
		k->retry = km;
		return;
	}
	sink_kafka_msg_done(k, km, SINK_FAILED);
}

static int
sink_kafka_set(rd_kafka_conf_t *c, const char *key, const char *val, const char *what,
	       char *err, size_t errlen)
{
	char why[512];

	if (rd_kafka_conf_set(c, key, val, why, sizeof(why)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "%s: librdkafka refuses %s=%s: %s", what, key, val, why);
	return -EINVAL;
}

struct sink_kafka *
sink_kafka_create(const struct config_sink *conf, struct sink_queue *q, char *err,
		  size_t errlen)
{
	struct sink_kafka *k = calloc(1, sizeof(*k));
	rd_kafka_conf_t *c;
	char num[16], why[512], what[CONFIG_SINK_PROP_KEY_LEN + 16];
	uint32_t i;

	if (k == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->conf = *conf;
	k->q = q;
	c = rd_kafka_conf_new();
	snprintf(num, sizeof(num), "%u", conf->queue_size);
	if (sink_kafka_set(c, "bootstrap.servers", conf->address, "address", err, errlen) ||
	    sink_kafka_set(c, "client.id", "tollgated", "client.id", err, errlen) ||
	    sink_kafka_set(c, "enable.idempotence", "true", "enable.idempotence", err, errlen) ||
	    sink_kafka_set(c, "queue.buffering.max.messages", num, "queue_size", err, errlen))
		goto fail;
	for (i = 0; i < conf->n_props; i++) {
		snprintf(what, sizeof(what), "properties.%s", conf->props[i].key);
		if (sink_kafka_set(c, conf->props[i].key, conf->props[i].value, what, err,
				   errlen) != 0)
			goto fail;
	}
	rd_kafka_conf_set_opaque(c, k);
	rd_kafka_conf_set_dr_msg_cb(c, sink_kafka_dr);
	rd_kafka_conf_set_error_cb(c, sink_kafka_error);
	rd_kafka_conf_set_log_cb(c, sink_kafka_log);
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, why, sizeof(why));
	if (k->rk == NULL) {
		snprintf(err, errlen, "librdkafka: %s", why);
		goto fail;
	}
	c = NULL;	/* the producer's now */
	k->rkt = rd_kafka_topic_new(k->rk, conf->topic, NULL);
	if (k->rkt == NULL) {
		snprintf(err, errlen, "topic %s: %s", conf->topic,
			 rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}
	return k;
fail:
	if (c != NULL)
		rd_kafka_conf_destroy(c);
	sink_kafka_free(k);
	return NULL;
}

/* The first message of the retry list whose backoff has passed, unlinked; or NULL. */
static struct sink_kafka_msg *
sink_kafka_due(struct sink_kafka *k)
{
	struct sink_kafka_msg **p;
	double now = sink_queue_now();

	for (p = &k->retry; *p != NULL; p = &(*p)->next) {
		struct sink_kafka_msg *km = *p;

		if (km->due <= now) {
			*p = km->next;
			km->next = NULL;
			return km;
		}
	}
	return NULL;
}

/* Produce km. 0 (librdkafka has it), or the error (km still ours). */
static rd_kafka_resp_err_t
sink_kafka_produce(struct sink_kafka *k, struct sink_kafka_msg *km)
{
	char key[24];
	int keyed = k->conf.key == CONFIG_KAFKA_KEY_FLOW_ID && km->it->has_flow_id;

	if (keyed)
		snprintf(key, sizeof(key), "%" PRIu64, km->it->flow_id);
	km->attempt++;
	/* no copy: the line stays valid until the delivery report hands km back */
	return rd_kafka_producev(k->rk, RD_KAFKA_V_RKT(k->rkt),
				 RD_KAFKA_V_VALUE(km->it->line, km->it->len),
				 RD_KAFKA_V_KEY(keyed ? key : NULL, keyed ? strlen(key) : 0),
				 RD_KAFKA_V_OPAQUE(km), RD_KAFKA_V_END);
}

/* The next message to produce: the held one, a due retry, or a new event. */
static struct sink_kafka_msg *
sink_kafka_next(struct sink_kafka *k)
{
	struct sink_kafka_msg *km = k->held;
	struct sink_item *it;
	int busy;

	k->held = NULL;
	if (km == NULL)
		km = sink_kafka_due(k);
	if (km != NULL)
		return km;
	busy = rd_kafka_outq_len(k->rk) > 0 || k->retry != NULL;
	it = sink_queue_pop(k->q, busy ? 0 : 100);
	if (it == NULL)
		return NULL;
	km = calloc(1, sizeof(*km));
	if (km == NULL) {
		sink_queue_done(k->q, it, SINK_FAILED);
		return NULL;
	}
	km->it = it;
	return km;
}

/* Stop: everything not delivered is dropped; purge reports come through rd_kafka_poll. */
static void
sink_kafka_stop(struct sink_kafka *k)
{
	double until = sink_queue_now() + SINK_KAFKA_PURGE_S;
	struct sink_kafka_msg *km;

	if (k->held != NULL)
		sink_kafka_msg_done(k, k->held, SINK_DROPPED);
	k->held = NULL;
	while ((km = k->retry) != NULL) {
		k->retry = km->next;
		sink_kafka_msg_done(k, km, SINK_DROPPED);
	}
	rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	while (rd_kafka_outq_len(k->rk) > 0 && sink_queue_now() < until)
		rd_kafka_poll(k->rk, 100);
}

void *
sink_kafka_main(void *arg)
{
	struct sink_kafka *k = arg;

	while (!sink_queue_stopping(k->q)) {
		struct sink_kafka_msg *km = sink_kafka_next(k);
		rd_kafka_resp_err_t e;

		if (km == NULL) {
			rd_kafka_poll(k->rk, rd_kafka_outq_len(k->rk) > 0 || k->retry ? 50 : 0);
			continue;
		}
		e = sink_kafka_produce(k, km);
		if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			km->attempt--;
			k->held = km;
			rd_kafka_poll(k->rk, 100);
			continue;
		}
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
			SINK_LOG(WARNING, "%s: kafka topic %s: %s", k->conf.name, k->conf.topic,
				 rd_kafka_err2str(e));
			sink_kafka_msg_done(k, km, SINK_FAILED);
		}
		rd_kafka_poll(k->rk, 0);
	}
	sink_kafka_stop(k);
	return NULL;
}

void
sink_kafka_free(struct sink_kafka *k)
{
	if (k == NULL)
		return;
	if (k->rkt != NULL)
		rd_kafka_topic_destroy(k->rkt);
	if (k->rk != NULL)
		rd_kafka_destroy(k->rk);
	free(k);
}
