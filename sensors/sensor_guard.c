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


int
sensor_lead_class(uint8_t boundary, uint8_t c)
{
	switch (boundary) {
	case SENSOR_BOUNDARY_DIGIT:
		return sensor_is_digit(c);
	case SENSOR_BOUNDARY_ALNUM:
		return sensor_is_alnum(c);
	case SENSOR_BOUNDARY_EMAIL:
		return sensor_is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
	case SENSOR_BOUNDARY_PHONE:
		return sensor_is_digit(c) || c == '(' || c == '+';
	case SENSOR_BOUNDARY_B64URL:
		return sensor_is_alnum(c) || c == '_' || c == '-' || c == '.';
	default:
		return 1;
	}
}

int
sensor_trail_class(uint8_t boundary, uint8_t c)
{
	switch (boundary) {
	case SENSOR_BOUNDARY_DIGIT:
	case SENSOR_BOUNDARY_PHONE:
		return sensor_is_digit(c);
	case SENSOR_BOUNDARY_ALNUM:
		return sensor_is_alnum(c);
	case SENSOR_BOUNDARY_EMAIL:
		return sensor_is_alpha(c);
	case SENSOR_BOUNDARY_B64URL:
		return sensor_is_alnum(c) || c == '_' || c == '-';
	default:
		return 1;
	}
}

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
