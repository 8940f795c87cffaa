/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the sensor engine tests: see sensor_test.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensor_test.h"

struct sensor_def g_defs[SENSOR_MAX];
unsigned int g_n;
struct sensor_db *g_db;
const struct validator_date g_today = { 2024, 6, 1 };

int
sensor_test_setup(void **state)
{
	char err[256];

	(void)state;
	g_n = sensor_catalogue_builtin(g_defs, SENSOR_MAX);
	g_db = sensor_db_compile(g_defs, g_n, err, sizeof(err));
	return g_db == NULL ? -1 : 0;
}

int
sensor_test_teardown(void **state)
{
	(void)state;
	sensor_db_free(g_db);
	g_db = NULL;
	return 0;
}

void
collect_fn(void *cookie, const struct sensor_match *m)
{
	struct collect *c = cookie;
	struct seen *s;

	assert_true(c->n < MAX_MATCHES);
	s = &c->m[c->n++];
	s->sensor = m->sensor;
	s->confidence = m->confidence;
	s->offset = m->offset;
	memcpy(s->norm, m->v.norm, m->v.norm_len);
	s->norm[m->v.norm_len] = '\0';
}

unsigned int
sensor_index(const struct sensor_db *db, const char *id)
{
	unsigned int i;

	for (i = 0; i < sensor_db_count(db); i++)
		if (strcmp(sensor_db_def(db, i)->id, id) == 0)
			return i;
	fail_msg("no sensor %s", id);
	return 0;
}

unsigned int
count_of(const struct collect *c, unsigned int sensor)
{
	unsigned int i, n = 0;

	for (i = 0; i < c->n; i++)
		n += c->m[i].sensor == sensor;
	return n;
}

const struct seen *
first_of(const struct collect *c, unsigned int sensor)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (c->m[i].sensor == sensor)
			return &c->m[i];
	return NULL;
}

struct sensor_worker *
worker(const struct sensor_db *db, uint32_t streams)
{
	char err[256];
	struct sensor_worker *sw = sensor_worker_create(db, streams, 0, err, sizeof(err));

	assert_non_null(sw);
	sensor_worker_set_today(sw, &g_today);
	return sw;
}

void
scan_str(struct sensor_worker *sw, struct sensor_stream *st, const char *s, struct collect *c)
{
	sensor_stream_scan(sw, st, (const uint8_t *)s, (uint32_t)strlen(s), collect_fn, c);
}

void
scan_parts(const struct sensor_db *db, const char *text, const size_t *cuts, unsigned int ncuts,
	   struct collect *c, struct sensor_stats *stats)
{
	struct sensor_worker *sw = worker(db, 1);
	struct sensor_stream *st = sensor_stream_open(sw);
	size_t len = strlen(text), from = 0;
	unsigned int i;

	assert_non_null(st);
	memset(c, 0, sizeof(*c));
	for (i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;

		sensor_stream_scan(sw, st, (const uint8_t *)text + from, (uint32_t)(to - from),
				   collect_fn, c);
		from = to;
	}
	sensor_stream_close(sw, st, collect_fn, c);
	if (stats != NULL)
		*stats = *sensor_worker_stats(sw);
	sensor_worker_free(sw);
}

void
scan_whole(const char *text, struct collect *c, struct sensor_stats *stats)
{
	scan_parts(g_db, text, NULL, 0, c, stats);
}

void
custom_def(struct sensor_def *d, const char *id, const char *const *patterns,
	   const char *const *keywords)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	snprintf(d->id, sizeof(d->id), "%s", id);
	snprintf(d->category, sizeof(d->category), "health");
	d->enabled = 1;
	d->severity = SENSOR_SEV_MEDIUM;
	d->validator = VALIDATOR_NONE;
	for (i = 0; patterns != NULL && patterns[i] != NULL; i++)
		snprintf(d->patterns[i], sizeof(d->patterns[i]), "%s", patterns[i]);
	d->n_patterns = i;
	for (i = 0; keywords != NULL && keywords[i] != NULL; i++)
		snprintf(d->keywords[i], sizeof(d->keywords[i]), "%s", keywords[i]);
	d->n_keywords = i;
}

static void
check_matches(const struct sensor_db *db, const char *text, const char *how,
	      const struct collect *c, const struct want *w, unsigned int nw)
{
	unsigned int i;

	if (c->n != nw)
		fail_msg("\"%s\" %s: %u matches, %u expected (first: %s at %llu)", text, how,
			 c->n, nw, c->n ? sensor_db_def(db, c->m[0].sensor)->id : "-",
			 c->n ? (unsigned long long)c->m[0].offset : 0ULL);
	for (i = 0; i < nw; i++) {
		const struct seen *m = &c->m[i];

		if (m->sensor != sensor_index(db, w[i].sensor) || m->offset != w[i].offset ||
		    m->confidence != w[i].confidence || strcmp(m->norm, w[i].norm) != 0)
			fail_msg("\"%s\" %s: match %u is %s \"%s\" at %llu confidence %u, expected "
				 "%s \"%s\" at %llu confidence %u", text, how, i,
				 sensor_db_def(db, m->sensor)->id, m->norm,
				 (unsigned long long)m->offset, m->confidence, w[i].sensor,
				 w[i].norm, (unsigned long long)w[i].offset, w[i].confidence);
	}
}

static void
check_stats(const char *text, const char *how, const struct sensor_stats *a,
	    const struct sensor_stats *b)
{
	if (a->candidates != b->candidates || a->boundary_rejected != b->boundary_rejected ||
	    a->validator_rejected != b->validator_rejected ||
	    a->context_missing != b->context_missing ||
	    a->overlap_suppressed != b->overlap_suppressed || a->accepted != b->accepted ||
	    a->candidates_dropped != b->candidates_dropped)
		fail_msg("\"%s\" %s: counters differ from the whole scan (boundary %llu/%llu, "
			 "validator %llu/%llu, context %llu/%llu, overlap %llu/%llu, dropped "
			 "%llu/%llu)", text, how, (unsigned long long)b->boundary_rejected,
			 (unsigned long long)a->boundary_rejected,
			 (unsigned long long)b->validator_rejected,
			 (unsigned long long)a->validator_rejected,
			 (unsigned long long)b->context_missing,
			 (unsigned long long)a->context_missing,
			 (unsigned long long)b->overlap_suppressed,
			 (unsigned long long)a->overlap_suppressed,
			 (unsigned long long)b->candidates_dropped,
			 (unsigned long long)a->candidates_dropped);
}

struct sensor_stats
expect_at_every_split(const struct sensor_db *db, const char *text, const struct want *w,
		      unsigned int nw)
{
	size_t len = strlen(text), k, cuts[2];
	struct sensor_stats whole, s;
	struct collect c;
	char how[64];

	scan_parts(db, text, NULL, 0, &c, &whole);
	check_matches(db, text, "whole", &c, w, nw);
	for (k = 1; k < len; k++) {
		snprintf(how, sizeof(how), "cut at %zu", k);
		scan_parts(db, text, &k, 1, &c, &s);
		check_matches(db, text, how, &c, w, nw);
		check_stats(text, how, &whole, &s);
		if (k + 1 >= len)
			continue;
		cuts[0] = k;
		cuts[1] = k + 1;
		snprintf(how, sizeof(how), "byte %zu scanned alone", k);
		scan_parts(db, text, cuts, 2, &c, &s);
		check_matches(db, text, how, &c, w, nw);
		check_stats(text, how, &whole, &s);
	}
	return whole;
}
