/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pcap writer thread (a plain pthread, not an lcore): the one consumer of every
 * worker's copy ring. Each turn, with the registry lock held:
 *
 *   drain   up to WRITER_BATCH records per ring; a record goes to the capture holding its
 *           slot with the same serial (a stale one, from a capture already finished, is
 *           counted and dropped), through capture_files_write (rotation, ring deletion);
 *           event captures' records (slot CAPTURE_SLOT_EVENT) make the capture (START),
 *           fill it (copies) and complete it (END): capture_event.c
 *   replay  offline captures started after the input ended read the input files again
 *   limits  a packet limit reached or a duration passed asks the capture to stop
 *   finish  a stopping capture whose grace period is over (no worker copies for it any
 *           more, control sets grace_done) and whose records are all drained: its file is
 *           closed, its counts frozen, capture.json written, its slot freed
 *   flush   every WRITER_FLUSH_S, what libpcap wrote goes to the files
 *
 * then sleeps 1 ms when there was nothing to do (20 ms when no capture runs). Live, workers
 * never wait for it: a full ring makes them drop the copy (counted); offline they wait.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <pcap/pcap.h>
#include <rte_log.h>
#include "capture_bpf.h"
#include "capture_priv.h"
#include "capture_ring.h"
#include "capture_tap.h"

RTE_LOG_REGISTER_SUFFIX(capture_writer_logtype, capture.writer, INFO);
#define WRITER_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, capture_writer_logtype, "tollgate.capture: " fmt "\n", \
		##__VA_ARGS__)

#define WRITER_BATCH 4096		/* records per ring, packets per replay, per turn */
#define WRITER_FLUSH_S 0.25
#define WRITER_MAX_FRAME (65535 + 64)	/* as the pcap reader: larger frames never reach
					 * a worker */

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

double
capture_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

uint64_t
capture_wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

void
capture_writer_stop(struct capture_mgr *m, struct capture *c, uint8_t final, const char *fmt,
		    ...)
{
	va_list ap;

	if (c->state != CAPTURE_RUNNING)
		return;
	c->state = CAPTURE_STOPPING;
	c->final_state = final;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	if (c->kind == CAPTURE_KIND_EVENT) {
		unsigned int i;

		/* Not in any published set: what its worker wrote so far is written first. */
		c->grace_done = 1;
		for (i = 0; i < m->n_taps; i++)
			c->drain_to[i] = capture_ring_head(m->taps[i]->ring);
	} else if (c->replay || !c->published) {
		/* No worker ever copied for it: nothing to wait for. */
		c->grace_done = 1;
		memset(c->drain_to, 0, sizeof(c->drain_to));
	} else {
		m->need_publish = 1;
	}
}

/* Write one copy for c; a write error fails the capture, a limit stops it. */
static void
writer_write(struct capture_mgr *m, struct capture *c, const struct capture_rec *r,
	     const uint8_t *data)
{
	char err[CAPTURE_PATH_LEN + 64];
	int rc;

	if (c->packet_limit != 0 && c->run_packets >= c->packet_limit)
		return;
	rc = capture_files_write(&c->files, r, data, capture_wall_us(), err, sizeof(err));
	if (rc != 0) {
		m->write_errors++;
		WRITER_LOG(ERR, "capture %s: %s", c->id, err);
		capture_writer_stop(m, c, CAPTURE_FAILED, "write error: %s", err);
		return;
	}
	c->packets++;
	c->run_packets++;
	c->bytes += r->caplen;
	m->written++;
	m->written_bytes += r->caplen;
	if (c->packet_limit != 0 && c->run_packets == c->packet_limit)
		capture_writer_stop(m, c, CAPTURE_STOPPED, "packet limit of %" PRIu64 " reached",
				    c->packet_limit);
}

/* A record of an event capture, from worker's ring. */
static void
writer_event(struct capture_mgr *m, unsigned int worker, const struct capture_rec *r)
{
	const uint8_t *data = (const uint8_t *)(r + 1);
	struct capture_event_start st;
	struct capture *c;

	if (r->kind == CAPTURE_REC_START) {
		if (r->caplen < sizeof(st)) {
			m->stale++;
			return;
		}
		memcpy(&st, data, sizeof(st));
		capture_event_get(m, worker, r->serial, st.type, st.flow_id, st.ts_us);
		return;
	}
	c = capture_event_find(m, worker, r->serial);
	if (c == NULL || c->files.out == NULL ||
	    (c->state == CAPTURE_STOPPING && c->final_state == CAPTURE_FAILED) ||
	    c->state == CAPTURE_STOPPED || c->state == CAPTURE_FAILED) {
		m->stale++;
		return;
	}
	if (r->kind == CAPTURE_REC_END) {
		if (r->caplen >= sizeof(c->ev_end))
			memcpy(&c->ev_end, data, sizeof(c->ev_end));
		c->ev_ended = 1;
		if (c->state == CAPTURE_RUNNING)
			capture_writer_stop(m, c, CAPTURE_STOPPED, "%s",
					    capture_event_why(c->ev_end.why));
		else if (c->final_state == CAPTURE_STOPPED)
			snprintf(c->reason, sizeof(c->reason), "%s",
				 capture_event_why(c->ev_end.why));
		/* Its last record: nothing of it is left in the ring. */
		c->grace_done = 1;
		memset(c->drain_to, 0, sizeof(c->drain_to));
		return;
	}
	/* One file, never rotated: a copy past its bound is left out (counted). */
	if (c->files.n == 0 ||
	    c->files.f[c->files.n - 1].size + CAPTURE_PKT_HDR + r->caplen > c->file_size) {
		c->ev_skipped++;
		return;
	}
	writer_write(m, c, r, data);
}

static void
writer_record(struct capture_mgr *m, unsigned int worker, const struct capture_rec *r)
{
	struct capture *c = r->slot < CAPTURE_SLOTS ? m->slot[r->slot] : NULL;

	if (r->slot == CAPTURE_SLOT_EVENT) {
		writer_event(m, worker, r);
		return;
	}

	if (c == NULL || c->serial != r->serial || c->files.out == NULL ||
	    (c->state == CAPTURE_STOPPING && c->final_state == CAPTURE_FAILED)) {
		m->stale++;
		return;
	}
	writer_write(m, c, r, (const uint8_t *)(r + 1));
}

static unsigned int
writer_drain(struct capture_mgr *m, unsigned int budget)
{
	unsigned int i, k, n = 0;

	for (i = 0; i < m->n_taps; i++) {
		struct capture_ring *ring = m->taps[i]->ring;

		for (k = 0; k < budget; k++) {
			const struct capture_rec *r = capture_ring_peek(ring);

			if (r == NULL)
				break;
			writer_record(m, i, r);
			capture_ring_release(ring, r->size);
			n++;
		}
	}
	return n;
}

/* The ethertype of a raw IP packet (DLT_RAW), from its version nibble. */
static uint16_t
writer_ip_ethertype(const uint8_t *p, uint32_t len)
{
	if (len > 0 && (p[0] >> 4) == 6)
		return 0x86dd;
	return 0x0800;
}

/*
 * The next packet of the input files as the workers saw it: Ethernet, or a zero Ethernet
 * header in front of raw IP and Linux cooked captures (dataplane/pcap_reader.c does the
 * same). Returns 1 with the frame in buf, 0 at the end of the input, -1 on an error
 * (err set).
 */
static int
writer_replay_next(struct capture_mgr *m, struct capture *c, uint8_t *buf,
		   struct capture_rec *r, char *err, size_t errlen)
{
	const struct runtime *rt = m->rt;
	char perr[PCAP_ERRBUF_SIZE];

	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		uint32_t strip = 0, hlen = 0, len, wire;
		int dlt, rc;

		if (c->rp == NULL) {
			if (c->rp_file >= rt->n_read)
				return 0;
			c->rp = pcap_open_offline(rt->read_files[c->rp_file], perr);
			if (c->rp == NULL) {
				snprintf(err, errlen, "%s: %s", rt->read_files[c->rp_file], perr);
				return -1;
			}
		}
		rc = pcap_next_ex(c->rp, &h, &data);
		if (rc == PCAP_ERROR_BREAK) {
			pcap_close(c->rp);
			c->rp = NULL;
			c->rp_file++;
			continue;
		}
		if (rc != 1) {
			snprintf(err, errlen, "%s: %s", rt->read_files[c->rp_file],
				 pcap_geterr(c->rp));
			return -1;
		}
		dlt = pcap_datalink(c->rp);
		len = h->caplen;
		wire = h->len;
		if (dlt == DLT_LINUX_SLL)
			strip = 16;
		else if (dlt == DLT_LINUX_SLL2)
			strip = 20;
		if (dlt != DLT_EN10MB) {
			uint16_t et;

			if (strip > len)
				continue;
			if (dlt == DLT_LINUX_SLL)
				et = (uint16_t)(data[14] << 8 | data[15]);
			else if (dlt == DLT_LINUX_SLL2)
				et = (uint16_t)(data[0] << 8 | data[1]);
			else
				et = writer_ip_ethertype(data, len);
			memset(buf, 0, 14);
			buf[12] = (uint8_t)(et >> 8);
			buf[13] = (uint8_t)et;
			hlen = 14;
			data += strip;
			len -= strip;
			wire = wire - strip + hlen;
		}
		if (hlen + len > WRITER_MAX_FRAME)
			continue;
		memcpy(buf + hlen, data, len);
		memset(r, 0, sizeof(*r));
		r->ts_us = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
		r->caplen = hlen + len;
		r->origlen = wire < r->caplen ? r->caplen : wire;
		return 1;
	}
}

/* Up to budget packets of the input through c's filter. */
static unsigned int
writer_replay(struct capture_mgr *m, struct capture *c, unsigned int budget)
{
	static uint8_t frame[WRITER_MAX_FRAME];
	char err[CAPTURE_PATH_LEN + PCAP_ERRBUF_SIZE];
	struct capture_rec r;
	unsigned int n;

	for (n = 0; n < budget && c->state == CAPTURE_RUNNING; n++) {
		int rc = writer_replay_next(m, c, frame, &r, err, sizeof(err));

		if (rc == 0) {
			capture_writer_stop(m, c, CAPTURE_STOPPED, "end of input");
			break;
		}
		if (rc < 0) {
			WRITER_LOG(ERR, "capture %s: %s", c->id, err);
			capture_writer_stop(m, c, CAPTURE_FAILED, "input: %s", err);
			break;
		}
		if (!capture_bpf_match(c->bpf, frame, r.caplen, r.origlen))
			continue;
		c->run_matched++;
		if (r.caplen > c->snaplen)
			r.caplen = c->snaplen;
		writer_write(m, c, &r, frame);
	}
	return n;
}

/* Are the rings drained up to where they stood when c's grace period ended? */
static int
writer_drained(const struct capture_mgr *m, const struct capture *c)
{
	unsigned int i;

	for (i = 0; i < m->n_taps; i++)
		if (capture_ring_tail(m->taps[i]->ring) < c->drain_to[i])
			return 0;
	return 1;
}

/* c is stopping, its grace period is over and its records written: close and record. */
static void
writer_finish(struct capture_mgr *m, struct capture *c)
{
	uint64_t matched = c->run_matched, dropped = c->run_dropped;
	int rc = capture_files_close(&c->files);

	if (rc != 0 && c->final_state != CAPTURE_FAILED) {
		m->write_errors++;
		c->final_state = CAPTURE_FAILED;
		snprintf(c->reason, sizeof(c->reason), "write error: %s: %s", c->dir,
			 strerror(-rc));
	}
	if (c->slot >= 0 && !c->replay)
		capture_tap_counts(m->taps, m->n_taps, (uint8_t)c->slot, c->serial, &matched,
				   &dropped);
	c->matched_done += matched;
	c->dropped_done += dropped;
	c->run_matched = c->run_dropped = 0;
	if (c->slot >= 0)
		m->slot[c->slot] = NULL;
	c->slot = -1;
	c->serial = 0;
	c->published = 0;
	capture_bpf_free(c->bpf);
	c->bpf = NULL;
	if (c->rp != NULL) {
		pcap_close(c->rp);
		c->rp = NULL;
	}
	c->state = c->final_state;
	c->stopped_us = capture_wall_us();
	WRITER_LOG(INFO, "capture %s %s: %s (%" PRIu64 " packets, %" PRIu64 " dropped)", c->id,
		   c->state == CAPTURE_FAILED ? "failed" : "stopped", c->reason, c->packets,
		   c->dropped_done);
	capture_store_save(m, c);
	if (c->purge) {
		struct capture **pp;

		m->files += c->files.created;
		m->files_deleted += c->files.deleted;
		capture_store_remove(c);
		for (pp = &m->list; *pp != NULL; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		capture_store_free(c);
	}
}

/*
 * Drain, limits, replays and stops; returns the work done (records, packets) and sets
 * *active when a capture runs or is stopping.
 */
static unsigned int
writer_turn(struct capture_mgr *m, int *active)
{
	unsigned int n = writer_drain(m, WRITER_BATCH);
	double now = capture_now();
	struct capture *c, *next;

	*active = 0;
	for (c = m->list; c != NULL; c = next) {
		next = c->next;
		*active |= c->state == CAPTURE_RUNNING || c->state == CAPTURE_STOPPING;
		if (c->state == CAPTURE_RUNNING && c->deadline != 0 && now >= c->deadline &&
		    c->kind == CAPTURE_KIND_EVENT)
			capture_writer_stop(m, c, CAPTURE_STOPPED, "no end record from worker %u "
					    "within capture.event_seconds + 60 s (copies lost: "
					    "its copy ring was full)", c->ev_worker);
		else if (c->state == CAPTURE_RUNNING && c->deadline != 0 && now >= c->deadline)
			capture_writer_stop(m, c, CAPTURE_STOPPED, "duration of %u s reached",
					    c->duration);
		if (c->state == CAPTURE_RUNNING && c->replay)
			n += writer_replay(m, c, WRITER_BATCH);
		if (c->state == CAPTURE_STOPPING && c->grace_done && writer_drained(m, c)) {
			writer_finish(m, c);
			n++;
		}
	}
	if (now - m->last_flush >= WRITER_FLUSH_S) {
		for (c = m->list; c != NULL; c = c->next)
			if (c->files.out != NULL && capture_files_flush(&c->files) != 0 &&
			    c->state == CAPTURE_RUNNING) {
				m->write_errors++;
				capture_writer_stop(m, c, CAPTURE_FAILED, "write error: %s",
						    c->dir);
			}
		m->last_flush = now;
	}
	return n;
}

void *
capture_writer_main(void *arg)
{
	struct capture_mgr *m = arg;
	/* 1 ms between turns while a capture runs (a 4 MiB ring holds ~3 ms of 10 Gbit/s);
	 * 20 ms when none does, not to wake the control thread's CPU for nothing. */
	struct timespec busy = { .tv_sec = 0, .tv_nsec = 1000000 };
	struct timespec idle = { .tv_sec = 0, .tv_nsec = 20000000 };

	while (!__atomic_load_n(&m->quit, __ATOMIC_ACQUIRE)) {
		unsigned int n;
		int active;

		pthread_mutex_lock(&m->lock);
		n = writer_turn(m, &active);
		pthread_mutex_unlock(&m->lock);
		if (n == 0)
			nanosleep(active ? &busy : &idle, NULL);
	}
	return NULL;
}

void
capture_writer_finish_all(struct capture_mgr *m, const char *reason)
{
	struct capture *c, *next;
	unsigned int i;

	writer_drain(m, UINT32_MAX);
	for (c = m->list; c != NULL; c = next) {
		next = c->next;
		capture_writer_stop(m, c, CAPTURE_STOPPED, "%s", reason);
		if (c->state != CAPTURE_STOPPING)
			continue;
		c->grace_done = 1;
		for (i = 0; i < m->n_taps; i++)
			c->drain_to[i] = 0;
		writer_finish(m, c);
	}
}
