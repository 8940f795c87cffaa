/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event sinks besides the events file (events.sinks; docs/outputs.md): syslog,
 * webhook and Kafka. The control thread hands each event to sink_set_push, which runs
 * each sink's filter (event types, minimum severity) and queues one shared copy of the
 * line for the sinks that want it; each sink's own sender thread takes events from its
 * bounded queue and talks to the receiver:
 *
 *   control thread ── sink_set_push ─┬─ filter ─► queue ─► sender ─► syslog receiver
 *                                    ├─ filter ─► queue ─► sender ─► webhook URL
 *                                    └─ filter ─► queue ─► sender ─► librdkafka ─► Kafka
 *
 * A slow or dead receiver fills its queue and further events for it are dropped and
 * counted; the control thread, the workers and the API never wait for it. At exit the
 * sinks get flush_timeout_ms to empty their queues, then what is left is counted dropped.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "sink.h"
#include "sink_kafka.h"
#include "sink_queue.h"
#include "sink_syslog.h"
#include "sink_webhook.h"

struct sink {
	struct config_sink conf;
	struct sink_queue *q;
	void *impl;			/* struct sink_syslog, sink_webhook or sink_kafka */
	pthread_t thread;
	int running;			/* thread started and not yet joined */
};

struct sink_set {
	unsigned int n;
	int flushed;
	int curl;			/* curl_global_init done (a webhook sink) */
	struct sink sinks[CONFIG_MAX_SINKS];
};

uint8_t
sink_event_severity(const json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "event_type"));
	json_int_t sev;

	if (type == NULL)
		return 4;
	if (strcmp(type, "alert") == 0) {
		sev = json_integer_value(json_object_get(json_object_get(ev, "alert"),
							 "severity"));
		return sev < 1 ? 1 : sev > 4 ? 4 : (uint8_t)sev;
	}
	if (strcmp(type, "dlp") == 0 || strcmp(type, "anomaly") == 0)
		return 3;
	return 4;
}

/* Does sink s want an event of this type and severity? */
static int
sink_wants(const struct sink *s, const char *type, uint8_t sev)
{
	const uint32_t all = (1u << CONFIG_EV__COUNT) - 1;
	unsigned int t;

	if (sev > s->conf.min_severity)
		return 0;
	if (s->conf.event_types == all)
		return 1;	/* every type, those added after this sink was written too */
	for (t = 0; t < CONFIG_EV__COUNT; t++)
		if (strcmp(type, config_event_type_names[t]) == 0)
			return (s->conf.event_types >> t) & 1;
	return 0;
}

static void *
sink_main(void *arg)
{
	struct sink *s = arg;

	switch (s->conf.type) {
	case CONFIG_SINK_SYSLOG:
		return sink_syslog_main(s->impl);
	case CONFIG_SINK_WEBHOOK:
		return sink_webhook_main(s->impl);
	default:
		return sink_kafka_main(s->impl);
	}
}

static void
sink_impl_free(struct sink *s)
{
	switch (s->conf.type) {
	case CONFIG_SINK_SYSLOG:
		sink_syslog_free(s->impl);
		break;
	case CONFIG_SINK_WEBHOOK:
		sink_webhook_free(s->impl);
		break;
	default:
		sink_kafka_free(s->impl);
		break;
	}
	s->impl = NULL;
}

static void
sink_stop(struct sink *s)
{
	if (!s->running)
		return;
	sink_queue_stop(s->q);
	pthread_join(s->thread, NULL);
	s->running = 0;
	sink_queue_drop_all(s->q);
}

struct sink_set *
sink_set_create(const struct config_events *ev, char *err, size_t errlen)
{
	struct sink_set *set = calloc(1, sizeof(*set));
	sigset_t all, old;
	char why[1024];
	unsigned int i;
	int rc;

	if (set == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/*
	 * Senders, and the threads librdkafka starts in sink_kafka_create, take no signal:
	 * SIGHUP and SIGTERM are the control thread's. Blocked here, they wait until the
	 * mask is restored below.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < ev->n_sinks; i++) {
		struct sink *s = &set->sinks[i];

		s->conf = ev->sinks[i];
		set->n = i + 1;
		s->q = sink_queue_create(s->conf.queue_size, s->conf.backoff_ms,
					 s->conf.backoff_max_ms);
		if (s->q == NULL) {
			snprintf(why, sizeof(why), "out of memory");
			goto fail;
		}
		switch (s->conf.type) {
		case CONFIG_SINK_SYSLOG:
			s->impl = sink_syslog_create(&s->conf, s->q, why, sizeof(why));
			break;
		case CONFIG_SINK_WEBHOOK:
			if (!set->curl && sink_webhook_global_init(why, sizeof(why)) != 0)
				goto fail;
			set->curl = 1;
			s->impl = sink_webhook_create(&s->conf, s->q, why, sizeof(why));
			break;
		default:
			s->impl = sink_kafka_create(&s->conf, s->q, why, sizeof(why));
			break;
		}
		if (s->impl == NULL)
			goto fail;
	}
	for (i = 0; i < set->n; i++) {
		struct sink *s = &set->sinks[i];
		char tname[16];

		rc = pthread_create(&s->thread, NULL, sink_main, s);
		if (rc != 0) {
			snprintf(why, sizeof(why), "thread: %s", strerror(rc));
			goto fail;
		}
		s->running = 1;
		snprintf(tname, sizeof(tname), "sink-%.10s", s->conf.name);
		pthread_setname_np(s->thread, tname);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (i = 0; i < set->n; i++) {
		const struct config_sink *c = &set->sinks[i].conf;
		char addr[CONFIG_SINK_ADDR_LEN];

		if (c->type == CONFIG_SINK_WEBHOOK)
			sink_webhook_display(c->address, addr, sizeof(addr));
		else
			snprintf(addr, sizeof(addr), "%s", c->address);
		SINK_LOG(INFO, "%s: %s sink to %s started (queue of %u events)", c->name,
			 config_sink_type_names[c->type], addr, c->queue_size);
	}
	return set;
fail:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	snprintf(err, errlen, "events.sinks[%u] (%s): %s", i, ev->sinks[i].name, why);
	sink_set_free(set);
	return NULL;
}

void
sink_set_push(struct sink_set *set, const struct eve_info *info, const char *line, size_t len)
{
	const char *type = info->type != NULL ? info->type : "";
	struct sink *want[CONFIG_MAX_SINKS];
	struct sink_item *it;
	unsigned int i, n = 0;

	for (i = 0; i < set->n; i++)
		if (sink_wants(&set->sinks[i], type, info->severity))
			want[n++] = &set->sinks[i];
	if (n == 0)
		return;
	it = sink_item_new(line, len, type, info->ts, info->severity, info->has_flow_id,
			   info->flow_id, n);
	for (i = 0; i < n; i++) {
		if (it == NULL)		/* out of memory: each sink counts a drop */
			sink_queue_count_drop(want[i]->q);
		else
			sink_queue_push(want[i]->q, it);
	}
}

void
sink_set_flush(struct sink_set *set)
{
	double start = sink_queue_now();
	unsigned int i;

	if (set->flushed)
		return;
	set->flushed = 1;
	for (i = 0; i < set->n; i++) {
		struct sink *s = &set->sinks[i];

		if (!s->running)
			continue;
		if (!sink_queue_wait_idle(s->q, start + s->conf.flush_timeout_ms / 1000.0))
			SINK_LOG(WARNING, "%s: events still queued after flush_timeout_ms (%u ms): "
				 "counted as dropped", s->conf.name, s->conf.flush_timeout_ms);
		sink_stop(s);
	}
}

unsigned int
sink_set_count(const struct sink_set *set)
{
	return set->n;
}

void
sink_set_info(const struct sink_set *set, unsigned int i, struct sink_info *out)
{
	const struct sink *s = &set->sinks[i];

	out->name = s->conf.name;
	out->type = config_sink_type_names[s->conf.type];
	sink_queue_stats(s->q, &out->stats);
}

void
sink_set_free(struct sink_set *set)
{
	unsigned int i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		struct sink *s = &set->sinks[i];

		sink_stop(s);
		if (s->impl != NULL)
			sink_impl_free(s);
		sink_queue_free(s->q);
	}
	if (set->curl)
		sink_webhook_global_cleanup();
	free(set);
}
