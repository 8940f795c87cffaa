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
 *
 * The prefilter's DFAs (sensor_dfa_build: subset construction and minimisation, about
 * half of a start's CPU once Hyperscan's databases come from here) are kept the same way,
 * named by a hash of the parsed patterns, their ids and the build's flags. A DFA file is
 * checked whole before use (magic, its own name's hash, sizes, a keyed checksum, every
 * table entry in range), since the data path indexes by what it holds.
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
#include "sensor_regex.h"
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

/* The whole file at path (at most max bytes), malloc'd, or NULL. */
static uint8_t *
cache_read(const char *path, size_t max, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || st.st_size <= 0 || (uint64_t)st.st_size > max) {
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size);
	n = buf != NULL ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

static hs_database_t *
cache_load(const char *path)
{
	hs_database_t *db = NULL;
	size_t len;
	uint8_t *buf = cache_read(path, DB_CACHE_MAX, &len);

	if (buf != NULL && hs_deserialize_database((const char *)buf, len, &db) != HS_SUCCESS)
		db = NULL;
	free(buf);
	return db;
}

/* Write len bytes to path through a per-pid temporary name and a rename (several daemons
 * may share the directory); any failure leaves no file. */
static void
cache_store_bytes(const char *dir, const char *path, const void *bytes, size_t len)
{
	char tmp[PATH_MAX + 16], sub[PATH_MAX];
	size_t i;
	int fd, ok;

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
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok = fd >= 0 && write(fd, bytes, len) == (ssize_t)len && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp);
}

static void
cache_store(const char *dir, const char *path, const hs_database_t *db)
{
	char *bytes = NULL;
	size_t len = 0;

	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	cache_store_bytes(dir, path, bytes, len);
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

/* ---- the prefilter's DFAs ---- */

/* The file format and the builder's contract (what a state, class and accepting state
 * mean, how '^' and the reverse builds read): change it when either changes, so that no
 * file of the old meaning is read (it is in the name's hash too). */
#define DFA_MAGIC "TGDFA001"
#define DFA_CACHE_MAX (256u << 20)

static const uint8_t dfa_key[VALUE_HASH_KEY_LEN] = { 't', 'g', 'd', 'f', 'a', '1' };

/* The file's fixed part, then trans, acc_first, acc_n, acc_ids and the checksum. */
struct dfa_file_head {
	char magic[8];
	uint64_t key;
	uint32_t n_states, n_classes, start, acc_base, dead, n_acc, n_acc_ids, pad;
	uint8_t cls[256];
	uint8_t bos_cls, pad8[7];
};

static uint64_t
dfa_cache_key(const struct sensor_re *const *res, const uint32_t *ids, unsigned int n,
	      unsigned int flags, uint32_t max_states)
{
	uint64_t h, part[4] = { flags, max_states, n, sizeof(struct dfa_file_head) };
	unsigned int i, j;

	h = value_hash(dfa_key, (const uint8_t *)part, sizeof(part)) ^
	    value_hash(dfa_key, (const uint8_t *)DFA_MAGIC, sizeof(DFA_MAGIC));
	for (i = 0; i < n; i++) {
		const struct sensor_re *re = res[i];
		uint64_t top[4] = { h, ids[i], (uint64_t)(int64_t)re->root,
				    (uint64_t)re->n_nodes << 32 | re->n_sets };

		h = value_hash(dfa_key, (const uint8_t *)top, sizeof(top));
		/* Field by field: the nodes' padding is not part of the pattern. */
		for (j = 0; j < re->n_nodes; j++) {
			const struct sensor_re_node *x = &re->nodes[j];
			uint64_t f[4] = { h ^ x->kind, (uint64_t)x->set << 32 | x->min,
					  (uint64_t)x->max << 32 | (uint32_t)x->child,
					  (uint32_t)x->next };

			h = value_hash(dfa_key, (const uint8_t *)f, sizeof(f));
		}
		for (j = 0; j < re->n_sets; j++)
			h ^= value_hash(dfa_key, (const uint8_t *)re->sets[j].w,
					sizeof(re->sets[j].w)) * (0x9e3779b97f4a7c15ULL + 2 * j);
	}
	return h;
}

static size_t
dfa_file_size(uint64_t cells, uint32_t n_acc, uint32_t n_acc_ids)
{
	return sizeof(struct dfa_file_head) + 4 * cells + 4 * (size_t)n_acc +
	       2 * (size_t)n_acc + 4 * (size_t)n_acc_ids + 8;
}

static void
dfa_store(const char *dir, const char *path, uint64_t key, const struct sensor_dfa *d)
{
	uint64_t cells = (uint64_t)d->n_states * d->n_classes, sum;
	uint32_t n_acc = d->n_states - d->acc_base / d->n_classes;
	size_t len = dfa_file_size(cells, n_acc, d->n_acc_ids), o;
	struct dfa_file_head h;
	uint8_t *b;

	if (len > DFA_CACHE_MAX || (b = malloc(len)) == NULL)
		return;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, DFA_MAGIC, sizeof(h.magic));
	h.key = key;
	h.n_states = d->n_states;
	h.n_classes = d->n_classes;
	h.start = d->start;
	h.acc_base = d->acc_base;
	h.dead = d->dead;
	h.n_acc = n_acc;
	h.n_acc_ids = d->n_acc_ids;
	memcpy(h.cls, d->cls, sizeof(h.cls));
	h.bos_cls = d->bos_cls;
	memcpy(b, &h, sizeof(h));
	o = sizeof(h);
	memcpy(b + o, d->trans, 4 * cells);
	o += 4 * cells;
	memcpy(b + o, d->acc_first, 4 * (size_t)n_acc);
	o += 4 * (size_t)n_acc;
	memcpy(b + o, d->acc_n, 2 * (size_t)n_acc);
	o += 2 * (size_t)n_acc;
	memcpy(b + o, d->acc_ids, 4 * (size_t)d->n_acc_ids);
	o += 4 * (size_t)d->n_acc_ids;
	sum = sensor_db_cache_dfa_sum(b, o);
	memcpy(b + o, &sum, 8);
	cache_store_bytes(dir, path, b, len);
	free(b);
}

uint64_t
sensor_db_cache_dfa_sum(const uint8_t *b, size_t len)
{
	return value_hash(dfa_key, b, len);
}

/* A premultiplied state index of a DFA of `cells` cells and n classes. */
static int
dfa_state_ok(uint32_t s, uint64_t cells, uint32_t n)
{
	return s < cells && s % n == 0;
}

struct sensor_dfa *
sensor_db_cache_dfa_parse(const uint8_t *b, size_t len, uint64_t key, uint32_t max_id)
{
	struct dfa_file_head h;
	struct sensor_dfa *d;
	uint64_t cells, sum, i;
	size_t o;

	if (len < sizeof(h) + 8)
		return NULL;
	memcpy(&h, b, sizeof(h));
	if (memcmp(h.magic, DFA_MAGIC, sizeof(h.magic)) != 0 || h.key != key ||
	    h.n_classes == 0 || h.n_classes > 256 || h.n_states == 0 ||
	    h.acc_base % h.n_classes != 0)
		return NULL;
	cells = (uint64_t)h.n_states * h.n_classes;
	if (cells > UINT32_MAX || h.acc_base > cells ||
	    h.n_acc != h.n_states - h.acc_base / h.n_classes ||
	    len != dfa_file_size(cells, h.n_acc, h.n_acc_ids) ||
	    !dfa_state_ok(h.start, cells, h.n_classes) ||
	    (h.dead != UINT32_MAX && !dfa_state_ok(h.dead, cells, h.n_classes)) ||
	    h.bos_cls >= h.n_classes)
		return NULL;
	memcpy(&sum, b + len - 8, 8);
	if (sum != sensor_db_cache_dfa_sum(b, len - 8))
		return NULL;
	for (i = 0; i < 256; i++)
		if (h.cls[i] >= h.n_classes)
			return NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->n_states = h.n_states;
	d->n_classes = h.n_classes;
	d->start = h.start;
	d->acc_base = h.acc_base;
	d->dead = h.dead;
	memcpy(d->cls, h.cls, sizeof(d->cls));
	d->bos_cls = h.bos_cls;
	d->n_acc_ids = h.n_acc_ids;
	d->trans = malloc(4 * cells);
	d->acc_first = calloc(h.n_acc ? h.n_acc : 1, sizeof(*d->acc_first));
	d->acc_n = calloc(h.n_acc ? h.n_acc : 1, sizeof(*d->acc_n));
	d->acc_ids = malloc(4 * ((size_t)h.n_acc_ids + 1));
	if (d->trans == NULL || d->acc_first == NULL || d->acc_n == NULL || d->acc_ids == NULL)
		goto bad;
	o = sizeof(h);
	memcpy(d->trans, b + o, 4 * cells);
	o += 4 * cells;
	memcpy(d->acc_first, b + o, 4 * (size_t)h.n_acc);
	o += 4 * (size_t)h.n_acc;
	memcpy(d->acc_n, b + o, 2 * (size_t)h.n_acc);
	o += 2 * (size_t)h.n_acc;
	memcpy(d->acc_ids, b + o, 4 * (size_t)h.n_acc_ids);
	for (i = 0; i < cells; i++)
		if (!dfa_state_ok(d->trans[i], cells, h.n_classes))
			goto bad;
	for (i = 0; i < h.n_acc; i++)
		if ((uint64_t)d->acc_first[i] + d->acc_n[i] > h.n_acc_ids)
			goto bad;
	for (i = 0; i < h.n_acc_ids; i++)
		if (d->acc_ids[i] > max_id)
			goto bad;
	return d;
bad:
	sensor_dfa_free(d);
	return NULL;
}

static struct sensor_dfa *
dfa_load(const char *path, uint64_t key, uint32_t max_id)
{
	struct sensor_dfa *d = NULL;
	size_t len;
	uint8_t *buf = cache_read(path, DFA_CACHE_MAX, &len);

	if (buf != NULL)
		d = sensor_db_cache_dfa_parse(buf, len, key, max_id);
	free(buf);
	return d;
}

struct sensor_dfa *
sensor_db_cache_dfa(const char *cache_dir, const struct sensor_re *const *res,
		    const uint32_t *ids, unsigned int n, unsigned int flags, uint32_t max_states,
		    char *why, size_t whylen, int *cached)
{
	char path[PATH_MAX];
	struct sensor_dfa *d;
	uint32_t max_id = 0;
	uint64_t key = 0;
	unsigned int i;

	*cached = 0;
	path[0] = '\0';
	if (cache_dir != NULL && n > 0) {
		for (i = 0; i < n; i++)
			if (ids[i] > max_id)
				max_id = ids[i];
		key = dfa_cache_key(res, ids, n, flags, max_states);
		snprintf(path, sizeof(path), "%s/sensors-%016llx.dfa", cache_dir,
			 (unsigned long long)key);
		d = dfa_load(path, key, max_id);
		if (d != NULL) {
			*cached = 1;
			return d;
		}
	}
	d = sensor_dfa_build(res, ids, n, flags, max_states, why, whylen);
	if (d != NULL && path[0] != '\0')
		dfa_store(cache_dir, path, key, d);
	return d;
}
