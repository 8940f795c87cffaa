/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-sensors: throughput of the DLP sensor engine on one core (docs/performance.md).
 *
 * Generates two deterministic mixes (bench_mix.c): the standard one (35% HTML, 30% JSON
 * API bodies, 20% JavaScript, 15% base64 attachments, about one valid card, IBAN, e-mail
 * or SSN per 16 KiB, plus near-misses) and the adversarial one (digit-dense CSV, long
 * digit runs, near-miss card numbers, grouped numbers, phone- and IBAN-like tokens). Each
 * is cut into 1460-byte segments spread round-robin over many flows, as a worker sees
 * them, and scanned with every built-in sensor on by, in one run:
 *
 *   raw full db    hs_scan_stream over the single database of every pattern and keyword
 *                  (the HYPERSCAN engine's), a callback that only counts
 *   raw literal db the same over the PREFILTER engine's Hyperscan database (keywords and
 *                  literal-led patterns only)
 *   finder         the prefilter alone: classifier, windows and DFAs, no Hyperscan, no
 *                  decisions (sensor_stream_prefilter_only)
 *   old engine     sensor_stream_scan on a HYPERSCAN worker: lookback, boundaries,
 *                  validators, context, dedupe
 *   new engine     the same on a PREFILTER worker (the default)
 *
 * and prints Gbit/s of each, from the scanning thread's CPU time (the machine may be
 * shared), best of the rounds, with its ratio to the raw full database and to the old
 * engine; then the bytes per open sensor stream of both engines; then (bench_app.c) the
 * new engine behind the app layer's parsers and decoders. Both engines must report the
 * same number of matches (the differential tests prove the matches equal); a difference
 * is printed. A benchmark prints figures; it never asserts on them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <hs.h>
#include <rte_eal.h>
#include "bench_app.h"
#include "bench_mix.h"
#include "sensor_engine.h"
#include "sensor_priv.h"	/* the raw databases and the finder alone */

#define SEG 1460

enum row { RAW_FULL, RAW_LIT, FINDER, OLD, NEW, ROWS };

static const char *const row_name[ROWS] = {
	"raw hyperscan, full db", "raw hyperscan, literal db", "finder (prefilter alone)",
	"old engine (hyperscan)", "new engine (prefilter)",
};

struct bench {
	struct sensor_db *db;
	struct sensor_worker *sw[2];	/* HYPERSCAN, PREFILTER */
	size_t flows, rounds;
	hs_scratch_t *scratch[2];	/* full, literal */
	struct sensor_stream **st;
	hs_stream_t **hst;
};

static uint64_t hits;

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
raw_cb(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
       void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(void)ctx;
	hits++;
	return 0;
}

static void
engine_cb(void *cookie, const struct sensor_match *m)
{
	(void)cookie;
	(void)m;
	hits++;
}

static size_t
seg_len(size_t len, size_t i)
{
	return len - i < SEG ? len - i : SEG;
}

/* One pass of row r over buf; returns its CPU seconds, hits in *out. */
static double
pass(struct bench *b, enum row r, const uint8_t *buf, size_t len, uint64_t *out)
{
	const hs_database_t *hdb = r == RAW_FULL ? b->db->hs_full : b->db->hs;
	hs_scratch_t *scratch = b->scratch[r == RAW_FULL ? 0 : 1];
	struct sensor_worker *sw = b->sw[r == OLD ? 0 : 1];
	size_t i, f;
	double t;

	hits = 0;
	if (r == RAW_FULL || r == RAW_LIT) {
		for (f = 0; f < b->flows; f++)
			hs_open_stream(hdb, 0, &b->hst[f]);
		t = cpu_s();
		for (i = 0, f = 0; i < len; i += SEG, f = (f + 1) % b->flows)
			hs_scan_stream(b->hst[f], (const char *)buf + i,
				       (unsigned int)seg_len(len, i), 0, scratch, raw_cb, NULL);
		for (f = 0; f < b->flows; f++)
			hs_close_stream(b->hst[f], scratch, raw_cb, NULL);
		t = cpu_s() - t;
	} else {
		for (f = 0; f < b->flows; f++)
			b->st[f] = sensor_stream_open(sw);
		t = cpu_s();
		for (i = 0, f = 0; i < len; i += SEG, f = (f + 1) % b->flows) {
			if (r == FINDER)
				hits += sensor_stream_prefilter_only(sw, b->st[f], buf + i,
								     (uint32_t)seg_len(len, i));
			else
				sensor_stream_scan(sw, b->st[f], buf + i,
						   (uint32_t)seg_len(len, i), engine_cb, NULL);
		}
		for (f = 0; f < b->flows; f++)
			sensor_stream_close(sw, b->st[f], r == FINDER ? NULL : engine_cb, NULL);
		t = cpu_s() - t;
	}
	*out = hits;
	return t;
}

static void
figure(struct bench *b, const char *title, const uint8_t *buf, size_t len)
{
	double best[ROWS];
	uint64_t n[ROWS];
	size_t r, k;

	for (k = 0; k < ROWS; k++)
		best[k] = 1e30;
	for (r = 0; r < b->rounds; r++) {
		for (k = 0; k < ROWS; k++) {
			double t = pass(b, (enum row)k, buf, len, &n[k]);

			if (t < best[k])
				best[k] = t;
		}
	}
	printf("%s: %.1f MiB\n", title, len / 1048576.0);
	printf("  %-28s %9s %9s %9s  %s\n", "", "Gbit/s", "x raw", "x old", "");
	for (k = 0; k < ROWS; k++)
		printf("  %-28s %9.2f %9.2f %9.2f  (%llu %s)\n", row_name[k],
		       len * 8 / best[k] / 1e9, best[RAW_FULL] / best[k], best[OLD] / best[k],
		       (unsigned long long)n[k],
		       k <= RAW_LIT ? "pattern/keyword hits" : k == FINDER ? "hit groups" :
		       "validated matches");
	if (n[OLD] != n[NEW])
		printf("  !! the engines reported %llu and %llu matches\n",
		       (unsigned long long)n[OLD], (unsigned long long)n[NEW]);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			"--no-telemetry", "--log-level=warning", NULL, NULL };
	size_t mb = 64, adv_mb = 16, flows = 512, rounds = 3, len, alen;
	static struct sensor_def defs[SENSOR_MAX];
	char err[512], prefix[64];
	struct bench b;
	uint8_t *buf, *adv;
	unsigned int n, e;
	int opt;

	memset(&b, 0, sizeof(b));
	while ((opt = getopt(argc, argv, "m:a:f:r:")) != -1) {
		if (opt == 'm')
			mb = strtoul(optarg, NULL, 10);
		else if (opt == 'a')
			adv_mb = strtoul(optarg, NULL, 10);
		else if (opt == 'f')
			flows = strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			rounds = strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: bench-sensors [-m MiB] [-a adversarial MiB] "
					"[-f flows] [-r rounds]\n");
			return 2;
		}
	}
	if (mb == 0 || adv_mb == 0 || flows == 0 || rounds == 0) {
		fprintf(stderr, "bench-sensors: -m, -a, -f and -r must be positive\n");
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=bench%d", (int)getpid());
	eal[8] = prefix;
	if (rte_eal_init(9, eal) < 0) {
		fprintf(stderr, "bench-sensors: EAL init failed\n");
		return 1;
	}
	n = sensor_catalogue_builtin(defs, SENSOR_MAX);
	b.db = sensor_db_compile(defs, n, err, sizeof(err));
	if (b.db == NULL || sensor_db_prepare(b.db, SENSOR_ENGINE_HYPERSCAN, err, sizeof(err))) {
		fprintf(stderr, "bench-sensors: %s\n", err);
		return 1;
	}
	for (e = 0; e < 2; e++) {
		b.sw[e] = sensor_worker_create_engine(
			b.db, e == 0 ? SENSOR_ENGINE_HYPERSCAN : SENSOR_ENGINE_PREFILTER,
			(uint32_t)flows, 0, err, sizeof(err));
		if (b.sw[e] == NULL) {
			fprintf(stderr, "bench-sensors: %s\n", err);
			return 1;
		}
	}
	b.flows = flows;
	b.rounds = rounds;
	buf = malloc(mb << 20);
	adv = malloc(adv_mb << 20);
	b.st = calloc(flows, sizeof(*b.st));
	b.hst = calloc(flows, sizeof(*b.hst));
	if (buf == NULL || adv == NULL || b.st == NULL || b.hst == NULL ||
	    hs_alloc_scratch(b.db->hs_full, &b.scratch[0]) != HS_SUCCESS ||
	    hs_alloc_scratch(b.db->hs, &b.scratch[1]) != HS_SUCCESS) {
		fprintf(stderr, "bench-sensors: out of memory\n");
		return 1;
	}
	len = bench_mix_fill(buf, mb << 20, BENCH_MIX_STANDARD, 0);
	alen = bench_mix_fill(adv, adv_mb << 20, BENCH_MIX_ADVERSARIAL, 0);
	printf("bench-sensors: %u sensors, %zu flows, %d-byte segments, best of %zu rounds, "
	       "1 core (Gbit/s from the thread's CPU time)\n",
	       sensor_db_count(b.db), flows, SEG, rounds);
	figure(&b, "standard mix (35% HTML, 30% JSON, 20% JS, 15% base64, ~1 value per 16 KiB)",
	       buf, len);
	figure(&b, "adversarial mix (digit-dense CSV, long digit runs, near-miss cards)", adv,
	       alen);
	printf("bytes per open sensor stream: old engine %zu (Hyperscan %zu + state %zu), new "
	       "engine %zu (Hyperscan %zu + state %zu, prefilter carry %zu included)\n",
	       b.db->hs_full_stream_size + b.db->state_size, b.db->hs_full_stream_size,
	       b.db->state_size, sensor_db_stream_size(b.db), b.db->hs_stream_size,
	       b.db->state_size, sizeof(struct sensor_pf_stream));
	if (bench_app_run(b.sw[1], buf, len, flows, rounds) != 0)
		return 1;
	hs_free_scratch(b.scratch[0]);
	hs_free_scratch(b.scratch[1]);
	sensor_worker_free(b.sw[0]);
	sensor_worker_free(b.sw[1]);
	sensor_db_free(b.db);
	free(buf);
	free(adv);
	free(b.st);
	free(b.hst);
	rte_eal_cleanup();
	return 0;
}
