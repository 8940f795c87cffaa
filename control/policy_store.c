/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy store (policy_store.h): the one place where the running policy changes. It keeps
 * the policy, the DLP configuration and the sensor set (database + a DLP context per
 * worker) they compile to, and publishes snapshots through snapshot.c.
 *
 * Sensor sets are reference counted: the store holds one reference on the current set and
 * every snapshot one on the set it was compiled with, so a set lives until the last
 * snapshot using it has passed its grace period.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include "config.h"
#include "config_splice.h"
#include "dlp.h"
#include "eve_sid.h"
#include "flow_policy.h"
#include "fqdn_cache.h"
#include "msg_types.h"
#include "policy.h"
#include "policy_emit.h"
#include "policy_store.h"
#include "sensor_config.h"
#include "sensor_engine.h"
#include "snapshot.h"
#include "state.h"
#include "worker_types.h"
#include "yaml_tree.h"

RTE_LOG_REGISTER_SUFFIX(policy_store_logtype, policy, INFO);
#define PS_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, policy_store_logtype, "tollgate.policy: " fmt "\n", ##__VA_ARGS__)

#define PS_REFRESH_MIN_NS 20000000ull	/* republish for labels/names at most every 20 ms */

struct policy_store {
	struct runtime *rt;
	const char *path;		/* config file, or NULL */
	struct policy *policy;
	struct tg_config *cfg;		/* the configuration the sensors were compiled from */
	struct snapshot_sensors *sensors;	/* current set (one reference held here) */
	uint64_t sensors_gen;
	snapshot_sensors_retire_fn retire;	/* given to every sensor set made from now */
	void *retire_arg;
	struct label_map *labels;
	struct fqdn_cache *fqdns;
	struct snapshot_pub *pub;
	uint64_t revision;
	uint64_t published;
	uint32_t nonce;
	char etag[48];
	int dirty;			/* labels or names changed since the last publish */
	uint64_t last_expire_s;		/* FQDN cache expired at this second */
	uint64_t last_publish_ns;
};

static uint64_t
ps_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
ps_set_etag(struct policy_store *ps)
{
	snprintf(ps->etag, sizeof(ps->etag), "%08" PRIx32 "-%" PRIu64, ps->nonce, ps->revision);
}

/* A sensor set for db (taken, freed on failure): a DLP context per worker on its socket. */
static struct snapshot_sensors *
ps_sensors_create(struct policy_store *ps, struct sensor_db *db, const struct config_dlp *dlp,
		  char *err, size_t errlen)
{
	struct runtime *rt = ps->rt;
	struct snapshot_sensors *ss = calloc(1, sizeof(*ss));
	unsigned int w;

	if (ss == NULL) {
		sensor_db_free(db);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ss->db = db;
	ss->refs = 1;
	ss->generation = ++ps->sensors_gen;
	ss->retire = ps->retire;
	ss->retire_arg = ps->retire_arg;
	for (w = 0; w < rt->n_workers && w < SNAPSHOT_MAX_WORKERS; w++) {
		int socket = (int)rte_lcore_to_socket_id(rt->workers[w]->lcore);

		ss->dlp[w] = dlp_ctx_create(db, dlp, rt->hash_key, socket, err, errlen);
		ss->n_workers = w + 1;
		if (ss->dlp[w] == NULL) {
			snapshot_sensors_put(ss);
			return NULL;
		}
	}
	return ss;
}

static void
ps_publish(struct policy_store *ps, struct snapshot *s)
{
	snapshot_publish(ps->pub, s);
	ps->published++;
	ps->dirty = 0;
	ps->last_publish_ns = ps_now_ns();
}

/*
 * What config_write_atomic (config_splice.h) leaves when killed between its open and its
 * rename: "<file>.tmp.<pid>" next to the config file (next to the file a symbolic link
 * names, as it writes there). Removed at start, before any write of ours.
 */
static void
ps_remove_stale(const char *path)
{
	char real[PATH_MAX], prefix[NAME_MAX + 8], *slash;
	const struct state_stale pat = { prefix, 0, "", "" };

	if (path == NULL || realpath(path, real) == NULL)
		return;
	slash = strrchr(real, '/');
	if (slash == NULL ||
	    snprintf(prefix, sizeof(prefix), "%s.tmp.", slash + 1) >= (int)sizeof(prefix))
		return;
	if (slash == real)
		slash[1] = '\0';	/* "/tollgate.yaml": the directory is "/" */
	else
		*slash = '\0';
	state_remove_stale(real, &pat);
}

struct policy_store *
policy_store_create(struct runtime *rt, struct policy *p, struct label_map *labels, char *err,
		    size_t errlen)
{
	struct policy_store *ps = calloc(1, sizeof(*ps));
	struct snapshot *s;

	if (ps == NULL) {
		policy_free(p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ps->rt = rt;
	ps->path = rt->config_path;
	ps_remove_stale(ps->path);
	ps->policy = p;
	ps->labels = labels;
	ps->nonce = (uint32_t)time(NULL) ^ ((uint32_t)ps_now_ns() << 8);
	ps->cfg = malloc(sizeof(*ps->cfg));
	ps->fqdns = fqdn_cache_create(POLICY_STORE_FQDN_MAX);
	ps->pub = snapshot_pub_create(&rt->snap, rt->qsbr);
	if (ps->cfg == NULL || ps->fqdns == NULL || ps->pub == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(ps->cfg, &rt->cfg, sizeof(*ps->cfg));
	if (rt->sensor_db != NULL) {
		ps->sensors = ps_sensors_create(ps, rt->sensor_db, &rt->cfg.dlp, err, errlen);
		rt->sensor_db = NULL;
		if (ps->sensors == NULL)
			goto fail;
	}
	s = snapshot_compile(p, labels, ps->fqdns, ps->sensors ? ps->sensors->db : NULL,
			     ps->sensors, ps->cfg->dlp.enabled, err, errlen);
	if (s == NULL)
		goto fail;
	ps_publish(ps, s);
	ps_set_etag(ps);
	return ps;
fail:
	policy_store_free(ps);
	return NULL;
}

void
policy_store_on_sensors_retire(struct policy_store *ps, snapshot_sensors_retire_fn fn, void *arg)
{
	ps->retire = fn;
	ps->retire_arg = arg;
	if (ps->sensors != NULL) {
		ps->sensors->retire = fn;
		ps->sensors->retire_arg = arg;
	}
}

void
policy_store_free(struct policy_store *ps)
{
	if (ps == NULL)
		return;
	snapshot_pub_free(ps->pub);
	snapshot_sensors_put(ps->sensors);
	snapshot_sensors_free_retired();	/* the workers are done with theirs */
	fqdn_cache_free(ps->fqdns);
	policy_free(ps->policy);
	free(ps->cfg);
	free(ps);
}

/* ---- persistence ---- */

static char *
ps_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* Replace the value at path in *text (len) with block; *text is replaced on success. */
static int
ps_splice(char **text, size_t *len, const char *const *path, unsigned int depth, char *block,
	  char *err, size_t errlen)
{
	char *out = NULL;
	size_t outlen = 0;
	int rc = config_splice(*text, *len, path, depth, block, &out, &outlen, err, errlen);

	free(block);
	if (rc != 0)
		return rc;
	free(*text);
	*text = out;
	*len = outlen;
	return 0;
}

/*
 * Write np and/or dlp back into the config file, keeping everything else of it. The new
 * text is loaded again before it replaces the file: a file that would not load as the
 * running configuration is never written.
 */
static int
ps_persist(struct policy_store *ps, const struct policy *np, const struct config_dlp *dlp,
	   char *err, size_t errlen)
{
	static const char *const policy_path[] = { "policy" };
	static const char *const custom_path[] = { "dlp", "custom" };
	struct yaml_node *root = NULL;
	struct policy *check = NULL;
	struct tg_config *cfg = NULL;
	char *text, *block = NULL, why[512];
	size_t len, blen;
	int rc;

	text = ps_read_file(ps->path, &len, err, errlen);
	if (text == NULL)
		return -EIO;
	if (np != NULL) {
		rc = policy_emit_yaml(np, 0, &block, &blen);
		if (rc == 0)
			rc = ps_splice(&text, &len, policy_path, 1, block, err, errlen);
		if (rc != 0)
			goto out;
	}
	if (dlp != NULL) {
		rc = policy_emit_custom_yaml(dlp->custom, dlp->n_custom, 0, &block, &blen);
		if (rc == 0)
			rc = ps_splice(&text, &len, custom_path, 2, block, err, errlen);
		if (rc != 0)
			goto out;
	}
	rc = -EIO;
	root = yaml_tree_load_buffer(ps->path, text, len, why, sizeof(why));
	cfg = malloc(sizeof(*cfg));
	if (root == NULL || cfg == NULL ||
	    config_apply_tree(cfg, ps->path, root, why, sizeof(why)) != 0 ||
	    (check = policy_load_config(ps->path, root, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: the rewritten file would not load (%s); not written",
			 ps->path, root == NULL || cfg == NULL ? "out of memory" : why);
		goto out;
	}
	rc = config_write_atomic(ps->path, text, len, err, errlen);
out:
	if (rc != 0 && rc != -EIO && rc != -ENOMEM) {
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "%s: cannot write the policy back: %s", ps->path, tmp);
		rc = -EIO;
	}
	policy_free(check);
	free(cfg);
	yaml_tree_free(root);
	free(text);
	return rc;
}

/* ---- commit ---- */

int
policy_store_commit(struct policy_store *ps, struct policy *np, const struct config_dlp *dlp,
		    unsigned int flags, char *err, size_t errlen)
{
	const struct policy *p = np != NULL ? np : ps->policy;
	struct snapshot_sensors *ss = ps->sensors;
	struct tg_config *cfg = NULL;
	struct snapshot *s = NULL;
	int rc = -EINVAL;

	err[0] = '\0';
	if (dlp != NULL && memcmp(dlp, &ps->cfg->dlp, sizeof(*dlp)) != 0) {
		struct sensor_db *db;

		cfg = malloc(sizeof(*cfg));
		if (cfg == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		memcpy(cfg, ps->cfg, sizeof(*cfg));
		memcpy(&cfg->dlp, dlp, sizeof(*dlp));
		db = sensor_config_compile(cfg, ps->rt->cache_path[0] != '\0' ?
					   ps->rt->cache_path : NULL, err, errlen);
		if (db == NULL)
			goto fail;
		if (flags & POLICY_STORE_DRY_RUN) {
			/* Names only: the bindings are checked against this database. */
			ss = calloc(1, sizeof(*ss));
			if (ss == NULL) {
				sensor_db_free(db);
				rc = -ENOMEM;
				goto fail;
			}
			ss->db = db;
			ss->refs = 1;
		} else {
			ss = ps_sensors_create(ps, db, dlp, err, errlen);
			if (ss == NULL) {
				rc = -ENOMEM;
				goto fail;
			}
		}
	} else {
		dlp = NULL;
	}
	s = snapshot_compile(p, ps->labels, ps->fqdns, ss != NULL ? ss->db : NULL, ss,
			     cfg != NULL ? cfg->dlp.enabled : ps->cfg->dlp.enabled, err, errlen);
	if (s == NULL)
		goto fail;
	if (flags & POLICY_STORE_DRY_RUN) {
		rc = 0;
		goto fail;	/* nothing is kept */
	}
	if (ps->path != NULL && !(flags & POLICY_STORE_NO_PERSIST)) {
		rc = ps_persist(ps, np, dlp, err, errlen);
		if (rc != 0)
			goto fail;
	}
	ps_publish(ps, s);
	if (np != NULL) {
		policy_free(ps->policy);
		ps->policy = np;
	}
	if (cfg != NULL) {
		memcpy(&ps->cfg->dlp, &cfg->dlp, sizeof(cfg->dlp));
		snapshot_sensors_put(ps->sensors);	/* the snapshot holds its own */
		ps->sensors = ss;
		free(cfg);
	}
	ps->revision++;
	ps_set_etag(ps);
	PS_LOG(INFO, "policy revision %" PRIu64 " published (snapshot %" PRIu64 ", %u rules, %u "
	       "groups)", ps->revision, s->version, s->nrules,
	       s->ngroups - POLICY_GROUP_FIRST_USER);
	if (eve_sid_collision(ps->policy, &ps->cfg->dlp, err, errlen))
		PS_LOG(WARNING, "alerts: %s", err);	/* published all the same */
	err[0] = '\0';
	return 0;
fail:
	snapshot_free(s);		/* drops its reference on ss */
	if (ss != ps->sensors)
		snapshot_sensors_put(ss);
	free(cfg);
	policy_free(np);
	return rc;
}

int
policy_store_refresh(struct policy_store *ps, char *err, size_t errlen)
{
	struct snapshot *s;

	s = snapshot_compile(ps->policy, ps->labels, ps->fqdns,
			     ps->sensors != NULL ? ps->sensors->db : NULL, ps->sensors,
			     ps->cfg->dlp.enabled, err, errlen);
	if (s == NULL)
		return -EINVAL;
	ps_publish(ps, s);
	return 0;
}

int
policy_store_reload(struct policy_store *ps, char *err, size_t errlen)
{
	struct yaml_node *root;
	struct tg_config *cfg;
	struct policy *np;
	int rc;

	if (ps->path == NULL) {
		snprintf(err, errlen, "running on the built-in configuration: no file to reload");
		return -ENOENT;
	}
	root = yaml_tree_load_file(ps->path, err, errlen);
	if (root == NULL)
		return -EINVAL;
	cfg = malloc(sizeof(*cfg));
	if (cfg == NULL) {
		yaml_tree_free(root);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = config_apply_tree(cfg, ps->path, root, err, errlen);
	np = rc == 0 ? policy_load_config(ps->path, root, err, errlen) : NULL;
	yaml_tree_free(root);
	if (np == NULL) {
		free(cfg);
		return -EINVAL;
	}
	if (memcmp(&cfg->dp, &ps->cfg->dp, sizeof(cfg->dp)) != 0 ||
	    memcmp(&cfg->flow, &ps->cfg->flow, sizeof(cfg->flow)) != 0 ||
	    memcmp(&cfg->reasm, &ps->cfg->reasm, sizeof(cfg->reasm)) != 0 ||
	    memcmp(&cfg->api, &ps->cfg->api, sizeof(cfg->api)) != 0)
		PS_LOG(WARNING, "%s: only policy: and dlp: are reloaded; other changes take "
		       "effect at the next start", ps->path);
	rc = policy_store_commit(ps, np, &cfg->dlp, POLICY_STORE_NO_PERSIST, err, errlen);
	free(cfg);
	return rc;
}

/* ---- names and labels ---- */

void
policy_store_fqdn(struct policy_store *ps, const struct msg_fqdn *m)
{
	const struct snapshot *s = snapshot_current(ps->pub);
	uint64_t now = (uint64_t)time(NULL);
	char name[POLICY_FQDN_LEN];
	int fresh = 0, wanted = 0;
	unsigned int i;
	size_t len;

	memcpy(name, m->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	len = strlen(name);
	for (i = 0; i < m->n && i < MSG_FQDN_ADDRS; i++)
		if (fqdn_cache_add(ps->fqdns, name, m->a[i].family, m->a[i].addr, m->a[i].ttl,
				   now) == 1)
			fresh = 1;
	if (!fresh || s == NULL)
		return;
	for (i = 0; i < s->nfqdns && !wanted; i++)
		wanted = flow_policy_fqdn_match(&s->fqdns[i], name, len);
	if (wanted)
		ps->dirty = 1;
}

void
policy_store_labels_changed(struct policy_store *ps)
{
	ps->dirty = 1;
}

void
policy_store_tick(struct policy_store *ps)
{
	uint64_t now = (uint64_t)time(NULL);
	char err[512];

	snapshot_reclaim(ps->pub);
	if (now != ps->last_expire_s) {
		ps->last_expire_s = now;
		if (fqdn_cache_expire(ps->fqdns, now) > 0)
			ps->dirty = 1;
	}
	if (ps->dirty && ps_now_ns() - ps->last_publish_ns >= PS_REFRESH_MIN_NS &&
	    policy_store_refresh(ps, err, sizeof(err)) != 0)
		PS_LOG(ERR, "republish failed: %s", err);
}

/* ---- accessors ---- */

const struct policy *
policy_store_policy(const struct policy_store *ps)
{
	return ps->policy;
}

const struct config_dlp *
policy_store_dlp(const struct policy_store *ps)
{
	return &ps->cfg->dlp;
}

const struct snapshot *
policy_store_snapshot(const struct policy_store *ps)
{
	return snapshot_current(ps->pub);
}

const struct fqdn_cache *
policy_store_fqdns(const struct policy_store *ps)
{
	return ps->fqdns;
}

const char *
policy_store_etag(const struct policy_store *ps)
{
	return ps->etag;
}

uint64_t
policy_store_revision(const struct policy_store *ps)
{
	return ps->revision;
}

uint64_t
policy_store_published(const struct policy_store *ps)
{
	return ps->published;
}

unsigned int
policy_store_pending(const struct policy_store *ps)
{
	return snapshot_pending(ps->pub);
}

size_t
policy_store_snapshot_bytes(const struct policy_store *ps)
{
	return snapshot_bytes(ps->pub);
}

const char *
policy_store_path(const struct policy_store *ps)
{
	return ps->path;
}
