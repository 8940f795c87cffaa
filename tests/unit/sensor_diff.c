/* SPDX-License-Identifier: BSD-3-Clause */
/* Differential check of the sensor engines: see sensor_diff.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor_diff.h"
#include "sensor_priv.h"
#include "value_hash.h"

#define DIFF_MAX_MATCHES 4096

struct diff_match {
	uint16_t sensor;
	uint8_t confidence;
	uint64_t offset;
	uint64_t hash;
};

struct diff_side {
	struct sensor_worker *sw;
	uint32_t n;
	uint32_t lost;		/* matches past DIFF_MAX_MATCHES (counted, compared) */
	struct diff_match m[DIFF_MAX_MATCHES];
	struct sensor_stats before, stats;
};

struct sensor_diff {
	const struct sensor_db *db;
	struct diff_side side[2];	/* 0: HYPERSCAN, 1: PREFILTER */
};

static const uint8_t diff_key[VALUE_HASH_KEY_LEN] = { 'd', 'i', 'f', 'f' };

static void
on_match(void *cookie, const struct sensor_match *m)
{
	struct diff_side *s = cookie;
	struct diff_match *x;

	if (s->n == DIFF_MAX_MATCHES) {
		s->lost++;
		return;
	}
	x = &s->m[s->n++];
	x->sensor = m->sensor;
	x->confidence = m->confidence;
	x->offset = m->offset;
	x->hash = value_hash(diff_key, (const uint8_t *)m->v.norm, m->v.norm_len);
}

static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

void
sensor_diff_plan(uint64_t seed, struct sensor_diff_plan *plan)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;

	plan->seed = seed;
	plan->cut = (uint8_t)(rng_next(&s) % SENSOR_DIFF__CUTS);
	plan->gaps = rng_next(&s) % 4 == 0;
	plan->commits = rng_next(&s) % 4 == 0;
}

struct sensor_diff *
sensor_diff_create(struct sensor_db *db, const struct validator_date *today, char *why,
		   size_t whylen)
{
	struct sensor_diff *d = calloc(1, sizeof(*d));
	int i;

	if (d == NULL) {
		snprintf(why, whylen, "no memory");
		return NULL;
	}
	d->db = db;
	if (sensor_db_prepare(db, SENSOR_ENGINE_HYPERSCAN, why, whylen) != 0)
		goto fail;
	for (i = 0; i < 2; i++) {
		d->side[i].sw = sensor_worker_create_engine(
			db, i == 0 ? SENSOR_ENGINE_HYPERSCAN : SENSOR_ENGINE_PREFILTER, 1, 0, why,
			whylen);
		if (d->side[i].sw == NULL)
			goto fail;
		sensor_worker_set_today(d->side[i].sw, today);
	}
	return d;
fail:
	sensor_diff_free(d);
	return NULL;
}

void
sensor_diff_free(struct sensor_diff *d)
{
	if (d == NULL)
		return;
	sensor_worker_free(d->side[0].sw);
	sensor_worker_free(d->side[1].sw);
	free(d);
}

const struct sensor_stats *
sensor_diff_stats(const struct sensor_diff *d, int prefilter)
{
	return &d->side[prefilter ? 1 : 0].stats;
}

/* The next piece length under plan (at least 1). */
static size_t
piece(const struct sensor_diff_plan *plan, uint64_t *s, size_t left)
{
	size_t n;

	switch (plan->cut) {
	case SENSOR_DIFF_WHOLE:
		n = left;
		break;
	case SENSOR_DIFF_SEGMENTS:
		n = 1460;
		break;
	case SENSOR_DIFF_SMALL:
		n = 1 + rng_next(s) % 16;
		break;
	case SENSOR_DIFF_TINY:
		n = 1 + rng_next(s) % 3;
		break;
	default:
		n = 1 + rng_next(s) % 3000;
		break;
	}
	return n < left ? n : left;
}

static void
run_side(struct diff_side *side, const uint8_t *buf, size_t len,
	 const struct sensor_diff_plan *plan)
{
	struct sensor_worker *sw = side->sw;
	struct sensor_stream *st = sensor_stream_open(sw);
	uint64_t s = plan->seed * 0xff51afd7ed558ccdULL + 7;
	size_t off = 0;

	side->n = 0;
	side->lost = 0;
	side->before = *sensor_worker_stats(sw);
	while (off < len) {
		size_t n = piece(plan, &s, len - off);
		uint64_t r = rng_next(&s);

		if (plan->gaps && r % 61 == 0 && len - off > 8) {
			/* Lose a few bytes: both workers skip the same ones. */
			size_t lost = 1 + (r >> 8) % 7;

			sensor_stream_gap(sw, st, lost, on_match, side);
			off += lost;
			continue;
		}
		sensor_stream_scan(sw, st, buf + off, (uint32_t)n, on_match, side);
		off += n;
		if (plan->commits && (r >> 16) % 7 == 0)
			sensor_stream_commit(sw, st, on_match, side);
	}
	sensor_stream_close(sw, st, on_match, side);
	side->stats = *sensor_worker_stats(sw);
}

#define COUNTER(f) { #f, offsetof(struct sensor_stats, f) }

static const struct {
	const char *name;
	size_t off;
} counters[] = {
	COUNTER(bytes_scanned), COUNTER(candidates), COUNTER(boundary_rejected),
	COUNTER(validator_rejected), COUNTER(context_missing), COUNTER(overlap_suppressed),
	COUNTER(accepted), COUNTER(candidates_dropped), COUNTER(scan_errors),
};

static uint64_t
delta(const struct diff_side *s, size_t off)
{
	uint64_t a, b;

	memcpy(&a, (const uint8_t *)&s->stats + off, sizeof(a));
	memcpy(&b, (const uint8_t *)&s->before + off, sizeof(b));
	return a - b;
}

long
sensor_diff_run(struct sensor_diff *d, const uint8_t *buf, size_t len,
		const struct sensor_diff_plan *plan, char *why, size_t whylen)
{
	const struct diff_side *a = &d->side[0], *b = &d->side[1];
	char how[96];
	uint32_t i;
	size_t c;

	run_side(&d->side[0], buf, len, plan);
	run_side(&d->side[1], buf, len, plan);
	snprintf(how, sizeof(how), "seed %" PRIu64 ", cut %u, gaps %u, commits %u", plan->seed,
		 plan->cut, plan->gaps, plan->commits);
	for (i = 0; i < a->n && i < b->n; i++) {
		const struct diff_match *x = &a->m[i], *y = &b->m[i];

		if (x->sensor != y->sensor || x->offset != y->offset ||
		    x->confidence != y->confidence || x->hash != y->hash) {
			snprintf(why, whylen,
				 "match %u: hyperscan %s at %" PRIu64 " (confidence %u), prefilter "
				 "%s at %" PRIu64 " (confidence %u) [%s]",
				 i, sensor_db_def(d->db, x->sensor)->id, x->offset, x->confidence,
				 sensor_db_def(d->db, y->sensor)->id, y->offset, y->confidence, how);
			return -1;
		}
	}
	if (a->n != b->n || a->lost != b->lost) {
		const struct diff_match *x = a->n > b->n ? &a->m[i] : &b->m[i];

		snprintf(why, whylen,
			 "hyperscan %u matches, prefilter %u; first extra: %s %s at %" PRIu64
			 " [%s]",
			 a->n + a->lost, b->n + b->lost, a->n > b->n ? "hyperscan" : "prefilter",
			 sensor_db_def(d->db, x->sensor)->id, x->offset, how);
		return -1;
	}
	for (c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		if (delta(a, counters[c].off) != delta(b, counters[c].off)) {
			snprintf(why, whylen,
				 "counter %s: hyperscan %" PRIu64 ", prefilter %" PRIu64 " [%s]",
				 counters[c].name, delta(a, counters[c].off),
				 delta(b, counters[c].off), how);
			return -1;
		}
	}
	return (long)a->n;
}

void
sensor_diff_custom(struct sensor_def *d, const char *id, const char *pattern,
		   const char *keyword)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->id, sizeof(d->id), "%s", id);
	snprintf(d->category, sizeof(d->category), "identity");
	d->enabled = 1;
	d->severity = SENSOR_SEV_HIGH;
	d->validator = VALIDATOR_NONE;
	d->max_len = 64;
	snprintf(d->patterns[0], SENSOR_PATTERN_LEN, "%s", pattern);
	d->n_patterns = 1;
	if (keyword != NULL) {
		snprintf(d->keywords[0], SENSOR_KEYWORD_LEN, "%s", keyword);
		d->n_keywords = 1;
	}
}
