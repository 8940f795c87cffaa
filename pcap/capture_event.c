/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Automatic (event) captures in the registry (capture_priv.h, docs/capture.md "Automatic
 * captures"). A worker numbers its event captures 1, 2, ... and writes each as records in
 * its copy ring (START, copies, END); the control thread sees the same number in the dlp
 * or alert event the capture is for. Both threads ask for the capture with (worker,
 * number), under the registry lock, and the first one makes it:
 *
 *   writer: START record ──┐                        ┌── packets, END ─► file, stopped
 *                          ├─► capture_event_get ─► capture "dlp-<flow_id>" (running)
 *   control: dlp event  ───┘                        └── the event's capture {id, url}
 *
 * so an event always names a capture that the API lists, even before the writer reached
 * its records. A capture is named after its event: <event_type>-<flow_id>, with -2, -3, ...
 * when that id is taken (a flow with several, or a trace read twice into one state
 * directory). It has one file, never rotated, bounded by config_capture_event_bytes (what
 * the quota reserves for it while it is written); the oldest stopped event captures go
 * past capture.event_max.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <jansson.h>
#include <rte_log.h>
#include "capture_priv.h"
#include "config.h"

RTE_LOG_REGISTER_SUFFIX(capture_event_logtype, capture.event, INFO);
#define EVENT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, capture_event_logtype, "tollgate.capture: " fmt "\n", \
		##__VA_ARGS__)

#define EVENT_DEADLINE_SLACK_S 60	/* live: the END record is this late, copies were lost */
#define EVENT_ID_TRIES 100
#define EVENT_LOG_EVERY_S 10.0		/* refusals are logged at most this often */

static const char *const type_names[] = {
	[CAPTURE_EVENT_DLP] = "dlp",
	[CAPTURE_EVENT_ALERT] = "alert",
};

const char *
capture_event_why(uint8_t why)
{
	switch (why) {
	case CAPTURE_END_PACKETS:
		return "capture.event_packets written after the event";
	case CAPTURE_END_TIME:
		return "capture.event_seconds passed after the event";
	case CAPTURE_END_FLOW:
		return "the flow ended";
	default:
		return "complete";
	}
}

static double
event_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
event_wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

static struct capture_evkey *
event_key(struct capture_mgr *m, unsigned int worker, uint32_t seq)
{
	if (m->evkeys == NULL || worker >= m->n_taps || seq == 0)
		return NULL;
	return &m->evkeys[(size_t)worker * CAPTURE_EVKEYS + seq % CAPTURE_EVKEYS];
}

/*
 * The listed capture of (worker, seq) when its entry went to a later sequence (1024 more
 * event captures of that worker started while it was written): the slow way, rare.
 */
static struct capture *
event_scan(struct capture_mgr *m, unsigned int worker, uint32_t seq)
{
	struct capture *c;

	for (c = m->list; c != NULL; c = c->next)
		if (c->kind == CAPTURE_KIND_EVENT && c->ev_seq == seq && c->ev_worker == worker)
			return c;
	return NULL;
}

struct capture *
capture_event_find(struct capture_mgr *m, unsigned int worker, uint32_t seq)
{
	struct capture_evkey *k = event_key(m, worker, seq);

	if (k == NULL)
		return NULL;
	return k->seq == seq ? k->c : event_scan(m, worker, seq);
}

/* An id no capture and no directory has: base, or base-2, base-3, ... */
static int
event_new_id(struct capture_mgr *m, const char *base, char *id)
{
	unsigned int n;

	for (n = 1; n <= EVENT_ID_TRIES; n++) {
		char dir[CAPTURE_ROOT_LEN + CAPTURE_ID_LEN + 1];
		const struct capture *c;
		struct stat st;

		char cand[CAPTURE_ID_LEN + 16];

		/* base is at most 26 bytes ("alert-" and 2^53): the suffix always fits. */
		if (n == 1)
			snprintf(cand, sizeof(cand), "%s", base);
		else
			snprintf(cand, sizeof(cand), "%s-%u", base, n);
		snprintf(id, CAPTURE_ID_LEN, "%.32s", cand);
		for (c = m->list; c != NULL; c = c->next)
			if (strcmp(c->id, id) == 0)
				break;
		snprintf(dir, sizeof(dir), "%s/%s", m->root, id);
		if (c == NULL && stat(dir, &st) != 0 && errno == ENOENT)
			return 0;
	}
	return -EEXIST;
}

/* Past capture.event_max, the oldest stopped event captures (but keep) are deleted. */
static void
event_trim(struct capture_mgr *m, const struct capture *keep)
{
	struct capture *c, *next;
	uint32_t n = 0;

	for (c = m->list; c != NULL; c = c->next)
		n += c->kind == CAPTURE_KIND_EVENT;
	for (c = m->list; c != NULL && n > m->cfg.event_max; c = next) {
		next = c->next;
		if (c->kind != CAPTURE_KIND_EVENT || capture_active(c) || c == keep)
			continue;
		capture_store_remove(c);
		capture_store_unlink(m, c);
		capture_store_free(c);
		m->ev_deleted++;
		n--;
	}
}

static void
event_refuse(struct capture_mgr *m, const char *what, const char *why)
{
	static double last;
	double now = event_mono();

	m->ev_refused++;
	if (now - last >= EVENT_LOG_EVERY_S) {
		last = now;
		EVENT_LOG(WARNING, "event capture %s not made: %s (%" PRIu64 " refused so far)",
			  what, why, m->ev_refused);
	}
}

/* A new running event capture; NULL when it cannot be made (refused, counted). */
static struct capture *
event_make(struct capture_mgr *m, uint8_t type, uint64_t flow_id, uint64_t ev_us)
{
	char base[CAPTURE_ID_LEN], id[CAPTURE_ID_LEN], err[CAPTURE_PATH_LEN + 256];
	uint64_t bound = config_capture_event_bytes(&m->cfg);
	const char *tname = type == CAPTURE_EVENT_ALERT ? type_names[CAPTURE_EVENT_ALERT] :
			    type_names[CAPTURE_EVENT_DLP];
	struct capture **pp;
	struct capture *c;
	json_t *filter;

	snprintf(base, sizeof(base), "%s-%" PRIu64, tname, flow_id);
	if (!m->enabled || !m->root_ok) {
		event_refuse(m, base, m->enabled ? m->root_err : "capture is off");
		return NULL;
	}
	if (event_new_id(m, base, id) != 0) {
		event_refuse(m, base, "every id it could take is in use");
		return NULL;
	}
	if (capture_store_make_room(m, bound, NULL, err, sizeof(err)) != 0) {
		event_refuse(m, id, err);
		return NULL;
	}
	c = capture_store_new(m, id, id);
	filter = json_pack("{s:s, s:I}", "event_type", tname, "flow_id", (json_int_t)flow_id);
	if (c == NULL || filter == NULL || (c->expr = strdup("")) == NULL) {
		json_decref(filter);
		capture_store_free(c);
		event_refuse(m, id, "out of memory");
		return NULL;
	}
	c->filter = filter;
	c->kind = CAPTURE_KIND_EVENT;
	c->ev_type = type == CAPTURE_EVENT_ALERT ? CAPTURE_EVENT_ALERT : CAPTURE_EVENT_DLP;
	c->ev_flow_id = flow_id;
	c->ev_us = ev_us;
	c->snaplen = m->cfg.history_snaplen;
	c->file_size = bound;
	c->file_count = 1;
	c->files.snaplen = c->snaplen;
	c->files.file_size = bound;
	c->files.file_count = 1;
	err[0] = '\0';
	if (mkdir(c->dir, 0700) != 0) {
		snprintf(err, sizeof(err), "%s: %s", c->dir, strerror(errno));
		capture_store_free(c);
		event_refuse(m, id, err);
		return NULL;
	}
	if (capture_files_open(&c->files, event_wall_us(), err, sizeof(err)) != 0) {
		capture_store_remove(c);
		capture_store_free(c);
		event_refuse(m, id, err);
		return NULL;
	}
	c->state = CAPTURE_RUNNING;
	c->created_us = c->started_us = event_wall_us();
	/* Live, a worker's END can be lost (copy ring full): the capture ends anyway. */
	c->deadline = m->rt->offline ? 0 :
		      event_mono() + m->cfg.event_seconds + EVENT_DEADLINE_SLACK_S;
	for (pp = &m->list; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = c;
	m->ev_made++;
	capture_store_save(m, c);
	event_trim(m, c);
	EVENT_LOG(DEBUG, "capture %s started for a %s event of flow %" PRIu64, c->id, tname,
		  flow_id);
	return c;
}

struct capture *
capture_event_get(struct capture_mgr *m, unsigned int worker, uint32_t seq, uint8_t type,
		  uint64_t flow_id, uint64_t ev_us)
{
	struct capture_evkey *k = event_key(m, worker, seq);
	struct capture *c;

	if (k == NULL)
		return NULL;
	if (k->seq == seq)
		return k->c;		/* made by the other thread, or refused / deleted since */
	if (seq < k->seq && (c = event_scan(m, worker, seq)) != NULL)
		return c;		/* made before its entry went to a later sequence */
	if (k->c != NULL)
		k->c->evkey = NULL;	/* an older capture of this entry: found by event_scan */
	k->seq = seq;
	k->c = NULL;
	c = event_make(m, type, flow_id, ev_us);
	if (c == NULL)
		return NULL;
	c->ev_worker = (uint16_t)worker;
	c->ev_seq = seq;
	c->evkey = k;
	k->c = c;
	return c;
}
