/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The events file (--events FILE): one EVE JSON line per event, written by the control
 * thread only. It is opened with O_APPEND, so a restart adds to it and a reader that
 * truncates it (logrotate's copytruncate) never leaves a hole, and created 0640 (events
 * hold no raw personal data, but who talked to whom is still for the SOC only).
 *
 * Rotation, by logrotate or by size, never loses a line:
 *
 *   logrotate:  rename eve.json -> eve.json.1 ; SIGHUP
 *               lines before the reopen land in eve.json.1 (the open descriptor follows
 *               the inode), lines after it in the new eve.json
 *   max_size:   rename eve.json.(k-1) -> eve.json.k ... eve.json -> eve.json.1 ;
 *               open the new eve.json ; only then flush and close the old descriptor
 *
 * In both cases the new file is opened before the old one is closed, so a failure (a full
 * or read-only directory) keeps the old descriptor in use rather than dropping events.
 *
 * Lines are gathered in a buffer of EVENT_FILE_BUF bytes and written with one write(2)
 * per buffer: when it is full, when the control thread finds the workers' rings empty
 * (event_file_flush), after EVENT_FILE_FLUSH_S (event_file_tick), and before any switch
 * of descriptor (rotation, reopen, close), so the buffered lines go to the file they
 * were written for. A write(2) never cuts a line in two for a reader that waits for the
 * newline; a short write is continued.
 *
 * A FIFO, socket or character device opened by path is written non-blocking: its reader
 * may stop reading, and the control thread (which also serves the API) must not stop
 * with it. So is stdout when it is not a regular file in live mode (event_file_live):
 * a pipe, FIFO or terminal through a description of its own, opened again from
 * /proc/self/fd/1 (O_NONBLOCK on fd 1 itself would change the description the shell and
 * the rest of the pipeline share), a socket by send(MSG_DONTWAIT). What the reader has
 * not taken stays in the buffer, from the exact byte it stopped at (a line is never cut
 * for it); a line that finds the buffer full is dropped and counted (stats.dropped), and
 * at the end the reader gets a last chance (event_file_finish) before what is left is
 * dropped and counted too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "event_file.h"

#define EVENT_FILE_MODE 0640
#define EVENT_FILE_BUF (256 * 1024)

struct event_file {
	char *path;
	int fd;
	int owned;			/* 0: stdout (never rotated, reopened or fsync'ed) */
	int close_fd;			/* fd is ours to close: a path's, or stdout's own */
	int sock;			/* a socket written by send(MSG_DONTWAIT) */
	int regular;			/* a regular file: rotation applies */
	int nonblock;			/* a FIFO, socket or device: never wait for its reader */
	uint64_t size;			/* bytes in the file, ours (buffered too) and what was there */
	struct config_events_file conf;
	char *buf;			/* lines not yet written */
	size_t blen;
	int unsynced;			/* written since the last fsync */
	double flushed_at;
	double synced_at;
	struct event_file_stats st;
};

/*
 * Open path for appending; create it 0640 when missing. On success *fdp, *regular and
 * *size describe it. -errno on failure.
 */
static int
event_file_open_path(const char *path, int *fdp, int *regular, uint64_t *size)
{
	struct stat sb;
	int fd = -1, tries, e;

	for (tries = 0; tries < 3 && fd < 0; tries++) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC,
			  EVENT_FILE_MODE);
		if (fd >= 0) {
			/* ours: the exact mode, whatever the umask took away */
			if (fchmod(fd, EVENT_FILE_MODE) != 0)
				goto fail;
			break;
		}
		if (errno != EEXIST)
			return -errno;
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd < 0 && errno != ENOENT)	/* ENOENT: removed meanwhile, try again */
			return -errno;
	}
	if (fd < 0)
		return -ENOENT;
	if (fstat(fd, &sb) != 0)
		goto fail;
	/* Not a file: its reader sets the pace, and must not stop the control thread. */
	if (!S_ISREG(sb.st_mode) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		goto fail;
	*fdp = fd;
	*regular = S_ISREG(sb.st_mode);
	*size = *regular ? (uint64_t)sb.st_size : 0;
	return 0;
fail:
	e = errno;
	close(fd);
	return -e;
}

/* All of p[0..n) to fd, continuing short writes; *done (may be NULL) is what was written.
 * 0 or -EIO. */
static int
event_file_write_all(int fd, const char *p, size_t n, size_t *done)
{
	size_t w = 0;
	int rc = 0;

	while (w < n) {
		ssize_t k = write(fd, p + w, n - w);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = -EIO;
			break;
		}
		w += (size_t)k;
	}
	if (done != NULL)
		*done = w;
	return rc;
}

/* Lines in buf[0..n): each ends with a newline; a head the reader took is not one. */
static uint64_t
event_file_lines_in(const char *buf, size_t n)
{
	uint64_t k = 0;
	const char *p = buf, *end = buf + n;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

/*
 * Write the buffered lines to the current descriptor. 0 or -EIO (counted; the lines of a
 * failed write are not kept, as stdio would not keep them either). Non-blocking: what the
 * reader does not take now stays buffered, from its first byte not written.
 */
static int
event_file_drain(struct event_file *f)
{
	size_t done = 0;
	int rc = 0;

	if (f->blen == 0)
		return 0;
	if (!f->nonblock) {
		rc = event_file_write_all(f->fd, f->buf, f->blen, &done);
	} else {
		while (done < f->blen) {
			size_t want = f->blen - done;
			const char *nl;
			ssize_t k;

			/* Whole lines, at most PIPE_BUF bytes: a FIFO takes all or none of
			 * them, so its reader never gets a line cut short (one longer than
			 * PIPE_BUF goes on its own). */
			if (want > PIPE_BUF &&
			    (nl = memrchr(f->buf + done, '\n', PIPE_BUF)) != NULL)
				want = (size_t)(nl - (f->buf + done)) + 1;
			k = f->sock ? send(f->fd, f->buf + done, want, MSG_DONTWAIT | MSG_NOSIGNAL)
				    : write(f->fd, f->buf + done, want);

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (k <= 0) {
				rc = -EIO;
				break;
			}
			done += (size_t)k;
		}
	}
	if (rc != 0) {
		/* The lines not written are lost, a line cut short by the failure too (a
		 * reader gone, a disk full): counted as dropped, not as written. */
		uint64_t lost = event_file_lines_in(f->buf + done, f->blen - done);

		f->st.dropped += lost;
		f->st.lines -= lost;
		f->st.errors++;
		done = f->blen;
	}
	memmove(f->buf, f->buf + done, f->blen - done);
	f->blen -= done;
	return rc;
}

/* Drop what a non-blocking reader left in the buffer (counted as lines dropped). */
static void
event_file_drop_buffered(struct event_file *f)
{
	uint64_t k = event_file_lines_in(f->buf, f->blen);

	f->st.dropped += k;
	f->st.lines -= k;
	f->blen = 0;
}

/* Write what is buffered, and fsync when the policy asks for it at close. 0 or -EIO. */
static int
event_file_settle(struct event_file *f)
{
	int rc = event_file_drain(f);

	if (f->owned && f->conf.fsync != CONFIG_FSYNC_NEVER && f->unsynced) {
		f->st.fsyncs++;
		if (fsync(f->fd) != 0 && errno != EINVAL && errno != EROFS) {
			rc = -EIO;	/* EINVAL/EROFS: a FIFO or device, nothing to sync */
			f->st.errors++;
		}
	}
	return rc;
}

/* Make fd the file written from now on, settling and closing the previous one. */
static int
event_file_switch(struct event_file *f, int fd, int regular, uint64_t size)
{
	int rc = event_file_settle(f);

	if (f->nonblock)	/* the old reader's share: it is not waited for */
		event_file_drop_buffered(f);
	f->nonblock = !regular;

	if (close(f->fd) != 0 && rc == 0) {
		f->st.errors++;
		rc = -EIO;
	}
	f->fd = fd;
	f->regular = regular;
	f->size = size;
	f->unsynced = 0;
	return rc;
}

struct event_file *
event_file_open(const char *path, const struct config_events_file *conf, char *err,
		size_t errlen)
{
	struct event_file *f = calloc(1, sizeof(*f));
	int rc;

	if (f == NULL || (f->path = strdup(path)) == NULL ||
	    (f->buf = malloc(EVENT_FILE_BUF)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		if (f != NULL)
			free(f->path);
		free(f);
		return NULL;
	}
	f->conf = *conf;
	if (strcmp(path, "-") == 0) {
		fflush(stdout);		/* what stdio holds goes first */
		f->fd = STDOUT_FILENO;
		return f;
	}
	rc = event_file_open_path(path, &f->fd, &f->regular, &f->size);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		free(f->buf);
		free(f->path);
		free(f);
		return NULL;
	}
	f->owned = 1;
	f->close_fd = 1;
	f->nonblock = !f->regular;
	return f;
}

int
event_file_live(struct event_file *f)
{
	struct stat sb;
	int fd;

	if (f->owned || f->nonblock)
		return 0;
	if (fstat(f->fd, &sb) != 0)
		return -errno;
	if (S_ISREG(sb.st_mode))
		return 0;
	if (S_ISSOCK(sb.st_mode)) {
		f->sock = 1;
		f->nonblock = 1;
		return 0;
	}
	fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f->fd = fd;
	f->close_fd = 1;
	f->nonblock = 1;
	return 0;
}

/* FILE.n into buf. */
static void
event_file_name(const struct event_file *f, unsigned int n, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%u", f->path, n);
}

int
event_file_maybe_rotate(struct event_file *f, size_t len, char *err, size_t errlen)
{
	size_t plen = strlen(f->path) + 16;
	char *from = NULL, *to = NULL;
	uint64_t size;
	int regular, rc = 0, fd;
	unsigned int k;

	if (!f->owned || !f->regular || f->conf.max_size == 0 || f->size == 0 ||
	    f->size + len + 1 <= f->conf.max_size)
		return 0;
	from = malloc(plen);
	to = malloc(plen);
	if (from == NULL || to == NULL) {
		snprintf(err, errlen, "%s: out of memory", f->path);
		rc = -ENOMEM;
		goto out;
	}
	for (k = f->conf.keep; k > 1; k--) {
		event_file_name(f, k - 1, from, plen);
		event_file_name(f, k, to, plen);
		if (rename(from, to) != 0 && errno != ENOENT) {
			rc = -errno;
			snprintf(err, errlen, "cannot rename %s to %s: %s", from, to,
				 strerror(errno));
			goto out;
		}
	}
	event_file_name(f, 1, to, plen);
	if (rename(f->path, to) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", f->path, to, strerror(errno));
		goto out;
	}
	rc = event_file_open_path(f->path, &fd, &regular, &size);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s (writing on to %s)", f->path, strerror(-rc), to);
		goto out;
	}
	f->st.rotations++;
	if (event_file_switch(f, fd, regular, size) != 0)
		snprintf(err, errlen, "%s: the rotated file could not be flushed", to);
	rc = 1;
out:
	if (rc < 0)
		f->st.errors++;
	free(from);
	free(to);
	return rc;
}

int
event_file_write(struct event_file *f, const char *line, size_t len)
{
	int rc = 0;

	/* A failed write loses the lines it held (counted); this one is kept all the same. */
	if (f->blen + len + 1 > EVENT_FILE_BUF)
		rc = event_file_drain(f);
	if (f->nonblock && f->blen + len + 1 > EVENT_FILE_BUF) {
		/* the reader has not taken enough: this line is dropped, not waited for */
		f->st.dropped++;
		return rc != 0 ? rc : -EAGAIN;
	}
	if (len + 1 > EVENT_FILE_BUF) {
		/* a line larger than the buffer: written on its own */
		if (event_file_write_all(f->fd, line, len, NULL) != 0 ||
		    event_file_write_all(f->fd, "\n", 1, NULL) != 0) {
			f->st.errors++;
			f->st.dropped++;
			return -EIO;
		}
	} else {
		memcpy(f->buf + f->blen, line, len);
		f->buf[f->blen + len] = '\n';
		f->blen += len + 1;
	}
	f->size += len + 1;
	f->st.lines++;
	f->st.bytes += len + 1;
	f->unsynced = 1;
	return rc;
}

int
event_file_reopen(struct event_file *f, char *err, size_t errlen)
{
	uint64_t size;
	int regular, rc, fd;

	if (!f->owned)
		return 0;
	rc = event_file_open_path(f->path, &fd, &regular, &size);
	if (rc != 0) {
		f->st.errors++;
		snprintf(err, errlen, "%s: %s (writing on to the file already open)", f->path,
			 strerror(-rc));
		return rc;
	}
	f->st.reopens++;
	if (event_file_switch(f, fd, regular, size) != 0)
		snprintf(err, errlen, "%s: the previous file could not be flushed", f->path);
	return 1;
}

int
event_file_flush(struct event_file *f)
{
	return event_file_drain(f);
}

int
event_file_finish(struct event_file *f, unsigned int timeout_ms)
{
	struct pollfd pfd = { .fd = f->fd, .events = POLLOUT };
	double end = 0;
	struct timespec ts;
	int rc = event_file_drain(f);

	if (!f->nonblock)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (double)ts.tv_sec + ts.tv_nsec / 1e9 + timeout_ms / 1000.0;
	while (f->blen > 0 && rc == 0) {
		double now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
		if (now >= end)
			break;
		if (poll(&pfd, 1, (int)((end - now) * 1000.0) + 1) < 0 && errno != EINTR)
			break;
		rc = event_file_drain(f);
	}
	if (f->blen > 0)
		event_file_drop_buffered(f);
	return rc;
}

int
event_file_tick(struct event_file *f, double now)
{
	int rc = 0;

	if (f->blen > 0 && now - f->flushed_at >= EVENT_FILE_FLUSH_S) {
		rc = event_file_drain(f);
		f->flushed_at = now;
	}
	if (f->owned && f->conf.fsync == CONFIG_FSYNC_INTERVAL && f->unsynced &&
	    (now - f->synced_at) * 1000.0 >= f->conf.fsync_interval_ms) {
		if (event_file_settle(f) != 0)
			rc = -EIO;
		f->unsynced = 0;
		f->synced_at = now;
	}
	return rc;
}

const struct event_file_stats *
event_file_stats(const struct event_file *f)
{
	return &f->st;
}

int
event_file_close(struct event_file *f)
{
	int rc;

	if (f == NULL)
		return 0;
	rc = event_file_settle(f);
	if (f->nonblock)
		event_file_drop_buffered(f);
	if (f->close_fd && close(f->fd) != 0 && rc == 0) {
		f->st.errors++;
		rc = -EIO;
	}
	free(f->buf);
	free(f->path);
	free(f);
	return rc;
}
