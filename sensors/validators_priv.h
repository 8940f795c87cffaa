/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_VALIDATORS_PRIV_H
#define TOLLGATE_VALIDATORS_PRIV_H

/*
 * Inside the validators module only (validators.c, validators_national.c): the character
 * classes, the normalised value, written forms, the Luhn check, and the national
 * identifiers' entry points that validators.c's dispatch table names. Only the module
 * (and its tests) include this; everyone else goes through validators.h.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "validators.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * One validator: raw is the candidate (len bytes, never NULL), today the date the
 * date-dependent checks use (NULL: the current UTC date), out zeroed by the caller
 * (norm_len 0, weak 0). Returns true and fills out, or false (out is then undefined).
 */
typedef bool (*validator_fn)(const uint8_t *raw, size_t len, const struct validator_date *today,
			     struct validator_result *out);

/* ---- characters (ASCII only, whatever the locale) ---- */

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

static inline uint64_t
validator_load8(const void *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/* Eight bytes, all ASCII digits: high nibbles 3, low nibbles at most 9 (adding 6 to a low
 * nibble carries into its own high nibble only). */
static inline bool
validator_digits8(uint64_t x)
{
	const uint64_t hi = 0xf0f0f0f0f0f0f0f0ULL, three = 0x3030303030303030ULL;

	return (x & hi) == three && ((x + 0x0606060606060606ULL) & hi) == three;
}

/* raw[0..len) all ASCII digits, len from 8 to 24: three overlapping 8-byte words (most
 * candidates are digit runs of 9 to 19). */
static inline bool
validator_all_digits(const uint8_t *raw, size_t len)
{
	return validator_digits8(validator_load8(raw)) &&
	       validator_digits8(validator_load8(raw + len - 8)) &&
	       (len <= 16 || validator_digits8(validator_load8(raw + 8)));
}

/* d[0..len) = raw[0..len), len from 8 to 24, by three overlapping 8-byte copies. */
static inline void
validator_copy_digits(char *d, const uint8_t *raw, size_t len)
{
	memcpy(d, raw, 8);
	memcpy(d + len - 8, raw + len - 8, 8);
	if (len > 16)
		memcpy(d + 8, raw + 8, 8);
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
static inline uint64_t
dec(const char *d, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(d[i] - '0');
	return v;
}

/* ---- the normalised value ---- */

static inline void
norm_put(struct validator_result *out, uint8_t c)
{
	if (out->norm_len < VALIDATOR_NORM_MAX)
		out->norm[out->norm_len++] = c;
}

/* Set the normalised value to s (cut at VALIDATOR_NORM_MAX) and the weak flag. */
static inline bool
norm_set(struct validator_result *out, const void *s, size_t n, bool weak)
{
	if (n > VALIDATOR_NORM_MAX)
		n = VALIDATOR_NORM_MAX;
	memcpy(out->norm, s, n);
	out->norm_len = (uint16_t)n;
	out->weak = weak;
	return true;
}

/* ---- written forms ---- */

/*
 * One written form of an identifier, as a template of exactly the raw length: 'n' a
 * digit, 'a' a letter, 'x' a letter or a digit; any other character stands for itself
 * (letters compared without case). weak: this form needs a context keyword.
 */
struct written_form {
	const char *tpl;
	uint8_t len;	/* strlen(tpl): a raw value of another length is not tried */
	uint8_t weak;
};

/* A form from its template literal (the length counted at compile). */
#define WFORM(tpl, weak) { tpl, (uint8_t)(sizeof(tpl) - 1), weak }

#define FORM_CHARS_MAX 24

/*
 * Index of the first of the n forms raw is written in, or -1. The characters standing
 * for 'n', 'a' and 'x' are copied to buf, letters upper-cased, and NUL-terminated.
 */
int validator_form_match(const uint8_t *raw, size_t len, const struct written_form *forms,
			 unsigned int n, char buf[FORM_CHARS_MAX]);

#define FORM(raw, len, forms, buf) \
	validator_form_match(raw, len, forms, ARRAY_SIZE(forms), buf)

/* ---- check digits ---- */

/* The n decimal digits d pass the Luhn check (ISO/IEC 7812-1). */
bool validator_luhn_ok(const char *d, size_t n);

/* ---- national identifiers (validators_national.c), all of type validator_fn ---- */

bool validator_gb_nhs(const uint8_t *raw, size_t len, const struct validator_date *today,
		      struct validator_result *out);
bool validator_gb_nino(const uint8_t *raw, size_t len, const struct validator_date *today,
		       struct validator_result *out);
bool validator_es_dni(const uint8_t *raw, size_t len, const struct validator_date *today,
		      struct validator_result *out);
bool validator_es_nie(const uint8_t *raw, size_t len, const struct validator_date *today,
		      struct validator_result *out);
bool validator_it_codice_fiscale(const uint8_t *raw, size_t len,
				 const struct validator_date *today,
				 struct validator_result *out);
bool validator_nl_bsn(const uint8_t *raw, size_t len, const struct validator_date *today,
		      struct validator_result *out);
bool validator_be_nn(const uint8_t *raw, size_t len, const struct validator_date *today,
		     struct validator_result *out);
bool validator_pl_pesel(const uint8_t *raw, size_t len, const struct validator_date *today,
			struct validator_result *out);
bool validator_se_personnummer(const uint8_t *raw, size_t len,
			       const struct validator_date *today,
			       struct validator_result *out);
bool validator_fi_hetu(const uint8_t *raw, size_t len, const struct validator_date *today,
		       struct validator_result *out);
bool validator_dk_cpr(const uint8_t *raw, size_t len, const struct validator_date *today,
		      struct validator_result *out);
bool validator_de_idnr(const uint8_t *raw, size_t len, const struct validator_date *today,
		       struct validator_result *out);
bool validator_fr_nir(const uint8_t *raw, size_t len, const struct validator_date *today,
		      struct validator_result *out);
bool validator_at_svnr(const uint8_t *raw, size_t len, const struct validator_date *today,
		       struct validator_result *out);
bool validator_ie_pps(const uint8_t *raw, size_t len, const struct validator_date *today,
		      struct validator_result *out);
bool validator_pt_nif(const uint8_t *raw, size_t len, const struct validator_date *today,
		      struct validator_result *out);

#endif
