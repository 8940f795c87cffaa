/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feed-and-check helpers for the text decoder unit tests (decode_check.c), driving the
 * decoders through decode_text_*. They assert with cmocka, so they may only be called
 * from inside a running cmocka test.
 */
#ifndef TOLLGATE_TESTS_DECODE_CHECK_H
#define TOLLGATE_TESTS_DECODE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "decode_text.h"

/* A string literal as (bytes, length without the final NUL): NULs inside count. */
#define S(lit)	(const uint8_t *)(lit), sizeof(lit) - 1

/* What a decoder output, gathered by out_append; free with outbuf_free. */
struct outbuf {
	uint8_t *p;
	size_t n, cap;
	size_t calls;	/* callback calls */
};

/* A decode_out_fn appending to the struct outbuf at cookie. */
void out_append(void *cookie, const uint8_t *p, size_t n);
void outbuf_free(struct outbuf *o);

/*
 * Decode in[0..n) with d initialised to kind, fed in pieces that end at cuts[0..ncuts)
 * (non-decreasing, each <= n; equal cuts give empty pieces) and at n, each piece from
 * its own exactly-sized heap copy (NULL when empty); then finish. o is reset first.
 * Asserts bytes_in == n, bytes_out == o->n and o->n <= n.
 */
void run_cut(struct decode_text *d, enum decode_text_kind kind, const uint8_t *in, size_t n,
	     const size_t *cuts, size_t ncuts, struct outbuf *o);

/* Decode in one piece; assert the output is want and the invalid count is invalid. */
void check_one(enum decode_text_kind kind, const uint8_t *in, size_t n, const uint8_t *want,
	       size_t want_n, uint64_t invalid);

/* One expected decoding: want_n 0 means strlen(want). */
struct vec {
	const char *in;
	const char *want;
	size_t want_n;
	uint64_t invalid;
};

void check_vecs(enum decode_text_kind kind, const struct vec *v, size_t nv);

/*
 * Assert that in cut at every offset, at every pair of offsets and byte by byte gives
 * the output and invalid count of in in one piece.
 */
void check_every_cut(enum decode_text_kind kind, const uint8_t *in, size_t n);

/* The tests' random numbers: xorshift64*, reseeded by each test for fixed inputs. */
void rng_seed(uint64_t seed);
uint32_t rng(void);
void random_bytes(uint8_t *p, size_t n);

/* Write lead and c's two hex digits (upper or lower case at random) at o; returns 3. */
size_t put_hex(uint8_t *o, uint8_t c, char lead);

/*
 * Decode in one piece and in up to 7 random cuts; assert both agree (output and invalid
 * count) and, when want is not NULL, that the output is want with nothing invalid.
 */
void check_random_cuts(enum decode_text_kind kind, const uint8_t *in, size_t n,
		       const uint8_t *want, size_t want_n);

/* Run check_random_cuts over rounds random inputs of up to 159 bytes, mostly from the
 * characters that mean something to some decoder. */
void check_random_noise(enum decode_text_kind kind, int rounds);

#endif
