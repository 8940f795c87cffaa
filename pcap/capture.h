/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet captures (docs/capture.md): the registry of captures, their start and stop, the
 * pcap writer thread, the disk quota, and what survives a restart.
 *
 *   control thread                     workers                pcap writer thread
 *   ─────────────────────────────      ─────────────────      ──────────────────────────
 *   capture_start: compile BPF,        tap: filter, copy  ──► drain copy rings, pcap_dump
 *     reserve quota, open file 1         into own ring        into ring files, rotate,
 *   capture_mgr_tick: publish the                              flush every 250 ms, stop
 *     running set (RCU), grace ──────────────────────────────► at a limit, finish stopped
 *     periods, free old sets                                   captures, write capture.json
 *
 * Each capture lives in STATE_DIR/captures/<id>/: its ring files (capture_file.h) and
 * capture.json (what it was asked, its counters, why it stopped). At start-up every such
 * directory is listed again, stopped; a capture started again with the same id continues
 * its ring's numbering.
 *
 * A registry lock serialises the control thread and the writer thread; neither holds it
 * for long (the writer drains at most a bounded batch per turn). Workers never take it.
 * Every function here is for the control thread unless it says otherwise.
 */
#ifndef TOLLGATE_CAPTURE_H
#define TOLLGATE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "capture_file.h"


struct capture_mgr;
struct runtime;

/* A capture to start: limits already checked against the configuration. */
struct capture_req {
	char id[CAPTURE_ID_LEN];	/* "" = a new random id; a stopped capture's id starts
					 * it again (its ring continues) */
	char name[CAPTURE_NAME_LEN];	/* file name prefix; "" = the id */
	const char *expr;		/* BPF expression ("" = every packet) */
	json_t *filter;			/* the request's filter as given (borrowed), or NULL */
	uint32_t snaplen;
	uint64_t file_size;
	uint32_t file_count;
	uint32_t duration;		/* seconds, 0 = until stopped */
	uint64_t packets;		/* 0 = no limit */
};

/* Totals for /metrics and /v1/stats. */
struct capture_mgr_stats {
	uint64_t running;		/* gauge: captures running or stopping */
	uint64_t captures;		/* gauge: captures listed */
	uint64_t disk_bytes;		/* gauge: bytes of every capture's files */
	uint64_t quota;			/* capture.quota */
	uint64_t started;		/* captures started since start-up */
	uint64_t matched;		/* packets workers matched (all captures) */
	uint64_t dropped;		/* copies dropped: a worker's copy ring was full */
	uint64_t written;		/* packets written to files */
	uint64_t written_bytes;		/* packet bytes written */
	uint64_t files;			/* files opened */
	uint64_t files_deleted;		/* files deleted by rings wrapping */
	uint64_t evicted;		/* stopped captures deleted for the quota */
	uint64_t write_errors;		/* captures failed on a write */
	uint64_t repaired;		/* files cut back to their last whole record at start-up */
	/* Automatic captures (docs/capture.md "Automatic captures"). */
	uint64_t history_slots;		/* gauge: flow histories of every worker (the cap) */
	uint64_t history_in_use;	/* gauge: ... held by flows */
	uint64_t history_taken;		/* histories given to flows */
	uint64_t history_refused;	/* flows that wanted one and found none left */
	uint64_t history_evicted;	/* packets histories let go to keep their last ones */
	uint64_t event_started;		/* event captures workers started */
	uint64_t event_missed;		/* events to capture of flows without a history */
	uint64_t event_limited;		/* ... past capture.event_rate */
	uint64_t event_copies;		/* records workers wrote for event captures */
	uint64_t event_lost;		/* ... lost: a copy ring was full */
	uint64_t event_made;		/* event captures made (listed, with a file) */
	uint64_t event_refused;		/* ... that could not be made (quota, disk) */
	uint64_t event_deleted;		/* stopped event captures deleted past event_max */
};

/*
 * The capture service of rt (rt->cfg.capture): scan state_dir/captures (created, mode
 * 0700), give each worker its tap (rt->workers[i]->cap) and start the writer thread. The
 * workers must not run yet. With capture.enabled false, returns a service that lists
 * nothing and refuses every start (-ENODEV). Returns NULL with err when out of memory or
 * the thread cannot start; a captures directory that cannot be made is logged and makes
 * starts fail (-ENODEV), it does not stop the daemon.
 */
struct capture_mgr *capture_mgr_create(struct runtime *rt, const char *state_dir, char *err,
				       size_t errlen);

/*
 * Stop every running capture (reason "shutdown" or, offline, "end of input"), write what
 * the rings still hold, close every file, stop the writer thread and free everything.
 * The workers must have stopped. NULL is a no-op.
 */
void capture_mgr_free(struct capture_mgr *m);

/*
 * The workers have stopped (end of input, or shut-down): stop every running capture and
 * wait (up to 30 s) for the writer to close their files. Later starts in offline mode
 * read the input files again (the replay of docs/capture.md).
 */
void capture_mgr_input_done(struct capture_mgr *m);

/* Publish the running set after changes, end grace periods, free what they held. */
void capture_mgr_tick(struct capture_mgr *m);

/*
 * Start r. Returns 0 with the capture's id in id (CAPTURE_ID_LEN bytes), or a negative
 * errno with err (errlen bytes) saying why, for a person:
 *   -EINVAL  the BPF expression does not compile (err: libpcap's message), or a bad id
 *   -EBUSY   a capture with this id is running
 *   -EEXIST  a directory with this id exists that is not a capture listed here
 *   -EMFILE  capture.max_concurrent captures are running
 *   -ENOSPC  file_size * file_count does not fit the quota, even without stopped captures
 *            (those are deleted, oldest first, when that makes room)
 *   -ENODEV  capture is off, or its directory is unusable
 *   -EIO     the capture's directory or first file cannot be created
 */
int capture_start(struct capture_mgr *m, const struct capture_req *r, char *id, char *err,
		  size_t errlen);

/*
 * Stop the capture id (reason "stopped through the API"); with purge, delete its files and
 * its record once stopped. Returns 0, 1 when a purge will complete once the capture has
 * stopped, or -ENOENT.
 */
int capture_stop(struct capture_mgr *m, const char *id, int purge);

/* Every capture as JSON (new reference): {"captures": [...]}. */
json_t *capture_list_json(struct capture_mgr *m);

/* One capture as JSON (new reference), or NULL when there is none with id. */
json_t *capture_get_json(struct capture_mgr *m, const char *id);

/*
 * Open file index of capture id for reading: *fd (the caller closes it), its size now
 * (whole records) and its name. -ENOENT: no such capture or file.
 */
int capture_file_open(struct capture_mgr *m, const char *id, uint32_t index, int *fd,
		      uint64_t *size, char *name, size_t namelen);

/*
 * The automatic capture of an event (struct msg.capture: the worker's sequence number seq;
 * type: enum capture_event_type; the event's flow and time): the one the writer thread
 * made from the worker's records, or made now. Returns 0 with its id in id
 * (CAPTURE_ID_LEN bytes), or -ENOENT when there is none (capture off, refused by the quota
 * or the disk, deleted since). Control thread.
 */
int capture_event_note(struct capture_mgr *m, unsigned int worker, uint32_t seq, uint8_t type,
		       uint64_t flow_id, uint64_t ts_us, char *id);

/* Totals (workers' counters summed now). Any time. */
void capture_mgr_stats(struct capture_mgr *m, struct capture_mgr_stats *s);

#endif
