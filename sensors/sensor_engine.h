/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DLP sensor engine: every sensor's patterns and context keywords compiled on the
 * control thread (shared read-only) for two engines that report the same matches
 * (docs/sensors.md "Engines"): PREFILTER (default: a vectorised classifier and DFAs for
 * the class-led patterns, Hyperscan for the literal-led ones near their literals only
 * (sensor_gate.h), keywords searched near the values) and HYPERSCAN (everything in one Hyperscan STREAM database). Per worker a scratch
 * and a pool of streams turn in-order bytes into validated matches, each checked for
 * boundaries, by its validator and against its context keywords, one value under one
 * sensor. Internals: sensor_priv.h; the rules: sensor_db.c, sensor_prefilter.c,
 * sensor_stream.c, sensor_prefilter_scan.c, sensor_context.c, sensor_decide.c and
 * docs/sensors.md.
 */
#ifndef TOLLGATE_SENSOR_ENGINE_H
#define TOLLGATE_SENSOR_ENGINE_H

#include <stddef.h>
#include "sensor_types.h"
#include "validators.h"

struct sensor_db;	/* compiled, immutable: shared by every worker */
struct sensor_worker;	/* one per worker: scratch, stream pool, candidate buffers */
struct sensor_stream;	/* one per flow direction being inspected */

/* ---- control thread ---- */

/* The built-in catalogue (ids exactly as in docs/sensors.md). Returns how many were
 * written to out (at most max). */
unsigned int sensor_catalogue_builtin(struct sensor_def *out, unsigned int max);

/*
 * Compile every enabled sensor's patterns and keywords into one Hyperscan STREAM
 * database. A pattern Hyperscan rejects, or one that can match the empty string, fails
 * the whole compile with err = "sensor NAME: pattern \"P\": REASON". Returns NULL then.
 * Other refusals name the sensor and the field the same way ("sensor NAME: window: 5000,
 * at most 1024 expected", "sensor NAME: keyword \"K\": ..."). The definitions are copied:
 * sensor index i (sensor_match.sensor, sensor_db_def) is defs[i]; disabled sensors keep
 * their index and are checked but not compiled. Control thread; the result is immutable
 * and may be shared by every worker until sensor_db_free (after they stopped using it).
 */
struct sensor_db *sensor_db_compile(const struct sensor_def *defs, unsigned int n, char *err,
				    size_t errlen);
/*
 * The same, reusing a database compiled earlier with identical patterns from cache_dir
 * (created if needed; NULL = no cache) and storing a fresh one there. Results are identical
 * with or without the cache; only start-up time differs.
 */
struct sensor_db *sensor_db_compile_cached(const struct sensor_def *defs, unsigned int n,
					   const char *cache_dir, char *err, size_t errlen);
void sensor_db_free(struct sensor_db *db);
/* How many of db's Hyperscan databases so far were loaded from the cache directory, and
 * how many were compiled (a start that compiles nothing loaded them all). */
void sensor_db_cache_counts(const struct sensor_db *db, unsigned int *cached,
			    unsigned int *compiled);
/* The same for the prefilter's DFAs: loaded from the cache directory, built. */
void sensor_db_dfa_counts(const struct sensor_db *db, unsigned int *cached,
			  unsigned int *built);
unsigned int sensor_db_count(const struct sensor_db *db);
const struct sensor_def *sensor_db_def(const struct sensor_db *db, unsigned int index);
/* Bytes one open stream holds (Hyperscan state + lookback ring + pending candidates +
 * keyword positions): what stream_bytes counts per open stream. */
size_t sensor_db_stream_size(const struct sensor_db *db);

/*
 * Make db ready for workers of engine (enum sensor_engine_kind): the PREFILTER engine's
 * databases are compiled by sensor_db_compile; the HYPERSCAN engine's single database is
 * compiled here, the first time (through the cache directory given at compile). Returns
 * 0, or -EINVAL / -ENOMEM with err naming the pattern Hyperscan refused. Control thread,
 * before any worker of that engine is created on db.
 */
int sensor_db_prepare(struct sensor_db *db, uint8_t engine, char *err, size_t errlen);

/*
 * Per-worker engine on socket: a Hyperscan scratch and max_streams streams opened up front
 * (the data path never allocates). Returns NULL with err set on failure. db must outlive
 * the worker. Memory comes from the libc heap (Hyperscan allocates its streams itself);
 * socket is accepted for the EAL callers but not used yet: create the worker from a thread
 * on that socket for first-touch placement. sensor_worker_free closes every stream,
 * open or not; NULL is a no-op.
 */
struct sensor_worker *sensor_worker_create(const struct sensor_db *db, uint32_t max_streams,
					   int socket, char *err, size_t errlen);
/* The same with the engine chosen (sensor_worker_create: PREFILTER); db must have been
 * prepared for it (sensor_db_prepare), else NULL. Both engines report the same matches. */
struct sensor_worker *sensor_worker_create_engine(const struct sensor_db *db, uint8_t engine,
						  uint32_t max_streams, int socket, char *err,
						  size_t errlen);
void sensor_worker_free(struct sensor_worker *sw);

/*
 * The date the date-dependent validators (be_nn, dk_cpr, se_personnummer) take as today.
 * Set to the current UTC date at create; the owning worker refreshes it (say once per
 * housekeeping tick) so the data path never reads the clock. Owning worker only.
 */
void sensor_worker_set_today(struct sensor_worker *sw, const struct validator_date *today);

/*
 * ---- owning worker only; none allocates, sleeps or logs ----
 * fn is called synchronously from inside these calls (possibly from Hyperscan's match
 * callback) and must not call back into the same sensor_worker. m and m->v are valid only
 * during the call.
 */

/* Take a stream from the pool for a new flow direction; NULL (counted) when none left. */
struct sensor_stream *sensor_stream_open(struct sensor_worker *sw);

/*
 * Scan the next len in-order bytes of the direction. Calls fn for every match that passed
 * its validator, boundary and context rules and that no better overlapping match displaced
 * (one value, one sensor), in the order they became certain (a match may be reported
 * during a later scan or at close, once the bytes after it, its context window and the
 * candidates overlapping it are known). data is only read during the call (its tail is copied into the
 * stream's lookback ring). A Hyperscan error is counted in scan_errors, never fatal.
 */
void sensor_stream_scan(struct sensor_worker *sw, struct sensor_stream *st, const uint8_t *data,
			uint32_t len, sensor_match_fn fn, void *cookie);

/*
 * len bytes were lost: nothing may straddle the gap. A candidate ending right before the
 * gap or starting right after it is dropped (candidates_dropped), and so is one waiting
 * for the bytes after it; one waiting for a keyword after it is reported MEDIUM, or
 * dropped if it needs a keyword; overlapping values are decided among those known.
 * Offsets keep counting the lost bytes.
 */
void sensor_stream_gap(struct sensor_worker *sw, struct sensor_stream *st, uint64_t len,
		       sensor_match_fn fn, void *cookie);

/* The stream offset of the next byte: the bytes scanned and lost since it was opened. */
uint64_t sensor_stream_offset(const struct sensor_stream *st);

/*
 * Report now the validated values that only wait for a context keyword after them (as
 * MEDIUM confidence; a keyword that follows can no longer raise them to HIGH) or for the
 * candidates that may overlap them (the best of those known is reported; one found later
 * is judged on its own). Values that need a keyword, or whose end is not certain yet (the
 * bytes after them), keep waiting. For an inline flow that a block binding may cut: its
 * count must not lag behind the bytes that were let through.
 */
void sensor_stream_commit(struct sensor_worker *sw, struct sensor_stream *st, sensor_match_fn fn,
			  void *cookie);

/* End of the direction: report what was pending (the end bounds every candidate) and
 * return the stream to the pool; st must not be used afterwards. NULL is ignored. */
void sensor_stream_close(struct sensor_worker *sw, struct sensor_stream *st, sensor_match_fn fn,
			 void *cookie);

const struct sensor_stats *sensor_worker_stats(const struct sensor_worker *sw);

#endif
