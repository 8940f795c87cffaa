/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_EVENT_FILE_H
#define TOLLGATE_EVENT_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "config_types.h"

struct event_file;

struct event_file_stats {
	uint64_t lines;			/* events written (buffered: see event_file_flush) */
	uint64_t bytes;			/* their bytes, newlines included */
	uint64_t reopens;		/* SIGHUP reopens that switched to a new descriptor */
	uint64_t rotations;		/* size-based rotations done */
	uint64_t fsyncs;		/* fsync(2) calls made */
	uint64_t errors;		/* failed writes, flushes, fsyncs, rotations or reopens */
	uint64_t dropped;		/* lines a FIFO's (socket's, device's) reader did not
					 * take in time, or a failed write lost: not in
					 * lines */
};

/* How long written events may sit in the buffer: a tail -f sees them by then. */
#define EVENT_FILE_FLUSH_S 0.2

/*
 * Open the events sink. path "-" is stdout (never rotated, reopened or closed); any other
 * path is opened for appending (O_APPEND: a restart adds to what is there), and created
 * with mode 0640 whatever the umask when it does not exist. A FIFO, socket or device is
 * written non-blocking (its reader sets the pace: what it does not take in time is
 * dropped and counted, never waited for); only regular files are rotated. conf is
 * copied. Returns NULL with err naming the path and the reason. Control thread, like
 * every function below.
 */
struct event_file *event_file_open(const char *path, const struct config_events_file *conf,
				   char *err, size_t errlen);

/*
 * Live mode (a reader that stops reading must not stop the control thread): stdout that is
 * not a regular file is written non-blocking from now on, as a FIFO by path is; a pipe,
 * FIFO or terminal through a description of its own (opened again from /proc/self/fd/1,
 * so the one the shell and the pipeline share keeps its flags), a socket by
 * send(MSG_DONTWAIT). Nothing to do for a path or a regular file. 0 or -errno.
 */
int event_file_live(struct event_file *f);

/*
 * Size-based rotation (events.file.max_size), before a line of len bytes (newline not
 * counted) is written: when the file holds something and the line would take it past
 * max_size, FILE.(keep-1) .. FILE.1 move up one (the one at FILE.keep is replaced, so it is
 * dropped), FILE becomes FILE.1 and a new FILE is opened. The old file is flushed (and
 * fsync'ed unless fsync is never) and closed only once the new one is open: on any failure
 * the current file stays in use, nothing is lost, and err says what failed.
 * Returns 1 rotated, 0 nothing to do, or -errno.
 */
int event_file_maybe_rotate(struct event_file *f, size_t len, char *err, size_t errlen);

/*
 * Write one event line (len bytes, no newline; one is added) to the buffer; the buffer
 * goes to the file in one write(2) when it is full. 0, or -EIO when that write failed
 * (counted; the lines it held are lost, this one is buffered all the same), or -EAGAIN
 * when a FIFO's (socket's, device's) reader left no room: the line is dropped
 * (stats.dropped), not waited for.
 */
int event_file_write(struct event_file *f, const char *line, size_t len);

/*
 * SIGHUP (logrotate renamed the file): open the path again (appending, or creating it
 * with mode 0640), then flush, fsync per policy and close the old descriptor. Every line
 * written before the call is in the old file, every line after it in the new one. When
 * the path cannot be opened the old descriptor stays (nothing lost) and -errno is
 * returned with err set. Returns 1 reopened, 0 for stdout (nothing to do).
 */
int event_file_reopen(struct event_file *f, char *err, size_t errlen);

/*
 * Housekeeping, now in seconds on a monotonic clock: flush lines older than
 * EVENT_FILE_FLUSH_S; with fsync: interval, fsync what was written at most
 * fsync_interval_ms ago. 0 or -EIO (counted).
 */
int event_file_tick(struct event_file *f, double now);

/* Write the buffered lines now (the workers' rings are empty, or the run ends): one
 * write(2), none when nothing is buffered. 0 or -EIO. */
int event_file_flush(struct event_file *f);

/*
 * The run ends: flush; a FIFO's (socket's, device's) reader gets up to timeout_ms to take
 * what is buffered, then what it left is dropped (stats.dropped). 0 or -EIO.
 */
int event_file_finish(struct event_file *f, unsigned int timeout_ms);

/* Counters since open. */
const struct event_file_stats *event_file_stats(const struct event_file *f);

/* Flush, fsync unless fsync is never, close (stdout is flushed only) and free. NULL is a
 * no-op. 0, or -EIO when something written could not be flushed or synced. */
int event_file_close(struct event_file *f);

#endif
