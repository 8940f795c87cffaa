/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The label map on disk: STATE_DIR/labels.json, written atomically after every change the
 * API accepts and read back at start, so a restart (or a crash) keeps the map the
 * orchestration scripts last sent instead of an empty one until their next sync.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "label_store.h"

static int
store_fail(char *err, size_t errlen, const char *what, const char *path, int e)
{
	snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
	return -e;
}

int
label_store_save(const struct label_map *m, const char *dir, char *err, size_t errlen)
{
	char path[4096], tmp[4096 + 32];
	json_t *j = label_map_get_json(m, NULL, err, errlen);
	char *text;
	size_t len, off = 0;
	int fd, e = 0;

	if (j == NULL)
		return -ENOMEM;
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL) {
		snprintf(err, errlen, "label map: out of memory");
		return -ENOMEM;
	}
	len = strlen(text);
	snprintf(path, sizeof(path), "%s/%s", dir, LABEL_STORE_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		free(text);
		return store_fail(err, errlen, "cannot create", tmp, e);
	}
	while (off < len && e == 0) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno != EINTR)
			e = errno;
		else if (w > 0)
			off += (size_t)w;
	}
	free(text);
	if (e == 0 && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e == 0 && rename(tmp, path) != 0)
		e = errno;
	if (e != 0) {
		unlink(tmp);
		return store_fail(err, errlen, "cannot write", path, e);
	}
	/* The rename itself reaches the disk with the directory. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int
label_store_load(struct label_map *m, const char *dir, int *loaded, char *err, size_t errlen)
{
	char path[4096], msg[512];
	json_error_t jerr;
	json_t *j;
	int rc;

	*loaded = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, LABEL_STORE_FILE);
	if (access(path, F_OK) != 0)
		return errno == ENOENT ? 0 : store_fail(err, errlen, "cannot read", path, errno);
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	rc = label_map_restore_json(m, j, msg, sizeof(msg));
	json_decref(j);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return rc;
	}
	*loaded = 1;
	return 0;
}
