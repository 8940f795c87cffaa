/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sensor prefilter: the part of the sensor engine that finds the hits of class-led
 * patterns (runs of digits with separators, capitals-and-digits tokens) without Hyperscan.
 * Compiled by sensor_prefilter.c (control thread), run by sensor_prefilter_scan.c (owning
 * worker). Internal to sensors/: sensor_db.c, sensor_stream.c, the unit tests and
 * tools/bench_sensors.c include it.
 *
 * Three kinds of candidate windows, each with its own DFA (sensor_dfa.c) over the same
 * pattern ids as the Hyperscan databases:
 *
 *   N  clusters of digits: digit runs joined by at most `gap` other bytes; a cluster with
 *      at least `min` digits (or a digit right after a '+', when a pattern starts "\+\d")
 *      is scanned from `left` bytes before its first digit to `right` bytes after its
 *      last one.
 *   U  tokens of capitals and digits joined by single spaces, with at least `min` of
 *      them; scanned from `left` bytes before to `right` bytes after.
 *   A  an anchor byte ('@'): scanned from `left` bytes before it to `right` bytes after
 *      the run of `after` bytes that follows it (an e-mail address's domain).
 *
 * sensor_prefilter.c only lets a pattern in when it can prove from the pattern's shape
 * (sensor_re_shape) that every match lies inside such a window; the DFA run over a window
 * reports exactly the (pattern, end offset) pairs Hyperscan's stream scan would.
 */
#ifndef TOLLGATE_SENSOR_PREFILTER_H
#define TOLLGATE_SENSOR_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "sensor_prefilter_types.h"
#include "sensor_regex.h"

struct sensor_db;
struct sensor_worker;
struct sensor_stream;

/* ---- control thread (sensor_prefilter.c) ---- */

/*
 * Decide which value patterns of db the prefilter runs (setting db->pats[i].pf) and build
 * its DFAs into db->pf. exprs[i] is pattern id i as Hyperscan compiles it (with its
 * guards), cores[i] the sensor's own pattern (NULL for keywords). Patterns it cannot prove
 * it finds stay in Hyperscan. Returns 0 or -ENOMEM (err set).
 */
int sensor_prefilter_build(struct sensor_db *db, const char *const *exprs,
			   const char *const *cores, char *err, size_t errlen);
/*
 * The DFA of the keywords with sel[i] set (those searched near values, sensor_context.c)
 * into db->pf->kw_dfa; left NULL when a keyword is outside the regex subset or the DFA too
 * large (the search then uses Hyperscan's block database). Returns 0 or -ENOMEM.
 */
int sensor_prefilter_build_keywords(struct sensor_db *db, const uint8_t *sel);
void sensor_prefilter_free(struct sensor_pf_db *pf);
int sensor_prefilter_scratch_init(struct sensor_pf_scratch *x);
void sensor_prefilter_scratch_free(struct sensor_pf_scratch *x);

/* ---- owning worker (sensor_prefilter_scan.c) ---- */

/* Forget everything: a new stream, or the bytes after a gap (offset off). */
void sensor_prefilter_reset(struct sensor_pf_stream *ps, uint64_t off);

/*
 * Classify the chunk p[0 .. c1 - c0) at stream offsets [c0, c1) and list the windows to
 * run (sw->pfx). Call once per chunk, in order, before sensor_prefilter_next for it.
 */
void sensor_prefilter_chunk(struct sensor_worker *sw, struct sensor_stream *st,
			    const uint8_t *p, uint64_t c0, uint64_t c1);

/*
 * The next group of hits of the chunk's windows ending at or before stream offset limit:
 * returns its end offset and writes its pattern ids (ascending) to ids (room for every
 * prefilter pattern), or SENSOR_NO_OFFSET when none is left before limit.
 */
uint64_t sensor_prefilter_next(struct sensor_worker *sw, struct sensor_stream *st,
			       uint64_t limit, uint32_t *ids, uint32_t *n_ids);

/* Where the match of SOM pattern id ending at stream offset to starts (its guard
 * included), read backwards through the lookback; SENSOR_PF_NO_FROM when its start is
 * out of reach. */
uint64_t sensor_prefilter_som(const struct sensor_worker *sw, const struct sensor_stream *st,
			      uint32_t id, uint64_t to);

/* The classifier's masks of n bytes (tests compare the two): D, U, SP, PL words. */
void sensor_prefilter_masks_scalar(const uint8_t *p, size_t n, uint64_t *d, uint64_t *u,
				   uint64_t *sp, uint64_t *pl);
void sensor_prefilter_masks_avx2(const uint8_t *p, size_t n, uint64_t *d, uint64_t *u,
				 uint64_t *sp, uint64_t *pl);
int sensor_prefilter_have_avx2(void);
/* The run filter's starts of runs of at least K->min set bits in word lo (hi: the next
 * word), as the scan computes them (the tests hold it to a bit-by-bit count). */
uint64_t sensor_prefilter_run_starts(uint64_t lo, uint64_t hi, const struct sensor_pf_kind *K);

#endif
