/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte sets as nibble tables, for testing 32 bytes at once with AVX2 (the keyword DFA's
 * skip, sensor_dfa_skip.c; the quick keyword test, sensor_context.c). A set is two tables
 * of 16 bytes, for the bytes below 128 and from 128: the entry of a byte's low nibble has
 * the bit of its high nibble (modulo 8). One shuffle per table and a blend find a byte's
 * entry, one shuffle its bit.
 */
#ifndef TOLLGATE_SENSOR_BYTESET_H
#define TOLLGATE_SENSOR_BYTESET_H

#include <stdint.h>
#include <immintrin.h>

/* Add byte c to the set nib. */
static inline void
sensor_byteset_add(uint8_t nib[2][16], uint8_t c)
{
	nib[c >> 7][c & 15] |= (uint8_t)(1u << ((c >> 4) & 7));
}

/* One of a set's tables in both lanes. */
__attribute__((target("avx2"))) static inline __m256i
sensor_byteset_table(const uint8_t t[16])
{
	return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)t));
}

/* What the tests of 32 bytes v share, whatever the set: their low nibbles and the bit of
 * their high nibbles. */
__attribute__((target("avx2"))) static inline void
sensor_byteset_split(__m256i v, __m256i *lo, __m256i *bit)
{
	const __m256i low4 = _mm256_set1_epi8(0x0f);
	const __m256i bits = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64,
					      -128, 1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16,
					      32, 64, -128);

	*lo = _mm256_and_si256(v, low4);
	*bit = _mm256_shuffle_epi8(bits, _mm256_and_si256(_mm256_srli_epi16(v, 4), low4));
}

/* The bytes of v (split into lo and bit) in the set of tables t0 (below 128) and t1, a bit
 * each. */
__attribute__((target("avx2"))) static inline uint32_t
sensor_byteset_has(__m256i lo, __m256i bit, __m256i v, __m256i t0, __m256i t1)
{
	__m256i row = _mm256_blendv_epi8(_mm256_shuffle_epi8(t0, lo), _mm256_shuffle_epi8(t1, lo),
					 v);

	return ~(uint32_t)_mm256_movemask_epi8(
		_mm256_cmpeq_epi8(_mm256_and_si256(row, bit), _mm256_setzero_si256()));
}

#endif
