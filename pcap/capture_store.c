/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a capture leaves on disk besides its packets, and how the API shows it
 * (capture_priv.h). Each capture directory holds capture.json:
 *
 *   {"id", "name", "filter", "bpf", "snaplen", "file_size", "file_count", "duration",
 *    "packet_limit", "created_us", "started_us", "stopped_us", "state", "reason",
 *    "packets", "bytes", "matched", "dropped", "event" (event captures only)}
 *
 * written when a capture starts and when it stops (temp file, fsync, rename). At start-up
 * each one is read back with the ring files beside it; a capture whose record says it was
 * still running (the daemon was killed) is listed as stopped, reason "interrupted". A
 * directory whose name is not a valid id, or without a readable capture.json, is skipped
 * and logged, never deleted.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <rte_common.h>
#include <rte_log.h>
#include "capture_bpf.h"
#include "capture_priv.h"
#include "capture_tap.h"
#include "config_splice.h"

RTE_LOG_REGISTER_SUFFIX(capture_store_logtype, capture.store, INFO);
#define STORE_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, capture_store_logtype, "tollgate.capture: " fmt "\n", \
		##__VA_ARGS__)

#define STORE_META "capture.json"

static const char *const state_names[] = {
	[CAPTURE_RUNNING] = "running",
	[CAPTURE_STOPPING] = "stopping",
	[CAPTURE_STOPPED] = "stopped",
	[CAPTURE_FAILED] = "failed",
};

const char *
capture_store_ts(uint64_t us, char *buf, size_t len)
{
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;
	char base[24];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06u+0000", base, (unsigned int)(us % 1000000));
	return buf;
}

static json_t *
store_ts_json(uint64_t us)
{
	char buf[40];

	return us == 0 ? json_null() : json_string(capture_store_ts(us, buf, sizeof(buf)));
}

struct capture *
capture_store_new(struct capture_mgr *m, const char *id, const char *name)
{
	struct capture *c = calloc(1, sizeof(*c));
	char dir[CAPTURE_PATH_LEN];

	if (c == NULL)
		return NULL;
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(dir, sizeof(dir), "%s/%s", m->root, id);
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	c->slot = -1;
	c->state = CAPTURE_STOPPED;
	capture_files_init(&c->files, dir, name, m->cfg.snaplen, m->cfg.file_size,
			   m->cfg.file_count);
	return c;
}

void
capture_store_free(struct capture *c)
{
	if (c == NULL)
		return;
	/* An event capture's entry no longer leads to it (the sequence stays handled). */
	if (c->evkey != NULL && c->evkey->c == c)
		c->evkey->c = NULL;
	capture_files_release(&c->files);
	capture_bpf_free(c->bpf);
	if (c->rp != NULL)
		pcap_close(c->rp);
	json_decref(c->filter);
	free(c->expr);
	free(c);
}

/* This run's matched and dropped counts: frozen once stopped, the workers' sums before. */
static void
store_run_counts(struct capture_mgr *m, const struct capture *c, uint64_t *matched,
		 uint64_t *dropped)
{
	if (c->slot >= 0 && !c->grace_done && !c->replay) {
		capture_tap_counts(m->taps, m->n_taps, (uint8_t)c->slot, c->serial, matched,
				   dropped);
		return;
	}
	*matched = c->run_matched;
	*dropped = c->run_dropped;
}

static const char *const event_type_names[] = {
	[CAPTURE_EVENT_DLP] = "dlp",
	[CAPTURE_EVENT_ALERT] = "alert",
};

/* What an event capture is for and what its worker copied; null for a manual capture. */
static json_t *
store_event_json(const struct capture *c)
{
	const struct capture_event_end *e = &c->ev_end;

	if (c->kind != CAPTURE_KIND_EVENT)
		return json_null();
	return json_pack("{s:s, s:I, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:I}",
		"type", event_type_names[c->ev_type == CAPTURE_EVENT_ALERT ? CAPTURE_EVENT_ALERT :
					 CAPTURE_EVENT_DLP],
		"flow_id", (json_int_t)c->ev_flow_id, "time", store_ts_json(c->ev_us),
		"complete", c->ev_ended != 0,
		"history_packets", (json_int_t)e->history,
		"history_evicted", (json_int_t)e->evicted,
		"after_packets", (json_int_t)e->after, "resets", (json_int_t)e->rsts,
		"lost", (json_int_t)e->lost, "skipped", (json_int_t)c->ev_skipped);
}

json_t *
capture_store_json(struct capture_mgr *m, struct capture *c)
{
	const struct capture_files *cf = &c->files;
	json_t *files = json_array();
	uint64_t matched, dropped;
	char name[CAPTURE_FNAME_LEN], url[CAPTURE_ID_LEN + 64];
	uint32_t i;

	store_run_counts(m, c, &matched, &dropped);
	for (i = 0; i < cf->n; i++) {
		const struct capture_file_info *fi = &cf->f[i];

		capture_files_name(cf, fi, name, sizeof(name));
		snprintf(url, sizeof(url), "/v1/captures/%s/files/%u", c->id, fi->index);
		json_array_append_new(files, json_pack("{s:I, s:s, s:I, s:I, s:o, s:o, s:s, s:b}",
			"index", (json_int_t)fi->index, "name", name, "size", (json_int_t)fi->size,
			"packets", (json_int_t)fi->packets, "first", store_ts_json(fi->first_us),
			"last", store_ts_json(fi->last_us), "url", url,
			"open", cf->out != NULL && i + 1 == cf->n));
	}
	snprintf(url, sizeof(url), "/v1/captures/%s", c->id);
	if (c->kind == CAPTURE_KIND_EVENT) {
		/* Its counts come from the worker (END) and the writer, not from a filter:
		 * what the worker copied for it, and what was lost on the way. */
		matched = (uint64_t)c->ev_end.history + c->ev_end.after + c->ev_end.rsts;
		dropped = c->ev_end.lost + c->ev_skipped;
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o, "
			 "s:o, s:I, s:I, s:I, s:I, s:I, s:o, s:s, s:b, s:o}",
		"id", c->id, "name", c->name,
		"kind", c->kind == CAPTURE_KIND_EVENT ? "event" : "manual",
		"state", state_names[c->state],
		"reason", c->reason[0] != '\0' ? json_string(c->reason) : json_null(),
		"filter", c->filter != NULL ? json_incref(c->filter) : json_object(),
		"bpf", c->expr != NULL ? c->expr : "",
		"snaplen", (json_int_t)c->snaplen, "file_size", (json_int_t)c->file_size,
		"file_count", (json_int_t)c->file_count, "duration", (json_int_t)c->duration,
		"packet_limit", (json_int_t)c->packet_limit,
		"created", store_ts_json(c->created_us), "started", store_ts_json(c->started_us),
		"stopped", store_ts_json(c->stopped_us),
		"packets", (json_int_t)c->packets, "bytes", (json_int_t)c->bytes,
		"matched", (json_int_t)(c->matched_done + matched),
		"dropped", (json_int_t)(c->dropped_done + dropped),
		"disk_bytes", (json_int_t)cf->bytes, "files", files, "url", url,
		"replay", c->replay != 0, "event", store_event_json(c));
}

int
capture_store_save(struct capture_mgr *m, struct capture *c)
{
	char path[CAPTURE_PATH_LEN + 32], err[CAPTURE_PATH_LEN + 128];
	uint64_t matched, dropped;
	json_t *o;
	char *text;
	int rc;

	store_run_counts(m, c, &matched, &dropped);
	o = json_pack("{s:s, s:s, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, "
		      "s:I, s:I, s:I, s:I}",
		"id", c->id, "name", c->name, "filter", c->filter != NULL ? json_incref(c->filter) : json_null(),
		"bpf", c->expr != NULL ? c->expr : "", "snaplen", (json_int_t)c->snaplen,
		"file_size", (json_int_t)c->file_size, "file_count", (json_int_t)c->file_count,
		"duration", (json_int_t)c->duration, "packet_limit", (json_int_t)c->packet_limit,
		"created_us", (json_int_t)c->created_us, "started_us", (json_int_t)c->started_us,
		"stopped_us", (json_int_t)c->stopped_us, "state", state_names[c->state],
		"reason", c->reason, "packets", (json_int_t)c->packets,
		"bytes", (json_int_t)c->bytes, "matched", (json_int_t)(c->matched_done + matched),
		"dropped", (json_int_t)(c->dropped_done + dropped));
	if (o != NULL && c->kind == CAPTURE_KIND_EVENT) {
		json_t *ev = store_event_json(c);

		json_object_set_new(ev, "time_us", json_integer((json_int_t)c->ev_us));
		json_object_set_new(o, "event", ev);
	}
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/" STORE_META, c->dir);
	rc = config_write_atomic(path, text, strlen(text), err, sizeof(err));
	free(text);
	if (rc != 0)
		STORE_LOG(ERR, "capture %s: %s", c->id, err);
	return rc;
}

static uint64_t
store_uint(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
	       (uint64_t)json_integer_value(v) : 0;
}

/* An event capture's "event" member back (a manual capture has none). */
static void
store_load_event(struct capture *c, const json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "type"));

	if (!json_is_object(ev))
		return;
	c->kind = CAPTURE_KIND_EVENT;
	c->ev_type = type != NULL && strcmp(type, "alert") == 0 ? CAPTURE_EVENT_ALERT :
		     CAPTURE_EVENT_DLP;
	c->ev_flow_id = store_uint(ev, "flow_id");
	c->ev_us = store_uint(ev, "time_us");
	c->ev_ended = json_is_true(json_object_get(ev, "complete"));
	c->ev_end.history = (uint32_t)store_uint(ev, "history_packets");
	c->ev_end.evicted = (uint32_t)store_uint(ev, "history_evicted");
	c->ev_end.after = (uint32_t)store_uint(ev, "after_packets");
	c->ev_end.rsts = (uint32_t)store_uint(ev, "resets");
	c->ev_end.lost = (uint32_t)store_uint(ev, "lost");
	c->ev_skipped = store_uint(ev, "skipped");
	/* Its matched and dropped come from these again. */
	c->matched_done = c->dropped_done = 0;
}

/* One directory: its capture.json and ring files, as a stopped capture. */
static struct capture *
store_load_one(struct capture_mgr *m, const char *id)
{
	char path[CAPTURE_PATH_LEN + 32], err[CAPTURE_PATH_LEN + 128];
	const char *name, *state, *expr, *reason;
	uint64_t on_disk;
	json_error_t je;
	struct capture *c;
	uint32_t i;
	json_t *o;

	snprintf(path, sizeof(path), "%s/%s/" STORE_META, m->root, id);
	o = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		STORE_LOG(WARNING, "%s: skipped: %s (line %d)", path, je.text, je.line);
		return NULL;
	}
	name = json_string_value(json_object_get(o, "name"));
	expr = json_string_value(json_object_get(o, "bpf"));
	state = json_string_value(json_object_get(o, "state"));
	reason = json_string_value(json_object_get(o, "reason"));
	if (name == NULL || !capture_name_valid(name) || expr == NULL || state == NULL ||
	    strcmp(json_string_value(json_object_get(o, "id")) ?: "", id) != 0) {
		STORE_LOG(WARNING, "%s: skipped: not a capture record of %s", path, id);
		json_decref(o);
		return NULL;
	}
	c = capture_store_new(m, id, name);
	if (c == NULL || (c->expr = strdup(expr)) == NULL) {
		capture_store_free(c);
		json_decref(o);
		return NULL;
	}
	if (json_is_object(json_object_get(o, "filter")))
		c->filter = json_incref(json_object_get(o, "filter"));
	c->snaplen = (uint32_t)store_uint(o, "snaplen");
	c->file_size = store_uint(o, "file_size");
	c->file_count = (uint32_t)store_uint(o, "file_count");
	c->duration = (uint32_t)store_uint(o, "duration");
	c->packet_limit = store_uint(o, "packet_limit");
	c->created_us = store_uint(o, "created_us");
	c->started_us = store_uint(o, "started_us");
	c->stopped_us = store_uint(o, "stopped_us");
	c->packets = store_uint(o, "packets");
	c->bytes = store_uint(o, "bytes");
	c->matched_done = store_uint(o, "matched");
	c->dropped_done = store_uint(o, "dropped");
	store_load_event(c, json_object_get(o, "event"));
	if (strcmp(state, "failed") == 0)
		c->state = CAPTURE_FAILED;
	if (strcmp(state, "stopped") == 0 || strcmp(state, "failed") == 0)
		snprintf(c->reason, sizeof(c->reason), "%s", reason != NULL ? reason : "");
	else
		snprintf(c->reason, sizeof(c->reason), "interrupted: the daemon stopped without "
			 "closing it");
	json_decref(o);
	if (c->snaplen == 0 || c->snaplen > CAPTURE_SNAPLEN_MAX)
		c->snaplen = m->cfg.snaplen;
	if (c->file_size == 0)
		c->file_size = m->cfg.file_size;
	if (c->file_count == 0)
		c->file_count = m->cfg.file_count;
	c->files.snaplen = c->snaplen;
	c->files.file_size = c->file_size;
	c->files.file_count = c->file_count;
	if (capture_files_scan(&c->files, err, sizeof(err)) != 0)
		STORE_LOG(WARNING, "capture %s: %s", id, err);
	/* Killed: its record was last written at the start; the files know better. */
	for (i = 0, on_disk = 0; i < c->files.n; i++)
		on_disk += c->files.f[i].packets;
	if (on_disk > c->packets)
		c->packets = on_disk;
	m->repaired += c->files.repaired;
	if (c->files.repaired != 0)
		STORE_LOG(NOTICE, "capture %s: %" PRIu64 " file(s) cut back to their last whole "
			  "packet", id, c->files.repaired);
	return c;
}

static int
store_created_cmp(const void *a, const void *b)
{
	const struct capture *x = *(struct capture *const *)a, *y = *(struct capture *const *)b;

	if (x->created_us != y->created_us)
		return x->created_us < y->created_us ? -1 : 1;
	return strcmp(x->id, y->id);
}

unsigned int
capture_store_load(struct capture_mgr *m)
{
	struct capture **all = NULL, **tail = &m->list;
	unsigned int n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d = opendir(m->root);

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		struct capture *c;

		if (de->d_name[0] == '.')
			continue;
		if (!capture_id_valid(de->d_name)) {
			STORE_LOG(WARNING, "%s/%s: skipped: not a capture id", m->root, de->d_name);
			continue;
		}
		c = store_load_one(m, de->d_name);
		if (c == NULL)
			continue;
		if (n == cap) {
			struct capture **p;

			cap = cap == 0 ? 16 : cap * 2;
			p = realloc(all, cap * sizeof(*p));
			if (p == NULL) {
				capture_store_free(c);
				break;
			}
			all = p;
		}
		all[n++] = c;
	}
	closedir(d);
	if (n > 0)
		qsort(all, n, sizeof(*all), store_created_cmp);
	while (*tail != NULL)
		tail = &(*tail)->next;
	for (i = 0; i < n; i++) {
		*tail = all[i];
		tail = &all[i]->next;
	}
	free(all);
	return n;
}

void
capture_store_unlink(struct capture_mgr *m, struct capture *c)
{
	struct capture **pp;

	m->files += c->files.created;
	m->files_deleted += c->files.deleted;
	for (pp = &m->list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}

int
capture_store_make_room(struct capture_mgr *m, uint64_t need, const struct capture *keep,
			char *err, size_t errlen)
{
	uint64_t reserved = 0, stopped = 0;
	struct capture *c, *next;

	for (c = m->list; c != NULL; c = c->next) {
		if (capture_active(c))
			reserved += RTE_MAX(c->file_size * c->file_count, c->files.bytes);
		else if (c != keep)
			stopped += c->files.bytes;
	}
	if (reserved + need > m->cfg.quota) {
		snprintf(err, errlen, "file_size * file_count = %" PRIu64 " bytes does not fit the "
			 "capture quota: %" PRIu64 " of %" PRIu64 " bytes are reserved by running "
			 "captures", need, reserved, m->cfg.quota);
		return -ENOSPC;
	}
	for (c = m->list; c != NULL && reserved + stopped + need > m->cfg.quota; c = next) {
		next = c->next;
		if (capture_active(c) || c == keep)
			continue;
		STORE_LOG(NOTICE, "capture %s deleted to make room in the quota (%" PRIu64
			  " bytes)", c->id, c->files.bytes);
		stopped -= c->files.bytes;
		capture_store_remove(c);
		capture_store_unlink(m, c);
		capture_store_free(c);
		m->evicted++;
	}
	return 0;
}

int
capture_store_remove(struct capture *c)
{
	char path[CAPTURE_PATH_LEN + 32];
	int rc = capture_files_remove(&c->files);

	snprintf(path, sizeof(path), "%s/" STORE_META, c->dir);
	if (unlink(path) != 0 && errno != ENOENT && rc == 0)
		rc = -errno;
	if (rmdir(c->dir) != 0 && errno != ENOENT && rc == 0)
		rc = -errno;
	if (rc != 0)
		STORE_LOG(ERR, "capture %s: cannot delete %s: %s", c->id, c->dir, strerror(-rc));
	return rc;
}
