/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential check of the sensor engines (sensor_diff.c): the same bytes through a
 * HYPERSCAN worker (every pattern in one Hyperscan stream database, the reference) and a
 * PREFILTER worker (Hyperscan for literal-led patterns, the prefilter's DFAs for the rest),
 * cut the same way, with the same gaps and commits; the matches (sensor, offset,
 * confidence, keyed hash of the normalised value, in order) and every counter must be
 * equal. Used by the unit test (test_sensor_differential.c), the sensor_diff tool that the
 * corpus test drives (tests/tools/sensor_diff.c) and the libFuzzer target
 * (tests/fuzz/fuzz_sensor_engines.c). No cmocka: a difference is reported in why.
 */
#ifndef TOLLGATE_SENSOR_DIFF_H
#define TOLLGATE_SENSOR_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "sensor_engine.h"

/* How a buffer is cut (sensor_diff_plan picks one from the seed). */
enum sensor_diff_cut {
	SENSOR_DIFF_WHOLE = 0,	/* one scan */
	SENSOR_DIFF_SEGMENTS,	/* 1460-byte segments */
	SENSOR_DIFF_SMALL,	/* 1..16 bytes */
	SENSOR_DIFF_TINY,	/* 1..3 bytes */
	SENSOR_DIFF_RANDOM,	/* 1..3000 bytes */
	SENSOR_DIFF__CUTS
};

struct sensor_diff_plan {
	uint64_t seed;		/* drives the cut lengths, gaps and commits */
	uint8_t cut;		/* enum sensor_diff_cut */
	uint8_t gaps;		/* now and then, lose a few bytes (sensor_stream_gap) */
	uint8_t commits;	/* now and then, sensor_stream_commit */
};

/* A plan from a seed: every cut kind, gaps and commits about one time in four. */
void sensor_diff_plan(uint64_t seed, struct sensor_diff_plan *plan);

/* The two workers over db (prepared for both engines here); NULL with why set. */
struct sensor_diff;
struct sensor_diff *sensor_diff_create(struct sensor_db *db, const struct validator_date *today,
				       char *why, size_t whylen);
void sensor_diff_free(struct sensor_diff *d);

/*
 * One stream of buf through both workers under plan. Returns the number of matches both
 * reported (>= 0), or -1 with why naming the first difference (index, both matches or
 * the counter, and the plan).
 */
long sensor_diff_run(struct sensor_diff *d, const uint8_t *buf, size_t len,
		     const struct sensor_diff_plan *plan, char *why, size_t whylen);

/* d as a custom class: no validator, severity high, max_len 64, the one pattern, and the
 * one keyword unless NULL. */
void sensor_diff_custom(struct sensor_def *d, const char *id, const char *pattern,
			const char *keyword);

/* Stats of the last run of each worker (HYPERSCAN, PREFILTER). */
const struct sensor_stats *sensor_diff_stats(const struct sensor_diff *d, int prefilter);

#endif
