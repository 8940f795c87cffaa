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

static inline uint64_t
load8(const void *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/* Eight bytes, all ASCII digits: high nibbles 3, low nibbles at most 9 (adding 6 to a low
 * nibble carries into its own high nibble only). */
static inline bool
digits8(uint64_t x)
{
	const uint64_t hi = 0xf0f0f0f0f0f0f0f0ULL, three = 0x3030303030303030ULL;

	return (x & hi) == three && ((x + 0x0606060606060606ULL) & hi) == three;
}

/*
 * For len from 8 to 23, by three overlapping 8-byte words: raw[0..len) all ASCII digits,
 * and the template t (len characters) all 'n'.
 */
static inline bool
all_digits(const uint8_t *raw, size_t len)
{
	return digits8(load8(raw)) && digits8(load8(raw + len - 8)) &&
	       (len <= 16 || digits8(load8(raw + 8)));
}

static inline bool
all_n(const char *t, size_t len)
{
	const uint64_t n8 = 0x6e6e6e6e6e6e6e6eULL;	/* "nnnnnnnn" */

	return load8(t) == n8 && load8(t + len - 8) == n8 && (len <= 16 || load8(t + 8) == n8);
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
				digits = all_digits(raw, len);
			if (digits && all_n(t, len)) {
				memcpy(buf, raw, 8);
				memcpy(buf + len - 8, raw + len - 8, 8);
				if (len > 16)
					memcpy(buf + 8, raw + 8, 8);
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
	unsigned int sum = 0, v;
	bool dbl = false;
	size_t i;

	for (i = n; i-- > 0; dbl = !dbl) {
		v = (unsigned int)(d[i] - '0');
		if (dbl) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}
