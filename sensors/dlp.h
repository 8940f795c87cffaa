/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DLP_H
#define TOLLGATE_DLP_H

#include <stdint.h>
#include "config_types.h"
#include "dlp_types.h"
#include "sensor_types.h"

struct sensor_db;
struct dlp_ctx;		/* per worker */
struct dlp_dir;		/* per inspected flow direction */
struct dlp_park;	/* per idle flow direction whose stream went to another */

/*
 * What a flow's rule asks of DLP, passed with each call (it may change between calls when
 * the policy does). With bindings, only the bound sensors count, each with the binding's
 * threshold and action; without, every sensor counts at its own threshold with the
 * context's action (dlp.action). rule names the rule in events (NULL: dlp.rule).
 */
struct dlp_policy {
	const char *rule;
	const struct dlp_binding *bind;
	uint16_t nbind;
	uint8_t commit;		/* count each value as soon as it is certain, without waiting
				 * for a context keyword after it (an inline flow that a block
				 * binding may cut: sensor_stream_commit) */
};

/* A dlp event is ready; the callee copies *ev (with the flow header) into a message. */
typedef void (*dlp_emit_fn)(void *cookie, uint8_t dir, const struct dlp_event *ev);

struct dlp_stats {
	uint64_t dirs_opened;
	uint64_t dirs_refused;		/* no sensor stream or state left: not inspected */
	uint64_t dirs_evicted;		/* idle directions closed to open a new one */
	uint64_t dirs_resumed;		/* ... that carried bytes again and took up their
					 * accounting (dlp_dir_resume) */
	uint64_t parks_dropped;		/* parked accounting given up for a newer one */
	uint64_t matches;		/* accepted matches */
	uint64_t events;		/* dlp events emitted */
	uint64_t distinct_overflow;	/* distinct-value set full: counted as new */
	uint64_t buffers_opened;	/* decoded buffers inspected */
	uint64_t buffers_refused;	/* no sensor stream left: buffer not inspected */
	uint64_t raw_dups;		/* raw matches also found in a decoded buffer */
	uint64_t raw_skipped;		/* raw bytes not scanned: a decoded buffer covered them */
};

/*
 * Per-worker DLP: the sensor engine's streams plus, per flow direction, the distinct
 * values seen (keyed hashes) and the matches not yet reported. max_streams directions at
 * once (conf->max_streams), with the engine conf->engine names (db is prepared for it
 * here: sensor_db_prepare, which compiles the HYPERSCAN engine's database the first time;
 * db stays shared and read-only for the workers). key is the installation's value-hash
 * key (copied). Control thread at init; returns NULL with err set.
 */
struct dlp_ctx *dlp_ctx_create(struct sensor_db *db, const struct config_dlp *conf,
			       const uint8_t key[16], int socket, char *err, size_t errlen);
void dlp_ctx_free(struct dlp_ctx *ctx);

/* Bytes dlp_ctx_create takes for conf besides the sensor engine's streams: its own (EAL
 * heap), the directions' and parks' (libc heap, laid out as first used). */
size_t dlp_ctx_memsize(const struct config_dlp *conf);

/* Bytes of one open direction's accounting and of one parked direction's. */
size_t dlp_dir_size(void);
size_t dlp_park_size(void);

/* ---- owning worker only ---- */

/* Start inspecting a direction; NULL (counted in dirs_refused) when the pools are empty. */
struct dlp_dir *dlp_dir_open(struct dlp_ctx *ctx);

/* Closes the direction dir of owner (as dlp_dir_own named it) with dlp_dir_close. */
typedef void (*dlp_evict_fn)(void *cookie, void *owner, uint8_t dir);

/*
 * dlp_dir_open, except that when every stream is taken, the open direction fed least
 * recently is evicted first (evict, counted in dirs_evicted: its owner parks or closes
 * it) if it has had no bytes for min_idle_us or more by dlp_ctx_clock: idle directions
 * never keep a new one from being inspected. The evicted one opens a new stream with its
 * next bytes (and takes up its parked accounting: dlp_dir_resume). NULL (dirs_refused)
 * when every stream was fed within min_idle_us.
 */
struct dlp_dir *dlp_dir_open_lru(struct dlp_ctx *ctx, uint64_t min_idle_us, dlp_evict_fn evict,
				 void *cookie);

/* Whose direction d is (the worker's flow and its direction), for dlp_dir_open_lru. A
 * direction without an owner is never evicted. */
void dlp_dir_own(struct dlp_dir *d, void *owner, uint8_t dir);

/* The time of the packets being handled (microseconds; a time before the last is ignored). */
void dlp_ctx_clock(struct dlp_ctx *ctx, uint64_t now_us);

/* In-order bytes of the direction, data[0] at offset off of the direction's byte stream
 * (dlp_dir_cover's offsets). Emits a dlp event when a sensor's distinct-value count
 * reaches its threshold (with every match so far); later matches wait for close. Bytes a
 * decoded buffer already covered are not scanned again (raw_skipped): the raw stream
 * treats them as a gap. */
void dlp_dir_data(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint64_t off,
		  const uint8_t *data, uint32_t len, const struct dlp_policy *pol,
		  dlp_emit_fn emit, void *cookie);

/* len bytes were lost in the stream. */
void dlp_dir_gap(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint64_t len,
		 const struct dlp_policy *pol, dlp_emit_fn emit, void *cookie);

/* End of the direction: flush the engine, emit the matches after the threshold event, and
 * return everything to the pools. */
void dlp_dir_close(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir,
		   const struct dlp_policy *pol, dlp_emit_fn emit, void *cookie);

/*
 * An idle direction gives up its sensor stream but not its accounting: d is flushed and
 * reported on as dlp_dir_close does, then what counts its thresholds (distinct values,
 * the sensors past theirs and whether one blocks, the first matches of the sensors still
 * below) is kept in a park record of about 0.7 KiB, and *slot points to it (NULL when
 * conf->max_parked is 0). When every record is taken, the oldest parked direction's goes
 * (parks_dropped) and its owner's slot is set to NULL: slot must stay valid while the
 * record is parked. The owner hands the record to dlp_dir_resume when the direction
 * carries bytes again, or to dlp_park_free when it ends.
 */
void dlp_dir_park(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, const struct dlp_policy *pol,
		  dlp_emit_fn emit, void *cookie, struct dlp_park **slot);

/* d, just opened, goes on from where the parked direction p left off; p returns to the
 * pool and its slot is set to NULL. Match offsets in the raw stream stay the direction's. */
void dlp_dir_resume(struct dlp_ctx *ctx, struct dlp_dir *d, struct dlp_park *p);

/* The direction ended while parked: p returns to the pool (its slot set to NULL). NULL
 * is ignored. */
void dlp_park_free(struct dlp_ctx *ctx, struct dlp_park *p);

/* Whether the parked direction had reached a threshold whose binding said block. */
int dlp_park_crossed_block(const struct dlp_park *p);

/*
 * Decoded buffers (the app layer's bodies, parts and URLs after transfer and content
 * decoding): per direction one at a time per level (level 0: a body, part or URL; level
 * 1: a base64 value found inside the level-0 buffer while it is open), each on a sensor
 * stream of its own, scanned
 * beside the raw stream and counted in the same distinct-value sets. path names the
 * decoding ("http.body > gzip > json"; at most DLP_PATH_LEN - 1 bytes, copied) and the
 * buffer's offsets start at 0. open returns 0, -EBUSY when that level is open, or
 * -ENOSPC (counted in buffers_refused) when no sensor stream is left: the raw stream is
 * still scanned. data/gap/close on a direction without an open buffer do nothing.
 */
int dlp_dir_buffer_open(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t level, const char *path);
void dlp_dir_buffer_data(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint8_t level,
			 const uint8_t *data, uint32_t len, const struct dlp_policy *pol,
			 dlp_emit_fn emit, void *cookie);
void dlp_dir_buffer_gap(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint64_t len,
			const struct dlp_policy *pol, dlp_emit_fn emit, void *cookie);
void dlp_dir_buffer_close(struct dlp_ctx *ctx, struct dlp_dir *d, uint8_t dir, uint8_t level,
			  const struct dlp_policy *pol, dlp_emit_fn emit, void *cookie);

/*
 * Raw stream bytes [start, end) of the direction reached a decoded buffer that is (or
 * was) scanned: dlp_dir_data does not scan them again (raw_skipped), and a raw match
 * starting there (scanned before the range was known) is the same value seen from
 * outside, not counted again (raw_dups). Ranges closer than a few framing bytes
 * (chunk-size lines) are joined; the last few ranges are remembered. Call before
 * dlp_dir_data gets those raw bytes.
 */
void dlp_dir_cover(struct dlp_dir *d, uint64_t start, uint64_t end);

/* Refresh the date the date-dependent validators use (from the wall clock). Call from
 * housekeeping, not per packet. */
void dlp_ctx_refresh_today(struct dlp_ctx *ctx);

const struct dlp_stats *dlp_ctx_stats(const struct dlp_ctx *ctx);

/* Whether the direction reached a threshold whose binding said block (in any mode). */
int dlp_dir_crossed_block(const struct dlp_dir *d);

/* dlp.action of the context: the action of flows without bindings (enum config_dlp_action). */
uint8_t dlp_ctx_default_action(const struct dlp_ctx *ctx);
const struct sensor_stats *dlp_ctx_sensor_stats(const struct dlp_ctx *ctx);

/*
 * The accepted matches (the ones stats.matches counts) of database sensor index `sensor`
 * under a binding or default of `action` (enum config_dlp_action); 0 for an index or
 * action out of range. The owning worker writes them; any thread may read (an aligned
 * 64-bit value, never torn), and the sum over sensors and actions is stats.matches.
 */
uint64_t dlp_ctx_sensor_matches(const struct dlp_ctx *ctx, unsigned int sensor, uint8_t action);

#endif
