/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state directory: what must survive restarts. For now the secret key behind the
 * keyed hashes of personal-data values (the same value must hash alike across runs so
 * reports can count distinct data subjects).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "state.h"

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
