/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sensor engine: compile (sensor_db.c), streams (sensor_stream.c) and the built-in
 * catalogue (sensor_catalogue.c), run against the real validators (validators.c). Every
 * test scans text through a worker and asserts exactly which matches come out, where, with
 * which confidence, and what the counters say. No EAL: the engine uses the libc heap.
 * The precision rules (one value one sensor, markup, grouped numbers, phone labels,
 * custom boundaries) are in test_sensor_precision.c, run by the same program.
 */
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <setjmp.h>
#include <unistd.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensor_guard.h"
#include "sensor_priv.h"
#include "sensor_test.h"

/* ---- compile ---- */

static void
test_sensor_catalogue_has_every_builtin_and_compiles(void **state)
{
	static const char *const ids[] = {
		"credit_card", "us_ssn", "iban", "email", "phone", "gb_nhs", "gb_nino", "es_dni",
		"es_nie", "it_codice_fiscale", "nl_bsn", "be_nn", "pl_pesel", "se_personnummer",
		"fi_hetu", "dk_cpr", "de_idnr", "fr_nir", "at_svnr", "ie_pps", "pt_nif",
		"aws_access_key_id", "private_key", "jwt",
	};
	unsigned int i;

	(void)state;
	assert_int_equal(g_n, 24);
	assert_int_equal(sensor_db_count(g_db), 24);
	for (i = 0; i < g_n; i++) {
		const struct sensor_def *d = sensor_db_def(g_db, i);

		assert_string_equal(d->id, ids[i]);
		assert_int_equal(d->builtin, 1);
		assert_int_equal(d->enabled, 1);
		assert_int_equal(d->window, 64);
		assert_int_equal(d->validator, validator_by_name(ids[i]));
		assert_true(strcmp(d->category, "financial") == 0 ||
			    strcmp(d->category, "identity") == 0 ||
			    strcmp(d->category, "health") == 0 ||
			    strcmp(d->category, "contact") == 0 ||
			    strcmp(d->category, "credentials") == 0);
		assert_in_range(d->severity, SENSOR_SEV_LOW, SENSOR_SEV_CRITICAL);
		assert_true(d->n_patterns >= 1);
		assert_in_range(d->max_len, 9, SENSOR_MAX_LEN_LIMIT);
	}
	assert_null(sensor_db_def(g_db, 24));
	/* Per stream: Hyperscan state + ring + pending + recent + keyword slots. */
	assert_int_equal(sensor_db_stream_size(g_db), g_db->hs_stream_size + g_db->state_size);
	assert_int_equal(g_db->ring_size, 2048);
}

/* The bytes a value may start and end with under each boundary kind (docs/sensors.md
 * "Boundaries"), every byte checked: the guard bytes the engine trims are the others. */
static void
test_boundary_lead_and_trail_classes_of_every_byte(void **state)
{
#define ALNUM "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	static const struct {
		uint8_t boundary;
		const char *lead, *trail;	/* NULL: every byte */
	} k[] = {
		{ SENSOR_BOUNDARY_EDGE, NULL, NULL },
		{ SENSOR_BOUNDARY_NONE, NULL, NULL },
		{ SENSOR_BOUNDARY_DIGIT, "0123456789", "0123456789" },
		{ SENSOR_BOUNDARY_ALNUM, ALNUM, ALNUM },
		{ SENSOR_BOUNDARY_EMAIL, ALNUM "._%+-",
		  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" },
		{ SENSOR_BOUNDARY_PHONE, "0123456789(+", "0123456789" },
		{ SENSOR_BOUNDARY_B64URL, ALNUM "_-.", ALNUM "_-" },
	};
#undef ALNUM
	unsigned int i, c;

	(void)state;
	assert_int_equal(sizeof(k) / sizeof(k[0]), SENSOR_BOUNDARY__COUNT);
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		for (c = 0; c < 256; c++) {
			int lead = k[i].lead == NULL || (c != 0 && strchr(k[i].lead, (int)c) != NULL);
			int trail = k[i].trail == NULL ||
				    (c != 0 && strchr(k[i].trail, (int)c) != NULL);

			if (!!sensor_lead_class(k[i].boundary, (uint8_t)c) != lead ||
			    !!sensor_trail_class(k[i].boundary, (uint8_t)c) != trail)
				fail_msg("boundary %u, byte %u: lead %d trail %d expected", k[i].boundary,
					 c, lead, trail);
		}
	}
}

static void
test_sensor_db_refuses_pattern_hyperscan_rejects(void **state)
{
	static const char *const pats[] = { "EMP-\\d{6}", "(", NULL };
	struct sensor_def d[2];
	char err[256];

	(void)state;
	custom_def(&d[0], "ok", (const char *const[]){ "ok\\d{4}", NULL }, NULL);
	custom_def(&d[1], "bad", pats, NULL);
	assert_null(sensor_db_compile(d, 2, err, sizeof(err)));
	assert_string_equal(err, "sensor bad: pattern \"(\": Missing close parenthesis for group "
				 "started at index 0.");
}

static void
test_sensor_db_refuses_pattern_matching_empty(void **state)
{
	struct sensor_def d;
	char err[256];

	(void)state;
	custom_def(&d, "empty", (const char *const[]){ "a*", NULL }, NULL);
	assert_null(sensor_db_compile(&d, 1, err, sizeof(err)));
	assert_string_equal(err, "sensor empty: pattern \"a*\": matches the empty string");
}

static void
test_sensor_db_checks_disabled_sensors_but_compiles_enabled_only(void **state)
{
	struct sensor_def d[2];
	struct collect c;
	char err[256];
	struct sensor_db *db;

	(void)state;
	custom_def(&d[0], "on", (const char *const[]){ "ON\\d{4}", NULL }, NULL);
	custom_def(&d[1], "off", (const char *const[]){ "OFF\\d{4}", NULL }, NULL);
	d[1].enabled = 0;
	db = sensor_db_compile(d, 2, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(sensor_db_count(db), 2);
	scan_parts(db, "ON1234 OFF1234", NULL, 0, &c, NULL);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sensor, 0);
	assert_string_equal(c.m[0].norm, "ON1234");
	sensor_db_free(db);

	snprintf(d[1].patterns[0], sizeof(d[1].patterns[0]), "[");
	assert_null(sensor_db_compile(d, 2, err, sizeof(err)));
	assert_string_equal(err, "sensor off: pattern \"[\": Unterminated character class "
				 "starting at index 0.");
}

/* ---- payment cards, whole and cut ---- */

static const char card_text[] = "paid with card 4111 1111 1111 1111 today";
#define CARD_AT 15

static void
assert_one_card(const struct collect *c)
{
	unsigned int cc = sensor_index(g_db, "credit_card");

	assert_int_equal(c->n, 1);
	assert_int_equal(c->m[0].sensor, cc);
	assert_int_equal(c->m[0].offset, CARD_AT);
	assert_int_equal(c->m[0].confidence, SENSOR_CONF_HIGH);
	assert_string_equal(c->m[0].norm, "4111111111111111");
}

static void
test_sensor_card_found_whole(void **state)
{
	struct collect c;
	struct sensor_stats s;

	(void)state;
	scan_whole(card_text, &c, &s);
	assert_one_card(&c);
	assert_int_equal(s.accepted, 1);
	assert_int_equal(s.bytes_scanned, strlen(card_text));
}

static void
test_sensor_card_split_at_every_offset_found_once(void **state)
{
	size_t len = strlen(card_text), k;
	struct collect c;

	(void)state;
	for (k = 1; k < len; k++) {
		scan_parts(g_db, card_text, &k, 1, &c, NULL);
		assert_one_card(&c);
	}
}

/*
 * A grouped IBAN joined by single spaces to digit groups before it: one run of capitals
 * and digits whose first 12 are digits. Cut anywhere, the part before the cut may be such
 * a run with no capital yet, at the end of its scan: it has to be carried into the next
 * one (the prefilter passes over letterless runs only when they cannot go on).
 */
static void
test_sensor_iban_after_digit_groups_split_at_every_offset(void **state)
{
	static const char text[] = "ref 1234 5678 9012 GB82 WEST 1234 5698 7654 32.";
	unsigned int iban = sensor_index(g_db, "iban");
	size_t len = strlen(text), k;
	const struct seen *m;
	struct collect c;

	(void)state;
	for (k = 0; k < len; k++) {
		scan_parts(g_db, text, &k, k == 0 ? 0 : 1, &c, NULL);
		assert_int_equal(count_of(&c, iban), 1);
		m = first_of(&c, iban);
		assert_int_equal(m->offset, 19);
		assert_string_equal(m->norm, "GB82WEST12345698765432");
	}
}

static void
test_sensor_card_split_in_three_scans_found_once(void **state)
{
	size_t len = strlen(card_text), cuts[2];
	struct collect c;

	(void)state;
	for (cuts[0] = 1; cuts[0] < len; cuts[0]++) {
		for (cuts[1] = cuts[0] + 1; cuts[1] < len; cuts[1]++) {
			scan_parts(g_db, card_text, cuts, 2, &c, NULL);
			assert_one_card(&c);
		}
	}
}

static void
test_sensor_card_inside_longer_digit_run_not_reported(void **state)
{
	static const char text[] = "card 41111111111111111 x";
	size_t cut = strlen("card 4111111111111111");
	struct collect c;

	(void)state;
	scan_whole(text, &c, NULL);
	assert_int_equal(c.n, 0);
	/* The extra digit arrives in the next scan. */
	scan_parts(g_db, text, &cut, 1, &c, NULL);
	assert_int_equal(c.n, 0);
	/* ... and a decimal point followed by a digit continues the run too. */
	scan_whole("card 4111111111111111.5 x", &c, NULL);
	assert_int_equal(c.n, 0);
	scan_whole("card 0.4111111111111111 x", &c, NULL);
	assert_int_equal(c.n, 0);
}

static void
test_sensor_card_failing_luhn_not_reported(void **state)
{
	struct collect c;
	struct sensor_stats s;

	(void)state;
	scan_whole("card 4111111111111112 x", &c, &s);
	assert_int_equal(c.n, 0);
	assert_int_equal(s.candidates, 1);
	assert_int_equal(s.validator_rejected, 1);
	assert_int_equal(s.accepted, 0);
}

static void
test_sensor_card_keyword_counts_as_a_word_only(void **state)
{
	unsigned int cc = sensor_index(g_db, "credit_card");
	struct collect c;

	(void)state;
	/* "cc" inside "access" is not the keyword "cc": no keyword, MEDIUM. */
	scan_whole("access 4111111111111111 x", &c, NULL);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sensor, cc);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_MEDIUM);
	scan_whole("CC: 4111111111111111 x", &c, NULL);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_HIGH);
	scan_whole("{\"cardNumber\":\"4111111111111111\"}", &c, NULL);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].offset, 15);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_HIGH);
}

/* ---- context keywords ---- */

static void
test_sensor_undashed_ssn_needs_keyword(void **state)
{
	unsigned int ssn = sensor_index(g_db, "us_ssn");
	struct collect c;
	struct sensor_stats s;

	(void)state;
	scan_whole("my number is 536904399 ok", &c, &s);
	assert_int_equal(c.n, 0);
	assert_int_equal(s.candidates, 3);		/* us_ssn, nl_bsn, pt_nif: one \d{9} */
	assert_int_equal(s.validator_rejected, 2);	/* not a BSN, not a NIF */
	assert_int_equal(s.context_missing, 1);
	/* The dashed form is strong. */
	scan_whole("my number is 536-90-4399 ok", &c, NULL);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sensor, ssn);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_MEDIUM);
	assert_int_equal(c.m[0].offset, 13);
	assert_string_equal(c.m[0].norm, "536904399");
	/* Keyword before. */
	scan_whole("SSN: 536904399 ok", &c, NULL);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sensor, ssn);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_HIGH);
	assert_int_equal(c.m[0].offset, 5);
}

static void
test_sensor_undashed_ssn_keyword_after_in_later_scan(void **state)
{
	unsigned int ssn = sensor_index(g_db, "us_ssn");
	struct sensor_worker *sw = worker(g_db, 1);
	struct sensor_stream *st = sensor_stream_open(sw);
	struct collect c = { 0 };

	(void)state;
	scan_str(sw, st, "536904399 is what I gave as my ", &c);
	assert_int_equal(c.n, 0);
	/* The keyword is known once its guard byte ('.') is scanned; the value is then
	 * certain once SENSOR_OVERLAP_HORIZON (64) bytes past its end are scanned (no other
	 * candidate can overlap it any more): offset 9 + 64 = 73, before close. */
	scan_str(sw, st, "ssn.", &c);
	assert_int_equal(c.n, 0);
	scan_str(sw, st, " and it is on the form I sent, thanks", &c);
	assert_int_equal(sensor_worker_stats(sw)->bytes_scanned, 72);
	assert_int_equal(c.n, 0);
	scan_str(sw, st, " ", &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sensor, ssn);
	assert_int_equal(c.m[0].offset, 0);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_HIGH);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 1);
	sensor_worker_free(sw);
}

static void
test_sensor_keyword_after_gives_same_result_at_every_split(void **state)
{
	static const char text[] = "536904399 is my ssn, thanks";
	unsigned int ssn = sensor_index(g_db, "us_ssn");
	size_t len = strlen(text), k;
	struct collect c;

	(void)state;
	for (k = 1; k < len; k++) {
		scan_parts(g_db, text, &k, 1, &c, NULL);
		assert_int_equal(c.n, 1);
		assert_int_equal(c.m[0].sensor, ssn);
		assert_int_equal(c.m[0].offset, 0);
		assert_int_equal(c.m[0].confidence, SENSOR_CONF_HIGH);
	}
}

/* "ssn", gap spaces, the number (before: the distance is start - keyword end). */
static void
ssn_with_gap(char *buf, size_t cap, unsigned int gap, int keyword_after)
{
	char pad[256];

	memset(pad, ' ', gap);
	pad[gap] = '\0';
	if (keyword_after)
		snprintf(buf, cap, "536904399%sssn.", pad);
	else
		snprintf(buf, cap, "ssn%s536904399.", pad);
}

static void
test_sensor_keyword_outside_window_does_not_count(void **state)
{
	unsigned int ssn = sensor_index(g_db, "us_ssn");
	char text[512];
	struct collect c;
	struct sensor_stats s;

	(void)state;
	/* Exactly the window (64 bytes between them) counts, one more does not. */
	ssn_with_gap(text, sizeof(text), 64, 0);
	scan_whole(text, &c, NULL);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sensor, ssn);
	assert_int_equal(c.m[0].offset, 67);
	ssn_with_gap(text, sizeof(text), 65, 0);
	scan_whole(text, &c, &s);
	assert_int_equal(c.n, 0);
	assert_int_equal(s.context_missing, 1);
	ssn_with_gap(text, sizeof(text), 64, 1);
	scan_whole(text, &c, NULL);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sensor, ssn);
	assert_int_equal(c.m[0].offset, 0);
	ssn_with_gap(text, sizeof(text), 65, 1);
	scan_whole(text, &c, NULL);
	assert_int_equal(c.n, 0);
}

/* ---- end of stream and gaps ---- */

static void
test_sensor_value_at_close_reported_by_close(void **state)
{
	unsigned int cc = sensor_index(g_db, "credit_card");
	struct sensor_worker *sw = worker(g_db, 1);
	struct sensor_stream *st = sensor_stream_open(sw);
	struct collect c = { 0 };

	(void)state;
	scan_str(sw, st, "card 4111111111111111", &c);
	assert_int_equal(c.n, 0);	/* the next byte could be a digit */
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sensor, cc);
	assert_int_equal(c.m[0].offset, 5);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_HIGH);
	sensor_worker_free(sw);
}

/*
 * Values of the Hyperscan-found kinds that end the data, or end one byte before it with
 * the first byte of a two-byte trailing guard after them, are reported at close, on both
 * engines: the end of data skips Hyperscan's sentinel scan only after a byte no match
 * can wait on ('}' here). Before lost bytes a value that may go on into them is dropped
 * (candidates_dropped), one that ended before its last byte is reported.
 */
static void
test_sensor_hyperscan_values_at_the_end_of_data(void **state)
{
	static const struct {
		const char *text;
		const char *sensor;
		uint64_t offset;
		uint8_t whole;		/* ends before the last byte: reported before a gap */
	} cases[] = {
		{ "mail jane.doe@example.com", "email", 5, 0 },
		{ "mail jane.doe@example.com.", "email", 5, 0 },
		{ "mail jane.doe@example.com-", "email", 5, 0 },
		{ "key AKIAIOSFODNN7EXAMPLE", "aws_access_key_id", 4, 0 },
		{ "bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "jwt", 7, 0 },
		{ "bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2ln", "jwt", 7, 0 },
		{ "{\"t\":\"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2ln\"}", "jwt", 6, 1 },
		{ "mail jane.doe@example.com}", "email", 5, 1 },
	};
	static struct sensor_def d[SENSOR_MAX];
	struct sensor_db *dbs[2] = { g_db, NULL };
	char err[256];
	unsigned int e, i, k, gap, n = sensor_catalogue_builtin(d, SENSOR_MAX);

	(void)state;
	/* Alone in its database, each kind's own waiting bytes are what count. */
	for (k = 0; k < n; k++)
		d[k].enabled = strcmp(d[k].id, "email") == 0;
	dbs[1] = sensor_db_compile(d, n, err, sizeof(err));
	assert_non_null(dbs[1]);
	for (e = 0; e < 4; e++) {
		uint8_t engine = e % 2 == 0 ? SENSOR_ENGINE_PREFILTER : SENSOR_ENGINE_HYPERSCAN;
		const struct sensor_db *db = dbs[e / 2];

		assert_int_equal(sensor_db_prepare(dbs[e / 2], engine, err, sizeof(err)), 0);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			if (db != g_db && strcmp(cases[i].sensor, "email") != 0)
				continue;
			for (gap = 0; gap < 2; gap++) {
				struct sensor_worker *sw = sensor_worker_create_engine(
					db, engine, 1, 0, err, sizeof(err));
				unsigned int want = gap ? cases[i].whole : 1;
				struct sensor_stream *st;
				struct collect c = { 0 };

				assert_non_null(sw);
				sensor_worker_set_today(sw, &g_today);
				st = sensor_stream_open(sw);
				scan_str(sw, st, cases[i].text, &c);
				if (gap)
					sensor_stream_gap(sw, st, 10, collect_fn, &c);
				sensor_stream_close(sw, st, collect_fn, &c);
				if (c.n != want ||
				    (want && (c.m[0].sensor != sensor_index(db, cases[i].sensor) ||
					      c.m[0].offset != cases[i].offset)) ||
				    sensor_worker_stats(sw)->candidates_dropped != 1 - want)
					fail_msg("run %u, \"%s\"%s: %u matches (the first %u at %llu), "
						 "%llu dropped", e, cases[i].text,
						 gap ? " then a gap" : "", c.n, c.n ? c.m[0].sensor : 0,
						 c.n ? (unsigned long long)c.m[0].offset : 0ULL,
						 (unsigned long long)
							 sensor_worker_stats(sw)->candidates_dropped);
				sensor_worker_free(sw);
			}
		}
	}
	sensor_db_free(dbs[1]);
}

static void
test_sensor_gap_in_value_drops_it(void **state)
{
	struct sensor_worker *sw = worker(g_db, 1);
	struct sensor_stream *st = sensor_stream_open(sw);
	struct collect c = { 0 };

	(void)state;
	/* Lost bytes in the middle: neither half is a card. */
	scan_str(sw, st, "card 4111 1111 ", &c);
	sensor_stream_gap(sw, st, 3, collect_fn, &c);
	scan_str(sw, st, "1 1111 1111 x", &c);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 0);

	/* A value right before a gap: whether it goes on is unknown, dropped and counted. */
	st = sensor_stream_open(sw);
	scan_str(sw, st, "card 4111111111111111", &c);
	sensor_stream_gap(sw, st, 7, collect_fn, &c);
	assert_int_equal(sensor_worker_stats(sw)->candidates_dropped, 1);
	/* A value right after a gap: its start may be lost, dropped and counted. */
	scan_str(sw, st, "4111111111111111 x", &c);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(sensor_worker_stats(sw)->candidates_dropped, 2);
	assert_int_equal(sensor_worker_stats(sw)->accepted, 0);
	sensor_worker_free(sw);
}

static void
test_sensor_offsets_count_gap_bytes(void **state)
{
	unsigned int cc = sensor_index(g_db, "credit_card");
	struct sensor_worker *sw = worker(g_db, 1);
	struct sensor_stream *st = sensor_stream_open(sw);
	struct collect c = { 0 };

	(void)state;
	scan_str(sw, st, "card ", &c);
	sensor_stream_gap(sw, st, 100, collect_fn, &c);
	scan_str(sw, st, "x 4111111111111111 y", &c);
	sensor_stream_gap(sw, st, 1000, collect_fn, &c);
	scan_str(sw, st, "card 5555 5555 5555 4444 y", &c);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.m[0].sensor, cc);
	assert_int_equal(c.m[0].offset, 5 + 100 + 2);
	/* The keyword is more than the window away (across the gap): MEDIUM. */
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_MEDIUM);
	assert_int_equal(c.m[1].offset, 5 + 100 + 20 + 1000 + 5);
	assert_int_equal(c.m[1].confidence, SENSOR_CONF_HIGH);
	assert_string_equal(c.m[1].norm, "5555555555554444");
	sensor_worker_free(sw);
}

/* Gaps in a row (a decoded body's raw bytes skipped segment after segment): the offsets
 * add up, and the rules at a gap's edges hold at the series' edges. */
static void
test_sensor_gaps_in_a_row(void **state)
{
	unsigned int cc = sensor_index(g_db, "credit_card");
	struct sensor_worker *sw = worker(g_db, 1);
	struct sensor_stream *st = sensor_stream_open(sw);
	struct collect c = { 0 };

	(void)state;
	sensor_stream_gap(sw, st, 10, collect_fn, &c);		/* the stream starts with them */
	sensor_stream_gap(sw, st, 20, collect_fn, &c);
	scan_str(sw, st, "card 4111111111111111 y", &c);	/* at 30 */
	sensor_stream_gap(sw, st, 100, collect_fn, &c);
	sensor_stream_gap(sw, st, 200, collect_fn, &c);
	sensor_stream_gap(sw, st, 1, collect_fn, &c);
	scan_str(sw, st, "x 5555 5555 5555 4444 y", &c);	/* at 30 + 23 + 301 */
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.m[0].sensor, cc);
	assert_int_equal(c.m[0].offset, 30 + 5);
	assert_int_equal(c.m[1].offset, 30 + 23 + 301 + 2);
	assert_string_equal(c.m[1].norm, "5555555555554444");

	/* A value cut by the first gap of a series, and one right after the last. */
	c.n = 0;
	st = sensor_stream_open(sw);
	scan_str(sw, st, "card 4111111111111111", &c);
	sensor_stream_gap(sw, st, 7, collect_fn, &c);
	sensor_stream_gap(sw, st, 8, collect_fn, &c);
	assert_int_equal(sensor_worker_stats(sw)->candidates_dropped, 1);
	scan_str(sw, st, "5500000000000004 x", &c);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(sensor_worker_stats(sw)->candidates_dropped, 2);
	sensor_worker_free(sw);
}

/* ---- overlaps and dedupe ---- */

static void
test_sensor_overlapping_candidates_reported_once(void **state)
{
	unsigned int bsn = sensor_index(g_db, "nl_bsn");
	unsigned int iban = sensor_index(g_db, "iban");
	struct collect c;
	struct sensor_stats s;
	struct sensor_def d;
	struct sensor_db *db;
	char err[256];

	(void)state;
	/* One pattern (\d{9}) stands for three sensors; 111222333 is a valid SSN and BSN,
	 * both with their keyword: one value, one sensor, the checksummed BSN. */
	scan_whole("bsn/ssn 111222333.", &c, &s);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sensor, bsn);
	assert_int_equal(c.m[0].offset, 8);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_HIGH);
	assert_int_equal(s.candidates, 3);
	assert_int_equal(s.validator_rejected, 1);	/* not a NIF */
	assert_int_equal(s.overlap_suppressed, 1);	/* the SSN */
	assert_int_equal(s.accepted, 1);
	/* An IBAN whose digits are other candidates: the IBAN once, nothing else. */
	scan_whole("iban GB82WEST12345698765432 and GB82 WEST 1234 5698 7654 32.", &c, NULL);
	assert_int_equal(c.n, 2);
	assert_int_equal(count_of(&c, iban), 2);
	assert_int_equal(c.m[0].offset, 5);
	assert_int_equal(c.m[1].offset, 32);
	assert_string_equal(c.m[1].norm, "GB82WEST12345698765432");
	/* Two patterns of one sensor matching the same bytes: reported once. */
	custom_def(&d, "order", (const char *const[]){ "ORD-\\d{6}", "[A-Z]{3}-\\d{6}", NULL },
		   NULL);
	db = sensor_db_compile(&d, 1, err, sizeof(err));
	assert_non_null(db);
	scan_parts(db, "ref ORD-123456 ok", NULL, 0, &c, NULL);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].offset, 4);
	sensor_db_free(db);
}

/* ---- custom sensors: EDGE boundary decided by the next scan ---- */

static void
test_sensor_custom_edge_boundary_waits_for_next_byte(void **state)
{
	struct sensor_def d;
	struct sensor_db *db;
	struct sensor_worker *sw;
	struct sensor_stream *st;
	struct collect c = { 0 };
	char err[256];

	(void)state;
	custom_def(&d, "employee", (const char *const[]){ "EMP\\d{6}", NULL },
		   (const char *const[]){ "staff id", NULL });
	db = sensor_db_compile(&d, 1, err, sizeof(err));
	assert_non_null(db);
	sw = worker(db, 1);
	st = sensor_stream_open(sw);
	scan_str(sw, st, "id EMP123456", &c);
	scan_str(sw, st, "7 x", &c);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(sensor_worker_stats(sw)->boundary_rejected, 1);

	st = sensor_stream_open(sw);
	scan_str(sw, st, "staff_id: EMP123456", &c);
	assert_int_equal(c.n, 0);
	/* The byte after it settles the boundary; the match then waits for candidates that
	 * could overlap it (reported at close here). */
	scan_str(sw, st, " x", &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(st->n_pending, 1);
	assert_int_equal(st->pending[0].state, SENSOR_PEND_DONE);
	/* A letter before it: part of a longer word. */
	scan_str(sw, st, " XEMP654321 ", &c);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].offset, 10);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_HIGH);
	assert_string_equal(c.m[0].norm, "EMP123456");
	assert_int_equal(sensor_worker_stats(sw)->boundary_rejected, 2);
	sensor_worker_free(sw);
	sensor_db_free(db);
}

static void
test_sensor_keyword_shared_by_two_sensors_counts_for_both(void **state)
{
	unsigned int se = sensor_index(g_db, "se_personnummer"), dk = sensor_index(g_db, "dk_cpr");
	struct collect c;

	(void)state;
	/* "personnummer" is a keyword of both (compiled once). 880320-0016 is a Swedish
	 * number only (day 88 is no Danish date), 211062-5629 a Danish one only (day 62 is no
	 * Swedish date); the dashed CPR is a weak form: it needs the keyword. */
	scan_whole("personnummer 880320-0016 och 211062-5629.", &c, NULL);
	assert_int_equal(c.n, 2);
	assert_int_equal(first_of(&c, se)->confidence, SENSOR_CONF_HIGH);
	assert_int_equal(first_of(&c, se)->offset, 13);
	assert_string_equal(first_of(&c, se)->norm, "198803200016");
	assert_int_equal(first_of(&c, dk)->confidence, SENSOR_CONF_HIGH);
	assert_int_equal(first_of(&c, dk)->offset, 29);
	assert_string_equal(first_of(&c, dk)->norm, "2110625629");
	/* Without the keyword the CPR is not reported, the personnummer is (MEDIUM). */
	scan_whole("id 880320-0016 och 211062-5629.", &c, NULL);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].sensor, se);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_MEDIUM);
}

static void
test_sensor_pending_overflow_counted_as_dropped(void **state)
{
	struct sensor_def d;
	struct sensor_db *db;
	struct collect c;
	struct sensor_stats s;
	char err[256], text[128] = "";
	unsigned int i;

	(void)state;
	/* 20 values within one window (60 bytes), none with a keyword before: each waits for
	 * one after, and the list holds SENSOR_PENDING_MAX of them. */
	custom_def(&d, "code", (const char *const[]){ "[A-Z]\\d", NULL },
		   (const char *const[]){ "code", NULL });
	db = sensor_db_compile(&d, 1, err, sizeof(err));
	assert_non_null(db);
	for (i = 0; i < 20; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%c%u ", 'A' + i / 10,
			 i % 10);
	scan_parts(db, text, NULL, 0, &c, &s);
	assert_int_equal(s.candidates, 20);
	assert_int_equal(s.candidates_dropped, 20 - SENSOR_PENDING_MAX);
	assert_int_equal(c.n, SENSOR_PENDING_MAX);
	assert_int_equal(c.m[0].offset, 0);
	assert_int_equal(c.m[0].confidence, SENSOR_CONF_MEDIUM);
	sensor_db_free(db);
}

static void
test_sensor_end_anchored_custom_pattern_reported_at_close(void **state)
{
	struct sensor_def d;
	struct sensor_db *db;
	struct sensor_worker *sw;
	struct sensor_stream *st;
	struct collect c = { 0 };
	char err[256];

	(void)state;
	custom_def(&d, "trailer", (const char *const[]){ "END\\d{3}$", NULL }, NULL);
	db = sensor_db_compile(&d, 1, err, sizeof(err));
	assert_non_null(db);
	sw = worker(db, 1);
	st = sensor_stream_open(sw);
	scan_str(sw, st, "END111 and then END222", &c);
	assert_int_equal(c.n, 0);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].offset, 16);
	assert_string_equal(c.m[0].norm, "END222");
	sensor_worker_free(sw);
	sensor_db_free(db);
}

static void
test_sensor_no_enabled_sensor_scans_and_reports_nothing(void **state)
{
	static struct sensor_def d[SENSOR_MAX];
	struct sensor_db *db;
	struct collect c;
	struct sensor_stats s;
	char err[256];
	unsigned int i, n = sensor_catalogue_builtin(d, SENSOR_MAX);

	(void)state;
	for (i = 0; i < n; i++)
		d[i].enabled = 0;
	db = sensor_db_compile(d, n, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(sensor_db_count(db), n);
	scan_parts(db, card_text, NULL, 0, &c, &s);
	assert_int_equal(c.n, 0);
	assert_int_equal(s.bytes_scanned, strlen(card_text));
	assert_int_equal(s.candidates, 0);
	sensor_db_free(db);
}

/* ---- every built-in sensor on a valid value (python-stdnum 1.18 agrees) ---- */

static void
test_sensor_builtin_examples_detected(void **state)
{
	static const struct {
		const char *id, *text, *norm;
		uint64_t offset;
		uint8_t confidence;
	} ex[] = {
		{ "credit_card", "card 4111 1111 1111 1111.", "4111111111111111", 5, 2 },
		{ "credit_card", "amex 3782-822463-10005 x", "378282246310005", 5, 2 },
		{ "us_ssn", "ssn 536-90-4399.", "536904399", 4, 2 },
		{ "iban", "IBAN: GB82 WEST 1234 5698 7654 32.", "GB82WEST12345698765432", 6, 2 },
		/* "mailto" is inside the tag: markup, not context. */
		{ "email", "<a href=\"mailto:Joe.Doe@Example.com\">", "joe.doe@example.com", 16,
		  1 },
		{ "email", "mailto: Joe.Doe@Example.com", "joe.doe@example.com", 8, 2 },
		{ "email", "x joe.doe@mail.example.co.uk.", "joe.doe@mail.example.co.uk", 2, 1 },
		{ "phone", "tel: +44 (0)20 7946 0958.", "+442079460958", 5, 2 },
		{ "phone", "call 020 7946 0958 now", "02079460958", 5, 2 },
		{ "gb_nhs", "NHS number 943 476 5919.", "9434765919", 11, 2 },
		{ "gb_nino", "NINO AB 12 34 56 C.", "AB123456C", 5, 2 },
		{ "es_dni", "DNI 54362315-K.", "54362315K", 4, 2 },
		{ "es_nie", "NIE X2482300W.", "X2482300W", 4, 2 },
		{ "it_codice_fiscale", "codice fiscale: RCCMNL83S18D969H.", "RCCMNL83S18D969H",
		  16, 2 },
		{ "nl_bsn", "BSN 111222333.", "111222333", 4, 2 },
		{ "be_nn", "rijksregisternummer 85.07.30-033.28.", "85073003328", 20, 2 },
		{ "pl_pesel", "PESEL 44051401359.", "44051401359", 6, 2 },
		{ "se_personnummer", "personnummer 880320-0016.", "198803200016", 13, 2 },
		{ "fi_hetu", "HETU 131052-308T.", "131052-308T", 5, 2 },
		{ "dk_cpr", "CPR-nr. 211062-5629.", "2110625629", 8, 2 },
		{ "de_idnr", "Steuer-ID 36574261809.", "36574261809", 10, 2 },
		{ "fr_nir", "NIR 2 95 10 99 126 111 93.", "295109912611193", 4, 2 },
		{ "at_svnr", "SVNR 1237 010180.", "1237010180", 5, 2 },
		{ "ie_pps", "PPS 6433435F.", "6433435F", 4, 2 },
		{ "pt_nif", "NIF: PT501964843.", "501964843", 5, 2 },
		{ "pt_nif", "VAT PT 501 964 843.", "501964843", 4, 1 },
		{ "aws_access_key_id", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
		  "AKIAIOSFODNN7EXAMPLE", 20, 2 },
		{ "private_key",
		  "{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n"
		  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\\n\"}",
		  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj", 17, 1 },
		{ "jwt",
		  "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl\r\n",
		  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0", 22, 2 },
		{ "jwt", "token=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0.&x=1",
		  "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0", 6, 2 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		unsigned int si = sensor_index(g_db, ex[i].id);
		const struct seen *m;
		struct collect c;

		scan_whole(ex[i].text, &c, NULL);
		m = first_of(&c, si);
		if (m == NULL || count_of(&c, si) != 1 || strcmp(m->norm, ex[i].norm) != 0 ||
		    m->offset != ex[i].offset || m->confidence != ex[i].confidence)
			fail_msg("%s in \"%s\": %u found, first \"%s\" at %llu confidence %u",
				 ex[i].id, ex[i].text, count_of(&c, si), m ? m->norm : "",
				 m ? (unsigned long long)m->offset : 0ULL, m ? m->confidence : 0);
	}
}

/* ---- pool and memory ---- */

/*
 * fuzz_sensor_engines's finding (tests/fuzz/regressions/sensor_engines/
 * hyperscan_reads_past_the_buffer): libhs 5.4's AVX512VBMI fat Teddy reads up to 32 bytes
 * past the end of the buffer it scans (vectorscan issue 322), a crash when the buffer ends
 * just before an unmapped page. Every tail of such texts, placed right before a PROT_NONE
 * page (or up to 63 bytes before it: the rest of a page is read only when it is 64 bytes
 * or more) and scanned in one call by both engines, scans without reading it, with the
 * same matches as a copy in ordinary memory (see the regression README: these texts
 * guard the invariant; the fuzz input is the reproduction).
 */
static void
test_sensor_scan_never_reads_past_the_buffer(void **state)
{
	static const char t0[] =
		" 2468 56234  49998\a\0\0Tel> +4\x92\x92\x92\x92\x92\x92\x92\x92\x92\x92"
		"\x92\x92\x92\x92\x92\x92\x92\x92Y\0\0\0949hone (299999999999WEST\xa5";
	static const char t1[] =
		"Tel: +44 20 7946 0958, card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, "
		"mail jane.doe@example.com, SSN 536-90-4399, phone (212) 555-0100 ";
	/* t0, its NUL and t1: tails of this crossing from one into the other trigger it */
	static const char t2[] =
		" 2468 56234  49998\a\0\0Tel> +4\x92\x92\x92\x92\x92\x92\x92\x92\x92\x92"
		"\x92\x92\x92\x92\x92\x92\x92\x92Y\0\0\0949hone (299999999999WEST\xa5\0"
		"Tel: +44 20 7946 0958, card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, "
		"mail jane.doe@example.com, SSN 536-90-4399, phone (212) 555-0100 ";
	static const char *const texts[] = { t0, t1, t2 };
	static const size_t lens[] = { sizeof(t0) - 1, sizeof(t1) - 1, sizeof(t2) - 1 };
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static const unsigned int gaps[] = { 0, 1, 40, 63 };
	char err[256];
	unsigned int e, t;

	(void)state;
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, (size_t)page, PROT_NONE), 0);
	for (e = 0; e < 8; e++) {	/* engine e % 2, gap e / 2 */
		uint8_t engine = e % 2 == 0 ? SENSOR_ENGINE_PREFILTER : SENSOR_ENGINE_HYPERSCAN;

		assert_int_equal(sensor_db_prepare(g_db, engine, err, sizeof(err)), 0);
		for (t = 0; t < 3; t++) {
			for (size_t n = 1; n <= lens[t]; n++) {
				const uint8_t *src = (const uint8_t *)texts[t] + lens[t] - n;
				uint8_t *at = map + page - gaps[e / 2] - n, copy[512];
				struct sensor_worker *sw =
					sensor_worker_create_engine(g_db, engine, 2, 0, err,
								    sizeof(err));
				struct sensor_stream *a, *b;
				struct collect ca, cb;

				assert_non_null(sw);
				sensor_worker_set_today(sw, &g_today);
				memcpy(at, src, n);
				memcpy(copy, src, n);
				memset(&ca, 0, sizeof(ca));
				memset(&cb, 0, sizeof(cb));
				a = sensor_stream_open(sw);
				b = sensor_stream_open(sw);
				sensor_stream_scan(sw, a, at, (uint32_t)n, collect_fn, &ca);
				sensor_stream_close(sw, a, collect_fn, &ca);
				sensor_stream_scan(sw, b, copy, (uint32_t)n, collect_fn, &cb);
				sensor_stream_close(sw, b, collect_fn, &cb);
				assert_int_equal(ca.n, cb.n);
				assert_int_equal(sensor_worker_stats(sw)->scan_errors, 0);
				sensor_worker_free(sw);
			}
		}
	}
	munmap(map, (size_t)page * 2);
}

static void
test_sensor_stream_pool_exhaustion_returns_null_and_counts(void **state)
{
	struct sensor_worker *sw = worker(g_db, 2);
	struct sensor_stream *a, *b;

	(void)state;
	a = sensor_stream_open(sw);
	b = sensor_stream_open(sw);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(sensor_stream_open(sw));
	assert_null(sensor_stream_open(sw));
	assert_int_equal(sensor_worker_stats(sw)->stream_pool_empty, 2);
	assert_int_equal(sensor_worker_stats(sw)->streams_active, 2);
	assert_int_equal(sensor_worker_stats(sw)->stream_bytes, 2 * sensor_db_stream_size(g_db));
	sensor_stream_close(sw, a, NULL, NULL);
	a = sensor_stream_open(sw);
	assert_non_null(a);
	assert_int_equal(sensor_worker_stats(sw)->streams_opened, 3);
	sensor_stream_close(sw, a, NULL, NULL);
	sensor_stream_close(sw, b, NULL, NULL);
	assert_int_equal(sensor_worker_stats(sw)->stream_bytes, 0);
	sensor_worker_free(sw);
}

static void
test_sensor_open_scan_close_10000_times_leaks_nothing(void **state)
{
	static const char text[] = "card 4111111111111111 and ssn 536-90-4399";
	struct sensor_worker *sw = worker(g_db, 4);
	const struct sensor_stats *s = sensor_worker_stats(sw);
	struct collect c;
	unsigned int i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		struct sensor_stream *st = sensor_stream_open(sw);

		assert_non_null(st);
		c.n = 0;
		scan_str(sw, st, text, &c);
		sensor_stream_close(sw, st, collect_fn, &c);
		assert_int_equal(c.n, 2);
	}
	assert_int_equal(s->streams_opened, 10000);
	assert_int_equal(s->streams_active, 0);
	assert_int_equal(s->stream_bytes, 0);
	assert_int_equal(s->accepted, 20000);
	assert_int_equal(s->stream_pool_empty, 0);
	assert_int_equal(s->scan_errors, 0);
	sensor_worker_free(sw);
}

/* Files in dir whose name starts with "sensors-" and ends with suffix. */
static unsigned int
count_files(const char *dir, const char *suffix)
{
	size_t k = strlen(suffix);
	unsigned int n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		n += strncmp(de->d_name, "sensors-", 8) == 0 && len > k &&
		     strcmp(de->d_name + len - k, suffix) == 0;
	}
	closedir(d);
	return n;
}

/* Damage every file with that suffix in dir, in turn: its checksum changed, a byte of its
 * tables changed, cut short by one byte, an id past the set's range with the checksum made
 * right again. */
static void
damage_files(const char *dir, const char *suffix)
{
	size_t k = strlen(suffix);
	unsigned int i = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char path[512];
		uint8_t *big;
		FILE *f;
		long n;

		if (len <= k || strcmp(de->d_name + len - k, suffix) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		big = malloc(64u << 20);
		assert_non_null(big);
		n = (long)fread(big, 1, 64u << 20, f);
		fclose(f);
		assert_true(n > 400);
		switch (i++ % 4) {
		case 0:
			big[n - 1] ^= 0x01;	/* the checksum alone */
			break;
		case 1:
			big[n / 2] ^= 0x40;
			break;
		case 2:
			n--;
			break;
		default: {
			/* The last id: past every id the set holds (its checksum made right
			 * again, so only the range check refuses it). */
			uint64_t sum;
			uint32_t id = 0xffffff;

			memcpy(big + n - 12, &id, 4);
			sum = sensor_db_cache_dfa_sum(big, (size_t)n - 8);
			memcpy(big + n - 8, &sum, 8);
			break;
		}
		}
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(big, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		free(big);
	}
	closedir(d);
	assert_true(i >= 4);
}

/* A database loaded from the compile cache finds exactly what a fresh compile finds. */
static void
test_sensor_db_cache_reuses_compiled_database_with_same_results(void **state)
{
	static const char text[] = "pay 4111 1111 1111 1111 to DE89370400440532013000 "
				   "or mail jane.doe@example.org, ssn 123456789\n";
	char dir[] = "/tmp/test_sensor_cacheXXXXXX", sub[64], err[256];
	struct sensor_db *fresh, *cached;
	struct collect a, b;
	struct sensor_stats sa, sb;
	unsigned int i, files = 0, dfa_cached, dfa_built;
	struct dirent *de;
	DIR *d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/a/cache", dir);
	fresh = sensor_db_compile_cached(g_defs, g_n, sub, err, sizeof(err));
	assert_non_null(fresh);
	sensor_db_dfa_counts(fresh, &dfa_cached, &dfa_built);
	assert_int_equal(dfa_cached, 0);
	assert_true(dfa_built >= 4);	/* kinds N, U and A, the keywords; reverse DFAs */
	/* The PREFILTER engine's two Hyperscan databases (the literal-led stream database and
	 * the keywords') and its DFAs. */
	assert_int_equal(count_files(sub, ".hsdb"), 2);
	assert_int_equal(count_files(sub, ".dfa"), dfa_built);
	cached = sensor_db_compile_cached(g_defs, g_n, sub, err, sizeof(err));
	assert_non_null(cached);
	sensor_db_dfa_counts(cached, &dfa_cached, &files);
	assert_int_equal(dfa_cached, dfa_built);
	assert_int_equal(files, 0);
	scan_parts(fresh, text, NULL, 0, &a, &sa);
	scan_parts(cached, text, NULL, 0, &b, &sb);
	assert_int_equal(a.n, 4);
	assert_int_equal(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(a.m[i].sensor, b.m[i].sensor);
		assert_int_equal(a.m[i].offset, b.m[i].offset);
		assert_string_equal(a.m[i].norm, b.m[i].norm);
	}
	sensor_db_free(cached);
	/* A DFA file that is damaged (one byte changed, cut short) or holds an id out of the
	 * set's range is not used: the DFA is built again, written over it, and finds the
	 * same. */
	damage_files(sub, ".dfa");
	cached = sensor_db_compile_cached(g_defs, g_n, sub, err, sizeof(err));
	assert_non_null(cached);
	sensor_db_dfa_counts(cached, &dfa_cached, &files);
	assert_int_equal(dfa_cached, 0);
	assert_int_equal(files, dfa_built);
	scan_parts(cached, text, NULL, 0, &b, &sb);
	assert_int_equal(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(a.m[i].sensor, b.m[i].sensor);
		assert_int_equal(a.m[i].offset, b.m[i].offset);
	}
	sensor_db_free(cached);
	cached = sensor_db_compile_cached(g_defs, g_n, sub, err, sizeof(err));
	assert_non_null(cached);
	sensor_db_dfa_counts(cached, &dfa_cached, &files);
	assert_int_equal(dfa_cached, dfa_built);	/* the rewritten files are good */
	sensor_db_free(cached);
	sensor_db_free(fresh);
	/* A changed pattern set does not reuse the entries: two new Hyperscan files (the
	 * pattern ids of the other sensors move too), and DFAs of their own. */
	g_defs[0].enabled = 0;
	cached = sensor_db_compile_cached(g_defs, g_n, sub, err, sizeof(err));
	g_defs[0].enabled = 1;
	assert_non_null(cached);
	sensor_db_dfa_counts(cached, &dfa_cached, &files);
	assert_true(files > 0);
	sensor_db_free(cached);
	assert_int_equal(count_files(sub, ".hsdb"), 4);
	files = 0;
	d = opendir(sub);
	while ((de = readdir(d)) != NULL) {
		char path[512];

		if (de->d_name[0] == '.')
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/%s", sub, de->d_name);
		unlink(path);
	}
	closedir(d);
	assert_true(files > 4 + dfa_built);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/a", dir);
	rmdir(sub);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sensor_catalogue_has_every_builtin_and_compiles),
		cmocka_unit_test(test_boundary_lead_and_trail_classes_of_every_byte),
		cmocka_unit_test(test_sensor_db_refuses_pattern_hyperscan_rejects),
		cmocka_unit_test(test_sensor_db_refuses_pattern_matching_empty),
		cmocka_unit_test(test_sensor_db_checks_disabled_sensors_but_compiles_enabled_only),
		cmocka_unit_test(test_sensor_card_found_whole),
		cmocka_unit_test(test_sensor_card_split_at_every_offset_found_once),
		cmocka_unit_test(test_sensor_card_split_in_three_scans_found_once),
		cmocka_unit_test(test_sensor_iban_after_digit_groups_split_at_every_offset),
		cmocka_unit_test(test_sensor_card_inside_longer_digit_run_not_reported),
		cmocka_unit_test(test_sensor_card_failing_luhn_not_reported),
		cmocka_unit_test(test_sensor_card_keyword_counts_as_a_word_only),
		cmocka_unit_test(test_sensor_undashed_ssn_needs_keyword),
		cmocka_unit_test(test_sensor_undashed_ssn_keyword_after_in_later_scan),
		cmocka_unit_test(test_sensor_keyword_after_gives_same_result_at_every_split),
		cmocka_unit_test(test_sensor_keyword_outside_window_does_not_count),
		cmocka_unit_test(test_sensor_value_at_close_reported_by_close),
		cmocka_unit_test(test_sensor_hyperscan_values_at_the_end_of_data),
		cmocka_unit_test(test_sensor_gap_in_value_drops_it),
		cmocka_unit_test(test_sensor_offsets_count_gap_bytes),
		cmocka_unit_test(test_sensor_gaps_in_a_row),
		cmocka_unit_test(test_sensor_overlapping_candidates_reported_once),
		cmocka_unit_test(test_sensor_custom_edge_boundary_waits_for_next_byte),
		cmocka_unit_test(test_sensor_keyword_shared_by_two_sensors_counts_for_both),
		cmocka_unit_test(test_sensor_pending_overflow_counted_as_dropped),
		cmocka_unit_test(test_sensor_end_anchored_custom_pattern_reported_at_close),
		cmocka_unit_test(test_sensor_no_enabled_sensor_scans_and_reports_nothing),
		cmocka_unit_test(test_sensor_builtin_examples_detected),
		cmocka_unit_test(test_sensor_stream_pool_exhaustion_returns_null_and_counts),
		cmocka_unit_test(test_sensor_scan_never_reads_past_the_buffer),
		cmocka_unit_test(test_sensor_open_scan_close_10000_times_leaks_nothing),
		cmocka_unit_test(test_sensor_db_cache_reuses_compiled_database_with_same_results),
	};

	int failed = cmocka_run_group_tests(tests, sensor_test_setup, sensor_test_teardown);

	return failed + sensor_precision_run();
}
