/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the capture module only: the registry's layout and what its files share. Calls
 * run one way, down this list:
 *
 *   capture.c         the service: start, stop, lists, publication to workers
 *   capture_writer.c  the pcap writer thread: drain, write, limits, finish, replay
 *   capture_event.c   automatic (event) captures: made from worker records or events
 *   capture_store.c   capture.json (save, load), JSON views, the directory of captures,
 *                     the quota
 *   capture_file.c    one capture's ring of pcap files (capture_file.h)
 *   capture_bpf.c     filters (capture_bpf.h)
 *
 * Fields marked (lock) are read and written with m->lock held; (writer) only by the
 * writer thread; (control) only by the control thread.
 *
 *   state:  RUNNING ──stop (API, limit, error, end)──► STOPPING ──grace period and the
 *           rings drained past it──► STOPPED or FAILED ──(start again with its id)──► RUNNING
 */
#ifndef TOLLGATE_CAPTURE_PRIV_H
#define TOLLGATE_CAPTURE_PRIV_H

#include <pthread.h>
#include <stdint.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include "capture.h"
#include "capture_file.h"
#include "capture_types.h"
#include "config_types.h"
#include "runtime_types.h"

#define CAPTURE_SETS_PENDING 64		/* replaced sets waiting for their grace period */
#define CAPTURE_REASON_LEN 768

enum capture_state {
	CAPTURE_RUNNING = 0,
	CAPTURE_STOPPING,
	CAPTURE_STOPPED,
	CAPTURE_FAILED,
};

enum capture_kind {
	CAPTURE_KIND_MANUAL = 0,	/* POST /v1/captures, --capture: a BPF filter */
	CAPTURE_KIND_EVENT,		/* automatic: the packets of one event's flow */
};

/*
 * Event captures by (worker, sequence): the writer thread (START records) and the control
 * thread (events) both look them up, and whichever comes first makes the capture. An
 * entry remembers a sequence was handled even when its capture was refused or deleted
 * since (c NULL), so that the other side does not make it again.
 */
#define CAPTURE_EVKEYS 1024		/* entries per worker (sequence modulo) */

struct capture;

struct capture_evkey {
	uint32_t seq;			/* 0: never used */
	struct capture *c;		/* NULL: refused, or deleted since */
};

struct capture_bpf;

struct capture {
	struct capture *next;		/* registry, oldest first (lock) */
	char id[CAPTURE_ID_LEN];
	char name[CAPTURE_NAME_LEN];
	char dir[CAPTURE_PATH_LEN];
	char *expr;			/* the BPF expression compiled ("" = every packet) */
	json_t *filter;			/* the request's filter, as given */
	uint32_t snaplen;
	uint64_t file_size;
	uint32_t file_count;
	uint32_t duration;		/* seconds, 0 = none */
	uint64_t packet_limit;		/* 0 = none */
	uint8_t state;			/* enum capture_state (lock) */
	uint8_t final_state;		/* STOPPED or FAILED, once stopping (lock) */
	uint8_t purge;			/* delete it once stopped (lock) */
	uint8_t replay;			/* offline after the input: read the files again */
	char reason[CAPTURE_REASON_LEN];	/* why it stopped ("" while running) (lock) */
	uint64_t created_us;		/* wall clock of the first start */
	uint64_t started_us;		/* ... of the last start */
	uint64_t stopped_us;		/* ... of the stop, 0 while running */
	double deadline;		/* monotonic seconds of the duration limit, 0 = none */
	/* Running (lock): the slot workers count it in and the serial of this run. */
	int slot;			/* -1 when not running */
	uint32_t serial;
	struct capture_bpf *bpf;
	uint8_t published;		/* the set workers read holds it */
	uint8_t stop_sent;		/* a set without it was published, stop_token valid */
	uint8_t grace_done;		/* no worker copies for it any more (control sets it) */
	uint64_t stop_token;
	uint64_t drain_to[RUNTIME_MAX_WORKERS];	/* ring heads when grace_done was set */
	/* Counters (lock): over every run of this capture. */
	uint64_t packets;		/* written to files */
	uint64_t bytes;			/* packet bytes written */
	uint64_t matched_done;		/* matched and dropped by earlier runs (and this one, */
	uint64_t dropped_done;		/* once stopped) */
	uint64_t run_packets;		/* written by this run (the packet limit) */
	uint64_t run_matched;		/* this run's, frozen once it stopped */
	uint64_t run_dropped;
	struct capture_files files;	/* (lock) */
	/* Replay (writer). */
	pcap_t *rp;
	unsigned int rp_file;
	/* Event captures (kind EVENT, lock). */
	uint8_t kind;			/* enum capture_kind */
	uint8_t ev_type;		/* enum capture_event_type */
	uint16_t ev_worker;
	uint32_t ev_seq;		/* 0: listed from disk (no worker writes to it) */
	uint64_t ev_flow_id;
	uint64_t ev_us;			/* the event's time */
	uint8_t ev_ended;		/* the worker's END record came */
	struct capture_event_end ev_end;	/* what the worker copied (its END record) */
	uint64_t ev_skipped;		/* copies past the file's bound, not written */
	struct capture_evkey *evkey;	/* its entry, or NULL */
};

struct capture_pending_set {
	struct capture_set *set;
	uint64_t token;
};

struct capture_mgr {
	pthread_mutex_t lock;
	struct runtime *rt;
	struct config_capture cfg;
	char root[CAPTURE_ROOT_LEN];		/* STATE_DIR/captures */
	uint8_t enabled;
	uint8_t root_ok;			/* the directory exists and is ours */
	char root_err[CAPTURE_REASON_LEN];
	uint8_t input_done;			/* workers stopped (lock) */
	struct capture *list;			/* (lock) */
	struct capture *slot[CAPTURE_SLOTS];	/* running or stopping, by slot (lock) */
	struct capture_tap *taps[RUNTIME_MAX_WORKERS];
	unsigned int n_taps;
	struct capture_set *set;		/* what workers read (control) */
	struct capture_pending_set pending[CAPTURE_SETS_PENDING];	/* (control) */
	unsigned int n_pending;
	uint8_t need_publish;			/* the running set changed (lock) */
	uint32_t next_serial;			/* (lock) */
	pthread_t thread;
	uint8_t thread_started;
	volatile int quit;			/* writer: finish everything and exit */
	double last_flush;			/* (writer) */
	/* Totals (lock). */
	uint64_t started, written, written_bytes, files, files_deleted, evicted, write_errors;
	uint64_t repaired, stale;
	/* Event captures (lock). */
	struct capture_evkey *evkeys;		/* n_taps * CAPTURE_EVKEYS */
	uint64_t ev_made, ev_refused, ev_deleted;
};

static inline int
capture_active(const struct capture *c)
{
	return c->state == CAPTURE_RUNNING || c->state == CAPTURE_STOPPING;
}

/* ---- capture_writer.c ---- */

/* The writer thread (pthread_create start routine; arg is the struct capture_mgr). */
void *capture_writer_main(void *arg);

/*
 * Ask c to stop (lock held): RUNNING becomes STOPPING with final (STOPPED or FAILED) and
 * reason; the control thread publishes a set without it at its next tick. No-op unless
 * RUNNING.
 */
void capture_writer_stop(struct capture_mgr *m, struct capture *c, uint8_t final,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Workers stopped: drain every ring, stop every running capture with reason and finish
 * every stopping one now (lock held; the writer thread must not run).
 */
void capture_writer_finish_all(struct capture_mgr *m, const char *reason);

/* Monotonic seconds. */
double capture_now(void);

/* Wall clock, microseconds since the epoch. */
uint64_t capture_wall_us(void);

/* ---- capture_event.c ---- */

/*
 * The event capture seq of worker: the one made already, or a new running one for an
 * event of type (enum capture_event_type) of flow flow_id at ev_us (lock held). NULL when
 * that sequence was refused or deleted before, or cannot be made now (counted in
 * ev_refused, logged once in a while).
 */
struct capture *capture_event_get(struct capture_mgr *m, unsigned int worker, uint32_t seq,
				  uint8_t type, uint64_t flow_id, uint64_t ev_us);

/* The event capture seq of worker, or NULL (not made, refused or deleted) (lock held). */
struct capture *capture_event_find(struct capture_mgr *m, unsigned int worker, uint32_t seq);

/* "the flow ended", ... : why the worker ended an event capture (enum capture_event_end_why). */
const char *capture_event_why(uint8_t why);

/* ---- capture_store.c ---- */

/* The capture as the API shows it (new reference), counters summed now (lock held). */
json_t *capture_store_json(struct capture_mgr *m, struct capture *c);

/* Write c's capture.json (temp, fsync, rename). 0 or -errno (lock held). */
int capture_store_save(struct capture_mgr *m, struct capture *c);

/*
 * Read every m->root/<id>/capture.json and the ring files beside it; each becomes a
 * stopped capture in m->list, oldest first. Returns how many (lock held, at start-up).
 */
unsigned int capture_store_load(struct capture_mgr *m);

/* Delete c's files, capture.json and directory (c stays in the list). 0 or -errno. */
int capture_store_remove(struct capture *c);

/* A capture record (calloc'd, files initialised for dir), or NULL. */
struct capture *capture_store_new(struct capture_mgr *m, const char *id, const char *name);

/* Free c (its files closed, its filter freed). */
void capture_store_free(struct capture *c);

/*
 * Room for need more bytes in the quota: running captures keep what they reserved
 * (file_size * file_count), stopped ones what their files hold; the oldest stopped
 * captures (but keep) are deleted until need fits. -ENOSPC, deleting nothing, when it
 * cannot fit at all (err says why). Lock held.
 */
int capture_store_make_room(struct capture_mgr *m, uint64_t need, const struct capture *keep,
			    char *err, size_t errlen);

/* Take c off m's list (its file counts go to m's totals); the caller frees it. */
void capture_store_unlink(struct capture_mgr *m, struct capture *c);

/* "2024-05-01T10:00:00.123456+0000" (as events) for us into buf (32 bytes). */
const char *capture_store_ts(uint64_t us, char *buf, size_t len);

#endif
