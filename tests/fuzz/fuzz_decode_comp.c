/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the Content-Encoding decoders (dataplane/decode_comp.h) as a chain
 * over a decode_pool (dataplane/decode_pool.h), as the app layer drives them.
 *
 * Input:  byte 0   the codings: bits 0-1 how many (1-4), then two bits per coding in
 *                  header order (0 gzip, 1 deflate, 2 br, 3 zstd) for the first three,
 *                  the fourth from byte 1 bits 0-1
 *         byte 1   limits: bit 2 a small pool (256 KiB), bit 3 mem_max 96 KiB, bit 4
 *                  64-byte output buffers, bit 5 out_max 4 KiB, bit 6 no ratio check,
 *                  bit 7 the smallest zstd window (1 KiB)
 *         byte 2   seed of the cuts
 *         then the encoded body.
 *
 * The body goes through a chain twice: in one call, then cut into random pieces (each
 * piece in a block of its own size, so a read past it is caught). Checks, aborting on
 * failure:
 *   - after decode_comp_chain_end() the pool has no byte in use and its blocks are
 *     consistent (decode_pool_check), whatever happened (corrupt data, no memory, caps);
 *     the same after an init that failed;
 *   - every output call brings 1..out_chunk bytes, and no more than out_max in all;
 *   - when both runs decode without error, their outputs are the same bytes
 *     (decode_comp.h: the concatenation does not depend on how the body was cut);
 *   - decode_comp_parse() on a header made from the input returns codings it knows.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode_comp.h"
#include "decode_pool.h"
#include "fuzz_common.h"

#define POOL_BYTES (16u << 20)

struct out {
	struct fuzz_hash hash;
	uint64_t len;
	uint32_t chunk;
};

static void
out_fn(void *cookie, const uint8_t *p, size_t n)
{
	struct out *o = cookie;

	FUZZ_CHECK(p != NULL);
	FUZZ_CHECK(n >= 1 && n <= o->chunk);
	fuzz_hash_put(&o->hash, p, n);
	o->len += n;
}

static uint8_t *pool_mem;

/* Returns the chain's error (0: decoded without one); the output's digest is in o. */
static int
run(const enum decode_comp_coding *codings, unsigned int nc,
    const struct decode_comp_conf *conf, size_t pool_cap, const uint8_t *p, size_t n,
    struct fuzz_rng *cuts, struct out *o)
{
	struct decode_pool pool;
	struct decode_comp_chain chain;
	struct decode_comp_stats st;
	size_t pos = 0;
	int rc, err;

	memset(o, 0, sizeof(*o));
	fuzz_hash_init(&o->hash);
	o->chunk = conf->out_chunk;
	FUZZ_CHECK(decode_pool_init(&pool, pool_mem, POOL_BYTES, pool_cap) == 0);
	memset(&chain, 0, sizeof(chain));
	rc = decode_comp_chain_init(&chain, codings, nc, conf, &pool, out_fn, o);
	if (rc != 0) {
		FUZZ_CHECK(rc == DECODE_COMP_ENOMEM);
		FUZZ_CHECK(decode_pool_in_use(&pool) == 0);
		decode_comp_chain_end(&chain);
		FUZZ_CHECK(decode_pool_in_use(&pool) == 0);
		return rc;
	}
	err = 0;
	while (pos < n) {
		size_t k = cuts != NULL ? fuzz_piece(cuts, n - pos) : n - pos;
		uint8_t *c = fuzz_dup(p + pos, k);

		rc = decode_comp_chain_feed(&chain, c, k);
		free(c);
		if (err == 0)
			err = rc;
		FUZZ_CHECK(rc == err);	/* the first error stays */
		pos += k;
		if (conf->out_max != 0)
			FUZZ_CHECK(o->len <= conf->out_max);
	}
	rc = decode_comp_chain_finish(&chain);
	FUZZ_CHECK(err == 0 || rc == err);
	if (err == 0)
		err = rc;
	FUZZ_CHECK(decode_comp_chain_finish(&chain) == err);
	decode_comp_chain_stats(&chain, &st);
	FUZZ_CHECK(st.out_bytes == o->len);
	FUZZ_CHECK(st.err == err);
	FUZZ_CHECK(st.mem == decode_pool_in_use(&pool));
	decode_comp_chain_end(&chain);
	FUZZ_CHECK(decode_pool_in_use(&pool) == 0);
	FUZZ_CHECK(decode_pool_check(&pool) == 0);
	decode_comp_chain_end(&chain);	/* safe on an ended chain */
	FUZZ_CHECK(decode_pool_in_use(&pool) == 0);
	(void)decode_comp_strerror(err);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum decode_comp_coding map[4] = {
		DECODE_COMP_GZIP, DECODE_COMP_DEFLATE, DECODE_COMP_BR, DECODE_COMP_ZSTD,
	};
	enum decode_comp_coding codings[DECODE_COMP_MAX_CODINGS];
	struct decode_comp_conf conf;
	struct fuzz_rng cuts;
	struct out a, b;
	unsigned int nc, i, np;
	size_t pool_cap;
	char *hdr;
	int ea, eb, rc;

	if (pool_mem == NULL) {
		pool_mem = malloc(POOL_BYTES);
		FUZZ_CHECK(pool_mem != NULL);
	}
	if (size < 3)
		return 0;

	/* The header parser, on up to 48 bytes of the input taken as a header value. */
	np = 0;
	hdr = (char *)fuzz_dup(data, size < 48 ? size : 48);
	rc = decode_comp_parse(hdr, size < 48 ? size : 48, codings, &np);
	free(hdr);
	if (rc == 0) {
		FUZZ_CHECK(np <= DECODE_COMP_MAX_CODINGS);
		for (i = 0; i < np; i++)
			FUZZ_CHECK(codings[i] > DECODE_COMP_IDENTITY &&
				   codings[i] < DECODE_COMP__COUNT);
	} else {
		FUZZ_CHECK(rc == DECODE_COMP_UNKNOWN || rc == DECODE_COMP_TOOMANY);
		FUZZ_CHECK(np == 0);
	}

	nc = 1 + (data[0] & 3);
	for (i = 0; i < nc; i++)
		codings[i] = map[i < 3 ? (data[0] >> (2 + 2 * i)) & 3 : data[1] & 3];
	decode_comp_conf_default(&conf);
	pool_cap = (data[1] & 0x04) ? 256u << 10 : 0;
	if (data[1] & 0x08)
		conf.mem_max = 96u << 10;
	if (data[1] & 0x10)
		conf.out_chunk = DECODE_COMP_OUT_CHUNK_MIN;
	conf.out_max = (data[1] & 0x20) ? 4096 : 1u << 20;
	if (data[1] & 0x40)
		conf.ratio_max = 0;
	if (data[1] & 0x80)
		conf.zstd_window_log_max = DECODE_COMP_ZSTD_WLOG_MIN;
	fuzz_rng_seed(&cuts, data[2] ^ ((uint64_t)size << 8));

	ea = run(codings, nc, &conf, pool_cap, data + 3, size - 3, NULL, &a);
	eb = run(codings, nc, &conf, pool_cap, data + 3, size - 3, &cuts, &b);
	if (ea == 0 && eb == 0) {
		FUZZ_CHECK(a.len == b.len);
		FUZZ_CHECK(a.hash.h == b.hash.h);
	}
	return 0;
}
