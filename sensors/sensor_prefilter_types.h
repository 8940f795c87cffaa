/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types of the sensor prefilter (sensor_prefilter.h): its compiled part, kept in the
 * sensor database, and its per-stream and per-worker state, embedded in the engine's
 * structs (sensor_priv.h).
 */
#ifndef TOLLGATE_SENSOR_PREFILTER_TYPES_H
#define TOLLGATE_SENSOR_PREFILTER_TYPES_H

#include <stdint.h>

struct sensor_dfa;
struct sensor_dfa_skip;

#define SENSOR_PF_KINDS 3		/* N, U and A */
#define SENSOR_PF_N 0
#define SENSOR_PF_U 1
#define SENSOR_PF_A 2
#define SENSOR_PF_ANCHOR '@'		/* kind A's anchor byte */
#define SENSOR_PF_CHUNK 8192		/* bytes classified at once (masks, windows) */
/* Windows of one kind per chunk: each stands for a cluster of its own, and clusters are
 * at least one byte apart (plus the window carried in, and one running past the end). */
#define SENSOR_PF_MAX_WIN (SENSOR_PF_CHUNK / 2 + 4)
#define SENSOR_PF_MIN_DIGITS 5		/* fewest digits an N pattern may need */
#define SENSOR_PF_MIN_CAPS 12		/* fewest capitals/digits a U pattern may need */
#define SENSOR_PF_MIN_CAP 48		/* a kind's threshold is at most this */
#define SENSOR_PF_MAX_MARGIN 6		/* longest left or right margin */
#define SENSOR_PF_MAX_GAP 3		/* longest non-digit stretch inside an N cluster */
#define SENSOR_PF_SOM_MAX 192		/* longest match whose start a reverse DFA finds */
#define SENSOR_PF_READBACK 256		/* lookback the prefilter needs (a cluster that
					 * qualified late, a SOM match's start) */
#define SENSOR_PF_DFA_STATES 65536	/* per DFA; past it patterns stay in Hyperscan */
#define SENSOR_PF_NO_FROM UINT64_MAX	/* hit.from: start not computed (reverse DFA) */

/* One kind's windows and automaton. */
struct sensor_pf_kind {
	struct sensor_dfa *dfa;		/* NULL: no pattern of this kind */
	uint32_t min;			/* fewest base bytes (digits, capitals) of a window */
	uint32_t min_letters;		/* U: fewest capitals (not digits) of a window */
	uint8_t gap;			/* N: non-digit bytes allowed between digits; U: 1 */
	uint8_t left, right;		/* margins */
	uint8_t plus;			/* N: a digit after '+' also qualifies a cluster */
	uint8_t n_steps;		/* the AND-shifts that find runs of `min` set bits: */
	uint8_t steps[8];		/* min = 1 + steps[0] + ... (each at most the sum before) */
	uint32_t n_pats;
	uint64_t after[4];		/* A: the bytes of a match after its anchor */
};

/* Compiled prefilter (part of the immutable sensor database). */
struct sensor_pf_db {
	struct sensor_pf_kind kind[SENSOR_PF_KINDS];
	struct sensor_dfa **rev;	/* per pattern id: reverse DFA (START_SOM), or NULL */
	struct sensor_dfa *kw_dfa;	/* the keywords searched near values, or NULL */
	struct sensor_dfa_skip *kw_skip;	/* what its runs skip (with AVX2), or NULL */
	uint32_t n_rev;
	uint8_t avx2;			/* the classifier uses AVX2 (decided at compile) */
};

/* A window to run one kind's DFA over: [s, e), stream offsets. */
struct sensor_pf_win {
	uint64_t s, e;
};

/* Per stream and kind: the open cluster (or token) and the DFA run. */
struct sensor_pf_track {
	uint64_t start;		/* first base byte of the open cluster */
	uint64_t last;		/* offset after its last base byte */
	uint32_t count;		/* base bytes so far */
	uint32_t letters;	/* U: of which capitals */
	uint8_t open;		/* a cluster may still grow */
	uint8_t flag;		/* N: holds a digit after '+' */
	uint8_t pend_sp;	/* U: the byte at `last` is a space that may join */
	uint8_t pad;
	/* The DFA: state valid for bytes [run_start, pos). */
	uint64_t pos;		/* next byte to feed; SENSOR_NO_OFFSET when idle */
	uint64_t run_start;
	uint64_t done_to;	/* hits ending at or before this were reported */
	uint32_t state;
	uint32_t pend_state;	/* an accepting state found but not taken yet */
	uint64_t pend_to;	/* its end offset, or SENSOR_NO_OFFSET */
};

struct sensor_pf_stream {
	struct sensor_pf_track t[SENSOR_PF_KINDS];
	uint64_t tail_s[SENSOR_PF_KINDS];	/* windows listed that run past the last chunk: */
	uint64_t tail_e[SENSOR_PF_KINDS];	/* their union, or 0, 0 */
	uint64_t hist[4];	/* class bits of the 64 bytes before the chunk: D, U, SP, PL */
};

/* Per worker: the windows of the chunk being scanned. */
struct sensor_pf_scratch {
	uint64_t *mask;		/* 4 masks + work masks, (SENSOR_PF_CHUNK / 64 + 2) words each */
	struct sensor_pf_win *win[SENSOR_PF_KINDS];
	uint32_t n_win[SENSOR_PF_KINDS];
	uint32_t cur[SENSOR_PF_KINDS];	/* next window to run */
	uint64_t c0, c1;		/* the chunk, stream offsets */
	const uint8_t *p;		/* its bytes */
};

#endif
