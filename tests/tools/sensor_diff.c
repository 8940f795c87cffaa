/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sensor_diff: the sensor engines' differential check (tests/unit/sensor_diff.c) over
 * files, so the Python corpus test can drive it with the corpus generators' documents.
 *
 *   sensor_diff [--plans N] [--seed S] [--mix standard|adversarial BYTES] [FILE...]
 *
 * Every FILE (and the generated mix, if asked) is one stream, scanned by a HYPERSCAN and
 * a PREFILTER worker over the built-in catalogue under N plans (cuts, gaps, commits)
 * seeded S, S + 1, ... Prints per input "NAME: N plans, M matches" and, at the first
 * difference, "NAME: DIFF plan SEED: WHY" on stderr. Exit status 0 when the engines agree
 * on everything, 1 on a difference or an I/O error, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_mix.h"
#include "sensor_diff.h"

static int
usage(const char *msg)
{
	fprintf(stderr, "sensor_diff: %s\n", msg);
	fprintf(stderr, "usage: sensor_diff [--plans N] [--seed S] "
			"[--mix standard|adversarial BYTES] [FILE...]\n");
	return 2;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static int
check(struct sensor_diff *d, const char *name, const uint8_t *buf, size_t len, unsigned long plans,
      unsigned long long seed)
{
	struct sensor_diff_plan plan;
	unsigned long i, matches = 0;
	char why[512];

	for (i = 0; i < plans; i++) {
		long n;

		sensor_diff_plan(seed + i, &plan);
		n = sensor_diff_run(d, buf, len, &plan, why, sizeof(why));
		if (n < 0) {
			fprintf(stderr, "%s: DIFF plan %llu: %s\n", name, seed + i, why);
			return 1;
		}
		matches += (unsigned long)n;
	}
	printf("%s: %lu plans, %lu matches\n", name, plans, matches);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct sensor_def defs[SENSOR_MAX];
	const struct validator_date today = { 2024, 6, 1 };
	unsigned long plans = 8, mix_bytes = 0;
	unsigned long long seed = 1;
	int mix = -1, i, rc = 0;
	struct sensor_diff *d;
	struct sensor_db *db;
	char err[512];
	unsigned int n;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--plans") == 0 && i + 1 < argc) {
			plans = strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--mix") == 0 && i + 2 < argc) {
			if (strcmp(argv[i + 1], "standard") == 0)
				mix = BENCH_MIX_STANDARD;
			else if (strcmp(argv[i + 1], "adversarial") == 0)
				mix = BENCH_MIX_ADVERSARIAL;
			else
				return usage("--mix: standard or adversarial expected");
			mix_bytes = strtoul(argv[i + 2], NULL, 10);
			i += 2;
		} else {
			return usage("unknown option");
		}
	}
	if (plans == 0 || (mix >= 0 && mix_bytes == 0))
		return usage("--plans and the mix size must be positive");
	n = sensor_catalogue_builtin(defs, SENSOR_MAX);
	db = sensor_db_compile(defs, n, err, sizeof(err));
	if (db == NULL) {
		fprintf(stderr, "sensor_diff: %s\n", err);
		return 1;
	}
	d = sensor_diff_create(db, &today, err, sizeof(err));
	if (d == NULL) {
		fprintf(stderr, "sensor_diff: %s\n", err);
		sensor_db_free(db);
		return 1;
	}
	if (mix >= 0) {
		uint8_t *buf = malloc(mix_bytes);
		size_t len;

		if (buf == NULL) {
			fprintf(stderr, "sensor_diff: no memory\n");
			rc = 1;
		} else {
			len = bench_mix_fill(buf, mix_bytes, (enum bench_mix_kind)mix, seed);
			rc |= check(d, mix == BENCH_MIX_STANDARD ? "mix standard" : "mix adversarial",
				    buf, len, plans, seed);
			free(buf);
		}
	}
	for (; i < argc && rc == 0; i++) {
		size_t len = 0;
		uint8_t *buf = slurp(argv[i], &len);

		if (buf == NULL) {
			fprintf(stderr, "sensor_diff: %s: cannot read\n", argv[i]);
			rc = 1;
			break;
		}
		rc |= check(d, argv[i], buf, len, plans, seed);
		free(buf);
	}
	sensor_diff_free(d);
	sensor_db_free(db);
	return rc;
}
