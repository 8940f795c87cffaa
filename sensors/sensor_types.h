/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DLP sensor types: a sensor's definition (built-in or custom), a validated match as the
 * engine reports it, and the engine's per-worker counters.
 */
#ifndef TOLLGATE_SENSOR_TYPES_H
#define TOLLGATE_SENSOR_TYPES_H

#include <stdint.h>
#include "validators_types.h"

#define SENSOR_ID_LEN 48
#define SENSOR_CATEGORY_LEN 24
#define SENSOR_MAX_PATTERNS 16
#define SENSOR_PATTERN_LEN 512
#define SENSOR_MAX_KEYWORDS 32
#define SENSOR_KEYWORD_LEN 64
#define SENSOR_MAX 256
#define SENSOR_DEFAULT_WINDOW 64	/* context window when a definition leaves it 0 */
#define SENSOR_MAX_WINDOW 1024		/* longest context window accepted */
#define SENSOR_MAX_LEN_LIMIT 1024	/* longest candidate a sensor may declare */

/*
 * How a worker finds candidates (docs/sensors.md "Engines"); both report exactly the same
 * matches. PREFILTER: Hyperscan for literal-led patterns and keywords, the prefilter's
 * windows and DFAs for class-led ones. HYPERSCAN: every pattern in one Hyperscan stream
 * database (the reference the prefilter is tested against).
 */
enum sensor_engine_kind {
	SENSOR_ENGINE_PREFILTER = 0,
	SENSOR_ENGINE_HYPERSCAN,
	SENSOR_ENGINE__COUNT
};

enum sensor_confidence {
	SENSOR_CONF_MEDIUM = 1,		/* validated, no context keyword near it */
	SENSOR_CONF_HIGH,		/* validated and a context keyword within the window */
};

enum sensor_severity {
	SENSOR_SEV_LOW = 1,
	SENSOR_SEV_MEDIUM,
	SENSOR_SEV_HIGH,
	SENSOR_SEV_CRITICAL,
};

/*
 * What must not touch a candidate on either side, so that it is not a piece of a longer
 * run (IDENTIFIERS.md "Boundaries"). Except for EDGE and NONE the engine wraps every
 * pattern in guards that Hyperscan itself matches, so a candidate is only reported once the
 * byte after it is known and never for each prefix of a longer run. For DIGIT, ALNUM and
 * EDGE, a grouped value is also not one group of a longer grouped number (its separator
 * and a digit group before or after it: sensor_decide.c).
 */
enum sensor_boundary {
	SENSOR_BOUNDARY_EDGE = 0,	/* checked after the match from its first and last byte:
					 * a digit edge as DIGIT, a letter edge as ALNUM
					 * (custom classes) */
	SENSOR_BOUNDARY_NONE,		/* no check (the pattern delimits itself) */
	SENSOR_BOUNDARY_DIGIT,		/* no digit, nor "." + digit, on either side */
	SENSOR_BOUNDARY_ALNUM,		/* no letter or digit on either side */
	SENSOR_BOUNDARY_EMAIL,		/* no local-part byte before, no domain byte after */
	SENSOR_BOUNDARY_PHONE,		/* no digit, letter or "+" before; no digit, nor a
					 * separator + digit, after */
	SENSOR_BOUNDARY_B64URL,		/* no base64url byte or "." before, no base64url byte
					 * after */
	SENSOR_BOUNDARY__COUNT
};

/* One sensor. Plain data, copied into the compiled database. */
struct sensor_def {
	char id[SENSOR_ID_LEN];			/* "credit_card" or a custom name */
	char category[SENSOR_CATEGORY_LEN];	/* financial, identity, contact, credentials, health */
	uint8_t builtin;
	uint8_t enabled;
	uint8_t severity;			/* enum sensor_severity */
	uint8_t context_required;		/* every match needs a keyword (weak forms always do) */
	uint8_t validator;			/* enum validator_id */
	uint8_t boundary;			/* enum sensor_boundary (0: EDGE) */
	uint32_t window;			/* context window, bytes before or after the value;
						 * 0: SENSOR_DEFAULT_WINDOW */
	uint32_t threshold;			/* default per-flow threshold (distinct values) */
	uint16_t max_len;			/* longest candidate in bytes (sizes the lookback);
						 * 0: widest match of the patterns, or 128 */
	uint32_t n_patterns;
	char patterns[SENSOR_MAX_PATTERNS][SENSOR_PATTERN_LEN];	/* Hyperscan regexes */
	uint32_t n_keywords;
	char keywords[SENSOR_MAX_KEYWORDS][SENSOR_KEYWORD_LEN];	/* literal, case-insensitive */
};

/* A match that passed its validator (and context rule). Raw bytes never leave the engine
 * except as v.norm, which the caller redacts and hashes before anything is written. */
struct sensor_match {
	uint16_t sensor;			/* index into the database's sensor list */
	uint8_t confidence;			/* enum sensor_confidence */
	uint64_t offset;			/* stream offset of the value's first byte */
	struct validator_result v;
};

typedef void (*sensor_match_fn)(void *cookie, const struct sensor_match *m);

/* Per-worker engine counters. */
struct sensor_stats {
	uint64_t streams_opened;
	uint64_t streams_active;		/* gauge */
	uint64_t stream_pool_empty;		/* open refused: every stream in use */
	uint64_t stream_bytes;			/* gauge: memory held by open streams */
	uint64_t bytes_scanned;
	uint64_t candidates;			/* pattern hits considered */
	uint64_t boundary_rejected;		/* inside a longer run of digits/letters */
	uint64_t validator_rejected;
	uint64_t context_missing;		/* valid weak form without a keyword */
	uint64_t overlap_suppressed;		/* valid, but a better match overlaps it (one
						 * value, one sensor) */
	uint64_t accepted;
	uint64_t candidates_dropped;		/* pending list full or value left the lookback */
	uint64_t scan_errors;			/* Hyperscan returned an error */
	uint64_t gate_restarts;			/* PREFILTER: Hyperscan restarted at an anchor
						 * after bytes the gate kept from it */
};

#endif
