/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-flow DLP accounting on top of the sensor engine. For each inspected flow direction:
 * the keyed hashes of the values seen (so thresholds count distinct values, not hits) and
 * the matches not yet reported. The raw value never leaves this file: a match is turned
 * into its redaction and keyed hash as soon as the engine reports it.
 *
 *   engine match ─► hash + redact ─► distinct? ─► pending list (capped, total counted)
 *        a sensor reaches its threshold ─► threshold event (that sensor's pending matches)
 *        direction closes, a threshold was reached ─► the rest (any sensor) in one event
 *
 * Each sensor crosses its threshold at most once per direction, and each crossing has an
 * event of its own (the control thread writes it as an EVE alert, with the sensor's
 * signature); matches of sensors below their threshold are only reported, with the ones
 * after a crossing, in the direction's last event.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rte_common.h>
#include <rte_malloc.h>
#include "dlp.h"
#include "sensor_engine.h"
#include "value_hash.h"

#define DLP_DISTINCT_MAX 64
#define DLP_COVER_MAX 8		/* raw ranges remembered as inspected through a buffer */
#define DLP_COVER_JOIN 64	/* framing bytes (chunk sizes, CRLF) bridged between them */
#define DLP_PARK_DISTINCT 16	/* distinct values an idle direction keeps */
#define DLP_PARK_PENDING 4	/* ... and matches of sensors below their threshold */

struct dlp_pending {
	uint64_t hash;
	uint64_t offset;
	uint16_t sensor;
	uint16_t len;		/* normalised length, for the redaction */
	uint8_t confidence;
	uint8_t tail_len;
	uint8_t tail[4];	/* last characters shown by the redaction */
	char path[DLP_PATH_LEN];	/* "" : the raw stream */
};

/* Raw stream bytes [start, end) that reached a decoded buffer. */
struct dlp_cover {
	uint64_t start, end;
};

struct dlp_dir {
	struct dlp_dir *next_free;
	/* Open directions, most recently fed first (dlp_dir_lru_idle). */
	struct dlp_dir *lru_prev, *lru_next;
	void *owner;			/* dlp_dir_own: whose direction this is, for eviction */
	uint64_t last_us;		/* ctx->now_us when it was last fed */
	uint8_t owner_dir;
	struct sensor_stream *st;
	struct sensor_stream *buf[DLP_BUFFER_LEVELS];	/* decoded buffers open, per level */
	uint8_t in_buf;			/* the scan under way is buffer level in_buf - 1's */
	uint8_t n_cover;		/* ranges in cover[] (a ring once full) */
	uint8_t cover_next;
	char path[DLP_BUFFER_LEVELS][DLP_PATH_LEN];	/* each buffer's decoding path */
	struct dlp_cover cover[DLP_COVER_MAX];
	uint64_t raw_base;		/* raw offset (cover's) of its stream's offset 0 */
	uint8_t based;			/* raw_base is known: the stream had data */
	uint32_t n_distinct;
	uint32_t n_pending;		/* listed */
	uint32_t total_pending;		/* listed or not */
	uint8_t crossed;		/* a sensor reached its threshold */
	uint8_t cross_now;		/* ... during the scan under way: emit when it returns */
	uint8_t cross_action;		/* block if a crossing binding said block, else alert */
	uint32_t overflow_pending;	/* pending matches of values past the distinct set */
	uint64_t crossed_set[SENSOR_MAX / 64];	/* sensors past their threshold */
	uint64_t reported_set[SENSOR_MAX / 64];	/* ... whose threshold event went out */
	uint32_t pending_hits[DLP_DISTINCT_MAX];	/* pending matches per distinct value */
	uint64_t distinct[DLP_DISTINCT_MAX];		/* keyed hashes of distinct values */
	uint16_t distinct_sensor[DLP_DISTINCT_MAX];	/* ... and the sensor of each */
	uint8_t distinct_layer[DLP_DISTINCT_MAX];	/* ... seen raw (1), decoded (2) */
	uint32_t overflow_count;			/* distinct values past the set */
	struct dlp_pending pending[DLP_EVENT_MATCHES];
};

/*
 * What an idle direction keeps when its sensor stream goes to a new one (dlp_dir_park):
 * enough to go on counting its thresholds when it carries bytes again. The distinct
 * values of sensors below their threshold come first, and those beyond DLP_PARK_DISTINCT
 * are counted in overflow_count (as a full distinct set does: towards alerting).
 */
struct dlp_park {
	struct dlp_park *prev, *next;	/* parked directions, oldest first; next: free list */
	struct dlp_park **slot;		/* the owner's pointer to it, cleared when given up */
	uint64_t crossed_set[SENSOR_MAX / 64];
	uint32_t overflow_count;
	uint32_t overflow_pending;
	uint8_t n_distinct;
	uint8_t n_pending;
	uint8_t crossed;
	uint8_t cross_action;
	uint64_t distinct[DLP_PARK_DISTINCT];
	uint32_t pending_hits[DLP_PARK_DISTINCT];
	uint16_t distinct_sensor[DLP_PARK_DISTINCT];
	uint8_t distinct_layer[DLP_PARK_DISTINCT];
	struct dlp_pending pending[DLP_PARK_PENDING];
};

struct dlp_ctx {
	const struct sensor_db *db;
	struct sensor_worker *sw;
	struct config_dlp conf;
	uint8_t key[16];
	uint32_t thresholds[SENSOR_MAX];
	struct dlp_dir *free;			/* directions given back */
	struct dlp_dir *dirs;			/* conf.max_streams, zeroed */
	uint32_t dirs_fresh;			/* handed out at least once: dirs[0, dirs_fresh) */
	uint32_t parks_fresh;			/* the same for parks */
	struct dlp_dir *lru_head, *lru_tail;	/* open directions, most recently fed first */
	struct dlp_park *parks;
	struct dlp_park *park_free;
	struct dlp_park *park_old, *park_new;	/* parked directions, oldest first */
	uint64_t now_us;			/* dlp_ctx_clock */
	struct dlp_stats stats;
	/* stats.matches by sensor index and action (alert, block): /metrics reads them */
	uint64_t sensor_matches[SENSOR_MAX][2];
	/* Scan context: the direction being scanned and its emitter. */
	struct dlp_dir *cur;
	uint8_t cur_dir;
	const struct dlp_policy *pol;
	dlp_emit_fn emit;
	void *cookie;
	struct dlp_event ev;		/* event under construction */
};

struct dlp_ctx *
dlp_ctx_create(struct sensor_db *db, const struct config_dlp *conf, const uint8_t key[16],
	       int socket, char *err, size_t errlen)
{
	/* config's engine names, in sensors' order (enum sensor_engine_kind). */
	uint8_t engine = conf->engine == CONFIG_DLP_ENGINE_HYPERSCAN ? SENSOR_ENGINE_HYPERSCAN :
								       SENSOR_ENGINE_PREFILTER;
	struct dlp_ctx *ctx;
	unsigned int i, n = sensor_db_count(db);

	/* The HYPERSCAN engine's database is compiled the first time a context asks. */
	if (sensor_db_prepare(db, engine, err, errlen) != 0)
		return NULL;

	ctx = rte_zmalloc_socket("dlp", sizeof(*ctx), RTE_CACHE_LINE_SIZE, socket);
	if (ctx == NULL) {
		snprintf(err, errlen, "dlp: no memory");
		return NULL;
	}
	ctx->db = db;
	ctx->conf = *conf;
	memcpy(ctx->key, key, sizeof(ctx->key));
	for (i = 0; i < n && i < SENSOR_MAX; i++) {
		uint32_t t = sensor_db_def(db, i)->threshold;

		ctx->thresholds[i] = t != 0 ? t : conf->threshold;
	}
	ctx->sw = sensor_worker_create_engine(db, engine, conf->max_streams, socket, err, errlen);
	if (ctx->sw == NULL)
		goto fail;
	/* Directions and parks from the libc heap (zeroed, and touched only as used: by the
	 * worker, so on its socket): freeing them touches nothing, where rte_free would zero
	 * every page never used (at exit and at every sensor reload). */
	ctx->dirs = calloc(conf->max_streams, sizeof(struct dlp_dir));
	if (ctx->dirs == NULL) {
		snprintf(err, errlen, "dlp: no memory for %u flow directions", conf->max_streams);
		goto fail;
	}
	/* Directions and park records are handed out in order as first needed (dir_take,
	 * park_take): the pages of those a worker never uses are never touched. */
	if (conf->max_parked != 0) {
		ctx->parks = calloc(conf->max_parked, sizeof(struct dlp_park));
		if (ctx->parks == NULL) {
			snprintf(err, errlen, "dlp: no memory for %u parked directions",
				 conf->max_parked);
			goto fail;
		}
	}
	return ctx;
fail:
	dlp_ctx_free(ctx);
	return NULL;
}

size_t
dlp_ctx_memsize(const struct config_dlp *conf)
{
	return sizeof(struct dlp_ctx) + sizeof(struct dlp_dir) * (size_t)conf->max_streams +
	       sizeof(struct dlp_park) * (size_t)conf->max_parked;
}

size_t
dlp_park_size(void)
{
	return sizeof(struct dlp_park);
}

size_t
dlp_dir_size(void)
{
	return sizeof(struct dlp_dir);
}

void
dlp_ctx_free(struct dlp_ctx *ctx)
{
	if (ctx == NULL)
		return;
	sensor_worker_free(ctx->sw);
	free(ctx->dirs);
	free(ctx->parks);
	rte_free(ctx);
}

/* d (unlinked) to the head of the LRU list of open directions. */
static void
lru_push(struct dlp_ctx *ctx, struct dlp_dir *d)
{
	d->lru_prev = NULL;
	d->lru_next = ctx->lru_head;
	if (ctx->lru_head != NULL)
		ctx->lru_head->lru_prev = d;
	else
		ctx->lru_tail = d;
	ctx->lru_head = d;
}

static void
lru_unlink(struct dlp_ctx *ctx, struct dlp_dir *d)
{
	if (d->lru_prev != NULL)
		d->lru_prev->lru_next = d->lru_next;
	else
		ctx->lru_head = d->lru_next;
	if (d->lru_next != NULL)
		d->lru_next->lru_prev = d->lru_prev;
	else
		ctx->lru_tail = d->lru_prev;
	d->lru_prev = d->lru_next = NULL;
}

/* d was fed now: to the head of the LRU list. */
static void
lru_touch(struct dlp_ctx *ctx, struct dlp_dir *d)
{
	d->last_us = ctx->now_us;
	if (ctx->lru_head == d)
		return;
	lru_unlink(ctx, d);
	lru_push(ctx, d);
}

/* A direction's state and its sensor stream, or NULL (not counted) when either is out. */
static struct dlp_dir *
dir_take(struct dlp_ctx *ctx)
{
	struct dlp_dir *d = ctx->free;
	struct sensor_stream *st;

	if (d == NULL && ctx->dirs_fresh < ctx->conf.max_streams)
		d = &ctx->dirs[ctx->dirs_fresh];	/* never used before */
	if (d == NULL)
		return NULL;
	st = sensor_stream_open(ctx->sw);
	if (st == NULL)
		return NULL;
	if (d == ctx->free)
		ctx->free = d->next_free;
	else
		ctx->dirs_fresh++;
	memset(d, 0, offsetof(struct dlp_dir, distinct));
	d->overflow_count = 0;
	d->st = st;
	d->last_us = ctx->now_us;
	lru_push(ctx, d);
	ctx->stats.dirs_opened++;
	return d;
}

struct dlp_dir *
dlp_dir_open(struct dlp_ctx *ctx)
{
	struct dlp_dir *d = dir_take(ctx);

	if (d == NULL)
		ctx->stats.dirs_refused++;
	return d;
}

struct dlp_dir *
dlp_dir_open_lru(struct dlp_ctx *ctx, uint64_t min_idle_us, dlp_evict_fn evict, void *cookie)
{
	struct dlp_dir *d = dir_take(ctx), *lru = ctx->lru_tail;

	if (d != NULL)
		return d;
	/* Every stream taken: the direction fed least recently makes room if it has been
	 * idle long enough. Its owner closes it (dlp_dir_close), which unlinks it. */
	if (lru != NULL && lru->owner != NULL && ctx->now_us - lru->last_us >= min_idle_us) {
		evict(cookie, lru->owner, lru->owner_dir);
		ctx->stats.dirs_evicted++;
	}
	return dlp_dir_open(ctx);
}

void
dlp_dir_own(struct dlp_dir *d, void *owner, uint8_t dir)
{
	d->owner = owner;
	d->owner_dir = dir;
}

void
dlp_ctx_clock(struct dlp_ctx *ctx, uint64_t now_us)
{
	if (now_us > ctx->now_us)
		ctx->now_us = now_us;
}


static int
dlp_bit(const uint64_t *set, uint16_t i)
{
	return (set[i / 64] >> (i % 64)) & 1;
}

static void
dlp_set_bit(uint64_t *set, uint16_t i)
{
	set[i / 64] |= 1ull << (i % 64);
}

/* The threshold and action a sensor counts with under the direction's policy; 0 when the
 * policy has bindings and none is for this sensor (its matches are not counted). */
static int
dlp_sensor_rule(const struct dlp_ctx *ctx, uint16_t sensor, uint32_t *threshold,
		uint8_t *action)
{
	uint32_t i;

	if (ctx->pol != NULL && ctx->pol->nbind != 0) {
		/* Only the rule's sensors count, at the rule's threshold. */
		for (i = 0; i < ctx->pol->nbind; i++)
			if (ctx->pol->bind[i].sensor == sensor)
				break;
		if (i == ctx->pol->nbind)
			return 0;
		*threshold = ctx->pol->bind[i].threshold;
		*action = ctx->pol->bind[i].action == POLICY_DLP_BLOCK ? CONFIG_DLP_BLOCK :
									 CONFIG_DLP_ALERT;
		return 1;
	}
	*threshold = sensor < SENSOR_MAX ? ctx->thresholds[sensor] : UINT32_MAX;
	*action = ctx->conf.action;
	return 1;
}

/* src into dst (cap bytes with the NUL), cut if longer: not snprintf, which costs about
 * 600 instructions a call, and an event copies two names per match. */
static inline void
copy_name(char *dst, size_t cap, const char *src)
{
	size_t len = strnlen(src, cap - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * Turn pending matches into one event: those of sensor `only` (its threshold event:
 * crossing), or, with only == SENSOR_MAX, every one left (the direction's last event).
 * The matches it lists leave the pending list.
 */
static void
dlp_emit(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint16_t only)
{
	struct dlp_event *ev = &ctx->ev;
	uint32_t i, kept = 0, total = 0;

	if (ctx->emit == NULL)
		return;
	memset(ev, 0, offsetof(struct dlp_event, paths));
	copy_name(ev->rule, sizeof(ev->rule),
		  ctx->pol != NULL && ctx->pol->rule != NULL ? ctx->pol->rule : ctx->conf.rule);
	ev->action = d->cross_action;
	if (only != SENSOR_MAX) {
		const struct sensor_def *def = sensor_db_def(ctx->db, only);

		ev->crossing = 1;
		ev->severity = def->severity;
		if (!dlp_sensor_rule(ctx, only, &ev->threshold, &ev->action))
			ev->threshold = 0;	/* the binding went away since */
		copy_name(ev->sensor, sizeof(ev->sensor), def->id);
		copy_name(ev->category, sizeof(ev->category), def->category);
		for (i = 0; i < d->n_distinct; i++) {
			if (d->distinct_sensor[i] != only)
				continue;
			total += d->pending_hits[i];
			d->pending_hits[i] = 0;
		}
	} else {
		total = d->total_pending;
		memset(d->pending_hits, 0, sizeof(d->pending_hits));
		d->overflow_pending = 0;
	}
	if (total == 0)
		return;
	ev->total = total;
	d->total_pending -= total;
	for (i = 0; i < d->n_pending; i++) {
		const struct dlp_pending *p = &d->pending[i];
		const struct sensor_def *def;
		struct dlp_match *m;
		const char *path;
		uint8_t k;

		if (only != SENSOR_MAX && p->sensor != only) {
			d->pending[kept++] = *p;	/* waits for its own event */
			continue;
		}
		def = sensor_db_def(ctx->db, p->sensor);
		m = &ev->m[ev->n++];
		path = p->path[0] != '\0' ? p->path : DLP_PATH_RAW;
		for (k = 0; k < ev->npaths; k++)
			if (strcmp(ev->paths[k], path) == 0)
				break;
		if (k == ev->npaths && ev->npaths < DLP_EVENT_PATHS)
			copy_name(ev->paths[ev->npaths++], DLP_PATH_LEN, path);
		m->path = k < ev->npaths ? k : DLP_EVENT_PATHS - 1;	/* table full: last */

		copy_name(m->sensor, sizeof(m->sensor), def->id);
		copy_name(m->category, sizeof(m->category), def->category);
		value_redact(p->len, p->tail, p->tail_len, m->redacted, sizeof(m->redacted));
		m->confidence = p->confidence;
		m->hash = p->hash;
		m->offset = p->offset;
	}
	d->n_pending = kept;
	ctx->emit(ctx->cookie, dir, ev);
	ctx->stats.events++;
}

/* The threshold events of the sensors that crossed since the last ones, in sensor order. */
static void
dlp_emit_crossings(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir)
{
	unsigned int w;

	for (w = 0; w < SENSOR_MAX / 64; w++) {
		uint64_t due = d->crossed_set[w] & ~d->reported_set[w];

		while (due != 0) {
			uint16_t sensor = (uint16_t)(w * 64 + (unsigned int)__builtin_ctzll(due));

			due &= due - 1;
			dlp_set_bit(d->reported_set, sensor);
			dlp_emit(ctx, d, dir, sensor);
		}
	}
}

/* Whether stream offset off was inspected through a decoded buffer. */
static int
dlp_covered(const struct dlp_dir *d, uint64_t off)
{
	unsigned int i;

	if (!d->based)
		return 0;
	off += d->raw_base;
	for (i = 0; i < d->n_cover; i++)
		if (off >= d->cover[i].start && off < d->cover[i].end)
			return 1;
	return 0;
}

/*
 * The first len bytes from raw offset off that are all covered (*covered = 1) or all not
 * (*covered = 0): up to the end of the range holding off, or to the next range's start.
 */
static uint32_t
dlp_cover_piece(const struct dlp_dir *d, uint64_t off, uint32_t len, int *covered)
{
	uint64_t n = len;
	unsigned int i;

	*covered = 0;
	for (i = 0; i < d->n_cover; i++) {
		const struct dlp_cover *c = &d->cover[i];

		if (off >= c->start && off < c->end) {
			*covered = 1;
			return (uint32_t)RTE_MIN(n, c->end - off);
		}
		if (c->start > off && c->start - off < n)
			n = c->start - off;
	}
	return (uint32_t)n;
}

/*
 * Distinct value i (hash h) is seen again. Seen before only in the other layer (raw vs
 * decoded), it is the same value read from outside and inside: reported once, from the
 * innermost layer (a pending raw entry takes the decoded path and offset). Returns 1
 * when m is such a duplicate and must not be listed again.
 */
static int
dlp_other_layer(struct dlp_ctx *ctx, struct dlp_dir *d, uint32_t i, const struct sensor_match *m,
		uint64_t h)
{
	uint8_t layer = d->in_buf ? 2 : 1;
	uint32_t k;

	if (d->distinct_layer[i] & layer)
		return 0;
	d->distinct_layer[i] |= layer;
	ctx->stats.raw_dups++;
	if (!d->in_buf)
		return 1;
	for (k = 0; k < d->n_pending; k++) {
		struct dlp_pending *p = &d->pending[k];

		if (p->hash == h && p->sensor == m->sensor && p->path[0] == '\0') {
			memcpy(p->path, d->path[d->in_buf - 1], sizeof(p->path));
			p->offset = m->offset;
			p->confidence = RTE_MAX(p->confidence, m->confidence);
			break;
		}
	}
	return 1;
}

/*
 * The pending list is full and a match of `sensor` arrives. If no match of that sensor is
 * listed, drop the latest listed match of the sensor with the most listed (it stays
 * counted in the totals) so that every sensor's event lists at least one of its own.
 * Returns 1 when a slot was freed.
 */
static int
dlp_make_room(struct dlp_dir *d, uint16_t sensor)
{
	uint32_t i, j, n, most = 0, victim = 0;

	for (i = 0; i < d->n_pending; i++)
		if (d->pending[i].sensor == sensor)
			return 0;
	for (i = 0; i < d->n_pending; i++) {
		for (j = 0, n = 0; j < d->n_pending; j++)
			n += d->pending[j].sensor == d->pending[i].sensor;
		if (n >= most) {		/* >=: the latest of the most listed sensor */
			most = n;
			victim = i;
		}
	}
	if (most < 2)
		return 0;		/* one match per sensor listed: keep them */
	memmove(&d->pending[victim], &d->pending[victim + 1],
		(d->n_pending - victim - 1) * sizeof(d->pending[0]));
	d->n_pending--;
	return 1;
}

/* The index of value h of sensor in d's distinct set, or -1 (a pair is listed once). */
static int
dlp_distinct_find(const struct dlp_dir *d, uint64_t h, uint16_t sensor)
{
	uint32_t i;

	for (i = 0; i < d->n_distinct; i++)
		if (d->distinct[i] == h && d->distinct_sensor[i] == sensor)
			return (int)i;
	return -1;
}

/* How many of d's distinct values are sensor's. */
static uint32_t
dlp_distinct_count(const struct dlp_dir *d, uint16_t sensor)
{
	uint32_t i, n = 0;

	for (i = 0; i < d->n_distinct; i++)
		n += d->distinct_sensor[i] == sensor;
	return n;
}

static void
dlp_on_match(void *cookie, const struct sensor_match *m)
{
	struct dlp_ctx *ctx = cookie;
	struct dlp_dir *d = ctx->cur;
	uint64_t h = value_hash(ctx->key, m->v.norm, m->v.norm_len);
	uint32_t limit = RTE_MIN(ctx->conf.max_matches, (uint32_t)DLP_EVENT_MATCHES);
	uint32_t threshold;
	int fresh, slot;
	uint8_t action;

	if (!dlp_sensor_rule(ctx, m->sensor, &threshold, &action))
		return;
	if (!d->in_buf && dlp_covered(d, m->offset)) {
		/* Also seen, decoded, in a buffer: reported from there (innermost layer). */
		ctx->stats.raw_dups++;
		return;
	}
	ctx->stats.matches++;
	if (m->sensor < SENSOR_MAX)
		ctx->sensor_matches[m->sensor][action == CONFIG_DLP_BLOCK]++;
	/* Distinct values per sensor: the same digits seen by two sensors count for each. */
	slot = dlp_distinct_find(d, h, m->sensor);
	fresh = slot < 0;
	if (!fresh && dlp_other_layer(ctx, d, (uint32_t)slot, m, h))
		return;
	if (fresh) {
		if (d->n_distinct < DLP_DISTINCT_MAX) {
			slot = (int)d->n_distinct;
			d->distinct[d->n_distinct] = h;
			d->distinct_layer[d->n_distinct] = d->in_buf ? 2 : 1;
			d->distinct_sensor[d->n_distinct++] = m->sensor;
		} else {
			/* Set full: every further value counts as new (errs towards alerting). */
			d->overflow_count++;
			ctx->stats.distinct_overflow++;
		}
	}
	if (d->n_pending < limit || dlp_make_room(d, m->sensor)) {
		struct dlp_pending *p = &d->pending[d->n_pending++];
		uint16_t tl = m->v.norm_len < 4 ? m->v.norm_len : 4;

		p->hash = h;
		/* a raw match at the direction's offset, whichever stream found it */
		p->offset = m->offset + (d->in_buf || !d->based ? 0 : d->raw_base);
		p->sensor = m->sensor;
		p->len = m->v.norm_len;
		p->confidence = m->confidence;
		p->tail_len = (uint8_t)tl;
		memcpy(p->tail, m->v.norm + m->v.norm_len - tl, tl);
		if (d->in_buf)
			memcpy(p->path, d->path[d->in_buf - 1], sizeof(p->path));
		else
			p->path[0] = '\0';
	}
	d->total_pending++;
	if (slot >= 0)
		d->pending_hits[slot]++;
	else
		d->overflow_pending++;	/* reported in the direction's last event */
	/* The event goes out when the scan returns, so it lists every match of this sensor
	 * the same segment completed, not just those found before the crossing one. The
	 * count (the sensor's distinct values and every value past a full set, this one
	 * included) only matters below the threshold. */
	if (!dlp_bit(d->crossed_set, m->sensor) &&
	    dlp_distinct_count(d, m->sensor) + d->overflow_count >= threshold) {
		dlp_set_bit(d->crossed_set, m->sensor);
		d->crossed = 1;
		d->cross_now = 1;
		if (action == CONFIG_DLP_BLOCK)
			d->cross_action = CONFIG_DLP_BLOCK;
	}
}

/* After a scan: the threshold events of the sensors this scan took past theirs. */
static void
dlp_leave(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir)
{
	if (d->cross_now) {
		d->cross_now = 0;
		dlp_emit_crossings(ctx, d, dir);
	}
}

static void
dlp_enter(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, const struct dlp_policy *pol,
	  dlp_emit_fn emit, void *cookie)
{
	ctx->pol = pol;
	ctx->cur = d;
	ctx->cur_dir = dir;
	ctx->emit = emit;
	ctx->cookie = cookie;
	lru_touch(ctx, d);
}

/*
 * Bytes a decoded buffer covered were inspected there: to the raw stream they are a gap
 * (nothing straddles it, the offsets go on), so the sensors read a plain body once.
 */
void
dlp_dir_data(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint64_t off,
	     const uint8_t *data, uint32_t len, const struct dlp_policy *pol, dlp_emit_fn emit,
	     void *cookie)
{
	dlp_enter(ctx, d, dir, pol, emit, cookie);
	if (!d->based) {
		d->raw_base = off - sensor_stream_offset(d->st);
		d->based = 1;
	}
	while (len > 0) {
		int covered = 0;
		uint32_t n = d->n_cover != 0 ? dlp_cover_piece(d, off, len, &covered) : len;

		if (covered) {
			sensor_stream_gap(ctx->sw, d->st, n, dlp_on_match, ctx);
			ctx->stats.raw_skipped += n;
		} else {
			sensor_stream_scan(ctx->sw, d->st, data, n, dlp_on_match, ctx);
		}
		off += n;
		data += n;
		len -= n;
	}
	if (pol != NULL && pol->commit)
		sensor_stream_commit(ctx->sw, d->st, dlp_on_match, ctx);
	dlp_leave(ctx, d, dir);
}

void
dlp_dir_gap(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint64_t len,
	    const struct dlp_policy *pol, dlp_emit_fn emit, void *cookie)
{
	dlp_enter(ctx, d, dir, pol, emit, cookie);
	sensor_stream_gap(ctx->sw, d->st, len, dlp_on_match, ctx);
	dlp_leave(ctx, d, dir);
}

int
dlp_dir_buffer_open(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t level, const char *path)
{
	if (level >= DLP_BUFFER_LEVELS)
		return -EINVAL;
	if (d->buf[level] != NULL)
		return -EBUSY;
	d->buf[level] = sensor_stream_open(ctx->sw);
	if (d->buf[level] == NULL) {
		ctx->stats.buffers_refused++;
		return -ENOSPC;
	}
	/* Not snprintf: a buffer opens per body and per nested value. */
	copy_name(d->path[level], sizeof(d->path[level]), path);
	ctx->stats.buffers_opened++;
	return 0;
}

void
dlp_dir_buffer_data(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint8_t level,
		    const uint8_t *data, uint32_t len, const struct dlp_policy *pol,
		    dlp_emit_fn emit, void *cookie)
{
	if (level >= DLP_BUFFER_LEVELS || d->buf[level] == NULL)
		return;
	dlp_enter(ctx, d, dir, pol, emit, cookie);
	d->in_buf = (uint8_t)(level + 1);
	sensor_stream_scan(ctx->sw, d->buf[level], data, len, dlp_on_match, ctx);
	if (pol != NULL && pol->commit)
		sensor_stream_commit(ctx->sw, d->buf[level], dlp_on_match, ctx);
	d->in_buf = 0;
	dlp_leave(ctx, d, dir);
}

/* Close buffer level (inside a scan context). */
static void
dlp_buffer_end(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t level)
{
	d->in_buf = (uint8_t)(level + 1);
	sensor_stream_close(ctx->sw, d->buf[level], dlp_on_match, ctx);
	d->in_buf = 0;
	d->buf[level] = NULL;
}

void
dlp_dir_buffer_gap(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint64_t len,
		   const struct dlp_policy *pol, dlp_emit_fn emit, void *cookie)
{
	uint8_t level;

	dlp_enter(ctx, d, dir, pol, emit, cookie);
	for (level = 0; level < DLP_BUFFER_LEVELS; level++) {
		if (d->buf[level] == NULL)
			continue;
		d->in_buf = (uint8_t)(level + 1);
		sensor_stream_gap(ctx->sw, d->buf[level], len, dlp_on_match, ctx);
		d->in_buf = 0;
	}
	dlp_leave(ctx, d, dir);
}

void
dlp_dir_buffer_close(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint8_t level,
		     const struct dlp_policy *pol, dlp_emit_fn emit, void *cookie)
{
	if (level >= DLP_BUFFER_LEVELS || d->buf[level] == NULL)
		return;
	dlp_enter(ctx, d, dir, pol, emit, cookie);
	dlp_buffer_end(ctx, d, level);
	dlp_leave(ctx, d, dir);
}

void
dlp_dir_cover(struct dlp_dir *d, uint64_t start, uint64_t end)
{
	struct dlp_cover *last;

	if (end <= start)
		return;
	if (d->n_cover > 0) {
		last = &d->cover[(d->cover_next + DLP_COVER_MAX - 1) % DLP_COVER_MAX];
		if (start >= last->start && start <= last->end + DLP_COVER_JOIN) {
			if (end > last->end)
				last->end = end;
			return;
		}
	}
	d->cover[d->cover_next] = (struct dlp_cover){ start, end };
	d->cover_next = (uint8_t)((d->cover_next + 1) % DLP_COVER_MAX);
	if (d->n_cover < DLP_COVER_MAX)
		d->n_cover++;
}

/* Flush d's streams and report what its end reports (dlp_dir_close). */
static void
dir_flush(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, const struct dlp_policy *pol,
	  dlp_emit_fn emit, void *cookie)
{
	dlp_enter(ctx, d, dir, pol, emit, cookie);
	for (uint8_t level = DLP_BUFFER_LEVELS; level-- > 0;)
		if (d->buf[level] != NULL)
			dlp_buffer_end(ctx, d, level);
	sensor_stream_close(ctx->sw, d->st, dlp_on_match, ctx);
	/* Thresholds the flush took past, then what is left: reported when some threshold
	 * was reached in the direction; otherwise nothing is (that is what thresholds are
	 * for). */
	d->cross_now = 0;
	dlp_emit_crossings(ctx, d, dir);
	if (d->crossed && d->total_pending != 0)
		dlp_emit(ctx, d, dir, SENSOR_MAX);
	d->st = NULL;
}

/* d (flushed) back to the pool. */
static void
dir_release(struct dlp_ctx *ctx, struct dlp_dir *d)
{
	lru_unlink(ctx, d);
	d->owner = NULL;
	d->next_free = ctx->free;
	ctx->free = d;
	ctx->cur = NULL;
	ctx->pol = NULL;
}

void
dlp_dir_close(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, const struct dlp_policy *pol,
	      dlp_emit_fn emit, void *cookie)
{
	dir_flush(ctx, d, dir, pol, emit, cookie);
	dir_release(ctx, d);
}

static void
park_unlink(struct dlp_ctx *ctx, struct dlp_park *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		ctx->park_old = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	else
		ctx->park_new = p->prev;
	p->prev = p->next = NULL;
}

/* A park record: a free one, or the oldest parked direction's (its owner loses it). */
static struct dlp_park *
park_take(struct dlp_ctx *ctx)
{
	struct dlp_park *p = ctx->park_free;

	if (p != NULL) {
		ctx->park_free = p->next;
	} else if (ctx->parks_fresh < ctx->conf.max_parked) {
		p = &ctx->parks[ctx->parks_fresh++];	/* never used before */
	} else if ((p = ctx->park_old) != NULL) {
		park_unlink(ctx, p);
		*p->slot = NULL;
		ctx->stats.parks_dropped++;
	}
	return p;
}

/* The distinct values d keeps in p: those of sensors below their threshold first (they
 * decide crossings to come), then the others (they keep values from being reported
 * twice). A value left out counts as an overflow, with its pending matches. */
static void
park_save(struct dlp_park *p, const struct dlp_dir *d)
{
	uint32_t i, pass;

	memcpy(p->crossed_set, d->crossed_set, sizeof(p->crossed_set));
	p->crossed = d->crossed;
	p->cross_action = d->cross_action;
	p->overflow_count = d->overflow_count;
	p->overflow_pending = d->overflow_pending;
	p->n_distinct = 0;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < d->n_distinct; i++) {
			int below = !dlp_bit(d->crossed_set, d->distinct_sensor[i]);
			uint8_t k = p->n_distinct;

			if (below != (pass == 0))
				continue;
			if (k == DLP_PARK_DISTINCT) {
				p->overflow_count += below;
				p->overflow_pending += d->pending_hits[i];
				continue;
			}
			p->distinct[k] = d->distinct[i];
			p->pending_hits[k] = d->pending_hits[i];
			p->distinct_sensor[k] = d->distinct_sensor[i];
			p->distinct_layer[k] = d->distinct_layer[i];
			p->n_distinct++;
		}
	}
	/* After a crossing the flush reported every pending match; before, they are all of
	 * sensors below their threshold, listed when it is reached. */
	p->n_pending = (uint8_t)RTE_MIN(d->n_pending, (uint32_t)DLP_PARK_PENDING);
	memcpy(p->pending, d->pending, p->n_pending * sizeof(p->pending[0]));
}

void
dlp_dir_park(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, const struct dlp_policy *pol,
	     dlp_emit_fn emit, void *cookie, struct dlp_park **slot)
{
	struct dlp_park *p;

	dir_flush(ctx, d, dir, pol, emit, cookie);
	p = park_take(ctx);
	if (p != NULL) {
		park_save(p, d);
		p->slot = slot;
		p->prev = ctx->park_new;
		p->next = NULL;
		if (ctx->park_new != NULL)
			ctx->park_new->next = p;
		else
			ctx->park_old = p;
		ctx->park_new = p;
	}
	*slot = p;
	dir_release(ctx, d);
}

void
dlp_park_free(struct dlp_ctx *ctx, struct dlp_park *p)
{
	if (p == NULL)
		return;
	park_unlink(ctx, p);
	*p->slot = NULL;
	p->slot = NULL;
	p->next = ctx->park_free;
	ctx->park_free = p;
}

void
dlp_dir_resume(struct dlp_ctx *ctx, struct dlp_dir *d, struct dlp_park *p)
{
	uint32_t i;

	memcpy(d->crossed_set, p->crossed_set, sizeof(d->crossed_set));
	memcpy(d->reported_set, p->crossed_set, sizeof(d->reported_set));
	d->crossed = p->crossed;
	d->cross_action = p->cross_action;
	d->overflow_count = p->overflow_count;
	d->overflow_pending = p->overflow_pending;
	d->total_pending = p->overflow_pending;
	d->n_distinct = p->n_distinct;
	for (i = 0; i < p->n_distinct; i++) {
		d->distinct[i] = p->distinct[i];
		d->pending_hits[i] = p->pending_hits[i];
		d->distinct_sensor[i] = p->distinct_sensor[i];
		d->distinct_layer[i] = p->distinct_layer[i];
		d->total_pending += p->pending_hits[i];
	}
	d->n_pending = p->n_pending;
	memcpy(d->pending, p->pending, p->n_pending * sizeof(p->pending[0]));
	ctx->stats.dirs_resumed++;
	dlp_park_free(ctx, p);
}

int
dlp_park_crossed_block(const struct dlp_park *p)
{
	return p != NULL && p->crossed && p->cross_action == CONFIG_DLP_BLOCK;
}

void
dlp_ctx_refresh_today(struct dlp_ctx *ctx)
{
	struct validator_date today;

	validator_today(&today);
	sensor_worker_set_today(ctx->sw, &today);
}

int
dlp_dir_crossed_block(const struct dlp_dir *d)
{
	return d != NULL && d->crossed && d->cross_action == CONFIG_DLP_BLOCK;
}

uint8_t
dlp_ctx_default_action(const struct dlp_ctx *ctx)
{
	return ctx->conf.action;
}

const struct dlp_stats *
dlp_ctx_stats(const struct dlp_ctx *ctx)
{
	return &ctx->stats;
}

uint64_t
dlp_ctx_sensor_matches(const struct dlp_ctx *ctx, unsigned int sensor, uint8_t action)
{
	if (sensor >= SENSOR_MAX || action > CONFIG_DLP_BLOCK)
		return 0;
	return ((const volatile uint64_t *)ctx->sensor_matches[sensor])[action];
}

const struct sensor_stats *
dlp_ctx_sensor_stats(const struct dlp_ctx *ctx)
{
	return sensor_worker_stats(ctx->sw);
}
