/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_VALIDATORS_H
#define TOLLGATE_VALIDATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "validators_types.h"

/*
 * Validators decide whether a candidate the pattern engine found is really the identifier
 * it looks like (../shared/IDENTIFIERS.md gives the rules; python-stdnum is the oracle).
 * Pure functions: no allocation, no global state, any thread.
 */

/*
 * Check candidate raw (exactly the bytes the pattern matched, len bytes, separators
 * included). On success fills *out: the normalised value (separators and spaces removed,
 * letters upper-cased for identifiers, e-mail lower-cased; private_key: the first 40
 * base64 characters of the body; jwt: the header and payload segments, at most
 * VALIDATOR_NORM_MAX bytes) and whether the form is weak (bare 9-11 digit numbers and
 * other forms IDENTIFIERS.md says need context). Returns false when the candidate fails
 * the check or the shape; *out is then undefined.
 */
bool validator_run(enum validator_id id, const uint8_t *raw, size_t len,
		   struct validator_result *out);

/* A calendar date (proleptic Gregorian), as "today" for the date-dependent checks. */
struct validator_date {
	uint16_t year;
	uint8_t month;				/* 1..12 */
	uint8_t day;				/* 1..31 */
};

/*
 * validator_run with an explicit "today". Three checks depend on the current date, as
 * python-stdnum's do: be_nn (a 20xx birth year is tried only up to this year), dk_cpr (a
 * birth date after today is refused) and se_personnummer (the century of a 10-digit
 * number). today == NULL means the current UTC date. Tests pin today to stay
 * deterministic; the data path may pass a date it refreshes once per burst.
 */
bool validator_run_at(enum validator_id id, const uint8_t *raw, size_t len,
		      const struct validator_date *today, struct validator_result *out);

/* The current UTC date (CLOCK_REALTIME). Any thread. */
void validator_today(struct validator_date *out);

/*
 * Whether the validator computes check digits or a check character (Luhn, mod 11, mod 97,
 * a check letter...), as opposed to checking the layout, ranges and dates only (SSN,
 * CPR, NINO, e-mail, phone, credentials, none). One value matched by several sensors is
 * reported under the checked one (docs/sensors.md "One value, one sensor").
 */
bool validator_has_checksum(enum validator_id id);

/*
 * Whether the weak forms of this validator need a keyword that labels the value itself,
 * not just one within the window: national phone numbers (no "+"), which look like any
 * other grouped number.
 */
bool validator_weak_needs_label(enum validator_id id);

/* Name as used in configs ("luhn", "mod97", "none", or a built-in sensor id). */
const char *validator_name(enum validator_id id);

/* Look a validator up by name; returns VALIDATOR__COUNT when unknown. */
enum validator_id validator_by_name(const char *name);

#endif
