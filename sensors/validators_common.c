/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every validator file shares (validators_priv.h): the written-form matcher (the
 * template language is described there), the Luhn check (ISO/IEC 7812-1 annex B),
 * today's date for the date-dependent checks, and the properties of each validator that
 * the sensor engine ranks overlapping matches by. It calls nothing of validators.c or
 * validators_national.c, which both call it.
 *
 * Pure functions: no allocation, no locks, no global mutable state; any thread.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "validators_priv.h"

/* ---- today ---- */

/*
 * Civil date of a day count since 1970-01-01 (H. Hinnant's days_from_civil inverse):
 * gmtime_r would do, but glibc takes its time-zone lock even for UTC.
 */
static void
civil_from_days(int64_t z, struct validator_date *out)
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	out->year = (uint16_t)(y + (m <= 2));
	out->month = (uint8_t)m;
	out->day = (uint8_t)d;
}

void
validator_today(struct validator_date *out)
{
	struct timespec ts;
	int64_t s;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		ts.tv_sec = 0;
	s = (int64_t)ts.tv_sec;
	civil_from_days(s >= 0 ? s / 86400 : (s - 86399) / 86400, out);
}

/* ---- properties the sensor engine ranks matches by ---- */

bool
validator_has_checksum(enum validator_id id)
{
	switch (id) {
	case VALIDATOR_LUHN:
	case VALIDATOR_MOD97:
	case VALIDATOR_CREDIT_CARD:
	case VALIDATOR_IBAN:
	case VALIDATOR_GB_NHS:
	case VALIDATOR_ES_DNI:
	case VALIDATOR_ES_NIE:
	case VALIDATOR_IT_CODICE_FISCALE:
	case VALIDATOR_NL_BSN:
	case VALIDATOR_BE_NN:
	case VALIDATOR_PL_PESEL:
	case VALIDATOR_SE_PERSONNUMMER:
	case VALIDATOR_FI_HETU:
	case VALIDATOR_DE_IDNR:
	case VALIDATOR_FR_NIR:
	case VALIDATOR_AT_SVNR:
	case VALIDATOR_IE_PPS:
	case VALIDATOR_PT_NIF:
		return true;
	default:
		/* Layout, ranges and dates only: NONE, US_SSN, EMAIL, PHONE, GB_NINO, DK_CPR
		 * (mod 11 no longer required), AWS key ids, private keys, JWTs. */
		return false;
	}
}

bool
validator_weak_needs_label(enum validator_id id)
{
	return id == VALIDATOR_PHONE;
}

/* ---- written forms ---- */

/* The template t (len characters, 8 to 23) is all 'n', by three overlapping 8-byte words. */
static inline bool
all_n(const char *t, size_t len)
{
	const uint64_t n8 = 0x6e6e6e6e6e6e6e6eULL;	/* "nnnnnnnn" */

	return validator_load8(t) == n8 && validator_load8(t + len - 8) == n8 &&
	       (len <= 16 || validator_load8(t + 8) == n8);
}

/* The template language and the contract are in validators_priv.h. */
int
validator_form_match(const uint8_t *raw, size_t len, const struct written_form *forms,
		     unsigned int n, char buf[FORM_CHARS_MAX])
{
	int digits = -1;	/* raw is all digits: unknown until a form of its length */
	unsigned int f;
	size_t i, k;

	for (f = 0; f < n; f++) {
		const char *t = forms[f].tpl;

		if (forms[f].len != len)
			continue;
		/* Most candidates are digit runs and most forms all 'n': one check of the
		 * whole value and a copy instead of the loop below (the same result). */
		if (len >= 8 && len < FORM_CHARS_MAX) {
			if (digits < 0)
				digits = validator_all_digits(raw, len);
			if (digits && all_n(t, len)) {
				validator_copy_digits(buf, raw, len);
				buf[len] = '\0';
				return (int)f;
			}
		}
		for (i = 0, k = 0; i < len; i++) {
			uint8_t c = raw[i];
			bool ok, keep = true;

			switch (t[i]) {
			case 'n':
				ok = is_digit(c);
				break;
			case 'a':
				ok = is_alpha(c);
				break;
			case 'x':
				ok = is_alnum(c);
				break;
			default:
				ok = to_upper(c) == (uint8_t)t[i];
				keep = false;
				break;
			}
			if (!ok)
				break;
			if (keep && k < FORM_CHARS_MAX - 1)
				buf[k++] = (char)to_upper(c);
		}
		if (i == len) {
			buf[k] = '\0';
			return (int)f;
		}
	}
	return -1;
}

/* ---- check digits ---- */

bool
validator_luhn_ok(const char *d, size_t n)
{
	/* A digit's doubled value with its digits summed, by the character (0 for others). */
	static const uint8_t twice[256] = {
		['0'] = 0, ['1'] = 2, ['2'] = 4, ['3'] = 6, ['4'] = 8,
		['5'] = 1, ['6'] = 3, ['7'] = 5, ['8'] = 7, ['9'] = 9,
	};
	unsigned int sum = 0;
	size_t i = n;

	/* From the right, in pairs: the last digit as it is, the one before it doubled. */
	for (; i >= 2; i -= 2)
		sum += (unsigned int)(uint8_t)d[i - 1] - '0' + twice[(uint8_t)d[i - 2]];
	if (i == 1)
		sum += (unsigned int)(uint8_t)d[0] - '0';
	return sum % 10 == 0;
}
