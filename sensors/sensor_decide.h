/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What becomes of a candidate once sensor_stream.c has found where it starts and ends:
 * boundaries, validator, context keywords, and which of several overlapping matches is
 * reported (sensor_decide.c). Called by sensor_stream.c only, on the owning worker, with
 * the call in progress set up in the worker (buf, buf_off, buf_end, mode, fn, cookie).
 * None allocates; matches go out through sw->fn.
 */
#ifndef TOLLGATE_SENSOR_DECIDE_H
#define TOLLGATE_SENSOR_DECIDE_H

#include <stdint.h>
#include "sensor_priv.h"

/*
 * Sensor si's candidate [s, e), found by a value pattern of boundary kind boundary whose
 * Hyperscan hit ended at stream offset pos. Counted in candidates and then in exactly one
 * of boundary_rejected, validator_rejected, context_missing, candidates_dropped,
 * overlap_suppressed or accepted (now or later).
 */
void sensor_decide_candidate(struct sensor_worker *sw, struct sensor_stream *st, unsigned int si,
			     uint64_t s, uint64_t e, uint8_t boundary, uint64_t pos);

/* A keyword hit of pattern pat whose Hyperscan hit ended at stream offset t. */
void sensor_decide_keyword(struct sensor_worker *sw, struct sensor_stream *st,
			   const struct sensor_pattern *pat, uint64_t t);

/*
 * Everything that is certain once the stream up to pos has been scanned: a context
 * window that ended, an overlap group past its horizon. strict: hits ending at pos may
 * still be unprocessed (called before a hit), so only what ends before pos is settled.
 * pos UINT64_MAX settles everything that does not wait for bytes after the stream.
 */
void sensor_decide_settle(struct sensor_worker *sw, struct sensor_stream *st, uint64_t pos,
			  int strict);

/* At the start of a scan (the new buffer readable) or at close (the end of the stream
 * known): the candidates waiting for the bytes after them. */
void sensor_decide_boundaries(struct sensor_worker *sw, struct sensor_stream *st);

/* Bytes are lost next: what waits for bytes after it is dropped, what waits for a keyword
 * is reported without one (or dropped when it needs one), and the rest decided now. */
void sensor_decide_gap(struct sensor_worker *sw, struct sensor_stream *st);

/* sensor_stream_commit: report now what only waits for a keyword after it or for
 * overlapping candidates. */
void sensor_decide_commit(struct sensor_worker *sw, struct sensor_stream *st);

#endif
