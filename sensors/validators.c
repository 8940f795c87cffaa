/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Validators: decide whether a candidate the pattern engine found really is the identifier
 * it looks like, and reduce it to one normalised value so the same value written two ways
 * counts once.
 *
 * This file holds the dispatch table behind validator_run / validator_run_at and
 * validator_name / validator_by_name, and the generic checks: the generic validators (none, luhn, mod97), payment cards, IBAN, contacts (email,
 * phone), the US SSN, and secrets (AWS access key id, PEM private key, JWT). The sixteen
 * European national numbers are in validators_national.c; the written-form matcher, the Luhn
 * check and today's date, which both use, are in validators_common.c (validators.c ->
 * validators_national.c -> validators_common.c).
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
 * MOD 97-10 (IBAN; also ISO 11649 creditor references through mod97), the SSA's area,
 * group and serial rules (us_ssn), RFC 5321/5322 dot-atom addresses (email), ITU-T E.164
 * with the assigned calling codes (phone), RFC 7468 and RFC 1421 headers (PEM private
 * keys), RFC 4648 base32 (AWS key ids), RFC 7515/7519 (JWT). Where python-stdnum 1.18
 * implements a number it is the oracle, and tests/sensors/test_validators_stdnum.py
 * compares both over thousands of values.
 *
 * Pure functions: no allocation, no locks, no global mutable state; any thread. Only
 * be_nn, dk_cpr and se_personnummer (validators_national.c) read the date
 * (validator_run_at).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "validators_priv.h"

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
	if (n < 8 || n > 19 || !validator_luhn_ok(d, n))
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
	if (len >= 12 && len <= 19 && validator_all_digits(raw, len)) {
		validator_copy_digits(d, raw, len);
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
	/* Luhn first: it rejects nine numbers in ten for a few additions, the issuer table
	 * costs a parse per range. */
	if (n == 0 || !validator_luhn_ok(d, n) || !card_issuer_ok(d, n))
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

/* ---- US social security number (the other national numbers: validators_national.c) ---- */

static const struct written_form us_ssn_forms[] = {
	WFORM("nnn-nn-nnnn", 0),
	WFORM("nnnnnnnnn", 1),
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
	[VALIDATOR_GB_NHS] = { "gb_nhs", validator_gb_nhs },
	[VALIDATOR_GB_NINO] = { "gb_nino", validator_gb_nino },
	[VALIDATOR_ES_DNI] = { "es_dni", validator_es_dni },
	[VALIDATOR_ES_NIE] = { "es_nie", validator_es_nie },
	[VALIDATOR_IT_CODICE_FISCALE] = { "it_codice_fiscale", validator_it_codice_fiscale },
	[VALIDATOR_NL_BSN] = { "nl_bsn", validator_nl_bsn },
	[VALIDATOR_BE_NN] = { "be_nn", validator_be_nn },
	[VALIDATOR_PL_PESEL] = { "pl_pesel", validator_pl_pesel },
	[VALIDATOR_SE_PERSONNUMMER] = { "se_personnummer", validator_se_personnummer },
	[VALIDATOR_FI_HETU] = { "fi_hetu", validator_fi_hetu },
	[VALIDATOR_DK_CPR] = { "dk_cpr", validator_dk_cpr },
	[VALIDATOR_DE_IDNR] = { "de_idnr", validator_de_idnr },
	[VALIDATOR_FR_NIR] = { "fr_nir", validator_fr_nir },
	[VALIDATOR_AT_SVNR] = { "at_svnr", validator_at_svnr },
	[VALIDATOR_IE_PPS] = { "ie_pps", validator_ie_pps },
	[VALIDATOR_PT_NIF] = { "pt_nif", validator_pt_nif },
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
