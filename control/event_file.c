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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "event_file.h"

#define EVENT_FILE_MODE 0640

struct event_file {
	char *path;
	FILE *fp;
	int owned;			/* 0: stdout, never closed here */
	int regular;			/* a regular file: rotation applies */
	uint64_t size;			/* bytes in the file, ours and what was there */
	struct config_events_file conf;
	int dirty;			/* written since the last flush */
	int unsynced;			/* written since the last fsync */
	double flushed_at;
	double synced_at;
	struct event_file_stats st;
};

/*
 * Open path for appending; create it 0640 when missing. On success *fp, *regular and
 * *size describe it. -errno on failure.
 */
static int
event_file_open_path(const char *path, FILE **fp, int *regular, uint64_t *size)
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
	*fp = fdopen(fd, "a");
	if (*fp == NULL)
		goto fail;
	*regular = S_ISREG(sb.st_mode);
	*size = *regular ? (uint64_t)sb.st_size : 0;
	return 0;
fail:
	e = errno;
	close(fd);
	return -e;
}

/* Flush, and fsync when the policy asks for it at close. 0 or -EIO. */
static int
event_file_settle(struct event_file *f, FILE *fp)
{
	int rc = 0;

	if (fflush(fp) != 0)
		rc = -EIO;
	if (f->owned && f->conf.fsync != CONFIG_FSYNC_NEVER && f->unsynced) {
		f->st.fsyncs++;
		if (fsync(fileno(fp)) != 0 && errno != EINVAL && errno != EROFS)
			rc = -EIO;	/* EINVAL/EROFS: a FIFO or device, nothing to sync */
	}
	if (rc != 0)
		f->st.errors++;
	return rc;
}

/* Make fp the file written from now on, settling and closing the previous one. */
static int
event_file_switch(struct event_file *f, FILE *fp, int regular, uint64_t size)
{
	int rc = event_file_settle(f, f->fp);

	if (fclose(f->fp) != 0 && rc == 0) {
		f->st.errors++;
		rc = -EIO;
	}
	f->fp = fp;
	f->regular = regular;
	f->size = size;
	f->dirty = 0;
	f->unsynced = 0;
	return rc;
}

struct event_file *
event_file_open(const char *path, const struct config_events_file *conf, char *err,
		size_t errlen)
{
	struct event_file *f = calloc(1, sizeof(*f));
	int rc;

	if (f == NULL || (f->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(f);
		return NULL;
	}
	f->conf = *conf;
	if (strcmp(path, "-") == 0) {
		f->fp = stdout;
		return f;
	}
	rc = event_file_open_path(path, &f->fp, &f->regular, &f->size);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		free(f->path);
		free(f);
		return NULL;
	}
	f->owned = 1;
	return f;
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
	int regular, rc = 0;
	unsigned int k;
	FILE *fp;

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
	rc = event_file_open_path(f->path, &fp, &regular, &size);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s (writing on to %s)", f->path, strerror(-rc), to);
		goto out;
	}
	f->st.rotations++;
	if (event_file_switch(f, fp, regular, size) != 0)
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
	if (fwrite(line, 1, len, f->fp) != len || fputc('\n', f->fp) == EOF) {
		f->st.errors++;
		return -EIO;
	}
	f->size += len + 1;
	f->st.lines++;
	f->st.bytes += len + 1;
	f->dirty = 1;
	f->unsynced = 1;
	return 0;
}

int
event_file_reopen(struct event_file *f, char *err, size_t errlen)
{
	uint64_t size;
	int regular, rc;
	FILE *fp;

	if (!f->owned)
		return 0;
	rc = event_file_open_path(f->path, &fp, &regular, &size);
	if (rc != 0) {
		f->st.errors++;
		snprintf(err, errlen, "%s: %s (writing on to the file already open)", f->path,
			 strerror(-rc));
		return rc;
	}
	f->st.reopens++;
	if (event_file_switch(f, fp, regular, size) != 0)
		snprintf(err, errlen, "%s: the previous file could not be flushed", f->path);
	return 1;
}

int
event_file_flush(struct event_file *f)
{
	f->dirty = 0;
	if (fflush(f->fp) != 0) {
		f->st.errors++;
		return -EIO;
	}
	return 0;
}

int
event_file_tick(struct event_file *f, double now)
{
	int rc = 0;

	if (f->dirty && now - f->flushed_at >= EVENT_FILE_FLUSH_S) {
		rc = event_file_flush(f);
		f->flushed_at = now;
	}
	if (f->owned && f->conf.fsync == CONFIG_FSYNC_INTERVAL && f->unsynced &&
	    (now - f->synced_at) * 1000.0 >= f->conf.fsync_interval_ms) {
		if (event_file_settle(f, f->fp) != 0)
			rc = -EIO;
		f->dirty = 0;
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
	rc = event_file_settle(f, f->fp);
	if (f->owned && fclose(f->fp) != 0 && rc == 0) {
		f->st.errors++;
		rc = -EIO;
	}
	free(f->path);
	free(f);
	return rc;
}
