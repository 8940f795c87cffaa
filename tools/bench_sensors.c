/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-sensors: throughput of the DLP sensor engine on one core.
 *
 * Generates a deterministic traffic mix (documented in docs/benchmarks.md): 35% HTML,
 * 30% JSON API bodies, 20% JavaScript, 15% base64 attachments, with personal data at a
 * low density (about one valid card, IBAN, e-mail or SSN per 16 KiB, plus near-misses).
 * The mix is cut into 1460-byte segments spread round-robin over many flows, as a
 * worker sees them, and scanned twice with every built-in sensor on:
 *
 *   raw      Hyperscan's hs_scan_stream over the same database and segments, with a
 *            callback that only counts: the floor any engine on this database pays
 *   engine   sensor_stream_scan: lookback, boundaries, validators, context, dedupe
 *
 * and prints Gbit/s for both and their ratio (the overhead of streams and validators).
 * A second figure (bench_app.c) wraps the same content in HTTP and SMTP messages (plain,
 * gzip, chunked, form, base64 attachments) and compares the sensors on the raw stream
 * with the sensors behind the app layer's parsers and decoders.
 * A benchmark prints figures; it never asserts on them.
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
#include "sensor_engine.h"
#include "sensor_priv.h"	/* the raw database, to measure Hyperscan alone */

#define SEG 1460

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap)
		n = b->cap - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static const char *const words[] = {
	"the", "customer", "order", "shipping", "price", "account", "session", "widget",
	"container", "navigation", "button", "settings", "profile", "update", "delivery",
	"invoice", "product", "review", "search", "results", "checkout", "summary",
};

static void
put_words(struct buf *b, unsigned int n)
{
	while (n--) {
		puts_(b, words[rnd() % (sizeof(words) / sizeof(words[0]))]);
		put(b, " ", 1);
	}
}

static void
put_digits(struct buf *b, unsigned int n)
{
	char d;

	while (n--) {
		d = (char)('0' + rnd() % 10);
		put(b, &d, 1);
	}
}

/* Personal data at low density: valid values and near-misses. */
static void
put_pd(struct buf *b)
{
	static const char *const vals[] = {
		"4111 1111 1111 1111", "5500-0000-0000-0004", "DE89370400440532013000",
		"GB82 WEST 1234 5698 7654 32", "jane.doe@example.org", "SSN 123-45-6789",
		"+44 20 7946 0958", "4111111111111112", "1748503543012", "DE00370400440532013000",
	};

	puts_(b, vals[rnd() % (sizeof(vals) / sizeof(vals[0]))]);
}

static void
gen_html(struct buf *b)
{
	puts_(b, "<div class=\"card\"><h2>");
	put_words(b, 3);
	puts_(b, "</h2><p>");
	put_words(b, 40);
	puts_(b, "</p><a href=\"/products/");
	put_digits(b, 6);
	puts_(b, "\">more</a></div>\n");
}

static void
gen_json(struct buf *b)
{
	puts_(b, "{\"id\":");
	put_digits(b, 9);
	puts_(b, ",\"uuid\":\"3f2b8c1e-9d4a-4e6f-b2a1-");
	put_digits(b, 12);
	puts_(b, "\",\"ts\":");
	put_digits(b, 13);
	puts_(b, ",\"status\":\"shipped\",\"items\":[{\"sku\":\"SKU-");
	put_digits(b, 8);
	puts_(b, "\",\"qty\":");
	put_digits(b, 1);
	puts_(b, ",\"price\":");
	put_digits(b, 3);
	puts_(b, ".99}],\"note\":\"");
	put_words(b, 12);
	puts_(b, "\"}\n");
}

static void
gen_js(struct buf *b)
{
	puts_(b, "function render(el,state){var n=state.items.length;for(var i=0;i<n;i++){"
		 "el.appendChild(document.createElement('li')).textContent=state.items[i]."
		 "name+' '+state.items[i].price.toFixed(2);}return n;}\n");
}

static void
gen_base64(struct buf *b)
{
	static const char al[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int i;
	char c;

	for (i = 0; i < 76 * 8; i++) {
		c = al[rnd() % 64];
		put(b, &c, 1);
		if (i % 76 == 75)
			put(b, "\r\n", 2);
	}
}

static void
gen_mix(struct buf *b)
{
	size_t next_pd = 16384;

	while (b->len < b->cap) {
		unsigned int r = rnd() % 100;

		if (r < 35)
			gen_html(b);
		else if (r < 65)
			gen_json(b);
		else if (r < 85)
			gen_js(b);
		else
			gen_base64(b);
		if (b->len >= next_pd) {
			put(b, " ", 1);
			put_pd(b);
			put(b, " ", 1);
			next_pd += 16384;
		}
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t raw_hits, engine_hits;

static int
raw_cb(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
       void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(void)ctx;
	raw_hits++;
	return 0;
}

static void
engine_cb(void *cookie, const struct sensor_match *m)
{
	(void)cookie;
	(void)m;
	engine_hits++;
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			"--no-telemetry", "--log-level=warning", NULL, NULL };
	size_t mb = 64, flows = 512, rounds = 3, i, r, f;
	static struct sensor_def defs[SENSOR_MAX];
	char err[512], prefix[64];
	struct sensor_db *db;
	struct sensor_worker *sw;
	struct sensor_stream **st;
	hs_stream_t **hst;
	hs_scratch_t *scratch = NULL;
	struct buf b;
	double t, raw_s = 1e30, eng_s = 1e30;
	unsigned int n;
	int opt;

	while ((opt = getopt(argc, argv, "m:f:r:")) != -1) {
		if (opt == 'm')
			mb = strtoul(optarg, NULL, 10);
		else if (opt == 'f')
			flows = strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			rounds = strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr, "usage: bench-sensors [-m MiB] [-f flows] [-r rounds]\n");
			return 2;
		}
	}
	if (mb == 0 || flows == 0 || rounds == 0) {
		fprintf(stderr, "bench-sensors: -m, -f and -r must be positive\n");
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=bench%d", (int)getpid());
	eal[8] = prefix;
	if (rte_eal_init(9, eal) < 0) {
		fprintf(stderr, "bench-sensors: EAL init failed\n");
		return 1;
	}
	n = sensor_catalogue_builtin(defs, SENSOR_MAX);
	db = sensor_db_compile(defs, n, err, sizeof(err));
	if (db == NULL) {
		fprintf(stderr, "bench-sensors: %s\n", err);
		return 1;
	}
	sw = sensor_worker_create(db, (uint32_t)flows, 0, err, sizeof(err));
	if (sw == NULL) {
		fprintf(stderr, "bench-sensors: %s\n", err);
		return 1;
	}
	b.cap = mb << 20;
	b.len = 0;
	b.p = malloc(b.cap);
	st = calloc(flows, sizeof(*st));
	hst = calloc(flows, sizeof(*hst));
	if (b.p == NULL || st == NULL || hst == NULL ||
	    hs_alloc_scratch(db->hs, &scratch) != HS_SUCCESS) {
		fprintf(stderr, "bench-sensors: out of memory\n");
		return 1;
	}
	gen_mix(&b);

	for (r = 0; r < rounds; r++) {
		raw_hits = engine_hits = 0;
		for (f = 0; f < flows; f++)
			hs_open_stream(db->hs, 0, &hst[f]);
		t = now_s();
		for (i = 0, f = 0; i < b.len; i += SEG, f = (f + 1) % flows)
			hs_scan_stream(hst[f], (const char *)b.p + i,
				       (unsigned int)(b.len - i < SEG ? b.len - i : SEG), 0, scratch,
				       raw_cb, NULL);
		for (f = 0; f < flows; f++)
			hs_close_stream(hst[f], scratch, raw_cb, NULL);
		t = now_s() - t;
		raw_s = t < raw_s ? t : raw_s;

		for (f = 0; f < flows; f++)
			st[f] = sensor_stream_open(sw);
		t = now_s();
		for (i = 0, f = 0; i < b.len; i += SEG, f = (f + 1) % flows)
			sensor_stream_scan(sw, st[f], b.p + i,
					   (uint32_t)(b.len - i < SEG ? b.len - i : SEG), engine_cb,
					   NULL);
		for (f = 0; f < flows; f++)
			sensor_stream_close(sw, st[f], engine_cb, NULL);
		t = now_s() - t;
		eng_s = t < eng_s ? t : eng_s;
	}
	printf("bench-sensors: %u sensors, %zu MiB mix (35%% HTML, 30%% JSON, 20%% JS, 15%% base64, "
	       "~1 value per 16 KiB), %zu flows, %zu-byte segments, best of %zu rounds, 1 core\n",
	       sensor_db_count(db), mb, flows, (size_t)SEG, rounds);
	printf("  hyperscan raw   %8.2f Gbit/s  (%llu pattern/keyword hits)\n",
	       b.len * 8 / raw_s / 1e9, (unsigned long long)raw_hits);
	printf("  sensor engine   %8.2f Gbit/s  (%llu validated matches)\n",
	       b.len * 8 / eng_s / 1e9, (unsigned long long)engine_hits);
	printf("  engine / raw    %8.2f\n", raw_s / eng_s);
	if (bench_app_run(sw, b.p, b.len, flows, rounds) != 0)
		return 1;
	hs_free_scratch(scratch);
	sensor_worker_free(sw);
	sensor_db_free(db);
	free(b.p);
	free(st);
	free(hst);
	rte_eal_cleanup();
	return 0;
}
