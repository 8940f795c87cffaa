/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the events file (control/event_file.c): appending to what is there, the
 * 0640 mode whatever the umask, reopening after a rename (logrotate) with every line in
 * exactly one of the two files, a failed reopen that keeps the old descriptor, size-based
 * rotation and how many files it keeps, when each fsync policy syncs, and the batching:
 * lines reach the file when flushed, when the buffer is full or EVENT_FILE_FLUSH_S after
 * the last flush, in their order, a line longer than the buffer whole; a FIFO's reader
 * and, live, stdout's never waited for.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "event_file.h"

struct dir {
	char path[256];
	char file[300];
};

static int
setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	snprintf(d->path, sizeof(d->path), "/tmp/tg-event-file-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	snprintf(d->file, sizeof(d->file), "%s/eve.json", d->path);
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	struct dir *d = *state;
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	assert_int_equal(system(cmd), 0);
	free(d);
	return 0;
}

static const struct config_events_file conf_default = {
	.max_size = 0, .keep = 5, .fsync = CONFIG_FSYNC_NEVER, .fsync_interval_ms = 1000,
};

/* The whole content of path ("" when missing: the caller checks existence). */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(buf);
	if (f == NULL)
		return buf;
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
assert_content(const char *path, const char *want)
{
	char *got = slurp(path);

	assert_string_equal(got, want);
	free(got);
}

static void
write_line(struct event_file *f, const char *s)
{
	assert_int_equal(event_file_write(f, s, strlen(s)), 0);
}

static void
test_event_file_appends_to_existing_content(void **state)
{
	struct dir *d = *state;
	struct event_file *f;
	char err[256];
	FILE *pre = fopen(d->file, "w");

	fputs("{\"run\":1}\n", pre);
	fclose(pre);
	f = event_file_open(d->file, &conf_default, err, sizeof(err));
	assert_non_null(f);
	write_line(f, "{\"run\":2}");
	assert_int_equal(event_file_close(f), 0);
	f = event_file_open(d->file, &conf_default, err, sizeof(err));
	write_line(f, "{\"run\":3}");
	assert_int_equal(event_file_stats(f)->lines, 1);
	assert_int_equal(event_file_stats(f)->bytes, 10);
	assert_int_equal(event_file_close(f), 0);
	assert_content(d->file, "{\"run\":1}\n{\"run\":2}\n{\"run\":3}\n");
}

static void
test_event_file_created_0640_whatever_the_umask(void **state)
{
	struct dir *d = *state;
	static const mode_t masks[] = { 0, 022, 077, 0777 };
	struct event_file *f;
	struct stat sb;
	char err[256];
	unsigned int i;
	mode_t old;

	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		unlink(d->file);
		old = umask(masks[i]);
		f = event_file_open(d->file, &conf_default, err, sizeof(err));
		umask(old);
		assert_non_null(f);
		assert_int_equal(stat(d->file, &sb), 0);
		assert_int_equal(sb.st_mode & 07777, 0640);
		assert_int_equal(event_file_close(f), 0);
	}
	/* an existing file keeps its mode: the operator chose it */
	assert_int_equal(chmod(d->file, 0600), 0);
	f = event_file_open(d->file, &conf_default, err, sizeof(err));
	assert_int_equal(stat(d->file, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	event_file_close(f);
}

static void
test_event_file_open_names_path_and_reason(void **state)
{
	struct dir *d = *state;
	char path[400], err[512];

	snprintf(path, sizeof(path), "%s/missing/eve.json", d->path);
	assert_null(event_file_open(path, &conf_default, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "No such file or directory"));
}

static void
test_event_file_reopen_after_rename_splits_lines_exactly(void **state)
{
	struct dir *d = *state;
	struct event_file *f;
	char old[320], err[256];

	snprintf(old, sizeof(old), "%s.1", d->file);
	f = event_file_open(d->file, &conf_default, err, sizeof(err));
	write_line(f, "a");
	write_line(f, "b");
	assert_int_equal(rename(d->file, old), 0);
	write_line(f, "c");			/* before the signal: still the renamed file */
	assert_int_equal(event_file_reopen(f, err, sizeof(err)), 1);
	write_line(f, "d");
	assert_int_equal(event_file_stats(f)->reopens, 1);
	assert_int_equal(event_file_close(f), 0);
	assert_content(old, "a\nb\nc\n");
	assert_content(d->file, "d\n");
}

static void
test_event_file_failed_reopen_keeps_writing_old_file(void **state)
{
	struct dir *d = *state;
	struct event_file *f;
	char old[320], err[512];

	snprintf(old, sizeof(old), "%s.1", d->file);
	f = event_file_open(d->file, &conf_default, err, sizeof(err));
	write_line(f, "a");
	assert_int_equal(rename(d->file, old), 0);
	assert_int_equal(mkdir(d->file, 0700), 0);	/* the path cannot be opened now */
	assert_int_equal(event_file_reopen(f, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "writing on to the file already open"));
	write_line(f, "b");
	assert_int_equal(event_file_stats(f)->reopens, 0);
	assert_int_equal(event_file_stats(f)->errors, 1);
	assert_int_equal(event_file_close(f), 0);
	assert_content(old, "a\nb\n");
	assert_int_equal(rmdir(d->file), 0);
}

static void
test_event_file_rotates_by_size_and_keeps_n(void **state)
{
	struct dir *d = *state;
	struct config_events_file conf = conf_default;
	struct event_file *f;
	char name[320], err[256], line[8];
	unsigned int i;

	conf.max_size = 10;		/* two 4-byte lines + newlines fit, a third does not */
	conf.keep = 2;
	f = event_file_open(d->file, &conf, err, sizeof(err));
	for (i = 0; i < 7; i++) {
		snprintf(line, sizeof(line), "l%03u", i);
		assert_int_equal(event_file_maybe_rotate(f, strlen(line), err, sizeof(err)),
				 i == 2 || i == 4 || i == 6);
		write_line(f, line);
	}
	assert_int_equal(event_file_stats(f)->rotations, 3);
	assert_int_equal(event_file_close(f), 0);
	assert_content(d->file, "l006\n");
	snprintf(name, sizeof(name), "%s.1", d->file);
	assert_content(name, "l004\nl005\n");
	snprintf(name, sizeof(name), "%s.2", d->file);
	assert_content(name, "l002\nl003\n");	/* l000/l001 were dropped: keep 2 */
	snprintf(name, sizeof(name), "%s.3", d->file);
	assert_int_equal(access(name, F_OK), -1);
}

static void
test_event_file_rotation_counts_existing_bytes(void **state)
{
	struct dir *d = *state;
	struct config_events_file conf = conf_default;
	struct event_file *f;
	char name[320], err[256];
	FILE *pre = fopen(d->file, "w");

	fputs("0123456789\n", pre);	/* 11 bytes from an earlier run */
	fclose(pre);
	conf.max_size = 12;
	f = event_file_open(d->file, &conf, err, sizeof(err));
	assert_int_equal(event_file_maybe_rotate(f, 1, err, sizeof(err)), 1);
	write_line(f, "x");
	/* one line larger than max_size still goes in, alone */
	assert_int_equal(event_file_maybe_rotate(f, 40, err, sizeof(err)), 1);
	write_line(f, "0123456789012345678901234567890123456789");
	assert_int_equal(event_file_close(f), 0);
	snprintf(name, sizeof(name), "%s.2", d->file);
	assert_content(name, "0123456789\n");
	snprintf(name, sizeof(name), "%s.1", d->file);
	assert_content(name, "x\n");
}

static void
test_event_file_stdout_is_never_rotated_or_reopened(void **state)
{
	struct config_events_file conf = conf_default;
	struct event_file *f;
	char err[256];

	(void)state;
	conf.max_size = 1;
	f = event_file_open("-", &conf, err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(event_file_maybe_rotate(f, 100, err, sizeof(err)), 0);
	assert_int_equal(event_file_reopen(f, err, sizeof(err)), 0);
	assert_int_equal(event_file_close(f), 0);
	assert_int_equal(fflush(stdout), 0);	/* stdout is still open */
}

static void
test_event_file_fsync_policies(void **state)
{
	struct dir *d = *state;
	struct config_events_file conf = conf_default;
	struct event_file *f;
	char err[256];

	/* never: not at reopen, not at close */
	f = event_file_open(d->file, &conf, err, sizeof(err));
	write_line(f, "a");
	assert_int_equal(event_file_tick(f, 100.0), 0);
	assert_int_equal(event_file_reopen(f, err, sizeof(err)), 1);
	write_line(f, "b");
	assert_int_equal(event_file_stats(f)->fsyncs, 0);
	event_file_close(f);

	/* rotate: when a file with unsynced lines is closed, never on a tick */
	conf.fsync = CONFIG_FSYNC_ROTATE;
	f = event_file_open(d->file, &conf, err, sizeof(err));
	write_line(f, "c");
	assert_int_equal(event_file_tick(f, 100.0), 0);
	assert_int_equal(event_file_stats(f)->fsyncs, 0);
	assert_int_equal(event_file_reopen(f, err, sizeof(err)), 1);
	assert_int_equal(event_file_stats(f)->fsyncs, 1);
	assert_int_equal(event_file_reopen(f, err, sizeof(err)), 1);	/* nothing new */
	assert_int_equal(event_file_stats(f)->fsyncs, 1);
	event_file_close(f);

	/* interval: at most every fsync_interval_ms, only when something was written */
	conf.fsync = CONFIG_FSYNC_INTERVAL;
	conf.fsync_interval_ms = 1000;
	f = event_file_open(d->file, &conf, err, sizeof(err));
	write_line(f, "d");
	assert_int_equal(event_file_tick(f, 100.0), 0);
	assert_int_equal(event_file_stats(f)->fsyncs, 1);
	write_line(f, "e");
	assert_int_equal(event_file_tick(f, 100.5), 0);
	assert_int_equal(event_file_stats(f)->fsyncs, 1);
	assert_int_equal(event_file_tick(f, 101.0), 0);
	assert_int_equal(event_file_stats(f)->fsyncs, 2);
	assert_int_equal(event_file_tick(f, 105.0), 0);		/* nothing written since */
	assert_int_equal(event_file_stats(f)->fsyncs, 2);
	assert_int_equal(event_file_close(f), 0);
	assert_content(d->file, "a\nb\nc\nd\ne\n");
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static void
test_event_file_batches_lines_until_flushed_full_or_due(void **state)
{
	struct dir *d = *state;
	struct event_file *f;
	char err[256], *big, *tail;
	size_t n = 300 * 1024, total;
	unsigned int i;
	FILE *fp;

	f = event_file_open(d->file, &conf_default, err, sizeof(err));
	assert_non_null(f);
	write_line(f, "a");
	write_line(f, "b");
	assert_content(d->file, "");		/* buffered */
	assert_int_equal(event_file_flush(f), 0);
	assert_content(d->file, "a\nb\n");
	assert_int_equal(event_file_flush(f), 0);	/* nothing buffered: nothing written */
	assert_content(d->file, "a\nb\n");

	/* due: EVENT_FILE_FLUSH_S after the last flush by the clock */
	write_line(f, "c");
	assert_int_equal(event_file_tick(f, 10.0), 0);
	assert_content(d->file, "a\nb\nc\n");
	write_line(f, "d");
	assert_int_equal(event_file_tick(f, 10.0 + EVENT_FILE_FLUSH_S / 2), 0);
	assert_content(d->file, "a\nb\nc\n");
	assert_int_equal(event_file_tick(f, 10.0 + EVENT_FILE_FLUSH_S + 0.01), 0);
	assert_content(d->file, "a\nb\nc\nd\n");

	/* full: 1000-byte lines go out without a flush once the buffer cannot take one more */
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', 999);
	big[999] = '\0';
	for (i = 0; i < 300; i++)
		write_line(f, big);
	total = 8 + 300 * 1000;
	assert_true(file_size(d->file) > 8 && (size_t)file_size(d->file) < total);
	assert_int_equal(file_size(d->file) % 1000, 8);		/* whole lines only */

	/* a line longer than the buffer: after what was buffered, whole */
	memset(big, 'y', n);
	big[n] = '\0';
	write_line(f, big);
	total += n + 1;
	assert_int_equal((size_t)file_size(d->file), total);
	assert_int_equal(event_file_stats(f)->lines, 4 + 300 + 1);
	assert_int_equal(event_file_stats(f)->bytes, total);
	assert_int_equal(event_file_close(f), 0);
	fp = fopen(d->file, "r");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, -(long)(n + 1 + 1000), SEEK_END), 0);
	tail = calloc(1, n + 1002);
	assert_int_equal(fread(tail, 1, n + 1001, fp), n + 1001);
	fclose(fp);
	assert_int_equal(tail[998], 'x');
	assert_int_equal(tail[999], '\n');
	assert_int_equal(tail[1000], 'y');
	assert_int_equal(tail[n + 999], 'y');
	assert_int_equal(tail[n + 1000], '\n');
	free(tail);
	free(big);
}

/* Lines of 100 bytes: "line NNNNNN " padded with 'x'. */
static void
fifo_line(char *buf, unsigned int i)
{
	int n = snprintf(buf, 101, "line %06u ", i);

	memset(buf + n, 'x', (size_t)(100 - n));
	buf[100] = '\0';
}

/* What the reader got: whole lines only, numbered from 0 with none missing up to the
 * first dropped one; returns how many. */
static unsigned int
fifo_check(const char *data, size_t n)
{
	char want[101];
	unsigned int k = 0;
	size_t off = 0;

	for (; off + 101 <= n; off += 101, k++) {
		fifo_line(want, k);
		assert_memory_equal(data + off, want, 100);
		assert_int_equal(data[off + 100], '\n');
	}
	assert_int_equal(off, n);
	return k;
}

/*
 * A FIFO whose reader stops reading: writes never block; lines wait in the buffer, then
 * the ones that find it full are dropped (-EAGAIN, counted); the reader, once it reads
 * again, gets whole lines in order; finish gives it the time to take the rest, and what
 * is left after the timeout is dropped and counted.
 */
static void
test_event_file_fifo_reader_never_blocks_the_writer(void **state)
{
	struct dir *d = *state;
	const unsigned int n = 20000;		/* 2 MB: far more than pipe + buffer */
	struct event_file *f;
	char err[256], line[101], *got = malloc(4u << 20);
	unsigned int i, accepted = 0, dropped = 0, seen;
	size_t have = 0;
	ssize_t k;
	int rfd;

	assert_non_null(got);
	assert_int_equal(mkfifo(d->file, 0600), 0);
	rfd = open(d->file, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	f = event_file_open(d->file, &conf_default, err, sizeof(err));
	assert_non_null(f);
	for (i = 0; i < n; i++) {
		int rc;

		fifo_line(line, i);
		rc = event_file_write(f, line, 100);
		if (rc == 0) {
			assert_int_equal(dropped, 0);	/* in order: none after a drop */
			accepted++;
		} else {
			assert_int_equal(rc, -EAGAIN);
			dropped++;
		}
	}
	assert_true(accepted > 0 && dropped > 0);
	assert_int_equal(event_file_stats(f)->dropped, dropped);
	assert_int_equal(event_file_stats(f)->lines, accepted);
	/* the reader takes what it can now, then finish gets the rest through */
	while ((k = read(rfd, got + have, (4u << 20) - have)) > 0)
		have += (size_t)k;
	assert_int_equal(event_file_finish(f, 2000), 0);	/* blocks at most 2 s */
	while ((k = read(rfd, got + have, (4u << 20) - have)) > 0)
		have += (size_t)k;
	/* lines read + lines dropped = lines written, and every line read is whole */
	seen = fifo_check(got, have);
	assert_int_equal(seen + event_file_stats(f)->dropped, n);
	assert_int_equal(event_file_stats(f)->lines, seen);
	assert_int_equal(event_file_close(f), 0);
	close(rfd);
	free(got);
}

/* A reader that never reads again: finish waits its timeout, then drops what is left. */
static void
test_event_file_fifo_finish_drops_what_the_reader_left(void **state)
{
	struct dir *d = *state;
	struct event_file *f;
	char err[256], line[101];
	unsigned int i;
	int rfd;

	assert_int_equal(mkfifo(d->file, 0600), 0);
	rfd = open(d->file, O_RDONLY | O_NONBLOCK);
	f = event_file_open(d->file, &conf_default, err, sizeof(err));
	assert_non_null(f);
	/* 1,000 lines of 101 bytes: more than the pipe holds, less than the buffer */
	for (i = 0; i < 1000; i++) {
		fifo_line(line, i);
		assert_int_equal(event_file_write(f, line, 100), 0);
	}
	assert_int_equal(event_file_finish(f, 50), 0);
	assert_true(event_file_stats(f)->dropped > 0);
	assert_int_equal(event_file_stats(f)->lines + event_file_stats(f)->dropped, 1000);
	/* the pipe holds exactly the lines counted written, whole */
	{
		static char got[1 << 20];
		size_t have = 0;
		ssize_t k;

		while ((k = read(rfd, got + have, sizeof(got) - have)) > 0)
			have += (size_t)k;
		/* whole lines only (written at most PIPE_BUF at a time: all or none) */
		assert_int_equal(fifo_check(got, have), event_file_stats(f)->lines);
	}
	assert_int_equal(event_file_close(f), 0);
	close(rfd);
}

/*
 * Live mode, stdout a pipe (or a stream socket) whose reader stops reading: after
 * event_file_live the writer never blocks (the lines that find no room are dropped and
 * counted), the reader gets the lines in order, and fd 1's own description keeps its
 * flags (a pipe is written through a description of our own, a socket by MSG_DONTWAIT).
 * Stdout a regular file stays blocking: every line is written.
 */
enum stdout_kind { STDOUT_PIPE, STDOUT_SOCKET, STDOUT_FILE };

static void
stdout_live(enum stdout_kind kind, const char *file)
{
	static char got[1 << 20];
	const unsigned int n = 20000;		/* 2 MB: far more than pipe + buffer */
	int sv[2], saved = dup(STDOUT_FILENO), fl1, rc_live, again = 0;
	struct event_file_stats st;
	struct event_file *f;
	char err[256], line[101];
	size_t have = 0;
	ssize_t k;
	unsigned int i, whole;

	assert_true(saved >= 0);
	/* sv[0]: the reader's end, sv[1]: the one stdout becomes */
	if (kind == STDOUT_PIPE) {
		assert_int_equal(pipe(sv), 0);
	} else if (kind == STDOUT_SOCKET) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	} else {
		sv[0] = -1;
		sv[1] = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(sv[1] >= 0);
	}
	fflush(stdout);
	assert_true(dup2(sv[1], STDOUT_FILENO) >= 0);
	close(sv[1]);
	/* From here until stdout is back, no cmocka assertion (its report goes to stdout). */
	f = event_file_open("-", &conf_default, err, sizeof(err));
	rc_live = f != NULL ? event_file_live(f) : -1;
	for (i = 0; f != NULL && i < n; i++) {
		fifo_line(line, i);
		if (event_file_write(f, line, 100) == -EAGAIN)
			again++;
	}
	if (f != NULL)
		event_file_finish(f, 50);
	fl1 = fcntl(STDOUT_FILENO, F_GETFL);
	st = f != NULL ? *event_file_stats(f) : (struct event_file_stats){ 0 };
	if (f != NULL)
		event_file_close(f);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);

	assert_non_null(f);
	assert_int_equal(rc_live, 0);
	assert_int_equal(fl1 & O_NONBLOCK, 0);
	if (kind == STDOUT_FILE) {	/* blocking: every line there */
		FILE *in = fopen(file, "r");

		assert_int_equal(again, 0);
		assert_int_equal(st.dropped, 0);
		assert_int_equal(st.lines, n);
		have = fread(got, 1, sizeof(got), in);
		fclose(in);
		assert_int_equal(have, sizeof(got));	/* 2 MB written: the first 1 MiB read */
		assert_int_equal(fifo_check(got, have / 101 * 101), have / 101);
		return;
	}
	assert_true(again > 0);
	assert_true(st.dropped >= (uint64_t)again);	/* and what the stop's drain left */
	assert_int_equal(st.lines + st.dropped, n);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	while ((k = read(sv[0], got + have, sizeof(got) - have)) > 0)
		have += (size_t)k;
	close(sv[0]);
	/* Lines in order from the first; a pipe gets whole ones (PIPE_BUF writes), a stream
	 * socket may end in the part of the line the stop's drain had sent. */
	whole = fifo_check(got, kind == STDOUT_PIPE ? have : have / 101 * 101);
	assert_int_equal(whole, st.lines);
}

static void
test_event_file_live_stdout_never_waits_for_its_reader(void **state)
{
	struct dir *d = *state;

	stdout_live(STDOUT_PIPE, NULL);
	stdout_live(STDOUT_SOCKET, NULL);
	stdout_live(STDOUT_FILE, d->file);
}

/*
 * Without /proc (a child in a mount namespace of its own with an empty tmpfs there), a
 * pipe on stdout cannot get a description of its own: event_file_live says why and
 * leaves stdout as it was (blocking; control.c logs a warning and goes on).
 */
static void
test_event_file_live_without_proc_says_why(void **state)
{
	int sv[2], st = 0;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	assert_int_equal(pipe(sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct event_file *f;
		char err[256];
		int rc;

		if (unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("none", "/proc", "tmpfs", 0, NULL) != 0)
			_exit(10);
		if (dup2(sv[1], STDOUT_FILENO) < 0)
			_exit(11);
		f = event_file_open("-", &conf_default, err, sizeof(err));
		if (f == NULL)
			_exit(12);
		rc = event_file_live(f);
		if (rc != -ENOENT)
			_exit(13);
		/* still the blocking stdout: a line goes through as before */
		if (event_file_write(f, "x", 1) != 0 || event_file_close(f) != 0)
			_exit(14);
		_exit((fcntl(STDOUT_FILENO, F_GETFL) & O_NONBLOCK) != 0 ? 15 : 0);
	}
	close(sv[1]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	{
		char buf[8];

		assert_int_equal(read(sv[0], buf, sizeof(buf)), 2);
		assert_memory_equal(buf, "x\n", 2);
	}
	close(sv[0]);
}

/*
 * A write that fails loses the lines it held: they are counted as dropped (the summary's
 * "lost"), not as written, and the failure as an error. A device that refuses every
 * write (/dev/full) by path, written non-blocking, and as a blocking stdout (offline);
 * a line longer than the buffer, written on its own, likewise.
 */
static void
failed_writes_lose_lines(struct event_file *f, int nonblock)
{
	static char big[300 * 1024];

	assert_non_null(f);
	assert_int_equal(event_file_write(f, "{\"a\":1}", 7), 0);
	assert_int_equal(event_file_write(f, "{\"b\":2}", 7), 0);
	assert_int_equal(event_file_write(f, "{\"c\":3}", 7), 0);
	assert_int_equal(event_file_stats(f)->lines, 3);
	assert_int_equal(event_file_flush(f), -EIO);
	assert_int_equal(event_file_stats(f)->lines, 0);
	assert_int_equal(event_file_stats(f)->dropped, 3);
	assert_int_equal(event_file_stats(f)->errors, 1);
	memset(big, 'x', sizeof(big));
	/* non-blocking, a line that cannot be buffered is dropped before any write */
	assert_int_equal(event_file_write(f, big, sizeof(big)), nonblock ? -EAGAIN : -EIO);
	assert_int_equal(event_file_stats(f)->lines, 0);
	assert_int_equal(event_file_stats(f)->dropped, 4);
	assert_int_equal(event_file_stats(f)->errors, nonblock ? 1 : 2);
	assert_int_equal(event_file_close(f), 0);	/* nothing left to flush */
}

static void
test_event_file_failed_write_counts_its_lines_lost(void **state)
{
	int saved = dup(STDOUT_FILENO), full = open("/dev/full", O_WRONLY);
	struct event_file *f;
	char err[256];

	(void)state;
	failed_writes_lose_lines(event_file_open("/dev/full", &conf_default, err, sizeof(err)), 1);
	assert_true(saved >= 0 && full >= 0);
	fflush(stdout);
	assert_true(dup2(full, STDOUT_FILENO) >= 0);
	close(full);
	f = event_file_open("-", &conf_default, err, sizeof(err));
	failed_writes_lose_lines(f, 0);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

/*
 * Live, stdout a FIFO whose reader is gone: no description of our own can be opened
 * (ENXIO, which control.c reports as such; an anonymous pipe without a reader opens), and
 * each write fails at once, its lines counted lost; nothing waits (SIGPIPE ignored, as
 * the daemon ignores it).
 */
static void
test_event_file_live_stdout_fifo_without_a_reader(void **state)
{
	struct dir *d = *state;
	int rfd, wfd, saved = dup(STDOUT_FILENO), rc_live, rc_flush;
	struct event_file_stats st;
	struct event_file *f;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	char err[256];

	assert_true(saved >= 0);
	assert_int_equal(mkfifo(d->file, 0600), 0);
	rfd = open(d->file, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	wfd = open(d->file, O_WRONLY);
	assert_true(wfd >= 0);
	close(rfd);
	fflush(stdout);
	assert_true(dup2(wfd, STDOUT_FILENO) >= 0);
	close(wfd);
	f = event_file_open("-", &conf_default, err, sizeof(err));
	rc_live = f != NULL ? event_file_live(f) : -1;
	if (f != NULL)
		event_file_write(f, "{\"a\":1}", 7);
	rc_flush = f != NULL ? event_file_flush(f) : -1;
	st = f != NULL ? *event_file_stats(f) : (struct event_file_stats){ 0 };
	if (f != NULL)
		event_file_close(f);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	signal(SIGPIPE, old);

	assert_non_null(f);
	assert_int_equal(rc_live, -ENXIO);
	assert_int_equal(rc_flush, -EIO);
	assert_int_equal(st.lines, 0);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.errors, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_event_file_appends_to_existing_content,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_event_file_batches_lines_until_flushed_full_or_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_file_created_0640_whatever_the_umask,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_file_open_names_path_and_reason,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_event_file_reopen_after_rename_splits_lines_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_event_file_failed_reopen_keeps_writing_old_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_file_rotates_by_size_and_keeps_n,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_file_rotation_counts_existing_bytes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_event_file_stdout_is_never_rotated_or_reopened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_file_fsync_policies, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_event_file_fifo_reader_never_blocks_the_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_event_file_fifo_finish_drops_what_the_reader_left, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_event_file_live_stdout_never_waits_for_its_reader, setup, teardown),
		cmocka_unit_test(test_event_file_live_without_proc_says_why),
		cmocka_unit_test(test_event_file_failed_write_counts_its_lines_lost),
		cmocka_unit_test_setup_teardown(
			test_event_file_live_stdout_fifo_without_a_reader, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
