/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kafka_mock: a Kafka cluster for the Kafka sink's tests, since no broker runs here. It
 * starts librdkafka's built-in mock cluster (rd_kafka_mock_cluster_new: real TCP listeners
 * on 127.0.0.1 speaking the Kafka protocol, in this process), prints its bootstrap
 * address, then obeys commands on stdin, one per line:
 *
 *   topic NAME PARTITIONS     create a topic; answers "ok"
 *   down | up                 take the broker down (connections refused) or up; "ok"
 *   consume NAME N TIMEOUT_MS read partitions 0..PARTITIONS-1 of NAME from the start until
 *                             N messages or TIMEOUT_MS; prints one JSON object per
 *                             message, {"partition", "offset", "key", "value"} (key null
 *                             when unkeyed), then "end COUNT"
 *   quit (or end of input)    exit
 *
 * The first output line is "bootstraps HOST:PORT". Exit status 0, 1 on a failure (with a
 * message on stderr), 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_PARTITIONS 64

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
consume(const char *bootstraps, const char *topic, int partitions, long want, long timeout_ms)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *tp;
	rd_kafka_t *rk;
	char err[512];
	double until = now_s() + (double)timeout_ms / 1000.0;
	long got = 0;
	int p;

	if (rd_kafka_conf_set(c, "bootstrap.servers", bootstraps, err, sizeof(err)) ||
	    rd_kafka_conf_set(c, "group.id", "tollgate-test", err, sizeof(err)) ||
	    rd_kafka_conf_set(c, "enable.auto.commit", "false", err, sizeof(err)) ||
	    rd_kafka_conf_set(c, "enable.partition.eof", "false", err, sizeof(err))) {
		fprintf(stderr, "kafka_mock: consumer: %s\n", err);
		rd_kafka_conf_destroy(c);
		return -1;
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	if (rk == NULL) {
		fprintf(stderr, "kafka_mock: consumer: %s\n", err);
		rd_kafka_conf_destroy(c);
		return -1;
	}
	rd_kafka_poll_set_consumer(rk);
	tp = rd_kafka_topic_partition_list_new(partitions);
	for (p = 0; p < partitions; p++)
		rd_kafka_topic_partition_list_add(tp, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, tp);
	rd_kafka_topic_partition_list_destroy(tp);
	while (got < want && now_s() < until) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		json_t *o, *key;
		char *line;

		if (m == NULL)
			continue;
		if (m->err) {
			rd_kafka_message_destroy(m);
			continue;
		}
		key = m->key != NULL ? json_stringn(m->key, m->key_len) : json_null();
		o = json_pack("{s:i, s:I, s:o, s:s%}", "partition", (int)m->partition,
			      "offset", (json_int_t)m->offset, "key", key,
			      "value", (const char *)m->payload, m->len);
		line = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		if (line != NULL)
			printf("%s\n", line);
		free(line);
		json_decref(o);
		rd_kafka_message_destroy(m);
		got++;
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	printf("end %ld\n", got);
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_mock_cluster_t *mc;
	char err[512], line[1024], topic[256] = "";
	int partitions = 1;
	rd_kafka_t *rk;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: kafka_mock (commands on stdin)\n");
		return 2;
	}
	/* the handle that hosts the mock cluster; it produces nothing (and has no brokers
	 * to complain about) */
	rd_kafka_conf_set(c, "log_level", "3", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	if (rk == NULL) {
		fprintf(stderr, "kafka_mock: %s\n", err);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, 1);
	if (mc == NULL) {
		fprintf(stderr, "kafka_mock: no mock cluster\n");
		rd_kafka_destroy(rk);
		return 1;
	}
	printf("bootstraps %s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char name[256];
		long n, ms;
		int parts;

		if (sscanf(line, "topic %255s %d", name, &parts) == 2 && parts >= 1 &&
		    parts <= MAX_PARTITIONS) {
			rd_kafka_mock_topic_create(mc, name, parts, 1);
			snprintf(topic, sizeof(topic), "%s", name);
			partitions = parts;
			printf("ok\n");
		} else if (strcmp(line, "down\n") == 0) {
			rd_kafka_mock_broker_set_down(mc, 1);
			printf("ok\n");
		} else if (strcmp(line, "up\n") == 0) {
			rd_kafka_mock_broker_set_up(mc, 1);
			printf("ok\n");
		} else if (sscanf(line, "consume %255s %ld %ld", name, &n, &ms) == 3) {
			if (consume(rd_kafka_mock_cluster_bootstraps(mc), name,
				    strcmp(name, topic) == 0 ? partitions : 1, n, ms) != 0)
				break;
		} else if (strcmp(line, "quit\n") == 0) {
			break;
		} else {
			printf("error unknown command\n");
		}
		fflush(stdout);
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
