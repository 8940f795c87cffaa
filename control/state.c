/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state directory: what must survive restarts. For now the secret key behind the
 * keyed hashes of personal-data values (the same value must hash alike across runs so
 * reports can count distinct data subjects), and the removal at start of what atomic
 * writes killed between their open and their rename left behind (state_remove_stale).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <rte_log.h>
#include "state.h"

RTE_LOG_REGISTER_SUFFIX(state_logtype, state, INFO);
#define STATE_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, state_logtype, "tollgate.state: " fmt "\n", ##__VA_ARGS__)

/* The temporary files of the state directory's own atomic writes. */
static const struct state_stale state_secret_stale = { "." STATE_SECRET_FILE ".", 0, "", "" };
/* sensors/sensor_db_cache.c cache_store_bytes: "<cache>/sensors-%016llx.hsdb.<pid>.tmp"
 * (Hyperscan databases) and "...dfa.<pid>.tmp" (the prefilter's DFAs). */
static const struct state_stale state_cache_stale = { "sensors-", 16, ".hsdb.", ".tmp" };
static const struct state_stale state_dfa_stale = { "sensors-", 16, ".dfa.", ".tmp" };

/* Skips the literal lit at *p; false if the name does not go on with it. */
static bool
state_skip(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

/* The pid in name if name is exactly pat's shape, else -1. */
static long
state_stale_pid(const char *name, const struct state_stale *pat)
{
	const char *p = name;
	unsigned int i;
	long pid = 0;

	if (!state_skip(&p, pat->prefix))
		return -1;
	for (i = 0; i < pat->hex; i++, p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -1;
	if (!state_skip(&p, pat->infix))
		return -1;
	/* getpid()'s decimal: 1 to 10 digits, no leading zero, at most INT_MAX. */
	if (*p < '1' || *p > '9')
		return -1;
	for (i = 0; *p >= '0' && *p <= '9'; i++, p++) {
		if (i == 10)
			return -1;
		pid = pid * 10 + (*p - '0');
	}
	if (pid > INT_MAX || strcmp(p, pat->suffix) != 0)
		return -1;
	return pid;
}

unsigned int
state_remove_stale(const char *dir, const struct state_stale *pat)
{
	unsigned int removed = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd;

	d = opendir(dir);
	if (d == NULL) {
		/* Not there, or not ours to read (an unprivileged offline run): nothing to do. */
		if (errno != ENOENT && errno != EACCES && errno != EPERM)
			STATE_LOG(WARNING, "%s: cannot look for stale temporary files: %s", dir,
				  strerror(errno));
		return 0;
	}
	fd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		long pid = state_stale_pid(de->d_name, pat);

		if (pid < 0 || fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		/*
		 * Ours: left by an earlier process that had our pid (a container's pid 1), as
		 * nothing of ours is being written yet. Another running process may be writing
		 * it now (a second instance on the same files): leave it.
		 */
		if (pid != (long)getpid() && !(kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
			STATE_LOG(INFO, "%s/%s: left in place: process %ld is running", dir,
				  de->d_name, pid);
			continue;
		}
		if (unlinkat(fd, de->d_name, 0) != 0) {
			STATE_LOG(WARNING, "%s/%s: cannot remove this stale temporary file: %s",
				  dir, de->d_name, strerror(errno));
			continue;
		}
		STATE_LOG(NOTICE, "%s/%s: removed: a temporary file left by %s %ld, whose write "
			  "was interrupted", dir, de->d_name,
			  pid == (long)getpid() ? "an earlier process with our pid" : "process",
			  pid);
		removed++;
	}
	closedir(d);
	return removed;
}

static int
state_mkdirs(const char *dir)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -errno;
		buf[i] = dir[i];
	}
	return 0;
}

static int
state_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
state_read_key(const char *path, uint8_t key[16], char *err, size_t errlen)
{
	char text[40];
	struct stat st;
	ssize_t n;
	int fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A secret, like the API token file: no group or other access. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file: expected the value-hash key", path);
		return -EINVAL;
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		snprintf(err, errlen, "%s: mode %04o lets group or others read the value-hash key: "
			 "expected no group or other permissions (chmod 600 %s)", path,
			 (unsigned int)(st.st_mode & 07777), path);
		return -EINVAL;
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 32 || (n > 32 && !(n == 33 && text[32] == '\n'))) {
		snprintf(err, errlen, "%s: expected 32 hex digits (the value-hash key)", path);
		return -EINVAL;
	}
	for (i = 0; i < 16; i++) {
		int hi = state_hex(text[2 * i]), lo = state_hex(text[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			snprintf(err, errlen, "%s: expected 32 hex digits (the value-hash key)",
				 path);
			return -EINVAL;
		}
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
state_secret_load(const char *dir, uint8_t key[16], char *err, size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX], text[34];
	int rc, fd, i;

	rc = state_mkdirs(dir);
	if (rc != 0) {
		snprintf(err, errlen, "state directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	/* Before the key is written: its O_EXCL open fails on a stale file of our pid. */
	state_remove_stale(dir, &state_secret_stale);
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_SECRET_FILE);
	rc = state_read_key(path, key, err, errlen);
	if (rc != -ENOENT) {
		if (rc < 0 && rc != -EINVAL)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (getrandom(key, 16, 0) != 16) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -EIO;
	}
	for (i = 0; i < 16; i++)
		snprintf(text + 2 * i, 3, "%02x", key[i]);
	text[32] = '\n';
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, STATE_SECRET_FILE, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, 33) != 33 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -EIO;
	}
	close(fd);
	/* link() fails if another instance created the key first: then use theirs. */
	if (link(tmp, path) != 0) {
		rc = errno;
		unlink(tmp);
		if (rc == EEXIST)
			return state_read_key(path, key, err, errlen);
		snprintf(err, errlen, "%s: %s", path, strerror(rc));
		return -rc;
	}
	unlink(tmp);
	return 0;
}

int
state_cache_prepare(const char *dir)
{
	int rc = state_mkdirs(dir);

	if (rc != 0)
		return rc;
	if (access(dir, W_OK | X_OK) != 0)
		return -errno;
	state_remove_stale(dir, &state_cache_stale);
	state_remove_stale(dir, &state_dfa_stale);
	return 0;
}
