/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the two sensor engines (sensors/sensor_engine.h, docs/sensors.md
 * "Engines") over the same stream.
 *
 * Input:  bytes 0-3  the plan seed (little endian): how the stream is cut (whole, 1460-byte
 *                    segments, 1..16, 1..3 or 1..3000 bytes), with or without gaps and
 *                    commits (tests/unit/sensor_diff.c)
 *         then the stream's bytes.
 *
 * Property (sensor_engine.h: "Both engines report the same matches"): a HYPERSCAN worker
 * (every pattern in one Hyperscan stream database) and a PREFILTER worker (the prefilter's
 * windows and DFAs for class-led patterns) report the same matches in the same order (sensor,
 * offset, confidence, keyed hash of the normalised value) and the same counters; a second
 * plan (the seed + 1) too. The built-in catalogue and two custom classes (one the prefilter
 * takes, one it leaves to Hyperscan) are compiled once.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "sensor_diff.h"

static struct sensor_diff *diff;

/* Compiling the databases (and the prefilter's DFAs, slow under the sanitizers) is done
 * once, before the first input, so it does not count against an input's time limit. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct sensor_def defs[SENSOR_MAX];
	static const struct validator_date today = { 2024, 6, 1 };
	struct sensor_db *db;
	unsigned int n = sensor_catalogue_builtin(defs, SENSOR_MAX - 2);
	char err[256];

	sensor_diff_custom(&defs[n++], "employee_id", "EMP-\\d{6}", "employee");
	sensor_diff_custom(&defs[n++], "mrn", "MRN:\\d{3,5}", "patient");
	db = sensor_db_compile(defs, n, err, sizeof(err));
	FUZZ_CHECK(db != NULL);
	diff = sensor_diff_create(db, &today, err, sizeof(err));
	FUZZ_CHECK(diff != NULL);
	/* db and diff live as long as the process. */
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sensor_diff_plan plan;
	char why[512];
	uint32_t seed;
	int i;

	if (size < 4)
		return 0;
	memcpy(&seed, data, 4);
	for (i = 0; i < 2; i++) {
		sensor_diff_plan((uint64_t)seed + (uint64_t)i, &plan);
		if (sensor_diff_run(diff, data + 4, size - 4, &plan, why, sizeof(why)) < 0) {
			fprintf(stderr, "engines differ: %s\n", why);
			FUZZ_CHECK(0);
		}
	}
	return 0;
}
