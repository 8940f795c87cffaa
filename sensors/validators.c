/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Validators: decide whether a candidate the pattern engine found really is the identifier
 * it looks like, and reduce it to one normalised value so the same value written two ways
 * counts once.
 *
 * Each validator checks, in this order:
 *   1. the written form: raw must be exactly one of the identifier's written forms
 *      (separators included), e.g. "nnn-nn-nnnn" or "nnnnnnnnn" for a US SSN; the form
 *      also says whether the value is weak (needs a context keyword);
 *   2. the fixed components (issuer prefix, country, area, date, letters);
 *   3. the check digits.
 *
 * The rules are ../shared/IDENTIFIERS.md's, which follow the published standards:
 * ISO/IEC 7812 (payment card Luhn check and issuer ranges), ISO 13616 and ISO 7064
 * MOD 97-10 (IBAN), ISO 7064 MOD 11,10 (de_idnr), RFC 5321/5322 dot-atom addresses
 * (email), ITU-T E.164 with the assigned calling codes (phone), RFC 7468 (PEM private
 * keys), RFC 7515/7519 (JWT), and each country's own rule for its national number. Where
 * python-stdnum 1.18 implements a number it is the oracle, and
 * tests/sensors/test_validators_stdnum.py compares both over thousands of values.
 *
 * Pure functions: no allocation, no locks, no global mutable state; any thread. Only
 * be_nn, dk_cpr and se_personnummer read the date (validator_run_at).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "validators.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

typedef bool (*validator_fn)(const uint8_t *raw, size_t len, const struct validator_date *today,
			     struct validator_result *out);

/* ---- characters ---- */

static inline bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_upper(uint8_t c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool
is_lower(uint8_t c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool
is_alpha(uint8_t c)
{
	return is_upper(c) || is_lower(c);
}

static inline bool
is_alnum(uint8_t c)
{
	return is_digit(c) || is_alpha(c);
}

static inline bool
is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static inline uint8_t
to_upper(uint8_t c)
{
	return is_lower(c) ? (uint8_t)(c - 'a' + 'A') : c;
}

static inline uint8_t
to_lower(uint8_t c)
{
	return is_upper(c) ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Value of n decimal digits (n <= 19). */
static uint64_t
dec(const char *d, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(d[i] - '0');
	return v;
}

/* ---- the normalised value ---- */

static void
norm_put(struct validator_result *out, uint8_t c)
{
	if (out->norm_len < VALIDATOR_NORM_MAX)
		out->norm[out->norm_len++] = c;
}

/* Set the normalised value to s (cut at VALIDATOR_NORM_MAX) and the weak flag. */
static bool
norm_set(struct validator_result *out, const void *s, size_t n, bool weak)
{
	if (n > VALIDATOR_NORM_MAX)
		n = VALIDATOR_NORM_MAX;
	memcpy(out->norm, s, n);
	out->norm_len = (uint16_t)n;
	out->weak = weak;
	return true;
}

/* ---- dates ---- */

static bool
is_leap(unsigned int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* A real day of the proleptic Gregorian calendar in years 1..9999 (Python's datetime). */
static bool
date_valid(unsigned int y, unsigned int m, unsigned int d)
{
	static const uint8_t mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= mdays[m - 1] + (unsigned int)(m == 2 && is_leap(y));
}

/* y-m-d is after today. */
static bool
date_after(unsigned int y, unsigned int m, unsigned int d, const struct validator_date *t)
{
	if (y != t->year)
		return y > t->year;
	if (m != t->month)
		return m > t->month;
	return d > t->day;
}

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

static const struct validator_date *
today_or_now(const struct validator_date *today, struct validator_date *buf)
{
	if (today != NULL)
		return today;
	validator_today(buf);
	return buf;
}

/* ---- written forms ---- */

/*
 * One written form of an identifier, as a template of exactly the raw length: 'n' a
 * digit, 'a' a letter, 'x' a letter or a digit; any other character stands for itself
 * (letters compared without case). weak: this form needs a context keyword.
 */
struct written_form {
	const char *tpl;
	uint8_t weak;
};

#define FORM_CHARS_MAX 24

/*
 * Index of the first form raw is written in, or -1. The characters standing for 'n', 'a'
 * and 'x' are copied to buf, letters upper-cased, and NUL-terminated.
 */
static int
form_match(const uint8_t *raw, size_t len, const struct written_form *forms, unsigned int n,
	   char buf[FORM_CHARS_MAX])
{
	unsigned int f;
	size_t i, k;

	for (f = 0; f < n; f++) {
		const char *t = forms[f].tpl;

		if (strlen(t) != len)
			continue;
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

/*
 * Digits of raw written as groups of the lengths g[0..ng-1] joined by sep (one separator
 * character, the same throughout). Copies them to d; false when raw has another shape.
 */
static bool
groups_match(const uint8_t *raw, size_t len, const uint8_t *g, unsigned int ng, uint8_t sep,
	     char *d)
{
	size_t pos = 0, k = 0;
	unsigned int i, j;

	for (i = 0; i < ng; i++) {
		if (i > 0) {
			if (pos >= len || raw[pos] != sep)
				return false;
			pos++;
		}
		for (j = 0; j < g[i]; j++, pos++) {
			if (pos >= len || !is_digit(raw[pos]))
				return false;
			d[k++] = (char)raw[pos];
		}
	}
	return pos == len;
}

/* ---- check digits ---- */

static bool
luhn_ok(const char *d, size_t n)
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

/* ISO 7064 MOD 97-10 remainder step: digits count as themselves, letters A=10 .. Z=35. */
static unsigned int
mod97_step(unsigned int r, uint8_t c)
{
	if (is_digit(c))
		return (r * 10 + (unsigned int)(c - '0')) % 97;
	return (r * 100 + (unsigned int)(to_upper(c) - 'A' + 10)) % 97;
}

/* ---- generic validators ---- */

/* Anything; norm = raw without surrounding whitespace. */
static bool
v_none(const uint8_t *raw, size_t len, const struct validator_date *today,
       struct validator_result *out)
{
	size_t b = 0, e = len;

	(void)today;
	while (b < e && is_space(raw[b]))
		b++;
	while (e > b && is_space(raw[e - 1]))
		e--;
	return norm_set(out, raw + b, e - b, false);
}

/*
 * Digits written plain or with single separators from seps between them (one kind per
 * value). Returns how many digits were copied to d (at most cap), 0 on another shape.
 */
static size_t
digits_sep(const uint8_t *raw, size_t len, const char *seps, char *d, size_t cap)
{
	uint8_t sep = 0;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		uint8_t c = raw[i];

		if (is_digit(c)) {
			if (n == cap)
				return 0;
			d[n++] = (char)c;
			continue;
		}
		if (c == '\0' || strchr(seps, c) == NULL || i == 0 || i + 1 == len ||
		    !is_digit(raw[i - 1]) || (sep != 0 && c != sep))
			return 0;
		sep = c;
	}
	return n;
}

static bool
v_luhn(const uint8_t *raw, size_t len, const struct validator_date *today,
       struct validator_result *out)
{
	char d[20];
	size_t n = digits_sep(raw, len, " -", d, sizeof(d));

	(void)today;
	if (n < 8 || n > 19 || !luhn_ok(d, n))
		return false;
	return norm_set(out, d, n, false);
}

/*
 * ISO 7064 MOD 97-10 the way IBAN (ISO 13616) and creditor references (ISO 11649, "RF")
 * apply it: 5..64 letters and digits, optionally in groups joined by single spaces; the
 * first four characters moved to the end; letters A=10 .. Z=35; the number mod 97 is 1.
 */
static bool
v_mod97(const uint8_t *raw, size_t len, const struct validator_date *today,
	struct validator_result *out)
{
	char s[64];
	unsigned int r = 0;
	size_t n = 0, i;

	(void)today;
	for (i = 0; i < len; i++) {
		if (raw[i] == ' ' && i > 0 && i + 1 < len && raw[i - 1] != ' ')
			continue;
		if (!is_alnum(raw[i]) || n == sizeof(s))
			return false;
		s[n++] = (char)to_upper(raw[i]);
	}
	if (n < 5)
		return false;
	for (i = 4; i < n + 4; i++)
		r = mod97_step(r, (uint8_t)s[i % n]);
	if (r != 1)
		return false;
	return norm_set(out, s, n, false);
}

/* ---- payment ---- */

#define LEN(n) (UINT32_C(1) << (n))
#define LENS(a, b) (((UINT32_C(1) << ((b) + 1)) - 1) & ~((UINT32_C(1) << (a)) - 1))

/* Issuer identification ranges (IDENTIFIERS.md): the first plen digits in lo..hi. */
static const struct card_range {
	uint16_t lo, hi;
	uint8_t plen;
	uint32_t lengths;		/* bit n set: n digits allowed */
} card_ranges[] = {
	{ 4, 4, 1, LEN(13) | LEN(16) | LEN(19) },	/* Visa */
	{ 51, 55, 2, LEN(16) },				/* Mastercard */
	{ 2221, 2720, 4, LEN(16) },			/* Mastercard 2-series */
	{ 34, 34, 2, LEN(15) },				/* American Express */
	{ 37, 37, 2, LEN(15) },
	{ 6011, 6011, 4, LENS(16, 19) },		/* Discover */
	{ 644, 649, 3, LENS(16, 19) },
	{ 65, 65, 2, LENS(16, 19) },
	{ 3528, 3589, 4, LENS(16, 19) },		/* JCB */
	{ 300, 305, 3, LENS(14, 19) },			/* Diners Club */
	{ 36, 36, 2, LENS(14, 19) },
	{ 38, 39, 2, LENS(14, 19) },
	{ 62, 62, 2, LENS(16, 19) },			/* UnionPay (ours: Luhn required) */
	{ 50, 50, 2, LENS(12, 19) },			/* Maestro */
	{ 56, 69, 2, LENS(12, 19) },
};

/* Grouped written forms: 4-4-4-4, 4-4-4-4-1..3 (17-19 digits), Amex 4-6-5, Diners 4-6-4. */
static const struct card_grouping {
	uint8_t ng;
	uint8_t g[5];
} card_groupings[] = {
	{ 4, { 4, 4, 4, 4 } },
	{ 5, { 4, 4, 4, 4, 1 } },
	{ 5, { 4, 4, 4, 4, 2 } },
	{ 5, { 4, 4, 4, 4, 3 } },
	{ 3, { 4, 6, 5 } },
	{ 3, { 4, 6, 4 } },
};

static bool
card_issuer_ok(const char *d, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(card_ranges); i++) {
		const struct card_range *r = &card_ranges[i];
		uint64_t p = dec(d, r->plen);

		if (p >= r->lo && p <= r->hi && (r->lengths & LEN(n)) != 0)
			return true;
	}
	return false;
}

static bool
v_credit_card(const uint8_t *raw, size_t len, const struct validator_date *today,
	      struct validator_result *out)
{
	char d[19];
	size_t n = 0, i;

	(void)today;
	if (len >= 12 && len <= 19 && digits_sep(raw, len, "", d, sizeof(d)) == len) {
		n = len;
	} else if (len > 4 && (raw[4] == ' ' || raw[4] == '-')) {
		for (i = 0; i < ARRAY_SIZE(card_groupings) && n == 0; i++) {
			const struct card_grouping *g = &card_groupings[i];
			size_t digits = 0, k;

			for (k = 0; k < g->ng; k++)
				digits += g->g[k];
			if (digits + g->ng - 1 == len &&
			    groups_match(raw, len, g->g, g->ng, raw[4], d))
				n = digits;
		}
	}
	if (n == 0 || !card_issuer_ok(d, n) || !luhn_ok(d, n))
		return false;
	return norm_set(out, d, n, false);
}

/*
 * IBAN countries and BBAN structures, from python-stdnum's iban.dat (the SWIFT IBAN
 * registry): "4n4n12c" = 4 digits, 4 digits, 12 letters or digits ('a' = capital letters).
 * len is the whole IBAN's length.
 */
static const struct iban_country {
	char cc[3];
	uint8_t len;
	const char *bban;
} iban_countries[] = {
	{ "AD", 24, "4n4n12c" }, { "AE", 23, "3n16n" }, { "AL", 28, "8n16c" },
	{ "AT", 20, "5n11n" }, { "AZ", 28, "4a20c" }, { "BA", 20, "3n3n8n2n" },
	{ "BE", 16, "3n7n2n" }, { "BG", 22, "4a4n2n8c" }, { "BH", 22, "4a14c" },
	{ "BI", 27, "5n5n11n2n" }, { "BR", 29, "8n5n10n1a1c" }, { "BY", 28, "4c4n16c" },
	{ "CH", 21, "5n12c" }, { "CR", 22, "4n14n" }, { "CY", 28, "3n5n16c" },
	{ "CZ", 24, "4n6n10n" }, { "DE", 22, "8n10n" }, { "DJ", 27, "5n5n11n2n" },
	{ "DK", 18, "4n9n1n" }, { "DO", 28, "4c20n" }, { "EE", 20, "2n2n11n1n" },
	{ "EG", 29, "4n4n17n" }, { "ES", 24, "4n4n1n1n10n" }, { "FI", 18, "3n11n" },
	{ "FO", 18, "4n9n1n" }, { "FR", 27, "5n5n11c2n" }, { "GB", 22, "4a6n8n" },
	{ "GE", 22, "2a16n" }, { "GI", 23, "4a15c" }, { "GL", 18, "4n9n1n" },
	{ "GR", 27, "3n4n16c" }, { "GT", 28, "4c20c" }, { "HR", 21, "7n10n" },
	{ "HU", 28, "3n4n1n15n1n" }, { "IE", 22, "4a6n8n" }, { "IL", 23, "3n3n13n" },
	{ "IQ", 23, "4a3n12n" }, { "IS", 26, "4n2n6n10n" }, { "IT", 27, "1a5n5n12c" },
	{ "JO", 30, "4a4n18c" }, { "KW", 30, "4a22c" }, { "KZ", 20, "3n13c" },
	{ "LB", 28, "4n20c" }, { "LC", 32, "4a24c" }, { "LI", 21, "5n12c" },
	{ "LT", 20, "5n11n" }, { "LU", 20, "3n13c" }, { "LV", 21, "4a13c" },
	{ "LY", 25, "3n3n15n" }, { "MC", 27, "5n5n11c2n" }, { "MD", 24, "2c18c" },
	{ "ME", 22, "3n13n2n" }, { "MK", 19, "3n10c2n" }, { "MR", 27, "5n5n11n2n" },
	{ "MT", 31, "4a5n18c" }, { "MU", 30, "4a2n2n12n3n3a" }, { "NL", 18, "4a10n" },
	{ "NO", 15, "4n6n1n" }, { "PK", 24, "4a16c" }, { "PL", 28, "8n16n" },
	{ "PS", 29, "4a21c" }, { "PT", 25, "4n4n11n2n" }, { "QA", 29, "4a21c" },
	{ "RO", 24, "4a16c" }, { "RS", 22, "3n13n2n" }, { "RU", 33, "9n5n15c" },
	{ "SA", 24, "2n18c" }, { "SC", 31, "4a2n2n16n3a" }, { "SD", 18, "2n12n" },
	{ "SE", 24, "3n16n1n" }, { "SI", 19, "5n8n2n" }, { "SK", 24, "4n6n10n" },
	{ "SM", 27, "1a5n5n12c" }, { "ST", 25, "4n4n11n2n" }, { "SV", 28, "4a20n" },
	{ "TL", 23, "3n14n2n" }, { "TN", 24, "2n3n13n2n" }, { "TR", 26, "5n1n16c" },
	{ "UA", 29, "6n19c" }, { "VA", 22, "3n15n" }, { "VG", 24, "4a16n" },
	{ "XK", 20, "4n10n2n" },
};

#define IBAN_MAX 34

static bool
iban_bban_ok(const char *bban, const char *s)
{
	unsigned int count;
	char cls;

	while (*s != '\0') {
		count = 0;
		while (is_digit((uint8_t)*s))
			count = count * 10 + (unsigned int)(*s++ - '0');
		cls = *s++;
		for (; count > 0; count--, bban++) {
			uint8_t c = (uint8_t)*bban;

			if (c == '\0' || (cls == 'n' && !is_digit(c)) ||
			    (cls == 'a' && !is_upper(c)) || (cls == 'c' && !is_alnum(c)))
				return false;
		}
	}
	return *bban == '\0';
}

static bool
v_iban(const uint8_t *raw, size_t len, const struct validator_date *today,
       struct validator_result *out)
{
	const struct iban_country *cty = NULL;
	char s[IBAN_MAX + 1];
	unsigned int r = 0;
	size_t n = 0, i;
	bool grouped;

	(void)today;
	/* Compact, or groups of 4 joined by single spaces (the last group 1..4). */
	grouped = len > 5 && raw[4] == ' ';
	for (i = 0; i < len; i++) {
		if (grouped && i % 5 == 4) {
			if (raw[i] != ' ' || i + 1 == len)
				return false;
			continue;
		}
		if (!is_alnum(raw[i]) || n == IBAN_MAX)
			return false;
		s[n++] = (char)to_upper(raw[i]);
	}
	s[n] = '\0';
	if (n < 15 || !is_upper((uint8_t)s[0]) || !is_upper((uint8_t)s[1]) ||
	    !is_digit((uint8_t)s[2]) || !is_digit((uint8_t)s[3]))
		return false;
	for (i = 0; i < ARRAY_SIZE(iban_countries) && cty == NULL; i++)
		if (iban_countries[i].cc[0] == s[0] && iban_countries[i].cc[1] == s[1])
			cty = &iban_countries[i];
	if (cty == NULL || n != cty->len || !iban_bban_ok(s + 4, cty->bban))
		return false;
	for (i = 4; i < n + 4; i++)
		r = mod97_step(r, (uint8_t)s[i % n]);
	if (r != 1)
		return false;
	return norm_set(out, s, n, false);
}

/* ---- contacts ---- */

/*
 * Last labels that are file extensions and not delegated top-level domains: icon@2x.png
 * and bundle@1.2.js are file names. (.zip, .mov and .md are real TLDs and stay valid.)
 */
static const char *const email_file_ext[] = {
	"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "tif", "tiff", "avif", "heic",
	"ico", "css", "scss", "js", "mjs", "jsx", "ts", "tsx", "json", "map", "woff", "ttf",
	"otf", "eot", "html", "htm", "php", "asp", "aspx", "jsp", "txt", "xml", "yml", "yaml",
	"log", "pdf",
};

static bool
email_local_char(uint8_t c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

static bool
v_email(const uint8_t *raw, size_t len, const struct validator_date *today,
	struct validator_result *out)
{
	const uint8_t *at = memchr(raw, '@', len);
	size_t llen, i, label = 0, labels = 1, tld_start;
	bool tld_alpha = true;

	(void)today;
	if (at == NULL || len > 254)
		return false;
	llen = (size_t)(at - raw);
	/* Local part: RFC 5322 dot-atom, 1..64 characters. */
	if (llen < 1 || llen > 64 || raw[0] == '.' || raw[llen - 1] == '.')
		return false;
	for (i = 0; i < llen; i++) {
		if (raw[i] == '.' ? raw[i + 1] == '.' : !email_local_char(raw[i]))
			return false;
	}
	/* Domain: two or more labels of letters, digits and inner hyphens, 1..63 each. */
	tld_start = llen + 1;
	for (i = llen + 1; i <= len; i++) {
		uint8_t c = i < len ? raw[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63 || raw[i - 1] == '-')
				return false;
			if (i < len) {
				labels++;
				tld_start = i + 1;
				tld_alpha = true;
			}
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return false;
		if (label == 0 && c == '-')
			return false;
		tld_alpha = tld_alpha && is_alpha(c);
		label++;
	}
	if (labels < 2 || len - llen - 1 > 253 || !tld_alpha || len - tld_start < 2)
		return false;
	for (i = 0; i < ARRAY_SIZE(email_file_ext); i++) {
		const char *e = email_file_ext[i];
		size_t k, elen = strlen(e);

		if (elen != len - tld_start)
			continue;
		for (k = 0; k < elen && to_lower(raw[tld_start + k]) == (uint8_t)e[k]; k++)
			;
		if (k == elen)
			return false;
	}
	out->norm_len = 0;
	out->weak = 0;
	for (i = 0; i < len; i++)
		norm_put(out, to_lower(raw[i]));
	return true;
}

/*
 * ITU-T E.164 country calling codes in service (ITU-T E.164 Annex to OB, as
 * libphonenumber knows them, plus 211 South Sudan, 383 Kosovo and the global services
 * 870, 878, 881, 882). E.164 codes are prefix-free. Sorted.
 */
static const uint16_t phone_cc[] = {
	1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51,
	52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92,
	93, 94, 95, 98, 211, 212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227,
	228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244,
	245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 258, 260, 261, 262,
	263, 264, 265, 266, 267, 268, 269, 290, 291, 297, 298, 299, 350, 351, 352, 353, 354,
	355, 356, 357, 358, 359, 370, 371, 372, 373, 374, 375, 376, 377, 378, 379, 380, 381,
	382, 383, 385, 386, 387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506, 507,
	508, 509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673, 674, 675,
	676, 677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688, 689, 690, 691, 692, 800,
	808, 850, 852, 853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, 960, 961, 962,
	963, 964, 965, 966, 967, 968, 970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993,
	994, 995, 996, 998,
};

static int
cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static bool
phone_cc_assigned(const char *d)
{
	uint16_t cc = 0;
	int k;

	if (d[0] == '0')
		return false;
	for (k = 0; k < 3; k++) {
		cc = (uint16_t)(cc * 10 + (d[k] - '0'));
		if (bsearch(&cc, phone_cc, ARRAY_SIZE(phone_cc), sizeof(phone_cc[0]), cmp_u16))
			return true;
	}
	return false;
}

enum phone_tok { PH_START, PH_DIGIT, PH_SEP, PH_OPEN, PH_CLOSE };

/*
 * "+", calling code, number: 8..15 digits in all, separated by single spaces, dots or
 * dashes, with parenthesised groups. In an international number "(0)" is the national
 * trunk prefix and is dropped ("+44 (0)20 7946 0958" = +442079460958). Without "+" the
 * form is national: accepted as weak, norm = the digits.
 */
static bool
v_phone(const uint8_t *raw, size_t len, const struct validator_date *today,
	struct validator_result *out)
{
	enum phone_tok prev = PH_START;
	bool intl, in_paren = false;
	size_t i, nd = 0, paren_at = 0;
	char d[16];

	(void)today;
	if (len < 8 || len > 40)
		return false;
	intl = raw[0] == '+';
	if (intl && !is_digit(raw[1]))
		return false;
	for (i = intl; i < len; i++) {
		uint8_t c = raw[i];

		if (is_digit(c)) {
			if (nd == sizeof(d))
				return false;
			d[nd++] = (char)c;
			prev = PH_DIGIT;
		} else if (c == ' ' || c == '.' || c == '-') {
			if (prev != PH_DIGIT && prev != PH_CLOSE)
				return false;
			prev = PH_SEP;
		} else if (c == '(') {
			if (in_paren || prev == PH_OPEN)
				return false;
			in_paren = true;
			paren_at = nd;
			prev = PH_OPEN;
		} else if (c == ')') {
			if (!in_paren || prev != PH_DIGIT)
				return false;
			in_paren = false;
			if (intl && paren_at > 0 && nd == paren_at + 1 && d[paren_at] == '0')
				nd--;
			prev = PH_CLOSE;
		} else {
			return false;
		}
	}
	if (prev != PH_DIGIT || in_paren || nd < 8 || nd > 15)
		return false;
	out->norm_len = 0;
	out->weak = !intl;
	if (intl) {
		if (!phone_cc_assigned(d))
			return false;
		norm_put(out, '+');
	}
	for (i = 0; i < nd; i++)
		norm_put(out, (uint8_t)d[i]);
	return true;
}

/* ---- national identifiers ---- */

#define FORM(raw, len, forms, buf) form_match(raw, len, forms, ARRAY_SIZE(forms), buf)

static const struct written_form us_ssn_forms[] = {
	{ "nnn-nn-nnnn", 0 },
	{ "nnnnnnnnn", 1 },
};

static bool
v_us_ssn(const uint8_t *raw, size_t len, const struct validator_date *today,
	 struct validator_result *out)
{
	static const char *const advertised[] = { "078051120", "219099999", "457555462" };
	char d[FORM_CHARS_MAX];
	int f = FORM(raw, len, us_ssn_forms, d);
	uint64_t area, group, serial;
	size_t i;

	(void)today;
	if (f < 0)
		return false;
	area = dec(d, 3);
	group = dec(d + 3, 2);
	serial = dec(d + 5, 4);
	if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
		return false;
	for (i = 0; i < ARRAY_SIZE(advertised); i++)
		if (memcmp(d, advertised[i], 9) == 0)
			return false;
	return norm_set(out, d, 9, us_ssn_forms[f].weak);
}

static const struct written_form gb_nhs_forms[] = {
	{ "nnn nnn nnnn", 0 },
	{ "nnn-nnn-nnnn", 0 },
	{ "nnnnnnnnnn", 1 },
};

static bool
v_gb_nhs(const uint8_t *raw, size_t len, const struct validator_date *today,
	 struct validator_result *out)
{
	char d[FORM_CHARS_MAX];
	int f = FORM(raw, len, gb_nhs_forms, d);
	unsigned int sum = 0, i;

	(void)today;
	if (f < 0)
		return false;
	/* Weights 10..2 on the first nine digits and 1 on the check digit: 0 mod 11. */
	for (i = 0; i < 10; i++)
		sum += (10 - i) * (unsigned int)(d[i] - '0');
	if (sum % 11 != 0)
		return false;
	return norm_set(out, d, 10, gb_nhs_forms[f].weak);
}

static const struct written_form gb_nino_forms[] = {
	{ "aannnnnna", 0 },
	{ "aa nn nn nn a", 0 },
	{ "aa nnnnnn a", 0 },
};

static bool
v_gb_nino(const uint8_t *raw, size_t len, const struct validator_date *today,
	  struct validator_result *out)
{
	static const char *const unused[] = { "BG", "GB", "NK", "KN", "NT", "TN", "ZZ" };
	char s[FORM_CHARS_MAX];
	size_t i;

	(void)today;
	if (FORM(raw, len, gb_nino_forms, s) < 0 || strchr("DFIQUV", s[0]) != NULL ||
	    strchr("DFIOQUV", s[1]) != NULL || s[8] < 'A' || s[8] > 'D')
		return false;
	for (i = 0; i < ARRAY_SIZE(unused); i++)
		if (s[0] == unused[i][0] && s[1] == unused[i][1])
			return false;
	return norm_set(out, s, 9, false);
}

static const char dni_letters[] = "TRWAGMYFPDXBNJZSQVHLCKE";

static const struct written_form es_dni_forms[] = {
	{ "nnnnnnnna", 0 },
	{ "nnnnnnnn-a", 0 },
	{ "nnnnnnnn a", 0 },
};

static bool
v_es_dni(const uint8_t *raw, size_t len, const struct validator_date *today,
	 struct validator_result *out)
{
	char s[FORM_CHARS_MAX];

	(void)today;
	if (FORM(raw, len, es_dni_forms, s) < 0 || dni_letters[dec(s, 8) % 23] != s[8])
		return false;
	return norm_set(out, s, 9, false);
}

static const struct written_form es_nie_forms[] = {
	{ "annnnnnna", 0 },
	{ "a-nnnnnnn-a", 0 },
	{ "annnnnnn-a", 0 },
};

static bool
v_es_nie(const uint8_t *raw, size_t len, const struct validator_date *today,
	 struct validator_result *out)
{
	char s[FORM_CHARS_MAX];
	uint64_t n;

	(void)today;
	if (FORM(raw, len, es_nie_forms, s) < 0 || s[0] < 'X' || s[0] > 'Z')
		return false;
	/* X, Y, Z stand for 0, 1, 2; then as a DNI. */
	n = (uint64_t)(s[0] - 'X') * 10000000 + dec(s + 1, 7);
	if (dni_letters[n % 23] != s[8])
		return false;
	return norm_set(out, s, 9, false);
}

/* Digit of a date field of a codice fiscale: 0-9, or LMNPQRSTUV (omocodia); -1 if not. */
static int
cf_digit(char c)
{
	static const char omocodia[] = "LMNPQRSTUV";
	const char *p;

	if (is_digit((uint8_t)c))
		return c - '0';
	p = c != '\0' ? strchr(omocodia, c) : NULL;
	return p != NULL ? (int)(p - omocodia) : -1;
}

static bool
v_it_codice_fiscale(const uint8_t *raw, size_t len, const struct validator_date *today,
		    struct validator_result *out)
{
	/* Values of the characters at odd positions (1st, 3rd, ...): 0-9 as A-J. */
	static const uint8_t odd[26] = { 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11,
					 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23 };
	static const char months[] = "ABCDEHLMPRST";
	static const struct written_form forms[] = { { "xxxxxxxxxxxxxxxx", 0 } };
	/* Surname, name: letters; a: letter; d: digit or omocodia; m: month letter. */
	static const char layout[] = "aaaaaaddmddaddda";
	char s[FORM_CHARS_MAX];
	unsigned int sum = 0, year, month, day, i;
	const char *m;

	(void)today;
	if (FORM(raw, len, forms, s) < 0)
		return false;
	for (i = 0; i < 16; i++) {
		if (layout[i] == 'a' && !is_upper((uint8_t)s[i]))
			return false;
		if (layout[i] == 'd' && cf_digit(s[i]) < 0)
			return false;
	}
	m = strchr(months, s[8]);
	if (m == NULL)
		return false;
	for (i = 0; i < 15; i++) {
		unsigned int v = is_digit((uint8_t)s[i]) ? (unsigned int)(s[i] - '0') :
							    (unsigned int)(s[i] - 'A');

		sum += i % 2 == 0 ? odd[v] : v;
	}
	if ((char)('A' + sum % 26) != s[15])
		return false;
	/* Day + 40 for women; the two-digit year read in 1920..2019 as stdnum does. */
	year = 1900 + (unsigned int)(cf_digit(s[6]) * 10 + cf_digit(s[7]));
	if (year < 1920)
		year += 100;
	month = (unsigned int)(m - months) + 1;
	day = (unsigned int)(cf_digit(s[9]) * 10 + cf_digit(s[10])) % 40;
	if (!date_valid(year, month, day))
		return false;
	return norm_set(out, s, 16, false);
}

static const struct written_form nl_bsn_forms[] = {
	{ "nnnnnnnnn", 1 },
	{ "nnnn.nn.nnn", 1 },
};

static bool
v_nl_bsn(const uint8_t *raw, size_t len, const struct validator_date *today,
	 struct validator_result *out)
{
	char d[FORM_CHARS_MAX];
	int sum = 0, i;

	(void)today;
	if (FORM(raw, len, nl_bsn_forms, d) < 0 || dec(d, 9) == 0)
		return false;
	/* Weights 9..2, and -1 on the last digit ("elfproef"). */
	for (i = 0; i < 8; i++)
		sum += (9 - i) * (d[i] - '0');
	sum -= d[8] - '0';
	if (sum % 11 != 0)
		return false;
	return norm_set(out, d, 9, true);
}

static const struct written_form be_nn_forms[] = {
	{ "nnnnnnnnnnn", 1 },
	{ "nn.nn.nn-nnn.nn", 0 },
	{ "nn.nn.nn-nnn-nn", 0 },
	{ "nnnnnn-nnn.nn", 0 },
	{ "nnnnnn-nnn-nn", 0 },
	{ "nnnnnn nnn nn", 0 },
	{ "nnnnnn-nnnnn", 0 },
};

/*
 * Belgian national number: YYMMDD, a 3-digit serial, 2 check digits = 97 - (first nine
 * mod 97), with "2" put in front of the nine digits for births from 2000 (tried only for
 * years not after today's, as stdnum does). Ours, beyond stdnum 1.18: the birth date must
 * be possible in the century the check selected; month or day 00 means "unknown" and is
 * allowed (as in stdnum 1.19+).
 */
static bool
v_be_nn(const uint8_t *raw, size_t len, const struct validator_date *today,
	struct validator_result *out)
{
	struct validator_date now;
	char d[FORM_CHARS_MAX];
	int f = FORM(raw, len, be_nn_forms, d);
	uint64_t n9, check, yy, month, day, year;

	if (f < 0 || dec(d, 11) == 0)
		return false;
	n9 = dec(d, 9);
	check = dec(d + 9, 2);
	yy = dec(d, 2);
	month = dec(d + 2, 2);
	day = dec(d + 4, 2);
	if (97 - n9 % 97 == check) {
		year = 1900 + yy;
	} else {
		today = today_or_now(today, &now);
		if (yy + 2000 > today->year || 97 - (2000000000 + n9) % 97 != check)
			return false;
		year = 2000 + yy;
	}
	if (month > 12 || day > 31)
		return false;
	if (month != 0 && day != 0 &&
	    !date_valid((unsigned int)year, (unsigned int)month, (unsigned int)day))
		return false;
	return norm_set(out, d, 11, be_nn_forms[f].weak);
}

static const struct written_form pl_pesel_forms[] = {
	{ "nnnnnnnnnnn", 1 },
};

static bool
v_pl_pesel(const uint8_t *raw, size_t len, const struct validator_date *today,
	   struct validator_result *out)
{
	static const uint8_t w[10] = { 1, 3, 7, 9, 1, 3, 7, 9, 1, 3 };
	static const uint16_t century[5] = { 1900, 2000, 2100, 2200, 1800 };
	char d[FORM_CHARS_MAX];
	unsigned int sum = 0, i, month;

	(void)today;
	if (FORM(raw, len, pl_pesel_forms, d) < 0)
		return false;
	for (i = 0; i < 10; i++)
		sum += w[i] * (unsigned int)(d[i] - '0');
	if ((10 - sum % 10) % 10 != (unsigned int)(d[10] - '0'))
		return false;
	/* Month + 80, 0, 20, 40, 60 for the 1800s .. 2200s. */
	month = (unsigned int)dec(d + 2, 2);
	if (!date_valid(century[month / 20] + (unsigned int)dec(d, 2), month % 20,
			(unsigned int)dec(d + 4, 2)))
		return false;
	return norm_set(out, d, 11, true);
}

static const struct written_form se_pnr_forms[] = {
	{ "nnnnnn-nnnn", 0 },
	{ "nnnnnn+nnnn", 0 },
	{ "nnnnnnnn-nnnn", 0 },
	{ "nnnnnnnn+nnnn", 0 },
	{ "nnnnnnnnnn", 1 },
	{ "nnnnnnnnnnnn", 1 },
};

/*
 * Swedish personnummer. A 10-digit number's century is the latest one that does not put
 * the birth year after this year, one more back with "+" (age 100 or more), as stdnum
 * does. norm = the 12 digits YYYYMMDDNNNC, so both lengths of one number count once.
 */
static bool
v_se_personnummer(const uint8_t *raw, size_t len, const struct validator_date *today,
		  struct validator_result *out)
{
	struct validator_date now;
	char d[FORM_CHARS_MAX], n12[12];
	int f = FORM(raw, len, se_pnr_forms, d);
	size_t nd;
	unsigned int year, c;

	if (f < 0)
		return false;
	nd = strlen(d);
	if (nd == 12) {
		year = (unsigned int)dec(d, 4);
		memcpy(n12, d, 12);
	} else {
		today = today_or_now(today, &now);
		c = today->year / 100;
		if (dec(d, 2) > (uint64_t)(today->year % 100))
			c--;
		if (raw[6] == '+')
			c--;
		year = c * 100 + (unsigned int)dec(d, 2);
		n12[0] = (char)('0' + year / 1000 % 10);
		n12[1] = (char)('0' + year / 100 % 10);
		memcpy(n12 + 2, d, 10);
	}
	if (!date_valid(year, (unsigned int)dec(n12 + 4, 2), (unsigned int)dec(n12 + 6, 2)) ||
	    !luhn_ok(n12 + 2, 10))
		return false;
	return norm_set(out, n12, 12, se_pnr_forms[f].weak);
}

static const struct written_form fi_hetu_forms[] = {
	{ "nnnnnn+nnnx", 0 },
	{ "nnnnnn-nnnx", 0 },
	{ "nnnnnnAnnnx", 0 },
};

static bool
v_fi_hetu(const uint8_t *raw, size_t len, const struct validator_date *today,
	  struct validator_result *out)
{
	static const char checks[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";
	static const uint16_t century[3] = { 1800, 1900, 2000 };
	char d[FORM_CHARS_MAX], s[11];
	int f = FORM(raw, len, fi_hetu_forms, d);
	uint64_t individual;
	size_t i;

	(void)today;
	if (f < 0 || !date_valid(century[f] + (unsigned int)dec(d + 4, 2),
				 (unsigned int)dec(d + 2, 2), (unsigned int)dec(d, 2)))
		return false;
	/* 002..899; 900..999 are temporary numbers. */
	individual = dec(d + 6, 3);
	if (individual < 2 || individual > 899 || checks[dec(d, 9) % 31] != d[9])
		return false;
	for (i = 0; i < 11; i++)
		s[i] = (char)to_upper(raw[i]);
	return norm_set(out, s, 11, false);
}

static const struct written_form dk_cpr_forms[] = {
	{ "nnnnnn-nnnn", 1 },
	{ "nnnnnnnnnn", 1 },
};

/* Danish CPR: DDMMYY-SSSS, the century from the 7th digit and the year (no mod 11 since
 * 2007), and not born after today. */
static bool
v_dk_cpr(const uint8_t *raw, size_t len, const struct validator_date *today,
	 struct validator_result *out)
{
	struct validator_date now;
	char d[FORM_CHARS_MAX];
	unsigned int day, month, year;

	if (FORM(raw, len, dk_cpr_forms, d) < 0)
		return false;
	day = (unsigned int)dec(d, 2);
	month = (unsigned int)dec(d + 2, 2);
	year = (unsigned int)dec(d + 4, 2);
	if (strchr("5678", d[6]) != NULL && year >= 58)
		year += 1800;
	else if (strchr("0123", d[6]) != NULL || (strchr("49", d[6]) != NULL && year >= 37))
		year += 1900;
	else
		year += 2000;
	today = today_or_now(today, &now);
	if (!date_valid(year, month, day) || date_after(year, month, day, today))
		return false;
	return norm_set(out, d, 10, true);
}

static const struct written_form de_idnr_forms[] = {
	{ "nnnnnnnnnnn", 1 },
	{ "nn nnn nnn nnn", 1 },
};

static bool
v_de_idnr(const uint8_t *raw, size_t len, const struct validator_date *today,
	  struct validator_result *out)
{
	char d[FORM_CHARS_MAX];
	unsigned int count[10] = { 0 }, repeated = 0, times = 0, check = 5, i;

	(void)today;
	if (FORM(raw, len, de_idnr_forms, d) < 0 || d[0] == '0')
		return false;
	/* In the first ten digits one digit appears 2 or 3 times, every other at most once. */
	for (i = 0; i < 10; i++)
		count[d[i] - '0']++;
	for (i = 0; i < 10; i++) {
		if (count[i] > 1) {
			repeated++;
			times = count[i];
		}
	}
	if (repeated != 1 || times > 3)
		return false;
	/* ISO 7064 MOD 11,10 over all eleven digits. */
	for (i = 0; i < 11; i++)
		check = (((check != 0 ? check : 10) * 2) % 11 + (unsigned int)(d[i] - '0')) % 10;
	if (check != 1)
		return false;
	return norm_set(out, d, 11, true);
}

static const struct written_form fr_nir_forms[] = {
	{ "nnnnnxxnnnnnnnn", 0 },
	{ "n nn nn xx nnn nnn nn", 0 },
};

static bool
v_fr_nir(const uint8_t *raw, size_t len, const struct validator_date *today,
	 struct validator_result *out)
{
	char s[FORM_CHARS_MAX];
	uint64_t n;

	(void)today;
	if (FORM(raw, len, fr_nir_forms, s) < 0)
		return false;
	/* Department: two digits, or 2A / 2B (Corsica, counted as 19 / 18 in the key). */
	if (is_digit((uint8_t)s[5]) && is_digit((uint8_t)s[6]))
		n = dec(s, 13);
	else if (s[5] == '2' && (s[6] == 'A' || s[6] == 'B'))
		n = dec(s, 5) * 100000000 + (s[6] == 'A' ? UINT64_C(19) : 18) * 1000000 +
		    dec(s + 7, 6);
	else
		return false;
	if (97 - n % 97 != dec(s + 13, 2))
		return false;
	return norm_set(out, s, 15, false);
}

static const struct written_form at_svnr_forms[] = {
	{ "nnnn nnnnnn", 0 },
	{ "nnnnnnnnnn", 1 },
};

/* Austrian social insurance number: serial (3), check digit, birth date DDMMYY (which
 * may be fictitious, so it is not checked, as in stdnum). */
static bool
v_at_svnr(const uint8_t *raw, size_t len, const struct validator_date *today,
	  struct validator_result *out)
{
	static const uint8_t w[10] = { 3, 7, 9, 0, 5, 8, 4, 2, 1, 6 };
	char d[FORM_CHARS_MAX];
	int f = FORM(raw, len, at_svnr_forms, d);
	unsigned int sum = 0, i;

	(void)today;
	if (f < 0 || d[0] == '0')
		return false;
	for (i = 0; i < 10; i++)
		sum += w[i] * (unsigned int)(d[i] - '0');
	if (sum % 11 != (unsigned int)(d[3] - '0'))
		return false;
	return norm_set(out, d, 10, at_svnr_forms[f].weak);
}

static const struct written_form ie_pps_forms[] = {
	{ "nnnnnnna", 0 },
	{ "nnnnnnnaa", 0 },
};

/*
 * Irish PPS: 7 digits, a check letter, and an optional second letter. Since 2013 a
 * second letter A or H takes part in the check (9 x its value); W, T and X (older
 * numbers) do not.
 */
static bool
v_ie_pps(const uint8_t *raw, size_t len, const struct validator_date *today,
	 struct validator_result *out)
{
	static const char alphabet[] = "WABCDEFGHIJKLMNOPQRSTUV";
	char s[FORM_CHARS_MAX];
	int f = FORM(raw, len, ie_pps_forms, s);
	unsigned int sum = 0, i;

	(void)today;
	if (f < 0 || s[7] > 'W' || (f == 1 && strchr("AHWTX", s[8]) == NULL))
		return false;
	for (i = 0; i < 7; i++)
		sum += (8 - i) * (unsigned int)(s[i] - '0');
	if (f == 1 && (s[8] == 'A' || s[8] == 'H'))
		sum += 9 * (unsigned int)(strchr(alphabet, s[8]) - alphabet);
	if (alphabet[sum % 23] != s[7])
		return false;
	return norm_set(out, s, strlen(s), false);
}

static const struct written_form pt_nif_forms[] = {
	{ "PTnnnnnnnnn", 0 },
	{ "PT nnnnnnnnn", 0 },
	{ "PT nnn nnn nnn", 0 },
	{ "nnnnnnnnn", 1 },
	{ "nnn nnn nnn", 1 },
};

static bool
v_pt_nif(const uint8_t *raw, size_t len, const struct validator_date *today,
	 struct validator_result *out)
{
	char d[FORM_CHARS_MAX];
	int f = FORM(raw, len, pt_nif_forms, d);
	unsigned int sum = 0, i;

	(void)today;
	if (f < 0 || d[0] == '0')
		return false;
	for (i = 0; i < 8; i++)
		sum += (9 - i) * (unsigned int)(d[i] - '0');
	if ((11 - sum % 11) % 11 % 10 != (unsigned int)(d[8] - '0'))
		return false;
	return norm_set(out, d, 9, pt_nif_forms[f].weak);
}

/* ---- secrets ---- */

static bool
v_aws_access_key_id(const uint8_t *raw, size_t len, const struct validator_date *today,
		    struct validator_result *out)
{
	static const char *const prefixes[] = { "AKIA", "ASIA", "ABIA", "ACCA" };
	size_t i;

	(void)today;
	if (len != 20)
		return false;
	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (memcmp(raw, prefixes[i], 4) == 0)
			break;
	if (i == ARRAY_SIZE(prefixes))
		return false;
	/* RFC 4648 base32 alphabet. */
	for (i = 4; i < 20; i++)
		if (!is_upper(raw[i]) && (raw[i] < '2' || raw[i] > '7'))
			return false;
	return norm_set(out, raw, 20, false);
}

static bool
is_b64(uint8_t c)
{
	return is_alnum(c) || c == '+' || c == '/';
}

/* Length of the line break or blank at raw[pos]: whitespace, or a JSON-escaped \n / \r
 * (PEM keys travel inside JSON strings, e.g. cloud service-account files). 0 if none. */
static size_t
pem_space(const uint8_t *raw, size_t len, size_t pos)
{
	if (pos >= len)
		return 0;
	if (raw[pos] == ' ' || raw[pos] == '\t' || raw[pos] == '\r' || raw[pos] == '\n')
		return 1;
	if (raw[pos] == '\\' && pos + 1 < len && (raw[pos + 1] == 'n' || raw[pos + 1] == 'r'))
		return 2;
	return 0;
}

static size_t
pem_skip_space(const uint8_t *raw, size_t len, size_t pos)
{
	size_t n;

	while ((n = pem_space(raw, len, pos)) != 0)
		pos += n;
	return pos;
}

/* An RFC 1421 encapsulated header line ("Proc-Type: 4,ENCRYPTED") starts at pos. */
static bool
pem_header_line(const uint8_t *raw, size_t len, size_t pos)
{
	size_t start = pos;

	while (pos < len && (is_alnum(raw[pos]) || raw[pos] == '-'))
		pos++;
	return pos > start && pos < len && raw[pos] == ':';
}

/*
 * "-----BEGIN [WORD ]*PRIVATE KEY-----" (RFC 7468; RSA, EC, DSA, OPENSSH, ENCRYPTED ...),
 * a line break, optional RFC 1421 header lines, then at least 40 base64 characters across
 * lines, optionally padding and the matching END line. Public keys and certificates have
 * other labels and are refused. norm = the first 40 base64 characters of the body.
 */
static bool
v_private_key(const uint8_t *raw, size_t len, const struct validator_date *today,
	      struct validator_result *out)
{
	static const char begin[] = "-----BEGIN ", end[] = "-----END ",
			  tail[] = "PRIVATE KEY-----";
	size_t pos = sizeof(begin) - 1, type_at, type_len, n, data = 0, pad = 0, words = 0;

	(void)today;
	if (len < pos || memcmp(raw, begin, pos) != 0)
		return false;
	type_at = pos;
	while (len - pos < sizeof(tail) - 1 || memcmp(raw + pos, tail, sizeof(tail) - 1) != 0) {
		size_t w = pos;

		while (pos < len && (is_upper(raw[pos]) || is_digit(raw[pos])))
			pos++;
		if (pos == w || pos >= len || raw[pos] != ' ' || ++words > 4)
			return false;
		pos++;
	}
	type_len = pos - type_at;
	pos += sizeof(tail) - 1;
	if (pem_space(raw, len, pos) == 0)
		return false;
	pos = pem_skip_space(raw, len, pos);
	while (pem_header_line(raw, len, pos)) {
		while (pos < len && raw[pos] != '\n' &&
		       !(raw[pos] == '\\' && pos + 1 < len && raw[pos + 1] == 'n'))
			pos++;
		pos = pem_skip_space(raw, len, pos);
	}
	out->norm_len = 0;
	out->weak = 0;
	while (pos < len) {
		if (is_b64(raw[pos])) {
			if (pad != 0)
				return false;
			if (data++ < 40)
				norm_put(out, raw[pos]);
			pos++;
		} else if (raw[pos] == '=') {
			if (++pad > 2)
				return false;
			pos++;
		} else if ((n = pem_space(raw, len, pos)) != 0) {
			pos += n;
		} else {
			break;
		}
	}
	if (data < 40)
		return false;
	if (pos == len)
		return true;
	/* Whatever follows the body must be the END line of the same type. */
	n = sizeof(end) - 1;
	if (len - pos < n + type_len + sizeof(tail) - 1 || memcmp(raw + pos, end, n) != 0 ||
	    memcmp(raw + pos + n, raw + type_at, type_len) != 0 ||
	    memcmp(raw + pos + n + type_len, tail, sizeof(tail) - 1) != 0)
		return false;
	return pem_skip_space(raw, len, pos + n + type_len + sizeof(tail) - 1) == len;
}

static int
b64url_value(uint8_t c)
{
	if (is_upper(c))
		return c - 'A';
	if (is_lower(c))
		return c - 'a' + 26;
	if (is_digit(c))
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Just enough JSON to tell an object from noise: one top-level object, braces and brackets
 * properly nested (at most 64 deep), strings closed, no control characters in them.
 */
struct json_shape {
	uint64_t kinds;		/* bit d: level d+1 is an object (1) or an array (0) */
	uint8_t depth;
	uint8_t started, done, in_str, esc, bad;
};

static void
json_shape_feed(struct json_shape *j, uint8_t c)
{
	if (j->bad)
		return;
	if (j->done) {
		j->bad = !is_space(c);
		return;
	}
	if (!j->started) {
		j->started = 1;
		j->bad = c != '{';
		j->depth = 1;
		j->kinds = 1;
		return;
	}
	if (j->in_str) {
		if (j->esc)
			j->esc = 0;
		else if (c == '\\')
			j->esc = 1;
		else if (c == '"')
			j->in_str = 0;
		else if (c < 0x20)
			j->bad = 1;
		return;
	}
	switch (c) {
	case '"':
		j->in_str = 1;
		break;
	case '{':
	case '[':
		if (j->depth == 64) {
			j->bad = 1;
			break;
		}
		j->kinds = (j->kinds & ~(UINT64_C(1) << j->depth)) |
			   ((uint64_t)(c == '{') << j->depth);
		j->depth++;
		break;
	case '}':
	case ']':
		if (((j->kinds >> (j->depth - 1)) & 1) != (c == '}')) {
			j->bad = 1;
			break;
		}
		j->depth--;
		j->done = j->depth == 0;
		break;
	default:
		break;
	}
}

/* Segment s (n base64url characters, no padding) decodes to a JSON object. */
static bool
jwt_json_segment(const uint8_t *s, size_t n)
{
	struct json_shape j = { 0 };
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t i;

	if (n % 4 == 1)
		return false;
	for (i = 0; i < n; i++) {
		acc = (acc << 6) | (uint32_t)b64url_value(s[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			json_shape_feed(&j, (uint8_t)(acc >> bits));
			acc &= (UINT32_C(1) << bits) - 1;
		}
	}
	return j.done && !j.bad;
}

/*
 * A JWS compact serialisation (RFC 7515/7519): header.payload.signature in base64url;
 * header and payload start with "eyJ" ('{"') and decode to JSON objects; the signature
 * may be empty ("alg": "none"). norm = header.payload, cut at VALIDATOR_NORM_MAX.
 */
static bool
v_jwt(const uint8_t *raw, size_t len, const struct validator_date *today,
      struct validator_result *out)
{
	size_t dot[2], ndots = 0, i;

	(void)today;
	for (i = 0; i < len; i++) {
		if (raw[i] == '.') {
			if (ndots == 2)
				return false;
			dot[ndots++] = i;
		} else if (b64url_value(raw[i]) < 0) {
			return false;
		}
	}
	if (ndots != 2 || dot[0] < 4 || dot[1] - dot[0] - 1 < 4 ||
	    memcmp(raw, "eyJ", 3) != 0 || memcmp(raw + dot[0] + 1, "eyJ", 3) != 0 ||
	    !jwt_json_segment(raw, dot[0]) ||
	    !jwt_json_segment(raw + dot[0] + 1, dot[1] - dot[0] - 1) ||
	    (len - dot[1] - 1) % 4 == 1)
		return false;
	return norm_set(out, raw, dot[1], false);
}

/* ---- dispatch ---- */

static const struct validator_entry {
	const char *name;
	validator_fn fn;
} validators[VALIDATOR__COUNT] = {
	[VALIDATOR_NONE] = { "none", v_none },
	[VALIDATOR_LUHN] = { "luhn", v_luhn },
	[VALIDATOR_MOD97] = { "mod97", v_mod97 },
	[VALIDATOR_CREDIT_CARD] = { "credit_card", v_credit_card },
	[VALIDATOR_US_SSN] = { "us_ssn", v_us_ssn },
	[VALIDATOR_IBAN] = { "iban", v_iban },
	[VALIDATOR_EMAIL] = { "email", v_email },
	[VALIDATOR_PHONE] = { "phone", v_phone },
	[VALIDATOR_GB_NHS] = { "gb_nhs", v_gb_nhs },
	[VALIDATOR_GB_NINO] = { "gb_nino", v_gb_nino },
	[VALIDATOR_ES_DNI] = { "es_dni", v_es_dni },
	[VALIDATOR_ES_NIE] = { "es_nie", v_es_nie },
	[VALIDATOR_IT_CODICE_FISCALE] = { "it_codice_fiscale", v_it_codice_fiscale },
	[VALIDATOR_NL_BSN] = { "nl_bsn", v_nl_bsn },
	[VALIDATOR_BE_NN] = { "be_nn", v_be_nn },
	[VALIDATOR_PL_PESEL] = { "pl_pesel", v_pl_pesel },
	[VALIDATOR_SE_PERSONNUMMER] = { "se_personnummer", v_se_personnummer },
	[VALIDATOR_FI_HETU] = { "fi_hetu", v_fi_hetu },
	[VALIDATOR_DK_CPR] = { "dk_cpr", v_dk_cpr },
	[VALIDATOR_DE_IDNR] = { "de_idnr", v_de_idnr },
	[VALIDATOR_FR_NIR] = { "fr_nir", v_fr_nir },
	[VALIDATOR_AT_SVNR] = { "at_svnr", v_at_svnr },
	[VALIDATOR_IE_PPS] = { "ie_pps", v_ie_pps },
	[VALIDATOR_PT_NIF] = { "pt_nif", v_pt_nif },
	[VALIDATOR_AWS_ACCESS_KEY_ID] = { "aws_access_key_id", v_aws_access_key_id },
	[VALIDATOR_PRIVATE_KEY] = { "private_key", v_private_key },
	[VALIDATOR_JWT] = { "jwt", v_jwt },
};

bool
validator_run_at(enum validator_id id, const uint8_t *raw, size_t len,
		 const struct validator_date *today, struct validator_result *out)
{
	if ((unsigned int)id >= VALIDATOR__COUNT || out == NULL || (raw == NULL && len > 0))
		return false;
	if (raw == NULL)
		raw = (const uint8_t *)"";
	out->norm_len = 0;
	out->weak = 0;
	return validators[id].fn(raw, len, today, out);
}

bool
validator_run(enum validator_id id, const uint8_t *raw, size_t len,
	      struct validator_result *out)
{
	return validator_run_at(id, raw, len, NULL, out);
}

const char *
validator_name(enum validator_id id)
{
	if ((unsigned int)id >= VALIDATOR__COUNT)
		return NULL;
	return validators[id].name;
}

enum validator_id
validator_by_name(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return VALIDATOR__COUNT;
	for (i = 0; i < VALIDATOR__COUNT; i++)
		if (strcmp(validators[i].name, name) == 0)
			return (enum validator_id)i;
	return VALIDATOR__COUNT;
}
