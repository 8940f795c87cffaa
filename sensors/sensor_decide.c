/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sensor decisions: what becomes of a candidate once sensor_stream.c knows where it starts
 * and ends (docs/sensors.md "Patterns and context keywords" gives the rules, with examples).
 *
 *   candidate ─► dedupe ─► not across a gap ─► boundary ─► validator ─► context ─► overlap
 *
 * Boundary (DIGIT, ALNUM, EDGE). Hyperscan's guards already keep digits and letters off
 * the value for the built-in kinds; custom classes (EDGE) are checked here the same way
 * from their first and last byte. Then, for all three, a value is one group of a longer
 * grouped number when its own separator runs on past it: a digit group written with the
 * same separator right before or after it ("1234 5678 9012 3456 7890", the middle of a
 * grouped IBAN). A digit group is a run of digits that is not part of a word, so "pay3
 * 5312 ..." still starts a card. The bytes after a value may not have arrived: it waits
 * (BOUNDARY) for the next buffer, as many buffers as it takes (at most SENSOR_GROUP_MAX +
 * 2 bytes), and the end of the stream bounds it.
 *
 * Context. A keyword of the sensor within its window before the value, or (waiting as
 * CONTEXT) after it. A keyword inside an HTML/XML tag is markup, not a label a person
 * reads: it is ignored (sensor_context_in_markup). National phone numbers need a keyword
 * that labels that number: no digit between the two. The HYPERSCAN engine hands every
 * keyword hit to sensor_decide_keyword, which keeps the last two per sensor and settles
 * the values waiting for one; the PREFILTER engine reads the same answers from the bytes
 * near the value when it needs them (sensor_context.c: kw_before, catch_up), before
 * anything looks at the pending states.
 *
 * Overlap. One value, one sensor: validated candidates (DONE) that overlap, of any
 * sensors, form a group; when SENSOR_OVERLAP_HORIZON bytes past the group's last end are
 * scanned (every candidate overlapping it that ends within the horizon has been found),
 * the best is reported and the others counted in overlap_suppressed:
 *
 *   keyword > checksum > longer > nearer keyword > catalogue order > first
 *
 * Greedy in that order, so a candidate is reported when no better one that is reported
 * overlaps it. A group is decided at a stream offset fixed by its content (the horizon,
 * or when its last member's confidence became final), before any hit ending after that
 * offset, so neither the result nor the order of matches depends on how the stream was
 * cut into buffers. commit, a gap and a full pending list decide early what they must.
 */
#include <string.h>

#include "sensor_context.h"
#include "sensor_decide.h"
#include "sensor_engine.h"
#include "validators.h"

static inline int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

static inline int
is_group_sep(int c)
{
	return c == ' ' || c == '-' || c == '.';
}

/* ---- bytes ---- */

/* Point *p at the bytes [s, e), copying them out when they straddle ring and buffer.
 * Returns 0, or -1 when they are not all available any more. */
static int
get_bytes(struct sensor_worker *sw, const struct sensor_stream *st, uint64_t s, uint64_t e,
	  const uint8_t **p)
{
	if (s >= e || s < sensor_readable_lo(sw, st) || e > sw->buf_end)
		return -1;
	if (s < sw->buf_off && e - s > sw->db->ring_size)
		return -1;
	*p = sensor_bytes(sw, st, s, e, sw->tmp);
	return 0;
}

#define BYTE_END (-1)	/* before the stream (or a gap), or after its end (close) */
#define BYTE_LATER (-2)	/* not scanned yet */
#define BYTE_LOST (-3)	/* out of the lookback */

/* The byte k before offset s, or BYTE_END / BYTE_LOST. */
static int
peek_back(const struct sensor_worker *sw, const struct sensor_stream *st, uint64_t s,
	  unsigned int k)
{
	if (s < st->known_lo + k)
		return BYTE_END;
	if (s - k < sensor_readable_lo(sw, st))
		return BYTE_LOST;
	return sensor_byte_at(sw, st, s - k);
}

/* The byte k after offset e (k = 0: the byte at e), or BYTE_END / BYTE_LATER. */
static int
peek_fwd(const struct sensor_worker *sw, const struct sensor_stream *st, uint64_t e,
	 unsigned int k)
{
	uint64_t o = e + k;

	if (sw->mode == SENSOR_MODE_CLOSE && o >= sw->buf_off)
		return BYTE_END;	/* buf is the sentinel: the stream ended */
	if (o >= sw->buf_end || (sw->mode == SENSOR_MODE_GAP && o >= sw->buf_off))
		return BYTE_LATER;
	return sensor_byte_at(sw, st, o);
}

/* Byte c occurs in the value [s, e). */
static int
in_value(const struct sensor_worker *sw, const struct sensor_stream *st, uint64_t s, uint64_t e,
	 uint8_t c)
{
	uint64_t o;

	for (o = s; o < e; o++)
		if (sensor_byte_at(sw, st, o) == c)
			return 1;
	return 0;
}

/* ---- boundaries ---- */

enum bound_verdict { BOUND_OK, BOUND_REJECT, BOUND_LATER, BOUND_LOST };

/* EDGE: a digit must not touch a digit (nor "." + digit), a letter not a letter or digit:
 * the DIGIT and ALNUM guards of the built-ins, chosen by the value's first and last byte. */
static enum bound_verdict
edge_check(const struct sensor_worker *sw, const struct sensor_stream *st, uint64_t s,
	   uint64_t e)
{
	uint8_t c0 = sensor_byte_at(sw, st, s), c1 = sensor_byte_at(sw, st, e - 1);
	int b;

	if (is_alnum(c0)) {
		b = peek_back(sw, st, s, 1);
		if (b == BYTE_LOST)
			return BOUND_LOST;
		if (b >= 0 && (is_digit(c0) ? is_digit(b) : is_alnum(b)))
			return BOUND_REJECT;
		if (is_digit(c0) && b == '.') {
			b = peek_back(sw, st, s, 2);
			if (b == BYTE_LOST)
				return BOUND_LOST;
			if (is_digit(b))
				return BOUND_REJECT;
		}
	}
	if (is_alnum(c1)) {
		b = peek_fwd(sw, st, e, 0);
		if (b == BYTE_LATER)
			return BOUND_LATER;
		if (b >= 0 && (is_digit(c1) ? is_digit(b) : is_alnum(b)))
			return BOUND_REJECT;
		if (is_digit(c1) && b == '.') {
			b = peek_fwd(sw, st, e, 1);
			if (b == BYTE_LATER)
				return BOUND_LATER;
			if (is_digit(b))
				return BOUND_REJECT;
		}
	}
	return BOUND_OK;
}

/* A digit group and the value's own separator right before its first byte (a digit). */
static enum bound_verdict
group_before(const struct sensor_worker *sw, const struct sensor_stream *st, uint64_t s,
	     uint64_t e)
{
	int b = peek_back(sw, st, s, 1), d = BYTE_END;
	unsigned int n;

	if (b < 0)
		return b == BYTE_LOST ? BOUND_LOST : BOUND_OK;
	if (!is_group_sep(b) || !in_value(sw, st, s, e, (uint8_t)b))
		return BOUND_OK;
	for (n = 0; n <= SENSOR_GROUP_MAX; n++) {
		d = peek_back(sw, st, s, 2 + n);
		if (d == BYTE_LOST)
			return BOUND_LOST;
		if (!is_digit(d))
			break;
	}
	if (n == 0)
		return BOUND_OK;
	/* The digits end a word ("pay3"): a label, not a group. */
	return n <= SENSOR_GROUP_MAX && is_alpha(d) ? BOUND_OK : BOUND_REJECT;
}

/* The value's own separator and a digit group right after its last byte (a digit). */
static enum bound_verdict
group_after(const struct sensor_worker *sw, const struct sensor_stream *st, uint64_t s,
	    uint64_t e)
{
	int b = peek_fwd(sw, st, e, 0), d = BYTE_END;
	unsigned int n;

	if (b == BYTE_LATER)
		return BOUND_LATER;
	if (b < 0 || !is_group_sep(b) || !in_value(sw, st, s, e, (uint8_t)b))
		return BOUND_OK;
	for (n = 0; n <= SENSOR_GROUP_MAX; n++) {
		d = peek_fwd(sw, st, e, 1 + n);
		if (d == BYTE_LATER)
			return BOUND_LATER;
		if (!is_digit(d))
			break;
	}
	if (n == 0)
		return BOUND_OK;
	/* The digits start a word ("3rd"): not a group of the number. */
	return n <= SENSOR_GROUP_MAX && is_alpha(d) ? BOUND_OK : BOUND_REJECT;
}

static enum bound_verdict
bound_check(const struct sensor_worker *sw, const struct sensor_stream *st, uint8_t boundary,
	    uint64_t s, uint64_t e)
{
	enum bound_verdict v;

	if (boundary == SENSOR_BOUNDARY_EDGE) {
		v = edge_check(sw, st, s, e);
		if (v != BOUND_OK)
			return v;
	} else if (boundary != SENSOR_BOUNDARY_DIGIT && boundary != SENSOR_BOUNDARY_ALNUM) {
		return BOUND_OK;	/* EMAIL, PHONE, B64URL: guards only; NONE */
	}
	if (is_digit(sensor_byte_at(sw, st, s))) {
		v = group_before(sw, st, s, e);
		if (v != BOUND_OK)
			return v;
	}
	if (is_digit(sensor_byte_at(sw, st, e - 1)))
		return group_after(sw, st, s, e);
	return BOUND_OK;
}

/* ---- the pending list ---- */

static void
pending_remove(struct sensor_stream *st, unsigned int i)
{
	memmove(&st->pending[i], &st->pending[i + 1],
		sizeof(st->pending[0]) * (st->n_pending - i - 1));
	st->n_pending--;
}

enum arb_mode {
	ARB_STRICT,	/* groups whose decision offset is before pos */
	ARB_LOOSE,	/* ... at or before pos */
	ARB_FORCE,	/* every group of DONE entries now (the others are left out) */
};

static void arbitrate(struct sensor_worker *sw, struct sensor_stream *st, uint64_t pos,
		      enum arb_mode mode);

/* A new entry (zeroed but for its span and state), or NULL when the list is full even
 * after settling what is certain at pos and deciding what is validated (counted). */
static struct sensor_pending *
pending_add(struct sensor_worker *sw, struct sensor_stream *st, unsigned int si, uint64_t s,
	    uint64_t e, uint8_t state, uint64_t pos)
{
	struct sensor_pending *p;

	if (st->n_pending == SENSOR_PENDING_MAX)
		sensor_decide_settle(sw, st, pos, 1);
	if (st->n_pending == SENSOR_PENDING_MAX)
		arbitrate(sw, st, pos, ARB_FORCE);
	if (st->n_pending == SENSOR_PENDING_MAX) {
		sw->stats.candidates_dropped++;
		return NULL;
	}
	p = &st->pending[st->n_pending++];
	memset(p, 0, sizeof(*p));
	p->start = s;
	p->end = e;
	p->sensor = (uint16_t)si;
	p->state = state;
	return p;
}

static void
set_done(struct sensor_pending *p, int keyword, uint64_t dist, uint64_t ready)
{
	p->state = SENSOR_PEND_DONE;
	p->flags = keyword ? SENSOR_PF_KEYWORD : 0;
	p->kw_dist = dist > UINT32_MAX ? UINT32_MAX : (uint32_t)dist;
	p->ready = ready;
}

/* ---- one value, one sensor ---- */

static int
overlaps(const struct sensor_pending *a, const struct sensor_pending *b)
{
	return a->start < b->end && b->start < a->end;
}

/* a ranks above b (the order in the file comment). */
static int
better(const struct sensor_db *db, const struct sensor_pending *a, const struct sensor_pending *b)
{
	int ka = (a->flags & SENSOR_PF_KEYWORD) != 0, kb = (b->flags & SENSOR_PF_KEYWORD) != 0;
	int ca = db->rt[a->sensor].checksum, cb = db->rt[b->sensor].checksum;
	uint64_t la = a->end - a->start, lb = b->end - b->start;

	if (ka != kb)
		return ka;
	if (ca != cb)
		return ca;
	if (la != lb)
		return la > lb;
	if (ka && a->kw_dist != b->kw_dist)
		return a->kw_dist < b->kw_dist;
	if (a->sensor != b->sensor)
		return a->sensor < b->sensor;
	return a->start < b->start;
}

/*
 * Validated values waiting to be reported keep their validator result here, per worker,
 * so that a value is validated once (pending entries stay small: no normalised value in
 * them). Keyed by stream (and its epoch: a new user or a gap), sensor and span; a slot
 * another value took meanwhile, or a date change, means validating again.
 */
static struct sensor_vcache *
vcache_slot(struct sensor_worker *sw, const struct sensor_stream *st, unsigned int si,
	    uint64_t s)
{
	uint64_t h = ((uintptr_t)st >> 6) * 0x9e3779b97f4a7c15ULL ^ s * 0xff51afd7ed558ccdULL ^ si;

	return &sw->vcache[(h ^ (h >> 29)) & (SENSOR_VCACHE - 1)];
}

static void
vcache_put(struct sensor_worker *sw, const struct sensor_stream *st, unsigned int si, uint64_t s,
	   uint64_t e, const struct validator_result *v)
{
	struct sensor_vcache *c = vcache_slot(sw, st, si, s);

	c->st = st;
	c->epoch = st->epoch;
	c->start = s;
	c->len = (uint32_t)(e - s);
	c->sensor = (uint16_t)si;
	c->today = sw->today;
	c->v = *v;
}

static const struct validator_result *
vcache_get(struct sensor_worker *sw, const struct sensor_stream *st, unsigned int si,
	   uint64_t s, uint64_t e)
{
	struct sensor_vcache *c = vcache_slot(sw, st, si, s);

	if (c->st != st || c->epoch != st->epoch || c->start != s ||
	    c->len != (uint32_t)(e - s) || c->sensor != si ||
	    memcmp(&c->today, &sw->today, sizeof(c->today)) != 0)
		return NULL;
	c->st = NULL;
	return &c->v;
}

/* Report a DONE entry with the result its validation left (validated again only when
 * the cache lost it). */
static void
emit(struct sensor_worker *sw, const struct sensor_stream *st, const struct sensor_pending *p)
{
	const struct sensor_rt *rt = &sw->db->rt[p->sensor];
	const struct validator_result *cached;
	struct sensor_match m;
	const uint8_t *raw;

	if (get_bytes(sw, st, p->start, p->end, &raw) != 0) {
		sw->stats.candidates_dropped++;
		return;
	}
	cached = vcache_get(sw, st, p->sensor, p->start, p->end);
	if (cached != NULL) {
		m.v = *cached;
	} else if (!validator_run_at(rt->validator, raw, (size_t)(p->end - p->start), &sw->today,
				     &m.v)) {
		sw->stats.validator_rejected++;
		return;
	}
	sw->stats.accepted++;
	m.sensor = p->sensor;
	m.confidence = (p->flags & SENSOR_PF_KEYWORD) ? SENSOR_CONF_HIGH : SENSOR_CONF_MEDIUM;
	m.offset = p->start;
	if (sw->fn != NULL)
		sw->fn(sw->cookie, &m);
}

/* Group a is decided after group b: later decision offset, then later first byte. */
static int
decided_later(const uint64_t *when, const uint64_t *first, unsigned int a, unsigned int b)
{
	return when[a] > when[b] || (when[a] == when[b] && first[a] > first[b]);
}

static unsigned int
find(uint8_t *root, unsigned int i)
{
	while (root[i] != i)
		i = root[i] = root[root[i]];
	return i;
}

/* Decide one overlap group (members idx[0..n)): the best reported, greedily. */
static void
decide_group(struct sensor_worker *sw, struct sensor_stream *st, uint8_t *idx, unsigned int n)
{
	const struct sensor_pending *pd = st->pending;
	uint8_t win[SENSOR_PENDING_MAX];
	unsigned int i, j, nw = 0;

	for (i = 1; i < n; i++) {	/* by rank, best first */
		uint8_t x = idx[i];

		for (j = i; j > 0 && better(sw->db, &pd[x], &pd[idx[j - 1]]); j--)
			idx[j] = idx[j - 1];
		idx[j] = x;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < nw && !overlaps(&pd[idx[i]], &pd[win[j]]); j++)
			;
		if (j < nw) {
			sw->stats.overlap_suppressed++;
			continue;
		}
		win[nw++] = idx[i];
	}
	for (i = 1; i < nw; i++) {	/* reported in stream order */
		uint8_t x = win[i];

		for (j = i; j > 0 && pd[x].start < pd[win[j - 1]].start; j--)
			win[j] = win[j - 1];
		win[j] = x;
	}
	for (i = 0; i < nw; i++)
		emit(sw, st, &pd[win[i]]);
}

/*
 * Decide the overlap groups that are certain at pos (see enum arb_mode): groups of
 * entries that overlap, directly or through each other, all DONE, whose decision offset
 * (SENSOR_OVERLAP_HORIZON past the last end, or when the last confidence became final)
 * is reached. Groups are decided in the order of that offset, then of their first byte.
 */
static void
arbitrate(struct sensor_worker *sw, struct sensor_stream *st, uint64_t pos, enum arb_mode mode)
{
	struct sensor_pending *pd = st->pending;
	unsigned int n = st->n_pending, i, j, k, ng = 0;
	/* Zeroed whole (a few fixed-size stores), not per entry: the loop became memset calls. */
	uint8_t root[SENSOR_PENDING_MAX], open[SENSOR_PENDING_MAX] = { 0 };
	uint8_t gone[SENSOR_PENDING_MAX] = { 0 }, grp[SENSOR_PENDING_MAX], idx[SENSOR_PENDING_MAX];
	uint64_t when[SENSOR_PENDING_MAX] = { 0 }, first[SENSOR_PENDING_MAX];

	if (n == 0)
		return;
	/*
	 * A group's decision offset is at least each member's own (its end + the horizon, or
	 * when it became final), and only a group of DONE entries is decided: when no DONE
	 * entry's own offset is reached, no group is, and nothing below would change (most
	 * calls on digit-dense text, where every value waits out its horizon).
	 */
	if (mode != ARB_FORCE) {
		for (i = 0; i < n; i++) {
			uint64_t t = pd[i].end + SENSOR_OVERLAP_HORIZON;

			if (pd[i].ready > t)
				t = pd[i].ready;
			if (pd[i].state == SENSOR_PEND_DONE &&
			    (mode == ARB_STRICT ? t < pos : t <= pos))
				break;
		}
		if (i == n)
			return;
	}
	/* first[k]: the first byte of root k's group, itself a member (UINT64_MAX per entry
	 * compiled to a memset call too). */
	for (i = 0; i < n; i++) {
		root[i] = (uint8_t)i;
		first[i] = pd[i].start;
	}
	for (i = 0; i < n; i++) {
		if (mode == ARB_FORCE && pd[i].state != SENSOR_PEND_DONE)
			continue;
		for (j = i + 1; j < n; j++) {
			if (mode == ARB_FORCE && pd[j].state != SENSOR_PEND_DONE)
				continue;
			if (overlaps(&pd[i], &pd[j]))
				root[find(root, j)] = (uint8_t)find(root, i);
		}
	}
	for (i = 0; i < n; i++) {
		uint64_t t = pd[i].end + SENSOR_OVERLAP_HORIZON;

		if (mode == ARB_FORCE && pd[i].state != SENSOR_PEND_DONE) {
			gone[i] = 2;	/* not in any group this time */
			continue;
		}
		k = find(root, i);
		if (pd[i].state != SENSOR_PEND_DONE)
			open[k] = 1;
		if (pd[i].ready > t)
			t = pd[i].ready;
		if (t > when[k])
			when[k] = t;
		if (pd[i].start < first[k])
			first[k] = pd[i].start;
	}
	for (i = 0; i < n; i++) {
		if (gone[i] == 2 || root[i] != i || open[i])
			continue;
		if (mode == ARB_STRICT ? when[i] >= pos : mode == ARB_LOOSE && when[i] > pos)
			continue;
		for (j = ng; j > 0 && decided_later(when, first, grp[j - 1], i); j--)
			grp[j] = grp[j - 1];
		grp[j] = (uint8_t)i;
		ng++;
	}
	for (i = 0; i < ng; i++) {
		unsigned int m = 0;

		for (j = 0; j < n; j++) {
			if (gone[j] != 2 && find(root, j) == grp[i]) {
				idx[m++] = (uint8_t)j;
				gone[j] = 1;
			}
		}
		decide_group(sw, st, idx, m);
	}
	for (i = 0, k = 0; i < n; i++)
		if (gone[i] != 1)
			pd[k++] = pd[i];
	st->n_pending = (uint16_t)k;
}

/* ---- decisions ---- */

/* A keyword of sensor rt ends within its window before start (and, for a value that
 * needs a label, no digit lies between): *dist = the bytes between them. */
static int
kw_before(struct sensor_worker *sw, const struct sensor_stream *st, const struct sensor_rt *rt,
	  uint64_t start, int label, uint64_t *dist)
{
	uint64_t k, prev;

	if (sw->lazy_kw && rt->lazy_kw) {
		/* The same two keyword ends, read from the bytes (sensor_context.c). */
		sensor_context_last(sw, st, rt->kw_slot,
				    start > rt->window ? start - rt->window : 0, &k, &prev);
	} else {
		k = st->kw[rt->kw_slot].last;
		prev = st->kw[rt->kw_slot].prev;
	}
	if (k != SENSOR_NO_OFFSET && k > start)	/* overlaps the value: the one before */
		k = prev;
	if (k == SENSOR_NO_OFFSET || k > start || start - k > rt->window)
		return 0;
	if (label && sensor_context_digit_between(sw, st, k, start))
		return 0;
	*dist = start - k;
	return 1;
}

/* Validate a candidate whose boundaries are settled, then apply the context rule; pos is
 * where the stream is (the hit's end). */
static void
decide(struct sensor_worker *sw, struct sensor_stream *st, unsigned int si, uint64_t s,
       uint64_t e, uint64_t pos)
{
	const struct sensor_rt *rt = &sw->db->rt[si];
	struct sensor_pending *p;
	struct validator_result v;
	const uint8_t *raw;
	uint64_t dist;
	uint8_t need, label;

	if (get_bytes(sw, st, s, e, &raw) != 0) {
		sw->stats.candidates_dropped++;
		return;
	}
	if (!validator_run_at(rt->validator, raw, (size_t)(e - s), &sw->today, &v)) {
		sw->stats.validator_rejected++;
		return;
	}
	need = rt->context_required || v.weak;
	label = v.weak && rt->label;
	if (!(need && rt->kw_slot == SENSOR_NO_SLOT))
		vcache_put(sw, st, si, s, e, &v);
	if (rt->kw_slot == SENSOR_NO_SLOT) {
		if (need) {
			sw->stats.context_missing++;
			return;
		}
		p = pending_add(sw, st, si, s, e, SENSOR_PEND_DONE, pos);
		if (p != NULL)
			set_done(p, 0, 0, pos);
		return;
	}
	if (kw_before(sw, st, rt, s, label, &dist)) {
		p = pending_add(sw, st, si, s, e, SENSOR_PEND_DONE, pos);
		if (p != NULL)
			set_done(p, 1, dist, pos);
		return;
	}
	/* A keyword may still follow within the window. */
	p = pending_add(sw, st, si, s, e, SENSOR_PEND_CONTEXT, pos);
	if (p != NULL) {
		p->need = need;
		p->label = label;
		/* PREFILTER: the keyword hits that may settle it come after this one. */
		p->ready = sw->cur_to;
		p->born_id = sw->cur_id < SENSOR_KW_ALL ? (uint16_t)sw->cur_id : SENSOR_KW_ALL;
		p->kw_off = SENSOR_KW_LATER;
		p->kw_seen = 0;
	}
}

static int
recent_seen(struct sensor_stream *st, unsigned int si, uint64_t s, uint64_t e)
{
	struct sensor_recent *r;
	unsigned int i;

	/* The start first: it differs for nearly every entry (one compare, not three). */
	for (i = 0; i < SENSOR_RECENT_MAX; i++) {
		r = &st->recent[i];
		if (r->start == s && r->len == (uint32_t)(e - s) && r->sensor == si && r->used)
			return 1;
	}
	r = &st->recent[st->recent_next];
	st->recent_next = (uint8_t)((st->recent_next + 1) % SENSOR_RECENT_MAX);
	r->used = 1;
	r->sensor = (uint16_t)si;
	r->start = s;
	r->len = (uint32_t)(e - s);
	return 0;
}

void
sensor_decide_candidate(struct sensor_worker *sw, struct sensor_stream *st, unsigned int si,
			uint64_t s, uint64_t e, uint8_t boundary, uint64_t pos)
{
	if (recent_seen(st, si, s, e))
		return;
	sw->stats.candidates++;
	/* Nothing may straddle a gap: the bytes before it were lost. */
	if (s == st->gap_end && boundary != SENSOR_BOUNDARY_NONE) {
		sw->stats.candidates_dropped++;
		return;
	}
	/* A hit standing for several sensors (\d{9}: us_ssn, nl_bsn, pt_nif) checks its
	 * boundaries once: the verdict only depends on the bytes, fixed during the call. */
	if (!sw->bcache.valid || sw->bcache.s != s || sw->bcache.e != e ||
	    sw->bcache.boundary != boundary) {
		sw->bcache.s = s;
		sw->bcache.e = e;
		sw->bcache.boundary = boundary;
		sw->bcache.verdict = (uint8_t)bound_check(sw, st, boundary, s, e);
		sw->bcache.valid = 1;
	}
	switch ((enum bound_verdict)sw->bcache.verdict) {
	case BOUND_REJECT:
		sw->stats.boundary_rejected++;
		return;
	case BOUND_LOST:
		sw->stats.candidates_dropped++;
		return;
	case BOUND_LATER:
		pending_add(sw, st, si, s, e, SENSOR_PEND_BOUNDARY, pos);
		return;
	case BOUND_OK:
		break;
	}
	decide(sw, st, si, s, e, pos);
}

void
sensor_decide_keyword(struct sensor_worker *sw, struct sensor_stream *st,
		      const struct sensor_pattern *pat, uint64_t t)
{
	const struct sensor_db *db = sw->db;
	const uint16_t *refs = &db->refs[pat->first_ref];
	uint64_t kw_end = t - pat->trail, kw_start = kw_end - pat->width;
	unsigned int r, i;

	if (sw->mode != SENSOR_MODE_SCAN && kw_end > sw->buf_off)
		return;	/* would include the sentinel */
	if (sensor_context_in_markup(sw, st, kw_start))
		return;	/* a tag or attribute name or value: not a label anyone reads */
	for (r = 0; r < pat->n_refs; r++) {
		struct sensor_kw_state *ks = &st->kw[refs[r]];

		/* PREFILTER: lazy slots' keywords are read from the bytes instead. */
		if (sw->lazy_kw && db->slot_lazy[refs[r]])
			continue;
		if (ks->last != kw_end) {
			ks->prev = ks->last;
			ks->last = kw_end;
		}
	}
	for (i = 0; i < st->n_pending; i++) {
		struct sensor_pending *p = &st->pending[i];
		const struct sensor_rt *rt = &db->rt[p->sensor];
		int hit = 0;

		if (p->state != SENSOR_PEND_CONTEXT || kw_start < p->end ||
		    kw_start - p->end > rt->window || (sw->lazy_kw && rt->lazy_kw))
			continue;
		for (r = 0; r < pat->n_refs && !hit; r++)
			hit = refs[r] == rt->kw_slot;
		if (hit && !(p->label && sensor_context_digit_between(sw, st, p->end, kw_start)))
			set_done(p, 1, kw_start - p->end, t);
	}
}

/*
 * PREFILTER: the waiting values the keyword hits handled up to now (sw->cur_to,
 * sw->cur_id) would have settled, as sensor_decide_keyword settles them in the HYPERSCAN
 * engine: each one's first keyword after it, searched once the bytes are there
 * (sensor_context_next) and applied once the cursor has passed it. Called before anything
 * reads the pending states.
 */
static void
catch_up(struct sensor_worker *sw, struct sensor_stream *st)
{
	unsigned int i;

	if (!sw->lazy_kw)
		return;
	for (i = 0; i < st->n_pending; i++) {
		struct sensor_pending *p = &st->pending[i];
		const struct sensor_rt *rt = &sw->db->rt[p->sensor];
		uint64_t kto, kstart, need, avail;
		uint32_t kid;
		int r;

		if (p->state != SENSOR_PEND_CONTEXT || !rt->lazy_kw)
			continue;
		if (p->kw_off == SENSOR_KW_LATER) {
			need = p->end + rt->window + rt->kw_max + 2;
			avail = sw->buf_end < need ? sw->buf_end : need;
			if (avail > p->end && avail - p->end > p->kw_seen) {
				r = sensor_context_next(sw, st, rt->kw_slot, p->end, rt->window,
							rt->kw_max, p->label, p->ready,
							p->born_id == SENSOR_KW_ALL ? UINT32_MAX :
										      p->born_id,
							&kto, &kid, &kstart);
				if (r == 1) {
					p->kw_off = (uint16_t)(kto - p->end);
					p->kw_id = (uint16_t)kid;
					p->kw_dist = (uint32_t)(kstart - p->end);
				} else if (r == 0) {
					p->kw_off = SENSOR_KW_NONE;
				} else {
					p->kw_seen = (uint16_t)(avail - p->end);
				}
			}
		}
		if (p->kw_off < SENSOR_KW_NONE) {
			kto = p->end + p->kw_off;
			if (kto < sw->cur_to || (kto == sw->cur_to && p->kw_id < sw->cur_id))
				set_done(p, 1, p->kw_dist, kto);
		}
	}
}

void
sensor_decide_settle(struct sensor_worker *sw, struct sensor_stream *st, uint64_t pos,
		     int strict)
{
	unsigned int i = 0;

	catch_up(sw, st);

	/*
	 * Context: every keyword that could start within window bytes past the end ends by
	 * end + window + kw_max and is reported by Hyperscan one guard byte later at most.
	 */
	while (i < st->n_pending) {
		struct sensor_pending *p = &st->pending[i];
		const struct sensor_rt *rt = &sw->db->rt[p->sensor];
		uint64_t until = p->end + rt->window + rt->kw_max + 1;

		if (p->state == SENSOR_PEND_CONTEXT && (strict ? until < pos : until <= pos)) {
			if (p->need) {
				sw->stats.context_missing++;
				pending_remove(st, i);
				continue;
			}
			set_done(p, 0, 0, until);
		}
		i++;
	}
	arbitrate(sw, st, pos, strict ? ARB_STRICT : ARB_LOOSE);
}

void
sensor_decide_boundaries(struct sensor_worker *sw, struct sensor_stream *st)
{
	struct sensor_pending wait[SENSOR_PENDING_MAX];
	unsigned int i = 0, n = 0;

	/* Taken out first: deciding one may add entries or decide others. */
	while (i < st->n_pending) {
		if (st->pending[i].state == SENSOR_PEND_BOUNDARY) {
			wait[n++] = st->pending[i];
			pending_remove(st, i);
			continue;
		}
		i++;
	}
	for (i = 0; i < n; i++) {
		const struct sensor_pending *q = &wait[i];

		switch (bound_check(sw, st, sw->db->rt[q->sensor].boundary, q->start, q->end)) {
		case BOUND_REJECT:
			sw->stats.boundary_rejected++;
			break;
		case BOUND_LOST:
			sw->stats.candidates_dropped++;
			break;
		case BOUND_LATER:	/* still not enough bytes (one-byte buffers) */
			pending_add(sw, st, q->sensor, q->start, q->end, SENSOR_PEND_BOUNDARY,
				    sw->buf_off);
			break;
		case BOUND_OK:
			decide(sw, st, q->sensor, q->start, q->end, sw->buf_off);
			break;
		}
	}
}

void
sensor_decide_gap(struct sensor_worker *sw, struct sensor_stream *st)
{
	unsigned int i = 0;

	catch_up(sw, st);
	/* The bytes after a BOUNDARY candidate are lost; a CONTEXT one lost part of its
	 * window: reported without keyword unless it needs one. */
	while (i < st->n_pending) {
		struct sensor_pending *p = &st->pending[i];

		if (p->state == SENSOR_PEND_BOUNDARY ||
		    (p->state == SENSOR_PEND_CONTEXT && p->need)) {
			sw->stats.candidates_dropped++;
			pending_remove(st, i);
			continue;
		}
		if (p->state == SENSOR_PEND_CONTEXT)
			set_done(p, 0, 0, sw->buf_off);
		i++;
	}
	arbitrate(sw, st, sw->buf_off, ARB_FORCE);
}

void
sensor_decide_commit(struct sensor_worker *sw, struct sensor_stream *st)
{
	unsigned int i;

	catch_up(sw, st);
	for (i = 0; i < st->n_pending; i++) {
		struct sensor_pending *p = &st->pending[i];

		if (p->state == SENSOR_PEND_CONTEXT && !p->need)
			set_done(p, 0, 0, sw->buf_off);
	}
	arbitrate(sw, st, sw->buf_off, ARB_FORCE);
}
