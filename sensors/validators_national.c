/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * National identifiers: the sixteen European national numbers (gb_nhs, gb_nino,
 * es_dni, es_nie, it_codice_fiscale, nl_bsn, be_nn, pl_pesel, se_personnummer, fi_hetu,
 * dk_cpr, de_idnr, fr_nir, at_svnr, ie_pps, pt_nif) and the calendar checks their birth
 * dates need. validators.c dispatches to them (validator_run_at) and holds the machinery
 * they share (validators_priv.h); us_ssn lives there too, with the other generic checks.
 *
 * Each validator checks, as validators.c explains: the written form (which also says
 * whether the value is weak), the fixed components (letters, birth date, century), then
 * the check digits. The rules are each country's published rule for its number, as
 * ../shared/IDENTIFIERS.md gives them: weighted sums mod 11 (gb_nhs, nl_bsn's "elfproef",
 * at_svnr, pt_nif), mod 23 letters (es_dni, es_nie, ie_pps), mod 26 and mod 31 check
 * characters (it_codice_fiscale, fi_hetu), 97 - (n mod 97) keys (be_nn, fr_nir), Luhn
 * (se_personnummer), the PESEL weights, and ISO 7064 MOD 11,10 (de_idnr). python-stdnum
 * 1.18 is the oracle for every one of them except gb_nino, which it lacks; deliberate
 * departures are marked "Ours" (be_nn). Dates are proleptic Gregorian in years 1..9999,
 * as Python's datetime.
 *
 * Pure functions: no allocation, no locks, no global mutable state; any thread. Only
 * be_nn, dk_cpr and se_personnummer depend on the date: the "today" validator_run_at
 * passes, or the current UTC date when it passes none.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "validators_priv.h"

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

static const struct validator_date *
today_or_now(const struct validator_date *today, struct validator_date *buf)
{
	if (today != NULL)
		return today;
	validator_today(buf);
	return buf;
}

/* ---- national identifiers ---- */

static const struct written_form gb_nhs_forms[] = {
	WFORM("nnn nnn nnnn", 0),
	WFORM("nnn-nnn-nnnn", 0),
	WFORM("nnnnnnnnnn", 1),
};

bool
validator_gb_nhs(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("aannnnnna", 0),
	WFORM("aa nn nn nn a", 0),
	WFORM("aa nnnnnn a", 0),
};

bool
validator_gb_nino(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("nnnnnnnna", 0),
	WFORM("nnnnnnnn-a", 0),
	WFORM("nnnnnnnn a", 0),
};

bool
validator_es_dni(const uint8_t *raw, size_t len, const struct validator_date *today,
		 struct validator_result *out)
{
	char s[FORM_CHARS_MAX];

	(void)today;
	if (FORM(raw, len, es_dni_forms, s) < 0 || dni_letters[dec(s, 8) % 23] != s[8])
		return false;
	return norm_set(out, s, 9, false);
}

static const struct written_form es_nie_forms[] = {
	WFORM("annnnnnna", 0),
	WFORM("a-nnnnnnn-a", 0),
	WFORM("annnnnnn-a", 0),
};

bool
validator_es_nie(const uint8_t *raw, size_t len, const struct validator_date *today,
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

bool
validator_it_codice_fiscale(const uint8_t *raw, size_t len, const struct validator_date *today,
			    struct validator_result *out)
{
	/* Values of the characters at odd positions (1st, 3rd, ...): 0-9 as A-J. */
	static const uint8_t odd[26] = { 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11,
					 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23 };
	static const char months[] = "ABCDEHLMPRST";
	static const struct written_form forms[] = { WFORM("xxxxxxxxxxxxxxxx", 0) };
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
	WFORM("nnnnnnnnn", 1),
	WFORM("nnnn.nn.nnn", 1),
};

bool
validator_nl_bsn(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("nnnnnnnnnnn", 1),
	WFORM("nn.nn.nn-nnn.nn", 0),
	WFORM("nn.nn.nn-nnn-nn", 0),
	WFORM("nnnnnn-nnn.nn", 0),
	WFORM("nnnnnn-nnn-nn", 0),
	WFORM("nnnnnn nnn nn", 0),
	WFORM("nnnnnn-nnnnn", 0),
};

/*
 * Belgian national number: YYMMDD, a 3-digit serial, 2 check digits = 97 - (first nine
 * mod 97), with "2" put in front of the nine digits for births from 2000 (tried only for
 * years not after today's, as stdnum does). Ours, beyond stdnum 1.18: the birth date must
 * be possible in the century the check selected; month or day 00 means "unknown" and is
 * allowed (as in stdnum 1.19+).
 */
bool
validator_be_nn(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("nnnnnnnnnnn", 1),
};

bool
validator_pl_pesel(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("nnnnnn-nnnn", 0),
	WFORM("nnnnnn+nnnn", 0),
	WFORM("nnnnnnnn-nnnn", 0),
	WFORM("nnnnnnnn+nnnn", 0),
	WFORM("nnnnnnnnnn", 1),
	WFORM("nnnnnnnnnnnn", 1),
};

/*
 * Swedish personnummer. A 10-digit number's century is the latest one that does not put
 * the birth year after this year, one more back with "+" (age 100 or more), as stdnum
 * does. norm = the 12 digits YYYYMMDDNNNC, so both lengths of one number count once.
 */
bool
validator_se_personnummer(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	    !validator_luhn_ok(n12 + 2, 10))
		return false;
	return norm_set(out, n12, 12, se_pnr_forms[f].weak);
}

static const struct written_form fi_hetu_forms[] = {
	WFORM("nnnnnn+nnnx", 0),
	WFORM("nnnnnn-nnnx", 0),
	WFORM("nnnnnnAnnnx", 0),
};

bool
validator_fi_hetu(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("nnnnnn-nnnn", 1),
	WFORM("nnnnnnnnnn", 1),
};

/* Danish CPR: DDMMYY-SSSS, the century from the 7th digit and the year (no mod 11 since
 * 2007), and not born after today. */
bool
validator_dk_cpr(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("nnnnnnnnnnn", 1),
	WFORM("nn nnn nnn nnn", 1),
};

bool
validator_de_idnr(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("nnnnnxxnnnnnnnn", 0),
	WFORM("n nn nn xx nnn nnn nn", 0),
};

bool
validator_fr_nir(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("nnnn nnnnnn", 0),
	WFORM("nnnnnnnnnn", 1),
};

/* Austrian social insurance number: serial (3), check digit, birth date DDMMYY (which
 * may be fictitious, so it is not checked, as in stdnum). */
bool
validator_at_svnr(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("nnnnnnna", 0),
	WFORM("nnnnnnnaa", 0),
};

/*
 * Irish PPS: 7 digits, a check letter, and an optional second letter. Since 2013 a
 * second letter A or H takes part in the check (9 x its value); W, T and X (older
 * numbers) do not.
 */
bool
validator_ie_pps(const uint8_t *raw, size_t len, const struct validator_date *today,
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
	WFORM("PTnnnnnnnnn", 0),
	WFORM("PT nnnnnnnnn", 0),
	WFORM("PT nnn nnn nnn", 0),
	WFORM("nnnnnnnnn", 1),
	WFORM("nnn nnn nnn", 1),
};

bool
validator_pt_nif(const uint8_t *raw, size_t len, const struct validator_date *today,
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
