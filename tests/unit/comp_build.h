/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the Content-Encoding decoder tests (comp_build.c): a seeded text, the real
 * encoders (zlib, libbrotlienc, libzstd), an output sink, and a driver that decodes a
 * body cut at given offsets through a chain and checks the pool is empty after. They
 * assert with cmocka, so only call them from inside a running test.
 */
#ifndef TOLLGATE_TESTS_COMP_BUILD_H
#define TOLLGATE_TESTS_COMP_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "decode_comp.h"
#include "decode_pool.h"

/* The pool decode_all() uses: COMP_POOL_LEN bytes, set up by pool_setup(). */
#define COMP_POOL_LEN	(64u << 20)
extern struct decode_pool pool;
int pool_setup(void **state);
int pool_teardown(void **state);

/* Everything a decoder delivered, in order. */
struct sink {
	uint8_t *p;
	size_t len, cap;
	size_t calls;		/* callbacks */
	size_t max_chunk;	/* longest callback */
	size_t cut_out[8];	/* len after each of the first 8 pieces decode_all() fed */
};

void sink_out(void *cookie, const uint8_t *p, size_t n);
void sink_free(struct sink *s);

/* len bytes of English-like lines with cards, IBANs, e-mails and phones (seeded). */
void make_text(uint8_t *p, size_t len, uint32_t seed);

/*
 * Encode src[0..n) into dst (cap bytes) and return the length. flush_at > 0 flushes
 * after that many input bytes (zlib Z_FULL_FLUSH, brotli FLUSH, zstd e_flush), so the
 * rest starts a new block. zlib: wbits as deflateInit2 (9..15 zlib, -9..-15 raw, +16
 * gzip), level 6. br: quality 5, window 2^lgwin. zstd: level 3.
 */
size_t zlib_encode(const uint8_t *src, size_t n, int wbits, size_t flush_at, uint8_t *dst,
		   size_t cap);
size_t br_encode(const uint8_t *src, size_t n, int lgwin, size_t flush_at, uint8_t *dst,
		 size_t cap);
size_t zstd_encode(const uint8_t *src, size_t n, size_t flush_at, uint8_t *dst, size_t cap);

/*
 * Decode enc[0..len), encoded with codings[0..n) in header order, through a chain on
 * pool with conf, cut at the increasing offsets cuts[0..ncuts) (each piece an exactly
 * sized heap copy), into out; finish unless a feed failed. *st gets the chain's stats
 * after it ended (mem 0, mem_peak kept). Checks the pool is back to 0 bytes in use and
 * consistent. Returns the first non-zero result of feed or finish, else 0.
 */
int decode_all(const enum decode_comp_coding *codings, unsigned n, const uint8_t *enc,
	       size_t len, const size_t *cuts, size_t ncuts, const struct decode_comp_conf *conf,
	       struct sink *out, struct decode_comp_stats *st);

#endif
