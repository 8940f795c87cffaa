/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The boundary guards of the sensor engine (sensor_guard.c): the regexes the compile wraps
 * around a pattern of each boundary kind (sensor_db.c), and the byte classes that find a
 * value's first and last byte inside a guarded match (sensor_stream.c). Pure data and
 * functions, any thread.
 */
#ifndef TOLLGATE_SENSOR_GUARD_H
#define TOLLGATE_SENSOR_GUARD_H

#include <stdint.h>
#include "sensor_types.h"

/* Guards the compile adds around a pattern of each boundary kind (sensor_db.c). */
struct sensor_guard {
	const char *lead;	/* regex before the value, NULL: none */
	const char *trail;	/* regex after the value, NULL: none */
	uint8_t lead_max;	/* longest lead guard in bytes */
	uint8_t trail_max;
};

extern const struct sensor_guard sensor_guards[SENSOR_BOUNDARY__COUNT];

/* Byte classes of the boundary kinds: the first (lead) and last (trail) byte of a value
 * are always in the class, guard bytes never are. Per byte, bit 2b is its lead class
 * under boundary kind b and bit 2b + 1 its trail class (a table: these run per byte of a
 * value's ends); EDGE and NONE take every byte. */
extern const uint16_t sensor_class_bits[256];

static inline int
sensor_lead_class(uint8_t boundary, uint8_t c)
{
	return boundary <= SENSOR_BOUNDARY_NONE || boundary >= SENSOR_BOUNDARY__COUNT ||
	       ((sensor_class_bits[c] >> (2 * boundary)) & 1);
}

static inline int
sensor_trail_class(uint8_t boundary, uint8_t c)
{
	return boundary <= SENSOR_BOUNDARY_NONE || boundary >= SENSOR_BOUNDARY__COUNT ||
	       ((sensor_class_bits[c] >> (2 * boundary + 1)) & 1);
}

/*
 * Whether a built-in value of this boundary kind may end at byte c, or c may be the first
 * of a two-byte trailing guard after one ("4111...1111." before a byte that is not a
 * digit): after such a byte the match waits for the next one, which the sentinel gives it
 * at the end of data. A kind without a trailing guard never waits.
 */
int sensor_trail_waits(uint8_t boundary, uint8_t c);

#endif
