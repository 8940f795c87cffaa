/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_SINK_KAFKA_H
#define TOLLGATE_SINK_KAFKA_H

#include <stddef.h>
#include "config_types.h"

struct sink_queue;
struct sink_kafka;

/*
 * A Kafka sink for conf (copied) producing the events of q: an idempotent librdkafka
 * producer (enable.idempotence=true) for the brokers in conf->address, its local queue
 * bounded at queue_size messages (queue.buffering.max.messages), then the sink's
 * properties. A property librdkafka refuses is an error naming it. The producer starts
 * its own threads and connects in the background. NULL with err. Control thread.
 */
struct sink_kafka *sink_kafka_create(const struct config_sink *conf, struct sink_queue *q,
				     char *err, size_t errlen);

/*
 * The sender thread's body (arg: the struct sink_kafka): produce each queued event to the
 * topic, keyed by its flow_id (or not keyed), and serve delivery reports: a delivered
 * message is sent; one that failed without reaching a broker (not persisted) is produced
 * again after a backoff, `retries` times, then failed. Until the queue is stopped, when
 * what librdkafka still holds is purged and counted dropped.
 */
void *sink_kafka_main(void *arg);

/* After the thread has been joined. NULL is a no-op. */
void sink_kafka_free(struct sink_kafka *k);

#endif
