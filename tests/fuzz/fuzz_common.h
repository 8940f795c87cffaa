/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): a small deterministic
 * generator seeded from the input, so the cuts a target makes are a function of the input
 * (a crash file reproduces), a streaming hash of the events a parser reports (to compare
 * two runs over different cuts), and the check that aborts on a broken property.
 * Header-only: each target is one program built by tools/fuzz-build.
 */
#ifndef TOLLGATE_FUZZ_COMMON_H
#define TOLLGATE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A property the module's header promises does not hold: say which and abort, which
 * libFuzzer reports as a crash with the input saved.
 */
#define FUZZ_CHECK(cond)                                                                      \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__,  \
				#cond);                                                       \
			abort();                                                              \
		}                                                                             \
	} while (0)

/*
 * For the harness's own loops (checks over every byte delivered, models, generators): no
 * coverage instrumentation, so libFuzzer's time and feedback go to the module under test,
 * not to comparisons in the harness.
 */
#define FUZZ_NOCOV __attribute__((no_sanitize("coverage")))

/* xorshift64*: the cuts and choices of one run, seeded from input bytes. */
struct fuzz_rng {
	uint64_t s;
};

static inline void
fuzz_rng_seed(struct fuzz_rng *r, uint64_t seed)
{
	r->s = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	if (r->s == 0)
		r->s = 1;
}

static inline uint64_t
fuzz_rng_next(struct fuzz_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* A number in [0, n) (n >= 1). */
static inline size_t
fuzz_rng_below(struct fuzz_rng *r, size_t n)
{
	return (size_t)(fuzz_rng_next(r) % n);
}

/*
 * The length of the next piece of a stream with left bytes to go (left >= 1): a mix of
 * single bytes, short pieces and long ones, as TCP segments and reassembly hand them
 * over, so state carried across calls (a split escape, a split line) is exercised.
 */
static inline size_t
fuzz_piece(struct fuzz_rng *r, size_t left)
{
	size_t n;

	switch (fuzz_rng_below(r, 4)) {
	case 0:
		n = 1;
		break;
	case 1:
		n = 1 + fuzz_rng_below(r, 8);
		break;
	case 2:
		n = 1 + fuzz_rng_below(r, 128);
		break;
	default:
		n = 1 + fuzz_rng_below(r, 2048);
		break;
	}
	return n < left ? n : left;
}

/* FNV-1a over the events of a run; two runs compare by their digests. */
struct fuzz_hash {
	uint64_t h;
	uint64_t n;	/* bytes hashed: a second, independent witness */
};

static inline void
fuzz_hash_init(struct fuzz_hash *fh)
{
	fh->h = 0xcbf29ce484222325ull;
	fh->n = 0;
}

static inline void
fuzz_hash_put(struct fuzz_hash *fh, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		fh->h ^= b[i];
		fh->h *= 0x100000001b3ull;
	}
	fh->n += n;
}

static inline void
fuzz_hash_u64(struct fuzz_hash *fh, uint64_t v)
{
	fuzz_hash_put(fh, &v, sizeof(v));
}

/* A NUL-terminated string of at most cap bytes (NUL included), terminator checked. */
static inline void
fuzz_hash_str(struct fuzz_hash *fh, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	FUZZ_CHECK(n < cap);
	fuzz_hash_u64(fh, n);
	fuzz_hash_put(fh, s, n);
}

/* Read every byte of p[0..n) so the sanitizer sees a bad pointer or length handed out. */
static volatile uint8_t fuzz_touched;

static inline void
fuzz_touch(const uint8_t *p, size_t n)
{
	uint8_t x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		x ^= p[i];
	fuzz_touched = x;
}

/*
 * A copy of p[0..n) in a block of exactly n bytes (NULL for n == 0), so AddressSanitizer
 * catches a module reading p[n] or beyond, which a slice of the fuzzer's input would not
 * show. Freed with free().
 */
static inline uint8_t *
fuzz_dup(const uint8_t *p, size_t n)
{
	uint8_t *c;

	if (n == 0)
		return NULL;
	c = malloc(n);
	if (c == NULL)
		abort();
	memcpy(c, p, n);
	return c;
}

/*
 * The first n bytes of p (n <= cap) moved to the end of blk, a block of cap bytes from
 * malloc, so a read past the n bytes runs off the block and AddressSanitizer sees it, as
 * with fuzz_dup, without an allocation per call (for loops over every prefix). Returns
 * where the copy starts.
 */
static inline const uint8_t *
fuzz_at_end(uint8_t *blk, size_t cap, const uint8_t *p, size_t n)
{
	uint8_t *q = blk + (cap - n);

	if (n > 0)
		memmove(q, p, n);
	return q;
}

/* Little-endian 16-bit value at p (2 bytes readable). */
static inline uint16_t
fuzz_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

#endif
