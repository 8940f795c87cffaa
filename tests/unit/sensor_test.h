/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the sensor engine tests (test_sensor_engine.c, test_sensor_precision.c):
 * the built-in catalogue compiled once, workers with a pinned "today", and scans that
 * collect every match. Include after <cmocka.h>.
 */
#ifndef TOLLGATE_SENSOR_TEST_H
#define TOLLGATE_SENSOR_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "sensor_engine.h"
#include "sensor_priv.h"

#define MAX_MATCHES 64

struct seen {
	uint16_t sensor;
	uint8_t confidence;
	uint64_t offset;
	char norm[VALIDATOR_NORM_MAX + 1];
};

struct collect {
	unsigned int n;
	struct seen m[MAX_MATCHES];
};

/* The built-in catalogue, compiled by sensor_test_setup for a whole group. */
extern struct sensor_def g_defs[SENSOR_MAX];
extern unsigned int g_n;
extern struct sensor_db *g_db;
extern const struct validator_date g_today;

int sensor_test_setup(void **state);
int sensor_test_teardown(void **state);

void collect_fn(void *cookie, const struct sensor_match *m);
unsigned int sensor_index(const struct sensor_db *db, const char *id);
unsigned int count_of(const struct collect *c, unsigned int sensor);
const struct seen *first_of(const struct collect *c, unsigned int sensor);
struct sensor_worker *worker(const struct sensor_db *db, uint32_t streams);
void scan_str(struct sensor_worker *sw, struct sensor_stream *st, const char *s,
	      struct collect *c);
/* One stream over text cut at the given offsets (ascending, inside the text), closed. */
void scan_parts(const struct sensor_db *db, const char *text, const size_t *cuts,
		unsigned int ncuts, struct collect *c, struct sensor_stats *stats);
void scan_whole(const char *text, struct collect *c, struct sensor_stats *stats);
/* A custom sensor definition (validator none, EDGE boundary). */
void custom_def(struct sensor_def *d, const char *id, const char *const *patterns,
		const char *const *keywords);

/* One expected match: sensor id, offset, confidence, normalised value. */
struct want {
	const char *sensor;
	uint64_t offset;
	uint8_t confidence;
	const char *norm;
};

/*
 * Scan text with db whole, cut once at every offset, and cut twice around every byte
 * (so that byte is a buffer of its own); each time exactly the matches in w (in that
 * order) must come out, and the counters must equal those of the whole scan. Returns the
 * whole scan's counters.
 */
struct sensor_stats expect_at_every_split(const struct sensor_db *db, const char *text,
					  const struct want *w, unsigned int nw);

/* The precision tests (test_sensor_precision.c), as their own group; failures. */
int sensor_precision_run(void);

#endif
