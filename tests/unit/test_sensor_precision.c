/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sensor engine's precision rules (docs/sensors.md; issue 10 "Precision"), each run
 * on the built-in catalogue (or a custom class) whole, cut at every offset and with every
 * byte scanned on its own (expect_at_every_split): the same matches, in the same order,
 * and the same counters must come out however the stream is cut.
 *
 *   one value, one sensor      keyword > checksum > longer > nearer keyword
 *   markup                     a keyword inside a tag is not context
 *   grouped numbers            a value is not one group of a longer grouped number
 *   national phone numbers     need a keyword labelling that number
 *   custom classes             bounded like the built-ins, in one scan or across two
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensor_test.h"

#define HIGH SENSOR_CONF_HIGH
#define MEDIUM SENSOR_CONF_MEDIUM
#define NO_MATCH NULL, 0

/* ---- one value, one sensor ---- */

/* 131052-0040 is a valid CPR (13 Oct 1952) and a valid HETU (check character 0). The dashed
 * CPR is a weak form (it needs its keyword); the HETU has a check character. */
static void
test_sensor_overlap_cpr_hetu_keyword_then_checksum(void **state)
{
	struct sensor_stats s;

	(void)state;
	/* Only the CPR has its keyword: a keyword beats a checksum. */
	s = expect_at_every_split(g_db, "CPR 131052-0040.",
				  (const struct want[]){ { "dk_cpr", 4, HIGH, "1310520040" } }, 1);
	assert_int_equal(s.overlap_suppressed, 1);
	assert_int_equal(s.accepted, 1);
	/* Both keywords: the checksum decides (before the nearer keyword, CPR's). */
	s = expect_at_every_split(g_db, "HETU/CPR 131052-0040.",
				  (const struct want[]){ { "fi_hetu", 9, HIGH, "131052-0040" } },
				  1);
	assert_int_equal(s.overlap_suppressed, 1);
	/* No keyword: the CPR is not reported at all (context_missing), so it suppresses
	 * nothing. */
	s = expect_at_every_split(g_db, "ref 131052-0040.",
				  (const struct want[]){ { "fi_hetu", 4, MEDIUM, "131052-0040" } },
				  1);
	assert_int_equal(s.overlap_suppressed, 0);
	assert_int_equal(s.context_missing, 1);
}

static void
test_sensor_overlap_grouped_nhs_number_not_also_a_phone(void **state)
{
	struct sensor_stats s;

	(void)state;
	/* Both keywords (the phone's labels the number, and is nearer): the checksummed NHS
	 * number. */
	s = expect_at_every_split(g_db, "NHS, tel: 943 476 5919.",
				  (const struct want[]){ { "gb_nhs", 10, HIGH, "9434765919" } }, 1);
	assert_int_equal(s.overlap_suppressed, 1);
	/* Only a phone label: a phone number. */
	s = expect_at_every_split(g_db, "Tel: 943 476 5919.",
				  (const struct want[]){ { "phone", 5, HIGH, "9434765919" } }, 1);
	assert_int_equal(s.overlap_suppressed, 1);
	/* No phone label: not a phone at all. */
	s = expect_at_every_split(g_db, "NHS 943 476 5919.",
				  (const struct want[]){ { "gb_nhs", 4, HIGH, "9434765919" } }, 1);
	assert_int_equal(s.overlap_suppressed, 0);
	assert_int_equal(s.context_missing, 1);
}

/* MT33MALT01100A4111111111111111B is a valid Maltese IBAN whose BBAN holds the valid card
 * 4111111111111111 between two letters (not a boundary for a digit run). */
static void
test_sensor_overlap_longer_value_beats_the_one_inside_it(void **state)
{
	struct sensor_stats s;

	(void)state;
	s = expect_at_every_split(
		g_db, "ref MT33MALT01100A4111111111111111B.",
		(const struct want[]){ { "iban", 4, MEDIUM, "MT33MALT01100A4111111111111111B" } },
		1);
	assert_int_equal(s.overlap_suppressed, 1);
	s = expect_at_every_split(
		g_db, "IBAN MT33MALT01100A4111111111111111B (card)",
		(const struct want[]){ { "iban", 5, HIGH, "MT33MALT01100A4111111111111111B" } },
		1);
	assert_int_equal(s.overlap_suppressed, 1);
	/* The order is keyword, checksum, length: with only the card's keyword, the card. */
	s = expect_at_every_split(g_db, "card MT33MALT01100A4111111111111111B.",
				  (const struct want[]){
					  { "credit_card", 19, HIGH, "4111111111111111" } },
				  1);
	assert_int_equal(s.overlap_suppressed, 1);
}

/* 1000000427 is a valid NHS number and a valid Austrian SVNR (bare 10 digits: weak for
 * both). Same keyword state, checksum and length: the nearer keyword labels it. */
static void
test_sensor_overlap_tie_goes_to_the_nearer_keyword(void **state)
{
	struct sensor_stats s;

	(void)state;
	s = expect_at_every_split(g_db, "svnr, nhs 1000000427.",
				  (const struct want[]){ { "gb_nhs", 10, HIGH, "1000000427" } }, 1);
	assert_int_equal(s.overlap_suppressed, 1);
	s = expect_at_every_split(g_db, "nhs, svnr 1000000427.",
				  (const struct want[]){ { "at_svnr", 10, HIGH, "1000000427" } },
				  1);
	assert_int_equal(s.overlap_suppressed, 1);
}

/* Values that do not overlap are each reported, in stream order. */
static void
test_sensor_overlap_only_between_overlapping_values(void **state)
{
	struct sensor_stats s;

	(void)state;
	s = expect_at_every_split(g_db, "CPR 131052-0040, card 4111111111111111.",
				  (const struct want[]){ { "dk_cpr", 4, HIGH, "1310520040" },
							 { "credit_card", 22, HIGH,
							   "4111111111111111" } },
				  2);
	assert_int_equal(s.overlap_suppressed, 1);	/* the HETU reading of the CPR */
}

/* A match is certain once SENSOR_OVERLAP_HORIZON bytes past its end are scanned: no
 * candidate overlapping it can start later. commit reports it at once. */
static void
test_sensor_overlap_decided_once_horizon_scanned(void **state)
{
	static const char head[] = "card 4111111111111111 ";
	char pad[128];
	struct sensor_worker *sw = worker(g_db, 1);
	struct sensor_stream *st = sensor_stream_open(sw);
	struct collect c = { 0 };
	size_t need = 21 + SENSOR_OVERLAP_HORIZON - 1 - strlen(head);

	(void)state;
	memset(pad, 'x', need);
	pad[need] = '\0';
	scan_str(sw, st, head, &c);
	scan_str(sw, st, pad, &c);
	assert_int_equal(sensor_worker_stats(sw)->bytes_scanned, 21 + SENSOR_OVERLAP_HORIZON - 1);
	assert_int_equal(c.n, 0);
	scan_str(sw, st, "x", &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].offset, 5);
	assert_int_equal(c.m[0].confidence, HIGH);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 1);

	memset(&c, 0, sizeof(c));
	st = sensor_stream_open(sw);
	scan_str(sw, st, head, &c);
	assert_int_equal(c.n, 0);
	sensor_stream_commit(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.m[0].norm, "4111111111111111");
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 1);
	sensor_worker_free(sw);
}

/* ---- context keywords in markup ---- */

static void
test_sensor_keyword_inside_markup_is_not_context(void **state)
{
	static const char *const in_tag[] = {
		"<input name=\"ssn\" value=\"536904399\">",	/* attribute value */
		"<ssn>536904399</ssn>",				/* tag name */
		"<td data-ssn=\"1\">536904399</td>",		/* attribute name */
		"<!-- ssn --> 536904399.",			/* comment */
		"536904399 <b class=\"ssn\">",			/* keyword after, in a tag */
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(in_tag) / sizeof(in_tag[0]); i++) {
		struct sensor_stats s = expect_at_every_split(g_db, in_tag[i], NO_MATCH);

		assert_int_equal(s.context_missing, 1);
	}
	/* Labels a person reads: text, a JSON key, a form field, a header name. */
	expect_at_every_split(g_db, "<td>SSN</td><td>536904399</td>",
			      (const struct want[]){ { "us_ssn", 16, HIGH, "536904399" } }, 1);
	expect_at_every_split(g_db, "{\"ssn\": \"536904399\"}",
			      (const struct want[]){ { "us_ssn", 9, HIGH, "536904399" } }, 1);
	expect_at_every_split(g_db, "name=x&ssn=536904399&y=1",
			      (const struct want[]){ { "us_ssn", 11, HIGH, "536904399" } }, 1);
	expect_at_every_split(g_db, "X-SSN: 536904399\r\n",
			      (const struct want[]){ { "us_ssn", 7, HIGH, "536904399" } }, 1);
	/* '<' not followed by a letter, '/' or '!' opens no tag. */
	expect_at_every_split(g_db, "if a < b then ssn 536904399.",
			      (const struct want[]){ { "us_ssn", 18, HIGH, "536904399" } }, 1);
}

/* The limits, pinned: a '>' inside an attribute value ends the tag for this check, and
 * a '<' more than SENSOR_TAG_LOOKBACK bytes back is not seen. */
static void
test_sensor_keyword_markup_check_limits(void **state)
{
	char text[SENSOR_TAG_LOOKBACK + 64];
	size_t pad;

	(void)state;
	expect_at_every_split(g_db, "<a title=\"x > y ssn\">536904399</a>",
			      (const struct want[]){ { "us_ssn", 21, HIGH, "536904399" } }, 1);
	/* "<p " + pad + "ssn 536904399.": the keyword starts at 3 + pad; the '<' at 0 is
	 * seen up to SENSOR_TAG_LOOKBACK bytes back. */
	pad = SENSOR_TAG_LOOKBACK - 3;
	snprintf(text, sizeof(text), "<p %*sssn 536904399.", (int)pad, "");
	expect_at_every_split(g_db, text, NO_MATCH);
	pad = SENSOR_TAG_LOOKBACK - 2;
	snprintf(text, sizeof(text), "<p %*sssn 536904399.", (int)pad, "");
	expect_at_every_split(g_db, text,
			      (const struct want[]){ { "us_ssn", 3 + pad + 4, HIGH, "536904399" } },
			      1);
}

/* ---- grouped numbers ---- */

static void
test_sensor_grouped_value_inside_longer_number_rejected(void **state)
{
	static const struct {
		const char *text;
		unsigned int rejected;
	} longer[] = {
		{ "card 1234 4111 1111 1111 1111 x", 1 },	/* a group before */
		{ "card 4111 1111 1111 1111 2222 x", 1 },	/* a group after */
		/* the NHS number and the NIF 020 943 476 (the phone number 020 943 476 5919
		 * has no phone label) */
		{ "nhs 020 943 476 5919.", 2 },
		{ "nhs 943 476 5919 12.", 1 },
		{ "card 4111 1111 1111 1111 12/25", 1 },	/* any digit group */
	};
	struct sensor_stats s;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(longer) / sizeof(longer[0]); i++) {
		s = expect_at_every_split(g_db, longer[i].text, NO_MATCH);
		assert_int_equal(s.boundary_rejected, longer[i].rejected);
		assert_int_equal(s.accepted, 0);
	}
	/* DE95 4111 1111 1111 1111 00 is a valid IBAN whose middle four groups are a valid
	 * card: the card is a piece of it, even with the card's keyword. Rejected as well:
	 * the IBAN's own shorter readings "DE95 4111 1111" .. "DE95 4111 1111 1111 1111". */
	s = expect_at_every_split(g_db, "iban DE95 4111 1111 1111 1111 00.",
				  (const struct want[]){
					  { "iban", 5, HIGH, "DE95411111111111111100" } },
				  1);
	assert_int_equal(s.boundary_rejected, 4);
	s = expect_at_every_split(g_db, "card DE95 4111 1111 1111 1111 00.",
				  (const struct want[]){
					  { "iban", 5, MEDIUM, "DE95411111111111111100" } },
				  1);
	assert_int_equal(s.boundary_rejected, 4);
	/* An IBAN with a wrong check: nothing, and still no card. */
	expect_at_every_split(g_db, "card DE96 4111 1111 1111 1111 00.", NO_MATCH);
}

static void
test_sensor_grouped_value_next_to_other_tokens_still_reported(void **state)
{
	static const struct {
		const char *text;
		uint8_t confidence;
	} ok[] = {
		{ "pay3 5555 5555 5555 4444 ok", MEDIUM },	/* digits ending a word */
		{ "card 5555 5555 5555 4444 3rd", HIGH },	/* digits starting a word */
		{ "card 5555-5555-5555-4444 12", HIGH },	/* another separator */
		{ "card 5555555555554444 1234", HIGH },		/* not grouped */
		{ "card 5555 5555 5555 4444 - 12", HIGH },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		expect_at_every_split(g_db, ok[i].text,
				      (const struct want[]){ { "credit_card", 5, ok[i].confidence,
							       "5555555555554444" } },
				      1);
}

static void
test_sensor_grouped_value_waits_for_group_in_later_scans(void **state)
{
	struct sensor_worker *sw = worker(g_db, 1);
	const struct sensor_stats *s = sensor_worker_stats(sw);
	struct sensor_stream *st;
	struct collect c = { 0 };

	(void)state;
	/* Separator, then a digit group ending at "/": rejected. */
	st = sensor_stream_open(sw);
	scan_str(sw, st, "card 5555 5555 5555 4444", &c);
	assert_int_equal(st->n_pending, 0);	/* its guard byte is not known yet */
	scan_str(sw, st, " ", &c);
	assert_int_equal(st->n_pending, 1);
	assert_int_equal(st->pending[0].state, SENSOR_PEND_BOUNDARY);
	scan_str(sw, st, "1", &c);
	assert_int_equal(st->n_pending, 1);
	assert_int_equal(st->pending[0].state, SENSOR_PEND_BOUNDARY);
	scan_str(sw, st, "2/25", &c);
	assert_int_equal(st->n_pending, 0);
	assert_int_equal(s->boundary_rejected, 1);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 0);
	/* Separator, then a word: decided, reported once certain (here at close). */
	st = sensor_stream_open(sw);
	scan_str(sw, st, "card 5555 5555 5555 4444", &c);
	scan_str(sw, st, " ", &c);
	scan_str(sw, st, "x", &c);
	assert_int_equal(st->n_pending, 1);
	assert_int_equal(st->pending[0].state, SENSOR_PEND_DONE);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 1);
	/* Separator, digits that start a word. */
	st = sensor_stream_open(sw);
	scan_str(sw, st, "card 5555 5555 5555 4444", &c);
	scan_str(sw, st, " ", &c);
	scan_str(sw, st, "1", &c);
	scan_str(sw, st, "st", &c);
	assert_int_equal(st->pending[0].state, SENSOR_PEND_DONE);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 2);
	/* Separator, digits, end of stream: a group. */
	st = sensor_stream_open(sw);
	scan_str(sw, st, "card 5555 5555 5555 4444 1", &c);
	assert_int_equal(st->pending[0].state, SENSOR_PEND_BOUNDARY);
	sensor_stream_close(sw, st, collect_fn, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(s->boundary_rejected, 2);
	assert_int_equal(s->accepted, 2);
	sensor_worker_free(sw);
}

/* ---- national phone numbers ---- */

static void
test_sensor_national_phone_needs_its_own_label(void **state)
{
	struct sensor_stats s;

	(void)state;
	s = expect_at_every_split(g_db, "202 555 0143 or 555-123-4567.", NO_MATCH);
	assert_int_equal(s.context_missing, 2);
	expect_at_every_split(g_db, "call 555-123-4567.",
			      (const struct want[]){ { "phone", 5, HIGH, "5551234567" } }, 1);
	/* A label before or after it, with no other number in between. */
	s = expect_at_every_split(g_db, "phone: 020 7946 0958 or 020 7946 0959.",
				  (const struct want[]){ { "phone", 7, HIGH, "02079460958" } }, 1);
	assert_int_equal(s.context_missing, 1);
	expect_at_every_split(g_db, "020 7946 0958, 020 7946 0959 mobile",
			      (const struct want[]){ { "phone", 15, HIGH, "02079460959" } }, 1);
	/* The international form stands on its own; the national one after it is not
	 * labelled by the "tel" before both. */
	s = expect_at_every_split(g_db, "tel: +44 20 7946 0958, 020 7946 0959.",
				  (const struct want[]){ { "phone", 5, HIGH, "+442079460958" } },
				  1);
	assert_int_equal(s.context_missing, 1);
	expect_at_every_split(g_db, "+44 20 7946 0958.",
			      (const struct want[]){ { "phone", 0, MEDIUM, "+442079460958" } }, 1);
}

/* ---- custom classes ---- */

static void
test_sensor_custom_class_bounded_like_builtins_however_cut(void **state)
{
	struct sensor_def d[3];
	struct sensor_db *db;
	struct sensor_stats s;
	char err[256];

	(void)state;
	custom_def(&d[0], "employee", (const char *const[]){ "EMP\\d{6}", NULL }, NULL);
	custom_def(&d[1], "ticket", (const char *const[]){ "T\\d{3}-\\d{3}", NULL }, NULL);
	custom_def(&d[2], "code", (const char *const[]){ "\\d{6}", NULL }, NULL);
	db = sensor_db_compile(d, 3, err, sizeof(err));
	assert_non_null(db);
	/* A digit after it, in the same scan or the next one (also rejected: the code
	 * class's 123456 and 234567, inside the longer run). */
	s = expect_at_every_split(db, "id EMP1234567 x", NO_MATCH);
	assert_int_equal(s.boundary_rejected, 3);
	/* A letter before it; the code class may follow letters (a digit edge only refuses
	 * digits, as DIGIT does: "PT501964843"). */
	expect_at_every_split(db, "id XEMP123456 x",
			      (const struct want[]){ { "code", 7, MEDIUM, "123456" } }, 1);
	/* Bounded: reported, and the code inside it is the same value (the longer wins). */
	s = expect_at_every_split(db, "id EMP123456 x",
				  (const struct want[]){ { "employee", 3, MEDIUM, "EMP123456" } },
				  1);
	assert_int_equal(s.overlap_suppressed, 1);
	/* Decimals, as for the built-in digit runs. */
	expect_at_every_split(db, "n 0.123456 x", NO_MATCH);
	expect_at_every_split(db, "n 123456.7 x", NO_MATCH);
	expect_at_every_split(db, "n 123456. x",
			      (const struct want[]){ { "code", 2, MEDIUM, "123456" } }, 1);
	/* Its own separator and a digit group: part of a longer number. */
	s = expect_at_every_split(db, "t T100-200-300 x", NO_MATCH);
	assert_int_equal(s.boundary_rejected, 1);
	expect_at_every_split(db, "t T100-200 x",
			      (const struct want[]){ { "ticket", 2, MEDIUM, "T100-200" } }, 1);
	sensor_db_free(db);
}

int
sensor_precision_run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sensor_overlap_cpr_hetu_keyword_then_checksum),
		cmocka_unit_test(test_sensor_overlap_grouped_nhs_number_not_also_a_phone),
		cmocka_unit_test(test_sensor_overlap_longer_value_beats_the_one_inside_it),
		cmocka_unit_test(test_sensor_overlap_tie_goes_to_the_nearer_keyword),
		cmocka_unit_test(test_sensor_overlap_only_between_overlapping_values),
		cmocka_unit_test(test_sensor_overlap_decided_once_horizon_scanned),
		cmocka_unit_test(test_sensor_keyword_inside_markup_is_not_context),
		cmocka_unit_test(test_sensor_keyword_markup_check_limits),
		cmocka_unit_test(test_sensor_grouped_value_inside_longer_number_rejected),
		cmocka_unit_test(test_sensor_grouped_value_next_to_other_tokens_still_reported),
		cmocka_unit_test(test_sensor_grouped_value_waits_for_group_in_later_scans),
		cmocka_unit_test(test_sensor_national_phone_needs_its_own_label),
		cmocka_unit_test(test_sensor_custom_class_bounded_like_builtins_however_cut),
	};

	return cmocka_run_group_tests(tests, sensor_test_setup, sensor_test_teardown);
}
