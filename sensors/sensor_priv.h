/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sensor engine internals shared by sensor_db.c (compile, control thread), sensor_stream.c
 * (per-worker streams, data path), sensor_prefilter*.c, sensor_context.c, sensor_decide.c
 * (what becomes of a candidate), the unit tests and tools/bench_sensors.c (which scans the
 * databases raw for comparison). Nothing else may include it.
 *
 * Every enabled sensor's patterns and every context keyword is one pattern id, the same in
 * every database that holds it: db->hs_full (HYPERSCAN engine: all of them), db->hs (the
 * PREFILTER engine's literal-led values and the keywords of sensors it does not search
 * lazily), db->hs_kw (the other keywords, block mode) and the prefilter's DFAs (db->pf:
 * the class-led values). A pattern id indexes db->pats, which says whether the hit is a
 * value or a keyword, who finds it, and lists, in db->refs, the sensors (values) or
 * keyword slots (keywords) it stands for: identical patterns and keywords of several
 * sensors are compiled once.
 *
 *   pattern id ─► sensor_pattern { kind, boundary, width, trail, refs[first .. first+n) }
 *                    value:   refs = sensor indexes     (validator, window, kw slot)
 *                    keyword: refs = keyword slots      (per-stream last keyword end)
 */
#ifndef TOLLGATE_SENSOR_PRIV_H
#define TOLLGATE_SENSOR_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <hs.h>
#include "sensor_gate_types.h"
#include "sensor_prefilter_types.h"
#include "sensor_types.h"
#include "validators.h"	/* struct validator_date */

#define SENSOR_RING_MIN 256		/* smallest lookback ring, bytes (a power of two) */
#define SENSOR_RING_LAZY_MAX 2048	/* largest ring grown for lazy keywords (sensor_db.c) */
#define SENSOR_PENDING_MAX 16		/* undecided candidates per stream */
#define SENSOR_OVERLAP_HORIZON 64	/* a value is decided once this many bytes past the end
					 * of it (and of every candidate overlapping it) are
					 * scanned: the overlapping candidates ending within that
					 * compete with it (one value, one sensor) */
#define SENSOR_TAG_LOOKBACK 512		/* bytes scanned back from a keyword for a '<' that
					 * opens the tag it sits in */
#define SENSOR_GROUP_MAX 8		/* digits read of a neighbouring digit group (grouped
					 * numbers): more is a group whatever follows */
#define SENSOR_RECENT_MAX 8		/* (sensor, start, end) remembered for dedupe */
#define SENSOR_HITS_MAX 256		/* smallest hit group buffer */
#define SENSOR_DEFAULT_MAX_LEN 128	/* custom sensor with unbounded patterns, no max_len */
#define SENSOR_SENTINEL '\n'		/* scanned at close and before a gap: ends every value */
#define SENSOR_NO_SLOT UINT16_MAX
#define SENSOR_NO_OFFSET UINT64_MAX

enum sensor_pat_kind {
	SENSOR_PAT_VALUE = 0,
	SENSOR_PAT_KEYWORD,
};

/* Who finds a pattern's hits in the PREFILTER engine (the HYPERSCAN engine: Hyperscan). */
enum sensor_pat_finder {
	SENSOR_PAT_HS = 0,	/* the literal-led stream database (db->hs) */
	SENSOR_PAT_PF_N,	/* the prefilter's digit clusters */
	SENSOR_PAT_PF_U,	/* the prefilter's capital-and-digit tokens */
	SENSOR_PAT_PF_A,	/* the prefilter's runs after an anchor byte ('@') */
};

/*
 * How the start of a value is found from Hyperscan's end offset. SOM is the general answer
 * but costs Hyperscan dearly, so it is the last resort.
 */
enum sensor_start {
	SENSOR_START_WIDTH = 0,	/* fixed width: end - width */
	SENSOR_START_SCAN,	/* variable width, boundary kind with a backward scan rule
				 * (EMAIL, PHONE, B64URL): scan back from the end */
	SENSOR_START_SOM,	/* variable width otherwise: HS_FLAG_SOM_LEFTMOST */
};

/* What one Hyperscan pattern id stands for. */
struct sensor_pattern {
	uint8_t kind;		/* enum sensor_pat_kind */
	uint8_t boundary;	/* value: enum sensor_boundary of its sensors */
	uint8_t trail;		/* keyword: bytes matched after the keyword (guard) */
	uint8_t start;		/* value: enum sensor_start */
	uint8_t pf;		/* enum sensor_pat_finder */
	uint8_t kw_lead;	/* keyword: a leading guard byte (it starts with a letter) */
	uint16_t width;		/* value: fixed width of the value without guards (START_WIDTH);
				 * keyword: its length in bytes */
	uint16_t scan_max;	/* value, START_SCAN: longest value to scan back over */
	uint16_t n_refs;
	uint32_t first_ref;	/* index into db->refs */
};

/*
 * The first bytes of a keyword slot's keywords: the quick test that none of them lies in
 * a range, before the keyword search reads it (sensor_context.c, slot_absent).
 */
struct sensor_kw_starts {
	uint64_t first[4];	/* a keyword's first byte (a letter in both cases) */
	uint64_t second[4];	/* the byte after it (both cases; ' ', '-' and '_' alike) */
	uint8_t nib[2][2][16];	/* first[] and second[] as sensor_byteset.h's tables */
	uint8_t one_byte;	/* a one-byte keyword: anything may follow its first byte */
	uint8_t n_pre;
	uint8_t pre_len[SENSOR_MAX_KEYWORDS];	/* each keyword's first 1..4 bytes, folded */
	uint32_t pre[SENSOR_MAX_KEYWORDS];	/* (letters lower-case, separators ' '), */
						/* the first in the low byte */
	uint32_t by_first[256];	/* per folded first byte: its keywords, a bit each in pre[] */
};

/* Per-sensor facts the data path needs, next to the (large) definitions. */
struct sensor_rt {
	uint8_t enabled;
	uint8_t validator;
	uint8_t context_required;
	uint8_t boundary;
	uint8_t checksum;	/* the validator computes check digits (wins over layout-only) */
	uint8_t label;		/* weak forms need a keyword labelling this very value */
	uint8_t lazy_kw;	/* PREFILTER: its keywords are searched near its values
				 * (sensor_context.c), not kept from a Hyperscan scan */
	uint16_t kw_slot;	/* SENSOR_NO_SLOT: no keywords */
	uint16_t kw_max;	/* longest keyword in bytes */
	uint32_t window;	/* resolved (never 0) */
	uint32_t max_len;	/* resolved */
};

struct sensor_db {
	hs_database_t *hs;	/* PREFILTER engine: the value patterns with pf == SENSOR_PAT_HS;
				 * NULL when there are none */
	hs_database_t *hs_kw;	/* PREFILTER engine: every keyword, BLOCK mode, searched near
				 * the values being decided (sensor_context.c); NULL: none */
	hs_database_t *hs_full;	/* HYPERSCAN engine: every pattern and keyword; compiled by
				 * sensor_db_prepare, NULL until then */
	struct sensor_pf_db *pf;	/* the prefilter's automata */
	struct sensor_gate gate;	/* PREFILTER: when db->hs need not see a chunk */
	unsigned int n_defs;
	struct sensor_def *defs;
	struct sensor_rt *rt;
	unsigned int n_pats;
	struct sensor_pattern *pats;
	uint16_t *refs;
	unsigned int n_slots;	/* sensors with keywords */
	uint32_t ring_size;	/* lookback bytes per stream, a power of two */
	size_t hs_stream_size;	/* of db->hs */
	size_t hs_full_stream_size;	/* of db->hs_full (once compiled) */
	/* Per byte: a pattern or keyword of db->hs (hs_full) may be waiting after it for its
	 * trailing guard's byte, so the end of data scans the sentinel through Hyperscan. */
	uint8_t hs_wait[256];
	uint8_t hs_full_wait[256];
	uint32_t kw_max_all;	/* longest keyword of any enabled sensor, bytes */
	uint32_t kw_reach;	/* longest window + its keyword + 2 of the lazy_kw sensors:
				 * how far back a value after a gap may use a keyword before it */
	uint8_t *slot_lazy;	/* per keyword slot: its sensor's lazy_kw */
	struct sensor_kw_starts *kw_starts;	/* per keyword slot (n_slots) */
	size_t state_size;	/* engine state per stream (ring, pending, keywords, ...) */
	size_t stream_size;	/* hs_stream_size + state_size: what sensor_db_stream_size says
				 * (the PREFILTER engine) */
	/* Every expression as Hyperscan compiles it (pattern id i is ex[i]), kept for
	 * sensor_db_prepare. */
	struct sensor_expr *ex;
	unsigned int n_ex;
	char *cache_dir;	/* compiled-database cache, or NULL */
	unsigned int n_cached;	/* Hyperscan databases loaded from cache_dir */
	unsigned int n_dfa_cached, n_dfa_built;	/* the prefilter's DFAs: loaded, built */
	unsigned int n_compiled;	/* ... and compiled */
	uint8_t full_ready;	/* sensor_db_prepare(HYPERSCAN) succeeded */
	char full_err[256];	/* why hs_full failed to compile, once it did */
};

/* One expression handed to Hyperscan and where it came from (for error messages). */
struct sensor_expr {
	char *re;
	unsigned int flags;
	uint16_t sensor;	/* first sensor that listed it */
	uint16_t item;		/* its pattern or keyword index in that sensor */
	uint8_t is_keyword;
};

/* hs_compile_multi through the cache directory (NULL: no cache); NULL with *cerr set (or
 * NULL on no memory) when Hyperscan refuses. *cached says whether the database came from
 * the cache. Control thread (sensor_db_cache.c). */
hs_database_t *sensor_db_cache_compile(const char *const *res, const unsigned int *flags,
				       const unsigned int *ids, unsigned int n, unsigned int mode,
				       const char *cache_dir, int *cached,
				       hs_compile_error_t **cerr);

/* sensor_dfa_build through the cache directory (NULL: no cache): a DFA of the same parsed
 * patterns, ids and flags is read back (checked whole) instead of built. *cached says
 * which. Control thread (sensor_db_cache.c). */
struct sensor_re;
struct sensor_dfa *sensor_db_cache_dfa(const char *cache_dir, const struct sensor_re *const *res,
				       const uint32_t *ids, unsigned int n, unsigned int flags,
				       uint32_t max_states, char *why, size_t whylen, int *cached);
/* A DFA cache file's bytes, checked: NULL unless every size, state index, class and id
 * (at most max_id) is in range and the checksum and key match. Exposed for tests. */
struct sensor_dfa *sensor_db_cache_dfa_parse(const uint8_t *b, size_t len, uint64_t key,
					     uint32_t max_id);
/* The checksum a DFA cache file ends with, over its first len bytes. */
uint64_t sensor_db_cache_dfa_sum(const uint8_t *b, size_t len);

/*
 * A candidate that could not be decided yet. Offsets are stream offsets, [start, end).
 *
 *   BOUNDARY ──(bytes after it known)──► validator ──► CONTEXT ──(keyword or window)──► DONE
 *                                                └──(keyword before, or none needed)──► DONE
 *   DONE ──(SENSOR_OVERLAP_HORIZON past the end of its overlap group)──► best one reported
 */
enum sensor_pending_state {
	SENSOR_PEND_BOUNDARY = 1,	/* the bytes after end that decide its boundary (a digit,
					 * a separator + digit group) were not known */
	SENSOR_PEND_CONTEXT,		/* validated: waits for a keyword after it */
	SENSOR_PEND_DONE,		/* validated, confidence final: waits for the candidates
					 * overlapping it (one value, one sensor) */
};

#define SENSOR_PF_KEYWORD 0x01		/* DONE: a keyword of its sensor (HIGH) */

#define SENSOR_KW_ALL 0xffff		/* born_id: every hit ending at ready was handled */
#define SENSOR_KW_LATER 0xffff		/* kw_off: no keyword found in the bytes so far */
#define SENSOR_KW_NONE 0xfffe		/* kw_off: none in the whole window */

struct sensor_pending {
	uint64_t start;
	uint64_t end;
	uint64_t ready;		/* DONE: stream offset at which its confidence became final;
				 * CONTEXT (PREFILTER): end offset of the hit it waited from */
	uint32_t kw_dist;	/* DONE with a keyword: bytes between keyword and value
				 * (CONTEXT, PREFILTER: of the keyword found after it) */
	uint16_t sensor;
	uint8_t state;		/* enum sensor_pending_state */
	uint8_t need;		/* reported only with a keyword (weak form or context_required) */
	uint8_t label;		/* CONTEXT: the keyword must label it (no digit in between) */
	uint8_t flags;		/* SENSOR_PF_* */
	/* CONTEXT, PREFILTER engine (sensor_context.c): the keyword after it */
	uint16_t born_id;	/* pattern id of the hit it waited from, or SENSOR_KW_ALL */
	uint16_t kw_off;	/* the keyword's end offset - end, SENSOR_KW_LATER or _NONE */
	uint16_t kw_id;		/* the keyword's pattern id */
	uint16_t kw_seen;	/* bytes after end already searched */
};

struct sensor_recent {
	uint64_t start;
	uint32_t len;
	uint16_t sensor;
	uint16_t used;
};

/* Last keyword ends (stream offsets) of one sensor; prev covers a keyword overlapping a
 * value so that the one before it still counts. */
struct sensor_kw_state {
	uint64_t last;
	uint64_t prev;
};

struct sensor_stream {
	struct sensor_stream *next_free;
	hs_stream_t *hs;	/* on the worker's database (db->hs or db->hs_full) */
	uint64_t off;		/* stream offset of the next byte: scanned bytes + gap bytes */
	uint64_t hs_base;	/* stream offset where data resumed (0, or the last gap's end);
				 * hits are handed on relative to it */
	uint64_t hs_org;	/* stream offset of Hyperscan's offset 0: hs_base, or later where
				 * the gate restarted it (sensor_gate.h) */
	uint64_t hs_to;		/* Hyperscan has scanned every byte of [hs_org, hs_to) */
	/* Per anchor kind: the matches its anchors may start are over from this offset on
	 * (UINT64_MAX: one may be in progress; sensor_gate.h). */
	uint64_t gate_live[SENSOR_GATE_MAX];
	uint64_t known_lo;	/* first offset whose byte may be in the ring */
	uint64_t gap_end;	/* offset where data resumed after the last gap, or NO_OFFSET */
	uint32_t epoch;		/* a new user or a gap: validated values before it are void */
	uint16_t n_pending;
	uint8_t recent_next;
	uint8_t in_use;
	struct sensor_pending *pending;		/* SENSOR_PENDING_MAX */
	struct sensor_recent *recent;		/* SENSOR_RECENT_MAX */
	struct sensor_kw_state *kw;		/* db->n_slots */
	uint8_t *ring;				/* db->ring_size; byte o at ring[o & (size - 1)] */
	struct sensor_pf_stream pf;		/* PREFILTER engine: windows and DFA runs */
};

/* A hit as Hyperscan reports it (or the prefilter, for the same pattern id), gathered
 * with the others ending at the same offset, then its value's span. */
struct sensor_hit {
	unsigned long long from;
	unsigned long long to;
	unsigned int id;
	uint8_t span;		/* enum sensor_span, value hits */
	uint8_t pf;		/* from the prefilter: from is computed when needed */
	uint64_t s, e;		/* the value without guards, stream offsets */
};

enum sensor_span {
	SENSOR_SPAN_OK = 0,
	SENSOR_SPAN_IGNORE,	/* includes the sentinel: not data */
	SENSOR_SPAN_DROPPED,	/* bytes lost or out of the lookback: counted */
	SENSOR_SPAN_TOO_LONG,	/* backward scan hit its limit: part of a longer run */
};

#define SENSOR_VCACHE 64		/* validated values awaiting report, per worker */
#define SENSOR_KWCACHE 4096		/* keyword hits kept per worker (sensor_context.c) */

/* One keyword hit of the PREFILTER engine's keyword search. */
struct sensor_kwhit {
	uint64_t to;
	uint32_t id;
	uint8_t markup;		/* 0: not checked yet, 1: not in markup, 2: in markup */
};

/* The keyword hits of one stream's recent bytes (sensor_context.c). */
struct sensor_kwcache {
	const struct sensor_stream *st;	/* NULL: empty */
	uint32_t epoch;
	uint32_t n, cap;
	uint64_t lo, hi;		/* every keyword match inside [lo, hi) is in h */
	uint32_t hi_state;		/* the keyword DFA's state after hi, had it read from
					 * lo on; SENSOR_KW_NO_STATE: unknown */
	struct sensor_kwhit *h;		/* by end offset, then pattern id */
};

#define SENSOR_KW_NO_STATE UINT32_MAX

/* A validator result kept from validation to report (sensor_decide.c). */
struct sensor_vcache {
	const struct sensor_stream *st;	/* NULL: free */
	uint32_t epoch;
	uint32_t len;
	uint64_t start;
	uint16_t sensor;
	struct validator_date today;
	struct validator_result v;
};

/*
 * Bytes Hyperscan may read past the end of the buffer it is given: libhs 5.4's AVX512VBMI
 * fat Teddy loads 32 bytes where fewer are left (vectorscan issue 322), which crashes when
 * the buffer ends just before an unmapped page. Every buffer handed to Hyperscan has at
 * least this many readable bytes after it: the caller's own, the rest of the page its
 * end is in (memory is mapped a page at a time, so those bytes cannot fault), or a
 * copy's.
 */
#define SENSOR_HS_SLACK 64
#define SENSOR_PAGE 4096	/* the smallest page there is on the targets */

/* Bytes from end to the end of its page: readable wherever the byte before end is. */
static inline uint32_t
sensor_page_rest(const uint8_t *end)
{
	return (uint32_t)(-(uintptr_t)end & (SENSOR_PAGE - 1));
}

struct sensor_worker {
	const struct sensor_db *db;
	uint8_t engine;		/* enum sensor_engine_kind */
	uint8_t use_pf;		/* PREFILTER with at least one prefilter pattern */
	uint8_t lazy_kw;	/* PREFILTER: keywords searched near values (sensor_context.c) */
	uint8_t gate;		/* PREFILTER: Hyperscan scans near anchors only (sensor_gate.h) */
	/* The hit being handled: keyword hits before it (end offset, then pattern id) count
	 * as handled (PREFILTER; UINT32_MAX: every hit ending at cur_to). */
	uint64_t cur_to;
	uint32_t cur_id;
	uint8_t *ctx_buf;	/* a keyword search's bytes (ring_size + SENSOR_HS_SLACK) */
	uint8_t hs_pad[2 * SENSOR_HS_SLACK];	/* the last bytes of a buffer, for Hyperscan */
	struct sensor_kwcache kwc;
	/* Keyword searches left to step every byte (sensor_dfa_skip_run found text dense
	 * with word starts, where skipping costs more than it saves); then it tries again. */
	uint8_t kw_plain;
	struct sensor_kwhit *kw_tmp;	/* merging two hit lists (SENSOR_KWCACHE) */
	uint32_t *ctx_ids;	/* a keyword search's hits at one offset (hits_cap) */
	const hs_database_t *hs;	/* the database the streams run on */
	const uint8_t *hs_wait;		/* ... and its db->hs_wait */
	size_t stream_size;	/* per open stream, for stream_bytes */
	hs_scratch_t *scratch;
	hs_scratch_t *kw_scratch;	/* PREFILTER's keyword search (sensor_context.c) */
	struct sensor_stats stats;
	struct validator_date today;
	uint32_t max_streams;
	uint32_t streams_fresh;	/* streams laid out (handed out at least once) */
	struct sensor_stream *free;	/* laid-out streams given back */
	/* Every stream's state (header, ring, pending list, keyword slots), laid out in
	 * order as first needed (sensor_stream_open): pages never used are never touched. */
	uint8_t *state_mem;
	hs_stream_t **hs_streams;	/* max_streams Hyperscan streams, opened at create */
	uint8_t *tmp;		/* a candidate copied out of ring + buffer (ring_size bytes) */
	/* The call in progress. */
	struct sensor_stream *cur;
	sensor_match_fn fn;
	void *cookie;
	const uint8_t *buf;	/* bytes being scanned (NULL at gap and close) */
	uint64_t buf_off;	/* stream offset of buf[0] */
	uint64_t buf_end;	/* buf_off + length */
	uint8_t mode;		/* enum sensor_scan_mode */
	struct {		/* the last boundary verdict of this call (sensor_decide.c) */
		uint64_t s, e;
		uint8_t boundary, verdict, valid;
	} bcache;
	/* The group of hits ending at one offset being gathered (at most one per pattern). */
	uint32_t n_hits;
	uint32_t hits_cap;	/* db->n_pats + 1, at least SENSOR_HITS_MAX */
	struct sensor_hit *hits;	/* the group being processed */
	uint32_t n_lit;
	unsigned long long grp_to;	/* Hyperscan offset of the group lit_group processes */
	struct sensor_hit *lit;	/* Hyperscan's hits since the last lit_flush, which sorts
				 * them by end offset */
	uint32_t *pf_ids;	/* a prefilter group's pattern ids (hits_cap) */
	struct sensor_pf_scratch pfx;
	struct sensor_vcache vcache[SENSOR_VCACHE];
};

enum sensor_scan_mode {
	SENSOR_MODE_SCAN = 0,	/* more bytes follow */
	SENSOR_MODE_CLOSE,	/* end of stream: it bounds every candidate */
	SENSOR_MODE_GAP,	/* bytes lost next: candidates ending here are dropped */
};

/* The prefilter alone over the next len bytes of st, as sensor_stream_scan would run it
 * but without Hyperscan or any decision: how many hit groups it finds. PREFILTER workers;
 * for tools/bench_sensors.c (the candidate finder's own cost). */
uint64_t sensor_stream_prefilter_only(struct sensor_worker *sw, struct sensor_stream *st,
				      const uint8_t *data, uint32_t len);

/* ---- bytes of the call in progress: lookback ring + current buffer ---- */

/* Lowest stream offset whose byte can be read now. */
static inline uint64_t
sensor_readable_lo(const struct sensor_worker *sw, const struct sensor_stream *st)
{
	uint64_t w = sw->db->ring_size;
	uint64_t lo = sw->buf_off > w ? sw->buf_off - w : 0;

	return lo > st->known_lo ? lo : st->known_lo;
}

/*
 * Point at the bytes [s, e) (readable, at most the ring's size): into the current buffer
 * when they are all in it, else copied into dst (ring_size bytes) from the ring and the
 * buffer.
 */
static inline const uint8_t *
sensor_bytes(const struct sensor_worker *sw, const struct sensor_stream *st, uint64_t s,
	     uint64_t e, uint8_t *dst)
{
	uint32_t mask = sw->db->ring_size - 1;
	uint64_t mid, o;
	size_t n = 0;

	if (s >= sw->buf_off)
		return sw->buf + (s - sw->buf_off);
	mid = e < sw->buf_off ? e : sw->buf_off;
	for (o = s; o < mid;) {
		uint32_t pos = (uint32_t)(o & mask);
		size_t chunk = sw->db->ring_size - pos;

		if (chunk > mid - o)
			chunk = (size_t)(mid - o);
		memcpy(dst + n, st->ring + pos, chunk);
		n += chunk;
		o += chunk;
	}
	if (e > sw->buf_off)
		memcpy(dst + n, sw->buf, (size_t)(e - sw->buf_off));
	return dst;
}

/* ASCII classes of the guards and the candidate finders. */
static inline int
sensor_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline int
sensor_is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
sensor_is_alnum(uint8_t c)
{
	return sensor_is_digit(c) || sensor_is_alpha(c);
}

/* Byte at offset o; o in [sensor_readable_lo, buf_end). */
static inline uint8_t
sensor_byte_at(const struct sensor_worker *sw, const struct sensor_stream *st, uint64_t o)
{
	if (o >= sw->buf_off)
		return sw->buf[o - sw->buf_off];
	return st->ring[o & (sw->db->ring_size - 1)];
}

#endif
