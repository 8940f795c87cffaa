/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-events-write: events per second of the control thread's event path on one core,
 * message to line in the events file, for the writer of the daemon (eve_write_event,
 * no DOM) and the one it replaced (event_json_build + json_dumps), in one run
 * (docs/performance.md "bench-events"). Two mixes of messages, made once before timing:
 *
 *   flood  flow events of single-SYN flows from distinct clients (what a SYN flood or a
 *          scan makes: one flow event per packet)
 *   rich   flows, dlp events and alerts with matches and http/smtp objects, policy
 *          alerts, tls, dns answers, http and smtp events, anomalies, in turn
 *
 * Lines go through struct event_file (the 256 KiB buffer, one write(2) per buffer) to
 * FILE (default /dev/null, so the figure is the CPU's, not the disk's). Figures only.
 *
 * usage: bench-events-write [-n EVENTS] [-r ROUNDS] [-o FILE]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "eve_write.h"
#include "event_file.h"
#include "event_json.h"
#include "flow_table.h"

#define BENCH_MSGS 4096		/* distinct messages, cycled */

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
bench_flow(struct msg *m, unsigned int i)
{
	struct msg_flow *fl = &m->flow;

	memset(m, 0, sizeof(*m));
	m->type = MSG_FLOW_END;
	m->has_flow = 1;
	m->ts_us = 1700000000000000ull + i * 10ull;
	fl->key.family = 4;
	fl->key.proto = 6;
	memcpy(fl->key.addr[0], (uint8_t[]){ 10, 64, (uint8_t)(i >> 8), (uint8_t)i }, 4);
	memcpy(fl->key.addr[1], (uint8_t[]){ 10, 99, 0, 1 }, 4);
	fl->key.port[0] = (uint16_t)(1024 + i);
	fl->key.port[1] = 443;
	fl->flow_id = 6031599166272321ull + i * 7919ull;
	fl->start_us = fl->end_us = m->ts_us;
	fl->pkts[0] = 1;
	fl->bytes[0] = 54;
	fl->state = 0;
	fl->reason = FLOW_END_EVICTED;
	fl->mode = POLICY_MODE_MONITOR;
	snprintf(fl->from_group, sizeof(fl->from_group), "external");
	snprintf(fl->to_group, sizeof(fl->to_group), "external");
}

static void
bench_http(struct app_meta *a)
{
	a->kind = APP_META_HTTP;
	snprintf(a->http.hostname, sizeof(a->http.hostname), "api.partner.example");
	snprintf(a->http.url, sizeof(a->http.url), "/v2/customers/*****/orders?q=******ab");
	snprintf(a->http.method, sizeof(a->http.method), "POST");
	snprintf(a->http.content_type, sizeof(a->http.content_type), "application/json");
	a->http.status = 201;
}

static void
bench_rich(struct msg *m, unsigned int i)
{
	struct dlp_event *d = &m->dlp;
	unsigned int k;

	bench_flow(m, i);
	m->flow.app = POLICY_APP_HTTP;
	m->flow.pkts[1] = 9;
	m->flow.bytes[1] = 4210;
	snprintf(m->flow.rule, sizeof(m->flow.rule), "payments-to-partners");
	snprintf(m->flow.from_group, sizeof(m->flow.from_group), "payments");
	snprintf(m->flow.to_group, sizeof(m->flow.to_group), "partners");
	switch (i % 8) {
	case 0:		/* a flow event */
		break;
	case 1:		/* a dlp threshold crossing with three matches and the http object */
	case 2:		/* the matches after it */
		m->type = MSG_DLP;
		snprintf(d->rule, sizeof(d->rule), "payments-to-partners");
		d->crossing = i % 8 == 1;
		d->severity = 3;
		d->threshold = 3;
		snprintf(d->sensor, sizeof(d->sensor), "credit_card");
		snprintf(d->category, sizeof(d->category), "financial");
		d->n = 3;
		d->total = 3;
		d->npaths = 1;
		snprintf(d->paths[0], sizeof(d->paths[0]), "http.body");
		for (k = 0; k < 3; k++) {
			snprintf(d->m[k].sensor, sizeof(d->m[k].sensor), "credit_card");
			snprintf(d->m[k].category, sizeof(d->m[k].category), "financial");
			snprintf(d->m[k].redacted, sizeof(d->m[k].redacted), "************%04u",
				 1111 + k);
			d->m[k].hash = 0x3f9c0a1e5d2b7c44ull * (k + 1);
			d->m[k].offset = 120 + 40 * k;
			d->m[k].confidence = 2;
		}
		bench_http(&m->app);
		break;
	case 3:		/* a policy alert */
		m->type = MSG_ALERT;
		m->alert.reason = MSG_ALERT_DENY;
		m->alert.blocked = 1;
		break;
	case 4:		/* an http event */
		m->type = MSG_APP;
		bench_http(&m->app);
		break;
	case 5:		/* a tls event with its JA3 */
		m->type = MSG_APP;
		m->flow.app = POLICY_APP_TLS;
		m->app.kind = APP_META_TLS;
		snprintf(m->app.tls.sni, sizeof(m->app.tls.sni), "login.partner.example");
		m->app.tls.version = 0x0304;
		snprintf(m->app.tls.ja3, sizeof(m->app.tls.ja3), "771,4865-4866-4867-49195-49199,"
			 "0-23-65281-10-11-35-16-5-13-18-51-45-43-27,29-23-24,0");
		break;
	case 6:		/* a dns answer */
		m->type = MSG_APP;
		m->flow.app = POLICY_APP_DNS;
		m->flow.key.proto = 17;
		m->app.kind = APP_META_DNS;
		m->app.dns.id = 4242;
		m->app.dns.flags = 0x8180;
		m->app.dns.rrtype = 1;
		m->app.dns.has_question = 1;
		snprintf(m->app.dns.rrname, sizeof(m->app.dns.rrname), "api.partner.example");
		m->app.dns.n = 2;
		snprintf(m->app.dns.names, sizeof(m->app.dns.names), "edge.cdn.example");
		m->app.dns.a[0] = (struct app_dns_answer_meta){ .ttl = 300, .type = 5,
			.owner = APP_META_DNS_QNAME, .rdata = 0 };
		m->app.dns.a[1] = (struct app_dns_answer_meta){ .ttl = 60, .type = 1, .owner = 0,
			.rdata = APP_META_DNS_NO_NAME, .family = 4, .addr = { 192, 0, 2, 7 } };
		break;
	default:	/* a stream anomaly */
		m->type = MSG_ANOMALY;
		m->anomaly = MSG_ANOM_OVERLAP_DIFF;
		break;
	}
}

/* Seconds of CPU to write n events of msgs[] with the writer (dom: the jansson one). */
static double
bench_run(struct msg *msgs, unsigned long n, int dom, const char *path, uint64_t *bytes)
{
	struct config_events_file conf = { .fsync = CONFIG_FSYNC_NEVER };
	struct eve_buf b = { 0 };
	struct event_file *f;
	struct eve_info info;
	char err[256];
	unsigned long i;
	double t0;

	f = event_file_open(path, &conf, err, sizeof(err));
	if (f == NULL) {
		fprintf(stderr, "bench-events-write: %s\n", err);
		exit(1);
	}
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		const struct msg *m = &msgs[i % BENCH_MSGS];

		if (dom) {
			json_t *o = event_json_build(m);
			char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

			event_file_write(f, line, strlen(line));
			free(line);
			json_decref(o);
		} else {
			long len = eve_write_event(&b, m, NULL, &info);

			if (len > 0)
				event_file_write(f, b.p, (size_t)len);
		}
	}
	event_file_flush(f);
	t0 = bench_now() - t0;
	*bytes = event_file_stats(f)->bytes;
	event_file_close(f);
	eve_buf_free(&b);
	return t0;
}

int
main(int argc, char **argv)
{
	const char *path = "/dev/null";
	unsigned long n = 1000000;
	unsigned int rounds = 3, r, mix;
	struct msg *msgs;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:o:")) != -1) {
		if (opt == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			rounds = (unsigned int)strtoul(optarg, NULL, 10);
		else if (opt == 'o')
			path = optarg;
		else {
			fprintf(stderr, "usage: bench-events-write [-n EVENTS] [-r ROUNDS] "
				"[-o FILE]\n");
			return 2;
		}
	}
	msgs = calloc(BENCH_MSGS, sizeof(*msgs));
	if (msgs == NULL || n == 0 || rounds == 0)
		return 1;
	printf("bench-events-write: %lu events per round, best of %u, lines to %s, CPU time\n",
	       n, rounds, path);
	printf("%-6s %14s %14s %10s %12s\n", "mix", "jansson ev/s", "eve_write ev/s",
	       "new / old", "bytes/event");
	for (mix = 0; mix < 2; mix++) {
		double best[2] = { 1e30, 1e30 };
		uint64_t bytes = 0;
		unsigned int i;

		for (i = 0; i < BENCH_MSGS; i++) {
			if (mix == 0)
				bench_flow(&msgs[i], i);
			else
				bench_rich(&msgs[i], i);
		}
		for (r = 0; r < rounds; r++) {
			for (i = 0; i < 2; i++) {
				double t = bench_run(msgs, i == 0 ? n / 4 + 1 : n, i == 0, path,
						     &bytes);

				t /= i == 0 ? (double)(n / 4 + 1) : (double)n;
				if (t < best[i])
					best[i] = t;
			}
		}
		printf("%-6s %14.0f %14.0f %9.1fx %12.0f\n", mix == 0 ? "flood" : "rich",
		       1 / best[0], 1 / best[1], best[0] / best[1], (double)bytes / n);
	}
	free(msgs);
	return 0;
}
