/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture service (capture.h): the registry of captures and what the control thread
 * does with it. Starting a capture compiles its filter, makes room in the quota, creates
 * its directory and first file and hands it a slot; capture_mgr_tick then publishes the
 * set of running captures to the workers the way policy snapshots are published
 * (control/snapshot.c): store with release, rte_rcu_qsbr_start, and free the replaced set
 * once rte_rcu_qsbr_check says every worker passed a quiescent point. A stopping capture
 * gets the token of the first set published without it; once that grace period is over
 * no worker copies for it any more, and the writer thread finishes it after draining the
 * rings up to where they stood then.
 *
 *   capture_start ─► slot, serial ─► need_publish ─► tick: set' (release) ─► workers copy
 *   stop ─► STOPPING ─► tick: set'' without it, token ─► tick: check(token) ─► grace_done
 *        ─► writer: rings drained to their heads at grace_done ─► STOPPED, capture.json
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>
#include "capture.h"
#include "capture_bpf.h"
#include "capture_hist.h"
#include "capture_priv.h"
#include "capture_ring.h"
#include "capture_tap.h"

RTE_LOG_REGISTER_SUFFIX(capture_logtype, capture, INFO);
#define CAPTURE_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, capture_logtype, "tollgate.capture: " fmt "\n", ##__VA_ARGS__)

#define CAPTURE_STOP_WAIT_S 30.0

static struct capture *
capture_find(const struct capture_mgr *m, const char *id)
{
	struct capture *c;

	for (c = m->list; c != NULL; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}


struct capture_mgr *
capture_mgr_create(struct runtime *rt, const char *state_dir, char *err, size_t errlen)
{
	struct capture_mgr *m = calloc(1, sizeof(*m));
	const struct config_capture *cc = &rt->cfg.capture;
	struct capture_tap_auto au = {
		.memcap = cc->history_memcap, .bytes = (uint32_t)cc->history_bytes,
		.first = cc->history_first, .last = cc->history_last,
		.snaplen = cc->history_snaplen, .event_packets = cc->event_packets,
		.event_us = (uint64_t)cc->event_seconds * 1000000,
		.event_rate = cc->event_rate,
	};
	struct stat st;
	unsigned int i, n;

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->rt = rt;
	m->cfg = rt->cfg.capture;
	m->enabled = m->cfg.enabled;
	m->next_serial = 1;
	snprintf(m->root, sizeof(m->root), "%s/captures", state_dir);
	if (!m->enabled)
		return m;
	if (mkdir(m->root, 0700) != 0 && errno != EEXIST)
		snprintf(m->root_err, sizeof(m->root_err), "%s: %s", m->root, strerror(errno));
	else if (stat(m->root, &st) != 0 || !S_ISDIR(st.st_mode))
		snprintf(m->root_err, sizeof(m->root_err), "%s: not a directory", m->root);
	else
		m->root_ok = 1;
	if (!m->root_ok)
		CAPTURE_LOG(WARNING, "captures unavailable: %s", m->root_err);
	pthread_mutex_lock(&m->lock);
	n = m->root_ok ? capture_store_load(m) : 0;
	pthread_mutex_unlock(&m->lock);
	if (n > 0)
		CAPTURE_LOG(INFO, "%u capture(s) found in %s", n, m->root);
	for (i = 0; i < rt->n_workers; i++) {
		struct worker *w = rt->workers[i];

		m->taps[i] = capture_tap_create(&m->set, m->cfg.ring_size,
						(int)rte_lcore_to_socket_id(w->lcore));
		if (m->taps[i] == NULL) {
			snprintf(err, errlen, "no memory for worker %u's capture ring of %" PRIu64
				 " bytes (capture.ring_size)", i, m->cfg.ring_size);
			goto fail;
		}
		m->n_taps = i + 1;
		/* Offline, a full copy ring makes the worker wait for the writer (lossless). */
		m->taps[i]->wait_when_full = rt->offline;
		if (capture_tap_auto_init(m->taps[i], &au,
					  (int)rte_lcore_to_socket_id(w->lcore)) != 0) {
			snprintf(err, errlen, "no memory for worker %u's flow histories of %" PRIu64
				 " bytes (capture.history_memcap)", i, au.memcap);
			goto fail;
		}
		w->cap = m->taps[i];
	}
	m->evkeys = calloc((size_t)RTE_MAX(m->n_taps, 1u) * CAPTURE_EVKEYS, sizeof(*m->evkeys));
	if (m->evkeys == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pthread_create(&m->thread, NULL, capture_writer_main, m) != 0) {
		snprintf(err, errlen, "cannot start the pcap writer thread: %s", strerror(errno));
		goto fail;
	}
	m->thread_started = 1;
	return m;
fail:
	capture_mgr_free(m);
	return NULL;
}

/* Free the replaced sets whose grace period is over (wait: all of them). */
static void
capture_reclaim(struct capture_mgr *m, bool wait)
{
	unsigned int i, k = 0;

	for (i = 0; i < m->n_pending; i++) {
		if (rte_rcu_qsbr_check(m->rt->qsbr, m->pending[i].token, wait) == 1) {
			free(m->pending[i].set);
			continue;
		}
		m->pending[k++] = m->pending[i];
	}
	m->n_pending = k;
}

/* Publish the set of running captures (lock held). */
static void
capture_publish(struct capture_mgr *m)
{
	struct capture_set *s = calloc(1, sizeof(*s)), *old = m->set;
	struct capture *c;
	uint64_t token;
	unsigned int i;

	if (s == NULL)
		return;		/* need_publish stays: the next tick tries again */
	for (i = 0; i < CAPTURE_SLOTS; i++) {
		struct capture_filter *f;

		c = m->slot[i];
		if (c == NULL || c->state != CAPTURE_RUNNING || c->replay)
			continue;
		f = &s->f[s->n++];
		f->serial = c->serial;
		f->snaplen = c->snaplen;
		f->slot = (uint8_t)i;
		f->bpf = capture_bpf_program(c->bpf);
		f->jit = capture_bpf_jit(c->bpf);
		c->published = 1;
	}
	if (s->n == 0) {
		free(s);
		s = NULL;
	}
	__atomic_store_n(&m->set, s, __ATOMIC_RELEASE);
	token = rte_rcu_qsbr_start(m->rt->qsbr);
	while (old != NULL && m->n_pending == CAPTURE_SETS_PENDING)
		capture_reclaim(m, m->n_pending == CAPTURE_SETS_PENDING);
	if (old != NULL) {
		m->pending[m->n_pending].set = old;
		m->pending[m->n_pending].token = token;
		m->n_pending++;
	}
	for (c = m->list; c != NULL; c = c->next)
		if (c->state == CAPTURE_STOPPING && !c->grace_done && !c->stop_sent) {
			c->stop_token = token;
			c->stop_sent = 1;
		}
	m->need_publish = 0;
}

void
capture_mgr_tick(struct capture_mgr *m)
{
	struct capture *c;
	unsigned int i;

	if (m == NULL || !m->enabled)
		return;
	pthread_mutex_lock(&m->lock);
	if (m->need_publish)
		capture_publish(m);
	for (c = m->list; c != NULL; c = c->next) {
		if (c->state != CAPTURE_STOPPING || c->grace_done || !c->stop_sent ||
		    rte_rcu_qsbr_check(m->rt->qsbr, c->stop_token, false) != 1)
			continue;
		for (i = 0; i < m->n_taps; i++)
			c->drain_to[i] = capture_ring_head(m->taps[i]->ring);
		c->grace_done = 1;
	}
	capture_reclaim(m, false);
	pthread_mutex_unlock(&m->lock);
}

static int
capture_stopping_left(struct capture_mgr *m)
{
	struct capture *c;
	int n = 0;

	pthread_mutex_lock(&m->lock);
	for (c = m->list; c != NULL; c = c->next)
		n += capture_active(c) && !c->replay;
	pthread_mutex_unlock(&m->lock);
	return n;
}

void
capture_mgr_input_done(struct capture_mgr *m)
{
	const char *why = m != NULL && m->rt->offline ? "end of input" : "shutdown";
	double deadline = capture_now() + CAPTURE_STOP_WAIT_S;
	struct capture *c;

	if (m == NULL || !m->enabled)
		return;
	pthread_mutex_lock(&m->lock);
	m->input_done = 1;
	for (c = m->list; c != NULL; c = c->next)
		if (!c->replay)
			capture_writer_stop(m, c, CAPTURE_STOPPED, "%s", why);
	pthread_mutex_unlock(&m->lock);
	/* The workers are offline: grace periods end at once; the writer closes the files. */
	while (capture_stopping_left(m) > 0 && capture_now() < deadline) {
		capture_mgr_tick(m);
		usleep(1000);
	}
}

void
capture_mgr_free(struct capture_mgr *m)
{
	struct capture *c;
	unsigned int i;

	if (m == NULL)
		return;
	if (m->thread_started) {
		__atomic_store_n(&m->quit, 1, __ATOMIC_RELEASE);
		pthread_join(m->thread, NULL);
	}
	pthread_mutex_lock(&m->lock);
	if (m->enabled)
		capture_writer_finish_all(m, m->rt->offline ? "end of input" : "shutdown");
	pthread_mutex_unlock(&m->lock);
	/* The workers have stopped: nothing reads the sets any more. */
	free(m->set);
	for (i = 0; i < m->n_pending; i++)
		free(m->pending[i].set);
	for (i = 0; i < m->n_taps; i++) {
		m->rt->workers[i]->cap = NULL;
		capture_tap_free(m->taps[i]);
	}
	while ((c = m->list) != NULL) {
		m->list = c->next;
		capture_store_free(c);
	}
	free(m->evkeys);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* A fresh random id (12 hex digits) that no capture and no directory has. */
static int
capture_new_id(struct capture_mgr *m, char *id)
{
	unsigned int tries;

	for (tries = 0; tries < 16; tries++) {
		uint8_t r[6];
		char dir[CAPTURE_PATH_LEN + CAPTURE_ID_LEN];
		struct stat st;

		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -EIO;
		snprintf(id, CAPTURE_ID_LEN, "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
			 r[4], r[5]);
		snprintf(dir, sizeof(dir), "%s/%s", m->root, id);
		if (capture_find(m, id) == NULL && stat(dir, &st) != 0)
			return 0;
	}
	return -EEXIST;
}

static int
capture_free_slot(const struct capture_mgr *m)
{
	unsigned int i, running = 0;
	int slot = -1;

	for (i = 0; i < CAPTURE_SLOTS; i++) {
		if (m->slot[i] != NULL)
			running++;
		else if (slot < 0)
			slot = (int)i;
	}
	return running >= m->cfg.max_concurrent ? -1 : slot;
}

int
capture_start(struct capture_mgr *m, const struct capture_req *r, char *id, char *err,
	      size_t errlen)
{
	struct capture_bpf *b;
	struct capture *c;
	char newid[CAPTURE_ID_LEN];
	int rc, slot, fresh = 0;

	if (!m->enabled) {
		snprintf(err, errlen, "packet capture is off (capture.enabled: false)");
		return -ENODEV;
	}
	if (!m->root_ok) {
		snprintf(err, errlen, "the captures directory is unusable: %s", m->root_err);
		return -ENODEV;
	}
	if ((r->id[0] != '\0' && !capture_id_valid(r->id)) ||
	    (r->name[0] != '\0' && !capture_name_valid(r->name))) {
		snprintf(err, errlen, "id and name: expected 1 to 32 of A-Z a-z 0-9 _ - (an id "
			 "does not start with -)");
		return -EINVAL;
	}
	b = capture_bpf_compile(r->expr, r->snaplen, err, errlen);
	if (b == NULL)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	if (m->input_done && !m->rt->offline) {
		snprintf(err, errlen, "the daemon is shutting down");
		rc = -ENODEV;
		goto fail;
	}
	c = r->id[0] != '\0' ? capture_find(m, r->id) : NULL;
	if (c != NULL && capture_active(c)) {
		snprintf(err, errlen, "capture %s is %s", c->id,
			 c->state == CAPTURE_RUNNING ? "running" : "stopping");
		rc = -EBUSY;
		goto fail;
	}
	if (c != NULL && c->kind == CAPTURE_KIND_EVENT) {
		snprintf(err, errlen, "capture %s holds the packets of an event: it is not started "
			 "again (choose another id)", c->id);
		rc = -EBUSY;
		goto fail;
	}
	if (c != NULL && r->name[0] != '\0' && strcmp(r->name, c->name) != 0) {
		snprintf(err, errlen, "capture %s names its files %s: a restart keeps the name",
			 c->id, c->name);
		rc = -EINVAL;
		goto fail;
	}
	slot = capture_free_slot(m);
	if (slot < 0) {
		snprintf(err, errlen, "%u captures are running (capture.max_concurrent): stop one "
			 "first", m->cfg.max_concurrent);
		rc = -EMFILE;
		goto fail;
	}
	rc = capture_store_make_room(m, r->file_size * r->file_count, c, err, errlen);
	if (rc != 0)
		goto fail;
	if (c == NULL) {
		if (r->id[0] != '\0') {
			char dir[CAPTURE_PATH_LEN + CAPTURE_ID_LEN];
			struct stat st;

			snprintf(dir, sizeof(dir), "%s/%s", m->root, r->id);
			if (stat(dir, &st) == 0) {
				snprintf(err, errlen, "%s exists and is not a capture this daemon "
					 "lists (see the log of its start): it is left alone", dir);
				rc = -EEXIST;
				goto fail;
			}
			snprintf(newid, sizeof(newid), "%s", r->id);
		} else if ((rc = capture_new_id(m, newid)) != 0) {
			snprintf(err, errlen, "no capture id could be made: %s", strerror(-rc));
			goto fail;
		}
		c = capture_store_new(m, newid, r->name[0] != '\0' ? r->name : newid);
		if (c == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
			goto fail;
		}
		fresh = 1;
		c->created_us = capture_wall_us();
	}
	if (mkdir(c->dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", c->dir, strerror(errno));
		rc = -EIO;
		goto fail_new;
	}
	free(c->expr);
	c->expr = strdup(r->expr != NULL ? r->expr : "");
	json_decref(c->filter);
	c->filter = r->filter != NULL ? json_incref(r->filter) : NULL;
	c->snaplen = r->snaplen;
	c->file_size = r->file_size;
	c->file_count = r->file_count;
	c->duration = r->duration;
	c->packet_limit = r->packets;
	c->files.snaplen = r->snaplen;
	c->files.file_size = r->file_size;
	c->files.file_count = r->file_count;
	c->run_packets = 0;
	c->run_matched = c->run_dropped = 0;
	if (c->expr == NULL ||
	    (rc = capture_files_open(&c->files, capture_wall_us(), err, errlen)) != 0) {
		if (c->expr == NULL)
			snprintf(err, errlen, "out of memory");
		rc = c->expr == NULL ? -ENOMEM : -EIO;
		goto fail_new;
	}
	c->state = CAPTURE_RUNNING;
	c->reason[0] = '\0';
	c->purge = c->published = c->stop_sent = c->grace_done = 0;
	c->started_us = capture_wall_us();
	c->stopped_us = 0;
	c->deadline = c->duration != 0 ? capture_now() + c->duration : 0;
	c->replay = m->input_done;
	c->rp_file = 0;
	c->slot = slot;
	c->serial = m->next_serial++;
	if (m->next_serial == 0)
		m->next_serial = 1;
	c->bpf = b;
	b = NULL;
	m->slot[slot] = c;
	if (fresh) {
		struct capture **pp = &m->list;

		while (*pp != NULL)
			pp = &(*pp)->next;
		*pp = c;
	}
	m->need_publish = !c->replay;
	m->started++;
	capture_store_save(m, c);
	snprintf(id, CAPTURE_ID_LEN, "%s", c->id);
	CAPTURE_LOG(INFO, "capture %s started%s: filter \"%s\", snaplen %u, %u files of %"
		    PRIu64 " bytes", c->id, c->replay ? " (reading the input again)" : "",
		    c->expr, c->snaplen, c->file_count, c->file_size);
	pthread_mutex_unlock(&m->lock);
	capture_mgr_tick(m);
	return 0;
fail_new:
	if (fresh) {
		capture_store_remove(c);
		capture_store_free(c);
	}
fail:
	pthread_mutex_unlock(&m->lock);
	capture_bpf_free(b);
	return rc;
}

int
capture_stop(struct capture_mgr *m, const char *id, int purge)
{
	struct capture *c;
	int rc = 0;

	pthread_mutex_lock(&m->lock);
	c = capture_find(m, id);
	if (c == NULL) {
		rc = -ENOENT;
	} else if (capture_active(c)) {
		capture_writer_stop(m, c, CAPTURE_STOPPED, "stopped through the API");
		if (purge) {
			c->purge = 1;
			rc = 1;
		}
	} else if (purge) {
		capture_store_remove(c);
		capture_store_unlink(m, c);
		capture_store_free(c);
	}
	pthread_mutex_unlock(&m->lock);
	capture_mgr_tick(m);
	return rc;
}

json_t *
capture_list_json(struct capture_mgr *m)
{
	json_t *a = json_array();
	struct capture *c;

	pthread_mutex_lock(&m->lock);
	for (c = m->list; c != NULL; c = c->next)
		json_array_append_new(a, capture_store_json(m, c));
	pthread_mutex_unlock(&m->lock);
	return json_pack("{s:o}", "captures", a);
}

json_t *
capture_get_json(struct capture_mgr *m, const char *id)
{
	struct capture *c;
	json_t *o = NULL;

	pthread_mutex_lock(&m->lock);
	c = capture_find(m, id);
	if (c != NULL)
		o = capture_store_json(m, c);
	pthread_mutex_unlock(&m->lock);
	return o;
}

int
capture_file_open(struct capture_mgr *m, const char *id, uint32_t index, int *fd,
		  uint64_t *size, char *name, size_t namelen)
{
	char path[CAPTURE_FILE_PATH_LEN];
	struct capture *c;
	struct stat st;
	int rc = -ENOENT;
	uint32_t i;

	pthread_mutex_lock(&m->lock);
	c = capture_find(m, id);
	if (c == NULL || capture_files_path(&c->files, index, path, sizeof(path)) != 0)
		goto out;
	/* The open file: what libpcap wrote so far goes to disk first. */
	if (c->files.out != NULL && c->files.n > 0 && c->files.f[c->files.n - 1].index == index)
		capture_files_flush(&c->files);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		goto out;
	if (fstat(*fd, &st) != 0) {
		close(*fd);
		goto out;
	}
	*size = (uint64_t)st.st_size;
	for (i = 0; i < c->files.n; i++)
		if (c->files.f[i].index == index)
			capture_files_name(&c->files, &c->files.f[i], name, namelen);
	rc = 0;
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}

int
capture_event_note(struct capture_mgr *m, unsigned int worker, uint32_t seq, uint8_t type,
		   uint64_t flow_id, uint64_t ts_us, char *id)
{
	struct capture *c;
	int rc = -ENOENT;

	if (m == NULL || !m->enabled || seq == 0)
		return -ENOENT;
	pthread_mutex_lock(&m->lock);
	c = capture_event_get(m, worker, seq, type, flow_id, ts_us);
	if (c != NULL) {
		snprintf(id, CAPTURE_ID_LEN, "%s", c->id);
		rc = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

void
capture_mgr_stats(struct capture_mgr *m, struct capture_mgr_stats *s)
{
	struct capture *c;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	for (c = m->list; c != NULL; c = c->next) {
		s->captures++;
		s->running += capture_active(c);
		s->disk_bytes += c->files.bytes;
		s->files += c->files.created;
		s->files_deleted += c->files.deleted;
	}
	s->files += m->files;
	s->files_deleted += m->files_deleted;
	s->quota = m->cfg.quota;
	s->started = m->started;
	s->written = m->written;
	s->written_bytes = m->written_bytes;
	s->evicted = m->evicted;
	s->write_errors = m->write_errors;
	s->repaired = m->repaired;
	s->event_made = m->ev_made;
	s->event_refused = m->ev_refused;
	s->event_deleted = m->ev_deleted;
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < m->n_taps; i++) {
		const struct capture_tap_stats *t = &m->taps[i]->st;

		s->matched += t->matched;
		s->dropped += t->dropped;
		s->history_taken += t->hist_taken;
		s->history_refused += t->hist_refused;
		s->history_in_use += t->hist_in_use;
		s->history_evicted += t->hist_evicted;
		s->event_started += t->ev_started;
		s->event_missed += t->ev_missed;
		s->event_limited += t->ev_limited;
		s->event_copies += t->ev_copies;
		s->event_lost += t->ev_lost;
		if (m->taps[i]->hist != NULL)
			s->history_slots += m->taps[i]->hist->n;
	}
}
