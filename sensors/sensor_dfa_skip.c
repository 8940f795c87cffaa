/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Skipping for an unanchored DFA whose matches start after a guard: the keyword search,
 * whose patterns read "(?:^|[^A-Za-z])keyword". Most bytes it reads leave it idle, and
 * which idle state it is in then depends on the last byte alone.
 *
 * Two idle states: S (nothing under way; the start) and G (nothing under way, but a
 * match may start at the next byte: a guard byte was read). Each byte is of one type:
 *
 *   B  from S and from G it goes to the same idle state: "after" it, S or G;
 *   K  from S it stays in S; from G it goes elsewhere (a keyword's first letter);
 *   X  anything else (from S it does not stay in S, nor go where G goes too).
 *
 * From an idle state, a byte changes the outcome only at X, or at K when the state before
 * it is G. Otherwise the state after a byte is after[byte] (S for K), whatever came before.
 * So the run looks for the first such "interesting" byte, 64 at a time (masks of the bytes
 * of each type), jumps to it with the state the byte before it gives, and steps the DFA
 * from there until it is idle again. The skipped bytes leave idle states only, which do
 * not accept: the hits, and the state at the end, are those of a step per byte.
 *
 * The analysis (sensor_dfa_skip_build) picks G among the states S goes to, the one that
 * makes the most bytes B, and turns skipping off when too few bytes are.
 */
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>

#include "sensor_byteset.h"
#include "sensor_regex.h"

enum { SKIP_B_S = 0, SKIP_B_G, SKIP_K, SKIP_X };

#define SKIP_MIN_B 128		/* fewer B bytes than this: not worth skipping */
#define SKIP_DENSE 6		/* more bytes of interest in a block: step the rest */

static unsigned int
classify(const struct sensor_dfa *d, uint32_t S, uint32_t G, unsigned int c, uint32_t *after)
{
	uint32_t ts = d->trans[S + c], tg = d->trans[G + c];

	if (ts == tg && (ts == S || ts == G)) {
		*after = ts;
		return ts == G && G != S ? SKIP_B_G : SKIP_B_S;
	}
	*after = S;
	return ts == S ? SKIP_K : SKIP_X;
}

struct sensor_dfa_skip *
sensor_dfa_skip_build(const struct sensor_dfa *d)
{
	struct sensor_dfa_skip *sk;
	uint32_t S = d->start, best_g = S, g, after;
	unsigned int c, b, best = 0;

	if (S >= d->acc_base)
		return NULL;
	/* Candidates for G: S itself (one idle state) and every non-accepting state S goes to. */
	for (c = 0; c <= d->n_classes; c++) {
		unsigned int n_b = 0;

		g = c == d->n_classes ? S : d->trans[S + c];
		if (g >= d->acc_base)
			continue;
		for (b = 0; b < 256; b++)
			n_b += classify(d, S, g, d->cls[b], &after) <= SKIP_B_G;
		if (n_b > best) {
			best = n_b;
			best_g = g;
		}
	}
	if (best < SKIP_MIN_B)
		return NULL;
	sk = calloc(1, sizeof(*sk));
	if (sk == NULL)
		return NULL;
	sk->s_idle = S;
	sk->g_idle = best_g;
	for (b = 0; b < 256; b++) {
		unsigned int t = classify(d, S, best_g, d->cls[b], &sk->after[b]);
		uint8_t set = t == SKIP_B_G ? 0 : t == SKIP_K ? 1 : t == SKIP_X ? 2 : 3;

		sk->type[b] = (uint8_t)t;
		if (set < 3)
			sensor_byteset_add(sk->nib[set], (uint8_t)b);
	}
	return sk;
}

void
sensor_dfa_skip_free(struct sensor_dfa_skip *sk)
{
	free(sk);
}

/* ---- the run ---- */

struct skip_tables {
	__m256i t[3][2];	/* sets B-to-G, K, X: the nibble tables, in both lanes */
};

__attribute__((target("avx2"))) static inline void
masks32(const struct skip_tables *tb, const uint8_t *q, uint32_t out[3])
{
	__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)q), lo, bit;
	unsigned int s;

	sensor_byteset_split(v, &lo, &bit);
	for (s = 0; s < 3; s++)
		out[s] = sensor_byteset_has(lo, bit, v, tb->t[s][0], tb->t[s][1]);
}

/* The three sets' masks of p[0..min(n, 64)). A short last block is read as the 64 bytes
 * that end it when `back` bytes before p are readable, else copied. */
__attribute__((target("avx2"))) static inline void
masks64(const struct skip_tables *tb, const uint8_t *p, size_t n, size_t back, uint64_t m[3])
{
	uint8_t tail[64];
	uint32_t a[3], b[3];
	uint64_t valid = ~0ULL;
	unsigned int s, shift = 0;

	if (n < 64) {
		if (back >= 64 - n) {
			shift = (unsigned int)(64 - n);
			p -= shift;
		} else {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, p, n);
			p = tail;
			valid = (1ULL << n) - 1;
		}
	}
	masks32(tb, p, a);
	masks32(tb, p + 32, b);
	for (s = 0; s < 3; s++)
		m[s] = ((a[s] | (uint64_t)b[s] << 32) & valid) >> shift;
}

__attribute__((target("avx2"))) void
sensor_dfa_skip_masks(const struct sensor_dfa_skip *sk, const uint8_t *p, size_t n, uint64_t m[3])
{
	struct skip_tables tb;
	unsigned int s, h;

	for (s = 0; s < 3; s++)
		for (h = 0; h < 2; h++)
			tb.t[s][h] = sensor_byteset_table(sk->nib[s][h]);
	masks64(&tb, p, n, 0, m);
}

__attribute__((target("avx2"))) size_t
sensor_dfa_skip_run(const struct sensor_dfa *d, const struct sensor_dfa_skip *sk, uint32_t *s,
		    const uint8_t *p, size_t n, size_t quiet, int *dense)
{
	const uint32_t *tr = d->trans, acc = d->acc_base;
	const uint8_t *cls = d->cls;
	struct skip_tables tb;
	uint32_t t = *s;
	uint64_t m[3] = { 0, 0, 0 };
	size_t i = 0, blk = SIZE_MAX;	/* the block m holds: bytes [blk, blk + 64) */
	unsigned int a, h;

	for (a = 0; a < 3; a++)
		for (h = 0; h < 2; h++)
			tb.t[a][h] = sensor_byteset_table(sk->nib[a][h]);
	while (i < n) {
		if (t == sk->s_idle || t == sk->g_idle) {
			size_t b = i & ~(size_t)63, e = b + 64 < n ? b + 64 : n;
			uint64_t want;

			if (b != blk) {
				masks64(&tb, p + b, n - b, b, m);
				blk = b;
			}
			/* X anywhere, K after a byte that leaves G; at i, K if the state is G. */
			want = (m[2] | (m[1] & (m[0] << 1))) & (~0ULL << (i & 63));
			if (t == sk->g_idle)
				want |= m[1] & (1ULL << (i & 63));
			if (want == 0) {
				t = sk->after[p[e - 1]];
				i = e;
				continue;
			}
			if (__builtin_popcountll(want) > SKIP_DENSE) {
				/* Dense (text, a word start every few bytes): a jump per byte
				 * of interest costs more than a step per byte, here and likely
				 * up to the end, so the rest is stepped without masks. */
				size_t k = sensor_dfa_run(d, &t, p + i, n - i,
							  quiet > i ? quiet - i : 0);

				*dense = 1;
				i += k;
				if (t >= acc && i > quiet) {
					*s = t;
					return i;
				}
				continue;
			}
			if (b + (size_t)__builtin_ctzll(want) > i)
				t = sk->after[p[b + (size_t)__builtin_ctzll(want) - 1]];
			i = b + (size_t)__builtin_ctzll(want);
		}
		t = tr[t + cls[p[i++]]];
		if (t >= acc && i > quiet) {
			*s = t;
			return i;
		}
	}
	*s = t;
	return n;
}
