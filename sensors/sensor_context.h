/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Context keywords near a value (sensor_context.c), for sensor_decide.c: the markup and
 * label rules both engines share, and the PREFILTER engine's keyword search, which reads
 * the keywords of one sensor around the value being decided from the bytes themselves
 * instead of keeping, per stream, the positions of every keyword Hyperscan reported.
 * Owning worker only, inside a scan, gap, commit or close call (the bytes of the call in
 * progress and the lookback ring are read).
 */
#ifndef TOLLGATE_SENSOR_CONTEXT_H
#define TOLLGATE_SENSOR_CONTEXT_H

#include <stdint.h>
#include "sensor_priv.h"

/* Add keyword kw (a sensor definition's, checked) to its slot's starts. Control thread. */
void sensor_context_starts_add(struct sensor_kw_starts *ks, const char *kw);

/* Offset o (a keyword's first byte) is inside an HTML/XML tag (see sensor_context.c). */
int sensor_context_in_markup(const struct sensor_worker *sw, const struct sensor_stream *st,
			     uint64_t o);

/* A digit lies in [a, b) (or a is out of the lookback): the keyword at one end does not
 * label the value at the other. */
int sensor_context_digit_between(const struct sensor_worker *sw, const struct sensor_stream *st,
				 uint64_t a, uint64_t b);

/*
 * What the HYPERSCAN engine's keyword state for slot would hold now: the ends of the last
 * two distinct keywords of the slot (SENSOR_NO_OFFSET: none) among the keyword hits that
 * engine would have handled before the hit being decided (sw->cur_to, sw->cur_id), that
 * end at or after from. Keywords ending before from are no use to the value being decided
 * (from = its start minus its window) and are left out.
 */
void sensor_context_last(struct sensor_worker *sw, const struct sensor_stream *st,
			 uint16_t slot, uint64_t from, uint64_t *last, uint64_t *prev);

/*
 * Bytes are lost next (sensor_stream_gap, after the sentinel): keep in st->kw what the
 * HYPERSCAN engine's keyword state holds now, for the values after the gap, whose
 * search stops at it. Every hit up to the sentinel counts as handled.
 */
void sensor_context_gap(struct sensor_worker *sw, struct sensor_stream *st);

/*
 * The first keyword hit of slot, in the order the HYPERSCAN engine handles hits, that comes
 * after (born_to, born_id), starts within [end, end + window], is not in markup and (label)
 * has no digit between end and it. Returns 1 with its end offset, pattern id and first
 * byte; 0 when there is none (every byte that could hold one was read); -1 when bytes it
 * may need have not arrived yet (ask again later).
 */
int sensor_context_next(struct sensor_worker *sw, const struct sensor_stream *st, uint16_t slot,
			uint64_t end, uint32_t window, uint32_t kw_max, uint8_t label,
			uint64_t born_to, uint32_t born_id, uint64_t *kw_to, uint32_t *kw_id,
			uint64_t *kw_start);

#endif
