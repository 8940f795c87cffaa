/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Hyperscan gate of the PREFILTER engine (sensor_gate.c). When every pattern left in
 * the Hyperscan stream database (db->hs) starts with a literal of 3 bytes or more (the
 * built-in catalogue's "-----BEGIN " and "eyJ"), Hyperscan need not see the bytes where no
 * match can be: a match begins with its anchor (after a lead guard of at most `lead`
 * bytes), and is made of its pattern's bytes (`body`) up to its trailing guard. So after
 * an anchor of kind t, the matches it may start are over once a byte outside kind t's
 * body has come and the trailing guard's `trail[t]` bytes after it. The gate keeps
 * Hyperscan scanning, chunk by chunk, from the chunk an anchor is in until the matches
 * of every kind are over; past that it stops, and the next anchor restarts it
 * (hs_reset_stream, from the anchor's lead guard or the chunk's start, whichever is
 * first: no match starts in between). Hyperscan then reports exactly the (pattern,
 * start, end) it reports over every byte, in the same order (sensor_stream.c).
 * Compiled on the control thread (sensor_gate_build), read-only on the workers.
 */
#ifndef TOLLGATE_SENSOR_GATE_H
#define TOLLGATE_SENSOR_GATE_H

#include <stdint.h>

#include "sensor_gate_types.h"

struct sensor_db;

/*
 * Set db->gate from the value patterns selected for db->hs (sel[i]; cores[i] the sensor's
 * own pattern): n stays 0 when any of them (or a keyword) has no literal anchor, or there
 * are more than SENSOR_GATE_MAX anchors. Control thread.
 */
void sensor_gate_build(struct sensor_db *db, const uint8_t *sel, const char *const *cores);

/*
 * The anchors that lie whole inside p[0 .. n): the first one's start in *first, and the
 * last start of each kind t in last[t] (UINT32_MAX: none). Returns 0 when there is none.
 * Any thread.
 */
int sensor_gate_find(const struct sensor_gate *g, const uint8_t *p, uint32_t n,
		     uint32_t *first, uint32_t last[SENSOR_GATE_MAX]);

/* The first byte of p[0 .. n) outside kind t's body, or n. Any thread. */
uint32_t sensor_gate_breaker(const struct sensor_gate *g, unsigned int t, const uint8_t *p,
			     uint32_t n);

#endif
