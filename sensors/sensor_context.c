/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Context keywords near a value (sensor_context.h).
 *
 * The HYPERSCAN engine scans every byte for every keyword and keeps, per stream and
 * sensor, the ends of the last two keywords (sensor_decide.c: sensor_decide_keyword);
 * a value looks back at them, and a value waiting for a keyword after it is settled by
 * the first one that comes. Keywords are the bulk of that scan, yet only the few bytes
 * around a value being decided ever matter. The PREFILTER engine therefore asks the
 * bytes: when a value needs its keyword state, the keywords of its sensor are searched
 * (Hyperscan BLOCK mode, db->hs_kw, the same expressions) in
 *
 *   before a value:   [start - window - kw_max - 2, hit end)     (sensor_context_last)
 *   after a value:    [end - 1, end + window + kw_max + 2)        (sensor_context_next)
 *
 * and replayed exactly as the HYPERSCAN engine handles keyword hits: in end-offset order,
 * patterns in id order at one offset, only those handled before the hit being decided
 * (sw->cur_to, sw->cur_id) or, after a value, after it was made to wait; not one inside
 * markup, nor one that includes the sentinel byte of a close or gap. A keyword ending
 * before a value's window only shows there as a "previous" keyword, which its window
 * rejects whatever it is, so searching from the window on gives the same answer. The
 * lookback ring is sized for these reads and the markup check's (sensor_db.c).
 *
 * '^' in a keyword's leading guard means the start of the stream: a block that starts
 * later and reports a keyword at its first byte is checked against the byte before it.
 */
#include <string.h>
#include <immintrin.h>
#include <hs.h>

#include "sensor_byteset.h"
#include "sensor_context.h"
#include "sensor_regex.h"

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

int
sensor_context_digit_between(const struct sensor_worker *sw, const struct sensor_stream *st,
			     uint64_t a, uint64_t b)
{
	uint64_t o;

	if (a < sensor_readable_lo(sw, st))
		return 1;
	for (o = a; o < b; o++)
		if (is_digit(sensor_byte_at(sw, st, o)))
			return 1;
	return 0;
}

/*
 * Offset o (a keyword's first byte) is inside an HTML/XML tag: scanning back at most
 * SENSOR_TAG_LOOKBACK bytes, the nearest '<' followed by a letter, '/' or '!' comes before
 * any '>'. Each contiguous piece of ring or buffer is searched with memrchr.
 */
int
sensor_context_in_markup(const struct sensor_worker *sw, const struct sensor_stream *st,
			 uint64_t o)
{
	uint64_t lo = o > SENSOR_TAG_LOOKBACK ? o - SENSOR_TAG_LOOKBACK : 0, hi = o;
	uint64_t mask = sw->db->ring_size - 1, rlo = sensor_readable_lo(sw, st);

	if (lo < rlo)
		lo = rlo;
	while (hi > lo) {
		const uint8_t *base, *gt, *lt;
		uint64_t from;
		size_t len;
		uint8_t c;

		if (hi > sw->buf_off) {
			from = lo > sw->buf_off ? lo : sw->buf_off;
			base = sw->buf + (from - sw->buf_off);
		} else {
			from = hi - 1 - ((hi - 1) & mask);	/* ring wraps below this */
			if (from < lo)
				from = lo;
			base = st->ring + (from & mask);
		}
		len = (size_t)(hi - from);
		for (;;) {
			gt = memrchr(base, '>', len);
			lt = memrchr(base, '<', len);
			if (lt == NULL || (gt != NULL && gt > lt)) {
				if (gt != NULL)
					return 0;
				break;
			}
			/* The byte after it is at most o: still readable. */
			c = sensor_byte_at(sw, st, from + (uint64_t)(lt - base) + 1);
			if (is_alpha(c) || c == '/' || c == '!')
				return 1;
			len = (size_t)(lt - base);	/* "a < b": look further back */
		}
		hi = from;
	}
	return 0;
}

/* ---- a slot's keywords absent from a range ---- */

static void
set_byte(uint64_t set[4], uint8_t nib[2][16], uint8_t c)
{
	set[c >> 6] |= 1ULL << (c & 63);
	sensor_byteset_add(nib, c);
}

static void
set_folded(uint64_t set[4], uint8_t nib[2][16], uint8_t c)
{
	set_byte(set, nib, c);
	if (is_alpha(c))
		set_byte(set, nib, (uint8_t)(c ^ 0x20));
}

/* A byte as keywords compare it: letters lower-case, the separators ' '. */
static inline uint8_t
fold(uint8_t c)
{
	if (is_alpha(c))
		return (uint8_t)(c | 0x20);
	return c == '-' || c == '_' ? ' ' : c;
}

/*
 * A keyword is matched case-insensitively (ASCII letters), its ' ', '-' and '_' alike,
 * after a byte that is not a letter when it starts with one (or at the stream's first
 * byte): sensor_db.c. Its first byte is never a separator.
 */
void
sensor_context_starts_add(struct sensor_kw_starts *ks, const char *kw)
{
	const uint8_t *k = (const uint8_t *)kw;
	uint32_t pre = 0;
	unsigned int i;

	if (k[0] == '\0')
		return;
	for (i = 0; i < 4 && k[i] != '\0'; i++)
		pre |= (uint32_t)fold(k[i]) << (8 * i);
	if (ks->n_pre < SENSOR_MAX_KEYWORDS) {
		ks->by_first[pre & 0xff] |= 1U << ks->n_pre;
		ks->pre[ks->n_pre] = pre;
		ks->pre_len[ks->n_pre++] = (uint8_t)i;
	}
	set_folded(ks->first, ks->nib[0], k[0]);
	if (k[1] == '\0') {
		ks->one_byte = 1;
	} else if (k[1] == ' ' || k[1] == '-' || k[1] == '_') {
		set_byte(ks->second, ks->nib[1], ' ');
		set_byte(ks->second, ks->nib[1], '-');
		set_byte(ks->second, ks->nib[1], '_');
	} else {
		set_folded(ks->second, ks->nib[1], k[1]);
	}
}

static inline int
in_set(const uint64_t set[4], uint8_t c)
{
	return (set[c >> 6] >> (c & 63)) & 1;
}

/* The first bytes of one of the slot's keywords (as many as it has, up to 4) are at q[j],
 * and within q[0..n). */
static int
prefix_at(const struct sensor_kw_starts *ks, const uint8_t *q, size_t j, size_t n)
{
	size_t avail = n - j;
	uint32_t w = 0, m = ks->by_first[fold(q[j])];
	unsigned int i;

	if (m == 0)
		return 0;
	for (i = 0; i < 4 && i < avail; i++)
		w |= (uint32_t)fold(q[j + i]) << (8 * i);
	for (; m != 0; m &= m - 1) {
		unsigned int len;
		uint32_t mask;

		i = (unsigned int)__builtin_ctz(m);
		len = ks->pre_len[i];
		mask = len == 4 ? ~0U : (1U << (8 * len)) - 1;
		if (len <= avail && ((w ^ ks->pre[i]) & mask) == 0)
			return 1;
	}
	return 0;
}

/* ASCII letters among 32 bytes. */
__attribute__((target("avx2"))) static inline uint32_t
letters32(__m256i v)
{
	__m256i t = _mm256_sub_epi8(_mm256_or_si256(v, _mm256_set1_epi8(0x20)),
				    _mm256_set1_epi8('a'));

	return (uint32_t)_mm256_movemask_epi8(
		_mm256_cmpeq_epi8(_mm256_min_epu8(t, _mm256_set1_epi8(25)), t));
}

/*
 * The bytes of one block of absent_avx2 (v, 32 of them; `valid` those in the range) where
 * a keyword can start: a first byte, not a letter after a letter (*carry: the byte before
 * the block is one; the bytes of v outside the range are the range's or zeros), with a
 * second byte after it (the block's last byte: its second is the next block's; one-byte
 * keywords need none).
 */
__attribute__((target("avx2"))) static inline uint32_t
starts32(const struct sensor_kw_starts *ks, __m256i v, uint32_t valid, const __m256i tab[4],
	 uint32_t *carry)
{
	uint32_t f, l, at;
	__m256i lo, bit;

	sensor_byteset_split(v, &lo, &bit);
	f = sensor_byteset_has(lo, bit, v, tab[0], tab[1]) & valid;
	l = letters32(v);
	at = f & ~(l & ((l << 1) | *carry));
	if (at != 0 && !ks->one_byte)
		at &= (sensor_byteset_has(lo, bit, v, tab[2], tab[3]) >> 1) | 0x80000000U;
	*carry = l >> 31;
	return at;
}

/*
 * slot_absent's test at each byte of q[0..n), 32 at a time with AVX2, then the keywords'
 * first bytes compared where starts32 leaves a byte. The last, short block is read as the
 * 32 bytes that end the range, shifted (or, the range shorter, copied).
 */
__attribute__((target("avx2"))) static int
absent_avx2(const struct sensor_kw_starts *ks, const uint8_t *q, size_t n)
{
	const __m256i tab[4] = {
		sensor_byteset_table(ks->nib[0][0]), sensor_byteset_table(ks->nib[0][1]),
		sensor_byteset_table(ks->nib[1][0]), sensor_byteset_table(ks->nib[1][1]),
	};
	uint32_t carry = 0, at, rest;
	uint8_t tail[32];
	size_t b;
	__m256i v;

	for (b = 0; b + 32 <= n; b += 32) {
		at = starts32(ks, _mm256_loadu_si256((const __m256i *)(const void *)(q + b)), ~0U,
			      tab, &carry);
		for (; at != 0; at &= at - 1)
			if (prefix_at(ks, q, b + (size_t)__builtin_ctz(at), n))
				return 0;
	}
	rest = (uint32_t)(n - b);
	if (rest == 0)
		return 1;
	if (n >= 32) {
		/* The range's last 32 bytes: those before b tell the letter before b. */
		v = _mm256_loadu_si256((const __m256i *)(const void *)(q + n - 32));
		at = starts32(ks, v, ~0U << (32 - rest), tab, &carry);
		at >>= 32 - rest;
	} else {
		memset(tail, 0, sizeof(tail));
		memcpy(tail, q, n);
		v = _mm256_loadu_si256((const __m256i *)(const void *)tail);
		at = starts32(ks, v, (1U << rest) - 1, tab, &carry);
	}
	for (; at != 0; at &= at - 1)
		if (prefix_at(ks, q, b + (size_t)__builtin_ctz(at), n))
			return 0;
	return 1;
}

/*
 * No keyword of the slot starts in [a, b) and ends by b (stream offsets, b readable): at
 * no byte there its first bytes (up to 4), with a byte that is not a letter before it when
 * it starts with a letter (the byte before a counts as one). A keyword search over [a, b)
 * would then find none of the slot's, and the caller need not run one. (The search reads
 * the byte before a too, and may find a keyword with no leading guard starting there; such
 * a keyword ends before the window of the value searched for, or starts before the value
 * ends, and changes no answer: see the header.)
 */
static int
slot_absent(struct sensor_worker *sw, const struct sensor_stream *st, uint16_t slot, uint64_t a,
	    uint64_t b)
{
	const struct sensor_kw_starts *ks = &sw->db->kw_starts[slot];
	uint64_t lo = sensor_readable_lo(sw, st), s;
	const uint8_t *q;
	size_t n, j;

	s = a > lo ? a : lo;
	if (b <= s)
		return 1;
	q = sensor_bytes(sw, st, s, b, sw->ctx_buf);
	n = (size_t)(b - s);
	if (sw->db->pf != NULL && sw->db->pf->avx2)
		return absent_avx2(ks, q, n);
	for (j = 0; j < n; j++) {
		if (!in_set(ks->first, q[j]) || (is_alpha(q[j]) && j > 0 && is_alpha(q[j - 1])))
			continue;
		if (prefix_at(ks, q, j, n))
			return 0;
	}
	return 1;
}

/* ---- the PREFILTER engine's keyword search ---- */

enum kw_mode { KW_LAST, KW_NEXT, KW_SNAP };

struct kw_scan {
	struct sensor_worker *sw;
	const struct sensor_stream *st;
	struct sensor_kwhit *cached;	/* the hit being fed, when from the cache */
	uint64_t base;			/* stream offset of the block's first byte */
	uint16_t slot;
	uint8_t mode;			/* enum kw_mode */
	uint8_t stop;
	/* hits of one end offset, gathered to be handled in pattern order */
	uint64_t gto;
	uint32_t n;
	/* KW_LAST */
	uint64_t cur_to;
	uint32_t cur_id;
	uint64_t last, prev;
	/* KW_NEXT */
	uint64_t end, born_to;
	uint32_t window, born_id;
	uint8_t label;
	uint64_t f_to, f_start;
	uint32_t f_id;
};

static int
pattern_has_slot(const struct sensor_db *db, const struct sensor_pattern *p, uint16_t slot)
{
	const uint16_t *refs = &db->refs[p->first_ref];
	unsigned int r;

	for (r = 0; r < p->n_refs; r++)
		if (refs[r] == slot)
			return 1;
	return 0;
}

/* Keyword starting at o inside markup: cached with the hit (it only depends on bytes). */
static int
markup(struct kw_scan *k, uint64_t o)
{
	if (k->cached == NULL)
		return sensor_context_in_markup(k->sw, k->st, o);
	if (k->cached->markup == 0)
		k->cached->markup = sensor_context_in_markup(k->sw, k->st, o) ? 2 : 1;
	return k->cached->markup == 2;
}

/* One keyword hit (pattern id ending at stream offset to), in handling order. */
static void
kw_hit(struct kw_scan *k, uint32_t id, uint64_t to)
{
	struct sensor_worker *sw = k->sw;
	const struct sensor_pattern *p = &sw->db->pats[id];
	uint64_t kw_end = to - p->trail, kw_start = kw_end - p->width;

	if (p->kind != SENSOR_PAT_KEYWORD ||
	    (k->mode != KW_SNAP && !pattern_has_slot(sw->db, p, k->slot)))
		return;
	if (sw->mode != SENSOR_MODE_SCAN && kw_end > sw->buf_off)
		return;		/* would include the sentinel */
	/* Matched through '^' at a block that does not start the stream? */
	if (p->kw_lead && kw_start == k->base && k->base > k->st->hs_base &&
	    is_alpha(sensor_byte_at(sw, k->st, k->base - 1)))
		return;
	if (k->mode == KW_SNAP) {
		/* Every slot the keyword stands for, into the stream's keyword state. */
		const uint16_t *refs = &sw->db->refs[p->first_ref];
		struct sensor_kw_state *kw = ((struct sensor_stream *)k->st)->kw;
		unsigned int r;

		if (markup(k, kw_start))
			return;
		for (r = 0; r < p->n_refs; r++) {
			if (!sw->db->slot_lazy[refs[r]])
				continue;	/* kept by the Hyperscan keyword hits */
			if (kw[refs[r]].last != kw_end) {
				kw[refs[r]].prev = kw[refs[r]].last;
				kw[refs[r]].last = kw_end;
			}
		}
		return;
	}
	if (k->mode == KW_LAST) {
		if (to > k->cur_to || (to == k->cur_to && id >= k->cur_id))
			return;	/* handled after the hit being decided */
		if (markup(k, kw_start))
			return;
		if (k->last != kw_end) {
			k->prev = k->last;
			k->last = kw_end;
		}
		return;
	}
	if (to < k->born_to || (to == k->born_to && id <= k->born_id))
		return;		/* handled before the value waited */
	if (kw_start < k->end || kw_start - k->end > k->window)
		return;
	if (markup(k, kw_start))
		return;
	if (k->label && sensor_context_digit_between(sw, k->st, k->end, kw_start))
		return;
	k->f_to = to;
	k->f_id = id;
	k->f_start = kw_start;
	k->stop = 1;
}

static void
kw_flush(struct kw_scan *k)
{
	uint32_t *ids = k->sw->ctx_ids, i, j;

	for (i = 1; i < k->n; i++) {
		uint32_t x = ids[i];

		for (j = i; j > 0 && ids[j - 1] > x; j--)
			ids[j] = ids[j - 1];
		ids[j] = x;
	}
	for (i = 0; i < k->n && !k->stop; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			kw_hit(k, ids[i], k->gto);
	k->n = 0;
}

static int
on_kw(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
      void *ctx)
{
	struct kw_scan *k = ctx;
	uint64_t t = k->base + to;

	(void)from;
	(void)flags;
	if (k->n > 0 && t != k->gto) {
		if (t < k->gto)
			k->sw->stats.scan_errors++;	/* Hyperscan reports in end order */
		kw_flush(k);
		if (k->stop)
			return 1;
	}
	if (k->n == k->sw->hits_cap) {
		kw_flush(k);
		if (k->stop)
			return 1;
	}
	k->sw->ctx_ids[k->n++] = id;
	k->gto = t;
	return 0;
}

/* Point at [r0, r1) (stream offsets, readable, at most the ring's size), copied out of
 * the ring when it straddles ring and buffer. */
static const uint8_t *
region_bytes(struct sensor_worker *sw, const struct sensor_stream *st, uint64_t r0, uint64_t r1)
{
	return sensor_bytes(sw, st, r0, r1, sw->ctx_buf);
}

/*
 * The same for Hyperscan: a region ending closer than SENSOR_HS_SLACK to the end of the
 * current buffer and of its page is copied into ctx_buf, which has that many bytes after
 * its ring_size.
 */
static const uint8_t *
hs_region(struct sensor_worker *sw, const struct sensor_stream *st, uint64_t r0, uint64_t r1)
{
	const uint8_t *p = region_bytes(sw, st, r0, r1);

	if (p != sw->ctx_buf && sw->buf_end - r1 < SENSOR_HS_SLACK &&
	    sensor_page_rest(p + (r1 - r0)) < SENSOR_HS_SLACK) {
		memcpy(sw->ctx_buf, p, (size_t)(r1 - r0));
		p = sw->ctx_buf;
	}
	return p;
}

/*
 * The keyword hits of a stream's recent bytes, kept per worker so that the bytes around
 * nearby values are searched once: every keyword match lying inside [lo, hi) is listed,
 * sorted by end offset then pattern id. A search past hi scans only from hi back by the
 * longest keyword and its guards; one before lo (or another stream, or after a gap) starts
 * over. Hits matched through '^' at a block that does not start the stream are not listed.
 */
struct kc_fill {
	struct sensor_worker *sw;
	const struct sensor_stream *st;
	uint64_t base, after;	/* block's first byte; keep hits ending after this */
	uint32_t n0;		/* first hit of this scan */
	uint8_t full;
};

static int
on_kc(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
      void *ctx)
{
	struct kc_fill *f = ctx;
	struct sensor_kwcache *c = &f->sw->kwc;
	const struct sensor_pattern *p = &f->sw->db->pats[id];
	uint64_t t = f->base + to;

	(void)from;
	(void)flags;
	if (t <= f->after)
		return 0;
	if (p->kw_lead && t - p->trail - p->width == f->base && f->base > f->st->hs_base &&
	    is_alpha(sensor_byte_at(f->sw, f->st, f->base - 1)))
		return 0;	/* '^' at a block start that is not the stream's */
	if (c->n == c->cap) {
		f->full = 1;
		return 1;
	}
	c->h[c->n].to = t;
	c->h[c->n].id = id;
	c->h[c->n].markup = 0;
	c->n++;
	return 0;
}

/* Keyword searches that step every byte after one that met text too dense to skip in. */
#define KW_PLAIN_SEARCHES 32

/*
 * The keyword DFA (sensor_prefilter_build_keywords) over [b0, r1), listing the hits ending
 * after `after`: it starts a byte early, so that a keyword at b0 has its guard byte, or
 * at the stream's first byte with the start-of-data symbol its '^' reads; or, when *state
 * is not SENSOR_KW_NO_STATE, at b0 in that state (where an earlier run over the bytes
 * before b0 stopped). *state is the DFA's state after r1. 0, or -1 when the hits do not
 * fit.
 */
static int
kc_dfa(struct sensor_worker *sw, const struct sensor_stream *st, uint64_t b0, uint64_t r1,
       uint64_t after, uint32_t *state)
{
	const struct sensor_dfa *d = sw->db->pf->kw_dfa;
	const struct sensor_dfa_skip *skip = NULL;
	int dense = 0;
	struct sensor_kwcache *c = &sw->kwc;
	const uint8_t *p;
	uint64_t s0 = b0, o;
	uint32_t s = d->start;

	if (*state != SENSOR_KW_NO_STATE) {
		s = *state;
	} else {
		if (b0 > st->hs_base && b0 > sensor_readable_lo(sw, st))
			s0 = b0 - 1;
		if (s0 == st->hs_base)
			s = d->trans[s + d->bos_cls];
	}
	p = region_bytes(sw, st, s0, r1);
	/* Skipping reads 64-byte masks with AVX2 (scalar ones would cost what it saves). After
	 * text too dense to skip in, the next KW_PLAIN_SEARCHES searches step every byte. */
	if (sw->db->pf->avx2 && sw->db->pf->kw_skip != NULL) {
		if (sw->kw_plain > 0)
			sw->kw_plain--;
		else
			skip = sw->db->pf->kw_skip;
	}
	for (o = s0; o < r1;) {
		size_t quiet = after > o ? (size_t)(after - o) : 0;
		size_t n = (size_t)(r1 - o), k;

		if (skip != NULL)
			k = sensor_dfa_skip_run(d, skip, &s, p + (o - s0), n, quiet, &dense);
		else
			k = sensor_dfa_run(d, &s, p + (o - s0), n, quiet);
		if (dense) {
			skip = NULL;
			sw->kw_plain = KW_PLAIN_SEARCHES;
		}
		o += k;
		if (k > quiet && s >= d->acc_base) {
			uint32_t a = (s - d->acc_base) / d->n_classes, i;

			for (i = 0; i < d->acc_n[a]; i++) {
				if (c->n == c->cap)
					return -1;
				c->h[c->n].to = o;
				c->h[c->n].id = d->acc_ids[d->acc_first[a] + i];
				c->h[c->n].markup = 0;
				c->n++;
			}
		}
	}
	*state = s;
	return 0;
}

/* Append the hits of the keyword matches inside [b0, r1) ending after `after`, sorted;
 * 0, or -1 when they do not fit. *state as kc_dfa's (Hyperscan: always
 * SENSOR_KW_NO_STATE). */
static int
kc_scan(struct sensor_worker *sw, const struct sensor_stream *st, uint64_t b0, uint64_t r1,
	uint64_t after, uint32_t *state)
{
	struct sensor_kwcache *c = &sw->kwc;
	struct kc_fill f;
	uint32_t i, j;
	hs_error_t rc;

	if (sw->db->pf != NULL && sw->db->pf->kw_dfa != NULL)
		return kc_dfa(sw, st, b0, r1, after, state);
	*state = SENSOR_KW_NO_STATE;	/* Hyperscan's block scan: not resumed */
	memset(&f, 0, sizeof(f));
	f.sw = sw;
	f.st = st;
	f.base = b0;
	f.after = after;
	f.n0 = c->n;
	rc = hs_scan(sw->db->hs_kw, (const char *)hs_region(sw, st, b0, r1),
		     (unsigned int)(r1 - b0), 0, sw->kw_scratch, on_kc, &f);
	if (f.full || (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)) {
		if (!f.full)
			sw->stats.scan_errors++;
		return -1;
	}
	/* Hyperscan reports by end offset; one offset's patterns sorted by id. */
	for (i = f.n0 + 1; i < c->n; i++) {
		struct sensor_kwhit x = c->h[i];

		for (j = i; j > f.n0 && (c->h[j - 1].to > x.to ||
					 (c->h[j - 1].to == x.to && c->h[j - 1].id > x.id)); j--)
			c->h[j] = c->h[j - 1];
		c->h[j] = x;
	}
	return 0;
}

static int
hit_before(const struct sensor_kwhit *a, const struct sensor_kwhit *b)
{
	return a->to < b->to || (a->to == b->to && a->id < b->id);
}

/*
 * List every keyword match inside [r0, r1): extend the list forwards past hi, or backwards
 * before lo (scanning up to lo plus the longest keyword and its guards, merging, each hit
 * once). Forwards the keyword DFA goes on from hi in the state it stopped in there, as
 * if it had read on; Hyperscan reads again from the longest keyword and its guards
 * before hi. 0, or -1 when they do not fit (search the bytes directly then).
 */
static int
kc_cover(struct sensor_worker *sw, const struct sensor_stream *st, uint64_t r0, uint64_t r1)
{
	struct sensor_kwcache *c = &sw->kwc;
	uint64_t overlap = sw->db->kw_max_all + 2, b0, lo = sensor_readable_lo(sw, st);
	uint32_t i, n0, a, b, k;

	if (r0 < lo)
		r0 = lo;
	if (c->st != st || c->epoch != st->epoch || r0 > c->hi || c->cap == 0) {
		c->st = st;
		c->epoch = st->epoch;
		c->lo = c->hi = r0;
		c->hi_state = SENSOR_KW_NO_STATE;
		c->n = 0;
	}
	if (c->lo < lo)
		c->lo = lo;	/* what fell out of the lookback is no longer searched */
	if (r0 < c->lo) {
		uint64_t e = c->lo + overlap < c->hi ? c->lo + overlap : c->hi;
		uint32_t back = SENSOR_KW_NO_STATE;

		n0 = c->n;
		if (kc_scan(sw, st, r0, e, 0, &back) != 0)
			goto fail;
		/* Merge the two sorted lists h[0, n0) and h[n0, n) through tmp. */
		for (a = 0, b = n0, k = 0; a < n0 || b < c->n;) {
			const struct sensor_kwhit *x;

			if (b == c->n || (a < n0 && !hit_before(&c->h[b], &c->h[a])))
				x = &c->h[a++];
			else
				x = &c->h[b++];
			if (k > 0 && sw->kw_tmp[k - 1].to == x->to && sw->kw_tmp[k - 1].id == x->id)
				continue;
			sw->kw_tmp[k++] = *x;
		}
		memcpy(c->h, sw->kw_tmp, sizeof(*c->h) * k);
		c->n = k;
		c->lo = r0;
	}
	if (r1 <= c->hi)
		return 0;
	/* Room: forget hits no search will ask for again (ending before r0). */
	if (c->n > c->cap / 2) {
		for (i = 0; i < c->n && c->h[i].to < r0; i++)
			;
		memmove(c->h, c->h + i, sizeof(*c->h) * (c->n - i));
		c->n -= i;
		c->lo = r0;
	}
	if (c->hi_state != SENSOR_KW_NO_STATE)
		b0 = c->hi;
	else
		b0 = c->hi > c->lo + overlap ? c->hi - overlap : c->lo;
	if (kc_scan(sw, st, b0, r1, c->hi, &c->hi_state) != 0)
		goto fail;
	c->hi = r1;
	return 0;
fail:
	c->st = NULL;
	return -1;
}

/* Feed the hits of [r0, r1) to k in handling order (cached, or scanned directly). */
static void
kw_run(struct kw_scan *k, uint64_t r0, uint64_t r1)
{
	struct sensor_worker *sw = k->sw;
	const struct sensor_kwcache *c = &sw->kwc;
	uint32_t lo, hi, i;
	hs_error_t rc;

	k->base = r0;
	k->n = 0;
	k->stop = 0;
	if (r1 <= r0 || sw->db->hs_kw == NULL)
		return;
	if (kc_cover(sw, k->st, r0, r1) == 0) {
		/* First hit ending after r0 (a match inside [r0, r1) ends there or later). */
		for (lo = 0, hi = c->n; lo < hi;) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (c->h[mid].to <= r0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (i = lo; i < c->n && c->h[i].to <= r1 && !k->stop; i++) {
			if (i > lo && c->h[i].to == c->h[i - 1].to && c->h[i].id == c->h[i - 1].id)
				continue;
			k->cached = &sw->kwc.h[i];
			kw_hit(k, c->h[i].id, c->h[i].to);
		}
		k->cached = NULL;
		return;
	}
	rc = hs_scan(sw->db->hs_kw, (const char *)hs_region(sw, k->st, r0, r1),
		     (unsigned int)(r1 - r0), 0, sw->kw_scratch, on_kw, k);
	if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)
		sw->stats.scan_errors++;
	if (!k->stop)
		kw_flush(k);
}

/* The readable bytes now: the ring and the call's bytes (the sentinel at close or gap). */
static uint64_t
readable_from(const struct sensor_worker *sw, const struct sensor_stream *st, uint64_t want)
{
	uint64_t lo = sensor_readable_lo(sw, st);

	return want > lo ? want : lo;
}

void
sensor_context_last(struct sensor_worker *sw, const struct sensor_stream *st, uint16_t slot,
		    uint64_t from, uint64_t *last, uint64_t *prev)
{
	struct kw_scan k;
	/* Every keyword that ends at or after from: its first byte and guard byte. */
	uint64_t r0 = from > (uint64_t)sw->db->kw_max_all + 2 ? from - sw->db->kw_max_all - 2 : 0;
	uint64_t r1 = sw->cur_to < sw->buf_end ? sw->cur_to : sw->buf_end;
	uint64_t s = readable_from(sw, st, r0);

	/* From the stream's first byte (or the first after a gap) on, start from what the
	 * keywords before a gap left (sensor_context_gap); NONE at the stream's start. */
	if (r0 <= st->known_lo) {
		*last = st->kw[slot].last;
		*prev = st->kw[slot].prev;
	} else {
		*last = *prev = SENSOR_NO_OFFSET;
	}
	if (slot_absent(sw, st, slot, s, r1))
		return;	/* what the search would find (nothing) left those as they are */
	memset(&k, 0, sizeof(k));
	k.sw = sw;
	k.st = st;
	k.slot = slot;
	k.mode = KW_LAST;
	k.cur_to = sw->cur_to;
	k.cur_id = sw->cur_id;
	k.last = *last;
	k.prev = *prev;
	kw_run(&k, s, r1);
	*last = k.last;
	*prev = k.prev;
}

void
sensor_context_gap(struct sensor_worker *sw, struct sensor_stream *st)
{
	struct kw_scan k;
	uint64_t from = sw->buf_off > (uint64_t)sw->db->kw_reach ? sw->buf_off - sw->db->kw_reach : 0;

	/* The state before this region stays as the last gap left it: keywords before
	 * the region end before any window after the gap reaches. Each slot's last two
	 * keyword ends are replayed on top of it. */
	if (from > st->known_lo) {
		unsigned int i;

		for (i = 0; i < sw->db->n_slots; i++)
			if (sw->db->slot_lazy[i])
				st->kw[i].last = st->kw[i].prev = SENSOR_NO_OFFSET;
	}
	memset(&k, 0, sizeof(k));
	k.sw = sw;
	k.st = st;
	k.mode = KW_SNAP;
	kw_run(&k, readable_from(sw, st, from), sw->buf_end);
}

int
sensor_context_next(struct sensor_worker *sw, const struct sensor_stream *st, uint16_t slot,
		    uint64_t end, uint32_t window, uint32_t kw_max, uint8_t label,
		    uint64_t born_to, uint32_t born_id, uint64_t *kw_to, uint32_t *kw_id,
		    uint64_t *kw_start)
{
	struct kw_scan k;
	/* A keyword starting at end + window ends (trail byte included) by end + window +
	 * kw_max + 1; its guard byte before it is at end - 1 at the earliest. */
	uint64_t need = end + window + kw_max + 2, r1 = need < sw->buf_end ? need : sw->buf_end;
	uint64_t r0 = readable_from(sw, st, end > 0 ? end - 1 : 0);

	if (slot_absent(sw, st, slot, r0, r1))
		return r1 == need ? 0 : -1;	/* no keyword of the slot in what is there */
	memset(&k, 0, sizeof(k));
	k.sw = sw;
	k.st = st;
	k.slot = slot;
	k.mode = KW_NEXT;
	k.end = end;
	k.window = window;
	k.label = label;
	k.born_to = born_to;
	k.born_id = born_id;
	kw_run(&k, r0, r1);
	if (k.stop) {
		*kw_to = k.f_to;
		*kw_id = k.f_id;
		*kw_start = k.f_start;
		return 1;
	}
	return r1 == need ? 0 : -1;
}
