/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compiled-database cache of the sensor engine (control thread): hs_compile_multi through
 * a directory of serialised databases.
 *
 * Compiling every sensor takes most of a second; a restart,
 * a --check-config or each test run would pay it again for the same patterns. The cache
 * file is named by a hash of everything hs_compile_multi sees (expressions, flags, ids,
 * mode, Hyperscan version), so a changed pattern or library never reuses a stale
 * database; Hyperscan's own deserialisation checks refuse a database built for another
 * platform. Any cache failure just means compiling.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hs.h>

#include "sensor_priv.h"
#include "value_hash.h"

#define DB_CACHE_MAX (64u << 20)

static uint64_t
cache_key(const char *const *res, const unsigned int *flags, const unsigned int *ids,
	  unsigned int n, unsigned int mode)
{
	static const uint8_t key[VALUE_HASH_KEY_LEN] = { 't', 'g', 'h', 's', 'd', 'b', '2' };
	const char *ver = hs_version();
	uint64_t h = value_hash(key, (const uint8_t *)ver, strlen(ver)) ^ mode;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t part[3] = { h, flags[i], ids[i] };

		h = value_hash(key, (const uint8_t *)part, sizeof(part));
		h ^= value_hash(key, (const uint8_t *)res[i], strlen(res[i])) * 0x9e3779b97f4a7c15ULL;
	}
	return h;
}

static hs_database_t *
cache_load(const char *path)
{
	hs_database_t *db = NULL;
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > (off_t)DB_CACHE_MAX) {
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size);
	n = buf != NULL ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n == st.st_size && hs_deserialize_database(buf, (size_t)n, &db) != HS_SUCCESS)
		db = NULL;
	free(buf);
	return db;
}

static void
cache_store(const char *dir, const char *path, const hs_database_t *db)
{
	char tmp[PATH_MAX + 16], *bytes = NULL;
	size_t len = 0;
	int fd, ok;

	char sub[PATH_MAX];
	size_t i;

	/* mkdir -p: the state directory may not exist yet on the first run. */
	snprintf(sub, sizeof(sub), "%s", dir);
	for (i = 1; sub[i] != '\0'; i++) {
		if (sub[i] != '/')
			continue;
		sub[i] = '\0';
		mkdir(sub, 0700);
		sub[i] = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return;
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok = fd >= 0 && write(fd, bytes, len) == (ssize_t)len && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp);
	free(bytes);
}

hs_database_t *
sensor_db_cache_compile(const char *const *res, const unsigned int *flags,
			const unsigned int *ids, unsigned int n, unsigned int mode,
			const char *cache_dir, int *cached, hs_compile_error_t **cerr)
{
	char path[PATH_MAX];
	hs_database_t *db = NULL;

	*cerr = NULL;
	*cached = 0;
	path[0] = '\0';
	if (cache_dir != NULL) {
		snprintf(path, sizeof(path), "%s/sensors-%016llx.hsdb", cache_dir,
			 (unsigned long long)cache_key(res, flags, ids, n, mode));
		db = cache_load(path);
		if (db != NULL) {
			*cached = 1;
			return db;
		}
	}
	if (hs_compile_multi(res, flags, ids, n, mode, NULL, &db, cerr) != HS_SUCCESS)
		return NULL;
	if (path[0] != '\0' && access(path, F_OK) != 0)
		cache_store(cache_dir, path, db);
	return db;
}
