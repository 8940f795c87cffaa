/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread (EAL main lcore). It owns every sink: it drains the workers'
 * message rings, writes EVE JSON events and stream dumps, hands events to the sinks of
 * events.sinks (control/sink.c: their own threads send them), and sums counters. Workers
 * never wait on it except in offline mode, where a full ring is back-pressure rather
 * than loss. It also serves the REST API, owns the policy store (snapshot publication,
 * SIGHUP reload), the label map, the flow list, the discover-mode records and the packet
 * capture service (pcap/capture.h: set publication; its writer thread does the files).
 */
#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rte_common.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include "api.h"
#include "capture.h"
#include "capture_types.h"
#include "control.h"
#include "control_capture_api.h"
#include "control_api.h"
#include "control_metrics.h"
#include "counters.h"
#include "label_map.h"
#include "label_store.h"
#include "event_file.h"
#include "eve_write.h"
#include "event_ring.h"
#include "flow_list.h"
#include "incident.h"
#include "learned.h"
#include "msg_types.h"
#include "pkt_parse.h"
#include "policy.h"
#include "policy_store.h"
#include "port.h"
#include "services.h"
#include "sink.h"
#include "state.h"
#include "snapshot_types.h"
#include "stream_dump.h"

RTE_LOG_REGISTER_SUFFIX(control_logtype, control, INFO);
#define CONTROL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, control_logtype, "tollgate.control: " fmt "\n", ##__VA_ARGS__)

#define CONTROL_BURST 64
#define CONTROL_LABELS_MAX 65536	/* label map entries (pod IPs) */
#define CONTROL_FLOWS_ENDED 65536	/* ended flows kept for /v1/flows */
#define CONTROL_FLOWS_ACTIVE_MAX (1u << 20)
#define CONTROL_LEARNED_MAX 65536	/* discover-mode records */
#define CONTROL_ERR_LEN 512

struct control {
	struct services svc;		/* what the API serves; svc.rt is the runtime */
	struct event_file *events;	/* --events sink, or NULL */
	struct stream_dump *dump;
	struct eve_buf line;		/* the EVE line of the event in hand, reused */
	uint64_t events_written;
	uint64_t event_errors;
	uint64_t events_drop_told;	/* the events file's reader fell behind: said once */
	struct api *api;
};

/*
 * Live: the label map the orchestration last sent, from STATE_DIR/labels.json. A file that
 * does not load is moved aside (labels.json.bad) and the map starts empty, said loudly:
 * the policy's label selectors match nothing until the next sync.
 */
static void
control_labels_restore(struct control *c)
{
	static const struct state_stale tmp = { LABEL_STORE_FILE ".tmp.", 0, "", "" };
	const char *dir = services_state_dir(&c->svc);
	char msg[600], from[4096], to[4096 + 8];
	int loaded;

	state_remove_stale(dir, &tmp);	/* of a write killed before its rename */
	if (label_store_load(c->svc.labels, dir, &loaded, msg, sizeof(msg)) != 0) {
		snprintf(from, sizeof(from), "%s/%s", dir, LABEL_STORE_FILE);
		snprintf(to, sizeof(to), "%s.bad", from);
		rename(from, to);
		CONTROL_LOG(ERR, "label map not restored (%s); moved to %s, starting empty", msg,
			    to);
		return;
	}
	if (loaded)
		CONTROL_LOG(INFO, "label map restored: generation %" PRIu64 ", %u entries",
			    label_map_generation(c->svc.labels), label_map_count(c->svc.labels));
}

struct control *
control_create(struct runtime *rt, char *err, size_t errlen)
{
	struct control *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->svc.rt = rt;
	c->svc.t0 = services_now();
	c->svc.labels = label_map_create(CONTROL_LABELS_MAX);
	c->svc.learned = learned_create(CONTROL_LEARNED_MAX);
	c->svc.flows = flow_list_create(RTE_MIN((uint64_t)CONTROL_FLOWS_ACTIVE_MAX,
					    (uint64_t)rt->cfg.flow.max_flows * rt->n_workers),
				    CONTROL_FLOWS_ENDED);
	if (c->svc.labels == NULL || c->svc.learned == NULL || c->svc.flows == NULL) {
		policy_free(rt->policy);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!rt->offline)
		control_labels_restore(c);
	c->svc.metrics = control_metrics_create(rt);
	if (c->svc.metrics == NULL) {
		policy_free(rt->policy);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	c->svc.policy = policy_store_create(rt, rt->policy, c->svc.labels, err, errlen);
	if (c->svc.policy == NULL)
		goto fail;
	policy_store_on_sensors_retire(c->svc.policy, control_metrics_sensors_retired,
				       c->svc.metrics);
	if (rt->events_path != NULL) {
		char why[CONTROL_ERR_LEN];

		c->events = event_file_open(rt->events_path, &rt->cfg.events.file, why,
					    sizeof(why));
		if (c->events == NULL) {
			snprintf(err, errlen, "events file %s", why);
			goto fail;
		}
		c->svc.events_file = c->events;
		/* Live, stdout's reader does not set the pace either: what it does not take
		 * in time is dropped and counted. Offline (--read) waits for it. Without a
		 * description of its own (no /proc), stdout stays blocking: said, not fatal. */
		rc = rt->offline ? 0 : event_file_live(c->events);
		if (rc == -ENXIO)
			/* Opening a FIFO for writing fails so when its reader is gone. */
			CONTROL_LOG(WARNING, "events to stdout: its FIFO has no reader; events "
				    "are lost (counted) until one opens it, then written blocking (a "
				    "reader that stops reading stops the control thread)");
		else if (rc != 0)
			CONTROL_LOG(WARNING, "events to stdout written blocking (a reader that "
				    "stops reading stops the control thread): /proc/self/fd/1: %s",
				    strerror(-rc));
	}
	if (rt->cfg.events.n_sinks > 0) {
		c->svc.sinks = sink_set_create(&rt->cfg.events, err, errlen);
		if (c->svc.sinks == NULL)
			goto fail;
	}
	if (rt->dump_dir != NULL) {
		c->dump = stream_dump_open(rt->dump_dir, err, errlen);
		if (c->dump == NULL)
			goto fail;
	}
	/* Before the workers start: they get their capture taps now, and --capture captures
	 * see the first packet. */
	c->svc.captures = capture_mgr_create(rt, rt->state_path, err, errlen);
	if (c->svc.captures == NULL)
		goto fail;
	for (unsigned int i = 0; i < rt->n_captures; i++) {
		char id[CAPTURE_ID_LEN];

		if (control_capture_start_text(&c->svc, rt->captures[i], id, err, errlen) != 0)
			goto fail;
		CONTROL_LOG(INFO, "--capture: capture %s started", id);
	}
	/* An offline analysis serves the API only when asked (--serve). */
	if (!rt->offline || rt->serve) {
		int disabled;

		c->api = control_api_start(&c->svc, rt, &disabled, err, errlen);
		if (c->api == NULL && !disabled)
			goto fail;
		if (c->api != NULL) {
			c->svc.incidents = incident_store_create(&rt->cfg.incidents, c->svc.policy,
								 rt->n_inline != 0);
			if (c->svc.incidents == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
		}
		if (c->api != NULL && rt->cfg.api.events_kept > 0) {
			c->svc.recent = event_ring_create(rt->cfg.api.events_kept);
			if (c->svc.recent == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
		}
	}
	return c;
fail:
	control_free(c);
	return NULL;
}

/*
 * One event line to the recent-events ring (GET /v1/events), the sinks (events.sinks:
 * they queue it, never wait) and the events file, rotating the file first when
 * events.file.max_size says so.
 */
static void
control_write_event(struct control *c, const struct eve_info *info, const char *line,
		    size_t len)
{
	char err[CONTROL_ERR_LEN];
	int rc;

	if (c->svc.recent != NULL)
		event_ring_add(c->svc.recent, info, line, len);
	if (c->svc.sinks != NULL)
		sink_set_push(c->svc.sinks, info, line, len);
	if (c->events == NULL)
		return;
	rc = event_file_maybe_rotate(c->events, len, err, sizeof(err));
	if (rc < 0)
		CONTROL_LOG(ERR, "events file rotation failed: %s", err);
	else if (rc > 0)
		CONTROL_LOG(INFO, "events file %s rotated (%s.1 is the previous one)",
			    c->svc.rt->events_path, c->svc.rt->events_path);
	rc = event_file_write(c->events, line, len);
	if (rc == 0) {
		c->events_written++;
	} else if (rc == -EAGAIN) {
		/* a FIFO's reader left no room: dropped and counted, never waited for */
		if (!c->events_drop_told++)
			CONTROL_LOG(WARNING, "events file %s: its reader does not keep up, events "
				    "are dropped (counted as lost)", c->svc.rt->events_path);
	} else {
		c->event_errors++;
	}
}

/*
 * SIGHUP: reopen the events file (logrotate renamed it), then re-read the policy. Both,
 * always: a rotation must not wait for a policy edit, nor the other way round.
 */
static void
control_sighup(struct control *c)
{
	char err[1024];
	int rc;

	if (c->events != NULL) {
		rc = event_file_reopen(c->events, err, sizeof(err));
		if (rc > 0)
			CONTROL_LOG(NOTICE, "SIGHUP: events file %s reopened",
				    c->svc.rt->events_path);
		else if (rc < 0)
			CONTROL_LOG(ERR, "SIGHUP: events file not reopened: %s", err);
	}
	rc = policy_store_reload(c->svc.policy, err, sizeof(err));
	control_metrics_reload(c->svc.metrics, rc == 0);
	if (rc == 0)
		CONTROL_LOG(NOTICE, "SIGHUP: policy reloaded from %s",
			    policy_store_path(c->svc.policy));
	else
		CONTROL_LOG(ERR, "SIGHUP: reload refused, the running policy stays: %s", err);
}

_Static_assert(INCIDENT_CAPTURE_ID_LEN == CAPTURE_ID_LEN, "incidents keep capture ids");

/*
 * The automatic capture of a dlp or alert event (docs/capture.md "Automatic captures"),
 * made now if the pcap writer has not made it yet, so that the id and URL the event (and
 * the incident report) carry lead to a listed capture. Its id in id, or "" when it has
 * none.
 */
static void
control_event_capture(struct control *c, const struct msg *m, char *id)
{
	id[0] = '\0';
	if (m->capture == 0 || (m->type != MSG_DLP && m->type != MSG_ALERT))
		return;
	if (capture_event_note(c->svc.captures, m->worker, m->capture,
			       m->type == MSG_DLP ? CAPTURE_EVENT_DLP : CAPTURE_EVENT_ALERT,
			       m->flow.flow_id, m->ts_us, id) != 0)
		id[0] = '\0';
}

static void
control_handle(struct control *c, struct msg *m)
{
	switch (m->type) {
	case MSG_STREAM_DATA:
		if (c->dump != NULL)
			stream_dump_write(c->dump, m);
		break;
	case MSG_FLOW_END:
		if (c->dump != NULL)
			stream_dump_flow_end(c->dump, m->flow.flow_id);
		/* fall through */
	case MSG_ANOMALY:
	case MSG_DLP:
	case MSG_APP:
	case MSG_ALERT: {
		char cap[CAPTURE_ID_LEN];
		struct eve_info info;
		long len;

		/* The flow list is only read through the API (/v1/flows, captures by flow id):
		 * without one, keeping it was a third of the control thread's work in a flood. */
		if (m->type == MSG_FLOW_END && c->api != NULL)
			flow_list_end(c->svc.flows, m->worker, &m->flow);
		control_event_capture(c, m, cap);
		if (m->type == MSG_DLP)	/* NULL store: no API */
			incident_store_add(c->svc.incidents, m, cap);
		if (c->events == NULL && c->svc.recent == NULL && c->svc.sinks == NULL)
			break;
		len = eve_write_event(&c->line, m, cap[0] != '\0' ? cap : NULL, &info);
		if (len < 0) {
			if (!c->svc.events_unwritable++)
				CONTROL_LOG(ERR, "an event could not be written as JSON (%s): it is "
					    "lost to every output, and counted lost",
					    strerror((int)-len));
			break;
		}
		control_write_event(c, &info, c->line.p, (size_t)len);
		break;
	}
	case MSG_FLOW_START:
		if (c->api != NULL)
			flow_list_update(c->svc.flows, m->worker, &m->flow, m->ts_us);
		break;
	case MSG_LEARN:
		learned_add(c->svc.learned, &m->learn, m->ts_us);
		break;
	case MSG_FQDN:
		policy_store_fqdn(c->svc.policy, &m->fqdn);
		break;
	default:
		break;
	}
}

/* Housekeeping of each loop turn: SIGHUP, snapshots to free or republish, the API. */
static void
control_tick(struct control *c)
{
	if (c->svc.rt->reload) {
		c->svc.rt->reload = 0;
		control_sighup(c);
	}
	policy_store_tick(c->svc.policy);
	capture_mgr_tick(c->svc.captures);
	control_metrics_tick(c->svc.metrics, policy_store_snapshot(c->svc.policy)->sensors,
			     services_now());
	if (c->api != NULL)
		api_poll(c->api);
	/* Whoever tails the events file sees an event within 200 ms. */
	if (c->events != NULL && event_file_tick(c->events, services_now()) != 0)
		c->event_errors++;
}

/* Drain every ring once. Returns how many messages were handled. */
static unsigned int
control_drain(struct control *c)
{
	struct runtime *rt = c->svc.rt;
	void *msgs[CONTROL_BURST];
	unsigned int w, total = 0;

	for (w = 0; w < rt->n_workers; w++) {
		unsigned int n, i;

		do {
			n = rte_ring_sc_dequeue_burst(rt->workers[w]->msg_ring, msgs, CONTROL_BURST,
						      NULL);
			for (i = 0; i < n; i++)
				control_handle(c, msgs[i]);
			if (n > 0)
				rte_mempool_put_bulk(rt->msg_pool, msgs, n);
			total += n;
		} while (n == CONTROL_BURST);
	}
	return total;
}

static int
control_workers_done(const struct runtime *rt)
{
	unsigned int w;

	for (w = 0; w < rt->n_workers; w++)
		if (!__atomic_load_n(&rt->workers[w]->done, __ATOMIC_ACQUIRE))
			return 0;
	return 1;
}

int
control_run(struct control *c)
{
	struct runtime *rt = c->svc.rt;

	for (;;) {
		/* Read done before draining: a worker sets it after its last enqueue. */
		int done = control_workers_done(rt);
		unsigned int n = control_drain(c);

		control_tick(c);
		if (done && n == 0)
			break;
		if (n == 0) {
			/* The rings are empty: what is buffered goes out in one write now. */
			if (c->events != NULL && event_file_flush(c->events) != 0)
				c->event_errors++;
			usleep(200);
		}
	}

	/* The workers are done: running captures stop, their files are closed. */
	capture_mgr_input_done(c->svc.captures);
	/* A FIFO's reader gets the drain time to take the rest; then it is lost, counted. */
	if (c->events != NULL &&
	    event_file_finish(c->events, rt->cfg.events.drain_timeout_ms) != 0)
		c->event_errors++;
	if (c->events != NULL && event_file_stats(c->events)->dropped != 0 &&
	    !c->events_drop_told++)
		CONTROL_LOG(WARNING, "events file %s: its reader did not take the last events "
			    "(counted as lost)", rt->events_path);
	/* the sinks get their flush_timeout_ms to send what they hold */
	if (c->svc.sinks != NULL)
		sink_set_flush(c->svc.sinks);
	if (c->event_errors > 0) {
		CONTROL_LOG(ERR, "%" PRIu64 " writes of events to %s failed (their events are "
			    "counted lost)", c->event_errors, rt->events_path);
		return -EIO;
	}
	return 0;
}

static double
control_rate(double v, double s)
{
	return s > 0 ? v / s : 0;
}

/*
 * Fragments in, reassembled, and why the others were not (only reasons that happened),
 * so the line adds up: fragments = reassembled + each reason + held.
 */
static void
control_summary_defrag(const struct counters *s, FILE *f)
{
	static const char prefix[] = "defrag_frags_";
	unsigned int k, n = 0;

	fprintf(f, "  defrag      %" PRIu64 " fragments, %" PRIu64 " in %" PRIu64
		" datagrams reassembled", s->c[CTR_defrag_fragments],
		s->c[CTR_defrag_frags_reassembled], s->c[CTR_defrag_reassembled]);
	for (k = CTR_defrag_frags_duplicate; k <= CTR_defrag_frags_shutdown; k++) {
		if (s->c[k] == 0)
			continue;
		fprintf(f, "%s%s %" PRIu64, n++ == 0 ? ", not: " : ", ",
			counters_name(k) + sizeof(prefix) - 1, s->c[k]);
	}
	fprintf(f, ", %" PRIu64 " held\n", s->c[CTR_defrag_held]);
}

/*
 * Live ports, as their drivers count (the same values as /metrics): what each received,
 * what it dropped before a worker saw it (ring full, no buffer, errors), what it sent.
 */
static void
control_summary_ports(const struct runtime *rt, FILE *f)
{
	unsigned int i;

	for (i = 0; i < rt->cfg.dp.nports; i++) {
		struct port_counters pc;

		if (port_counters_read(rt->port_ids[i], &pc) != 0)
			continue;
		port_counters_release(&pc);
		fprintf(f, "  port %s  rx %" PRIu64 " packets %" PRIu64 " bytes, %" PRIu64
			" missed, %" PRIu64 " errors, %" PRIu64 " no mbuf; tx %" PRIu64
			" packets %" PRIu64 " bytes, %" PRIu64 " errors\n",
			rt->cfg.dp.ports[i].name, pc.basic.ipackets, pc.basic.ibytes, pc.basic.imissed, pc.basic.ierrors,
			pc.basic.rx_nombuf, pc.basic.opackets, pc.basic.obytes, pc.basic.oerrors);
	}
}

void
control_summary(struct control *c, FILE *f, double elapsed)
{
	const struct runtime *rt = c->svc.rt;
	const struct input_stats *in = &rt->in;
	struct counters s;
	double span = in->last_us > in->first_us ? (in->last_us - in->first_us) / 1e6 : 0;
	unsigned int k, first = 1;

	services_counters(&c->svc, &s);
	fprintf(f, "tollgate summary (%u worker%s%s)\n", rt->n_workers,
		rt->n_workers > 1 ? "s" : "", rt->sw_dispatch ? ", software dispatch" : "");
	if (rt->offline) {
		fprintf(f, "  input       %" PRIu64 " file%s, %" PRIu64 " packets, %" PRIu64
			" bytes, capture span %.3f s", in->files, in->files == 1 ? "" : "s",
			in->packets, in->bytes, span);
		/* What the capture file itself got wrong, when it did. */
		if (in->truncated != 0)
			fprintf(f, "; %" PRIu64 " cut short on file (snaplen)", in->truncated);
		if (in->oversized != 0)
			fprintf(f, "; %" PRIu64 " too large, dropped", in->oversized);
		if (in->bad_time != 0)
			fprintf(f, "; %" PRIu64 " with a time before 1970, taken as 1970",
				in->bad_time);
		if (in->cksum_offloaded != 0)
			fprintf(f, "; %" PRIu64 " file%s with offloaded checksums (not checked)",
				in->cksum_offloaded, in->cksum_offloaded == 1 ? "" : "s");
		fputc('\n', f);
	}
	if (!rt->offline)
		control_summary_ports(rt, f);
	fprintf(f, "  processed   %" PRIu64 " packets, %" PRIu64 " bytes in %.3f s: %.1f kpps, "
		"%.1f Mbit/s\n", s.c[CTR_packets], s.c[CTR_bytes], elapsed,
		control_rate(s.c[CTR_packets], elapsed) / 1e3,
		control_rate(s.c[CTR_bytes] * 8.0, elapsed) / 1e6);
	fprintf(f, "  flows       %" PRIu64 " created, %" PRIu64 " ended (timeout %" PRIu64
		", evicted %" PRIu64 ", shutdown %" PRIu64 ", reused %" PRIu64 "), %" PRIu64
		" refused\n", s.c[CTR_flows_created], s.c[CTR_flows_ended],
		s.c[CTR_flows_timeout], s.c[CTR_flows_evicted], s.c[CTR_flows_shutdown],
		s.c[CTR_flows_reused], s.c[CTR_flows_refused]);
	fprintf(f, "  reassembly  %" PRIu64 " segments, %" PRIu64 " out of order, %" PRIu64
		" retransmitted, %" PRIu64 " overlaps (%" PRIu64 " different), %" PRIu64
		" gaps (%" PRIu64 " bytes), %" PRIu64 " dropped at caps",
		s.c[CTR_reasm_segments], s.c[CTR_reasm_ooo_held], s.c[CTR_reasm_retransmits],
		s.c[CTR_reasm_overlaps], s.c[CTR_reasm_overlaps_diff], s.c[CTR_reasm_gaps],
		s.c[CTR_reasm_gap_bytes], s.c[CTR_reasm_ooo_flow_cap] + s.c[CTR_reasm_pool_empty]);
	/* A possible TTL insertion (an evasion, or a route change): shown when there was one. */
	if (s.c[CTR_reasm_ttl_changed] != 0)
		fprintf(f, ", %" PRIu64 " with a changed TTL", s.c[CTR_reasm_ttl_changed]);
	if (s.c[CTR_reasm_ts_old] != 0)
		fprintf(f, ", %" PRIu64 " with an old timestamp", s.c[CTR_reasm_ts_old]);
	fputc('\n', f);
	control_summary_defrag(&s, f);
	fprintf(f, "  drops       %" PRIu64 " parse errors", s.c[CTR_parse_errors]);
	for (k = 1; k < PKT_ERR__COUNT; k++) {
		if (s.parse_err[k] == 0)
			continue;
		fprintf(f, "%s%s %" PRIu64, first ? " (" : ", ", pkt_err_name(k), s.parse_err[k]);
		first = 0;
	}
	fprintf(f, "%s, %" PRIu64 " non-IP, %" PRIu64 " TCP without SYN ignored, %" PRIu64
		" bad checksums not inspected\n", first ? "" : ")", s.c[CTR_non_ip],
		s.c[CTR_tcp_no_syn], s.c[CTR_checksum_bad_ip] + s.c[CTR_checksum_bad_l4]);
	if (policy_store_snapshot(c->svc.policy)->sensors != NULL)
		fprintf(f, "  dlp         %" PRIu64 " matches in %" PRIu64 " events, %" PRIu64
			" directions inspected (%" PRIu64 " not: stream cap), %" PRIu64
			" candidates rejected by validators, %" PRIu64
			" overlapping matches suppressed\n", s.c[CTR_dlp_matches],
			s.c[CTR_dlp_events], s.c[CTR_dlp_dirs_opened], s.c[CTR_dlp_dirs_refused],
			s.c[CTR_sensor_validator_rejected], s.c[CTR_sensor_overlap_suppressed]);
	fprintf(f, "  events      %" PRIu64 " written, %" PRIu64 " lost",
		c->events != NULL ? event_file_stats(c->events)->lines : c->events_written,
		control_events_lost(c));
	if (c->events != NULL && (event_file_stats(c->events)->reopens != 0 ||
				  event_file_stats(c->events)->rotations != 0))
		fprintf(f, " (file reopened %" PRIu64 ", rotated %" PRIu64 ")",
			event_file_stats(c->events)->reopens,
			event_file_stats(c->events)->rotations);
	if (c->dump != NULL)
		fprintf(f, "; streams %" PRIu64 " files, %" PRIu64 " bytes dumped",
			stream_dump_stats(c->dump)->files, stream_dump_stats(c->dump)->bytes);
	fputc('\n', f);
	for (k = 0; c->svc.sinks != NULL && k < sink_set_count(c->svc.sinks); k++) {
		struct sink_info si;

		sink_set_info(c->svc.sinks, k, &si);
		fprintf(f, "  sink        %s (%s): %" PRIu64 " sent, %" PRIu64 " dropped, %" PRIu64
			" retried, %" PRIu64 " failed\n", si.name, si.type, si.stats.sent,
			si.stats.dropped, si.stats.retried, si.stats.failed);
	}
}

uint64_t
control_events_lost(struct control *c)
{
	struct counters s;

	services_counters(&c->svc, &s);
	return s.c[CTR_events_dropped] + c->svc.events_unwritable +
	       (c->events != NULL ? event_file_stats(c->events)->dropped : 0);
}

int
control_write_stats(struct control *c, const char *path)
{
	struct counters s;
	FILE *f;
	int rc;

	services_counters(&c->svc, &s);
	f = fopen(path, "w");
	if (f == NULL) {
		CONTROL_LOG(ERR, "--stats-json %s: %s", path, strerror(errno));
		return -errno;
	}
	rc = counters_write_json(&s, f);
	if (fclose(f) != 0)
		rc = -EIO;
	return rc;
}

void
control_serve(struct control *c)
{
	while (c->api != NULL && !c->svc.rt->stop) {
		control_tick(c);
		usleep(1000);
	}
}

void
control_free(struct control *c)
{
	if (c == NULL)
		return;
	api_stop(c->api);
	capture_mgr_free(c->svc.captures);
	policy_store_free(c->svc.policy);	/* its sensor sets report to the metrics */
	control_metrics_free(c->svc.metrics);
	flow_list_free(c->svc.flows);
	learned_free(c->svc.learned);
	event_ring_free(c->svc.recent);
	incident_store_free(c->svc.incidents);
	label_map_free(c->svc.labels);
	sink_set_free(c->svc.sinks);
	c->svc.events_file = NULL;
	if (event_file_close(c->events) != 0)
		CONTROL_LOG(ERR, "events file %s: the last events could not be written",
			    c->svc.rt->events_path);
	stream_dump_close(c->dump);
	eve_buf_free(&c->line);
	free(c);
}
