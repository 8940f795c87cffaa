/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming base64 decoder (RFC 4648 4 and 5, read as MIME reads it: RFC 2045 6.8), and
 * the strict test that tells whether a field that nothing labels is base64 data.
 *
 * Every 4 characters (a quantum) carry 3 bytes; each byte is output as soon as its 8 bits
 * are in, so the state is the quantum position and the 2, 4 or 6 bits left over:
 *
 *   char:   c0      c1      c2      c3
 *   bits:   aaaaaa  aabbbb  bbbbcc  cccccc
 *   out:            byte a  byte b  byte c
 *
 * '=' closes a quantum early ("xx==" -> 1 byte, "xxx=" -> 2); the leftover bits are pad.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <immintrin.h>

#include "decode_b64.h"
#include "decode_priv.h"

/* 6-bit values in both alphabets: '+' and '-' are 62, '/' and '_' 63; -1 elsewhere. */
static const int8_t b64_tab[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, 62, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

/* The 6-bit value of c in the alphabet, or -1. */
static int
b64_value(uint8_t alphabet, uint8_t c)
{
	int v = b64_tab[c];

	if (v >= 62 && alphabet != DECODE_B64_ANY &&
	    (alphabet == DECODE_B64_STD) != (c == '+' || c == '/'))
		return -1;
	return v;
}

static bool
b64_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
decode_b64_init(struct decode_b64 *st, enum decode_b64_alphabet alphabet)
{
	memset(st, 0, sizeof(*st));
	if (alphabet != DECODE_B64_STD && alphabet != DECODE_B64_URL)
		alphabet = DECODE_B64_ANY;
	st->alphabet = (uint8_t)alphabet;
}

static void
b64_char(struct decode_b64 *st, struct decode_sink *s, unsigned int v)
{
	if (st->pad_need) {
		/* "xx=" then data: the second '=' is missing */
		st->st.invalid++;
		st->pad_need = 0;
	}
	switch (st->qn) {
	case 0:
		st->bits = (uint8_t)v;
		st->qn = 1;
		break;
	case 1:
		decode_sink_put(s, (uint8_t)(st->bits << 2 | v >> 4));
		st->bits = (uint8_t)(v & 0x0f);
		st->qn = 2;
		break;
	case 2:
		decode_sink_put(s, (uint8_t)(st->bits << 4 | v >> 2));
		st->bits = (uint8_t)(v & 0x03);
		st->qn = 3;
		break;
	default:
		decode_sink_put(s, (uint8_t)(st->bits << 6 | v));
		st->qn = 0;
		break;
	}
}

static void
b64_pad(struct decode_b64 *st)
{
	if (st->qn == 2) {
		st->pad_need = 1;
	} else if (st->qn == 3) {
		st->pad_need = 0;
	} else if (st->qn == 0 && st->pad_need) {
		st->pad_need = 0;
	} else {
		/* after 1 character (its 6 bits are dropped), or with no quantum to close */
		st->st.invalid++;
	}
	st->qn = 0;
	st->bits = 0;
}

/*
 * The fast path, at a quantum boundary: 4 characters that are all in the alphabet give 3
 * bytes at once; anything else (blanks, padding, garbage) returns false and is left to
 * the character-at-a-time path.
 */
static inline bool
b64_quantum(struct decode_b64 *st, struct decode_sink *s, const uint8_t *q)
{
	int a = b64_tab[q[0]], b = b64_tab[q[1]], c = b64_tab[q[2]], d = b64_tab[q[3]];

	if ((a | b | c | d) < 0)
		return false;
	if (st->alphabet != DECODE_B64_ANY && (a >= 62 || b >= 62 || c >= 62 || d >= 62))
		return false;
	decode_sink_put(s, (uint8_t)(a << 2 | b >> 4));
	decode_sink_put(s, (uint8_t)((b & 0x0f) << 4 | c >> 2));
	decode_sink_put(s, (uint8_t)((c & 0x03) << 6 | d));
	return true;
}

static bool b64_avx2;

/*
 * The fast path with AVX2, at a quantum boundary: 32 characters a step, for as long as
 * p[0, n) holds whole steps of them. The quanta of a step that come before its first
 * character not in the alphabet (all 8 when every one is) give 3 bytes each (Mula and
 * Lemire's packing: two multiply-adds put each quantum's 24 bits in a 32-bit lane, a
 * shuffle takes 12 bytes of each 128-bit half); the lanes from the stranger on are
 * decoded too but not kept: the sink's length moves past the whole quanta only, and the
 * steps stop there. The constants are made once a call, not once a step. Returns the
 * characters decoded, a multiple of 4 (0: the stranger is in the first quantum, for the
 * character-at-a-time path).
 */
__attribute__((target("avx2"))) static size_t
b64_blocks_avx2(struct decode_b64 *st, struct decode_sink *s, const uint8_t *p, size_t n)
{
	const bool std = st->alphabet != DECODE_B64_URL, url = st->alphabet != DECODE_B64_STD;
	/*
	 * Letters and digits by their nibbles: a byte is one when its low and high nibble's
	 * entries share a bit (1: a digit, high nibble 3, low 0-9; 2: A-O or a-o, high 4 or
	 * 6, low 1-15; 4: P-Z or p-z, high 5 or 7, low 0-10); its value is the byte plus
	 * its high nibble's offset. The four symbols are compared one by one.
	 */
	const __m256i lo_tab = _mm256_broadcastsi128_si256(_mm_setr_epi8(
		5, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 2, 2, 2, 2, 2));
	const __m256i hi_tab = _mm256_broadcastsi128_si256(_mm_setr_epi8(
		0, 0, 0, 1, 2, 4, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0));
	const __m256i off_tab = _mm256_broadcastsi128_si256(_mm_setr_epi8(
		0, 0, 0, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0));
	const __m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
	const __m256i plus = _mm256_set1_epi8('+'), slash = _mm256_set1_epi8('/');
	const __m256i dash = _mm256_set1_epi8('-'), under = _mm256_set1_epi8('_');
	const __m256i v62 = _mm256_set1_epi8(62), v63 = _mm256_set1_epi8(63);
	const __m256i pack1 = _mm256_set1_epi32(0x01400140), pack2 = _mm256_set1_epi32(0x00011000);
	const __m256i order = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1,
					       -1, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1,
					       -1, -1, -1);
	size_t i = 0;

	while (n - i >= 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		__m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
		__m256i an = _mm256_and_si256(_mm256_shuffle_epi8(lo_tab, _mm256_and_si256(v, nib)),
					      _mm256_shuffle_epi8(hi_tab, hi));
		__m256i s62 = zero, s63 = zero, val, w;
		uint32_t ok;
		unsigned int k;

		if (std) {
			s62 = _mm256_cmpeq_epi8(v, plus);
			s63 = _mm256_cmpeq_epi8(v, slash);
		}
		if (url) {
			s62 = _mm256_or_si256(s62, _mm256_cmpeq_epi8(v, dash));
			s63 = _mm256_or_si256(s63, _mm256_cmpeq_epi8(v, under));
		}
		ok = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(an, zero)) |
		     (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(s62, s63));
		k = ok == UINT32_MAX ? 32 : (unsigned int)__builtin_ctz(~ok) & ~3u;
		if (k == 0)
			break;
		val = _mm256_add_epi8(v, _mm256_shuffle_epi8(off_tab, hi));
		val = _mm256_blendv_epi8(val, v62, s62);
		val = _mm256_blendv_epi8(val, v63, s63);
		/* bytes a b c d -> 16-bit a*64+b, c*64+d -> 32-bit (a*64+b)*4096 + c*64+d */
		w = _mm256_madd_epi16(_mm256_maddubs_epi16(val, pack1), pack2);
		w = _mm256_shuffle_epi8(w, order);
		if (DECODE_SINK_LEN - s->n < 32)
			decode_sink_flush(s);
		_mm_storeu_si128((__m128i *)(void *)(s->buf + s->n), _mm256_castsi256_si128(w));
		_mm_storeu_si128((__m128i *)(void *)(s->buf + s->n + 12),
				 _mm256_extracti128_si256(w, 1));
		s->n += k / 4 * 3;
		i += k;
		if (k < 32)
			break;
	}
	return i;
}

static void
b64_feed(struct decode_b64 *st, const uint8_t *p, size_t n, decode_out_fn out, void *cookie,
	 bool vec)
{
	struct decode_sink s;
	size_t i = 0;

	decode_sink_init(&s, out, cookie, &st->st);
	st->st.bytes_in += n;
	while (i < n) {
		uint8_t c = p[i];
		int v;

		if (st->qn == 0 && !st->pad_need && n - i >= 4 && b64_tab[c] >= 0) {
			if (vec && n - i >= 32) {
				size_t k = b64_blocks_avx2(st, &s, p + i, n - i);

				if (k > 0) {
					i += k;
					continue;
				}
			} else if (b64_quantum(st, &s, p + i)) {
				i += 4;
				continue;
			}
		}
		v = b64_value(st->alphabet, c);
		if (v >= 0)
			b64_char(st, &s, (unsigned int)v);
		else if (c == '=')
			b64_pad(st);
		else if (!b64_space(c))
			st->st.invalid++; /* RFC 2045 6.8: ignored; counted here */
		i++;
	}
	decode_sink_flush(&s);
}

void
decode_b64_feed(struct decode_b64 *st, const uint8_t *p, size_t n, decode_out_fn out,
		void *cookie)
{
	b64_feed(st, p, n, out, cookie, b64_avx2);
}

void
decode_b64_feed_scalar(struct decode_b64 *st, const uint8_t *p, size_t n, decode_out_fn out,
		       void *cookie)
{
	b64_feed(st, p, n, out, cookie, false);
}

void
decode_b64_finish(struct decode_b64 *st, decode_out_fn out, void *cookie)
{
	(void)out;
	(void)cookie;
	if (st->qn == 1 || st->pad_need)
		st->st.invalid++;
	st->qn = 0;
	st->bits = 0;
	st->pad_need = 0;
}

bool
decode_b64_looks_like(const uint8_t *p, size_t n, size_t min_len)
{
	size_t data = 0, pad = 0;
	bool std = false, url = false;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			if (++pad > 2)
				return false;
			continue;
		}
		if (pad > 0 || b64_value(DECODE_B64_ANY, c) < 0)
			return false;
		if (c == '+' || c == '/')
			std = true;
		else if (c == '-' || c == '_')
			url = true;
		data++;
	}
	if (std && url)
		return false;
	return data + pad > 0 && (data + pad) % 4 == 0 && data + pad >= min_len;
}

/* ---- character classes for the sniffer (app_pipe.c) ---- */

enum { CL_ALPHA = 1, CL_BRK = 2, CL_PAD = 4 };

__attribute__((constructor)) static void
b64_cpu_init(void)
{
	__builtin_cpu_init();
	b64_avx2 = __builtin_cpu_supports("avx2") != 0;
}

bool
decode_b64_have_avx2(void)
{
	return b64_avx2;
}

void
decode_b64_classes_table(const uint8_t *p, size_t n, struct decode_b64_masks *m)
{
	uint64_t a = 0, b = 0, q = 0;
	size_t i;

	for (i = 0; i < n && i < 64; i++) {
		uint8_t c = p[i];
		uint64_t bit = 1ULL << i;

		if (b64_tab[c] >= 0)
			a |= bit;
		else if (c == '\r' || c == '\n')
			b |= bit;
		else if (c == '=')
			q |= bit;
	}
	m->alpha = a;
	m->brk = b;
	m->pad = q;
}

/*
 * 32 bytes: the three masks' 32 bits each, by a lookup of each byte's low and high nibble
 * (one shuffle each) and the AND of the two: a byte is in a class when both nibbles share
 * one of its bits. The base64 alphabet is not one nibble pair, so it has five bits: A-O
 * and a-o, P-Z and p-z, the digits, '+' '-' '/', and '_'. Padding is bit 7 (the byte's
 * sign, which movemask reads) and line breaks bit 6. A byte from 0x80 reads 0 from the low
 * table (a shuffle index with bit 7 set) and so is in no class.
 */
enum {
	NB_AO = 0x01, NB_PZ = 0x02, NB_DIGIT = 0x04, NB_SYM = 0x08, NB_UNDER = 0x10,
	NB_BRK = 0x40, NB_PAD = 0x80,
	NB_ALPHA = NB_AO | NB_PZ | NB_DIGIT | NB_SYM | NB_UNDER,
};

__attribute__((target("avx2"))) static inline void
b64_classes32(__m256i x, uint32_t *a, uint32_t *b, uint32_t *q)
{
	const __m256i lo_tab = _mm256_broadcastsi128_si256(_mm_setr_epi8(
		NB_PZ | NB_DIGIT,					/* 0 */
		NB_AO | NB_PZ | NB_DIGIT, NB_AO | NB_PZ | NB_DIGIT,	/* 1, 2 */
		NB_AO | NB_PZ | NB_DIGIT, NB_AO | NB_PZ | NB_DIGIT,	/* 3, 4 */
		NB_AO | NB_PZ | NB_DIGIT, NB_AO | NB_PZ | NB_DIGIT,	/* 5, 6 */
		NB_AO | NB_PZ | NB_DIGIT, NB_AO | NB_PZ | NB_DIGIT,	/* 7, 8 */
		NB_AO | NB_PZ | NB_DIGIT,				/* 9 */
		NB_AO | NB_PZ | NB_BRK,					/* A: Z z \n */
		NB_AO | NB_SYM,						/* B: K k + */
		NB_AO,							/* C */
		(char)(NB_AO | NB_SYM | NB_BRK | NB_PAD),		/* D: M m - \r = */
		NB_AO,							/* E */
		NB_AO | NB_SYM | NB_UNDER));				/* F: O o / _ */
	const __m256i hi_tab = _mm256_broadcastsi128_si256(_mm_setr_epi8(
		NB_BRK, 0, NB_SYM, (char)(NB_DIGIT | NB_PAD), NB_AO, NB_PZ | NB_UNDER, NB_AO, NB_PZ,
		0, 0, 0, 0, 0, 0, 0, 0));
	__m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), _mm256_set1_epi8(0x0f));
	__m256i cls = _mm256_and_si256(_mm256_shuffle_epi8(lo_tab, x),
				       _mm256_shuffle_epi8(hi_tab, hi));
	__m256i none = _mm256_cmpeq_epi8(_mm256_and_si256(cls, _mm256_set1_epi8(NB_ALPHA)),
					 _mm256_setzero_si256());

	*a = ~(uint32_t)_mm256_movemask_epi8(none);
	*b = (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(cls, 1));
	*q = (uint32_t)_mm256_movemask_epi8(cls);
}

__attribute__((target("avx2"))) void
decode_b64_classes_avx2(const uint8_t *p, struct decode_b64_masks *m)
{
	uint32_t a0, b0, q0, a1, b1, q1;

	b64_classes32(_mm256_loadu_si256((const __m256i *)(const void *)p), &a0, &b0, &q0);
	b64_classes32(_mm256_loadu_si256((const __m256i *)(const void *)(p + 32)), &a1, &b1, &q1);
	m->alpha = a0 | (uint64_t)a1 << 32;
	m->brk = b0 | (uint64_t)b1 << 32;
	m->pad = q0 | (uint64_t)q1 << 32;
}

/*
 * One block of decode_b64_quiet: reset holds the block's bytes that end a run. False when
 * a run may reach min in it (bytes counted: each is at most one character), the block not
 * passed over; else *c is the bytes after its last reset byte (or *c + 64) and *skip the
 * offset after that byte.
 */
static inline bool
b64_quiet_block(uint64_t reset, size_t at, unsigned int min, uint64_t *c, size_t *skip)
{
	if (reset == 0) {
		*c += 64;
		return *c < min;
	}
	if (*c + (uint64_t)__builtin_ctzll(reset) >= min)
		return false;
	*c = (uint64_t)__builtin_clzll(reset);
	*skip = at + 64 - (size_t)*c;
	return true;
}

__attribute__((target("avx2"))) static size_t
b64_quiet_avx2(const uint8_t *p, size_t n, unsigned int run, unsigned int min, bool brk_in_run,
	       size_t *at)
{
	uint64_t c = run;
	size_t skip = 0;

	for (*at = 0; n - *at >= 64; *at += 64) {
		uint32_t a0, b0, q0, a1, b1, q1;
		uint64_t keep;

		b64_classes32(_mm256_loadu_si256((const __m256i *)(const void *)(p + *at)),
			      &a0, &b0, &q0);
		b64_classes32(_mm256_loadu_si256((const __m256i *)(const void *)(p + *at + 32)),
			      &a1, &b1, &q1);
		keep = a0 | (uint64_t)a1 << 32;
		if (brk_in_run)
			keep |= b0 | (uint64_t)b1 << 32;
		if (!b64_quiet_block(~keep, *at, min, &c, &skip))
			break;
	}
	return skip;
}

static size_t
b64_quiet_table(const uint8_t *p, size_t n, unsigned int run, unsigned int min, bool brk_in_run,
		size_t *at)
{
	uint64_t c = run;
	size_t skip = 0;

	for (*at = 0; n - *at >= 64; *at += 64) {
		struct decode_b64_masks m;

		decode_b64_classes_table(p + *at, 64, &m);
		if (!b64_quiet_block(~(m.alpha | (brk_in_run ? m.brk : 0)), *at, min, &c, &skip))
			break;
	}
	return skip;
}

size_t
decode_b64_quiet(const uint8_t *p, size_t n, unsigned int run, unsigned int min, bool brk_in_run,
		 size_t *resume)
{
	size_t at, skip;

	if (min < 64) {
		*resume = n;	/* not worth trying again on these bytes */
		return 0;
	}
	skip = b64_avx2 ? b64_quiet_avx2(p, n, run, min, brk_in_run, &at)
			: b64_quiet_table(p, n, run, min, brk_in_run, &at);
	*resume = n - at >= 64 ? at + 64 : at;
	return skip;
}

void
decode_b64_classes(const uint8_t *p, size_t n, size_t before, struct decode_b64_masks *m)
{
	if (b64_avx2 && n == 64) {
		decode_b64_classes_avx2(p, m);
	} else if (b64_avx2 && n > 0 && n < 64 && before >= 64 - n) {
		unsigned int k = 64 - (unsigned int)n;	/* bytes read before p */

		decode_b64_classes_avx2(p - k, m);
		m->alpha >>= k;
		m->brk >>= k;
		m->pad >>= k;
	} else {
		decode_b64_classes_table(p, n, m);
	}
}
