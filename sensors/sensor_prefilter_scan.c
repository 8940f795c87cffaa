/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sensor prefilter, data path (owning worker; no allocation). Per chunk of up to
 * SENSOR_PF_CHUNK in-order bytes of a stream:
 *
 *   1. masks: one bit per byte for digit, capital-or-digit, space and '+' (AVX2 when the
 *      CPU has it, a byte loop otherwise; both give the same bits);
 *   2. per kind (N: digits, U: capitals and digits), the joined mask J: base bytes plus
 *      the gap bytes between two base bytes at most `gap` apart (U: a single space), so a
 *      cluster is a run of J; then the runs of J at least `min` long, a cheap necessary
 *      condition, and the clusters they fall in are counted exactly;
 *   3. a cluster with enough base bytes (or an N digit right after '+') lists its window
 *      [first - left, last + right); the windows of one kind are merged when they touch;
 *   (kind A: each '@', found by memchr, lists [@ - left, end of the run of `after` bytes
 *   after it + right); a run that reaches the chunk's end stays open;)
 *   4. sensor_prefilter_next runs each kind's DFA over its windows, lazily, up to the
 *      offset the caller asks for, and hands back the hits in end-offset order.
 *
 * Across chunks and buffers a kind carries its open cluster (one the next bytes may still
 * join), the 64 class bits before the chunk (for J at the chunk's first bytes) and its DFA
 * run. A cluster that only qualifies in a later chunk (its digits came in two buffers) is
 * scanned from its first byte, read back from the lookback ring; no hit it can hold ended
 * earlier, since a hit needs the cluster's digits up to its end. A DFA run that starts
 * earlier than the one before it drops the hits it already reported (done_to), so every
 * (pattern, end offset) pair comes out once, as from Hyperscan.
 *
 * '^': a window that reaches the stream's first byte (or the first after a gap) starts
 * the DFA with the symbol SENSOR_RE_BOS, which the patterns' '^' reads.
 */
#include <string.h>
#include <immintrin.h>

#include "sensor_prefilter.h"
#include "sensor_priv.h"

#define WORDS (SENSOR_PF_CHUNK / 64 + 2)
#define M_D 0
#define M_U 1
#define M_SP 2
#define M_PL 3
#define M_J 4
#define M_R 5
#define M_F 6

static inline uint64_t *
marr(const struct sensor_pf_scratch *x, unsigned int i)
{
	return x->mask + (size_t)i * WORDS;
}

/* ---- 1. masks ---- */

void
sensor_prefilter_masks_scalar(const uint8_t *p, size_t n, uint64_t *d, uint64_t *u, uint64_t *sp,
			      uint64_t *pl)
{
	size_t w, i;

	for (w = 0; w * 64 < n; w++) {
		uint64_t md = 0, mu = 0, ms = 0, mp = 0;
		size_t end = n - w * 64 < 64 ? n - w * 64 : 64;

		for (i = 0; i < end; i++) {
			uint8_t c = p[w * 64 + i];
			uint64_t bit = 1ULL << i;

			if ((uint8_t)(c - '0') <= 9) {
				md |= bit;
				mu |= bit;
			} else if ((uint8_t)(c - 'A') <= 25) {
				mu |= bit;
			} else if (c == ' ') {
				ms |= bit;
			} else if (c == '+') {
				mp |= bit;
			}
		}
		d[w] = md;
		u[w] = mu;
		sp[w] = ms;
		pl[w] = mp;
	}
}

__attribute__((target("avx2"))) static inline void
masks32(__m256i v, uint32_t *d, uint32_t *u, uint32_t *sp, uint32_t *pl)
{
	const __m256i zero = _mm256_set1_epi8('0'), nine = _mm256_set1_epi8(9);
	const __m256i a = _mm256_set1_epi8('A'), z = _mm256_set1_epi8(25);
	__m256i t = _mm256_sub_epi8(v, zero), isd, isa;

	isd = _mm256_cmpeq_epi8(_mm256_max_epu8(t, nine), nine);
	t = _mm256_sub_epi8(v, a);
	isa = _mm256_cmpeq_epi8(_mm256_max_epu8(t, z), z);
	*d = (uint32_t)_mm256_movemask_epi8(isd);
	*u = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(isd, isa));
	*sp = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(' ')));
	*pl = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('+')));
}

__attribute__((target("avx2"))) void
sensor_prefilter_masks_avx2(const uint8_t *p, size_t n, uint64_t *d, uint64_t *u, uint64_t *sp,
			    uint64_t *pl)
{
	uint8_t tail[64];
	size_t w;

	for (w = 0; w * 64 < n; w++) {
		const uint8_t *q = p + w * 64;
		uint32_t d0, u0, s0, p0, d1, u1, s1, p1;

		if (n - w * 64 < 64) {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, q, n - w * 64);
			q = tail;
		}
		masks32(_mm256_loadu_si256((const __m256i *)q), &d0, &u0, &s0, &p0);
		masks32(_mm256_loadu_si256((const __m256i *)(q + 32)), &d1, &u1, &s1, &p1);
		d[w] = d0 | (uint64_t)d1 << 32;
		u[w] = u0 | (uint64_t)u1 << 32;
		sp[w] = s0 | (uint64_t)s1 << 32;
		pl[w] = p0 | (uint64_t)p1 << 32;
	}
}

int
sensor_prefilter_have_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") != 0;
}

/* ---- bit arrays: word 0 is the history, words 1..nw the chunk, word nw + 1 zero ---- */

static inline uint64_t
prevb(const uint64_t *a, size_t w, unsigned int i)
{
	return (a[w] << i) | (a[w - 1] >> (64 - i));
}

static inline uint64_t
nextb(const uint64_t *a, size_t w, unsigned int j)
{
	return (a[w] >> j) | (a[w + 1] << (64 - j));
}

static inline int
bit(const uint64_t *a, uint32_t b)
{
	return (a[1 + (b >> 6)] >> (b & 63)) & 1;
}

/* First bit at or after b that is clear in a (b < len), or len. */
static uint32_t
first_clear(const uint64_t *a, uint32_t b, uint32_t len)
{
	size_t w = 1 + (b >> 6);
	uint64_t v = ~a[w] & (~0ULL << (b & 63));

	while (v == 0 && (w - 1) * 64 + 64 < len)
		v = ~a[++w];
	if (v == 0)
		return len;
	b = (uint32_t)((w - 1) * 64 + (uint32_t)__builtin_ctzll(v));
	return b < len ? b : len;
}

/* First bit of the run of set bits in a that holds b: scanning down from b. */
static uint32_t
run_first(const uint64_t *a, uint32_t b)
{
	size_t w = 1 + (b >> 6);
	uint64_t v = ~a[w] & ((b & 63) == 63 ? ~0ULL : (1ULL << ((b & 63) + 1)) - 1);

	while (v == 0 && w > 1)
		v = ~a[--w];
	if (v == 0)
		return 0;
	return (uint32_t)((w - 1) * 64 + 63 - (uint32_t)__builtin_clzll(v)) + 1;
}

/* Bits [from, to) of word w (chunk-relative bit numbers, from < to, same word). */
static inline uint64_t
range_mask(uint32_t from, uint32_t to)
{
	uint32_t lo = from & 63, n = to - from;

	return (n >= 64 ? ~0ULL : (1ULL << n) - 1) << lo;
}

/*
 * What a run [from, to) holds: base bytes (b), of which letters (b and not d, when d is
 * given: capitals of a U token), qualifying bytes (f), and where its last base byte ends
 * (from when none). One pass over the words it spans.
 */
struct run_stats {
	uint32_t count, letters, last;
	uint8_t flag;
};

static inline void
run_stats(const uint64_t *b, const uint64_t *d, const uint64_t *f, uint32_t from, uint32_t to,
	  struct run_stats *rs)
{
	uint32_t at = from;

	rs->count = rs->letters = 0;
	rs->flag = 0;
	rs->last = from;
	while (at < to) {
		uint32_t w = at >> 6, end = (w + 1) * 64 < to ? (w + 1) * 64 : to;
		uint64_t m = range_mask(at, end), v = b[1 + w] & m;

		if (v != 0) {
			rs->count += (uint32_t)__builtin_popcountll(v);
			rs->last = w * 64 + 64 - (uint32_t)__builtin_clzll(v);
			if (d != NULL)
				rs->letters += (uint32_t)__builtin_popcountll(v & ~d[1 + w]);
		}
		if (f != NULL && (f[1 + w] & m) != 0)
			rs->flag = 1;
		at = end;
	}
}

/* Capitals (U bits that are not digits) in [from, to), chunk-relative. */
static uint32_t
run_letters(const struct sensor_pf_scratch *x, uint32_t from, uint32_t to)
{
	const uint64_t *u = marr(x, M_U), *d = marr(x, M_D);
	uint32_t n = 0;

	while (from < to) {
		uint32_t w = from >> 6, end = (w + 1) * 64 < to ? (w + 1) * 64 : to;

		n += (uint32_t)__builtin_popcountll(u[1 + w] & ~d[1 + w] & range_mask(from, end));
		from = end;
	}
	return n;
}

/* The last set bit of a in [from, to) + 1, or from when none: scanning down from to. */
static uint32_t
last_set_end(const uint64_t *a, uint32_t from, uint32_t to)
{
	while (to > from) {
		uint32_t w = (to - 1) >> 6, lo = w * 64 > from ? w * 64 : from;
		uint64_t v = a[1 + w] & range_mask(lo, to);

		if (v != 0)
			return w * 64 + 64 - (uint32_t)__builtin_clzll(v);
		to = lo;
	}
	return from;
}

/* History word after a chunk of len bytes: the class bits of its last 64 bytes. */
static uint64_t
hist_after(const uint64_t *a, uint32_t len)
{
	uint32_t s;

	if (len >= 64) {
		s = len - 64;
		if ((s & 63) == 0)
			return a[1 + (s >> 6)];
		return (a[1 + (s >> 6)] >> (s & 63)) | (a[2 + (s >> 6)] << (64 - (s & 63)));
	}
	return (a[0] >> len) | (a[1] << (64 - len));
}

/* ---- 2, 3. clusters and windows ---- */

static void
win_add(struct sensor_pf_scratch *x, unsigned int k, uint64_t s, uint64_t e)
{
	struct sensor_pf_win *w = x->win[k];
	uint32_t n = x->n_win[k];

	if (e <= s)
		return;
	if (n > 0 && s <= w[n - 1].e && s >= w[n - 1].s) {
		if (e > w[n - 1].e)
			w[n - 1].e = e;
		return;
	}
	if (n == SENSOR_PF_MAX_WIN + 2)
		return;	/* cannot happen: see SENSOR_PF_MAX_WIN */
	w[n].s = s;
	w[n].e = e;
	x->n_win[k] = n + 1;
}

/* List the window of cluster t (qualified): [first - left, last + right), from the
 * stream's first byte at most; what runs past this chunk is kept as the kind's tail. */
static void
list_window(struct sensor_pf_scratch *x, unsigned int k, const struct sensor_pf_kind *K,
	    struct sensor_pf_stream *ps, const struct sensor_pf_track *t, uint64_t base)
{
	uint64_t s = t->start >= base + K->left ? t->start - K->left : base;
	uint64_t e = t->last + K->right;

	if (e > x->c1) {
		if (ps->tail_e[k] == 0 || s < ps->tail_s[k])
			ps->tail_s[k] = s;
		if (e > ps->tail_e[k])
			ps->tail_e[k] = e;
		e = x->c1;
	}
	win_add(x, k, s, e);
}

/*
 * J for kind k: N, digits joined across at most `gap` bytes of anything; U, capitals and
 * digits joined across one space. Bits past the chunk are unknown (zero): a cluster that
 * may go on is carried instead (open), and the next chunk's J, computed with the class
 * bits before it (word 0), starts inside the same run exactly when it goes on.
 */
static void
make_joined(struct sensor_pf_scratch *x, unsigned int k, const struct sensor_pf_kind *K,
	    size_t nw)
{
	const uint64_t *b = marr(x, k == SENSOR_PF_N ? M_D : M_U), *sp = marr(x, M_SP);
	uint64_t *j = marr(x, M_J);
	size_t w;
	unsigned int g = K->gap, a, c;

	j[0] = 0;
	j[nw + 1] = 0;
	if (k == SENSOR_PF_U) {
		for (w = 1; w <= nw; w++)
			j[w] = b[w] | (sp[w] & prevb(b, w, 1) & nextb(b, w, 1));
	} else if (g == 2) {
		for (w = 1; w <= nw; w++) {
			uint64_t p1 = prevb(b, w, 1), n1 = nextb(b, w, 1);

			j[w] = b[w] | (p1 & (n1 | nextb(b, w, 2))) | (prevb(b, w, 2) & n1);
		}
	} else {
		for (w = 1; w <= nw; w++) {
			uint64_t v = b[w];

			for (a = 1; a <= g; a++)
				for (c = 1; a + c <= g + 1; c++)
					v |= prevb(b, w, a) & nextb(b, w, c);
			j[w] = v;
		}
	}
}

/*
 * Where a run of at least K->min set bits starts in word lo (hi: the next word; min <=
 * SENSOR_PF_MIN_CAP < 64, so a run starting in lo is seen within lo and hi). Runs inside
 * lo by halving AND-shifts on its 64 bits (one instruction each); a run that goes on into
 * hi holds lo's last bit, and starts in lo's top run of ones early enough for hi's bottom
 * run of ones to bring it to min.
 */
static inline uint64_t
run_starts(uint64_t lo, uint64_t hi, const struct sensor_pf_kind *K)
{
	uint64_t u = lo;
	uint32_t i, top, bottom, from, to;

	/* The catalogue's thresholds with constant shifts. */
	switch (K->min) {
	case 5:
		u &= u >> 1;
		u &= u >> 2;
		u &= u >> 1;
		break;
	case 12:
		u &= u >> 1;
		u &= u >> 2;
		u &= u >> 4;
		u &= u >> 4;
		break;
	default:
		for (i = 0; i < K->n_steps; i++)
			u &= u >> K->steps[i];
		break;
	}
	if (!(lo >> 63))
		return u;
	top = ~lo == 0 ? 64 : (uint32_t)__builtin_clzll(~lo);
	bottom = ~hi == 0 ? 64 : (uint32_t)__builtin_ctzll(~hi);
	from = 64 - top;
	if (64 + bottom < K->min + from)
		return u;
	to = 64 + bottom - K->min;	/* the last start whose run reaches min */
	if (to > 63)
		to = 63;
	return u | ((~0ULL >> (63 - to)) & (~0ULL << from));
}

uint64_t
sensor_prefilter_run_starts(uint64_t lo, uint64_t hi, const struct sensor_pf_kind *K)
{
	return run_starts(lo, hi, K);
}

/* R: where a run of J at least `min` long starts, or (N, '+' patterns) a digit right
 * after a '+': the only places a qualified cluster can be. A word of J with no bit set
 * starts no run. F keeps the '+' digits alone (take_run counts them); it is only read
 * when the kind has '+' patterns. */
static void
make_candidates(struct sensor_pf_scratch *x, unsigned int k, const struct sensor_pf_kind *K,
		size_t nw)
{
	const uint64_t *j = marr(x, M_J), *d = marr(x, M_D), *pl = marr(x, M_PL);
	uint64_t *r = marr(x, M_R), *f = marr(x, M_F);
	size_t w;

	r[0] = r[nw + 1] = 0;
	if (k != SENSOR_PF_N || !K->plus) {
		for (w = 1; w <= nw; w++)
			r[w] = j[w] != 0 ? run_starts(j[w], j[w + 1], K) : 0;
		return;
	}
	f[0] = f[nw + 1] = 0;
	for (w = 1; w <= nw; w++) {
		f[w] = d[w] & prevb(pl, w, 1);
		r[w] = (j[w] != 0 ? run_starts(j[w], j[w + 1], K) : 0) | f[w];
	}
}

/* First set bit of a at or after b, or len. */
static uint32_t
next_set(const uint64_t *a, uint32_t b, uint32_t len)
{
	size_t w = 1 + (b >> 6);
	uint64_t v;

	if (b >= len)
		return len;
	v = a[w] & (~0ULL << (b & 63));
	while (v == 0 && (w - 1) * 64 + 64 < len)
		v = a[++w];
	if (v == 0)
		return len;
	b = (uint32_t)((w - 1) * 64 + (uint32_t)__builtin_ctzll(v));
	return b < len ? b : len;
}

/* A run's counts are in the track and its last base byte ends at last (rs when it has
 * none): where the cluster ends, whether the next bytes may join it, and its window once
 * it qualifies. */
static inline __attribute__((always_inline)) void
run_end(struct sensor_pf_scratch *x, unsigned int k, const struct sensor_pf_kind *K,
	struct sensor_pf_stream *ps, uint32_t rs, uint32_t last, uint32_t len, uint64_t base)
{
	struct sensor_pf_track *t = &ps->t[k];

	if (last > rs)
		t->last = x->c0 + last;
	t->pend_sp = 0;
	if (k == SENSOR_PF_N) {
		t->open = len - last <= K->gap;
	} else {
		t->open = last == len;
		if (last + 1 == len && bit(marr(x, M_SP), last)) {
			t->open = 1;
			t->pend_sp = 1;
		}
	}
	if ((t->count >= K->min && t->letters >= K->min_letters) || t->flag)
		list_window(x, k, K, ps, t, base);
}

/* One run [rs, re) of J (chunk-relative bits), new or (cont) going on from the track:
 * counted, its window listed once it qualifies, carried when the next bytes may join. */
static void
take_run(struct sensor_pf_scratch *x, unsigned int k, const struct sensor_pf_kind *K,
	 struct sensor_pf_stream *ps, uint32_t rs, uint32_t re, uint32_t len, int cont,
	 uint64_t base)
{
	struct sensor_pf_track *t = &ps->t[k];
	const uint64_t *b = marr(x, k == SENSOR_PF_N ? M_D : M_U);
	struct run_stats st;
	uint32_t last;

	run_stats(b, k == SENSOR_PF_U ? marr(x, M_D) : NULL,
		  k == SENSOR_PF_N && K->plus ? marr(x, M_F) : NULL, rs, re, &st);
	last = st.last;
	if (!cont) {
		t->start = x->c0 + rs;
		t->count = 0;
		t->letters = 0;
		t->flag = 0;
	}
	t->count += st.count;
	t->letters += st.letters;
	t->flag |= st.flag;
	run_end(x, k, K, ps, rs, last, len, base);
}

/*
 * take_run for a new run within one word of the masks, the common case (most clusters are
 * a few bytes): the same fields, without run_stats' loop over words or a call.
 */
static inline void
take_word_run(struct sensor_pf_scratch *x, unsigned int k, const struct sensor_pf_kind *K,
	      struct sensor_pf_stream *ps, uint32_t rs, uint32_t re, uint32_t len, uint64_t base)
{
	struct sensor_pf_track *t = &ps->t[k];
	size_t w = 1 + (rs >> 6);
	uint64_t m = range_mask(rs, re);
	uint64_t v = marr(x, k == SENSOR_PF_N ? M_D : M_U)[w] & m;
	uint32_t last = v != 0 ? (uint32_t)(w * 64 - (uint32_t)__builtin_clzll(v)) : rs;

	t->start = x->c0 + rs;
	t->count = (uint32_t)__builtin_popcountll(v);
	t->letters = k == SENSOR_PF_U ? (uint32_t)__builtin_popcountll(v & ~marr(x, M_D)[w]) : 0;
	t->flag = k == SENSOR_PF_N && K->plus && (marr(x, M_F)[w] & m) != 0;
	run_end(x, k, K, ps, rs, last, len, base);
}

/* The part of earlier windows of kind k past the last chunk. */
static void
add_tail(struct sensor_pf_scratch *x, unsigned int k, struct sensor_pf_stream *ps)
{
	if (ps->tail_e[k] > x->c0) {
		win_add(x, k, ps->tail_s[k], ps->tail_e[k] < x->c1 ? ps->tail_e[k] : x->c1);
		if (ps->tail_e[k] <= x->c1)
			ps->tail_s[k] = ps->tail_e[k] = 0;
	}
}

static inline int
after_byte(const struct sensor_pf_kind *K, uint8_t c)
{
	return (K->after[c >> 6] >> (c & 63)) & 1;
}

/* The end of the run of kind A's `after` bytes from chunk-relative i (len at most). */
static uint32_t
after_run(const struct sensor_pf_kind *K, const uint8_t *p, uint32_t i, uint32_t len)
{
	while (i < len && after_byte(K, p[i]))
		i++;
	return i;
}

/*
 * Kind A over the chunk: each anchor byte ('@', rare in most traffic: memchr finds it)
 * lists the window [anchor - left, end of the run of `after` bytes that follows + right);
 * a run that reaches the chunk's end stays open and goes on in the next chunk.
 */
static void
anchor_chunk(struct sensor_worker *sw, struct sensor_stream *st, uint32_t len)
{
	const struct sensor_pf_kind *K = &sw->db->pf->kind[SENSOR_PF_A];
	struct sensor_pf_scratch *x = &sw->pfx;
	struct sensor_pf_stream *ps = &st->pf;
	struct sensor_pf_track *t = &ps->t[SENSOR_PF_A];
	const uint8_t *p = x->p, *a;
	uint32_t from = 0, e;

	x->n_win[SENSOR_PF_A] = 0;
	x->cur[SENSOR_PF_A] = 0;
	if (K->dfa == NULL)
		return;
	add_tail(x, SENSOR_PF_A, ps);
	if (t->open) {
		from = after_run(K, p, 0, len);
		t->last = x->c0 + from;
		t->open = from == len;
		list_window(x, SENSOR_PF_A, K, ps, t, st->hs_base);
	}
	while (from < len && (a = memchr(p + from, SENSOR_PF_ANCHOR, len - from)) != NULL) {
		uint32_t i = (uint32_t)(a - p);

		e = after_run(K, p, i + 1, len);
		t->start = x->c0 + i;
		t->last = x->c0 + e;
		t->open = e == len;
		list_window(x, SENSOR_PF_A, K, ps, t, st->hs_base);
		from = e;
	}
}

static void
kind_chunk(struct sensor_worker *sw, struct sensor_stream *st, unsigned int k, uint32_t len,
	   size_t nw)
{
	const struct sensor_pf_kind *K = &sw->db->pf->kind[k];
	struct sensor_pf_scratch *x = &sw->pfx;
	struct sensor_pf_stream *ps = &st->pf;
	struct sensor_pf_track *t = &ps->t[k];
	const uint64_t *j = marr(x, M_J), *r = marr(x, M_R), *b;
	uint64_t base = st->hs_base;
	uint32_t from = 0, pos, last;

	x->n_win[k] = 0;
	x->cur[k] = 0;
	if (K->dfa == NULL)
		return;
	b = marr(x, k == SENSOR_PF_N ? M_D : M_U);
	make_joined(x, k, K, nw);
	make_candidates(x, k, K, nw);
	add_tail(x, k, ps);
	/*
	 * The open cluster goes on when the chunk starts inside a run of J, and stays open
	 * when the chunk is too short to tell (N: no digit in it and still within the gap;
	 * U: a lone space after a capital or digit).
	 */
	if (t->open) {
		t->open = 0;
		if (bit(j, 0)) {
			from = first_clear(j, 0, len);
			take_run(x, k, K, ps, 0, from, len, 1, base);
		} else if (k == SENSOR_PF_N) {
			t->open = next_set(b, 0, len) == len && x->c1 - t->last <= K->gap;
		} else if (!t->pend_sp && t->last == x->c0 && len == 1 && bit(marr(x, M_SP), 0)) {
			t->open = 1;
			t->pend_sp = 1;
		}
	}
	/*
	 * Clusters that can qualify. A U run that ends two bytes or more before the chunk
	 * (it cannot stay open) with fewer capitals than min_letters is passed over: most
	 * are digit runs, which take_run would count only to drop (the track it would reset
	 * is read again only when open).
	 */
	for (pos = next_set(r, from, len); pos < len; pos = next_set(r, from, len)) {
		uint32_t rs = run_first(j, pos), re = first_clear(j, pos, len);

		if (rs < from)
			rs = from;
		if (k == SENSOR_PF_N || re + 1 >= len || run_letters(x, rs, re) >= K->min_letters) {
			if ((rs >> 6) == ((re - 1) >> 6))
				take_word_run(x, k, K, ps, rs, re, len, base);
			else
				take_run(x, k, K, ps, rs, re, len, 0, base);
		}
		from = re;
	}
	/* The last cluster, if the next bytes may still join it. */
	last = last_set_end(b, from, len);
	if (!t->open && last > from) {
		int open;

		if (k == SENSOR_PF_N)
			open = len - last <= K->gap;
		else
			open = last == len || (last + 1 == len && bit(marr(x, M_SP), last));
		if (open) {
			uint32_t rs = run_first(j, last - 1);

			take_run(x, k, K, ps, rs > from ? rs : from, first_clear(j, last - 1, len),
				 len, 0, base);
		}
	}
}

void
sensor_prefilter_reset(struct sensor_pf_stream *ps, uint64_t off)
{
	unsigned int k;

	memset(ps, 0, sizeof(*ps));
	for (k = 0; k < SENSOR_PF_KINDS; k++) {
		ps->t[k].pos = SENSOR_NO_OFFSET;
		ps->t[k].pend_to = SENSOR_NO_OFFSET;
		ps->t[k].done_to = off;
	}
}

/*
 * A one-byte chunk of no class and no anchor (the sentinel of a close or gap, mostly)
 * with no window of an earlier chunk running into it and no kind A run open: it starts,
 * joins and qualifies no cluster and lists no window, so what kind_chunk and anchor_chunk
 * would do comes down to the tracks' open flags (N: still within the gap of its last
 * digit; U: closed) and the history words (shifted by one byte of no class). Returns 1
 * when it did that, 0 for the full passes.
 */
static int
quiet_byte(struct sensor_worker *sw, struct sensor_stream *st, uint8_t c)
{
	const struct sensor_pf_db *pf = sw->db->pf;
	struct sensor_pf_scratch *x = &sw->pfx;
	struct sensor_pf_stream *ps = &st->pf;
	unsigned int k;

	if ((uint8_t)(c - '0') <= 9 || (uint8_t)(c - 'A') <= 25 || c == ' ' || c == '+' ||
	    c == SENSOR_PF_ANCHOR)
		return 0;
	for (k = 0; k < SENSOR_PF_KINDS; k++)
		if (pf->kind[k].dfa != NULL && ps->tail_e[k] > x->c0)
			return 0;
	/* An open kind A run has a tail too while A's patterns end in the e-mail guard (the
	 * only boundary kind A takes: right >= 1); not implied without a trailing guard. */
	if (pf->kind[SENSOR_PF_A].dfa != NULL && ps->t[SENSOR_PF_A].open)
		return 0;
	for (k = 0; k < SENSOR_PF_KINDS; k++) {
		x->n_win[k] = 0;
		x->cur[k] = 0;
	}
	if (pf->kind[SENSOR_PF_N].dfa != NULL && ps->t[SENSOR_PF_N].open)
		ps->t[SENSOR_PF_N].open = x->c1 - ps->t[SENSOR_PF_N].last <=
					  pf->kind[SENSOR_PF_N].gap;
	if (pf->kind[SENSOR_PF_U].dfa != NULL)
		ps->t[SENSOR_PF_U].open = 0;
	for (k = 0; k < 4; k++)
		ps->hist[k] >>= 1;
	return 1;
}

void
sensor_prefilter_chunk(struct sensor_worker *sw, struct sensor_stream *st, const uint8_t *p,
		       uint64_t c0, uint64_t c1)
{
	struct sensor_pf_scratch *x = &sw->pfx;
	struct sensor_pf_stream *ps = &st->pf;
	uint32_t len = (uint32_t)(c1 - c0), i;
	size_t nw = (len + 63) / 64;

	x->c0 = c0;
	x->c1 = c1;
	x->p = p;
	if (len == 1 && quiet_byte(sw, st, p[0]))
		return;
	for (i = 0; i < 4; i++) {
		uint64_t *a = marr(x, i);

		a[0] = ps->hist[i];
		a[nw + 1] = 0;
	}
	if (sw->db->pf->avx2)
		sensor_prefilter_masks_avx2(p, len, marr(x, M_D) + 1, marr(x, M_U) + 1,
					    marr(x, M_SP) + 1, marr(x, M_PL) + 1);
	else
		sensor_prefilter_masks_scalar(p, len, marr(x, M_D) + 1, marr(x, M_U) + 1,
					      marr(x, M_SP) + 1, marr(x, M_PL) + 1);
	kind_chunk(sw, st, SENSOR_PF_N, len, nw);
	kind_chunk(sw, st, SENSOR_PF_U, len, nw);
	anchor_chunk(sw, st, len);
	for (i = 0; i < 4; i++)
		ps->hist[i] = hist_after(marr(x, i), len);
}

/* ---- 4. the DFA runs ---- */

static inline uint8_t
byte_at(const struct sensor_worker *sw, const struct sensor_stream *st, uint64_t o)
{
	if (o >= sw->pfx.c0)
		return sw->pfx.p[o - sw->pfx.c0];
	return sensor_byte_at(sw, st, o);
}

static void
run_begin(const struct sensor_dfa *d, struct sensor_pf_track *t, uint64_t s, uint64_t base)
{
	t->pos = s;
	t->run_start = s;
	t->state = d->start;
	if (s == base)
		t->state = d->trans[t->state + d->bos_cls];
}

/* The end of the next hit of kind k at or before limit (the DFA run up to there), or
 * SENSOR_NO_OFFSET. */
static uint64_t
peek(struct sensor_worker *sw, struct sensor_stream *st, unsigned int k, uint64_t limit)
{
	const struct sensor_dfa *d = sw->db->pf->kind[k].dfa;
	struct sensor_pf_scratch *x = &sw->pfx;
	struct sensor_pf_track *t = &st->pf.t[k];

	if (t->pend_to != SENSOR_NO_OFFSET)
		return t->pend_to <= limit ? t->pend_to : SENSOR_NO_OFFSET;
	while (x->cur[k] < x->n_win[k]) {
		const struct sensor_pf_win *w = &x->win[k][x->cur[k]];
		const uint32_t *tr = d->trans;
		const uint8_t *cls = d->cls;
		uint64_t stop, o;
		uint32_t s;

		if (t->pos == SENSOR_NO_OFFSET || w->s > t->pos || w->s < t->run_start)
			run_begin(d, t, w->s, st->hs_base);
		stop = w->e < limit ? w->e : limit;
		s = t->state;
		o = t->pos;
		/* Bytes before the chunk (a cluster that qualified late): ring or buffer. */
		for (; o < stop && o < x->c0; o++) {
			s = tr[s + cls[byte_at(sw, st, o)]];
			if (s >= d->acc_base && o + 1 > t->done_to) {
				t->state = s;
				t->pos = o + 1;
				t->pend_state = s;
				t->pend_to = o + 1;
				return o + 1;
			}
		}
		if (o < stop) {
			const uint8_t *p = x->p - x->c0;

			for (; o < stop; o++) {
				s = tr[s + cls[p[o]]];
				if (__builtin_expect(s >= d->acc_base, 0) && o + 1 > t->done_to) {
					t->state = s;
					t->pos = o + 1;
					t->pend_state = s;
					t->pend_to = o + 1;
					return o + 1;
				}
			}
		}
		t->state = s;
		t->pos = o;
		if (o < w->e)
			return SENSOR_NO_OFFSET;	/* stopped by limit */
		x->cur[k]++;
	}
	return SENSOR_NO_OFFSET;
}

uint64_t
sensor_prefilter_next(struct sensor_worker *sw, struct sensor_stream *st, uint64_t limit,
		      uint32_t *ids, uint32_t *n_ids)
{
	uint64_t best = SENSOR_NO_OFFSET, to[SENSOR_PF_KINDS];
	unsigned int k;
	uint32_t n = 0;

	for (k = 0; k < SENSOR_PF_KINDS; k++) {
		to[k] = sw->db->pf->kind[k].dfa != NULL ? peek(sw, st, k, limit) : SENSOR_NO_OFFSET;
		if (to[k] < best)
			best = to[k];
	}
	if (best == SENSOR_NO_OFFSET)
		return best;
	for (k = 0; k < SENSOR_PF_KINDS; k++) {
		const struct sensor_dfa *d = sw->db->pf->kind[k].dfa;
		struct sensor_pf_track *t = &st->pf.t[k];
		uint32_t a, i, first, cnt;

		if (to[k] != best)
			continue;
		a = (t->pend_state - d->acc_base) / d->n_classes;
		first = d->acc_first[a];
		cnt = d->acc_n[a];
		for (i = 0; i < cnt; i++) {
			uint32_t id = d->acc_ids[first + i], j = n;

			while (j > 0 && ids[j - 1] > id) {
				ids[j] = ids[j - 1];
				j--;
			}
			ids[j] = id;
			n++;
		}
		t->pend_to = SENSOR_NO_OFFSET;
		t->done_to = best;
	}
	*n_ids = n;
	return best;
}

uint64_t
sensor_prefilter_som(const struct sensor_worker *sw, const struct sensor_stream *st, uint32_t id,
		     uint64_t to)
{
	const struct sensor_dfa *d = id < sw->db->pf->n_rev ? sw->db->pf->rev[id] : NULL;
	uint64_t lo = sensor_readable_lo(sw, st), o = to, best = SENSOR_PF_NO_FROM;
	uint32_t s;

	if (d == NULL)
		return SENSOR_PF_NO_FROM;
	s = d->start;
	while (o > lo && to - o <= SENSOR_PF_SOM_MAX + 8) {
		s = d->trans[s + d->cls[sensor_byte_at(sw, st, o - 1)]];
		o--;
		if (s == d->dead)
			return best;
		if (s >= d->acc_base)
			best = o;
	}
	if (o == st->hs_base && o == st->known_lo) {
		s = d->trans[s + d->bos_cls];
		if (s != d->dead && s >= d->acc_base)
			best = o;	/* '^': Hyperscan reports offset 0 */
	}
	return best;
}
