/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST endpoints that read the running instance: counters as JSON (/v1/stats) and in
 * the Prometheus text exposition format 0.0.4 (/metrics: control_metrics.c writes all but
 * the REST server's refusals, the event sinks' and the captures' counters, added here).
 * Handlers run on the control
 * thread inside api_poll, so they read the workers' counter blocks exactly as the
 * summary does, without locks.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include "api.h"
#include "capture.h"
#include "event_file.h"
#include "services.h"
#include "control_api.h"
#include "control_capture_api.h"
#include "control_incidents_api.h"
#include "control_metrics.h"
#include "control_policy_api.h"
#include "counters.h"
#include "label_map.h"
#include "label_store.h"
#include "policy_store.h"
#include "sink.h"
#include "snapshot.h"
#include "snapshot_types.h"
#include "pkt_parse.h"

RTE_LOG_REGISTER_SUFFIX(api_logtype, api, INFO);

/* Policy publication and memory: what the live-change tests and operators watch. */
static json_t *
control_api_policy_stats(struct services *c)
{
	const struct policy_store *ps = c->policy;
	const struct snapshot *s = policy_store_snapshot(ps);
	struct rte_malloc_socket_stats ms;
	uint64_t heap = 0;
	unsigned int sock;

	struct mallinfo2 mi = mallinfo2();

	for (sock = 0; sock < RTE_MAX_NUMA_NODES; sock++)
		if (rte_malloc_get_socket_stats((int)sock, &ms) == 0)
			heap += ms.heap_allocsz_bytes;
	return json_pack("{s:I, s:s, s:I, s:I, s:i, s:i, s:I, s:I, s:I, s:I}",
		"revision", (json_int_t)policy_store_revision(ps),
		"etag", policy_store_etag(ps),
		"snapshot_version", (json_int_t)s->version,
		"snapshots_published", (json_int_t)policy_store_published(ps),
		"snapshots_pending", (int)policy_store_pending(ps),
		"sensor_sets_retired", (int)snapshot_sensors_retired(),
		"snapshot_bytes", (json_int_t)policy_store_snapshot_bytes(ps),
		"sensor_generation", (json_int_t)(s->sensors != NULL ? s->sensors->generation : 0),
		"eal_heap_allocated_bytes", (json_int_t)heap,
		/* libc heap in use (Hyperscan streams, snapshots, JSON): leaks show here */
		"libc_heap_in_use_bytes", (json_int_t)(mi.uordblks + mi.hblkhd));
}

/* The requests the REST server refused for their form (api.h, struct api_counters). */
static json_t *
control_api_server_stats(const struct api_request *req)
{
	struct api_counters ac;

	api_counters_get(req->server, &ac);
	return json_pack("{s:I, s:I, s:I, s:I}",
		"bad_framing", (json_int_t)ac.bad_framing,
		"bad_header", (json_int_t)ac.bad_header,
		"bad_target", (json_int_t)ac.bad_target,
		"duplicate_query", (json_int_t)ac.duplicate_query);
}

/* The same, for Prometheus: one counter with the reason as a label. */
static void
control_api_server_metrics(const struct api_request *req, FILE *f)
{
	struct api_counters ac;

	api_counters_get(req->server, &ac);
	fprintf(f, "# HELP tollgate_api_requests_refused_total API requests refused for their "
		   "form before routing\n"
		   "# TYPE tollgate_api_requests_refused_total counter\n"
		   "tollgate_api_requests_refused_total{reason=\"bad_framing\"} %" PRIu64 "\n"
		   "tollgate_api_requests_refused_total{reason=\"bad_header\"} %" PRIu64 "\n"
		   "tollgate_api_requests_refused_total{reason=\"bad_target\"} %" PRIu64 "\n"
		   "tollgate_api_requests_refused_total{reason=\"duplicate_query\"} %" PRIu64 "\n",
		ac.bad_framing, ac.bad_header, ac.bad_target, ac.duplicate_query);
}

/* The event sinks' counters (events.sinks), by sink name; {} without sinks. */
static json_t *
control_api_sink_stats(const struct services *c)
{
	json_t *o = json_object();
	unsigned int i;

	for (i = 0; c->sinks != NULL && i < sink_set_count(c->sinks); i++) {
		struct sink_info si;

		sink_set_info(c->sinks, i, &si);
		json_object_set_new(o, si.name, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}",
			"type", si.type, "sent", (json_int_t)si.stats.sent,
			"dropped", (json_int_t)si.stats.dropped,
			"retried", (json_int_t)si.stats.retried,
			"failed", (json_int_t)si.stats.failed,
			"queued", (json_int_t)si.stats.queued));
	}
	return o;
}

/* The same for Prometheus: one family per counter, the sink's name the only label. */
static void
control_api_sink_metrics(const struct services *c, FILE *f)
{
	static const char *const help[][3] = {
		{ "sink_events_sent_total", "counter", "events a sink delivered" },
		{ "sink_events_dropped_total", "counter",
		  "events a sink dropped: queue full, or still queued at exit" },
		{ "sink_events_retried_total", "counter",
		  "attempts a sink repeated after a failure" },
		{ "sink_events_failed_total", "counter",
		  "events a sink gave up after its retries (dead letters) or the receiver "
		  "refused" },
		{ "sink_queue_events", "gauge", "events waiting in a sink's queue or in flight" },
	};
	unsigned int n = c->sinks != NULL ? sink_set_count(c->sinks) : 0, i, k;

	for (k = 0; n > 0 && k < RTE_DIM(help); k++) {
		fprintf(f, "# HELP tollgate_%s %s\n# TYPE tollgate_%s %s\n", help[k][0], help[k][2],
			help[k][0], help[k][1]);
		for (i = 0; i < n; i++) {
			struct sink_info si;
			uint64_t x;

			sink_set_info(c->sinks, i, &si);
			x = k == 0 ? si.stats.sent : k == 1 ? si.stats.dropped :
			    k == 2 ? si.stats.retried : k == 3 ? si.stats.failed : si.stats.queued;
			fprintf(f, "tollgate_%s{sink=\"%s\"} %" PRIu64 "\n", help[k][0], si.name,
				x);
		}
	}
}

/* The events file's counters (event_file.h), and the events no output could get. */
static json_t *
control_api_events_stats(const struct services *c)
{
	const struct event_file_stats *f;
	json_t *file = json_null();

	if (c->events_file != NULL) {
		f = event_file_stats(c->events_file);
		file = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"path", c->rt->events_path, "lines", (json_int_t)f->lines,
			"bytes", (json_int_t)f->bytes, "dropped", (json_int_t)f->dropped,
			"errors", (json_int_t)f->errors, "rotations", (json_int_t)f->rotations,
			"reopens", (json_int_t)f->reopens, "fsyncs", (json_int_t)f->fsyncs);
	}
	return json_pack("{s:o, s:I}", "file", file, "unwritable",
			 (json_int_t)c->events_unwritable);
}

/* The same for Prometheus: the file's families only when there is one. */
static void
control_api_events_metrics(const struct services *c, FILE *f)
{
	const struct event_file_stats *fs =
		c->events_file != NULL ? event_file_stats(c->events_file) : NULL;
	const struct {
		const char *name, *help;
		uint64_t v;
	} m[] = {
		{ "events_unwritable_total",
		  "events that could not be written as JSON: lost to every output",
		  c->events_unwritable },
		{ "events_file_lines_total", "events written to the events file",
		  fs != NULL ? fs->lines : 0 },
		{ "events_file_bytes_total", "bytes of those events, newlines included",
		  fs != NULL ? fs->bytes : 0 },
		{ "events_file_dropped_total",
		  "events a FIFO's, socket's or device's reader did not take in time, or a "
		  "failed write lost",
		  fs != NULL ? fs->dropped : 0 },
		{ "events_file_errors_total",
		  "failed writes, flushes, fsyncs, rotations or reopens of the events file",
		  fs != NULL ? fs->errors : 0 },
		{ "events_file_rotations_total", "size-based rotations of the events file",
		  fs != NULL ? fs->rotations : 0 },
		{ "events_file_reopens_total", "SIGHUP reopens that switched to a new file",
		  fs != NULL ? fs->reopens : 0 },
	};
	unsigned int i;

	for (i = 0; i < (fs != NULL ? RTE_DIM(m) : 1); i++)
		fprintf(f, "# HELP tollgate_%s %s\n# TYPE tollgate_%s counter\ntollgate_%s %" PRIu64
			"\n", m[i].name, m[i].help, m[i].name, m[i].name, m[i].v);
}

/* Packet capture totals (pcap/capture.h). */
static json_t *
control_api_capture_stats(struct services *c)
{
	struct capture_mgr_stats cs;

	capture_mgr_stats(c->captures, &cs);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			 "s:{s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
		"running", (json_int_t)cs.running, "captures", (json_int_t)cs.captures,
		"started", (json_int_t)cs.started, "matched", (json_int_t)cs.matched,
		"dropped", (json_int_t)cs.dropped, "written", (json_int_t)cs.written,
		"written_bytes", (json_int_t)cs.written_bytes, "files", (json_int_t)cs.files,
		"files_deleted", (json_int_t)cs.files_deleted, "evicted", (json_int_t)cs.evicted,
		"write_errors", (json_int_t)cs.write_errors, "repaired", (json_int_t)cs.repaired,
		"disk_bytes", (json_int_t)cs.disk_bytes, "quota_bytes", (json_int_t)cs.quota,
		"history", "slots", (json_int_t)cs.history_slots,
		"in_use", (json_int_t)cs.history_in_use, "taken", (json_int_t)cs.history_taken,
		"refused", (json_int_t)cs.history_refused,
		"evicted_packets", (json_int_t)cs.history_evicted,
		"event", "started", (json_int_t)cs.event_started,
		"made", (json_int_t)cs.event_made, "missed", (json_int_t)cs.event_missed,
		"limited", (json_int_t)cs.event_limited,
		"refused", (json_int_t)cs.event_refused, "copies", (json_int_t)cs.event_copies,
		"lost", (json_int_t)cs.event_lost, "deleted", (json_int_t)cs.event_deleted);
}

static int
control_api_stats(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct services *c = cookie;
	const struct runtime *rt = c->rt;
	struct counters s;
	json_t *ctr = json_object(), *parse = json_object();
	unsigned int k;

	services_counters(c, &s);
	for (k = 0; k < CTR__COUNT; k++)
		json_object_set_new(ctr, counters_name(k), json_integer((json_int_t)s.c[k]));
	for (k = 1; k < PKT_ERR__COUNT; k++)
		json_object_set_new(parse, pkt_err_name(k),
				    json_integer((json_int_t)s.parse_err[k]));
	return api_reply_json(resp, 200, json_pack("{s:i, s:b, s:f, s:o, s:o, "
						   "s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, "
						   "s:o, s:o, s:o, s:o, s:o}",
		"workers", (int)rt->n_workers,
		"offline", rt->offline != 0,
		"uptime_s", services_uptime(c),
		"counters", ctr,
		"parse_errors", parse,
		"input", "files", (json_int_t)rt->in.files, "packets", (json_int_t)rt->in.packets,
		"bytes", (json_int_t)rt->in.bytes, "truncated", (json_int_t)rt->in.truncated,
		"oversized", (json_int_t)rt->in.oversized, "nombuf", (json_int_t)rt->in.nombuf,
		"errors", (json_int_t)rt->in.errors, "bad_time", (json_int_t)rt->in.bad_time,
		"checksums_offloaded_files", (json_int_t)rt->in.cksum_offloaded,
		"policy", control_api_policy_stats(c),
		"api", control_api_server_stats(req),
		"sinks", control_api_sink_stats(c),
		"events", control_api_events_stats(c),
		"capture", control_api_capture_stats(c)), NULL);
}

/* The same for Prometheus. */
static void
control_api_capture_metrics(struct services *c, FILE *f)
{
	struct capture_mgr_stats cs;
	unsigned int i;

	capture_mgr_stats(c->captures, &cs);
	const struct {
		const char *name, *type, *help;
		uint64_t v;
	} m[] = {
		{ "capture_running", "gauge", "captures running or stopping", cs.running },
		{ "capture_started_total", "counter", "captures started", cs.started },
		{ "capture_packets_matched_total", "counter",
		  "packets a running capture's filter matched", cs.matched },
		{ "capture_packets_dropped_total", "counter",
		  "packet copies dropped: a worker's copy ring was full (traffic is not)",
		  cs.dropped },
		{ "capture_packets_written_total", "counter", "packets written to capture files",
		  cs.written },
		{ "capture_bytes_written_total", "counter", "packet bytes written to capture files",
		  cs.written_bytes },
		{ "capture_files_total", "counter", "capture files opened", cs.files },
		{ "capture_files_deleted_total", "counter", "capture files deleted by rings",
		  cs.files_deleted },
		{ "capture_evicted_total", "counter",
		  "stopped captures deleted to make room in the quota", cs.evicted },
		{ "capture_write_errors_total", "counter", "captures failed on a write",
		  cs.write_errors },
		{ "capture_disk_bytes", "gauge", "bytes of every capture's files", cs.disk_bytes },
		{ "capture_quota_bytes", "gauge", "capture.quota", cs.quota },
		{ "capture_history_slots", "gauge",
		  "flow histories of every worker (capture.history_memcap)", cs.history_slots },
		{ "capture_history_in_use", "gauge", "flow histories held by flows",
		  cs.history_in_use },
		{ "capture_history_taken_total", "counter", "flow histories given to flows",
		  cs.history_taken },
		{ "capture_history_refused_total", "counter",
		  "flows that wanted a history and found none left (history_memcap)",
		  cs.history_refused },
		{ "capture_history_evicted_packets_total", "counter",
		  "packets histories let go to keep their last ones", cs.history_evicted },
		{ "capture_event_started_total", "counter", "event captures workers started",
		  cs.event_started },
		{ "capture_event_made_total", "counter",
		  "event captures made (listed, with a file)", cs.event_made },
		{ "capture_event_missed_total", "counter",
		  "events to capture of flows without a history", cs.event_missed },
		{ "capture_event_limited_total", "counter",
		  "events to capture past capture.event_rate", cs.event_limited },
		{ "capture_event_refused_total", "counter",
		  "event captures that could not be made (quota, disk)", cs.event_refused },
		{ "capture_event_copies_total", "counter", "records written for event captures",
		  cs.event_copies },
		{ "capture_event_lost_total", "counter",
		  "event capture records lost: a copy ring was full", cs.event_lost },
		{ "capture_event_deleted_total", "counter",
		  "stopped event captures deleted past capture.event_max", cs.event_deleted },
	};

	for (i = 0; i < RTE_DIM(m); i++)
		fprintf(f, "# HELP tollgate_%s %s\n# TYPE tollgate_%s %s\ntollgate_%s %" PRIu64 "\n",
			m[i].name, m[i].help, m[i].name, m[i].type, m[i].name, m[i].v);
}

static int
control_api_metrics(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct services *c = cookie;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	f = open_memstream(&text, &len);
	if (f == NULL)
		return api_reply_problem(resp, 500, "Internal Server Error", "out of memory",
					 NULL);
	control_metrics_write(c, f);
	control_api_server_metrics(req, f);
	control_api_sink_metrics(c, f);
	control_api_events_metrics(c, f);
	control_api_capture_metrics(c, f);
	if (fclose(f) != 0) {
		free(text);
		return api_reply_problem(resp, 500, "Internal Server Error", "out of memory",
					 NULL);
	}
	rc = api_reply_text(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
	return rc;
}

/*
 * A label map refusal as problem+json: the message starts with the JSON pointer of the
 * field at fault ("/entries/3/ip: ..."), which becomes the problem's field.
 */
static int
control_api_labels_problem(struct api_response *resp, int rc, const char *err)
{
	const char *colon = strstr(err, ": ");
	char field[256] = "";
	unsigned int status;
	const char *title;

	if (err[0] == '/' && colon != NULL && (size_t)(colon - err) < sizeof(field)) {
		memcpy(field, err, (size_t)(colon - err));
		field[colon - err] = '\0';
	}
	switch (rc) {
	case -ESTALE:
		status = 409;
		title = "Stale generation";
		break;
	case -ENOENT:
		status = 409;
		title = "Not in the label map";
		break;
	case -ENOSPC:
	case -E2BIG:
		status = 422;
		title = "Label map limit";
		break;
	case -ENOMEM:
		status = 500;
		title = "Internal Server Error";
		break;
	default:
		status = 400;
		title = "Invalid label map";
		break;
	}
	return api_reply_problem(resp, status, title, err, field[0] ? field : NULL);
}

static int
control_api_labels_get(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct services *c = cookie;
	char err[512];
	json_t *out = label_map_get_json(c->labels, api_request_query(req, "labelSelector"),
					 err, sizeof(err));

	if (out == NULL)
		return api_reply_problem(resp, 400, "Invalid label selector", err, "labelSelector");
	return api_reply_json(resp, 200, out, NULL);
}

/* The writer named by ?source= (default "api"), recorded with each entry. */
static int
control_api_source_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 31 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* PUT replaces the whole map, PATCH adds and removes entries; both all-or-nothing. */
static int
control_api_labels_set(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct services *c = cookie;
	struct label_map *m = c->labels;
	const char *source = api_request_query(req, "source") != NULL ?
			     api_request_query(req, "source") : "api";
	char err[512];
	json_t *body;
	int rc, saved = 0;

	if (!control_api_source_ok(source)) {
		snprintf(err, sizeof(err), "source: \"%.40s\" is not a source name (expected 1 to "
			 "31 characters of a-z, 0-9, _ and -, e.g. label-sync)", source);
		return api_reply_problem(resp, 400, "Invalid query", err, "source");
	}
	body = api_request_json(req, err, sizeof(err));
	if (body == NULL)
		return api_reply_problem(resp, 400, "Invalid JSON", err, "");
	if (strcmp(req->method, "PUT") == 0)
		rc = label_map_put_json(m, body, source, (uint64_t)time(NULL), err, sizeof(err));
	else
		rc = label_map_patch_json(m, body, source, (uint64_t)time(NULL), err, sizeof(err));
	json_decref(body);
	if (rc != 0)
		return control_api_labels_problem(resp, rc, err);
	policy_store_labels_changed(c->policy);
	/* Live, the map survives a restart; offline runs keep nothing. */
	if (!c->rt->offline) {
		saved = label_store_save(m, services_state_dir(c), err, sizeof(err)) == 0;
		if (!saved)
			rte_log(RTE_LOG_ERR, api_logtype, "tollgate.api: label map (generation %"
				PRIu64 ") not saved: %s\n", label_map_generation(m), err);
	}
	return api_reply_json(resp, 200, json_pack("{s:I, s:i, s:b}", "generation",
		(json_int_t)label_map_generation(m), "entries", (int)label_map_count(m),
		"persisted", saved), NULL);
}

static void
control_api_log(void *arg, enum api_log_level level, const char *msg)
{
	static const uint32_t map[] = {
		[API_LOG_ERR] = RTE_LOG_ERR,
		[API_LOG_WARNING] = RTE_LOG_WARNING,
		[API_LOG_INFO] = RTE_LOG_INFO,
		[API_LOG_DEBUG] = RTE_LOG_DEBUG,
	};

	(void)arg;
	rte_log(level <= API_LOG_DEBUG ? map[level] : RTE_LOG_DEBUG, api_logtype,
		"tollgate.api: %s\n", msg);
}

static const struct api_route control_api_routes[] = {
	{ "GET", "/v1/stats", API_ROLE_READ, control_api_stats },
	{ "GET", "/metrics", API_ROLE_READ, control_api_metrics },
	{ "GET", "/v1/labels", API_ROLE_READ, control_api_labels_get },
	{ "PUT", "/v1/labels", API_ROLE_ADMIN, control_api_labels_set },
	{ "PATCH", "/v1/labels", API_ROLE_ADMIN, control_api_labels_set },
	{ "GET", "/v1/labels/groups", API_ROLE_READ, control_labels_api_groups },
	{ "GET", "/v1/policy", API_ROLE_READ, control_policy_api_get },
	{ "PUT", "/v1/policy", API_ROLE_ADMIN, control_policy_api_put },
	{ "GET", "/v1/groups", API_ROLE_READ, control_groups_api_list },
	{ "POST", "/v1/groups", API_ROLE_ADMIN, control_groups_api_write },
	{ "GET", "/v1/groups/{id}", API_ROLE_READ, control_groups_api_get },
	{ "PUT", "/v1/groups/{id}", API_ROLE_ADMIN, control_groups_api_write },
	{ "DELETE", "/v1/groups/{id}", API_ROLE_ADMIN, control_groups_api_write },
	{ "GET", "/v1/rules", API_ROLE_READ, control_rules_api_list },
	{ "POST", "/v1/rules", API_ROLE_ADMIN, control_rules_api_create },
	{ "GET", "/v1/rules/{id}", API_ROLE_READ, control_rules_api_get },
	{ "PUT", "/v1/rules/{id}", API_ROLE_ADMIN, control_rules_api_replace },
	{ "PATCH", "/v1/rules/{id}", API_ROLE_ADMIN, control_rules_api_move },
	{ "DELETE", "/v1/rules/{id}", API_ROLE_ADMIN, control_rules_api_delete },
	{ "GET", "/v1/sensors", API_ROLE_READ, control_sensors_api_list },
	{ "POST", "/v1/sensors", API_ROLE_ADMIN, control_sensors_api_write },
	{ "GET", "/v1/sensors/{id}", API_ROLE_READ, control_sensors_api_get },
	{ "PUT", "/v1/sensors/{id}", API_ROLE_ADMIN, control_sensors_api_write },
	{ "DELETE", "/v1/sensors/{id}", API_ROLE_ADMIN, control_sensors_api_write },
	{ "GET", "/v1/mode", API_ROLE_READ, control_mode_api_get },
	{ "PUT", "/v1/mode", API_ROLE_ADMIN, control_mode_api_put },
	{ "GET", "/v1/learned", API_ROLE_READ, control_learned_api_get },
	{ "DELETE", "/v1/learned", API_ROLE_ADMIN, control_learned_api_clear },
	{ "GET", "/v1/flows", API_ROLE_READ, control_flows_api_list },
	{ "GET", "/v1/events", API_ROLE_READ, control_events_api_list },
	{ "GET", "/v1/captures", API_ROLE_READ, control_capture_api_list },
	{ "POST", "/v1/captures", API_ROLE_ADMIN, control_capture_api_create },
	{ "GET", "/v1/captures/{id}", API_ROLE_READ, control_capture_api_get },
	{ "DELETE", "/v1/captures/{id}", API_ROLE_ADMIN, control_capture_api_stop },
	{ "GET", "/v1/captures/{id}/files/{n}", API_ROLE_READ, control_capture_api_file },
	{ "GET", "/v1/incidents", API_ROLE_READ, control_incidents_api_list },
	{ "GET", "/v1/incidents/{id}", API_ROLE_READ, control_incidents_api_get },
	{ "GET", "/v1/incidents/{id}/report", API_ROLE_READ, control_incidents_api_report },
};

struct api *
control_api_start(struct services *c, struct runtime *rt, int *disabled, char *err,
		  size_t errlen)
{
	const struct config_api *cfg = &rt->cfg.api;
	struct api_conf conf;
	struct api *a;

	*disabled = 0;
	err[0] = '\0';
	memset(&conf, 0, sizeof(conf));
	conf.listen = rt->api_listen != NULL ? rt->api_listen : cfg->listen;
	if (conf.listen[0] == '\0') {
		*disabled = 1;
		return NULL;
	}
	conf.token_file = rt->api_token_file != NULL ? rt->api_token_file :
			  (cfg->token_file[0] ? cfg->token_file : NULL);
	conf.max_body = cfg->max_body;
	conf.tls_cert = cfg->tls_cert[0] ? cfg->tls_cert : NULL;
	conf.tls_key = cfg->tls_key[0] ? cfg->tls_key : NULL;
	conf.max_connections = cfg->max_connections;
	conf.max_per_ip = cfg->max_connections_per_ip;
	conf.timeout_s = cfg->idle_timeout_s;
	conf.log = control_api_log;
	a = api_start(&conf, control_api_routes, RTE_DIM(control_api_routes), c, err, errlen);
	if (a == NULL)
		return NULL;
	if (conf.token_file == NULL)
		rte_log(RTE_LOG_WARNING, api_logtype, "tollgate.api: no token file: every route "
			"but /healthz answers 401\n");
	return a;
}
