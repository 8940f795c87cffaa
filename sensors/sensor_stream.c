/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sensor streams: the per-worker side of the sensor engine. A worker owns a Hyperscan
 * scratch and a pool of streams, all opened at sensor_worker_create, so the data path never
 * allocates: a flow direction takes a stream from the free list and gives it back at close
 * (hs_reset_stream makes it as good as new).
 *
 * Two finders report hits, by pattern id and end offset, exactly as one Hyperscan stream
 * scan of every pattern would (docs/sensors.md "Engines"):
 *
 *   PREFILTER   Hyperscan (db->hs) for keywords and literal-led patterns, pushed through
 *               its match callback; the prefilter (sensor_prefilter_scan.c) for the
 *               class-led ones, pulled on demand up to the offset the next Hyperscan hit
 *               ends at, so both come out merged in end-offset order;
 *   HYPERSCAN   Hyperscan alone (db->hs_full), the reference.
 *
 * Hits are handled in groups of one end offset, patterns in id order, so the result does
 * not depend on which finder reported a hit nor on the order it came in.
 *
 * Hyperscan STREAM mode reports where a match ends (and, for patterns compiled with SOM,
 * where it starts) but not the bytes, which may lie in earlier buffers. Each stream keeps
 * a lookback ring of its last ring_size bytes; a candidate is read from the ring and the
 * current buffer, copied out only when it straddles them:
 *
 *      stream offsets ──►
 *      ... ring (last W bytes before buf) ... | buf (this scan)          |
 *                       [start ....... candidate ........ end)
 *                        └─ ring ───────┘└─ buf ──────────┘
 *
 * For each group, a first pass finds each value hit's span without its guards (end -
 * width, SOM or the prefilter's reverse DFA, or a backward scan), and a second processes
 * the hits, handing them to sensor_decide.c:
 *
 *   keyword hit ─► sensor_decide_keyword: not inside a tag; last keyword end of each
 *                  sensor listing it; candidates waiting for a keyword after them
 *   value hit   ─► first, what became certain before this hit (sensor_decide_settle);
 *                  then per sensor: not if a hit at the same offset gives it a longer
 *                  value ("PT501964843" beats the \d{9} inside) ─► sensor_decide_candidate
 *                  (dedupe, gap, boundary, validator, context, overlap)
 *   scan start  ─► candidates waiting for the bytes after them (sensor_decide_boundaries)
 *   scan end    ─► context windows and overlap groups that ended (sensor_decide_settle)
 *
 * so a match is reported once it is certain, and the same content gives the same
 * matches, confidences and order however it is cut into buffers.
 *
 * End of data: close (and a gap) scan one sentinel byte so that Hyperscan (and the
 * prefilter) confirm the values and keywords ending at the last byte (their trailing guard
 * needs a byte); what includes the sentinel itself is ignored.
 *
 * Gaps: Hyperscan's offsets restart at 0 after hs_reset_stream, so each stream keeps
 * hs_base, the stream offset where data resumed (stream offsets count gap bytes), and hits
 * are handed on relative to it.
 *
 * The gate (sensor_gate.h): when every pattern of db->hs starts with a literal, the
 * PREFILTER engine gives Hyperscan only the chunks near one, restarting it at the first
 * anchor after bytes it skipped; hs_org is then the stream offset of its offset 0, and
 * on_hit moves its offsets to hs_base's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hs.h>

#include "sensor_context.h"
#include "sensor_decide.h"
#include "sensor_gate.h"
#include "sensor_engine.h"
#include "sensor_guard.h"
#include "sensor_prefilter.h"
#include "sensor_priv.h"

static inline int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline int
is_alnum(uint8_t c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ---- bytes: ring + current buffer (read with sensor_byte_at) ---- */

static void
ring_append(struct sensor_worker *sw, struct sensor_stream *st, const uint8_t *data,
	    uint32_t len)
{
	uint32_t w = sw->db->ring_size, pos, first;
	uint64_t o = sw->buf_off;

	if (len > w) {
		data += len - w;
		o += len - w;
		len = w;
	}
	pos = (uint32_t)(o & (w - 1));
	first = w - pos < len ? w - pos : len;
	memcpy(st->ring + pos, data, first);
	memcpy(st->ring, data + first, len - first);
}

static inline int
email_domain_byte(uint8_t c)
{
	return is_alnum(c) || c == '.' || c == '-';
}

static inline int
email_local_byte(uint8_t c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static inline int
phone_body_byte(uint8_t c)
{
	return is_digit(c) || c == ' ' || c == '.' || c == '-' || c == '(' || c == ')';
}

/* Bytes the phone patterns never start with, trimmed after the backward scan. */
static inline int
phone_lead_sep(uint8_t c)
{
	return c == ' ' || c == '.' || c == '-' || c == ')';
}

static inline int
b64url_token_byte(uint8_t c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

enum scan_verdict { SCAN_OK, SCAN_TOO_LONG, SCAN_LOST };

/*
 * START_SCAN: the start of the value ending at e, scanning back at most max bytes.
 *   EMAIL:  domain back to '@', then the whole local part (so no local-part byte
 *           precedes it: the lead boundary);
 *   PHONE:  digits, separators and parentheses, a '+' before them, then leading
 *           separators trimmed (the regex's lead guard already bounds it);
 *   B64URL: base64url bytes and dots (the lead guard excludes both before the value).
 */
static enum scan_verdict
scan_start(const struct sensor_worker *sw, const struct sensor_stream *st, uint8_t boundary,
	   uint64_t e, uint32_t max, uint64_t *start)
{
	uint64_t lo = sensor_readable_lo(sw, st), lim = e > max ? e - max : 0;
	uint64_t floor = lim > lo ? lim : lo, o = e;
	int at_floor;

	switch (boundary) {
	case SENSOR_BOUNDARY_EMAIL:
		while (o > floor && sensor_byte_at(sw, st, o - 1) != '@' &&
		       email_domain_byte(sensor_byte_at(sw, st, o - 1)))
			o--;
		if (o > floor && sensor_byte_at(sw, st, o - 1) == '@') {
			o--;
			while (o > floor && email_local_byte(sensor_byte_at(sw, st, o - 1)))
				o--;
		}
		at_floor = o == floor;
		break;
	case SENSOR_BOUNDARY_PHONE:
		while (o > floor && phone_body_byte(sensor_byte_at(sw, st, o - 1)))
			o--;
		at_floor = o == floor;
		if (o > floor && sensor_byte_at(sw, st, o - 1) == '+')
			o--;
		while (o < e && phone_lead_sep(sensor_byte_at(sw, st, o)))
			o++;
		break;
	default:
		while (o > floor && b64url_token_byte(sensor_byte_at(sw, st, o - 1)))
			o--;
		at_floor = o == floor;
		break;
	}
	/* Stopped by a limit, not by a boundary (the stream start or a gap is one). */
	if (at_floor && floor > st->known_lo)
		return floor == lim ? SCAN_TOO_LONG : SCAN_LOST;
	*start = o;
	return SCAN_OK;
}

/* Pass 1: where the value of hit h starts and ends (no decision, no counter). */
static void
value_span(const struct sensor_worker *sw, const struct sensor_stream *st,
	   const struct sensor_pattern *pat, struct sensor_hit *h)
{
	const struct sensor_guard *g = &sensor_guards[pat->boundary];
	uint64_t lo = sensor_readable_lo(sw, st), s = 0, e = st->hs_base + h->to;
	unsigned int k;

	for (k = 0; k < g->trail_max && e > lo && e > st->known_lo &&
	     !sensor_trail_class(pat->boundary, sensor_byte_at(sw, st, e - 1)); k++)
		e--;
	h->span = SENSOR_SPAN_OK;
	if (sw->mode != SENSOR_MODE_SCAN) {
		if (e > sw->buf_off) {		/* the sentinel is part of it: not data */
			h->span = SENSOR_SPAN_IGNORE;
			return;
		}
		if (sw->mode == SENSOR_MODE_GAP) {
			/* Ends right before lost bytes: whether it goes on is unknown. */
			h->span = SENSOR_SPAN_DROPPED;
			return;
		}
	}
	switch (pat->start) {
	case SENSOR_START_WIDTH:
		s = e >= pat->width ? e - pat->width : 0;
		break;
	case SENSOR_START_SCAN:
		switch (scan_start(sw, st, pat->boundary, e, pat->scan_max + 1U, &s)) {
		case SCAN_OK:
			break;
		case SCAN_TOO_LONG:
			h->span = SENSOR_SPAN_TOO_LONG;
			return;
		case SCAN_LOST:
			h->span = SENSOR_SPAN_DROPPED;
			return;
		}
		break;
	default:
		if (h->pf) {
			/* The prefilter's reverse DFA: the leftmost start, as SOM gives it. */
			s = sensor_prefilter_som(sw, st, h->id, st->hs_base + h->to);
			if (s == SENSOR_PF_NO_FROM) {
				h->span = SENSOR_SPAN_DROPPED;
				return;
			}
		} else if (h->from == HS_OFFSET_PAST_HORIZON) {
			h->span = SENSOR_SPAN_DROPPED;
			return;
		} else {
			s = st->hs_base + h->from;
		}
		for (k = 0; k < g->lead_max && s < e && s >= lo &&
		     !sensor_lead_class(pat->boundary, sensor_byte_at(sw, st, s)); k++)
			s++;
		break;
	}
	if (s >= e || s < lo)
		h->span = SENSOR_SPAN_DROPPED;
	h->s = s;
	h->e = e;
}

static int
pattern_has_ref(const struct sensor_db *db, const struct sensor_pattern *pat, uint16_t ref)
{
	const uint16_t *refs = &db->refs[pat->first_ref];
	unsigned int r;

	for (r = 0; r < pat->n_refs; r++)
		if (refs[r] == ref)
			return 1;
	return 0;
}

/*
 * Another value hit of the group (same end offset) gives sensor si a longer value ending
 * at the same byte ("PT501964843" and the bare \d{9} inside it): only the longest counts.
 */
static int
longer_sibling(const struct sensor_worker *sw, uint32_t i, uint32_t n, uint16_t si)
{
	const struct sensor_hit *h = &sw->hits[i];
	uint32_t j;

	for (j = 0; j < n; j++) {
		const struct sensor_hit *o = &sw->hits[j];
		const struct sensor_pattern *op = &sw->db->pats[o->id];

		if (j != i && op->kind == SENSOR_PAT_VALUE && o->span == SENSOR_SPAN_OK &&
		    o->e == h->e && o->s < h->s && pattern_has_ref(sw->db, op, si))
			return 1;
	}
	return 0;
}

/* Pass 2: each sensor's candidate. */
static void
value_hit(struct sensor_worker *sw, struct sensor_stream *st, uint32_t i, uint32_t n)
{
	const struct sensor_hit *h = &sw->hits[i];
	const struct sensor_pattern *pat = &sw->db->pats[h->id];
	const uint16_t *refs = &sw->db->refs[pat->first_ref];
	unsigned int r;

	switch (h->span) {
	case SENSOR_SPAN_IGNORE:
		return;
	case SENSOR_SPAN_DROPPED:
		sw->stats.candidates += pat->n_refs;
		sw->stats.candidates_dropped += pat->n_refs;
		return;
	case SENSOR_SPAN_TOO_LONG:
		sw->stats.candidates += pat->n_refs;
		sw->stats.boundary_rejected += pat->n_refs;
		return;
	default:
		break;
	}
	/* What became certain before this hit is decided without it. */
	if (st->n_pending != 0)
		sensor_decide_settle(sw, st, st->hs_base + h->to, 1);
	for (r = 0; r < pat->n_refs; r++) {
		if (longer_sibling(sw, i, n, refs[r]))
			continue;
		sensor_decide_candidate(sw, st, refs[r], h->s, h->e, pat->boundary,
					st->hs_base + h->to);
	}
}

/* Keyword hits before (to, id) count as handled (PREFILTER: sensor_context.c). */
static inline void
cursor(struct sensor_worker *sw, uint64_t to, uint32_t id)
{
	sw->cur_to = to;
	sw->cur_id = id;
}

/* The group in sw->hits (one end offset, ids ascending): spans first, then decisions. */
static void
process_group(struct sensor_worker *sw)
{
	struct sensor_stream *st = sw->cur;
	uint32_t i, n = sw->n_hits;

	for (i = 0; i < n; i++) {
		struct sensor_hit *h = &sw->hits[i];

		if (h->id >= sw->db->n_pats)
			h->id = UINT32_MAX;
		else if (sw->db->pats[h->id].kind == SENSOR_PAT_VALUE)
			value_span(sw, st, &sw->db->pats[h->id], h);
	}
	for (i = 0; i < n; i++) {
		const struct sensor_hit *h = &sw->hits[i];

		if (h->id == UINT32_MAX)
			continue;
		if (sw->db->pats[h->id].kind == SENSOR_PAT_KEYWORD) {
			sensor_decide_keyword(sw, st, &sw->db->pats[h->id], st->hs_base + h->to);
		} else {
			cursor(sw, st->hs_base + h->to, h->id);
			value_hit(sw, st, i, n);
		}
	}
	sw->n_hits = 0;
}

/* Add a hit to sw->hits, keeping ids ascending and each once. */
static void
group_put(struct sensor_worker *sw, unsigned int id, unsigned long long from,
	  unsigned long long to, uint8_t pf)
{
	uint32_t j = sw->n_hits;
	struct sensor_hit *h;

	while (j > 0 && sw->hits[j - 1].id > id)
		j--;
	if ((j > 0 && sw->hits[j - 1].id == id) || sw->n_hits == sw->hits_cap)
		return;
	if (j < sw->n_hits)	/* hits mostly arrive in id order: no call for nothing to move */
		memmove(&sw->hits[j + 1], &sw->hits[j], sizeof(*h) * (sw->n_hits - j));
	h = &sw->hits[j];
	h->id = id;
	h->from = from;
	h->to = to;
	h->pf = pf;
	sw->n_hits++;
}

/* The prefilter's groups ending at or before stream offset limit, each processed. */
static void
pf_drain(struct sensor_worker *sw, struct sensor_stream *st, uint64_t limit)
{
	uint32_t n, i;
	uint64_t to;

	while ((to = sensor_prefilter_next(sw, st, limit, sw->pf_ids, &n)) != SENSOR_NO_OFFSET) {
		sw->n_hits = 0;
		for (i = 0; i < n; i++)
			group_put(sw, sw->pf_ids[i], 0, to - st->hs_base, 1);
		process_group(sw);
	}
}

/*
 * The Hyperscan hits lit[a, b), which share one end offset: first the prefilter's groups
 * that end before it, then the two finders' hits at that offset as one group.
 */
static void
lit_group(struct sensor_worker *sw, uint32_t a, uint32_t b)
{
	struct sensor_stream *st = sw->cur;
	uint64_t t;
	uint32_t i, n;

	sw->grp_to = sw->lit[a].to;
	t = st->hs_base + sw->grp_to;
	if (sw->use_pf) {
		pf_drain(sw, st, t - 1);
		sw->n_hits = 0;
		if (sensor_prefilter_next(sw, st, t, sw->pf_ids, &n) == t)
			for (i = 0; i < n; i++)
				group_put(sw, sw->pf_ids[i], 0, sw->grp_to, 1);
	} else {
		sw->n_hits = 0;
	}
	for (i = a; i < b; i++)
		group_put(sw, sw->lit[i].id, sw->lit[i].from, sw->lit[i].to, 0);
	process_group(sw);
}

/*
 * The Hyperscan hits gathered since the last flush (sw->lit), one group per end offset in
 * end-offset order. Hyperscan reports by end offset but not always in order: a match of a
 * pattern with SOM can come after a later one's in the same scan call (seen: a private
 * key ending at 145 reported after a 9-digit value ending at 146), and deciding it late
 * changes which overlapping values are decided together. So the hits of a call are
 * gathered and sorted (stably: mostly in order already) before any is processed.
 */
static void
lit_flush(struct sensor_worker *sw)
{
	uint32_t n = sw->n_lit, i, j;

	if (n == 0)
		return;
	for (i = 1; i < n; i++) {
		struct sensor_hit x = sw->lit[i];

		for (j = i; j > 0 && sw->lit[j - 1].to > x.to; j--)
			sw->lit[j] = sw->lit[j - 1];
		sw->lit[j] = x;
	}
	sw->n_lit = 0;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && sw->lit[j].to == sw->lit[i].to; j++)
			;
		lit_group(sw, i, j);
	}
}

static int
on_hit(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
       void *ctx)
{
	struct sensor_worker *sw = ctx;
	uint64_t d = sw->cur->hs_org - sw->cur->hs_base;
	struct sensor_hit *h;

	(void)flags;
	to += d;
	if (from != HS_OFFSET_PAST_HORIZON)
		from += d;
	if (sw->n_lit == sw->hits_cap)
		lit_flush(sw);
	h = &sw->lit[sw->n_lit++];
	h->id = id;
	h->from = from;
	h->to = to;
	return 0;
}

/*
 * Scan p[0 .. len), the bytes of the call at sw->buf_off (the buffer or the sentinel):
 * chunk by chunk, the prefilter classifies, Hyperscan scans, and the hits of both come out
 * merged (Hyperscan's last group and the prefilter's rest at the end of each chunk).
 */
/*
 * Hyperscan over p[0..n), with room readable bytes after it in the caller's buffer (or
 * the rest of the page, if more): the bytes closer than SENSOR_HS_SLACK to the end of what
 * is readable are scanned from a copy (two calls, one stream: matches are the same).
 */
static void
hs_feed(struct sensor_worker *sw, struct sensor_stream *st, const uint8_t *p, uint32_t n,
	uint32_t room)
{
	uint32_t direct = n;

	if (room < SENSOR_HS_SLACK && sensor_page_rest(p + n) > room)
		room = sensor_page_rest(p + n);
	if (room < SENSOR_HS_SLACK)
		direct = n + room > SENSOR_HS_SLACK ? n + room - SENSOR_HS_SLACK : 0;
	if (direct > 0 && hs_scan_stream(st->hs, (const char *)p, direct, 0, sw->scratch, on_hit,
					 sw) != HS_SUCCESS)
		sw->stats.scan_errors++;
	if (direct < n) {
		memcpy(sw->hs_pad, p + direct, n - direct);
		if (hs_scan_stream(st->hs, (const char *)sw->hs_pad, n - direct, 0, sw->scratch,
				   on_hit, sw) != HS_SUCCESS)
			sw->stats.scan_errors++;
	}
}

/* The start of an anchor begun before offset c (the chunk p[0 .. n) starts there) that ends
 * inside the chunk, its kind in *kind; or SENSOR_NO_OFFSET. */
static uint64_t
gate_junction(const struct sensor_worker *sw, const struct sensor_stream *st, const uint8_t *p,
	      uint32_t n, uint64_t c, unsigned int *kind)
{
	const struct sensor_gate *g = &sw->db->gate;
	uint64_t lo = sensor_readable_lo(sw, st), o;
	uint8_t b[2 * SENSOR_GATE_LEN];
	uint32_t back = g->max_anchor - 1U, m, take, k;
	unsigned int t;

	o = c > lo + back ? c - back : lo;
	if (o >= c)
		return SENSOR_NO_OFFSET;
	m = (uint32_t)(c - o);
	for (k = 0; k < m; k++)
		b[k] = sensor_byte_at(sw, st, o + k);
	take = n < back ? n : back;
	memcpy(b + m, p, take);
	for (k = 0; k < m; k++) {
		for (t = 0; t < g->n; t++) {
			if (m - k < g->len[t] && m - k + take >= g->len[t] &&
			    memcmp(b + k, g->lit[t], g->len[t]) == 0) {
				*kind = t;
				return o + k;
			}
		}
	}
	return SENSOR_NO_OFFSET;
}

/*
 * The gate (sensor_gate.h), before the chunk p[0 .. n) at stream offset c: whether
 * Hyperscan scans it. It goes on while it has every byte since hs_org and a match of some
 * anchor kind may be in progress; an anchor after bytes it skipped restarts it. *from[t]:
 * where to look for kind t's breaker once the chunk is scanned (its last anchor here).
 */
static int
gate_open(struct sensor_worker *sw, struct sensor_stream *st, const uint8_t *p, uint32_t n,
	  uint64_t c, uint32_t from[SENSOR_GATE_MAX])
{
	const struct sensor_gate *g = &sw->db->gate;
	uint64_t a = SENSOR_NO_OFFSET, f;
	uint32_t s0;
	uint8_t b[2 * SENSOR_GATE_LEN];
	unsigned int t, jt = 0;
	int live = 0;

	if (g->inner[p[0]] && c > st->known_lo)
		a = gate_junction(sw, st, p, n, c, &jt);
	if (sensor_gate_find(g, p, n, &s0, from) && a == SENSOR_NO_OFFSET)
		a = c + s0;
	if (a != SENSOR_NO_OFFSET) {
		for (t = 0; t < g->n; t++)
			if (from[t] != UINT32_MAX)
				st->gate_live[t] = UINT64_MAX;
		if (a < c) {
			st->gate_live[jt] = UINT64_MAX;
			if (from[jt] == UINT32_MAX)
				from[jt] = 0;
		}
	}
	for (t = 0; t < g->n; t++)
		live |= st->gate_live[t] > c;
	if (!live)
		return 0;
	if (st->hs_to == c)
		return 1;
	/* live without every byte since hs_org: only an anchor here makes it so. */
	if (st->hs_to != st->hs_org &&
	    hs_reset_stream(st->hs, 0, sw->scratch, NULL, NULL) != HS_SUCCESS)
		sw->stats.scan_errors++;
	f = a < c + g->lead ? a - g->lead : c;
	if (a < g->lead || f < st->known_lo)
		f = st->known_lo;
	st->hs_org = f;
	if (f < c) {
		uint32_t k, m = (uint32_t)(c - f);

		for (k = 0; k < m; k++)
			b[k] = sensor_byte_at(sw, st, f + k);
		hs_feed(sw, st, b, m, 0);
	}
	st->hs_to = c;
	sw->stats.gate_restarts++;
	return 1;
}

/* After Hyperscan scanned the chunk: for each kind whose matches may be in progress, the
 * first byte outside its body after its last anchor ends them, its trailing guard after. */
static void
gate_close(struct sensor_worker *sw, struct sensor_stream *st, const uint8_t *p, uint32_t n,
	   uint64_t c, const uint32_t from[SENSOR_GATE_MAX])
{
	const struct sensor_gate *g = &sw->db->gate;
	unsigned int t;

	for (t = 0; t < g->n; t++) {
		uint32_t s = from[t] == UINT32_MAX ? 0 : from[t], k;

		if (st->gate_live[t] != UINT64_MAX || (g->endless & (1U << t)))
			continue;
		k = s + sensor_gate_breaker(g, t, p + s, n - s);
		if (k < n)
			st->gate_live[t] = c + k + 1 + g->trail[t];
	}
}

static void
scan_bytes(struct sensor_worker *sw, struct sensor_stream *st, const uint8_t *p, uint32_t len,
	   int hs)
{
	uint64_t c0 = sw->buf_off;
	uint32_t done = 0, n, from[SENSOR_GATE_MAX];

	while (done < len) {
		n = len - done;
		if (sw->use_pf) {
			if (n > SENSOR_PF_CHUNK)
				n = SENSOR_PF_CHUNK;
			sensor_prefilter_chunk(sw, st, p + done, c0 + done, c0 + done + n);
		}
		if (hs && st->hs != NULL &&
		    (!sw->gate || gate_open(sw, st, p + done, n, c0 + done, from))) {
			hs_feed(sw, st, p + done, n, len - done - n);
			st->hs_to = c0 + done + n;
			if (sw->gate)
				gate_close(sw, st, p + done, n, c0 + done, from);
		}
		lit_flush(sw);
		if (sw->use_pf)
			pf_drain(sw, st, c0 + done + n);
		done += n;
	}
}

static void
call_begin(struct sensor_worker *sw, struct sensor_stream *st, const uint8_t *buf,
	   uint32_t len, uint8_t mode, sensor_match_fn fn, void *cookie)
{
	sw->cur = st;
	sw->fn = fn;
	sw->cookie = cookie;
	sw->buf = buf;
	sw->buf_off = st->off;
	sw->buf_end = st->off + len;
	sw->mode = mode;
	sw->n_hits = 0;
	sw->n_lit = 0;
	sw->bcache.valid = 0;
}

static void
call_end(struct sensor_worker *sw)
{
	sw->cur = NULL;
	sw->fn = NULL;
	sw->cookie = NULL;
	sw->buf = NULL;
}

/* ---- control thread ---- */

static void
stream_reset_state(const struct sensor_db *db, struct sensor_stream *st)
{
	st->off = 0;
	st->hs_base = 0;
	st->hs_org = 0;
	st->hs_to = 0;
	memset(st->gate_live, 0, sizeof(st->gate_live));
	st->known_lo = 0;
	st->gap_end = SENSOR_NO_OFFSET;
	st->n_pending = 0;
	st->epoch++;
	st->recent_next = 0;
	memset(st->recent, 0, sizeof(*st->recent) * SENSOR_RECENT_MAX);
	memset(st->kw, 0xff, sizeof(*st->kw) * db->n_slots);
	sensor_prefilter_reset(&st->pf, 0);
}

static size_t
align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

struct sensor_worker *
sensor_worker_create(const struct sensor_db *db, uint32_t max_streams, int socket, char *err,
		     size_t errlen)
{
	return sensor_worker_create_engine(db, SENSOR_ENGINE_PREFILTER, max_streams, socket, err,
					   errlen);
}

struct sensor_worker *
sensor_worker_create_engine(const struct sensor_db *db, uint8_t engine, uint32_t max_streams,
			    int socket, char *err, size_t errlen)
{
	struct sensor_worker *sw;
	uint32_t i;

	(void)socket;	/* libc heap, first touched here: see docs/sensors.md */
	if (db == NULL) {
		snprintf(err, errlen, "sensors: no database");
		return NULL;
	}
	if (engine >= SENSOR_ENGINE__COUNT ||
	    (engine == SENSOR_ENGINE_HYPERSCAN && !db->full_ready)) {
		snprintf(err, errlen, "sensors: engine %u not prepared (sensor_db_prepare)",
			 engine);
		return NULL;
	}
	sw = aligned_alloc(64, align64(sizeof(*sw)));
	if (sw == NULL)
		goto nomem;
	memset(sw, 0, sizeof(*sw));
	sw->db = db;
	sw->engine = engine;
	sw->hs = engine == SENSOR_ENGINE_HYPERSCAN ? db->hs_full : db->hs;
	sw->hs_wait = engine == SENSOR_ENGINE_HYPERSCAN ? db->hs_full_wait : db->hs_wait;
	sw->stream_size = (engine == SENSOR_ENGINE_HYPERSCAN ? db->hs_full_stream_size :
							       db->hs_stream_size) +
			  db->state_size;
	sw->use_pf = engine == SENSOR_ENGINE_PREFILTER && db->pf != NULL &&
		     (db->pf->kind[SENSOR_PF_N].dfa != NULL ||
		      db->pf->kind[SENSOR_PF_U].dfa != NULL ||
		      db->pf->kind[SENSOR_PF_A].dfa != NULL);
	sw->max_streams = max_streams;
	validator_today(&sw->today);
	sw->hits_cap = db->n_pats + 1 > SENSOR_HITS_MAX ? db->n_pats + 1 : SENSOR_HITS_MAX;
	sw->hits = calloc(sw->hits_cap, sizeof(*sw->hits));
	sw->lit = calloc(sw->hits_cap, sizeof(*sw->lit));
	sw->pf_ids = calloc(sw->hits_cap, sizeof(*sw->pf_ids));
	sw->ctx_ids = calloc(sw->hits_cap, sizeof(*sw->ctx_ids));
	sw->ctx_buf = malloc(db->ring_size + SENSOR_HS_SLACK);
	sw->tmp = malloc(db->ring_size);
	if (sw->tmp == NULL || sw->hits == NULL || sw->lit == NULL || sw->pf_ids == NULL ||
	    sw->ctx_ids == NULL || sw->ctx_buf == NULL)
		goto nomem;
	sw->lazy_kw = engine == SENSOR_ENGINE_PREFILTER && db->hs_kw != NULL;
	sw->gate = engine == SENSOR_ENGINE_PREFILTER && db->hs != NULL && db->gate.n > 0;
	if (sw->lazy_kw) {
		sw->kwc.h = calloc(SENSOR_KWCACHE, sizeof(*sw->kwc.h));
		sw->kw_tmp = calloc(SENSOR_KWCACHE, sizeof(*sw->kw_tmp));
		if (sw->kwc.h == NULL || sw->kw_tmp == NULL)
			goto nomem;
		sw->kwc.cap = SENSOR_KWCACHE;
	}
	if (sw->use_pf && sensor_prefilter_scratch_init(&sw->pfx) != 0)
		goto nomem;
	/* The keyword search runs inside the stream scan's callback (a value decided
	 * there): a scratch of its own, since one scratch serves one scan at a time. */
	if ((sw->hs != NULL && hs_alloc_scratch(sw->hs, &sw->scratch) != HS_SUCCESS) ||
	    (sw->lazy_kw && hs_alloc_scratch(db->hs_kw, &sw->kw_scratch) != HS_SUCCESS)) {
		snprintf(err, errlen, "sensors: hs_alloc_scratch failed");
		goto fail;
	}
	if (max_streams > 0) {
		/* Not written here: a stream's state is laid out on its first use. */
		sw->state_mem = aligned_alloc(64, db->state_size * max_streams);
		sw->hs_streams = calloc(max_streams, sizeof(*sw->hs_streams));
		if (sw->state_mem == NULL || sw->hs_streams == NULL)
			goto nomem;
	}
	/* Hyperscan allocates its streams itself (malloc): all of them now, none on the
	 * data path. */
	for (i = 0; sw->hs != NULL && i < max_streams; i++) {
		if (hs_open_stream(sw->hs, 0, &sw->hs_streams[i]) != HS_SUCCESS) {
			snprintf(err, errlen, "sensors: hs_open_stream failed (%u streams)",
				 max_streams);
			goto fail;
		}
	}
	return sw;
nomem:
	snprintf(err, errlen, "sensors: no memory for %u streams of %zu bytes", max_streams,
		 sw != NULL ? sw->stream_size : db->stream_size);
fail:
	sensor_worker_free(sw);
	return NULL;
}

void
sensor_worker_free(struct sensor_worker *sw)
{
	uint32_t i;

	if (sw == NULL)
		return;
	for (i = 0; sw->hs_streams != NULL && i < sw->max_streams; i++) {
		if (sw->hs_streams[i] != NULL)
			hs_close_stream(sw->hs_streams[i], NULL, NULL, NULL);
	}
	free(sw->hs_streams);
	if (sw->scratch != NULL)
		hs_free_scratch(sw->scratch);
	if (sw->kw_scratch != NULL)
		hs_free_scratch(sw->kw_scratch);
	sensor_prefilter_scratch_free(&sw->pfx);
	free(sw->state_mem);
	free(sw->tmp);
	free(sw->hits);
	free(sw->lit);
	free(sw->pf_ids);
	free(sw->ctx_ids);
	free(sw->ctx_buf);
	free(sw->kwc.h);
	free(sw->kw_tmp);
	free(sw);
}

void
sensor_worker_set_today(struct sensor_worker *sw, const struct validator_date *today)
{
	sw->today = *today;
}

const struct sensor_stats *
sensor_worker_stats(const struct sensor_worker *sw)
{
	return &sw->stats;
}

/* ---- owning worker ---- */

/* Stream i's first use: its state zeroed and laid out in state_mem (no allocation). */
static struct sensor_stream *
stream_lay_out(struct sensor_worker *sw, uint32_t i)
{
	const struct sensor_db *db = sw->db;
	uint8_t *m = sw->state_mem + db->state_size * i;
	struct sensor_stream *st = (struct sensor_stream *)m;

	memset(m, 0, db->state_size);
	m += align64(sizeof(*st));
	st->ring = m;
	m += align64(db->ring_size);
	st->pending = (struct sensor_pending *)m;
	m += align64(sizeof(*st->pending) * SENSOR_PENDING_MAX);
	st->recent = (struct sensor_recent *)m;
	m += align64(sizeof(*st->recent) * SENSOR_RECENT_MAX);
	st->kw = (struct sensor_kw_state *)m;
	st->hs = sw->hs_streams != NULL ? sw->hs_streams[i] : NULL;
	return st;
}

struct sensor_stream *
sensor_stream_open(struct sensor_worker *sw)
{
	struct sensor_stream *st = sw->free;

	if (st != NULL) {
		sw->free = st->next_free;
	} else if (sw->streams_fresh < sw->max_streams) {
		st = stream_lay_out(sw, sw->streams_fresh++);
	} else {
		sw->stats.stream_pool_empty++;
		return NULL;
	}
	st->next_free = NULL;
	st->in_use = 1;
	stream_reset_state(sw->db, st);
	sw->stats.streams_opened++;
	sw->stats.streams_active++;
	sw->stats.stream_bytes += sw->stream_size;
	return st;
}

void
sensor_stream_scan(struct sensor_worker *sw, struct sensor_stream *st, const uint8_t *data,
		   uint32_t len, sensor_match_fn fn, void *cookie)
{
	if (st == NULL || data == NULL || len == 0)
		return;
	call_begin(sw, st, data, len, SENSOR_MODE_SCAN, fn, cookie);
	cursor(sw, sw->buf_off, UINT32_MAX);
	if (st->n_pending != 0)
		sensor_decide_boundaries(sw, st);
	scan_bytes(sw, st, data, len, 1);
	cursor(sw, sw->buf_end, UINT32_MAX);
	if (st->n_pending != 0)
		sensor_decide_settle(sw, st, sw->buf_end, 0);
	ring_append(sw, st, data, len);
	st->off = sw->buf_end;
	sw->stats.bytes_scanned += len;
	call_end(sw);
}

uint64_t
sensor_stream_prefilter_only(struct sensor_worker *sw, struct sensor_stream *st,
			     const uint8_t *data, uint32_t len)
{
	uint64_t groups = 0, to;
	uint32_t done = 0, n, k;

	if (st == NULL || data == NULL || len == 0 || !sw->use_pf)
		return 0;
	call_begin(sw, st, data, len, SENSOR_MODE_SCAN, NULL, NULL);
	while (done < len) {
		n = len - done < SENSOR_PF_CHUNK ? len - done : SENSOR_PF_CHUNK;
		sensor_prefilter_chunk(sw, st, data + done, sw->buf_off + done,
				       sw->buf_off + done + n);
		while ((to = sensor_prefilter_next(sw, st, sw->buf_off + done + n, sw->pf_ids,
						   &k)) != SENSOR_NO_OFFSET)
			groups++;
		done += n;
	}
	ring_append(sw, st, data, len);
	st->off = sw->buf_end;
	call_end(sw);
	return groups;
}

static const uint8_t sentinel[1] = { SENSOR_SENTINEL };

/* Scan the sentinel: the finders report the values (and keywords) ending at the last
 * byte. */
static void
scan_sentinel(struct sensor_worker *sw, struct sensor_stream *st)
{
	/* Hyperscan only when its last byte may leave a match waiting for one more (at the
	 * end of a JSON or HTML body, seldom): a call costs it about 800 instructions. */
	int hs = st->off > sensor_readable_lo(sw, st) &&
		 sw->hs_wait[sensor_byte_at(sw, st, st->off - 1)];

	scan_bytes(sw, st, sentinel, 1, hs);
}

/* Hyperscan's end of data: the matches anchored there, when it scanned up to the end (the
 * gate had not stopped it), and a stream as good as new. */
static void
hs_end(struct sensor_worker *sw, struct sensor_stream *st)
{
	int live = st->hs_to >= st->off;

	if (st->hs_to == st->hs_org)	/* nothing scanned since it was last reset */
		return;
	if (st->hs != NULL && hs_reset_stream(st->hs, 0, sw->scratch, live ? on_hit : NULL,
					      live ? sw : NULL) != HS_SUCCESS)
		sw->stats.scan_errors++;
}

/* Past len lost bytes: data resumes at the new offset, with nothing before it known. */
static void
gap_skip(struct sensor_stream *st, uint64_t len)
{
	st->off += len;
	st->hs_base = st->off;
	st->hs_org = st->off;
	st->hs_to = st->off;
	memset(st->gate_live, 0, sizeof(st->gate_live));
	st->known_lo = st->off;
	st->gap_end = st->off;
	st->epoch++;
	sensor_prefilter_reset(&st->pf, st->off);
}

void
sensor_stream_gap(struct sensor_worker *sw, struct sensor_stream *st, uint64_t len,
		  sensor_match_fn fn, void *cookie)
{
	if (st == NULL || len == 0)
		return;
	/* Nothing came since the last gap (a decoded body's raw bytes skipped segment after
	 * segment): that gap left nothing to settle, so only the offsets move. */
	if (st->off == st->gap_end && st->n_pending == 0) {
		gap_skip(st, len);
		return;
	}
	/* buf is the sentinel, at the stream offset where the lost bytes start. */
	call_begin(sw, st, sentinel, 1, SENSOR_MODE_GAP, fn, cookie);
	scan_sentinel(sw, st);
	/* Custom patterns anchored at end of data: the same, counted as dropped. */
	hs_end(sw, st);
	lit_flush(sw);
	cursor(sw, sw->buf_end, UINT32_MAX);
	if (st->n_pending != 0)
		sensor_decide_gap(sw, st);
	if (sw->lazy_kw)
		sensor_context_gap(sw, st);	/* keywords before the gap still count */
	st->n_pending = 0;
	gap_skip(st, len);
	call_end(sw);
}

uint64_t
sensor_stream_offset(const struct sensor_stream *st)
{
	return st->off;
}

void
sensor_stream_commit(struct sensor_worker *sw, struct sensor_stream *st, sensor_match_fn fn,
		     void *cookie)
{
	if (st == NULL || !st->in_use || st->n_pending == 0)
		return;
	/* No new bytes: every byte of the candidates is in the lookback ring. */
	call_begin(sw, st, sentinel, 0, SENSOR_MODE_SCAN, fn, cookie);
	cursor(sw, sw->buf_off, UINT32_MAX);
	sensor_decide_commit(sw, st);
	call_end(sw);
}

void
sensor_stream_close(struct sensor_worker *sw, struct sensor_stream *st, sensor_match_fn fn,
		    void *cookie)
{
	if (st == NULL || !st->in_use)
		return;
	call_begin(sw, st, sentinel, 1, SENSOR_MODE_CLOSE, fn, cookie);
	cursor(sw, sw->buf_off, UINT32_MAX);
	if (st->n_pending != 0)
		sensor_decide_boundaries(sw, st);	/* the end bounds them */
	scan_sentinel(sw, st);
	/* Custom patterns anchored at end of data ($ also matches before the final '\n'); the
	 * reset also makes the stream as good as new for its next user. */
	hs_end(sw, st);
	lit_flush(sw);
	cursor(sw, UINT64_MAX, UINT32_MAX);
	if (st->n_pending != 0)
		sensor_decide_settle(sw, st, UINT64_MAX, 0);
	call_end(sw);
	st->n_pending = 0;
	st->in_use = 0;
	st->next_free = sw->free;
	sw->free = st;
	sw->stats.streams_active--;
	sw->stats.stream_bytes -= sw->stream_size;
}
