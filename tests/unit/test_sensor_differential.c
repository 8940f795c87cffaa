/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two sensor engines give the same results (docs/sensors.md "Engines"): every input
 * here goes through a HYPERSCAN worker (every pattern in one Hyperscan stream database)
 * and a PREFILTER worker (the prefilter's windows and DFAs for class-led patterns) under
 * many plans of cuts, gaps and commits (sensor_diff.c), and the matches, in order, with
 * their confidence and value hash, and every counter must be equal. Inputs: bench-sensors'
 * standard and adversarial mixes, the precision tests' texts, hand-written edge cases at
 * the prefilter's limits, and random soups of the tokens class-led patterns are made of.
 * Also: which built-in pattern runs where, the regex subset's refusals and shapes, and
 * the AVX2 classifier against the scalar one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench_mix.h"
#include "sensor_diff.h"
#include "sensor_gate.h"
#include "sensor_prefilter.h"
#include "sensor_priv.h"
#include "sensor_regex.h"

static const struct validator_date today = { 2024, 6, 1 };

static struct sensor_db *
builtin_db(void)
{
	static struct sensor_def defs[SENSOR_MAX];
	unsigned int n = sensor_catalogue_builtin(defs, SENSOR_MAX);
	char err[256];
	struct sensor_db *db = sensor_db_compile(defs, n, err, sizeof(err));

	if (db == NULL)
		fail_msg("%s", err);
	return db;
}

/* Every plan seed in [seed, seed + plans) over text; returns the matches of the last. */
static long
agree(struct sensor_diff *d, const uint8_t *text, size_t len, uint64_t seed, unsigned int plans)
{
	struct sensor_diff_plan plan;
	char why[512];
	long n = 0;
	unsigned int i;

	for (i = 0; i < plans; i++) {
		sensor_diff_plan(seed + i, &plan);
		n = sensor_diff_run(d, text, len, &plan, why, sizeof(why));
		if (n < 0)
			fail_msg("%.60s...: %s", (const char *)text, why);
	}
	return n;
}

static long
agree_str(struct sensor_diff *d, const char *s, unsigned int plans)
{
	return agree(d, (const uint8_t *)s, strlen(s), 1, plans);
}

/* ---- where each built-in pattern runs ---- */

static void
test_prefilter_takes_every_class_led_builtin_pattern(void **state)
{
	/* Sensors whose patterns start with a literal and then allow more than capitals and
	 * digits stay in Hyperscan; the e-mail address is kind A (around its '@'). */
	static const char *const literal_led[] = { "private_key", "jwt" };
	struct sensor_db *db = builtin_db();
	unsigned int i, j, in_pf = 0, in_hs = 0;

	(void)state;
	for (i = 0; i < db->n_pats; i++) {
		const struct sensor_pattern *p = &db->pats[i];
		const char *id = db->defs[db->refs[p->first_ref]].id;
		int literal = 0;

		if (p->kind == SENSOR_PAT_KEYWORD) {
			assert_int_equal(p->pf, SENSOR_PAT_HS);
			continue;
		}
		for (j = 0; j < 2; j++)
			literal |= strcmp(id, literal_led[j]) == 0;
		if (strcmp(id, "email") == 0) {
			assert_int_equal(p->pf, SENSOR_PAT_PF_A);
			in_pf++;
		} else if (literal) {
			assert_int_equal(p->pf, SENSOR_PAT_HS);
			in_hs++;
		} else {
			/* IBAN, codice fiscale and AWS key ids (20 capitals and digits) are
			 * capital tokens; the rest digit clusters. */
			int caps = strcmp(id, "iban") == 0 || strcmp(id, "it_codice_fiscale") == 0 ||
				   strcmp(id, "aws_access_key_id") == 0;

			if (p->pf != (caps ? SENSOR_PAT_PF_U : SENSOR_PAT_PF_N))
				fail_msg("%s pattern %u (%s) runs in %u", id, i, db->ex[i].re, p->pf);
			in_pf++;
		}
	}
	assert_int_equal(in_hs, 2);
	assert_int_equal(in_pf, 60);	/* 62 distinct value patterns, 2 literal-led */
	/* The windows: 5 digits (national phone numbers), a '+' (E.164), PT + space + lead
	 * guard on the left, a DNI's "-L" + guard on the right, gaps of 2 ("(0) "). */
	assert_int_equal(db->pf->kind[SENSOR_PF_N].min, 5);
	assert_int_equal(db->pf->kind[SENSOR_PF_N].plus, 1);
	assert_int_equal(db->pf->kind[SENSOR_PF_N].left, 5);
	assert_int_equal(db->pf->kind[SENSOR_PF_N].right, 3);
	assert_int_equal(db->pf->kind[SENSOR_PF_N].gap, 2);
	assert_int_equal(db->pf->kind[SENSOR_PF_U].min, 12);
	assert_int_equal(db->pf->kind[SENSOR_PF_U].min_letters, 2);	/* an IBAN's country */
	assert_int_equal(db->pf->kind[SENSOR_PF_U].left, 1);
	assert_int_equal(db->pf->kind[SENSOR_PF_U].right, 1);
	/* A: one local-part byte before the '@', the domain's bytes after it, the trail
	 * guard's 2 bytes. */
	assert_int_equal(db->pf->kind[SENSOR_PF_A].n_pats, 1);
	assert_int_equal(db->pf->kind[SENSOR_PF_A].left, 1);
	assert_int_equal(db->pf->kind[SENSOR_PF_A].right, 2);
	for (i = 0; i < 256; i++) {
		int dom = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z') ||
			  (i >= '0' && i <= '9') || i == '.' || i == '-';

		if ((int)((db->pf->kind[SENSOR_PF_A].after[i >> 6] >> (i & 63)) & 1) != dom)
			fail_msg("kind A: byte %u", i);
	}
	/* Only the IBANs need their start from a reverse DFA. */
	for (i = 0, j = 0; i < db->pf->n_rev; i++)
		j += db->pf->rev[i] != NULL;
	assert_int_equal(j, 2);
	/* Every sensor's keywords are searched near values, the JWT's too (900-byte values:
	 * the ring grew from 1024 to 2048 bytes for them). */
	assert_int_equal(db->ring_size, 2048);
	for (i = 0; i < db->n_defs; i++) {
		const struct sensor_rt *rt = &db->rt[i];

		if (rt->kw_slot == SENSOR_NO_SLOT)
			continue;
		if (!rt->lazy_kw)
			fail_msg("%s: lazy_kw %u", db->defs[i].id, rt->lazy_kw);
	}
	assert_non_null(db->hs_kw);
	assert_non_null(db->pf->kw_dfa);	/* the keyword search runs a DFA */
	/* Streams got smaller: the literal-led database keeps less state. */
	assert_int_equal(sensor_db_prepare(db, SENSOR_ENGINE_HYPERSCAN, NULL, 0), 0);
	assert_true(db->hs_stream_size < db->hs_full_stream_size);
	sensor_db_free(db);
}

static void
test_prefilter_custom_class_patterns_go_where_they_can_be_proven(void **state)
{
	static const char *const pf_n[] = { "EMP-\\d{6}", "[A-Z]{3}\\d{7}", "\\d{4}/\\d{4}/\\d{4}",
					    NULL };
	static const char *const pf_u[] = { "[A-Z]{4}[0-9]{4}[A-Z]{4}[0-9]{2}", NULL };
	static const char *const hs[] = { "MRN:\\d{3}", "\\d{5}$", "(?i)abc\\d{6}", "\\w+@x\\d{5}",
					  "\\d{2}\\b-\\d{3}", NULL };
	struct sensor_def defs[3];
	struct sensor_db *db;
	struct sensor_diff *d;
	char err[256];
	unsigned int i, j;

	(void)state;
	memset(defs, 0, sizeof(defs));
	for (i = 0; i < 3; i++) {
		const char *const *p = i == 0 ? pf_n : i == 1 ? pf_u : hs;

		snprintf(defs[i].id, sizeof(defs[i].id), "custom%u", i);
		snprintf(defs[i].category, sizeof(defs[i].category), "identity");
		defs[i].enabled = 1;
		defs[i].severity = SENSOR_SEV_HIGH;
		defs[i].validator = VALIDATOR_NONE;
		defs[i].max_len = 64;
		for (j = 0; p[j] != NULL; j++)
			snprintf(defs[i].patterns[j], SENSOR_PATTERN_LEN, "%s", p[j]);
		defs[i].n_patterns = j;
	}
	snprintf(defs[0].keywords[0], SENSOR_KEYWORD_LEN, "employee");
	defs[0].n_keywords = 1;
	db = sensor_db_compile(defs, 3, err, sizeof(err));
	if (db == NULL)
		fail_msg("%s", err);
	for (i = 0; i < db->n_pats; i++) {
		const struct sensor_pattern *p = &db->pats[i];
		unsigned int s = db->refs[p->first_ref];

		if (p->kind == SENSOR_PAT_KEYWORD)
			continue;
		if (p->pf != (s == 0 ? SENSOR_PAT_PF_N : s == 1 ? SENSOR_PAT_PF_U : SENSOR_PAT_HS))
			fail_msg("%s runs in %u", db->ex[i].re, p->pf);
	}
	d = sensor_diff_create(db, &today, err, sizeof(err));
	assert_non_null(d);
	assert_int_equal(agree_str(d, "employee EMP-123456, ABC1234567 and 1234/5678/9012.", 40),
			 3);
	assert_int_equal(agree_str(d, "ABCD1234EFGH56 x MRN:123 y x abc123456 a@x12345 12-345 "
				      "end 12345", 40), 6);
	assert_int_equal(agree_str(d, "EMP-1234567 ABCD1234EFGH567 ZABC1234567 12/3456/7890", 40),
			 0);
	sensor_diff_free(d);
	sensor_db_free(db);
}

/* A value decided inside Hyperscan's stream callback (a literal hit after it flushes
 * the prefilter's hits) searches its keywords with a scratch of its own: with the stream
 * scan's, Hyperscan refused the nested scan and the SSN came out MEDIUM. */
static void
test_engines_agree_when_a_keyword_search_runs_inside_the_stream_callback(void **state)
{
	static struct sensor_def defs[SENSOR_MAX];
	unsigned int n = sensor_catalogue_builtin(defs, SENSOR_MAX - 1);
	struct sensor_db *db;
	struct sensor_diff *d;
	char err[256];

	(void)state;
	memset(&defs[n], 0, sizeof(defs[n]));
	snprintf(defs[n].id, sizeof(defs[n].id), "mrn");
	snprintf(defs[n].category, sizeof(defs[n].category), "health");
	defs[n].enabled = 1;
	defs[n].severity = SENSOR_SEV_HIGH;
	defs[n].validator = VALIDATOR_NONE;
	defs[n].max_len = 64;
	snprintf(defs[n].patterns[0], SENSOR_PATTERN_LEN, "MRN:\\d{3,5}");
	defs[n].n_patterns = 1;
	db = sensor_db_compile(defs, n + 1, err, sizeof(err));
	assert_non_null(db);
	d = sensor_diff_create(db, &today, err, sizeof(err));
	assert_non_null(d);
	assert_int_equal(agree_str(d, "<td>SSN</td><td>536904399</td> MRN:1234", 30), 2);
	assert_int_equal(sensor_diff_stats(d, 1)->scan_errors, 0);
	sensor_diff_free(d);
	sensor_db_free(db);
}

/* ---- the engines agree ---- */

static void
test_engines_agree_on_bench_mixes(void **state)
{
	struct sensor_db *db = builtin_db();
	struct sensor_diff *d;
	size_t cap = 192 * 1024, len;
	uint8_t *buf = malloc(cap);
	char err[256];
	long n;

	(void)state;
	assert_non_null(buf);
	d = sensor_diff_create(db, &today, err, sizeof(err));
	assert_non_null(d);
	len = bench_mix_fill(buf, cap, BENCH_MIX_STANDARD, 0);
	n = agree(d, buf, len, 100, 10);
	assert_true(n >= 8);	/* about one value per 16 KiB */
	len = bench_mix_fill(buf, cap, BENCH_MIX_ADVERSARIAL, 7);
	agree(d, buf, len, 200, 10);
	assert_true(sensor_diff_stats(d, 1)->candidates > 1000);
	sensor_diff_free(d);
	sensor_db_free(db);
	free(buf);
}

static void
test_engines_agree_on_hand_written_edge_cases(void **state)
{
	static const char *const texts[] = {
		/* the precision tests' texts */
		"CPR 131052-0040.", "HETU/CPR 131052-0040.", "ref 131052-0040.",
		"NHS, tel: 943 476 5919.", "Tel: 943 476 5919.", "NHS 943 476 5919.",
		"ref MT33MALT01100A4111111111111111B.", "card MT33MALT01100A4111111111111111B.",
		"svnr, nhs 1000000427.", "nhs, svnr 1000000427.",
		"CPR 131052-0040, card 4111111111111111.", "<td>SSN</td><td>536904399</td>",
		"<input name=\"ssn\" value=\"536904399\">", "{\"ssn\": \"536904399\"}",
		"card 1234 4111 1111 1111 1111 x", "card 4111 1111 1111 1111 2222 x",
		"nhs 020 943 476 5919.", "card 4111 1111 1111 1111 12/25",
		"iban DE95 4111 1111 1111 1111 00.", "card DE96 4111 1111 1111 1111 00.",
		"pay3 5555 5555 5555 4444 ok", "card 5555 5555 5555 4444 3rd",
		"202 555 0143 or 555-123-4567.", "t T100-200-300 x",
		/* every built-in in its forms */
		"4111-1111-1111-1111 378282246310005 3782 822463 10005 6011 0009 9013 9424",
		"ssn 123-45-6789 and ssn 536904399", "GB82 WEST 1234 5698 7654 32 DE89370400440532013000",
		"jane.doe@example.org x.y+z@sub.example.co.uk", "+44 20 7946 0958 +1 (202) 555-0143",
		"tel 020 7946 0958, phone (020) 7946 0958, tel 06 12 34 56 78, tel 0612345678",
		"nhs 943 476 5919 nino AB 12 34 56 C AB123456C QQ 123456 C",
		"dni 12345678Z 12345678-Z nie X1234567L X-1234567-L Y1234567-X",
		"cf RSSMRA85T10A562S RSSMRALMTLNA562S", "bsn 111222333 1112.22.333",
		"rrn 85.07.30-033.28 850730-033 28 85073003328", "pesel 44051401359",
		"personnummer 811228-9874 19811228-9874 8112289874 811228+9874",
		"hetu 131052-308T 131052A308T", "cpr 131052-0040 1310520040",
		"steuer id 86 095 742 719 86095742719", "nir 1 85 05 78 006 084 36 185057800608436",
		"nir 2 69 05 2A 006 084 91", "svnr 1237 010180", "pps 1234567T 1234567TW",
		"nif PT501964843 PT 501964843 PT 501 964 843 501964843",
		"AKIAIOSFODNN7EXAMPLE", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
		/* the prefilter's limits: gaps, margins, '+', BOS, long runs */
		"4111111111111111", "12345678Z", "PT 501 964 843", "AB 12 34 56 C",
		"+4420794609580", "+44 (0)20 7946 0958", "(0)20 7946 0958 0 1 2 3 4 5",
		"1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9", "12  34  56  78  90 1234", ".4111111111111111",
		"1.4111111111111111", "4111111111111111.", "4111111111111111.5", "x4111111111111111x",
		"99999999999999999999999999999999999999999999999999999999999999999999999999999999",
		"0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
		"01 23 45 67 89 01 23 45 67 89 01 23 45 67 89 01 23 45 67 89 01 23 45 67 89 01 23",
		"+1+2+3+4+5+6+7 +12345678 ++44 20 7946 0958 1+44 20 7946 0958",
		"AAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAAAAAA A A A A A A A A A A A A A A A A",
		"GB82 WEST 1234 5698 7654 32 1234 GB82  WEST 1234 5698 7654 32",
		"XX12 ABCD EFGH IJKL MNOP QRST UVWX YZ12 3", "ab12CD34EF56GH78 ABCDEFGHIJKL1234 x",
		"tel:+33 1 23 45 67 89\ncard:\n4111 1111 1111 1111\n", "\n123456789\n",
		"aws 1234567890 card 5555555555554444 cvv 123",
		/* keywords: before and after, in and out of markup, several, straddling */
		"ssn ssn 123456789 ssn", "ssnssn 123456789", "ssn: 1 123456789", "<b ssn>123456789",
		"123456789 <i>ssn</i> x", "ssn 123456789 536904399 ssn 078051120 SSN",
		"tel 0612345678 tel: 0612345678 0612345678 phone", "card 4111111111111111card",
		"social security number 123-45-6789 social-security 536904399 social_security",
		"ssn" "                                                              " "123456789",
		"123456789" "                                                             " "ssn",
		"cpr 131052-0040 hetu 131052-0040 personnummer 131052-0040 cpr",
	};
	struct sensor_db *db = builtin_db();
	struct sensor_diff *d;
	char err[256];
	unsigned int i;

	(void)state;
	d = sensor_diff_create(db, &today, err, sizeof(err));
	assert_non_null(d);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		agree_str(d, texts[i], 60);
	sensor_diff_free(d);
	sensor_db_free(db);
}

/* n tokens drawn from toks (xorshift state *s) into text (NUL-terminated, at most cap - 1
 * bytes); returns the length. */
static size_t
soup(char *text, size_t cap, const char *const *toks, size_t n_toks, unsigned int n, uint64_t *s)
{
	size_t len = 0, tl;
	unsigned int k;

	for (k = 0; k < n; k++) {
		const char *t;

		*s ^= *s << 13;
		*s ^= *s >> 7;
		*s ^= *s << 17;
		t = toks[(*s >> 20) % n_toks];
		tl = strlen(t);
		if (len + tl >= cap)
			break;
		memcpy(text + len, t, tl);
		len += tl;
	}
	text[len] = '\0';
	return len;
}

/* Random texts from the pieces class-led patterns are made of, so that digit clusters,
 * capital tokens, gaps and margins meet at every cut. */
static void
test_engines_agree_on_random_token_soup(void **state)
{
	static const char *const toks[] = {
		"0", "1", "4", "9", "12", "123", "1234", "4111", "12345", "123456", "1234567",
		"12345678", "123456789", "0612345678", "4111111111111111", "536904399",
		" ", " ", " ", "-", ".", "+", "(", ")", "/", ",", "\n", "  ", "A", "B", "Z", "PT",
		"AB", "X", "GB82", "WEST", "DE89", "RSSMRA", "T10A", "CF", "a", "x", "card ",
		"ssn ", "tel ", "nhs ", "iban ", "<p>", "</td>", "@", "e", "\"", ":", "=", "T",
	};
	struct sensor_db *db = builtin_db();
	struct sensor_diff *d;
	char err[256], text[512];
	uint64_t s = 0x1234567;
	unsigned int round;

	(void)state;
	d = sensor_diff_create(db, &today, err, sizeof(err));
	assert_non_null(d);
	for (round = 0; round < 1500; round++) {
		size_t len = soup(text, sizeof(text), toks, sizeof(toks) / sizeof(toks[0]),
				  4 + (unsigned int)(s % 60), &s);

		agree(d, (const uint8_t *)text, len, round * 7, 7);
	}
	sensor_diff_free(d);
	sensor_db_free(db);
}

/* E-mail addresses (kind A) cut everywhere: local parts and domains of every length,
 * '@'s in a row, dots and dashes at the ends, runs across the prefilter's chunks and
 * longer than the lookback ring. */
static void
test_engines_agree_on_email_soup(void **state)
{
	static const char *const toks[] = {
		"a", "jane.doe", "x_y", "%", "+", "-", ".", "..", "@", "@", "@@", "example", "co",
		"uk", "org", "sub-domain", "1", "42", " ", "\n", "<", ">", "\"", ",", ":",
		"mailto:", "email ", "E", "Z9", "-.", ".-", "\x80", "(", "@example.org",
		"jane.doe@example.org", "a@b.co", "x@y", "@.", "a.", "b-", "q@9.9.9.99",
	};
	struct sensor_db *db = builtin_db();
	struct sensor_diff *d;
	char err[256], text[512];
	uint8_t *big;
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	unsigned int round, k;
	size_t len, i;

	(void)state;
	d = sensor_diff_create(db, &today, err, sizeof(err));
	assert_non_null(d);
	for (round = 0; round < 1500; round++) {
		len = soup(text, sizeof(text), toks, sizeof(toks) / sizeof(toks[0]),
			   2 + (unsigned int)(s % 50), &s);
		agree(d, (const uint8_t *)text, len, round * 5, 5);
	}
	/* Long runs: a local part and a domain of 3,000 bytes each, an address at every
	 * chunk boundary, 40 KB in all. */
	big = malloc(40000);
	assert_non_null(big);
	for (i = 0; i < 40000; i++)
		big[i] = (uint8_t)(i % 97 == 0 ? ' ' : 'a' + i % 26);
	memcpy(big + 1000, "@", 1);
	for (i = 4100; i < 7100; i++)
		big[i] = i % 7 == 0 ? '.' : 'd';
	big[4099] = '@';
	memcpy(big + 7100, ".org ", 5);
	for (k = 1; k < 4; k++)
		memcpy(big + k * 8192 - 6, "jo@example.com ", 15);
	memcpy(big + 39980, "z@example.museum", 16);
	agree(d, big, 40000, 77, 12);
	free(big);
	sensor_diff_free(d);
	sensor_db_free(db);
}

/* Case and separator variants of keyword kw, and pieces of it, into toks (n so far). */
static size_t
keyword_tokens(const char *kw, char toks[][80], size_t n, size_t cap)
{
	size_t len = strlen(kw), i, v;

	for (v = 0; v < 7 && n < cap; v++) {
		char *t = toks[n++];

		switch (v) {
		case 0:
		case 1:
		case 2:
			/* as written, upper case, capitalised; separators swapped */
			for (i = 0; i <= len; i++) {
				char c = kw[i];

				if (v == 1 && c >= 'a' && c <= 'z')
					c = (char)(c - 32);
				if (v == 2 && i == 0 && c >= 'a' && c <= 'z')
					c = (char)(c - 32);
				if (v == 2 && (c == ' ' || c == '_'))
					c = '-';
				if (v == 1 && c == ' ')
					c = '_';
				t[i] = c;
			}
			break;
		case 3:
			snprintf(t, 80, "x%s", kw);	/* after a letter: not a word */
			break;
		case 4:
			snprintf(t, 80, "%.2s", kw);	/* first bytes only */
			break;
		case 5:
			snprintf(t, 80, "%.3s", kw);
			break;
		default:
			snprintf(t, 80, "%sz", kw);	/* a lower-case letter after it */
			break;
		}
	}
	return n;
}

/*
 * Keywords around the values that need them, as the lazy keyword search reads them: each
 * built-in keyword, its case and separator variants, its first bytes alone, after a
 * letter, before one; and custom sensors whose keywords start the ways the quick test
 * (sensor_context.c, slot_absent) has to allow for: one byte, a digit, a byte above 127,
 * a separator second, a dot second. A keyword a search would find that the quick test
 * ruled out changes a match or a counter.
 */
static void
test_engines_agree_on_keyword_soup(void **state)
{
	static const char *const custom_kw[] = { "k", "7up", "\xc3\xb1u", "x-y", "q.r", "zz" };
	static const char *const fill[] = {
		" ", " ", ": ", "\n", "-", "\"", "<td>", "</td>", "12", "ab", "=", ",", "\t", "_",
		"536904399", "536904399", "123-45-6789", "0612345678", "020 7946 0958",
		"4111 1111 1111 1111", "DE89370400440532013000", "943476590", "Q1234", "Q1234",
		"K", "7", "\xc3\xb1", "x", "z",
	};
	static const char *const by_hand[] = {
		"k: Q1234", "K:Q1234", "Q1234 k.", "Q1234 (K)", "x-y Q1234", "x_y Q1234",
		"X Y: Q1234", "Q1234 X_Y", "7up Q1234", "7UP:Q1234", "\xc3\xb1u Q1234",
		"q.r Q1234", "Q.R=Q1234", "zz Q1234", "zzz Q1234", "e-mail: jane@example.org",
		"E_MAIL jane@example.org", "e mail jane@example.org", "soc-sec 536904399",
		"SOC_SEC: 536904399", "Soc Sec 536904399", "536904399 ssn", "536904399 SSNs.",
		"d.n.i 12345678Z", "NI-NUMBER AB123456C", "tel.: 0612345678", "0612345678 tel",
	};
	static struct sensor_def defs[SENSOR_MAX];
	static char toks[1200][80];
	const char *tp[1200];
	unsigned int n = sensor_catalogue_builtin(defs, SENSOR_MAX - 2), i, j, round, pass;
	struct sensor_db *db;
	struct sensor_diff *d;
	char err[256], text[700];
	uint64_t s = 0xfeedbeefcafef00dULL;
	size_t nt = 0, len;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct sensor_def *c = &defs[n++];

		sensor_diff_custom(c, i == 0 ? "kw_needed" : "kw_scored", "Q\\d{4}", NULL);
		c->context_required = i == 0;
		for (j = 0; j < sizeof(custom_kw) / sizeof(custom_kw[0]); j++)
			snprintf(c->keywords[j], SENSOR_KEYWORD_LEN, "%s", custom_kw[j]);
		c->n_keywords = j;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < defs[i].n_keywords; j++)
			nt = keyword_tokens(defs[i].keywords[j], toks, nt, 1200);
	for (i = 0; i < nt; i++)
		tp[i] = toks[i];
	for (i = 0; i < sizeof(fill) / sizeof(fill[0]) && nt < 1200; i++)
		for (j = 0; j < 12 && nt < 1200; j++)	/* values and separators: common */
			tp[nt++] = fill[i];
	db = sensor_db_compile(defs, n, err, sizeof(err));
	if (db == NULL)
		fail_msg("%s", err);
	d = sensor_diff_create(db, &today, err, sizeof(err));
	assert_non_null(d);
	/* With AVX2 (when the CPU has it), then the scalar test. */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			db->pf->avx2 = 0;
		for (i = 0; i < sizeof(by_hand) / sizeof(by_hand[0]); i++)
			agree_str(d, by_hand[i], 8);
		for (round = 0; round < (pass == 0 ? 1200U : 300U); round++) {
			len = soup(text, sizeof(text), tp, nt, 3 + (unsigned int)(s % 40), &s);
			agree(d, (const uint8_t *)text, len, round * 3, 3);
		}
	}
	/* Every keyword before and after the same three values (a 9-digit SSN, the custom
	 * value, a national phone number), 1 to 79 bytes away: inside the 64-byte windows
	 * and outside them. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < defs[i].n_keywords; j++) {
			unsigned int gap;

			for (gap = 0; gap < 80; gap += 13) {
				len = (size_t)snprintf(text, sizeof(text),
						       "%s%*s 536904399 Q1234 0612345678%*s%s.",
						       defs[i].keywords[j], (int)gap, "", (int)gap,
						       "", defs[i].keywords[j]);
				agree(d, (const uint8_t *)text, len, gap + j, 2);
			}
		}
	}
	sensor_diff_free(d);
	sensor_db_free(db);
}

/*
 * Hyperscan reports a match of a pattern with SOM after a later one's in the same scan
 * call: the private key below ends at 145, the 9-digit value after its second body at
 * 146, and the key came second. Processed as they came, the first key (ending at 70,
 * waiting for a keyword) was decided before the second joined its overlap group and both
 * were reported by the HYPERSCAN engine, one by the PREFILTER engine (whose 9-digit
 * values come from the prefilter, in order). The hits of a call are now sorted by end
 * offset (lit_flush). Found by fuzz_sensor_engines (plan seed 225192148: one scan,
 * commits).
 */
static void
test_engines_agree_when_hyperscan_reports_a_match_late(void **state)
{
	static const char text[] =
		"\n-----BEGIN PRIVATE KEY-----\\nDANBbqkiG7w0BAQEFA123456789ASCBKcwggtion: "
		"eyJiiG7w0BAQEFAA123456789A\xff\xff\xd6""1-\\nMIIEvQIBADANBbgkqhkiG7w0BAQEFAA"
		"123456789A1";
	struct sensor_db *db = builtin_db();
	struct sensor_diff *d;
	char err[256];

	(void)state;
	d = sensor_diff_create(db, &today, err, sizeof(err));
	assert_non_null(d);
	/* One private key (the later body wins the overlap), 9-digit values rejected. */
	assert_int_equal(agree(d, (const uint8_t *)text, sizeof(text) - 1, 225192148, 1), 1);
	agree(d, (const uint8_t *)text, sizeof(text) - 1, 1, 64);
	sensor_diff_free(d);
	sensor_db_free(db);
}

/* ---- the Hyperscan gate (sensor_gate.h) ---- */

static int
gate_has(const struct sensor_gate *g, const char *lit)
{
	unsigned int t;

	for (t = 0; t < g->n; t++)
		if (g->len[t] == strlen(lit) && memcmp(g->lit[t], lit, g->len[t]) == 0)
			return (int)t;
	return -1;
}

static struct sensor_db *
db_with_custom(const char *pattern)
{
	static struct sensor_def defs[SENSOR_MAX];
	unsigned int n = sensor_catalogue_builtin(defs, SENSOR_MAX - 1);
	char err[256];
	struct sensor_db *db;

	sensor_diff_custom(&defs[n++], "custom", pattern, NULL);
	db = sensor_db_compile(defs, n, err, sizeof(err));
	if (db == NULL)
		fail_msg("%s", err);
	return db;
}

/* The catalogue leaves two literal-led patterns in Hyperscan, so the gate has two anchor
 * kinds; a custom literal-led pattern adds a third, one without a literal turns it off. */
static void
test_gate_anchors_are_the_literals_hyperscan_patterns_start_with(void **state)
{
	struct sensor_db *db = builtin_db();
	const struct sensor_gate *g = &db->gate;
	int jwt, key;
	uint8_t lit[SENSOR_GATE_LEN];
	struct sensor_re *re;
	char why[128];

	(void)state;
	assert_int_equal(g->n, 2);
	jwt = gate_has(g, "eyJ");
	key = gate_has(g, "-----BEGIN ");
	assert_true(jwt >= 0 && key >= 0);
	assert_int_equal(g->lead, 1);		/* the JWT's base64url lead guard */
	assert_int_equal(g->trail[jwt], 1);
	assert_int_equal(g->trail[key], 0);
	/* A JWT is over at the first byte that is not base64url or a dot; a private key's
	 * header lines take any byte, so it never ends that way. */
	assert_true(g->body['.'] & (1U << jwt));
	assert_true(g->body['_'] & (1U << jwt));
	assert_false(g->body[' '] & (1U << jwt));
	assert_false(g->body['"'] & (1U << jwt));
	assert_true(g->body[' '] & (1U << key));
	assert_true(g->body['"'] & (1U << key));
	assert_int_equal(g->endless, 1U << key);
	assert_true(g->inner['B'] && g->inner['J'] && !g->inner['e'] && !g->inner['x']);
	sensor_db_free(db);

	db = db_with_custom("MRN:\\d{3,5}");
	assert_int_equal(db->gate.n, 3);
	assert_true(gate_has(&db->gate, "MRN:") >= 0);
	sensor_db_free(db);
	db = db_with_custom("(?:MRN|PID):\\d{3,5}");
	assert_int_equal(db->gate.n, 0);
	sensor_db_free(db);

	/* The literal prefix itself. */
	re = sensor_re_parse("(?:-----BEGIN )(?:[A-Z]+ )*KEY", why, sizeof(why));
	assert_non_null(re);
	assert_int_equal(sensor_re_literal_prefix(re, lit, sizeof(lit)), 11);
	assert_memory_equal(lit, "-----BEGIN ", 11);
	sensor_re_free(re);
	re = sensor_re_parse("ab?c", why, sizeof(why));
	assert_non_null(re);
	assert_int_equal(sensor_re_literal_prefix(re, lit, sizeof(lit)), 1);
	sensor_re_free(re);
	re = sensor_re_parse("ab|ac", why, sizeof(why));
	assert_non_null(re);
	assert_int_equal(sensor_re_literal_prefix(re, lit, sizeof(lit)), 0);
	sensor_re_free(re);
	re = sensor_re_parse("(?i:eyj)x", why, sizeof(why));
	assert_non_null(re);
	assert_int_equal(sensor_re_literal_prefix(re, lit, sizeof(lit)), 0);
	sensor_re_free(re);
}

/* The gate's finder: every anchor whole inside the bytes, first and last of each kind, with
 * AVX2 and without, at every offset of a block. */
static void
test_gate_finder_finds_every_anchor_with_and_without_avx2(void **state)
{
	struct sensor_db *db = builtin_db();
	struct sensor_gate g = db->gate;
	int jwt = gate_has(&g, "eyJ"), key = gate_has(&g, "-----BEGIN ");
	uint8_t buf[200];
	uint32_t first, last[SENSOR_GATE_MAX];
	unsigned int pos, v, len;

	(void)state;
	for (v = 0; v < 2; v++) {
		g.avx2 = (uint8_t)(v && sensor_prefilter_have_avx2());
		for (pos = 0; pos + 11 <= 120; pos++) {
			memset(buf, 'x', sizeof(buf));
			memcpy(buf + pos, "-----BEGIN ", 11);
			assert_int_equal(sensor_gate_find(&g, buf, 120, &first, last), 1);
			assert_int_equal(first, pos);
			assert_int_equal(last[key], pos);
			assert_int_equal(last[jwt], UINT32_MAX);
			/* cut short of its end: not whole, not found */
			assert_int_equal(sensor_gate_find(&g, buf, pos + 10, &first, last), 0);
			memcpy(buf + 150, "eyJ", 3);
			memcpy(buf + 160, "eyJ", 3);
			assert_int_equal(sensor_gate_find(&g, buf, 200, &first, last), 1);
			assert_int_equal(first, pos);
			assert_int_equal(last[jwt], 160);
			assert_int_equal(sensor_gate_find(&g, buf + 120, 42, &first, last), 1);
			assert_int_equal(first, 30);
			assert_int_equal(last[jwt], 30);
			assert_int_equal(last[key], UINT32_MAX);
		}
		/* every length, an anchor at every place it fits whole (the block, 32-byte and
		 * tail paths of the finder) */
		for (len = 3; len <= 140; len++) {
			for (pos = 0; pos + 3 <= len; pos++) {
				memset(buf, 'y', sizeof(buf));
				memcpy(buf + pos, "eyJ", 3);
				if (sensor_gate_find(&g, buf, len, &first, last) != 1 ||
				    first != pos || last[jwt] != pos)
					fail_msg("avx2 %u: eyJ at %u of %u", g.avx2, pos, len);
			}
			/* the last one cut short of its end */
			assert_int_equal(sensor_gate_find(&g, buf, len - 1, &first, last), 0);
		}
		/* near misses */
		memset(buf, 'x', sizeof(buf));
		memcpy(buf + 3, "eyj eYJ ey J -----BEGIN- ----BEGIN  EyJ", 39);
		assert_int_equal(sensor_gate_find(&g, buf, 200, &first, last), 0);
	}
	assert_int_equal(sensor_gate_breaker(&g, (unsigned int)jwt,
					     (const uint8_t *)"eyJa_b-c.d9\"x", 13), 11);
	sensor_db_free(db);
}

/* JWTs and private keys, whole and broken, among fillers that close the gate (spaces,
 * quotes) and ones that keep a match going (base64url runs longer than the ring), cut
 * everywhere, with gaps and commits: the same matches and counters as Hyperscan over every
 * byte, and the gate both stopped and restarted Hyperscan. */
static void
test_engines_agree_on_anchor_soup(void **state)
{
	static const char *const toks[] = {
		"eyJ", "eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiIxIn0", ".", ".", "abc_-9", "e", "y",
		"J", "ey", "yJ", " ", " ", "\"", "\n", "bearer ", "token=", "x", "-----BEGIN ",
		"-----", "BEGIN ", "RSA ", "EC ", "PRIVATE KEY-----", "\n", "\\n",
		"Proc-Type: 4,ENCRYPTED\n", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
		"BKcwggSjAgEAAoIBAQC7", "-----END PRIVATE KEY-----", "4111111111111111 ",
		"ssn 123-45-6789 ", "@", "jane@example.org ", "<p>",
		"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl\r\n",
		"token=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0.&x=1 ",
		"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n",
		"{\"k\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSj\"}",
		/* fillers: the first closes a JWT, the others keep one going */
		"                                                                                ",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. ",
	};
	struct sensor_db *db = builtin_db();
	struct sensor_diff *d;
	char err[256];
	char *text = malloc(8192);
	uint64_t s = 0xa5a5a5a5deadbeefULL, restarts = 0, before;
	unsigned int round;
	long matches = 0, n;

	(void)state;
	assert_non_null(text);
	d = sensor_diff_create(db, &today, err, sizeof(err));
	assert_non_null(d);
	for (round = 0; round < 600; round++) {
		size_t len = soup(text, 8192, toks, sizeof(toks) / sizeof(toks[0]),
				  4 + (unsigned int)(s % 120), &s);
		struct sensor_diff_plan plan;
		char why[512];
		unsigned int k;

		for (k = 0; k < 5; k++) {
			sensor_diff_plan(round * 5 + k, &plan);
			before = sensor_diff_stats(d, 1)->gate_restarts;
			n = sensor_diff_run(d, (const uint8_t *)text, len, &plan, why, sizeof(why));
			if (n < 0)
				fail_msg("round %u: %.80s...: %s", round, text, why);
			matches += n;
			restarts += sensor_diff_stats(d, 1)->gate_restarts - before;
		}
	}
	/* Not vacuous: values were found, and Hyperscan was stopped and restarted. */
	assert_true(matches > 100);
	assert_true(restarts > 100);
	assert_int_equal(sensor_diff_stats(d, 0)->gate_restarts, 0);
	sensor_diff_free(d);
	sensor_db_free(db);
	free(text);
}

/* Kind A takes S{m,}@W with '@' in neither part and no lead guard (the e-mail boundary);
 * anything else of the kind stays in Hyperscan. */
static void
test_prefilter_anchor_kind_takes_what_it_can_prove(void **state)
{
	static const char *const pats[] = {
		"[a-z]{2,}@corp\\.example",	/* A, left 2 */
		"[a-z]+@[a-z@]+",		/* '@' after the anchor */
		"[a-z]*@x\\.example",		/* no local byte needed */
		"b[a-z]+@y\\.example",		/* a literal before the repeat */
	};
	struct sensor_def def;
	struct sensor_db *db;
	struct sensor_diff *d;
	char err[256];
	unsigned int i, in_a = 0;

	(void)state;
	memset(&def, 0, sizeof(def));
	snprintf(def.id, sizeof(def.id), "corp_mail");
	snprintf(def.category, sizeof(def.category), "contact");
	def.enabled = 1;
	def.severity = SENSOR_SEV_HIGH;
	def.validator = VALIDATOR_NONE;
	def.boundary = SENSOR_BOUNDARY_EMAIL;
	def.max_len = 64;
	for (i = 0; i < 4; i++)
		snprintf(def.patterns[i], SENSOR_PATTERN_LEN, "%s", pats[i]);
	def.n_patterns = 4;
	db = sensor_db_compile(&def, 1, err, sizeof(err));
	if (db == NULL)
		fail_msg("%s", err);
	for (i = 0; i < db->n_pats; i++) {
		const struct sensor_pattern *p = &db->pats[i];

		if (p->kind != SENSOR_PAT_VALUE)
			continue;
		if (strstr(db->ex[i].re, "corp") != NULL) {
			assert_int_equal(p->pf, SENSOR_PAT_PF_A);
			in_a++;
		} else if (p->pf != SENSOR_PAT_HS) {
			fail_msg("%s runs in %u", db->ex[i].re, p->pf);
		}
	}
	assert_int_equal(in_a, 1);
	assert_int_equal(db->pf->kind[SENSOR_PF_A].left, 2);
	d = sensor_diff_create(db, &today, err, sizeof(err));
	assert_non_null(d);
	/* xx@, abc@ (the whole local part), not a@ (one letter), not @corp.examples. */
	assert_int_equal(agree_str(d, "xx@corp.example a@corp.example abc@corp.example, "
				      "zz@corp.examples q@x.example bob@y.example", 40), 4);
	sensor_diff_free(d);
	sensor_db_free(db);
}

/* ---- the pieces ---- */

static void
test_regex_subset_refuses_what_it_cannot_run_like_hyperscan(void **state)
{
	static const char *const refused[] = {
		"\\d{3}$", "\\bx", "(?i)abc", "a*?", "a++", "(?=a)b", "\\1", "\\x{41}", "[[:digit:]]",
		"\\s", "a{2}{3}", "a{", "\\Qx\\E", "\\z", "\\p{L}",
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char why[64];
		struct sensor_re *re = sensor_re_parse(refused[i], why, sizeof(why));

		if (re != NULL)
			fail_msg("%s parsed", refused[i]);
		assert_true(strncmp(why, "unsupported: ", 13) == 0);
	}
}

static void
test_regex_shape_of_builtin_forms(void **state)
{
	static const struct {
		const char *re;
		int64_t min, pre, suf, mid;
	} cases[] = {
		{ "[2-6]\\d{3}[ \\-]\\d{4}[ \\-]\\d{4}[ \\-]\\d{4}", 16, 0, 0, 1 },
		{ "PT \\d{3} \\d{3} \\d{3}", 9, 3, 0, 1 },
		{ "\\d{8}[ \\-][A-HJ-NP-TV-Za-hj-np-tv-z]", 8, 0, 2, SENSOR_RE_NONE },
		{ "\\+\\d+(?:[ .\\-]?\\(\\d+\\)[ .\\-]?\\d+|[ .\\-]\\d+)*", 1, 1, 0, 2 },
		{ "\\d{5}[0-9][0-9ABab]\\d{8}", 14, 0, 0, 1 },
		{ "[A-Z]{2}\\d{2}[A-Z0-9]{11,30}", 2, 2, 30, 0 },
		{ "x*\\d{5}", 5, SENSOR_RE_INF, 0, SENSOR_RE_NONE },
		{ "(?i:pt)\\d{9}", 9, 2, 0, SENSOR_RE_NONE },
	};
	struct sensor_re_set dig;
	unsigned int i, c;

	(void)state;
	memset(&dig, 0, sizeof(dig));
	for (c = '0'; c <= '9'; c++)
		sensor_re_set_add(&dig, c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sensor_re *re = sensor_re_parse(cases[i].re, NULL, 0);
		struct sensor_re_shape s;

		assert_non_null(re);
		sensor_re_shape(re, &dig, &s);
		if (s.min_sure != cases[i].min || s.pre != cases[i].pre || s.suf != cases[i].suf ||
		    (s.mid != cases[i].mid && !(s.mid <= 0 && cases[i].mid <= 0)))
			fail_msg("%s: min %lld pre %lld suf %lld mid %lld", cases[i].re,
				 (long long)s.min_sure, (long long)s.pre, (long long)s.suf,
				 (long long)s.mid);
		sensor_re_free(re);
	}
}

/* (?i:...) folds ASCII letters only, classes before they are negated. */
static void
test_regex_caseless_group_folds_ascii_letters(void **state)
{
	struct sensor_re *re = sensor_re_parse("(?i:a[^b]\\xe9)c", NULL, 0);
	const struct sensor_re_set *s;
	int32_t n;

	(void)state;
	assert_non_null(re);
	n = re->nodes[re->root].child;	/* the group's CAT: a, [^b], \xe9 */
	assert_int_equal(re->nodes[n].kind, SENSOR_RE_CAT);
	n = re->nodes[n].child;
	s = &re->sets[re->nodes[n].set];
	assert_true(sensor_re_set_has(s, 'a') && sensor_re_set_has(s, 'A'));
	s = &re->sets[re->nodes[re->nodes[n].next].set];
	assert_false(sensor_re_set_has(s, 'b') || sensor_re_set_has(s, 'B'));
	assert_true(sensor_re_set_has(s, 'c') && sensor_re_set_has(s, '\n'));
	s = &re->sets[re->nodes[re->nodes[re->nodes[n].next].next].set];
	assert_true(sensor_re_set_has(s, 0xe9) && !sensor_re_set_has(s, 0xc9));
	s = &re->sets[re->nodes[re->nodes[re->nodes[re->root].child].next].set];
	assert_true(sensor_re_set_has(s, 'c') && !sensor_re_set_has(s, 'C'));
	sensor_re_free(re);
}

/* sensor_dfa_run (four steps a check) stops where a step at a time does, at every length,
 * start and quiet count, hits next to each other and at the last byte included. */
static void
test_dfa_run_stops_where_one_step_at_a_time_does(void **state)
{
	static const char *const pats[2] = { "ab", "b[a-c]{2}" };
	const struct sensor_re *res[2];
	const uint32_t ids[2] = { 0, 1 };
	struct sensor_re *re[2];
	struct sensor_dfa *d;
	uint8_t buf[40];
	uint64_t r = 7;
	unsigned int i, round;

	(void)state;
	for (i = 0; i < 2; i++) {
		re[i] = sensor_re_parse(pats[i], NULL, 0);
		assert_non_null(re[i]);
		res[i] = re[i];
	}
	d = sensor_dfa_build(res, ids, 2, SENSOR_DFA_UNANCHORED, 1000, NULL, 0);
	assert_non_null(d);
	for (round = 0; round < 3000; round++) {
		size_t n = round % sizeof(buf), quiet = (round / 7) % 12, want_k = n, k;
		uint32_t s0 = d->start, s, t;

		for (i = 0; i < n; i++) {
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			buf[i] = (uint8_t)"abcx"[r % 4];
		}
		for (i = 0; i < round % 3; i++)		/* a run that starts mid-text */
			s0 = d->trans[s0 + d->cls['a']];
		t = s0;
		for (i = 0; i < n; i++) {
			t = d->trans[t + d->cls[buf[i]]];
			if (t >= d->acc_base && i + 1 > quiet) {
				want_k = i + 1;
				break;
			}
		}
		s = s0;
		k = sensor_dfa_run(d, &s, buf, n, quiet);
		if (k != want_k || s != t)
			fail_msg("round %u: n %zu quiet %zu: read %zu (want %zu)", round, n, quiet,
				 k, want_k);
	}
	sensor_dfa_free(d);
	for (i = 0; i < 2; i++)
		sensor_re_free(re[i]);
}

static void
test_prefilter_avx2_masks_equal_scalar_masks(void **state)
{
	uint8_t buf[1000];
	uint64_t a[4][16], b[4][16];
	uint64_t s = 99;
	unsigned int i, n;

	(void)state;
	if (!sensor_prefilter_have_avx2())
		skip();
	for (n = 1; n <= sizeof(buf); n += 37) {
		for (i = 0; i < n; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			buf[i] = (uint8_t)(s >> 24);
			if (s % 3 == 0)
				buf[i] = (uint8_t)"09AZ +@[`/:\x80\xff"[s % 14];
		}
		memset(a, 0xaa, sizeof(a));
		memset(b, 0x55, sizeof(b));
		sensor_prefilter_masks_scalar(buf, n, a[0], a[1], a[2], a[3]);
		sensor_prefilter_masks_avx2(buf, n, b[0], b[1], b[2], b[3]);
		for (i = 0; i < 4; i++)
			assert_memory_equal(a[i], b[i], sizeof(uint64_t) * ((n + 63) / 64));
	}
}

static uint64_t
xs(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/*
 * The run filter's run starts against a bit-by-bit count, for every threshold a kind can
 * have (its halving steps made as sensor_prefilter.c makes them), on word pairs built to
 * put runs across the boundary of every length: lo's top run of ones and hi's bottom one
 * each of every length, random bits elsewhere.
 */
static void
test_prefilter_run_starts_count_every_run(void **state)
{
	struct sensor_pf_kind K;
	uint64_t r = 0x5eed5eedULL;
	uint32_t min, have, step, top, bottom, p, q;

	(void)state;
	for (min = 1; min <= SENSOR_PF_MIN_CAP; min++) {
		memset(&K, 0, sizeof(K));
		K.min = min;
		for (have = 1; have < min; have += step) {
			step = have < min - have ? have : min - have;
			K.steps[K.n_steps++] = (uint8_t)step;
		}
		for (top = 0; top <= 64; top++) {
			for (bottom = 0; bottom <= 64; bottom += 1 + (bottom > 8) * 7) {
				/* lo: exactly `top` ones at the top; hi: exactly `bottom` at the
				 * bottom; random bits (dense in hi) below and above them */
				uint64_t lo = xs(&r) & xs(&r), hi = xs(&r) | xs(&r), want = 0;
				uint64_t mt = top == 0 ? 0 : ~0ULL << (64 - top);
				uint64_t mb = bottom == 64 ? ~0ULL : (1ULL << bottom) - 1;

				lo = top == 64 ? ~0ULL : (lo & ~mt & ~(1ULL << (63 - top))) | mt;
				hi = bottom == 64 ? ~0ULL : (hi & ~mb & ~(1ULL << bottom)) | mb;
				for (p = 0; p < 64; p++) {
					for (q = p; q < p + min; q++)
						if (!(q < 64 ? lo >> q & 1 : hi >> (q - 64) & 1))
							break;
					if (q == p + min)
						want |= 1ULL << p;
				}
				if (sensor_prefilter_run_starts(lo, hi, &K) != want)
					fail_msg("min %u lo %#" PRIx64 " hi %#" PRIx64 ": %#" PRIx64
						 " for %#" PRIx64, min, lo, hi,
						 sensor_prefilter_run_starts(lo, hi, &K), want);
			}
		}
	}
}

/* The keyword DFA's skip tables: digits and punctuation are guard bytes (to G), a letter
 * some keyword starts with is K, another letter goes back to S. */
static void
test_keyword_skip_types_of_the_builtin_keywords(void **state)
{
	struct sensor_db *db = builtin_db();
	const struct sensor_dfa_skip *sk;

	(void)state;
	sk = db->pf->kw_skip;
	assert_non_null(sk);
	assert_int_equal(sk->s_idle, db->pf->kw_dfa->start);
	assert_int_not_equal(sk->g_idle, sk->s_idle);
	/* "ssn", "card": K; 'q', 'x': no keyword starts with them; '7', ',', '\n': guards. */
	assert_int_equal(sk->type['s'], 2);
	assert_int_equal(sk->type['C'], 2);
	assert_int_equal(sk->type['q'], 0);
	assert_int_equal(sk->type['x'], 0);
	assert_int_equal(sk->type['7'], 1);
	assert_int_equal(sk->type[','], 1);
	assert_int_equal(sk->type['\n'], 1);
	assert_int_equal(sk->after['7'], sk->g_idle);
	assert_int_equal(sk->after['q'], sk->s_idle);
	sensor_db_free(db);
}

/* The AVX2 masks: every byte value at every position of every length up to 64. */
static void
test_keyword_skip_masks_hold_each_bytes_type(void **state)
{
	struct sensor_db *db = builtin_db();
	const struct sensor_dfa_skip *sk = db->pf->kw_skip;
	uint8_t buf[64];
	uint64_t m[3], r = 5;
	unsigned int n, i, v;

	(void)state;
	if (!sensor_prefilter_have_avx2())
		skip();
	assert_non_null(sk);
	for (v = 0; v < 256; v++) {
		for (n = 1; n <= 64; n++) {
			uint64_t want[3] = { 0, 0, 0 };

			for (i = 0; i < n; i++) {
				buf[i] = (uint8_t)(i == (v * 7 + n) % n ? v : xs(&r) >> 24);
				if (sk->type[buf[i]] >= 1)
					want[sk->type[buf[i]] - 1] |= 1ULL << i;
			}
			sensor_dfa_skip_masks(sk, buf, n, m);
			for (i = 0; i < 3; i++)
				if (m[i] != want[i])
					fail_msg("byte %u, length %u, set %u: %#llx, want %#llx",
						 v, n, i, (unsigned long long)m[i],
						 (unsigned long long)want[i]);
		}
	}
	sensor_db_free(db);
}

/* sensor_dfa_skip_run returns what a step at a time does (bytes read, state), from idle
 * and busy states, at every quiet count, over soups of keywords, near misses, digits,
 * words and bytes above 127, sparse enough to skip and dense enough not to. */
static void
test_keyword_skip_run_stops_where_one_step_at_a_time_does(void **state)
{
	static const char *const bits[] = {
		"ssn", "SSN:", "social security", "card", "cards", "credit card", "iban ",
		"bsn", "nif", "d.n.i", "steuer id", "henkil\xc3\xb6tunnus",
		"s\xc3\xa9\x63urit\xc3\xa9",
		"ss", "soc", "carx", "qqq", "xyz", "word", " ", ",", "\n", "-", ".", "\"", ":",
		"0123456789", "4111 1111", "999-99-9999", "\xff\x80", "AbCdEf",
	};
	struct sensor_db *db = builtin_db();
	const struct sensor_dfa *d = db->pf->kw_dfa;
	const struct sensor_dfa_skip *sk = db->pf->kw_skip;
	uint8_t buf[700];
	uint64_t r = 11;
	unsigned int round, dense_seen = 0, sparse_seen = 0;

	(void)state;
	if (!sensor_prefilter_have_avx2())
		skip();
	assert_non_null(sk);
	for (round = 0; round < 4000; round++) {
		size_t n = 0, cap = xs(&r) % sizeof(buf), i, k, want_k, quiet;
		/* 0: text; 3: mostly digits */
		unsigned int digits = (unsigned int)(xs(&r) % 4);
		uint32_t s0 = d->start, s, t;
		int dense = 0, hit = 0;

		while (n < cap) {
			const char *b = (unsigned int)(xs(&r) % 4) < digits ?
						"0123456789,;\n"[xs(&r) % 13] == ',' ? ", " : "73" :
						bits[xs(&r) % (sizeof(bits) / sizeof(bits[0]))];
			size_t l = strlen(b);

			if (n + l > cap)
				l = cap - n;
			memcpy(buf + n, b, l);
			n += l;
		}
		quiet = xs(&r) % 3 == 0 ? xs(&r) % (n + 1) : 0;
		/* Start idle (S or G), or inside a keyword. */
		for (i = 0; i < round % 4; i++)
			s0 = d->trans[s0 + d->cls[(uint8_t)" s s"[i]]];
		t = s0;
		want_k = n;
		for (i = 0; i < n; i++) {
			t = d->trans[t + d->cls[buf[i]]];
			if (t >= d->acc_base && i + 1 > quiet) {
				want_k = i + 1;
				hit = 1;
				break;
			}
		}
		s = s0;
		k = sensor_dfa_skip_run(d, sk, &s, buf, n, quiet, &dense);
		if (k != want_k || s != t)
			fail_msg("round %u: n %zu quiet %zu hit %d: read %zu (want %zu), state %u "
				 "(want %u)", round, n, quiet, hit, k, want_k, s, t);
		dense_seen += dense;
		sparse_seen += !dense && n > 128;
	}
	/* Both ways were taken. */
	assert_true(dense_seen > 100);
	assert_true(sparse_seen > 100);
	/* A keyword at every offset of digits, across the 64-byte blocks: after a block with
	 * nothing of interest the run enters the next one in G. */
	for (round = 0; round < 300; round++) {
		const char *kw = round % 2 ? "ssn:" : "card ";
		size_t n = 400, k, want_k = n, i;
		uint32_t s = d->start, t = d->start;
		int dense = 0;

		for (i = 0; i < n; i++)
			buf[i] = (uint8_t)(i % 5 == 4 ? ',' : '0' + i % 10);
		memcpy(buf + round / 2 + 1, kw, strlen(kw));
		for (i = 0; i < n; i++) {
			t = d->trans[t + d->cls[buf[i]]];
			if (t >= d->acc_base) {
				want_k = i + 1;
				break;
			}
		}
		assert_true(want_k < n);	/* the keyword is found */
		k = sensor_dfa_skip_run(d, sk, &s, buf, n, 0, &dense);
		if (k != want_k || s != t)
			fail_msg("%s at %u: read %zu (want %zu)", kw, round / 2 + 1, k, want_k);
		assert_false(dense);
	}
	sensor_db_free(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefilter_takes_every_class_led_builtin_pattern),
		cmocka_unit_test(test_prefilter_custom_class_patterns_go_where_they_can_be_proven),
		cmocka_unit_test(
			test_engines_agree_when_a_keyword_search_runs_inside_the_stream_callback),
		cmocka_unit_test(test_engines_agree_on_bench_mixes),
		cmocka_unit_test(test_engines_agree_on_hand_written_edge_cases),
		cmocka_unit_test(test_engines_agree_on_random_token_soup),
		cmocka_unit_test(test_engines_agree_on_email_soup),
		cmocka_unit_test(test_engines_agree_on_keyword_soup),
		cmocka_unit_test(test_engines_agree_when_hyperscan_reports_a_match_late),
		cmocka_unit_test(test_prefilter_anchor_kind_takes_what_it_can_prove),
		cmocka_unit_test(test_gate_anchors_are_the_literals_hyperscan_patterns_start_with),
		cmocka_unit_test(test_gate_finder_finds_every_anchor_with_and_without_avx2),
		cmocka_unit_test(test_engines_agree_on_anchor_soup),
		cmocka_unit_test(test_regex_subset_refuses_what_it_cannot_run_like_hyperscan),
		cmocka_unit_test(test_regex_shape_of_builtin_forms),
		cmocka_unit_test(test_regex_caseless_group_folds_ascii_letters),
		cmocka_unit_test(test_dfa_run_stops_where_one_step_at_a_time_does),
		cmocka_unit_test(test_prefilter_avx2_masks_equal_scalar_masks),
		cmocka_unit_test(test_prefilter_run_starts_count_every_run),
		cmocka_unit_test(test_keyword_skip_types_of_the_builtin_keywords),
		cmocka_unit_test(test_keyword_skip_masks_hold_each_bytes_type),
		cmocka_unit_test(test_keyword_skip_run_stops_where_one_step_at_a_time_does),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
