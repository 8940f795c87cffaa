/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: every validator (sensors/validators.h) on the same arbitrary bytes,
 * as the pattern engine would hand a candidate over.
 *
 * Input:  byte 0   a seed: which character a check-digit test changes and by how much,
 *                  and the "today" of the date-dependent validators
 *         then the candidate (in a block of exactly its size, so a read past it is caught).
 *
 * Checks, aborting on failure:
 *   - deterministic: each validator gives the same verdict, normalised value and weak
 *     flag twice in a row with its output filled with different garbage before each
 *     call; validator_run_at with today == NULL is validator_run; the value is at most
 *     VALIDATOR_NORM_MAX bytes and weak is 0 or 1;
 *   - validator_by_name(validator_name(id)) == id for every id, and unknown names give
 *     VALIDATOR__COUNT;
 *   - luhn agrees with a reference written in the harness from its contract: digits with
 *     single separators (all ' ' or all '-') between two digits, 8..19 digits, the Luhn
 *     sum; the value is the digits. mod97 agrees with a reference: 5..64 letters and
 *     digits, optionally in groups joined by single spaces, ISO 7064 MOD 97-10 after
 *     moving the first four to the end; the value upper-cased without the spaces;
 *   - credit_card and iban accept only values whose Luhn / MOD 97-10 reference check
 *     passes, and their value is the raw characters without separators;
 *   - check digits catch what they promise: changing one digit of a value luhn,
 *     credit_card, mod97 or iban accepted into another digit makes it refused;
 *   - dk_cpr and be_nn: a value accepted at some date is still accepted 40 years later.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "validators.h"

static FUZZ_NOCOV bool
is_digit_c(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static FUZZ_NOCOV bool
luhn_sum_ok(const uint8_t *d, size_t n)
{
	unsigned int sum = 0;
	size_t i;

	/* Double every second digit counting from the rightmost (which is not doubled). */
	for (i = 0; i < n; i++) {
		unsigned int v = d[n - 1 - i] - '0';

		if (i % 2 == 1)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	return sum % 10 == 0;
}

/* luhn's contract; the digits go to d (20 bytes). */
static FUZZ_NOCOV bool
luhn_ref(const uint8_t *raw, size_t len, uint8_t *d, size_t *nd)
{
	uint8_t sep = 0;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (is_digit_c(raw[i])) {
			if (n == 19)
				return false;
			d[n++] = raw[i];
			continue;
		}
		if (raw[i] != ' ' && raw[i] != '-')
			return false;
		if (i == 0 || i + 1 == len || !is_digit_c(raw[i - 1]) || !is_digit_c(raw[i + 1]))
			return false;
		if (sep != 0 && raw[i] != sep)
			return false;
		sep = raw[i];
	}
	*nd = n;
	return n >= 8 && luhn_sum_ok(d, n);
}

/* MOD 97-10 of s (n upper-case letters and digits), first four moved to the end. */
static FUZZ_NOCOV unsigned int
mod97_of(const uint8_t *s, size_t n)
{
	unsigned int r = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = s[(i + 4) % n];

		if (is_digit_c(c)) {
			r = (r * 10 + (c - '0')) % 97;
		} else {
			unsigned int v = (unsigned int)(c - 'A') + 10;

			r = (r * 10 + v / 10) % 97;
			r = (r * 10 + v % 10) % 97;
		}
	}
	return r;
}

static FUZZ_NOCOV bool
mod97_ref(const uint8_t *raw, size_t len, uint8_t *s, size_t *ns)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		uint8_t c = raw[i];

		if (c == ' ') {
			if (i == 0 || i + 1 == len || raw[i - 1] == ' ' || raw[i + 1] == ' ')
				return false;
			continue;
		}
		if (c >= 'a' && c <= 'z')
			c = (uint8_t)(c - 'a' + 'A');
		if (!is_digit_c(c) && !(c >= 'A' && c <= 'Z'))
			return false;
		if (n == 64)
			return false;
		s[n++] = c;
	}
	*ns = n;
	return n >= 5 && mod97_of(s, n) == 1;
}

/* validator_run_at over a copy of raw in a block of exactly its size. */
static FUZZ_NOCOV bool
run(enum validator_id id, const uint8_t *raw, size_t len, const struct validator_date *today,
    struct validator_result *out, uint8_t fill)
{
	uint8_t *q = fuzz_dup(raw, len);
	bool ok;

	memset(out, fill, sizeof(*out));
	ok = today == NULL ? validator_run(id, q, len, out) :
			     validator_run_at(id, q, len, today, out);
	free(q);
	return ok;
}

static FUZZ_NOCOV bool
same(bool a_ok, const struct validator_result *a, bool b_ok, const struct validator_result *b)
{
	if (a_ok != b_ok)
		return false;
	return !a_ok || (a->norm_len == b->norm_len && a->weak == b->weak &&
			 memcmp(a->norm, b->norm, a->norm_len) == 0);
}

/* The candidate without separators (' ', '-'), upper-cased, for credit_card and iban. */
static FUZZ_NOCOV size_t
squeeze(const uint8_t *raw, size_t len, uint8_t *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < len && n < cap; i++) {
		uint8_t c = raw[i];

		if (c == ' ' || c == '-')
			continue;
		out[n++] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct validator_date fixed = { 2024, 6, 15 };
	struct validator_result r1, r2;
	struct validator_date today, later;
	const uint8_t *raw;
	uint8_t ref[80], sq[300], seed;
	size_t len, nref, i;
	unsigned int id;
	bool ok1, ok2, rok;

	if (size < 1)
		return 0;
	seed = data[0];
	raw = data + 1;
	len = size - 1;
	today.year = (uint16_t)(1990 + seed % 50);
	today.month = (uint8_t)(1 + seed % 12);
	today.day = (uint8_t)(1 + seed % 28);
	later = today;
	later.year = (uint16_t)(today.year + 40);

	FUZZ_CHECK(validator_by_name("no-such-validator") == VALIDATOR__COUNT);
	for (id = 0; id < VALIDATOR__COUNT; id++) {
		const char *name = validator_name((enum validator_id)id);

		FUZZ_CHECK(name != NULL);
		FUZZ_CHECK(validator_by_name(name) == (enum validator_id)id);

		ok1 = run((enum validator_id)id, raw, len, &today, &r1, 0x00);
		ok2 = run((enum validator_id)id, raw, len, &today, &r2, 0xFF);
		FUZZ_CHECK(same(ok1, &r1, ok2, &r2));
		if (ok1) {
			FUZZ_CHECK(r1.norm_len <= VALIDATOR_NORM_MAX);
			FUZZ_CHECK(r1.weak <= 1);
		}
		if (id != VALIDATOR_BE_NN && id != VALIDATOR_DK_CPR &&
		    id != VALIDATOR_SE_PERSONNUMMER) {
			/* No date involved: the same with today == NULL and with any date. */
			ok2 = run((enum validator_id)id, raw, len, NULL, &r2, 0x5A);
			FUZZ_CHECK(same(ok1, &r1, ok2, &r2));
			ok2 = run((enum validator_id)id, raw, len, &fixed, &r2, 0xA5);
			FUZZ_CHECK(same(ok1, &r1, ok2, &r2));
		} else if (ok1 && id != VALIDATOR_SE_PERSONNUMMER) {
			FUZZ_CHECK(run((enum validator_id)id, raw, len, &later, &r2, 0x11));
		}

		switch (id) {
		case VALIDATOR_LUHN:
			rok = luhn_ref(raw, len, ref, &nref);
			FUZZ_CHECK(ok1 == rok);
			if (ok1)
				FUZZ_CHECK(r1.norm_len == nref && memcmp(r1.norm, ref, nref) == 0);
			break;
		case VALIDATOR_MOD97:
			rok = mod97_ref(raw, len, ref, &nref);
			FUZZ_CHECK(ok1 == rok);
			if (ok1)
				FUZZ_CHECK(r1.norm_len == nref && memcmp(r1.norm, ref, nref) == 0);
			break;
		case VALIDATOR_CREDIT_CARD:
			if (!ok1)
				break;
			nref = squeeze(raw, len, sq, sizeof(sq));
			FUZZ_CHECK(nref >= 12 && nref <= 19);
			for (i = 0; i < nref; i++)
				FUZZ_CHECK(is_digit_c(sq[i]));
			FUZZ_CHECK(luhn_sum_ok(sq, nref));
			FUZZ_CHECK(r1.norm_len == nref && memcmp(r1.norm, sq, nref) == 0);
			break;
		case VALIDATOR_IBAN:
			if (!ok1)
				break;
			nref = squeeze(raw, len, sq, sizeof(sq));
			FUZZ_CHECK(nref >= 15 && nref <= 34);
			FUZZ_CHECK(mod97_of(sq, nref) == 1);
			FUZZ_CHECK(r1.norm_len == nref && memcmp(r1.norm, sq, nref) == 0);
			break;
		default:
			break;
		}

		/* One digit changed: Luhn and MOD 97-10 catch every single substitution. */
		if (ok1 && (id == VALIDATOR_LUHN || id == VALIDATOR_CREDIT_CARD ||
			    id == VALIDATOR_MOD97 || id == VALIDATOR_IBAN)) {
			size_t ndig = 0, k, pick;
			uint8_t *m;

			for (i = 0; i < len; i++)
				ndig += is_digit_c(raw[i]);
			if (ndig == 0)
				continue;
			pick = seed % ndig;
			m = fuzz_dup(raw, len);
			for (i = 0, k = 0; i < len; i++) {
				if (!is_digit_c(m[i]))
					continue;
				if (k++ == pick) {
					m[i] = (uint8_t)('0' + (m[i] - '0' + 1 + seed % 9) % 10);
					break;
				}
			}
			FUZZ_CHECK(!run((enum validator_id)id, m, len, &today, &r2, 0));
			free(m);
		}
	}
	return 0;
}
