/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Hyperscan gate (sensor_gate.h): its anchors, taken from the patterns of the
 * PREFILTER engine's stream database at compile, and the finder the workers run over
 * each chunk. The rest (when Hyperscan scans, restarting it) is in sensor_stream.c.
 */
#include <string.h>
#include <immintrin.h>
#include <hs.h>

#include "sensor_gate.h"
#include "sensor_guard.h"
#include "sensor_prefilter.h"
#include "sensor_priv.h"
#include "sensor_regex.h"

/* Bytes that are everywhere in text and markup: a window of the anchor without them
 * is where the finder compares first. */
static int
common_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '-' ||
	       c == '=' || c == '"' || c == ',' || c == '.' || c == '\n' || c == '\r';
}

static uint8_t
rarest_pair(const uint8_t *lit, uint32_t len)
{
	uint32_t k, best = 0, best_score = 3;

	for (k = 0; k + 2 <= len; k++) {
		uint32_t score = (uint32_t)(common_byte(lit[k]) + common_byte(lit[k + 1]));

		if (score < best_score) {
			best_score = score;
			best = k;
		}
	}
	return (uint8_t)best;
}

void
sensor_gate_build(struct sensor_db *db, const uint8_t *sel, const char *const *cores)
{
	struct sensor_gate g;
	unsigned int i, t, k;

	memset(&db->gate, 0, sizeof(db->gate));
	memset(&g, 0, sizeof(g));
	for (i = 0; i < db->n_pats; i++) {
		const struct sensor_pattern *p = &db->pats[i];
		const struct sensor_guard *gd = &sensor_guards[p->boundary];
		uint8_t lit[SENSOR_GATE_LEN];
		struct sensor_re_set body;
		struct sensor_re *re;
		uint32_t len;
		char why[64];

		if (!sel[i])
			continue;
		/* A keyword (case folded) or a pattern outside the parser's subset: Hyperscan
		 * keeps every byte. */
		if (p->kind != SENSOR_PAT_VALUE || cores[i] == NULL ||
		    (db->ex[i].flags & HS_FLAG_CASELESS) != 0)
			return;
		re = sensor_re_parse(cores[i], why, sizeof(why));
		if (re == NULL)
			return;
		len = sensor_re_literal_prefix(re, lit, sizeof(lit));
		sensor_re_bytes(re, &body);
		sensor_re_free(re);
		if (len < SENSOR_GATE_MIN)
			return;
		for (t = 0; t < g.n; t++)
			if (g.len[t] == len && memcmp(g.lit[t], lit, len) == 0)
				break;
		if (t == g.n) {
			if (g.n == SENSOR_GATE_MAX)
				return;
			g.len[t] = (uint8_t)len;
			memcpy(g.lit[t], lit, len);
			g.at[t] = rarest_pair(lit, len);
			if (len > g.max_anchor)
				g.max_anchor = (uint8_t)len;
			for (k = 1; k < len; k++)
				g.inner[lit[k]] = 1;
			g.n++;
		}
		for (k = 0; k < 256; k++)
			if (sensor_re_set_has(&body, k))
				g.body[k] |= (uint8_t)(1U << t);
		if (gd->lead_max > g.lead)
			g.lead = gd->lead_max;
		if (gd->trail_max > g.trail[t])
			g.trail[t] = gd->trail_max;
	}
	for (t = 0; t < g.n; t++) {
		for (k = 0; k < 256 && (g.body[k] & (1U << t)); k++)
			;
		if (k == 256)
			g.endless |= (uint8_t)(1U << t);
	}
	g.avx2 = (uint8_t)sensor_prefilter_have_avx2();
	db->gate = g;
}

/* An anchor whose compared window is at pos: note its start when it lies whole inside
 * p[0 .. n). */
static inline void
check_pos(const struct sensor_gate *g, const uint8_t *p, uint32_t n, uint32_t pos,
	  uint32_t *first, uint32_t *last, int *found)
{
	unsigned int t;

	for (t = 0; t < g->n; t++) {
		uint32_t s;

		if (pos < g->at[t] || p[pos] != g->lit[t][g->at[t]])
			continue;
		s = pos - g->at[t];
		if (s + g->len[t] > n || memcmp(p + s, g->lit[t], g->len[t]) != 0)
			continue;
		if (!*found || s < *first)
			*first = s;
		if (last[t] == UINT32_MAX || s > last[t])
			last[t] = s;
		*found = 1;
	}
}

/* 32 bytes at q: bit j set where q[j], q[j + 1] are the compared pair of one of the k
 * anchors (k a constant where it is inlined). */
__attribute__((target("avx2"), always_inline)) static inline uint32_t
pairs32(const uint8_t *q, const __m256i *f0, const __m256i *f1, unsigned int k)
{
	__m256i a = _mm256_loadu_si256((const __m256i *)q);
	__m256i b = _mm256_loadu_si256((const __m256i *)(q + 1));
	__m256i m = _mm256_and_si256(_mm256_cmpeq_epi8(a, f0[0]), _mm256_cmpeq_epi8(b, f1[0]));
	unsigned int t;

	for (t = 1; t < k; t++)
		m = _mm256_or_si256(m, _mm256_and_si256(_mm256_cmpeq_epi8(a, f0[t]),
							_mm256_cmpeq_epi8(b, f1[t])));
	return (uint32_t)_mm256_movemask_epi8(m);
}

__attribute__((target("avx2"), always_inline)) static inline int
find_avx2_k(const struct sensor_gate *g, const uint8_t *p, uint32_t n, uint32_t *first,
	    uint32_t *last, unsigned int k)
{
	__m256i f0[SENSOR_GATE_MAX], f1[SENSOR_GATE_MAX];
	uint32_t i = 0;
	unsigned int t;
	int found = 0;

	for (t = 0; t < k; t++) {
		f0[t] = _mm256_set1_epi8((char)g->lit[t][g->at[t]]);
		f1[t] = _mm256_set1_epi8((char)g->lit[t][g->at[t] + 1]);
	}
	for (; i + 65 <= n; i += 64) {
		uint64_t bits = pairs32(p + i, f0, f1, k) |
				(uint64_t)pairs32(p + i + 32, f0, f1, k) << 32;

		while (bits != 0) {
			check_pos(g, p, n, i + (uint32_t)__builtin_ctzll(bits), first, last, &found);
			bits &= bits - 1;
		}
	}
	for (; i + 33 <= n; i += 32) {
		uint32_t bits = pairs32(p + i, f0, f1, k);

		while (bits != 0) {
			check_pos(g, p, n, i + (uint32_t)__builtin_ctz(bits), first, last, &found);
			bits &= bits - 1;
		}
	}
	if (i + 1 < n && n >= 33) {
		/* the last 33 bytes, less the pairs already looked at */
		uint32_t o = n - 33, bits = pairs32(p + o, f0, f1, k) >> (i - o);

		while (bits != 0) {
			check_pos(g, p, n, i + (uint32_t)__builtin_ctz(bits), first, last, &found);
			bits &= bits - 1;
		}
	} else {
		for (; i + 2 <= n; i++)
			check_pos(g, p, n, i, first, last, &found);
	}
	return found;
}

__attribute__((target("avx2"))) static int
find_avx2(const struct sensor_gate *g, const uint8_t *p, uint32_t n, uint32_t *first,
	  uint32_t *last)
{
	switch (g->n) {
	case 1:
		return find_avx2_k(g, p, n, first, last, 1);
	case 2:
		return find_avx2_k(g, p, n, first, last, 2);
	case 3:
		return find_avx2_k(g, p, n, first, last, 3);
	default:
		return find_avx2_k(g, p, n, first, last, SENSOR_GATE_MAX);
	}
}

static int
find_scalar(const struct sensor_gate *g, const uint8_t *p, uint32_t n, uint32_t *first,
	    uint32_t *last)
{
	uint32_t i;
	int found = 0;

	for (i = 0; i + 2 <= n; i++)
		check_pos(g, p, n, i, first, last, &found);
	return found;
}

int
sensor_gate_find(const struct sensor_gate *g, const uint8_t *p, uint32_t n, uint32_t *first,
		 uint32_t last[SENSOR_GATE_MAX])
{
	unsigned int t;

	for (t = 0; t < SENSOR_GATE_MAX; t++)
		last[t] = UINT32_MAX;
	if (g->n == 0)
		return 0;
	return g->avx2 ? find_avx2(g, p, n, first, last) : find_scalar(g, p, n, first, last);
}

uint32_t
sensor_gate_breaker(const struct sensor_gate *g, unsigned int t, const uint8_t *p, uint32_t n)
{
	uint8_t bit = (uint8_t)(1U << t);
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!(g->body[p[i]] & bit))
			return i;
	return n;
}
