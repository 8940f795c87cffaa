/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sensor database compile (control thread). Every enabled sensor's patterns and every
 * context keyword become pattern ids, split between the finders of the PREFILTER engine
 * (sensor_prefilter.c takes the class-led values into its DFAs; the literal-led values go
 * into a Hyperscan STREAM database, db->hs; keywords into a BLOCK database searched near
 * values, db->hs_kw, or into db->hs for a sensor whose values are too long for that) and,
 * when a worker asks for it (sensor_db_prepare), ONE Hyperscan STREAM database of them all
 * for the HYPERSCAN engine, so a worker scans each buffer once whatever the number of
 * sensors. The database is immutable once built and shared by all workers (each worker
 * brings its own scratch, sensor_stream.c).
 *
 * Values. A pattern is first checked on its own with hs_expression_info: a pattern
 * Hyperscan rejects, or one that can match the empty string, fails the whole compile with
 * "sensor NAME: pattern \"P\": REASON". It is then wrapped in the guards of its sensor's
 * boundary kind (IDENTIFIERS.md "Boundaries"), e.g. for digits
 *
 *     (?:^\.?|[^0-9.]|[^0-9]\.) (?:P) (?:[^0-9.]|\.[^0-9])
 *
 * so that Hyperscan reports a value only once the byte after it is known, and never each
 * prefix or suffix of a longer run: one hit per value instead of one per byte of a digit
 * run, and faster scanning too (measured: a class-led pattern runs ~5x faster with its
 * lead guard). Where the value starts, given Hyperscan's end offset:
 *   - fixed width (hs_expression_info min == max): end - width;
 *   - EMAIL, PHONE, B64URL: a short backward scan in C over the value's bytes;
 *   - otherwise HS_FLAG_SOM_LEFTMOST (and HS_MODE_SOM_HORIZON_SMALL), which Hyperscan pays
 *     for on every byte, so the catalogue keeps such patterns few.
 * EMAIL gets no lead guard: its patterns are anchored on '@' and run ~15x faster without
 * one; the backward scan takes the whole local part, which is the same boundary.
 *
 * Keywords. Each distinct keyword (case-insensitive; ' ', '-' and '_' alike) is compiled
 * once as a literal, whatever the number of sensors listing it. It matches as a word: no
 * letter before it, and no lower-case letter after it (so "cardNumber", "card_no" and
 * "CARD:" count, "discard" and "cardinal" do not).
 *
 * End of data. Trailing guards need the byte after a value, which the end of a stream does
 * not have. Instead of "|\z" alternatives (measured: ~15% of throughput, and twice the
 * keyword ids), sensor_stream.c scans one sentinel byte, '\n', which is outside every
 * guard's class, at close and before a gap.
 *
 * Identical patterns of several sensors (say \d{10} for NHS, CPR, personnummer and SVNR)
 * are compiled once as well; the pattern id lists the sensors it stands for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hs.h>

#include "sensor_context.h"
#include "sensor_engine.h"
#include "sensor_gate.h"
#include "sensor_guard.h"
#include "sensor_prefilter.h"
#include "sensor_priv.h"


/* One expression handed to Hyperscan, and where it came from (for error messages). */
struct compile_expr {
	char *re;
	unsigned int flags;
	unsigned int sensor;	/* first sensor that listed it */
	unsigned int item;	/* its pattern or keyword index in that sensor */
	uint8_t is_keyword;
	uint8_t kw_trail;
	uint8_t start;		/* enum sensor_start */
	uint16_t width;
	uint16_t scan_max;
	char key[SENSOR_PATTERN_LEN + 64];	/* dedupe key */
};

/* (pattern, ref) pairs collected before grouping refs per pattern. */
struct compile_ref {
	uint32_t pat;
	uint16_t ref;
};

struct compile_ctx {
	struct sensor_db *db;
	struct compile_expr *ex;
	unsigned int n_ex, cap_ex;
	struct compile_ref *rf;
	unsigned int n_rf, cap_rf;
	char *err;
	size_t errlen;
	const char *cache_dir;	/* compiled-database cache, or NULL */
};

static int
ctx_grow(struct compile_ctx *c)
{
	void *p;

	if (c->n_ex == c->cap_ex) {
		c->cap_ex = c->cap_ex ? c->cap_ex * 2 : 64;
		p = realloc(c->ex, sizeof(*c->ex) * c->cap_ex);
		if (p == NULL)
			return -ENOMEM;
		c->ex = p;
	}
	if (c->n_rf == c->cap_rf) {
		c->cap_rf = c->cap_rf ? c->cap_rf * 2 : 64;
		p = realloc(c->rf, sizeof(*c->rf) * c->cap_rf);
		if (p == NULL)
			return -ENOMEM;
		c->rf = p;
	}
	return 0;
}

/* Add ref to the expression with this key, creating it (re = strdup'ed) if new. */
static int
ctx_add(struct compile_ctx *c, const char *key, const char *re, unsigned int flags,
	unsigned int sensor, unsigned int item, int is_keyword, unsigned int kw_trail,
	unsigned int width, uint16_t ref)
{
	unsigned int i;
	struct compile_expr *e;

	for (i = 0; i < c->n_ex; i++) {
		if (c->ex[i].is_keyword == is_keyword && strcmp(c->ex[i].key, key) == 0)
			break;
	}
	if (ctx_grow(c) != 0)
		return -ENOMEM;
	if (i == c->n_ex) {
		e = &c->ex[c->n_ex];
		memset(e, 0, sizeof(*e));
		e->re = strdup(re);
		if (e->re == NULL)
			return -ENOMEM;
		e->flags = flags;
		e->sensor = sensor;
		e->item = item;
		e->is_keyword = (uint8_t)is_keyword;
		e->kw_trail = (uint8_t)kw_trail;
		e->width = (uint16_t)width;
		snprintf(e->key, sizeof(e->key), "%s", key);
		c->n_ex++;
	} else {
		unsigned int k;

		/* A keyword listed twice by one sensor, or a pattern repeated: one ref. */
		for (k = 0; k < c->n_rf; k++)
			if (c->rf[k].pat == i && c->rf[k].ref == ref)
				return 0;
	}
	c->rf[c->n_rf].pat = i;
	c->rf[c->n_rf].ref = ref;
	c->n_rf++;
	return 0;
}

static int
str_ok(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static int
has_scan_rule(uint8_t boundary)
{
	return boundary == SENSOR_BOUNDARY_EMAIL || boundary == SENSOR_BOUNDARY_PHONE ||
	       boundary == SENSOR_BOUNDARY_B64URL;
}

/* Check one pattern on its own and add it, wrapped in its boundary guards. */
static int
add_pattern(struct compile_ctx *c, unsigned int si, unsigned int pi)
{
	const struct sensor_def *d = &c->db->defs[si];
	const char *p = d->patterns[pi];
	const struct sensor_guard *g = &sensor_guards[d->boundary];
	hs_expr_info_t *info = NULL;
	hs_compile_error_t *cerr = NULL;
	unsigned int width = 0, flags = 0, rc;
	char re[SENSOR_PATTERN_LEN + 256], key[SENSOR_PATTERN_LEN + 64];
	uint8_t start;
	int n;

	if (!str_ok(p, SENSOR_PATTERN_LEN)) {
		snprintf(c->err, c->errlen, "sensor %s: pattern %u: longer than %u bytes", d->id,
			 pi, SENSOR_PATTERN_LEN - 1);
		return -EINVAL;
	}
	if (hs_expression_info(p, 0, &info, &cerr) != HS_SUCCESS) {
		snprintf(c->err, c->errlen, "sensor %s: pattern \"%s\": %s", d->id, p,
			 cerr != NULL ? cerr->message : "rejected");
		hs_free_compile_error(cerr);
		return -EINVAL;
	}
	if (info->min_width == 0) {
		free(info);
		snprintf(c->err, c->errlen, "sensor %s: pattern \"%s\": matches the empty string",
			 d->id, p);
		return -EINVAL;
	}
	if (info->min_width == info->max_width && info->max_width <= SENSOR_MAX_LEN_LIMIT)
		width = info->min_width;
	free(info);
	if (!d->enabled)	/* checked, not compiled */
		return 0;
	if (width != 0) {
		start = SENSOR_START_WIDTH;
	} else if (has_scan_rule(d->boundary)) {
		start = SENSOR_START_SCAN;
	} else {
		start = SENSOR_START_SOM;
		flags |= HS_FLAG_SOM_LEFTMOST;
	}
	n = snprintf(re, sizeof(re), "%s(?:%s)%s", g->lead != NULL ? g->lead : "", p,
		     g->trail != NULL ? g->trail : "");
	if (n < 0 || (size_t)n >= sizeof(re))
		return -EINVAL;
	snprintf(key, sizeof(key), "%u/%s", d->boundary, p);
	rc = (unsigned int)ctx_add(c, key, re, flags, si, pi, 0, 0, width, (uint16_t)si);
	if (rc == 0) {
		unsigned int k;

		for (k = 0; k < c->n_ex; k++) {
			if (!c->ex[k].is_keyword && strcmp(c->ex[k].key, key) == 0) {
				c->ex[k].start = start;
				if (c->db->rt[si].max_len > c->ex[k].scan_max)
					c->ex[k].scan_max = (uint16_t)c->db->rt[si].max_len;
			}
		}
	}
	return (int)rc;
}

static int
kw_sep(uint8_t ch)
{
	return ch == ' ' || ch == '-' || ch == '_';
}

static uint8_t
lower(uint8_t ch)
{
	return ch >= 'A' && ch <= 'Z' ? (uint8_t)(ch - 'A' + 'a') : ch;
}

/* Add one keyword of sensor si (keyword slot slot). */
static int
add_keyword(struct compile_ctx *c, unsigned int si, unsigned int ki, uint16_t slot)
{
	const struct sensor_def *d = &c->db->defs[si];
	const uint8_t *k = (const uint8_t *)d->keywords[ki];
	char body[SENSOR_KEYWORD_LEN * 8], key[SENSOR_KEYWORD_LEN + 8];
	char re[SENSOR_KEYWORD_LEN * 8 + 64];
	size_t len, i, b = 0;

	if (!str_ok(d->keywords[ki], SENSOR_KEYWORD_LEN)) {
		snprintf(c->err, c->errlen, "sensor %s: keyword %u: longer than %u bytes", d->id,
			 ki, SENSOR_KEYWORD_LEN - 1);
		return -EINVAL;
	}
	len = strlen((const char *)k);
	if (len == 0 || kw_sep(k[0]) || kw_sep(k[len - 1])) {
		snprintf(c->err, c->errlen,
			 "sensor %s: keyword \"%s\": empty or starts or ends with a separator",
			 d->id, (const char *)k);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		key[i] = kw_sep(k[i]) ? ' ' : (char)lower(k[i]);
		if (kw_sep(k[i]))
			b += (size_t)snprintf(body + b, sizeof(body) - b, "[ _\\-]");
		else if (sensor_is_alnum(k[i]))
			body[b++] = (char)k[i];
		else
			b += (size_t)snprintf(body + b, sizeof(body) - b, "\\x%02x", k[i]);
	}
	key[len] = '\0';
	body[b] = '\0';
	if (!d->enabled)	/* checked, not compiled */
		return 0;
	/* kw_trail: bit 0 a trailing guard byte, bit 1 a leading guard (sensor_pattern). */
	if (sensor_is_alpha(k[len - 1])) {
		snprintf(re, sizeof(re), "%s(?i:%s)[^a-z]", sensor_is_alpha(k[0]) ? "(?:^|[^A-Za-z])" : "",
			 body);
		return ctx_add(c, key, re, 0, si, ki, 1, 1U | (sensor_is_alpha(k[0]) ? 2U : 0U),
			       (unsigned int)len, slot);
	}
	snprintf(re, sizeof(re), "%s(?i:%s)", sensor_is_alpha(k[0]) ? "(?:^|[^A-Za-z])" : "", body);
	return ctx_add(c, key, re, 0, si, ki, 1, sensor_is_alpha(k[0]) ? 2U : 0U, (unsigned int)len,
		       slot);
}

/* Field checks that do not need Hyperscan. */
static int
check_def(struct compile_ctx *c, unsigned int si)
{
	const struct sensor_def *d = &c->db->defs[si];
	unsigned int j;

	if (!str_ok(d->id, SENSOR_ID_LEN) || d->id[0] == '\0') {
		snprintf(c->err, c->errlen, "sensors[%u]: id: empty or not terminated", si);
		return -EINVAL;
	}
	for (j = 0; j < si; j++) {
		if (strcmp(c->db->defs[j].id, d->id) == 0) {
			snprintf(c->err, c->errlen, "sensor %s: id: defined twice", d->id);
			return -EINVAL;
		}
	}
	if (!str_ok(d->category, SENSOR_CATEGORY_LEN)) {
		snprintf(c->err, c->errlen, "sensor %s: category: not terminated", d->id);
		return -EINVAL;
	}
	if (d->validator >= VALIDATOR__COUNT) {
		snprintf(c->err, c->errlen, "sensor %s: validator: unknown (%u)", d->id,
			 d->validator);
		return -EINVAL;
	}
	if (d->boundary >= SENSOR_BOUNDARY__COUNT) {
		snprintf(c->err, c->errlen, "sensor %s: boundary: unknown (%u)", d->id,
			 d->boundary);
		return -EINVAL;
	}
	if (d->n_patterns == 0 || d->n_patterns > SENSOR_MAX_PATTERNS) {
		snprintf(c->err, c->errlen, "sensor %s: patterns: %u given, 1 to %u expected",
			 d->id, d->n_patterns, SENSOR_MAX_PATTERNS);
		return -EINVAL;
	}
	if (d->n_keywords > SENSOR_MAX_KEYWORDS) {
		snprintf(c->err, c->errlen, "sensor %s: keywords: %u given, at most %u", d->id,
			 d->n_keywords, SENSOR_MAX_KEYWORDS);
		return -EINVAL;
	}
	if (d->window > SENSOR_MAX_WINDOW) {
		snprintf(c->err, c->errlen, "sensor %s: window: %u, at most %u expected", d->id,
			 d->window, SENSOR_MAX_WINDOW);
		return -EINVAL;
	}
	if (d->max_len > SENSOR_MAX_LEN_LIMIT) {
		snprintf(c->err, c->errlen, "sensor %s: max_len: %u, at most %u expected", d->id,
			 d->max_len, SENSOR_MAX_LEN_LIMIT);
		return -EINVAL;
	}
	return 0;
}

/* Widest match of a sensor's patterns, for a definition without max_len. */
static uint32_t
derive_max_len(const struct sensor_def *d)
{
	uint32_t m = 0;
	unsigned int j;

	for (j = 0; j < d->n_patterns; j++) {
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *cerr = NULL;

		if (hs_expression_info(d->patterns[j], 0, &info, &cerr) != HS_SUCCESS) {
			hs_free_compile_error(cerr);
			continue;
		}
		if (info->max_width > SENSOR_MAX_LEN_LIMIT)
			m = SENSOR_MAX_LEN_LIMIT + 1;
		else if (info->max_width > m)
			m = info->max_width;
		free(info);
	}
	if (m == 0 || m > SENSOR_MAX_LEN_LIMIT)
		m = SENSOR_DEFAULT_MAX_LEN;
	return m;
}

static int
cmp_ref(const void *a, const void *b)
{
	const struct compile_ref *x = a, *y = b;

	if (x->pat != y->pat)
		return x->pat < y->pat ? -1 : 1;
	return (int)x->ref - (int)y->ref;
}

static size_t
align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

/*
 * Compile the expressions with sel[i] set (NULL: all) into a stream database, through the
 * cache. A pattern Hyperscan refuses is named in err. Returns 0, -EINVAL or -ENOMEM.
 */
static int
compile_set(struct sensor_db *db, const uint8_t *sel, unsigned int mode, hs_database_t **out,
	    size_t *size, char *err, size_t errlen)
{
	const char **res = NULL;
	unsigned int *flags = NULL, *ids = NULL, i, n = 0;
	hs_compile_error_t *cerr = NULL;
	int rc = -ENOMEM, cached;

	*out = NULL;
	if (size != NULL)
		*size = 0;
	res = calloc(db->n_ex + 1, sizeof(*res));
	flags = calloc(db->n_ex + 1, sizeof(*flags));
	ids = calloc(db->n_ex + 1, sizeof(*ids));
	if (res == NULL || flags == NULL || ids == NULL)
		goto out;
	for (i = 0; i < db->n_ex; i++) {
		if (sel != NULL && !sel[i])
			continue;
		res[n] = db->ex[i].re;
		flags[n] = db->ex[i].flags;
		ids[n++] = i;
		if ((db->ex[i].flags & HS_FLAG_SOM_LEFTMOST) && (mode & HS_MODE_STREAM))
			mode |= HS_MODE_SOM_HORIZON_SMALL;
	}
	rc = 0;
	if (n == 0)
		goto out;
	*out = sensor_db_cache_compile(res, flags, ids, n, mode, db->cache_dir, &cached, &cerr);
	if (*out != NULL) {
		if (cached)
			db->n_cached++;
		else
			db->n_compiled++;
	} else {
		const char *msg = cerr != NULL ? cerr->message : "compile failed";

		if (cerr != NULL && cerr->expression >= 0 && (unsigned int)cerr->expression < n) {
			const struct sensor_expr *x = &db->ex[ids[cerr->expression]];
			const struct sensor_def *d = &db->defs[x->sensor];

			snprintf(err, errlen, "sensor %s: %s \"%s\": %s", d->id,
				 x->is_keyword ? "keyword" : "pattern",
				 x->is_keyword ? d->keywords[x->item] : d->patterns[x->item], msg);
		} else {
			snprintf(err, errlen, "sensors: %s", msg);
		}
		hs_free_compile_error(cerr);
		rc = -EINVAL;
		goto out;
	}
	if (size != NULL && hs_stream_size(*out, size) != HS_SUCCESS) {
		snprintf(err, errlen, "sensors: hs_stream_size failed");
		hs_free_database(*out);
		*out = NULL;
		rc = -EINVAL;
	}
out:
	free(res);
	free(flags);
	free(ids);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "sensors: no memory");
	return rc;
}

/* Keyword pattern p stands for at least one slot whose keywords are searched lazily
 * (lazy) or kept in Hyperscan (!lazy). */
static int
keyword_refs(const struct sensor_db *db, const struct sensor_pattern *p, int lazy)
{
	unsigned int r;

	for (r = 0; r < p->n_refs; r++)
		if (db->slot_lazy[db->refs[p->first_ref + r]] == lazy)
			return 1;
	return 0;
}

/*
 * wait[c]: after byte c a pattern of the database compiled from sel (NULL: every one) may
 * still wait for the byte its trailing guard reads (sensor_trail_waits; a keyword ending
 * in a letter, after any letter; a custom sensor's value, after any byte).
 */
static void
wait_bytes(const struct sensor_db *db, const uint8_t *sel, uint8_t wait[256])
{
	unsigned int i, c;

	memset(wait, 0, 256);
	for (i = 0; i < db->n_pats; i++) {
		const struct sensor_pattern *p = &db->pats[i];
		int custom = p->kind == SENSOR_PAT_VALUE && !db->defs[db->ex[i].sensor].builtin;

		if (sel != NULL && !sel[i])
			continue;
		for (c = 0; c < 256; c++) {
			if (p->kind == SENSOR_PAT_KEYWORD)
				wait[c] |= p->trail && sensor_is_alpha((uint8_t)c);
			else
				wait[c] |= custom || sensor_trail_waits(p->boundary, (uint8_t)c);
		}
	}
}

/* Turn the collected expressions into db->pats/refs, split them between the prefilter and
 * Hyperscan (sensor_prefilter.c) and compile the PREFILTER engine's databases. */
static int
build(struct compile_ctx *c)
{
	struct sensor_db *db = c->db;
	const char **cores = NULL, **res = NULL;
	uint8_t *sel = NULL;
	unsigned int i;
	int rc = -ENOMEM;

	db->n_pats = c->n_ex;
	db->pats = calloc(c->n_ex ? c->n_ex : 1, sizeof(*db->pats));
	db->refs = calloc(c->n_rf ? c->n_rf : 1, sizeof(*db->refs));
	db->ex = calloc(c->n_ex ? c->n_ex : 1, sizeof(*db->ex));
	cores = calloc(c->n_ex + 1, sizeof(*cores));
	res = calloc(c->n_ex + 1, sizeof(*res));
	sel = calloc(c->n_ex + 1, 1);
	if (db->pats == NULL || db->refs == NULL || db->ex == NULL || cores == NULL ||
	    res == NULL || sel == NULL)
		goto out;
	if (c->n_rf > 0)
		qsort(c->rf, c->n_rf, sizeof(*c->rf), cmp_ref);
	for (i = 0; i < c->n_rf; i++) {
		struct sensor_pattern *p = &db->pats[c->rf[i].pat];

		if (p->n_refs == 0)
			p->first_ref = i;
		p->n_refs++;
		db->refs[i] = c->rf[i].ref;
	}
	for (i = 0; i < c->n_ex; i++) {
		struct sensor_pattern *p = &db->pats[i];
		struct compile_expr *e = &c->ex[i];
		struct sensor_expr *x = &db->ex[i];

		p->kind = e->is_keyword ? SENSOR_PAT_KEYWORD : SENSOR_PAT_VALUE;
		p->boundary = e->is_keyword ? SENSOR_BOUNDARY_NONE : db->defs[e->sensor].boundary;
		p->trail = e->kw_trail & 1;
		p->kw_lead = (uint8_t)(e->kw_trail >> 1);
		p->start = e->start;
		p->width = e->width;
		p->scan_max = e->scan_max;
		/* The expression moves into the database (sensor_db_prepare compiles it). */
		x->re = e->re;
		e->re = NULL;
		x->flags = e->flags;
		x->sensor = (uint16_t)e->sensor;
		x->item = (uint16_t)e->item;
		x->is_keyword = e->is_keyword;
		db->n_ex = i + 1;
		res[i] = x->re;
		cores[i] = e->is_keyword ? NULL : db->defs[e->sensor].patterns[e->item];
	}
	rc = sensor_prefilter_build(db, res, cores, c->err, c->errlen);
	if (rc != 0)
		goto out;
	/* The PREFILTER engine's stream database: the values the prefilter does not take,
	 * and the keywords of sensors that keep theirs in Hyperscan. The other keywords go
	 * into a block database searched near candidates only (sensor_context.c). */
	for (i = 0; i < c->n_ex; i++)
		sel[i] = db->pats[i].kind == SENSOR_PAT_VALUE ? db->pats[i].pf == SENSOR_PAT_HS :
			 keyword_refs(db, &db->pats[i], 0);
	rc = compile_set(db, sel, HS_MODE_STREAM, &db->hs, &db->hs_stream_size, c->err,
			 c->errlen);
	if (rc != 0)
		goto out;
	wait_bytes(db, sel, db->hs_wait);
	if (db->hs != NULL)
		sensor_gate_build(db, sel, cores);
	for (i = 0; i < c->n_ex; i++)
		sel[i] = db->pats[i].kind == SENSOR_PAT_KEYWORD && keyword_refs(db, &db->pats[i], 1);
	rc = compile_set(db, sel, HS_MODE_BLOCK, &db->hs_kw, NULL, c->err, c->errlen);
	if (rc == 0)
		rc = sensor_prefilter_build_keywords(db, sel);
out:
	free(cores);
	free(res);
	free(sel);
	if (rc == -ENOMEM)
		snprintf(c->err, c->errlen, "sensors: no memory");
	return rc;
}

int
sensor_db_prepare(struct sensor_db *db, uint8_t engine, char *err, size_t errlen)
{
	int rc;

	if (db == NULL || engine >= SENSOR_ENGINE__COUNT) {
		snprintf(err, errlen, "sensors: engine: unknown (%u)", engine);
		return -EINVAL;
	}
	if (engine == SENSOR_ENGINE_PREFILTER || db->full_ready)
		return 0;
	if (db->full_err[0] != '\0') {
		snprintf(err, errlen, "%s", db->full_err);
		return -EINVAL;
	}
	rc = compile_set(db, NULL, HS_MODE_STREAM, &db->hs_full, &db->hs_full_stream_size,
			 db->full_err, sizeof(db->full_err));
	if (rc != 0) {
		snprintf(err, errlen, "%s", db->full_err);
		if (rc == -ENOMEM)
			db->full_err[0] = '\0';	/* may work next time */
		return rc;
	}
	wait_bytes(db, NULL, db->hs_full_wait);
	db->full_ready = 1;
	return 0;
}

struct sensor_db *
sensor_db_compile(const struct sensor_def *defs, unsigned int n, char *err, size_t errlen)
{
	return sensor_db_compile_cached(defs, n, NULL, err, errlen);
}

struct sensor_db *
sensor_db_compile_cached(const struct sensor_def *defs, unsigned int n, const char *cache_dir,
			 char *err, size_t errlen)
{
	static uint32_t lazy_need[SENSOR_MAX];	/* control thread only */
	struct compile_ctx c;
	struct sensor_db *db;
	char dummy[8];
	uint32_t need = 0, ring;
	unsigned int i, j;

	memset(&c, 0, sizeof(c));
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	c.err = err;
	c.errlen = errlen;
	c.cache_dir = cache_dir;
	if (n > SENSOR_MAX || (defs == NULL && n > 0)) {
		snprintf(err, errlen, "sensors: %u given, at most %u", n, SENSOR_MAX);
		return NULL;
	}
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		goto nomem;
	c.db = db;
	db->n_defs = n;
	db->defs = calloc(n ? n : 1, sizeof(*db->defs));
	db->rt = calloc(n ? n : 1, sizeof(*db->rt));
	if (db->defs == NULL || db->rt == NULL)
		goto nomem;
	if (n > 0)
		memcpy(db->defs, defs, sizeof(*defs) * n);
	if (cache_dir != NULL) {
		db->cache_dir = strdup(cache_dir);
		if (db->cache_dir == NULL)
			goto nomem;
	}
	/* The prefilter reads a late cluster and a match's start back from the ring. */
	need = SENSOR_PF_READBACK;
	for (i = 0; i < n; i++) {
		const struct sensor_def *d = &db->defs[i];
		struct sensor_rt *rt = &db->rt[i];
		uint16_t slot = SENSOR_NO_SLOT;

		if (check_def(&c, i) != 0)
			goto fail;
		rt->enabled = d->enabled != 0;
		rt->validator = d->validator;
		rt->context_required = d->context_required != 0;
		rt->boundary = d->boundary;
		rt->checksum = validator_has_checksum(d->validator);
		rt->label = validator_weak_needs_label(d->validator);
		rt->window = d->window != 0 ? d->window : SENSOR_DEFAULT_WINDOW;
		rt->max_len = d->max_len != 0 ? d->max_len : derive_max_len(d);
		rt->kw_slot = SENSOR_NO_SLOT;
		if (d->enabled && d->n_keywords > 0) {
			slot = (uint16_t)db->n_slots++;
			rt->kw_slot = slot;
		}
		for (j = 0; j < d->n_patterns; j++) {
			int rc = add_pattern(&c, i, j);

			if (rc == -ENOMEM)
				goto nomem;
			if (rc != 0)
				goto fail;
		}
		for (j = 0; j < d->n_keywords; j++) {
			size_t kl;
			int rc;

			rc = add_keyword(&c, i, j, slot);
			if (rc == -ENOMEM)
				goto nomem;
			if (rc != 0)
				goto fail;
			if (!d->enabled)
				continue;
			kl = strlen(d->keywords[j]);
			if (kl > rt->kw_max)
				rt->kw_max = (uint16_t)kl;
			if (kl > db->kw_max_all)
				db->kw_max_all = (uint32_t)kl;
		}
		if (d->enabled) {
			/* The value, its guards and a neighbouring digit group (sensor_decide.c),
			 * kept until it is decided: its context window (and the longest
			 * keyword) or the overlap horizon after it, whichever is later. */
			uint32_t w = rt->max_len + 4 + SENSOR_GROUP_MAX + 2;
			uint32_t after = SENSOR_OVERLAP_HORIZON + 1;

			if (slot != SENSOR_NO_SLOT && rt->window + rt->kw_max + 2 > after)
				after = rt->window + rt->kw_max + 2;
			w += after;
			if (w > need)
				need = w;
			/* The tag a keyword may sit in (before the keyword's first byte). */
			if (slot != SENSOR_NO_SLOT &&
			    SENSOR_TAG_LOOKBACK + rt->kw_max + 2U > need)
				need = SENSOR_TAG_LOOKBACK + rt->kw_max + 2U;
			/* The PREFILTER engine looks for the keywords of a value when it decides
			 * it: back over its window, and the tag each of them may sit in, read
			 * from the ring then (sensor_context.c). A sensor whose values are so
			 * long that this would need a larger ring keeps its keywords in
			 * Hyperscan (rt->lazy_kw, set below). */
			lazy_need[i] = rt->max_len + SENSOR_GROUP_MAX + 4 + rt->window +
				       2 * rt->kw_max + SENSOR_TAG_LOOKBACK + 8;
		}
	}
	/* The ring also holds what a lazy keyword search reads, up to SENSOR_RING_LAZY_MAX:
	 * a keyword left in Hyperscan keeps its whole stream database scanning every byte
	 * (docs/performance.md), which costs more than the larger ring. */
	for (i = 0; i < n; i++)
		if (db->rt[i].kw_slot != SENSOR_NO_SLOT && lazy_need[i] > need &&
		    lazy_need[i] <= SENSOR_RING_LAZY_MAX)
			need = lazy_need[i];
	for (ring = SENSOR_RING_MIN; ring < need; ring <<= 1)
		;
	db->ring_size = ring;
	db->slot_lazy = calloc(db->n_slots + 1, 1);
	if (db->slot_lazy == NULL)
		goto nomem;
	db->kw_starts = calloc(db->n_slots + 1, sizeof(*db->kw_starts));
	if (db->kw_starts == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		struct sensor_rt *rt = &db->rt[i];

		if (rt->kw_slot == SENSOR_NO_SLOT)
			continue;
		for (j = 0; j < db->defs[i].n_keywords; j++)
			sensor_context_starts_add(&db->kw_starts[rt->kw_slot],
						  db->defs[i].keywords[j]);
		if (lazy_need[i] > ring)
			continue;
		rt->lazy_kw = 1;
		db->slot_lazy[rt->kw_slot] = 1;
		if (rt->window + rt->kw_max + 2U > db->kw_reach)
			db->kw_reach = rt->window + rt->kw_max + 2U;
	}
	if (build(&c) != 0)
		goto fail;
	db->state_size = align64(sizeof(struct sensor_stream)) + align64(ring) +
			 align64(sizeof(struct sensor_pending) * SENSOR_PENDING_MAX) +
			 align64(sizeof(struct sensor_recent) * SENSOR_RECENT_MAX) +
			 align64(sizeof(struct sensor_kw_state) * db->n_slots);
	db->stream_size = db->hs_stream_size + db->state_size;
	for (i = 0; i < c.n_ex; i++)
		free(c.ex[i].re);
	free(c.ex);
	free(c.rf);
	return db;
nomem:
	snprintf(err, errlen, "sensors: no memory");
fail:
	for (i = 0; i < c.n_ex; i++)
		free(c.ex[i].re);
	free(c.ex);
	free(c.rf);
	sensor_db_free(db);
	return NULL;
}

void
sensor_db_free(struct sensor_db *db)
{
	unsigned int i;

	if (db == NULL)
		return;
	hs_free_database(db->hs);
	hs_free_database(db->hs_kw);
	hs_free_database(db->hs_full);
	sensor_prefilter_free(db->pf);
	for (i = 0; i < db->n_ex; i++)
		free(db->ex[i].re);
	free(db->ex);
	free(db->cache_dir);
	free(db->slot_lazy);
	free(db->kw_starts);
	free(db->defs);
	free(db->rt);
	free(db->pats);
	free(db->refs);
	free(db);
}

void
sensor_db_cache_counts(const struct sensor_db *db, unsigned int *cached,
		       unsigned int *compiled)
{
	*cached = db != NULL ? db->n_cached : 0;
	*compiled = db != NULL ? db->n_compiled : 0;
}

void
sensor_db_dfa_counts(const struct sensor_db *db, unsigned int *cached, unsigned int *built)
{
	*cached = db != NULL ? db->n_dfa_cached : 0;
	*built = db != NULL ? db->n_dfa_built : 0;
}

unsigned int
sensor_db_count(const struct sensor_db *db)
{
	return db != NULL ? db->n_defs : 0;
}

const struct sensor_def *
sensor_db_def(const struct sensor_db *db, unsigned int index)
{
	if (db == NULL || index >= db->n_defs)
		return NULL;
	return &db->defs[index];
}

size_t
sensor_db_stream_size(const struct sensor_db *db)
{
	return db != NULL ? db->stream_size : 0;
}
