/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types of the Hyperscan gate (sensor_gate.h): its compiled part, kept in the sensor
 * database, and the size of its per-stream state, embedded in the engine's structs
 * (sensor_priv.h).
 */
#ifndef TOLLGATE_SENSOR_GATE_TYPES_H
#define TOLLGATE_SENSOR_GATE_TYPES_H

#include <stdint.h>

#define SENSOR_GATE_MAX 4	/* distinct anchors; more: no gate */
#define SENSOR_GATE_LEN 16	/* anchor bytes kept (a longer literal is cut) */
#define SENSOR_GATE_MIN 3	/* shortest anchor (fewer bytes find too many places) */

struct sensor_gate {
	uint8_t n;		/* anchors; 0: no gate, Hyperscan scans every byte */
	uint8_t lead;		/* lead guard bytes Hyperscan is given before an anchor */
	uint8_t avx2;		/* the finder uses AVX2 (decided at compile) */
	uint8_t max_anchor;	/* longest anchor */
	uint8_t endless;	/* bit t: kind t's body holds every byte, so nothing ends its
				 * matches but the end of the stream (no breaker search) */
	uint8_t len[SENSOR_GATE_MAX];
	uint8_t at[SENSOR_GATE_MAX];	/* where the 2 bytes the finder compares first are */
	uint8_t trail[SENSOR_GATE_MAX];	/* longest trailing guard of kind t's patterns */
	uint8_t lit[SENSOR_GATE_MAX][SENSOR_GATE_LEN];
	uint8_t body[256];	/* bit t: the byte may be inside a match of kind t */
	uint8_t inner[256];	/* bytes at positions 1.. of an anchor: a chunk starting with
				 * one may continue an anchor begun before it */
};

#endif
