/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sensor engine's boundary guards (sensor_guard.h; IDENTIFIERS.md "Boundaries"): the
 * regexes Hyperscan (and the prefilter's DFAs) match around a value of each boundary kind,
 * and the byte classes of a value's first and last byte.
 */
#include <stddef.h>

#include "sensor_guard.h"
#include "sensor_priv.h"

/* Regexes the compile wraps around each pattern, by boundary kind. The value's first and
 * last byte are always in the kind's class (sensor_lead_class / sensor_trail_class) and
 * guard bytes never are, which is how sensor_stream.c finds where a value starts and ends
 * inside a guarded match. */
const struct sensor_guard sensor_guards[SENSOR_BOUNDARY__COUNT] = {
	[SENSOR_BOUNDARY_EDGE] = { NULL, NULL, 0, 0 },
	[SENSOR_BOUNDARY_NONE] = { NULL, NULL, 0, 0 },
	[SENSOR_BOUNDARY_DIGIT] = {
		"(?:^\\.?|[^0-9.]|[^0-9]\\.)",
		"(?:[^0-9.]|\\.[^0-9])", 2, 2 },
	[SENSOR_BOUNDARY_ALNUM] = {
		"(?:^|[^0-9A-Za-z])",
		"[^0-9A-Za-z]", 1, 1 },
	[SENSOR_BOUNDARY_EMAIL] = {
		NULL,
		"(?:[^0-9A-Za-z.\\-]|[.\\-][^0-9A-Za-z])", 0, 2 },
	[SENSOR_BOUNDARY_PHONE] = {
		"(?:^[ .\\-]?|[^0-9A-Za-z+ .\\-()]|[^0-9()+][ .\\-])",
		"(?:[^0-9 .\\-(]|[ .\\-][^0-9(])", 2, 2 },
	[SENSOR_BOUNDARY_B64URL] = {
		"(?:^|[^0-9A-Za-z_.\\-])",
		"[^0-9A-Za-z_\\-]", 1, 1 },
};


/* Lead (bit 2b) and trail (bit 2b + 1) class of each byte under boundary kind b (EDGE and
 * NONE, which take every byte, are not in it: sensor_guard.h). */
#define B_LEAD(b) (1U << (2 * (b)))
#define B_TRAIL(b) (1U << (2 * (b) + 1))
#define B_DIGIT (B_LEAD(SENSOR_BOUNDARY_DIGIT) | B_TRAIL(SENSOR_BOUNDARY_DIGIT) | \
		 B_LEAD(SENSOR_BOUNDARY_ALNUM) | B_TRAIL(SENSOR_BOUNDARY_ALNUM) | \
		 B_LEAD(SENSOR_BOUNDARY_EMAIL) | B_LEAD(SENSOR_BOUNDARY_PHONE) | \
		 B_TRAIL(SENSOR_BOUNDARY_PHONE) | B_LEAD(SENSOR_BOUNDARY_B64URL) | \
		 B_TRAIL(SENSOR_BOUNDARY_B64URL))
#define B_ALPHA (B_LEAD(SENSOR_BOUNDARY_ALNUM) | B_TRAIL(SENSOR_BOUNDARY_ALNUM) | \
		 B_LEAD(SENSOR_BOUNDARY_EMAIL) | B_TRAIL(SENSOR_BOUNDARY_EMAIL) | \
		 B_LEAD(SENSOR_BOUNDARY_B64URL) | B_TRAIL(SENSOR_BOUNDARY_B64URL))

const uint16_t sensor_class_bits[256] = {
	['0' ... '9'] = B_DIGIT,
	['A' ... 'Z'] = B_ALPHA,
	['a' ... 'z'] = B_ALPHA,
	['.'] = B_LEAD(SENSOR_BOUNDARY_EMAIL) | B_LEAD(SENSOR_BOUNDARY_B64URL),
	['_'] = B_LEAD(SENSOR_BOUNDARY_EMAIL) | B_LEAD(SENSOR_BOUNDARY_B64URL) |
		B_TRAIL(SENSOR_BOUNDARY_B64URL),
	['-'] = B_LEAD(SENSOR_BOUNDARY_EMAIL) | B_LEAD(SENSOR_BOUNDARY_B64URL) |
		B_TRAIL(SENSOR_BOUNDARY_B64URL),
	['%'] = B_LEAD(SENSOR_BOUNDARY_EMAIL),
	['+'] = B_LEAD(SENSOR_BOUNDARY_EMAIL) | B_LEAD(SENSOR_BOUNDARY_PHONE),
	['('] = B_LEAD(SENSOR_BOUNDARY_PHONE),
};

int
sensor_trail_waits(uint8_t boundary, uint8_t c)
{
	if (boundary >= SENSOR_BOUNDARY__COUNT || sensor_guards[boundary].trail == NULL)
		return 0;
	switch (boundary) {
	case SENSOR_BOUNDARY_DIGIT:
		return sensor_is_digit(c) || c == '.';
	case SENSOR_BOUNDARY_ALNUM:
		return sensor_is_alnum(c);
	case SENSOR_BOUNDARY_EMAIL:
		return sensor_is_alnum(c) || c == '.' || c == '-';
	case SENSOR_BOUNDARY_PHONE:
		return sensor_is_digit(c) || c == ' ' || c == '.' || c == '-' || c == ')';
	case SENSOR_BOUNDARY_B64URL:	/* a JWT's empty signature ends in its '.' */
		return sensor_is_alnum(c) || c == '_' || c == '-' || c == '.';
	default:
		return 1;
	}
}
