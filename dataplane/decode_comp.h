/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DECODE_COMP_H
#define TOLLGATE_DECODE_COMP_H

#include <stddef.h>
#include <stdint.h>

#include "decode_comp_types.h"

/*
 * Streaming Content-Encoding decoders (decode_comp.c) and the chain of them a stacked
 * header asks for (decode_comp_chain.c). A decoder, its chain and the pool it draws from
 * belong to one thread (a worker): every function here is called by that thread only,
 * never from inside an output callback of the same decoder or chain. Nothing here calls
 * malloc, sleeps or logs; the only memory is the caller's struct and its pool.
 *
 * Life of one body:
 *   decode_comp_parse(Content-Encoding value) -> codings
 *   decode_comp_chain_init(chain, codings, conf, pool, out, cookie)
 *   decode_comp_chain_feed(chain, piece) ...   -> out(cookie, decoded bytes) ...
 *   decode_comp_chain_finish(chain)            -> flags END or TRUNCATED
 *   decode_comp_chain_end(chain)               -> every pool byte given back
 * A non-zero result stops decoding for good; the output delivered so far stands and the
 * caller keeps scanning the raw body. The end function is due in every case.
 */

/* Fill conf with the DECODE_COMP_DEF_* values (no mem_max). */
void decode_comp_conf_default(struct decode_comp_conf *conf);

/*
 * Start decoding one body encoded with coding (gzip, deflate, br or zstd; identity is
 * rejected). conf is copied; out receives the decoded bytes with cookie. The output
 * buffer (conf->out_chunk bytes) and the library's state come from pool now; more comes
 * later as the stream asks (zlib's window at the first output, brotli's ring buffer and
 * tables, zstd's buffers at each frame header). Returns 0; DECODE_COMP_EINVAL for a NULL
 * pointer, an unknown coding or conf->out_chunk / conf->zstd_window_log_max outside the
 * DECODE_COMP_*_MIN/MAX bounds; DECODE_COMP_ENOMEM when the pool (or conf->mem_max)
 * refused. On failure nothing is held (decode_comp_end() is a harmless no-op) and
 * stats.err says why. d must not move until decode_comp_end().
 */
int decode_comp_init(struct decode_comp *d, enum decode_comp_coding coding,
		     const struct decode_comp_conf *conf, struct decode_pool *pool,
		     decode_comp_out_fn out, void *cookie);

/*
 * Decode the next n bytes of the body (p is the caller's, read during the call only).
 * Every byte the library can decode from the input so far is delivered before the call
 * returns, in pieces of at most conf.out_chunk bytes; the concatenation of the output
 * does not depend on how the body was cut. A gzip body may hold several members and a
 * zstd body several frames (and skippable frames). Bytes after the end of the stream
 * (after a member or frame, bytes that do not start another) are ignored and counted
 * (F_TRAILING, ignored_bytes). Returns 0 or, stopping the decoder (stats.err, a flag):
 *   DECODE_COMP_CORRUPT  invalid data; what was decoded before it has been delivered
 *                        (br: but for what the last slice of up to 256 bytes decoded
 *                        to, which libbrotli drops when it fails);
 *   DECODE_COMP_ENOMEM   the pool or conf.mem_max refused the library memory;
 *   DECODE_COMP_WINDOW   a zstd frame asks for a window over 2^zstd_window_log_max;
 *   DECODE_COMP_CAP      out_max bytes delivered and more were coming;
 *   DECODE_COMP_BOMB     more than max(ratio_grace, ratio_max * in_bytes) decoded:
 *                        exactly that many were delivered.
 * DECODE_COMP_EINVAL (d not initialised or ended, p NULL with n > 0) changes nothing.
 * Work per call is bounded by n and by the limits: at most one output buffer (one zstd
 * block) is decoded past a limit.
 */
int decode_comp_feed(struct decode_comp *d, const uint8_t *p, size_t n);

/*
 * The body ended (message framing says so). Sets F_END when the stream stopped where a
 * stream may stop (after a gzip member, a zstd frame, the end of a zlib/raw/br stream),
 * F_TRUNCATED when it stopped inside one (the output delivered so far is all there is;
 * not an error), neither when no byte was ever fed. Returns 0, the decoder's error if it
 * had stopped, or DECODE_COMP_EINVAL. Calling it again returns 0 and changes nothing.
 */
int decode_comp_finish(struct decode_comp *d);

/*
 * Give everything d holds back to its pool (stats.mem is 0 after). Always due after
 * decode_comp_init(), whatever happened; safe on a zeroed or ended struct and on NULL.
 * stats stay readable.
 */
void decode_comp_end(struct decode_comp *d);

/* A static English phrase for an enum decode_comp_err value. */
const char *decode_comp_strerror(int err);

/* The coding's token as the header writes it ("gzip", "deflate", "br", "zstd", ...). */
const char *decode_comp_coding_name(enum decode_comp_coding coding);

/*
 * Parse a Content-Encoding field value (RFC 9110 8.4: a comma-separated list of codings
 * in the order they were applied; several header lines are joined with ", " by the
 * caller) of len bytes at v (no NUL needed). Tokens are matched without regard to case:
 * gzip and x-gzip, deflate, br, zstd; identity is skipped; empty list elements and
 * spaces or tabs around elements are allowed (RFC 9110 5.6.1). Writes the codings in
 * header order to codings[0..*n) (DECODE_COMP_MAX_CODINGS entries) and returns 0; *n
 * may be 0 (empty value or identity only: nothing to decode). Returns
 * DECODE_COMP_UNKNOWN for any other token (compress, a parameter, a stray byte) and
 * DECODE_COMP_TOOMANY past DECODE_COMP_MAX_CODINGS codings; *n is then 0. Pure: any
 * thread.
 */
int decode_comp_parse(const char *v, size_t len, enum decode_comp_coding *codings,
		      unsigned *n);

/*
 * Start decoding a body encoded with codings[0..n) in header order (1 <= n <=
 * DECODE_COMP_MAX_CODINGS, none identity): stage[0] undoes codings[n - 1] and feeds
 * stage[1], and so on; the last stage calls out. Every stage gets conf's limits; the
 * ratio of every stage counts against the encoded bytes stage[0] consumed. Returns 0,
 * or DECODE_COMP_EINVAL / DECODE_COMP_ENOMEM as decode_comp_init() (nothing is held
 * then, c->err says why). c must not move until decode_comp_chain_end().
 */
int decode_comp_chain_init(struct decode_comp_chain *c,
			   const enum decode_comp_coding *codings, unsigned n,
			   const struct decode_comp_conf *conf, struct decode_pool *pool,
			   decode_comp_out_fn out, void *cookie);

/*
 * Decode the next n bytes of the body through every stage, as decode_comp_feed(). The
 * first error of any stage stops the chain (c->err; the stage that had it has the flag
 * and its stats.err) and is returned by every later call.
 */
int decode_comp_chain_feed(struct decode_comp_chain *c, const uint8_t *p, size_t n);

/* The body ended: finish every stage in order (see decode_comp_finish()). */
int decode_comp_chain_finish(struct decode_comp_chain *c);

/* End every stage (see decode_comp_end()); safe on a zeroed or ended chain and NULL. */
void decode_comp_chain_end(struct decode_comp_chain *c);

/*
 * The chain's counters in one: in_bytes and ignored_bytes of stage[0], out_bytes of the
 * last stage, mem and mem_peak summed over the stages, members of the last stage, flags
 * OR-ed over the stages, err the chain's.
 */
void decode_comp_chain_stats(const struct decode_comp_chain *c, struct decode_comp_stats *st);

#endif
